//! Alerts in: what the Alertmanager receiver (`http/alertmanager.rs`) does with a
//! notification once its sender is known. The group's state is worked out by warroom-core
//! (`alertmanager::Notification::group_state`, with the `--alert-level` mapping); here it is
//! **routed** — to the incident its stored route names (a rule routed it, declared from it,
//! or a commander linked it), else by the first matching rule of `--alert-rules`
//! (`rules.rs`), else into the bounded list of unrouted groups (`unrouted.rs`) — and
//! recorded through the incident's room, in the integration's name, like any command: the
//! room stays the only writer of its log.
//!
//! A declaring rule declares the incident through `Rooms::declare` as the integration, which
//! therefore holds command — a participant that is never connected — until a person takes
//! command by the normal rules (`assume_role`); the board says that nobody is in command.

use std::sync::Arc;

use warroom_core::alertmanager::{LevelMap, Notification};
use warroom_core::api::{AlertOutcome, AlertReceipt};
use warroom_core::incident::{AlertGroupState, Status};
use warroom_core::{Command, Event, IncidentId, ParticipantId, Rejection};

use crate::config::alerting::AlertArgs;
use crate::rooms::{DeclareError, RoomError, Rooms};
use crate::store::{Store, StoreError};

pub mod rules;
pub mod unrouted;

pub use rules::{Rules, Target};
pub use unrouted::Unrouted;

/// Who sent a notification: an integration, acting as its own participant
/// (`integration-…`, which no session is ever issued) under its display name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub participant: ParticipantId,
    pub name: String,
}

/// The receiver's settings and the unrouted groups. Owned by the HTTP state; holds nothing
/// that outlives the process but the routes it writes through the store.
pub struct AlertDesk {
    pub levels: LevelMap,
    pub rules: Rules,
    pub unrouted: Unrouted,
}

/// Why a notification or a link was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    #[error("{0}")]
    Rejected(Rejection),
    #[error(transparent)]
    Room(#[from] RoomError),
    #[error(transparent)]
    Declare(#[from] DeclareError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no unrouted alert group has that key (it may have resolved, or been linked)")]
    NotUnrouted,
    #[error("the incident is closed")]
    Closed,
}

impl AlertDesk {
    pub fn new(levels: LevelMap, rules: Rules) -> Self {
        Self {
            levels,
            rules,
            unrouted: Unrouted::default(),
        }
    }

    /// The desk the flags describe, with the rules file read and checked.
    pub fn from_args(args: &AlertArgs) -> anyhow::Result<Self> {
        let levels = LevelMap::parse(&args.alert_levels.join(","))
            .map_err(|e| anyhow::anyhow!("--alert-level: {e}"))?;
        let rules = match &args.alert_rules {
            Some(path) => Rules::load(path)?,
            None => Rules::default(),
        };
        Ok(Self::new(levels, rules))
    }

    /// Routes and records one notification from `caller`.
    pub async fn deliver(
        &self,
        rooms: &Arc<Rooms>,
        caller: &Caller,
        notification: &Notification,
    ) -> Result<AlertReceipt, AlertError> {
        let state = notification.group_state(&self.levels);
        let store = rooms.store();
        if let Some(id) = store.alert_route(&state.key).await?
            && is_open(store.as_ref(), &id).await?
        {
            return record(rooms, caller, &id, state, None).await;
        }
        match self.rules.target(&state.labels) {
            Some(Target::Incident(id)) if is_open(store.as_ref(), id).await? => {
                self.routed(rooms, caller, id, state, None).await
            }
            Some(Target::Declare(rule)) if state.is_firing() => {
                let declare = Command::declare(
                    &rule.title_of(&state),
                    rule.severity_of(&state),
                    false,
                    &caller.name,
                );
                let id = rooms
                    .declare(&caller.participant, &declare, false, &[])
                    .await?;
                tracing::info!(incident = %id, integration = %caller.participant, "an alert rule declared an incident");
                let mut receipt = self.routed(rooms, caller, &id, state, None).await?;
                receipt.outcome = AlertOutcome::Declared;
                Ok(receipt)
            }
            _ => {
                self.unrouted.put(state, rooms.clock().event_time(), caller);
                Ok(AlertReceipt {
                    outcome: AlertOutcome::Unrouted,
                    incident: None,
                    group: None,
                })
            }
        }
    }

    /// Links the unrouted group `key` to `incident`, for its commander `by`.
    pub async fn link(
        &self,
        rooms: &Arc<Rooms>,
        incident: &IncidentId,
        key: &str,
        by: &ParticipantId,
    ) -> Result<AlertReceipt, AlertError> {
        let (state, caller) = self.unrouted.get(key).ok_or(AlertError::NotUnrouted)?;
        if !is_open(rooms.store().as_ref(), incident).await? {
            return Err(AlertError::Closed);
        }
        self.routed(rooms, &caller, incident, state, Some(by.clone()))
            .await
    }

    /// Records a group on the incident it is now routed to, and remembers the route.
    async fn routed(
        &self,
        rooms: &Arc<Rooms>,
        caller: &Caller,
        incident: &IncidentId,
        state: AlertGroupState,
        linked_by: Option<ParticipantId>,
    ) -> Result<AlertReceipt, AlertError> {
        let key = state.key.clone();
        let receipt = record(rooms, caller, incident, state, linked_by).await?;
        rooms.store().set_alert_route(&key, incident).await?;
        self.unrouted.remove(&key);
        Ok(receipt)
    }
}

/// Sends the group's state to the incident's room in the integration's name (joining it
/// first: a command needs an actor who has joined).
async fn record(
    rooms: &Arc<Rooms>,
    caller: &Caller,
    incident: &IncidentId,
    group: AlertGroupState,
    linked_by: Option<ParticipantId>,
) -> Result<AlertReceipt, AlertError> {
    let join = Command::Join {
        name: caller.name.clone(),
    };
    rooms
        .act(incident, &caller.participant, join, None)
        .await?
        .map_err(AlertError::Rejected)?;
    let command = Command::RecordAlertGroup { group, linked_by };
    let recorded = rooms
        .act(incident, &caller.participant, command, None)
        .await?
        .map_err(AlertError::Rejected)?;
    let group = recorded.iter().find_map(|r| match &r.event {
        Event::AlertGroupUpdated { group, .. } => Some(*group),
        _ => None,
    });
    Ok(AlertReceipt {
        outcome: if group.is_some() {
            AlertOutcome::Recorded
        } else {
            AlertOutcome::Unchanged
        },
        incident: Some(incident.clone()),
        group,
    })
}

async fn is_open(store: &dyn Store, incident: &IncidentId) -> Result<bool, StoreError> {
    Ok(store
        .summary(incident)
        .await?
        .is_some_and(|s| s.status != Status::Closed))
}
