//! Outbound webhooks as the admin API shows them (`/api/admin/webhooks`, `docs/protocol.md`,
//! "Webhooks"), and **which events of the log a subscription's topics name** ([`topics_of`]),
//! a pure function of the board and the event so that the server and its tests agree.
//!
//! It knows nothing of HTTP, signatures or the queue: those are the server's.

use serde::{Deserialize, Serialize};

use crate::event::Event;
use crate::ids::{IncidentId, Seq};
use crate::incident::{Incident, NoteKind, Role, Status, Timestamp};

/// What a subscription can ask to hear about. Each names events of the log exactly
/// ([`topics_of`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookTopic {
    /// `incident_declared`.
    Declared,
    /// `severity_changed`.
    Severity,
    /// `status_changed`, to any status (resolving and closing included).
    Status,
    /// The commander changed: `role_handed_over`, `role_assumed` or `role_claimed` of the
    /// commander's role.
    Commander,
    /// A status-update note reached the shared timeline: `note_posted` of kind
    /// `status_update` (not held back), or `sterile_phase_ended` releasing one.
    StatusUpdate,
    /// `status_changed` to `resolved`.
    Resolved,
    /// `status_changed` to `closed`.
    Closed,
}

impl WebhookTopic {
    pub const ALL: [WebhookTopic; 7] = [
        Self::Declared,
        Self::Severity,
        Self::Status,
        Self::Commander,
        Self::StatusUpdate,
        Self::Resolved,
        Self::Closed,
    ];

    /// The topic's name, as the API, the CLI and the payloads spell it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Declared => "declared",
            Self::Severity => "severity",
            Self::Status => "status",
            Self::Commander => "commander",
            Self::StatusUpdate => "status_update",
            Self::Resolved => "resolved",
            Self::Closed => "closed",
        }
    }

    /// The topic named `name`, if any.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == name)
    }

    /// A person's words for it (the admin page).
    pub fn label(self) -> &'static str {
        match self {
            Self::Declared => "Declared",
            Self::Severity => "Severity changed",
            Self::Status => "Status changed",
            Self::Commander => "Commander changed",
            Self::StatusUpdate => "Status-update notes",
            Self::Resolved => "Resolved",
            Self::Closed => "Closed",
        }
    }
}

/// The topics `event` belongs to, most specific first (`resolved` before `status`), given
/// `incident`, the board once the event has been folded into it (a released note's kind is
/// read from it). Empty: no subscription hears of it.
pub fn topics_of(incident: &Incident, event: &Event) -> Vec<WebhookTopic> {
    use WebhookTopic as T;
    match event {
        Event::IncidentDeclared { .. } => vec![T::Declared],
        Event::SeverityChanged { .. } => vec![T::Severity],
        Event::StatusChanged { to, .. } => match to {
            Status::Resolved => vec![T::Resolved, T::Status],
            Status::Closed => vec![T::Closed, T::Status],
            _ => vec![T::Status],
        },
        Event::RoleHandedOver {
            role: Role::Commander,
            ..
        }
        | Event::RoleAssumed {
            role: Role::Commander,
            ..
        }
        | Event::RoleClaimed {
            role: Role::Commander,
        } => vec![T::Commander],
        Event::NotePosted {
            kind: NoteKind::StatusUpdate,
            held: false,
            ..
        } => vec![T::StatusUpdate],
        Event::SterilePhaseEnded { released } => {
            let any = released.iter().any(|id| {
                incident
                    .notes
                    .get(id)
                    .is_some_and(|n| n.kind == NoteKind::StatusUpdate)
            });
            if any { vec![T::StatusUpdate] } else { vec![] }
        }
        _ => vec![],
    }
}

/// How deliveries to a subscription are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookFormat {
    /// Warroom's JSON, signed with the subscription's secret (HMAC-SHA256).
    #[default]
    Signed,
    /// A Slack-compatible incoming-webhook body: `text` plus `blocks`.
    Slack,
}

impl WebhookFormat {
    pub fn name(self) -> &'static str {
        match self {
            Self::Signed => "signed",
            Self::Slack => "slack",
        }
    }
}

/// The body of `POST /api/admin/webhooks`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookRequest {
    /// What the admin calls it; defaults to the URL's host.
    #[serde(default)]
    pub name: Option<String>,
    pub url: String,
    #[serde(default)]
    pub format: WebhookFormat,
    /// At least one.
    pub events: Vec<WebhookTopic>,
}

/// A subscription as the admin API lists it: never its secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Webhook {
    pub id: String,
    pub name: String,
    pub url: String,
    pub format: WebhookFormat,
    pub events: Vec<WebhookTopic>,
    pub created_at: Timestamp,
    /// Who created it: a participant id, or `cli` for the command line.
    pub created_by: String,
}

/// The answer to `POST /api/admin/webhooks`: the subscription and, this once, its secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookCreated {
    pub webhook: Webhook,
    pub secret: String,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Waiting for its first attempt or its next one (`next_attempt_at`).
    Pending,
    /// A receiver answered 2xx.
    Delivered,
    /// Every attempt failed; no more are made.
    Failed,
}

impl DeliveryState {
    pub fn name(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }
}

/// One row of the delivery log (`GET /api/admin/webhooks/deliveries`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    /// The idempotency key, `{incident}:{seq}:{webhook}`, also in the body and a header.
    pub key: String,
    pub webhook: String,
    pub incident: IncidentId,
    pub seq: Seq,
    pub event: WebhookTopic,
    pub state: DeliveryState,
    pub attempts: u32,
    /// The receiver's status code on the last attempt, if it answered.
    pub last_status: Option<u16>,
    /// Why the last attempt failed, in a few words (never the receiver's body).
    pub last_error: Option<String>,
    /// When the next attempt is due (pending deliveries only).
    pub next_attempt_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_names_round_trip_and_match_serde() {
        for topic in WebhookTopic::ALL {
            assert_eq!(WebhookTopic::parse(topic.name()), Some(topic));
            assert_eq!(
                serde_json::to_value(topic).unwrap(),
                serde_json::Value::String(topic.name().into())
            );
        }
        assert_eq!(WebhookTopic::parse("severity_changed"), None);
    }
}
