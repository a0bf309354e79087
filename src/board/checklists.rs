//! Checklists: start one from a template or build one; read-do or do-confirm and the pause
//! point are shown; each item is checked (with an observed value where it asks for one) or
//! marked not applicable with a reason, and says who did it and when; killer items stand out;
//! progress per checklist; a warning past nine items.

use leptos::prelude::*;
use warroom_core::templates::TEMPLATES;
use warroom_core::{
    Checklist, ChecklistId, ChecklistItem, ChecklistKind, Command, CommandId, ItemState, PausePoint,
};

use crate::board::slice;
use crate::clock::utc_time;
use crate::sync::Session;
use crate::widgets::CommandResult;

#[component]
pub fn ChecklistsPanel() -> impl IntoView {
    let session = expect_context::<Session>();
    let ids = slice(session, |i| {
        let mut ids: Vec<(ChecklistId, bool)> = i
            .checklists
            .iter()
            .map(|(id, c)| (*id, c.is_complete()))
            .collect();
        ids.sort_by_key(|(id, complete)| (*complete, std::cmp::Reverse(*id)));
        ids
    });
    view! {
        <section class="panel checklists" aria-labelledby="checklists-h">
            <h2 id="checklists-h">"Checklists"</h2>
            <Show when=move || !session.read_only.get()>
                <StartChecklist />
            </Show>
            <For
                each=move || ids.get().unwrap_or_default()
                key=|(id, _)| *id
                children=move |(id, _)| view! { <ChecklistCard id=id /> }
            />
        </section>
    }
}

#[component]
fn StartChecklist() -> impl IntoView {
    let session = expect_context::<Session>();
    let template = RwSignal::new(TEMPLATES[0].id.to_owned());
    let building = RwSignal::new(false);
    let title = RwSignal::new(String::new());
    let kind = RwSignal::new(ChecklistKind::ReadDo);
    let last = RwSignal::new(None::<CommandId>);
    view! {
        <form class="start-checklist row" on:submit=move |ev: web_sys::SubmitEvent| {
            ev.prevent_default();
            last.set(Some(session.submit(Command::StartChecklist { template: template.get_untracked() })));
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
            <form class="inline-form" on:submit=move |ev: web_sys::SubmitEvent| {
                ev.prevent_default();
                last.set(Some(session.submit(Command::CreateChecklist {
                    title: title.get_untracked(),
                    kind: kind.get_untracked(),
                    pause_point: PausePoint::AdHoc,
                })));
                title.set(String::new());
                building.set(false);
            }>
                <label for="new-checklist">"New checklist title"</label>
                <input id="new-checklist" required prop:value=move || title.get()
                    on:input=move |ev| title.set(event_target_value(&ev)) />
                <select aria-label="Checklist type" on:change=move |ev| {
                    kind.set(if event_target_value(&ev) == "do-confirm" { ChecklistKind::DoConfirm } else { ChecklistKind::ReadDo });
                }>
                    <option value="read-do">"Read-do"</option>
                    <option value="do-confirm">"Do-confirm"</option>
                </select>
                <button type="submit">"Create"</button>
            </form>
        </Show>
        <CommandResult id=last />
    }
}

#[component]
fn ChecklistCard(id: ChecklistId) -> impl IntoView {
    let session = expect_context::<Session>();
    let checklist = slice(session, move |i| {
        i.checklists.get(&id).map(|c| {
            let names: Vec<Option<String>> = c
                .items
                .iter()
                .map(|it| match &it.state {
                    ItemState::Open => None,
                    ItemState::Checked { by, .. } | ItemState::NotApplicable { by, .. } => {
                        Some(i.name_of(by).to_owned())
                    }
                })
                .collect();
            (c.clone(), names)
        })
    });
    let adding = RwSignal::new(false);
    let text = RwSignal::new(String::new());
    let killer = RwSignal::new(false);
    let prompt = RwSignal::new(String::new());
    let last = RwSignal::new(None::<CommandId>);
    view! {
        {move || checklist.get().flatten().map(|(c, names)| {
            // An observer sees the checklist, not its controls.
            let read_only = session.read_only.get();
            let Checklist { title, kind, pause_point, items, .. } = c.clone();
            let (done, total) = c.progress();
            let heading_id = format!("checklist-{id}");
            view! {
                <article class="checklist" class:complete=c.is_complete() aria-labelledby=heading_id>
                    <h3 id=heading_id.clone()>{title}</h3>
                    <p class="checklist-meta">
                        <span class="badge">{kind.label()}</span>
                        <span class="badge">{pause_point.label()}</span>
                        <span class="progress" role="status">{format!("{done}/{total} done")}</span>
                        <progress max=total.max(1) value=done aria-hidden="true"></progress>
                    </p>
                    {c.is_too_long().then(|| view! {
                        <p class="caution-line">{format!("⚠ {total} items: past nine, a checklist is too long to run under stress.")}</p>
                    })}
                    <ol class="items">
                        {items.into_iter().zip(names).enumerate().map(|(n, (item, by))| view! {
                            <ItemRow checklist=id index=n as u32 item=item by=by read_only=read_only />
                        }).collect_view()}
                    </ol>
                    {(!read_only).then(|| view! {
                        <button type="button" class="ghost small" on:click=move |_| adding.update(|a| *a = !*a)>"Add item"</button>
                    })}
                </article>
            }
        })}
        <Show when=move || adding.get() && !session.read_only.get()>
            <form class="inline-form" on:submit=move |ev: web_sys::SubmitEvent| {
                ev.prevent_default();
                let p = prompt.get_untracked();
                last.set(Some(session.submit(Command::AddChecklistItem {
                    checklist: id,
                    text: text.get_untracked(),
                    killer: killer.get_untracked(),
                    asks_value: (!p.trim().is_empty()).then_some(p),
                })));
                text.set(String::new());
                prompt.set(String::new());
            }>
                <label for=format!("item-{id}")>"New item"</label>
                <input id=format!("item-{id}") required prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev)) />
                <input aria-label="Asks for a value (optional prompt)" placeholder="Asks for a value? (prompt)" prop:value=move || prompt.get()
                    on:input=move |ev| prompt.set(event_target_value(&ev)) />
                <label class="check-inline"><input type="checkbox" prop:checked=move || killer.get()
                    on:change=move |ev| killer.set(event_target_checked(&ev)) />" Killer item"</label>
                <button type="submit">"Add"</button>
            </form>
        </Show>
        <CommandResult id=last />
    }
}

#[component]
fn ItemRow(
    checklist: ChecklistId,
    index: u32,
    item: ChecklistItem,
    by: Option<String>,
    /// An observer's view: no controls.
    read_only: bool,
) -> impl IntoView {
    let session = expect_context::<Session>();
    let last = RwSignal::new(None::<CommandId>);
    let value = RwSignal::new(String::new());
    let marking_na = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let field = format!("item-{checklist}-{index}");
    let asks = item.asks_value.clone();
    let text = item.text.clone();
    let state_line = match &item.state {
        ItemState::Open => None,
        ItemState::Checked { at, value, .. } => Some(format!(
            "✓ {} at {}{}",
            by.clone().unwrap_or_default(),
            utc_time(*at),
            value
                .as_ref()
                .map(|v| format!(" — {v}"))
                .unwrap_or_default()
        )),
        ItemState::NotApplicable { at, reason, .. } => Some(format!(
            "N/A — {} at {}: {reason}",
            by.clone().unwrap_or_default(),
            utc_time(*at)
        )),
    };
    let open = item.is_open();
    view! {
        <li class="item" class:killer=item.killer class:done=!open aria-label=text.clone()>
            <div class="item-text">
                {item.killer.then(|| view! { <span class="killer-badge">"KILLER"</span> " " })}
                <span>{text.clone()}</span>
            </div>
            {state_line.map(|s| view! { <p class="item-state">{s}</p> })}
            {if read_only {
                ().into_any()
            } else if open {
                let check = {
                    let asks = asks.clone();
                    move |ev: web_sys::SubmitEvent| {
                        ev.prevent_default();
                        let v = value.get_untracked();
                        last.set(Some(session.submit(Command::CheckItem {
                            checklist,
                            item: index,
                            value: asks.is_some().then_some(v),
                        })));
                    }
                };
                view! {
                    <form class="item-actions" on:submit=check>
                        {asks.clone().map(|prompt| view! {
                            <label for=field.clone() class="sr-only">{prompt.clone()}</label>
                            <input id=field.clone() required placeholder=prompt prop:value=move || value.get()
                                on:input=move |ev| value.set(event_target_value(&ev)) />
                        })}
                        <button type="submit" class="small" aria-label=format!("Check: {text}")>"Check"</button>
                        <button type="button" class="ghost small" aria-label=format!("Not applicable: {text}") on:click=move |_| marking_na.set(true)>"N/A"</button>
                    </form>
                    <Show when=move || marking_na.get()>
                        <form class="inline-form" on:submit=move |ev: web_sys::SubmitEvent| {
                            ev.prevent_default();
                            last.set(Some(session.submit(Command::MarkItemNotApplicable {
                                checklist,
                                item: index,
                                reason: reason.get_untracked(),
                            })));
                            marking_na.set(false);
                        }>
                            <label for=format!("na-{checklist}-{index}")>"Why not applicable?"</label>
                            <input id=format!("na-{checklist}-{index}") required prop:value=move || reason.get()
                                on:input=move |ev| reason.set(event_target_value(&ev)) />
                            <button type="submit">"Mark not applicable"</button>
                        </form>
                    </Show>
                }.into_any()
            } else {
                view! {
                    <button type="button" class="ghost small" on:click=move |_| last.set(Some(session.submit(Command::UncheckItem { checklist, item: index })))>
                        "Uncheck"
                    </button>
                }.into_any()
            }}
            <CommandResult id=last />
        </li>
    }
}
