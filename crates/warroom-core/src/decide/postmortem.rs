//! Rules for the postmortem's data: the title, the impact window and statement, follow-ups.
//!
//! | command | who may | refused when |
//! | --- | --- | --- |
//! | set title | the commander | empty or over 200 characters; unchanged |
//! | set impact | the commander | a time in the future, before 2000, or over 30 days before the declaration's time (as given); end before start; statement empty or over 4,000 characters |
//! | add follow-up | anyone who has joined | text empty or over 500; owner not a participant or an empty name; link not http(s) or over 2,048; already 100 |
//! | update follow-up | anyone who has joined | no such follow-up; nothing would change; the same checks |
//!
//! These four are **allowed after the incident is closed** ([`after_close`]): a postmortem is
//! written once the response is over. They are events like any other, so the record stays
//! append-only; everything else is refused on a closed incident.

use crate::command::Command;
use crate::decide::occurred::{Floor, within};
use crate::decide::{Context, body_text, bounded, require_commander, title_text};
use crate::event::Event;
use crate::ids::FollowUpId;
use crate::incident::{
    Incident, MAX_FOLLOW_UP_CHARS, MAX_FOLLOW_UP_LINK_CHARS, MAX_FOLLOW_UPS, Owner,
};
use crate::rejection::{Rejection, conflict, invalid, not_found};

/// Whether `command` may be sent to a closed incident: exactly the postmortem's own.
pub fn after_close(command: &Command) -> bool {
    matches!(
        command,
        Command::SetTitle { .. }
            | Command::SetImpact { .. }
            | Command::AddFollowUp { .. }
            | Command::UpdateFollowUp { .. }
    )
}

pub(super) fn decide(
    incident: &Incident,
    command: &Command,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, Rejection> {
    match command {
        Command::SetTitle { title } => {
            require_commander(incident, ctx, "rename the incident")?;
            let to = title_text("The title", title)?;
            if to == incident.title {
                return Err(invalid("That is the title already."));
            }
            Ok(vec![Event::TitleChanged {
                from: incident.title.clone(),
                to,
            }])
        }
        Command::SetImpact {
            start,
            end,
            statement,
        } => {
            require_commander(incident, ctx, "set the impact")?;
            let floor = Floor::before(
                incident.started_at(),
                "days before the incident was declared (its declared start)",
            );
            within("The impact start", *start, floor, ctx)?;
            if let Some(end) = end {
                within("The impact end", *end, floor, ctx)?;
                if end < start {
                    return Err(invalid("The impact cannot end before it starts."));
                }
            }
            let statement = statement
                .as_deref()
                .map(|s| body_text("The impact statement", s))
                .transpose()?;
            Ok(vec![Event::ImpactSet {
                start: *start,
                end: *end,
                statement,
            }])
        }
        Command::AddFollowUp {
            text,
            owner,
            due,
            link,
        } => {
            if incident.postmortem.follow_ups.len() >= MAX_FOLLOW_UPS {
                return Err(conflict(format!(
                    "An incident has at most {MAX_FOLLOW_UPS} follow-ups."
                )));
            }
            let follow_up = incident
                .postmortem
                .follow_ups
                .last_key_value()
                .map_or(FollowUpId(1), |(id, _)| FollowUpId(id.0 + 1));
            Ok(vec![Event::FollowUpAdded {
                follow_up,
                text: bounded("A follow-up", text, MAX_FOLLOW_UP_CHARS)?,
                owner: owner_of(incident, owner)?,
                due: *due,
                link: link.as_deref().map(checked_link).transpose()?,
            }])
        }
        Command::UpdateFollowUp {
            follow_up,
            text,
            owner,
            due,
            link,
            state,
        } => {
            let current = incident
                .postmortem
                .follow_ups
                .get(follow_up)
                .ok_or_else(|| not_found(format!("There is no follow-up {follow_up}.")))?;
            let text = text
                .as_deref()
                .map(|t| bounded("A follow-up", t, MAX_FOLLOW_UP_CHARS))
                .transpose()?
                .filter(|t| *t != current.text);
            let owner = owner
                .as_ref()
                .map(|o| owner_of(incident, o))
                .transpose()?
                .filter(|o| *o != current.owner);
            let due = due.filter(|d| current.due != Some(*d));
            let link = link
                .as_deref()
                .map(checked_link)
                .transpose()?
                .filter(|l| current.link.as_ref() != Some(l));
            let state = state.filter(|s| *s != current.state);
            if text.is_none()
                && owner.is_none()
                && due.is_none()
                && link.is_none()
                && state.is_none()
            {
                return Err(invalid("That changes nothing about the follow-up."));
            }
            Ok(vec![Event::FollowUpUpdated {
                follow_up: *follow_up,
                text,
                owner,
                due,
                link,
                state,
            }])
        }
        _ => unreachable!("not a postmortem command: {}", command.name()),
    }
}

/// An owner as the rules accept it: a participant of the incident, or a name.
fn owner_of(incident: &Incident, owner: &Owner) -> Result<Owner, Rejection> {
    match owner {
        Owner::Participant(p) if incident.participants.contains_key(p) => Ok(owner.clone()),
        Owner::Participant(p) => Err(not_found(format!(
            "{p} has not joined this incident; name the owner instead."
        ))),
        Owner::Name(name) => Ok(Owner::Name(title_text("The owner's name", name)?)),
    }
}

/// A link to the tracker: `http://` or `https://` with a host, no spaces or control
/// characters, at most [`MAX_FOLLOW_UP_LINK_CHARS`].
fn checked_link(raw: &str) -> Result<String, Rejection> {
    let link = raw.trim();
    let chars = link.chars().count();
    if chars > MAX_FOLLOW_UP_LINK_CHARS {
        return Err(invalid(format!(
            "The link is {chars} characters long; the limit is {MAX_FOLLOW_UP_LINK_CHARS}."
        )));
    }
    let rest = link
        .strip_prefix("https://")
        .or_else(|| link.strip_prefix("http://"));
    let host = rest.map(|r| r.split(['/', '?', '#']).next().unwrap_or(""));
    match host {
        Some(host)
            if !host.is_empty()
                && !host.contains('@')
                && !link.chars().any(|c| c.is_whitespace() || c.is_control()) =>
        {
            Ok(link.to_owned())
        }
        _ => Err(invalid(
            "A link must be an http:// or https:// address with a host and no spaces.",
        )),
    }
}
