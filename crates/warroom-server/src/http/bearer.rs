//! Bearer tokens at the HTTP edge: **the one way to say "this request must carry a token with
//! scope X"**. Take [`Token<S>`] as an extractor, with `S` one of the scope markers below
//! ([`AlertsWrite`], [`IncidentsRead`], [`IncidentsWrite`]), or call [`require_token`] with
//! the headers. Either answers 401 for a missing, unknown or revoked token and 403 for a valid
//! token without the scope — before the handler runs.
//!
//! [`Caller<S>`] is for endpoints that scripts and people share: a request with an
//! `Authorization` header is judged by its token alone (and must have the scope), any other
//! by its session, as [`Viewer`] is.

use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use warroom_core::api::TokenScope;

use super::{ApiError, AppState};
use crate::auth::Viewer;
use crate::tokens::{self, Integration};

/// A scope an endpoint asks of a token, as a type (so that the extractor names it).
pub trait Scope: Send + Sync + 'static {
    const SCOPE: TokenScope;
}

/// `alerts:write`.
pub struct AlertsWrite;
/// `incidents:read`.
pub struct IncidentsRead;
/// `incidents:write`.
pub struct IncidentsWrite;

impl Scope for AlertsWrite {
    const SCOPE: TokenScope = TokenScope::AlertsWrite;
}
impl Scope for IncidentsRead {
    const SCOPE: TokenScope = TokenScope::IncidentsRead;
}
impl Scope for IncidentsWrite {
    const SCOPE: TokenScope = TokenScope::IncidentsWrite;
}

/// A request that carries an integration token with scope `S`: the integration it acts as.
pub struct Token<S: Scope>(pub Integration, PhantomData<S>);

impl<S: Scope> FromRequestParts<AppState> for Token<S> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let integration = require_token(state, &parts.headers, S::SCOPE).await?;
        Ok(Self(integration, PhantomData))
    }
}

/// The integration whose token `headers` carry, if it has `scope`; else the 401 or 403.
pub async fn require_token(
    state: &AppState,
    headers: &HeaderMap,
    scope: TokenScope,
) -> Result<Integration, ApiError> {
    Ok(state.tokens.authenticate(headers, scope).await?)
}

/// Who a shared endpoint acts for: a signed-in person, or an integration whose token has
/// scope `S`. `viewer` is either, as every handler's rules see it (an integration is never an
/// admin or an observer).
pub struct Caller<S: Scope> {
    pub viewer: Viewer,
    /// Set when the request came with a token.
    pub integration: Option<Integration>,
    scope: PhantomData<S>,
}

impl<S: Scope> FromRequestParts<AppState> for Caller<S> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if tokens::carries_token(&parts.headers) {
            let integration = require_token(state, &parts.headers, S::SCOPE).await?;
            return Ok(Self {
                viewer: integration.viewer(),
                integration: Some(integration),
                scope: PhantomData,
            });
        }
        let viewer = Viewer::from_request_parts(parts, state).await?;
        Ok(Self {
            viewer,
            integration: None,
            scope: PhantomData,
        })
    }
}
