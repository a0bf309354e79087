//! The embedded store: one SQLite file in WAL mode with `synchronous = FULL`, so a commit that
//! returned is on disk.
//!
//! One writer thread owns the only write connection and does **group commit**: it takes every
//! append that is waiting, applies each inside its own savepoint (so one room's conflict does
//! not fail another's), commits them in one transaction and only then answers each caller.
//! Reads go through a small pool of read-only connections on the blocking thread pool; WAL lets
//! them run while the writer commits.

use std::path::{Path, PathBuf};
use std::sync::mpsc as std_mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use tokio::sync::oneshot;
use warroom_core::{CommandId, IncidentId, LinkId, ParticipantId, Recorded, Seq, TextId};

use super::{
    Append, CommandKey, LinkRecord, Loaded, SessionRecord, Store, StoreError, StoreFuture, Summary,
};

/// How long command ids are remembered for de-duplication: a client that reconnects within
/// this window after losing an acknowledgement gets the command acknowledged, not re-applied.
pub const DEDUP_WINDOW: Duration = Duration::from_secs(7 * 24 * 3600);

/// The most appends one transaction takes; more wait for the next commit.
const MAX_GROUP: usize = 4096;

/// Schema migrations, applied in order; `PRAGMA user_version` records how many ran.
const MIGRATIONS: &[&str] = &[
    r"
    CREATE TABLE incidents (
        id TEXT PRIMARY KEY NOT NULL,
        head INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        summary TEXT NOT NULL
    );
    CREATE TABLE events (
        incident TEXT NOT NULL,
        seq INTEGER NOT NULL,
        record TEXT NOT NULL,
        PRIMARY KEY (incident, seq)
    ) WITHOUT ROWID;
    -- Command ids are made up by clients, so they are unique per participant only.
    CREATE TABLE commands (
        incident TEXT NOT NULL,
        participant TEXT NOT NULL,
        id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        recorded_at INTEGER NOT NULL,
        PRIMARY KEY (incident, participant, id)
    ) WITHOUT ROWID;
    CREATE INDEX commands_by_age ON commands (recorded_at);
    CREATE TABLE snapshots (
        incident TEXT PRIMARY KEY NOT NULL,
        seq INTEGER NOT NULL,
        state TEXT NOT NULL
    );
    -- Training scenario scripts: beside the log, never in it.
    CREATE TABLE scripts (
        incident TEXT PRIMARY KEY NOT NULL,
        script TEXT NOT NULL
    );
",
    r"
    -- Sign-in sessions. The credential itself is never stored: only its SHA-256.
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY NOT NULL,
        participant TEXT NOT NULL,
        name TEXT NOT NULL,
        method TEXT NOT NULL,
        subject TEXT NOT NULL,
        email TEXT,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX sessions_by_participant ON sessions (participant);
    CREATE INDEX sessions_by_expiry ON sessions (expires_at);
",
    r"
    -- Invitation and observer links: the token's SHA-256 and what it opens. The board has the
    -- link's number, kind and expiry; the token is never in the log.
    CREATE TABLE links (
        token_hash TEXT PRIMARY KEY NOT NULL,
        incident TEXT NOT NULL,
        link INTEGER NOT NULL,
        kind TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX links_by_incident ON links (incident);
",
];

/// The SQLite-backed [`Store`].
pub struct SqliteStore {
    path: PathBuf,
    /// Feeds the writer thread. `None` once the store is closing; dropping it ends the thread.
    writer: Mutex<Option<std_mpsc::Sender<WriteJob>>>,
    /// Joined on drop, after the writer has committed what it was given.
    writer_thread: Mutex<Option<JoinHandle<()>>>,
    /// Idle read-only connections, reused across reads.
    readers: Arc<Mutex<Vec<Connection>>>,
}

struct WriteJob {
    op: WriteOp,
    done: oneshot::Sender<Result<(), StoreError>>,
}

enum WriteOp {
    Append(Box<Append>),
    Delete(IncidentId),
    CreateSession(Box<SessionRecord>),
    DeleteSession(String),
    Rename(ParticipantId, String),
}

impl SqliteStore {
    /// Opens (creating if needed) the database file `path`, runs pending migrations and starts
    /// the writer thread.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let mut conn = Connection::open(path).map_err(failed)?;
        configure(&conn)?;
        migrate(&mut conn)?;
        prune_commands(&conn)?;
        let (tx, rx) = std_mpsc::channel::<WriteJob>();
        let writer_thread = std::thread::Builder::new()
            .name("warroom-sqlite-writer".into())
            .spawn(move || writer_loop(conn, rx))
            .map_err(|e| StoreError::Failed(format!("cannot start the writer thread: {e}")))?;
        Ok(Self {
            path: path.to_owned(),
            writer: Mutex::new(Some(tx)),
            writer_thread: Mutex::new(Some(writer_thread)),
            readers: Arc::default(),
        })
    }

    /// Hands a write to the writer thread and waits until it is committed.
    async fn write(&self, op: WriteOp) -> Result<(), StoreError> {
        let (done, answer) = oneshot::channel();
        {
            let writer = self.writer.lock().expect("writer handle poisoned");
            let sender = writer
                .as_ref()
                .ok_or_else(|| StoreError::Failed("the store is closed".into()))?;
            sender
                .send(WriteJob { op, done })
                .map_err(|_| StoreError::Failed("the writer thread has stopped".into()))?;
        }
        answer
            .await
            .map_err(|_| StoreError::Failed("the writer thread has stopped".into()))?
    }

    /// Runs `f` with a read-only connection on the blocking pool.
    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let readers = Arc::clone(&self.readers);
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || {
            let pooled = readers.lock().expect("reader pool poisoned").pop();
            let conn = match pooled {
                Some(conn) => conn,
                None => {
                    let conn = Connection::open_with_flags(
                        &path,
                        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                    )
                    .map_err(failed)?;
                    conn.busy_timeout(Duration::from_secs(5)).map_err(failed)?;
                    conn
                }
            };
            let result = f(&conn);
            readers.lock().expect("reader pool poisoned").push(conn);
            result
        })
        .await
        .map_err(|e| StoreError::Failed(format!("read task failed: {e}")))?
    }
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        // Closing the channel lets the writer finish what it holds and exit.
        self.writer.lock().map(|mut w| w.take()).ok();
        if let Some(handle) = self.writer_thread.lock().ok().and_then(|mut h| h.take()) {
            let _ = handle.join();
        }
    }
}

impl Store for SqliteStore {
    fn append(&self, append: Append) -> StoreFuture<'_, ()> {
        Box::pin(self.write(WriteOp::Append(Box::new(append))))
    }

    fn delete(&self, incident: &IncidentId) -> StoreFuture<'_, ()> {
        Box::pin(self.write(WriteOp::Delete(incident.clone())))
    }

    fn create_session(&self, session: SessionRecord) -> StoreFuture<'_, ()> {
        Box::pin(self.write(WriteOp::CreateSession(Box::new(session))))
    }

    fn session(&self, token_hash: &str) -> StoreFuture<'_, Option<SessionRecord>> {
        let token_hash = token_hash.to_owned();
        Box::pin(self.read(move |conn| {
            conn.prepare_cached(
                "SELECT participant, name, method, subject, email, expires_at FROM sessions \
                     WHERE token_hash = ?1 AND expires_at > ?2",
            )
            .map_err(failed)?
            .query_row(params![token_hash, unix_now()], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, Option<String>>(4)?,
                    row.get::<_, u64>(5)?,
                ))
            })
            .optional()
            .map_err(failed)?
            .map(|(participant, name, method, subject, email, expires_at)| {
                Ok(SessionRecord {
                    participant: ParticipantId::parse(&participant).map_err(|e| {
                        StoreError::Failed(format!("a stored session names a bad participant: {e}"))
                    })?,
                    token_hash,
                    name,
                    method,
                    subject,
                    email,
                    expires_at,
                })
            })
            .transpose()
        }))
    }

    fn link(&self, token_hash: &str) -> StoreFuture<'_, Option<LinkRecord>> {
        let token_hash = token_hash.to_owned();
        Box::pin(self.read(move |conn| {
            let row = conn
                .prepare_cached("SELECT incident, link, kind FROM links WHERE token_hash = ?1")
                .map_err(failed)?
                .query_row([&token_hash], |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, u32>(1)?,
                        row.get::<_, String>(2)?,
                    ))
                })
                .optional()
                .map_err(failed)?;
            row.map(|(incident, link, kind)| {
                Ok(LinkRecord {
                    incident: IncidentId::parse(&incident)
                        .map_err(|e| StoreError::Failed(format!("a stored link is bad: {e}")))?,
                    link: LinkId(link),
                    kind: serde_json::from_value(serde_json::Value::String(kind))
                        .map_err(corrupt)?,
                    token_hash,
                })
            })
            .transpose()
        }))
    }

    fn delete_session(&self, token_hash: &str) -> StoreFuture<'_, ()> {
        Box::pin(self.write(WriteOp::DeleteSession(token_hash.to_owned())))
    }

    fn rename(&self, participant: &ParticipantId, name: &str) -> StoreFuture<'_, ()> {
        Box::pin(self.write(WriteOp::Rename(participant.clone(), name.to_owned())))
    }

    fn load(&self, incident: &IncidentId) -> StoreFuture<'_, Loaded> {
        let incident = incident.clone();
        Box::pin(self.read(move |conn| {
            if head_of(conn, &incident)?.is_none() {
                return Err(StoreError::UnknownIncident(incident));
            }
            let snapshot: Option<(Seq, String)> = conn
                .query_row(
                    "SELECT seq, state FROM snapshots WHERE incident = ?1",
                    [incident.as_str()],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()
                .map_err(failed)?;
            let (after, snapshot) = match snapshot {
                Some((seq, json)) => (seq, Some(serde_json::from_str(&json).map_err(corrupt)?)),
                None => (0, None),
            };
            let events = read_events(
                conn,
                "SELECT record FROM events WHERE incident = ?1 AND seq > ?2 ORDER BY seq",
                params![incident.as_str(), after],
            )?;
            let script = conn
                .query_row(
                    "SELECT script FROM scripts WHERE incident = ?1",
                    [incident.as_str()],
                    |row| row.get::<_, String>(0),
                )
                .optional()
                .map_err(failed)?;
            Ok(Loaded {
                snapshot,
                events,
                script,
            })
        }))
    }

    fn commands(&self, incident: &IncidentId) -> StoreFuture<'_, Vec<(CommandKey, Seq)>> {
        let incident = incident.clone();
        Box::pin(self.read(move |conn| {
            let since = unix_now().saturating_sub(DEDUP_WINDOW.as_secs());
            let mut stmt = conn
                .prepare_cached(
                    "SELECT participant, id, seq FROM commands \
                         WHERE incident = ?1 AND recorded_at >= ?2",
                )
                .map_err(failed)?;
            let commands = stmt
                .query_map(params![incident.as_str(), since], |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, Seq>(2)?,
                    ))
                })
                .map_err(failed)?
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
            let mut stmt = conn
                .prepare_cached("SELECT summary FROM incidents ORDER BY updated_at DESC")
                .map_err(failed)?;
            let rows = stmt
                .query_map([], |row| row.get::<_, String>(0))
                .map_err(failed)?;
            rows.map(|r| serde_json::from_str(&r.map_err(failed)?).map_err(corrupt))
                .collect()
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
            .optional()
            .map_err(failed)?
            .map(|json| serde_json::from_str(&json).map_err(corrupt))
            .transpose()
        }))
    }
}

fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(Duration::from_secs(5)).map_err(failed)?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
        .map_err(failed)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Failed(format!(
            "cannot switch the database to WAL mode (it is in {mode} mode)"
        )));
    }
    // FULL: in WAL mode this syncs the log on every commit, so an acknowledged event survives
    // a power cut, not just a crash of the process.
    conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")
        .map_err(failed)
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let version: usize = conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(failed)?;
    if version > MIGRATIONS.len() {
        return Err(StoreError::Failed(format!(
            "the database is at schema version {version}, newer than this server knows ({}); \
             upgrade the server",
            MIGRATIONS.len()
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
        let tx = conn.transaction().map_err(failed)?;
        tx.execute_batch(sql).map_err(failed)?;
        tx.pragma_update(None, "user_version", i + 1)
            .map_err(failed)?;
        tx.commit().map_err(failed)?;
        tracing::info!(version = i + 1, "applied schema migration");
    }
    Ok(())
}

/// Forgets command ids older than the de-duplication window, and expired sessions.
fn prune_commands(conn: &Connection) -> Result<(), StoreError> {
    let before = unix_now().saturating_sub(DEDUP_WINDOW.as_secs());
    let pruned = conn
        .execute("DELETE FROM commands WHERE recorded_at < ?1", [before])
        .map_err(failed)?;
    if pruned > 0 {
        tracing::info!(
            pruned,
            "forgot command ids older than the de-duplication window"
        );
    }
    let expired = conn
        .execute("DELETE FROM sessions WHERE expires_at <= ?1", [unix_now()])
        .map_err(failed)?;
    if expired > 0 {
        tracing::info!(expired, "forgot expired sessions");
    }
    Ok(())
}

fn insert_session(conn: &Connection, s: &SessionRecord) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO sessions (token_hash, participant, name, method, subject, email, \
             created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            s.token_hash,
            s.participant.as_str(),
            s.name,
            s.method,
            s.subject,
            s.email,
            unix_now(),
            s.expires_at
        ],
    )
    .map_err(failed)?;
    Ok(())
}

/// The writer thread: group commit until every sender is gone.
fn writer_loop(mut conn: Connection, jobs: std_mpsc::Receiver<WriteJob>) {
    let mut last_prune = Instant::now();
    while let Ok(first) = jobs.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match jobs.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        let results = commit_group(&mut conn, &group);
        for (job, result) in group.into_iter().zip(results) {
            let _ = job.done.send(result);
        }
        if last_prune.elapsed() > Duration::from_secs(3600) {
            last_prune = Instant::now();
            if let Err(err) = prune_commands(&conn) {
                tracing::warn!(%err, "pruning old command ids failed");
            }
        }
    }
    tracing::debug!("sqlite writer stopped");
}

/// Commits every job's append in one transaction; each job gets its own result.
fn commit_group(conn: &mut Connection, group: &[WriteJob]) -> Vec<Result<(), StoreError>> {
    let mut tx = match conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(err) => {
            let message = format!("cannot begin a transaction: {err}");
            return group
                .iter()
                .map(|_| Err(StoreError::Failed(message.clone())))
                .collect();
        }
    };
    let mut results: Vec<Result<(), StoreError>> = Vec::with_capacity(group.len());
    for job in group {
        let result = (|| {
            let sp = tx.savepoint().map_err(failed)?;
            match &job.op {
                WriteOp::Append(append) => write_append(&sp, append)?,
                WriteOp::Delete(incident) => delete_incident(&sp, incident)?,
                WriteOp::CreateSession(session) => insert_session(&sp, session)?,
                WriteOp::DeleteSession(hash) => {
                    sp.execute("DELETE FROM sessions WHERE token_hash = ?1", [hash])
                        .map_err(failed)?;
                }
                WriteOp::Rename(participant, name) => {
                    sp.execute(
                        "UPDATE sessions SET name = ?1 WHERE participant = ?2",
                        params![name, participant.as_str()],
                    )
                    .map_err(failed)?;
                }
            }
            sp.commit().map_err(failed)
        })();
        results.push(result);
    }
    if let Err(err) = tx.commit() {
        let message = format!("commit failed: {err}");
        tracing::error!(%message, "group commit failed");
        return group
            .iter()
            .map(|_| Err(StoreError::Failed(message.clone())))
            .collect();
    }
    results
}

fn write_append(conn: &Connection, append: &Append) -> Result<(), StoreError> {
    let id = append.incident.as_str();
    let actual = head_of(conn, &append.incident)?.unwrap_or(0);
    if actual != append.expected {
        return Err(StoreError::Conflict {
            expected: append.expected,
            actual,
        });
    }
    let mut head = append.expected;
    {
        let mut insert = conn
            .prepare_cached("INSERT INTO events (incident, seq, record) VALUES (?1, ?2, ?3)")
            .map_err(failed)?;
        for recorded in &append.events {
            if recorded.seq != head + 1 {
                return Err(StoreError::Failed(format!(
                    "events must follow the head without gaps: {} after {head}",
                    recorded.seq
                )));
            }
            head = recorded.seq;
            let json = serde_json::to_string(recorded).map_err(corrupt)?;
            insert.execute(params![id, head, json]).map_err(failed)?;
        }
    }
    if !append.commands.is_empty() {
        let now = unix_now();
        let mut remember = conn
            .prepare_cached(
                "INSERT OR REPLACE INTO commands (incident, participant, id, seq, recorded_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .map_err(failed)?;
        for ((participant, command), seq) in &append.commands {
            remember
                .execute(params![
                    id,
                    participant.as_str(),
                    command.as_str(),
                    seq,
                    now
                ])
                .map_err(failed)?;
        }
    }
    if let Some(snapshot) = &append.snapshot {
        let json = serde_json::to_string(snapshot).map_err(corrupt)?;
        conn.prepare_cached(
            "INSERT INTO snapshots (incident, seq, state) VALUES (?1, ?2, ?3) \
             ON CONFLICT (incident) DO UPDATE SET seq = excluded.seq, state = excluded.state",
        )
        .map_err(failed)?
        .execute(params![id, snapshot.seq, json])
        .map_err(failed)?;
    }
    if let Some(script) = &append.script {
        conn.prepare_cached("INSERT OR REPLACE INTO scripts (incident, script) VALUES (?1, ?2)")
            .map_err(failed)?
            .execute(params![id, script])
            .map_err(failed)?;
    }
    for link in &append.links {
        let kind = serde_json::to_value(link.kind).map_err(corrupt)?;
        conn.prepare_cached(
            "INSERT INTO links (token_hash, incident, link, kind) VALUES (?1, ?2, ?3, ?4)",
        )
        .map_err(failed)?
        .execute(params![
            link.token_hash,
            link.incident.as_str(),
            link.link.0,
            kind.as_str().unwrap_or_default()
        ])
        .map_err(failed)?;
    }
    let summary = serde_json::to_string(&append.summary).map_err(corrupt)?;
    conn.prepare_cached(
        "INSERT INTO incidents (id, head, updated_at, summary) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (id) DO UPDATE SET head = excluded.head, updated_at = excluded.updated_at, \
         summary = excluded.summary",
    )
    .map_err(failed)?
    .execute(params![
        id,
        head,
        append.summary.updated_at.to_rfc3339(),
        summary
    ])
    .map_err(failed)?;
    Ok(())
}

fn delete_incident(conn: &Connection, incident: &IncidentId) -> Result<(), StoreError> {
    let id = incident.as_str();
    if head_of(conn, incident)?.is_none() {
        return Err(StoreError::UnknownIncident(incident.clone()));
    }
    for table in ["events", "commands", "snapshots", "scripts", "links"] {
        conn.execute(&format!("DELETE FROM {table} WHERE incident = ?1"), [id])
            .map_err(failed)?;
    }
    conn.execute("DELETE FROM incidents WHERE id = ?1", [id])
        .map_err(failed)?;
    Ok(())
}

fn head_of(conn: &Connection, incident: &IncidentId) -> Result<Option<Seq>, StoreError> {
    conn.prepare_cached("SELECT head FROM incidents WHERE id = ?1")
        .map_err(failed)?
        .query_row([incident.as_str()], |row| row.get(0))
        .optional()
        .map_err(failed)
}

fn read_events(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<Recorded>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(failed)?;
    let rows = stmt
        .query_map(params, |row| row.get::<_, String>(0))
        .map_err(failed)?;
    rows.map(|json| serde_json::from_str(&json.map_err(failed)?).map_err(corrupt))
        .collect()
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn failed(err: rusqlite::Error) -> StoreError {
    StoreError::Failed(err.to_string())
}

fn corrupt(err: serde_json::Error) -> StoreError {
    StoreError::Failed(format!("stored JSON does not parse: {err}"))
}
