//! Why a command was refused: a machine-readable code and a sentence for the person who acted.
//!
//! Rejections are ordinary answers, not failures: they go back to the client that sent the
//! command and never close its connection.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    pub code: RejectionCode,
    /// Plain words, meant to be shown where the person acted.
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, strum::EnumIter)]
#[serde(rename_all = "snake_case")]
pub enum RejectionCode {
    /// The incident has not been declared yet.
    NotDeclared,
    /// The incident was declared already.
    AlreadyDeclared,
    /// The incident is closed and read-only.
    Closed,
    /// The actor's roles do not allow this.
    NotPermitted,
    /// Somebody involved is not connected (or, for an assumption, still is).
    Presence,
    /// The command's content is not acceptable (empty text, too long, out of range).
    Invalid,
    /// It names a note, action, concern, checklist, item, participant or offer that does not exist.
    NotFound,
    /// It does not fit the current state (an offer already open, a loop already closed, …).
    Conflict,
}

impl Rejection {
    pub fn new(code: RejectionCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Rejection {}

/// Shorthands used by the rules.
pub(crate) fn not_permitted(message: impl Into<String>) -> Rejection {
    Rejection::new(RejectionCode::NotPermitted, message)
}
pub(crate) fn invalid(message: impl Into<String>) -> Rejection {
    Rejection::new(RejectionCode::Invalid, message)
}
pub(crate) fn not_found(message: impl Into<String>) -> Rejection {
    Rejection::new(RejectionCode::NotFound, message)
}
pub(crate) fn conflict(message: impl Into<String>) -> Rejection {
    Rejection::new(RejectionCode::Conflict, message)
}
pub(crate) fn presence(message: impl Into<String>) -> Rejection {
    Rejection::new(RejectionCode::Presence, message)
}
