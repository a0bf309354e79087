//! The record of an incident, for people and for machines.
//!
//! - [`Export`]: the JSON export — the full event log plus the derived board and metrics.
//!   Importing it elsewhere recreates the incident; exporting again gives the same bytes.
//! - [`markdown()`]: a postmortem draft in the shape of the well-known templates (Google SRE,
//!   PagerDuty, Atlassian) — summary, impact, detection, response, recovery, the key entries,
//!   root cause, the review's prompts, follow-ups, checklists, concerns, metrics and the
//!   complete log in an appendix (see [`markdown()`]).
//!
//! Both are pure functions of the log: no clock, so an export never differs by when it was made.

use serde::{Deserialize, Serialize};

use crate::event::{Event, Recorded};
use crate::ids::IncidentId;
use crate::incident::Incident;
use crate::metrics::{Metrics, metrics};
use crate::time::Timestamp;

mod markdown;
pub use markdown::{KEY_ENTRIES, handoff_briefs, is_key_entry, markdown};

/// What the `format` field of a JSON export says.
pub const FORMAT: &str = "warroom-export";
/// The export format version this crate writes. Version 2 writes the board in its plain form,
/// each note an object under its number; version 1 wrote the notes column by column, the
/// encoding the `snapshot` message still uses.
pub const VERSION: u32 = 2;
/// The oldest export version this crate reads. A version-1 export's board is not read (its
/// notes are in the wire's columns): like a bare log's, it is folded from the log again.
pub const OLDEST_VERSION: u32 = 1;

/// The JSON export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Read")]
pub struct Export {
    pub format: String,
    pub version: u32,
    pub incident: IncidentId,
    /// The whole log, from the declaration.
    pub events: Vec<Recorded>,
    /// Derived: the board after the last event. Always written; optional on import, where it
    /// is checked against the log when present (an archive may keep only the log).
    #[serde(default)]
    pub board: Option<Incident>,
    /// Derived: the metrics of the log; like `board`.
    #[serde(default)]
    pub metrics: Option<Metrics>,
}

/// Why a log or an export cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    #[error("not a Warroom export (format \"{0}\")")]
    Format(String),
    #[error(
        "export version {0} is not supported (this server reads versions {OLDEST_VERSION} to \
         {VERSION})"
    )]
    Version(u32),
    #[error("the log is empty")]
    Empty,
    #[error("the log must start with the declaration")]
    NotDeclared,
    #[error(
        "the log has a gap or a repeat: event {index} has sequence {found}, expected {expected}"
    )]
    Sequence {
        index: usize,
        expected: u64,
        found: u64,
    },
    #[error(
        "recorded times go backwards: event {index} (sequence {seq}) was recorded at {at}, \
         before the event above it ({previous}); a log is recorded in order"
    )]
    TimeBackwards {
        index: usize,
        seq: u64,
        at: Timestamp,
        previous: Timestamp,
    },
    #[error("the board in the export does not match its log")]
    BoardMismatch,
    #[error("the metrics in the export do not match its log")]
    MetricsMismatch,
}

impl Export {
    /// Builds the export of a whole log.
    pub fn new(incident: IncidentId, events: Vec<Recorded>) -> Result<Self, ExportError> {
        let board = check_log(&events)?;
        let metrics = metrics(&events).ok_or(ExportError::Empty)?;
        Ok(Self {
            format: FORMAT.to_owned(),
            version: VERSION,
            incident,
            events,
            board: Some(board),
            metrics: Some(metrics),
        })
    }

    /// Checks an export read from outside: format, version, an unbroken log from the
    /// declaration, and derived parts that match the log.
    pub fn verify(&self) -> Result<(), ExportError> {
        if self.format != FORMAT {
            return Err(ExportError::Format(self.format.clone()));
        }
        if !(OLDEST_VERSION..=VERSION).contains(&self.version) {
            return Err(ExportError::Version(self.version));
        }
        let board = check_log(&self.events)?;
        if self.board.as_ref().is_some_and(|b| *b != board) {
            return Err(ExportError::BoardMismatch);
        }
        if self
            .metrics
            .as_ref()
            .is_some_and(|m| Some(m) != metrics(&self.events).as_ref())
        {
            return Err(ExportError::MetricsMismatch);
        }
        Ok(())
    }

    /// The board after the last event: the derived one, or folded from the log.
    pub fn final_board(&self) -> Result<Incident, ExportError> {
        match &self.board {
            Some(board) => Ok(board.clone()),
            None => check_log(&self.events),
        }
    }

    /// Pretty JSON, as downloaded and as `warroom export` prints it.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("exports always serialise")
    }
}

/// An export as read, before its board is: the board's form depends on the version.
#[derive(Deserialize)]
struct Read {
    format: String,
    version: u32,
    incident: IncidentId,
    events: Vec<Recorded>,
    #[serde(default)]
    board: Option<serde_json::Value>,
    #[serde(default)]
    metrics: Option<Metrics>,
}

impl TryFrom<Read> for Export {
    type Error = serde_json::Error;

    fn try_from(read: Read) -> Result<Self, Self::Error> {
        let board = match read.board {
            Some(board) if read.version >= 2 => Some(serde_json::from_value(board)?),
            _ => None,
        };
        Ok(Self {
            format: read.format,
            version: read.version,
            incident: read.incident,
            events: read.events,
            board,
            metrics: read.metrics,
        })
    }
}

/// Checks that `events` is an unbroken log from the declaration — sequences contiguous from 1
/// and recorded times (`at`, never `occurred_at`) never going backwards — and returns its
/// board. The error names the first bad row.
pub fn check_log(events: &[Recorded]) -> Result<Incident, ExportError> {
    let first = events.first().ok_or(ExportError::Empty)?;
    if !matches!(first.event, Event::IncidentDeclared { .. }) {
        return Err(ExportError::NotDeclared);
    }
    let mut previous = first.at;
    for (index, r) in events.iter().enumerate() {
        let expected = index as u64 + 1;
        if r.seq != expected {
            return Err(ExportError::Sequence {
                index,
                expected,
                found: r.seq,
            });
        }
        if r.at < previous {
            return Err(ExportError::TimeBackwards {
                index,
                seq: r.seq,
                at: r.at,
                previous,
            });
        }
        previous = r.at;
    }
    crate::replay::replay(None, events).ok_or(ExportError::NotDeclared)
}

/// Escapes text for a Markdown paragraph or table cell: no markup, no raw HTML, one line.
pub fn md_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Text that starts a line (the summary does) must not start a block either: a list item
    // (`- `, `+ `, `1. `, `1) `) or a thematic break (`---`).
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let numbered =
        (1..=9).contains(&digits) && matches!(text.as_bytes().get(digits), Some(b'.' | b')'));
    for (i, c) in text.char_indices() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '!' | '~' | '&' => {
                out.push('\\');
                out.push(c);
            }
            '-' | '+' if i == 0 => {
                out.push('\\');
                out.push(c);
            }
            '.' | ')' if numbered && i == digits => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}
