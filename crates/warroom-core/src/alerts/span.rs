//! The span-of-control advisory (ICS: a supervisor directs 3–7 people, 5 at best).

use std::collections::BTreeSet;

use crate::alerts::{Alert, SPAN_OF_CONTROL, Tier, Viewer, alert};
use crate::ids::ParticipantId;
use crate::incident::{Incident, Role};

/// What the commander personally carries now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// Open actions assigned *to* the commander.
    pub own_actions: usize,
    /// The commander's direct reports: the distinct other people who hold a role, or who own
    /// an open action that the current commander assigned.
    pub direct_reports: BTreeSet<ParticipantId>,
    /// The incident's limit: its span-of-control setting, or [`SPAN_OF_CONTROL`].
    pub limit: u32,
}

impl Span {
    /// The commander's span on `incident` now.
    pub fn of(incident: &Incident) -> Span {
        let commander = &incident.commander.holder;
        let open = || incident.actions.values().filter(|a| a.state.is_open());
        let mut direct_reports: BTreeSet<ParticipantId> =
            incident.roles.values().map(|t| t.holder.clone()).collect();
        direct_reports.extend(
            open()
                .filter(|a| &a.assigner == commander)
                .map(|a| a.assignee.clone()),
        );
        direct_reports.remove(commander);
        Span {
            own_actions: open().filter(|a| &a.assignee == commander).count(),
            direct_reports,
            limit: incident.span_of_control.unwrap_or(SPAN_OF_CONTROL),
        }
    }

    /// Past the limit: more open actions or more direct reports than `limit`.
    pub fn is_exceeded(&self) -> bool {
        let limit = usize::try_from(self.limit).unwrap_or(usize::MAX);
        self.own_actions > limit || self.direct_reports.len() > limit
    }
}

/// The advisory, if it stands: the commander's span is past its limit and neither a deputy nor
/// an operations lead is in place to share it.
pub(super) fn advisory(incident: &Incident, viewer: &Viewer<'_>) -> Option<Alert> {
    if incident.holder(Role::Deputy).is_some() || incident.holder(Role::Operations).is_some() {
        return None;
    }
    let span = Span::of(incident);
    if !span.is_exceeded() {
        return None;
    }
    let commander = &incident.commander.holder;
    let (who, verb) = if viewer.me == commander {
        ("You".to_owned(), "hold")
    } else {
        (incident.name_of(commander).to_owned(), "holds")
    };
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    Some(alert(
        Tier::Advisory,
        &format!("span:{commander}"),
        "SPAN OF CONTROL",
        &format!(
            "{who} {verb} {} and {}, past the span of control of {}: name a deputy or an operations lead.",
            plural(span.own_actions, "open action", "open actions"),
            plural(span.direct_reports.len(), "direct report", "direct reports"),
            span.limit
        ),
    ))
}
