//! Alert groups from monitoring on the annunciator: **one line per group**, however many
//! alerts it holds — "200 firing · alertname=HighLatency service=checkout" — in the tier its
//! level maps to. A resolved group is dark, and so is an acknowledged one until it changes.
//!
//! The key names the group and what an acknowledgement holds against (level and firing
//! count), so a viewer's own silencing of the line also ends when the group changes.

use super::{Alert, Tier};
use crate::incident::{AlertLevel, Incident};

/// The lit groups' lines, most alerts firing first within a level.
pub fn lines(incident: &Incident) -> Vec<Alert> {
    let mut lit: Vec<_> = incident
        .alert_groups
        .iter()
        .filter(|(_, g)| !g.is_dark())
        .collect();
    lit.sort_by_key(|(id, g)| (g.state.level, std::cmp::Reverse(g.state.firing), **id));
    lit.into_iter()
        .map(|(id, g)| {
            let s = &g.state;
            Alert {
                tier: tier(s.level),
                key: format!("alert-group:{id}:{}:{}", s.level.label(), s.firing),
                title: format!("{} firing · {}", s.firing, s.label_line()),
                detail: s
                    .summary
                    .clone()
                    .unwrap_or_else(|| format!("Alert group from {} ({}).", s.receiver, s.key)),
            }
        })
        .collect()
}

/// The annunciator tier of an alert level.
pub fn tier(level: AlertLevel) -> Tier {
    match level {
        AlertLevel::Warning => Tier::Warning,
        AlertLevel::Caution => Tier::Caution,
        AlertLevel::Advisory => Tier::Advisory,
    }
}
