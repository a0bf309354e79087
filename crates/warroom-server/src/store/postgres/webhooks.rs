//! The webhook tables in PostgreSQL (migration 7, the same rows as SQLite's
//! `sqlite/webhooks.rs`): subscriptions, cursors and deliveries, for [`WebhookStore`]. Each
//! write is one transaction; moving cursors and queueing their deliveries is one.

use tokio_postgres::Row;
use warroom_core::IncidentId;
use warroom_core::api::webhooks::{Delivery, DeliveryState, WebhookFormat};

use super::{PostgresStore, big, seq};
use crate::store::webhooks::column::{incident, time, topic, topics};
use crate::store::webhooks::{Attempt, DueDelivery, Enqueue, WebhookCursor, WebhookRecord};
use crate::store::{StoreError, StoreFuture, WebhookStore};

fn count(row: &Row, i: usize) -> Result<u32, StoreError> {
    let n: i64 = row.try_get(i)?;
    u32::try_from(n).map_err(|_| StoreError::Corrupt(format!("a count out of range: {n}")))
}

impl PostgresStore {
    async fn create_webhook_in(
        &self,
        hook: &WebhookRecord,
        limit: usize,
    ) -> Result<bool, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // One subscriber at a time, so that two admins cannot both pass the bound.
        tx.execute("LOCK TABLE webhooks IN SHARE ROW EXCLUSIVE MODE", &[])
            .await?;
        let existing: i64 = tx
            .query_one("SELECT COUNT(*) FROM webhooks", &[])
            .await?
            .get(0);
        if usize::try_from(existing).unwrap_or(usize::MAX) >= limit {
            return Ok(false);
        }
        let topics: Vec<&str> = hook.topics.iter().map(|t| t.name()).collect();
        tx.execute(
            "INSERT INTO webhooks (id, name, url, format, topics, secret, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                &hook.id,
                &hook.name,
                &hook.url,
                &hook.format.name(),
                &topics.join(","),
                &hook.secret,
                &hook.created_at,
                &hook.created_by,
            ],
        )
        .await?;
        // It hears only of what happens from now on: a cursor at every incident's head.
        tx.execute(
            "INSERT INTO webhook_cursors (webhook, incident, seq) SELECT $1, id, head FROM incidents",
            &[&hook.id],
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn delete_webhook_in(&self, id: &str) -> Result<bool, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        tx.execute("DELETE FROM webhook_cursors WHERE webhook = $1", &[&id])
            .await?;
        tx.execute("DELETE FROM webhook_deliveries WHERE webhook = $1", &[&id])
            .await?;
        let removed = tx
            .execute("DELETE FROM webhooks WHERE id = $1", &[&id])
            .await?;
        tx.commit().await?;
        Ok(removed > 0)
    }

    async fn enqueue_in(&self, enqueue: &Enqueue) -> Result<(), StoreError> {
        let incident = enqueue.incident.as_str();
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        for (webhook, from, to) in &enqueue.cursors {
            let exists = tx
                .query_opt("SELECT 1 FROM webhooks WHERE id = $1", &[webhook])
                .await?
                .is_some();
            // The cursor row is locked, so two queues (or replicas) cannot both move it.
            let at = match tx
                .query_opt(
                    "SELECT seq FROM webhook_cursors WHERE webhook = $1 AND incident = $2 \
                     FOR UPDATE",
                    &[webhook, &incident],
                )
                .await?
            {
                Some(row) => seq(&row, 0)?,
                None => 0,
            };
            // Removed meanwhile, or moved by someone else: this subscription's part is dropped.
            if !exists || at != *from {
                continue;
            }
            tx.execute(
                "INSERT INTO webhook_cursors (webhook, incident, seq) VALUES ($1, $2, $3) \
                 ON CONFLICT (webhook, incident) DO UPDATE SET seq = excluded.seq",
                &[webhook, &incident, &big(*to)],
            )
            .await?;
            let insert = tx
                .prepare_cached(
                    "INSERT INTO webhook_deliveries (key, webhook, incident, seq, topic, body, \
                     state, attempts, next_attempt_at, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7, $7) \
                     ON CONFLICT (key) DO NOTHING",
                )
                .await?;
            for d in enqueue.deliveries.iter().filter(|d| &d.webhook == webhook) {
                tx.execute(
                    &insert,
                    &[
                        &d.key,
                        &d.webhook,
                        &incident,
                        &big(d.seq),
                        &d.topic.name(),
                        &d.body,
                        &enqueue.now,
                    ],
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn record_in(&self, key: &str, attempt: &Attempt, now: i64) -> Result<(), StoreError> {
        let (state, status, error, next) = attempt.columns();
        let status = status.map(i32::from);
        self.rows(
            "UPDATE webhook_deliveries SET state = $2, attempts = attempts + 1, last_status = $3, \
             last_error = $4, next_attempt_at = $5, updated_at = $6 WHERE key = $1 RETURNING 1",
            &[&key, &state, &status, &error, &next, &now],
        )
        .await?;
        Ok(())
    }
}

impl WebhookStore for PostgresStore {
    fn create_webhook(&self, hook: WebhookRecord, limit: usize) -> StoreFuture<'_, bool> {
        Box::pin(async move { self.create_webhook_in(&hook, limit).await })
    }

    fn delete_webhook(&self, id: &str) -> StoreFuture<'_, bool> {
        let id = id.to_owned();
        Box::pin(async move { self.delete_webhook_in(&id).await })
    }

    fn enqueue_deliveries(&self, enqueue: Enqueue) -> StoreFuture<'_, ()> {
        Box::pin(async move { self.enqueue_in(&enqueue).await })
    }

    fn record_attempt(&self, key: &str, attempt: Attempt, now: i64) -> StoreFuture<'_, ()> {
        let key = key.to_owned();
        Box::pin(async move { self.record_in(&key, &attempt, now).await })
    }

    fn prune_deliveries(&self, before: i64) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            self.rows(
                "DELETE FROM webhook_deliveries WHERE state != 'pending' AND updated_at < $1 \
                 RETURNING 1",
                &[&before],
            )
            .await?;
            Ok(())
        })
    }

    fn webhooks(&self) -> StoreFuture<'_, Vec<WebhookRecord>> {
        Box::pin(async move {
            let rows = self
                .rows(
                    "SELECT id, name, url, format, topics, secret, created_at, created_by \
                     FROM webhooks ORDER BY created_at, id",
                    &[],
                )
                .await?;
            rows.iter()
                .map(|r| {
                    let format: &str = r.try_get(3)?;
                    Ok(WebhookRecord {
                        id: r.try_get(0)?,
                        name: r.try_get(1)?,
                        url: r.try_get(2)?,
                        format: if format == "slack" {
                            WebhookFormat::Slack
                        } else {
                            WebhookFormat::Signed
                        },
                        topics: topics(r.try_get(4)?),
                        secret: r.try_get(5)?,
                        created_at: r.try_get(6)?,
                        created_by: r.try_get(7)?,
                    })
                })
                .collect()
        })
    }

    fn webhook_backlog(&self) -> StoreFuture<'_, Vec<IncidentId>> {
        Box::pin(async move {
            let rows = self
                .rows(
                    "SELECT DISTINCT i.id FROM webhooks w CROSS JOIN incidents i \
                     LEFT JOIN webhook_cursors c ON c.webhook = w.id AND c.incident = i.id \
                     WHERE i.head > COALESCE(c.seq, 0)",
                    &[],
                )
                .await?;
            rows.iter().map(|r| incident(r.try_get(0)?)).collect()
        })
    }

    fn webhook_cursors(&self, incident: &IncidentId) -> StoreFuture<'_, Vec<WebhookCursor>> {
        let incident = incident.as_str().to_owned();
        Box::pin(async move {
            let rows = self
                .rows(
                    "SELECT w.id, COALESCE(c.seq, 0), \
                       (SELECT COUNT(*) FROM webhook_deliveries d \
                         WHERE d.webhook = w.id AND d.state = 'pending') \
                     FROM webhooks w \
                     LEFT JOIN webhook_cursors c ON c.webhook = w.id AND c.incident = $1",
                    &[&incident],
                )
                .await?;
            rows.iter()
                .map(|r| {
                    Ok(WebhookCursor {
                        webhook: r.try_get(0)?,
                        seq: seq(r, 1)?,
                        pending: count(r, 2)?,
                    })
                })
                .collect()
        })
    }

    fn due_deliveries(&self, now: i64, limit: u32) -> StoreFuture<'_, Vec<DueDelivery>> {
        Box::pin(async move {
            // The head of each (subscription, incident) lane, if it is due: a later event for
            // the same incident waits for the earlier one.
            let rows = self
                .rows(
                    "SELECT d.key, d.webhook, d.incident, d.seq, d.topic, d.body, d.attempts \
                     FROM webhook_deliveries d \
                     WHERE d.state = 'pending' AND d.next_attempt_at <= $1 \
                       AND d.seq = (SELECT MIN(e.seq) FROM webhook_deliveries e \
                         WHERE e.webhook = d.webhook AND e.incident = d.incident \
                           AND e.state = 'pending') \
                     ORDER BY d.next_attempt_at, d.created_at LIMIT $2",
                    &[&now, &i64::from(limit)],
                )
                .await?;
            rows.iter()
                .map(|r| {
                    let attempts: i32 = r.try_get(6)?;
                    Ok(DueDelivery {
                        key: r.try_get(0)?,
                        webhook: r.try_get(1)?,
                        incident: incident(r.try_get(2)?)?,
                        seq: seq(r, 3)?,
                        topic: topic(r.try_get(4)?)?,
                        body: r.try_get(5)?,
                        attempts: u32::try_from(attempts).unwrap_or(0),
                    })
                })
                .collect()
        })
    }

    fn deliveries(&self, failed_only: bool, limit: u32) -> StoreFuture<'_, Vec<Delivery>> {
        Box::pin(async move {
            let rows = self
                .rows(
                    "SELECT key, webhook, incident, seq, topic, state, attempts, last_status, \
                       last_error, next_attempt_at, created_at, updated_at \
                     FROM webhook_deliveries WHERE (NOT $1 OR state = 'failed') \
                     ORDER BY created_at DESC, seq DESC LIMIT $2",
                    &[&failed_only, &i64::from(limit)],
                )
                .await?;
            rows.iter()
                .map(|r| {
                    let state = match r.try_get::<_, &str>(5)? {
                        "delivered" => DeliveryState::Delivered,
                        "failed" => DeliveryState::Failed,
                        _ => DeliveryState::Pending,
                    };
                    let attempts: i32 = r.try_get(6)?;
                    let status: Option<i32> = r.try_get(7)?;
                    let next: Option<i64> = r.try_get(9)?;
                    Ok(Delivery {
                        key: r.try_get(0)?,
                        webhook: r.try_get(1)?,
                        incident: incident(r.try_get(2)?)?,
                        seq: seq(r, 3)?,
                        event: topic(r.try_get(4)?)?,
                        state,
                        attempts: u32::try_from(attempts).unwrap_or(0),
                        last_status: status.and_then(|s| u16::try_from(s).ok()),
                        last_error: r.try_get(8)?,
                        next_attempt_at: next.filter(|_| state == DeliveryState::Pending).map(time),
                        created_at: time(r.try_get(10)?),
                        updated_at: time(r.try_get(11)?),
                    })
                })
                .collect()
        })
    }
}
