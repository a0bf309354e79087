//! A timeline file entered into an incident that exists already — open or closed — as
//! backdated notes, all or nothing: [`into_existing`] checks every row against the board as it
//! grows and returns the events of the whole file, or the first row the rules refuse. The room
//! writes them in one append.
//!
//! **Who.** Only the incident's commander imports (after close, the commander it closed
//! with). Each row is a note by the person it names, a participant of their own (`imported-`
//! and a digest of the name, see [`super::imported_id`]) who joins first if they have not.
//!
//! **What.** Notes only (`observation`, `hypothesis`, `decision`, `action`,
//! `status_update`): a `severity` or `status` row would change the incident's current
//! severity or status from the past, so it is refused, naming its row — change those on the
//! board. Each note follows the rules of a backdated `post_note` (its time within the bounds of
//! `decide::occurred`, its text 1 to 4,000 characters), on a closed incident too: a
//! postmortem's timeline is gathered after the response. Every event is marked `imported`.

use std::collections::BTreeSet;

use crate::apply::apply;
use crate::decide::{display_name, imported_note, require_commander};
use crate::event::{Event, Recorded};
use crate::ids::ParticipantId;
use crate::incident::{Incident, State};
use crate::rejection::Rejection;
use crate::time::Timestamp;

use super::plan::{command, context};
use super::{Row, RowKind, TimelineError, at_place, imported_id};

/// Why a timeline cannot be imported into an incident: the import as a whole is not allowed
/// (not the commander), or a row is bad.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportRefused {
    #[error("{0}")]
    Refused(Rejection),
    #[error(transparent)]
    Row(#[from] TimelineError),
}

/// The events that enter `rows` into `incident`, imported by `importer` and recorded at
/// `now`, numbered after the incident's head; nothing if any row is refused (the first is
/// named).
pub fn into_existing(
    incident: &Incident,
    rows: &[Row],
    importer: &ParticipantId,
    now: Timestamp,
) -> Result<Vec<Recorded>, ImportRefused> {
    let present = BTreeSet::new();
    require_commander(
        incident,
        &context(importer, now, &present),
        "import a timeline",
    )
    .map_err(ImportRefused::Refused)?;
    let mut rows: Vec<&Row> = rows.iter().collect();
    rows.sort_by_key(|r| r.at);
    let mut state = Some(incident.clone());
    let mut log: Vec<Recorded> = Vec::new();
    for row in rows {
        let bad = |reason: String| ImportRefused::Row(at_place(row.place, reason));
        if matches!(row.kind, RowKind::Severity | RowKind::Status) {
            return Err(bad(
                "an import into an existing incident enters notes only; change the severity \
                 or the status on the board"
                    .into(),
            ));
        }
        let who = imported_id(&row.actor);
        let joined = state
            .as_ref()
            .and_then(|i| i.participants.get(&who))
            .is_some_and(|p| p.name == row.actor);
        if !joined {
            let name = display_name(&row.actor).map_err(|r| bad(r.message))?;
            enter(
                &mut state,
                &mut log,
                &who,
                now,
                Event::ParticipantJoined { name },
                None,
            );
        }
        let note = command(row).map_err(bad)?;
        let board = state.as_ref().expect("a declared incident stays declared");
        let posted = imported_note(board, &note, &context(&who, now, &present))
            .map_err(|r| bad(r.message))?;
        for event in posted {
            enter(&mut state, &mut log, &who, now, event, Some(row));
        }
    }
    Ok(log)
}

/// Records `event` by `actor` after the head of `state` (with `row`'s time, for a row's note),
/// marked imported, and folds it.
fn enter(
    state: &mut State,
    log: &mut Vec<Recorded>,
    actor: &ParticipantId,
    at: Timestamp,
    event: Event,
    row: Option<&Row>,
) {
    let r = Recorded {
        seq: state.as_ref().map_or(0, |i| i.seq) + 1,
        at,
        actor: actor.clone(),
        event,
        occurred_at: row.map(|r| r.at),
        precision: row.map(|r| r.precision),
        imported: true,
    };
    apply(state, &r);
    log.push(r);
}
