//! The admin's webhook endpoints: `GET`/`POST /api/admin/webhooks`,
//! `DELETE /api/admin/webhooks/{id}` and `GET /api/admin/webhooks/deliveries`. Every one asks
//! for an admin (`--admin`), else 403; the secret is in the creation's answer only.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use warroom_core::api::webhooks::{Delivery, Webhook, WebhookCreated, WebhookRequest};

use super::extract::JsonBody;
use super::{ApiError, AppState};
use crate::auth::Viewer;
use crate::webhooks::subscribe::{SubscribeError, listed, subscribe};

fn admin(viewer: &Viewer) -> Result<(), ApiError> {
    if viewer.admin {
        Ok(())
    } else {
        tracing::warn!(participant = %viewer.participant, "webhook admin refused");
        Err(ApiError::forbidden("only an admin may manage webhooks"))
    }
}

pub(super) async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Json<Vec<Webhook>>, ApiError> {
    admin(&viewer)?;
    let hooks = state.rooms.store().webhooks().await?;
    Ok(Json(hooks.iter().map(listed).collect()))
}

pub(super) async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    JsonBody(request): JsonBody<WebhookRequest>,
) -> Result<(StatusCode, Json<WebhookCreated>), ApiError> {
    admin(&viewer)?;
    let store = state.rooms.store();
    let clock = state.rooms.clock();
    match subscribe(store.as_ref(), &clock, request, viewer.participant.as_str()).await {
        Ok((record, secret)) => Ok((
            StatusCode::CREATED,
            Json(WebhookCreated {
                webhook: listed(&record),
                secret,
            }),
        )),
        Err(SubscribeError::Invalid(why)) => Err(ApiError::bad_request(why)),
        Err(err @ SubscribeError::TooMany) => Err(ApiError::new(
            warroom_core::api::ApiErrorCode::Conflict,
            err.to_string(),
        )),
        Err(SubscribeError::Store(err)) => Err(err.into()),
    }
}

pub(super) async fn remove(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    admin(&viewer)?;
    if state.rooms.store().delete_webhook(&id).await? {
        tracing::info!(webhook = %id, participant = %viewer.participant, "webhook removed");
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!("there is no webhook {id}")))
    }
}

/// `?failed=true` for failed deliveries only; `?limit=` (1 to 500, default 100).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LogQuery {
    #[serde(default)]
    failed: bool,
    limit: Option<u32>,
}

pub(super) async fn deliveries(
    State(state): State<AppState>,
    viewer: Viewer,
    query: Result<Query<LogQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<Delivery>>, ApiError> {
    admin(&viewer)?;
    let Query(query) = query.map_err(|e| ApiError::bad_request(format!("bad query: {e}")))?;
    let limit = query.limit.unwrap_or(100).clamp(1, 500);
    Ok(Json(
        state.rooms.store().deliveries(query.failed, limit).await?,
    ))
}
