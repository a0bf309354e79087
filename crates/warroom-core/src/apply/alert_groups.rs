//! Folds the alert-group events: a notification replaces the group's state (and lights an
//! acknowledged group again when its firing count, level or status changed); an
//! acknowledgement darkens it.

use crate::event::Event;
use crate::ids::ParticipantId;
use crate::incident::{AlertAck, AlertGroup, Incident};
use crate::time::Timestamp;

pub(super) fn apply(incident: &mut Incident, event: &Event, actor: &ParticipantId, at: Timestamp) {
    match event {
        Event::AlertGroupUpdated {
            group,
            state,
            linked_by,
            ..
        } => {
            let entry = incident
                .alert_groups
                .entry(*group)
                .or_insert_with(|| AlertGroup {
                    state: state.clone(),
                    first_seen: at,
                    updated_at: at,
                    linked_by: linked_by.clone(),
                    acknowledged: None,
                });
            if entry.state.standing() != state.standing() {
                entry.acknowledged = None;
            }
            entry.state = state.clone();
            entry.updated_at = at;
        }
        Event::AlertGroupAcknowledged { group } => {
            if let Some(g) = incident.alert_groups.get_mut(group) {
                g.acknowledged = Some(AlertAck {
                    by: actor.clone(),
                    at,
                });
            }
        }
        _ => {}
    }
}
