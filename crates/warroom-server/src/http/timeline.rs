//! `POST /api/incidents/{id}/timeline`: a timeline file entered into an incident that exists,
//! open or closed, by its commander — every row or none, in one write of its room (see
//! `room/import.rs`; the rules are warroom-core's `import::into_existing`). A new incident
//! from a file is `POST /api/incidents/timeline` (`incidents.rs`).
//!
//! | status | when |
//! | --- | --- |
//! | 200 | every row entered: `TimelineAppended` |
//! | 403 | an observer, or not the incident's commander |
//! | 404 | no such incident, or one the viewer may not see |
//! | 422 | a bad row (the first, named: "line 7: …", "row 3: …") or a bad file; nothing written |

use axum::Json;
use axum::extract::State;
use warroom_core::api::{ApiErrorCode, TimelineAppend, TimelineAppended};
use warroom_core::import::ImportRefused;

use super::extract::{IncidentPath, JsonBody};
use super::incidents::crew_only;
use super::{ApiError, AppState};
use crate::auth::Viewer;
use crate::room::ImportError;

pub(super) async fn append(
    State(state): State<AppState>,
    viewer: Viewer,
    IncidentPath(id): IncidentPath,
    JsonBody(upload): JsonBody<TimelineAppend>,
) -> Result<Json<TimelineAppended>, ApiError> {
    crew_only(&state, &viewer, &id).await?;
    let rows = warroom_core::import::parse(&upload.text)
        .map_err(|e| ApiError::new(ApiErrorCode::Rejected, e.to_string()))?;
    let count = rows.len();
    let events = state
        .rooms
        .import_timeline(&id, &viewer.participant, rows)
        .await?
        .map_err(|err| match err {
            ImportError::Refused(ImportRefused::Refused(rejection)) => {
                tracing::warn!(incident = %id, participant = %viewer.participant, "timeline import refused");
                ApiError::from(rejection)
            }
            ImportError::Refused(ImportRefused::Row(row)) => {
                ApiError::new(ApiErrorCode::Rejected, row.to_string())
            }
            ImportError::NotDeclared => ApiError::unknown_incident(&id),
        })?;
    Ok(Json(TimelineAppended {
        rows: count,
        from: events.first().map_or(0, |r| r.seq),
        to: events.last().map_or(0, |r| r.seq),
    }))
}
