//! Folding the crew-discipline events: a sterile phase starts, or ends and lets the notes it
//! held into the timeline; the span of control is set.

use crate::event::Event;
use crate::ids::{ParticipantId, Seq};
use crate::incident::{Incident, SterilePhase};
use crate::time::Timestamp;

/// Applies a discipline event; other events are not this module's and change nothing here.
pub(super) fn apply(
    incident: &mut Incident,
    event: &Event,
    actor: &ParticipantId,
    at: Timestamp,
    seq: Seq,
) {
    match event {
        Event::SterilePhaseStarted { reason } => {
            incident.sterile = Some(SterilePhase {
                reason: reason.clone(),
                started_by: actor.clone(),
                started_at: at,
                seq,
            });
        }
        Event::SterilePhaseEnded { .. } => {
            // The notes it held are released by `notes::fold`, which `apply` runs too.
            incident.sterile = None;
        }
        Event::SpanOfControlSet { limit } => incident.span_of_control = *limit,
        _ => {}
    }
}
