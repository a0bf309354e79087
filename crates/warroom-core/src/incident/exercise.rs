//! A training exercise as the board holds it: the scenario running on the incident and what the
//! crew is scored against. No script: only what players may know. The script itself, its file
//! format and the scoring are in `scenario` and `score`.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::ids::ParticipantId;
use crate::time::{Timestamp, seconds};

/// What the crew is scored against. Its `kind` in a scenario file and in JSON is the variant's
/// name in snake case (`Expectation::VARIANTS` lists them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, strum::VariantNames)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
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

/// A scenario running on an incident, as the board holds it (no script: only what players may
/// know).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScenarioRun {
    pub title: String,
    pub briefing: String,
    pub expectations: Vec<Expectation>,
    /// How many injects the script has.
    pub injects: u32,
    pub facilitator: ParticipantId,
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
