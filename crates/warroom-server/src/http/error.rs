//! The one error type at the HTTP edge. Every API failure becomes an [`ApiError`]: a code
//! (`warroom_core::api::ApiErrorCode`, which names the status) and a sentence for a person,
//! sent as `{"error": "<sentence>", "code": "<code>"}`. The errors of the layers below —
//! store, rooms, archive, sign-in, the rules' rejections — each convert with `From`, so a
//! handler says `?` and the status follows from what went wrong.
//!
//! A technical failure (500, 503) carries its cause in the response's extensions, never in the
//! body: [`log_failures`] logs it with the request's method and path (never its query, which
//! may hold a link's token or a provider's code).

use std::borrow::Cow;

use axum::Json;
use axum::extract::Request;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use warroom_core::api::ApiErrorCode as Code;
use warroom_core::{IncidentId, Rejection, RejectionCode};

use crate::archive::ArchiveError;
use crate::auth::SignInError;
use crate::room::{DeleteRefused, ScriptError};
use crate::rooms::{DeclareError, DeleteError, RoomError};
use crate::store::StoreError;
use crate::tokens::{CreateError, RevokeError, TokenError};

/// An API error: what kind, a sentence, and for technical failures the cause (for the log).
#[derive(Debug)]
pub struct ApiError {
    pub code: Code,
    pub message: Cow<'static, str>,
    /// What failed, for the log only.
    cause: Option<String>,
}

/// A technical failure's cause, handed from the response to [`log_failures`].
#[derive(Debug, Clone)]
struct Cause(String);

impl ApiError {
    pub fn new(code: Code, message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            code,
            message: message.into(),
            cause: None,
        }
    }

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    pub fn bad_request(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(Code::BadRequest, message)
    }

    pub fn unauthorized(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(Code::Unauthorized, message)
    }

    pub fn forbidden(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(Code::Forbidden, message)
    }

    pub fn not_found(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(Code::NotFound, message)
    }

    /// No such incident — or one the asker may not know exists: the same words either way.
    pub fn unknown_incident(id: &IncidentId) -> Self {
        Self::not_found(format!("there is no incident {id}"))
    }

    /// The server failed: the client is told only that; `cause` goes to the log.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self {
            code: Code::Internal,
            message: "the server failed; try again".into(),
            cause: Some(cause.to_string()),
        }
    }

    /// The server cannot do it now (shutting down, busy): worth trying again.
    pub fn unavailable(cause: impl std::fmt::Display) -> Self {
        Self {
            code: Code::Unavailable,
            message: "the server cannot do that right now; try again".into(),
            cause: Some(cause.to_string()),
        }
    }

    /// This error with a sentence of its own, keeping its code and cause.
    pub fn saying(mut self, message: impl Into<Cow<'static, str>>) -> Self {
        self.message = message.into();
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = warroom_core::api::ApiError {
            error: self.message.into_owned(),
            code: self.code,
        };
        let mut response = (status, Json(body)).into_response();
        if let Some(cause) = self.cause {
            response.extensions_mut().insert(Cause(cause));
        }
        response
    }
}

/// Logs every technical failure with the request it failed, once, where the answer leaves.
pub async fn log_failures(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    if let Some(Cause(cause)) = response.extensions().get::<Cause>() {
        let status = response.status().as_u16();
        if status >= 500 && status != 503 {
            tracing::error!(%method, %path, status, %cause, "request failed");
        } else {
            tracing::warn!(%method, %path, status, %cause, "request not served");
        }
    }
    response
}

/// The error chain of `err`, for the log (a top-level message alone often says little).
fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::UnknownIncident(id) => Self::unknown_incident(&id),
            StoreError::Conflict { .. } => {
                Self::new(Code::Conflict, "somebody else changed it first; try again")
            }
            err if err.is_unavailable() => Self::unavailable(chain(&err)),
            err => Self::internal(chain(&err)),
        }
    }
}

impl From<RoomError> for ApiError {
    fn from(err: RoomError) -> Self {
        match err {
            RoomError::UnknownIncident(id) => Self::unknown_incident(&id),
            RoomError::ShuttingDown => Self::unavailable(err),
            RoomError::Store(err) => err.into(),
        }
    }
}

impl From<ArchiveError> for ApiError {
    fn from(err: ArchiveError) -> Self {
        match err {
            ArchiveError::UnknownIncident(id) => Self::unknown_incident(&id),
            ArchiveError::Store(err) => err.into(),
            // A timeline upload's bad row: the sender's to fix (422, naming the row).
            ArchiveError::Timeline(err) => Self::new(Code::Rejected, err.to_string()),
            // Exports are not imported over HTTP: these are the server's own data failing.
            other => Self::internal(chain(&other)),
        }
    }
}

impl From<DeclareError> for ApiError {
    fn from(err: DeclareError) -> Self {
        match err {
            DeclareError::Rejected(rejection) => rejection.into(),
            DeclareError::Store(err) => err.into(),
        }
    }
}

impl From<DeleteError> for ApiError {
    fn from(err: DeleteError) -> Self {
        match err {
            DeleteError::Room(err) => err.into(),
            DeleteError::Refused(refused @ DeleteRefused::RealIncident) => {
                Self::new(Code::Conflict, refused.to_string())
            }
            DeleteError::Refused(refused @ DeleteRefused::NotAllowed) => {
                Self::forbidden(refused.to_string())
            }
            DeleteError::Refused(DeleteRefused::Failed(err)) => err.into(),
            DeleteError::Retry => Self::unavailable(err).saying("the incident is busy; try again"),
        }
    }
}

impl From<ScriptError> for ApiError {
    fn from(err: ScriptError) -> Self {
        let message = err.to_string();
        match err {
            ScriptError::UnknownIncident(id) => Self::unknown_incident(&id),
            ScriptError::NoScenario => Self::new(Code::Conflict, message),
            ScriptError::NotFacilitator => Self::forbidden(message),
            ScriptError::Unavailable => Self::unavailable(&message).saying(message),
            ScriptError::Store(err) => err.into(),
        }
    }
}

/// `POST /api/session` and observer links: why a sign-in was refused.
impl From<SignInError> for ApiError {
    fn from(err: SignInError) -> Self {
        let message = err.to_string();
        match err {
            SignInError::WrongMode(_) | SignInError::JoinCode => Self::forbidden(message),
            SignInError::NoProvider | SignInError::Provider(_) => Self::forbidden(message),
            SignInError::BadName(rejection) => Self::new(Code::Rejected, rejection.message),
            SignInError::TooMany => Self::new(Code::RateLimited, message),
            SignInError::Store(err) => err.into(),
        }
    }
}

/// A bearer token refused: 401 unless it is valid and lacks the scope (403).
impl From<TokenError> for ApiError {
    fn from(err: TokenError) -> Self {
        let message = err.to_string();
        match err {
            TokenError::Missing | TokenError::Unknown | TokenError::Revoked => {
                Self::unauthorized(message)
            }
            TokenError::MissingScope(_) => Self::forbidden(message),
            TokenError::Store(err) => err.into(),
        }
    }
}

impl From<CreateError> for ApiError {
    fn from(err: CreateError) -> Self {
        let message = err.to_string();
        match err {
            CreateError::BadName(_) | CreateError::NoScopes => Self::new(Code::Rejected, message),
            CreateError::Duplicate(_) | CreateError::TooMany => Self::new(Code::Conflict, message),
            CreateError::Store(err) => err.into(),
        }
    }
}

impl From<RevokeError> for ApiError {
    fn from(err: RevokeError) -> Self {
        match err {
            RevokeError::Unknown(_) => Self::not_found(err.to_string()),
            RevokeError::Store(err) => err.into(),
        }
    }
}

/// The rules refused a command sent over HTTP: their sentence, with the status of their code.
impl From<Rejection> for ApiError {
    fn from(rejection: Rejection) -> Self {
        let code = match rejection.code {
            RejectionCode::NotPermitted => Code::Forbidden,
            RejectionCode::Conflict => Code::Conflict,
            RejectionCode::NotFound => Code::NotFound,
            _ => Code::Rejected,
        };
        Self::new(code, rejection.message)
    }
}

/// A body that could not be read: too large (413), or cut off (400).
impl From<BytesRejection> for ApiError {
    fn from(rejection: BytesRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Self::new(Code::PayloadTooLarge, "the body is too large")
        } else {
            Self::bad_request(format!("the body could not be read: {rejection}"))
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        Self::bad_request(format!("bad path: {rejection}"))
    }
}

#[cfg(test)]
mod tests {
    use warroom_core::TextId;

    use super::*;

    #[test]
    fn technical_failures_say_nothing_of_their_cause() {
        let err: ApiError = StoreError::Corrupt("secret detail".into()).into();
        assert_eq!(err.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!err.message.contains("secret"));
        let response = err.into_response();
        assert!(response.extensions().get::<Cause>().is_some());
        let closed: ApiError = StoreError::Closed.into();
        assert_eq!(closed.status(), StatusCode::SERVICE_UNAVAILABLE);
    }

    /// Failures the integration table cannot cause on purpose.
    #[test]
    fn every_layers_errors_have_their_codes() {
        let id = IncidentId::parse("abc").unwrap();
        let rows: Vec<(ApiError, Code)> = vec![
            (
                StoreError::UnknownIncident(id.clone()).into(),
                Code::NotFound,
            ),
            (
                StoreError::Conflict {
                    expected: 1,
                    actual: 2,
                }
                .into(),
                Code::Conflict,
            ),
            (StoreError::Closed.into(), Code::Unavailable),
            (
                StoreError::Commit("disk full".into()).into(),
                Code::Internal,
            ),
            (
                StoreError::database("no such table", false).into(),
                Code::Internal,
            ),
            (
                StoreError::database("the database is busy or unreachable", true).into(),
                Code::Unavailable,
            ),
            (RoomError::ShuttingDown.into(), Code::Unavailable),
            (
                RoomError::UnknownIncident(id.clone()).into(),
                Code::NotFound,
            ),
            (DeleteError::Retry.into(), Code::Unavailable),
            (
                DeleteError::Refused(DeleteRefused::Failed(StoreError::Commit("x".into()))).into(),
                Code::Internal,
            ),
            (
                DeleteError::Refused(DeleteRefused::Failed(StoreError::Closed)).into(),
                Code::Unavailable,
            ),
            (ScriptError::Unavailable.into(), Code::Unavailable),
            (
                ScriptError::Store(StoreError::Corrupt("x".into())).into(),
                Code::Internal,
            ),
            (
                ScriptError::Store(StoreError::database("no such table", false)).into(),
                Code::Internal,
            ),
            (
                ScriptError::Store(StoreError::Closed).into(),
                Code::Unavailable,
            ),
            (
                ScriptError::UnknownIncident(id.clone()).into(),
                Code::NotFound,
            ),
            (SignInError::TooMany.into(), Code::RateLimited),
            (SignInError::JoinCode.into(), Code::Forbidden),
            (ArchiveError::UnknownIncident(id).into(), Code::NotFound),
            (
                Rejection::new(RejectionCode::NotPermitted, "no").into(),
                Code::Forbidden,
            ),
            (
                Rejection::new(RejectionCode::Invalid, "no").into(),
                Code::Rejected,
            ),
        ];
        for (err, code) in rows {
            assert_eq!(err.code, code, "{err:?}");
            if code.status() >= 500 {
                assert!(
                    err.cause.is_some(),
                    "{err:?}: its cause is kept for the log"
                );
            }
        }
    }

    #[test]
    fn every_code_has_its_status() {
        for code in Code::ALL {
            let err = ApiError::new(code, "x");
            assert_eq!(err.status().as_u16(), code.status());
            let json = serde_json::to_value(code).unwrap();
            assert_eq!(json, code.as_str());
        }
    }
}
