//! Folding events into the board. `apply` holds no rules and cannot fail: every event in the
//! log was accepted by `decide` when it was recorded, so here it only changes the state the
//! way the event says. The server, the browser and the replay all run this same function,
//! which is why the live board, the replayed board and the export can never disagree.
//!
//! The checklist, exercise and crew-discipline events are folded in `checklists`, `exercise`
//! and `discipline`.
//!
//! An event that does not fit the state (which a log written by `decide` never contains) is
//! ignored rather than trusted halfway.

use chrono::Duration;

use crate::event::{Event, Recorded};
use crate::ids::{ActionId, ParticipantId};
use crate::incident::{
    Acknowledgement, Action, ActionState, Cadence, Concern, Escalation, Incident, NoteKind,
    Participant, Postmortem, Role, State, Status, Tenure,
};
use crate::time::Timestamp;

mod alert_groups;
mod checklists;
mod discipline;
mod exercise;
pub mod notes;
mod postmortem;

/// Applies one recorded event to the incident.
pub fn apply(state: &mut State, recorded: &Recorded) {
    let Recorded {
        seq,
        at,
        actor,
        event,
        ..
    } = recorded;
    let at = *at;
    let incident = match (state.as_mut(), event) {
        (
            None,
            Event::IncidentDeclared {
                title,
                severity,
                drill,
                name,
                retrospective,
                imported,
            },
        ) => {
            let postmortem = Postmortem {
                retrospective: *retrospective,
                imported: *imported,
                declared: recorded.occurred(),
                ..Postmortem::default()
            };
            *state = Some(Incident {
                title: title.clone(),
                severity: *severity,
                status: Status::Investigating,
                drill: *drill,
                declared_at: at,
                declared_by: actor.clone(),
                summary: String::new(),
                participants: [(
                    actor.clone(),
                    Participant {
                        name: name.clone(),
                        first_joined_at: at,
                    },
                )]
                .into(),
                commander: Tenure {
                    holder: actor.clone(),
                    since: at,
                },
                roles: Default::default(),
                offers: Default::default(),
                notes: Default::default(),
                actions: Default::default(),
                concerns: Default::default(),
                checklists: Default::default(),
                cadence: None,
                last_status_update: None,
                scenario: None,
                access: Default::default(),
                sterile: None,
                span_of_control: None,
                postmortem,
                alert_groups: Default::default(),
                seq: *seq,
                updated_at: at,
            });
            return;
        }
        (Some(incident), _) => incident,
        (None, _) => return,
    };
    incident.seq = *seq;
    incident.updated_at = at;
    match event {
        Event::IncidentDeclared { .. } => {}
        Event::IncidentRestricted { members } => {
            incident.access.restricted = true;
            incident.access.members.extend(members.iter().cloned());
        }
        Event::MemberAdded { participant, .. } => {
            incident.access.members.insert(participant.clone());
        }
        Event::MemberRemoved { participant } => {
            incident.access.members.remove(participant);
        }
        Event::LinkCreated {
            link,
            kind,
            expires_at,
        } => {
            incident.access.links.insert(
                *link,
                crate::incident::Link {
                    kind: *kind,
                    created_by: actor.clone(),
                    expires_at: *expires_at,
                    revoked: false,
                },
            );
        }
        Event::LinkRevoked { link } => {
            if let Some(l) = incident.access.links.get_mut(link) {
                l.revoked = true;
            }
        }
        Event::ParticipantJoined { name } => {
            incident
                .participants
                .entry(actor.clone())
                .and_modify(|p| p.name.clone_from(name))
                .or_insert_with(|| Participant {
                    name: name.clone(),
                    first_joined_at: at,
                });
        }
        Event::SeverityChanged { to, .. } => incident.severity = *to,
        Event::StatusChanged { to, .. } => {
            incident.status = *to;
            if *to == Status::Closed {
                incident.postmortem.closed_at.get_or_insert(at);
            }
        }
        Event::SummaryUpdated { text } => incident.summary.clone_from(text),
        Event::RoleOffered { role, to, brief } => {
            incident.offers.insert(
                *role,
                crate::incident::Offer {
                    from: actor.clone(),
                    to: to.clone(),
                    at,
                    brief: brief.clone(),
                    accepted_at: None,
                },
            );
        }
        Event::RoleOfferAccepted { role } => {
            if let Some(offer) = incident.offers.get_mut(role) {
                offer.accepted_at = Some(at);
            }
        }
        Event::RoleOfferDeclined { role, .. } | Event::RoleOfferCancelled { role, .. } => {
            incident.offers.remove(role);
        }
        Event::RoleHandedOver { role, to, .. } => {
            incident.offers.remove(role);
            set_holder(incident, *role, to.clone(), at);
            count_handoff(incident, *role);
        }
        Event::RoleClaimed { role } => set_holder(incident, *role, actor.clone(), at),
        Event::RoleReleased { role, .. } => {
            if *role != Role::Commander {
                incident.roles.remove(role);
            }
        }
        Event::RoleAssumed { role, .. } => {
            set_holder(incident, *role, actor.clone(), at);
            count_handoff(incident, *role);
        }
        Event::NotePosted { kind, held, .. } => {
            if *kind == NoteKind::StatusUpdate && !*held {
                // A backdated update counts from when it went out, never moving the clock back.
                let sent = recorded.when();
                incident.last_status_update = Some(
                    incident
                        .last_status_update
                        .map_or(sent, |last| last.max(sent)),
                );
            }
            notes::fold(&mut incident.notes, recorded, None);
        }
        Event::NoteAmended { .. } | Event::NoteRetracted { .. } | Event::NotePinned { .. } => {
            notes::fold(&mut incident.notes, recorded, None);
        }
        Event::ActionAssigned {
            action,
            to,
            text,
            lane,
            minutes,
        } => {
            incident.actions.insert(
                *action,
                Action {
                    text: text.clone(),
                    lane: *lane,
                    assignee: to.clone(),
                    assigner: actor.clone(),
                    assigned_at: at,
                    due_at: minutes.map(|m| at + Duration::minutes(i64::from(m))),
                    state: ActionState::AwaitingReadback,
                    readback: None,
                    read_back_at: None,
                    confirmed_at: None,
                    corrections: Vec::new(),
                    outcome: None,
                    closed_at: None,
                },
            );
        }
        Event::ActionReadBack { action, readback } => {
            if let Some(a) = incident.actions.get_mut(action) {
                a.state = ActionState::ReadBack;
                a.readback = Some(readback.clone());
                a.read_back_at = Some(at);
            }
        }
        Event::ReadbackConfirmed { action } => {
            if let Some(a) = incident.actions.get_mut(action) {
                a.state = ActionState::InProgress;
                a.confirmed_at = Some(at);
            }
        }
        Event::ReadbackCorrected { action, correction } => {
            if let Some(a) = incident.actions.get_mut(action) {
                a.state = ActionState::AwaitingReadback;
                a.corrections.push(correction.clone());
            }
        }
        Event::ActionCompleted { action, outcome } => {
            close_action(incident, *action, ActionState::Done, outcome, at);
        }
        Event::ActionCancelled { action, reason } => {
            close_action(incident, *action, ActionState::Cancelled, reason, at);
        }
        Event::ConcernRaised {
            concern,
            level,
            text,
        } => {
            incident.concerns.insert(
                *concern,
                Concern {
                    text: text.clone(),
                    level: *level,
                    raised_by: actor.clone(),
                    raised_at: at,
                    escalations: Vec::new(),
                    acknowledgement: None,
                },
            );
        }
        Event::ConcernEscalated { concern, level } => {
            if let Some(c) = incident.concerns.get_mut(concern) {
                c.level = *level;
                c.acknowledgement = None;
                c.escalations.push(Escalation {
                    by: actor.clone(),
                    at,
                    level: *level,
                });
            }
        }
        Event::ConcernAcknowledged { concern, response } => {
            if let Some(c) = incident.concerns.get_mut(concern) {
                c.acknowledgement = Some(Acknowledgement {
                    by: actor.clone(),
                    at,
                    response: response.clone(),
                });
            }
        }
        Event::ChecklistStarted { .. }
        | Event::ChecklistItemAdded { .. }
        | Event::ItemChecked { .. }
        | Event::ItemUnchecked { .. }
        | Event::ItemMarkedNotApplicable { .. } => checklists::apply(incident, event, actor, at),
        Event::ScenarioStarted { .. }
        | Event::ScenarioPaused
        | Event::ScenarioResumed
        | Event::ScenarioEnded
        | Event::InjectFired { .. } => exercise::apply(incident, event, actor, at),
        Event::SterilePhaseEnded { .. } => {
            notes::fold(&mut incident.notes, recorded, None);
            discipline::apply(incident, event, actor, at, *seq);
        }
        Event::SterilePhaseStarted { .. } | Event::SpanOfControlSet { .. } => {
            discipline::apply(incident, event, actor, at, *seq);
        }
        Event::TitleChanged { .. }
        | Event::ImpactSet { .. }
        | Event::FollowUpAdded { .. }
        | Event::FollowUpUpdated { .. } => postmortem::apply(incident, event, actor, at),
        Event::AlertGroupUpdated { .. } | Event::AlertGroupAcknowledged { .. } => {
            alert_groups::apply(incident, event, actor, at)
        }
        Event::CadenceSet { every_minutes } => {
            incident.cadence = every_minutes.map(|every_minutes| Cadence {
                every_minutes,
                set_by: actor.clone(),
                set_at: at,
            });
        }
    }
}

fn set_holder(incident: &mut Incident, role: Role, holder: ParticipantId, at: Timestamp) {
    let tenure = Tenure { holder, since: at };
    if role == Role::Commander {
        incident.commander = tenure;
    } else {
        incident.roles.insert(role, tenure);
    }
}

/// A change of command during a running scenario (its triggers listen for the first one).
fn count_handoff(incident: &mut Incident, role: Role) {
    if role == Role::Commander
        && let Some(run) = incident.scenario.as_mut()
        && run.ended_at.is_none()
    {
        run.handoffs += 1;
    }
}

fn close_action(
    incident: &mut Incident,
    action: ActionId,
    state: ActionState,
    outcome: &str,
    at: Timestamp,
) {
    if let Some(a) = incident.actions.get_mut(&action) {
        a.state = state;
        a.outcome = Some(outcome.to_owned());
        a.closed_at = Some(at);
    }
}
