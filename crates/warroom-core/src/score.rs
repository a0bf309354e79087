//! A drill's scorecard: the scenario's expectations judged against what the crew did, read
//! from the log. A read model like `metrics`: it folds the log with `apply` and changes nothing.

use serde::{Deserialize, Serialize};

use crate::apply::apply;
use crate::event::{Event, Recorded};
use crate::incident::{ActionState, Expectation, Incident, NoteKind, Role};
use crate::replay::replay;
use crate::scenario::time_label;
use crate::time::{Timestamp, hms, seconds};

/// One line of a drill's scorecard: what was expected, what happened and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreLine {
    pub expected: String,
    pub met: bool,
    pub happened: String,
    /// Scenario time (seconds) of the moment that decided it, if there was one.
    pub at: Option<i64>,
}

/// Scores the scenario in `log` against its expectations, over the scenario's run (from its
/// start to its end, or to the end of the log). `None` if no scenario ran.
pub fn scorecard(log: &[Recorded]) -> Option<Vec<ScoreLine>> {
    let (seen, incident) = Observations::of(log)?;
    let run = incident.scenario.as_ref()?;
    Some(
        run.expectations
            .iter()
            .map(|expectation| expectation.judge(&seen, &incident, run.started_at))
            .collect(),
    )
}

/// What the run saw that the expectations are judged on, in scenario time (seconds).
#[derive(Debug, Default)]
struct Observations {
    /// When the commander of record first acted (not merely ran the exercise), and who.
    first_command_action: Option<(i64, String)>,
    /// The first commander handover by positive exchange, in words.
    first_exchange: Option<(i64, String)>,
    /// The first time command was assumed.
    first_assumed: Option<i64>,
    /// Every status update.
    updates: Vec<i64>,
    /// Each template a checklist was completed from, with the first time.
    completed: Vec<(String, i64)>,
    /// The scenario time of the last event of the run.
    end_clock: i64,
}

impl Observations {
    /// Folds the log and watches the scenario's run; with the board at the run's end.
    fn of(log: &[Recorded]) -> Option<(Self, Incident)> {
        let start = log
            .iter()
            .position(|r| matches!(r.event, Event::ScenarioStarted { .. }))?;
        let mut state = replay(None, &log[..start]);
        let mut seen = Observations::default();
        for r in &log[start..] {
            let commander_before = state.as_ref().map(|i| i.commander.holder.clone());
            apply(&mut state, r);
            let Some(incident) = state.as_ref() else {
                continue;
            };
            let Some(run) = incident.scenario.as_ref() else {
                continue;
            };
            let clock = run.clock(r.at);
            seen.end_clock = clock;
            let exercise_machinery = matches!(
                r.event,
                Event::ScenarioStarted { .. }
                    | Event::ScenarioPaused
                    | Event::ScenarioResumed
                    | Event::ScenarioEnded
                    | Event::InjectFired { .. }
                    | Event::ParticipantJoined { .. }
            );
            if seen.first_command_action.is_none()
                && !exercise_machinery
                && commander_before.as_ref() == Some(&r.actor)
            {
                seen.first_command_action = Some((clock, incident.name_of(&r.actor).to_owned()));
            }
            match &r.event {
                Event::RoleHandedOver {
                    role: Role::Commander,
                    from,
                    to,
                } if seen.first_exchange.is_none() => {
                    seen.first_exchange = Some((
                        clock,
                        format!(
                            "{} handed command to {}",
                            incident.name_of(from),
                            incident.name_of(to)
                        ),
                    ));
                }
                Event::RoleAssumed {
                    role: Role::Commander,
                    ..
                } if seen.first_assumed.is_none() => {
                    seen.first_assumed = Some(clock);
                }
                Event::NotePosted {
                    kind: NoteKind::StatusUpdate,
                    ..
                } => seen.updates.push(clock),
                Event::ItemChecked { checklist, .. }
                | Event::ItemMarkedNotApplicable { checklist, .. } => {
                    if let Some(c) = incident.checklists.get(checklist)
                        && c.is_complete()
                        && let Some(t) = &c.template
                        && !seen.completed.iter().any(|(done, _)| done == t)
                    {
                        seen.completed.push((t.clone(), clock));
                    }
                }
                _ => {}
            }
            if run.ended_at.is_some() {
                break;
            }
        }
        Some((seen, state?))
    }
}

impl Expectation {
    /// Judges this expectation on what the run saw and the board at its end.
    fn judge(&self, seen: &Observations, incident: &Incident, started_at: Timestamp) -> ScoreLine {
        let t = time_label;
        let (met, happened, at) = match self {
            Self::CommanderWithin { minutes } => match &seen.first_command_action {
                Some((at, who)) => (
                    *at <= i64::from(*minutes) * 60,
                    format!("{who} first acted as commander at {}", t(*at)),
                    Some(*at),
                ),
                None => (false, "The commander never acted".to_owned(), None),
            },
            Self::PositiveExchange => match (&seen.first_exchange, seen.first_assumed) {
                (Some((at, what)), _) => (
                    true,
                    format!("{what} by positive exchange at {}", t(*at)),
                    Some(*at),
                ),
                (None, Some(at)) => (
                    false,
                    format!("Command was assumed at {}, never handed over", t(at)),
                    Some(at),
                ),
                (None, None) => (false, "Command never changed hands".to_owned(), None),
            },
            Self::StatusUpdateEvery { minutes } => {
                let limit = i64::from(*minutes) * 60;
                let mut marks = vec![0];
                marks.extend(&seen.updates);
                marks.push(seen.end_clock);
                let worst = marks
                    .windows(2)
                    .map(|w| (w[1] - w[0], w[0], w[1]))
                    .max_by_key(|g| g.0)
                    .unwrap_or((0, 0, 0));
                if worst.0 <= limit {
                    (
                        true,
                        format!(
                            "{} status updates; the longest gap was {}",
                            seen.updates.len(),
                            hms(worst.0)
                        ),
                        None,
                    )
                } else {
                    (
                        false,
                        format!(
                            "{} status updates; none between {} and {} ({} without one)",
                            seen.updates.len(),
                            t(worst.1),
                            t(worst.2),
                            hms(worst.0)
                        ),
                        Some(worst.1 + limit),
                    )
                }
            }
            Self::ChecklistCompleted { template } => {
                match seen.completed.iter().find(|(done, _)| done == template) {
                    Some((_, at)) => (true, format!("Completed at {}", t(*at)), Some(*at)),
                    None => (false, "Not completed".to_owned(), None),
                }
            }
            Self::ActionsReadBack => {
                let during: Vec<_> = incident
                    .actions
                    .values()
                    .filter(|a| a.assigned_at >= started_at)
                    .collect();
                let read = during
                    .iter()
                    .filter(|a| a.read_back_at.is_some() || a.state == ActionState::InProgress)
                    .count();
                (
                    !during.is_empty() && read == during.len(),
                    if during.is_empty() {
                        "No action was assigned".to_owned()
                    } else {
                        format!("{read} of {} actions read back", during.len())
                    },
                    None,
                )
            }
            Self::ConcernsAcknowledgedWithin { minutes } => {
                let limit = i64::from(*minutes) * 60;
                let during: Vec<_> = incident
                    .concerns
                    .values()
                    .filter(|c| c.raised_at >= started_at)
                    .collect();
                let late: Vec<_> = during
                    .iter()
                    .filter(|c| match &c.acknowledgement {
                        Some(a) => seconds(c.last_raised_at(), a.at) > limit,
                        None => true,
                    })
                    .collect();
                (
                    late.is_empty(),
                    if during.is_empty() {
                        "No concern was raised".to_owned()
                    } else {
                        format!(
                            "{} of {} concerns acknowledged within {minutes} min",
                            during.len() - late.len(),
                            during.len()
                        )
                    },
                    None,
                )
            }
        };
        ScoreLine {
            expected: self.describe(),
            met,
            happened,
            at,
        }
    }
}
