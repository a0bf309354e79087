//! The write path of a room: a batch of commands is decided one after another against the
//! evolving board, all their events go to the store in one append, and only once that is
//! durable are they broadcast and the commands answered (ack, rejection, or the events for a
//! command the server sent). A resend of an applied command is acknowledged again and applied
//! once. The write carries a snapshot of the board when one is due (`spacing.rs`), and the
//! script a `start_scenario` names (kept out of the log; `drill.rs` runs it).
//!
//! The rules are warroom-core's `execute`; what was already applied is `dedup.rs`'s; who hears
//! about it is `subscribers.rs`'s; catching up with another replica's writes is
//! `replica.rs`'s. Losing the race for the head to another replica is an expected answer: the
//! batch is decided again after catching up. Any other failed write stops the room (clients
//! reconnect to a room reloaded from what is durable).

use tokio::sync::oneshot;
use warroom_core::protocol::{ErrorCode, ServerMessage, close};
use warroom_core::{
    Command, CommandId, Context, Event, ParticipantId, Recorded, Rejection, Seq, execute,
};

use super::{ConnId, Room, RoomStopped, frame};
use crate::store::{Append, CommandKey, LinkRecord, StoreError, Summary};
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

/// How many times a room decides a batch again after losing the race for the log's head
/// to another replica, before it gives up (as after a failed write: the clients reconnect
/// and resend). Every lost race is another replica's progress, so the log moves on; the bound
/// only keeps one batch from waiting behind a busy incident for ever. Under saturation a
/// loser can lose many times running (the winner's next batch is ready while the loser reads
/// what it missed): the fault run saw streaks of 64.
const MAX_RACES: usize = 256;

/// A batch decided against the board: its events and what each command's answer will be.
pub(super) struct Decided {
    pub(super) events: Vec<Recorded>,
    /// One per submission, in order.
    outcomes: Vec<Decision>,
    /// Client commands applied by this batch, with the sequence their ack reports.
    pub(super) new_ids: Vec<(CommandKey, Seq)>,
    new_script: Option<String>,
    links: Vec<LinkRecord>,
    /// What the metrics count once the batch is durable.
    counted: Vec<CommandOutcome>,
}

impl Decided {
    /// A write of `events` that answers no command (a timeline file entered whole).
    pub(super) fn events_only(events: Vec<Recorded>) -> Self {
        Self {
            events,
            outcomes: Vec::new(),
            new_ids: Vec::new(),
            new_script: None,
            links: Vec::new(),
            counted: Vec::new(),
        }
    }
}

/// One submission's answer, and which of the batch's events are its.
struct Decision {
    outcome: Outcome,
    events: std::ops::Range<usize>,
}

enum Outcome {
    Ack(Seq),
    Rejected(Rejection),
}

impl Room {
    /// Decides each command against the evolving board, writes all their events in one
    /// append, then broadcasts and answers. When another replica wrote first (the append's
    /// expected head is stale, or a command id was applied there), the room catches up —
    /// folding and fanning out what it missed, learning the ids it answered — and decides the
    /// batch again against the new board: a command may now be a duplicate, or rejected. An
    /// error if the write failed: the room must stop.
    pub(super) async fn flush(&mut self, submits: Vec<Submission>) -> Result<(), RoomStopped> {
        if submits.is_empty() {
            return Ok(());
        }
        if let Err(stopped) = self.applied.ready(&self.id).await {
            self.subscribers
                .kick_all(close::INTERNAL, "storage failure; reconnect");
            return Err(stopped);
        }
        if !self.store.shared() {
            return self.flush_pipelined(submits).await;
        }
        let mut races = 0;
        loop {
            // Deciding changes the board; with other writers on the log, keep the board as
            // it was, to decide again after catching up. (Notes are shared: a cheap copy.)
            let before = self.store.shared().then(|| self.state.clone());
            let expected = self.head();
            let decided = self.decide(&submits);
            if decided.events.is_empty() {
                return self.answer(submits, decided);
            }
            let err = match self.write(expected, &decided).await {
                Ok(()) => return self.answer(submits, decided),
                Err(err) => err,
            };
            match before {
                Some(before) if err.is_race() && races < MAX_RACES => {
                    tracing::debug!(incident = %self.id, %err, "another replica wrote first");
                    races += 1;
                    self.state = before;
                    if let StoreError::AlreadyApplied(commands) = err {
                        self.applied.remember(commands);
                    }
                    self.catch_up_from_store().await?;
                }
                _ => {
                    tracing::debug!(incident = %self.id, races, "giving up on the batch");
                    telemetry::commands(CommandOutcome::Failed, decided.new_ids.len() as u64);
                    return Err(self.write_failed(&submits, &err));
                }
            }
        }
    }

    /// Decides every submission in order against the evolving board.
    pub(super) fn decide(&mut self, submits: &[Submission]) -> Decided {
        let at = self.record_time();
        let mut d = Decided {
            events: Vec::new(),
            outcomes: Vec::with_capacity(submits.len()),
            new_ids: Vec::new(),
            new_script: None,
            links: Vec::new(),
            counted: Vec::new(),
        };
        for Submission {
            participant,
            command,
            origin,
        } in submits
        {
            // Ids are the client's own, so a resend is the same id from the same participant.
            let key = match origin {
                Origin::Client { id, .. } | Origin::Api { id: Some(id), .. } => {
                    Some((participant.clone(), id.clone()))
                }
                Origin::Api { id: None, .. } | Origin::Server => None,
            };
            if let Some(seen) = key.as_ref().and_then(|key| {
                self.applied
                    .get(key)
                    .or_else(|| d.new_ids.iter().find(|(k, _)| k == key).map(|(_, s)| *s))
            }) {
                // A resend after a reconnect: acknowledge again, apply nothing.
                d.counted.push(CommandOutcome::Duplicate);
                d.outcomes.push(Decision {
                    outcome: Outcome::Ack(seen),
                    events: 0..0,
                });
                continue;
            }
            let ctx = Context {
                actor: participant,
                at,
                present: self.subscribers.present(),
            };
            let from = d.events.len();
            let outcome = match execute(&mut self.state, command, &ctx) {
                Ok(recorded) => {
                    if let Command::StartScenario { builtin, script } = command {
                        d.new_script = script_text(builtin.as_deref(), script.as_deref());
                    }
                    if let Origin::Api {
                        link: Some(token_hash),
                        ..
                    } = origin
                    {
                        d.links
                            .extend(recorded.iter().filter_map(|r| match &r.event {
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
                    d.events.extend(recorded);
                    if let Some(key) = key {
                        d.counted.push(CommandOutcome::Accepted);
                        d.new_ids.push((key, seq));
                    }
                    Outcome::Ack(seq)
                }
                Err(rejection) => {
                    tracing::debug!(incident = %self.id, command = command.name(), %rejection, "rejected");
                    if key.is_some() {
                        d.counted.push(CommandOutcome::Rejected(rejection.code));
                    }
                    Outcome::Rejected(rejection)
                }
            };
            d.outcomes.push(Decision {
                outcome,
                events: from..d.events.len(),
            });
        }
        d
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

    /// Appends the batch's events (durably), then broadcasts them. The store's error if it
    /// did not commit (nothing was written, and nothing sent).
    pub(super) async fn write(&mut self, expected: Seq, d: &Decided) -> Result<(), StoreError> {
        let (append, snapshot_at) = self.append_of(expected, d);
        self.store.append(append).await?;
        self.committed(d, snapshot_at);
        Ok(())
    }

    /// The store write of a decided batch, and the head its snapshot is at when it carries one.
    pub(super) fn append_of(&self, expected: Seq, d: &Decided) -> (Append, Option<Seq>) {
        let incident = self
            .state
            .as_ref()
            .expect("events imply a declared incident");
        let head = incident.seq;
        let snapshot = self
            .snapshots
            .due(head, self.clock.instant())
            .then(|| incident.clone());
        let append = Append {
            incident: self.id.clone(),
            expected,
            events: d.events.clone(),
            commands: d.new_ids.clone(),
            snapshot,
            summary: Summary::of(&self.id, incident),
            script: d.new_script.clone(),
            links: d.links.clone(),
        };
        let snapshot_at = append.snapshot.is_some().then_some(head);
        (append, snapshot_at)
    }

    /// Stores the snapshot a stopping room owes (`SnapshotSpacing::owed`), so that its next
    /// load replays nothing. Only for a room whose every event is durable (the store keeps a
    /// snapshot only where the log holds its last event, but a failed write's sequence may be
    /// taken by another event later). A failure is warned about: a snapshot is a cache.
    pub(super) async fn owed_snapshot(&mut self) {
        let Some(board) = self.state.as_ref() else {
            return;
        };
        if !self.snapshots.owed(board.seq) {
            return;
        }
        let (board, head) = (board.clone(), board.seq);
        match self.store.snapshot(&self.id, board).await {
            Ok(()) => self.snapshots.written(head, self.clock.instant()),
            Err(err) => {
                tracing::warn!(incident = %self.id, %err, "cannot store a stopping room's snapshot");
            }
        }
    }

    /// A batch is durable: what it changed takes effect, and its events are broadcast.
    pub(super) fn committed(&mut self, d: &Decided, snapshot_at: Option<Seq>) {
        let committed = self.clock.instant();
        if let Some(head) = snapshot_at {
            self.snapshots.written(head, committed);
        }
        if let Some(text) = &d.new_script {
            self.script = warroom_core::scenario::parse(text).ok();
        }
        self.applied.remember(d.new_ids.iter().cloned());
        let frame = frame(&ServerMessage::Events {
            events: d.events.clone(),
        });
        self.catch_up.record(&d.events);
        self.subscribers.broadcast(&frame);
        telemetry::fanout(self.clock.since(committed));
        self.enforce_access(&d.events);
    }

    /// The write failed for good: every client with a command in it is told, and — the board
    /// in memory being ahead of the log — every connection is closed, so that clients
    /// reconnect to a room reloaded from what is durable (and resend).
    pub(super) fn write_failed(&mut self, submits: &[Submission], err: &StoreError) -> RoomStopped {
        tracing::error!(incident = %self.id, %err, "append failed; restarting the room");
        for submit in submits {
            if let Origin::Client { conn, id } = &submit.origin {
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
        self.subscribers
            .kick_all(close::INTERNAL, "storage failure; reconnect");
        RoomStopped
    }

    /// Answers every command of a batch that was written (or had nothing to write).
    pub(super) fn answer(
        &mut self,
        submits: Vec<Submission>,
        d: Decided,
    ) -> Result<(), RoomStopped> {
        for outcome in d.counted {
            telemetry::command(outcome);
        }
        for (submit, decision) in submits.into_iter().zip(d.outcomes) {
            match submit.origin {
                Origin::Client { conn, id } => {
                    let message = match decision.outcome {
                        Outcome::Ack(seq) => ServerMessage::Ack { id, seq },
                        Outcome::Rejected(rejection) => ServerMessage::Rejected { id, rejection },
                    };
                    self.subscribers.send_to(conn, frame(&message));
                }
                Origin::Api { reply, .. } => {
                    let answer = match decision.outcome {
                        Outcome::Ack(seq) => Ok(Acted {
                            events: d.events.get(decision.events).unwrap_or_default().to_vec(),
                            seq,
                        }),
                        Outcome::Rejected(rejection) => Err(rejection),
                    };
                    let _ = reply.send(answer);
                }
                Origin::Server => {}
            }
        }
        Ok(())
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
