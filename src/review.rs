//! The review page, `/incidents/<id>/review?at=<seq>`: the flight recorder. It loads the whole
//! log, then shows the full board exactly as it was at any moment — scrub, step event by event,
//! jump between key moments (pinned notes, handoffs, status changes, safety issues, sterile
//! phases), or play back at 1×, 10×
//! and 60×. The position is in the URL, so a moment can be linked. Below: the metrics at the
//! moment shown and those of the whole incident apart ([`figures`]), and the Markdown and JSON
//! exports.
//!
//! The board at a moment is the live board's own panels, read-only, over a [`Board`] made
//! from the replay: moving to another moment refreshes only the rows that differ.

use gloo_timers::callback::Interval;
use leptos::prelude::*;
use leptos::task::spawn_local;
use warroom_core::metrics::{Metrics, metrics, t_plus};
use warroom_core::narrate::moments::key_moments;
use warroom_core::replay::Replay;
use warroom_core::{IncidentId, Seq};

use crate::api;

mod figures;
use crate::board::drafts::Drafts;
use crate::board::{Board, ObserverBanner, actions, checklists, concerns, crew, slice, timeline};
use crate::clock::utc_time;
use crate::identity::Identity;
use crate::route::Route;
use crate::widgets::{AppLink, ThemeToggle};
use figures::{MetricsAt, Totals};

/// Playback ticks this often; each tick moves the recorder's clock by the speed times this.
const TICK_MS: u32 = 100;

#[component]
pub fn ReviewPage(incident: IncidentId) -> impl IntoView {
    let identity = expect_context::<Identity>();
    let loaded = RwSignal::new(None::<Result<(), String>>);
    let replay = StoredValue::new(None::<Replay>);
    let totals = StoredValue::new(None::<Metrics>);
    let head = RwSignal::new(0 as Seq);
    let at = RwSignal::new(initial_position());
    let id = incident.clone();
    spawn_local(async move {
        match api::incident_events(&id).await {
            Ok(events) => {
                totals.set_value(metrics(&events));
                let r = Replay::new(events);
                head.set(r.head());
                at.update(|a| {
                    *a = if *a == 0 {
                        r.head()
                    } else {
                        (*a).min(r.head())
                    }
                });
                replay.set_value(Some(r));
                loaded.set(Some(Ok(())));
            }
            Err(e) => loaded.set(Some(Err(e))),
        }
    });
    view! {
        <Show when=move || identity.is_observer()>
            <ObserverBanner />
        </Show>
        <header class="topbar">
            <AppLink to=Route::Lobby class="brand">"Warroom"</AppLink>
            <span>"Review"</span>
            <AppLink to=Route::Board(incident.clone())>"Back to the live board"</AppLink>
            <ThemeToggle />
        </header>
        <main id="main" class="page review">
            {move || match loaded.get() {
                None => view! { <p role="status">"Loading the flight recorder…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Some(Ok(())) => view! {
                    <Recorder incident=incident.clone() replay=replay totals=totals head=head at=at />
                }.into_any(),
            }}
        </main>
    }
}

fn initial_position() -> Seq {
    let search = window().location().search().unwrap_or_default();
    search
        .trim_start_matches('?')
        .split('&')
        .find_map(|kv| kv.strip_prefix("at="))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

#[component]
fn Recorder(
    incident: IncidentId,
    replay: StoredValue<Option<Replay>>,
    totals: StoredValue<Option<Metrics>>,
    head: RwSignal<Seq>,
    at: RwSignal<Seq>,
) -> impl IntoView {
    let rebuild_ms = RwSignal::new(0.0_f64);
    let state = RwSignal::new(None);
    let board = Board::replayed(state, replay, at);
    provide_context(board);
    provide_context(Drafts::new());
    // Every move to another moment comes through here, which times the rebuild: the replay
    // to that moment and the refresh of the rows that differ.
    let go = move |seq: Seq| {
        at.set(seq);
        let started = now_ms();
        let moment = replay.with_value(|r| r.as_ref().and_then(|r| r.board_at(seq)));
        // The board it replaces is freed after the figure is taken: freeing is not rebuilding.
        let previous = state.try_update(|s| std::mem::replace(s, moment));
        board.refresh();
        rebuild_ms.set(now_ms() - started);
        drop(previous);
    };
    go(at.get_untracked());
    let title = slice(board, |b| b.title.clone());
    // The moment, in the address bar, so it can be linked.
    let path = format!("/incidents/{incident}/review");
    Effect::new(move |_| {
        let url = format!("{path}?at={}", at.get());
        if let Ok(history) = window().history() {
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
        }
    });
    // Pinned notes, handoffs, status changes, safety issues and sterile phases, told to me.
    let me = expect_context::<Identity>().participant();
    let key_moments = StoredValue::new(replay.with_value(|r| {
        r.as_ref()
            .map(|r| key_moments(r.events(), Some(&me)))
            .unwrap_or_default()
    }));
    let jump = move |forward: bool| {
        let now = at.get_untracked();
        let target = key_moments.with_value(|k| {
            if forward {
                k.iter().map(|m| m.0).find(|s| *s > now)
            } else {
                k.iter().rev().map(|m| m.0).find(|s| *s < now)
            }
        });
        if let Some(t) = target {
            go(t);
        }
    };

    // Playback: a recorder clock that runs at `speed` times real time.
    let speed = RwSignal::new(0u32);
    let play_clock = StoredValue::new(None::<f64>);
    let ticker = StoredValue::new_local(None::<Interval>);
    let stop = move || {
        speed.set(0);
        ticker.set_value(None);
    };
    let play = move |factor: u32| {
        speed.set(factor);
        let start_ms = replay.with_value(|r| {
            r.as_ref().and_then(|r| {
                r.events_to(at.get_untracked())
                    .last()
                    .map(|e| e.at.timestamp_millis())
            })
        });
        play_clock.set_value(start_ms.map(|m| m as f64));
        ticker.set_value(Some(Interval::new(TICK_MS, move || {
            let factor = f64::from(speed.get_untracked());
            let Some(clock) = play_clock.get_value() else {
                return;
            };
            let clock = clock + factor * f64::from(TICK_MS);
            play_clock.set_value(Some(clock));
            let (next, end) = replay.with_value(|r| {
                let Some(r) = r.as_ref() else {
                    return (0, true);
                };
                let upto = r
                    .events()
                    .partition_point(|e| (e.at.timestamp_millis() as f64) <= clock);
                (upto as Seq, upto >= r.events().len())
            });
            if next > at.get_untracked() {
                go(next);
            }
            if end {
                speed.set(0);
            }
        })));
    };
    Effect::new(move |_| {
        if speed.get() == 0 {
            ticker.set_value(None);
        }
    });

    let position = Memo::new(move |_| {
        let seq = at.get();
        replay.with_value(|r| {
            r.as_ref().and_then(|r| {
                let event = r.events_to(seq).last()?;
                let declared = r.events().first()?.at;
                Some((t_plus(declared, event.at), utc_time(event.at)))
            })
        })
    });
    view! {
        // How long the last move took to rebuild the board: for the browser suite's figures,
        // not for people.
        <section class="card recorder" aria-labelledby="recorder-h"
            data-rebuild-ms=move || format!("{:.2}", rebuild_ms.get())>
            <h1 id="recorder-h">{move || title.get().unwrap_or_default()}</h1>
            <div class="scrubber">
                <label for="moment">"Moment"</label>
                <input id="moment" type="range" min="1" max=move || head.get() step="1"
                    prop:value=move || at.get().to_string()
                    on:input=move |ev| { stop(); if let Ok(v) = event_target_value(&ev).parse() { go(v); } } />
                <output for="moment" class="mono" aria-live="polite">
                    {move || format!("Event {} of {}", at.get(), head.get())}
                    {move || position.get().map(|(t, utc)| format!(" · {t} · {utc}"))}
                </output>
            </div>
            <div class="row controls">
                <button type="button" on:click=move |_| { stop(); jump(false); }>"◀◀ Previous key moment"</button>
                <button type="button" on:click=move |_| { stop(); go(at.get_untracked().saturating_sub(1).max(1)); }>"◀ Step back"</button>
                <button type="button" on:click=move |_| { stop(); go((at.get_untracked() + 1).min(head.get_untracked())); }>"Step forward ▶"</button>
                <button type="button" on:click=move |_| { stop(); jump(true); }>"Next key moment ▶▶"</button>
                {[1u32, 10, 60].into_iter().map(|f| view! {
                    <button type="button" aria-pressed=move || (speed.get() == f).to_string() on:click=move |_| play(f)>
                        {format!("Play {f}×")}
                    </button>
                }).collect_view()}
                <button type="button" on:click=move |_| stop() disabled=move || speed.get() == 0>"Pause"</button>
            </div>
            <KeyMoments moments=key_moments go=Callback::new(go) />
        </section>
        <BoardAt />
        <Scorecard replay=replay />
        <MetricsAt replay=replay at=at />
        <Totals totals=totals final_board=replay.with_value(|r| r.as_ref().and_then(|r| r.board_at(r.head())))
            replay=replay />
        <section class="card" aria-labelledby="export-h">
            <h2 id="export-h">"Export"</h2>
            <p class="row">
                <a class="button" href=format!("/api/incidents/{incident}/export.md") download>"Download the postmortem draft (Markdown)"</a>
                <a class="button" href=format!("/api/incidents/{incident}/export.json") download>"Download the JSON export"</a>
            </p>
        </section>
    }
}

#[component]
fn KeyMoments(moments: StoredValue<Vec<(Seq, String)>>, go: Callback<Seq>) -> impl IntoView {
    view! {
        <details class="key-moments">
            <summary>{move || format!("Key moments ({})", moments.with_value(Vec::len))}</summary>
            <ol>
                {moments.get_value().into_iter().map(|(seq, text)| view! {
                    <li><button type="button" class="ghost small" on:click=move |_| go.run(seq)>{format!("#{seq}")}</button> " " {text}</li>
                }).collect_view()}
            </ol>
        </details>
    }
}

/// The board as it was: the strip, then the live board's panels, read-only.
#[component]
fn BoardAt() -> impl IntoView {
    let board = expect_context::<Board>();
    let strip = slice(board, |b| {
        (
            b.drill,
            b.severity,
            b.status,
            b.name_of(&b.commander.holder).to_owned(),
            b.commander.since,
            b.postmortem.retrospective,
            b.postmortem.imported,
        )
    });
    view! {
        <section class="card board-at" aria-label="Board at this moment">
            {move || strip.get().map(|(drill, severity, status, commander, since, retrospective, imported)| view! {
                <div class="row board-at-strip">
                    {drill.then(|| view! { <span class="exercise-badge">"EXERCISE"</span> })}
                    {retrospective.then(|| view! { <span class="badge">"Recorded after the fact"</span> })}
                    {imported.then(|| view! { <span class="badge">"Imported from a timeline file"</span> })}
                    <crate::board::sterile::SterileBadge />
                    <span class=format!("sev sev-{}", severity.label().to_lowercase())>{severity.label()}</span>
                    <span>{status.label()}</span>
                    <span>"In command: " <strong class="review-commander">{commander}</strong>
                        {format!(" since {}", utc_time(since))}</span>
                </div>
            })}
            <div class="board-grid">
                <crew::CrewPanel />
                <timeline::TimelinePanel />
                <div class="instruments">
                    <actions::ActionsPanel />
                    <concerns::ConcernsPanel />
                    <checklists::ChecklistsPanel />
                </div>
            </div>
        </section>
    }
}

/// The debrief of an exercise: each expectation, whether it was met, what happened and when.
#[component]
fn Scorecard(replay: StoredValue<Option<Replay>>) -> impl IntoView {
    let lines = replay.with_value(|r| {
        r.as_ref()
            .and_then(|r| warroom_core::score::scorecard(r.events()))
    });
    lines.map(|lines| {
        let met = lines.iter().filter(|l| l.met).count();
        let total = lines.len();
        view! {
            <section class="card scorecard" aria-labelledby="scorecard-h">
                <h2 id="scorecard-h">{format!("Scorecard: {met} of {total} expectations met")}</h2>
                <table class="incidents">
                    <thead><tr><th scope="col">"Expected"</th><th scope="col">"Result"</th><th scope="col">"What happened"</th></tr></thead>
                    <tbody>
                        {lines.into_iter().map(|l| view! {
                            <tr class:missed=!l.met>
                                <td>{l.expected}</td>
                                <td>{if l.met { "✓ met" } else { "✕ not met" }}</td>
                                <td>{l.happened}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </section>
        }
    })
}

fn now_ms() -> f64 {
    window().performance().map_or(0.0, |p| p.now())
}
