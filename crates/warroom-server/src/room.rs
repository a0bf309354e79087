//! One incident's room: the single owner and writer of that incident.
//!
//! A room is a task. It loads the incident (latest snapshot plus the events after it), then
//! takes messages from its connections in order: joins, leaves and submitted commands. Commands
//! that arrive together are decided one after another against the evolving board, appended to
//! the store in one write, and — only once that write is durable — broadcast to every
//! subscriber and acknowledged. There is no lock around the board: nobody else touches it.
//!
//! The room also owns presence (who has a connection open) and the outbound queue of each
//! subscriber: a subscriber whose bounded queue is full is cut off, so one stalled reader never
//! slows the others. A room with no subscribers unloads itself after a while.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Utf8Bytes;
use warroom_core::protocol::{ErrorCode, ServerMessage, close};
use warroom_core::{
    Command, CommandId, Context, Event, Incident, IncidentId, LinkId, ParticipantId, Recorded,
    Rejection, Seq, State, execute,
};

use crate::clock::Clock;
use crate::shutdown::Shutdown;
use crate::store::{Append, CommandKey, Store, StoreError, Summary};

mod access;
mod drill;

pub use drill::{DeleteRefused, ScriptError};

/// A JSON text frame, serialised once and shared by every subscriber it goes to.
pub type Frame = Utf8Bytes;

/// Identifies one WebSocket connection.
pub type ConnId = u64;

/// How a room is tuned.
#[derive(Debug, Clone)]
pub struct RoomConfig {
    /// How long a room with nobody connected stays loaded.
    pub idle_unload: Duration,
    /// A snapshot is written once this many events have been appended since the last one
    /// (and the log has grown by a quarter since it).
    pub snapshot_every: Seq,
    /// How many recent events stay in memory for catching up reconnecting clients; a client
    /// further behind gets a snapshot.
    pub recent_events: usize,
    /// The most messages taken from the room's queue into one batch (one store write).
    pub max_batch: usize,
}

impl Default for RoomConfig {
    fn default() -> Self {
        Self {
            idle_unload: Duration::from_secs(60),
            snapshot_every: 1_000,
            recent_events: 2_000,
            max_batch: 1_024,
        }
    }
}

/// What connections send to a room.
pub enum RoomMsg {
    /// A connection said hello. The room answers through `outbox`: welcome, what the client is
    /// missing, then the live stream.
    Join {
        joiner: Joiner,
        outbox: Outbox,
    },
    Submit {
        conn: ConnId,
        participant: ParticipantId,
        id: CommandId,
        command: Command,
    },
    Leave {
        conn: ConnId,
    },
    /// A command the server sends on someone's behalf after checking what the rules cannot
    /// (a link's token): its events, or the rejection, come back through `reply`. `link`
    /// is the token of the link a `create_link` makes.
    Act {
        participant: ParticipantId,
        command: Command,
        link: Option<String>,
        reply: Reply,
    },
    /// The facilitator asks for the script's injects (players never see them).
    Script {
        participant: ParticipantId,
        reply: oneshot::Sender<Result<Vec<warroom_core::api::UpcomingInject>, ScriptError>>,
    },
    /// Delete the incident if it is an exercise and `by` may; the room then closes every
    /// connection.
    Delete {
        by: ParticipantId,
        admin: bool,
        reply: oneshot::Sender<Result<(), drill::DeleteRefused>>,
    },
}

/// The sending half of a subscriber's queue.
pub struct Outbox {
    /// Frames for the client, bounded: when full, the subscriber is cut off.
    pub frames: mpsc::Sender<Frame>,
    /// Tells the connection to close with this code (and why) when the room cuts it off.
    pub kick: oneshot::Sender<(u16, &'static str)>,
}

/// A handle to a live room.
#[derive(Clone)]
pub struct RoomHandle {
    pub(crate) tx: mpsc::Sender<RoomMsg>,
    /// Distinguishes this room from a later one for the same incident.
    pub(crate) generation: u64,
}

impl RoomHandle {
    /// Sends a message to the room; `Err` means the room has ended (reconnect to reload it).
    pub async fn send(&self, msg: RoomMsg) -> Result<(), RoomMsg> {
        self.tx.send(msg).await.map_err(|e| e.0)
    }
}

struct Subscriber {
    participant: ParticipantId,
    frames: mpsc::Sender<Frame>,
    kick: Option<oneshot::Sender<(u16, &'static str)>>,
    /// Watching through this observer link: read-only, not on the crew's presence.
    watching: Option<LinkId>,
}

/// One command to decide in a batch, with where its answer goes.
pub(crate) struct Submission {
    /// The connection that sent it, which gets its ack or rejection (`None`: the server's).
    pub conn: Option<ConnId>,
    pub participant: ParticipantId,
    /// The client's command id, for de-duplication and the answer.
    pub id: Option<CommandId>,
    pub command: Command,
    /// The token of the link a `create_link` makes, stored with its event.
    pub link: Option<String>,
    /// Where the events (or the rejection) go, for commands the server sent.
    pub reply: Option<Reply>,
}

impl Submission {
    /// A command the server sends in `participant`'s name, answered to nobody.
    pub(crate) fn server(participant: ParticipantId, command: Command) -> Self {
        Self {
            conn: None,
            participant,
            id: None,
            command,
            link: None,
            reply: None,
        }
    }
}

/// Takes a room off the registry of live rooms: once, when the room unloads (before it serves
/// the messages that slipped in) or, at the latest, when it is dropped as the room ends.
pub(crate) struct Unregister(Option<Box<dyn FnOnce() + Send>>);

impl Unregister {
    pub(crate) fn new(unregister: impl FnOnce() + Send + 'static) -> Self {
        Self(Some(Box::new(unregister)))
    }

    fn now(&mut self) {
        if let Some(unregister) = self.0.take() {
            unregister();
        }
    }
}

impl Drop for Unregister {
    fn drop(&mut self) {
        self.now();
    }
}

pub(crate) struct Room {
    id: IncidentId,
    config: RoomConfig,
    store: Arc<dyn Store>,
    /// The server's clock: event stamps, scenario time, link expiry, idleness.
    clock: Clock,
    state: State,
    /// The last events, for catching up clients that were away briefly.
    recent: VecDeque<Recorded>,
    /// Commands already applied, by submitter and id, with the sequence their
    /// acknowledgement reports.
    applied: HashMap<CommandKey, Seq>,
    /// The remembered commands, still being read from the store when the room came alive:
    /// joins need only the board, so they do not wait for them; the first submit does.
    applied_loading: Option<tokio::task::JoinHandle<Result<Remembered, StoreError>>>,
    subscribers: HashMap<ConnId, Subscriber>,
    /// Open connections per participant; a participant is present while they have one.
    connections: BTreeMap<ParticipantId, usize>,
    present: BTreeSet<ParticipantId>,
    /// The sequence of the latest snapshot in the store.
    snapshot_seq: Seq,
    /// The board as a `snapshot` frame, for clients too far behind; rebuilt when stale.
    snapshot_frame: Option<(Seq, Frame)>,
    /// The script of the running training scenario; never sent to players.
    script: Option<warroom_core::scenario::Scenario>,
    /// Set once the incident is deleted: the room ends.
    deleted: bool,
}

/// A connection that said hello: who it speaks for (from its session), what it holds.
pub struct Joiner {
    pub conn: ConnId,
    pub participant: ParticipantId,
    pub name: String,
    /// The last sequence the client holds.
    pub last_seq: Seq,
    /// The observer link this connection's browser holds for this incident, if any.
    pub observing: Option<LinkId>,
    /// Nobody is signed in: the connection may only watch.
    pub observer_only: bool,
}

/// Commands remembered for de-duplication, as the store lists them.
type Remembered = Vec<(CommandKey, Seq)>;

/// A command taken into the current batch, waiting for its write.
struct Pending {
    conn: Option<ConnId>,
    id: Option<CommandId>,
    outcome: Outcome,
    /// Where to send the events of `Range` (in the batch's events), for a server command.
    reply: Option<(Reply, std::ops::Range<usize>)>,
}

/// The answer to a command the server sent on someone's behalf.
type Reply = oneshot::Sender<Result<Vec<Recorded>, Rejection>>;

enum Outcome {
    Ack(Seq),
    Rejected(warroom_core::Rejection),
}

impl Room {
    /// Loads the incident and runs the room until it unloads or the server shuts down.
    pub(crate) async fn run(
        id: IncidentId,
        config: RoomConfig,
        store: Arc<dyn Store>,
        clock: Clock,
        mut rx: mpsc::Receiver<RoomMsg>,
        shutdown: Shutdown,
        mut unregister: Unregister,
    ) {
        let mut room = match Self::load(id.clone(), config, store, clock).await {
            Ok(room) => room,
            Err(err) => {
                tracing::error!(incident = %id, %err, "cannot load incident");
                // Dropping `unregister`, then `rx` (and every outbox queued in it), tells
                // waiting connections.
                return;
            }
        };
        tracing::debug!(incident = %id, head = room.head(), "room loaded");
        let mut idle_since = room.clock.instant();
        // Scenario time advances on this tick (only while a scenario runs).
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let idle_deadline = idle_since + room.config.idle_unload;
            let first = tokio::select! {
                msg = rx.recv() => match msg {
                    Some(msg) => msg,
                    None => break,
                },
                () = tokio::time::sleep_until(idle_deadline), if room.subscribers.is_empty() => {
                    // Unregister first, then serve whatever slipped in before that.
                    unregister.now();
                    rx.close();
                    let mut late = Vec::new();
                    while let Ok(msg) = rx.try_recv() {
                        late.push(msg);
                    }
                    if late.is_empty() {
                        tracing::debug!(incident = %room.id, "room unloaded");
                        return;
                    }
                    // Late joiners get their answer and then see the room end; they reconnect.
                    room.process(late).await;
                    room.kick_all(close::GOING_AWAY, "room unloaded; reconnect");
                    return;
                }
                () = shutdown.signalled() => break,
                _ = tick.tick(), if room.scenario_running() => {
                    if !room.fire_due_injects().await {
                        break;
                    }
                    continue;
                }
            };
            let mut batch = vec![first];
            while batch.len() < room.config.max_batch {
                match rx.try_recv() {
                    Ok(msg) => batch.push(msg),
                    Err(_) => break,
                }
            }
            if !room.process(batch).await || !room.fire_due_injects().await || room.deleted {
                break;
            }
            if room.subscribers.is_empty() {
                idle_since = room.clock.instant();
            }
        }
        room.kick_all(close::GOING_AWAY, "server shutting down");
    }

    async fn load(
        id: IncidentId,
        config: RoomConfig,
        store: Arc<dyn Store>,
        clock: Clock,
    ) -> Result<Self, StoreError> {
        let loaded = store.load(&id).await?;
        let snapshot_seq = loaded.snapshot.as_ref().map_or(0, |s| s.seq);
        let state = warroom_core::replay(loaded.snapshot, &loaded.events);
        let head = state.as_ref().map_or(0, |s| s.seq);
        // Keep the recent events in memory for quick catch-up, reading further back than the
        // snapshot if needed.
        let want_from = head.saturating_sub(config.recent_events as Seq);
        let mut recent: VecDeque<Recorded> = if want_from < snapshot_seq {
            store
                .events_after(&id, want_from, config.recent_events as u32)
                .await?
                .into()
        } else {
            loaded.events.into()
        };
        while recent.len() > config.recent_events {
            recent.pop_front();
        }
        let applied_loading = tokio::spawn({
            let store = Arc::clone(&store);
            let id = id.clone();
            async move { store.commands(&id).await }
        });
        Ok(Self {
            id,
            config,
            store,
            clock,
            state,
            recent,
            applied: HashMap::new(),
            applied_loading: Some(applied_loading),
            subscribers: HashMap::new(),
            connections: BTreeMap::new(),
            present: BTreeSet::new(),
            snapshot_seq,
            snapshot_frame: None,
            script: loaded
                .script
                .as_deref()
                .and_then(|s| warroom_core::scenario::parse(s).ok()),
            deleted: false,
        })
    }

    fn head(&self) -> Seq {
        self.state.as_ref().map_or(0, |s| s.seq)
    }

    /// Whether the write that brings the log to `head` should carry a snapshot: once
    /// `snapshot_every` events have followed the last one, and the log has grown by an eighth
    /// since. The board grows with the log (every note stays on it), so a fixed cadence alone
    /// would rewrite a board the size of the whole log every few thousand events — quadratic
    /// in the incident's length. Growing the gap with the log keeps the total written a small
    /// multiple of the board (about nine times), and a load replays at most a ninth of the log.
    fn snapshot_due(&self, head: Seq) -> bool {
        let since = head - self.snapshot_seq;
        since >= self.config.snapshot_every.max(self.snapshot_seq / 8)
    }

    /// Handles a batch in arrival order. Consecutive submits share one store write; a join or
    /// leave first flushes the submits before it, so a joiner never sees an undurable event.
    /// Returns `false` when the room must stop (its store failed).
    async fn process(&mut self, batch: Vec<RoomMsg>) -> bool {
        let mut submits = Vec::new();
        for msg in batch {
            match msg {
                RoomMsg::Submit {
                    conn,
                    participant,
                    id,
                    command,
                } => {
                    if self.is_watching(conn) {
                        self.refuse_watcher(conn, id);
                        continue;
                    }
                    submits.push(Submission {
                        conn: Some(conn),
                        participant,
                        id: Some(id),
                        command,
                        link: None,
                        reply: None,
                    });
                }
                RoomMsg::Act {
                    participant,
                    command,
                    link,
                    reply,
                } => submits.push(Submission {
                    conn: None,
                    participant,
                    id: None,
                    command,
                    link,
                    reply: Some(reply),
                }),
                RoomMsg::Join { joiner, outbox } => {
                    if !self.flush(std::mem::take(&mut submits)).await {
                        return false;
                    }
                    if !self.join(joiner, outbox).await {
                        return false;
                    }
                }
                RoomMsg::Leave { conn } => {
                    if !self.flush(std::mem::take(&mut submits)).await {
                        return false;
                    }
                    self.leave(conn);
                }
                RoomMsg::Script { participant, reply } => {
                    let _ = reply.send(self.upcoming_injects(&participant));
                }
                RoomMsg::Delete { by, admin, reply } => {
                    if !self.flush(std::mem::take(&mut submits)).await {
                        return false;
                    }
                    let result = self.delete(&by, admin).await;
                    let deleted = result.is_ok();
                    let _ = reply.send(result);
                    if deleted {
                        return true;
                    }
                }
            }
        }
        self.flush(submits).await
    }

    /// Decides each command against the evolving board, writes all their events in one
    /// append, then broadcasts and answers. Returns `false` if the write failed.
    async fn flush(&mut self, submits: Vec<Submission>) -> bool {
        if submits.is_empty() {
            return true;
        }
        if let Some(loading) = self.applied_loading.take() {
            match loading.await {
                Ok(Ok(commands)) => self.applied.extend(commands),
                Ok(Err(err)) => {
                    tracing::error!(incident = %self.id, %err, "cannot read remembered commands");
                    self.kick_all(close::INTERNAL, "storage failure; reconnect");
                    return false;
                }
                Err(err) => {
                    tracing::error!(incident = %self.id, %err, "reading remembered commands failed");
                    self.kick_all(close::INTERNAL, "storage failure; reconnect");
                    return false;
                }
            }
        }
        let expected = self.head();
        let now = self.clock.event_time();
        let at = match &self.state {
            // Never let the timeline run backwards if the wall clock does.
            Some(s) if s.updated_at > now => s.updated_at,
            _ => now,
        };
        let mut events: Vec<Recorded> = Vec::new();
        let mut pending: Vec<Pending> = Vec::with_capacity(submits.len());
        let mut new_ids: Vec<(CommandKey, Seq)> = Vec::new();
        let mut new_script: Option<String> = None;
        let mut links: Vec<crate::store::LinkRecord> = Vec::new();
        for Submission {
            conn,
            participant,
            id,
            command,
            link,
            reply,
        } in submits
        {
            // Ids are the client's own, so a resend is the same id from the same participant.
            let key = id.as_ref().map(|id| (participant.clone(), id.clone()));
            if let Some(seen) = key.as_ref().and_then(|key| {
                self.applied
                    .get(key)
                    .or_else(|| new_ids.iter().find(|(k, _)| k == key).map(|(_, s)| s))
            }) {
                // A resend after a reconnect: acknowledge again, apply nothing.
                pending.push(Pending {
                    conn,
                    id,
                    outcome: Outcome::Ack(*seen),
                    reply: None,
                });
                continue;
            }
            let ctx = Context {
                actor: &participant,
                at,
                present: &self.present,
            };
            let from = events.len();
            let outcome = match execute(&mut self.state, &command, &ctx) {
                Ok(recorded) => {
                    if let Command::StartScenario { builtin, script } = &command {
                        new_script = drill::script_text(builtin.as_deref(), script.as_deref());
                    }
                    if let Some(token_hash) = link {
                        links.extend(recorded.iter().filter_map(|r| match &r.event {
                            Event::LinkCreated { link, kind, .. } => {
                                Some(crate::store::LinkRecord {
                                    token_hash: token_hash.clone(),
                                    incident: self.id.clone(),
                                    link: *link,
                                    kind: *kind,
                                })
                            }
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
                    Outcome::Rejected(rejection)
                }
            };
            pending.push(Pending {
                conn,
                id,
                outcome,
                reply: reply.map(|r| (r, from..events.len())),
            });
        }

        if !events.is_empty() {
            let incident = self
                .state
                .as_ref()
                .expect("events imply a declared incident");
            let head = incident.seq;
            let snapshot = self.snapshot_due(head).then(|| incident.clone());
            let append = Append {
                incident: self.id.clone(),
                expected,
                events: events.clone(),
                commands: new_ids.clone(),
                snapshot,
                summary: Summary::of(&self.id, incident),
                script: new_script.clone(),
                links,
            };
            let wrote_snapshot = append.snapshot.is_some();
            if let Err(err) = self.store.append(append).await {
                tracing::error!(incident = %self.id, %err, "append failed; restarting the room");
                for p in &pending {
                    if let Some(conn) = p.conn {
                        let message = ServerMessage::Error {
                            code: ErrorCode::Internal,
                            message: "The server could not save this; it will be retried when \
                                      you reconnect."
                                .into(),
                            command: p.id.clone(),
                        };
                        self.send_to(conn, frame(&message));
                    }
                }
                // The board in memory is ahead of the log: drop it and let clients reconnect
                // to a room reloaded from what is durable.
                self.kick_all(close::INTERNAL, "storage failure; reconnect");
                return false;
            }
            if wrote_snapshot {
                self.snapshot_seq = head;
            }
            if let Some(text) = new_script {
                self.script = warroom_core::scenario::parse(&text).ok();
            }
            self.applied.extend(new_ids);
            let frame = frame(&ServerMessage::Events {
                events: events.clone(),
            });
            self.recent.extend(events.iter().cloned());
            while self.recent.len() > self.config.recent_events {
                self.recent.pop_front();
            }
            self.broadcast(&frame);
            self.enforce_access(&events);
        }

        for p in pending {
            if let Some((reply, range)) = p.reply {
                let answer = match p.outcome {
                    Outcome::Ack(_) => Ok(events.get(range).unwrap_or_default().to_vec()),
                    Outcome::Rejected(ref rejection) => Err(rejection.clone()),
                };
                let _ = reply.send(answer);
            }
            let (Some(conn), Some(id)) = (p.conn, p.id) else {
                continue;
            };
            let message = match p.outcome {
                Outcome::Ack(seq) => ServerMessage::Ack { id, seq },
                Outcome::Rejected(rejection) => ServerMessage::Rejected { id, rejection },
            };
            self.send_to(conn, frame(&message));
        }
        true
    }

    async fn join(&mut self, joiner: Joiner, outbox: Outbox) -> bool {
        let Joiner {
            conn,
            participant,
            name,
            last_seq,
            observing,
            observer_only,
        } = joiner;
        let Some(watching) = self.admission(&participant, observing, observer_only) else {
            // A restricted incident is not revealed to someone who may not see it: the answer
            // is the one for an incident that does not exist.
            let refusal = ServerMessage::Error {
                code: ErrorCode::UnknownIncident,
                message: format!("there is no incident {}", self.id),
                command: None,
            };
            let _ = outbox.frames.try_send(frame(&refusal));
            let _ = outbox.kick.send((close::REFUSED, "refused"));
            tracing::info!(incident = %self.id, %participant, "refused a connection to a restricted incident");
            return true;
        };
        let head = self.head();
        self.subscribers.insert(
            conn,
            Subscriber {
                participant: participant.clone(),
                frames: outbox.frames,
                kick: Some(outbox.kick),
                watching,
            },
        );
        self.send_to(
            conn,
            frame(&ServerMessage::Welcome {
                incident: self.id.clone(),
                head,
                server_time: self.clock.now(),
            }),
        );
        self.catch_up(conn, last_seq);
        if watching.is_some() {
            // An observer watches: no join in the log, no place on the crew's presence.
            let presence = self.presence_frame();
            self.send_to(conn, presence);
            return true;
        }

        let count = self.connections.entry(participant.clone()).or_default();
        *count += 1;
        let arrived = *count == 1;
        if arrived {
            self.present.insert(participant.clone());
        }
        // Record a first join (or a new name) in the log; a closed incident refuses it, which
        // is fine: its record is final.
        let known = self
            .state
            .as_ref()
            .and_then(|s| s.participants.get(&participant));
        if known.is_none_or(|p| p.name != name.trim())
            && !self
                .flush(vec![Submission::server(
                    participant,
                    Command::Join { name },
                )])
                .await
        {
            return false;
        }
        let presence = self.presence_frame();
        if arrived {
            self.broadcast(&presence);
        } else {
            self.send_to(conn, presence);
        }
        true
    }

    /// Sends a new subscriber what it lacks: recent events if it is close behind, else a
    /// snapshot of the board.
    fn catch_up(&mut self, conn: ConnId, last_seq: Seq) {
        let head = self.head();
        if last_seq == head {
            return;
        }
        let oldest_recent = self.recent.front().map_or(head + 1, |r| r.seq);
        if last_seq < head && last_seq + 1 >= oldest_recent {
            let missing = self.recent.iter().filter(|r| r.seq > last_seq);
            for frame in catch_up_frames(missing) {
                self.send_to(conn, frame);
            }
            return;
        }
        // Too far behind, or ahead of us (a client from another life of this log): resync with
        // the latest snapshot frame, followed by the recent events after it. Reusing the frame
        // while the recent buffer bridges the gap means a crowd of joiners shares one frame —
        // each newcomer's own arrival moves the head, and a frame per head would make every
        // joiner that reads slowly hold a copy of the whole board.
        let oldest_recent = self.recent.front().map_or(head + 1, |r| r.seq);
        let reusable = |seq: Seq| seq == head || (seq + 1 >= oldest_recent && seq < head);
        let (seq, frame) = match &self.snapshot_frame {
            Some((seq, frame)) if reusable(*seq) => (*seq, frame.clone()),
            _ => {
                let Some(state) = &self.state else { return };
                let frame = snapshot_frame(state);
                self.snapshot_frame = Some((head, frame.clone()));
                (head, frame)
            }
        };
        self.send_to(conn, frame);
        let after: Vec<Frame> = catch_up_frames(self.recent.iter().filter(|r| r.seq > seq));
        for frame in after {
            self.send_to(conn, frame);
        }
    }

    fn leave(&mut self, conn: ConnId) {
        let Some(sub) = self.subscribers.remove(&conn) else {
            return;
        };
        self.forget_connection(&sub.participant);
    }

    fn forget_connection(&mut self, participant: &ParticipantId) {
        let Some(count) = self.connections.get_mut(participant) else {
            return;
        };
        *count -= 1;
        if *count == 0 {
            self.connections.remove(participant);
            self.present.remove(participant);
            let presence = self.presence_frame();
            self.broadcast(&presence);
        }
    }

    fn presence_frame(&self) -> Frame {
        frame(&ServerMessage::Presence {
            present: self.present.iter().cloned().collect(),
        })
    }

    /// Queues `frame` for every subscriber; cuts off those whose queue is full.
    fn broadcast(&mut self, frame: &Frame) {
        let mut stalled = Vec::new();
        for (conn, sub) in &self.subscribers {
            if sub.frames.try_send(frame.clone()).is_err() {
                stalled.push(*conn);
            }
        }
        for conn in stalled {
            self.cut_off(conn);
        }
    }

    fn send_to(&mut self, conn: ConnId, frame: Frame) {
        let stalled = self
            .subscribers
            .get(&conn)
            .is_some_and(|sub| sub.frames.try_send(frame).is_err());
        if stalled {
            self.cut_off(conn);
        }
    }

    /// Drops a subscriber that cannot keep up (or has gone), telling its connection why.
    fn cut_off(&mut self, conn: ConnId) {
        let Some(mut sub) = self.subscribers.remove(&conn) else {
            return;
        };
        if let Some(kick) = sub.kick.take() {
            tracing::info!(incident = %self.id, conn, "cutting off a client that stopped reading");
            let _ = kick.send((close::SLOW_CONSUMER, "too slow: reconnect and resume"));
        }
        self.forget_connection(&sub.participant);
    }

    fn kick_all(&mut self, code: u16, reason: &'static str) {
        for (_, mut sub) in self.subscribers.drain() {
            if let Some(kick) = sub.kick.take() {
                let _ = kick.send((code, reason));
            }
        }
    }
}

/// Serialises a server message into a shareable frame.
pub fn frame(message: &ServerMessage) -> Frame {
    Frame::from(message.to_json())
}

/// The `snapshot` frame of `board`, serialised from the board in place: a long incident's
/// board is large, and cloning it into a `ServerMessage` first doubled the work of a join.
fn snapshot_frame(board: &Incident) -> Frame {
    let mut json = String::from(r#"{"type":"snapshot","seq":"#);
    json.push_str(&board.seq.to_string());
    json.push_str(r#","state":"#);
    let mut bytes = json.into_bytes();
    serde_json::to_writer(&mut bytes, board).expect("a board always serialises");
    bytes.push(b'}');
    Frame::from(String::from_utf8(bytes).expect("serde_json writes UTF-8"))
}

/// The most events in one catch-up frame.
const CATCH_UP_EVENTS: usize = 500;

/// The bytes of events a catch-up frame aims at. A connection's WebSocket keeps a write
/// buffer as large as the largest frame it has sent, for as long as it stays open: one frame
/// holding a room's whole recent history would pin tens of KiB on every idle connection.
const CATCH_UP_BYTES: usize = 8 * 1024;

/// The most frames a catch-up is split into for size alone: never more than the event limit
/// alone would make of the recent events kept (2,000 / 500), so that a catch-up takes no more
/// room in a subscriber's bounded queue than it always did.
const CATCH_UP_FRAMES: usize = 4;

/// `events` as `events` frames of at most [`CATCH_UP_EVENTS`] events each, split further
/// (up to [`CATCH_UP_FRAMES`] frames) towards [`CATCH_UP_BYTES`] a frame; every event is
/// serialised once.
fn catch_up_frames<'a>(events: impl IntoIterator<Item = &'a Recorded>) -> Vec<Frame> {
    let encoded: Vec<String> = events
        .into_iter()
        .map(|r| serde_json::to_string(r).expect("events always serialise"))
        .collect();
    if encoded.is_empty() {
        return Vec::new();
    }
    let bytes: usize = encoded.iter().map(String::len).sum();
    let frames = encoded
        .len()
        .div_ceil(CATCH_UP_EVENTS)
        .max(bytes.div_ceil(CATCH_UP_BYTES).min(CATCH_UP_FRAMES));
    encoded
        .chunks(encoded.len().div_ceil(frames))
        // The frame `ServerMessage::Events` encodes to, around the events already encoded.
        .map(|chunk| {
            Frame::from(format!(
                r#"{{"type":"events","events":[{}]}}"#,
                chunk.join(",")
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use warroom_core::{Event, NoteId, NoteKind, TextId};

    use super::*;

    fn note(seq: Seq, text: &str) -> Recorded {
        Recorded {
            seq,
            at: chrono::Utc::now(),
            actor: ParticipantId::parse("p-alice").unwrap(),
            event: Event::NotePosted {
                note: NoteId(seq as u32),
                kind: NoteKind::Observation,
                text: text.into(),
            },
        }
    }

    fn decoded(frames: &[Frame]) -> Vec<Vec<Recorded>> {
        frames
            .iter()
            .map(|f| match serde_json::from_str(f.as_str()).unwrap() {
                ServerMessage::Events { events } => events,
                other => panic!("not an events frame: {other:?}"),
            })
            .collect()
    }

    #[test]
    fn catch_up_frames_are_events_messages_in_order() {
        let events: Vec<Recorded> = (1..=3).map(|s| note(s, "short")).collect();
        let frames = catch_up_frames(&events);
        let whole = frame(&ServerMessage::Events {
            events: events.clone(),
        });
        assert_eq!(
            frames,
            vec![whole],
            "a small catch-up is one ordinary frame"
        );
        assert_eq!(catch_up_frames(&[]), Vec::<Frame>::new());
    }

    #[test]
    fn a_snapshot_frame_is_the_snapshot_message() {
        let mut board = None;
        let declare = Command::Declare {
            title: "Checkout is down".into(),
            severity: warroom_core::Severity::Sev2,
            drill: false,
            name: "Alice".into(),
        };
        let alice = ParticipantId::parse("p-alice").unwrap();
        let present = BTreeSet::new();
        let ctx = Context {
            actor: &alice,
            at: chrono::Utc::now(),
            present: &present,
        };
        execute(&mut board, &declare, &ctx).unwrap();
        let board = board.unwrap();
        let message = ServerMessage::Snapshot {
            seq: board.seq,
            state: Box::new(board.clone()),
        };
        assert_eq!(snapshot_frame(&board), frame(&message));
    }

    #[test]
    fn catch_up_frames_stay_small_and_lose_nothing() {
        let check = |events: &[Recorded], expected_frames: usize| {
            let frames = catch_up_frames(events);
            let chunks = decoded(&frames);
            assert_eq!(chunks.concat(), events, "every event, once, in order");
            assert_eq!(frames.len(), expected_frames);
            assert!(chunks.iter().all(|c| c.len() <= CATCH_UP_EVENTS));
        };
        // About 130 bytes an event: 100 of them make two frames of about 6.5 KiB.
        let small: Vec<Recorded> = (1..=100).map(|s| note(s, "a note")).collect();
        check(&small, 2);
        // However big, a catch-up of the 2,000 recent events is at most four frames.
        let long = "x".repeat(CATCH_UP_BYTES);
        let big: Vec<Recorded> = (1..=2_000).map(|s| note(s, &long)).collect();
        check(&big, CATCH_UP_FRAMES);
        check(&big[..10], CATCH_UP_FRAMES);
        check(&big[..1], 1);
        // Past 500 events, the event limit decides.
        let many: Vec<Recorded> = (1..=2_400).map(|s| note(s, "a")).collect();
        check(&many, 5);
    }
}
