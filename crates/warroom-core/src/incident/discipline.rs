//! Crew discipline from aviation, as the board holds it: the **sterile phase** (14 CFR
//! 121.542's sterile cockpit: during a critical phase only essential communication) with the
//! notes it holds back, and the commander's **span of control** setting (ICS: 3–7 direct
//! reports). Shapes and read-only questions; the rules are in `decide`, the advisory in
//! `alerts`.

use serde::{Deserialize, Serialize};

use crate::ids::{NoteId, ParticipantId, Seq};
use crate::incident::{Incident, Note, NoteKind, Role};
use crate::time::Timestamp;

/// The span-of-control limits a commander may set: at least one report, at most twenty.
pub const SPAN_OF_CONTROL_LIMITS: std::ops::RangeInclusive<u32> = 1..=20;

/// A critical phase the commander declared: while it lasts, notes that are not essential are
/// held back from the shared timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SterilePhase {
    /// Why, in a few words: "failover in progress".
    pub reason: String,
    pub started_by: ParticipantId,
    pub started_at: Timestamp,
    /// The sequence of the event that started it.
    pub seq: Seq,
}

impl Incident {
    /// Whether a sterile phase is on.
    pub fn is_sterile(&self) -> bool {
        self.sterile.is_some()
    }

    /// Whether a note `author` posts now, of `kind`, marked `essential` or not, is held back.
    ///
    /// Essential, whatever the mark: **notes from the commander** (the one who declared the
    /// phase runs it and is never silenced by it) and **status updates** (stakeholders are owed
    /// them on a cadence, and holding one would make it late). Every other note is held unless
    /// its author marks it essential.
    pub fn holds_back(&self, author: &ParticipantId, kind: NoteKind, essential: bool) -> bool {
        self.is_sterile()
            && !essential
            && kind != NoteKind::StatusUpdate
            && !self.holds(author, Role::Commander)
    }

    /// Whether the shared timeline shows `note` to `viewer`: a queued note only to its author
    /// and to the commander; every other note to everyone. (A display discipline, not secrecy:
    /// the board every client holds contains the queued notes.)
    pub fn shows_note_to(&self, note: &Note, viewer: Option<&ParticipantId>) -> bool {
        !note.is_queued()
            || viewer.is_some_and(|v| &note.author == v || self.holds(v, Role::Commander))
    }

    /// The notes queued now, in the order they were written.
    pub fn queued_notes(&self) -> impl Iterator<Item = (&NoteId, &Note)> {
        self.notes
            .iter()
            .filter(|(_, n)| n.is_queued())
            .map(|(id, n)| (id, n.as_ref()))
    }
}
