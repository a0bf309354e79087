//! A [`Store`] seen by the operator: every call goes to the store inside, and on the way back
//! the wrapper counts technical failures (`warroom_database_errors_total`, by method) and times
//! each append (`warroom_store_commit_seconds`).
//!
//! It wraps any store — SQLite or another — so the figures mean the same whichever the server
//! runs on, and no implementation has to remember to report them. It changes nothing that
//! passes through: a conflict or an unknown incident is an answer, passed on and not counted.

use std::sync::Arc;

use warroom_core::{Incident, IncidentId, ParticipantId, Recorded, Seq};

use warroom_core::api::webhooks::Delivery;

use super::webhooks::{Attempt, DueDelivery, Enqueue, WebhookCursor, WebhookRecord};
use super::{
    Append, ClockLease, CommandKey, Heard, LinkRecord, Loaded, SessionRecord, Since, Store,
    StoreError, StoreFuture, Summary, TokenRecord, WebhookStore,
};
use crate::clock::Clock;
use crate::telemetry;

/// `inner`, with its calls counted and its appends timed by `clock`.
pub struct Observed {
    inner: Arc<dyn Store>,
    clock: Clock,
    /// Told of every incident whose append succeeded (the webhook queue): a set insertion,
    /// never a wait, so the room's commit and acknowledgement never wait for it.
    appended: Option<Arc<dyn Appended>>,
}

/// Who wants to know, without making anyone wait, that an incident's log grew.
pub trait Appended: Send + Sync {
    /// `incident`'s append succeeded. Must never block.
    fn appended(&self, incident: &IncidentId);
}

impl Observed {
    pub fn new(inner: Arc<dyn Store>, clock: Clock) -> Self {
        Self {
            inner,
            clock,
            appended: None,
        }
    }

    /// The same, telling `hooks` of each incident an append grew.
    pub fn telling(self, hooks: Arc<dyn Appended>) -> Self {
        Self {
            appended: Some(hooks),
            ..self
        }
    }
}

/// Counts `result` as a database error of `operation` if it is a technical failure.
fn counted<T>(operation: &'static str, result: Result<T, StoreError>) -> Result<T, StoreError> {
    if let Err(err) = &result
        && !err.is_answer()
    {
        telemetry::database_error(operation);
    }
    result
}

/// Runs `call` and counts its failure as `operation`'s.
macro_rules! observe {
    ($operation:literal, $call:expr) => {{
        let call = $call;
        Box::pin(async move { counted($operation, call.await) })
    }};
}

impl Store for Observed {
    fn ready(&self) -> StoreFuture<'_, ()> {
        observe!("ready", self.inner.ready())
    }

    fn append(&self, append: Append) -> StoreFuture<'_, ()> {
        let started = self.clock.instant();
        let append_incident = append.incident.clone();
        let call = self.inner.append(append);
        let incident = self.appended.as_ref().map(|_| append_incident.clone());
        Box::pin(async move {
            let result = call.await;
            telemetry::commit(self.clock.since(started));
            if let (Ok(()), Some(hooks), Some(incident)) = (&result, &self.appended, &incident) {
                hooks.appended(incident);
            }
            counted("append", result)
        })
    }

    fn start_append(&self, append: Append) -> Result<StoreFuture<'static, ()>, Box<Append>> {
        let started = self.clock.instant();
        let incident = append.incident.clone();
        let call = self.inner.start_append(append)?;
        let clock = self.clock;
        let appended = self.appended.clone();
        Ok(Box::pin(async move {
            let result = call.await;
            telemetry::commit(clock.since(started));
            if let (Ok(()), Some(hooks)) = (&result, &appended) {
                hooks.appended(&incident);
            }
            counted("append", result)
        }))
    }

    fn snapshot(&self, incident: &IncidentId, board: Incident) -> StoreFuture<'_, ()> {
        let call = self.inner.snapshot(incident, board);
        Box::pin(async move { counted("snapshot", call.await) })
    }

    fn load(&self, incident: &IncidentId) -> StoreFuture<'_, Loaded> {
        observe!("load", self.inner.load(incident))
    }

    fn commands(&self, incident: &IncidentId) -> StoreFuture<'_, Vec<(CommandKey, Seq)>> {
        observe!("commands", self.inner.commands(incident))
    }

    fn events_after(
        &self,
        incident: &IncidentId,
        after: Seq,
        limit: u32,
    ) -> StoreFuture<'_, Vec<Recorded>> {
        observe!(
            "events_after",
            self.inner.events_after(incident, after, limit)
        )
    }

    fn events_before(
        &self,
        incident: &IncidentId,
        before: Seq,
        limit: u32,
    ) -> StoreFuture<'_, Vec<Recorded>> {
        observe!(
            "events_before",
            self.inner.events_before(incident, before, limit)
        )
    }

    fn list(&self) -> StoreFuture<'_, Vec<Summary>> {
        observe!("list", self.inner.list())
    }

    fn summary(&self, incident: &IncidentId) -> StoreFuture<'_, Option<Summary>> {
        observe!("summary", self.inner.summary(incident))
    }

    fn delete(&self, incident: &IncidentId) -> StoreFuture<'_, ()> {
        observe!("delete", self.inner.delete(incident))
    }

    fn create_session(&self, session: SessionRecord) -> StoreFuture<'_, ()> {
        observe!("create_session", self.inner.create_session(session))
    }

    fn session(&self, token_hash: &str) -> StoreFuture<'_, Option<SessionRecord>> {
        observe!("session", self.inner.session(token_hash))
    }

    fn delete_session(&self, token_hash: &str) -> StoreFuture<'_, ()> {
        observe!("delete_session", self.inner.delete_session(token_hash))
    }

    fn link(&self, token_hash: &str) -> StoreFuture<'_, Option<LinkRecord>> {
        observe!("link", self.inner.link(token_hash))
    }

    fn rename(&self, participant: &ParticipantId, name: &str) -> StoreFuture<'_, ()> {
        observe!("rename", self.inner.rename(participant, name))
    }

    fn alert_route(&self, group_key: &str) -> StoreFuture<'_, Option<IncidentId>> {
        observe!("alert_route", self.inner.alert_route(group_key))
    }

    fn set_alert_route(&self, group_key: &str, incident: &IncidentId) -> StoreFuture<'_, ()> {
        observe!(
            "set_alert_route",
            self.inner.set_alert_route(group_key, incident)
        )
    }

    fn create_token(&self, token: TokenRecord) -> StoreFuture<'_, ()> {
        observe!("create_token", self.inner.create_token(token))
    }

    fn tokens(&self) -> StoreFuture<'_, Vec<TokenRecord>> {
        observe!("tokens", self.inner.tokens())
    }

    fn token(&self, token_hash: &str) -> StoreFuture<'_, Option<TokenRecord>> {
        observe!("token", self.inner.token(token_hash))
    }

    fn revoke_token(&self, id: &str, at: u64) -> StoreFuture<'_, ()> {
        observe!("revoke_token", self.inner.revoke_token(id, at))
    }

    fn touch_token(&self, id: &str, at: u64) -> StoreFuture<'_, ()> {
        observe!("touch_token", self.inner.touch_token(id, at))
    }

    fn shared(&self) -> bool {
        self.inner.shared()
    }

    fn since(&self, incident: &IncidentId, after: Seq, limit: u32) -> StoreFuture<'_, Since> {
        observe!("since", self.inner.since(incident, after, limit))
    }

    fn heads(&self) -> Option<tokio::sync::broadcast::Receiver<Heard>> {
        self.inner.heads()
    }

    fn clock_lease(&self, incident: &IncidentId) -> Box<dyn ClockLease> {
        self.inner.clock_lease(incident)
    }

    fn publish_presence(
        &self,
        incident: &IncidentId,
        participants: Vec<ParticipantId>,
        ask: bool,
    ) -> StoreFuture<'_, ()> {
        observe!(
            "presence",
            self.inner.publish_presence(incident, participants, ask)
        )
    }
}

impl WebhookStore for Observed {
    fn create_webhook(&self, hook: WebhookRecord, limit: usize) -> StoreFuture<'_, bool> {
        observe!("create_webhook", self.inner.create_webhook(hook, limit))
    }

    fn webhooks(&self) -> StoreFuture<'_, Vec<WebhookRecord>> {
        observe!("webhooks", self.inner.webhooks())
    }

    fn delete_webhook(&self, id: &str) -> StoreFuture<'_, bool> {
        observe!("delete_webhook", self.inner.delete_webhook(id))
    }

    fn webhook_backlog(&self) -> StoreFuture<'_, Vec<IncidentId>> {
        observe!("webhook_backlog", self.inner.webhook_backlog())
    }

    fn webhook_cursors(&self, incident: &IncidentId) -> StoreFuture<'_, Vec<WebhookCursor>> {
        observe!("webhook_cursors", self.inner.webhook_cursors(incident))
    }

    fn enqueue_deliveries(&self, enqueue: Enqueue) -> StoreFuture<'_, ()> {
        observe!("enqueue_deliveries", self.inner.enqueue_deliveries(enqueue))
    }

    fn due_deliveries(&self, now: i64, limit: u32) -> StoreFuture<'_, Vec<DueDelivery>> {
        observe!("due_deliveries", self.inner.due_deliveries(now, limit))
    }

    fn record_attempt(&self, key: &str, attempt: Attempt, now: i64) -> StoreFuture<'_, ()> {
        observe!(
            "record_attempt",
            self.inner.record_attempt(key, attempt, now)
        )
    }

    fn deliveries(&self, failed_only: bool, limit: u32) -> StoreFuture<'_, Vec<Delivery>> {
        observe!("deliveries", self.inner.deliveries(failed_only, limit))
    }

    fn prune_deliveries(&self, before: i64) -> StoreFuture<'_, ()> {
        observe!("prune_deliveries", self.inner.prune_deliveries(before))
    }
}

#[cfg(test)]
mod tests {
    use futures_util::FutureExt as _;
    use metrics_exporter_prometheus::PrometheusBuilder;
    use warroom_core::TextId as _;

    use super::*;

    /// A store whose database is gone, except that it knows of no incident `unknown`.
    struct Broken;

    fn failed<'a, T: Send + 'a>() -> StoreFuture<'a, T> {
        Box::pin(async { Err(StoreError::Closed) })
    }

    impl WebhookStore for Broken {
        fn create_webhook(&self, _: WebhookRecord, _: usize) -> StoreFuture<'_, bool> {
            failed()
        }
        fn webhooks(&self) -> StoreFuture<'_, Vec<WebhookRecord>> {
            failed()
        }
        fn delete_webhook(&self, _: &str) -> StoreFuture<'_, bool> {
            failed()
        }
        fn webhook_backlog(&self) -> StoreFuture<'_, Vec<IncidentId>> {
            failed()
        }
        fn webhook_cursors(&self, _: &IncidentId) -> StoreFuture<'_, Vec<WebhookCursor>> {
            failed()
        }
        fn enqueue_deliveries(&self, _: Enqueue) -> StoreFuture<'_, ()> {
            failed()
        }
        fn due_deliveries(&self, _: i64, _: u32) -> StoreFuture<'_, Vec<DueDelivery>> {
            failed()
        }
        fn record_attempt(&self, _: &str, _: Attempt, _: i64) -> StoreFuture<'_, ()> {
            failed()
        }
        fn deliveries(&self, _: bool, _: u32) -> StoreFuture<'_, Vec<Delivery>> {
            failed()
        }
        fn prune_deliveries(&self, _: i64) -> StoreFuture<'_, ()> {
            failed()
        }
    }

    impl Store for Broken {
        fn ready(&self) -> StoreFuture<'_, ()> {
            failed()
        }
        fn append(&self, _: Append) -> StoreFuture<'_, ()> {
            failed()
        }
        fn snapshot(&self, _: &IncidentId, _: Incident) -> StoreFuture<'_, ()> {
            failed()
        }
        fn load(&self, incident: &IncidentId) -> StoreFuture<'_, Loaded> {
            let incident = incident.clone();
            Box::pin(async move { Err(StoreError::UnknownIncident(incident)) })
        }
        fn commands(&self, _: &IncidentId) -> StoreFuture<'_, Vec<(CommandKey, Seq)>> {
            failed()
        }
        fn events_after(&self, _: &IncidentId, _: Seq, _: u32) -> StoreFuture<'_, Vec<Recorded>> {
            failed()
        }
        fn events_before(&self, _: &IncidentId, _: Seq, _: u32) -> StoreFuture<'_, Vec<Recorded>> {
            failed()
        }
        fn list(&self) -> StoreFuture<'_, Vec<Summary>> {
            failed()
        }
        fn summary(&self, _: &IncidentId) -> StoreFuture<'_, Option<Summary>> {
            failed()
        }
        fn delete(&self, _: &IncidentId) -> StoreFuture<'_, ()> {
            failed()
        }
        fn create_session(&self, _: SessionRecord) -> StoreFuture<'_, ()> {
            failed()
        }
        fn session(&self, _: &str) -> StoreFuture<'_, Option<SessionRecord>> {
            failed()
        }
        fn delete_session(&self, _: &str) -> StoreFuture<'_, ()> {
            failed()
        }
        fn link(&self, _: &str) -> StoreFuture<'_, Option<LinkRecord>> {
            failed()
        }
        fn rename(&self, _: &ParticipantId, _: &str) -> StoreFuture<'_, ()> {
            failed()
        }
        fn alert_route(&self, _: &str) -> StoreFuture<'_, Option<IncidentId>> {
            failed()
        }
        fn set_alert_route(&self, _: &str, _: &IncidentId) -> StoreFuture<'_, ()> {
            failed()
        }
        fn create_token(&self, _: TokenRecord) -> StoreFuture<'_, ()> {
            failed()
        }
        fn tokens(&self) -> StoreFuture<'_, Vec<TokenRecord>> {
            failed()
        }
        fn token(&self, _: &str) -> StoreFuture<'_, Option<TokenRecord>> {
            failed()
        }
        fn revoke_token(&self, _: &str, _: u64) -> StoreFuture<'_, ()> {
            failed()
        }
        fn touch_token(&self, _: &str, _: u64) -> StoreFuture<'_, ()> {
            failed()
        }
    }

    #[test]
    fn failures_are_counted_by_operation_and_answers_are_not() {
        let recorder = PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        metrics::with_local_recorder(&recorder, || {
            let store = Observed::new(Arc::new(Broken), Clock::system());
            let unknown = IncidentId::parse("unknown").expect("an id");
            for _ in 0..2 {
                let listed = store.list().now_or_never().expect("ready at once");
                assert!(matches!(listed, Err(StoreError::Closed)), "passed on");
            }
            let ready = store.ready().now_or_never().expect("ready at once");
            assert!(ready.is_err());
            let loaded = store.load(&unknown).now_or_never().expect("ready at once");
            assert!(matches!(loaded, Err(StoreError::UnknownIncident(_))));
        });
        let text = handle.render();
        assert!(
            text.contains("warroom_database_errors_total{operation=\"list\"} 2"),
            "{text}"
        );
        assert!(
            text.contains("warroom_database_errors_total{operation=\"ready\"} 1"),
            "{text}"
        );
        assert!(
            !text.contains("operation=\"load\""),
            "an answer, not a failure: {text}"
        );
    }
}
