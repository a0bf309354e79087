//! The writer thread: the only write connection, and **group commit**. It takes every write
//! that is waiting (up to `MAX_GROUP`), applies each inside its own savepoint (so one room's
//! conflict does not fail another's), commits them in one transaction and only then answers
//! each caller. What a write puts in which table is here too, and the store's side of handing
//! it a write: queued at once, so appends commit in the order they were begun.

use std::sync::mpsc as std_mpsc;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};
use tokio::sync::oneshot;
use warroom_core::{IncidentId, ParticipantId, Seq};

use super::SqliteStore;
use super::schema::prune_commands;
use crate::clock::Clock;
use crate::store::{Append, SessionRecord, StoreError, StoreFuture};

/// The most appends one transaction takes; more wait for the next commit.
const MAX_GROUP: usize = 4096;

pub(super) struct WriteJob {
    pub(super) op: WriteOp,
    /// The write's answer: how many rows it changed, where that says something (a webhook
    /// created or removed), else 0.
    pub(super) done: oneshot::Sender<Result<u64, StoreError>>,
}

pub(super) enum WriteOp {
    Append(Box<Append>),
    Delete(IncidentId),
    CreateSession(Box<SessionRecord>),
    DeleteSession(String),
    Rename(ParticipantId, String),
    Token(super::tokens::TokenWrite),
    /// An alert group's key and the incident it goes to.
    AlertRoute(String, IncidentId),
    /// A write of another part of the store (the webhook tables), done in its own savepoint
    /// like the others; it answers how many rows it changed.
    Other(OtherWrite),
}

/// A write the writer runs without knowing what it is.
pub(super) type OtherWrite = Box<dyn Fn(&Connection) -> Result<u64, StoreError> + Send>;

/// How often the writer forgets what has expired (besides once when the store opens).
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

fn insert_session(conn: &Connection, s: &SessionRecord, now: u64) -> Result<(), StoreError> {
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
            now,
            s.expires_at
        ],
    )?;
    Ok(())
}

/// The writer thread: group commit until every sender is gone. What it stamps (session
/// creation, when a command id was recorded) and when it prunes follow `clock`.
pub(super) fn writer_loop(mut conn: Connection, jobs: std_mpsc::Receiver<WriteJob>, clock: Clock) {
    let mut last_prune = clock.instant();
    while let Ok(first) = jobs.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match jobs.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        let results = commit_group(&mut conn, &group, clock.unix_secs());
        for (job, result) in group.into_iter().zip(results) {
            let _ = job.done.send(result);
        }
        if clock.since(last_prune) > PRUNE_EVERY {
            last_prune = clock.instant();
            if let Err(err) = prune_commands(&conn, clock.unix_secs()) {
                tracing::warn!(%err, "pruning old command ids failed");
            }
        }
    }
    tracing::debug!("sqlite writer stopped");
}

/// Commits every job's append in one transaction; each job gets its own result. `now` (Unix
/// seconds) is what the group's writes are stamped with.
fn commit_group(
    conn: &mut Connection,
    group: &[WriteJob],
    now: u64,
) -> Vec<Result<u64, StoreError>> {
    let mut tx = match conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(err) => {
            let message = format!("cannot begin a transaction: {err}");
            return group
                .iter()
                .map(|_| Err(StoreError::Commit(message.clone())))
                .collect();
        }
    };
    let mut results: Vec<Result<u64, StoreError>> = Vec::with_capacity(group.len());
    for job in group {
        let result = (|| {
            let sp = tx.savepoint()?;
            let mut changed = 0;
            match &job.op {
                WriteOp::Other(write) => changed = write(&sp)?,
                WriteOp::Append(append) => write_append(&sp, append, now)?,
                WriteOp::Delete(incident) => delete_incident(&sp, incident)?,
                WriteOp::CreateSession(session) => insert_session(&sp, session, now)?,
                WriteOp::DeleteSession(hash) => {
                    sp.execute("DELETE FROM sessions WHERE token_hash = ?1", [hash])?;
                }
                WriteOp::Token(op) => super::tokens::write(&sp, op)?,
                WriteOp::AlertRoute(key, incident) => {
                    sp.execute(
                        "INSERT INTO alert_routes (group_key, incident) VALUES (?1, ?2) \
                             ON CONFLICT (group_key) DO UPDATE SET incident = excluded.incident",
                        params![key, incident.as_str()],
                    )?;
                }
                WriteOp::Rename(participant, name) => {
                    sp.execute(
                        "UPDATE sessions SET name = ?1 WHERE participant = ?2",
                        params![name, participant.as_str()],
                    )?;
                }
            }
            sp.commit()?;
            Ok(changed)
        })();
        results.push(result);
    }
    if let Err(err) = tx.commit() {
        let message = format!("commit failed: {err}");
        tracing::error!(%message, "group commit failed");
        return group
            .iter()
            .map(|_| Err(StoreError::Commit(message.clone())))
            .collect();
    }
    results
}

fn write_append(conn: &Connection, append: &Append, now: u64) -> Result<(), StoreError> {
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
        let mut insert =
            conn.prepare_cached("INSERT INTO events (incident, seq, record) VALUES (?1, ?2, ?3)")?;
        for recorded in &append.events {
            if recorded.seq != head + 1 {
                return Err(StoreError::Corrupt(format!(
                    "events must follow the head without gaps: {} after {head}",
                    recorded.seq
                )));
            }
            head = recorded.seq;
            let json = serde_json::to_string(recorded)?;
            insert.execute(params![id, head, json])?;
        }
    }
    if !append.commands.is_empty() {
        let mut remember = conn.prepare_cached(
            "INSERT OR REPLACE INTO commands (incident, seq, participant, id, recorded_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for ((participant, command), seq) in &append.commands {
            remember.execute(params![
                id,
                seq,
                participant.as_str(),
                command.as_str(),
                now
            ])?;
        }
    }
    if let Some(script) = &append.script {
        conn.prepare_cached("INSERT OR REPLACE INTO scripts (incident, script) VALUES (?1, ?2)")?
            .execute(params![id, script])?;
    }
    for link in &append.links {
        let kind = serde_json::to_value(link.kind)?;
        conn.prepare_cached(
            "INSERT INTO links (token_hash, incident, link, kind) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![
            link.token_hash,
            link.incident.as_str(),
            link.link.0,
            kind.as_str().unwrap_or_default()
        ])?;
    }
    let summary = serde_json::to_string(&append.summary)?;
    conn.prepare_cached(
        "INSERT INTO incidents (id, head, updated_at, summary) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (id) DO UPDATE SET head = excluded.head, updated_at = excluded.updated_at, \
         summary = excluded.summary",
    )?
    .execute(params![
        id,
        head,
        append.summary.updated_at.to_rfc3339(),
        summary
    ])?;
    // The snapshot, if the append carried one, was taken off it for the encoder thread
    // (`begin_append`): it goes to the snapshot file once these events are committed.
    Ok(())
}

fn delete_incident(conn: &Connection, incident: &IncidentId) -> Result<(), StoreError> {
    let id = incident.as_str();
    if head_of(conn, incident)?.is_none() {
        return Err(StoreError::UnknownIncident(incident.clone()));
    }
    for table in [
        "events",
        "commands",
        "scripts",
        "links",
        "alert_routes",
        "webhook_cursors",
        "webhook_deliveries",
    ] {
        conn.execute(&format!("DELETE FROM {table} WHERE incident = ?1"), [id])?;
    }
    conn.execute("DELETE FROM incidents WHERE id = ?1", [id])?;
    Ok(())
}

pub(super) fn head_of(conn: &Connection, incident: &IncidentId) -> Result<Option<Seq>, StoreError> {
    conn.prepare_cached("SELECT head FROM incidents WHERE id = ?1")?
        .query_row([incident.as_str()], |row| row.get(0))
        .optional()
        .map_err(StoreError::from)
}

/// The writer thread's answer to one job: how many rows it changed, or why it failed.
type WriteAnswer = oneshot::Receiver<Result<u64, StoreError>>;

/// Handing writes to the writer thread.
impl SqliteStore {
    /// Hands a write to the writer thread and waits until it is committed.
    pub(super) async fn write(&self, op: WriteOp) -> Result<(), StoreError> {
        self.write_counted(op).await.map(|_| ())
    }

    /// Like [`Self::write`], answering how many rows the write changed.
    pub(super) async fn write_counted(&self, op: WriteOp) -> Result<u64, StoreError> {
        self.queue(op)?.await.map_err(|_| StoreError::Closed)?
    }

    /// Hands `op` to the writer thread now; its answer comes on the receiver.
    fn queue(&self, op: WriteOp) -> Result<WriteAnswer, StoreError> {
        let (done, answer) = oneshot::channel();
        let writer = self.writer.lock().expect("writer handle poisoned");
        let sender = writer.as_ref().ok_or(StoreError::Closed)?;
        sender
            .send(WriteJob { op, done })
            .map_err(|_| StoreError::Closed)?;
        Ok(answer)
    }

    /// Queues an append for the writer thread now (so appends commit in the order they were
    /// begun) and gives back its completion. The events are acknowledged once committed;
    /// their snapshot, a cache, then goes to the encoder thread.
    pub(super) fn begin_append(&self, mut append: Append) -> StoreFuture<'static, ()> {
        let snapshot = append
            .snapshot
            .take()
            .map(|board| (append.incident.clone(), board, self.encoder.handoff()));
        let answer = self.queue(WriteOp::Append(Box::new(append)));
        Box::pin(async move {
            answer?.await.map_err(|_| StoreError::Closed)??;
            if let Some((incident, board, encoder)) = snapshot {
                encoder.hand(incident, board);
            }
            Ok(())
        })
    }
}
