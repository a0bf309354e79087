//! The board as the socket carries it: [`BoardWire`], the `state` of a `snapshot` message.
//!
//! It is the board's plain JSON with one difference, the notes, which travel column by column
//! (`columns`), because a joining browser decodes every note of a long incident. The encoding
//! is the protocol's (`docs/protocol.md` shows it), not the board's: `Incident`'s own serde is
//! the plain form that the export writes, so each can change on its own. (The server's store
//! chooses this encoding for its snapshots too, under a format number of its own.)
//!
//! The two mirror structs below list every field of `Incident`, with its serde attributes, in
//! its order. Both are built by exhaustive destructuring, so a field added to the board fails
//! to compile here until the wire carries it too.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::columns;
use crate::ids::{ActionId, AlertGroupId, ChecklistId, ConcernId, NoteId, ParticipantId, Seq};
use crate::incident::{
    Access, Action, AlertGroup, Cadence, Checklist, Concern, Incident, Note, Offer, Participant,
    Postmortem, Role, ScenarioRun, Severity, Status, SterilePhase, Tenure,
};
use crate::time::Timestamp;

/// A board, borrowed, as the `snapshot` message writes it. Serialise it where a snapshot frame
/// is written without building a [`super::ServerMessage`] (the server does, to spare a copy of
/// a large board); it writes the very bytes the message would.
#[derive(Debug, Clone, Copy)]
pub struct BoardWire<'a>(pub &'a Incident);

impl Serialize for BoardWire<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        write(self.0, None, serializer)
    }
}

/// A board, borrowed, as a `snapshot` frame whose timeline starts at the given sequence
/// writes it: without the notes that frame leaves out (see `partial.rs`). What it writes reads
/// back, with [`BoardFromWire`] or in a `snapshot` message, as [`super::partial()`] of the
/// board.
#[derive(Debug, Clone, Copy)]
pub struct PartialBoardWire<'a>(pub &'a Incident, pub Seq);

impl Serialize for PartialBoardWire<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        write(self.0, Some(self.1), serializer)
    }
}

/// Writes `board`, keeping the notes a timeline from `from` keeps (all of them without one).
fn write<S: Serializer>(
    board: &Incident,
    from: Option<Seq>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let Incident {
        title,
        severity,
        status,
        drill,
        declared_at,
        declared_by,
        summary,
        participants,
        commander,
        roles,
        offers,
        notes,
        actions,
        concerns,
        checklists,
        cadence,
        last_status_update,
        scenario,
        access,
        sterile,
        span_of_control,
        postmortem,
        alert_groups,
        seq,
        updated_at,
    } = board;
    Out {
        title,
        severity,
        status,
        drill,
        declared_at,
        declared_by,
        summary,
        participants,
        commander,
        roles,
        offers,
        notes: NotesOut { notes, from },
        actions,
        concerns,
        checklists,
        cadence,
        last_status_update,
        scenario,
        access,
        sterile,
        span_of_control,
        postmortem,
        alert_groups,
        seq,
        updated_at,
    }
    .serialize(serializer)
}

/// A board read from its wire form, as [`BoardWire`] writes it: for a reader of the encoding
/// outside a `snapshot` message (the server keeps its stored snapshots in it, being three
/// times smaller and faster to write and read than the plain form).
#[derive(Debug, Clone, PartialEq)]
pub struct BoardFromWire(pub Box<Incident>);

impl<'de> Deserialize<'de> for BoardFromWire {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize(deserializer).map(BoardFromWire)
    }
}

/// Reads a board in its wire form.
pub(super) fn deserialize<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Box<Incident>, D::Error> {
    let In {
        title,
        severity,
        status,
        drill,
        declared_at,
        declared_by,
        summary,
        participants,
        commander,
        roles,
        offers,
        notes,
        actions,
        concerns,
        checklists,
        cadence,
        last_status_update,
        scenario,
        access,
        sterile,
        span_of_control,
        postmortem,
        alert_groups,
        seq,
        updated_at,
    } = In::deserialize(deserializer)?;
    Ok(Box::new(Incident {
        title,
        severity,
        status,
        drill,
        declared_at,
        declared_by,
        summary,
        participants,
        commander,
        roles,
        offers,
        notes,
        actions,
        concerns,
        checklists,
        cadence,
        last_status_update,
        scenario,
        access,
        sterile,
        span_of_control,
        postmortem,
        alert_groups,
        seq,
        updated_at,
    }))
}

/// Writes a board in its wire form (for `#[serde(with)]` on a boxed board).
pub(super) fn serialize<S: Serializer>(board: &Incident, serializer: S) -> Result<S::Ok, S::Error> {
    BoardWire(board).serialize(serializer)
}

#[derive(Serialize)]
struct Out<'a> {
    title: &'a String,
    severity: &'a Severity,
    status: &'a Status,
    drill: &'a bool,
    declared_at: &'a Timestamp,
    declared_by: &'a ParticipantId,
    summary: &'a String,
    participants: &'a BTreeMap<ParticipantId, Participant>,
    commander: &'a Tenure,
    roles: &'a BTreeMap<Role, Tenure>,
    offers: &'a BTreeMap<Role, Offer>,
    notes: NotesOut<'a>,
    actions: &'a BTreeMap<ActionId, Action>,
    concerns: &'a BTreeMap<ConcernId, Concern>,
    checklists: &'a BTreeMap<ChecklistId, Checklist>,
    cadence: &'a Option<Cadence>,
    last_status_update: &'a Option<Timestamp>,
    scenario: &'a Option<ScenarioRun>,
    #[serde(skip_serializing_if = "untouched")]
    access: &'a Access,
    #[serde(skip_serializing_if = "Option::is_none")]
    sterile: &'a Option<SterilePhase>,
    #[serde(skip_serializing_if = "Option::is_none")]
    span_of_control: &'a Option<u32>,
    #[serde(default)]
    #[serde(skip_serializing_if = "postmortem_untouched")]
    postmortem: &'a Postmortem,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    alert_groups: &'a BTreeMap<AlertGroupId, AlertGroup>,
    seq: &'a Seq,
    updated_at: &'a Timestamp,
}

#[derive(Deserialize)]
struct In {
    title: String,
    severity: Severity,
    status: Status,
    drill: bool,
    declared_at: Timestamp,
    declared_by: ParticipantId,
    summary: String,
    participants: BTreeMap<ParticipantId, Participant>,
    commander: Tenure,
    roles: BTreeMap<Role, Tenure>,
    offers: BTreeMap<Role, Offer>,
    #[serde(deserialize_with = "columns::deserialize")]
    notes: BTreeMap<NoteId, Arc<Note>>,
    actions: BTreeMap<ActionId, Action>,
    concerns: BTreeMap<ConcernId, Concern>,
    checklists: BTreeMap<ChecklistId, Checklist>,
    cadence: Option<Cadence>,
    last_status_update: Option<Timestamp>,
    #[serde(default)]
    scenario: Option<ScenarioRun>,
    #[serde(default)]
    access: Access,
    #[serde(default)]
    sterile: Option<SterilePhase>,
    #[serde(default)]
    span_of_control: Option<u32>,
    #[serde(default)]
    postmortem: Postmortem,
    #[serde(default)]
    alert_groups: BTreeMap<AlertGroupId, AlertGroup>,
    seq: Seq,
    updated_at: Timestamp,
}

/// The notes, as columns: all of them, or those a timeline from `from` keeps.
struct NotesOut<'a> {
    notes: &'a BTreeMap<NoteId, Arc<Note>>,
    from: Option<Seq>,
}

impl Serialize for NotesOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.from {
            None => columns::serialize(self.notes.iter(), serializer),
            Some(from) => columns::serialize(
                self.notes
                    .iter()
                    .filter(|(_, n)| super::partial::kept(n, from)),
                serializer,
            ),
        }
    }
}

fn untouched(access: &&Access) -> bool {
    access.is_untouched()
}

fn postmortem_untouched(postmortem: &&Postmortem) -> bool {
    postmortem.is_untouched()
}
