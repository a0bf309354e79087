//! Folding the checklist events: a checklist started, an item added, checked, unchecked or
//! marked not applicable, and the checklist's completion time kept in step.

use crate::event::{Event, NewItem};
use crate::ids::{ChecklistId, ParticipantId};
use crate::incident::{Checklist, ChecklistItem, Incident, ItemState};
use crate::time::Timestamp;

/// Applies a checklist event; other events are not this module's and change nothing here.
pub(super) fn apply(incident: &mut Incident, event: &Event, actor: &ParticipantId, at: Timestamp) {
    match event {
        Event::ChecklistStarted {
            checklist,
            title,
            template,
            kind,
            pause_point,
            items,
        } => {
            incident.checklists.insert(
                *checklist,
                Checklist {
                    title: title.clone(),
                    template: template.clone(),
                    kind: *kind,
                    pause_point: *pause_point,
                    items: items.iter().map(new_item).collect(),
                    started_by: actor.clone(),
                    started_at: at,
                    completed_at: None,
                },
            );
        }
        Event::ChecklistItemAdded { checklist, item } => {
            if let Some(c) = incident.checklists.get_mut(checklist) {
                c.items.push(new_item(item));
                c.completed_at = None;
            }
        }
        Event::ItemChecked {
            checklist,
            item,
            value,
        } => set_item(
            incident,
            *checklist,
            *item,
            ItemState::Checked {
                by: actor.clone(),
                at,
                value: value.clone(),
            },
            at,
        ),
        Event::ItemUnchecked { checklist, item } => {
            set_item(incident, *checklist, *item, ItemState::Open, at);
        }
        Event::ItemMarkedNotApplicable {
            checklist,
            item,
            reason,
        } => set_item(
            incident,
            *checklist,
            *item,
            ItemState::NotApplicable {
                by: actor.clone(),
                at,
                reason: reason.clone(),
            },
            at,
        ),
        _ => {}
    }
}

fn new_item(item: &NewItem) -> ChecklistItem {
    ChecklistItem {
        text: item.text.clone(),
        killer: item.killer,
        asks_value: item.asks_value.clone(),
        state: ItemState::Open,
    }
}

fn set_item(
    incident: &mut Incident,
    checklist: ChecklistId,
    item: u32,
    state: ItemState,
    at: Timestamp,
) {
    let Some(c) = incident.checklists.get_mut(&checklist) else {
        return;
    };
    let Some(it) = usize::try_from(item).ok().and_then(|i| c.items.get_mut(i)) else {
        return;
    };
    it.state = state;
    c.completed_at = if c.is_complete() {
        c.completed_at.or(Some(at))
    } else {
        None
    };
}
