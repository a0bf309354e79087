//! The rules of the second time: when something happened, as a person says (`occurred_at`,
//! with a `precision`), on the commands that carry it — `declare`, `post_note`,
//! `set_status`, `set_severity` — and on the impact window. Role changes carry none: who
//! holds command is always now.
//!
//! - Never in the future: at most [`MAX_CLOCK_SKEW_SECONDS`] after the server's clock.
//! - Never before [`earliest_occurred`] (2000-01-01 00:00:00 UTC), whatever else is said.
//! - A declaration: anywhere in between, so an incident of months or years ago can be
//!   recorded after the fact with its real start.
//! - Any other entry: no earlier than [`MAX_BACKDATE_DAYS`] before the incident began — the
//!   earlier of its impact start and its declaration's time (as given) — so a typo in the
//!   year cannot put an entry a lifetime away from the incident it belongs to. The bound is
//!   the incident's, never the server clock's: an incident from three months ago takes its
//!   own timeline.
//! - The impact window: no earlier than [`MAX_BACKDATE_DAYS`] before the declaration's time
//!   (see `decide::postmortem`), so the bound above moves at most that far.
//! - A `precision` only with an `occurred_at`; a `retrospective` declaration needs one.

use chrono::{DateTime, Duration};

use crate::command::Command;
use crate::decide::Context;
use crate::incident::Incident;
use crate::rejection::{Rejection, invalid};
pub use crate::time::MAX_CLOCK_SKEW_SECONDS;
use crate::time::Timestamp;

/// How far before the incident began an entry's time may be, in days (and an impact start
/// before the declaration's time).
pub const MAX_BACKDATE_DAYS: i64 = 30;

/// The earliest time anything may be said to have happened: 2000-01-01 00:00:00 UTC, in
/// seconds since the Unix epoch.
pub const EARLIEST_OCCURRED_SECONDS: i64 = 946_684_800;

/// The earliest time anything may be said to have happened, 2000-01-01 00:00:00 UTC: older
/// than any incident a team records here, and late enough to catch a year typed as `0026`.
pub fn earliest_occurred() -> Timestamp {
    DateTime::from_timestamp(EARLIEST_OCCURRED_SECONDS, 0).expect("in range")
}

/// The earliest time a given time may be, and why, for the refusal.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Floor {
    pub(crate) at: Timestamp,
    why: &'static str,
}

impl Floor {
    /// [`earliest_occurred`]: the declaration's own bound.
    pub(crate) fn earliest() -> Self {
        Self {
            at: earliest_occurred(),
            why: "nothing is recorded before 2000",
        }
    }

    /// [`MAX_BACKDATE_DAYS`] before `start`, or [`earliest_occurred`] if that is later.
    pub(crate) fn before(start: Timestamp, why: &'static str) -> Self {
        let at = start - Duration::days(MAX_BACKDATE_DAYS);
        if at < earliest_occurred() {
            Self::earliest()
        } else {
            Self { at, why }
        }
    }
}

/// Checks the `occurred_at` of `command` (if any) against the bounds; `incident` is `None`
/// for the declaration.
pub(crate) fn check(
    incident: Option<&Incident>,
    command: &Command,
    ctx: &Context<'_>,
) -> Result<(), Rejection> {
    let (occurred_at, precision) = command.occurred();
    if let Command::Declare {
        retrospective: true,
        ..
    } = command
        && occurred_at.is_none()
    {
        return Err(invalid(
            "A retrospective incident needs its real start: give occurred_at.",
        ));
    }
    let Some(at) = occurred_at else {
        return match precision {
            Some(_) => Err(invalid("A precision needs an occurred_at to qualify.")),
            None => Ok(()),
        };
    };
    let floor = match incident {
        None => Floor::earliest(),
        Some(incident) => entry_floor(incident),
    };
    within("occurred_at", at, floor, ctx)
}

/// The earliest an entry of `incident` may be said to have happened: [`MAX_BACKDATE_DAYS`]
/// before it began.
pub(crate) fn entry_floor(incident: &Incident) -> Floor {
    Floor::before(
        incident.began_at(),
        "days before the incident began (its impact start or its declared start)",
    )
}

/// Checks a time a person gave (`what` names it) for the future and for `floor`.
pub(crate) fn within(
    what: &str,
    at: Timestamp,
    floor: Floor,
    ctx: &Context<'_>,
) -> Result<(), Rejection> {
    let latest = ctx.at + Duration::seconds(MAX_CLOCK_SKEW_SECONDS);
    if at > latest {
        return Err(invalid(format!(
            "{what} {} is in the future (the server's clock says {}).",
            at.format("%Y-%m-%d %H:%M:%S UTC"),
            ctx.at.format("%Y-%m-%d %H:%M:%S UTC")
        )));
    }
    if at < floor.at {
        let why = if floor.at == earliest_occurred() {
            floor.why.to_owned()
        } else {
            format!("{MAX_BACKDATE_DAYS} {}", floor.why)
        };
        return Err(invalid(format!(
            "{what} {} is too early: no earlier than {} ({why}).",
            at.format("%Y-%m-%d %H:%M:%S UTC"),
            floor.at.format("%Y-%m-%d %H:%M:%S UTC")
        )));
    }
    Ok(())
}
