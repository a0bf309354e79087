//! What API handlers take from a request, each refusing with an [`ApiError`] (so in the same
//! JSON shape as every other failure) rather than axum's plain-text rejections:
//! - [`Viewer`]: the signed-in person; a request without a session is answered 401 before the
//!   handler runs.
//! - [`IncidentPath`]: the `{id}` of the path, a valid incident id (else 400).
//! - [`JsonBody`]: the body, exactly the fields of its type (else 400; too large: 413).

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use warroom_core::api::{
    AcceptLink, DeclareRequest, LinkAlertGroupRequest, LinkRequest, ScenarioText, SignIn,
};
use warroom_core::{IncidentId, TextId};

use super::{ApiError, AppState};
use crate::auth::Viewer;

impl FromRequestParts<AppState> for Viewer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0)
            .ok_or_else(|| ApiError::internal("the server was started without peer addresses"))?;
        state
            .viewer(&parts.headers, peer)
            .await?
            .ok_or_else(|| ApiError::unauthorized("sign in first"))
    }
}

/// The incident an API path names.
pub struct IncidentPath(pub IncidentId);

impl<S: Send + Sync> FromRequestParts<S> for IncidentPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state).await?;
        IncidentId::parse(&raw)
            .map(IncidentPath)
            .map_err(|e| ApiError::bad_request(format!("bad incident id: {e}")))
    }
}

/// A request body of the API, and how its errors name it.
pub trait Body: DeserializeOwned {
    /// What the body must be, completing "the body must be …".
    const WHAT: &'static str;
}

impl Body for LinkAlertGroupRequest {
    const WHAT: &'static str = "{\"group_key\": \"<an unrouted group's key>\"}";
}

impl Body for DeclareRequest {
    const WHAT: &'static str = "a declaration as JSON";
}

impl Body for SignIn {
    const WHAT: &'static str = "a sign-in as {\"name\": \"...\"}";
}

impl Body for LinkRequest {
    const WHAT: &'static str = "a link as {\"kind\": ..., \"hours\": ...}";
}

impl Body for AcceptLink {
    const WHAT: &'static str = "a link's token as {\"token\": ...}";
}

impl Body for warroom_core::api::TimelineUpload {
    const WHAT: &'static str =
        "a timeline as {\"title\": \"...\", \"severity\": \"SEV2\", \"text\": \"...\"}";
}

impl Body for warroom_core::api::TimelineAppend {
    const WHAT: &'static str = "a timeline as {\"text\": \"...\"}";
}

impl Body for warroom_core::api::TokenRequest {
    const WHAT: &'static str =
        "a token as {\"name\": \"...\", \"scopes\": [\"incidents:read\", ...]}";
}

impl Body for warroom_core::api::NoteRequest {
    const WHAT: &'static str = "a note as {\"kind\": \"observation\", \"text\": \"...\"}";
}

impl Body for warroom_core::api::StatusRequest {
    const WHAT: &'static str = "a status as {\"status\": \"mitigated\"}";
}

impl Body for warroom_core::api::webhooks::WebhookRequest {
    const WHAT: &'static str = "a webhook as {\"url\": \"https://...\", \"events\": [\"declared\"], \"format\": \"signed\"}";
}

impl Body for ScenarioText {
    const WHAT: &'static str = "a scenario file as {\"text\": \"...\"}";
}

/// A JSON body of type `T`. The content type is checked before (`hardening::guard`, 415).
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: Body> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(request, state).await?;
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|e| ApiError::bad_request(format!("the body must be {}: {e}", T::WHAT)))
    }
}
