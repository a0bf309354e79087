//! What the record says beyond the live board, for the postmortem: whether the incident was
//! recorded after the fact and when it really started, the titles it had, its impact window
//! and statement, and its follow-ups.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::followups::FollowUp;
use crate::ids::{FollowUpId, ParticipantId};
use crate::time::{Occurred, Timestamp};

/// The postmortem's part of the board. Left out of the JSON while nothing about it was set.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Postmortem {
    /// Declared after the fact (`declare` with `retrospective`): the board, the review and
    /// the exports say "recorded after the fact".
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub retrospective: bool,
    /// Entered from a timeline file (see `import`): the board, the lobby, the review and
    /// the exports say so.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub imported: bool,
    /// When the declaration happened, as the declarer said (its `occurred_at`): the real
    /// start of a retrospective incident.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared: Option<Occurred>,
    /// The titles the incident had before its current one, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub titles: Vec<EarlierTitle>,
    /// When customers were affected, and how (the commander's, revisable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impact: Option<Impact>,
    /// When the incident was closed (the server's time of the change to Closed): a closed
    /// board's clocks stand here, whatever follow-ups come after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<Timestamp>,
    /// The postmortem's follow-up items, numbered from 1.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub follow_ups: BTreeMap<FollowUpId, FollowUp>,
}

/// A title the incident had, and when and by whom it was replaced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EarlierTitle {
    pub title: String,
    pub replaced_at: Timestamp,
    pub replaced_by: ParticipantId,
}

/// The impact window and the customer-impact statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Impact {
    pub start: Timestamp,
    /// `None` while the impact goes on (or its end is not known yet).
    pub end: Option<Timestamp>,
    /// Who and what was affected, in words.
    pub statement: Option<String>,
    pub set_by: ParticipantId,
    pub set_at: Timestamp,
}

impl Postmortem {
    /// Nothing set: what an incident recorded live and never reviewed has.
    pub fn is_untouched(&self) -> bool {
        *self == Self::default()
    }
}
