//! The embedded store: one SQLite file in WAL mode with `synchronous = FULL`, so a commit that
//! returned is on disk.
//!
//! One writer thread owns the only write connection and does **group commit**: it takes every
//! append that is waiting, applies each inside its own savepoint (so one room's conflict does
//! not fail another's), commits them in one transaction and only then answers each caller.
//! Reads go through a pool of at most [`READERS`] read-only connections on the blocking thread
//! pool (further reads wait for one); WAL lets them run while the writer commits.
//!
//! - `schema.rs`: connection settings, migrations, pruning.
//! - `writer.rs`: the writer thread, group commit, and what each write puts where.
//! - `access.rs`: the reads of sessions, links and alert routes (by their keys).
//! - `tokens.rs`: integration tokens (hashed), their revocation and last use.
//! - `snapshot.rs`: snapshots as a cache, in a file of their own beside the database —
//!   versioned, checked against the log, and ignored (the whole log read instead) when they
//!   cannot be used; `encoder.rs`: the thread that encodes and writes them there after the
//!   append they came with is committed, off the writer thread and the acknowledgement's path.
//! - `load.rs`: a room's load — the snapshot and the events after it, decoded side by side.

use std::path::{Path, PathBuf};
use std::sync::mpsc as std_mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use warroom_core::{CommandId, Incident, IncidentId, ParticipantId, Recorded, Seq, TextId};

use crate::clock::Clock;

use super::{
    Append, CommandKey, DEDUP_WINDOW, LinkRecord, Loaded, SessionRecord, Store, StoreError,
    StoreFuture, Summary, TokenRecord,
};

mod access;
pub mod backup;
mod encoder;
mod load;
pub(super) mod schema;
mod snapshot;
mod tokens;
mod webhooks;
mod writer;

use writer::{WriteJob, WriteOp};

/// SQLite's failures are the store's database failures; busy and locked are worth retrying.
impl From<rusqlite::Error> for StoreError {
    fn from(err: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        let transient = matches!(
            &err,
            rusqlite::Error::SqliteFailure(e, _)
                if matches!(e.code, ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
        );
        Self::database(err, transient)
    }
}

/// The most read-only connections the store keeps open, and so the most reads at once; a read
/// beyond them waits for one to finish. Reads are short (a session, a page of history, a room's
/// load), and the machine has few cores: more connections would only hold more memory.
pub const READERS: usize = 8;

/// How much of the database file each read-only connection maps into memory (SQLite's
/// `mmap_size`): address space, not memory — the pages are the kernel's page cache, shared by
/// every reader — and a bound on it, past which SQLite reads as usual.
const READ_MMAP_BYTES: i64 = 256 * 1024 * 1024;

/// The SQLite-backed [`Store`].
pub struct SqliteStore {
    path: PathBuf,
    /// The snapshot file beside it (`snapshot.rs`), attached to every reader.
    snapshots: PathBuf,
    /// Feeds the writer thread. `None` once the store is closing; dropping it ends the thread.
    writer: Mutex<Option<std_mpsc::Sender<WriteJob>>>,
    /// Joined on drop, after the writer has committed what it was given.
    writer_thread: Mutex<Option<JoinHandle<()>>>,
    /// Idle read-only connections, reused across reads.
    readers: Arc<Mutex<Vec<Connection>>>,
    /// One permit per connection of [`READERS`]: held by each read while it runs.
    reading: Arc<tokio::sync::Semaphore>,
    /// Encodes and writes the snapshots appends carry, after their events are committed.
    encoder: encoder::Encoder,
    /// The incidents whose unusable snapshot has been warned about.
    warned: Arc<super::snapshot::Warned>,
    /// The server's clock: session expiry and the de-duplication window are judged by it (the
    /// writer thread has a copy, for what it stamps and prunes).
    clock: Clock,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file `path`, runs pending migrations and starts
    /// the writer thread. What expires (sessions, remembered command ids) is judged by `clock`.
    pub fn open(path: &Path, clock: Clock) -> Result<Self, StoreError> {
        Self::open_migrated(path, clock).map(|(store, _)| store)
    }

    /// [`SqliteStore::open`], saying which migrations (by number) it applied.
    pub fn open_migrated(path: &Path, clock: Clock) -> Result<(Self, Vec<usize>), StoreError> {
        let snapshots = snapshot::file_of(path);
        snapshot::prepare_file(&snapshots)?;
        let mut conn = Connection::open(path)?;
        schema::configure(&conn)?;
        let applied = schema::migrate(&mut conn, |conn| {
            snapshot::attach(conn, &snapshots)?;
            let carried = snapshot::carry_over(conn);
            conn.execute("DETACH DATABASE snap", [])?;
            tracing::info!(carried = carried?, "snapshots carried to their own file");
            Ok(())
        })?;
        schema::prune_commands(&conn, clock.unix_secs())?;
        let encoder = encoder::Encoder::start(path, &snapshots)?;
        let (tx, rx) = std_mpsc::channel::<WriteJob>();
        let writer_thread = std::thread::Builder::new()
            .name("warroom-sqlite-writer".into())
            .spawn(move || writer::writer_loop(conn, rx, clock))
            .map_err(StoreError::Thread)?;
        let store = Self {
            path: path.to_owned(),
            snapshots,
            writer: Mutex::new(Some(tx)),
            writer_thread: Mutex::new(Some(writer_thread)),
            readers: Arc::default(),
            reading: Arc::new(tokio::sync::Semaphore::new(READERS)),
            encoder,
            warned: Arc::default(),
            clock,
        };
        Ok((store, applied))
    }

    /// Runs `f` with a read-only connection on the blocking pool.
    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let permit = Arc::clone(&self.reading)
            .acquire_owned()
            .await
            .map_err(|_| StoreError::Closed)?;
        let readers = Arc::clone(&self.readers);
        let path = self.path.clone();
        let snapshots = self.snapshots.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let pooled = readers.lock().expect("reader pool poisoned").pop();
            let conn = match pooled {
                Some(conn) => conn,
                None => {
                    let conn = Connection::open_with_flags(
                        &path,
                        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                    )?;
                    conn.busy_timeout(Duration::from_secs(5))?;
                    // Reads through a memory map: a long incident's snapshot row is megabytes
                    // of overflow pages, one `pread` each without it (a third of the time a
                    // cold room spent reading its row). Only these read-only connections map
                    // the file; the writer writes as before.
                    conn.pragma_update(None, "mmap_size", READ_MMAP_BYTES)?;
                    snapshot::attach(&conn, &snapshots)?;
                    conn.pragma_update(Some("snap"), "mmap_size", READ_MMAP_BYTES)?;
                    conn
                }
            };
            let result = f(&conn);
            readers.lock().expect("reader pool poisoned").push(conn);
            result
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
    }
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        // Closing the channel lets the writer finish what it holds and exit; the encoder
        // writes the snapshots still queued to its own file first.
        self.writer.lock().map(|mut w| w.take()).ok();
        self.encoder.stop();
        if let Some(handle) = self.writer_thread.lock().ok().and_then(|mut h| h.take()) {
            let _ = handle.join();
        }
    }
}

impl Store for SqliteStore {
    fn ready(&self) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            // The writer thread is the only way to durable: if it has stopped, nothing can be
            // acknowledged, whatever reads still answer.
            let writing = self
                .writer_thread
                .lock()
                .expect("writer thread handle poisoned")
                .as_ref()
                .is_some_and(|thread| !thread.is_finished());
            if !writing {
                return Err(StoreError::Closed);
            }
            self.read(schema::check_migrated).await
        })
    }

    fn append(&self, append: Append) -> StoreFuture<'_, ()> {
        self.begin_append(append)
    }

    fn start_append(&self, append: Append) -> Result<StoreFuture<'static, ()>, Box<Append>> {
        Ok(self.begin_append(append))
    }

    fn snapshot(&self, incident: &IncidentId, board: Incident) -> StoreFuture<'_, ()> {
        // Queued for the encoder, which keeps it only where the log holds its last event.
        self.encoder.handoff().hand(incident.clone(), board);
        Box::pin(async { Ok(()) })
    }

    fn delete(&self, incident: &IncidentId) -> StoreFuture<'_, ()> {
        let incident = incident.clone();
        Box::pin(async move {
            self.write(WriteOp::Delete(incident.clone())).await?;
            // Its snapshot is in the other file: the encoder forgets it, after any of its
            // snapshots still queued (which then find no log to follow).
            self.encoder.handoff().forget(incident);
            Ok(())
        })
    }

    fn create_session(&self, session: SessionRecord) -> StoreFuture<'_, ()> {
        Box::pin(self.write(WriteOp::CreateSession(Box::new(session))))
    }

    fn session(&self, token_hash: &str) -> StoreFuture<'_, Option<SessionRecord>> {
        let token_hash = token_hash.to_owned();
        let now = self.clock.unix_secs();
        Box::pin(self.read(move |conn| access::session(conn, token_hash, now)))
    }

    fn link(&self, token_hash: &str) -> StoreFuture<'_, Option<LinkRecord>> {
        let token_hash = token_hash.to_owned();
        Box::pin(self.read(move |conn| access::link(conn, token_hash)))
    }

    fn delete_session(&self, token_hash: &str) -> StoreFuture<'_, ()> {
        Box::pin(self.write(WriteOp::DeleteSession(token_hash.to_owned())))
    }

    fn alert_route(&self, group_key: &str) -> StoreFuture<'_, Option<IncidentId>> {
        let key = group_key.to_owned();
        Box::pin(self.read(move |conn| access::alert_route(conn, &key)))
    }

    fn set_alert_route(&self, group_key: &str, incident: &IncidentId) -> StoreFuture<'_, ()> {
        Box::pin(self.write(WriteOp::AlertRoute(group_key.to_owned(), incident.clone())))
    }

    fn rename(&self, participant: &ParticipantId, name: &str) -> StoreFuture<'_, ()> {
        Box::pin(self.write(WriteOp::Rename(participant.clone(), name.to_owned())))
    }

    fn create_token(&self, token: TokenRecord) -> StoreFuture<'_, ()> {
        Box::pin(self.write(WriteOp::Token(tokens::TokenWrite::Create(Box::new(token)))))
    }

    fn tokens(&self) -> StoreFuture<'_, Vec<TokenRecord>> {
        Box::pin(self.read(tokens::all))
    }

    fn token(&self, token_hash: &str) -> StoreFuture<'_, Option<TokenRecord>> {
        let hash = token_hash.to_owned();
        Box::pin(self.read(move |conn| tokens::by_hash(conn, &hash)))
    }

    fn revoke_token(&self, id: &str, at: u64) -> StoreFuture<'_, ()> {
        let id = id.to_owned();
        Box::pin(self.write(WriteOp::Token(tokens::TokenWrite::Revoke { id, at })))
    }

    fn touch_token(&self, id: &str, at: u64) -> StoreFuture<'_, ()> {
        let id = id.to_owned();
        Box::pin(self.write(WriteOp::Token(tokens::TokenWrite::Touch { id, at })))
    }

    fn load(&self, incident: &IncidentId) -> StoreFuture<'_, Loaded> {
        let incident = incident.clone();
        let warned = Arc::clone(&self.warned);
        // An unusable snapshot is no snapshot: the room then replays the whole log.
        Box::pin(self.read(move |conn| load::load(conn, &incident, &warned)))
    }

    fn commands(&self, incident: &IncidentId) -> StoreFuture<'_, Vec<(CommandKey, Seq)>> {
        let incident = incident.clone();
        let since = self
            .clock
            .unix_secs()
            .saturating_sub(DEDUP_WINDOW.as_secs());
        Box::pin(self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                // In the order written: an id written twice counts as its later row.
                "SELECT participant, id, seq FROM commands \
                         WHERE incident = ?1 AND recorded_at >= ?2 ORDER BY seq",
            )?;
            let commands = stmt
                .query_map(params![incident.as_str(), since], |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, Seq>(2)?,
                    ))
                })?
                .filter_map(|r| {
                    let (participant, id, seq) = r.ok()?;
                    let key = (
                        ParticipantId::parse(&participant).ok()?,
                        CommandId::parse(&id).ok()?,
                    );
                    Some((key, seq))
                })
                .collect();
            Ok(commands)
        }))
    }

    fn events_after(
        &self,
        incident: &IncidentId,
        after: Seq,
        limit: u32,
    ) -> StoreFuture<'_, Vec<Recorded>> {
        let incident = incident.clone();
        Box::pin(self.read(move |conn| {
            read_events(
                conn,
                "SELECT record FROM events WHERE incident = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
                params![incident.as_str(), after, limit],
            )
        }))
    }

    fn events_before(
        &self,
        incident: &IncidentId,
        before: Seq,
        limit: u32,
    ) -> StoreFuture<'_, Vec<Recorded>> {
        let incident = incident.clone();
        Box::pin(self.read(move |conn| {
            let mut events = read_events(
                conn,
                "SELECT record FROM events WHERE incident = ?1 AND seq < ?2 \
                 ORDER BY seq DESC LIMIT ?3",
                params![incident.as_str(), before, limit],
            )?;
            events.reverse();
            Ok(events)
        }))
    }

    fn list(&self) -> StoreFuture<'_, Vec<Summary>> {
        Box::pin(self.read(|conn| {
            let mut stmt =
                conn.prepare_cached("SELECT summary FROM incidents ORDER BY updated_at DESC")?;
            let rows = stmt.query_map([], |row| row.get::<_, String>(0))?;
            rows.map(|r| Ok(serde_json::from_str(&r?)?)).collect()
        }))
    }

    fn summary(&self, incident: &IncidentId) -> StoreFuture<'_, Option<Summary>> {
        let incident = incident.clone();
        Box::pin(self.read(move |conn| {
            conn.query_row(
                "SELECT summary FROM incidents WHERE id = ?1",
                [incident.as_str()],
                |row| row.get::<_, String>(0),
            )
            .optional()?
            .map(|json| serde_json::from_str(&json).map_err(StoreError::from))
            .transpose()
        }))
    }
}

fn read_events(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<Recorded>, StoreError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params, |row| row.get::<_, String>(0))?;
    rows.map(|json| Ok(serde_json::from_str(&json?)?)).collect()
}

#[cfg(test)]
mod tests;
