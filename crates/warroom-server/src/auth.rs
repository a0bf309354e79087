//! Who is asking. Identities are issued by the server (or vouched for by an identity provider
//! or an authenticating proxy the operator trusts), never claimed by a client: no request
//! body, query parameter or WebSocket message names the participant it acts as.
//!
//! Three modes (`--auth`):
//! - `open`: a person picks a display name and gets a fresh participant id and a session
//!   cookie. On a non-loopback address it needs a team join code or `--public`.
//! - `proxy`: an authenticating reverse proxy (oauth2-proxy, Authelia) names the person in
//!   `X-Forwarded-User` / `X-Forwarded-Email`; the headers count only from `--trusted-proxy`
//!   addresses and are ignored from anywhere else.
//! - `oidc`: the server signs the person in with the organisation's OpenID Connect provider
//!   (`oidc.rs`), and issues a session as in open mode. The participant id is derived from the
//!   provider's issuer and subject, so it is the same on every device.
//!
//! A session is a 256-bit credential in an `HttpOnly`, `SameSite=Lax` cookie (`Secure` under
//! https), stored only as its SHA-256 (`session.rs`). This module owns the rules — who a
//! request speaks for, here; issuing and ending sessions, `sign_in.rs`; the cookies,
//! `cookies.rs` — and the HTTP handlers in `http/session.rs` only translate them.

use std::net::IpAddr;
use std::time::Duration;

use axum::http::HeaderMap;
use ipnet::IpNet;
use warroom_core::api::{AuthInfo, AuthMode, Me, Summary};
use warroom_core::{IncidentId, LinkId, ParticipantId, Rejection, TextId, Timestamp};

use crate::clock::Clock;
use crate::limits::Buckets;
use crate::store::{SessionRecord, Store, StoreError};

mod cookies;
pub mod oidc;
pub mod session;
mod sign_in;

use oidc::{Oidc, OidcConfig, OidcError};

/// How people sign in, from the flags.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    pub mode: AuthMode,
    /// `open` mode: the code a person must give to sign in, if any.
    pub join_code: Option<String>,
    /// `oidc` mode: the provider and this server's client.
    pub oidc: Option<OidcConfig>,
    /// `proxy` mode: the addresses whose identity headers are believed.
    pub trusted_proxies: Vec<IpNet>,
    /// E-mail addresses, subjects or participant ids of the server's admins.
    pub admins: Vec<String>,
    pub session_lifetime: Duration,
    /// `open` mode: sign-ins per minute from one address (also the burst).
    pub sign_ins_per_minute: u32,
    /// Mark cookies `Secure` (the server is reached over https).
    pub secure_cookies: bool,
}

/// The method of the sessions that observer links issue.
const OBSERVER: &str = "observer";

/// The person a request or a connection speaks for, as the server established it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    pub participant: ParticipantId,
    pub name: String,
    pub admin: bool,
    /// The session it came from (`None` in proxy mode, where every request says who, and for
    /// an observer who is not signed in).
    pub session: Option<String>,
    /// The incident (and observer link) this browser may watch read-only.
    pub observing: Option<(IncidentId, LinkId)>,
    /// Nobody is signed in: the observer link is all this browser holds, so it may only
    /// watch, and only that incident.
    pub observer_only: bool,
}

/// What a viewer may do with one incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// See it and work it.
    Crew,
    /// See it, read-only (an observer link).
    Watch,
    /// Nothing, not even know that it exists.
    None,
}

impl Viewer {
    pub fn me(&self) -> Me {
        Me {
            participant: self.participant.clone(),
            name: self.name.clone(),
            admin: self.admin,
            observer_of: self
                .observer_only
                .then(|| self.observing.as_ref().map(|(i, _)| i.clone()))
                .flatten(),
        }
    }

    /// What this viewer may do with `incident`, whose listing row is `summary`, at `now`.
    pub fn grant(&self, incident: &IncidentId, summary: &Summary, now: Timestamp) -> Grant {
        if !self.observer_only && summary.admits(&self.participant) {
            return Grant::Crew;
        }
        match &self.observing {
            Some((watched, link)) if watched == incident && summary.observable(*link, now) => {
                Grant::Watch
            }
            _ => Grant::None,
        }
    }
}

/// The value of the cookie `name`, if it looks like a credential this server issued (so a
/// junk cookie costs no database read).
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    session::cookie(headers, name).filter(|t| session::well_formed(t))
}

/// Why signing in failed.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("this server signs people in through {0}; a display name alone is not enough")]
    WrongMode(&'static str),
    #[error("this server does not sign people in through an identity provider")]
    NoProvider,
    #[error("{0}")]
    BadName(Rejection),
    #[error("that is not the team's join code")]
    JoinCode,
    #[error("too many sign-ins from your address; wait a minute and try again")]
    TooMany,
    #[error(transparent)]
    Provider(#[from] OidcError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How a sign-in with the identity provider ended (`Auth::finish_oidc`).
pub struct ProviderSignIn {
    /// Where the person was when they started signing in (a local path).
    pub return_to: String,
    /// The viewer and the credential for their new session's cookie.
    pub result: Result<(Viewer, String), SignInError>,
}

/// The sign-in desk: resolves requests to viewers and issues sessions.
pub struct Auth {
    config: AuthConfig,
    store: std::sync::Arc<dyn Store>,
    sign_ins: Buckets<IpAddr>,
    /// `oidc` mode's relying party, with the sign-ins under way.
    oidc: Option<Oidc>,
    /// The hashes of sessions that have just ended, for the connections opened with them.
    ended: tokio::sync::broadcast::Sender<String>,
    /// The server's clock: session expiry, sign-in rate buckets.
    clock: Clock,
}

/// How many ended sessions a connection may fall behind on before it checks the store.
const ENDED_QUEUE: usize = 256;

impl Auth {
    pub fn new(config: AuthConfig, store: std::sync::Arc<dyn Store>, clock: Clock) -> Self {
        let per_minute = f64::from(config.sign_ins_per_minute);
        Self {
            sign_ins: Buckets::new(per_minute / 60.0, per_minute),
            oidc: config.oidc.clone().map(|oidc| Oidc::new(oidc, clock)),
            config,
            store,
            ended: tokio::sync::broadcast::channel(ENDED_QUEUE).0,
            clock,
        }
    }

    /// Tells of every session that ends from now on (its hash), so that the connections
    /// opened with it close.
    pub fn ended_sessions(&self) -> tokio::sync::broadcast::Receiver<String> {
        self.ended.subscribe()
    }

    /// `oidc` mode: reads the provider's settings, so that a wrong issuer shows in the log at
    /// start-up. Nothing else waits for it: sessions already issued work without the provider.
    pub async fn discover(&self) {
        if let Some(oidc) = &self.oidc {
            match oidc.discover().await {
                Ok(()) => tracing::info!(issuer = oidc.issuer(), "identity provider found"),
                Err(err) => tracing::error!(
                    issuer = oidc.issuer(),
                    %err,
                    "cannot read the identity provider's settings; sign-ins fail until it answers"
                ),
            }
        }
    }

    pub fn mode(&self) -> AuthMode {
        self.config.mode
    }

    /// What the sign-in page needs to know.
    pub fn info(&self) -> AuthInfo {
        AuthInfo {
            mode: self.config.mode,
            join_code: self.config.mode == AuthMode::Open && self.config.join_code.is_some(),
            login_url: (self.config.mode == AuthMode::Oidc).then(|| "/auth/login".to_owned()),
            incident_title: None,
        }
    }

    /// Who sent a request with these headers from `peer`: `None` when nobody is signed in.
    pub async fn viewer(
        &self,
        headers: &HeaderMap,
        peer: IpAddr,
    ) -> Result<Option<Viewer>, StoreError> {
        let observing = self.observer_session(headers).await?;
        let signed_in = if self.config.mode == AuthMode::Proxy {
            self.proxy_viewer(headers, peer)
        } else {
            match cookie(headers, session::COOKIE) {
                Some(token) => {
                    let hash = session::hash_token(token);
                    self.store.session(&hash).await?.map(|s| Viewer {
                        admin: self.is_admin(&s.participant, &s.subject, s.email.as_deref()),
                        participant: s.participant,
                        name: s.name,
                        session: Some(hash),
                        observing: None,
                        observer_only: false,
                    })
                }
                None => None,
            }
        };
        Ok(match (signed_in, observing) {
            (Some(mut viewer), observing) => {
                viewer.observing = observing.map(|(_, watched)| watched);
                Some(viewer)
            }
            (None, Some((s, watched))) => Some(Viewer {
                participant: s.participant,
                name: s.name,
                admin: false,
                session: None,
                observing: Some(watched),
                observer_only: true,
            }),
            (None, None) => None,
        })
    }

    /// The observer session in the browser's observer cookie, and what it watches.
    async fn observer_session(
        &self,
        headers: &HeaderMap,
    ) -> Result<Option<(SessionRecord, (IncidentId, LinkId))>, StoreError> {
        let Some(token) = cookie(headers, session::OBSERVER_COOKIE) else {
            return Ok(None);
        };
        let Some(record) = self.store.session(&session::hash_token(token)).await? else {
            return Ok(None);
        };
        let watched = (record.method == OBSERVER)
            .then(|| record.subject.split_once('/'))
            .flatten()
            .and_then(|(incident, link)| {
                Some((
                    IncidentId::parse(incident).ok()?,
                    LinkId(link.parse().ok()?),
                ))
            });
        Ok(watched.map(|w| (record, w)))
    }

    /// The client's address for per-address limits: the peer's, or — when the peer is a
    /// trusted proxy — the last address it appended to `X-Forwarded-For`.
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|a| a.trim().parse::<IpAddr>().ok())
            .next_back()
            .unwrap_or(peer)
    }

    fn trusts(&self, peer: IpAddr) -> bool {
        self.config
            .trusted_proxies
            .iter()
            .any(|n| n.contains(&peer))
    }

    /// The identity an allowed proxy put in the headers; from any other address, nobody.
    fn proxy_viewer(&self, headers: &HeaderMap, peer: IpAddr) -> Option<Viewer> {
        if !self.trusts(peer) {
            if headers.contains_key("x-forwarded-user") {
                tracing::warn!(%peer, "identity headers from an untrusted address ignored");
            }
            return None;
        }
        let text = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let user = text("x-forwarded-user")?;
        let email = text("x-forwarded-email");
        let name = text("x-forwarded-preferred-username")
            .or(email)
            .unwrap_or(user);
        let name = warroom_core::display_name(name).unwrap_or_else(|_| "Responder".to_owned());
        let participant = session::participant_of("proxy", user);
        Some(Viewer {
            admin: self.is_admin(&participant, user, email),
            participant,
            name,
            session: None,
            observing: None,
            observer_only: false,
        })
    }

    fn is_admin(&self, participant: &ParticipantId, subject: &str, email: Option<&str>) -> bool {
        self.config.admins.iter().any(|a| {
            a == participant.as_str()
                || a == subject
                || email.is_some_and(|e| e.eq_ignore_ascii_case(a))
        })
    }
}
