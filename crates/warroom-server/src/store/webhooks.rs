//! What the store keeps for outbound webhooks (the design is `webhooks.rs`'s): the
//! subscriptions with their signing secrets, one **cursor** per subscription and incident
//! (the last sequence of the log it has considered), and the **deliveries** queued from the
//! log. Times are Unix milliseconds of the server's clock.
//!
//! **Invariant:** a cursor moves only in the write that queues the deliveries of the events it
//! passes, so an event is queued for a subscription exactly once, and never skipped, whatever
//! stops when.

use warroom_core::api::webhooks::{Delivery, WebhookFormat, WebhookTopic};
use warroom_core::{IncidentId, Seq};

use super::StoreFuture;

/// A subscription as the store keeps it, its secret included: the server must compute HMACs
/// with it, so it cannot be kept as a hash. It never leaves the server after creation.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookRecord {
    pub id: String,
    pub name: String,
    pub url: String,
    pub format: WebhookFormat,
    pub topics: Vec<WebhookTopic>,
    pub secret: String,
    pub created_at: i64,
    pub created_by: String,
}

impl std::fmt::Debug for WebhookRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookRecord")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("url", &self.url)
            .field("format", &self.format)
            .field("topics", &self.topics)
            .field("secret", &"..")
            .finish()
    }
}

/// A subscription's place in one incident's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookCursor {
    pub webhook: String,
    /// The last sequence considered (0: none; a subscription made after the incident starts
    /// at the head it had then).
    pub seq: Seq,
    /// The subscription's pending deliveries, over every incident.
    pub pending: u32,
}

/// One delivery to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelivery {
    /// `{incident}:{seq}:{webhook}`.
    pub key: String,
    pub webhook: String,
    pub seq: Seq,
    pub topic: WebhookTopic,
    /// The request body, exactly as it will be sent on every attempt.
    pub body: String,
}

/// One write of the queue: cursors moved (each only if it is still at `from`, and its
/// subscription still exists) with the deliveries of the events they pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enqueue {
    pub incident: IncidentId,
    /// `(webhook, from, to)`.
    pub cursors: Vec<(String, Seq, Seq)>,
    pub deliveries: Vec<NewDelivery>,
    pub now: i64,
}

/// A delivery whose turn it is: the oldest pending one of its subscription and incident,
/// due by now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueDelivery {
    pub key: String,
    pub webhook: String,
    pub incident: IncidentId,
    pub seq: Seq,
    pub topic: WebhookTopic,
    pub body: String,
    /// Attempts made so far.
    pub attempts: u32,
}

/// How an attempt went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    Delivered {
        status: u16,
    },
    /// Failed; tried again at `next_at`.
    Retry {
        status: Option<u16>,
        error: String,
        next_at: i64,
    },
    /// Failed for the last time.
    Failed {
        status: Option<u16>,
        error: String,
    },
}

impl Attempt {
    /// The delivery row's new `state`, `last_status`, `last_error` and `next_attempt_at`.
    pub(super) fn columns(&self) -> (&'static str, Option<u16>, Option<&str>, Option<i64>) {
        match self {
            Attempt::Delivered { status } => ("delivered", Some(*status), None, None),
            Attempt::Retry {
                status,
                error,
                next_at,
            } => ("pending", *status, Some(error.as_str()), Some(*next_at)),
            Attempt::Failed { status, error } => ("failed", *status, Some(error.as_str()), None),
        }
    }
}

/// The stored columns read back, the same in both stores: a subscription's topics (comma
/// separated), a delivery's topic and incident, a time in Unix milliseconds.
pub(super) mod column {
    use chrono::DateTime;
    use warroom_core::api::webhooks::WebhookTopic;
    use warroom_core::{IncidentId, TextId};

    use crate::store::StoreError;

    pub fn topics(raw: &str) -> Vec<WebhookTopic> {
        raw.split(',').filter_map(WebhookTopic::parse).collect()
    }

    pub fn topic(raw: &str) -> Result<WebhookTopic, StoreError> {
        WebhookTopic::parse(raw).ok_or_else(|| {
            StoreError::Corrupt(format!("a delivery names an unknown event {raw:?}"))
        })
    }

    pub fn incident(raw: &str) -> Result<IncidentId, StoreError> {
        IncidentId::parse(raw)
            .map_err(|e| StoreError::Corrupt(format!("a delivery names a bad incident: {e}")))
    }

    pub fn time(ms: i64) -> warroom_core::Timestamp {
        DateTime::from_timestamp_millis(ms).unwrap_or_default()
    }
}

/// The store's webhook half, part of every [`super::Store`]: subscriptions, cursors and
/// deliveries.
pub trait WebhookStore: Send + Sync {
    /// Adds a subscription unless `limit` exist already (then `false`), with a cursor at the
    /// current head of every incident, in one write: it hears only of what happens after.
    fn create_webhook(&self, hook: WebhookRecord, limit: usize) -> StoreFuture<'_, bool>;

    /// Every subscription, oldest first, secrets included (for the server's signing only).
    fn webhooks(&self) -> StoreFuture<'_, Vec<WebhookRecord>>;

    /// Removes a subscription with its cursors and deliveries; `false` if there was none.
    fn delete_webhook(&self, id: &str) -> StoreFuture<'_, bool>;

    /// The incidents whose log has events past some subscription's cursor.
    fn webhook_backlog(&self) -> StoreFuture<'_, Vec<IncidentId>>;

    /// Every subscription's cursor on `incident` (0 where it has none), with its pending count.
    fn webhook_cursors(&self, incident: &IncidentId) -> StoreFuture<'_, Vec<WebhookCursor>>;

    /// Moves cursors and queues their deliveries in one write (see [`Enqueue`]).
    fn enqueue_deliveries(&self, enqueue: Enqueue) -> StoreFuture<'_, ()>;

    /// Up to `limit` deliveries whose turn it is at `now`: for each subscription and incident,
    /// only the pending delivery of the lowest sequence, and only once it is due.
    fn due_deliveries(&self, now: i64, limit: u32) -> StoreFuture<'_, Vec<DueDelivery>>;

    /// Records an attempt at the delivery `key`, at `now`.
    fn record_attempt(&self, key: &str, attempt: Attempt, now: i64) -> StoreFuture<'_, ()>;

    /// The delivery log, newest first: every delivery, or only failed ones.
    fn deliveries(&self, failed_only: bool, limit: u32) -> StoreFuture<'_, Vec<Delivery>>;

    /// Forgets deliveries that finished (delivered or failed) before `before`.
    fn prune_deliveries(&self, before: i64) -> StoreFuture<'_, ()>;
}
