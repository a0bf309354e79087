//! The operator's endpoints: `GET /healthz` (the process answers), `GET /readyz` (it can take
//! writes: the store is reachable and migrated, and the server is not stopping) and
//! `GET /metrics` (Prometheus text, for a scraper holding the metrics token).
//!
//! None of them takes a session: a balancer and a scraper are not people. `/healthz` and
//! `/readyz` say only ready or not and why in a word; `/metrics` holds only counts with
//! labels from fixed sets (`telemetry.rs`), and still answers only with the bearer token given
//! as `--metrics-token`, because how busy a war room is tells an outsider when an incident is
//! on (docs/security.md argues it). Without that flag it is not served at all (404).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::{ApiError, AppState};
use crate::auth::session::hash_token;
use crate::store::StoreError;
use crate::telemetry::Telemetry;

/// What the operator's endpoints need beyond the shared state.
pub struct Operator {
    pub telemetry: Telemetry,
    /// SHA-256 (hex) of the metrics token, when `/metrics` is served; the token itself is not
    /// kept.
    token_hash: Option<String>,
}

impl Operator {
    pub fn new(telemetry: Telemetry, token: Option<&str>) -> Self {
        Self {
            telemetry,
            token_hash: token.filter(|t| !t.is_empty()).map(hash_token),
        }
    }

    /// Whether `headers` carry `Authorization: Bearer <the metrics token>`.
    fn authorised(&self, expected: &str, headers: &HeaderMap) -> bool {
        let presented = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        // Both sides hashed: equal lengths, compared without stopping at the first difference.
        presented.is_some_and(|token| {
            let hash = hash_token(token);
            hash.len() == expected.len()
                && hash
                    .bytes()
                    .zip(expected.bytes())
                    .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                    == 0
        })
    }
}

/// `GET /healthz`: the process is up and answering.
pub(super) async fn health(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(json!({
        "status": "ok",
        "live_rooms": state.rooms.live_count(),
    }))
}

/// `GET /readyz`: 200 when the server can take writes; 503 with the reason otherwise.
pub(super) async fn ready(State(state): State<AppState>) -> Response {
    if state.shutdown.is_signalled() {
        return not_ready("stopping", "the server is shutting down");
    }
    match state.rooms.store().ready().await {
        Ok(()) => (StatusCode::OK, Json(json!({ "status": "ready" }))).into_response(),
        Err(err) => {
            // The cause goes to the log, not to whoever asks (this endpoint takes no session).
            tracing::warn!(%err, "not ready");
            match err {
                StoreError::Unusable(_) => not_ready(
                    "migrations",
                    "the database's schema is not the one this server needs",
                ),
                _ => not_ready("database", "the database cannot be reached or used"),
            }
        }
    }
}

/// A 503 in the API's error shape, with the reason as a word a balancer's log can show.
fn not_ready(reason: &'static str, sentence: &'static str) -> Response {
    let body = json!({
        "status": "not_ready",
        "reason": reason,
        "error": sentence,
        "code": "unavailable",
    });
    (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
}

/// `GET /metrics`: the Prometheus text format, for the holder of the metrics token.
pub(super) async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let operator = &state.operator;
    let Some(expected) = operator.token_hash.as_deref() else {
        return ApiError::not_found(
            "metrics are not served: start the server with --metrics-token (WARROOM_METRICS_TOKEN)",
        )
        .into_response();
    };
    if !operator.authorised(expected, &headers) {
        let mut response =
            ApiError::unauthorized("send the metrics token as Authorization: Bearer <token>")
                .into_response();
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"warroom metrics\""),
        );
        return response;
    }
    let text = operator
        .telemetry
        .render(state.admission.open(), state.rooms.live_count());
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        text,
    )
        .into_response()
}
