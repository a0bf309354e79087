//! What the record says beyond the live board, for the postmortem: whether the incident was
//! recorded after the fact and when it really started.

use serde::{Deserialize, Serialize};

use crate::time::Occurred;

/// The postmortem's part of the board. Left out of the JSON while nothing about it was set.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Postmortem {
    /// Declared after the fact (`declare` with `retrospective`): the board, the review and
    /// the exports say "recorded after the fact".
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub retrospective: bool,
    /// When the declaration happened, as the declarer said (its `occurred_at`): the real
    /// start of a retrospective incident.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared: Option<Occurred>,
}

impl Postmortem {
    /// Nothing set: what an incident recorded live and never reviewed has.
    pub fn is_untouched(&self) -> bool {
        *self == Self::default()
    }
}
