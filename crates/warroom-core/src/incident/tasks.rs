//! The work in flight: actions in their closed loop (assign, read back, confirm) and the
//! concerns raised with the commander (CUS levels, escalations, acknowledgements).

use serde::{Deserialize, Serialize};

use crate::ids::ParticipantId;
use crate::time::Timestamp;

/// Aviate, navigate, communicate: which kind of work an action is.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumIter,
)]
#[serde(rename_all = "snake_case")]
pub enum Lane {
    Mitigate,
    Diagnose,
    Communicate,
}

impl Lane {
    pub const ALL: [Lane; 3] = [Self::Mitigate, Self::Diagnose, Self::Communicate];

    pub fn label(self) -> &'static str {
        match self {
            Self::Mitigate => "Mitigate",
            Self::Diagnose => "Diagnose",
            Self::Communicate => "Communicate",
        }
    }
}

/// Where an action stands in its closed loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionState {
    /// Assigned (or corrected); the assignee has not read it back yet.
    AwaitingReadback,
    /// Read back; the assigner has to confirm or correct the readback.
    ReadBack,
    /// The loop is closed: the assignee is doing it.
    InProgress,
    Done,
    Cancelled,
}

impl ActionState {
    pub fn is_open(self) -> bool {
        !matches!(self, Self::Done | Self::Cancelled)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    pub text: String,
    pub lane: Lane,
    pub assignee: ParticipantId,
    pub assigner: ParticipantId,
    pub assigned_at: Timestamp,
    /// When the time box runs out, if the action has one.
    pub due_at: Option<Timestamp>,
    pub state: ActionState,
    /// The assignee's latest readback, in their own words.
    pub readback: Option<String>,
    pub read_back_at: Option<Timestamp>,
    pub confirmed_at: Option<Timestamp>,
    /// Corrections the assigner made to readbacks, oldest first.
    pub corrections: Vec<String>,
    /// What came of it, once done or cancelled.
    pub outcome: Option<String>,
    pub closed_at: Option<Timestamp>,
}

impl Action {
    /// Open and past its time box at `now`.
    pub fn is_overdue(&self, now: Timestamp) -> bool {
        self.state.is_open() && self.due_at.is_some_and(|due| now > due)
    }
}

/// The TeamSTEPPS CUS words, in rising order.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumIter,
)]
#[serde(rename_all = "snake_case")]
pub enum ConcernLevel {
    Concerned,
    Uncomfortable,
    SafetyIssue,
}

impl ConcernLevel {
    pub const ALL: [ConcernLevel; 3] = [Self::Concerned, Self::Uncomfortable, Self::SafetyIssue];

    pub fn label(self) -> &'static str {
        match self {
            Self::Concerned => "I am concerned",
            Self::Uncomfortable => "I am uncomfortable",
            Self::SafetyIssue => "This is a safety issue",
        }
    }

    /// One step up, stopping at safety issue: what raising a concern again does.
    pub fn escalated(self) -> Self {
        match self {
            Self::Concerned => Self::Uncomfortable,
            Self::Uncomfortable | Self::SafetyIssue => Self::SafetyIssue,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Concern {
    pub text: String,
    pub level: ConcernLevel,
    pub raised_by: ParticipantId,
    pub raised_at: Timestamp,
    /// Every time it was raised again, oldest first.
    pub escalations: Vec<Escalation>,
    /// The commander's response; cleared when the concern is raised again.
    pub acknowledgement: Option<Acknowledgement>,
}

impl Concern {
    pub fn is_open(&self) -> bool {
        self.acknowledgement.is_none()
    }

    /// When it was last raised (first or again): the time the commander's answer is owed from.
    pub fn last_raised_at(&self) -> Timestamp {
        self.escalations.last().map_or(self.raised_at, |e| e.at)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Escalation {
    pub by: ParticipantId,
    pub at: Timestamp,
    pub level: ConcernLevel,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acknowledgement {
    pub by: ParticipantId,
    pub at: Timestamp,
    pub response: String,
}
