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

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType,
    CoreGenderClaim, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreProviderMetadata, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AccessTokenHash, AdditionalClaims, AuthorizationCode, ClaimsVerificationError, Client,
    ClientId, ClientSecret, CsrfToken, EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, IdTokenFields, IssuerUrl, JsonWebKey, JwsSigningAlgorithm, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RequestTokenError,
    Scope, SignatureVerificationError, StandardErrorResponse, StandardTokenResponse, TokenResponse,
    UserInfoClaims, reqwest,
};
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use super::session;

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

/// An identity the provider vouched for, before the operator's rules.
struct Verified {
    identity: Identity,
    groups: Option<serde_json::Value>,
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
}

struct Provider {
    client: Arc<OidcClient>,
    /// Whether the provider lists a `groups` scope (asked for when a group is required).
    groups_scope: bool,
    read_at: Instant,
}

struct Pending {
    /// SHA-256 of the browser cookie's value.
    browser: String,
    nonce: Nonce,
    verifier: PkceCodeVerifier,
    return_to: String,
    started: Instant,
}

/// The claims this server reads besides the standard ones.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ExtraClaims {
    /// A list of group names (or one name); anything else counts as no groups. Kept as JSON so
    /// that an unusual shape makes the check fail rather than the whole token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    groups: Option<serde_json::Value>,
}

impl AdditionalClaims for ExtraClaims {}

type IdFields = IdTokenFields<
    ExtraClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type Tokens = StandardTokenResponse<IdFields, CoreTokenType>;
/// `CoreClient` with [`ExtraClaims`], as discovery makes it: authorization endpoint set, token
/// and user-info endpoints as the provider's settings say.
type OidcClient = Client<
    ExtraClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    Tokens,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

impl Oidc {
    pub fn new(config: OidcConfig) -> Self {
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
        let now = Instant::now();
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
        (found.started.elapsed() < PENDING_LIFETIME).then_some(found)
    }

    /// Exchanges the code and verifies what the provider says: who, and in which groups.
    async fn complete(&self, answer: &Callback, pending: Pending) -> Result<Verified, OidcError> {
        if let Some(error) = &answer.error {
            // The provider's error code is one of a few words (access_denied…); its free-text
            // description, which anyone can put in a link, is neither shown nor logged.
            let code: String = error
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                .take(64)
                .collect();
            return Err(OidcError::Denied(code));
        }
        let code = answer
            .code
            .clone()
            .ok_or(OidcError::Incomplete("authorization code"))?;
        let (mut client, _) = self.client(false).await?;
        let tokens = client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|e| OidcError::Unavailable(e.to_string()))?
            .set_pkce_verifier(pending.verifier)
            .request_async(&self.http)
            .await
            .map_err(|e| match e {
                RequestTokenError::Request(e) => OidcError::Unavailable(error_chain(&e)),
                e => OidcError::Unverified(format!("the code exchange failed: {e}")),
            })?;
        let id_token = tokens.id_token().ok_or(OidcError::Incomplete("ID token"))?;
        let verify = |client: &OidcClient| {
            id_token
                .claims(&client.id_token_verifier(), &pending.nonce)
                .cloned()
        };
        let claims = match verify(&client) {
            // Keys rotate: read the provider's key set again once before refusing.
            Err(ClaimsVerificationError::SignatureVerification(
                SignatureVerificationError::NoMatchingKey,
            )) => {
                client = self.client(true).await?.0;
                verify(&client)
            }
            other => other,
        }
        .map_err(|e| OidcError::Unverified(e.to_string()))?;
        if let Some(expected) = claims.access_token_hash() {
            let unverified = |e: &dyn std::fmt::Display| OidcError::Unverified(e.to_string());
            let alg = id_token.signing_alg().map_err(|e| unverified(&e))?;
            let verifier = client.id_token_verifier();
            // An HMAC-signed token (HS256…) is keyed by the client secret, which no key set
            // lists.
            let shared;
            let key = if alg.uses_shared_secret() {
                shared =
                    CoreJsonWebKey::new_symmetric(self.config.client_secret.clone().into_bytes());
                &shared
            } else {
                id_token
                    .signing_key(&verifier)
                    .map_err(|e| unverified(&e))?
            };
            let actual = AccessTokenHash::from_token(tokens.access_token(), alg, key)
                .map_err(|e| unverified(&e))?;
            if actual != *expected {
                return Err(OidcError::Unverified(
                    "the access token is not the one the ID token names".into(),
                ));
            }
        }

        let mut email = verified_email(claims.email().map(|e| e.as_str()), claims.email_verified());
        let mut names: Vec<String> = claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_owned())
            .into_iter()
            .chain(claims.preferred_username().map(|u| u.as_str().to_owned()))
            .collect();
        let mut groups = claims.additional_claims().groups.clone();
        // Many providers put only the subject in the ID token of the code flow; the rest is
        // at the user-info endpoint, for the access token just issued.
        let want_groups = self.config.required_group.is_some() && groups.is_none();
        if (email.is_none() || names.is_empty() || want_groups) && client.user_info_url().is_some()
        {
            let info: UserInfoClaims<ExtraClaims, CoreGenderClaim> = client
                .user_info(
                    tokens.access_token().clone(),
                    Some(claims.subject().clone()),
                )
                .map_err(|e| OidcError::Unavailable(e.to_string()))?
                .request_async(&self.http)
                .await
                .map_err(|e| OidcError::Unverified(format!("user info: {e}")))?;
            if email.is_none() {
                email = verified_email(info.email().map(|e| e.as_str()), info.email_verified());
            }
            names.extend(
                info.name()
                    .and_then(|n| n.get(None))
                    .map(|n| n.as_str().to_owned()),
            );
            names.extend(info.preferred_username().map(|u| u.as_str().to_owned()));
            if groups.is_none() {
                groups = info.additional_claims().groups.clone();
            }
        }
        names.extend(email.clone());
        Ok(Verified {
            identity: Identity {
                issuer: claims.issuer().as_str().to_owned(),
                subject: claims.subject().as_str().to_owned(),
                email,
                name: names
                    .iter()
                    .find_map(|n| warroom_core::display_name(n).ok())
                    .unwrap_or_else(|| "Responder".to_owned()),
            },
            groups,
        })
    }

    /// The operator's rules: an allowed e-mail domain, the required group.
    fn admit(&self, verified: &Verified) -> Result<(), OidcError> {
        if !self.config.allowed_domains.is_empty() {
            let address = verified
                .identity
                .email
                .as_deref()
                .ok_or(OidcError::NoVerifiedEmail)?;
            let domain = address
                .rsplit_once('@')
                .map(|(_, d)| d.to_ascii_lowercase());
            if !domain.is_some_and(|d| self.config.allowed_domains.contains(&d)) {
                return Err(OidcError::Domain(address.to_owned()));
            }
        }
        if let Some(group) = &self.config.required_group
            && !group_names(verified.groups.as_ref()).any(|g| g == group)
        {
            return Err(OidcError::Group(group.clone()));
        }
        Ok(())
    }

    /// The client made from the provider's settings, read again when `fresh` is asked for or
    /// they are older than `METADATA_LIFETIME`. If reading them fails, settings read before
    /// are used while they last.
    async fn client(&self, fresh: bool) -> Result<(Arc<OidcClient>, bool), OidcError> {
        let mut provider = self.provider.lock().await;
        if let Some(p) = provider.as_ref()
            && !fresh
            && p.read_at.elapsed() < METADATA_LIFETIME
        {
            return Ok((Arc::clone(&p.client), p.groups_scope));
        }
        match self.read_provider().await {
            Ok(p) => {
                let answer = (Arc::clone(&p.client), p.groups_scope);
                *provider = Some(p);
                Ok(answer)
            }
            Err(err) => match provider.as_ref() {
                Some(p) if p.read_at.elapsed() < METADATA_LIFETIME * 4 => {
                    tracing::warn!(%err, "using the identity provider's earlier settings");
                    Ok((Arc::clone(&p.client), p.groups_scope))
                }
                _ => Err(err),
            },
        }
    }

    async fn read_provider(&self) -> Result<Provider, OidcError> {
        let issuer = IssuerUrl::new(self.config.issuer.clone())
            .map_err(|e| OidcError::Unavailable(format!("bad issuer URL: {e}")))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| OidcError::Unavailable(error_chain(&e)))?;
        let groups_scope = metadata
            .scopes_supported()
            .is_some_and(|s| s.iter().any(|s| s.as_str() == "groups"));
        let redirect = RedirectUrl::new(self.config.redirect_url.clone())
            .map_err(|e| OidcError::Unavailable(format!("bad redirect URL: {e}")))?;
        let client = OidcClient::from_provider_metadata(
            metadata,
            ClientId::new(self.config.client_id.clone()),
            Some(ClientSecret::new(self.config.client_secret.clone())),
        )
        .set_redirect_uri(redirect);
        Ok(Provider {
            client: Arc::new(client),
            groups_scope,
            read_at: Instant::now(),
        })
    }
}

/// The address, unless the provider said it is not verified (an unverified address could be
/// anybody's, an admin's or one in an allowed domain included).
fn verified_email(email: Option<&str>, verified: Option<bool>) -> Option<String> {
    email
        .filter(|_| verified != Some(false))
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(str::to_owned)
}

/// The names in a `groups` claim: a list of strings, or one string.
fn group_names(groups: Option<&serde_json::Value>) -> impl Iterator<Item = &str> {
    let list: Vec<&str> = match groups {
        Some(serde_json::Value::Array(items)) => {
            items.iter().filter_map(serde_json::Value::as_str).collect()
        }
        Some(serde_json::Value::String(one)) => vec![one.as_str()],
        _ => Vec::new(),
    };
    list.into_iter()
}

/// An error with its causes, for the log (discovery errors say little at the top).
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
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

    #[test]
    fn unverified_addresses_count_for_nothing() {
        assert_eq!(
            verified_email(Some("a@x.org"), None).as_deref(),
            Some("a@x.org")
        );
        assert_eq!(
            verified_email(Some("a@x.org"), Some(true)).as_deref(),
            Some("a@x.org")
        );
        assert_eq!(verified_email(Some("a@x.org"), Some(false)), None);
        assert_eq!(verified_email(Some(" "), None), None);
    }

    #[test]
    fn groups_are_a_list_or_one_name() {
        let list = serde_json::json!(["ops", 3, "sre"]);
        assert_eq!(group_names(Some(&list)).collect::<Vec<_>>(), ["ops", "sre"]);
        let one = serde_json::json!("ops");
        assert_eq!(group_names(Some(&one)).collect::<Vec<_>>(), ["ops"]);
        assert_eq!(group_names(Some(&serde_json::json!({"a": 1}))).count(), 0);
        assert_eq!(group_names(None).count(), 0);
    }

    fn oidc() -> Oidc {
        Oidc::new(OidcConfig {
            issuer: "https://login.example.com".into(),
            client_id: "warroom".into(),
            client_secret: "secret".into(),
            redirect_url: "http://127.0.0.1:8080/auth/callback".into(),
            allowed_domains: Vec::new(),
            required_group: None,
        })
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
            .insert("state-1".into(), pending(&mine, Instant::now()));
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
        if let Some(long_ago) =
            Instant::now().checked_sub(PENDING_LIFETIME + Duration::from_secs(1))
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
