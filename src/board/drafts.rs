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
    /// When the composer's note happened (a `datetime-local` value, the browser's time zone),
    /// and how exactly (`exact`, `about` or `unknown`); empty: now.
    ComposerWhen,
    ComposerPrecision,
    /// The postmortem panel's fields.
    PostmortemTitle,
    ImpactStart,
    ImpactEnd,
    ImpactStatement,
    FollowUpText,
    FollowUpOwner,
    FollowUpDue,
    FollowUpLink,
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
    /// The field was submitted empty and must not be: `aria-invalid`, and the message of
    /// `described_by` says why.
    #[prop(optional, into)]
    invalid: Option<Signal<bool>>,
    /// The id of the message that describes the field (its error).
    #[prop(optional, into)]
    described_by: Option<String>,
) -> impl IntoView {
    view! {
        <input id=id required=required placeholder=placeholder aria-label=aria_label
            aria-invalid=move || invalid.map(|i| i.get().to_string())
            aria-describedby=described_by
            prop:value=move || draft.get() on:input=move |ev| draft.set(event_target_value(&ev)) />
    }
}

/// A required field of `draft` left empty: the message shown at the field (the `id` its
/// input's `aria-describedby` names), set on a refused submit and cleared once something is
/// typed. `field` is the input's id; it keeps focus so that the person types the answer.
#[derive(Clone, Copy)]
pub struct Missing {
    pub shown: RwSignal<bool>,
}

impl Missing {
    /// Cleared as soon as `draft` holds text.
    pub fn new(draft: RwSignal<String>) -> Self {
        let shown = RwSignal::new(false);
        Effect::new(move |_| {
            if !draft.with(|d| d.trim().is_empty()) && shown.get_untracked() {
                shown.set(false);
            }
        });
        Self { shown }
    }

    /// Whether `draft` may be sent; if not, says so at the field and keeps focus there.
    pub fn check(self, draft: RwSignal<String>, field: &str) -> bool {
        if !draft.with_untracked(|d| d.trim().is_empty()) {
            return true;
        }
        self.shown.set(true);
        if let Some(el) = document()
            .get_element_by_id(field)
            .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
        {
            let _ = el.focus();
        }
        false
    }
}

/// The message of a [`Missing`] answer, shown at its field.
#[component]
pub fn MissingMessage(
    missing: Missing,
    /// Its element id (the field's `aria-describedby`).
    #[prop(into)]
    id: String,
    /// What the person has to do, in words.
    #[prop(into)]
    text: String,
) -> impl IntoView {
    view! {
        <p class="field-error" id=id role="alert" hidden=move || !missing.shown.get()>
            {move || missing.shown.get().then(|| text.clone())}
        </p>
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
    let missing = Missing::new(draft);
    let field = StoredValue::new(id.clone());
    let error_id = format!("{id}-missing");
    let send = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        if !field.with_value(|f| missing.check(draft, f)) {
            return;
        }
        on_submit.run(draft.get_untracked());
        draft.set(String::new());
    };
    view! {
        // The browser's own check says nothing anyone sees: the form says it at the field.
        <form class="inline-form" on:submit=send novalidate>
            <label for=id.clone()>{move || label.get()}</label>
            <DraftInput draft=draft id=id required=true placeholder=placeholder.unwrap_or_default()
                invalid=missing.shown described_by=error_id.clone() />
            <MissingMessage missing=missing id=error_id text="Fill this in first." />
            {children.map(|c| c())}
            <button type="submit" class=submit_class>{move || submit.get()}</button>
            {on_cancel.map(|cancel| view! {
                <button type="button" class="ghost" on:click=move |_| cancel.run(())>"Cancel"</button>
            })}
        </form>
    }
}
