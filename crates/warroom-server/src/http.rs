//! The HTTP face of the server, on one origin and one port: the JSON API, the WebSocket
//! endpoint, the health check and the app's static files with an SPA fallback.
//!
//! `app` builds the router so that tests can serve it on any listener.

use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use tokio::sync::watch;
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;
use warroom_core::protocol::MAX_MESSAGE_BYTES;
use warroom_core::{Command, IncidentId, ParticipantId, TextId};

use crate::archive::{self, ArchiveError};
use crate::connection::{self, ConnectionConfig};
use crate::room::DeleteRefused;
use crate::rooms::{DeclareError, DeleteError, RoomError, Rooms};
use crate::store::Summary;
use warroom_core::api::{DeclareRequest, Declared, ScenarioInfo, UpcomingInject};

/// The largest single frame read whole. Bigger than [`MAX_MESSAGE_BYTES`] on purpose: a frame
/// refused at its header leaves its payload unread, and closing a socket with unread data
/// sends a TCP reset that makes the client lose the 1009 close frame telling it why. A
/// too-big message up to this size is read, refused by the message limit, and closed cleanly.
const MAX_FRAME_READ: usize = 16 * MAX_MESSAGE_BYTES;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub rooms: Arc<Rooms>,
    pub connection: ConnectionConfig,
    pub static_dir: PathBuf,
    pub allowed_origins: Arc<Vec<String>>,
    pub shutdown: watch::Receiver<bool>,
    /// Held by every open WebSocket connection; `run` waits for the count to drop at shutdown.
    pub connections: Arc<()>,
}

/// The whole HTTP application.
pub fn app(state: AppState) -> Router {
    let api = Router::new()
        .route("/incidents", get(list_incidents).post(declare_incident))
        .route("/incidents/{id}", get(get_incident).delete(delete_incident))
        .route("/incidents/{id}/script", get(incident_script))
        .route("/scenarios", get(list_scenarios))
        .route("/scenarios/check", axum::routing::post(check_scenario))
        .route("/incidents/{id}/events", get(incident_events))
        .route("/incidents/{id}/export.md", get(export_markdown))
        .route("/incidents/{id}/export.json", get(export_json))
        .fallback(api_not_found);
    let static_files = ServeDir::new(&state.static_dir)
        .precompressed_gzip()
        .fallback(get(spa_fallback).with_state(state.clone()));
    Router::new()
        .route("/ws", get(websocket))
        .route("/healthz", get(health))
        .nest("/api", api)
        .fallback_service(static_files)
        .layer(middleware::from_fn(cache_headers))
        .layer(CompressionLayer::new())
        .with_state(state)
}

async fn health(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "status": "ok",
        "live_rooms": state.rooms.live_count(),
    }))
}

/// An API error: a status and a sentence.
pub struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(warroom_core::api::ApiError { error: self.1 })).into_response()
    }
}

async fn api_not_found() -> ApiError {
    ApiError(StatusCode::NOT_FOUND, "no such endpoint".into())
}

/// Every incident, active ones first, each group most recently updated first.
async fn list_incidents(State(state): State<AppState>) -> Result<Json<Vec<Summary>>, ApiError> {
    let mut incidents = state.rooms.store().list().await.map_err(internal)?;
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
    Path(id): Path<String>,
) -> Result<Json<Summary>, ApiError> {
    let id = IncidentId::parse(&id)
        .map_err(|e| ApiError(StatusCode::BAD_REQUEST, format!("bad incident id: {e}")))?;
    state
        .rooms
        .store()
        .summary(&id)
        .await
        .map_err(internal)?
        .map(Json)
        .ok_or_else(|| ApiError(StatusCode::NOT_FOUND, format!("there is no incident {id}")))
}

fn incident_id(raw: &str) -> Result<IncidentId, ApiError> {
    IncidentId::parse(raw)
        .map_err(|e| ApiError(StatusCode::BAD_REQUEST, format!("bad incident id: {e}")))
}

fn archive_error(err: ArchiveError) -> ApiError {
    match err {
        ArchiveError::UnknownIncident(id) => {
            ApiError(StatusCode::NOT_FOUND, format!("there is no incident {id}"))
        }
        other => internal(other),
    }
}

/// `DELETE /api/incidents/{id}`: exercises only.
async fn delete_incident(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = incident_id(&id)?;
    match state.rooms.delete(&id).await {
        Ok(()) => Ok(StatusCode::NO_CONTENT),
        Err(DeleteError::Room(RoomError::UnknownIncident(id))) => Err(ApiError(
            StatusCode::NOT_FOUND,
            format!("there is no incident {id}"),
        )),
        Err(DeleteError::Refused(DeleteRefused::RealIncident)) => Err(ApiError(
            StatusCode::CONFLICT,
            DeleteRefused::RealIncident.to_string(),
        )),
        Err(err) => Err(internal(err)),
    }
}

#[derive(Debug, Deserialize)]
struct ParticipantQuery {
    participant: ParticipantId,
}

/// The scenario script's injects, for its facilitator only.
async fn incident_script(
    State(state): State<AppState>,
    Path(id): Path<String>,
    axum::extract::Query(query): axum::extract::Query<ParticipantQuery>,
) -> Result<Json<Vec<UpcomingInject>>, ApiError> {
    let id = incident_id(&id)?;
    state
        .rooms
        .script(&id, &query.participant)
        .await
        .map(Json)
        .map_err(|e| ApiError(StatusCode::FORBIDDEN, e))
}

async fn list_scenarios() -> Result<Json<Vec<ScenarioInfo>>, ApiError> {
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
async fn check_scenario(body: String) -> Result<Json<ScenarioInfo>, ApiError> {
    warroom_core::scenario::parse(&body)
        .map(|s| Json(ScenarioInfo::of(None, &s)))
        .map_err(|e| ApiError(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))
}

/// The whole log, for the review page's flight recorder.
async fn incident_events(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Vec<warroom_core::Recorded>>, ApiError> {
    let id = incident_id(&id)?;
    archive::whole_log(state.rooms.store().as_ref(), &id)
        .await
        .map(Json)
        .map_err(archive_error)
}

async fn export_markdown(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = incident_id(&id)?;
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
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = incident_id(&id)?;
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

async fn declare_incident(
    State(state): State<AppState>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<Declared>), ApiError> {
    // Parsed by hand so that a bad body gets the same JSON error shape as everything else.
    let request: DeclareRequest = serde_json::from_slice(&body).map_err(|e| {
        ApiError(
            StatusCode::BAD_REQUEST,
            format!("the body must be a declaration as JSON: {e}"),
        )
    })?;
    let command = Command::Declare {
        title: request.title,
        severity: request.severity,
        drill: request.drill,
        name: request.name,
    };
    match state.rooms.declare(&request.participant, &command).await {
        Ok(id) => Ok((
            StatusCode::CREATED,
            Json(Declared {
                url: format!("/incidents/{id}"),
                id,
            }),
        )),
        Err(DeclareError::Rejected(rejection)) => Err(ApiError(
            StatusCode::UNPROCESSABLE_ENTITY,
            rejection.message,
        )),
        Err(DeclareError::Store(err)) => Err(internal(err)),
    }
}

fn internal(err: impl std::fmt::Display) -> ApiError {
    tracing::error!(%err, "request failed");
    ApiError(
        StatusCode::INTERNAL_SERVER_ERROR,
        "the server failed; try again".into(),
    )
}

async fn websocket(
    State(state): State<AppState>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    if !origin_allowed(&headers, &state.allowed_origins) {
        return (StatusCode::FORBIDDEN, "cross-origin WebSocket refused").into_response();
    }
    let guard = Arc::clone(&state.connections);
    upgrade
        // Small buffers: an idle connection should cost a few KiB, not the default 128 KiB.
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0)
        // No cap on the write buffer: the send task writes one frame and waits for it, so
        // the buffer never holds more than that frame, and a cap only refuses frames bigger
        // than itself. A snapshot of a long incident is bigger than any fixed cap (4 MiB is
        // about 18,000 notes); refusing it closed the connection of everyone joining.
        .max_write_buffer_size(usize::MAX)
        .max_message_size(MAX_MESSAGE_BYTES)
        .max_frame_size(MAX_FRAME_READ)
        .on_upgrade(move |socket| async move {
            connection::serve(socket, state.rooms, state.connection, state.shutdown).await;
            drop(guard);
        })
}

/// Same origin (the `Origin` matches the `Host`), an allow-listed origin, or no `Origin` at all
/// (not a browser, so not a cross-site request forgery).
fn origin_allowed(headers: &HeaderMap, allowed: &[String]) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) else {
        return headers.get(header::ORIGIN).is_none();
    };
    if allowed.iter().any(|a| a.trim_end_matches('/') == origin) {
        return true;
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin_host = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    matches!((host, origin_host), (Some(h), Some(o)) if h.eq_ignore_ascii_case(o))
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

    #[test]
    fn origins_are_checked_against_host_and_allow_list() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(origin_allowed(&h, &[]));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8080"),
        );
        assert!(origin_allowed(&h, &[]));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://evil.example"),
        );
        assert!(!origin_allowed(&h, &[]));
        assert!(origin_allowed(&h, &["http://evil.example".into()]));
    }
}
