//! Rules for who may see an incident: only the commander restricts it, adds and removes
//! members, and makes or revokes links; a link lasts between one hour and a week; an
//! invitation makes its opener a member only while it is unexpired and unrevoked. Nobody is
//! removed who holds a role (hand it over first), and the commander is never removed.

use chrono::Duration;

use crate::command::Command;
use crate::decide::{Context, require_commander};
use crate::event::Event;
use crate::incident::{Incident, LinkKind, MAX_LINK_HOURS, MAX_LINKS};
use crate::rejection::{Rejection, conflict, invalid, not_found, not_permitted};

/// `accept_invitation`, decided before the rule that the actor must have joined: a person
/// invited to a restricted incident cannot join it until the invitation makes them a member.
pub(super) fn accept_invitation(
    incident: &Incident,
    command: &Command,
    ctx: &Context<'_>,
) -> Option<Result<Vec<Event>, Rejection>> {
    let Command::AcceptInvitation { link } = command else {
        return None;
    };
    let access = &incident.access;
    Some(
        if !access.restricted || access.members.contains(ctx.actor) {
            Err(conflict("You can see this incident already."))
        } else if !access.usable(*link, LinkKind::Invite, ctx.at) {
            Err(not_permitted(
                "This invitation has expired or was revoked; ask the commander for a new one.",
            ))
        } else {
            Ok(vec![Event::MemberAdded {
                participant: ctx.actor.clone(),
                link: Some(*link),
            }])
        },
    )
}

pub(super) fn decide(
    incident: &Incident,
    command: &Command,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, Rejection> {
    let access = &incident.access;
    match command {
        Command::Restrict => {
            require_commander(incident, ctx, "restrict the incident")?;
            if access.restricted {
                return Err(conflict("The incident is restricted already."));
            }
            Ok(vec![Event::IncidentRestricted {
                members: incident.participants.keys().cloned().collect(),
            }])
        }
        Command::AddMember { participant } => {
            require_commander(incident, ctx, "add members")?;
            if !access.restricted {
                return Err(invalid(
                    "Everyone signed in sees this incident: it is not restricted.",
                ));
            }
            if access.members.contains(participant) {
                return Err(conflict(format!(
                    "{} is a member already.",
                    incident.name_of(participant)
                )));
            }
            Ok(vec![Event::MemberAdded {
                participant: participant.clone(),
                link: None,
            }])
        }
        Command::RemoveMember { participant } => {
            require_commander(incident, ctx, "remove members")?;
            if !access.members.contains(participant) {
                return Err(not_found(format!(
                    "{} is not a member.",
                    incident.name_of(participant)
                )));
            }
            if !incident.roles_of(participant).is_empty() {
                return Err(not_permitted(format!(
                    "{} holds a role: hand it over before removing them.",
                    incident.name_of(participant)
                )));
            }
            Ok(vec![Event::MemberRemoved {
                participant: participant.clone(),
            }])
        }
        Command::CreateLink { kind, hours } => {
            require_commander(incident, ctx, "make links to the incident")?;
            if *kind == LinkKind::Invite && !access.restricted {
                return Err(invalid(
                    "Everyone signed in sees this incident: share its address instead of an \
                     invitation.",
                ));
            }
            if access.links.len() >= MAX_LINKS {
                return Err(not_permitted(format!(
                    "An incident has at most {MAX_LINKS} links; this one has them all."
                )));
            }
            if !(1..=MAX_LINK_HOURS).contains(hours) {
                return Err(invalid(format!(
                    "A link lasts from 1 to {MAX_LINK_HOURS} hours."
                )));
            }
            Ok(vec![Event::LinkCreated {
                link: access.next_link(),
                kind: *kind,
                expires_at: ctx.at + Duration::hours(i64::from(*hours)),
            }])
        }
        Command::RevokeLink { link } => {
            require_commander(incident, ctx, "revoke links")?;
            match access.links.get(link) {
                None => Err(not_found(format!("There is no link {link}."))),
                Some(l) if l.revoked => Err(conflict(format!("Link {link} is revoked already."))),
                Some(_) => Ok(vec![Event::LinkRevoked { link: *link }]),
            }
        }
        _ => unreachable!("only access commands come here"),
    }
}
