//! Deciding the next batch while one commits. On a store that commits appends in the order
//! they were started (one process on SQLite: [`Store::start_append`]), a room hands each
//! decided batch to the store and goes on deciding; answers and broadcasts still follow
//! commits, oldest first, so nothing is sent before it is durable and every client hears in
//! log order. A batch with nothing to write (only rejections and resends) is answered in its
//! turn too, after the batches before it. A join, a leave, an import or a deletion first waits
//! for every batch in flight, so a joiner's board is durable. A failed append stops the room:
//! the batches after it expected its head, so none of them commits either.
//!
//! With other replicas on the log (`Store::shared`), `batch.rs` waits for each append, as
//! it must keep the board from before the batch to decide again after losing a race.
//!
//! [`Store::start_append`]: crate::store::Store::start_append

use std::collections::VecDeque;

use super::batch::{Decided, Submission};
use super::{Room, RoomStopped};
use warroom_core::Seq;

use crate::store::{StoreError, StoreFuture};
use crate::telemetry::{self, CommandOutcome};

/// The most batches a room keeps in flight before it waits for the oldest: enough for the
/// writer thread to find the next one queued when it finishes a commit.
const MAX_IN_FLIGHT: usize = 4;

/// A decided batch on its way to the store.
pub(super) struct Pending {
    submits: Vec<Submission>,
    decided: Decided,
    /// The append's completion; `None` for a batch that wrote nothing, or whose append was
    /// awaited already (`result`).
    commit: Option<StoreFuture<'static, ()>>,
    snapshot_at: Option<Seq>,
}

/// The batches a room has in flight, oldest first.
pub(super) type InFlight = VecDeque<Pending>;

/// How the oldest batch in flight ended: its append's result, once it has one.
pub(super) async fn oldest_committed(in_flight: &mut InFlight) -> Result<(), StoreError> {
    match in_flight.front_mut().and_then(|p| p.commit.as_mut()) {
        Some(commit) => commit.await,
        None => Ok(()),
    }
}

impl Room {
    /// Decides `submits` and starts their append without waiting for the ones in flight; waits
    /// only when [`MAX_IN_FLIGHT`] are.
    pub(super) async fn flush_pipelined(
        &mut self,
        submits: Vec<Submission>,
    ) -> Result<(), RoomStopped> {
        let expected = self.head();
        let decided = self.decide(&submits);
        if decided.events.is_empty() && self.in_flight.is_empty() {
            return self.answer(submits, decided);
        }
        let mut pending = Pending {
            submits,
            decided,
            commit: None,
            snapshot_at: None,
        };
        if !pending.decided.events.is_empty() {
            let (append, snapshot_at) = self.append_of(expected, &pending.decided);
            pending.snapshot_at = snapshot_at;
            match self.store.start_append(append) {
                Ok(commit) => pending.commit = Some(commit),
                Err(append) => {
                    // This store cannot keep appends in order: the ones before are answered
                    // first, then this one is written and answered.
                    self.drain().await?;
                    let result = self.store.append(*append).await;
                    return self.finish(pending, result);
                }
            }
            if let Some(head) = snapshot_at {
                // The next batches need not carry one too.
                self.snapshots.written(head, self.clock.instant());
            }
        }
        // Remembered now: a resend in a later batch is acknowledged (after this one commits)
        // rather than applied again.
        self.applied
            .remember(pending.decided.new_ids.iter().cloned());
        self.in_flight.push_back(pending);
        while self.in_flight.len() > MAX_IN_FLIGHT {
            self.finish_oldest().await?;
        }
        Ok(())
    }

    /// Waits for every batch in flight and answers it.
    pub(super) async fn drain(&mut self) -> Result<(), RoomStopped> {
        while !self.in_flight.is_empty() {
            self.finish_oldest().await?;
        }
        Ok(())
    }

    async fn finish_oldest(&mut self) -> Result<(), RoomStopped> {
        let result = oldest_committed(&mut self.in_flight).await;
        self.finish_front(result)
    }

    /// The oldest batch in flight has `result`: broadcast and answer it, or stop the room.
    pub(super) fn finish_front(
        &mut self,
        result: Result<(), StoreError>,
    ) -> Result<(), RoomStopped> {
        match self.in_flight.pop_front() {
            Some(pending) => self.finish(pending, result),
            None => Ok(()),
        }
    }

    fn finish(
        &mut self,
        pending: Pending,
        result: Result<(), StoreError>,
    ) -> Result<(), RoomStopped> {
        let Pending {
            submits,
            decided,
            snapshot_at,
            ..
        } = pending;
        if !decided.events.is_empty() {
            if let Err(err) = result {
                telemetry::commands(CommandOutcome::Failed, decided.new_ids.len() as u64);
                let stopped = self.write_failed(&submits, &err);
                // Every later batch expected this one's head: none of them is written.
                for later in std::mem::take(&mut self.in_flight) {
                    self.write_failed(&later.submits, &err);
                }
                return Err(stopped);
            }
            self.committed(&decided, snapshot_at);
        }
        self.answer(submits, decided)
    }
}
