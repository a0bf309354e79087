//! The state of one incident: the board every responder sees.
//!
//! This module owns the shapes and the read-only questions asked of them (who holds a role, is
//! an action overdue, when is the next status update due). It holds no rules: what may change
//! is `decide`'s business and how it changes is `apply`'s.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::brief::HandoffBrief;

mod access;
mod columns;
use crate::ids::{ActionId, ChecklistId, ConcernId, NoteId, ParticipantId, Seq};

pub use access::{Access, Link, LinkKind, MAX_LINK_HOURS, MAX_LINKS};

/// Server time, always UTC.
pub type Timestamp = DateTime<Utc>;

/// The longest text a note, reason, readback or brief field may hold, in characters.
pub const MAX_TEXT_CHARS: usize = 4_000;
/// The longest incident title or display name, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Above this many items a checklist is too long to run under stress; the board warns.
pub const CHECKLIST_SWEET_SPOT: usize = 9;

/// An incident as its board shows it. `None` (see [`crate::State`]) until it is declared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    pub title: String,
    pub severity: Severity,
    pub status: Status,
    /// A training exercise rather than a real incident.
    pub drill: bool,
    pub declared_at: Timestamp,
    pub declared_by: ParticipantId,
    /// One paragraph: what is going on right now.
    pub summary: String,
    /// Everybody who ever joined, with the name they joined under most recently.
    pub participants: BTreeMap<ParticipantId, Participant>,
    /// The one incident commander. Not an `Option`: from declaration to close there is always
    /// exactly one.
    pub commander: Tenure,
    /// Holders of the other roles; a vacant role has no entry. Never contains `Role::Commander`.
    pub roles: BTreeMap<Role, Tenure>,
    /// Positive exchanges in flight, at most one per role.
    pub offers: BTreeMap<Role, Offer>,
    /// Shared, so that copies of the board (replay checkpoints) share the notes, by far the
    /// largest part of a long incident. In JSON, column by column (see `columns.rs`).
    #[serde(with = "columns")]
    pub notes: BTreeMap<NoteId, Arc<Note>>,
    pub actions: BTreeMap<ActionId, Action>,
    pub concerns: BTreeMap<ConcernId, Concern>,
    pub checklists: BTreeMap<ChecklistId, Checklist>,
    pub cadence: Option<Cadence>,
    /// When the last status-update note was posted.
    pub last_status_update: Option<Timestamp>,
    /// The training scenario running on this exercise, if any.
    #[serde(default)]
    pub scenario: Option<crate::scenario::ScenarioRun>,
    /// Who may see the incident (everyone signed in, unless restricted). Left out of the JSON
    /// while nothing about it was ever set.
    #[serde(default, skip_serializing_if = "Access::is_untouched")]
    pub access: Access,
    /// The sequence of the last event applied.
    pub seq: Seq,
    /// The time of the last event applied.
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Severity {
    #[serde(rename = "SEV1")]
    Sev1,
    #[serde(rename = "SEV2")]
    Sev2,
    #[serde(rename = "SEV3")]
    Sev3,
    #[serde(rename = "SEV4")]
    Sev4,
}

impl Severity {
    pub const ALL: [Severity; 4] = [Self::Sev1, Self::Sev2, Self::Sev3, Self::Sev4];

    pub fn label(self) -> &'static str {
        match self {
            Self::Sev1 => "SEV1",
            Self::Sev2 => "SEV2",
            Self::Sev3 => "SEV3",
            Self::Sev4 => "SEV4",
        }
    }
}

/// Where the incident stands. The order is the usual progression; `Closed` is read-only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Investigating,
    Identified,
    Mitigated,
    Resolved,
    Closed,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Self::Investigating,
        Self::Identified,
        Self::Mitigated,
        Self::Resolved,
        Self::Closed,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::Investigating => "Investigating",
            Self::Identified => "Identified",
            Self::Mitigated => "Mitigated",
            Self::Resolved => "Resolved",
            Self::Closed => "Closed",
        }
    }

    /// Still being worked: not yet resolved or closed.
    pub fn is_active(self) -> bool {
        self < Self::Resolved
    }
}

/// The crew roles. Commander is special: always held, moved only by handoff or assumption.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Commander,
    Deputy,
    Operations,
    Communications,
    Scribe,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Self::Commander,
        Self::Deputy,
        Self::Operations,
        Self::Communications,
        Self::Scribe,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::Commander => "Commander",
            Self::Deputy => "Deputy",
            Self::Operations => "Operations",
            Self::Communications => "Communications",
            Self::Scribe => "Scribe",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    pub name: String,
    pub first_joined_at: Timestamp,
}

/// Who holds a role and since when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tenure {
    pub holder: ParticipantId,
    pub since: Timestamp,
}

/// A role offered by its holder to another participant: step one of the positive exchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offer {
    pub from: ParticipantId,
    pub to: ParticipantId,
    pub at: Timestamp,
    /// The transfer-of-command briefing; always present for the Commander role.
    pub brief: Option<HandoffBrief>,
    /// Set when the recipient said "I have control"; the role moves only when the offerer
    /// then confirms.
    pub accepted_at: Option<Timestamp>,
}

/// What a timeline note is about. Each kind has its own icon on the board.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteKind {
    Observation,
    Hypothesis,
    Decision,
    Action,
    StatusUpdate,
}

impl NoteKind {
    pub const ALL: [NoteKind; 5] = [
        Self::Observation,
        Self::Hypothesis,
        Self::Decision,
        Self::Action,
        Self::StatusUpdate,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::Observation => "Observation",
            Self::Hypothesis => "Hypothesis",
            Self::Decision => "Decision",
            Self::Action => "Action",
            Self::StatusUpdate => "Status update",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub kind: NoteKind,
    /// The current text.
    pub text: String,
    pub author: ParticipantId,
    pub at: Timestamp,
    /// The sequence of the event that posted it, which is also its timeline entry.
    pub seq: Seq,
    /// Earlier texts, oldest first, each with the time it was replaced.
    pub history: Vec<Revision>,
    pub pinned: bool,
    pub retracted: Option<Retraction>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revision {
    pub text: String,
    pub replaced_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retraction {
    pub by: ParticipantId,
    pub at: Timestamp,
    pub reason: String,
}

/// Aviate, navigate, communicate: which kind of work an action is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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

/// Read-do: read each item, then do it. Do-confirm: do from memory, then confirm each item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChecklistKind {
    ReadDo,
    DoConfirm,
}

impl ChecklistKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::ReadDo => "Read-do",
            Self::DoConfirm => "Do-confirm",
        }
    }
}

/// The moment a checklist is meant for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PausePoint {
    Declare,
    Handoff,
    BeforeRiskyChange,
    AllClear,
    /// Any time: an ad-hoc checklist.
    AdHoc,
}

impl PausePoint {
    pub fn label(self) -> &'static str {
        match self {
            Self::Declare => "On declaring",
            Self::Handoff => "At a handoff",
            Self::BeforeRiskyChange => "Before a risky change",
            Self::AllClear => "At all clear",
            Self::AdHoc => "Any time",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checklist {
    pub title: String,
    /// The built-in template it was started from, if any.
    pub template: Option<String>,
    pub kind: ChecklistKind,
    pub pause_point: PausePoint,
    pub items: Vec<ChecklistItem>,
    pub started_by: ParticipantId,
    pub started_at: Timestamp,
    /// When the last open item was closed off (cleared again if an item is unchecked or added).
    pub completed_at: Option<Timestamp>,
}

impl Checklist {
    /// Items checked or marked not applicable, out of all items.
    pub fn progress(&self) -> (usize, usize) {
        let done = self.items.iter().filter(|i| !i.is_open()).count();
        (done, self.items.len())
    }

    pub fn is_complete(&self) -> bool {
        !self.items.is_empty() && self.items.iter().all(|i| !i.is_open())
    }

    /// More items than a crew can run under stress.
    pub fn is_too_long(&self) -> bool {
        self.items.len() > CHECKLIST_SWEET_SPOT
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistItem {
    /// The challenge, as read out.
    pub text: String,
    /// Skipping it could make things worse: it stands out on the board.
    pub killer: bool,
    /// Challenge-response: the item asks for an observed value (this is the prompt), not a tick.
    pub asks_value: Option<String>,
    pub state: ItemState,
}

impl ChecklistItem {
    pub fn is_open(&self) -> bool {
        matches!(self.state, ItemState::Open)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ItemState {
    Open,
    Checked {
        by: ParticipantId,
        at: Timestamp,
        value: Option<String>,
    },
    NotApplicable {
        by: ParticipantId,
        at: Timestamp,
        reason: String,
    },
}

/// How often the crew owes its stakeholders a status update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cadence {
    pub every_minutes: u32,
    pub set_by: ParticipantId,
    pub set_at: Timestamp,
}

impl Incident {
    /// The holder of `role`, if any.
    pub fn holder(&self, role: Role) -> Option<&ParticipantId> {
        match role {
            Role::Commander => Some(&self.commander.holder),
            other => self.roles.get(&other).map(|t| &t.holder),
        }
    }

    /// The tenure of `role`, if held.
    pub fn tenure(&self, role: Role) -> Option<&Tenure> {
        match role {
            Role::Commander => Some(&self.commander),
            other => self.roles.get(&other),
        }
    }

    /// Every role `who` holds.
    pub fn roles_of(&self, who: &ParticipantId) -> Vec<Role> {
        Role::ALL
            .into_iter()
            .filter(|r| self.holder(*r) == Some(who))
            .collect()
    }

    pub fn holds(&self, who: &ParticipantId, role: Role) -> bool {
        self.holder(role) == Some(who)
    }

    /// The display name of a participant, or their id if they never joined.
    pub fn name_of<'a>(&'a self, who: &'a ParticipantId) -> &'a str {
        self.participants
            .get(who)
            .map_or(who.as_str(), |p| p.name.as_str())
    }

    pub fn is_closed(&self) -> bool {
        self.status == Status::Closed
    }

    /// When the next status update is due, if a cadence is set: one interval after the later of
    /// the last status-update note and the moment the cadence was set.
    pub fn next_update_due(&self) -> Option<Timestamp> {
        let cadence = self.cadence.as_ref()?;
        let from = match self.last_status_update {
            Some(last) if last > cadence.set_at => last,
            _ => cadence.set_at,
        };
        Some(from + Duration::minutes(i64::from(cadence.every_minutes)))
    }

    /// Open actions in the mitigate lane. None while the incident is not yet mitigated means
    /// nobody is flying the plane.
    pub fn mitigating_actions(&self) -> impl Iterator<Item = (&ActionId, &Action)> {
        self.actions
            .iter()
            .filter(|(_, a)| a.lane == Lane::Mitigate && a.state.is_open())
    }

    /// Open concerns at safety-issue level: a standing stop-the-line condition.
    pub fn open_safety_issues(&self) -> impl Iterator<Item = (&ConcernId, &Concern)> {
        self.concerns
            .iter()
            .filter(|(_, c)| c.is_open() && c.level == ConcernLevel::SafetyIssue)
    }
}
