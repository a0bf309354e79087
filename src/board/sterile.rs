//! Crew discipline on the board: the STERILE badge of the command strip (for everyone while a
//! sterile phase is on, with its reason), the commander's controls (start and end a sterile
//! phase, set the span of control), the composer's "Essential" checkbox (shown only during a
//! phase), and the mark on a note the phase held back. The rules are warroom-core's
//! (`decide`'s discipline rules, `Incident::holds_back`, `narrate::moments::timeline`); the
//! span-of-control advisory is the annunciator's.

use std::sync::Arc;

use leptos::prelude::*;
use warroom_core::alerts::SPAN_OF_CONTROL;
use warroom_core::{Command, CommandId, Note, Role, SPAN_OF_CONTROL_LIMITS};

use crate::board::drafts::{DraftKey, InlineForm, drafts};
use crate::board::{Board, holds, slice};
use crate::clock::t_plus;
use crate::identity::Identity;
use crate::widgets::CommandResult;

/// "STERILE — <reason>" while a sterile phase is on; nothing otherwise. On the live board and
/// on the review page alike (the phase is part of the board at every moment).
#[component]
pub fn SterileBadge() -> impl IntoView {
    let board = expect_context::<Board>();
    let reason = slice(board, |i| i.sterile.as_ref().map(|p| p.reason.clone()));
    move || {
        reason.get().flatten().map(|reason| {
            view! {
                <div class="sterile-badge" role="status" title="Sterile phase: only essential notes reach the timeline until it ends">
                    <strong>"STERILE"</strong>
                    <span class="sterile-reason">{format!(" — {reason}")}</span>
                </div>
            }
        })
    }
}

/// The commander's controls: start a sterile phase with a reason, or end it; and the span of
/// control. Nothing for anyone else, nor on a replay.
#[component]
pub fn DisciplineControls() -> impl IntoView {
    let board = expect_context::<Board>();
    let me = expect_context::<Identity>().participant();
    let commander = {
        let me = me.clone();
        Memo::new(move |_| !board.read_only.get() && holds(board, &me, Role::Commander))
    };
    let phase = slice(board, |i| i.sterile.is_some());
    let span = slice(board, |i| i.span_of_control);
    let starting = RwSignal::new(false);
    let last = RwSignal::new(None::<CommandId>);
    let reason = drafts().get(DraftKey::SterileReason);
    let limit = RwSignal::new(String::new());
    let set_span = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        let text = limit.get_untracked();
        let value = text.trim();
        let limit_value = if value.is_empty() {
            None
        } else {
            match value.parse::<u32>() {
                Ok(n) => Some(n),
                Err(_) => Some(0),
            }
        };
        last.set(board.submit(Command::SetSpanOfControl { limit: limit_value }));
        limit.set(String::new());
    };
    view! {
        <Show when=move || commander.get()>
            <section class="discipline" aria-labelledby="discipline-h">
                <h3 id="discipline-h">"Crew discipline"</h3>
                {move || if phase.get() == Some(true) {
                    view! {
                        <button type="button" class="warn"
                            on:click=move |_| last.set(board.submit(Command::EndSterilePhase))>
                            "End sterile phase"
                        </button>
                    }.into_any()
                } else if starting.get() {
                    view! {
                        <InlineForm id="sterile-reason" label="Why a sterile phase?" draft=reason
                            placeholder="Failover in progress" submit="Start sterile phase"
                            on_submit=Callback::new(move |reason| {
                                last.set(board.submit(Command::StartSterilePhase { reason }));
                                starting.set(false);
                            })
                            on_cancel=Callback::new(move |()| starting.set(false)) />
                    }.into_any()
                } else {
                    view! {
                        <button type="button" on:click=move |_| starting.set(true)
                            title="A critical phase: notes not marked essential wait until it ends">
                            "Start sterile phase…"
                        </button>
                    }.into_any()
                }}
                <form class="span-form" on:submit=set_span>
                    <label for="span-limit">"Span of control"</label>
                    <input id="span-limit" type="number" inputmode="numeric"
                        min=*SPAN_OF_CONTROL_LIMITS.start() max=*SPAN_OF_CONTROL_LIMITS.end()
                        placeholder=move || span.get().flatten().unwrap_or(SPAN_OF_CONTROL).to_string()
                        prop:value=move || limit.get()
                        on:input=move |ev| limit.set(event_target_value(&ev)) />
                    <button type="submit" class="small">"Set span"</button>
                    <span class="hint">{move || match span.get().flatten() {
                        Some(n) => format!("Advisory past {n} open actions or direct reports; empty resets to {SPAN_OF_CONTROL}."),
                        None => format!("Advisory past {SPAN_OF_CONTROL} open actions or direct reports (ICS: 3–7)."),
                    }}</span>
                </form>
                <CommandResult id=last />
            </section>
        </Show>
    }
}

/// The composer's "Essential" checkbox, shown only while a sterile phase is on. The commander's
/// notes and status updates always go through, so the commander is told so instead.
#[component]
pub fn EssentialToggle(
    /// Whether the note being written is essential.
    essential: RwSignal<bool>,
) -> impl IntoView {
    let board = expect_context::<Board>();
    let me = expect_context::<Identity>().participant();
    let phase = slice(board, |i| i.sterile.is_some());
    let commander = Memo::new(move |_| holds(board, &me, Role::Commander));
    // Off again when the phase ends, so the next phase starts unticked.
    Effect::new(move |_| {
        if phase.get() != Some(true) {
            essential.set(false);
        }
    });
    move || {
        (phase.get() == Some(true)).then(|| {
            if commander.get() {
                view! {
                    <p class="hint essential-hint">"Sterile phase: your notes as commander always reach the timeline."</p>
                }
                .into_any()
            } else {
                view! {
                    <div class="essential">
                        <input type="checkbox" id="note-essential" prop:checked=move || essential.get()
                            on:change=move |ev| essential.set(event_target_checked(&ev)) />
                        <label for="note-essential">"Essential"</label>
                        <span class="hint essential-hint">"Sterile phase: notes not marked essential wait until it ends; status updates always go."</span>
                    </div>
                }
                .into_any()
            }
        })
    }
}

/// The mark on a note a sterile phase held back: "queued until the phase ends" while it waits
/// (only its author and the commander see it then), and when it was released afterwards.
#[component]
pub fn HoldBadge(
    /// The note.
    note: Signal<Option<Arc<Note>>>,
) -> impl IntoView {
    let board = expect_context::<Board>();
    let declared_at = slice(board, |i| i.declared_at);
    move || {
        note.with(|n| {
            let held = n.as_ref()?.held.as_ref()?;
            Some(match held.released {
                None => view! { <span class="badge queued">"queued until the phase ends"</span> }
                    .into_any(),
                Some(release) => {
                    let when = declared_at
                        .get_untracked()
                        .map(|d| t_plus(d, release.at))
                        .unwrap_or_default();
                    view! {
                        <span class="badge held">{format!("held in the sterile phase, released {when}")}</span>
                    }
                    .into_any()
                }
            })
        })
    }
}
