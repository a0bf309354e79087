//! Folding what the note events do to the notes themselves: posted, amended, retracted,
//! pinned, released by the end of a sterile phase. [`super::apply`] runs it for every event;
//! a client that pages in the posting of a note its board left out (a snapshot frame carries
//! only the newest notes, see `protocol::partial`) runs it alone, over that posting and every
//! later event it holds, to rebuild the note as the server's board has it ([`rebuild`]).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::event::{Event, Recorded};
use crate::ids::NoteId;
use crate::incident::{Hold, Note, Release, Retraction, Revision};

/// Applies `recorded` to the notes it names among `notes`, and to no other part of the board;
/// when `only` is given, to the notes in it alone.
pub fn fold(
    notes: &mut BTreeMap<NoteId, Arc<Note>>,
    recorded: &Recorded,
    only: Option<&BTreeSet<NoteId>>,
) {
    let Recorded {
        seq,
        at,
        actor,
        event,
        ..
    } = recorded;
    let at = *at;
    let ours = |id: &NoteId| only.is_none_or(|o| o.contains(id));
    match event {
        Event::NotePosted {
            note,
            kind,
            text,
            held,
        } if ours(note) => {
            notes.insert(
                *note,
                Arc::new(Note {
                    kind: *kind,
                    text: text.clone(),
                    author: actor.clone(),
                    at,
                    seq: *seq,
                    history: Vec::new(),
                    pinned: false,
                    retracted: None,
                    held: held.then(Hold::default),
                    occurred_at: recorded.occurred_at,
                    precision: recorded
                        .occurred_at
                        .map(|_| recorded.precision.unwrap_or_default()),
                    backdated: recorded.backdated(),
                    imported: recorded.imported,
                }),
            );
        }
        Event::NoteAmended { note, text } if ours(note) => {
            if let Some(n) = notes.get_mut(note).map(Arc::make_mut) {
                let old = std::mem::replace(&mut n.text, text.clone());
                n.history.push(Revision {
                    text: old,
                    replaced_at: at,
                });
            }
        }
        Event::NoteRetracted { note, reason } if ours(note) => {
            if let Some(n) = notes.get_mut(note).map(Arc::make_mut) {
                n.retracted = Some(Retraction {
                    by: actor.clone(),
                    at,
                    reason: reason.clone(),
                });
            }
        }
        Event::NotePinned { note, pinned } if ours(note) => {
            if let Some(n) = notes.get_mut(note).map(Arc::make_mut) {
                n.pinned = *pinned;
            }
        }
        Event::SterilePhaseEnded { released } => {
            for id in released.iter().filter(|id| ours(id)) {
                if let Some(note) = notes.get_mut(id).map(Arc::make_mut)
                    && let Some(held) = note.held.as_mut()
                {
                    held.released = Some(Release { seq: *seq, at });
                }
            }
        }
        _ => {}
    }
}

/// Rebuilds the notes posted in `page` that `notes` lacks, from their postings in `page` and
/// every event after them in `page` and then `later`: for a client whose board left old notes
/// out, when the page of the log that posted them comes in. `page` and `later` together must
/// be the log without a gap from the page on (a client's log is). Returns how many notes were
/// rebuilt.
pub fn rebuild(
    notes: &mut BTreeMap<NoteId, Arc<Note>>,
    page: &[Recorded],
    later: &[Recorded],
) -> usize {
    let missing: BTreeSet<NoteId> = page
        .iter()
        .filter_map(|r| match &r.event {
            Event::NotePosted { note, .. } if !notes.contains_key(note) => Some(*note),
            _ => None,
        })
        .collect();
    if missing.is_empty() {
        return 0;
    }
    for r in page.iter().chain(later) {
        fold(notes, r, Some(&missing));
    }
    missing.len()
}
