//! The timeline: every event as an entry with `T+` and UTC time, notes by kind with distinct
//! icons and labels (never colour alone), pinned notes in a key-events strip, a kind filter,
//! amend and retract with the history kept in view, and the composer.
//!
//! It shows the newest entries first and pages: a few hundred DOM rows stay fast however long
//! the incident runs; older pages come from the browser's log or, past that, the server.

use leptos::prelude::*;
use warroom_core::narrate::{EntryKind, describe, kind_of};
use warroom_core::{
    Command, CommandId, Event, Incident, NoteId, NoteKind, Recorded, Seq, Timestamp,
};

use crate::board::slice;
use crate::clock::{local_time, t_plus, utc_time};
use crate::identity::Identity;
use crate::sync::Session;
use crate::widgets::CommandResult;

/// Entries rendered at first; "Show earlier" adds a page.
const PAGE: usize = 150;

/// The icon and the words for a kind of entry.
pub fn kind_badge(kind: EntryKind) -> (&'static str, &'static str) {
    let icon = match kind {
        EntryKind::Note(NoteKind::Observation) => "◉",
        EntryKind::Note(NoteKind::Hypothesis) => "?",
        EntryKind::Note(NoteKind::Decision) => "◆",
        EntryKind::Note(NoteKind::Action) => "▶",
        EntryKind::Note(NoteKind::StatusUpdate) => "✉",
        EntryKind::Incident => "⚑",
        EntryKind::Crew => "⇄",
        EntryKind::Joined => "+",
        EntryKind::Action => "☐",
        EntryKind::Concern => "⚠",
        EntryKind::Checklist => "☑",
        EntryKind::Exercise => "»",
    };
    (icon, kind.label())
}

fn kind_class(kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::Note(NoteKind::Observation) => "k-observation",
        EntryKind::Note(NoteKind::Hypothesis) => "k-hypothesis",
        EntryKind::Note(NoteKind::Decision) => "k-decision",
        EntryKind::Note(NoteKind::Action) => "k-action",
        EntryKind::Note(NoteKind::StatusUpdate) => "k-status",
        EntryKind::Incident => "k-incident",
        EntryKind::Crew => "k-crew",
        EntryKind::Joined => "k-joined",
        EntryKind::Action => "k-tasking",
        EntryKind::Concern => "k-concern",
        EntryKind::Checklist => "k-checklist",
        EntryKind::Exercise => "k-exercise",
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
            (Self::Notes, EntryKind::Note(_)) => true,
            (Self::Kind(k), EntryKind::Note(n)) => k == n,
            (Self::Crew, EntryKind::Crew | EntryKind::Incident | EntryKind::Joined) => true,
            (
                Self::Other,
                EntryKind::Action | EntryKind::Concern | EntryKind::Checklist | EntryKind::Exercise,
            ) => true,
            _ => false,
        }
    }
}

/// One timeline row.
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    seq: Seq,
    at: Timestamp,
    declared_at: Timestamp,
    author: String,
    kind: EntryKind,
    text: String,
    note: Option<NoteView>,
    /// Shown to an observer: no controls.
    read_only: bool,
}

#[derive(Debug, Clone, PartialEq)]
struct NoteView {
    id: NoteId,
    mine: bool,
    pinned: bool,
    retracted: Option<String>,
    /// Earlier texts, oldest first.
    history: Vec<String>,
}

fn entry(
    incident: &Incident,
    r: &Recorded,
    me: &warroom_core::ParticipantId,
    read_only: bool,
) -> Entry {
    let note = match &r.event {
        Event::NotePosted { note, .. } => incident.notes.get(note).map(|n| (note, n)),
        _ => None,
    };
    Entry {
        seq: r.seq,
        at: r.at,
        declared_at: incident.declared_at,
        author: match &r.event {
            // An inject appears to come from its source, not from the facilitator.
            Event::InjectFired { source, .. } => source.clone(),
            _ => incident.name_of(&r.actor).to_owned(),
        },
        kind: kind_of(incident, &r.event),
        text: note.map_or_else(|| describe(incident, r), |(_, n)| n.text.clone()),
        note: note.map(|(id, n)| NoteView {
            id: *id,
            mine: &n.author == me,
            pinned: n.pinned,
            retracted: n
                .retracted
                .as_ref()
                .map(|x| format!("Retracted by {}: {}", incident.name_of(&x.by), x.reason)),
            history: n.history.iter().map(|h| h.text.clone()).collect(),
        }),
        read_only,
    }
}

#[component]
pub fn TimelinePanel() -> impl IntoView {
    let session = expect_context::<Session>();
    let identity = expect_context::<Identity>();
    let filter = RwSignal::new(Filter::All);
    let limit = RwSignal::new(PAGE);
    let me = identity.participant();
    let entries = Memo::new(move |_| {
        let filter = filter.get();
        let limit = limit.get();
        let read_only = session.read_only.get();
        session.log.with(|log| {
            session.state.with(|s| {
                let Some(incident) = s else { return Vec::new() };
                log.iter()
                    .rev()
                    .filter(|r| filter.keeps(kind_of(incident, &r.event)))
                    .take(limit)
                    .map(|r| entry(incident, r, &me, read_only))
                    .collect::<Vec<_>>()
            })
        })
    });
    let held = Memo::new(move |_| session.log.with(Vec::len));
    let more_on_server = Memo::new(move |_| !session.history_complete.get());
    let show_earlier = move |_| {
        limit.update(|l| *l += PAGE);
        if limit.get_untracked() >= held.get_untracked() && more_on_server.get_untracked() {
            session.load_earlier();
        }
    };
    view! {
        <section class="panel timeline" aria-labelledby="timeline-h">
            <h2 id="timeline-h">"Timeline"</h2>
            <KeyEvents />
            <Show when=move || !session.read_only.get()>
                <Composer />
            </Show>
            <div class="filter" role="group" aria-label="Filter the timeline">
                <label for="timeline-filter">"Show"</label>
                <select id="timeline-filter" on:change=move |ev| {
                    let v = event_target_value(&ev);
                    if let Some(f) = Filter::ALL.into_iter().find(|f| f.label() == v) { filter.set(f); limit.set(PAGE); }
                }>
                    {Filter::ALL.into_iter().map(|f| view! { <option value=f.label() selected=move || filter.get() == f>{f.label()}</option> }).collect_view()}
                </select>
            </div>
            <PendingNotes />
            <ol class="entries" aria-label="Timeline entries, newest first">
                <For
                    each=move || entries.get()
                    key=|e| (e.seq, e.read_only, e.text.clone(), e.note.as_ref().map(|n| (n.history.len(), n.pinned, n.retracted.is_some())))
                    children=move |e| view! { <EntryRow entry=e /> }
                />
            </ol>
            <Show when=move || { entries.with(Vec::len) >= limit.get() || more_on_server.get() }>
                <button type="button" class="ghost" on:click=show_earlier>"Show earlier entries"</button>
            </Show>
        </section>
    }
}

#[component]
fn EntryRow(entry: Entry) -> impl IntoView {
    let session = expect_context::<Session>();
    let (icon, label) = kind_badge(entry.kind);
    let last = RwSignal::new(None::<CommandId>);
    let amending = RwSignal::new(false);
    let retracting = RwSignal::new(false);
    let draft = RwSignal::new(entry.text.clone());
    let reason = RwSignal::new(String::new());
    let retracted = entry.note.as_ref().and_then(|n| n.retracted.clone());
    let is_retracted = retracted.is_some();
    let text = entry.text.clone();
    let body = if retracted.is_some() {
        view! { <p class="text"><del>{text}</del></p> }.into_any()
    } else {
        view! { <p class="text">{text}</p> }.into_any()
    };
    // An observer reads the notes; it does not pin, amend or retract them.
    let note_controls = entry.note.clone().filter(|n| n.retracted.is_none() && !entry.read_only).map(|n| {
        let id = n.id;
        let pinned = n.pinned;
        view! {
            <div class="entry-actions">
                <button type="button" class="ghost small" aria-pressed=pinned.to_string()
                    on:click=move |_| last.set(Some(session.submit(Command::PinNote { note: id, pinned: !pinned })))>
                    {if pinned { "Unpin" } else { "Pin" }}
                </button>
                {n.mine.then(|| view! {
                    <button type="button" class="ghost small" on:click=move |_| amending.set(true)>"Amend"</button>
                })}
                <button type="button" class="ghost small" on:click=move |_| retracting.set(true)>"Retract"</button>
            </div>
            <Show when=move || amending.get()>
                <form class="inline-form" on:submit=move |ev: web_sys::SubmitEvent| {
                    ev.prevent_default();
                    last.set(Some(session.submit(Command::AmendNote { note: id, text: draft.get_untracked() })));
                    amending.set(false);
                }>
                    <label for=format!("amend-{id}")>"Amended text"</label>
                    <input id=format!("amend-{id}") prop:value=move || draft.get() on:input=move |ev| draft.set(event_target_value(&ev)) />
                    <button type="submit">"Save amendment"</button>
                    <button type="button" class="ghost" on:click=move |_| amending.set(false)>"Cancel"</button>
                </form>
            </Show>
            <Show when=move || retracting.get()>
                <form class="inline-form" on:submit=move |ev: web_sys::SubmitEvent| {
                    ev.prevent_default();
                    last.set(Some(session.submit(Command::RetractNote { note: id, reason: reason.get_untracked() })));
                    retracting.set(false);
                }>
                    <label for=format!("retract-{id}")>"Why retract it?"</label>
                    <input id=format!("retract-{id}") required prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev)) />
                    <button type="submit" class="warn">"Retract"</button>
                    <button type="button" class="ghost" on:click=move |_| retracting.set(false)>"Cancel"</button>
                </form>
            </Show>
        }
    });
    let history = entry
        .note
        .as_ref()
        .map(|n| n.history.clone())
        .unwrap_or_default();
    view! {
        <li class=format!("entry {}", kind_class(entry.kind)) class:retracted=is_retracted class:pinned=entry.note.as_ref().is_some_and(|n| n.pinned)>
            <div class="entry-meta">
                <span class="icon" aria-hidden="true">{icon}</span>
                <span class="kind-label">{label}</span>
                <time class="mono" datetime=entry.at.to_rfc3339() title=local_time(entry.at)>
                    {format!("{} · {}", t_plus(entry.declared_at, entry.at), utc_time(entry.at))}
                </time>
                <span class="author">{entry.author.clone()}</span>
                {entry.note.as_ref().is_some_and(|n| n.pinned).then(|| view! { <span class="badge">"pinned"</span> })}
            </div>
            {body}
            {retracted.clone().map(|r| view! { <p class="retraction">{r}</p> })}
            {(!history.is_empty()).then(|| view! {
                <details class="history">
                    <summary>{format!("Amended — {} earlier version{}", history.len(), if history.len() == 1 { "" } else { "s" })}</summary>
                    <ol>{history.into_iter().map(|h| view! { <li><del>{h}</del></li> }).collect_view()}</ol>
                </details>
            })}
            {note_controls}
            <CommandResult id=last />
        </li>
    }
}

/// Notes sent from this browser that the server has not acknowledged yet.
#[component]
fn PendingNotes() -> impl IntoView {
    let session = expect_context::<Session>();
    let notes = Memo::new(move |_| {
        session.pending.with(|p| {
            p.iter()
                .filter_map(|c| {
                    c.note
                        .clone()
                        .map(|(kind, text)| (c.id.clone(), kind, text))
                })
                .collect::<Vec<_>>()
        })
    });
    let online = Memo::new(move |_| session.link.get() == crate::sync::Link::Online);
    view! {
        <ol class="entries pending-entries" aria-label="Notes waiting to be sent">
            <For each=move || notes.get() key=|n| n.0.clone() let:n>
                <li class=format!("entry pending {}", kind_class(EntryKind::Note(n.1)))>
                    <div class="entry-meta">
                        <span class="icon" aria-hidden="true">{kind_badge(EntryKind::Note(n.1)).0}</span>
                        <span class="kind-label">{n.1.label()}</span>
                        <span class="badge">{move || if online.get() { "sending…" } else { "not sent yet — offline" }}</span>
                    </div>
                    <p class="text">{n.2}</p>
                </li>
            </For>
        </ol>
    }
}

/// Pinned notes: the key events of the incident at a glance.
#[component]
fn KeyEvents() -> impl IntoView {
    let session = expect_context::<Session>();
    let pinned = slice(session, |i| {
        i.notes
            .values()
            .filter(|n| n.pinned)
            .map(|n| (n.seq, n.kind, n.text.clone(), t_plus(i.declared_at, n.at)))
            .collect::<Vec<_>>()
    });
    view! {
        <Show when=move || pinned.with(|p| p.as_ref().is_some_and(|p| !p.is_empty()))>
            <div class="key-events" role="region" aria-label="Key events">
                <h3>"Key events"</h3>
                <ul>
                    <For each=move || pinned.get().unwrap_or_default() key=|p| p.clone() let:p>
                        <li>
                            <span class="icon" aria-hidden="true">{kind_badge(EntryKind::Note(p.1)).0}</span>
                            <span class="sr-only">{p.1.label()} ": "</span>
                            <span class="mono">{p.3}</span> " " {p.2}
                        </li>
                    </For>
                </ul>
            </div>
        </Show>
    }
}

/// Posts notes: Enter posts, Shift+Enter breaks the line, Alt+1…5 picks the kind.
#[component]
fn Composer() -> impl IntoView {
    let session = expect_context::<Session>();
    let kind = RwSignal::new(NoteKind::Observation);
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let last = RwSignal::new(None::<CommandId>);
    let post = move || {
        let body = text.get_untracked();
        if body.trim().is_empty() {
            error.set(Some("Write something first.".into()));
            return;
        }
        let chars = body.trim().chars().count();
        if chars > warroom_core::MAX_TEXT_CHARS {
            error.set(Some(format!(
                "That is {chars} characters; a note holds at most {}.",
                warroom_core::MAX_TEXT_CHARS
            )));
            return;
        }
        error.set(None);
        last.set(Some(session.submit(Command::PostNote {
            kind: kind.get_untracked(),
            text: body,
        })));
        text.set(String::new());
    };
    let on_key = move |ev: web_sys::KeyboardEvent| {
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            post();
        } else if ev.alt_key()
            && let Some(k) = ev
                .code()
                .strip_prefix("Digit")
                .and_then(|d| d.parse::<usize>().ok())
                .and_then(|d| d.checked_sub(1))
                .and_then(|i| NoteKind::ALL.get(i))
        {
            ev.prevent_default();
            kind.set(*k);
        }
    };
    view! {
        <form class="composer" on:submit=move |ev: web_sys::SubmitEvent| { ev.prevent_default(); post(); }>
            <fieldset class="kinds">
                <legend>"Kind of note"</legend>
                {NoteKind::ALL.into_iter().enumerate().map(|(i, k)| {
                    let id = format!("kind-{}", k.label().to_lowercase().replace(' ', "-"));
                    let (icon, _) = kind_badge(EntryKind::Note(k));
                    view! {
                        <input type="radio" name="note-kind" id=id.clone() prop:checked=move || kind.get() == k
                            on:change=move |_| kind.set(k) />
                        <label for=id class=format!("kind-choice {}", kind_class(EntryKind::Note(k)))
                            title=format!("Alt+{}", i + 1)>
                            <span aria-hidden="true">{icon}</span> " " <span>{k.label()}</span>
                            <kbd aria-hidden="true">{format!("Alt+{}", i + 1)}</kbd>
                        </label>
                    }
                }).collect_view()}
            </fieldset>
            <div class="compose-row">
                <label for="composer-text" class="sr-only">"Note"</label>
                <textarea id="composer-text" rows="2"
                    placeholder="What do you see? Enter posts · Shift+Enter new line · Alt+1–5 picks the kind"
                    prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))
                    on:keydown=on_key
                ></textarea>
                <button type="submit" class="primary">{move || format!("Post {}", kind.get().label().to_lowercase())}</button>
            </div>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <CommandResult id=last />
        </form>
    }
}
