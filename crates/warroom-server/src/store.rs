//! The durable event log, behind a small trait so that a Postgres backend (for several
//! replicas) can follow the embedded SQLite one.
//!
//! The store owns persistence only: it appends a room's events if the incident's head is what
//! the room expects, remembers command ids (per participant) for de-duplication, keeps the
//! latest snapshot and a listing row per incident. It knows nothing of rules or sockets.
//!
//! A snapshot is a cache, never the record: one the store cannot use (written in another
//! format of the board, or not decoding) is ignored when loading, and the room is handed the
//! whole log instead (`sqlite/snapshot.rs`). The log itself must always load.
//!
//! **Invariant:** an append is all or nothing, and when `append` returns `Ok` the events are
//! durable (committed and synced): only then may the room acknowledge them.

use std::future::Future;
use std::pin::Pin;

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

pub mod sqlite;
pub mod webhooks;

pub use warroom_core::api::Summary;

pub use sqlite::SqliteStore;
pub use webhooks::{
    Attempt, DueDelivery, Enqueue, NewDelivery, WebhookCursor, WebhookRecord, WebhookStore,
};

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
    /// The database failed: disk, locks, a broken file.
    #[error("the database failed: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Stored JSON that does not parse (or a value that does not serialise).
    #[error("stored JSON does not parse: {0}")]
    Json(#[from] serde_json::Error),
    /// Stored data that parses but makes no sense (a bad id, a gap in the log).
    #[error("corrupt data: {0}")]
    Corrupt(String),
    /// A group commit failed: every write in it failed with it.
    #[error("the commit failed: {0}")]
    Commit(String),
    /// The database cannot be used by this server (not in WAL mode, a newer schema).
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
    /// Whether the store is closed or busy rather than broken: worth trying again soon.
    pub fn is_unavailable(&self) -> bool {
        use rusqlite::ErrorCode;
        match self {
            Self::Closed => true,
            Self::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => {
                matches!(e.code, ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
            }
            _ => false,
        }
    }
}

/// The event log and what is kept beside it; the webhook tables are [`WebhookStore`]'s.
pub trait Store: WebhookStore + Send + Sync + 'static {
    /// Appends atomically and durably, or not at all.
    fn append(&self, append: Append) -> StoreFuture<'_, ()>;

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
}
