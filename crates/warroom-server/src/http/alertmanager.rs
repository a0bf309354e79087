//! Alerts in over HTTP: `POST /api/hooks/alertmanager` (Prometheus Alertmanager's webhook,
//! format version 4, with a bearer credential), `GET /api/alerts/unrouted` (the groups no
//! rule routed, for anyone signed in) and `POST /api/incidents/{id}/alert-groups` (the
//! commander links one to the incident). Routing and recording are `alerting.rs`'s; here are
//! the statuses.
//!
//! [`authorize`] is the one place the receiver decides who is calling: an integration token
//! with `alerts:write` (`bearer.rs`), acting as that token's integration participant.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::HeaderMap;
use warroom_core::alertmanager::Notification;
use warroom_core::api::TokenScope;
use warroom_core::api::{AlertReceipt, ApiErrorCode, LinkAlertGroupRequest, UnroutedAlerts};

use super::bearer::require_token;
use super::extract::{IncidentPath, JsonBody};
use super::incidents::crew_only;
use super::{ApiError, AppState};
use crate::alerting::{AlertError, Caller};
use crate::auth::Viewer;

/// Who is calling the receiver: the integration whose token the request carries, if the token
/// has `alerts:write` (else 401 for no, an unknown or a revoked token, 403 for another scope).
pub async fn authorize(headers: &HeaderMap, state: &AppState) -> Result<Caller, ApiError> {
    let integration = require_token(state, headers, TokenScope::AlertsWrite).await?;
    Ok(Caller {
        name: integration.display_name(),
        participant: integration.participant,
    })
}

/// `POST /api/hooks/alertmanager`.
pub(super) async fn receive(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<AlertReceipt>, ApiError> {
    let caller = authorize(&headers, &state).await?;
    let body = body?;
    let notification: Notification = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(format!(
            "the body must be an Alertmanager webhook notification: {e}"
        ))
    })?;
    notification
        .check()
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let receipt = state
        .alerts
        .deliver(&state.rooms, &caller, &notification)
        .await?;
    tracing::debug!(outcome = ?receipt.outcome, incident = ?receipt.incident, "alert notification");
    Ok(Json(receipt))
}

/// `GET /api/alerts/unrouted`.
pub(super) async fn unrouted(
    State(state): State<AppState>,
    _viewer: Viewer,
) -> Json<UnroutedAlerts> {
    Json(UnroutedAlerts {
        groups: state.alerts.unrouted.list(),
    })
}

/// `POST /api/incidents/{id}/alert-groups`.
pub(super) async fn link(
    State(state): State<AppState>,
    viewer: Viewer,
    IncidentPath(id): IncidentPath,
    JsonBody(body): JsonBody<LinkAlertGroupRequest>,
) -> Result<Json<AlertReceipt>, ApiError> {
    crew_only(&state, &viewer, &id).await?;
    let receipt = state
        .alerts
        .link(&state.rooms, &id, &body.group_key, &viewer.participant)
        .await?;
    Ok(Json(receipt))
}

impl From<AlertError> for ApiError {
    fn from(err: AlertError) -> Self {
        match err {
            AlertError::Rejected(rejection) => rejection.into(),
            AlertError::Room(err) => err.into(),
            AlertError::Declare(err) => err.into(),
            AlertError::Store(err) => err.into(),
            AlertError::NotUnrouted => ApiError::not_found(err.to_string()),
            AlertError::Closed => ApiError::new(ApiErrorCode::Conflict, err.to_string()),
        }
    }
}
