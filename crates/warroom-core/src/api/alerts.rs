//! The bodies of the alert endpoints: `POST /api/hooks/alertmanager`'s answer, the unrouted
//! groups (`GET /api/alerts/unrouted`) and linking one (`POST /api/incidents/{id}/alert-groups`).
//! Alertmanager's own notification is `crate::alertmanager`'s.

use serde::{Deserialize, Serialize};

use crate::ids::IncidentId;
use crate::incident::Timestamp;

/// An alert group no rule routed and nobody linked yet, as `GET /api/alerts/unrouted` lists
/// it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnroutedAlertGroup {
    pub group: crate::incident::AlertGroupState,
    /// When the last notification for it arrived.
    pub last_seen: Timestamp,
}

/// The answer of `GET /api/alerts/unrouted`: most recently heard from first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnroutedAlerts {
    pub groups: Vec<UnroutedAlertGroup>,
}

/// The body of `POST /api/incidents/{id}/alert-groups`: link an unrouted group (by its
/// Alertmanager group key) to the incident. The commander only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkAlertGroupRequest {
    pub group_key: String,
}

/// What a notification (or a link) did: the answer of `POST /api/hooks/alertmanager` and of
/// `POST /api/incidents/{id}/alert-groups`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertReceipt {
    pub outcome: AlertOutcome,
    /// The incident the group is on, unless unrouted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident: Option<IncidentId>,
    /// The group's number on that incident's board.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<crate::ids::AlertGroupId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertOutcome {
    /// The group's change was recorded on the incident.
    Recorded,
    /// Nothing changed since the last notification: nothing recorded.
    Unchanged,
    /// A rule declared a new incident from the group, which is recorded on it.
    Declared,
    /// No rule routes the group and nobody linked it: listed as unrouted.
    Unrouted,
}
