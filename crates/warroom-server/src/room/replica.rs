//! The room's part in sharing a log with other replicas: catching up with what they committed.
//!
//! Another replica's room for the same incident appends to the same log. This room learns of
//! it in two ways: its own append loses the race for the head (`batch.rs` then calls
//! [`Room::catch_up_from_store`] and decides again), or the database's news says the log
//! reached a head beyond this room's (`RoomMsg::Heard`, routed by the registry from
//! `Store::heads`). Either way the room reads what was committed after its head, folds it into
//! its board with the same `apply` as everyone, fans it out to its own subscribers, and learns
//! the command ids it answered, so that a resend through this replica is acknowledged, not
//! applied again. The events are read from the table, never taken from the news.

use warroom_core::Seq;
use warroom_core::protocol::{ServerMessage, close};

use super::{Room, RoomStopped, frame};

/// The most events read from the store in one step of a catch-up.
const CATCH_UP_PAGE: u32 = 500;

impl Room {
    /// The database says the log reached `head` (or, with `None`, that news may have been
    /// missed): catches up if that is beyond this room's head.
    pub(super) async fn heard(&mut self, head: Option<Seq>) -> Result<(), RoomStopped> {
        if head.is_some_and(|head| head <= self.head()) {
            return Ok(());
        }
        self.catch_up_from_store().await
    }

    /// Reads, folds and fans out everything committed after this room's head. An error if the
    /// store failed (logged here; the room has closed its connections and must stop).
    pub(super) async fn catch_up_from_store(&mut self) -> Result<(), RoomStopped> {
        loop {
            let head = self.head();
            let since = match self.store.since(&self.id, head, CATCH_UP_PAGE).await {
                Ok(since) => since,
                Err(err) => {
                    tracing::error!(incident = %self.id, %err, "cannot catch up with the log");
                    return Err(self.stop_for_storage());
                }
            };
            let Some(first) = since.events.first() else {
                return Ok(());
            };
            if first.seq != head + 1 {
                tracing::error!(incident = %self.id, head, first = first.seq, "the log has a gap");
                return Err(self.stop_for_storage());
            }
            let full = since.events.len() >= CATCH_UP_PAGE as usize;
            for recorded in &since.events {
                warroom_core::apply(&mut self.state, recorded);
            }
            self.applied.remember(since.commands);
            if let Some(text) = since.script {
                self.script = warroom_core::scenario::parse(&text).ok();
            }
            tracing::debug!(incident = %self.id, from = head, to = self.head(), "caught up");
            self.catch_up.record(&since.events);
            let started = self.clock.instant();
            self.subscribers.broadcast(&frame(&ServerMessage::Events {
                events: since.events.clone(),
            }));
            crate::telemetry::fanout(self.clock.since(started));
            self.enforce_access(&since.events);
            if !full {
                return Ok(());
            }
        }
    }

    /// Closes every connection after a store failure, so that clients reconnect to a room
    /// reloaded from what is durable.
    fn stop_for_storage(&mut self) -> RoomStopped {
        self.subscribers
            .kick_all(close::INTERNAL, "storage failure; reconnect");
        RoomStopped
    }
}
