//! Checklists: start one from a template or build one; read-do or do-confirm and the pause
//! point are shown; each item is checked (with an observed value where it asks for one) or
//! marked not applicable with a reason, and says who did it and when; killer items stand out;
//! progress per checklist; a warning past nine items.
//!
//! A card watches its checklist and each item row watches its own item, so ticking one item
//! redraws that row alone; answers and reasons being typed are drafts of the board.

use leptos::prelude::*;
use warroom_core::templates::TEMPLATES;
use warroom_core::{
    Checklist, ChecklistId, ChecklistItem, ChecklistKind, Command, CommandId, ItemState, PausePoint,
};

use crate::board::Board;
use crate::board::drafts::{DraftInput, DraftKey, InlineForm, Missing, MissingMessage, drafts};
use crate::clock::utc_time;
use crate::widgets::CommandResult;

#[component]
pub fn ChecklistsPanel() -> impl IntoView {
    let board = expect_context::<Board>();
    view! {
        <section class="panel checklists" aria-labelledby="checklists-h">
            <h2 id="checklists-h">"Checklists"</h2>
            <Show when=move || !board.read_only.get()>
                <StartChecklist />
            </Show>
            <For each=move || board.checklists.ids() key=|id| *id let:id>
                <ChecklistCard id=id />
            </For>
        </section>
    }
}

#[component]
fn StartChecklist() -> impl IntoView {
    let board = expect_context::<Board>();
    let template = RwSignal::new(TEMPLATES[0].id.to_owned());
    let building = RwSignal::new(false);
    let title = drafts().get(DraftKey::NewChecklist);
    let kind = RwSignal::new(ChecklistKind::ReadDo);
    let last = RwSignal::new(None::<CommandId>);
    view! {
        <form class="start-checklist row" on:submit=move |ev: web_sys::SubmitEvent| {
            ev.prevent_default();
            last.set(board.submit(Command::StartChecklist { template: template.get_untracked() }));
        }>
            <label for="template">"Template"</label>
            <select id="template" on:change=move |ev| template.set(event_target_value(&ev))>
                {TEMPLATES.iter().map(|t| view! {
                    <option value=t.id>{format!("{} ({})", t.title, t.pause_point.label().to_lowercase())}</option>
                }).collect_view()}
            </select>
            <button type="submit">"Start checklist"</button>
            <button type="button" class="ghost" on:click=move |_| building.update(|b| *b = !*b)>"Build one…"</button>
        </form>
        <Show when=move || building.get()>
            <InlineForm id="new-checklist" label="New checklist title" draft=title submit="Create"
                on_submit=Callback::new(move |title| {
                    last.set(board.submit(Command::CreateChecklist {
                        title,
                        kind: kind.get_untracked(),
                        pause_point: PausePoint::AdHoc,
                    }));
                    building.set(false);
                })>
                <select aria-label="Checklist type" on:change=move |ev| {
                    kind.set(if event_target_value(&ev) == "do-confirm" { ChecklistKind::DoConfirm } else { ChecklistKind::ReadDo });
                }>
                    <option value="read-do">"Read-do"</option>
                    <option value="do-confirm">"Do-confirm"</option>
                </select>
            </InlineForm>
        </Show>
        <CommandResult id=last />
    }
}

#[component]
fn ChecklistCard(id: ChecklistId) -> impl IntoView {
    let board = expect_context::<Board>();
    let checklist = board.checklists.watch(&board, id);
    let drafts = drafts();
    let adding = RwSignal::new(false);
    let killer = RwSignal::new(false);
    let text = drafts.get(DraftKey::NewItem(id));
    let prompt = drafts.get(DraftKey::NewItemPrompt(id));
    let last = RwSignal::new(None::<CommandId>);
    let count = Memo::new(move |_| checklist.with(|c| c.as_ref().map_or(0, |c| c.items.len())));
    let progress = Memo::new(move |_| checklist.with(|c| c.as_ref().map(Checklist::progress)));
    let complete =
        Memo::new(move |_| checklist.with(|c| c.as_ref().is_some_and(Checklist::is_complete)));
    let too_long =
        Memo::new(move |_| checklist.with(|c| c.as_ref().is_some_and(Checklist::is_too_long)));
    let heading_id = format!("checklist-{id}");
    let labelled_by = heading_id.clone();
    let add = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        let p = prompt.get_untracked();
        last.set(board.submit(Command::AddChecklistItem {
            checklist: id,
            text: text.get_untracked(),
            killer: killer.get_untracked(),
            asks_value: (!p.trim().is_empty()).then_some(p),
        }));
        text.set(String::new());
        prompt.set(String::new());
    };
    checklist.with_untracked(|c| c.as_ref().map(|c| (c.title.clone(), c.kind, c.pause_point))).map(|(title, kind, pause_point)| view! {
        <article class="checklist" class:complete=move || complete.get() aria-labelledby=labelled_by>
            <h3 id=heading_id>{title}</h3>
            <p class="checklist-meta">
                <span class="badge">{kind.label()}</span>
                <span class="badge">{pause_point.label()}</span>
                {move || progress.get().map(|(done, total)| view! {
                    <span class="progress" role="status">{format!("{done}/{total} done")}</span>
                    <progress max=total.max(1) value=done aria-hidden="true"></progress>
                })}
            </p>
            {move || too_long.get().then(|| view! {
                <p class="caution-line">{format!("⚠ {} items: past nine, a checklist is too long to run under stress.", count.get())}</p>
            })}
            <ol class="items">
                <For each=move || 0..count.get() as u32 key=|n| *n let:n>
                    <ItemRow checklist=id index=n card=checklist />
                </For>
            </ol>
            <Show when=move || !board.read_only.get()>
                <button type="button" class="ghost small" on:click=move |_| adding.update(|a| *a = !*a)>"Add item"</button>
            </Show>
        </article>
        <Show when=move || adding.get() && !board.read_only.get()>
            <form class="inline-form" on:submit=add>
                <label for=format!("item-{id}")>"New item"</label>
                <DraftInput draft=text id=format!("item-{id}") required=true />
                <DraftInput draft=prompt aria_label="Asks for a value (optional prompt)" placeholder="Asks for a value? (prompt)" />
                <label class="check-inline"><input type="checkbox" prop:checked=move || killer.get()
                    on:change=move |ev| killer.set(event_target_checked(&ev)) />" Killer item"</label>
                <button type="submit">"Add"</button>
            </form>
        </Show>
        <CommandResult id=last />
    })
}

#[component]
fn ItemRow(
    /// The checklist it belongs to.
    checklist: ChecklistId,
    /// Its place in the checklist (items are only ever added at the end).
    index: u32,
    /// The checklist, as its card watches it.
    card: Signal<Option<Checklist>>,
) -> impl IntoView {
    let board = expect_context::<Board>();
    let drafts = drafts();
    // This item alone: another item's change does not wake it.
    let item = Memo::new(move |_| {
        card.with(|c| {
            c.as_ref()
                .and_then(|c| c.items.get(index as usize).cloned())
        })
    });
    let last = RwSignal::new(None::<CommandId>);
    let value = drafts.get(DraftKey::ItemValue(checklist, index));
    let reason = drafts.get(DraftKey::ItemNotApplicable(checklist, index));
    let marking_na = RwSignal::new(false);
    let field = StoredValue::new(format!("item-{checklist}-{index}"));
    // An answer the item asks for, left empty: said at the field, where focus stays.
    let missing = Missing::new(value);
    let missing_id = StoredValue::new(format!("item-{checklist}-{index}-missing"));
    let open = Memo::new(move |_| item.with(|i| i.as_ref().is_some_and(ChecklistItem::is_open)));
    let state_line = move || {
        item.with(|i| match i.as_ref().map(|i| &i.state) {
            None | Some(ItemState::Open) => None,
            Some(ItemState::Checked { by, at, value }) => Some(format!(
                "✓ {} at {}{}",
                board.name_of(by),
                utc_time(*at),
                value
                    .as_ref()
                    .map(|v| format!(" — {v}"))
                    .unwrap_or_default()
            )),
            Some(ItemState::NotApplicable { by, at, reason }) => Some(format!(
                "N/A — {} at {}: {reason}",
                board.name_of(by),
                utc_time(*at)
            )),
        })
        .map(|s| view! { <p class="item-state">{s}</p> })
    };
    item.get_untracked().map(|ChecklistItem { text, killer, asks_value, .. }| {
        let asks = StoredValue::new(asks_value);
        let name = StoredValue::new(text.clone());
        let check = move |ev: web_sys::SubmitEvent| {
            ev.prevent_default();
            if asks.with_value(Option::is_some) && !field.with_value(|f| missing.check(value, f)) {
                return;
            }
            last.set(board.submit(Command::CheckItem {
                checklist,
                item: index,
                value: asks.with_value(Option::is_some).then(|| value.get_untracked()),
            }));
            value.set(String::new());
        };
        let uncheck = move || view! {
            <Show when=move || !board.read_only.get()>
                <button type="button" class="ghost small" on:click=move |_| last.set(board.submit(Command::UncheckItem { checklist, item: index }))>
                    "Uncheck"
                </button>
            </Show>
        };
        view! {
            <li id=format!("checklist-{checklist}-item-{index}") class="item" class:killer=killer class:done=move || !open.get() aria-label=text.clone()>
                <div class="item-text">
                    {killer.then(|| view! { <span class="killer-badge">"KILLER"</span> " " })}
                    <span>{text.clone()}</span>
                </div>
                {state_line}
                // An observer sees the checklist, not its controls.
                <Show when=move || open.get() && !board.read_only.get() fallback=uncheck>
                    <form class="item-actions" on:submit=check novalidate>
                        {asks.get_value().map(|prompt| view! {
                            <label for=field.get_value() class="sr-only">{prompt.clone()}</label>
                            <DraftInput draft=value id=field.get_value() required=true placeholder=prompt.clone()
                                invalid=missing.shown described_by=missing_id.get_value() />
                            <MissingMessage missing=missing id=missing_id.get_value()
                                text=format!("Enter the answer first: {}.", prompt.to_lowercase()) />
                        })}
                        <button type="submit" class="small" aria-label=format!("Check: {}", name.get_value())>"Check"</button>
                        <button type="button" class="ghost small" aria-label=format!("Not applicable: {}", name.get_value()) on:click=move |_| marking_na.set(true)>"N/A"</button>
                    </form>
                    <Show when=move || marking_na.get()>
                        <InlineForm id=format!("na-{checklist}-{index}") label="Why not applicable?" draft=reason submit="Mark not applicable"
                            on_submit=Callback::new(move |reason| {
                                last.set(board.submit(Command::MarkItemNotApplicable { checklist, item: index, reason }));
                                marking_na.set(false);
                            }) />
                    </Show>
                </Show>
                <CommandResult id=last />
            </li>
        }
    })
}
