//! Rules for notes on the timeline: anyone who joined may post and pin; only the author amends;
//! the author or the commander retracts. Nothing is ever deleted: amendments keep the earlier
//! text and retracted notes stay, struck out. During a sterile phase a note that is not
//! essential is accepted and recorded but held back (`Incident::holds_back` says which), and
//! cannot be pinned until it is released.

use crate::command::Command;
use crate::decide::{Context, body_text};
use crate::event::Event;
use crate::ids::NoteId;
use crate::incident::{Incident, Note, Role};
use crate::rejection::{Rejection, conflict, invalid, not_found, not_permitted};

pub(super) fn decide(
    incident: &Incident,
    command: &Command,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, Rejection> {
    match command {
        Command::PostNote {
            kind,
            text,
            essential,
            ..
        } => {
            let note = NoteId(
                incident
                    .notes
                    .last_key_value()
                    .map_or(1, |(id, _)| id.0 + 1),
            );
            Ok(vec![Event::NotePosted {
                note,
                kind: *kind,
                text: body_text("A note", text)?,
                held: incident.holds_back(ctx.actor, *kind, *essential),
            }])
        }
        Command::AmendNote { note, text } => {
            let existing = live_note(incident, *note)?;
            if &existing.author != ctx.actor {
                return Err(not_permitted(
                    "Only the author can amend a note; post a new one instead.",
                ));
            }
            let text = body_text("The amended note", text)?;
            if text == existing.text {
                return Err(invalid("The amendment is the same as the note."));
            }
            Ok(vec![Event::NoteAmended { note: *note, text }])
        }
        Command::RetractNote { note, reason } => {
            let existing = live_note(incident, *note)?;
            if &existing.author != ctx.actor && !incident.holds(ctx.actor, Role::Commander) {
                return Err(not_permitted(
                    "Only the author or the commander can retract a note.",
                ));
            }
            let reason = body_text("The reason", reason)?;
            let mut events = Vec::new();
            if existing.pinned {
                // A retracted note leaves the key-events strip.
                events.push(Event::NotePinned {
                    note: *note,
                    pinned: false,
                });
            }
            events.push(Event::NoteRetracted {
                note: *note,
                reason,
            });
            Ok(events)
        }
        Command::PinNote { note, pinned } => {
            let existing = live_note(incident, *note)?;
            if existing.is_queued() {
                return Err(conflict(
                    "That note is queued until the sterile phase ends; pin it once it is on the timeline.",
                ));
            }
            if existing.pinned == *pinned {
                return Err(conflict(if *pinned {
                    "That note is pinned already."
                } else {
                    "That note is not pinned."
                }));
            }
            Ok(vec![Event::NotePinned {
                note: *note,
                pinned: *pinned,
            }])
        }
        _ => unreachable!("not a timeline command: {}", command.name()),
    }
}

/// The note `id`, if it exists and has not been retracted.
fn live_note(incident: &Incident, id: NoteId) -> Result<&Note, Rejection> {
    let note = incident
        .notes
        .get(&id)
        .ok_or_else(|| not_found(format!("There is no note {id}.")))?;
    if note.retracted.is_some() {
        return Err(conflict("That note has been retracted."));
    }
    Ok(note)
}
