//! The record of an incident, for people and for machines.
//!
//! - [`Export`]: the JSON export — the full event log plus the derived board and metrics.
//!   Importing it elsewhere recreates the incident; exporting again gives the same bytes.
//! - [`markdown`]: a postmortem draft — summary, impact, metrics, crew and handoffs, decisions,
//!   the full timeline with `T+` and UTC times, open actions as follow-ups, and the headings a
//!   blameless review fills in.
//!
//! Both are pure functions of the log: no clock, so an export never differs by when it was made.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::event::{Event, Recorded};
use crate::ids::IncidentId;
use crate::incident::{ActionState, Hold, Incident, NoteKind, Role};
use crate::metrics::{HandoffKind, Metrics, metrics};
use crate::narrate::{describe, kind_of};
use crate::time::{Precision, Timestamp, hms, t_plus};

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

fn opt_hms(seconds: Option<i64>) -> String {
    seconds.map_or_else(|| "—".to_owned(), hms)
}

/// The postmortem draft in Markdown.
pub fn markdown(id: &IncidentId, events: &[Recorded]) -> Result<String, ExportError> {
    let board = check_log(events)?;
    let m = metrics(events).ok_or(ExportError::Empty)?;
    let name = |p| md_escape(board.name_of(p));
    let mut md = String::new();
    let exercise = if board.drill { "EXERCISE — " } else { "" };
    let _ = writeln!(
        md,
        "# {exercise}Postmortem draft: {}\n",
        md_escape(&board.title)
    );
    if board.drill {
        md.push_str(
            "> **EXERCISE** — this record is of a training drill, not a real incident.\n\n",
        );
    }
    if board.postmortem.retrospective {
        md.push_str(
            "> **Recorded after the fact** — this incident was entered from what happened, \
             not as it happened; times are as the people who were there gave them.\n\n",
        );
    }

    md.push_str("## Summary\n\n");
    let _ = writeln!(md, "- Incident: `{id}`");
    let _ = writeln!(
        md,
        "- Severity: {} · Status: {}",
        board.severity.label(),
        board.status.label()
    );
    let _ = writeln!(
        md,
        "- Declared: {} UTC by {}",
        board.declared_at.format("%Y-%m-%d %H:%M:%S"),
        name(&board.declared_by)
    );
    let _ = writeln!(
        md,
        "- Duration of the record: {}",
        hms(crate::time::seconds(m.declared_at, m.ended_at))
    );
    let _ = writeln!(
        md,
        "- Commander at the end: {}",
        name(&board.commander.holder)
    );
    if !board.summary.trim().is_empty() {
        let _ = writeln!(md, "\n{}", md_escape(&board.summary));
    }

    md.push_str("\n## Impact\n\n_Who was affected, how, and for how long. To be written._\n\n");

    md.push_str("## Metrics\n\n| Metric | Value |\n| --- | --- |\n");
    let rows = m.summary();
    for (metric, value) in rows {
        let _ = writeln!(md, "| {metric} | {value} |");
    }

    md.push_str("\n## Crew and handoffs\n\n");
    for role in Role::ALL {
        let holder = board.holder(role).map_or_else(|| "vacant".to_owned(), name);
        let _ = writeln!(md, "- {}: {holder}", role.label());
    }
    md.push_str("\n### Command tenures\n\n| Commander | From | To | Held for |\n| --- | --- | --- | --- |\n");
    for t in &m.tenures {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} |",
            name(&t.commander),
            t_plus(m.declared_at, t.from),
            t.to.map_or_else(|| "end".to_owned(), |to| t_plus(m.declared_at, to)),
            hms(t.seconds)
        );
    }
    md.push_str("\n### Handoffs\n\n");
    if m.handoffs.is_empty() {
        md.push_str("No change of command.\n");
    } else {
        md.push_str(
            "| When | From | To | How | Offer to confirm |\n| --- | --- | --- | --- | --- |\n",
        );
        for h in &m.handoffs {
            let how = match h.kind {
                HandoffKind::PositiveExchange => "positive exchange".to_owned(),
                HandoffKind::Assumed => format!(
                    "assumed: {}",
                    md_escape(h.reason.as_deref().unwrap_or_default())
                ),
            };
            let _ = writeln!(
                md,
                "| {} | {} | {} | {how} | {} |",
                t_plus(m.declared_at, h.at),
                name(&h.from),
                name(&h.to),
                opt_hms(h.offer_to_confirm)
            );
        }
    }

    md.push_str("\n## Decisions\n\n");
    let decisions: Vec<_> = board
        .notes
        .values()
        .filter(|n| n.kind == NoteKind::Decision && n.retracted.is_none())
        .collect();
    if decisions.is_empty() {
        md.push_str("No decisions were recorded.\n");
    }
    for n in decisions {
        let _ = writeln!(
            md,
            "- {} ({} UTC), {}: {}",
            t_plus(m.declared_at, n.at),
            n.at.format("%H:%M:%S"),
            name(&n.author),
            md_escape(&n.text)
        );
    }

    md.push_str(
        "\n## Timeline\n\n| T+ | UTC | Who | Kind | Entry |\n| --- | --- | --- | --- | --- |\n",
    );
    // In the order things happened; a backdated entry says when it was recorded.
    for r in crate::event::by_occurrence(events) {
        let kind = kind_of(&board, &r.event);
        let text = match &r.event {
            Event::NotePosted { note, text, .. } => {
                let note = board.notes.get(note);
                let mut text = match note {
                    Some(n) if n.retracted.is_some() => {
                        format!("~~{}~~ (retracted)", md_escape(text))
                    }
                    _ => md_escape(text),
                };
                match note.and_then(|n| n.held.as_ref()) {
                    Some(Hold { released: Some(r) }) => {
                        let _ = write!(
                            text,
                            " (held by the sterile phase; released at {})",
                            t_plus(m.declared_at, r.at)
                        );
                    }
                    Some(Hold { released: None }) => {
                        text.push_str(" (held by the sterile phase, still on)");
                    }
                    None => {}
                }
                text
            }
            _ => md_escape(&describe(&board, r)),
        };
        let (approx, text) = match r.occurred() {
            Some(o) if o.precision != Precision::Exact || r.backdated() => (
                if o.precision == Precision::Exact {
                    ""
                } else {
                    "~"
                },
                format!(
                    "{text} _(recorded {} UTC{})_",
                    r.at.format("%Y-%m-%d %H:%M:%S"),
                    if o.precision == Precision::Unknown {
                        "; time unknown"
                    } else {
                        ""
                    }
                ),
            ),
            _ => ("", text),
        };
        let _ = writeln!(
            md,
            "| {approx}{} | {approx}{} | {} | {} | {text} |",
            t_plus(m.declared_at, r.when()),
            r.when().format("%H:%M:%S"),
            name(&r.actor),
            kind.label()
        );
    }

    md.push_str("\n## Follow-ups\n\n");
    let open: Vec<_> = board
        .actions
        .values()
        .filter(|a| a.state.is_open())
        .collect();
    if open.is_empty() {
        md.push_str("No open actions at the end of the record.\n");
    }
    for a in open {
        let state = match a.state {
            ActionState::AwaitingReadback => "not yet read back",
            ActionState::ReadBack => "readback not confirmed",
            _ => "in progress",
        };
        let _ = writeln!(
            md,
            "- [ ] {} — {} ({}, {state})",
            md_escape(&a.text),
            name(&a.assignee),
            a.lane.label()
        );
    }

    md.push_str(
        "\n## Contributing factors\n\n_What made this possible, without blame._\n\
         \n## What went well\n\n_…_\n\
         \n## Where we got lucky\n\n_…_\n",
    );
    Ok(md)
}
