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
//!   to an incident; `assets.rs`: the app's pages (one HTML page per wasm module of the app,
//!   each at its routes) and the cache headers of its files.
//!
//! `app` builds the router so that tests can serve it on any listener.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware;
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
mod assets;
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
            .fallback(get(assets::page).with_state(state.clone())),
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
        .layer(middleware::from_fn(assets::cache_headers))
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
