//! Time as the domain sees it: [`Timestamp`] (always the server's, in UTC) and the few
//! helpers that turn two moments into a duration and a duration into words.
//!
//! This is a leaf of the model layer: the fold (`apply`), the scenario clock and the reports
//! (`metrics`, `export`, `score`) all measure time with these, and none of them owns it. It
//! reads no clock: every moment arrives from outside, in a command's context or an event.

use chrono::{DateTime, Utc};

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
