//! The partial board of a `snapshot` message: the board's whole current state without the
//! notes archive, so that a join costs the same however long the incident has run.
//!
//! A snapshot frame holds the newest page of the log ([`TIMELINE_PAGE`] events, `timeline`)
//! and, of the notes, those that page posted, the pinned ones (the key events strip) and the
//! ones a sterile phase still holds back ([`kept`]); every other part of the board is whole.
//! `timeline_from`, the first sequence of that page, marks where the omitted history starts.
//! A client pages the older log in with `history`, and rebuilds each omitted note when the
//! page that posted it arrives (`apply::notes::rebuild`). The server's stored snapshots keep
//! every note: this is the wire's choice alone.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::ids::{NoteId, Seq};
use crate::incident::{Incident, Note};

/// The events of the log a snapshot frame carries, its newest page of the timeline.
pub const TIMELINE_PAGE: u64 = 200;

/// The first sequence of the timeline page a snapshot of a board at `seq` carries.
pub fn timeline_from(seq: Seq) -> Seq {
    seq.saturating_sub(TIMELINE_PAGE - 1).max(1)
}

/// Whether a snapshot whose timeline starts at `from` keeps `note` in its board: posted in
/// that page, pinned, or held back by a sterile phase and not yet released.
pub fn kept(note: &Note, from: Seq) -> bool {
    note.seq >= from || note.pinned || note.held.as_ref().is_some_and(|h| h.released.is_none())
}

/// The notes of `board` a snapshot whose timeline starts at `from` keeps.
pub fn kept_notes(
    board: &Incident,
    from: Seq,
) -> impl Iterator<Item = (&NoteId, &Arc<Note>)> + Clone {
    board.notes.iter().filter(move |(_, n)| kept(n, from))
}

/// `board` as a snapshot whose timeline starts at `from` carries it: every note it leaves out
/// taken away. (The server writes the frame from the whole board without this copy.)
pub fn partial(board: &Incident, from: Seq) -> Incident {
    let notes: BTreeMap<NoteId, Arc<Note>> = kept_notes(board, from)
        .map(|(id, n)| (*id, Arc::clone(n)))
        .collect();
    Incident {
        notes,
        ..board.clone()
    }
}
