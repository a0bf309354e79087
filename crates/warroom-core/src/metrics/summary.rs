//! The headline figures of [`Metrics`]: the rows of the postmortem draft's metrics table and
//! of the review page.

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
