//! The headline figures of [`Metrics`]: the rows of the postmortem draft's metrics table and
//! of the review page, each with its definition.

use super::{HandoffKind, Metrics};
use crate::time::hms;

impl Metrics {
    /// The headline figures, as (metric, value) rows: the postmortem draft's metrics table and
    /// the review page show these same rows.
    pub fn summary(&self) -> Vec<(&'static str, String)> {
        let handoffs_by_exchange = self
            .handoffs
            .iter()
            .filter(|h| h.kind == HandoffKind::PositiveExchange)
            .count();
        let readbacks: Vec<i64> = self
            .actions
            .iter()
            .filter_map(|a| a.read_back_after)
            .collect();
        let closes: Vec<i64> = self.actions.iter().filter_map(|a| a.closed_after).collect();
        vec![
            (
                "Time to first commander",
                opt_hms(self.time_to_first_commander),
            ),
            ("Time to mitigated", opt_hms(self.time_to_mitigated)),
            ("Time to resolved", opt_hms(self.time_to_resolved)),
            ("Time to detect", opt_hms(self.time_to_detect)),
            ("Impact duration", opt_hms(self.impact_duration)),
            (
                "Command handoffs",
                format!(
                    "{} ({handoffs_by_exchange} by positive exchange, {} assumed)",
                    self.handoffs.len(),
                    self.handoffs.len() - handoffs_by_exchange
                ),
            ),
            ("Actions assigned", self.actions.len().to_string()),
            ("Median readback latency", opt_hms(median(&readbacks))),
            ("Median time to close an action", opt_hms(median(&closes))),
            (
                "Actions overdue",
                self.actions
                    .iter()
                    .filter(|a| a.overdue)
                    .count()
                    .to_string(),
            ),
            (
                "Status updates",
                format!(
                    "{} posted: {} on time, {} late, {} missed",
                    self.status_updates.posted,
                    self.status_updates.on_time,
                    self.status_updates.late,
                    self.status_updates.missed
                ),
            ),
            (
                "Longest gap between status updates",
                opt_hms(self.status_updates.longest_gap),
            ),
            ("Concerns raised", self.concerns.len().to_string()),
            (
                "Longest wait for a concern's acknowledgement",
                opt_hms(self.concerns.iter().filter_map(|c| c.waited).max()),
            ),
            (
                "Checklists completed",
                format!(
                    "{} of {}",
                    self.checklists
                        .iter()
                        .filter(|c| c.completed_after.is_some())
                        .count(),
                    self.checklists.len()
                ),
            ),
        ]
    }
}

/// A headline figure with what it means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub metric: &'static str,
    pub value: String,
    pub definition: &'static str,
}

impl Metrics {
    /// [`Metrics::summary`] with each figure's definition beside it.
    pub fn rows(&self) -> Vec<Row> {
        self.summary()
            .into_iter()
            .map(|(metric, value)| Row {
                metric,
                value,
                definition: definition(metric).unwrap_or_default(),
            })
            .collect()
    }
}

/// What each headline figure measures, as the review page and the draft show it.
pub const DEFINITIONS: &[(&str, &str)] = &[
    (
        "Time to first commander",
        "From the declaration to the first thing the commander of record did after declaring \
         (a note, a decision, an assignment, a handoff). Declaring is not commanding.",
    ),
    (
        "Time to mitigated",
        "From the declaration to the first status of mitigated or later.",
    ),
    (
        "Time to resolved",
        "From the declaration to the first status of resolved or later.",
    ),
    (
        "Time to detect",
        "From the impact start to the declaration: how long customers were affected before \
         anyone declared. Zero when declared before the impact began.",
    ),
    (
        "Impact duration",
        "From the impact start to the impact end, as the commander set them.",
    ),
    (
        "Command handoffs",
        "Changes of command after the declaration: by positive exchange (offered, accepted, \
         confirmed) or assumed from a commander who was not connected.",
    ),
    (
        "Actions assigned",
        "Actions given to someone during the response.",
    ),
    (
        "Median readback latency",
        "The median time from an action's assignment to its first readback.",
    ),
    (
        "Median time to close an action",
        "The median time from an action's assignment to done or cancelled.",
    ),
    (
        "Actions overdue",
        "Actions still open after their time box ran out: closed late, or open at the end.",
    ),
    (
        "Status updates",
        "Status-update notes: on time or late against the cadence set, and updates due but \
         never posted (missed).",
    ),
    (
        "Longest gap between status updates",
        "The longest time between two status updates, or from the declaration to the first.",
    ),
    (
        "Concerns raised",
        "Concerns raised by anyone, at any level.",
    ),
    (
        "Longest wait for a concern's acknowledgement",
        "The longest time from a concern's last raising to the commander's acknowledgement.",
    ),
    (
        "Checklists completed",
        "Checklists whose every item was checked or marked not applicable, of those started.",
    ),
];

/// The definition of a headline figure, by its name.
pub fn definition(metric: &str) -> Option<&'static str> {
    DEFINITIONS
        .iter()
        .find(|(name, _)| *name == metric)
        .map(|(_, text)| *text)
}

fn opt_hms(seconds: Option<i64>) -> String {
    seconds.map_or_else(|| "—".to_owned(), hms)
}

fn median(values: &[i64]) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    Some(sorted[sorted.len() / 2])
}
