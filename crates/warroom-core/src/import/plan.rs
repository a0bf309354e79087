//! A timeline file entered as a new retrospective incident ([`plan`]), and the commands its
//! rows enter, shared with an import into an existing incident (`existing.rs`).

use std::collections::BTreeSet;

use crate::command::Command;
use crate::decide::{Context, execute};
use crate::event::{Event, Recorded};
use crate::ids::{ParticipantId, TextId};
use crate::incident::{NoteKind, Severity, State, Status};
use crate::time::Timestamp;

use super::{Row, RowKind, TimelineError, at_place, whole};

/// The participant a timeline row's person is: `imported-` and a digest of the name, the same
/// for the same name in every file.
pub fn imported_id(name: &str) -> ParticipantId {
    // FNV-1a, 64 bits: stable across builds and platforms.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.trim().to_lowercase().bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    ParticipantId::parse(&format!("imported-{hash:016x}")).expect("a valid id")
}

/// The command a row enters.
pub(super) fn command(row: &Row) -> Result<Command, String> {
    let occurred_at = Some(row.at);
    let precision = Some(row.precision);
    let note = |kind| Command::PostNote {
        kind,
        text: row.text.clone(),
        essential: true,
        occurred_at,
        precision,
    };
    Ok(match row.kind {
        RowKind::Observation => note(NoteKind::Observation),
        RowKind::Hypothesis => note(NoteKind::Hypothesis),
        RowKind::Decision => note(NoteKind::Decision),
        RowKind::Action => note(NoteKind::Action),
        RowKind::StatusUpdate => note(NoteKind::StatusUpdate),
        RowKind::Severity => Command::SetSeverity {
            severity: serde_json::from_value(serde_json::Value::String(
                row.text.trim().to_uppercase(),
            ))
            .map_err(|_| format!("{:?} is not a severity (SEV1 to SEV4)", row.text))?,
            occurred_at,
            precision,
        },
        RowKind::Status => {
            let status: Status =
                serde_json::from_value(serde_json::Value::String(row.text.trim().to_lowercase()))
                    .map_err(|_| {
                    format!(
                        "{:?} is not a status (investigating, identified, mitigated or resolved)",
                        row.text
                    )
                })?;
            if status == Status::Closed {
                return Err("a timeline cannot close the incident; close it on its board".into());
            }
            Command::SetStatus {
                status,
                occurred_at,
                precision,
            }
        }
    })
}

pub(super) fn context<'a>(
    actor: &'a ParticipantId,
    at: Timestamp,
    present: &'a BTreeSet<ParticipantId>,
) -> Context<'a> {
    Context { actor, at, present }
}

/// What a new incident entered from a timeline is declared as.
#[derive(Debug, Clone)]
pub struct Declaration {
    pub title: String,
    pub severity: Severity,
    /// The importer's display name.
    pub name: String,
}

/// The log of a new retrospective incident entered from `rows`: declared by `importer` at the
/// first row's time (marked retrospective and imported), then each person joining as they
/// first appear and each row entered, in the order things happened, all recorded at `now`.
/// The first row the rules refuse is named, with their reason.
pub fn plan(
    declaration: &Declaration,
    rows: &[Row],
    importer: &ParticipantId,
    now: Timestamp,
) -> Result<Vec<Recorded>, TimelineError> {
    let mut rows: Vec<&Row> = rows.iter().collect();
    rows.sort_by_key(|r| r.at);
    let first = rows.first().ok_or_else(|| whole("the file has no rows"))?;
    let present = BTreeSet::new();
    let mut state: State = None;
    let ctx = |actor| context(actor, now, &present);
    let declare = Command::Declare {
        title: declaration.title.clone(),
        severity: declaration.severity,
        drill: false,
        name: declaration.name.clone(),
        retrospective: true,
        occurred_at: Some(first.at),
        precision: Some(first.precision),
    };
    let mut log = execute(&mut state, &declare, &ctx(importer))
        .map_err(|r| whole(format!("the declaration: {}", r.message)))?;
    // The declaration is marked as entered from a file (the fold reads it from the event).
    if let Some(Event::IncidentDeclared { imported, .. }) = log.first_mut().map(|r| &mut r.event) {
        *imported = true;
    }
    state = crate::replay::replay(None, &log);
    for row in rows {
        let who = imported_id(&row.actor);
        let bad = |reason: String| at_place(row.place, reason);
        let joined = state
            .as_ref()
            .and_then(|i| i.participants.get(&who))
            .is_some_and(|p| p.name == row.actor);
        if !joined {
            let join = Command::Join {
                name: row.actor.clone(),
            };
            let ctx = context(&who, now, &present);
            log.extend(execute(&mut state, &join, &ctx).map_err(|r| bad(r.message))?);
        }
        let command = command(row).map_err(bad)?;
        // Only the commander changes the severity or the status: the importer does, for the
        // row.
        let by = match command {
            Command::SetSeverity { .. } | Command::SetStatus { .. } => importer,
            _ => &who,
        };
        let ctx = context(by, now, &present);
        log.extend(execute(&mut state, &command, &ctx).map_err(|r| bad(r.message))?);
    }
    // Every entry came from the file.
    for r in &mut log {
        r.imported = true;
    }
    Ok(log)
}
