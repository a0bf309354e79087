//! Concerns, in TeamSTEPPS' CUS words: anyone raises one — "I am concerned", "I am
//! uncomfortable", "This is a safety issue"; raising it again escalates it; the commander
//! acknowledges with a response. An open safety issue stops the line: STOP THE LINE in the alarm
//! bar of every screen until it is acknowledged.
//!
//! Each row watches its own concern, keyed by id; a response being typed is a draft of the
//! board.

use leptos::prelude::*;
use warroom_core::{Command, CommandId, Concern, ConcernId, ConcernLevel, Role};

use crate::board::drafts::{DraftInput, DraftKey, InlineForm, drafts};
use crate::board::{Board, slice};
use crate::clock::{Clock, hms};
use crate::identity::Identity;
use crate::widgets::CommandResult;

#[component]
pub fn ConcernsPanel() -> impl IntoView {
    let board = expect_context::<Board>();
    view! {
        <section class="panel concerns" aria-labelledby="concerns-h">
            <h2 id="concerns-h">"Concerns"</h2>
            <Show when=move || !board.read_only.get()>
                <RaiseConcern />
            </Show>
            <ul class="concern-list">
                <For each=move || board.concerns.ids() key=|id| *id let:id>
                    <ConcernRow id=id />
                </For>
            </ul>
        </section>
    }
}

#[component]
fn RaiseConcern() -> impl IntoView {
    let board = expect_context::<Board>();
    let level = RwSignal::new(ConcernLevel::Concerned);
    let text = drafts().get(DraftKey::RaiseConcern);
    let last = RwSignal::new(None::<CommandId>);
    let submit = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        last.set(board.submit(Command::RaiseConcern {
            level: level.get_untracked(),
            text: text.get_untracked(),
        }));
        text.set(String::new());
    };
    view! {
        <form class="raise-concern stack" on:submit=submit>
            <fieldset class="levels">
                <legend>"Raise concern"</legend>
                {ConcernLevel::ALL.into_iter().map(|l| {
                    let id = format!("level-{l:?}").to_lowercase();
                    view! {
                        <label for=id class=format!("level-choice {}", level_class(l))>
                            <input type="radio" name="concern-level" id=id.clone() prop:checked=move || level.get() == l
                                on:change=move |_| level.set(l) />
                            {l.label()}
                        </label>
                    }
                }).collect_view()}
            </fieldset>
            <label for="concern-text" class="sr-only">"What worries you"</label>
            <DraftInput draft=text id="concern-text" required=true placeholder="What worries you, in one sentence" />
            <button type="submit" class="warn">"Raise concern"</button>
            <CommandResult id=last />
        </form>
    }
}

fn level_class(level: ConcernLevel) -> &'static str {
    match level {
        ConcernLevel::Concerned => "lvl-concerned",
        ConcernLevel::Uncomfortable => "lvl-uncomfortable",
        ConcernLevel::SafetyIssue => "lvl-safety",
    }
}

/// One concern, redrawn when it changes.
#[component]
fn ConcernRow(id: ConcernId) -> impl IntoView {
    let board = expect_context::<Board>();
    let concern = board.concerns.watch(&board, id);
    let last = RwSignal::new(None::<CommandId>);
    // Whether the acknowledgement form is open belongs to the row, not to the body that a
    // remote change (a raise again) redraws.
    let answering = RwSignal::new(false);
    move || {
        concern
            .get()
            .map(|c| view! { <ConcernBody id=id concern=c last=last answering=answering /> })
    }
}

#[component]
fn ConcernBody(
    id: ConcernId,
    concern: Concern,
    last: RwSignal<Option<CommandId>>,
    answering: RwSignal<bool>,
) -> impl IntoView {
    let board = expect_context::<Board>();
    let identity = expect_context::<Identity>();
    let clock = expect_context::<Clock>();
    let me = identity.participant();
    let commander = slice(board, move |i| i.holds(&me, Role::Commander));
    let open = concern.is_open();
    let since = concern.last_raised_at();
    let response = drafts().get(DraftKey::AcknowledgeConcern(id));
    let raised_by = concern.raised_by.clone();
    view! {
        <li id=format!("concern-{id}") class=format!("concern {}", level_class(concern.level)) class:open=open
            aria-label=format!("Concern {id}: {}", concern.text)>
            <div class="concern-head">
                <strong class="level">{concern.level.label()}</strong>
                {(!concern.escalations.is_empty()).then(|| view! {
                    <span class="badge warn">{format!("raised {}×", concern.escalations.len() + 1)}</span>
                })}
            </div>
            <p class="concern-text">{concern.text.clone()}</p>
            <p class="concern-meta">
                {move || format!("Raised by {}", board.name_of(&raised_by))}
                {open.then(|| view! {
                    <span class="mono">{move || format!(" — waiting {}", hms((super::now_on(board, clock) - since).num_seconds()))}</span>
                })}
            </p>
            {concern.acknowledgement.clone().map(|a| view! {
                <p class="ack">{move || format!("Acknowledged by {}: {}", board.name_of(&a.by), a.response)}</p>
            })}
            <Show when=move || !board.read_only.get()>
                <div class="row">
                    <button type="button" class="warn small" on:click=move |_| last.set(board.submit(Command::RaiseConcernAgain { concern: id }))>
                        "Raise again"
                    </button>
                    {open.then(|| view! {
                        <Show when=move || commander.get() == Some(true)>
                            <button type="button" class="primary small" on:click=move |_| answering.set(true)>"Acknowledge"</button>
                        </Show>
                    })}
                </div>
            </Show>
            <Show when=move || answering.get() && !board.read_only.get()>
                <InlineForm id=format!("ack-{id}") label="Your response" draft=response
                    submit="Send acknowledgement" submit_class="primary"
                    on_submit=Callback::new(move |response| {
                        last.set(board.submit(Command::AcknowledgeConcern { concern: id, response }));
                        answering.set(false);
                    }) />
            </Show>
            <CommandResult id=last />
        </li>
    }
}

/// STOP THE LINE, in the alarm bar: the oldest open safety issue (and how many more), on
/// every screen until the commander acknowledges it — right here, with a response, through the
/// same command the concerns panel sends.
#[component]
pub fn StopTheLine() -> impl IntoView {
    let board = expect_context::<Board>();
    let identity = expect_context::<Identity>();
    let me = identity.participant();
    let commander = slice(board, move |i| i.holds(&me, Role::Commander));
    let issues = slice(board, |i| {
        i.open_safety_issues()
            .map(|(id, c)| (*id, i.name_of(&c.raised_by).to_owned(), c.text.clone()))
            .collect::<Vec<_>>()
    });
    let first = Memo::new(move |_| issues.with(|i| i.as_ref().and_then(|i| i.first().cloned())));
    let more =
        Memo::new(move |_| issues.with(|i| i.as_ref().map_or(0, |i| i.len().saturating_sub(1))));
    let answering = RwSignal::new(false);
    let last = RwSignal::new(None::<CommandId>);
    view! {
        {move || first.get().map(|(id, by, text)| {
            let response = drafts().get(DraftKey::AcknowledgeConcern(id));
            view! {
                <div class="stop-the-line" role="alert">
                    <strong class="stop-word">"■ STOP THE LINE"</strong>
                    <span class="stop-text">{format!("{by}: {text}")}</span>
                    {move || (more.get() > 0).then(|| view! { <span class="badge">{format!("+{} more", more.get())}</span> })}
                    <Show when=move || commander.get() == Some(true) && !board.read_only.get()>
                        <button type="button" class="small stop-ack" aria-expanded=move || answering.get().to_string()
                            on:click=move |_| answering.update(|a| *a = !*a)>
                            "Acknowledge"
                        </button>
                    </Show>
                    <Show when=move || commander.get() != Some(true)>
                        <span class="hint">"Until the commander acknowledges it."</span>
                    </Show>
                    <Show when=move || answering.get() && commander.get() == Some(true)>
                        <div class="stop-ack-form">
                            <InlineForm id=format!("stop-ack-{id}") label="Your response to the safety issue" draft=response
                                submit="Send acknowledgement" submit_class="primary"
                                on_submit=Callback::new(move |response| {
                                    last.set(board.submit(Command::AcknowledgeConcern { concern: id, response }));
                                    answering.set(false);
                                })
                                on_cancel=Callback::new(move |()| answering.set(false)) />
                        </div>
                    </Show>
                    <CommandResult id=last />
                </div>
            }
        })}
    }
}
