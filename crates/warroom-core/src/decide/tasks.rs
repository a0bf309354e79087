//! Closed-loop tasking and concerns.
//!
//! Actions: assigned by the commander, deputy or operations; read back by the assignee in their
//! own words; the readback confirmed (loop closed) or corrected by the assigner (or the
//! commander); only a closed loop can be completed; the assigner or the commander cancels.
//!
//! Concerns (TeamSTEPPS CUS and the two-challenge rule): anyone raises one at a level; anyone
//! may raise it again, which escalates it a level and reopens it; only the commander
//! acknowledges, with a response.

use crate::command::Command;
use crate::decide::{Context, body_text};
use crate::event::Event;
use crate::ids::{ActionId, ConcernId};
use crate::incident::{Action, ActionState, Incident, Role};
use crate::rejection::{Rejection, conflict, invalid, not_found, not_permitted};

/// The longest time box an action may have: a day.
pub const MAX_TIME_BOX_MINUTES: u32 = 24 * 60;

pub(super) fn decide(
    incident: &Incident,
    command: &Command,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, Rejection> {
    match command {
        Command::AssignAction {
            to,
            text,
            lane,
            minutes,
        } => {
            if ![Role::Commander, Role::Deputy, Role::Operations]
                .iter()
                .any(|r| incident.holds(ctx.actor, *r))
            {
                return Err(not_permitted(
                    "Actions are assigned by the commander, the deputy or operations.",
                ));
            }
            if !incident.participants.contains_key(to) {
                return Err(not_found("That person has not joined this incident."));
            }
            if let Some(m) = minutes
                && !(1..=MAX_TIME_BOX_MINUTES).contains(m)
            {
                return Err(invalid(format!(
                    "A time box is between 1 and {MAX_TIME_BOX_MINUTES} minutes."
                )));
            }
            let action = ActionId(
                incident
                    .actions
                    .last_key_value()
                    .map_or(1, |(id, _)| id.0 + 1),
            );
            Ok(vec![Event::ActionAssigned {
                action,
                to: to.clone(),
                text: body_text("The action", text)?,
                lane: *lane,
                minutes: *minutes,
            }])
        }
        Command::ReadBackAction { action, readback } => {
            let a = action_in(incident, *action)?;
            if &a.assignee != ctx.actor {
                return Err(not_permitted(format!(
                    "Only {} can read this action back.",
                    incident.name_of(&a.assignee)
                )));
            }
            if a.state != ActionState::AwaitingReadback {
                return Err(conflict(state_sentence(a.state)));
            }
            Ok(vec![Event::ActionReadBack {
                action: *action,
                readback: body_text("The readback", readback)?,
            }])
        }
        Command::ConfirmReadback { action } => {
            let a = action_in(incident, *action)?;
            require_assigner(incident, ctx, a, "confirm the readback")?;
            if a.state != ActionState::ReadBack {
                return Err(conflict(state_sentence(a.state)));
            }
            Ok(vec![Event::ReadbackConfirmed { action: *action }])
        }
        Command::CorrectReadback { action, correction } => {
            let a = action_in(incident, *action)?;
            require_assigner(incident, ctx, a, "correct the readback")?;
            if a.state != ActionState::ReadBack {
                return Err(conflict(state_sentence(a.state)));
            }
            Ok(vec![Event::ReadbackCorrected {
                action: *action,
                correction: body_text("The correction", correction)?,
            }])
        }
        Command::CompleteAction { action, outcome } => {
            let a = action_in(incident, *action)?;
            if &a.assignee != ctx.actor
                && &a.assigner != ctx.actor
                && !incident.holds(ctx.actor, Role::Commander)
            {
                return Err(not_permitted(
                    "Only the assignee, the assigner or the commander can complete an action.",
                ));
            }
            if a.state != ActionState::InProgress {
                return Err(conflict(state_sentence(a.state)));
            }
            Ok(vec![Event::ActionCompleted {
                action: *action,
                outcome: body_text("The outcome", outcome)?,
            }])
        }
        Command::CancelAction { action, reason } => {
            let a = action_in(incident, *action)?;
            require_assigner(incident, ctx, a, "cancel the action")?;
            if !a.state.is_open() {
                return Err(conflict(state_sentence(a.state)));
            }
            Ok(vec![Event::ActionCancelled {
                action: *action,
                reason: body_text("The reason", reason)?,
            }])
        }
        Command::RaiseConcern { level, text } => {
            let concern = ConcernId(
                incident
                    .concerns
                    .last_key_value()
                    .map_or(1, |(id, _)| id.0 + 1),
            );
            Ok(vec![Event::ConcernRaised {
                concern,
                level: *level,
                text: body_text("The concern", text)?,
            }])
        }
        Command::RaiseConcernAgain { concern } => {
            let c = incident
                .concerns
                .get(concern)
                .ok_or_else(|| not_found(format!("There is no concern {concern}.")))?;
            Ok(vec![Event::ConcernEscalated {
                concern: *concern,
                level: c.level.escalated(),
            }])
        }
        Command::AcknowledgeConcern { concern, response } => {
            let c = incident
                .concerns
                .get(concern)
                .ok_or_else(|| not_found(format!("There is no concern {concern}.")))?;
            if !incident.holds(ctx.actor, Role::Commander) {
                return Err(not_permitted(format!(
                    "Only the commander can acknowledge a concern; {} is in command.",
                    incident.name_of(&incident.commander.holder)
                )));
            }
            if !c.is_open() {
                return Err(conflict("That concern has been acknowledged already."));
            }
            Ok(vec![Event::ConcernAcknowledged {
                concern: *concern,
                response: body_text("The response", response)?,
            }])
        }
        _ => unreachable!("not a tasking command: {}", command.name()),
    }
}

fn action_in(incident: &Incident, id: ActionId) -> Result<&Action, Rejection> {
    incident
        .actions
        .get(&id)
        .ok_or_else(|| not_found(format!("There is no action {id}.")))
}

/// The assigner closes the loop; the commander may stand in for an assigner who has left.
fn require_assigner(
    incident: &Incident,
    ctx: &Context<'_>,
    action: &Action,
    verb: &str,
) -> Result<(), Rejection> {
    if &action.assigner == ctx.actor || incident.holds(ctx.actor, Role::Commander) {
        Ok(())
    } else {
        Err(not_permitted(format!(
            "Only {} (who assigned it) or the commander can {verb}.",
            incident.name_of(&action.assigner)
        )))
    }
}

/// Why an action in `state` cannot take the step asked for.
fn state_sentence(state: ActionState) -> &'static str {
    match state {
        ActionState::AwaitingReadback => {
            "Close the loop first: this action has not been read back yet."
        }
        ActionState::ReadBack => "Close the loop first: the readback has not been confirmed yet.",
        ActionState::InProgress => "The readback has been confirmed already.",
        ActionState::Done => "This action is done already.",
        ActionState::Cancelled => "This action was cancelled.",
    }
}
