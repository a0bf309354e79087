//! What the log says about how the incident was run, for the postmortem: time to the first
//! command action, to mitigation and resolution; every command handoff and tenure; checklist
//! completion times; action readback and completion latencies and overdue counts; the
//! status-update cadence against what was due; how long each concern waited.
//!
//! Computed from the log alone by folding it, so the review page, the exports and a scenario's
//! scorecard all agree. Durations are whole seconds.
//!
//! Definitions:
//! - *time to first commander*: from the declaration to the first event the commander of record
//!   causes after declaring (a note, a decision, an assignment, a handoff…). Declaring is not
//!   commanding; this measures when someone visibly took charge.
//! - *overdue action*: an action that was still open after its time box ran out (closed late, or
//!   open past the end of the log).
//! - *late status update*: a status-update note posted after the update was due; an update still
//!   due at the end of the log counts as *missed*.
//! - *time to detect*: from the impact start (`set_impact`) to the declaration (its
//!   `occurred_at` where given); zero when the incident was declared before the impact began.
//! - *impact duration*: from the impact start to its end, once an end is set.
//!
//! Every headline figure carries its definition as data ([`DEFINITIONS`],
//! [`Metrics::rows`]), so that the review page and the draft show it beside the value.
//!
//! **Metrics at a moment never count later events:** [`metrics_at`] folds only the events up to
//! the moment (a sequence), and measures what is still open against that moment's time.

use serde::{Deserialize, Serialize};

use crate::apply::apply;
use crate::event::{Event, Recorded};
use crate::ids::{ActionId, ChecklistId, ConcernId, ParticipantId, Seq};
use crate::incident::{ConcernLevel, Incident, Lane, NoteKind, Role, State, Status};
use crate::time::Timestamp;

mod summary;
/// The time helpers, re-exported from [`crate::time`] where they first lived.
pub use crate::time::{hms, seconds, t_plus};
pub use summary::{DEFINITIONS, Row, definition};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub declared_at: Timestamp,
    /// The time of the last event.
    pub ended_at: Timestamp,
    pub time_to_first_commander: Option<i64>,
    pub time_to_mitigated: Option<i64>,
    pub time_to_resolved: Option<i64>,
    /// From the impact start to the declaration (see the definitions).
    #[serde(default)]
    pub time_to_detect: Option<i64>,
    /// From the impact start to its end.
    #[serde(default)]
    pub impact_duration: Option<i64>,
    /// Every change of command after the declaration, in order.
    pub handoffs: Vec<Handoff>,
    /// Every commander's time in command, in order.
    pub tenures: Vec<Tenure>,
    pub checklists: Vec<ChecklistTiming>,
    pub actions: Vec<ActionTiming>,
    pub status_updates: StatusUpdates,
    pub concerns: Vec<ConcernTiming>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandoffKind {
    /// Offered, accepted, confirmed.
    PositiveExchange,
    /// Taken from a commander who was not connected.
    Assumed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Handoff {
    pub seq: Seq,
    pub at: Timestamp,
    pub from: ParticipantId,
    pub to: ParticipantId,
    pub kind: HandoffKind,
    /// From the offer to "You have control" (positive exchange only).
    pub offer_to_confirm: Option<i64>,
    /// Why command was assumed.
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tenure {
    pub commander: ParticipantId,
    pub from: Timestamp,
    /// When command passed on; `None` if still held at the end of the log.
    pub to: Option<Timestamp>,
    pub seconds: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChecklistTiming {
    pub id: ChecklistId,
    pub title: String,
    pub started_at: Timestamp,
    /// When every item was first closed off.
    pub completed_after: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionTiming {
    pub id: ActionId,
    pub text: String,
    pub lane: Lane,
    pub assignee: ParticipantId,
    pub assigned_at: Timestamp,
    /// From assignment to the (first) readback.
    pub read_back_after: Option<i64>,
    /// From assignment to the confirmed readback (the loop closed).
    pub confirmed_after: Option<i64>,
    /// From assignment to done or cancelled.
    pub closed_after: Option<i64>,
    pub done: bool,
    pub cancelled: bool,
    pub overdue: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StatusUpdates {
    pub posted: usize,
    /// Posted while a cadence was set, no later than due.
    pub on_time: usize,
    /// Posted after they were due.
    pub late: usize,
    /// Due and not posted by the end of the log.
    pub missed: usize,
    /// The longest time between two status updates (or from declaration to the first).
    pub longest_gap: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConcernTiming {
    pub id: ConcernId,
    pub text: String,
    /// The level it ended at.
    pub level: ConcernLevel,
    pub raised_by: ParticipantId,
    pub raised_at: Timestamp,
    /// How many times it was raised again.
    pub escalations: usize,
    /// From the last raising to the commander's acknowledgement; `None` if never acknowledged.
    pub waited: Option<i64>,
}

/// The metrics as they stood at `moment`: of the events up to and including sequence `moment`
/// only, so a handoff (or anything) after it is not counted, and what is open is measured to
/// that moment's time. `None` before the declaration.
pub fn metrics_at(log: &[Recorded], moment: Seq) -> Option<Metrics> {
    let upto = log.iter().take_while(|r| r.seq <= moment).count();
    metrics(&log[..upto])
}

/// Computes the metrics of a whole log (from its declaration). `None` for an empty log.
pub fn metrics(log: &[Recorded]) -> Option<Metrics> {
    let mut state: State = None;
    let mut m: Option<Metrics> = None;
    // Per role offer: when it was made.
    let mut command_offer_at: Option<Timestamp> = None;
    let mut last_update: Option<Timestamp> = None;
    for r in log {
        let before = state.as_ref().map(|i| i.commander.holder.clone());
        apply(&mut state, r);
        let Some(incident) = state.as_ref() else {
            continue;
        };
        // Measured by when it happened: a backdated entry counts at its `occurred_at`.
        let when = r.when();
        let metrics = m.get_or_insert_with(|| Metrics {
            declared_at: incident.started_at(),
            ended_at: when,
            time_to_first_commander: None,
            time_to_mitigated: None,
            time_to_resolved: None,
            time_to_detect: None,
            impact_duration: None,
            handoffs: Vec::new(),
            tenures: vec![Tenure {
                commander: incident.commander.holder.clone(),
                from: incident.started_at(),
                to: None,
                seconds: 0,
            }],
            checklists: Vec::new(),
            actions: Vec::new(),
            status_updates: StatusUpdates::default(),
            concerns: Vec::new(),
        });
        metrics.ended_at = metrics.ended_at.max(when);
        let since_declared = seconds(metrics.declared_at, when);

        if metrics.time_to_first_commander.is_none()
            && !matches!(
                r.event,
                Event::IncidentDeclared { .. } | Event::ParticipantJoined { .. }
            )
            && before.as_ref() == Some(&r.actor)
        {
            metrics.time_to_first_commander = Some(since_declared);
        }

        match &r.event {
            Event::StatusChanged { to, .. } => {
                if *to >= Status::Mitigated && metrics.time_to_mitigated.is_none() {
                    metrics.time_to_mitigated = Some(since_declared);
                }
                if *to >= Status::Resolved && metrics.time_to_resolved.is_none() {
                    metrics.time_to_resolved = Some(since_declared);
                }
            }
            Event::RoleOffered {
                role: Role::Commander,
                ..
            } => command_offer_at = Some(when),
            Event::RoleOfferDeclined {
                role: Role::Commander,
                ..
            }
            | Event::RoleOfferCancelled {
                role: Role::Commander,
                ..
            } => command_offer_at = None,
            Event::RoleHandedOver {
                role: Role::Commander,
                from,
                to,
            } => {
                metrics.handoffs.push(Handoff {
                    seq: r.seq,
                    at: when,
                    from: from.clone(),
                    to: to.clone(),
                    kind: HandoffKind::PositiveExchange,
                    offer_to_confirm: command_offer_at.take().map(|o| seconds(o, when)),
                    reason: None,
                });
                change_commander(metrics, to, when);
            }
            Event::RoleAssumed {
                role: Role::Commander,
                from,
                reason,
            } => {
                metrics.handoffs.push(Handoff {
                    seq: r.seq,
                    at: when,
                    from: from
                        .clone()
                        .or(before.clone())
                        .unwrap_or_else(|| r.actor.clone()),
                    to: r.actor.clone(),
                    kind: HandoffKind::Assumed,
                    offer_to_confirm: None,
                    reason: Some(reason.clone()),
                });
                command_offer_at = None;
                change_commander(metrics, &r.actor, when);
            }
            Event::ChecklistStarted {
                checklist, title, ..
            } => metrics.checklists.push(ChecklistTiming {
                id: *checklist,
                title: title.clone(),
                started_at: when,
                completed_after: None,
            }),
            Event::ItemChecked { checklist, .. }
            | Event::ItemMarkedNotApplicable { checklist, .. } => {
                let complete = incident
                    .checklists
                    .get(checklist)
                    .is_some_and(|c| c.is_complete());
                if let Some(t) = metrics.checklists.iter_mut().find(|t| t.id == *checklist)
                    && complete
                    && t.completed_after.is_none()
                {
                    t.completed_after = Some(seconds(t.started_at, when));
                }
            }
            Event::ActionAssigned {
                action,
                to,
                text,
                lane,
                ..
            } => metrics.actions.push(ActionTiming {
                id: *action,
                text: text.clone(),
                lane: *lane,
                assignee: to.clone(),
                assigned_at: when,
                read_back_after: None,
                confirmed_after: None,
                closed_after: None,
                done: false,
                cancelled: false,
                overdue: false,
            }),
            Event::ActionReadBack { action, .. } => {
                if let Some(t) = find_action(metrics, *action)
                    && t.read_back_after.is_none()
                {
                    t.read_back_after = Some(seconds(t.assigned_at, when));
                }
            }
            Event::ReadbackConfirmed { action } => {
                if let Some(t) = find_action(metrics, *action) {
                    t.confirmed_after = Some(seconds(t.assigned_at, when));
                }
            }
            Event::ActionCompleted { action, .. } | Event::ActionCancelled { action, .. } => {
                let due = incident.actions.get(action).and_then(|a| a.due_at);
                let done = matches!(r.event, Event::ActionCompleted { .. });
                if let Some(t) = find_action(metrics, *action) {
                    t.closed_after = Some(seconds(t.assigned_at, when));
                    t.done = done;
                    t.cancelled = !done;
                    t.overdue = due.is_some_and(|d| when > d);
                }
            }
            Event::NotePosted {
                kind: NoteKind::StatusUpdate,
                ..
            } => {
                let previous = last_update.unwrap_or(metrics.declared_at);
                let gap = seconds(previous, when);
                let su = &mut metrics.status_updates;
                su.posted += 1;
                su.longest_gap = Some(su.longest_gap.map_or(gap, |g| g.max(gap)));
                // Whether it was late is judged against what was due before this update.
                if let Some(due) = due_before(incident, last_update) {
                    if when > due {
                        su.late += 1;
                    } else {
                        su.on_time += 1;
                    }
                }
                last_update = Some(when);
            }
            Event::ConcernRaised {
                concern,
                level,
                text,
            } => metrics.concerns.push(ConcernTiming {
                id: *concern,
                text: text.clone(),
                level: *level,
                raised_by: r.actor.clone(),
                raised_at: when,
                escalations: 0,
                waited: None,
            }),
            Event::ConcernEscalated { concern, level } => {
                if let Some(t) = metrics.concerns.iter_mut().find(|t| t.id == *concern) {
                    t.level = *level;
                    t.escalations += 1;
                    t.waited = None;
                }
            }
            Event::ConcernAcknowledged { concern, .. } => {
                let raised = incident.concerns.get(concern).map(|c| c.last_raised_at());
                if let (Some(t), Some(raised)) = (
                    metrics.concerns.iter_mut().find(|t| t.id == *concern),
                    raised,
                ) {
                    t.waited = Some(seconds(raised, when));
                }
            }
            _ => {}
        }
    }
    let mut metrics = m?;
    let end = metrics.ended_at;
    if let Some(last) = metrics.tenures.last_mut() {
        last.seconds = seconds(last.from, end);
    }
    if let Some(incident) = state.as_ref() {
        if let Some(impact) = &incident.postmortem.impact {
            metrics.time_to_detect = Some(seconds(impact.start, metrics.declared_at));
            metrics.impact_duration = impact.end.map(|end| seconds(impact.start, end));
        }
        for t in &mut metrics.actions {
            if t.closed_after.is_none() {
                t.overdue = incident
                    .actions
                    .get(&t.id)
                    .and_then(|a| a.due_at)
                    .is_some_and(|d| end > d);
            }
        }
        if incident
            .next_update_due()
            .is_some_and(|due| end > due && incident.status < Status::Resolved)
        {
            metrics.status_updates.missed += 1;
        }
    }
    Some(metrics)
}

/// When the update was due just before a status update (the board already holds the new note,
/// so the due time is recomputed from the previous update).
fn due_before(incident: &Incident, previous_update: Option<Timestamp>) -> Option<Timestamp> {
    let cadence = incident.cadence.as_ref()?;
    let from = match previous_update {
        Some(last) if last > cadence.set_at => last,
        _ => cadence.set_at,
    };
    Some(from + chrono::Duration::minutes(i64::from(cadence.every_minutes)))
}

fn change_commander(metrics: &mut Metrics, to: &ParticipantId, at: Timestamp) {
    if let Some(last) = metrics.tenures.last_mut() {
        last.to = Some(at);
        last.seconds = seconds(last.from, at);
    }
    metrics.tenures.push(Tenure {
        commander: to.clone(),
        from: at,
        to: None,
        seconds: 0,
    });
}

fn find_action(metrics: &mut Metrics, id: ActionId) -> Option<&mut ActionTiming> {
    metrics.actions.iter_mut().find(|t| t.id == id)
}
