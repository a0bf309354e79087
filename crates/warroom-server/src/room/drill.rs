//! The room's part in exercises: the scenario clock that fires injects on time and on their
//! triggers (in the facilitator's name), the facilitator's view of the script, and deleting an
//! exercise. The rules (who may, when) are warroom-core's; the script stays here, never in the
//! log or in any player's browser.

use warroom_core::api::UpcomingInject;
use warroom_core::protocol::close;
use warroom_core::scenario::{self, When};
use warroom_core::{Command, ParticipantId};

use super::{Room, RoomStopped, Submission};
use crate::store::{ClockLease, StoreError};

/// How long a room that does not hold the scenario clock waits before trying again.
const LEASE_RETRY: std::time::Duration = std::time::Duration::from_secs(1);

/// The room's lease on the scenario clock, and when it last tried to take it.
pub(super) struct Lease {
    lease: Box<dyn ClockLease>,
    held: bool,
    tried: Option<tokio::time::Instant>,
}

impl Lease {
    pub(super) fn new(lease: Box<dyn ClockLease>) -> Self {
        Self {
            lease,
            held: false,
            tried: None,
        }
    }
}

/// Why an incident was not deleted.
#[derive(Debug, thiserror::Error)]
pub enum DeleteRefused {
    #[error(
        "Real incidents are never deleted: their record is kept for the postmortem. Only \
         exercises can be deleted."
    )]
    RealIncident,
    #[error(
        "Only the exercise's facilitator, the person who declared it or an admin can delete it."
    )]
    NotAllowed,
    /// The store failed to delete it (the store's error says why, and how to answer).
    #[error("the exercise could not be deleted")]
    Failed(#[source] StoreError),
}

/// Why the facilitator's view of the script was not given.
#[derive(Debug, thiserror::Error)]
pub enum ScriptError {
    #[error("there is no incident {0}")]
    UnknownIncident(warroom_core::IncidentId),
    #[error("No scenario is running on this incident.")]
    NoScenario,
    #[error("Only the facilitator sees the script.")]
    NotFacilitator,
    #[error("The script is not available; try again.")]
    Unavailable,
    /// The store failed while the incident's room was started.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Room {
    pub(super) fn scenario_running(&self) -> bool {
        self.script.is_some()
            && self
                .state
                .as_ref()
                .and_then(|i| i.scenario.as_ref())
                .is_some_and(|run| run.is_running())
    }

    /// Fires every script inject that is due, in the facilitator's name. An error if the
    /// write failed and the room must stop.
    pub(super) async fn fire_due_injects(&mut self) -> Result<(), RoomStopped> {
        let (Some(script), Some(incident)) = (&self.script, &self.state) else {
            return Ok(());
        };
        if incident.scenario.is_none() {
            return Ok(());
        }
        let due = scenario::due_injects(script, incident, self.clock.now());
        // Only the clock's holder fires (taking the lease is a database round trip: only
        // when something is due).
        if due.is_empty() || !self.hold_clock().await {
            return Ok(());
        }
        let (Some(script), Some(incident)) = (&self.script, &self.state) else {
            return Ok(());
        };
        let Some(run) = &incident.scenario else {
            return Ok(());
        };
        let facilitator = run.facilitator.clone();
        let submits = due
            .into_iter()
            .filter_map(|i| script.injects.get(i as usize).map(|inject| (i, inject)))
            .map(|(i, inject)| {
                Submission::server(
                    facilitator.clone(),
                    Command::FireInject {
                        inject: Some(i),
                        source: inject.source.clone(),
                        text: inject.text.clone(),
                    },
                )
            })
            .collect();
        self.flush(submits).await
    }

    /// Whether this room runs the scenario clock: with other replicas on the log, only the
    /// one holding the incident's clock lease fires injects (`Store::clock_lease`). A room
    /// without it tries again at most once a second, so that the clock moves to a survivor
    /// soon after its holder dies. Even two holders could not fire an inject twice: the one
    /// that loses the race for the head catches up and finds it fired (the rules refuse).
    async fn hold_clock(&mut self) -> bool {
        let now = self.clock.instant();
        if !self.clock_lease.held
            && self
                .clock_lease
                .tried
                .is_some_and(|at| now < at + LEASE_RETRY)
        {
            return false;
        }
        self.clock_lease.tried = Some(now);
        self.clock_lease.held = self.clock_lease.lease.hold().await;
        self.clock_lease.held
    }

    pub(super) fn upcoming_injects(
        &self,
        participant: &ParticipantId,
    ) -> Result<Vec<UpcomingInject>, ScriptError> {
        let incident = self
            .state
            .as_ref()
            .ok_or_else(|| ScriptError::UnknownIncident(self.id.clone()))?;
        let run = incident.scenario.as_ref().ok_or(ScriptError::NoScenario)?;
        if &run.facilitator != participant {
            return Err(ScriptError::NotFacilitator);
        }
        let script = self.script.as_ref().ok_or(ScriptError::Unavailable)?;
        let clock = run.clock(self.clock.now());
        Ok(script
            .injects
            .iter()
            .enumerate()
            .map(|(i, inject)| {
                let fired = run.fired.contains(&(i as u32));
                let (when, due_in) = match &inject.when {
                    When::At(at) => (
                        scenario::time_label(i64::from(*at)),
                        (!fired).then(|| i64::from(*at) - clock),
                    ),
                    When::After(trigger) => (trigger_words(trigger), None),
                };
                UpcomingInject {
                    index: i as u32,
                    source: inject.source.clone(),
                    text: inject.text.clone(),
                    when,
                    due_in,
                    fired,
                }
            })
            .collect())
    }

    /// Deletes the incident if it is an exercise and `by` may delete it (its facilitator, its
    /// declarer, or an admin), then closes every connection.
    pub(super) async fn delete(
        &mut self,
        by: &ParticipantId,
        admin: bool,
    ) -> Result<(), DeleteRefused> {
        let Some(incident) = self.state.as_ref().filter(|i| i.drill) else {
            return Err(DeleteRefused::RealIncident);
        };
        let facilitator = incident.scenario.as_ref().map(|run| &run.facilitator);
        if !admin && &incident.declared_by != by && facilitator != Some(by) {
            return Err(DeleteRefused::NotAllowed);
        }
        self.store
            .delete(&self.id)
            .await
            .map_err(DeleteRefused::Failed)?;
        tracing::info!(incident = %self.id, participant = %by, admin, "exercise deleted");
        self.deleted = true;
        self.subscribers
            .kick_all(close::REFUSED, "this exercise was deleted");
        Ok(())
    }
}

fn trigger_words(trigger: &scenario::Trigger) -> String {
    match trigger {
        scenario::Trigger::FirstHandoff => "after the first handoff of command".into(),
        scenario::Trigger::ChecklistCompleted(None) => "when a checklist is completed".into(),
        scenario::Trigger::ChecklistCompleted(Some(t)) => {
            format!("when the \"{t}\" checklist is completed")
        }
        scenario::Trigger::StatusReached(s) => format!("when the status becomes {}", s.label()),
    }
}
