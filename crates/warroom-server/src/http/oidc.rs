//! Signing in with the organisation's identity provider (`--auth oidc`), as browser
//! navigations rather than API calls:
//! - `GET /auth/login?return=/incidents/abc`: starts a sign-in and sends the browser to the
//!   provider (`302`), with the cookie that binds the sign-in to this browser.
//! - `GET /auth/callback?code=…&state=…`: where the provider sends the browser back; on
//!   success the session cookie is set and the browser goes back to where it was (`303`).
//!
//! Refusals are small HTML pages — a person reads them, not the app — with a link back to
//! signing in. The rules are `crate::auth`'s and `crate::auth::oidc`'s; this file only
//! translates them into redirects, cookies and pages.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::AppState;
use crate::auth::oidc::{Callback, OidcError};
use crate::auth::{SignInError, session};

/// The query of `/auth/login`.
#[derive(Debug, Deserialize)]
pub(super) struct Login {
    /// The local path to come back to.
    #[serde(rename = "return")]
    return_to: Option<String>,
}

pub(super) async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(query): Query<Login>,
) -> Response {
    let ip = state.client_ip(peer, &headers);
    let browser = session::cookie(&headers, session::SIGN_IN_COOKIE);
    let started = state
        .auth
        .start_oidc(query.return_to.as_deref(), browser, ip)
        .await;
    match started {
        Ok(started) => match HeaderValue::try_from(started.url) {
            Ok(location) => {
                let mut response = StatusCode::FOUND.into_response();
                let h = response.headers_mut();
                h.insert(header::LOCATION, location);
                h.append(
                    header::SET_COOKIE,
                    state.auth.sign_in_cookie(&started.browser),
                );
                no_store(response)
            }
            Err(_) => refusal(&SignInError::Provider(OidcError::Unavailable(
                "its authorization URL is not a valid header".into(),
            )))
            .page("/"),
        },
        Err(err) => refusal(&err).page("/"),
    }
}

pub(super) async fn callback(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(answer): Query<Callback>,
) -> Response {
    let ip = state.client_ip(peer, &headers);
    let browser = session::cookie(&headers, session::SIGN_IN_COOKIE);
    let signed = state.auth.finish_oidc(&answer, browser, ip).await;
    let mut response = match &signed.result {
        Ok((_viewer, token)) => {
            let mut response = StatusCode::SEE_OTHER.into_response();
            let location = HeaderValue::from_str(&signed.return_to)
                .unwrap_or_else(|_| HeaderValue::from_static("/"));
            response.headers_mut().insert(header::LOCATION, location);
            response
                .headers_mut()
                .append(header::SET_COOKIE, state.auth.cookie(token));
            response
        }
        Err(err) => refusal(err).page(&signed.return_to),
    };
    // The sign-in is over either way: the browser may forget it.
    response
        .headers_mut()
        .append(header::SET_COOKIE, state.auth.clear_sign_in_cookie());
    no_store(response)
}

/// What a person is told when signing in did not work.
struct Refusal {
    status: StatusCode,
    title: &'static str,
    message: String,
}

fn refusal(err: &SignInError) -> Refusal {
    use OidcError as E;
    let (status, title, message) = match err {
        SignInError::NoProvider | SignInError::WrongMode(_) => (
            StatusCode::NOT_FOUND,
            "No sign-in here",
            "This Warroom does not sign people in through an identity provider.".to_owned(),
        ),
        SignInError::TooMany => (
            StatusCode::TOO_MANY_REQUESTS,
            "Too many sign-ins",
            "Too many sign-ins from your address: wait a minute and try again.".to_owned(),
        ),
        SignInError::Provider(e @ (E::UnknownSignIn | E::Incomplete(_))) => (
            StatusCode::BAD_REQUEST,
            "This sign-in has expired",
            format!(
                "Warroom cannot finish this sign-in: {e}. Sign-ins must be finished within ten \
                 minutes, in the browser that started them. Sign in again."
            ),
        ),
        SignInError::Provider(E::Denied(code)) => (
            StatusCode::FORBIDDEN,
            "Sign-in refused",
            if code.is_empty() {
                "Your identity provider did not sign you in.".to_owned()
            } else {
                format!("Your identity provider did not sign you in ({code}).")
            },
        ),
        SignInError::Provider(e @ (E::Domain(_) | E::NoVerifiedEmail | E::Group(_))) => (
            StatusCode::FORBIDDEN,
            "Not allowed into this Warroom",
            format!(
                "You signed in, but {e}. Sign in with an account this Warroom lets in, or ask \
                 whoever runs it."
            ),
        ),
        SignInError::Provider(e @ E::Unverified(_)) => (
            StatusCode::FORBIDDEN,
            "Sign-in refused",
            format!("{e}. Sign in again; if this goes on, tell whoever runs Warroom."),
        ),
        SignInError::Provider(e @ E::Unavailable(_)) => (
            StatusCode::BAD_GATEWAY,
            "The identity provider cannot be reached",
            format!(
                "Warroom could not ask your identity provider: {e}. People already signed in \
                 can go on working; try again in a minute."
            ),
        ),
        SignInError::Provider(e @ E::Busy) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "Too many sign-ins",
            format!("{e}."),
        ),
        SignInError::BadName(_) | SignInError::JoinCode => {
            (StatusCode::BAD_REQUEST, "Sign-in refused", err.to_string())
        }
        SignInError::Store(err) => {
            tracing::error!(%err, "sign-in failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Sign-in failed",
                "The server failed; try again.".to_owned(),
            )
        }
    };
    Refusal {
        status,
        title,
        message,
    }
}

impl Refusal {
    /// The refusal as a page with a link back to `back` (a checked local path), where the app
    /// offers to sign in again.
    fn page(self, back: &str) -> Response {
        let html = format!(
            "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{title} · Warroom</title></head>\n<body>\n<main>\n<h1>{title}</h1>\n\
             <p role=\"alert\">{message}</p>\n<p><a href=\"{back}\">Back to sign in</a></p>\n\
             </main>\n</body>\n</html>\n",
            title = escape(self.title),
            message = escape(&self.message),
            back = escape(back),
        );
        no_store((self.status, Html(html)).into_response())
    }
}

/// Nothing about a sign-in may be cached or replayed from a cache.
fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Text for HTML: the provider's words (an e-mail address, an error code) go in pages.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_escape_what_the_provider_said() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn refusals_have_the_statuses_the_protocol_names() {
        let status = |e: OidcError| refusal(&SignInError::Provider(e)).status;
        assert_eq!(status(OidcError::UnknownSignIn), StatusCode::BAD_REQUEST);
        assert_eq!(
            status(OidcError::Denied("access_denied".into())),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            status(OidcError::Domain("a@b.c".into())),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            status(OidcError::Group("ops".into())),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            status(OidcError::Unavailable("down".into())),
            StatusCode::BAD_GATEWAY
        );
    }
}
