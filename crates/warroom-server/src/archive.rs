//! Exports and imports: an incident's whole log out of the store as a Markdown postmortem draft
//! or a JSON export, and a JSON export back into a store as a new incident. Shared by the HTTP
//! endpoints and the `warroom export` / `warroom import` commands.
//!
//! It reads and writes through the store only: an import creates the incident with
//! `expected = 0`, before any room can own it. The formats themselves (the Markdown draft, the
//! export's shape) are warroom-core's.

use warroom_core::export::{Export, ExportError, markdown};
use warroom_core::import::{Declaration, TimelineError};
use warroom_core::{IncidentId, ParticipantId, Recorded, Timestamp};

use crate::rooms::new_incident_id;
use crate::store::{Append, Store, StoreError, Summary};

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A Markdown postmortem draft.
    Md,
    /// The full event log plus the derived board and metrics.
    Json,
}

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("there is no incident {0}")]
    UnknownIncident(IncidentId),
    #[error("incident {0} exists already; import with --new-id to keep both")]
    Exists(IncidentId),
    #[error("the file is not a Warroom export: {0}")]
    Unreadable(String),
    #[error(transparent)]
    Invalid(#[from] ExportError),
    #[error("the timeline cannot be entered: {0}")]
    Timeline(#[from] TimelineError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The whole log of `incident`, in order.
pub async fn whole_log(
    store: &dyn Store,
    incident: &IncidentId,
) -> Result<Vec<Recorded>, ArchiveError> {
    if store.summary(incident).await?.is_none() {
        return Err(ArchiveError::UnknownIncident(incident.clone()));
    }
    Ok(store.events_after(incident, 0, u32::MAX).await?)
}

/// `incident` in `format`.
pub async fn export(
    store: &dyn Store,
    incident: &IncidentId,
    format: Format,
) -> Result<String, ArchiveError> {
    let log = whole_log(store, incident).await?;
    Ok(match format {
        Format::Md => markdown(incident, &log)?,
        Format::Json => Export::new(incident.clone(), log)?.to_json(),
    })
}

/// Recreates the incident of a JSON export, under its own id or (with `new_id`) a fresh one.
/// Reads and checks a JSON export.
pub fn read_export(json: &str) -> Result<Export, ArchiveError> {
    let export: Export =
        serde_json::from_str(json).map_err(|e| ArchiveError::Unreadable(e.to_string()))?;
    export.verify()?;
    Ok(export)
}

/// Checks a timeline file (`text`, CSV or JSON) row by row and, only if every row is good,
/// stores it as a new retrospective incident under a fresh id, declared by `importer` and
/// marked imported (see `warroom_core::import`). Nothing is written when a row is bad.
pub async fn import_timeline(
    store: &dyn Store,
    declaration: &Declaration,
    text: &str,
    importer: &ParticipantId,
    now: Timestamp,
) -> Result<IncidentId, ArchiveError> {
    let rows = warroom_core::import::parse(text)?;
    let events = warroom_core::import::plan(declaration, &rows, importer, now)?;
    let id = new_incident_id();
    let board = warroom_core::replay(None, &events).ok_or(ExportError::NotDeclared)?;
    let summary = Summary::of(&id, &board);
    store
        .append(Append {
            incident: id.clone(),
            expected: 0,
            events,
            commands: Vec::new(),
            snapshot: Some(board),
            summary,
            script: None,
            links: Vec::new(),
        })
        .await?;
    Ok(id)
}

/// Recreates the incident of a checked export (see [`read_export`]), under its own id or
/// (with `new_id`) a fresh one.
pub async fn import(
    store: &dyn Store,
    export: Export,
    new_id: bool,
) -> Result<IncidentId, ArchiveError> {
    let id = if new_id {
        new_incident_id()
    } else {
        export.incident.clone()
    };
    if store.summary(&id).await?.is_some() {
        return Err(ArchiveError::Exists(id));
    }
    let board = export.final_board()?;
    let summary = Summary::of(&id, &board);
    store
        .append(Append {
            incident: id.clone(),
            expected: 0,
            events: export.events,
            commands: Vec::new(),
            snapshot: Some(board),
            summary,
            script: None,
            links: Vec::new(),
        })
        .await
        .map_err(|err| match err {
            StoreError::Conflict { .. } => ArchiveError::Exists(id.clone()),
            other => other.into(),
        })?;
    Ok(id)
}
