//! Alert groups from monitoring (Prometheus Alertmanager): what one group of alerts stands at,
//! as the latest notification said, and whether someone on the board acknowledged it. Shapes
//! and read-only questions only; `decide`'s `alert_groups` has the rules, `alerts::groups`
//! the annunciator's line.
//!
//! A group is one line however many alerts it holds: a cascade of 200 alerts from one root
//! is one group with `firing: 200`. It goes dark when it resolves, and while acknowledged —
//! until it changes (its firing count, its level or its status).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ids::ParticipantId;
use crate::time::Timestamp;

/// The most alert groups one incident holds; a notification for one more is refused.
pub const MAX_ALERT_GROUPS: usize = 50;
/// The most common labels a group keeps (the rest are dropped, by name order).
pub const MAX_GROUP_LABELS: usize = 24;
/// The longest label name, label value, receiver or summary a group keeps, in characters
/// (longer ones are cut, ending in "…").
pub const MAX_LABEL_CHARS: usize = 200;
/// The longest group key accepted, in characters (Alertmanager's keys are route paths plus
/// the group labels).
pub const MAX_GROUP_KEY_CHARS: usize = 1_000;

/// Firing or resolved, as Alertmanager says of a whole group.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum AlertStatus {
    #[default]
    Firing,
    Resolved,
}

/// Where a group stands on the annunciator, from its labels (the server's mapping): a
/// warning, a caution or an advisory. Ordered most urgent first.
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
    Default,
    strum::EnumIter,
)]
#[serde(rename_all = "snake_case")]
pub enum AlertLevel {
    Warning,
    Caution,
    #[default]
    Advisory,
}

impl AlertLevel {
    pub const ALL: [AlertLevel; 3] = [Self::Warning, Self::Caution, Self::Advisory];

    pub fn label(self) -> &'static str {
        match self {
            Self::Warning => "warning",
            Self::Caution => "caution",
            Self::Advisory => "advisory",
        }
    }
}

/// A group as one notification describes it: what the board shows and the log records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertGroupState {
    /// Alertmanager's `groupKey`: the group's identity.
    pub key: String,
    /// The Alertmanager receiver that sent it.
    pub receiver: String,
    pub status: AlertStatus,
    pub level: AlertLevel,
    /// The labels every alert of the group shares.
    pub labels: BTreeMap<String, String>,
    /// The common `summary` (or `description`) annotation, if the alerts share one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Alerts firing, counting those Alertmanager truncated from the notification.
    pub firing: u32,
    /// Alerts resolved in the notification.
    pub resolved: u32,
}

impl AlertGroupState {
    /// The common labels as one line: `alertname=HighLatency service=checkout`, `alertname`
    /// first.
    pub fn label_line(&self) -> String {
        let first = self.labels.get_key_value("alertname");
        first
            .into_iter()
            .chain(
                self.labels
                    .iter()
                    .filter(|(k, _)| k.as_str() != "alertname"),
            )
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Firing, with at least one alert firing.
    pub fn is_firing(&self) -> bool {
        self.status == AlertStatus::Firing && self.firing > 0
    }

    /// What an acknowledgement holds against: the firing count, level and status. A change
    /// in any of them lights the group again.
    pub fn standing(&self) -> (AlertStatus, AlertLevel, u32) {
        (self.status, self.level, self.firing)
    }
}

/// A group on the board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertGroup {
    pub state: AlertGroupState,
    pub first_seen: Timestamp,
    pub updated_at: Timestamp,
    /// Who linked it to this incident by hand, if it was not routed here by a rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linked_by: Option<ParticipantId>,
    /// Acknowledged on the board since it last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged: Option<AlertAck>,
}

/// Who acknowledged a group, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertAck {
    pub by: ParticipantId,
    pub at: Timestamp,
}

impl AlertGroup {
    /// Dark on the annunciator: resolved (nothing firing), or acknowledged since it last
    /// changed.
    pub fn is_dark(&self) -> bool {
        !self.state.is_firing() || self.acknowledged.is_some()
    }
}

/// What a recorded notification changed about a group, as `decide` saw it against the board:
/// what the timeline and the postmortem say, so they narrate transitions rather than repeat
/// every notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum AlertChange {
    /// The group arrived on this board.
    New,
    /// It fires again after it had resolved.
    Firing,
    Resolved,
    /// More or fewer alerts fire; `from` is the count before.
    Count {
        from: u32,
    },
    /// Its level changed; `from` is the level before.
    Level {
        from: AlertLevel,
    },
    /// Only its labels, summary or receiver changed.
    Detail,
}

impl AlertChange {
    /// From the group's state before (if it was on the board) to `next`; `None` when nothing
    /// changed at all (Alertmanager repeats a notification every `repeat_interval`).
    pub fn between(before: Option<&AlertGroupState>, next: &AlertGroupState) -> Option<Self> {
        let Some(before) = before else {
            return Some(Self::New);
        };
        if before == next {
            return None;
        }
        Some(match (before.is_firing(), next.is_firing()) {
            (false, true) => Self::Firing,
            (true, false) => Self::Resolved,
            _ if before.level != next.level => Self::Level { from: before.level },
            _ if before.firing != next.firing => Self::Count {
                from: before.firing,
            },
            _ => Self::Detail,
        })
    }

    /// A transition the postmortem's key timeline keeps: arrival, firing, resolving and level
    /// changes (count changes and details are in the appendix only).
    pub fn is_transition(self) -> bool {
        matches!(
            self,
            Self::New | Self::Firing | Self::Resolved | Self::Level { .. }
        )
    }
}
