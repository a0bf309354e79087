//! Alerts in over HTTP: `POST /api/hooks/alertmanager` (Prometheus Alertmanager's webhook,
//! format version 4, with a bearer credential), `GET /api/alerts/unrouted` (the groups no
//! rule routed, for anyone signed in) and `POST /api/incidents/{id}/alert-groups` (the
//! commander links one to the incident). Routing and recording are `alerting.rs`'s; here are
//! the statuses.
//!
//! **Interim credential:** [`authorize`] is the one place the receiver decides who is
//! calling. Until integration tokens exist it accepts the bearer secret of
//! `--alertmanager-token`, compared in constant time against its stored SHA-256, as the
//! integration "Alertmanager"; the token check replaces this one function.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, header};
use sha2::{Digest, Sha256};
use warroom_core::alertmanager::Notification;
use warroom_core::api::{AlertReceipt, ApiErrorCode, LinkAlertGroupRequest, UnroutedAlerts};
use warroom_core::ids::integration_id;

use super::extract::{IncidentPath, JsonBody};
use super::incidents::crew_only;
use super::{ApiError, AppState};
use crate::alerting::{AlertError, Caller};
use crate::auth::Viewer;

/// The largest notification body read, in bytes (a notification of [`MAX_ALERTS`] alerts
/// with their labels and annotations fits).
///
/// [`MAX_ALERTS`]: warroom_core::alertmanager::MAX_ALERTS
pub const MAX_NOTIFICATION_BYTES: usize = 2 * 1024 * 1024;

/// Who is calling the receiver, from the request's headers alone.
pub fn authorize(headers: &HeaderMap, state: &AppState) -> Result<Caller, ApiError> {
    let Some(expected) = state.alerts.token_sha256 else {
        return Err(ApiError::unauthorized(
            "the Alertmanager receiver is not configured (--alertmanager-token)",
        ));
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or_else(|| ApiError::unauthorized("send Authorization: Bearer <credential>"))?;
    let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
    // Every byte is compared, whatever the first difference.
    let difference = digest
        .iter()
        .zip(expected.iter())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b));
    if difference != 0 {
        return Err(ApiError::unauthorized("that credential is not valid"));
    }
    Ok(Caller {
        participant: integration_id("alertmanager"),
        name: "Alertmanager".to_owned(),
    })
}

/// `POST /api/hooks/alertmanager`.
pub(super) async fn receive(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<AlertReceipt>, ApiError> {
    let caller = authorize(&headers, &state)?;
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
