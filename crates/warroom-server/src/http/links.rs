//! Invitation and observer links over HTTP. `POST /api/incidents/{id}/links` makes one for
//! the commander (the rules say who may); its address carries a fresh 256-bit token, shown
//! this once and stored only as its SHA-256. `POST /api/links/accept` takes a token: an
//! invitation makes the signed-in person a member (through the room, so the rules check the
//! link is unexpired and unrevoked); an observer link gives the browser a read-only observer
//! session for that incident alone.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use warroom_core::api::{AcceptLink, ApiErrorCode, LinkAccepted, LinkMade, LinkRequest};
use warroom_core::{Command, Event, LinkKind, RejectionCode};

use super::extract::{IncidentPath, JsonBody};
use super::incidents::crew_only;
use super::{ApiError, AppState};
use crate::auth::{Viewer, session};

pub(super) async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    IncidentPath(id): IncidentPath,
    JsonBody(request): JsonBody<LinkRequest>,
) -> Result<(StatusCode, Json<LinkMade>), ApiError> {
    crew_only(&state, &viewer, &id).await?;
    let token = session::new_token();
    let command = Command::CreateLink {
        kind: request.kind,
        hours: request.hours,
    };
    let events = act(
        &state,
        &id,
        &viewer,
        command,
        Some(session::hash_token(&token)),
    )
    .await?;
    let made = events.iter().find_map(|r| match &r.event {
        Event::LinkCreated {
            link,
            kind,
            expires_at,
        } => Some(LinkMade {
            link: *link,
            kind: *kind,
            expires_at: *expires_at,
            url: format!("/incidents/{id}?{}={token}", query_key(*kind)),
        }),
        _ => None,
    });
    let made = made.ok_or_else(|| ApiError::internal("a link was made without its event"))?;
    tracing::info!(incident = %id, participant = %viewer.participant, link = made.link.0, kind = ?made.kind, "link made");
    Ok((StatusCode::CREATED, Json(made)))
}

pub(super) async fn accept(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    JsonBody(request): JsonBody<AcceptLink>,
) -> Result<Response, ApiError> {
    let unknown = || ApiError::not_found("this link is not valid");
    if !session::well_formed(&request.token) {
        return Err(unknown());
    }
    let record = state
        .rooms
        .store()
        .link(&session::hash_token(&request.token))
        .await?
        .ok_or_else(unknown)?;
    let viewer = state.viewer(&headers, peer).await?;
    let ip = state.client_ip(peer, &headers);
    let id = record.incident.clone();
    let accepted = LinkAccepted {
        incident: id.clone(),
        kind: record.kind,
        url: format!("/incidents/{id}"),
    };
    match record.kind {
        LinkKind::Invite => {
            let viewer = viewer.filter(|v| !v.observer_only).ok_or_else(|| {
                ApiError::unauthorized("sign in first, then open the invitation again")
            })?;
            let command = Command::AcceptInvitation { link: record.link };
            match state
                .rooms
                .act(&id, &viewer.participant, command, None)
                .await?
            {
                Ok(_) => {}
                // Already a member: the link has done its work.
                Err(rejection) if rejection.code == RejectionCode::Conflict => {}
                Err(rejection) => {
                    tracing::warn!(incident = %id, participant = %viewer.participant, %ip, "invitation refused");
                    return Err(rejection.into());
                }
            }
            tracing::info!(incident = %id, participant = %viewer.participant, %ip, link = record.link.0, "joined by invitation");
            Ok(Json(accepted).into_response())
        }
        LinkKind::Observe => {
            let summary = state
                .rooms
                .store()
                .summary(&id)
                .await?
                .ok_or_else(unknown)?;
            let now = state.rooms.clock().now();
            let expires = summary
                .observer_links
                .iter()
                .find(|(l, expires)| *l == record.link && now < *expires)
                .map(|(_, expires)| *expires)
                .ok_or_else(|| {
                    ApiError::new(
                        ApiErrorCode::Gone,
                        "this observer link has expired or was revoked",
                    )
                })?;
            let until = u64::try_from(expires.timestamp()).unwrap_or_default();
            let token = state.auth.observe(&id, record.link, until, ip).await?;
            let max_age = until.saturating_sub(state.rooms.clock().unix_secs());
            Ok((
                [(
                    header::SET_COOKIE,
                    state.auth.observer_cookie(&token, max_age),
                )],
                Json(accepted),
            )
                .into_response())
        }
    }
}

/// Sends `command` to the incident's room as `viewer`; a rejection of the rules becomes an
/// HTTP error with the rules' words.
async fn act(
    state: &AppState,
    id: &warroom_core::IncidentId,
    viewer: &Viewer,
    command: Command,
    link: Option<String>,
) -> Result<Vec<warroom_core::Recorded>, ApiError> {
    Ok(state
        .rooms
        .act(id, &viewer.participant, command, link)
        .await??)
}

fn query_key(kind: LinkKind) -> &'static str {
    match kind {
        LinkKind::Invite => "invite",
        LinkKind::Observe => "observe",
    }
}
