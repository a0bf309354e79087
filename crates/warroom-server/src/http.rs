//! The HTTP face of the server, on one origin and one port: the JSON API, the WebSocket
//! endpoint, the health check and the app's static files with an SPA fallback.
//!
//! Every request first passes `hardening::guard` (host, cross-site and content-type checks,
//! security headers). Every API handler that reads or changes an incident takes a [`Viewer`],
//! so a request without a session is answered 401 before the handler runs; sign-in itself is
//! in `session.rs` (and, with an identity provider, `oidc.rs`), the WebSocket upgrade in
//! `upgrade.rs`.
//!
//! `app` builds the router so that tests can serve it on any listener.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;
use warroom_core::{Command, IncidentId, ParticipantId, TextId};

use crate::archive::{self, ArchiveError};
use crate::auth::{Auth, Grant, Viewer};
use crate::connection::ConnectionConfig;
use crate::limits::{Admission, Buckets};
use crate::room::{DeleteRefused, ScriptError};
use crate::rooms::{DeclareError, DeleteError, RoomError, Rooms};
use crate::shutdown::Shutdown;
use crate::store::{StoreError, Summary};
use warroom_core::api::{DeclareRequest, Declared, ScenarioInfo, ScenarioText, UpcomingInject};

pub mod hardening;
mod links;
mod oidc;
mod session;
mod upgrade;

pub use hardening::Site;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub rooms: Arc<Rooms>,
    pub auth: Arc<Auth>,
    pub site: Arc<Site>,
    pub connection: ConnectionConfig,
    /// The admission desk for WebSockets (total, per address, before hello).
    pub admission: Arc<Admission>,
    /// Message rate limits, one bucket per participant across all their connections.
    pub rates: Arc<Buckets<ParticipantId>>,
    pub static_dir: PathBuf,
    /// The stop signal every WebSocket heeds, and the tracker `run` waits on for them.
    pub shutdown: Shutdown,
}

impl AppState {
    /// The signed-in person behind these headers, if any.
    async fn viewer(
        &self,
        headers: &HeaderMap,
        peer: SocketAddr,
    ) -> Result<Option<Viewer>, ApiError> {
        self.auth.viewer(headers, peer.ip()).await.map_err(internal)
    }

    /// The client's address: the peer's, or — from a trusted proxy — the one it forwarded.
    fn client_ip(&self, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
        self.auth.client_ip(peer.ip(), headers)
    }
}

/// The whole HTTP application. Serve it with `into_make_service_with_connect_info::<SocketAddr>`:
/// the handlers need the peer's address.
pub fn app(state: AppState) -> Router {
    let api = Router::new()
        .route("/auth", get(session::auth_info))
        .route(
            "/session",
            get(session::current)
                .post(session::sign_in)
                .delete(session::sign_out),
        )
        .route("/incidents", get(list_incidents).post(declare_incident))
        .route("/incidents/{id}", get(get_incident).delete(delete_incident))
        .route("/incidents/{id}/script", get(incident_script))
        .route("/incidents/{id}/links", post(links::create))
        .route("/links/accept", post(links::accept))
        .route("/scenarios", get(list_scenarios))
        .route("/scenarios/check", post(check_scenario))
        .route("/incidents/{id}/events", get(incident_events))
        .route("/incidents/{id}/export.md", get(export_markdown))
        .route("/incidents/{id}/export.json", get(export_json))
        .fallback(api_not_found);
    // Brotli where the browser takes it (about a quarter smaller than gzip for the wasm),
    // else gzip: xtask writes both beside every asset.
    let static_files = ServeDir::new(&state.static_dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(get(spa_fallback).with_state(state.clone()));
    Router::new()
        .route("/ws", get(upgrade::websocket))
        .route("/healthz", get(health))
        .route("/auth/login", get(oidc::login))
        .route("/auth/callback", get(oidc::callback))
        .nest("/api", api)
        .fallback_service(static_files)
        .layer(middleware::from_fn(cache_headers))
        .layer(CompressionLayer::new())
        .layer(middleware::from_fn_with_state(
            state.clone(),
            hardening::guard,
        ))
        .with_state(state)
}

/// Handlers that take a `Viewer` answer 401 to a request without a session.
impl FromRequestParts<AppState> for Viewer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0)
            .ok_or_else(|| internal("the server was started without peer addresses"))?;
        state
            .viewer(&parts.headers, peer)
            .await?
            .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "sign in first"))
    }
}

async fn health(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "status": "ok",
        "live_rooms": state.rooms.live_count(),
    }))
}

/// An API error: a status and a sentence.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    fn not_found(id: &IncidentId) -> Self {
        Self::new(StatusCode::NOT_FOUND, format!("there is no incident {id}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(warroom_core::api::ApiError {
                error: self.message,
            }),
        )
            .into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        internal(err)
    }
}

async fn api_not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "no such endpoint")
}

/// Every incident, active ones first, each group most recently updated first.
async fn list_incidents(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Json<Vec<Summary>>, ApiError> {
    let now = chrono::Utc::now();
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

async fn get_incident(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Json<Summary>, ApiError> {
    let id = incident_id(&id)?;
    let (summary, _) = visible(&state, &viewer, &id).await?;
    Ok(Json(summary))
}

/// The incident's listing row and what `viewer` may do with it; 404 when they may not see
/// it, exactly as when it does not exist (a restricted incident's existence is not revealed).
async fn visible(
    state: &AppState,
    viewer: &Viewer,
    id: &IncidentId,
) -> Result<(Summary, Grant), ApiError> {
    let summary = state.rooms.store().summary(id).await?;
    let grant = summary
        .as_ref()
        .map_or(Grant::None, |s| viewer.grant(id, s, chrono::Utc::now()));
    match (summary, grant) {
        (Some(summary), grant) if grant != Grant::None => Ok((summary, grant)),
        _ => Err(ApiError::not_found(id)),
    }
}

/// Like [`visible`], for what only the crew may do: an observer gets 403.
async fn crew_only(
    state: &AppState,
    viewer: &Viewer,
    id: &IncidentId,
) -> Result<Summary, ApiError> {
    match visible(state, viewer, id).await? {
        (summary, Grant::Crew) => Ok(summary),
        _ => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "an observer link is read-only",
        )),
    }
}

fn incident_id(raw: &str) -> Result<IncidentId, ApiError> {
    IncidentId::parse(raw)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, format!("bad incident id: {e}")))
}

fn archive_error(err: ArchiveError) -> ApiError {
    match err {
        ArchiveError::UnknownIncident(id) => ApiError::not_found(&id),
        other => internal(other),
    }
}

/// `DELETE /api/incidents/{id}`: exercises only, by their facilitator, declarer or an admin.
async fn delete_incident(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = incident_id(&id)?;
    if !viewer.admin {
        crew_only(&state, &viewer, &id).await?;
    }
    match state
        .rooms
        .delete(&id, &viewer.participant, viewer.admin)
        .await
    {
        Ok(()) => Ok(StatusCode::NO_CONTENT),
        Err(DeleteError::Room(RoomError::UnknownIncident(id))) => Err(ApiError::not_found(&id)),
        Err(DeleteError::Refused(refused @ DeleteRefused::RealIncident)) => {
            Err(ApiError::new(StatusCode::CONFLICT, refused.to_string()))
        }
        Err(DeleteError::Refused(refused @ DeleteRefused::NotAllowed)) => {
            tracing::warn!(incident = %id, participant = %viewer.participant, "delete refused");
            Err(ApiError::new(StatusCode::FORBIDDEN, refused.to_string()))
        }
        Err(err) => Err(internal(err)),
    }
}

/// The scenario script's injects, for its facilitator only: the signed-in person must be the
/// facilitator. (A `participant` query parameter, which version 1 took, is ignored.)
async fn incident_script(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Json<Vec<UpcomingInject>>, ApiError> {
    let id = incident_id(&id)?;
    crew_only(&state, &viewer, &id).await?;
    state
        .rooms
        .script(&id, &viewer.participant)
        .await
        .map(Json)
        .map_err(|e| {
            let status = match &e {
                ScriptError::UnknownIncident(_) => StatusCode::NOT_FOUND,
                ScriptError::NoScenario => StatusCode::CONFLICT,
                ScriptError::NotFacilitator => {
                    tracing::warn!(incident = %id, participant = %viewer.participant, "script refused");
                    StatusCode::FORBIDDEN
                }
                ScriptError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            };
            ApiError::new(status, e.to_string())
        })
}

async fn list_scenarios(_viewer: Viewer) -> Result<Json<Vec<ScenarioInfo>>, ApiError> {
    warroom_core::scenario::BUILT_IN
        .iter()
        .map(|(id, text)| {
            warroom_core::scenario::parse(text)
                .map(|s| ScenarioInfo::of(Some(id), &s))
                .map_err(internal)
        })
        .collect::<Result<_, _>>()
        .map(Json)
}

/// Checks a trainer's scenario file: its summary, or where it is wrong.
async fn check_scenario(
    _viewer: Viewer,
    body: axum::body::Bytes,
) -> Result<Json<ScenarioInfo>, ApiError> {
    let file: ScenarioText = json_body(&body, "a scenario file as {\"text\": \"...\"}")?;
    warroom_core::scenario::parse(&file.text)
        .map(|s| Json(ScenarioInfo::of(None, &s)))
        .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))
}

/// Parses a JSON body by hand, so that a bad one gets the same error shape as everything else.
fn json_body<T: serde::de::DeserializeOwned>(body: &[u8], what: &str) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("the body must be {what}: {e}"),
        )
    })
}

/// The whole log, for the review page's flight recorder.
async fn incident_events(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Json<Vec<warroom_core::Recorded>>, ApiError> {
    let id = incident_id(&id)?;
    visible(&state, &viewer, &id).await?;
    archive::whole_log(state.rooms.store().as_ref(), &id)
        .await
        .map(Json)
        .map_err(archive_error)
}

async fn export_markdown(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = incident_id(&id)?;
    visible(&state, &viewer, &id).await?;
    let text = archive::export(state.rooms.store().as_ref(), &id, archive::Format::Md)
        .await
        .map_err(archive_error)?;
    Ok(download(
        text,
        "text/markdown; charset=utf-8",
        &format!("warroom-{id}.md"),
    ))
}

async fn export_json(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = incident_id(&id)?;
    visible(&state, &viewer, &id).await?;
    let text = archive::export(state.rooms.store().as_ref(), &id, archive::Format::Json)
        .await
        .map_err(archive_error)?;
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

/// Declares an incident as the signed-in person, who becomes its commander.
async fn declare_incident(
    State(state): State<AppState>,
    viewer: Viewer,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<Declared>), ApiError> {
    let request: DeclareRequest = json_body(&body, "a declaration as JSON")?;
    let command = Command::Declare {
        title: request.title,
        severity: request.severity,
        drill: request.drill,
        name: viewer.name,
    };
    if viewer.observer_only {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "an observer link is read-only; sign in to declare",
        ));
    }
    match state
        .rooms
        .declare(&viewer.participant, &command, request.restricted)
        .await
    {
        Ok(id) => Ok((
            StatusCode::CREATED,
            Json(Declared {
                url: format!("/incidents/{id}"),
                id,
            }),
        )),
        Err(DeclareError::Rejected(rejection)) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            rejection.message,
        )),
        Err(DeclareError::Store(err)) => Err(internal(err)),
    }
}

fn internal(err: impl std::fmt::Display) -> ApiError {
    tracing::error!(%err, "request failed");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "the server failed; try again",
    )
}

/// Unknown paths without a file extension are app routes: serve the app's `index.html`.
async fn spa_fallback(State(state): State<AppState>, request: Request) -> Response {
    let path = request.uri().path();
    let last = path.rsplit('/').next().unwrap_or_default();
    if last.contains('.') {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    match tokio::fs::read_to_string(state.static_dir.join("index.html")).await {
        Ok(html) => (
            [(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"))],
            Html(html),
        )
            .into_response(),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Html(format!(
                "<!doctype html><title>Warroom</title><h1>The Warroom app is not built</h1>\
                 <p>No <code>index.html</code> in <code>{}</code>. Run <code>cargo xtask run</code>, \
                 or pass <code>--static-dir</code>.</p>",
                state.static_dir.display()
            )),
        )
            .into_response(),
    }
}

/// Hashed assets never change under their name: cache them for a year. Everything else is
/// revalidated, so a new release is picked up on the next load.
async fn cache_headers(request: Request, next: Next) -> Response {
    let hashed = is_hashed_asset(request.uri().path());
    let mut response = next.run(request).await;
    if response.status().is_success() && !response.headers().contains_key(header::CACHE_CONTROL) {
        let value = if hashed {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    }
    response
}

/// Trunk names built assets `name-<16 hex digits>.ext`.
fn is_hashed_asset(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or_default();
    let Some((stem, _ext)) = file.rsplit_once('.') else {
        return false;
    };
    let stem = stem.trim_end_matches("_bg");
    stem.rsplit_once('-')
        .is_some_and(|(_, hash)| hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_assets_are_recognised() {
        assert!(is_hashed_asset("/warroom-app-1f2e3d4c5b6a7988_bg.wasm"));
        assert!(is_hashed_asset("/style-0123456789abcdef.css"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/favicon.svg"));
    }
}
