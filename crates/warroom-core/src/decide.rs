//! Every rule of the incident: `decide` turns a command into the events it causes, or into a
//! rejection that says why not in plain words.
//!
//! The rules are grouped by concept in the submodules; this file holds the entry point, the
//! gates every command passes (declared, not closed, actor has joined) and the text checks.
//! Nothing here mutates state: the events are applied by [`crate::apply::apply`].

use std::collections::BTreeSet;

use crate::apply::apply;
use crate::command::Command;
use crate::event::Event;
use crate::event::Recorded;
use crate::ids::ParticipantId;
use crate::incident::{Incident, MAX_TEXT_CHARS, MAX_TITLE_CHARS, Role, State, Status, Timestamp};
use crate::rejection::{Rejection, RejectionCode, conflict, invalid, not_permitted};

mod access;
mod alert_groups;
mod checklists;
mod discipline;
pub mod occurred;
pub mod postmortem;
mod roles;
mod scenario;
mod tasks;
mod timeline;

/// What `decide` knows about the world beyond the incident: who acts, when (the server's
/// clock), and who is connected right now (the "visual check" of the positive exchange).
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub actor: &'a ParticipantId,
    pub at: Timestamp,
    pub present: &'a BTreeSet<ParticipantId>,
}

impl Context<'_> {
    pub(crate) fn is_present(&self, who: &ParticipantId) -> bool {
        self.present.contains(who)
    }
}

/// Decides what `command` does to the incident in `state`.
///
/// An empty list of events means the command was accepted but changes nothing (a participant
/// joining again under the same name).
pub fn decide(
    state: &State,
    command: &Command,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, Rejection> {
    let incident = match (state, command) {
        (
            None,
            Command::Declare {
                title,
                severity,
                drill,
                name,
                retrospective,
                ..
            },
        ) => {
            let title = title_text("The title", title)?;
            let name = title_text("Your name", name)?;
            occurred::check(None, command, ctx)?;
            return Ok(vec![Event::IncidentDeclared {
                title,
                severity: *severity,
                drill: *drill,
                name,
                retrospective: *retrospective,
                imported: false,
            }]);
        }
        (Some(_), Command::Declare { .. }) => {
            return Err(Rejection::new(
                RejectionCode::AlreadyDeclared,
                "This incident has been declared already.",
            ));
        }
        (None, _) => {
            return Err(Rejection::new(
                RejectionCode::NotDeclared,
                "This incident has not been declared.",
            ));
        }
        (Some(incident), _) => incident,
    };
    if incident.is_closed() && !postmortem::after_close(command) {
        return Err(Rejection::new(
            RejectionCode::Closed,
            "This incident is closed; its record is read-only. Only the postmortem's title, impact and follow-ups can still change.",
        ));
    }
    if let Command::Join { name } = command {
        let name = title_text("Your name", name)?;
        let known = incident.participants.get(ctx.actor);
        return Ok(if known.is_some_and(|p| p.name == name) {
            Vec::new()
        } else {
            vec![Event::ParticipantJoined { name }]
        });
    }
    if let Some(accepted) = access::accept_invitation(incident, command, ctx) {
        return accepted;
    }
    if !incident.participants.contains_key(ctx.actor) {
        return Err(not_permitted("You have not joined this incident."));
    }
    occurred::check(Some(incident), command, ctx)?;
    match command {
        Command::Declare { .. } | Command::Join { .. } => unreachable!("handled above"),
        Command::SetSeverity { severity, .. } => {
            require_commander(incident, ctx, "change the severity")?;
            if *severity == incident.severity {
                return Err(invalid(format!(
                    "The severity is {} already.",
                    severity.label()
                )));
            }
            Ok(vec![Event::SeverityChanged {
                from: incident.severity,
                to: *severity,
            }])
        }
        Command::SetStatus { status, .. } => {
            require_commander(incident, ctx, "change the status")?;
            if *status == incident.status {
                return Err(invalid(format!(
                    "The status is {} already.",
                    status.label()
                )));
            }
            if *status == Status::Closed && incident.status != Status::Resolved {
                return Err(invalid("Resolve the incident before closing it."));
            }
            if *status == Status::Closed && incident.open_safety_issues().next().is_some() {
                return Err(conflict(
                    "A safety issue is still open: acknowledge it before closing the incident.",
                ));
            }
            // Closing ends a sterile phase first: the notes it held enter the record.
            let mut events = match status {
                Status::Closed => discipline::end_phase(incident).unwrap_or_default(),
                _ => Vec::new(),
            };
            events.push(Event::StatusChanged {
                from: incident.status,
                to: *status,
            });
            Ok(events)
        }
        Command::SetSummary { text } => {
            require_any_role(
                incident,
                ctx,
                &[Role::Commander, Role::Communications],
                "The summary is written by the commander or communications.",
            )?;
            Ok(vec![Event::SummaryUpdated {
                text: body_text("The summary", text)?,
            }])
        }
        Command::SetCadence { every_minutes } => {
            require_any_role(
                incident,
                ctx,
                &[Role::Commander, Role::Communications],
                "The status-update cadence is set by the commander or communications.",
            )?;
            match every_minutes {
                Some(m) if !(1..=240).contains(m) => Err(invalid(
                    "A status-update cadence is between 1 and 240 minutes.",
                )),
                None if incident.cadence.is_none() => {
                    Err(invalid("There is no status-update cadence to clear."))
                }
                _ => Ok(vec![Event::CadenceSet {
                    every_minutes: *every_minutes,
                }]),
            }
        }
        Command::StartSterilePhase { .. }
        | Command::EndSterilePhase
        | Command::SetSpanOfControl { .. } => discipline::decide(incident, command, ctx),
        Command::OfferRole { .. }
        | Command::AcceptRole { .. }
        | Command::DeclineRole { .. }
        | Command::ConfirmHandover { .. }
        | Command::CancelOffer { .. }
        | Command::ClaimRole { .. }
        | Command::ReleaseRole { .. }
        | Command::AssumeRole { .. } => roles::decide(incident, command, ctx),
        Command::PostNote { .. }
        | Command::AmendNote { .. }
        | Command::RetractNote { .. }
        | Command::PinNote { .. } => timeline::decide(incident, command, ctx),
        Command::AssignAction { .. }
        | Command::ReadBackAction { .. }
        | Command::ConfirmReadback { .. }
        | Command::CorrectReadback { .. }
        | Command::CompleteAction { .. }
        | Command::CancelAction { .. }
        | Command::RaiseConcern { .. }
        | Command::RaiseConcernAgain { .. }
        | Command::AcknowledgeConcern { .. } => tasks::decide(incident, command, ctx),
        Command::StartChecklist { .. }
        | Command::CreateChecklist { .. }
        | Command::AddChecklistItem { .. }
        | Command::CheckItem { .. }
        | Command::UncheckItem { .. }
        | Command::MarkItemNotApplicable { .. } => checklists::decide(incident, command, ctx),
        Command::StartScenario { .. }
        | Command::PauseScenario
        | Command::ResumeScenario
        | Command::EndScenario
        | Command::FireInject { .. } => scenario::decide(incident, command, ctx),
        Command::Restrict
        | Command::AddMember { .. }
        | Command::RemoveMember { .. }
        | Command::CreateLink { .. }
        | Command::RevokeLink { .. } => access::decide(incident, command, ctx),
        Command::AcceptInvitation { .. } => unreachable!("handled above"),
        Command::SetTitle { .. }
        | Command::SetImpact { .. }
        | Command::AddFollowUp { .. }
        | Command::UpdateFollowUp { .. } => postmortem::decide(incident, command, ctx),
        Command::RecordAlertGroup { .. } | Command::AcknowledgeAlertGroup { .. } => {
            alert_groups::decide(incident, command, ctx)
        }
    }
}

/// Decides and applies in one step, for callers that own a state and want the events
/// recorded with consecutive sequences: returns what was appended.
pub fn execute(
    state: &mut State,
    command: &Command,
    ctx: &Context<'_>,
) -> Result<Vec<Recorded>, Rejection> {
    let events = decide(state, command, ctx)?;
    let mut next = state.as_ref().map_or(0, |i| i.seq);
    // The time the command says its events happened at (decide has checked it).
    let (occurred_at, precision) = command.occurred();
    let precision = occurred_at.map(|_| precision.unwrap_or_default());
    let recorded: Vec<Recorded> = events
        .into_iter()
        .map(|event| {
            next += 1;
            Recorded {
                seq: next,
                at: ctx.at,
                actor: ctx.actor.clone(),
                event,
                occurred_at,
                precision,
                imported: false,
            }
        })
        .collect();
    for r in &recorded {
        apply(state, r);
    }
    Ok(recorded)
}

/// A note entered from a timeline file into an existing incident (`import::into_existing`)
/// by the person the file names, who has joined: the rules of a backdated `post_note`, on an
/// open or a closed incident alike — a postmortem's timeline is gathered after the response.
pub(crate) fn imported_note(
    incident: &Incident,
    command: &Command,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, Rejection> {
    if !matches!(command, Command::PostNote { .. }) {
        return Err(invalid(
            "Only notes are imported into an existing incident.",
        ));
    }
    occurred::check(Some(incident), command, ctx)?;
    timeline::decide(incident, command, ctx)
}

pub(crate) fn require_commander(
    incident: &Incident,
    ctx: &Context<'_>,
    what: &str,
) -> Result<(), Rejection> {
    if incident.holds(ctx.actor, Role::Commander) {
        Ok(())
    } else {
        Err(not_permitted(format!(
            "Only the commander can {what}; {} is in command.",
            incident.name_of(&incident.commander.holder)
        )))
    }
}

fn require_any_role(
    incident: &Incident,
    ctx: &Context<'_>,
    roles: &[Role],
    message: &str,
) -> Result<(), Rejection> {
    if roles.iter().any(|r| incident.holds(ctx.actor, *r)) {
        Ok(())
    } else {
        Err(not_permitted(message))
    }
}

/// A display name as the rules accept it: trimmed, not empty, at most [`MAX_TITLE_CHARS`].
pub fn display_name(raw: &str) -> Result<String, Rejection> {
    title_text("Your name", raw)
}

/// A free-text field: trimmed, not empty, at most [`MAX_TEXT_CHARS`] characters.
pub(crate) fn body_text(field: &str, raw: &str) -> Result<String, Rejection> {
    bounded(field, raw, MAX_TEXT_CHARS)
}

/// A title or a name: trimmed, not empty, at most [`MAX_TITLE_CHARS`] characters.
pub(crate) fn title_text(field: &str, raw: &str) -> Result<String, Rejection> {
    bounded(field, raw, MAX_TITLE_CHARS)
}

pub(crate) fn bounded(field: &str, raw: &str, limit: usize) -> Result<String, Rejection> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(invalid(format!("{field} cannot be empty.")));
    }
    let chars = text.chars().count();
    if chars > limit {
        return Err(invalid(format!(
            "{field} is {chars} characters long; the limit is {limit}."
        )));
    }
    Ok(text.to_owned())
}
