//! The durable event log, behind a small trait with two implementations: the embedded
//! SQLite one (`sqlite.rs`, the default: one file in the data directory) and PostgreSQL
//! (`postgres.rs`, `--database-url postgres://…`: the database an organisation already runs,
//! and the one several replicas will share). [`open`] makes the one a [`StoreChoice`] names.
//!
//! The store owns persistence only: it appends a room's events if the incident's head is what
//! the room expects, remembers command ids (per participant) for de-duplication, keeps the
//! latest snapshot and a listing row per incident. It knows nothing of rules or sockets.
//!
//! A snapshot is a cache, never the record: one the store cannot use (written in another
//! format of the board, or not decoding) is ignored when loading, and the room is handed the
//! whole log instead (`snapshot.rs`, shared by both). The log itself must always load.
//!
//! **Invariant:** an append is all or nothing, and when `append` returns `Ok` the events are
//! durable (committed and synced): only then may the room acknowledge them. An append whose
//! expected head is not the log's fails with [`StoreError::Conflict`] and writes nothing, in
//! both stores — also when two processes race for the same head on one PostgreSQL.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use warroom_core::api::TokenScope;
use warroom_core::{
    CommandId, Incident, IncidentId, LinkId, LinkKind, ParticipantId, Recorded, Seq,
};

/// A session as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// SHA-256 of the credential, as lowercase hex.
    pub token_hash: String,
    pub participant: ParticipantId,
    pub name: String,
    /// How the person signed in (`open`, `oidc`), or `observer` for an observer link's session.
    pub method: String,
    /// Who the identity provider says they are (`oidc`: the ID token's `sub`; `open`: the
    /// participant id itself; `observer`: `{incident}/{link}`).
    pub subject: String,
    pub email: Option<String>,
    /// Unix seconds after which the session is no longer honoured.
    pub expires_at: u64,
}

/// An integration token as the store keeps it: the SHA-256 of its secret, never the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    /// `tok-` and 16 characters of base32, issued by the server.
    pub id: String,
    pub name: String,
    /// SHA-256 of the secret, as lowercase hex.
    pub token_hash: String,
    pub scopes: Vec<TokenScope>,
    /// Unix seconds.
    pub created_at: u64,
    pub last_used_at: Option<u64>,
    pub revoked_at: Option<u64>,
}

mod observed;
pub mod postgres;
pub mod shared;
pub mod snapshot;
pub mod sqlite;
pub mod webhooks;

pub use warroom_core::api::Summary;

pub use observed::{Appended, Observed};
pub use postgres::PostgresStore;
pub use shared::{Alone, ClockLease, Heard, Since};
pub use sqlite::SqliteStore;
pub use webhooks::{
    Attempt, DueDelivery, Enqueue, NewDelivery, WebhookCursor, WebhookRecord, WebhookStore,
};

use crate::clock::Clock;

/// How long command ids are remembered for de-duplication: a client that reconnects within
/// this window after losing an acknowledgement gets the command acknowledged, not re-applied.
pub const DEDUP_WINDOW: Duration = Duration::from_secs(7 * 24 * 3600);

/// Which store to open.
#[derive(Debug, Clone)]
pub enum StoreChoice {
    /// The SQLite file at this path (created if missing).
    Sqlite(PathBuf),
    /// The PostgreSQL database at `url` (`postgres://user:password@host:port/database`),
    /// through a pool of at most `pool_size` connections.
    Postgres { url: String, pool_size: usize },
}

impl StoreChoice {
    /// Where the store is, for logs and errors: the file, or the database's host and name —
    /// never the URL itself, which may carry a password.
    pub fn describe(&self) -> String {
        match self {
            Self::Sqlite(path) => path.display().to_string(),
            Self::Postgres { url, .. } => postgres::describe(url),
        }
    }
}

/// Opens the chosen store, applying any migrations it still needs; the migrations applied, by
/// number, beside it. What expires (sessions, remembered command ids) is judged by `clock`.
pub async fn open(
    choice: &StoreChoice,
    clock: Clock,
) -> Result<(Arc<dyn Store>, Vec<usize>), StoreError> {
    match choice {
        StoreChoice::Sqlite(path) => {
            let path = path.clone();
            let (store, applied) =
                tokio::task::spawn_blocking(move || SqliteStore::open_migrated(&path, clock))
                    .await
                    .map_err(|e| StoreError::Task(e.to_string()))??;
            Ok((Arc::new(store), applied))
        }
        StoreChoice::Postgres { url, pool_size } => {
            let (store, applied) = PostgresStore::open(url, *pool_size, clock).await?;
            Ok((Arc::new(store), applied))
        }
    }
}

/// A boxed future, so that the trait can be used as `dyn Store`.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// A submitted command as de-duplication knows it: who sent it and the id they gave it. Clients
/// make their ids up, so an id is unique per participant only; two participants' "c-1" are
/// two commands.
pub type CommandKey = (ParticipantId, CommandId);

/// One room's write: events that follow `expected`, the command ids they answer, and
/// optionally a snapshot of the board after them.
#[derive(Debug, Clone)]
pub struct Append {
    pub incident: IncidentId,
    /// The head sequence the room believes the log has; the append fails with
    /// [`StoreError::Conflict`] otherwise.
    pub expected: Seq,
    pub events: Vec<Recorded>,
    /// Commands to remember, each with the sequence its acknowledgement reports.
    pub commands: Vec<(CommandKey, Seq)>,
    /// The board as of the last event, when a snapshot is due.
    pub snapshot: Option<Incident>,
    /// The incident's row in listings, as of the last event.
    pub summary: Summary,
    /// A training scenario's script, kept beside the log (never in it: players must not see
    /// what is coming) when the scenario starts.
    pub script: Option<String>,
    /// The secret tokens of links made by these events (never in the log: the log is
    /// exported, and a token opens the incident).
    pub links: Vec<LinkRecord>,
}

/// An invitation or observer link's token, as the store keeps it: hashed, beside the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRecord {
    pub token_hash: String,
    pub incident: IncidentId,
    pub link: LinkId,
    pub kind: LinkKind,
}

/// What a room needs to come alive: the latest usable snapshot (if any) and every event after
/// it.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub snapshot: Option<Incident>,
    pub events: Vec<Recorded>,
    /// The script of the scenario running on the incident, if any.
    pub script: Option<String>,
}

/// Why the store could not do what it was asked. `Conflict` and `UnknownIncident` are answers
/// about the data; every other variant is a technical failure, logged with its cause where it
/// is handled and never shown to a client.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Somebody else wrote first: the log's head is not what the writer expected.
    #[error("conflict: expected head {expected}, found {actual}")]
    Conflict { expected: Seq, actual: Seq },
    #[error("unknown incident {0}")]
    UnknownIncident(IncidentId),
    /// Some of the append's command ids were applied already (through another process on the
    /// same database): each with the sequence its acknowledgement reported. Nothing written.
    #[error("{} command(s) were applied already", .0.len())]
    AlreadyApplied(Vec<(CommandKey, Seq)>),
    /// The database failed: disk, locks, a broken file, a lost connection. `transient` says
    /// whether trying again soon may work (busy, locked, unreachable, the pool exhausted);
    /// each backend decides it from its own error (`sqlite.rs`, `postgres.rs`).
    #[error("the database failed: {source}")]
    Database {
        source: Box<dyn std::error::Error + Send + Sync>,
        transient: bool,
    },
    /// Stored JSON that does not parse (or a value that does not serialise).
    #[error("stored JSON does not parse: {0}")]
    Json(#[from] serde_json::Error),
    /// Stored data that parses but makes no sense (a bad id, a gap in the log).
    #[error("corrupt data: {0}")]
    Corrupt(String),
    /// A group commit failed: every write in it failed with it.
    #[error("the commit failed: {0}")]
    Commit(String),
    /// The database cannot be used by this server (not in WAL mode, a newer schema, a URL
    /// that does not parse).
    #[error("{0}")]
    Unusable(String),
    /// The store is closing, or its writer thread has stopped.
    #[error("the store is closed")]
    Closed,
    /// The writer thread could not be started.
    #[error("cannot start the writer thread: {0}")]
    Thread(std::io::Error),
    /// A read on the blocking pool panicked or was cancelled.
    #[error("a read task failed: {0}")]
    Task(String),
}

impl StoreError {
    /// Whether this is an answer about the data (somebody wrote first, no such incident)
    /// rather than a failure of the database or the store.
    pub fn is_answer(&self) -> bool {
        matches!(
            self,
            Self::Conflict { .. } | Self::UnknownIncident(_) | Self::AlreadyApplied(_)
        )
    }

    /// Whether another writer got there first (a newer head, or a command id applied already):
    /// the writer catches up, decides again and retries.
    pub fn is_race(&self) -> bool {
        matches!(self, Self::Conflict { .. } | Self::AlreadyApplied(_))
    }

    /// A failure of the database itself; `transient` when trying again soon may work.
    pub fn database(
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
        transient: bool,
    ) -> Self {
        Self::Database {
            source: source.into(),
            transient,
        }
    }

    /// Whether the store is closed, busy or unreachable rather than broken: worth trying
    /// again soon.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            Self::Closed
                | Self::Database {
                    transient: true,
                    ..
                }
        )
    }
}

/// The event log and what is kept beside it; the webhook tables are [`WebhookStore`]'s.
pub trait Store: WebhookStore + Send + Sync + 'static {
    /// Whether the store can take writes now: the database is reachable and its schema is the
    /// one this server migrates to. `/readyz` asks this; [`StoreError::Unusable`] means the
    /// migrations are not (or no longer) what this server needs, any other error that the
    /// database cannot be reached or used.
    fn ready(&self) -> StoreFuture<'_, ()>;

    /// Appends atomically and durably, or not at all.
    fn append(&self, append: Append) -> StoreFuture<'_, ()>;

    /// Starts [`Self::append`] at once and gives back its completion, which does not borrow the
    /// store. Appends started one after another commit in that order, or the later ones not at
    /// all (each expects the head the one before leaves): a room may decide its next batch
    /// while one commits. `Err(append)` when the store cannot promise that order (the
    /// default); the room then waits for each append before it decides the next.
    fn start_append(&self, append: Append) -> Result<StoreFuture<'static, ()>, Box<Append>> {
        Err(Box::new(append))
    }

    /// Stores `board`, whose events are all committed, as the incident's snapshot, outside
    /// an append: what a room that stops writes when its spacing had not yet called for one
    /// (so that the next load replays nothing). A snapshot is a cache: one not newer than the
    /// stored one, or of a log that no longer holds its last event, is not kept.
    fn snapshot(&self, incident: &IncidentId, board: Incident) -> StoreFuture<'_, ()>;

    /// The latest usable snapshot and the events after it, for a room to load; with no usable
    /// snapshot, the whole log.
    fn load(&self, incident: &IncidentId) -> StoreFuture<'_, Loaded>;

    /// The commands remembered for `incident` within the de-duplication window.
    fn commands(&self, incident: &IncidentId) -> StoreFuture<'_, Vec<(CommandKey, Seq)>>;

    /// Up to `limit` events with `after < seq`, in order.
    fn events_after(
        &self,
        incident: &IncidentId,
        after: Seq,
        limit: u32,
    ) -> StoreFuture<'_, Vec<Recorded>>;

    /// Up to `limit` events with `seq < before`, the newest of them, in order.
    fn events_before(
        &self,
        incident: &IncidentId,
        before: Seq,
        limit: u32,
    ) -> StoreFuture<'_, Vec<Recorded>>;

    /// Every incident, most recently updated first.
    fn list(&self) -> StoreFuture<'_, Vec<Summary>>;

    /// One incident's listing row.
    fn summary(&self, incident: &IncidentId) -> StoreFuture<'_, Option<Summary>>;

    /// Removes an incident and everything kept about it. Only exercises are ever deleted;
    /// the caller checks that.
    fn delete(&self, incident: &IncidentId) -> StoreFuture<'_, ()>;

    /// Remembers a new sign-in session (durably, before its cookie is handed out).
    fn create_session(&self, session: SessionRecord) -> StoreFuture<'_, ()>;

    /// The unexpired session whose credential hashes to `token_hash`.
    fn session(&self, token_hash: &str) -> StoreFuture<'_, Option<SessionRecord>>;

    /// Ends a session (signing out).
    fn delete_session(&self, token_hash: &str) -> StoreFuture<'_, ()>;

    /// The link whose token hashes to `token_hash`.
    fn link(&self, token_hash: &str) -> StoreFuture<'_, Option<LinkRecord>>;

    /// Gives `participant` a new display name in every one of their sessions.
    fn rename(&self, participant: &ParticipantId, name: &str) -> StoreFuture<'_, ()>;

    /// Remembers a new integration token (durably, before its secret is shown).
    fn create_token(&self, token: TokenRecord) -> StoreFuture<'_, ()>;

    /// Every integration token, revoked ones too, oldest first.
    fn tokens(&self) -> StoreFuture<'_, Vec<TokenRecord>>;

    /// The token whose secret hashes to `token_hash`, revoked or not.
    fn token(&self, token_hash: &str) -> StoreFuture<'_, Option<TokenRecord>>;

    /// Marks token `id` revoked at `at` (Unix seconds), if it is not already.
    fn revoke_token(&self, id: &str, at: u64) -> StoreFuture<'_, ()>;

    /// Records that token `id` was used at `at` (Unix seconds).
    fn touch_token(&self, id: &str, at: u64) -> StoreFuture<'_, ()>;

    /// The incident Alertmanager's group `group_key` was routed, declared from or linked to.
    fn alert_route(&self, group_key: &str) -> StoreFuture<'_, Option<IncidentId>>;

    /// Remembers that group `group_key` goes to `incident` (replacing an earlier route).
    fn set_alert_route(&self, group_key: &str, incident: &IncidentId) -> StoreFuture<'_, ()>;

    /// Whether other processes may write the same logs (several replicas on one database):
    /// then a room keeps what it needs to decide a batch again after losing a race.
    fn shared(&self) -> bool {
        false
    }

    /// What was committed after `after` (up to `limit` events), for a room to catch up.
    fn since(&self, incident: &IncidentId, after: Seq, limit: u32) -> StoreFuture<'_, Since> {
        let incident = incident.clone();
        Box::pin(async move { shared::since_from_parts(self, &incident, after, limit).await })
    }

    /// News of what other processes commit, for the rooms to catch up; `None` when nobody
    /// else writes (one process on SQLite).
    fn heads(&self) -> Option<tokio::sync::broadcast::Receiver<Heard>> {
        None
    }

    /// Tells the other processes who is connected to `incident` through this one (`ask`: and
    /// asks them to say the same); nothing to do when nobody else serves it.
    fn publish_presence(
        &self,
        incident: &IncidentId,
        participants: Vec<ParticipantId>,
        ask: bool,
    ) -> StoreFuture<'_, ()> {
        let _ = (incident, participants, ask);
        Box::pin(async { Ok(()) })
    }

    /// The scenario clock's lease on `incident`, taken (or tried) by its `hold`.
    fn clock_lease(&self, incident: &IncidentId) -> Box<dyn ClockLease> {
        let _ = incident;
        Box::new(Alone)
    }
}

#[cfg(test)]
mod tests {
    /// A schema version means the same in both stores: a migration added to one is added to
    /// the other, with the same number.
    #[test]
    fn both_stores_have_the_same_migrations() {
        assert_eq!(
            super::sqlite::schema::MIGRATIONS.len(),
            super::postgres::schema::MIGRATIONS.len(),
            "add the migration to store/postgres/schema.rs (or store/sqlite/schema.rs) too"
        );
    }
}
