//! Exercises on the board: starting a training scenario, its clock, and — for the facilitator
//! only — the script's upcoming injects, pause and resume, firing an inject now or an ad-hoc
//! one. Players see the scenario's title, briefing, clock and the injects as they fire, never
//! what is coming. Exercises (never real incidents) can be deleted from here, by whoever the
//! server lets delete them.

use leptos::prelude::*;
use leptos::task::spawn_local;
use warroom_core::{Command, CommandId};

use crate::api::{self, ScenarioInfo, UpcomingInject};
use crate::board::drafts::DraftInput;
use crate::board::{Board, slice};
use crate::clock::{Clock, hms};
use crate::identity::Identity;
use crate::route::{Route, Router};
use crate::sync::Session;
use crate::widgets::CommandResult;

#[component]
pub fn ExercisePanel() -> impl IntoView {
    let session = expect_context::<Session>();
    let board = expect_context::<Board>();
    let started = slice(board, |i| i.scenario.is_some());
    // The server's rule, mirrored so that nobody is offered what they may not do: the
    // facilitator, whoever declared the exercise, or an admin (the server decides anyway).
    let identity = expect_context::<Identity>();
    let me = identity.participant();
    let may_delete = slice(board, move |i| {
        i.declared_by == me || i.scenario.as_ref().is_some_and(|r| r.facilitator == me)
    });
    let may_delete = Memo::new(move |_| identity.admin.get() || may_delete.get() == Some(true));
    view! {
        <section class="panel exercise" aria-labelledby="exercise-h">
            <h2 id="exercise-h">"Exercise"</h2>
            <Show when=move || started.get() == Some(true) fallback=move || view! {
                <Show when=move || !session.read_only.get() fallback=|| view! { <p class="hint">"No scenario is running."</p> }>
                    <StartScenario />
                </Show>
            }>
                <RunningScenario />
            </Show>
            <Show when=move || !session.read_only.get() && may_delete.get()>
                <DeleteExercise />
            </Show>
        </section>
    }
}

#[component]
fn StartScenario() -> impl IntoView {
    let session = expect_context::<Session>();
    let scenarios = RwSignal::new(Vec::<ScenarioInfo>::new());
    spawn_local(async move {
        if let Ok(list) = api::scenarios().await {
            scenarios.set(list);
        }
    });
    let choice = RwSignal::new(String::new());
    let script = RwSignal::new(String::new());
    let last = RwSignal::new(None::<CommandId>);
    let submit = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        let own = script.get_untracked();
        let command = if own.trim().is_empty() {
            let id = choice.get_untracked();
            let id = if id.is_empty() {
                scenarios
                    .with_untracked(|s| s.first().and_then(|s| s.id.clone()).unwrap_or_default())
            } else {
                id
            };
            Command::StartScenario {
                builtin: Some(id),
                script: None,
            }
        } else {
            Command::StartScenario {
                builtin: None,
                script: Some(own),
            }
        };
        last.set(Some(session.submit(command)));
    };
    view! {
        <form class="stack" on:submit=submit>
            <p class="hint">"Run a training scenario on this exercise. Whoever starts it becomes the facilitator and must hold no crew role."</p>
            <label for="scenario-choice">"Built-in scenario"</label>
            <select id="scenario-choice" on:change=move |ev| choice.set(event_target_value(&ev))>
                {move || scenarios.get().into_iter().map(|s| view! {
                    <option value=s.id.clone().unwrap_or_default()>{format!("{} ({} injects)", s.title, s.injects)}</option>
                }).collect_view()}
            </select>
            <label for="scenario-file">"…or paste your own scenario file (TOML)"</label>
            <textarea id="scenario-file" rows="4" prop:value=move || script.get()
                on:input=move |ev| script.set(event_target_value(&ev))></textarea>
            <button type="submit" class="primary">"Start the scenario as facilitator"</button>
            <CommandResult id=last />
        </form>
    }
}

#[component]
fn RunningScenario() -> impl IntoView {
    let board = expect_context::<Board>();
    let identity = expect_context::<Identity>();
    let clock = expect_context::<Clock>();
    let me = identity.participant();
    let run = slice(board, |i| i.scenario.clone());
    let facilitator = slice(board, move |i| {
        i.scenario
            .as_ref()
            .map(|r| (r.facilitator == me, i.name_of(&r.facilitator).to_owned()))
    });
    let is_facilitator = Memo::new(move |_| facilitator.get().flatten().is_some_and(|f| f.0));
    view! {
        {move || run.get().flatten().map(|r| {
            let state = if r.ended_at.is_some() { "ended" } else if r.paused_at.is_some() { "PAUSED" } else { "running" };
            view! {
                <p class="scenario-title"><span class="exercise-badge">"EXERCISE"</span> " " <strong>{r.title.clone()}</strong></p>
                <p class="scenario-clock">
                    "Scenario time " <span class="mono" role="timer">{move || run.get().flatten().map(|r| format!("T+{}", hms(r.clock(clock.now())))).unwrap_or_default()}</span>
                    " · " <span class="badge">{state}</span>
                    " · facilitated by " {move || facilitator.get().flatten().map(|f| f.1).unwrap_or_default()}
                </p>
                <details open=r.fired.is_empty()>
                    <summary>"Briefing"</summary>
                    <p class="briefing">{r.briefing.clone()}</p>
                </details>
            }
        })}
        <Show when=move || is_facilitator.get()>
            <FacilitatorControls />
        </Show>
    }
}

#[component]
fn FacilitatorControls() -> impl IntoView {
    let session = expect_context::<Session>();
    let board = expect_context::<Board>();
    let run = slice(board, |i| {
        i.scenario
            .as_ref()
            .map(|r| (r.paused_at.is_some(), r.ended_at.is_some(), r.fired.len()))
    });
    let upcoming = RwSignal::new(Vec::<UpcomingInject>::new());
    let incident = session.incident.get_value();
    // Reload the script's view whenever an inject fires (and every few seconds for the clock).
    let refresh = move || {
        let incident = incident.clone();
        spawn_local(async move {
            if let Ok(list) = api::script(&incident).await {
                upcoming.set(list);
            }
        });
    };
    Effect::new({
        let refresh = refresh.clone();
        move |_| {
            run.track();
            refresh();
        }
    });
    StoredValue::new_local(gloo_timers::callback::Interval::new(5_000, refresh));
    // The rows, by inject index: the countdown ticks inside a row, never rebuilding it.
    let indices =
        Memo::new(move |_| upcoming.with(|u| u.iter().map(|u| u.index).collect::<Vec<_>>()));
    let last = RwSignal::new(None::<CommandId>);
    let source = RwSignal::new(String::from("Facilitator"));
    let text = RwSignal::new(String::new());
    view! {
        <div class="facilitator" role="region" aria-label="Facilitator controls">
            <h3>"Facilitator"</h3>
            <div class="row">
                {move || match run.get().flatten() {
                    Some((_, true, _)) => view! { <span>"The scenario has ended."</span> }.into_any(),
                    Some((true, false, _)) => view! {
                        <button type="button" class="primary" on:click=move |_| last.set(Some(session.submit(Command::ResumeScenario)))>"Resume scenario"</button>
                    }.into_any(),
                    _ => view! {
                        <button type="button" on:click=move |_| last.set(Some(session.submit(Command::PauseScenario)))>"Pause scenario"</button>
                    }.into_any(),
                }}
                <Show when=move || run.get().flatten().is_some_and(|r| !r.1)>
                    <button type="button" class="ghost" on:click=move |_| last.set(Some(session.submit(Command::EndScenario)))>"End scenario"</button>
                </Show>
            </div>
            <h4>"Script (players never see this)"</h4>
            <ol class="script">
                <For each=move || indices.get() key=|index| *index let:index>
                    <UpcomingRow index=index upcoming=upcoming last=last />
                </For>
            </ol>
            <form class="inline-form" on:submit=move |ev: web_sys::SubmitEvent| {
                ev.prevent_default();
                last.set(Some(session.submit(Command::FireInject {
                    inject: None,
                    source: source.get_untracked(),
                    text: text.get_untracked(),
                })));
                text.set(String::new());
            }>
                <label for="adhoc-source">"Ad-hoc inject from"</label>
                <DraftInput draft=source id="adhoc-source" />
                <label for="adhoc-text" class="sr-only">"Ad-hoc inject text"</label>
                <DraftInput draft=text id="adhoc-text" required=true placeholder="What happens" />
                <button type="submit">"Send inject"</button>
            </form>
            <CommandResult id=last />
        </div>
    }
}

/// One inject of the script, read by its index; nothing once it has left the list.
#[component]
fn UpcomingRow(
    index: u32,
    upcoming: RwSignal<Vec<UpcomingInject>>,
    last: RwSignal<Option<CommandId>>,
) -> impl IntoView {
    let session = expect_context::<Session>();
    let inject =
        Memo::new(move |_| upcoming.with(|u| u.iter().find(|u| u.index == index).cloned()));
    let present = Memo::new(move |_| inject.with(Option::is_some));
    let read = move |f: fn(&UpcomingInject) -> String| {
        move || inject.with(|u| u.as_ref().map(f)).unwrap_or_default()
    };
    let fired = Memo::new(move |_| inject.with(|u| u.as_ref().is_some_and(|u| u.fired)));
    let due_in = Memo::new(move |_| inject.with(|u| u.as_ref().and_then(|u| u.due_in)));
    let fire = move |_| {
        if let Some((source, text)) =
            inject.with_untracked(|u| u.as_ref().map(|u| (u.source.clone(), u.text.clone())))
        {
            last.set(Some(session.submit(Command::FireInject {
                inject: Some(index),
                source,
                text,
            })));
        }
    };
    view! {
        <Show when=move || present.get()>
            <li class:fired=move || fired.get() aria-label=move || format!("Inject {}: {}", index + 1, read(|u| u.text.clone())())>
                <span class="mono">{read(|u| u.when.clone())}</span>
                {move || due_in.get().map(|d| view! { <span class="hint">{format!(" (in {})", hms(d.max(0)))}</span> })}
                " " <strong>{read(|u| u.source.clone())}</strong> ": " {read(|u| u.text.clone())}
                {move || if fired.get() {
                    view! { <span class="badge">"fired"</span> }.into_any()
                } else {
                    view! { <button type="button" class="small" on:click=fire>"Fire now"</button> }.into_any()
                }}
            </li>
        </Show>
    }
}

#[component]
fn DeleteExercise() -> impl IntoView {
    let session = expect_context::<Session>();
    let router = expect_context::<Router>();
    let confirming = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let delete = move |_| {
        let incident = session.incident.get_value();
        spawn_local(async move {
            match api::delete_incident(&incident).await {
                Ok(()) => router.go(Route::Lobby),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <div class="row delete-exercise">
            <Show when=move || confirming.get() fallback=move || view! {
                <button type="button" class="ghost small" on:click=move |_| confirming.set(true)>"Delete this exercise…"</button>
            }>
                <span>"Delete the exercise and its whole record for everyone?"</span>
                <button type="button" class="warn" on:click=delete>"Delete exercise"</button>
                <button type="button" class="ghost" on:click=move |_| confirming.set(false)>"Keep it"</button>
            </Show>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </div>
    }
}
