//! The REST API's incident writes, for scripts and chat bots (with a token) and people (with a
//! session): declare an incident, post a note, change the status. Each write
//! is the command a browser would send, sent to the incident's room — the same rules, the same
//! rejections (as HTTP errors: `http/error.rs`), the same log — as the caller: for a token, its
//! integration participant, who joins the incident under its name first, as a browser's hello
//! does.
//!
//! **Idempotency:** an `Idempotency-Key` header is the command's id (the characters of a
//! command id: letters, digits, `-`, `_`; at most 64), remembered per caller like a browser's,
//! so a retried POST is answered again with the first time's sequence and applied once. The
//! answer to a retry carries `Idempotent-Replayed: true`. A declaration has no room yet: its
//! key makes the new incident's id (a hash of the key and the caller's credential), so a retry
//! finds the incident it declared.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use warroom_core::api::{Applied, DeclareRequest, Declared, NoteRequest, StatusRequest};
use warroom_core::{Command, CommandId, Event, IncidentId, TextId};

use super::bearer::{Caller, IncidentsWrite};
use super::extract::{IncidentPath, JsonBody};
use super::incidents::crew_only;
use super::{ApiError, AppState};
use crate::auth::Viewer;
use crate::room::Acted;
use crate::rooms::DeclareError;
use crate::store::StoreError;

/// The header a client names a write with, so that a retry is applied once.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// The header on the answer to a retry of a write already applied.
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// The request's `Idempotency-Key`, as a command id; 400 if it is not one.
pub(super) fn idempotency_key(headers: &HeaderMap) -> Result<Option<CommandId>, ApiError> {
    let Some(value) = headers.get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .and_then(|v| CommandId::parse(v.trim()).ok())
        .map(Some)
        .ok_or_else(|| {
            ApiError::bad_request(
                "the Idempotency-Key header must be 1 to 64 letters, digits, '-' or '_'",
            )
        })
}

/// The id a declaration with idempotency key `key` makes: a hash of the key and the caller's
/// credential (a token's or a session's hash; behind a proxy, the participant), so it is the
/// same on a retry, different for anyone else, and as unguessable as a random one to whoever
/// does not hold the credential.
pub(super) fn declared_id(caller: &Caller<IncidentsWrite>, key: &CommandId) -> IncidentId {
    let material = match (&caller.integration, &caller.viewer.session) {
        (Some(integration), _) => format!("token\n{}", integration.token_hash),
        (None, Some(session)) => format!("session\n{session}"),
        (None, None) => format!("participant\n{}", caller.viewer.participant),
    };
    let digest = Sha256::digest(format!("warroom-declare\n{material}\n{key}").as_bytes());
    IncidentId::parse(&crate::auth::session::base32(&digest[..16])).expect("base32 is a valid id")
}

/// `answer` with `Idempotent-Replayed: true` when it answers a retry.
pub(super) fn replayed(answer: impl IntoResponse, replay: bool) -> Response {
    let mut response = answer.into_response();
    if replay {
        response
            .headers_mut()
            .insert(REPLAYED, HeaderValue::from_static("true"));
    }
    response
}

/// Declares an incident as the caller — a signed-in person, or an integration with
/// `incidents:write` — who becomes its commander. With an `Idempotency-Key`, a retry finds the
/// incident the first request declared (`rest.rs`) and answers as it did.
#[utoipa::path(
    post,
    path = "/api/incidents",
    tag = "incidents",
    params(("Idempotency-Key" = Option<String>, Header, description = "Names this write: a retry with the same key (from the same caller) is applied once and answered as the first time, with `Idempotent-Replayed: true`. 1 to 64 letters, digits, `-`, `_`.")),
    request_body = DeclareRequest,
    responses(
        (status = 201, description = "Declared; the caller commands it.", body = Declared,
            headers(("Idempotent-Replayed" = String, description = "`true` on the answer to a retry."))),
        (status = 400, description = "A body, id or header of the wrong shape (an unknown field is named).", body = warroom_core::api::ApiError),
        (status = 401, description = "No session, or an unknown or revoked token.", body = warroom_core::api::ApiError),
        (status = 403, description = "A token without the scope, or not allowed by the rules.", body = warroom_core::api::ApiError),
        (status = 422, description = "The rules refuse it (their sentence says why).", body = warroom_core::api::ApiError),
    ),
    security(("session" = []), ("bearer" = ["incidents:write"])),
)]
pub(super) async fn declare(
    State(state): State<AppState>,
    caller: Caller<IncidentsWrite>,
    headers: HeaderMap,
    JsonBody(request): JsonBody<DeclareRequest>,
) -> Result<Response, ApiError> {
    let key = idempotency_key(&headers)?;
    let viewer = &caller.viewer;
    if viewer.observer_only {
        return Err(ApiError::forbidden(
            "an observer link is read-only; sign in to declare",
        ));
    }
    // An impact window recorded after the fact is the declarer's first command as commander,
    // in the same write.
    let then = match (request.impact_start, request.impact_end) {
        (Some(start), end) => vec![Command::SetImpact {
            start,
            end,
            statement: None,
        }],
        (None, Some(_)) => {
            return Err(ApiError::new(
                warroom_core::api::ApiErrorCode::Rejected,
                "An impact end needs its start: give impact_start too.",
            ));
        }
        (None, None) => Vec::new(),
    };
    let command = Command::Declare {
        title: request.title,
        severity: request.severity,
        drill: request.drill,
        name: viewer.name.clone(),
        retrospective: request.retrospective,
        occurred_at: request.occurred_at,
        precision: request.precision,
    };
    let rooms = &state.rooms;
    let (id, replay) = match &key {
        None => (
            rooms
                .declare(&viewer.participant, &command, request.restricted, &then)
                .await?,
            false,
        ),
        Some(key) => {
            let id = declared_id(&caller, key);
            match rooms
                .declare_as(
                    id.clone(),
                    &viewer.participant,
                    &command,
                    request.restricted,
                    &then,
                )
                .await
            {
                Ok(id) => (id, false),
                // Declared by the first request: the same answer again.
                Err(DeclareError::Store(StoreError::Conflict { .. })) => (id, true),
                Err(err) => return Err(err.into()),
            }
        }
    };
    let body = Declared {
        url: format!("/incidents/{id}"),
        id,
    };
    Ok(replayed((StatusCode::CREATED, Json(body)), replay))
}

/// `POST /api/incidents/{id}/notes`: posts a note as the caller (201).
#[utoipa::path(
    post,
    path = "/api/incidents/{id}/notes",
    tag = "incidents",
    params(("id" = String, Path, description = "The incident's id (the last part of its URL)."), ("Idempotency-Key" = Option<String>, Header, description = "Names this write: a retry with the same key (from the same caller) is applied once and answered as the first time, with `Idempotent-Replayed: true`. 1 to 64 letters, digits, `-`, `_`.")),
    request_body = NoteRequest,
    responses(
        (status = 201, description = "Posted: the note and the sequence of its event.", body = Applied,
            headers(("Idempotent-Replayed" = String, description = "`true` on the answer to a retry."))),
        (status = 400, description = "A body, id or header of the wrong shape (an unknown field is named).", body = warroom_core::api::ApiError),
        (status = 401, description = "No session, or an unknown or revoked token.", body = warroom_core::api::ApiError),
        (status = 403, description = "A token without the scope, or not allowed by the rules.", body = warroom_core::api::ApiError),
        (status = 404, description = "No such incident, or one the caller may not see.", body = warroom_core::api::ApiError),
        (status = 409, description = "The incident's state does not allow it.", body = warroom_core::api::ApiError),
        (status = 422, description = "The rules refuse it (their sentence says why).", body = warroom_core::api::ApiError),
    ),
    security(("session" = []), ("bearer" = ["incidents:write"])),
)]
pub(super) async fn post_note(
    State(state): State<AppState>,
    caller: Caller<IncidentsWrite>,
    IncidentPath(id): IncidentPath,
    headers: HeaderMap,
    JsonBody(request): JsonBody<NoteRequest>,
) -> Result<Response, ApiError> {
    let key = idempotency_key(&headers)?;
    let command = Command::PostNote {
        kind: request.kind,
        text: request.text,
        essential: request.essential,
        occurred_at: request.occurred_at,
        precision: request.precision,
    };
    let acted = act(&state, &caller.viewer, &id, key, command).await?;
    let note = note_of(&state, &id, &acted).await?;
    let replay = acted.replayed();
    let body = Applied {
        incident: id,
        seq: acted.seq,
        note,
    };
    Ok(replayed((StatusCode::CREATED, Json(body)), replay))
}

/// `POST /api/incidents/{id}/status`: changes the status as the caller (the commander only,
/// as the rules say).
#[utoipa::path(
    post,
    path = "/api/incidents/{id}/status",
    tag = "incidents",
    params(("id" = String, Path, description = "The incident's id (the last part of its URL)."), ("Idempotency-Key" = Option<String>, Header, description = "Names this write: a retry with the same key (from the same caller) is applied once and answered as the first time, with `Idempotent-Replayed: true`. 1 to 64 letters, digits, `-`, `_`.")),
    request_body = StatusRequest,
    responses(
        (status = 200, description = "Changed: the sequence of its event.", body = Applied,
            headers(("Idempotent-Replayed" = String, description = "`true` on the answer to a retry."))),
        (status = 400, description = "A body, id or header of the wrong shape (an unknown field is named).", body = warroom_core::api::ApiError),
        (status = 401, description = "No session, or an unknown or revoked token.", body = warroom_core::api::ApiError),
        (status = 403, description = "A token without the scope, or not allowed by the rules.", body = warroom_core::api::ApiError),
        (status = 404, description = "No such incident, or one the caller may not see.", body = warroom_core::api::ApiError),
        (status = 409, description = "The incident's state does not allow it (a safety issue still open).", body = warroom_core::api::ApiError),
        (status = 422, description = "The rules refuse it (the same status, closing before resolving).", body = warroom_core::api::ApiError),
    ),
    security(("session" = []), ("bearer" = ["incidents:write"])),
)]
pub(super) async fn set_status(
    State(state): State<AppState>,
    caller: Caller<IncidentsWrite>,
    IncidentPath(id): IncidentPath,
    headers: HeaderMap,
    JsonBody(request): JsonBody<StatusRequest>,
) -> Result<Response, ApiError> {
    let key = idempotency_key(&headers)?;
    let command = Command::SetStatus {
        status: request.status,
        occurred_at: request.occurred_at,
        precision: request.precision,
    };
    let acted = act(&state, &caller.viewer, &id, key, command).await?;
    let replay = acted.replayed();
    let body = Applied {
        incident: id,
        seq: acted.seq,
        note: None,
    };
    Ok(replayed(Json(body), replay))
}

/// Sends `command` to the incident's room as `viewer` (who joins first, under their name, as
/// a browser's hello makes them), remembered as `key` when there is one.
async fn act(
    state: &AppState,
    viewer: &Viewer,
    id: &IncidentId,
    key: Option<CommandId>,
    command: Command,
) -> Result<Acted, ApiError> {
    if viewer.observer_only {
        return Err(ApiError::forbidden("an observer link is read-only"));
    }
    crew_only(state, viewer, id).await?;
    let join = Command::Join {
        name: viewer.name.clone(),
    };
    state
        .rooms
        .act_once(id, &viewer.participant, None, join, None)
        .await??;
    Ok(state
        .rooms
        .act_once(id, &viewer.participant, key, command, None)
        .await??)
}

/// The note a `post_note` made: from its events, or for a retry, from the log at its sequence.
async fn note_of(
    state: &AppState,
    id: &IncidentId,
    acted: &Acted,
) -> Result<Option<warroom_core::NoteId>, ApiError> {
    let posted = |events: &[warroom_core::Recorded]| {
        events.iter().find_map(|r| match &r.event {
            Event::NotePosted { note, .. } => Some(*note),
            _ => None,
        })
    };
    if !acted.replayed() {
        return Ok(posted(&acted.events));
    }
    let at = state
        .rooms
        .store()
        .events_after(id, acted.seq.saturating_sub(1), 1)
        .await?;
    Ok(posted(&at))
}
