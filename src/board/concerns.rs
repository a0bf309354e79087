//! Concerns, in TeamSTEPPS' CUS words: anyone raises one — "I am concerned", "I am
//! uncomfortable", "This is a safety issue"; raising it again escalates it; the commander
//! acknowledges with a response. An open safety issue stops the line: a red banner on every
//! screen until it is acknowledged.

use leptos::prelude::*;
use warroom_core::{Command, CommandId, Concern, ConcernId, ConcernLevel, Role};

use crate::board::slice;
use crate::clock::{Clock, hms};
use crate::identity::Identity;
use crate::sync::Session;
use crate::widgets::CommandResult;

#[derive(Debug, Clone, PartialEq)]
struct ConcernView {
    id: ConcernId,
    concern: Concern,
    raised_by: String,
    acknowledged_by: Option<String>,
}

#[component]
pub fn ConcernsPanel() -> impl IntoView {
    let session = expect_context::<Session>();
    let concerns = slice(session, |i| {
        let mut list: Vec<ConcernView> = i
            .concerns
            .iter()
            .map(|(id, c)| ConcernView {
                id: *id,
                concern: c.clone(),
                raised_by: i.name_of(&c.raised_by).to_owned(),
                acknowledged_by: c
                    .acknowledgement
                    .as_ref()
                    .map(|a| i.name_of(&a.by).to_owned()),
            })
            .collect();
        list.sort_by_key(|c| {
            (
                !c.concern.is_open(),
                std::cmp::Reverse(c.concern.level),
                c.id,
            )
        });
        list
    });
    view! {
        <section class="panel concerns" aria-labelledby="concerns-h">
            <h2 id="concerns-h">"Concerns"</h2>
            <Show when=move || !session.read_only.get()>
                <RaiseConcern />
            </Show>
            <ul class="concern-list">
                <For
                    each=move || concerns.get().unwrap_or_default()
                    key=|c| (c.id, c.concern.level, c.concern.escalations.len(), c.concern.acknowledgement.is_some())
                    children=move |c| view! { <ConcernRow view=c /> }
                />
            </ul>
        </section>
    }
}

#[component]
fn RaiseConcern() -> impl IntoView {
    let session = expect_context::<Session>();
    let level = RwSignal::new(ConcernLevel::Concerned);
    let text = RwSignal::new(String::new());
    let last = RwSignal::new(None::<CommandId>);
    let submit = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        last.set(Some(session.submit(Command::RaiseConcern {
            level: level.get_untracked(),
            text: text.get_untracked(),
        })));
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
            <input id="concern-text" required placeholder="What worries you, in one sentence"
                prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev)) />
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

#[component]
fn ConcernRow(view: ConcernView) -> impl IntoView {
    let session = expect_context::<Session>();
    let identity = expect_context::<Identity>();
    let clock = expect_context::<Clock>();
    let me = identity.participant();
    let commander = slice(session, move |i| i.holds(&me, Role::Commander));
    let ConcernView {
        id,
        concern,
        raised_by,
        acknowledged_by,
    } = view;
    let open = concern.is_open();
    let since = concern.last_raised_at();
    let last = RwSignal::new(None::<CommandId>);
    let response = RwSignal::new(String::new());
    let answering = RwSignal::new(false);
    view! {
        <li class=format!("concern {}", level_class(concern.level)) class:open=open
            aria-label=format!("Concern {id}: {}", concern.text)>
            <div class="concern-head">
                <strong class="level">{concern.level.label()}</strong>
                {(!concern.escalations.is_empty()).then(|| view! {
                    <span class="badge warn">{format!("raised {}×", concern.escalations.len() + 1)}</span>
                })}
            </div>
            <p class="concern-text">{concern.text.clone()}</p>
            <p class="concern-meta">
                {format!("Raised by {raised_by}")}
                {open.then(|| view! {
                    <span class="mono">{move || format!(" — waiting {}", hms((clock.now() - since).num_seconds()))}</span>
                })}
            </p>
            {concern.acknowledgement.clone().map(|a| view! {
                <p class="ack">{format!("Acknowledged by {}: {}", acknowledged_by.clone().unwrap_or_default(), a.response)}</p>
            })}
            <Show when=move || !session.read_only.get()>
                <div class="row">
                    <button type="button" class="warn small" on:click=move |_| last.set(Some(session.submit(Command::RaiseConcernAgain { concern: id })))>
                        "Raise again"
                    </button>
                    {open.then(|| view! {
                        <Show when=move || commander.get() == Some(true)>
                            <button type="button" class="primary small" on:click=move |_| answering.set(true)>"Acknowledge"</button>
                        </Show>
                    })}
                </div>
            </Show>
            <Show when=move || answering.get() && !session.read_only.get()>
                <form class="inline-form" on:submit=move |ev: web_sys::SubmitEvent| {
                    ev.prevent_default();
                    last.set(Some(session.submit(Command::AcknowledgeConcern { concern: id, response: response.get_untracked() })));
                    answering.set(false);
                }>
                    <label for=format!("ack-{id}")>"Your response"</label>
                    <input id=format!("ack-{id}") required prop:value=move || response.get()
                        on:input=move |ev| response.set(event_target_value(&ev)) />
                    <button type="submit" class="primary">"Send acknowledgement"</button>
                </form>
            </Show>
            <CommandResult id=last />
        </li>
    }
}

/// The stop-the-line banner: every open safety issue, on every screen, until acknowledged.
#[component]
pub fn StopTheLine() -> impl IntoView {
    let session = expect_context::<Session>();
    let issues = slice(session, |i| {
        i.open_safety_issues()
            .map(|(id, c)| (*id, i.name_of(&c.raised_by).to_owned(), c.text.clone()))
            .collect::<Vec<_>>()
    });
    view! {
        <Show when=move || issues.with(|i| i.as_ref().is_some_and(|i| !i.is_empty()))>
            <div class="stop-the-line" role="alert">
                <strong>"■ STOP THE LINE — SAFETY ISSUE"</strong>
                <ul>
                    <For each=move || issues.get().unwrap_or_default() key=|i| i.clone() let:issue>
                        <li>{format!("{}: {}", issue.1, issue.2)}</li>
                    </For>
                </ul>
                <span class="hint">"Until the commander acknowledges it."</span>
            </div>
        </Show>
    }
}
