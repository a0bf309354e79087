//! The store as the rooms see it when webhooks are on: every call goes to the real store, and
//! an append that succeeded marks its incident for the queue (`Webhooks::touched`, a set
//! insertion). Nothing else changes, so the room's write path is the store's, plus that.

use std::sync::Arc;

use warroom_core::api::webhooks::Delivery;
use warroom_core::{IncidentId, ParticipantId, Recorded, Seq};

use super::Webhooks;
use crate::store::{
    Append, Attempt, CommandKey, DueDelivery, Enqueue, LinkRecord, Loaded, SessionRecord, Store,
    StoreFuture, Summary, WebhookCursor, WebhookRecord, WebhookStore,
};

/// A [`Store`] that tells [`Webhooks`] about every successful append.
pub struct Notifying {
    inner: Arc<dyn Store>,
    hooks: Arc<Webhooks>,
}

impl Notifying {
    pub fn new(inner: Arc<dyn Store>, hooks: Arc<Webhooks>) -> Self {
        Self { inner, hooks }
    }
}

impl Store for Notifying {
    fn append(&self, append: Append) -> StoreFuture<'_, ()> {
        let incident = append.incident.clone();
        Box::pin(async move {
            self.inner.append(append).await?;
            self.hooks.touched(&incident);
            Ok(())
        })
    }

    fn load(&self, incident: &IncidentId) -> StoreFuture<'_, Loaded> {
        self.inner.load(incident)
    }

    fn commands(&self, incident: &IncidentId) -> StoreFuture<'_, Vec<(CommandKey, Seq)>> {
        self.inner.commands(incident)
    }

    fn events_after(
        &self,
        incident: &IncidentId,
        after: Seq,
        limit: u32,
    ) -> StoreFuture<'_, Vec<Recorded>> {
        self.inner.events_after(incident, after, limit)
    }

    fn events_before(
        &self,
        incident: &IncidentId,
        before: Seq,
        limit: u32,
    ) -> StoreFuture<'_, Vec<Recorded>> {
        self.inner.events_before(incident, before, limit)
    }

    fn list(&self) -> StoreFuture<'_, Vec<Summary>> {
        self.inner.list()
    }

    fn summary(&self, incident: &IncidentId) -> StoreFuture<'_, Option<Summary>> {
        self.inner.summary(incident)
    }

    fn delete(&self, incident: &IncidentId) -> StoreFuture<'_, ()> {
        self.inner.delete(incident)
    }

    fn create_session(&self, session: SessionRecord) -> StoreFuture<'_, ()> {
        self.inner.create_session(session)
    }

    fn session(&self, token_hash: &str) -> StoreFuture<'_, Option<SessionRecord>> {
        self.inner.session(token_hash)
    }

    fn delete_session(&self, token_hash: &str) -> StoreFuture<'_, ()> {
        self.inner.delete_session(token_hash)
    }

    fn link(&self, token_hash: &str) -> StoreFuture<'_, Option<LinkRecord>> {
        self.inner.link(token_hash)
    }

    fn rename(&self, participant: &ParticipantId, name: &str) -> StoreFuture<'_, ()> {
        self.inner.rename(participant, name)
    }
}

impl WebhookStore for Notifying {
    fn create_webhook(&self, hook: WebhookRecord, limit: usize) -> StoreFuture<'_, bool> {
        self.inner.create_webhook(hook, limit)
    }

    fn webhooks(&self) -> StoreFuture<'_, Vec<WebhookRecord>> {
        self.inner.webhooks()
    }

    fn delete_webhook(&self, id: &str) -> StoreFuture<'_, bool> {
        self.inner.delete_webhook(id)
    }

    fn webhook_backlog(&self) -> StoreFuture<'_, Vec<IncidentId>> {
        self.inner.webhook_backlog()
    }

    fn webhook_cursors(&self, incident: &IncidentId) -> StoreFuture<'_, Vec<WebhookCursor>> {
        self.inner.webhook_cursors(incident)
    }

    fn enqueue_deliveries(&self, enqueue: Enqueue) -> StoreFuture<'_, ()> {
        self.inner.enqueue_deliveries(enqueue)
    }

    fn due_deliveries(&self, now: i64, limit: u32) -> StoreFuture<'_, Vec<DueDelivery>> {
        self.inner.due_deliveries(now, limit)
    }

    fn record_attempt(&self, key: &str, attempt: Attempt, now: i64) -> StoreFuture<'_, ()> {
        self.inner.record_attempt(key, attempt, now)
    }

    fn deliveries(&self, failed_only: bool, limit: u32) -> StoreFuture<'_, Vec<Delivery>> {
        self.inner.deliveries(failed_only, limit)
    }

    fn prune_deliveries(&self, before: i64) -> StoreFuture<'_, ()> {
        self.inner.prune_deliveries(before)
    }
}
