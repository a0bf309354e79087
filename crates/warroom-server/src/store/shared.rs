//! What several replicas of the server on one database need of the store, beside the log:
//! what was committed after a head (to catch up after losing a race or hearing of a newer
//! head), news of other writers' commits, and the scenario clock's lease.
//!
//! A single process on SQLite needs none of it: its rooms are the only writers, so the
//! defaults here (in the trait) are what an embedded store answers — no news, and a lease
//! that is always held. PostgreSQL overrides them (`postgres/notify.rs`, `postgres/lease.rs`).

use std::future::Future;
use std::pin::Pin;

use warroom_core::{Event, IncidentId, ParticipantId, Recorded, Seq};

use super::{CommandKey, Store, StoreError};

/// What was committed to an incident's log after a head: the events (in order, without gaps),
/// the command ids they answered, and the scenario's script if one of them started it.
#[derive(Debug, Clone, Default)]
pub struct Since {
    pub events: Vec<Recorded>,
    pub commands: Vec<(CommandKey, Seq)>,
    pub script: Option<String>,
}

impl Since {
    /// Whether one of the events started a scenario (and so the script is needed).
    pub fn starts_scenario(events: &[Recorded]) -> bool {
        events
            .iter()
            .any(|r| matches!(r.event, Event::ScenarioStarted { .. }))
    }
}

/// News from the database about what other processes committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Heard {
    /// `incident`'s log has reached `head`, committed.
    Head { incident: IncidentId, head: Seq },
    /// The listening connection is (back) up: news may have been missed before it, so every
    /// live room should catch up.
    Listening,
    /// Who is connected to `incident` through another process (`replica`, its random name):
    /// `first` starts its list (replacing what it said before), later parts add to it; `ask`
    /// asks every other process to say who is connected through it.
    Presence {
        incident: IncidentId,
        replica: String,
        participants: Vec<ParticipantId>,
        first: bool,
        ask: bool,
    },
}

/// The scenario clock's lease on one incident: while `hold` answers `true`, this process is
/// the only one whose room fires the incident's injects. Dropping it gives it up.
pub trait ClockLease: Send {
    /// Whether the lease is held now, taking it if it is free (a try, never a wait).
    fn hold(&mut self) -> Pin<Box<dyn Future<Output = bool> + Send + '_>>;
}

/// The lease of a store with one process on it: always held.
pub struct Alone;

impl ClockLease for Alone {
    fn hold(&mut self) -> Pin<Box<dyn Future<Output = bool> + Send + '_>> {
        Box::pin(async { true })
    }
}

/// `Store::since` from the other methods, for a store that has no faster way: the events after
/// `after`, the remembered commands among them, and the script when a scenario started.
pub(super) async fn since_from_parts<S: Store + ?Sized>(
    store: &S,
    incident: &IncidentId,
    after: Seq,
    limit: u32,
) -> Result<Since, StoreError> {
    let events = store.events_after(incident, after, limit).await?;
    let Some(last) = events.last().map(|r| r.seq) else {
        return Ok(Since::default());
    };
    let commands = store
        .commands(incident)
        .await?
        .into_iter()
        .filter(|(_, seq)| (after + 1..=last).contains(seq))
        .collect();
    let script = if Since::starts_scenario(&events) {
        store.load(incident).await?.script
    } else {
        None
    };
    Ok(Since {
        events,
        commands,
        script,
    })
}
