//! Folding the exercise events: a scenario started, paused, resumed or ended, and injects
//! fired. The scenario clock reads `paused_seconds`, kept here.

use crate::event::Event;
use crate::ids::ParticipantId;
use crate::incident::{Incident, ScenarioRun};
use crate::time::{Timestamp, seconds};

/// Applies an exercise event; other events are not this module's and change nothing here.
pub(super) fn apply(incident: &mut Incident, event: &Event, actor: &ParticipantId, at: Timestamp) {
    match event {
        Event::ScenarioStarted {
            title,
            briefing,
            expectations,
            injects,
        } => {
            incident.scenario = Some(ScenarioRun {
                title: title.clone(),
                briefing: briefing.clone(),
                expectations: expectations.clone(),
                injects: *injects,
                facilitator: actor.clone(),
                started_at: at,
                paused_at: None,
                paused_seconds: 0,
                fired: Default::default(),
                handoffs: 0,
                ended_at: None,
            });
        }
        Event::ScenarioPaused => {
            if let Some(run) = incident.scenario.as_mut() {
                run.paused_at = Some(at);
            }
        }
        Event::ScenarioResumed | Event::ScenarioEnded => {
            if let Some(run) = incident.scenario.as_mut() {
                if let Some(paused) = run.paused_at.take() {
                    run.paused_seconds += seconds(paused, at);
                }
                if matches!(event, Event::ScenarioEnded) {
                    run.ended_at = Some(at);
                }
            }
        }
        Event::InjectFired { inject, .. } => {
            if let (Some(run), Some(i)) = (incident.scenario.as_mut(), inject) {
                run.fired.insert(*i);
            }
        }
        _ => {}
    }
}
