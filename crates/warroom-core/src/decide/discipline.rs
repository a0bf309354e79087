//! Rules of crew discipline: only the commander starts and ends a sterile phase (with a short
//! reason) and sets the span of control. Ending the phase releases every note it held, in the
//! order they were written; so does closing the incident while a phase is on.

use crate::command::Command;
use crate::decide::{Context, require_commander, title_text};
use crate::event::Event;
use crate::incident::{Incident, SPAN_OF_CONTROL_LIMITS};
use crate::rejection::{Rejection, conflict, invalid};

pub(super) fn decide(
    incident: &Incident,
    command: &Command,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, Rejection> {
    match command {
        Command::StartSterilePhase { reason } => {
            require_commander(incident, ctx, "declare a sterile phase")?;
            if let Some(phase) = &incident.sterile {
                return Err(conflict(format!(
                    "A sterile phase is on already: {}.",
                    phase.reason
                )));
            }
            Ok(vec![Event::SterilePhaseStarted {
                reason: title_text("The reason for the sterile phase", reason)?,
            }])
        }
        Command::EndSterilePhase => {
            require_commander(incident, ctx, "end the sterile phase")?;
            end_phase(incident).ok_or_else(|| conflict("No sterile phase is on."))
        }
        Command::SetSpanOfControl { limit } => {
            require_commander(incident, ctx, "set the span of control")?;
            if let Some(l) = limit
                && !SPAN_OF_CONTROL_LIMITS.contains(l)
            {
                return Err(invalid(format!(
                    "A span of control is between {} and {}.",
                    SPAN_OF_CONTROL_LIMITS.start(),
                    SPAN_OF_CONTROL_LIMITS.end()
                )));
            }
            if *limit == incident.span_of_control {
                return Err(invalid(match limit {
                    Some(l) => format!("The span of control is {l} already."),
                    None => "The span of control is the default already.".to_owned(),
                }));
            }
            Ok(vec![Event::SpanOfControlSet { limit: *limit }])
        }
        _ => unreachable!("not a discipline command: {}", command.name()),
    }
}

/// The event that ends the phase on now, releasing the notes it holds in the order they were
/// written; `None` if no phase is on.
pub(super) fn end_phase(incident: &Incident) -> Option<Vec<Event>> {
    incident.sterile.as_ref()?;
    Some(vec![Event::SterilePhaseEnded {
        released: incident.queued_notes().map(|(id, _)| *id).collect(),
    }])
}
