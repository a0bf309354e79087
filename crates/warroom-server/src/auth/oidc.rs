//! OpenID Connect sign-in (`--auth oidc`): the authorization code flow with PKCE against the
//! organisation's identity provider, with the `openidconnect` crate doing the protocol's
//! cryptography (ID token signature, issuer, audience, nonce, expiry).
//!
//! A sign-in is two requests of one browser. `start` makes a fresh PKCE verifier, nonce and
//! CSRF state, keeps them here — server-side, in a map bounded in size and time — bound to the
//! browser by the random value of a short-lived cookie, and answers the provider's URL to send
//! the browser to. `finish` takes the provider's answer (`code` and `state`), finds the pending
//! sign-in by its state *and* the browser's cookie (a callback URL carried to another browser
//! signs nobody in there), exchanges the code with the verifier, verifies the ID token, reads
//! the person's claims (from the ID token, else from the user-info endpoint), and applies the
//! operator's rules (allowed e-mail domains, a required group).
//!
//! This module knows nothing of HTTP or sessions: the cookies and pages are `http/oidc.rs`'s,
//! the session that follows a sign-in is `crate::auth`'s. It never logs; its caller logs each
//! outcome without tokens, codes or secrets, none of which appear in its errors.
//!
//! - `provider.rs`: the provider's settings and keys, read and cached; the client type.
//! - `verify.rs`: the code exchange, the ID token's checks, the user-info claims and the
//!   operator's rules.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use openidconnect::core::CoreAuthenticationFlow;
use openidconnect::{CsrfToken, Nonce, PkceCodeChallenge, PkceCodeVerifier, Scope, reqwest};
use serde::Deserialize;
use tokio::time::Instant;

use super::session;
use crate::clock::Clock;

mod provider;
mod verify;

use provider::Provider;

/// How long a browser has to come back from the provider.
pub const PENDING_LIFETIME: Duration = Duration::from_secs(10 * 60);
/// Sign-ins under way at once; one more is refused until some finish or expire. Each costs a
/// few hundred bytes, and `--sign-ins-per-minute` limits how fast one address adds them.
pub const MAX_PENDING: usize = 10_000;
/// How long the provider's settings and keys are used before they are read again (keys
/// rotate; a key the cached set lacks also makes them be read again at once).
const METADATA_LIFETIME: Duration = Duration::from_secs(15 * 60);
/// For every request to the provider.
const HTTP_TIMEOUT: Duration = Duration::from_secs(10);

/// `--auth oidc`'s settings, from the flags.
#[derive(Debug, Clone)]
pub struct OidcConfig {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// `{public URL}/auth/callback`, as registered with the provider.
    pub redirect_url: String,
    /// Lower case, without `@`; empty: any domain (or none).
    pub allowed_domains: Vec<String>,
    pub required_group: Option<String>,
}

/// Why a sign-in with the provider did not happen. No variant carries a token, a code or a
/// secret, so every one may be logged and shown.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("this sign-in is unknown or has expired (or was started in another browser)")]
    UnknownSignIn,
    #[error("the provider's answer has no {0}")]
    Incomplete(&'static str),
    #[error("the provider refused the sign-in: {0}")]
    Denied(String),
    #[error("the identity provider cannot be reached: {0}")]
    Unavailable(String),
    #[error("the identity provider's answer could not be verified: {0}")]
    Unverified(String),
    #[error("the e-mail address {0} is not in a domain allowed here")]
    Domain(String),
    #[error("the account has no verified e-mail address, which this server requires")]
    NoVerifiedEmail,
    #[error("the account is not in the group {0}")]
    Group(String),
    #[error("too many sign-ins are under way; try again in a few minutes")]
    Busy,
}

/// A sign-in sent off to the provider.
pub struct Started {
    /// The provider's authorization URL, with this sign-in's state, nonce and PKCE challenge.
    pub url: String,
    /// The value of the cookie that binds the sign-in to this browser (the one it sent, if it
    /// had one, so that two tabs signing in at once both succeed).
    pub browser: String,
}

/// The provider's answer at the redirect URI (`/auth/callback?code=…&state=…`).
#[derive(Debug, Default, Deserialize)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
}

/// Who the provider vouched for, after every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The issuer, exactly as the provider's settings name it.
    pub issuer: String,
    pub subject: String,
    /// Only an address the provider did not say was unverified.
    pub email: Option<String>,
    /// The first of `name`, `preferred_username` and `email` that is a valid display name.
    pub name: String,
}

/// The outcome of `finish`: the pending sign-in's return path goes with it either way, so a
/// page about a refusal can link back to where the person was.
pub struct Finished {
    pub return_to: String,
    /// The subject, once the provider's answer is verified (for the log, refused or not).
    pub subject: Option<String>,
    pub result: Result<Identity, OidcError>,
}

/// The OpenID Connect relying party: the provider's settings (read on first use and every
/// `METADATA_LIFETIME`) and the sign-ins under way. Owned by `crate::auth::Auth`; pending
/// sign-ins live only in memory, so a restart makes people start theirs again.
pub struct Oidc {
    config: OidcConfig,
    /// The only way this server talks to the provider: no redirects followed (SSRF), a
    /// timeout on every request.
    http: reqwest::Client,
    provider: tokio::sync::Mutex<Option<Provider>>,
    /// By CSRF state. Entries expire after `PENDING_LIFETIME`; at most `MAX_PENDING`.
    pending: Mutex<HashMap<String, Pending>>,
    /// The server's clock: how old pending sign-ins and the provider's settings are.
    clock: Clock,
}

struct Pending {
    /// SHA-256 of the browser cookie's value.
    browser: String,
    nonce: Nonce,
    verifier: PkceCodeVerifier,
    return_to: String,
    started: Instant,
}

impl Oidc {
    pub fn new(config: OidcConfig, clock: Clock) -> Self {
        let http = reqwest::Client::builder()
            // Following redirects would let a provider's answer point this server anywhere.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(HTTP_TIMEOUT)
            .build()
            .expect("an HTTP client with default TLS settings builds");
        Self {
            config,
            http,
            provider: tokio::sync::Mutex::new(None),
            pending: Mutex::new(HashMap::new()),
            clock,
        }
    }

    pub fn issuer(&self) -> &str {
        &self.config.issuer
    }

    /// Reads the provider's settings now (at start-up, so that a wrong issuer shows in the
    /// log before anyone tries to sign in).
    pub async fn discover(&self) -> Result<(), OidcError> {
        self.client(true).await.map(drop)
    }

    /// Starts a sign-in that comes back to `return_to` (a checked local path). `browser` is
    /// the binding cookie the browser sent, if any.
    pub async fn start(
        &self,
        return_to: String,
        browser: Option<&str>,
    ) -> Result<Started, OidcError> {
        let (client, groups_scope) = self.client(false).await?;
        let browser = browser
            .filter(|b| session::well_formed(b))
            .map_or_else(session::new_token, str::to_owned);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("profile".into()))
            .set_pkce_challenge(challenge);
        if groups_scope && self.config.required_group.is_some() {
            request = request.add_scope(Scope::new("groups".into()));
        }
        let (url, state, nonce) = request.url();
        let now = self.clock.instant();
        let mut pending = self
            .pending
            .lock()
            .expect("the pending map is never poisoned");
        pending.retain(|_, p| now.duration_since(p.started) < PENDING_LIFETIME);
        if pending.len() >= MAX_PENDING {
            return Err(OidcError::Busy);
        }
        pending.insert(
            state.secret().clone(),
            Pending {
                browser: session::hash_token(&browser),
                nonce,
                verifier,
                return_to,
                started: now,
            },
        );
        Ok(Started {
            url: url.to_string(),
            browser,
        })
    }

    /// Completes the sign-in the provider's answer names, if this browser started it. A
    /// pending sign-in is used once, whatever the outcome.
    pub async fn finish(&self, answer: &Callback, browser: Option<&str>) -> Finished {
        let Some(pending) = self.take(answer.state.as_deref(), browser) else {
            return Finished {
                return_to: "/".into(),
                subject: None,
                result: Err(OidcError::UnknownSignIn),
            };
        };
        let return_to = pending.return_to.clone();
        match self.complete(answer, pending).await {
            Ok(verified) => Finished {
                return_to,
                subject: Some(verified.identity.subject.clone()),
                result: self.admit(&verified).map(|()| verified.identity),
            },
            Err(err) => Finished {
                return_to,
                subject: None,
                result: Err(err),
            },
        }
    }

    /// The pending sign-in of `state`, if `browser` is the cookie it was bound to and it has
    /// not expired.
    fn take(&self, state: Option<&str>, browser: Option<&str>) -> Option<Pending> {
        let state = state?;
        let browser = session::hash_token(browser.filter(|b| session::well_formed(b))?);
        let mut pending = self
            .pending
            .lock()
            .expect("the pending map is never poisoned");
        let found = pending.get(state)?;
        // Both are SHA-256 digests of random values: comparing them leaks nothing useful.
        if found.browser != browser {
            return None;
        }
        let found = pending.remove(state)?;
        (self.clock.since(found.started) < PENDING_LIFETIME).then_some(found)
    }
}

/// The local path to go back to after signing in: only a path on this server (`/…`, never
/// `//host` or `/\host`, which browsers take for another site), else `/`.
pub fn return_path(raw: Option<&str>) -> String {
    let Some(path) = raw else {
        return "/".into();
    };
    let local = path.starts_with('/')
        && !path.starts_with("//")
        && !path.starts_with("/auth/")
        && path.len() <= 2048
        && path.bytes().all(|b| b.is_ascii_graphic() && b != b'\\');
    if local { path.to_owned() } else { "/".into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_returned_to() {
        for ok in [
            "/",
            "/incidents/abc",
            "/incidents/abc?tab=review",
            "/review/x#t",
        ] {
            assert_eq!(return_path(Some(ok)), ok);
        }
        for refused in [
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example",
            "evil",
            "/a b",
            "/auth/login",
            "/x\r\nSet-Cookie: a=b",
            "",
        ] {
            assert_eq!(return_path(Some(refused)), "/", "{refused:?}");
        }
        assert_eq!(return_path(None), "/");
    }

    fn oidc() -> Oidc {
        Oidc::new(
            OidcConfig {
                issuer: "https://login.example.com".into(),
                client_id: "warroom".into(),
                client_secret: "secret".into(),
                redirect_url: "http://127.0.0.1:8080/auth/callback".into(),
                allowed_domains: Vec::new(),
                required_group: None,
            },
            Clock::system(),
        )
    }

    fn pending(browser: &str, started: Instant) -> Pending {
        Pending {
            browser: session::hash_token(browser),
            nonce: Nonce::new_random(),
            verifier: PkceCodeVerifier::new("v".repeat(43)),
            return_to: "/incidents/abc".into(),
            started,
        }
    }

    #[tokio::test]
    async fn a_pending_sign_in_is_for_its_browser_once_and_not_for_long() {
        let oidc = oidc();
        let mine = session::new_token();
        let theirs = session::new_token();
        oidc.pending
            .lock()
            .unwrap()
            .insert("state-1".into(), pending(&mine, oidc.clock.instant()));
        assert!(
            oidc.take(Some("state-1"), Some(&theirs)).is_none(),
            "another browser"
        );
        assert!(oidc.take(Some("state-1"), None).is_none(), "no cookie");
        assert!(
            oidc.take(Some("state-2"), Some(&mine)).is_none(),
            "another state"
        );
        let found = oidc
            .take(Some("state-1"), Some(&mine))
            .expect("its browser");
        assert_eq!(found.return_to, "/incidents/abc");
        assert!(
            oidc.take(Some("state-1"), Some(&mine)).is_none(),
            "used once"
        );

        // (A machine up for less than the lifetime has no such instant to make.)
        if let Some(long_ago) = oidc
            .clock
            .instant()
            .checked_sub(PENDING_LIFETIME + Duration::from_secs(1))
        {
            oidc.pending
                .lock()
                .unwrap()
                .insert("state-3".into(), pending(&mine, long_ago));
            assert!(oidc.take(Some("state-3"), Some(&mine)).is_none(), "expired");
        }
    }

    #[tokio::test]
    async fn an_unknown_state_signs_nobody_in() {
        let finished = oidc()
            .finish(
                &Callback {
                    code: Some("c".into()),
                    state: Some("forged".into()),
                    error: None,
                },
                Some(&session::new_token()),
            )
            .await;
        assert_eq!(finished.return_to, "/");
        assert!(matches!(finished.result, Err(OidcError::UnknownSignIn)));
    }
}
