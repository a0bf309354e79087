//! One incident's room: the single owner and writer of that incident.
//!
//! A room is a task. It loads the incident (latest snapshot plus the events after it), then
//! takes messages from its connections in order: joins, leaves and submitted commands. Commands
//! that arrive together are decided one after another against the evolving board, appended to
//! the store in one write, and — only once that write is durable — broadcast to every
//! subscriber and acknowledged. While one batch commits, the room decides the next ones (up
//! to four in flight); their answers follow their commits, in order. There is no lock around
//! the board: nobody else touches it.
//!
//! A room with no subscribers unloads itself after a while; at shutdown it finishes the
//! batches in hand and closes its connections with "going away". This file is the actor loop (load,
//! take messages, route them) and the messages themselves; each concern has its own file:
//! - `handle.rs`: the handle and the messages a room takes;
//! - `batch.rs`: the batch decided, its one durable append, broadcast and answers;
//!   `spacing.rs`: when a write carries a snapshot, and when a stopping room owes one;
//! - `pipeline.rs`: the batches in flight, answered in order as they commit;
//! - `subscribers.rs`: subscribers' bounded queues, presence, fan-out, cutting off the slow;
//! - `catch_up.rs`: what a joiner lacks (recent events or a snapshot frame), history pages;
//! - `dedup.rs`: the commands already applied, so a resend is applied once;
//! - `access.rs`: who may join or watch, and closing those who lose access;
//! - `drill.rs`: the scenario clock and injects, the script, deleting an exercise;
//! - `import.rs`: a timeline file entered into the incident, all or nothing, in one write.
//! - `replica.rs`: catching up with what other replicas committed to the same log;
//! - `presence.rs`: who is connected through the other replicas.
//!
//! The room knows nothing of the registry that started it: it is handed an `Unregister`
//! to run when it unloads.

use std::sync::Arc;

use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Utf8Bytes;
use warroom_core::protocol::{ErrorCode, ServerMessage, close};
use warroom_core::{Command, IncidentId, Seq, State};

use crate::clock::Clock;
use crate::config::RoomConfig;
use crate::shutdown::Shutdown;
use crate::store::{Store, StoreError};

mod access;
mod batch;
mod catch_up;
mod dedup;
mod drill;
mod handle;
mod import;
mod pipeline;
mod presence;
mod replica;
mod spacing;
mod subscribers;

pub use batch::Acted;
use batch::{Origin, Reply, Submission};
use catch_up::CatchUp;
pub use catch_up::{HISTORY_PAGE_MAX, history_page};
use dedup::Applied;
pub use drill::{DeleteRefused, ScriptError};
pub use handle::{Joiner, Outbox, RoomHandle, RoomMsg};
pub use import::ImportError;
use subscribers::Subscribers;

/// A JSON text frame, serialised once and shared by every subscriber it goes to.
pub type Frame = Utf8Bytes;

/// Identifies one WebSocket connection.
pub type ConnId = u64;

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
    /// The board; nobody else holds it.
    state: State,
    subscribers: Subscribers,
    catch_up: CatchUp,
    applied: Applied,
    snapshots: spacing::SnapshotSpacing,
    /// The script of the running training scenario; never sent to players.
    script: Option<warroom_core::scenario::Scenario>,
    /// Set once the incident is deleted: the room ends.
    deleted: bool,
    /// The scenario clock's lease (always held with one process on the store); dropped, and
    /// so given up, when the room ends.
    clock_lease: drill::Lease,
    /// Who this replica last said is connected through it (`presence.rs`).
    published: Option<Vec<warroom_core::ParticipantId>>,
    /// Batches handed to the store and not yet answered (`pipeline.rs`).
    in_flight: pipeline::InFlight,
}

/// The store failed: the room has closed its connections (1011) and must end, so that
/// clients reconnect to a room reloaded from what is durable.
#[derive(Debug)]
pub(crate) struct RoomStopped;

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
        // Presence across replicas: ask who is connected elsewhere, and say it again often.
        let shared = room.store.shared();
        let mut presence_tick = tokio::time::interval(presence::PRESENCE_EVERY);
        presence_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        room.share_presence(true, true).await;
        // Every event of the board durable: not after a failed write (its events are not).
        let mut clean = true;
        loop {
            let idle_deadline = idle_since + room.config.idle_unload;
            let first = tokio::select! {
                msg = rx.recv() => match msg {
                    Some(msg) => msg,
                    None => break,
                },
                result = pipeline::oldest_committed(&mut room.in_flight), if !room.in_flight.is_empty() => {
                    if room.finish_front(result).is_err() || room.fire_due_injects().await.is_err() {
                        clean = false;
                        break;
                    }
                    continue;
                }
                () = tokio::time::sleep_until(idle_deadline),
                    if room.subscribers.is_empty() && room.in_flight.is_empty() => {
                    // Unregister first, then serve whatever slipped in before that.
                    unregister.now();
                    rx.close();
                    let mut late = Vec::new();
                    while let Ok(msg) = rx.try_recv() {
                        late.push(msg);
                    }
                    if late.is_empty() {
                        tracing::debug!(incident = %room.id, "room unloaded");
                        room.owed_snapshot().await;
                        return;
                    }
                    // Late joiners get their answer and then see the room end; they reconnect.
                    let served = room.process(late).await.is_ok() && room.drain().await.is_ok();
                    room.subscribers.kick_all(close::GOING_AWAY, "room unloaded; reconnect");
                    if served && !room.deleted {
                        room.owed_snapshot().await;
                    }
                    return;
                }
                () = shutdown.signalled() => break,
                _ = presence_tick.tick(), if shared => {
                    room.presence_upkeep().await;
                    continue;
                }
                _ = tick.tick(), if room.scenario_running() => {
                    if room.fire_due_injects().await.is_err() {
                        clean = false;
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
            if room.process(batch).await.is_err()
                || room.fire_due_injects().await.is_err()
                || room.deleted
            {
                clean = false;
                break;
            }
            room.share_presence(false, false).await;
            if room.subscribers.is_empty() {
                idle_since = room.clock.instant();
            }
        }
        // What is in flight is answered before the connections close (unless the store
        // failed, and the room has closed them already).
        let drained = room.in_flight.is_empty() || room.drain().await.is_ok();
        room.subscribers
            .kick_all(close::GOING_AWAY, "server shutting down");
        if clean && drained {
            room.owed_snapshot().await;
        }
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
        let catch_up = CatchUp::load(
            &store,
            &id,
            loaded.events,
            snapshot_seq,
            head,
            config.recent_events,
        )
        .await?;
        let clock_lease = drill::Lease::new(store.clock_lease(&id));
        Ok(Self {
            applied: Applied::load(&store, &id),
            subscribers: Subscribers::new(id.clone()),
            snapshots: spacing::SnapshotSpacing::new(
                snapshot_seq,
                config.snapshot_every,
                config.snapshot_gap,
                clock.instant(),
            ),
            script: loaded
                .script
                .as_deref()
                .and_then(|s| warroom_core::scenario::parse(s).ok()),
            id,
            config,
            store,
            clock,
            state,
            catch_up,
            deleted: false,
            clock_lease,
            published: None,
            in_flight: pipeline::InFlight::new(),
        })
    }

    fn head(&self) -> Seq {
        self.state.as_ref().map_or(0, |s| s.seq)
    }

    /// Handles a batch in arrival order. Consecutive submits share one store write; a join or
    /// leave first flushes the submits before it, so a joiner never sees an undurable event.
    /// An error when the room must stop (its store failed).
    async fn process(&mut self, batch: Vec<RoomMsg>) -> Result<(), RoomStopped> {
        let mut submits = Vec::new();
        for msg in batch {
            match msg {
                RoomMsg::Submit {
                    conn,
                    participant,
                    id,
                    command,
                } => {
                    if self.subscribers.is_watching(conn) {
                        self.refuse_watcher(conn, id);
                        continue;
                    }
                    submits.push(Submission {
                        participant,
                        command,
                        origin: Origin::Client { conn, id },
                    });
                }
                RoomMsg::Act {
                    participant,
                    id,
                    command,
                    link,
                    reply,
                } => submits.push(Submission {
                    participant,
                    command,
                    origin: Origin::Api { id, link, reply },
                }),
                RoomMsg::Join { joiner, outbox } => {
                    self.settle(std::mem::take(&mut submits)).await?;
                    self.join(joiner, outbox).await?;
                }
                RoomMsg::Leave { conn } => {
                    self.settle(std::mem::take(&mut submits)).await?;
                    self.subscribers.leave(conn);
                }
                RoomMsg::Heard { head } => {
                    self.settle(std::mem::take(&mut submits)).await?;
                    self.heard(head).await?;
                }
                RoomMsg::Presence {
                    replica,
                    participants,
                    first,
                    ask,
                } => {
                    self.heard_presence(replica, participants, first, ask).await;
                }
                RoomMsg::Script { participant, reply } => {
                    let _ = reply.send(self.upcoming_injects(&participant));
                }
                RoomMsg::Import {
                    participant,
                    rows,
                    reply,
                } => {
                    self.settle(std::mem::take(&mut submits)).await?;
                    let _ = reply.send(self.import(&participant, &rows).await?);
                }
                RoomMsg::Delete { by, admin, reply } => {
                    self.settle(std::mem::take(&mut submits)).await?;
                    let result = self.delete(&by, admin).await;
                    let deleted = result.is_ok();
                    let _ = reply.send(result);
                    if deleted {
                        return Ok(());
                    }
                }
            }
        }
        self.flush(submits).await
    }

    /// Decides and writes `submits`, then waits for every batch in flight: what comes next
    /// (a joiner's board, a leave, an import) sees only what is durable.
    async fn settle(&mut self, submits: Vec<Submission>) -> Result<(), RoomStopped> {
        self.flush(submits).await?;
        self.drain().await
    }

    /// Welcomes a connection that said hello, catches it up, and puts it on the presence
    /// (recording a first join, or a new name, in the log).
    async fn join(&mut self, joiner: Joiner, outbox: Outbox) -> Result<(), RoomStopped> {
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
            return Ok(());
        };
        if last_seq > self.head() {
            // The joiner holds events this room has not caught up on yet (committed through
            // another replica, whose news is still on its way): catch up first, so that it is
            // sent only what follows what it holds.
            self.catch_up_from_store().await?;
        }
        let head = self.head();
        self.subscribers
            .subscribe(conn, participant.clone(), outbox, watching);
        self.subscribers.send_to(
            conn,
            frame(&ServerMessage::Welcome {
                incident: self.id.clone(),
                head,
                server_time: self.clock.now(),
            }),
        );
        self.send_catch_up(conn, last_seq);
        if watching.is_some() {
            // An observer watches: no join in the log, no place on the crew's presence.
            let presence = self.subscribers.presence_frame();
            self.subscribers.send_to(conn, presence);
            return Ok(());
        }

        let arrived = self.subscribers.arrive(&participant);
        // Record a first join (or a new name) in the log; a closed incident refuses it, which
        // is fine: its record is final.
        let known = self
            .state
            .as_ref()
            .and_then(|s| s.participants.get(&participant));
        if known.is_none_or(|p| p.name != name.trim()) {
            let join = Submission::server(participant, Command::Join { name });
            self.settle(vec![join]).await?;
        }
        let presence = self.subscribers.presence_frame();
        if arrived {
            self.subscribers.broadcast(&presence);
        } else {
            self.subscribers.send_to(conn, presence);
        }
        Ok(())
    }

    /// Sends a new subscriber what it lacks: recent events if it is close behind, else a
    /// snapshot of the board.
    fn send_catch_up(&mut self, conn: ConnId, last_seq: Seq) {
        for frame in self.catch_up.frames(last_seq, self.state.as_ref()) {
            self.subscribers.send_to(conn, frame);
        }
    }
}

/// Serialises a server message into a shareable frame.
pub fn frame(message: &ServerMessage) -> Frame {
    Frame::from(message.to_json())
}
