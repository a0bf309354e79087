//! Time as the domain sees it: [`Timestamp`] (always the server's, in UTC), the few
//! helpers that turn two moments into a duration and a duration into words, and the clock
//! faces (`14:05`, `2 Dec`) that texts show a moment as.
//!
//! This is a leaf of the model layer: the fold (`apply`), the scenario clock and the reports
//! (`metrics`, `export`, `score`) all measure time with these, and none of them owns it. It
//! reads no clock: every moment arrives from outside, in a command's context or an event.

use chrono::{DateTime, Datelike, Timelike, Utc};

/// Server time, always UTC.
pub type Timestamp = DateTime<Utc>;

/// Seconds between two moments (never negative).
pub fn seconds(from: Timestamp, to: Timestamp) -> i64 {
    (to - from).num_seconds().max(0)
}

/// `hh:mm:ss` for a number of seconds (hours may exceed 24).
pub fn hms(seconds: i64) -> String {
    let s = seconds.max(0);
    format!("{:02}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
}

/// `T+hh:mm:ss` from `start` to `at`.
pub fn t_plus(start: Timestamp, at: Timestamp) -> String {
    format!("T+{}", hms(seconds(start, at)))
}

/// How exact a time a person gave is: a row whose source gives only an approximate time is
/// `about`, one whose source gives none (only where it falls in the story) is `unknown`.
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
    serde::Serialize,
    serde::Deserialize,
    strum::EnumIter,
)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Precision {
    /// To the minute or better, as the source says.
    #[default]
    Exact,
    /// Approximately (`~09:40`).
    About,
    /// Not known: the time only places the entry in the story.
    Unknown,
}

impl Precision {
    pub fn label(self) -> &'static str {
        match self {
            Self::Exact => "exact",
            Self::About => "about",
            Self::Unknown => "unknown time",
        }
    }
}

/// When something happened, as a person says — as opposed to when the server recorded it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Occurred {
    pub at: Timestamp,
    pub precision: Precision,
}

/// How far in the future of the server's clock a given time may be, in seconds: the clocks of
/// people's machines (and their reading of a wall clock) differ a little. Anything later is
/// refused as in the future.
pub const MAX_CLOCK_SKEW_SECONDS: i64 = 120;

/// Whether something that happened at `occurred` and was recorded at `recorded` was entered
/// after the fact: earlier by more than [`MAX_CLOCK_SKEW_SECONDS`].
pub fn backdated(occurred: Timestamp, recorded: Timestamp) -> bool {
    (recorded - occurred).num_seconds() > MAX_CLOCK_SKEW_SECONDS
}
// The clock faces below are written out by hand rather than with `DateTime::format`: a
// strftime pattern links chrono's format-string parser and formatter into the browser app
// (about 20 KB of wasm) for four fixed shapes.

/// `14:05`: the hour and minute, UTC.
pub fn hh_mm(at: Timestamp) -> String {
    format!("{:02}:{:02}", at.hour(), at.minute())
}

/// `14:05:27`: the hour, minute and second, UTC.
pub fn hh_mm_ss(at: Timestamp) -> String {
    format!("{:02}:{:02}:{:02}", at.hour(), at.minute(), at.second())
}

/// `2026-12-01 14:05`: the date and minute, UTC.
pub fn date_hh_mm(at: Timestamp) -> String {
    format!(
        "{:04}-{:02}-{:02} {}",
        at.year(),
        at.month(),
        at.day(),
        hh_mm(at)
    )
}

/// `2026-12-01 14:05:09`: the date and second, UTC.
pub fn date_hh_mm_ss(at: Timestamp) -> String {
    format!(
        "{:04}-{:02}-{:02} {}",
        at.year(),
        at.month(),
        at.day(),
        hh_mm_ss(at)
    )
}

/// `2 Dec`: the day of the month and the month's English abbreviation, UTC.
pub fn day_month(at: Timestamp) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!("{} {}", at.day(), MONTHS[at.month0() as usize])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_faces_match_the_strftime_patterns_they_replace() {
        for text in [
            "2026-12-01T04:05:06Z",
            "2026-01-09T23:59:59Z",
            "0999-02-28T00:00:00Z",
            "2024-02-29T12:30:00.999Z",
        ] {
            let at: Timestamp = text.parse().unwrap();
            assert_eq!(hh_mm(at), at.format("%H:%M").to_string(), "{text}");
            assert_eq!(hh_mm_ss(at), at.format("%H:%M:%S").to_string(), "{text}");
            assert_eq!(
                date_hh_mm(at),
                at.format("%Y-%m-%d %H:%M").to_string(),
                "{text}"
            );
            assert_eq!(
                date_hh_mm_ss(at),
                at.format("%Y-%m-%d %H:%M:%S").to_string(),
                "{text}"
            );
            assert_eq!(day_month(at), at.format("%-d %b").to_string(), "{text}");
        }
    }
}
