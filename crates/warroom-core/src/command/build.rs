//! The constructors of the commands people send most, as they happen (no `occurred_at`).

use super::Command;
use crate::incident::{NoteKind, Severity, Status};

impl Command {
    /// A declaration as it happens (not retrospective, no `occurred_at`).
    pub fn declare(title: &str, severity: Severity, drill: bool, name: &str) -> Self {
        Self::Declare {
            title: title.to_owned(),
            severity,
            drill,
            name: name.to_owned(),
            retrospective: false,
            occurred_at: None,
            precision: None,
        }
    }

    /// A note posted as it happens (no `occurred_at`).
    pub fn post_note(kind: NoteKind, text: impl Into<String>) -> Self {
        Self::PostNote {
            kind,
            text: text.into(),
            essential: false,
            occurred_at: None,
            precision: None,
        }
    }

    /// A severity change as it happens (no `occurred_at`).
    pub fn set_severity(severity: Severity) -> Self {
        Self::SetSeverity {
            severity,
            occurred_at: None,
            precision: None,
        }
    }

    /// A status change as it happens (no `occurred_at`).
    pub fn set_status(status: Status) -> Self {
        Self::SetStatus {
            status,
            occurred_at: None,
            precision: None,
        }
    }
}
