//! The registry of live rooms: incident id → handle of the one task that owns it.
//!
//! The map holds only handles (channels), never incident state, so its lock is held for a
//! lookup or an insert and nothing else. A room is started on first use, as one of the tasks
//! the server waits for when it stops, and is taken off the map when it unloads or ends;
//! `generation` makes sure a room never removes its successor.
//!
//! It also declares incidents (the one write to a log that is not a room's: the incident does
//! not exist yet, so there is no room to own it). What a room does once started is the room's;
//! the registry only hands it the store, the clock, its settings and the stop signal.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;
use warroom_core::{
    Command, CommandId, Context, IncidentId, ParticipantId, Rejection, TextId, execute,
};

use crate::clock::Clock;
use crate::config::RoomConfig;
use crate::room::{Acted, Room, RoomHandle, ScriptError, Unregister};
use crate::shutdown::Shutdown;
use crate::store::{Append, Store, StoreError, Summary};

mod follow;

/// How many messages may wait in a room's queue before senders wait.
const ROOM_QUEUE: usize = 4_096;

pub struct Rooms {
    store: Arc<dyn Store>,
    config: RoomConfig,
    /// Live rooms. Owned here; each room removes its own entry when it ends.
    live: Mutex<HashMap<IncidentId, RoomHandle>>,
    next_generation: AtomicU64,
    /// The server's stop signal and task tracker: every room runs as one of its tasks, and
    /// once it is signalled closes its connections with "going away" and ends.
    shutdown: Shutdown,
    /// The time for every room, and for the events of a declaration.
    clock: Clock,
}

#[derive(Debug, thiserror::Error)]
pub enum RoomError {
    #[error("there is no incident {0}")]
    UnknownIncident(IncidentId),
    #[error("the server is shutting down")]
    ShuttingDown,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why deleting an incident failed.
#[derive(Debug, thiserror::Error)]
pub enum DeleteError {
    #[error(transparent)]
    Room(#[from] RoomError),
    #[error("{0}")]
    Refused(crate::room::DeleteRefused),
    #[error("the incident is busy; try again")]
    Retry,
}

/// Why declaring an incident failed.
#[derive(Debug, thiserror::Error)]
pub enum DeclareError {
    #[error("{0}")]
    Rejected(Rejection),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Rooms {
    pub fn new(
        store: Arc<dyn Store>,
        config: RoomConfig,
        shutdown: Shutdown,
        clock: Clock,
    ) -> Self {
        Self {
            store,
            config,
            live: Mutex::new(HashMap::new()),
            next_generation: AtomicU64::new(1),
            shutdown,
            clock,
        }
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The server's clock, which every room reads.
    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// The room for `incident`, starting it if it is not live.
    pub async fn get(self: &Arc<Self>, incident: &IncidentId) -> Result<RoomHandle, RoomError> {
        if self.shutdown.is_signalled() {
            return Err(RoomError::ShuttingDown);
        }
        if let Some(handle) = self.live_handle(incident) {
            return Ok(handle);
        }
        if self.store.summary(incident).await?.is_none() {
            return Err(RoomError::UnknownIncident(incident.clone()));
        }
        let mut live = self.live.lock().expect("room registry poisoned");
        if let Some(handle) = live.get(incident) {
            return Ok(handle.clone());
        }
        let (tx, rx) = mpsc::channel(ROOM_QUEUE);
        let generation = self.next_generation.fetch_add(1, Ordering::Relaxed);
        let handle = RoomHandle { tx, generation };
        live.insert(incident.clone(), handle.clone());
        // The registry, not the room, knows how to take the room off it: the room is handed
        // that as a guard, run when it unloads (before it serves messages that slipped in) or
        // when it ends.
        let unregister = {
            let rooms = Arc::clone(self);
            let incident = incident.clone();
            Unregister::new(move || rooms.remove(&incident, generation))
        };
        self.shutdown.spawn(Room::run(
            incident.clone(),
            self.config.clone(),
            Arc::clone(&self.store),
            self.clock,
            rx,
            self.shutdown.clone(),
            unregister,
        ));
        Ok(handle)
    }

    fn live_handle(&self, incident: &IncidentId) -> Option<RoomHandle> {
        self.live
            .lock()
            .expect("room registry poisoned")
            .get(incident)
            .cloned()
    }

    /// Forgets the room for `incident` if it is still the one of `generation`.
    fn remove(&self, incident: &IncidentId, generation: u64) {
        let mut live = self.live.lock().expect("room registry poisoned");
        if live
            .get(incident)
            .is_some_and(|h| h.generation == generation)
        {
            live.remove(incident);
        }
    }

    /// How many rooms are live.
    pub fn live_count(&self) -> usize {
        self.live.lock().expect("room registry poisoned").len()
    }

    /// The script's injects, for the scenario's facilitator only.
    pub async fn script(
        self: &Arc<Self>,
        incident: &IncidentId,
        participant: &ParticipantId,
    ) -> Result<Vec<warroom_core::api::UpcomingInject>, ScriptError> {
        // A store failure is the server failing (500), not a reason to try again (503).
        let room = self.get(incident).await.map_err(|e| match e {
            RoomError::UnknownIncident(id) => ScriptError::UnknownIncident(id),
            RoomError::ShuttingDown => ScriptError::Unavailable,
            RoomError::Store(err) => ScriptError::Store(err),
        })?;
        let (reply, answer) = tokio::sync::oneshot::channel();
        let msg = crate::room::RoomMsg::Script {
            participant: participant.clone(),
            reply,
        };
        if room.send(msg).await.is_err() {
            return Err(ScriptError::Unavailable);
        }
        answer.await.map_err(|_| ScriptError::Unavailable)?
    }

    /// Deletes an exercise on behalf of `by` (through its room, which closes every connection
    /// to it). Real incidents are refused, and so is anyone but the facilitator, the declarer
    /// and an admin.
    pub async fn delete(
        self: &Arc<Self>,
        incident: &IncidentId,
        by: &ParticipantId,
        admin: bool,
    ) -> Result<(), DeleteError> {
        let room = self.get(incident).await?;
        let (reply, answer) = tokio::sync::oneshot::channel();
        let msg = crate::room::RoomMsg::Delete {
            by: by.clone(),
            admin,
            reply,
        };
        if room.send(msg).await.is_err() {
            return Err(DeleteError::Retry);
        }
        answer
            .await
            .map_err(|_| DeleteError::Retry)?
            .map_err(DeleteError::Refused)
    }

    /// Sends `command` in `participant`'s name (after the caller checked what the rules
    /// cannot, such as a link's token); its events, or the rules' rejection.
    pub async fn act(
        self: &Arc<Self>,
        incident: &IncidentId,
        participant: &ParticipantId,
        command: Command,
        link: Option<String>,
    ) -> Result<Result<Vec<warroom_core::Recorded>, Rejection>, RoomError> {
        let acted = self
            .act_once(incident, participant, None, command, link)
            .await?;
        Ok(acted.map(|a| a.events))
    }

    /// Like [`Rooms::act`], remembering the command as `id` when there is one: a retry with the
    /// same id (from the same participant) is answered with the first time's sequence and no
    /// events, and applied once.
    pub async fn act_once(
        self: &Arc<Self>,
        incident: &IncidentId,
        participant: &ParticipantId,
        id: Option<CommandId>,
        command: Command,
        link: Option<String>,
    ) -> Result<Result<Acted, Rejection>, RoomError> {
        let room = self.get(incident).await?;
        let (reply, answer) = tokio::sync::oneshot::channel();
        let msg = crate::room::RoomMsg::Act {
            participant: participant.clone(),
            id,
            command,
            link,
            reply,
        };
        if room.send(msg).await.is_err() {
            return Err(RoomError::ShuttingDown);
        }
        answer.await.map_err(|_| RoomError::ShuttingDown)
    }

    /// Enters a timeline file's `rows` into `incident` as `participant`'s import, all or
    /// nothing, through its room (the only writer of its log).
    pub async fn import_timeline(
        self: &Arc<Self>,
        incident: &IncidentId,
        participant: &ParticipantId,
        rows: Vec<warroom_core::import::Row>,
    ) -> Result<Result<Vec<warroom_core::Recorded>, crate::room::ImportError>, RoomError> {
        let room = self.get(incident).await?;
        let (reply, answer) = tokio::sync::oneshot::channel();
        let msg = crate::room::RoomMsg::Import {
            participant: participant.clone(),
            rows,
            reply,
        };
        if room.send(msg).await.is_err() {
            return Err(RoomError::ShuttingDown);
        }
        answer.await.map_err(|_| RoomError::ShuttingDown)
    }

    /// Declares a new incident with a fresh unguessable id; the declarer is its commander.
    /// A `restricted` one is restricted in the same write, so it is never seen open; `then`
    /// are the declarer's further commands of that write (an impact window recorded after
    /// the fact), each refused as the declaration would be.
    pub async fn declare(
        &self,
        declarer: &ParticipantId,
        command: &Command,
        restricted: bool,
        then: &[Command],
    ) -> Result<IncidentId, DeclareError> {
        self.declare_as(new_incident_id(), declarer, command, restricted, then)
            .await
    }

    /// [`Rooms::declare`] under an id the caller made (unguessable, like [`new_incident_id`]'s):
    /// if an incident has it already, the store's conflict says so and nothing is written.
    pub async fn declare_as(
        &self,
        id: IncidentId,
        declarer: &ParticipantId,
        command: &Command,
        restricted: bool,
        then: &[Command],
    ) -> Result<IncidentId, DeclareError> {
        let mut state = None;
        let present = Default::default();
        let ctx = Context {
            actor: declarer,
            at: self.clock.event_time(),
            present: &present,
        };
        let mut events = execute(&mut state, command, &ctx).map_err(DeclareError::Rejected)?;
        if restricted {
            events.extend(
                execute(&mut state, &Command::Restrict, &ctx).map_err(DeclareError::Rejected)?,
            );
        }
        for command in then {
            events.extend(execute(&mut state, command, &ctx).map_err(DeclareError::Rejected)?);
        }
        let incident = state.as_ref().ok_or_else(|| {
            DeclareError::Rejected(Rejection::new(
                warroom_core::RejectionCode::Invalid,
                "Only a declaration can start an incident.",
            ))
        })?;
        self.store
            .append(Append {
                incident: id.clone(),
                expected: 0,
                events,
                commands: Vec::new(),
                snapshot: None,
                summary: Summary::of(&id, incident),
                script: None,
                links: Vec::new(),
            })
            .await?;
        tracing::info!(incident = %id, participant = %declarer, title = %incident.title, "incident declared");
        Ok(id)
    }
}

/// 128 random bits from the operating system, as 26 characters of lowercase base32.
pub fn new_incident_id() -> IncidentId {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    IncidentId::parse(&crate::auth::session::base32(&bytes)).expect("base32 is a valid id")
}

#[cfg(test)]
mod tests;
