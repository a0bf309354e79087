//! Integration tokens: how scripts, chat bots and monitoring act on the server without a
//! person's session. An admin makes one (`warroom token create`, or the admin page through
//! `/api/tokens`) with a name and one or more scopes; its secret is shown once and stored only
//! as its SHA-256, like a session's. A request carries it as `Authorization: Bearer wrt_…`.
//!
//! A token acts as an **integration participant** of its own, derived from the token's id (so
//! the same token is the same participant in every incident and after a restart), named
//! "`name` (integration)" on the board. Nothing in a request names who it acts as.
//!
//! - unknown, malformed or revoked token: 401; a valid token without the scope asked for: 403
//!   ([`TokenError`]).
//! - the last-used time is written at most once a minute per token ([`TOUCH_EVERY`]), never
//!   on every request.
//! - the secret is never logged: it is compared by hash, and no error carries it.
//!
//! `cli.rs` is `warroom token create|list|revoke`, over the same [`Tokens`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, header};
use warroom_core::api::{TokenInfo, TokenScope};
use warroom_core::{ParticipantId, Timestamp};

use crate::auth::{Viewer, session};
use crate::clock::Clock;
pub use crate::store::TokenRecord;
use crate::store::{Store, StoreError};

pub mod cli;

/// What every token's secret starts with, so that one pasted somewhere it should not be is
/// recognisable (and secret scanners can look for it).
pub const PREFIX: &str = "wrt_";

/// The characters after [`PREFIX`]: 256 random bits in base32.
const SECRET_CHARS: usize = 52;

/// How many tokens not revoked the server keeps at most.
pub const MAX_TOKENS: usize = 1_000;

/// The longest name a token may have.
pub const MAX_NAME_CHARS: usize = 64;

/// A token's last use is written at most this often (seconds).
pub const TOUCH_EVERY: u64 = 60;

/// Who a request with a valid token speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Integration {
    /// The token's id (`tok-…`).
    pub token: String,
    /// The SHA-256 of its secret (what the store keeps): material for ids only its holder can
    /// reproduce, such as an idempotent declaration's.
    pub token_hash: String,
    /// The token's name, as the admin gave it.
    pub name: String,
    pub scopes: Vec<TokenScope>,
    /// The participant the token acts as, derived from its id.
    pub participant: ParticipantId,
}

impl Integration {
    fn of(record: &TokenRecord) -> Self {
        Self {
            token: record.id.clone(),
            token_hash: record.token_hash.clone(),
            name: record.name.clone(),
            scopes: record.scopes.clone(),
            participant: participant_of(&record.id),
        }
    }

    /// The name the board shows: "alertmanager (integration)".
    pub fn display_name(&self) -> String {
        format!("{} (integration)", self.name)
    }

    pub fn allows(&self, scope: TokenScope) -> bool {
        self.scopes.contains(&scope)
    }

    /// The integration as the rest of the server's handlers see a requester: never an admin,
    /// never an observer, with no session.
    pub fn viewer(&self) -> Viewer {
        Viewer {
            participant: self.participant.clone(),
            name: self.display_name(),
            admin: false,
            session: None,
            observing: None,
            observer_only: false,
        }
    }
}

/// The participant a token acts as: `integration-tok-…`, a kind of id no sign-in ever issues
/// (sessions issue `p-` and `u-` ids), so no person can act as an integration, and the rules
/// know an integration when they see one (only integrations record alert groups).
pub fn participant_of(token_id: &str) -> ParticipantId {
    warroom_core::ids::integration_id(token_id)
}

/// Why a request's token was refused. None of them carries the secret.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("send an integration token as Authorization: Bearer wrt_...")]
    Missing,
    #[error("that is not an integration token this server issued")]
    Unknown,
    #[error("this integration token has been revoked")]
    Revoked,
    #[error("this integration token does not have the {0} scope")]
    MissingScope(TokenScope),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a token could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error("{0}")]
    BadName(String),
    #[error("a token needs at least one scope: alerts:write, incidents:read or incidents:write")]
    NoScopes,
    #[error("there is already a token named {0:?}; revoke it first or pick another name")]
    Duplicate(String),
    #[error("there are {MAX_TOKENS} tokens already; revoke some first")]
    TooMany,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a token could not be revoked.
#[derive(Debug, thiserror::Error)]
pub enum RevokeError {
    #[error("there is no token with the name or id {0:?}")]
    Unknown(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The tokens desk: makes, lists, revokes and checks tokens.
pub struct Tokens {
    store: Arc<dyn Store>,
    clock: Clock,
    /// When each token's last use was last written (Unix seconds), so that it is written at
    /// most once a [`TOUCH_EVERY`]. At most one entry per token the store holds.
    touched: Mutex<HashMap<String, u64>>,
}

impl Tokens {
    pub fn new(store: Arc<dyn Store>, clock: Clock) -> Self {
        Self {
            store,
            clock,
            touched: Mutex::default(),
        }
    }

    /// Makes a token named `name` with `scopes`: its secret (shown this once) and its record.
    pub async fn create(
        &self,
        name: &str,
        scopes: &[TokenScope],
    ) -> Result<(String, TokenRecord), CreateError> {
        let name = check_name(name).map_err(CreateError::BadName)?;
        let mut scopes = scopes.to_vec();
        scopes.sort();
        scopes.dedup();
        if scopes.is_empty() {
            return Err(CreateError::NoScopes);
        }
        let existing = self.store.tokens().await?;
        let active: Vec<_> = existing.iter().filter(|t| t.revoked_at.is_none()).collect();
        if active.iter().any(|t| t.name == name) {
            return Err(CreateError::Duplicate(name));
        }
        if active.len() >= MAX_TOKENS {
            return Err(CreateError::TooMany);
        }
        let secret = new_secret();
        let record = TokenRecord {
            id: new_id(),
            name,
            token_hash: session::hash_token(&secret),
            scopes,
            created_at: self.clock.unix_secs(),
            last_used_at: None,
            revoked_at: None,
        };
        self.store.create_token(record.clone()).await?;
        tracing::info!(token = %record.id, name = %record.name, scopes = ?record.scopes, "integration token created");
        Ok((secret, record))
    }

    /// Every token, revoked ones too, oldest first.
    pub async fn list(&self) -> Result<Vec<TokenRecord>, StoreError> {
        self.store.tokens().await
    }

    /// Revokes the token with this id, or else the one not revoked with this name; its record
    /// as revoked. Revoking a revoked token changes nothing.
    pub async fn revoke(&self, name_or_id: &str) -> Result<TokenRecord, RevokeError> {
        let tokens = self.store.tokens().await?;
        let found = tokens
            .iter()
            .find(|t| t.id == name_or_id)
            .or_else(|| {
                tokens
                    .iter()
                    .find(|t| t.name == name_or_id && t.revoked_at.is_none())
            })
            .cloned()
            .ok_or_else(|| RevokeError::Unknown(name_or_id.to_owned()))?;
        let mut record = found;
        if record.revoked_at.is_none() {
            let at = self.clock.unix_secs();
            self.store.revoke_token(&record.id, at).await?;
            record.revoked_at = Some(at);
            tracing::info!(token = %record.id, name = %record.name, "integration token revoked");
        }
        Ok(record)
    }

    /// The integration behind these headers' bearer token, if it has `scope`.
    pub async fn authenticate(
        &self,
        headers: &HeaderMap,
        scope: TokenScope,
    ) -> Result<Integration, TokenError> {
        let secret = bearer(headers).ok_or(TokenError::Missing)?;
        let integration = self.check(secret).await?;
        if !integration.allows(scope) {
            tracing::warn!(token = %integration.token, %scope, "token refused: scope missing");
            return Err(TokenError::MissingScope(scope));
        }
        Ok(integration)
    }

    /// The integration whose secret this is, unless it is unknown or revoked.
    pub async fn check(&self, secret: &str) -> Result<Integration, TokenError> {
        if !well_formed(secret) {
            return Err(TokenError::Unknown);
        }
        let record = self
            .store
            .token(&session::hash_token(secret))
            .await?
            .ok_or(TokenError::Unknown)?;
        if record.revoked_at.is_some() {
            tracing::warn!(token = %record.id, "token refused: revoked");
            return Err(TokenError::Revoked);
        }
        self.touch(&record).await;
        Ok(Integration::of(&record))
    }

    /// Writes the token's last use, unless it was written less than a minute ago.
    async fn touch(&self, record: &TokenRecord) {
        let now = self.clock.unix_secs();
        {
            let mut touched = self.touched.lock().expect("touched map poisoned");
            let last = touched.get(&record.id).copied().or(record.last_used_at);
            if last.is_some_and(|last| now < last.saturating_add(TOUCH_EVERY)) {
                return;
            }
            if touched.len() >= MAX_TOKENS * 2 {
                touched.clear();
            }
            touched.insert(record.id.clone(), now);
        }
        if let Err(err) = self.store.touch_token(&record.id, now).await {
            tracing::warn!(token = %record.id, %err, "cannot record the token's last use");
        }
    }
}

/// The token of an `Authorization: Bearer …` header (the scheme in any case).
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// Whether the request carries a bearer token at all (valid or not).
pub fn carries_token(headers: &HeaderMap) -> bool {
    headers.contains_key(header::AUTHORIZATION)
}

/// A fresh secret: [`PREFIX`] and 256 random bits in base32.
fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    // `base32` writes 128 bits at a time: two halves, 26 characters each.
    format!(
        "{PREFIX}{}{}",
        session::base32(&bytes[..16]),
        session::base32(&bytes[16..])
    )
}

/// Whether `secret` looks like one this server issues (so junk costs no database read).
pub fn well_formed(secret: &str) -> bool {
    secret.strip_prefix(PREFIX).is_some_and(|rest| {
        rest.len() == SECRET_CHARS
            && rest
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}

/// A token id: `tok-` and 16 characters of base32 (80 random bits).
fn new_id() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    format!("tok-{}", &session::base32(&bytes)[..16])
}

/// A token's name: 1 to 64 of letters, digits, `-`, `_` and `.`.
pub fn check_name(raw: &str) -> Result<String, String> {
    let name = raw.trim();
    if name.is_empty() {
        return Err("a token needs a name".into());
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(format!(
            "a token's name is at most {MAX_NAME_CHARS} characters"
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err("a token's name is letters, digits, '-', '_' and '.'".into());
    }
    Ok(name.to_owned())
}

/// A token as admins see it.
pub fn info(record: &TokenRecord) -> TokenInfo {
    let time = |secs: u64| -> Timestamp {
        chrono::DateTime::from_timestamp(i64::try_from(secs).unwrap_or(i64::MAX), 0)
            .unwrap_or_default()
    };
    TokenInfo {
        id: record.id.clone(),
        name: record.name.clone(),
        scopes: record.scopes.clone(),
        created_at: time(record.created_at),
        last_used_at: record.last_used_at.map(time),
        revoked_at: record.revoked_at.map(time),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_prefixed_and_recognised() {
        let a = new_secret();
        let b = new_secret();
        assert_ne!(a, b);
        assert!(a.starts_with("wrt_"));
        assert!(well_formed(&a), "{a}");
        assert!(!well_formed(&a[..a.len() - 1]));
        assert!(!well_formed(&a.to_uppercase()));
        assert!(!well_formed(&session::new_token()));
    }

    #[test]
    fn bearer_headers_are_read_in_any_case() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer(&headers), None);
        headers.insert(header::AUTHORIZATION, "bearer  wrt_x ".parse().unwrap());
        assert_eq!(bearer(&headers), Some("wrt_x"));
        headers.insert(header::AUTHORIZATION, "Basic abc".parse().unwrap());
        assert_eq!(bearer(&headers), None);
    }

    #[test]
    fn names_are_checked() {
        assert_eq!(check_name(" alertmanager ").unwrap(), "alertmanager");
        assert!(check_name("").is_err());
        assert!(check_name("two words").is_err());
        assert!(check_name(&"a".repeat(65)).is_err());
    }

    /// A token used again and again writes its last use once a minute, not per request.
    #[tokio::test]
    async fn the_last_use_is_written_at_most_once_a_minute() {
        let dir = tempfile::tempdir().unwrap();
        let start = chrono::DateTime::from_timestamp(1_900_000_000, 0).unwrap();
        let clock = Clock::starting_at(start);
        let store: Arc<dyn Store> = Arc::new(
            crate::store::SqliteStore::open(&dir.path().join("t.sqlite3"), clock).unwrap(),
        );
        let tokens = Tokens::new(Arc::clone(&store), clock);
        let (secret, record) = tokens
            .create("bot", &[TokenScope::IncidentsRead])
            .await
            .unwrap();
        tokens.check(&secret).await.unwrap();
        let first = store.tokens().await.unwrap()[0].last_used_at;
        assert!(first.is_some());
        // The store is asked to touch it again only after a minute: forget the written time
        // in the store, and a second use within the minute leaves it forgotten.
        store.touch_token(&record.id, 0).await.unwrap();
        tokens.check(&secret).await.unwrap();
        assert_eq!(store.tokens().await.unwrap()[0].last_used_at, Some(0));
        tokens.revoke("bot").await.unwrap();
        assert!(matches!(
            tokens.check(&secret).await,
            Err(TokenError::Revoked)
        ));
    }
}
