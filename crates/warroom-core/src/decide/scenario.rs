//! Rules for training scenarios: they run on exercises only, one per incident; whoever starts
//! one facilitates it and must stand outside the crew (hold no role); only the facilitator
//! pauses, resumes, ends it and fires injects (the server fires timed ones in their name).

use crate::command::Command;
use crate::decide::{Context, body_text, title_text};
use crate::event::Event;
use crate::incident::Incident;
use crate::rejection::{Rejection, conflict, invalid, not_found, not_permitted};
use crate::scenario::{self, ScenarioRun};

pub(super) fn decide(
    incident: &Incident,
    command: &Command,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, Rejection> {
    if let Command::StartScenario { builtin, script } = command {
        if !incident.drill {
            return Err(not_permitted(
                "Scenarios run on exercises only: this is a real incident.",
            ));
        }
        if incident.scenario.is_some() {
            return Err(conflict(
                "A scenario has been run on this exercise already.",
            ));
        }
        if !incident.roles_of(ctx.actor).is_empty() {
            return Err(not_permitted(
                "The facilitator stands outside the crew: hand over your roles first.",
            ));
        }
        let text = match (builtin, script) {
            (Some(id), None) => scenario::built_in(id)
                .ok_or_else(|| not_found(format!("There is no built-in scenario \"{id}\".")))?,
            (None, Some(text)) => text.as_str(),
            _ => {
                return Err(invalid(
                    "Give either a built-in scenario or a scenario file.",
                ));
            }
        };
        let parsed = scenario::parse(text)
            .map_err(|e| invalid(format!("The scenario file has a problem: {e}.")))?;
        return Ok(vec![Event::ScenarioStarted {
            title: parsed.title,
            briefing: parsed.briefing,
            expectations: parsed.expectations,
            injects: parsed.injects.len() as u32,
        }]);
    }
    let run = incident
        .scenario
        .as_ref()
        .ok_or_else(|| not_found("No scenario is running on this incident."))?;
    if &run.facilitator != ctx.actor {
        return Err(not_permitted(format!(
            "Only the facilitator, {}, runs the scenario.",
            incident.name_of(&run.facilitator)
        )));
    }
    if run.ended_at.is_some() {
        return Err(conflict("The scenario has ended."));
    }
    match command {
        Command::PauseScenario => {
            if run.paused_at.is_some() {
                return Err(conflict("The scenario is paused already."));
            }
            Ok(vec![Event::ScenarioPaused])
        }
        Command::ResumeScenario => {
            if run.paused_at.is_none() {
                return Err(conflict("The scenario is not paused."));
            }
            Ok(vec![Event::ScenarioResumed])
        }
        Command::EndScenario => Ok(vec![Event::ScenarioEnded]),
        Command::FireInject {
            inject,
            source,
            text,
        } => {
            if let Some(i) = inject {
                check_inject(run, *i)?;
            }
            Ok(vec![Event::InjectFired {
                inject: *inject,
                source: title_text("The source", source)?,
                text: body_text("The inject", text)?,
            }])
        }
        _ => unreachable!("not a scenario command: {}", command.name()),
    }
}

fn check_inject(run: &ScenarioRun, i: u32) -> Result<(), Rejection> {
    if i >= run.injects {
        return Err(not_found(format!(
            "The scenario has {} injects; there is no inject {}.",
            run.injects,
            u64::from(i) + 1
        )));
    }
    if run.fired.contains(&i) {
        return Err(conflict(format!(
            "Inject {} has fired already.",
            u64::from(i) + 1
        )));
    }
    Ok(())
}
