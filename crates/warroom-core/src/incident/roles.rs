//! The crew: the roles, who joined, who holds what, and the positive exchange that moves a role
//! (an [`Offer`] carrying the [`HandoffBrief`]). Shapes only; the rules of handing over are in
//! `decide`'s `roles`.

use serde::{Deserialize, Serialize};

use crate::ids::ParticipantId;
use crate::time::Timestamp;

/// The crew roles. Commander is special: always held, moved only by handoff or assumption.
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

/// The five parts of a handoff brief. Every part is free text the outgoing commander may edit.
/// A field it does not have is refused (it arrives in `offer_role`: strict input).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandoffBrief {
    /// Current situation: what is happening, severity, status, impact.
    pub situation: String,
    /// Objectives and priorities.
    pub objectives: String,
    /// Actions in progress and who owns each.
    pub actions: String,
    /// Hazards and constraints: open concerns, risky changes under way.
    pub hazards: String,
    /// Communications: who is on which role, when the next status update is due.
    pub communications: String,
}

impl HandoffBrief {
    /// The parts with their headings, in briefing order.
    pub fn parts(&self) -> [(&'static str, &str); 5] {
        [
            ("Situation", &self.situation),
            ("Objectives and priorities", &self.objectives),
            ("Actions in progress", &self.actions),
            ("Hazards and constraints", &self.hazards),
            ("Communications", &self.communications),
        ]
    }

    /// True when every part is blank.
    pub fn is_blank(&self) -> bool {
        self.parts().iter().all(|(_, text)| text.trim().is_empty())
    }
}
