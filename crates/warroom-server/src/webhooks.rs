//! **Outbound webhooks**: subscriptions to chosen events of every incident's log, delivered
//! to an admin's URL as signed JSON or as a Slack-compatible body, at least once, in order
//! per incident, retried with backoff.
//!
//! The design (argued in ARCHITECTURE.md): **the log is the queue's source**. Each
//! subscription has a cursor per incident, the last sequence it has considered. After every
//! append the store wrapper (`store::Observed`, told by `Observed::telling`) marks the incident dirty and wakes the queue — a
//! set insertion, never a wait, so the room's commit and acknowledgement never wait for a
//! webhook. The queue task (`queue.rs`) reads the events past the cursors, picks those a
//! subscription's topics name (`warroom_core::api::webhooks::topics_of`), renders each body
//! once (`payload.rs`) and, in one store write, queues the deliveries and moves the cursors.
//! A restart loses nothing: what is acknowledged is in the log, and the cursors are only
//! moved with the deliveries they cover; at start-up (and every [`SCAN_EVERY`]) every
//! incident with events past a cursor is read again. The sender task (`send.rs`) takes, for
//! each subscription and incident, only the oldest pending delivery (so a later event waits
//! for the earlier one), at most [`CONCURRENCY`] at a time, each with a timeout and no
//! redirects, and records every attempt.
//!
//! - `subscribe.rs`: a new subscription checked (URL, events, name) and made, with its
//!   secret; shared by the admin API and the `warroom webhook` command (`cli.rs`).
//!
//! Exercises, restricted incidents and incidents entered from a timeline file send nothing:
//! an exercise must not page anyone, a restricted incident is invisible to non-members, and
//! an imported timeline is history, not news.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use warroom_core::IncidentId;

use crate::clock::Clock;
pub use crate::config::WebhookConfig;
use crate::shutdown::Shutdown;
use crate::store::Store;

pub mod cli;
mod payload;
mod queue;
mod send;
pub mod subscribe;

pub use payload::{sign, signature_header};

/// The most subscriptions the server keeps.
pub const MAX_WEBHOOKS: usize = 20;
/// The most pending deliveries one subscription may have; past it, its cursors wait (the
/// events stay in the log) until the receiver catches up.
pub const MAX_PENDING: u32 = 1_000;
/// Requests in flight at once, over every subscription.
pub const CONCURRENCY: usize = 8;
/// How often every incident is checked for events past a cursor, besides after each append
/// (this also sees what another process wrote, such as an import).
pub const SCAN_EVERY: Duration = Duration::from_secs(10);
/// Finished deliveries are kept in the log this long.
pub const KEEP_FINISHED: Duration = Duration::from_secs(7 * 24 * 3600);

/// The dispatcher's shared half: the incidents with new events, and the wake-ups of its two
/// tasks. Held by the store wrapper (which marks) and the tasks (which take).
#[derive(Default)]
pub struct Webhooks {
    /// Incidents appended to since the queue last looked; at most one entry per incident.
    dirty: Mutex<HashSet<IncidentId>>,
    queue_wake: Notify,
    send_wake: Notify,
}

impl crate::store::Appended for Webhooks {
    fn appended(&self, incident: &IncidentId) {
        self.touched(incident);
    }
}

impl Webhooks {
    /// `incident`'s log grew: the queue looks at it soon. Never waits.
    pub fn touched(&self, incident: &IncidentId) {
        self.dirty
            .lock()
            .expect("webhook dirty set poisoned")
            .insert(incident.clone());
        self.queue_wake.notify_one();
    }

    fn take_dirty(&self) -> Vec<IncidentId> {
        let mut dirty = self.dirty.lock().expect("webhook dirty set poisoned");
        dirty.drain().collect()
    }
}

/// Starts the queue and sender tasks over `store`; they stop when `stop` is signalled (what
/// is in flight then is sent again after a restart: at least once). They are not tracked: a
/// stop never waits for a receiver.
pub fn start(
    store: Arc<dyn Store>,
    hooks: Arc<Webhooks>,
    clock: Clock,
    config: WebhookConfig,
    stop: Shutdown,
) {
    let config = Arc::new(config);
    tokio::spawn(queue::run(
        Arc::clone(&store),
        Arc::clone(&hooks),
        clock,
        Arc::clone(&config),
        stop.clone(),
    ));
    tokio::spawn(send::run(store, hooks, clock, config, stop));
}

/// Unix milliseconds on `clock`: the store's unit for webhook times.
fn now_ms(clock: &Clock) -> i64 {
    clock.now().timestamp_millis()
}
