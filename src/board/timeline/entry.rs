//! One timeline entry: when, who, what (marked "entered later" when backdated, "imported"
//! when entered from a timeline file); for a note, its pin, its amendments kept in view, its
//! retraction, and the pin / amend / retract controls. The row is made once per sequence
//! number and redraws only the parts its note changed; the amendment and the retraction
//! reason are drafts of the board, not of the row.

use std::sync::Arc;

use leptos::prelude::*;
use warroom_core::narrate::{describe_for, kind_of};
use warroom_core::{Command, CommandId, Event, Note, NoteId, Seq};

use crate::board::Board;
use crate::board::drafts::{DraftKey, InlineForm, drafts};
use crate::board::timeline::{kind_badge, kind_class};
use crate::clock::{local_time, t_plus, utc_time};
use crate::identity::Identity;
use crate::widgets::CommandResult;
use warroom_core::time::Precision;

/// The entry for event `seq`; nothing if the log no longer holds it.
#[component]
pub fn EntryRow(seq: Seq) -> impl IntoView {
    let board = expect_context::<Board>();
    let me = expect_context::<Identity>().participant();
    let event = board.with_log(|log| {
        log.binary_search_by_key(&seq, |r| r.seq)
            .ok()
            .map(|i| log[i].clone())
    });
    let shown = event.and_then(|r| {
        board.state.with_untracked(|s| {
            s.as_ref().map(|i| {
                let note = match &r.event {
                    Event::NotePosted { note, .. } => Some(*note),
                    _ => None,
                };
                // An inject appears to come from its source, not from the facilitator.
                let source = match &r.event {
                    Event::InjectFired { source, .. } => Some(source.clone()),
                    _ => None,
                };
                let kind = kind_of(i, &r.event);
                (r, i.started_at(), kind, note, source)
            })
        })
    });
    shown.map(|(r, declared_at, kind, note_id, source)| {
        let (icon, label) = kind_badge(kind);
        let note = note_id.map(|id| board.notes.watch(&board, id));
        let with_note = move |f: &dyn Fn(&Note) -> bool| {
            note.is_some_and(|n| n.with(|n| n.as_deref().is_some_and(f)))
        };
        let pinned = move || with_note(&|n| n.pinned);
        let retracted = move || with_note(&|n| n.retracted.is_some());
        let actor = r.actor.clone();
        let author = move || source.clone().unwrap_or_else(|| board.name_of(&actor));
        // A note's text, retraction and history redraw together when that note changes.
        let body = match note {
            Some(note) => (move || note.get().map(|n| note_body(board, &n))).into_any(),
            // Other entries name people: said again when someone joins or is renamed.
            None => {
                let event = StoredValue::new(r.clone());
                let described = move || {
                    board.track_names();
                    board.state.with_untracked(|s| {
                        s.as_ref()
                            .map(|i| event.with_value(|r| describe_for(i, r, Some(&me))))
                    })
                };
                view! { <p class="text">{described}</p> }.into_any()
            }
        };
        let last = RwSignal::new(None::<CommandId>);
        // Shown at when it happened; a backdated entry says so and, on hover, when it was
        // recorded; an approximate time is marked "≈".
        let at = r.when();
        let approx = r.occurred().is_some_and(|o| o.precision != Precision::Exact);
        let backdated = r.backdated();
        let imported = r.imported;
        let title = if r.occurred_at.is_some() {
            format!(
                "Happened {}{}; recorded {} UTC",
                if approx { "about " } else { "" },
                local_time(at),
                warroom_core::time::date_hh_mm_ss(r.at)
            )
        } else {
            local_time(at)
        };
        let approx = if approx { "≈" } else { "" };
        view! {
            <li class=format!("entry {}", kind_class(kind)) class:retracted=retracted class:pinned=pinned>
                <div class="entry-meta">
                    <span class="icon" aria-hidden="true">{icon}</span>
                    <span class="kind-label">{label}</span>
                    <time class="mono" datetime=at.to_rfc3339() title=title>
                        {format!("{approx}{} · {approx}{}", t_plus(declared_at, at), utc_time(at))}
                    </time>
                    {backdated.then(|| view! { <span class="badge backdated">"entered later"</span> })}
                    {imported.then(|| view! { <span class="badge imported" title="Entered from a timeline file">"imported"</span> })}
                    <span class="author">{author}</span>
                    {move || pinned().then(|| view! { <span class="badge">"pinned"</span> })}
                    {note.map(|note| view! { <crate::board::sterile::HoldBadge note=note /> })}
                </div>
                {body}
                // An observer reads the notes; it does not pin, amend or retract them.
                {note.zip(note_id).map(|(note, id)| view! {
                    <Show when=move || !board.read_only.get() && note.with(|n| n.as_ref().is_some_and(|n| n.retracted.is_none()))>
                        <NoteControls id=id note=note last=last />
                    </Show>
                })}
                <CommandResult id=last />
            </li>
        }
    })
}

/// A note's text (struck through once retracted), its retraction and its earlier versions.
fn note_body(board: Board, n: &Note) -> impl IntoView + use<> {
    let text = n.text.clone();
    let text = if n.retracted.is_some() {
        view! { <p class="text"><del>{text}</del></p> }.into_any()
    } else {
        view! { <p class="text">{text}</p> }.into_any()
    };
    let retraction = n.retracted.as_ref().map(|x| {
        let line = format!("Retracted by {}: {}", board.name_of(&x.by), x.reason);
        view! { <p class="retraction">{line}</p> }
    });
    let history: Vec<String> = n.history.iter().map(|h| h.text.clone()).collect();
    let history = (!history.is_empty()).then(|| view! {
        <details class="history">
            <summary>{format!("Amended — {} earlier version{}", history.len(), if history.len() == 1 { "" } else { "s" })}</summary>
            <ol>{history.into_iter().map(|h| view! { <li><del>{h}</del></li> }).collect_view()}</ol>
        </details>
    });
    view! { {text} {retraction} {history} }
}

/// Pin, amend and retract, for a note that is not retracted.
#[component]
fn NoteControls(
    /// The note.
    id: NoteId,
    /// The note as it is now.
    note: Signal<Option<Arc<Note>>>,
    /// Where the command sent is reported.
    last: RwSignal<Option<CommandId>>,
) -> impl IntoView {
    let board = expect_context::<Board>();
    let drafts = drafts();
    let me = expect_context::<Identity>().participant();
    let pinned = move || note.with(|n| n.as_ref().is_some_and(|n| n.pinned));
    let mine = note.with_untracked(|n| n.as_ref().is_some_and(|n| n.author == me));
    let amending = RwSignal::new(false);
    let retracting = RwSignal::new(false);
    // Drafts are made on first use: most notes are never amended or retracted.
    let amendment = move || drafts.get(DraftKey::Amend(id));
    let reason = move || drafts.get(DraftKey::Retract(id));
    let amend = move |_| {
        // The amendment starts from the current text the first time.
        let amendment = amendment();
        if amendment.with_untracked(String::is_empty) {
            amendment.set(
                note.with_untracked(|n| n.as_ref().map(|n| n.text.clone()).unwrap_or_default()),
            );
        }
        amending.set(true);
    };
    view! {
        <div class="entry-actions">
            // A note queued by a sterile phase is pinned once it is on the shared timeline.
            <Show when=move || note.with(|n| n.as_ref().is_none_or(|n| !n.is_queued()))>
                <button type="button" class="ghost small" aria-pressed=move || pinned().to_string()
                    on:click=move |_| last.set(board.submit(Command::PinNote { note: id, pinned: !pinned() }))>
                    {move || if pinned() { "Unpin" } else { "Pin" }}
                </button>
            </Show>
            {mine.then(|| view! {
                <button type="button" class="ghost small" on:click=amend>"Amend"</button>
            })}
            <button type="button" class="ghost small" on:click=move |_| retracting.set(true)>"Retract"</button>
        </div>
        <Show when=move || amending.get()>
            <InlineForm id=format!("amend-{id}") label="Amended text" draft=amendment() submit="Save amendment"
                on_submit=Callback::new(move |text| {
                    last.set(board.submit(Command::AmendNote { note: id, text }));
                    amending.set(false);
                })
                on_cancel=Callback::new(move |()| amending.set(false)) />
        </Show>
        <Show when=move || retracting.get()>
            <InlineForm id=format!("retract-{id}") label="Why retract it?" draft=reason() submit="Retract" submit_class="warn"
                on_submit=Callback::new(move |reason| {
                    last.set(board.submit(Command::RetractNote { note: id, reason }));
                    retracting.set(false);
                })
                on_cancel=Callback::new(move |()| retracting.set(false)) />
        </Show>
    }
}
