//! The incidents over HTTP: listing them, one's listing row, its whole log, its
//! exports, the facilitator's script, deleting an exercise — and the built-in scenarios.
//!
//! **Invariant:** an incident the viewer may not see answers exactly as one that does not
//! exist (404, the same sentence), on every endpoint: `visible` is the only way in.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use warroom_core::IncidentId;
use warroom_core::api::{Declared, ScenarioInfo, ScenarioText, TimelineUpload, UpcomingInject};

use super::bearer::{Caller, IncidentsRead};
use super::extract::{IncidentPath, JsonBody};
use super::{ApiError, AppState};
use crate::archive;
use crate::auth::{Grant, Viewer};
use crate::store::Summary;

#[utoipa::path(
    get,
    path = "/api/incidents",
    tag = "incidents",
    responses(
        (status = 200, description = "Every incident the caller may see, active ones first.", body = Vec<Summary>),
        (status = 400, description = "A body, id or header of the wrong shape (an unknown field is named).", body = warroom_core::api::ApiError),
        (status = 401, description = "No session, or an unknown or revoked token.", body = warroom_core::api::ApiError),
        (status = 403, description = "A token without the scope, or not allowed by the rules.", body = warroom_core::api::ApiError),
    ),
    security(("session" = []), ("bearer" = ["incidents:read"])),
)]
/// Every incident, active ones first, each group most recently updated first.
pub(super) async fn list(
    State(state): State<AppState>,
    caller: Caller<IncidentsRead>,
) -> Result<Json<Vec<Summary>>, ApiError> {
    let viewer = caller.viewer;
    let now = state.rooms.clock().now();
    let mut incidents = state.rooms.store().list().await?;
    incidents.retain(|s| viewer.grant(&s.id, s, now) != Grant::None);
    incidents.sort_by(|a, b| {
        b.status
            .is_active()
            .cmp(&a.status.is_active())
            .then(b.updated_at.cmp(&a.updated_at))
    });
    Ok(Json(incidents))
}

/// One incident's listing row: title, severity, status, commander, sequence.
#[utoipa::path(
    get,
    path = "/api/incidents/{id}",
    tag = "incidents",
    params(("id" = String, Path, description = "The incident's id (the last part of its URL).")),
    responses(
        (status = 200, description = "The incident's listing row.", body = Summary),
        (status = 400, description = "A body, id or header of the wrong shape (an unknown field is named).", body = warroom_core::api::ApiError),
        (status = 401, description = "No session, or an unknown or revoked token.", body = warroom_core::api::ApiError),
        (status = 403, description = "A token without the scope, or not allowed by the rules.", body = warroom_core::api::ApiError),
        (status = 404, description = "No such incident, or one the caller may not see.", body = warroom_core::api::ApiError),
    ),
    security(("session" = []), ("bearer" = ["incidents:read"])),
)]
pub(super) async fn get(
    State(state): State<AppState>,
    caller: Caller<IncidentsRead>,
    IncidentPath(id): IncidentPath,
) -> Result<Json<Summary>, ApiError> {
    let (summary, _) = visible(&state, &caller.viewer, &id).await?;
    Ok(Json(summary))
}

/// The incident's listing row and what `viewer` may do with it; 404 when they may not see
/// it, exactly as when it does not exist (a restricted incident's existence is not revealed).
pub(super) async fn visible(
    state: &AppState,
    viewer: &Viewer,
    id: &IncidentId,
) -> Result<(Summary, Grant), ApiError> {
    let summary = state.rooms.store().summary(id).await?;
    let grant = summary.as_ref().map_or(Grant::None, |s| {
        viewer.grant(id, s, state.rooms.clock().now())
    });
    match (summary, grant) {
        (Some(summary), grant) if grant != Grant::None => Ok((summary, grant)),
        _ => Err(ApiError::unknown_incident(id)),
    }
}

/// Like [`visible`], for what only the crew may do: an observer gets 403.
pub(super) async fn crew_only(
    state: &AppState,
    viewer: &Viewer,
    id: &IncidentId,
) -> Result<Summary, ApiError> {
    match visible(state, viewer, id).await? {
        (summary, Grant::Crew) => Ok(summary),
        _ => Err(ApiError::forbidden("an observer link is read-only")),
    }
}

/// `DELETE /api/incidents/{id}`: exercises only, by their facilitator, declarer or an admin.
pub(super) async fn delete(
    State(state): State<AppState>,
    viewer: Viewer,
    IncidentPath(id): IncidentPath,
) -> Result<StatusCode, ApiError> {
    if !viewer.admin {
        crew_only(&state, &viewer, &id).await?;
    }
    let deleted = state
        .rooms
        .delete(&id, &viewer.participant, viewer.admin)
        .await;
    if let Err(crate::rooms::DeleteError::Refused(crate::room::DeleteRefused::NotAllowed)) =
        &deleted
    {
        tracing::warn!(incident = %id, participant = %viewer.participant, "delete refused");
    }
    deleted?;
    Ok(StatusCode::NO_CONTENT)
}

/// The scenario script's injects, for its facilitator only: the signed-in person must be the
/// facilitator. (A `participant` query parameter, which version 1 took, is ignored.)
pub(super) async fn script(
    State(state): State<AppState>,
    viewer: Viewer,
    IncidentPath(id): IncidentPath,
) -> Result<Json<Vec<UpcomingInject>>, ApiError> {
    crew_only(&state, &viewer, &id).await?;
    let script = state.rooms.script(&id, &viewer.participant).await;
    if let Err(crate::room::ScriptError::NotFacilitator) = &script {
        tracing::warn!(incident = %id, participant = %viewer.participant, "script refused");
    }
    Ok(Json(script?))
}

/// The whole log, for the review page's flight recorder.
#[utoipa::path(
    get,
    path = "/api/incidents/{id}/events",
    tag = "incidents",
    params(("id" = String, Path, description = "The incident's id (the last part of its URL).")),
    responses(
        (status = 200, description = "Every recorded event, in order (docs/protocol.md, \"Events\").", body = Vec<Object>),
        (status = 400, description = "A body, id or header of the wrong shape (an unknown field is named).", body = warroom_core::api::ApiError),
        (status = 401, description = "No session, or an unknown or revoked token.", body = warroom_core::api::ApiError),
        (status = 403, description = "A token without the scope, or not allowed by the rules.", body = warroom_core::api::ApiError),
        (status = 404, description = "No such incident, or one the caller may not see.", body = warroom_core::api::ApiError),
    ),
    security(("session" = []), ("bearer" = ["incidents:read"])),
)]
pub(super) async fn events(
    State(state): State<AppState>,
    caller: Caller<IncidentsRead>,
    IncidentPath(id): IncidentPath,
) -> Result<Json<Vec<warroom_core::Recorded>>, ApiError> {
    visible(&state, &caller.viewer, &id).await?;
    Ok(Json(
        archive::whole_log(state.rooms.store().as_ref(), &id).await?,
    ))
}

pub(super) async fn export_markdown(
    State(state): State<AppState>,
    caller: Caller<IncidentsRead>,
    IncidentPath(id): IncidentPath,
) -> Result<Response, ApiError> {
    visible(&state, &caller.viewer, &id).await?;
    let text = archive::export(state.rooms.store().as_ref(), &id, archive::Format::Md).await?;
    Ok(download(
        text,
        "text/markdown; charset=utf-8",
        &format!("warroom-{id}.md"),
    ))
}

pub(super) async fn export_json(
    State(state): State<AppState>,
    caller: Caller<IncidentsRead>,
    IncidentPath(id): IncidentPath,
) -> Result<Response, ApiError> {
    visible(&state, &caller.viewer, &id).await?;
    let text = archive::export(state.rooms.store().as_ref(), &id, archive::Format::Json).await?;
    Ok(download(
        text,
        "application/json",
        &format!("warroom-{id}.json"),
    ))
}

/// A body the browser saves as a file named `name`.
fn download(body: String, content_type: &'static str, name: &str) -> Response {
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}

/// `POST /api/incidents/timeline`: a new incident recorded after the fact, entered from a
/// timeline file by the signed-in person, who declares and commands it. A bad row is refused
/// (422, naming it) and nothing is stored.
pub(super) async fn import_timeline(
    State(state): State<AppState>,
    viewer: Viewer,
    JsonBody(upload): JsonBody<TimelineUpload>,
) -> Result<(StatusCode, Json<Declared>), ApiError> {
    if viewer.observer_only {
        return Err(ApiError::forbidden(
            "an observer link is read-only; sign in to import a timeline",
        ));
    }
    let declaration = warroom_core::import::Declaration {
        title: upload.title,
        severity: upload.severity,
        name: viewer.name.clone(),
    };
    let id = archive::import_timeline(
        state.rooms.store().as_ref(),
        &declaration,
        &upload.text,
        &viewer.participant,
        state.rooms.clock().event_time(),
    )
    .await?;
    tracing::info!(incident = %id, participant = %viewer.participant, "timeline imported");
    Ok((
        StatusCode::CREATED,
        Json(Declared {
            url: format!("/incidents/{id}"),
            id,
        }),
    ))
}

pub(super) async fn list_scenarios(_viewer: Viewer) -> Result<Json<Vec<ScenarioInfo>>, ApiError> {
    warroom_core::scenario::BUILT_IN
        .iter()
        .map(|(id, text)| {
            warroom_core::scenario::parse(text)
                .map(|s| ScenarioInfo::of(Some(id), &s))
                .map_err(ApiError::internal)
        })
        .collect::<Result<_, _>>()
        .map(Json)
}

/// Checks a trainer's scenario file: its summary, or where it is wrong (422).
pub(super) async fn check_scenario(
    _viewer: Viewer,
    JsonBody(file): JsonBody<ScenarioText>,
) -> Result<Json<ScenarioInfo>, ApiError> {
    warroom_core::scenario::parse(&file.text)
        .map(|s| Json(ScenarioInfo::of(None, &s)))
        .map_err(|e| ApiError::new(warroom_core::api::ApiErrorCode::Rejected, e.to_string()))
}
