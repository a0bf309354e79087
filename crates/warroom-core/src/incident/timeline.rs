//! The timeline's notes: their kinds, their texts and earlier texts, pins and retractions.

use serde::{Deserialize, Serialize};

use crate::ids::{ParticipantId, Seq};
use crate::time::{Precision, Timestamp};

/// What a timeline note is about. Each kind has its own icon on the board.
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
    /// Set when the note was held back by a sterile phase (see [`Hold`]); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held: Option<Hold>,
    /// When it happened, as its author said (`post_note`'s `occurred_at`); `at` stays when it
    /// was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occurred_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision: Option<Precision>,
    /// Entered after the fact ([`crate::time::backdated`]): every view marks it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub backdated: bool,
    /// Entered from a timeline file ([`crate::event::Recorded::imported`]): every view marks
    /// it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub imported: bool,
}

impl Note {
    /// When it happened: `occurred_at` where given, else when it was posted.
    pub fn when(&self) -> Timestamp {
        self.occurred_at.unwrap_or(self.at)
    }
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

/// A note posted during a sterile phase without being essential: held back from the shared
/// timeline until the phase ends.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Hold {
    /// When the phase ended and let the note into the timeline; `None` while it is queued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub released: Option<Release>,
}

/// Where a held note entered the shared timeline: the event that ended the phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Release {
    pub seq: Seq,
    pub at: Timestamp,
}

impl Note {
    /// Held back and not released yet: "queued until the phase ends".
    pub fn is_queued(&self) -> bool {
        self.held.as_ref().is_some_and(|h| h.released.is_none())
    }
}
