//! Checklists on the board: read-do or do-confirm, the pause point they are for, and each
//! item's state.

use serde::{Deserialize, Serialize};

use crate::ids::ParticipantId;
use crate::time::Timestamp;

/// Above this many items a checklist is too long to run under stress; the board warns.
pub const CHECKLIST_SWEET_SPOT: usize = 9;

/// Read-do: read each item, then do it. Do-confirm: do from memory, then confirm each item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChecklistKind {
    ReadDo,
    DoConfirm,
}

impl ChecklistKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::ReadDo => "Read-do",
            Self::DoConfirm => "Do-confirm",
        }
    }
}

/// The moment a checklist is meant for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PausePoint {
    Declare,
    Handoff,
    BeforeRiskyChange,
    AllClear,
    /// Any time: an ad-hoc checklist.
    AdHoc,
}

impl PausePoint {
    pub fn label(self) -> &'static str {
        match self {
            Self::Declare => "On declaring",
            Self::Handoff => "At a handoff",
            Self::BeforeRiskyChange => "Before a risky change",
            Self::AllClear => "At all clear",
            Self::AdHoc => "Any time",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checklist {
    pub title: String,
    /// The built-in template it was started from, if any.
    pub template: Option<String>,
    pub kind: ChecklistKind,
    pub pause_point: PausePoint,
    pub items: Vec<ChecklistItem>,
    pub started_by: ParticipantId,
    pub started_at: Timestamp,
    /// When the last open item was closed off (cleared again if an item is unchecked or added).
    pub completed_at: Option<Timestamp>,
}

impl Checklist {
    /// Items checked or marked not applicable, out of all items.
    pub fn progress(&self) -> (usize, usize) {
        let done = self.items.iter().filter(|i| !i.is_open()).count();
        (done, self.items.len())
    }

    pub fn is_complete(&self) -> bool {
        !self.items.is_empty() && self.items.iter().all(|i| !i.is_open())
    }

    /// More items than a crew can run under stress.
    pub fn is_too_long(&self) -> bool {
        self.items.len() > CHECKLIST_SWEET_SPOT
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistItem {
    /// The challenge, as read out.
    pub text: String,
    /// Skipping it could make things worse: it stands out on the board.
    pub killer: bool,
    /// Challenge-response: the item asks for an observed value (this is the prompt), not a tick.
    pub asks_value: Option<String>,
    pub state: ItemState,
}

impl ChecklistItem {
    pub fn is_open(&self) -> bool {
        matches!(self.state, ItemState::Open)
    }
}

crate::tagged::tag_first_enum! {
tag = "state", name = "ItemState", serde(rename_all = "snake_case");
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemState {
    Open,
    Checked {
        by: ParticipantId,
        at: Timestamp,
        value: Option<String>,
    },
    NotApplicable {
        by: ParticipantId,
        at: Timestamp,
        reason: String,
    },
}
}
