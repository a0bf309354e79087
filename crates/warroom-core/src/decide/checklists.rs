//! Rules for checklists: anyone who joined may start one (from a template or ad hoc), add
//! items, check, uncheck and mark items not applicable. Every step is attributed and timed; an
//! item that asks for an observed value cannot be ticked without one, and not-applicable
//! always needs a reason. A template item with an effect does what it says: checking "Status-
//! update cadence set" with "15 min" sets the cadence to 15 minutes (by whoever may set it).

use crate::command::Command;
use crate::decide::{Context, body_text, title_text};
use crate::event::{Event, NewItem};
use crate::ids::ChecklistId;
use crate::incident::{Checklist, ChecklistItem, Incident, ItemState, Role};
use crate::rejection::{Rejection, conflict, invalid, not_found, not_permitted};
use crate::templates::{ItemEffect, TEMPLATES, item_effect, parse_minutes, template};

pub(super) fn decide(
    incident: &Incident,
    command: &Command,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, Rejection> {
    let next_id = || {
        ChecklistId(
            incident
                .checklists
                .last_key_value()
                .map_or(1, |(id, _)| id.0 + 1),
        )
    };
    match command {
        Command::StartChecklist { template: id } => {
            let Some(t) = template(id) else {
                let known: Vec<&str> = TEMPLATES.iter().map(|t| t.id).collect();
                return Err(not_found(format!(
                    "There is no checklist template \"{id}\"; the templates are: {}.",
                    known.join(", ")
                )));
            };
            Ok(vec![Event::ChecklistStarted {
                checklist: next_id(),
                title: t.title.to_owned(),
                template: Some(t.id.to_owned()),
                kind: t.kind,
                pause_point: t.pause_point,
                items: t
                    .items
                    .iter()
                    .map(|i| NewItem {
                        text: i.text.to_owned(),
                        killer: i.killer,
                        asks_value: i.asks_value.map(str::to_owned),
                    })
                    .collect(),
            }])
        }
        Command::CreateChecklist {
            title,
            kind,
            pause_point,
        } => Ok(vec![Event::ChecklistStarted {
            checklist: next_id(),
            title: title_text("The checklist title", title)?,
            template: None,
            kind: *kind,
            pause_point: *pause_point,
            items: Vec::new(),
        }]),
        Command::AddChecklistItem {
            checklist,
            text,
            killer,
            asks_value,
        } => {
            checklist_in(incident, *checklist)?;
            let asks_value = asks_value
                .as_deref()
                .map(|p| title_text("The value prompt", p))
                .transpose()?;
            Ok(vec![Event::ChecklistItemAdded {
                checklist: *checklist,
                item: NewItem {
                    text: title_text("The item", text)?,
                    killer: *killer,
                    asks_value,
                },
            }])
        }
        Command::CheckItem {
            checklist,
            item,
            value,
        } => {
            let it = open_item(incident, *checklist, *item)?;
            let value = match (&it.asks_value, value) {
                (Some(prompt), None) => {
                    return Err(invalid(format!(
                        "This item asks for an observed value: {prompt}."
                    )));
                }
                (Some(_), Some(v)) => Some(body_text("The observed value", v)?),
                (None, Some(_)) => {
                    return Err(invalid("This item is a tick; it takes no value."));
                }
                (None, None) => None,
            };
            // An item that says it sets the cadence does: its value is the cadence.
            let effect = checklist_in(incident, *checklist)
                .ok()
                .and_then(|c| item_effect(c.template.as_deref(), *item, &it.text));
            let mut events = Vec::new();
            if let (Some(ItemEffect::SetsCadence), Some(v)) = (effect, &value) {
                events.extend(cadence_from(incident, ctx, v)?);
            }
            events.insert(
                0,
                Event::ItemChecked {
                    checklist: *checklist,
                    item: *item,
                    value,
                },
            );
            Ok(events)
        }
        Command::UncheckItem { checklist, item } => {
            let it = item_in(incident, *checklist, *item)?;
            if it.is_open() {
                return Err(conflict("That item is not checked."));
            }
            Ok(vec![Event::ItemUnchecked {
                checklist: *checklist,
                item: *item,
            }])
        }
        Command::MarkItemNotApplicable {
            checklist,
            item,
            reason,
        } => {
            open_item(incident, *checklist, *item)?;
            Ok(vec![Event::ItemMarkedNotApplicable {
                checklist: *checklist,
                item: *item,
                reason: body_text("The reason", reason)?,
            }])
        }
        _ => unreachable!("not a checklist command: {}", command.name()),
    }
}

/// What checking a cadence item with `value` does to the cadence: sets it, unless it is that
/// already. Setting it is for the commander or communications, as `set_cadence` is.
fn cadence_from(
    incident: &Incident,
    ctx: &Context<'_>,
    value: &str,
) -> Result<Option<Event>, Rejection> {
    let minutes = parse_minutes(value)
        .filter(|m| (1..=240).contains(m))
        .ok_or_else(|| {
            invalid(
                "This item sets the status-update cadence: give it in minutes between 1 and 240, such as \"15\" or \"15 min\".",
            )
        })?;
    if incident.cadence.as_ref().map(|c| c.every_minutes) == Some(minutes) {
        return Ok(None);
    }
    if !incident.holds(ctx.actor, Role::Commander)
        && !incident.holds(ctx.actor, Role::Communications)
    {
        return Err(not_permitted(
            "Checking this item sets the status-update cadence, which the commander or communications sets.",
        ));
    }
    Ok(Some(Event::CadenceSet {
        every_minutes: Some(minutes),
    }))
}

fn checklist_in(incident: &Incident, id: ChecklistId) -> Result<&Checklist, Rejection> {
    incident
        .checklists
        .get(&id)
        .ok_or_else(|| not_found(format!("There is no checklist {id}.")))
}

fn item_in(incident: &Incident, id: ChecklistId, item: u32) -> Result<&ChecklistItem, Rejection> {
    let checklist = checklist_in(incident, id)?;
    usize::try_from(item)
        .ok()
        .and_then(|i| checklist.items.get(i))
        .ok_or_else(|| {
            not_found(format!(
                "Checklist {id} has no item {}.",
                u64::from(item) + 1
            ))
        })
}

fn open_item(incident: &Incident, id: ChecklistId, item: u32) -> Result<&ChecklistItem, Rejection> {
    let it = item_in(incident, id, item)?;
    match &it.state {
        ItemState::Open => Ok(it),
        ItemState::Checked { by, .. } => Err(conflict(format!(
            "That item was checked by {} already.",
            incident.name_of(by)
        ))),
        ItemState::NotApplicable { by, .. } => Err(conflict(format!(
            "That item was marked not applicable by {}.",
            incident.name_of(by)
        ))),
    }
}
