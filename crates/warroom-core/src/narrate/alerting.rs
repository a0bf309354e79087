//! Alert groups as timeline sentences: each transition once, in the integration's name —
//! "Alertmanager: 200 firing · alertname=HighLatency service=checkout — p99 over 2 s".

use crate::ids::AlertGroupId;
use crate::incident::{AlertChange, AlertGroupState, Incident};

/// A notification that changed a group; `linker` is who linked it here by hand, as a subject.
pub(super) fn updated(
    who: &str,
    state: &AlertGroupState,
    change: AlertChange,
    linker: Option<String>,
) -> String {
    let labels = state.label_line();
    let n = state.firing;
    let what = match change {
        AlertChange::New | AlertChange::Detail if state.is_firing() => {
            format!("{n} firing · {labels}")
        }
        AlertChange::New | AlertChange::Detail | AlertChange::Resolved => {
            format!("resolved · {labels}")
        }
        AlertChange::Firing => format!("firing again, {n} · {labels}"),
        AlertChange::Count { from } => format!("{from} → {n} firing · {labels}"),
        AlertChange::Level { from } => format!(
            "{n} firing · {labels}, now a {} (was a {})",
            state.level.label(),
            from.label()
        ),
    };
    let summary = match &state.summary {
        Some(s) if change.is_transition() && state.is_firing() => format!(" — {s}"),
        _ => String::new(),
    };
    match linker {
        Some(linker) => {
            format!("{linker} linked alert group {labels} here ({who}: {what}{summary})")
        }
        None => format!("{who}: {what}{summary}"),
    }
}

pub(super) fn acknowledged(incident: &Incident, who: &str, group: AlertGroupId) -> String {
    let labels = incident
        .alert_groups
        .get(&group)
        .map_or_else(|| group.to_string(), |g| g.state.label_line());
    format!("{who} acknowledged alert group {labels}")
}
