//! The postmortem panel of the live board: the commander renames the incident, sets the
//! impact window and statement and imports a timeline file (`import.rs`); anyone on the
//! incident adds follow-ups and changes their state. These are taken after the incident is
//! closed too (`decide::postmortem`'s `after_close`, `import::into_existing`); the rules are
//! warroom-core's.

use leptos::prelude::*;
use warroom_core::time::date_hh_mm;
use warroom_core::{Command, CommandId, FollowUpState, Owner, Role};

use crate::board::drafts::{DraftKey, drafts};
use crate::board::timeline::composer::when_happened;
use crate::board::{Board, holds, slice};
use crate::identity::Identity;
use crate::widgets::CommandResult;

mod import;

#[component]
pub fn PostmortemPanel() -> impl IntoView {
    let board = expect_context::<Board>();
    let me = expect_context::<Identity>().participant();
    let commander =
        Memo::new(move |_| !board.read_only.get() && holds(board, &me, Role::Commander));
    let crew = Memo::new(move |_| !board.read_only.get());
    let impact = slice(board, |i| {
        i.postmortem.impact.as_ref().map(|x| {
            format!(
                "{} UTC → {}{}",
                date_hh_mm(x.start),
                x.end.map_or_else(
                    || "ongoing".to_owned(),
                    |e| format!("{} UTC", date_hh_mm(e))
                ),
                x.statement
                    .as_deref()
                    .map(|s| format!(" — {s}"))
                    .unwrap_or_default()
            )
        })
    });
    let follow_ups = slice(board, |i| {
        i.postmortem
            .follow_ups
            .iter()
            .map(|(id, f)| {
                (
                    *id,
                    f.clone(),
                    warroom_core::narrate::owner_name(i, &f.owner).to_owned(),
                )
            })
            .collect::<Vec<_>>()
    });
    let d = drafts();
    let title = d.get(DraftKey::PostmortemTitle);
    let start = d.get(DraftKey::ImpactStart);
    let end = d.get(DraftKey::ImpactEnd);
    let statement = d.get(DraftKey::ImpactStatement);
    let text = d.get(DraftKey::FollowUpText);
    let owner = d.get(DraftKey::FollowUpOwner);
    let due = d.get(DraftKey::FollowUpDue);
    let link = d.get(DraftKey::FollowUpLink);
    let error = RwSignal::new(None::<String>);
    let last = RwSignal::new(None::<CommandId>);
    let rename = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        last.set(board.submit(Command::SetTitle {
            title: title.get_untracked(),
        }));
        title.set(String::new());
    };
    let set_impact = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        let (Ok(Some(s)), Ok(e)) = (
            when_happened(&start.get_untracked()),
            when_happened(&end.get_untracked()),
        ) else {
            error.set(Some(
                "Give the impact start (and its end, if known) as times.".into(),
            ));
            return;
        };
        error.set(None);
        let words = statement.get_untracked();
        last.set(board.submit(Command::SetImpact {
            start: s,
            end: e,
            statement: (!words.trim().is_empty()).then_some(words),
        }));
    };
    let add = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        let due_date = match due.get_untracked().trim() {
            "" => None,
            d => match d.parse() {
                Ok(d) => Some(d),
                Err(_) => {
                    error.set(Some(format!("“{d}” is not a date.")));
                    return;
                }
            },
        };
        error.set(None);
        let l = link.get_untracked();
        last.set(board.submit(Command::AddFollowUp {
            text: text.get_untracked(),
            owner: Owner::Name(owner.get_untracked()),
            due: due_date,
            link: (!l.trim().is_empty()).then_some(l),
        }));
        text.set(String::new());
        due.set(String::new());
        link.set(String::new());
    };
    view! {
        <Show when=move || crew.get()>
            <section class="card postmortem" aria-labelledby="postmortem-h">
                <h2 id="postmortem-h">"Postmortem"</h2>
                <p>{move || impact.get().flatten().map_or_else(|| "Impact window: not set".to_owned(), |i| format!("Impact: {i}"))}</p>
                <Show when=move || commander.get()>
                    <form class="row" on:submit=rename>
                        <label for="pm-title">"New title"</label>
                        <input id="pm-title" prop:value=move || title.get() on:input=move |ev| title.set(event_target_value(&ev)) />
                        <button type="submit">"Rename"</button>
                    </form>
                    <form on:submit=set_impact>
                        <label for="pm-start">"Impact began (your time)"</label>
                        <input id="pm-start" type="datetime-local" prop:value=move || start.get() on:input=move |ev| start.set(event_target_value(&ev)) />
                        <label for="pm-end">"Impact ended (your time)"</label>
                        <input id="pm-end" type="datetime-local" prop:value=move || end.get() on:input=move |ev| end.set(event_target_value(&ev)) />
                        <label for="pm-statement">"Who and what was affected"</label>
                        <textarea id="pm-statement" rows="2" prop:value=move || statement.get() on:input=move |ev| statement.set(event_target_value(&ev))></textarea>
                        <button type="submit">"Set impact"</button>
                    </form>
                    <import::ImportTimeline />
                </Show>
                <h3>"Follow-ups"</h3>
                <ul>
                    {move || follow_ups.get().unwrap_or_default().into_iter().map(|(id, f, who)| view! {
                        <li>
                            {format!("{} — {who}{}", f.text, f.due.map(|d| format!(", due {d}")).unwrap_or_default())}
                            " "
                            <label class="sr-only" for=format!("fu-state-{}", id.0)>{format!("State of “{}”", f.text)}</label>
                            <select id=format!("fu-state-{}", id.0)
                                on:change=move |ev| {
                                    let state = match event_target_value(&ev).as_str() {
                                        "done" => FollowUpState::Done,
                                        "dropped" => FollowUpState::Dropped,
                                        _ => FollowUpState::Open,
                                    };
                                    last.set(board.submit(Command::UpdateFollowUp { follow_up: id, text: None, owner: None, due: None, link: None, state: Some(state) }));
                                }>
                                {[FollowUpState::Open, FollowUpState::Done, FollowUpState::Dropped].into_iter().map(|s| view! {
                                    <option value=s.label().to_lowercase() selected=s == f.state>{s.label()}</option>
                                }).collect_view()}
                            </select>
                        </li>
                    }).collect_view()}
                </ul>
                <form on:submit=add>
                    <label for="fu-text">"Follow-up"</label>
                    <input id="fu-text" prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev)) />
                    <label for="fu-owner">"Owner"</label>
                    <input id="fu-owner" prop:value=move || owner.get() on:input=move |ev| owner.set(event_target_value(&ev)) />
                    <label for="fu-due">"Due"</label>
                    <input id="fu-due" type="date" prop:value=move || due.get() on:input=move |ev| due.set(event_target_value(&ev)) />
                    <label for="fu-link">"Link"</label>
                    <input id="fu-link" type="url" prop:value=move || link.get() on:input=move |ev| link.set(event_target_value(&ev)) />
                    <button type="submit">"Add follow-up"</button>
                </form>
                {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                <CommandResult id=last />
            </section>
        </Show>
    }
}
