//! The HTTP face of the server, on one origin and one port: the JSON API, the WebSocket
//! endpoint, the operator's health, readiness and metrics, and the app's static files with an
//! SPA fallback.
//!
//! Every request first passes `hardening::guard` (host, cross-site and content-type checks,
//! security headers). Every API handler that reads or changes an incident takes a [`Viewer`]
//! (`extract.rs`), so a request without a session is answered 401 before the handler runs.
//! Every API failure is an [`ApiError`] (`error.rs`): its code names the status, and its
//! body is `{"error": "<sentence>", "code": "<code>"}`.
//!
//! - `incidents.rs`: the incidents and scenarios endpoints; `links.rs`: invitation and
//!   observer links; `session.rs`: signing in and out (and, with an identity provider,
//!   `oidc.rs`); `upgrade.rs`: the WebSocket upgrade; `operator.rs`: `/healthz`, `/readyz`
//!   and `/metrics`;
//!   `alertmanager.rs`: the Alertmanager receiver, the unrouted alert groups and linking one
//!   to an incident.
//!
//! `app` builds the router so that tests can serve it on any listener.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use tower::Layer;
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use warroom_core::ParticipantId;

use crate::auth::{Auth, Viewer};
use crate::connection::ConnectionConfig;
use crate::limits::{Admission, Buckets};
use crate::rooms::Rooms;
use crate::shutdown::Shutdown;

mod alertmanager;
pub mod bearer;
mod error;
mod extract;
pub mod hardening;
mod incidents;
mod links;
mod oidc;
pub mod openapi;
mod operator;
mod rest;
pub mod routes;
mod session;
mod timeline;
mod tokens;
mod upgrade;
mod webhooks;

pub use error::ApiError;
pub use hardening::Site;
pub use operator::Operator;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub rooms: Arc<Rooms>,
    pub auth: Arc<Auth>,
    /// Integration tokens: the bearer tokens of scripts, bots and monitoring.
    pub tokens: Arc<crate::tokens::Tokens>,
    pub site: Arc<Site>,
    pub connection: ConnectionConfig,
    /// The admission desk for WebSockets (total, per address, before hello).
    pub admission: Arc<Admission>,
    /// Message rate limits, one bucket per participant across all their connections.
    pub rates: Arc<Buckets<ParticipantId>>,
    pub static_dir: PathBuf,
    /// The stop signal every WebSocket heeds, and the tracker `run` waits on for them.
    pub shutdown: Shutdown,
    /// The metrics and who may read them (`/metrics`).
    pub operator: Arc<Operator>,
    /// The Alertmanager receiver's settings and the unrouted alert groups.
    pub alerts: Arc<crate::alerting::AlertDesk>,
}

impl AppState {
    /// The signed-in person behind these headers, if any.
    async fn viewer(
        &self,
        headers: &HeaderMap,
        peer: SocketAddr,
    ) -> Result<Option<Viewer>, ApiError> {
        Ok(self.auth.viewer(headers, peer.ip()).await?)
    }

    /// The client's address: the peer's, or — from a trusted proxy — the one it forwarded.
    fn client_ip(&self, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
        self.auth.client_ip(peer.ip(), headers)
    }
}

/// The whole HTTP application. Serve it with `into_make_service_with_connect_info::<SocketAddr>`:
/// the handlers need the peer's address.
pub fn app(state: AppState) -> Router {
    // Every route of the API is a row of the route table, which the OpenAPI document is
    // generated from too.
    let api = routes::api_router().fallback(api_not_found);
    // Brotli where the browser takes it (about a quarter smaller than gzip for the wasm),
    // else gzip: xtask writes both beside every asset, and `Accept-Encoding` (q-values
    // included) picks one. ServeDir does not say that the answer depends on that header, and
    // the compression layer adds nothing to an already encoded response: `Vary` is set here,
    // so that no cache hands one browser's encoding to another.
    let static_files = SetResponseHeaderLayer::if_not_present(
        header::VARY,
        HeaderValue::from_static("accept-encoding"),
    )
    .layer(
        ServeDir::new(&state.static_dir)
            .precompressed_br()
            .precompressed_gzip()
            .fallback(get(spa_fallback).with_state(state.clone())),
    );
    Router::new()
        .route("/ws", get(upgrade::websocket))
        .route("/healthz", get(operator::health))
        .route("/readyz", get(operator::ready))
        .route("/metrics", get(operator::metrics))
        .route("/auth/login", get(oidc::login))
        .route("/auth/callback", get(oidc::callback))
        .nest("/api", api)
        .fallback_service(static_files)
        .layer(middleware::from_fn(cache_headers))
        .layer(middleware::from_fn(error::log_failures))
        .layer(CompressionLayer::new())
        .layer(middleware::from_fn_with_state(
            state.clone(),
            hardening::guard,
        ))
        .with_state(state)
}

async fn api_not_found() -> ApiError {
    ApiError::not_found("no such endpoint")
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
