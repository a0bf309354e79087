//! A timeline file, entered as a retrospective incident: rows of (time, precision, actor name,
//! kind, text) from a spreadsheet (CSV) or a script (JSON), each entered as the backdated entry
//! it describes — a note of its kind by the person it names, or a severity or status change
//! (which only the commander makes: the importer, who declares the incident, makes it).
//!
//! **Formats.** CSV: a header line `time,precision,actor,kind,text` (in that order), then one
//! row per line; fields may be quoted (`"…"`, a quote inside doubled), and a quoted field may
//! span lines. JSON: an array of objects with the fields `time`, `precision` (optional),
//! `actor`, `kind` and `text`, and no others.
//!
//! - `time`: RFC 3339 (`2017-01-31T23:00:00Z`) or `YYYY-MM-DD HH:MM[:SS]`, in UTC.
//! - `precision`: `exact` (also when empty or left out), `about` or `unknown`.
//! - `actor`: the person's display name, as the record will show it.
//! - `kind`: `observation`, `hypothesis`, `decision`, `action`, `status_update` (a note with
//!   `text`), `severity` (`text` is `SEV1`…`SEV4`) or `status` (`text` is `investigating`,
//!   `identified`, `mitigated` or `resolved`).
//!
//! **Every row is checked before anything is written**: the format, then the rules (the same
//! `execute` as a live command, with the row's time as its `occurred_at`). The first bad row is
//! named — "line 7" of a CSV file (the header is line 1), "row 3" of a JSON array — with the
//! reason. The rows are entered in the order things happened (a stable sort by time).
//!
//! **Who.** The person a row names is a participant of its own (`imported-` and a digest of the
//! name), never a signed-in account: a file cannot speak for anyone who can sign in. The
//! declaration is the importer's, and it is marked `imported`, so the board, the lobby and the
//! exports say the record came from a file.

use chrono::{NaiveDateTime, TimeZone, Utc};
use serde::Deserialize;

use crate::time::{Precision, Timestamp};

mod existing;
mod plan;

pub use existing::{ImportRefused, into_existing};
pub use plan::{Declaration, imported_id, plan};

/// The most rows a timeline file may have.
pub const MAX_TIMELINE_ROWS: usize = 2_000;
/// The largest timeline file, in bytes.
pub const MAX_TIMELINE_BYTES: usize = 1_048_576;
/// The CSV header, exactly.
pub const CSV_HEADER: &str = "time,precision,actor,kind,text";

/// What a row enters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowKind {
    Observation,
    Hypothesis,
    Decision,
    Action,
    StatusUpdate,
    Severity,
    Status,
}

impl RowKind {
    fn parse(raw: &str) -> Result<Self, String> {
        serde_json::from_value(serde_json::Value::String(raw.trim().to_owned())).map_err(|_| {
            format!(
                "unknown kind {raw:?} (observation, hypothesis, decision, action, \
                 status_update, severity or status)"
            )
        })
    }
}

/// A row, checked for its format.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Where it is: the line of a CSV file, the place in a JSON array (from 1).
    pub place: Place,
    pub at: Timestamp,
    pub precision: Precision,
    pub actor: String,
    pub kind: RowKind,
    pub text: String,
}

/// Where a row is in its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Line(usize),
    Row(usize),
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Line(n) => write!(f, "line {n}"),
            Self::Row(n) => write!(f, "row {n}"),
        }
    }
}

/// Why a timeline file cannot be entered: where (`None`: the file as a whole) and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{reason}", place.map(|p| format!("{p}: ")).unwrap_or_default())]
pub struct TimelineError {
    pub place: Option<Place>,
    pub reason: String,
}

fn whole(reason: impl Into<String>) -> TimelineError {
    TimelineError {
        place: None,
        reason: reason.into(),
    }
}

fn at_place(place: Place, reason: impl Into<String>) -> TimelineError {
    TimelineError {
        place: Some(place),
        reason: reason.into(),
    }
}

/// A JSON row as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonRow {
    time: String,
    #[serde(default)]
    precision: Option<String>,
    actor: String,
    kind: String,
    text: String,
}

/// Reads a timeline file, CSV or JSON (JSON when it starts with `[`), checking each row's
/// format; the rules are [`plan`]'s.
pub fn parse(text: &str) -> Result<Vec<Row>, TimelineError> {
    if text.len() > MAX_TIMELINE_BYTES {
        return Err(whole(format!(
            "the file is larger than {MAX_TIMELINE_BYTES} bytes"
        )));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rows = if text.trim_start().starts_with('[') {
        let raw: Vec<serde_json::Value> =
            serde_json::from_str(text).map_err(|e| whole(format!("not a JSON array: {e}")))?;
        raw.into_iter()
            .enumerate()
            .map(|(i, value)| {
                let place = Place::Row(i + 1);
                let r: JsonRow =
                    serde_json::from_value(value).map_err(|e| at_place(place, e.to_string()))?;
                row(
                    place,
                    &r.time,
                    r.precision.as_deref().unwrap_or(""),
                    &r.actor,
                    &r.kind,
                    r.text,
                )
            })
            .collect::<Result<Vec<_>, _>>()?
    } else {
        csv(text)?
    };
    if rows.is_empty() {
        return Err(whole("the file has no rows"));
    }
    if rows.len() > MAX_TIMELINE_ROWS {
        return Err(whole(format!(
            "the file has {} rows; at most {MAX_TIMELINE_ROWS}",
            rows.len()
        )));
    }
    Ok(rows)
}

fn row(
    place: Place,
    time: &str,
    precision: &str,
    actor: &str,
    kind: &str,
    text: String,
) -> Result<Row, TimelineError> {
    let bad = |reason: String| at_place(place, reason);
    let at = parse_time(time).map_err(bad)?;
    let precision = match precision.trim() {
        "" | "exact" => Precision::Exact,
        "about" => Precision::About,
        "unknown" => Precision::Unknown,
        other => {
            return Err(bad(format!(
                "unknown precision {other:?} (exact, about or unknown)"
            )));
        }
    };
    let actor = actor.trim();
    if actor.is_empty() {
        return Err(bad("the actor is empty: name who did it".into()));
    }
    let kind = RowKind::parse(kind).map_err(bad)?;
    Ok(Row {
        place,
        at,
        precision,
        actor: actor.to_owned(),
        kind,
        text,
    })
}

fn parse_time(raw: &str) -> Result<Timestamp, String> {
    let raw = raw.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(raw) {
        return Ok(t.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(raw, format) {
            return Ok(Utc.from_utc_datetime(&t));
        }
    }
    Err(format!(
        "the time {raw:?} is not a time (2017-01-31T23:00:00Z or 2017-01-31 23:00, UTC)"
    ))
}

/// The records of a CSV file, each with the line it starts on.
fn records(text: &str) -> Result<Vec<(usize, Vec<String>)>, TimelineError> {
    let mut out = Vec::new();
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut line = 1;
    let mut start = 1;
    let mut chars = text.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                c => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => {
                quoted = true;
                any = true;
            }
            ',' => {
                fields.push(std::mem::take(&mut field));
                any = true;
            }
            '\r' => {}
            '\n' => {
                if any || !field.is_empty() {
                    fields.push(std::mem::take(&mut field));
                    out.push((start, std::mem::take(&mut fields)));
                }
                any = false;
                line += 1;
                start = line;
            }
            c => {
                field.push(c);
                any = true;
            }
        }
    }
    if quoted {
        return Err(at_place(Place::Line(start), "a quoted field is not closed"));
    }
    if any || !field.is_empty() {
        fields.push(field);
        out.push((start, fields));
    }
    Ok(out)
}

fn csv(text: &str) -> Result<Vec<Row>, TimelineError> {
    let mut records = records(text)?.into_iter();
    let Some((_, header)) = records.next() else {
        return Err(whole("the file is empty"));
    };
    let header: Vec<&str> = header.iter().map(|h| h.trim()).collect();
    if header.join(",") != CSV_HEADER {
        return Err(at_place(
            Place::Line(1),
            format!("the header must be {CSV_HEADER:?}"),
        ));
    }
    records
        .map(|(line, fields)| {
            let place = Place::Line(line);
            let [time, precision, actor, kind, text]: [String; 5] =
                fields.try_into().map_err(|f: Vec<String>| {
                    at_place(
                        place,
                        format!("{} fields; a row has 5 ({CSV_HEADER})", f.len()),
                    )
                })?;
            row(place, &time, &precision, &actor, &kind, text)
        })
        .collect()
}
