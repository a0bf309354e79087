//! The timeline: every event as an entry with `T+` and UTC time, notes by kind with distinct
//! icons and labels (never colour alone), pinned notes in a key-events strip, a kind filter,
//! amend and retract with the history kept in view, and the composer (which the board page
//! docks where it stays reachable).
//!
//! It shows the newest entries first and pages: a few hundred DOM rows stay fast however long
//! the incident runs; older pages come from the browser's log or, past that, the server.

use leptos::prelude::*;
use warroom_core::NoteKind;
use warroom_core::narrate::moments::timeline;
use warroom_core::narrate::{EntryKind, kind_of};

use crate::board::Board;
use crate::clock::t_plus;
use crate::identity::Identity;

pub mod composer;
mod entry;

/// Entries rendered at first; "Show earlier" adds a page.
const PAGE: usize = 150;

/// Entries built in the board's first render: more than a screenful. The rest of the first
/// page is built a frame later, so that the newest entries are painted without waiting for
/// the older ones (building a row costs about half a millisecond).
const FIRST_PAINT: usize = 30;

/// The icon and the words for a kind of entry.
pub fn kind_badge(kind: EntryKind) -> (&'static str, &'static str) {
    let icon = match kind {
        EntryKind::Note(NoteKind::Observation) => "◉",
        EntryKind::Note(NoteKind::Hypothesis) => "?",
        EntryKind::Note(NoteKind::Decision) => "◆",
        EntryKind::Note(NoteKind::Action) => "▶",
        EntryKind::Note(NoteKind::StatusUpdate) => "✉",
        EntryKind::Pin(_) => "★",
        EntryKind::Incident => "⚑",
        EntryKind::Crew => "⇄",
        EntryKind::Joined => "+",
        EntryKind::Action => "☐",
        EntryKind::Concern => "⚠",
        EntryKind::Checklist => "☑",
        EntryKind::Exercise => "»",
        EntryKind::Alert => "◎",
    };
    (icon, kind.label())
}

pub(crate) fn kind_class(kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::Note(NoteKind::Observation) => "k-observation",
        EntryKind::Note(NoteKind::Hypothesis) => "k-hypothesis",
        EntryKind::Note(NoteKind::Decision) => "k-decision",
        EntryKind::Note(NoteKind::Action) => "k-action",
        EntryKind::Note(NoteKind::StatusUpdate) => "k-status",
        EntryKind::Pin(_) => "k-pin",
        EntryKind::Incident => "k-incident",
        EntryKind::Crew => "k-crew",
        EntryKind::Joined => "k-joined",
        EntryKind::Action => "k-tasking",
        EntryKind::Concern => "k-concern",
        EntryKind::Checklist => "k-checklist",
        EntryKind::Exercise => "k-exercise",
        EntryKind::Alert => "k-alert",
    }
}

/// Which entries the timeline shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Filter {
    All,
    Notes,
    Kind(NoteKind),
    Crew,
    Other,
}

impl Filter {
    const ALL: [Filter; 9] = [
        Self::All,
        Self::Notes,
        Self::Kind(NoteKind::Observation),
        Self::Kind(NoteKind::Hypothesis),
        Self::Kind(NoteKind::Decision),
        Self::Kind(NoteKind::Action),
        Self::Kind(NoteKind::StatusUpdate),
        Self::Crew,
        Self::Other,
    ];

    fn label(self) -> &'static str {
        match self {
            Self::All => "Everything",
            Self::Notes => "All notes",
            Self::Kind(k) => k.label(),
            Self::Crew => "Command and crew",
            Self::Other => "Actions, concerns, checklists",
        }
    }

    fn keeps(self, kind: EntryKind) -> bool {
        match (self, kind) {
            (Self::All, _) => true,
            (Self::Notes, EntryKind::Note(_) | EntryKind::Pin(_)) => true,
            (Self::Kind(k), EntryKind::Note(n) | EntryKind::Pin(n)) => k == n,
            (Self::Crew, EntryKind::Crew | EntryKind::Incident | EntryKind::Joined) => true,
            (
                Self::Other,
                EntryKind::Action | EntryKind::Concern | EntryKind::Checklist | EntryKind::Exercise,
            ) => true,
            _ => false,
        }
    }
}

#[component]
pub fn TimelinePanel() -> impl IntoView {
    let board = expect_context::<Board>();
    let me = expect_context::<Identity>().participant();
    let filter = RwSignal::new(Filter::All);
    let limit = RwSignal::new(PAGE);
    // The sequence numbers shown: only new entries, paging or the filter change it.
    let entries = Memo::new(move |_| {
        board.track_log();
        let filter = filter.get();
        let limit = limit.get();
        board.state.with_untracked(|s| {
            let Some(incident) = s else { return Vec::new() };
            // Newest first, with the notes a sterile phase held where the shared timeline shows
            // them (queued: to their author and the commander only; released: at the phase's end).
            board.with_log(|log| {
                timeline(incident, log, Some(&me))
                    .filter(|r| filter.keeps(kind_of(incident, &r.event)))
                    .take(limit)
                    .map(|r| r.seq)
                    .collect::<Vec<_>>()
            })
        })
    });
    // How many of `entries` have rows: `FIRST_PAINT` until the first page has been painted.
    let built = RwSignal::new(FIRST_PAINT);
    let rows = Memo::new(move |_| {
        let built = built.get();
        entries.with(|e| e[..e.len().min(built)].to_vec())
    });
    Effect::new(move |_| {
        if built.get() == FIRST_PAINT && entries.with(Vec::len) > FIRST_PAINT {
            // After the next paint: a timeout set from the frame's callback runs once it is
            // on screen.
            request_animation_frame(move || {
                let all = move || {
                    built.try_set(usize::MAX);
                };
                set_timeout(all, std::time::Duration::ZERO);
            });
        }
    });
    let held = Memo::new(move |_| {
        board.track_log();
        board.with_log(<[_]>::len)
    });
    let more_on_server =
        Memo::new(move |_| board.session.is_some_and(|s| !s.history_complete.get()));
    let show_earlier = move |_| {
        limit.update(|l| *l += PAGE);
        if limit.get_untracked() >= held.get_untracked()
            && more_on_server.get_untracked()
            && let Some(session) = board.session
        {
            session.load_earlier();
        }
    };
    view! {
        <section class="panel timeline" aria-labelledby="timeline-h">
            <h2 id="timeline-h">"Timeline"</h2>
            <KeyEvents />
            <div class="filter" role="group" aria-label="Filter the timeline">
                <label for="timeline-filter">"Show"</label>
                <select id="timeline-filter" on:change=move |ev| {
                    let v = event_target_value(&ev);
                    if let Some(f) = Filter::ALL.into_iter().find(|f| f.label() == v) { filter.set(f); limit.set(PAGE); }
                }>
                    {Filter::ALL.into_iter().map(|f| view! { <option value=f.label() selected=move || filter.get() == f>{f.label()}</option> }).collect_view()}
                </select>
            </div>
            {board.session.is_some().then(|| view! { <composer::PendingNotes /> })}
            <ol class="entries" aria-label="Timeline entries, newest first">
                <For each=move || rows.get() key=|seq| *seq let:seq>
                    <entry::EntryRow seq=seq />
                </For>
            </ol>
            <Show when=move || { entries.with(Vec::len) >= limit.get() || more_on_server.get() }>
                <button type="button" class="ghost" on:click=show_earlier>"Show earlier entries"</button>
            </Show>
        </section>
    }
}

/// Pinned notes: the key events of the incident at a glance.
#[component]
fn KeyEvents() -> impl IntoView {
    let board = expect_context::<Board>();
    let pinned = Memo::new(move |_| board.pinned());
    view! {
        <Show when=move || pinned.with(|p| !p.is_empty())>
            <div class="key-events" role="region" aria-label="Key events">
                <h3>"Key events"</h3>
                <ul>
                    <For each=move || pinned.get() key=|id| *id let:id>
                        <KeyEvent id=id />
                    </For>
                </ul>
            </div>
        </Show>
    }
}

#[component]
fn KeyEvent(id: warroom_core::NoteId) -> impl IntoView {
    let board = expect_context::<Board>();
    let note = board.notes.watch(&board, id);
    let declared_at = board
        .state
        .with_untracked(|s| s.as_ref().map(|i| i.declared_at));
    move || {
        note.get().map(|n| {
            let when = declared_at.map(|d| t_plus(d, n.at)).unwrap_or_default();
            view! {
                <li>
                    <span class="icon" aria-hidden="true">{kind_badge(EntryKind::Note(n.kind)).0}</span>
                    <span class="sr-only">{n.kind.label()} ": "</span>
                    <span class="mono">{when}</span> " " {n.text.clone()}
                </li>
            }
        })
    }
}
