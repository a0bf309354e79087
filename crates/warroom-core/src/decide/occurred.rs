//! The rules of the second time: when something happened, as a person says (`occurred_at`,
//! with a `precision`), on the commands that carry it — `declare`, `post_note`,
//! `set_status`, `set_severity`. Role changes carry none: who holds command is always now.
//!
//! - Never in the future: at most [`MAX_CLOCK_SKEW_SECONDS`] after the server's clock.
//! - A declaration no earlier than [`MAX_BACKDATE_DAYS`] before it is recorded.
//! - Any other entry no earlier than [`MAX_BACKDATE_DAYS`] before the incident began — the
//!   earlier of its impact start and its declaration's time — so a typo in the year cannot
//!   put an entry a lifetime away.
//! - A `precision` only with an `occurred_at`; a `retrospective` declaration needs one.

use chrono::Duration;

use crate::command::Command;
use crate::decide::Context;
use crate::incident::Incident;
use crate::rejection::{Rejection, invalid};
pub use crate::time::MAX_CLOCK_SKEW_SECONDS;
use crate::time::Timestamp;

/// How far back a time may be given, in days: before the recording, for a declaration; before
/// the incident's start, for everything after it.
pub const MAX_BACKDATE_DAYS: i64 = 30;

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
        None => ctx.at - Duration::days(MAX_BACKDATE_DAYS),
        Some(incident) => start_of(incident) - Duration::days(MAX_BACKDATE_DAYS),
    };
    within("occurred_at", at, floor, ctx)
}

/// Checks a time a person gave (`what` names it) for the future and for `floor`.
pub(crate) fn within(
    what: &str,
    at: Timestamp,
    floor: Timestamp,
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
    if at < floor {
        return Err(invalid(format!(
            "{what} {} is too early: no earlier than {} ({MAX_BACKDATE_DAYS} days before the \
             incident began, or before it was declared).",
            at.format("%Y-%m-%d %H:%M:%S UTC"),
            floor.format("%Y-%m-%d %H:%M:%S UTC")
        )));
    }
    Ok(())
}

/// When the incident began, for the bounds: the earlier of its impact start and its
/// declaration's time (as given, or recorded).
pub(crate) fn start_of(incident: &Incident) -> Timestamp {
    incident.began_at()
}
