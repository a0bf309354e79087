//! What people are typing on the board, held outside the rows it edits, and the one inline
//! form they type it into.
//!
//! A draft belongs to the board page, keyed by what it edits (a note's amendment, a checklist
//! item's answer, an action's readback…), so it outlives any row that shows it: a remote
//! change that redraws a row, or a row that scrolls out and back, keeps the half-typed text.
//! It is cleared when what it was typed for is sent. Nothing here sends commands itself.

use std::collections::HashMap;

use leptos::prelude::*;
use warroom_core::{ActionId, ChecklistId, ConcernId, NoteId, Role};

/// What a draft is typed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DraftKey {
    /// The timeline's composer.
    Composer,
    Amend(NoteId),
    Retract(NoteId),
    /// The observed value of checklist item `(checklist, index)`.
    ItemValue(ChecklistId, u32),
    ItemNotApplicable(ChecklistId, u32),
    NewItem(ChecklistId),
    NewItemPrompt(ChecklistId),
    NewChecklist,
    AssignAction,
    Readback(ActionId),
    Correction(ActionId),
    CloseAction(ActionId),
    RaiseConcern,
    AcknowledgeConcern(ConcernId),
    AssumeRole(Role),
    /// The reason for a sterile phase the commander is about to declare.
    SterileReason,
}

/// The board page's drafts, provided as context.
#[derive(Clone, Copy)]
pub struct Drafts {
    /// Drafts are made in the board page's owner, so they live exactly as long as the page.
    owner: StoredValue<Owner, LocalStorage>,
    drafts: StoredValue<HashMap<DraftKey, RwSignal<String>>>,
}

impl Drafts {
    /// Drafts for the page being built (call in its component).
    pub fn new() -> Self {
        Self {
            owner: StoredValue::new_local(Owner::current().unwrap_or_default()),
            drafts: StoredValue::new(HashMap::new()),
        }
    }

    /// The draft for `key`, empty at first.
    pub fn get(&self, key: DraftKey) -> RwSignal<String> {
        self.get_or(key, String::new)
    }

    /// The draft for `key`, starting as `first()` when there is none yet.
    pub fn get_or(&self, key: DraftKey, first: impl FnOnce() -> String) -> RwSignal<String> {
        if let Some(draft) = self.drafts.with_value(|d| d.get(&key).copied()) {
            return draft;
        }
        let draft = self.owner.with_value(|o| o.with(|| RwSignal::new(first())));
        self.drafts.update_value(|d| {
            d.insert(key, draft);
        });
        draft
    }
}

impl Default for Drafts {
    fn default() -> Self {
        Self::new()
    }
}

/// The board's drafts from context (the review page has none: it gets fresh ones).
pub fn drafts() -> Drafts {
    use_context::<Drafts>().unwrap_or_default()
}

/// A text box bound to a draft: what is typed goes into the draft, and back out of it.
#[component]
pub fn DraftInput(
    /// The draft it edits.
    draft: RwSignal<String>,
    /// The element id (labels point at it).
    #[prop(optional, into)]
    id: Option<String>,
    /// Refuse to submit the form while empty.
    #[prop(optional)]
    required: bool,
    /// The placeholder text.
    #[prop(optional, into)]
    placeholder: Option<String>,
    /// The accessible name, when no `<label>` points at it.
    #[prop(optional, into)]
    aria_label: Option<String>,
) -> impl IntoView {
    view! {
        <input id=id required=required placeholder=placeholder aria-label=aria_label
            prop:value=move || draft.get() on:input=move |ev| draft.set(event_target_value(&ev)) />
    }
}

/// The board's inline form: a label, one required text box bound to a draft, a submit
/// button and, if asked for, Cancel. Submitting hands the text to `on_submit` and empties the
/// draft; the caller decides what is sent and whether the form closes.
#[component]
pub fn InlineForm(
    /// The text box's element id.
    #[prop(into)]
    id: String,
    /// The label of the text box.
    #[prop(into)]
    label: Signal<String>,
    /// The draft it edits.
    draft: RwSignal<String>,
    /// The words on the submit button.
    #[prop(into)]
    submit: Signal<String>,
    /// The submit button's CSS class.
    #[prop(optional)]
    submit_class: &'static str,
    /// The text box's placeholder.
    #[prop(optional, into)]
    placeholder: Option<String>,
    /// Called with the text on submit.
    on_submit: Callback<String>,
    /// Shows a Cancel button that calls this.
    #[prop(optional)]
    on_cancel: Option<Callback<()>>,
    /// More fields, after the text box.
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    let send = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        on_submit.run(draft.get_untracked());
        draft.set(String::new());
    };
    view! {
        <form class="inline-form" on:submit=send>
            <label for=id.clone()>{move || label.get()}</label>
            <DraftInput draft=draft id=id required=true placeholder=placeholder.unwrap_or_default() />
            {children.map(|c| c())}
            <button type="submit" class=submit_class>{move || submit.get()}</button>
            {on_cancel.map(|cancel| view! {
                <button type="button" class="ghost" on:click=move |_| cancel.run(())>"Cancel"</button>
            })}
        </form>
    }
}
