//! The bodies of the REST API's incident writes, for scripts and chat bots as much as people:
//! `POST /api/incidents/{id}/notes` and `POST /api/incidents/{id}/status`. Each becomes the
//! command a browser would send (`post_note`, `set_status`), decided by the same rules; who
//! sends it is the server's to say, never a field of the body.

use serde::{Deserialize, Serialize};

use crate::ids::{IncidentId, NoteId, Seq};
use crate::incident::{NoteKind, Status, Timestamp};
use crate::time::Precision;

/// The body of `POST /api/incidents/{id}/notes`: the `post_note` command's fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoteRequest {
    pub kind: NoteKind,
    pub text: String,
    /// During a sterile phase, post it to the shared timeline now rather than hold it.
    #[serde(default)]
    pub essential: bool,
    /// When it happened, if earlier than now (the `post_note` command's bounds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub occurred_at: Option<Timestamp>,
    /// How exact `occurred_at` is (`exact` when not given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision: Option<Precision>,
}

/// The body of `POST /api/incidents/{id}/status`: the `set_status` command's fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusRequest {
    pub status: Status,
    /// When it happened, if earlier than now (the `set_status` command's bounds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub occurred_at: Option<Timestamp>,
    /// How exact `occurred_at` is (`exact` when not given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision: Option<Precision>,
}

/// The answer to a REST write: the command is in the log, up to `seq`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Applied {
    pub incident: IncidentId,
    /// The sequence of the command's last event (its acknowledgement's).
    #[cfg_attr(feature = "openapi", schema(value_type = u64))]
    pub seq: Seq,
    /// The note a `notes` request posted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<NoteId>,
}
