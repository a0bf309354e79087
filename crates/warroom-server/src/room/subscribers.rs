//! The room's subscribers and presence: the bounded outbound queue of every connection joined
//! to the incident, who is present (a participant with at least one connection open, observers
//! aside), fan-out of frames, and cutting off a subscriber that stops reading (4008) so that
//! one stalled reader never slows the others.
//!
//! It decides nothing about the incident and never waits: every send is a `try_send` into a
//! subscriber's queue. What a subscriber is sent on joining is the catch-up's (`catch_up.rs`);
//! whether it may join at all is `access.rs`'s.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use warroom_core::protocol::{ServerMessage, close};
use warroom_core::{IncidentId, LinkId, ParticipantId};

use super::{ConnId, Frame, Outbox, frame};
use crate::telemetry::{self, CutOff};

/// One connection joined to the room.
pub(super) struct Subscriber {
    pub(super) participant: ParticipantId,
    frames: mpsc::Sender<Frame>,
    kick: Option<oneshot::Sender<(u16, &'static str)>>,
    /// Watching through this observer link: read-only, not on the crew's presence.
    pub(super) watching: Option<LinkId>,
}

/// Every subscriber of one room, and who is present.
pub(super) struct Subscribers {
    /// The room's incident, for the log.
    incident: IncidentId,
    by_conn: HashMap<ConnId, Subscriber>,
    /// Open connections per participant (observers not counted); a participant is present
    /// while they have one.
    connections: BTreeMap<ParticipantId, usize>,
    /// Who is connected to this incident through other replicas, by replica, as they last
    /// said (`room/presence.rs`), with when they said it.
    remote: HashMap<String, (BTreeSet<ParticipantId>, Instant)>,
    /// Everyone present: connected here, or through another replica.
    present: BTreeSet<ParticipantId>,
}

impl Subscribers {
    pub(super) fn new(incident: IncidentId) -> Self {
        Self {
            incident,
            by_conn: HashMap::new(),
            connections: BTreeMap::new(),
            remote: HashMap::new(),
            present: BTreeSet::new(),
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.by_conn.is_empty()
    }

    /// Who is present, as commands are decided against it.
    pub(super) fn present(&self) -> &BTreeSet<ParticipantId> {
        &self.present
    }

    /// Who is connected through this replica.
    pub(super) fn local(&self) -> Vec<ParticipantId> {
        self.connections.keys().cloned().collect()
    }

    /// What `replica` says of who is connected through it (`first`: the start of its list,
    /// which replaces what it said before; otherwise more of the same list). Broadcasts the
    /// presence if that changes it.
    pub(super) fn heard_remote(
        &mut self,
        replica: String,
        participants: Vec<ParticipantId>,
        first: bool,
        at: Instant,
    ) {
        let entry = self
            .remote
            .entry(replica)
            .or_insert_with(|| (BTreeSet::new(), at));
        if first {
            entry.0.clear();
        }
        entry.0.extend(participants);
        entry.1 = at;
        self.recount();
    }

    /// Forgets what replicas not heard from since `before` said (they are gone).
    pub(super) fn expire_remote(&mut self, before: Instant) {
        let count = self.remote.len();
        self.remote.retain(|_, (_, at)| *at >= before);
        if self.remote.len() != count {
            self.recount();
        }
    }

    /// Recomputes who is present, and tells everyone if that changed.
    fn recount(&mut self) {
        let mut present: BTreeSet<ParticipantId> = self.connections.keys().cloned().collect();
        for (participants, _) in self.remote.values() {
            present.extend(participants.iter().cloned());
        }
        if present != self.present {
            self.present = present;
            let presence = self.presence_frame();
            self.broadcast(&presence);
        }
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = (&ConnId, &Subscriber)> {
        self.by_conn.iter()
    }

    pub(super) fn is_watching(&self, conn: ConnId) -> bool {
        self.by_conn
            .get(&conn)
            .is_some_and(|s| s.watching.is_some())
    }

    /// Adds a connection; it is not yet on the presence (see [`Subscribers::arrive`]).
    pub(super) fn subscribe(
        &mut self,
        conn: ConnId,
        participant: ParticipantId,
        outbox: Outbox,
        watching: Option<LinkId>,
    ) {
        let subscriber = Subscriber {
            participant,
            frames: outbox.frames,
            kick: Some(outbox.kick),
            watching,
        };
        self.by_conn.insert(conn, subscriber);
    }

    /// Counts one more connection of `participant`; `true` if that makes them present.
    pub(super) fn arrive(&mut self, participant: &ParticipantId) -> bool {
        let count = self.connections.entry(participant.clone()).or_default();
        *count += 1;
        let arrived = *count == 1;
        if arrived {
            self.present.insert(participant.clone());
        }
        arrived
    }

    /// A connection left of its own accord.
    pub(super) fn leave(&mut self, conn: ConnId) {
        let Some(sub) = self.by_conn.remove(&conn) else {
            return;
        };
        self.forget_connection(&sub.participant);
    }

    pub(super) fn presence_frame(&self) -> Frame {
        frame(&ServerMessage::Presence {
            present: self.present.iter().cloned().collect(),
        })
    }

    /// Queues `frame` for every subscriber; cuts off those whose queue is full.
    pub(super) fn broadcast(&mut self, frame: &Frame) {
        let mut stalled = Vec::new();
        let mut deepest = 0;
        for (conn, sub) in &self.by_conn {
            if sub.frames.try_send(frame.clone()).is_err() {
                stalled.push(*conn);
            } else {
                deepest = deepest.max(sub.frames.max_capacity() - sub.frames.capacity());
            }
        }
        if !self.by_conn.is_empty() {
            telemetry::queue_depth(deepest);
        }
        for conn in stalled {
            self.cut_off(conn);
        }
    }

    pub(super) fn send_to(&mut self, conn: ConnId, frame: Frame) {
        let stalled = self
            .by_conn
            .get(&conn)
            .is_some_and(|sub| sub.frames.try_send(frame).is_err());
        if stalled {
            self.cut_off(conn);
        }
    }

    /// Closes one connection with `code`: what it was sent before goes first.
    pub(super) fn close(&mut self, conn: ConnId, code: u16, reason: &'static str) {
        if let Some(mut sub) = self.by_conn.remove(&conn) {
            if let Some(kick) = sub.kick.take() {
                let _ = kick.send((code, reason));
            }
            self.forget_connection(&sub.participant);
        }
    }

    /// Closes every connection with `code`.
    pub(super) fn kick_all(&mut self, code: u16, reason: &'static str) {
        for (_, mut sub) in self.by_conn.drain() {
            if let Some(kick) = sub.kick.take() {
                let _ = kick.send((code, reason));
            }
        }
    }

    /// Drops a subscriber that cannot keep up (or has gone), telling its connection why.
    fn cut_off(&mut self, conn: ConnId) {
        let Some(mut sub) = self.by_conn.remove(&conn) else {
            return;
        };
        if let Some(kick) = sub.kick.take() {
            tracing::info!(incident = %self.incident, conn, "cutting off a client that stopped reading");
            telemetry::cut_off(CutOff::SlowConsumer);
            let _ = kick.send((close::SLOW_CONSUMER, "too slow: reconnect and resume"));
        }
        self.forget_connection(&sub.participant);
    }

    fn forget_connection(&mut self, participant: &ParticipantId) {
        let Some(count) = self.connections.get_mut(participant) else {
            return;
        };
        *count -= 1;
        if *count == 0 {
            self.connections.remove(participant);
            self.recount();
        }
    }
}
