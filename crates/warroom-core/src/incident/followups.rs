//! Follow-up items: the work a postmortem hands on — distinct from the actions of the
//! response — each with an owner, a due date, an optional link to the tracker and a state.
//! They may be added and updated after the incident is closed (as events: the record stays
//! append-only).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::ids::ParticipantId;
use crate::time::Timestamp;

/// The most follow-ups an incident may have.
pub const MAX_FOLLOW_UPS: usize = 100;
/// The longest follow-up text, in characters.
pub const MAX_FOLLOW_UP_CHARS: usize = 500;
/// The longest link, in characters.
pub const MAX_FOLLOW_UP_LINK_CHARS: usize = 2_048;

/// Who owns a follow-up: a participant of the incident, or a name (a team, someone who was
/// not there).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Owner {
    Participant(ParticipantId),
    Name(String),
}

#[derive(
    Debug,
    Clone,
    Copy,
    Default,
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
pub enum FollowUpState {
    #[default]
    Open,
    Done,
    /// Decided against; kept, like everything.
    Dropped,
}

impl FollowUpState {
    pub fn label(self) -> &'static str {
        match self {
            Self::Open => "Open",
            Self::Done => "Done",
            Self::Dropped => "Dropped",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUp {
    pub text: String,
    pub owner: Owner,
    pub due: Option<NaiveDate>,
    /// To the tracker: an http or https address.
    pub link: Option<String>,
    pub state: FollowUpState,
    pub added_by: ParticipantId,
    pub added_at: Timestamp,
    /// When it was last changed, if ever.
    pub updated_at: Option<Timestamp>,
}
