//! Training scenarios: what a trainer writes (a TOML file, read in `file`) and when its injects
//! fire. How the crew scored against its expectations is a read model of the log, in `score`.
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

use serde::{Deserialize, Serialize};

/// The exercise as the board holds it: defined with the board, named here too.
pub use crate::incident::{Expectation, ScenarioRun};
use crate::incident::{Incident, Status};
use crate::templates;
use crate::time::Timestamp;

mod file;

pub use file::{MAX_SCENARIO_BYTES, ScenarioError, parse};

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
                let title = templates::template(template).map_or(template.as_str(), |t| t.title);
                format!("Checklist \"{title}\" completed")
            }
            Self::ActionsReadBack => "Every action read back".into(),
            Self::ConcernsAcknowledgedWithin { minutes } => {
                format!("Every concern acknowledged within {minutes} min")
            }
        }
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
