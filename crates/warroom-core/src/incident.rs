//! The state of one incident: the board every responder sees.
//!
//! This module owns the shapes and the read-only questions asked of them (who holds a role, is
//! an action overdue, when is the next status update due). It holds no rules: what may change
//! is `decide`'s business and how it changes is `apply`'s. Its parts follow the board's panels:
//! the crew and its roles, the timeline, the tasks (actions and concerns), the
//! checklists, the exercise running on it, and who may see it.
//!
//! Its serde form is the plain one, notes included (objects keyed by number): what the server
//! stores and the JSON export writes. The WebSocket's snapshot encodes the notes column by
//! column instead; that is the wire's business (`protocol::BoardWire`), not the board's.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::Duration;
use serde::{Deserialize, Serialize};

use crate::ids::{ActionId, AlertGroupId, ChecklistId, ConcernId, NoteId, ParticipantId, Seq};

mod access;
mod alert_groups;
mod checklists;
mod discipline;
mod exercise;
mod followups;
mod postmortem;
mod roles;
mod tasks;
mod timeline;

/// Server time, always UTC (defined in [`crate::time`]).
pub use crate::time::Timestamp;
pub use access::{Access, Link, LinkKind, MAX_LINK_HOURS, MAX_LINKS};
pub use alert_groups::{
    AlertAck, AlertChange, AlertGroup, AlertGroupState, AlertLevel, AlertStatus, MAX_ALERT_GROUPS,
    MAX_GROUP_KEY_CHARS, MAX_GROUP_LABELS, MAX_LABEL_CHARS,
};
pub use checklists::{
    CHECKLIST_SWEET_SPOT, Checklist, ChecklistItem, ChecklistKind, ItemState, PausePoint,
};
pub use discipline::{SPAN_OF_CONTROL_LIMITS, SterilePhase};
pub use exercise::{Expectation, ScenarioRun};
pub use followups::{
    FollowUp, FollowUpState, MAX_FOLLOW_UP_CHARS, MAX_FOLLOW_UP_LINK_CHARS, MAX_FOLLOW_UPS, Owner,
};
pub use postmortem::{EarlierTitle, Impact, Postmortem};
pub use roles::{HandoffBrief, Offer, Participant, Role, Tenure};
pub use tasks::{Acknowledgement, Action, ActionState, Concern, ConcernLevel, Escalation, Lane};
pub use timeline::{Hold, Note, NoteKind, Release, Retraction, Revision};

/// The longest text a note, reason, readback or brief field may hold, in characters.
pub const MAX_TEXT_CHARS: usize = 4_000;
/// The longest incident title or display name, in characters.
pub const MAX_TITLE_CHARS: usize = 200;

/// The state `decide` and `apply` work on: `None` until the incident is declared.
pub type State = Option<Incident>;

/// An incident as its board shows it. `None` (see [`State`]) until it is declared.
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
    /// largest part of a long incident.
    pub notes: BTreeMap<NoteId, Arc<Note>>,
    pub actions: BTreeMap<ActionId, Action>,
    pub concerns: BTreeMap<ConcernId, Concern>,
    pub checklists: BTreeMap<ChecklistId, Checklist>,
    pub cadence: Option<Cadence>,
    /// When the last status-update note was posted.
    pub last_status_update: Option<Timestamp>,
    /// The training scenario running on this exercise, if any.
    #[serde(default)]
    pub scenario: Option<ScenarioRun>,
    /// Who may see the incident (everyone signed in, unless restricted). Left out of the JSON
    /// while nothing about it was ever set.
    #[serde(default, skip_serializing_if = "Access::is_untouched")]
    pub access: Access,
    /// The sterile phase on now, if any (see [`SterilePhase`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sterile: Option<SterilePhase>,
    /// The commander's span-of-control limit for this incident; `None` is the default,
    /// `alerts::SPAN_OF_CONTROL`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span_of_control: Option<u32>,
    /// Retrospective or not, the real start, the title history, the impact and the
    /// follow-ups. Left out of the JSON while nothing about it was ever set.
    #[serde(default, skip_serializing_if = "Postmortem::is_untouched")]
    pub postmortem: Postmortem,
    /// The alert groups monitoring sent here (routed by a rule or linked by the commander).
    /// Left out of the JSON while there are none.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub alert_groups: BTreeMap<AlertGroupId, AlertGroup>,
    /// The sequence of the last event applied.
    pub seq: Seq,
    /// The time of the last event applied.
    pub updated_at: Timestamp,
}

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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

    /// When the incident started, as the record says: the declaration's `occurred_at` where
    /// the declarer gave one, else when it was declared. The metrics measure from here.
    pub fn started_at(&self) -> Timestamp {
        self.postmortem.declared.map_or(self.declared_at, |d| d.at)
    }

    /// When the incident began for the bounds of a given time: the earlier of its impact start
    /// and [`Incident::started_at`].
    pub fn began_at(&self) -> Timestamp {
        let start = self.started_at();
        self.postmortem
            .impact
            .as_ref()
            .map_or(start, |i| i.start.min(start))
    }

    pub fn is_closed(&self) -> bool {
        self.status == Status::Closed
    }

    /// When the incident was closed, if it is. A closed board takes no further command (every
    /// event comes from `decide`, which refuses them all), so its last event is the closing.
    pub fn closed_at(&self) -> Option<Timestamp> {
        // A board folded before the closing time was kept took no event after closing.
        self.is_closed()
            .then(|| self.postmortem.closed_at.unwrap_or(self.updated_at))
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

    /// Nobody has taken command yet: an integration declared the incident from an alert and
    /// holds command until a person takes it (by `assume_role`, since an integration is
    /// never connected).
    pub fn awaiting_commander(&self) -> bool {
        self.commander.holder.is_integration()
    }

    /// The group on the board with Alertmanager's key `key`.
    pub fn alert_group(&self, key: &str) -> Option<(AlertGroupId, &AlertGroup)> {
        self.alert_groups
            .iter()
            .find(|(_, g)| g.state.key == key)
            .map(|(id, g)| (*id, g))
    }

    /// Open concerns at safety-issue level: a standing stop-the-line condition.
    pub fn open_safety_issues(&self) -> impl Iterator<Item = (&ConcernId, &Concern)> {
        self.concerns
            .iter()
            .filter(|(_, c)| c.is_open() && c.level == ConcernLevel::SafetyIssue)
    }
}

#[cfg(test)]
mod tests {
    use strum::IntoEnumIterator;

    use super::*;

    /// The hand-written `ALL` lists (some are orders the wire depends on, such as the note kinds
    /// of a snapshot's columns) hold every variant, in declaration order.
    #[test]
    fn every_all_list_is_every_variant_in_order() {
        fn check<T: IntoEnumIterator + PartialEq + std::fmt::Debug + Copy>(all: &[T]) {
            assert_eq!(all.to_vec(), T::iter().collect::<Vec<_>>());
        }
        check(&Severity::ALL);
        check(&Status::ALL);
        check(&Role::ALL);
        check(&NoteKind::ALL);
        check(&Lane::ALL);
        check(&ConcernLevel::ALL);
    }
}
