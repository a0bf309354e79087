//! The webhook tables (`schema.rs`, migration 5): subscriptions, cursors and deliveries, for
//! [`WebhookStore`]. Writes go through the writer thread like every
//! other write (they share its group commits); reads use the read-only connections.

use rusqlite::{Connection, OptionalExtension, params};
use warroom_core::IncidentId;
use warroom_core::api::webhooks::{Delivery, DeliveryState, WebhookFormat};

use super::SqliteStore;
use super::writer::WriteOp;
use crate::store::webhooks::column::{incident, time, topic, topics};
use crate::store::webhooks::{Attempt, DueDelivery, Enqueue, WebhookCursor, WebhookRecord};
use crate::store::{StoreError, StoreFuture, WebhookStore};

/// A webhook write, done by the writer thread.
enum Write {
    Create(WebhookRecord, usize),
    Delete(String),
    Enqueue(Enqueue),
    Attempt(String, Attempt, i64),
    Prune(i64),
}

/// Applies `write` inside the writer's savepoint; how many rows it made or removed.
fn write(conn: &Connection, write: &Write) -> Result<u64, StoreError> {
    match write {
        Write::Create(hook, limit) => create(conn, hook, *limit),
        Write::Delete(id) => {
            conn.execute("DELETE FROM webhook_cursors WHERE webhook = ?1", [id])?;
            conn.execute("DELETE FROM webhook_deliveries WHERE webhook = ?1", [id])?;
            Ok(conn.execute("DELETE FROM webhooks WHERE id = ?1", [id])? as u64)
        }
        Write::Enqueue(enqueue) => self::enqueue(conn, enqueue),
        Write::Attempt(key, attempt, now) => record(conn, key, attempt, *now),
        Write::Prune(before) => Ok(conn.execute(
            "DELETE FROM webhook_deliveries WHERE state != 'pending' AND updated_at < ?1",
            [before],
        )? as u64),
    }
}

fn create(conn: &Connection, hook: &WebhookRecord, limit: usize) -> Result<u64, StoreError> {
    let count: usize = conn.query_row("SELECT COUNT(*) FROM webhooks", [], |r| r.get(0))?;
    if count >= limit {
        return Ok(0);
    }
    let topics: Vec<&str> = hook.topics.iter().map(|t| t.name()).collect();
    conn.execute(
        "INSERT INTO webhooks (id, name, url, format, topics, secret, created_at, created_by) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            hook.id,
            hook.name,
            hook.url,
            hook.format.name(),
            topics.join(","),
            hook.secret,
            hook.created_at,
            hook.created_by
        ],
    )?;
    // It hears only of what happens from now on: a cursor at every incident's head.
    conn.execute(
        "INSERT INTO webhook_cursors (webhook, incident, seq) SELECT ?1, id, head FROM incidents",
        [&hook.id],
    )?;
    Ok(1)
}

fn enqueue(conn: &Connection, enqueue: &Enqueue) -> Result<u64, StoreError> {
    let incident = enqueue.incident.as_str();
    let mut queued = 0;
    for (webhook, from, to) in &enqueue.cursors {
        let exists: bool = conn
            .query_row("SELECT 1 FROM webhooks WHERE id = ?1", [webhook], |_| {
                Ok(true)
            })
            .optional()?
            .unwrap_or(false);
        let at: u64 = conn
            .query_row(
                "SELECT seq FROM webhook_cursors WHERE webhook = ?1 AND incident = ?2",
                params![webhook, incident],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0);
        // Removed meanwhile, or moved by someone else: this subscription's part is dropped.
        if !exists || at != *from {
            continue;
        }
        conn.execute(
            "INSERT INTO webhook_cursors (webhook, incident, seq) VALUES (?1, ?2, ?3) \
             ON CONFLICT (webhook, incident) DO UPDATE SET seq = excluded.seq",
            params![webhook, incident, to],
        )?;
        let mut insert = conn.prepare_cached(
            "INSERT OR IGNORE INTO webhook_deliveries (key, webhook, incident, seq, topic, body, \
             state, attempts, next_attempt_at, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', 0, ?7, ?7, ?7)",
        )?;
        for d in enqueue.deliveries.iter().filter(|d| &d.webhook == webhook) {
            queued += insert.execute(params![
                d.key,
                d.webhook,
                incident,
                d.seq,
                d.topic.name(),
                d.body,
                enqueue.now
            ])? as u64;
        }
    }
    Ok(queued)
}

fn record(conn: &Connection, key: &str, attempt: &Attempt, now: i64) -> Result<u64, StoreError> {
    let (state, status, error, next) = attempt.columns();
    Ok(conn.execute(
        "UPDATE webhook_deliveries SET state = ?2, attempts = attempts + 1, last_status = ?3, \
         last_error = ?4, next_attempt_at = ?5, updated_at = ?6 WHERE key = ?1",
        params![key, state, status, error, next, now],
    )? as u64)
}

impl WebhookStore for SqliteStore {
    fn create_webhook(&self, hook: WebhookRecord, limit: usize) -> StoreFuture<'_, bool> {
        Box::pin(async move { Ok(self.counted(Write::Create(hook, limit)).await? > 0) })
    }

    fn delete_webhook(&self, id: &str) -> StoreFuture<'_, bool> {
        let id = id.to_owned();
        Box::pin(async move { Ok(self.counted(Write::Delete(id)).await? > 0) })
    }

    fn enqueue_deliveries(&self, enqueue: Enqueue) -> StoreFuture<'_, ()> {
        self.webhook_write(Write::Enqueue(enqueue))
    }

    fn record_attempt(&self, key: &str, attempt: Attempt, now: i64) -> StoreFuture<'_, ()> {
        self.webhook_write(Write::Attempt(key.to_owned(), attempt, now))
    }

    fn prune_deliveries(&self, before: i64) -> StoreFuture<'_, ()> {
        self.webhook_write(Write::Prune(before))
    }

    fn webhooks(&self) -> StoreFuture<'_, Vec<WebhookRecord>> {
        Box::pin(self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, name, url, format, topics, secret, created_at, created_by \
                 FROM webhooks ORDER BY created_at, id",
            )?;
            let rows = stmt.query_map([], |r| {
                let format: String = r.get(3)?;
                let topics_raw: String = r.get(4)?;
                Ok(WebhookRecord {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    url: r.get(2)?,
                    format: if format == "slack" {
                        WebhookFormat::Slack
                    } else {
                        WebhookFormat::Signed
                    },
                    topics: topics(&topics_raw),
                    secret: r.get(5)?,
                    created_at: r.get(6)?,
                    created_by: r.get(7)?,
                })
            })?;
            rows.map(|r| r.map_err(StoreError::from)).collect()
        }))
    }

    fn webhook_backlog(&self) -> StoreFuture<'_, Vec<IncidentId>> {
        Box::pin(self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT DISTINCT i.id FROM webhooks w CROSS JOIN incidents i \
                 LEFT JOIN webhook_cursors c ON c.webhook = w.id AND c.incident = i.id \
                 WHERE i.head > COALESCE(c.seq, 0)",
            )?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            rows.map(|r| incident(&r?)).collect()
        }))
    }

    fn webhook_cursors(&self, incident: &IncidentId) -> StoreFuture<'_, Vec<WebhookCursor>> {
        let incident = incident.clone();
        Box::pin(self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT w.id, COALESCE(c.seq, 0), \
                   (SELECT COUNT(*) FROM webhook_deliveries d \
                     WHERE d.webhook = w.id AND d.state = 'pending') \
                 FROM webhooks w \
                 LEFT JOIN webhook_cursors c ON c.webhook = w.id AND c.incident = ?1",
            )?;
            let rows = stmt.query_map([incident.as_str()], |r| {
                Ok(WebhookCursor {
                    webhook: r.get(0)?,
                    seq: r.get(1)?,
                    pending: r.get(2)?,
                })
            })?;
            rows.map(|r| r.map_err(StoreError::from)).collect()
        }))
    }

    fn due_deliveries(&self, now: i64, limit: u32) -> StoreFuture<'_, Vec<DueDelivery>> {
        Box::pin(self.read(move |conn| {
            // The head of each (subscription, incident) lane, if it is due: a later event for
            // the same incident waits for the earlier one.
            let mut stmt = conn.prepare_cached(
                "SELECT d.key, d.webhook, d.incident, d.seq, d.topic, d.body, d.attempts \
                 FROM webhook_deliveries d \
                 WHERE d.state = 'pending' AND d.next_attempt_at <= ?1 \
                   AND d.seq = (SELECT MIN(e.seq) FROM webhook_deliveries e \
                     WHERE e.webhook = d.webhook AND e.incident = d.incident \
                       AND e.state = 'pending') \
                 ORDER BY d.next_attempt_at, d.created_at LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![now, limit], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, u64>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, u32>(6)?,
                ))
            })?;
            rows.map(|r| {
                let (key, webhook, inc, seq, t, body, attempts) = r?;
                Ok(DueDelivery {
                    key,
                    webhook,
                    incident: incident(&inc)?,
                    seq,
                    topic: topic(&t)?,
                    body,
                    attempts,
                })
            })
            .collect()
        }))
    }

    fn deliveries(&self, failed_only: bool, limit: u32) -> StoreFuture<'_, Vec<Delivery>> {
        Box::pin(self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT key, webhook, incident, seq, topic, state, attempts, last_status, \
                   last_error, next_attempt_at, created_at, updated_at \
                 FROM webhook_deliveries WHERE (?1 = 0 OR state = 'failed') \
                 ORDER BY created_at DESC, seq DESC LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![failed_only, limit], |r| {
                Ok((
                    (
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, u64>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, String>(5)?,
                    ),
                    (
                        r.get::<_, u32>(6)?,
                        r.get::<_, Option<u16>>(7)?,
                        r.get::<_, Option<String>>(8)?,
                        r.get::<_, Option<i64>>(9)?,
                        r.get::<_, i64>(10)?,
                        r.get::<_, i64>(11)?,
                    ),
                ))
            })?;
            rows.map(|r| {
                let (
                    (key, webhook, inc, seq, t, state),
                    (attempts, status, error, next, made, changed),
                ) = r?;
                let state = match state.as_str() {
                    "delivered" => DeliveryState::Delivered,
                    "failed" => DeliveryState::Failed,
                    _ => DeliveryState::Pending,
                };
                Ok(Delivery {
                    key,
                    webhook,
                    incident: incident(&inc)?,
                    seq,
                    event: topic(&t)?,
                    state,
                    attempts,
                    last_status: status,
                    last_error: error,
                    next_attempt_at: next.filter(|_| state == DeliveryState::Pending).map(time),
                    created_at: time(made),
                    updated_at: time(changed),
                })
            })
            .collect()
        }))
    }
}

impl SqliteStore {
    /// Runs a webhook write on the writer thread; how many rows it changed.
    async fn counted(&self, write: Write) -> Result<u64, StoreError> {
        self.write_counted(WriteOp::Other(Box::new(move |conn| {
            self::write(conn, &write)
        })))
        .await
    }

    fn webhook_write(&self, write: Write) -> StoreFuture<'_, ()> {
        Box::pin(async move { self.counted(write).await.map(|_| ()) })
    }
}
