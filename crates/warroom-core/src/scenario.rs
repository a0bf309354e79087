//! Training scenarios: what a trainer writes (a TOML file), when its injects fire, and how the
//! crew scores against its expectations.
//!
//! A scenario has a title, a background briefing, a suggested crew, injects and expectations.
//! Each inject fires at a scenario time (`at = "T+04:00"`) or on a trigger (`after =
//! "first_handoff"`, `"checklist_completed"`, `"checklist_completed:<template>"`,
//! `"status:mitigated"`), and appears on the board as an entry from its source ("Monitoring",
//! "Customer support", …). The script itself never enters the incident's log — players must not
//! see what is coming — only the injects as they fire.
//!
//! Scenario time runs on the server: it is the time since the scenario started, minus pauses,
//! computed from the log's own timestamps, so every browser agrees.

use std::collections::BTreeSet;
use std::ops::Range;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::incident::{Incident, Status, Timestamp};
use crate::metrics::seconds;

/// A parsed scenario file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scenario {
    pub title: String,
    pub briefing: String,
    pub suggested_crew: Vec<String>,
    pub injects: Vec<Inject>,
    pub expectations: Vec<Expectation>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inject {
    /// Who it appears to come from.
    pub source: String,
    pub text: String,
    pub when: When,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum When {
    /// At this many seconds of scenario time.
    At(u32),
    /// As soon as this happens on the board.
    After(Trigger),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// Command has changed hands since the scenario started.
    FirstHandoff,
    /// A checklist (from this template, if given) was completed since the scenario started.
    ChecklistCompleted(Option<String>),
    /// The status reached this (or later).
    StatusReached(Status),
}

/// What the crew is scored against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Expectation {
    /// The commander visibly takes charge within this many minutes of the start.
    CommanderWithin { minutes: u32 },
    /// Command is handed over by positive exchange at least once.
    PositiveExchange,
    /// A status update at least every this many minutes.
    StatusUpdateEvery { minutes: u32 },
    /// A checklist from this template is completed.
    ChecklistCompleted { template: String },
    /// Every action assigned is read back.
    ActionsReadBack,
    /// Every concern is acknowledged within this many minutes of being raised.
    ConcernsAcknowledgedWithin { minutes: u32 },
}

impl Expectation {
    /// The expectation in words.
    pub fn describe(&self) -> String {
        match self {
            Self::CommanderWithin { minutes } => {
                format!("A commander takes charge within {minutes} min")
            }
            Self::PositiveExchange => "Command handed over by positive exchange".into(),
            Self::StatusUpdateEvery { minutes } => {
                format!("A status update at least every {minutes} min")
            }
            Self::ChecklistCompleted { template } => {
                let title =
                    crate::templates::template(template).map_or(template.as_str(), |t| t.title);
                format!("Checklist \"{title}\" completed")
            }
            Self::ActionsReadBack => "Every action read back".into(),
            Self::ConcernsAcknowledgedWithin { minutes } => {
                format!("Every concern acknowledged within {minutes} min")
            }
        }
    }
}

/// A scenario running on an incident, as the board holds it (no script: only what players may
/// know).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScenarioRun {
    pub title: String,
    pub briefing: String,
    pub expectations: Vec<Expectation>,
    /// How many injects the script has.
    pub injects: u32,
    pub facilitator: crate::ParticipantId,
    pub started_at: Timestamp,
    /// Set while paused.
    pub paused_at: Option<Timestamp>,
    /// Seconds spent paused before the current pause.
    pub paused_seconds: i64,
    /// Script injects fired so far, by index.
    pub fired: BTreeSet<u32>,
    /// Commander handoffs since the start.
    pub handoffs: u32,
    pub ended_at: Option<Timestamp>,
}

impl ScenarioRun {
    /// Scenario time at `now`: seconds since the start, pauses excluded, stopped at the end.
    pub fn clock(&self, now: Timestamp) -> i64 {
        // While paused (or once ended) the clock stands where it stopped.
        let until = self.ended_at.or(self.paused_at).unwrap_or(now);
        (seconds(self.started_at, until) - self.paused_seconds).max(0)
    }

    pub fn is_running(&self) -> bool {
        self.ended_at.is_none() && self.paused_at.is_none()
    }
}

/// The script injects due at `now` that have not fired: timed ones whose scenario time has
/// come, triggered ones whose trigger has happened. Nothing is due while paused or ended.
pub fn due_injects(script: &Scenario, incident: &Incident, now: Timestamp) -> Vec<u32> {
    let Some(run) = incident.scenario.as_ref() else {
        return Vec::new();
    };
    if !run.is_running() {
        return Vec::new();
    }
    let clock = run.clock(now);
    script
        .injects
        .iter()
        .enumerate()
        .filter(|(i, _)| !run.fired.contains(&(*i as u32)))
        .filter(|(_, inject)| match &inject.when {
            When::At(at) => clock >= i64::from(*at),
            When::After(Trigger::FirstHandoff) => run.handoffs > 0,
            When::After(Trigger::StatusReached(status)) => incident.status >= *status,
            When::After(Trigger::ChecklistCompleted(template)) => {
                incident.checklists.values().any(|c| {
                    c.completed_at.is_some_and(|at| at >= run.started_at)
                        && template
                            .as_deref()
                            .is_none_or(|t| c.template.as_deref() == Some(t))
                })
            }
        })
        .map(|(i, _)| i as u32)
        .collect()
}

/// Scenario time as a scenario file writes it: `T+04:00`, or `T+1:05:00` past an hour.
pub fn time_label(seconds: i64) -> String {
    let s = seconds.max(0);
    if s >= 3600 {
        format!("T+{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
    } else {
        format!("T+{:02}:{:02}", s / 60, s % 60)
    }
}

/// Why a scenario file was refused: where, which field, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, field `{field}`: {message}")]
pub struct ScenarioError {
    pub line: usize,
    pub field: String,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    title: Spanned<String>,
    briefing: Spanned<String>,
    #[serde(default)]
    suggested_crew: Vec<String>,
    #[serde(default, rename = "inject")]
    injects: Vec<Spanned<RawInject>>,
    #[serde(default, rename = "expect")]
    expectations: Vec<Spanned<RawExpect>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInject {
    at: Option<Spanned<String>>,
    after: Option<Spanned<String>>,
    source: Option<Spanned<String>>,
    text: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExpect {
    kind: Spanned<String>,
    minutes: Option<Spanned<u32>>,
    template: Option<Spanned<String>>,
}

/// The largest scenario file accepted.
pub const MAX_SCENARIO_BYTES: usize = 48 * 1024;

/// Parses and checks a scenario file.
pub fn parse(text: &str) -> Result<Scenario, ScenarioError> {
    if text.len() > MAX_SCENARIO_BYTES {
        return Err(ScenarioError {
            line: 1,
            field: "(file)".into(),
            message: format!("the file is larger than {MAX_SCENARIO_BYTES} bytes"),
        });
    }
    let raw: RawScenario = toml::from_str(text).map_err(|e| from_toml(text, &e))?;
    let err = |span: Range<usize>, field: &str, message: String| ScenarioError {
        line: line_of(text, span.start),
        field: field.to_owned(),
        message,
    };
    let title = non_empty(text, &raw.title, "title", crate::MAX_TITLE_CHARS)?;
    let briefing = non_empty(text, &raw.briefing, "briefing", crate::MAX_TEXT_CHARS)?;
    let mut injects = Vec::new();
    for inject in &raw.injects {
        let span = inject.span();
        let inject = inject.get_ref();
        let when = match (&inject.at, &inject.after) {
            (Some(at), None) => {
                When::At(scenario_time(at.get_ref()).map_err(|m| err(at.span(), "at", m))?)
            }
            (None, Some(after)) => {
                When::After(trigger(after.get_ref()).map_err(|m| err(after.span(), "after", m))?)
            }
            (Some(at), Some(_)) => {
                return Err(err(
                    at.span(),
                    "at",
                    "an inject has `at` or `after`, not both".into(),
                ));
            }
            (None, None) => {
                return Err(err(
                    span,
                    "at",
                    "an inject needs `at = \"T+mm:ss\"` or `after = \"<trigger>\"`".into(),
                ));
            }
        };
        let source = match &inject.source {
            Some(s) => non_empty(text, s, "source", crate::MAX_TITLE_CHARS)?,
            None => "Facilitator".to_owned(),
        };
        injects.push(Inject {
            source,
            text: non_empty(text, &inject.text, "text", crate::MAX_TEXT_CHARS)?,
            when,
        });
    }
    if injects.is_empty() {
        return Err(err(
            0..0,
            "inject",
            "a scenario needs at least one [[inject]]".into(),
        ));
    }
    let mut expectations = Vec::new();
    for expect in &raw.expectations {
        let e = expect.get_ref();
        let minutes = |field: &str| -> Result<u32, ScenarioError> {
            match &e.minutes {
                Some(m) if (1..=24 * 60).contains(m.get_ref()) => Ok(*m.get_ref()),
                Some(m) => Err(err(
                    m.span(),
                    "minutes",
                    "minutes are between 1 and 1440".into(),
                )),
                None => Err(err(
                    expect.span(),
                    "minutes",
                    format!("`{field}` needs `minutes`"),
                )),
            }
        };
        let kind = e.kind.get_ref().as_str();
        expectations.push(match kind {
            "commander_within" => Expectation::CommanderWithin {
                minutes: minutes(kind)?,
            },
            "positive_exchange" => Expectation::PositiveExchange,
            "status_update_every" => Expectation::StatusUpdateEvery {
                minutes: minutes(kind)?,
            },
            "checklist_completed" => {
                let Some(template) = &e.template else {
                    return Err(err(
                        expect.span(),
                        "template",
                        "`checklist_completed` needs `template`".into(),
                    ));
                };
                if crate::templates::template(template.get_ref()).is_none() {
                    return Err(err(
                        template.span(),
                        "template",
                        format!("no checklist template \"{}\"", template.get_ref()),
                    ));
                }
                Expectation::ChecklistCompleted {
                    template: template.get_ref().clone(),
                }
            }
            "actions_read_back" => Expectation::ActionsReadBack,
            "concerns_acknowledged_within" => Expectation::ConcernsAcknowledgedWithin {
                minutes: minutes(kind)?,
            },
            other => {
                return Err(err(
                    e.kind.span(),
                    "kind",
                    format!(
                        "unknown expectation \"{other}\"; use commander_within, positive_exchange, \
                         status_update_every, checklist_completed, actions_read_back or \
                         concerns_acknowledged_within"
                    ),
                ));
            }
        });
    }
    Ok(Scenario {
        title,
        briefing,
        suggested_crew: raw.suggested_crew,
        injects,
        expectations,
    })
}

fn non_empty(
    text: &str,
    value: &Spanned<String>,
    field: &str,
    limit: usize,
) -> Result<String, ScenarioError> {
    let v = value.get_ref().trim();
    let problem = if v.is_empty() {
        Some("cannot be empty".to_owned())
    } else if v.chars().count() > limit {
        Some(format!("is longer than {limit} characters"))
    } else {
        None
    };
    match problem {
        Some(message) => Err(ScenarioError {
            line: line_of(text, value.span().start),
            field: field.to_owned(),
            message,
        }),
        None => Ok(v.to_owned()),
    }
}

/// `T+mm:ss` or `T+h:mm:ss` as seconds.
fn scenario_time(raw: &str) -> Result<u32, String> {
    let bad = || format!("\"{raw}\" is not a scenario time like \"T+04:00\" or \"T+1:05:00\"");
    let rest = raw.trim().strip_prefix("T+").ok_or_else(bad)?;
    let parts: Vec<u32> = rest
        .split(':')
        .map(|p| p.parse::<u32>().map_err(|_| bad()))
        .collect::<Result<_, _>>()?;
    match parts.as_slice() {
        [m, s] if *s < 60 => Ok(m * 60 + s),
        [h, m, s] if *m < 60 && *s < 60 => Ok(h * 3600 + m * 60 + s),
        _ => Err(bad()),
    }
}

fn trigger(raw: &str) -> Result<Trigger, String> {
    let raw = raw.trim();
    match raw.split_once(':') {
        None if raw == "first_handoff" => Ok(Trigger::FirstHandoff),
        None if raw == "checklist_completed" => Ok(Trigger::ChecklistCompleted(None)),
        Some(("checklist_completed", template)) => {
            if crate::templates::template(template).is_none() {
                return Err(format!("no checklist template \"{template}\""));
            }
            Ok(Trigger::ChecklistCompleted(Some(template.to_owned())))
        }
        Some(("status", status)) => Status::ALL
            .into_iter()
            .find(|s| s.label().eq_ignore_ascii_case(status))
            .map(Trigger::StatusReached)
            .ok_or_else(|| format!("no status \"{status}\"")),
        _ => Err(format!(
            "unknown trigger \"{raw}\"; use first_handoff, checklist_completed, \
             checklist_completed:<template> or status:<status>"
        )),
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Turns a TOML error into one that names the line and the field.
fn from_toml(text: &str, err: &toml::de::Error) -> ScenarioError {
    let message = err.message().trim().to_owned();
    let line = err.span().map_or(1, |s| line_of(text, s.start));
    // The field: named in the message (missing field `text`, unknown field `txt`), else the
    // key on that line.
    let named = message.starts_with("missing field") || message.starts_with("unknown field");
    let field = named
        .then(|| message.split('`').nth(1).map(str::to_owned))
        .flatten()
        .or_else(|| {
            text.lines()
                .nth(line - 1)
                .and_then(|l| l.split_once('='))
                .map(|(key, _)| key.trim().to_owned())
        })
        .unwrap_or_else(|| "(file)".to_owned());
    ScenarioError {
        line,
        field,
        message,
    }
}

/// The built-in scenarios: (id, file).
pub const BUILT_IN: &[(&str, &str)] = &[
    (
        "bad-config-push",
        include_str!("../scenarios/bad-config-push.toml"),
    ),
    (
        "database-failover",
        include_str!("../scenarios/database-failover.toml"),
    ),
    (
        "third-party-outage",
        include_str!("../scenarios/third-party-outage.toml"),
    ),
];

/// A built-in scenario's file by id.
pub fn built_in(id: &str) -> Option<&'static str> {
    BUILT_IN
        .iter()
        .find(|(i, _)| *i == id)
        .map(|(_, text)| *text)
}

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
pub fn scorecard(log: &[crate::Recorded]) -> Option<Vec<ScoreLine>> {
    use crate::Event;
    use crate::incident::{ActionState, Role};

    let start = log
        .iter()
        .position(|r| matches!(r.event, Event::ScenarioStarted { .. }))?;
    let mut state = crate::replay(None, &log[..start]);
    // What the run saw, in scenario time.
    let mut first_command_action: Option<(i64, String)> = None;
    let mut first_exchange: Option<(i64, String)> = None;
    let mut first_assumed: Option<i64> = None;
    let mut updates: Vec<i64> = Vec::new();
    let mut completed: Vec<(String, i64)> = Vec::new();
    let mut end_clock = 0;
    for r in &log[start..] {
        let commander_before = state.as_ref().map(|i| i.commander.holder.clone());
        crate::apply(&mut state, r);
        let Some(incident) = state.as_ref() else {
            continue;
        };
        let Some(run) = incident.scenario.as_ref() else {
            continue;
        };
        let clock = run.clock(r.at);
        end_clock = clock;
        let exercise_machinery = matches!(
            r.event,
            Event::ScenarioStarted { .. }
                | Event::ScenarioPaused
                | Event::ScenarioResumed
                | Event::ScenarioEnded
                | Event::InjectFired { .. }
                | Event::ParticipantJoined { .. }
        );
        if first_command_action.is_none()
            && !exercise_machinery
            && commander_before.as_ref() == Some(&r.actor)
        {
            first_command_action = Some((clock, incident.name_of(&r.actor).to_owned()));
        }
        match &r.event {
            Event::RoleHandedOver {
                role: Role::Commander,
                from,
                to,
            } if first_exchange.is_none() => {
                first_exchange = Some((
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
            } if first_assumed.is_none() => {
                first_assumed = Some(clock);
            }
            Event::NotePosted {
                kind: crate::NoteKind::StatusUpdate,
                ..
            } => updates.push(clock),
            Event::ItemChecked { checklist, .. }
            | Event::ItemMarkedNotApplicable { checklist, .. } => {
                if let Some(c) = incident.checklists.get(checklist)
                    && c.is_complete()
                    && let Some(t) = &c.template
                    && !completed.iter().any(|(done, _)| done == t)
                {
                    completed.push((t.clone(), clock));
                }
            }
            _ => {}
        }
        if run.ended_at.is_some() {
            break;
        }
    }
    let incident = state?;
    let run = incident.scenario.as_ref()?;
    let t = time_label;
    let started_at = run.started_at;
    let lines = run
        .expectations
        .iter()
        .map(|expectation| {
            let (met, happened, at) = match expectation {
                Expectation::CommanderWithin { minutes } => match &first_command_action {
                    Some((at, who)) => (
                        *at <= i64::from(*minutes) * 60,
                        format!("{who} first acted as commander at {}", t(*at)),
                        Some(*at),
                    ),
                    None => (false, "The commander never acted".to_owned(), None),
                },
                Expectation::PositiveExchange => match (&first_exchange, first_assumed) {
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
                Expectation::StatusUpdateEvery { minutes } => {
                    let limit = i64::from(*minutes) * 60;
                    let mut marks = vec![0];
                    marks.extend(&updates);
                    marks.push(end_clock);
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
                                updates.len(),
                                crate::metrics::hms(worst.0)
                            ),
                            None,
                        )
                    } else {
                        (
                            false,
                            format!(
                                "{} status updates; none between {} and {} ({} without one)",
                                updates.len(),
                                t(worst.1),
                                t(worst.2),
                                crate::metrics::hms(worst.0)
                            ),
                            Some(worst.1 + limit),
                        )
                    }
                }
                Expectation::ChecklistCompleted { template } => {
                    match completed.iter().find(|(done, _)| done == template) {
                        Some((_, at)) => (true, format!("Completed at {}", t(*at)), Some(*at)),
                        None => (false, "Not completed".to_owned(), None),
                    }
                }
                Expectation::ActionsReadBack => {
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
                Expectation::ConcernsAcknowledgedWithin { minutes } => {
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
                expected: expectation.describe(),
                met,
                happened,
                at,
            }
        })
        .collect();
    Some(lines)
}
