//! Signing in and out over HTTP: `GET /api/auth` (how to sign in, no session needed, and the
//! title of a shared link's incident where that reveals nothing),
//! `GET /api/session` (who am I), `POST /api/session` (open mode: sign in under a display
//! name, or rename; 403 in the other modes), `DELETE /api/session` (sign out). The rules are
//! `crate::auth`'s; signing in with an identity provider is `oidc.rs`'s.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use warroom_core::api::{AuthInfo, AuthMode, Me, SignIn};
use warroom_core::{IncidentId, TextId};

use super::extract::JsonBody;
use super::{ApiError, AppState};
use crate::auth::Viewer;

/// `GET /api/auth`'s query: the incident of the link the sign-in page was opened from.
#[derive(Debug, Deserialize)]
pub(super) struct AuthQuery {
    incident: Option<String>,
}

/// How to sign in, and — when it reveals nothing a stranger could not see by signing in —
/// the title of the incident the person is joining.
pub(super) async fn auth_info(
    State(state): State<AppState>,
    Query(query): Query<AuthQuery>,
) -> Result<Json<AuthInfo>, ApiError> {
    let mut info = state.auth.info();
    // Only where anybody may sign in with just a name does every unrestricted incident show
    // to anybody; with a join code, a proxy or a provider, the title is the team's.
    let anybody_sees = info.mode == AuthMode::Open && !info.join_code;
    if anybody_sees
        && let Some(id) = query
            .incident
            .as_deref()
            .and_then(|i| IncidentId::parse(i).ok())
        && let Some(summary) = state.rooms.store().summary(&id).await?
        && !summary.restricted
    {
        info.incident_title = Some(summary.title);
    }
    Ok(Json(info))
}

/// Who is signed in. An observer whose link has been revoked or has expired is nobody.
pub(super) async fn current(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Json<Me>, ApiError> {
    if viewer.observer_only
        && let Some((incident, _)) = &viewer.observing
    {
        super::incidents::visible(&state, &viewer, incident)
            .await
            .map_err(|err| match err.code {
                warroom_core::api::ApiErrorCode::NotFound => {
                    ApiError::unauthorized("the observer link has expired or was revoked")
                }
                _ => err,
            })?;
    }
    Ok(Json(viewer.me()))
}

pub(super) async fn sign_in(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    JsonBody(request): JsonBody<SignIn>,
) -> Result<Response, ApiError> {
    let current = state.viewer(&headers, peer).await?;
    let ip = state.client_ip(peer, &headers);
    let (viewer, token) = state
        .auth
        .sign_in_open(current, &request.name, request.join_code.as_deref(), ip)
        .await?;
    Ok(match token {
        Some(token) => (
            StatusCode::CREATED,
            [(header::SET_COOKIE, state.auth.cookie(&token))],
            Json(viewer.me()),
        )
            .into_response(),
        None => Json(viewer.me()).into_response(),
    })
}

pub(super) async fn sign_out(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    viewer: Viewer,
) -> Result<Response, ApiError> {
    let ip = state.client_ip(peer, &headers);
    state.auth.sign_out(&viewer, ip).await?;
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, state.auth.clear_cookie())],
    )
        .into_response())
}
