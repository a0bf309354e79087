//! The write path of a room: a batch of commands is decided one after another against the
//! evolving board, all their events go to the store in one append, and only once that is
//! durable are they broadcast and the commands answered (ack, rejection, or the events for a
//! command the server sent). A resend of an applied command is acknowledged again and applied
//! once. The write carries a snapshot of the board when one is due ([`SnapshotSpacing`]), and
//! the script a `start_scenario` names (kept out of the log; `drill.rs` runs it).
//!
//! The rules are warroom-core's `execute`; what was already applied is `dedup.rs`'s; who hears
//! about it is `subscribers.rs`'s. A failed write stops the room (clients reconnect to a room
//! reloaded from what is durable).

use tokio::sync::oneshot;
use warroom_core::protocol::{ErrorCode, ServerMessage, close};
use warroom_core::{
    Command, CommandId, Context, Event, ParticipantId, Recorded, Rejection, Seq, execute,
};

use super::{ConnId, Room, RoomStopped, frame};
use crate::store::{Append, CommandKey, LinkRecord, Summary};
use crate::telemetry::{self, CommandOutcome};

/// One command to decide in a batch, in `participant`'s name.
pub(super) struct Submission {
    pub(super) participant: ParticipantId,
    pub(super) command: Command,
    pub(super) origin: Origin,
}

/// Who sent a command, and so where its answer goes.
pub(super) enum Origin {
    /// A connection's submit: the ack or rejection goes back to it, and its id (the client's
    /// own) is remembered so that a resend is applied once.
    Client { conn: ConnId, id: CommandId },
    /// Sent through the API on someone's behalf, after checks the rules cannot make (a link's
    /// token): the events or the rejection go to `reply`; `link` is the token hash of the link
    /// a `create_link` makes, stored with its event. With an `id` (a REST request's
    /// `Idempotency-Key`) it is remembered like a client's, so a retry is applied once.
    Api {
        id: Option<CommandId>,
        link: Option<String>,
        reply: Reply,
    },
    /// The server's own (a join on hello, an inject): answered to nobody.
    Server,
}

impl Submission {
    /// A command the server sends in `participant`'s name, answered to nobody.
    pub(super) fn server(participant: ParticipantId, command: Command) -> Self {
        Self {
            participant,
            command,
            origin: Origin::Server,
        }
    }
}

/// The answer to a command the server sent on someone's behalf.
pub(super) type Reply = oneshot::Sender<Result<Acted, Rejection>>;

/// A command sent through the API, applied: its events and the sequence its acknowledgement
/// reports. A retry of a command already applied (the same id) has no events and the first
/// time's sequence.
#[derive(Debug, Clone)]
pub struct Acted {
    pub events: Vec<Recorded>,
    pub seq: Seq,
}

impl Acted {
    /// Whether this answers a retry: the command was applied before, and nothing now.
    pub fn replayed(&self) -> bool {
        self.events.is_empty()
    }
}

/// When the room's writes carry a snapshot of the board.
pub(super) struct SnapshotSpacing {
    /// The sequence of the latest snapshot in the store.
    last: Seq,
    /// The fewest events between two snapshots.
    every: Seq,
}

impl SnapshotSpacing {
    pub(super) fn new(last: Seq, every: Seq) -> Self {
        Self { last, every }
    }

    /// Whether the write that brings the log to `head` should carry a snapshot: once `every`
    /// events have followed the last one, and the log has grown by an eighth since. The board
    /// grows with the log (every note stays on it), so a fixed cadence alone would rewrite a
    /// board the size of the whole log every few thousand events — quadratic in the
    /// incident's length. Growing the gap with the log keeps the total written a small
    /// multiple of the board (about nine times), and a load replays at most a ninth of the log.
    pub(super) fn due(&self, head: Seq) -> bool {
        let since = head - self.last;
        since >= self.every.max(self.last / 8)
    }

    /// A snapshot at `head` is durable.
    fn written(&mut self, head: Seq) {
        self.last = head;
    }
}

/// A command taken into the current batch, waiting for its write.
pub(super) struct Pending {
    answer: Answer,
    outcome: Outcome,
}

/// Where a pending command's answer goes once the batch is written.
enum Answer {
    Client {
        conn: ConnId,
        id: CommandId,
    },
    /// The command's events are `events` of the batch's.
    Api {
        reply: Reply,
        events: std::ops::Range<usize>,
    },
    Nobody,
}

enum Outcome {
    Ack(Seq),
    Rejected(Rejection),
}

impl Answer {
    /// Where the answer to a command from `origin` goes; `events` are its events in the batch.
    fn new(origin: Origin, events: std::ops::Range<usize>) -> Self {
        match origin {
            Origin::Client { conn, id } => Self::Client { conn, id },
            Origin::Api { reply, .. } => Self::Api { reply, events },
            Origin::Server => Self::Nobody,
        }
    }
}

impl Room {
    /// Decides each command against the evolving board, writes all their events in one
    /// append, then broadcasts and answers. An error if the write failed: the room must stop.
    pub(super) async fn flush(&mut self, submits: Vec<Submission>) -> Result<(), RoomStopped> {
        if submits.is_empty() {
            return Ok(());
        }
        if let Err(stopped) = self.applied.ready(&self.id).await {
            self.subscribers
                .kick_all(close::INTERNAL, "storage failure; reconnect");
            return Err(stopped);
        }
        let expected = self.head();
        let at = self.record_time();
        let mut events: Vec<Recorded> = Vec::new();
        let mut pending: Vec<Pending> = Vec::with_capacity(submits.len());
        let mut new_ids: Vec<(CommandKey, Seq)> = Vec::new();
        let mut new_script: Option<String> = None;
        let mut links: Vec<LinkRecord> = Vec::new();
        for Submission {
            participant,
            command,
            origin,
        } in submits
        {
            // Ids are the client's own, so a resend is the same id from the same participant.
            let key = match &origin {
                Origin::Client { id, .. } | Origin::Api { id: Some(id), .. } => {
                    Some((participant.clone(), id.clone()))
                }
                Origin::Api { id: None, .. } | Origin::Server => None,
            };
            if let Some(seen) = key.as_ref().and_then(|key| {
                self.applied
                    .get(key)
                    .or_else(|| new_ids.iter().find(|(k, _)| k == key).map(|(_, s)| *s))
            }) {
                // A resend after a reconnect: acknowledge again, apply nothing.
                telemetry::command(CommandOutcome::Duplicate);
                pending.push(Pending {
                    answer: Answer::new(origin, 0..0),
                    outcome: Outcome::Ack(seen),
                });
                continue;
            }
            let link = match &origin {
                Origin::Api { link, .. } => link.clone(),
                Origin::Client { .. } | Origin::Server => None,
            };
            let ctx = Context {
                actor: &participant,
                at,
                present: self.subscribers.present(),
            };
            let from = events.len();
            let outcome = match execute(&mut self.state, &command, &ctx) {
                Ok(recorded) => {
                    if let Command::StartScenario { builtin, script } = &command {
                        new_script = script_text(builtin.as_deref(), script.as_deref());
                    }
                    if let Some(token_hash) = link {
                        links.extend(recorded.iter().filter_map(|r| match &r.event {
                            Event::LinkCreated { link, kind, .. } => Some(LinkRecord {
                                token_hash: token_hash.clone(),
                                incident: self.id.clone(),
                                link: *link,
                                kind: *kind,
                            }),
                            _ => None,
                        }));
                    }
                    let seq = recorded.last().map_or_else(|| self.head(), |r| r.seq);
                    events.extend(recorded);
                    if let Some(key) = key {
                        new_ids.push((key, seq));
                    }
                    Outcome::Ack(seq)
                }
                Err(rejection) => {
                    tracing::debug!(incident = %self.id, command = command.name(), %rejection, "rejected");
                    if key.is_some() {
                        telemetry::command(CommandOutcome::Rejected(rejection.code));
                    }
                    Outcome::Rejected(rejection)
                }
            };
            pending.push(Pending {
                answer: Answer::new(origin, from..events.len()),
                outcome,
            });
        }

        // Commands from clients that were decided: accepted once their write is durable.
        let decided = new_ids.len() as u64;
        if !events.is_empty()
            && let Err(stopped) = self
                .write(expected, &events, new_ids, new_script, links, &pending)
                .await
        {
            telemetry::commands(CommandOutcome::Failed, decided);
            return Err(stopped);
        }
        telemetry::commands(CommandOutcome::Accepted, decided);
        self.answer(pending, &events);
        Ok(())
    }

    /// The time the next write's events are recorded at: the server's clock, never before the
    /// board's last event, so that the timeline never runs backwards if the wall clock does.
    pub(super) fn record_time(&self) -> warroom_core::Timestamp {
        let now = self.clock.event_time();
        match &self.state {
            Some(s) if s.updated_at > now => s.updated_at,
            _ => now,
        }
    }

    /// Appends the batch's events (durably), then broadcasts them.
    pub(super) async fn write(
        &mut self,
        expected: Seq,
        events: &[Recorded],
        new_ids: Vec<(CommandKey, Seq)>,
        new_script: Option<String>,
        links: Vec<LinkRecord>,
        pending: &[Pending],
    ) -> Result<(), RoomStopped> {
        let incident = self
            .state
            .as_ref()
            .expect("events imply a declared incident");
        let head = incident.seq;
        let snapshot = self.snapshots.due(head).then(|| incident.clone());
        let append = Append {
            incident: self.id.clone(),
            expected,
            events: events.to_vec(),
            commands: new_ids.clone(),
            snapshot,
            summary: Summary::of(&self.id, incident),
            script: new_script.clone(),
            links,
        };
        let wrote_snapshot = append.snapshot.is_some();
        if let Err(err) = self.store.append(append).await {
            tracing::error!(incident = %self.id, %err, "append failed; restarting the room");
            for p in pending {
                if let Answer::Client { conn, id } = &p.answer {
                    let message = ServerMessage::Error {
                        code: ErrorCode::Internal,
                        message: "The server could not save this; it will be retried when \
                                  you reconnect."
                            .into(),
                        command: Some(id.clone()),
                    };
                    self.subscribers.send_to(*conn, frame(&message));
                }
            }
            // The board in memory is ahead of the log: drop it and let clients reconnect
            // to a room reloaded from what is durable.
            self.subscribers
                .kick_all(close::INTERNAL, "storage failure; reconnect");
            return Err(RoomStopped);
        }
        let committed = self.clock.instant();
        if wrote_snapshot {
            self.snapshots.written(head);
        }
        if let Some(text) = new_script {
            self.script = warroom_core::scenario::parse(&text).ok();
        }
        self.applied.remember(new_ids);
        let frame = frame(&ServerMessage::Events {
            events: events.to_vec(),
        });
        self.catch_up.record(events);
        self.subscribers.broadcast(&frame);
        telemetry::fanout(self.clock.since(committed));
        self.enforce_access(events);
        Ok(())
    }

    /// Answers every command of a batch that was written (or had nothing to write).
    fn answer(&mut self, pending: Vec<Pending>, events: &[Recorded]) {
        for Pending { answer, outcome } in pending {
            match answer {
                Answer::Client { conn, id } => {
                    let message = match outcome {
                        Outcome::Ack(seq) => ServerMessage::Ack { id, seq },
                        Outcome::Rejected(rejection) => ServerMessage::Rejected { id, rejection },
                    };
                    self.subscribers.send_to(conn, frame(&message));
                }
                Answer::Api {
                    reply,
                    events: range,
                } => {
                    let answer = match outcome {
                        Outcome::Ack(seq) => Ok(Acted {
                            events: events.get(range).unwrap_or_default().to_vec(),
                            seq,
                        }),
                        Outcome::Rejected(rejection) => Err(rejection),
                    };
                    let _ = reply.send(answer);
                }
                Answer::Nobody => {}
            }
        }
    }
}

/// The text of the scenario a `start_scenario` command names.
fn script_text(builtin: Option<&str>, script: Option<&str>) -> Option<String> {
    match (builtin, script) {
        (Some(id), None) => warroom_core::scenario::built_in(id).map(str::to_owned),
        (None, Some(text)) => Some(text.to_owned()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots_are_spaced_by_the_cadence_then_by_an_eighth_of_the_log() {
        let spacing = SnapshotSpacing::new(0, 1_000);
        assert!(!spacing.due(999));
        assert!(spacing.due(1_000));
        let spacing = SnapshotSpacing::new(80_000, 1_000);
        assert!(!spacing.due(81_000), "an eighth of 80,000 is 10,000");
        assert!(!spacing.due(89_999));
        assert!(spacing.due(90_000));
    }
}
