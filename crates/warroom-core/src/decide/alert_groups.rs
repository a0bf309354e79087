//! The rules of alert groups: what monitoring may record on a board, and acknowledging a group.
//!
//! Only an integration records a group (its participant id starts `integration-`, which no
//! session ever issues, so no person can), within the bounds of
//! [`crate::incident::MAX_ALERT_GROUPS`] and the label limits; a notification that changes
//! nothing records nothing, so Alertmanager's repeats do not flood the log. A group linked
//! by hand names the commander who linked it. Anyone who has joined acknowledges a lit group.

use super::Context;
use crate::command::Command;
use crate::event::Event;
use crate::ids::AlertGroupId;
use crate::incident::{
    AlertChange, AlertGroupState, Incident, MAX_ALERT_GROUPS, MAX_GROUP_KEY_CHARS,
    MAX_GROUP_LABELS, MAX_LABEL_CHARS, Role,
};
use crate::rejection::{Rejection, conflict, invalid, not_permitted};

pub(super) fn decide(
    incident: &Incident,
    command: &Command,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, Rejection> {
    match command {
        Command::RecordAlertGroup { group, linked_by } => {
            if !ctx.actor.is_integration() {
                return Err(not_permitted(
                    "Alert groups are recorded by an integration, not by a person.",
                ));
            }
            check_bounds(group)?;
            let existing = incident.alert_group(&group.key);
            if let Some(by) = linked_by {
                if !incident.holds(by, Role::Commander) {
                    return Err(not_permitted(
                        "Only the commander links an alert group to the incident.",
                    ));
                }
                if existing.is_some() {
                    return Err(conflict("This alert group is on the board already."));
                }
            }
            let id = match existing {
                Some((id, _)) => id,
                None if incident.alert_groups.len() >= MAX_ALERT_GROUPS => {
                    return Err(conflict(format!(
                        "This incident holds {MAX_ALERT_GROUPS} alert groups, the most it can."
                    )));
                }
                None => AlertGroupId(
                    incident
                        .alert_groups
                        .keys()
                        .next_back()
                        .map_or(1, |last| last.0 + 1),
                ),
            };
            let Some(change) = AlertChange::between(existing.map(|(_, g)| &g.state), group) else {
                return Ok(Vec::new());
            };
            Ok(vec![Event::AlertGroupUpdated {
                group: id,
                state: group.clone(),
                change,
                linked_by: linked_by.clone(),
            }])
        }
        Command::AcknowledgeAlertGroup { group } => {
            let Some(g) = incident.alert_groups.get(group) else {
                return Err(invalid(format!("There is no alert group {group}.")));
            };
            if !g.state.is_firing() {
                return Err(conflict(
                    "This alert group has resolved; nothing to acknowledge.",
                ));
            }
            if g.acknowledged.is_some() {
                return Err(conflict(
                    "This alert group is acknowledged already, until it changes.",
                ));
            }
            Ok(vec![Event::AlertGroupAcknowledged { group: *group }])
        }
        _ => unreachable!("not an alert-group command: {}", command.name()),
    }
}

/// The receiver cuts a notification to these bounds before it sends it; anything else
/// sending a group beyond them is refused.
fn check_bounds(group: &AlertGroupState) -> Result<(), Rejection> {
    let too_long = |s: &str| s.chars().count() > MAX_LABEL_CHARS;
    if group.key.is_empty() || group.key.chars().count() > MAX_GROUP_KEY_CHARS {
        return Err(invalid(format!(
            "A group key is 1 to {MAX_GROUP_KEY_CHARS} characters long."
        )));
    }
    if group.labels.len() > MAX_GROUP_LABELS {
        return Err(invalid(format!(
            "A group keeps at most {MAX_GROUP_LABELS} labels."
        )));
    }
    if too_long(&group.receiver)
        || group.summary.as_deref().is_some_and(too_long)
        || group.labels.iter().any(|(k, v)| too_long(k) || too_long(v))
    {
        return Err(invalid(format!(
            "A label, receiver or summary is at most {MAX_LABEL_CHARS} characters long."
        )));
    }
    Ok(())
}
