//! `/api/tokens`: integration tokens for the admin page — list, make (the secret in the answer,
//! this once), revoke. Admins only (`--admin`): anyone else signed in gets 403, and a token
//! cannot manage tokens (these endpoints take a session alone).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use warroom_core::api::{TokenInfo, TokenMade, TokenRequest};

use super::extract::JsonBody;
use super::{ApiError, AppState};
use crate::auth::Viewer;
use crate::tokens::info;

fn admin_only(viewer: &Viewer) -> Result<(), ApiError> {
    if viewer.admin && !viewer.observer_only {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "only an admin can manage integration tokens",
        ))
    }
}

/// `GET /api/tokens`: every token, revoked ones too, oldest first; never a secret.
#[utoipa::path(
    get,
    path = "/api/tokens",
    tag = "tokens",
    responses(
        (status = 200, description = "Every token, revoked ones too; never a secret.", body = Vec<TokenInfo>),
        (status = 401, description = "No session (a token cannot manage tokens).", body = warroom_core::api::ApiError),
        (status = 403, description = "Not an admin.", body = warroom_core::api::ApiError),
    ),
    security(("session" = [])),
)]
pub(super) async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Json<Vec<TokenInfo>>, ApiError> {
    admin_only(&viewer)?;
    let tokens = state.tokens.list().await?;
    Ok(Json(tokens.iter().map(info).collect()))
}

/// `POST /api/tokens`: a new token; the answer is the only time its secret is shown.
#[utoipa::path(
    post,
    path = "/api/tokens",
    tag = "tokens",
    request_body = TokenRequest,
    responses(
        (status = 201, description = "Made: the secret, shown this once.", body = TokenMade),
        (status = 400, description = "A body of the wrong shape (an unknown field or scope is named).", body = warroom_core::api::ApiError),
        (status = 401, description = "No session (a token cannot manage tokens).", body = warroom_core::api::ApiError),
        (status = 403, description = "Not an admin.", body = warroom_core::api::ApiError),
        (status = 409, description = "A token not revoked has that name, or there are 1,000 already.", body = warroom_core::api::ApiError),
        (status = 422, description = "A bad name, or no scope.", body = warroom_core::api::ApiError),
    ),
    security(("session" = [])),
)]
pub(super) async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    JsonBody(request): JsonBody<TokenRequest>,
) -> Result<(StatusCode, Json<TokenMade>), ApiError> {
    admin_only(&viewer)?;
    let (token, record) = state.tokens.create(&request.name, &request.scopes).await?;
    tracing::info!(participant = %viewer.participant, token = %record.id, "token made by an admin");
    Ok((
        StatusCode::CREATED,
        Json(TokenMade {
            token,
            info: info(&record),
        }),
    ))
}

/// `DELETE /api/tokens/{id}`: revokes it (revoking a revoked token changes nothing); the token
/// as revoked.
#[utoipa::path(
    delete,
    path = "/api/tokens/{id}",
    tag = "tokens",
    params(("id" = String, Path, description = "The token's id (`tok-…`) or name.")),
    responses(
        (status = 200, description = "Revoked (revoking again changes nothing): the token as revoked.", body = TokenInfo),
        (status = 401, description = "No session (a token cannot manage tokens).", body = warroom_core::api::ApiError),
        (status = 403, description = "Not an admin.", body = warroom_core::api::ApiError),
        (status = 404, description = "No such token.", body = warroom_core::api::ApiError),
    ),
    security(("session" = [])),
)]
pub(super) async fn revoke(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Json<TokenInfo>, ApiError> {
    admin_only(&viewer)?;
    let record = state.tokens.revoke(&id).await?;
    tracing::info!(participant = %viewer.participant, token = %record.id, "token revoked by an admin");
    Ok(Json(info(&record)))
}
