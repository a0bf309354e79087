//! The rules of command: the positive exchange (offer, accept or decline, confirm, cancel),
//! claiming and releasing vacant roles, and assuming the role of an absent holder.
//!
//! Invariants kept here: exactly one commander at all times; the commander is never also the
//! deputy; a role moves only on a confirmed exchange or an assumption of an absent holder; at
//! most one open offer per role, and an offer dies with its offerer's hold on the role.

use crate::command::Command;
use crate::decide::{Context, body_text};
use crate::event::Event;
use crate::incident::{Incident, Role};
use crate::rejection::{Rejection, conflict, invalid, not_found, not_permitted, presence};

pub(super) fn decide(
    incident: &Incident,
    command: &Command,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, Rejection> {
    match command {
        Command::OfferRole { role, to, brief } => {
            let role = *role;
            require_holder(incident, ctx, role, "hand over")?;
            if to == ctx.actor {
                return Err(invalid("You cannot hand a role to yourself."));
            }
            if !incident.participants.contains_key(to) {
                return Err(not_found("That person has not joined this incident."));
            }
            let name = incident.name_of(to);
            if !ctx.is_present(to) {
                return Err(presence(format!(
                    "{name} is not connected: a role can only be handed to someone who is present."
                )));
            }
            if let Some(offer) = incident.offers.get(&role) {
                return Err(conflict(format!(
                    "{} is already being offered to {}; cancel that offer first.",
                    role.label(),
                    incident.name_of(&offer.to)
                )));
            }
            if role == Role::Deputy && incident.holds(to, Role::Commander) {
                return Err(not_permitted("The commander cannot also be the deputy."));
            }
            let brief = match (role, brief) {
                (Role::Commander, None) => {
                    return Err(invalid(
                        "A command handoff needs a brief: situation, objectives, actions, hazards, communications.",
                    ));
                }
                (Role::Commander, Some(b)) if b.is_blank() => {
                    return Err(invalid("The handoff brief is blank."));
                }
                (_, Some(b)) => {
                    for (heading, text) in b.parts() {
                        if text.chars().count() > crate::incident::MAX_TEXT_CHARS {
                            return Err(invalid(format!(
                                "The brief's \"{heading}\" is longer than {} characters.",
                                crate::incident::MAX_TEXT_CHARS
                            )));
                        }
                    }
                    Some(b.clone())
                }
                (_, None) => None,
            };
            Ok(vec![Event::RoleOffered {
                role,
                to: to.clone(),
                brief,
            }])
        }
        Command::AcceptRole { role } => {
            let offer = open_offer(incident, *role)?;
            if &offer.to != ctx.actor {
                return Err(not_permitted(format!(
                    "This offer of {} is for {}.",
                    role.label(),
                    incident.name_of(&offer.to)
                )));
            }
            if offer.accepted_at.is_some() {
                return Err(conflict(
                    "You have accepted already; waiting for the handover to be confirmed.",
                ));
            }
            if *role == Role::Deputy && incident.holds(ctx.actor, Role::Commander) {
                return Err(not_permitted("The commander cannot also be the deputy."));
            }
            Ok(vec![Event::RoleOfferAccepted { role: *role }])
        }
        Command::DeclineRole { role, reason } => {
            let offer = open_offer(incident, *role)?;
            if &offer.to != ctx.actor {
                return Err(not_permitted(format!(
                    "This offer of {} is for {}.",
                    role.label(),
                    incident.name_of(&offer.to)
                )));
            }
            Ok(vec![Event::RoleOfferDeclined {
                role: *role,
                reason: body_text("The reason", reason)?,
            }])
        }
        Command::ConfirmHandover { role } => {
            let role = *role;
            let offer = open_offer(incident, role)?;
            if &offer.from != ctx.actor {
                return Err(not_permitted(format!(
                    "Only {} can confirm this handover.",
                    incident.name_of(&offer.from)
                )));
            }
            let name = incident.name_of(&offer.to);
            if offer.accepted_at.is_none() {
                return Err(conflict(format!(
                    "{name} has not said \"I have control\" yet."
                )));
            }
            if !ctx.is_present(&offer.to) {
                return Err(presence(format!(
                    "{name} is no longer connected; cancel the offer or wait for them."
                )));
            }
            if role == Role::Deputy && incident.holds(&offer.to, Role::Commander) {
                return Err(not_permitted("The commander cannot also be the deputy."));
            }
            let mut events = Vec::new();
            if role == Role::Commander {
                events.extend(becoming_commander(incident, &offer.to));
            }
            events.push(Event::RoleHandedOver {
                role,
                from: offer.from.clone(),
                to: offer.to.clone(),
            });
            Ok(events)
        }
        Command::CancelOffer { role } => {
            let offer = open_offer(incident, *role)?;
            if &offer.from != ctx.actor {
                return Err(not_permitted(format!(
                    "Only {} can cancel this offer; the recipient declines instead.",
                    incident.name_of(&offer.from)
                )));
            }
            Ok(vec![Event::RoleOfferCancelled {
                role: *role,
                reason: "Cancelled by the offerer.".into(),
            }])
        }
        Command::ClaimRole { role } => {
            let role = *role;
            if role == Role::Commander {
                return Err(not_permitted(
                    "Command is never claimed: it is handed over, or assumed when the commander is not connected.",
                ));
            }
            if let Some(holder) = incident.holder(role) {
                return Err(conflict(if holder == ctx.actor {
                    format!("You are {} already.", role.label())
                } else {
                    format!("{} is held by {}.", role.label(), incident.name_of(holder))
                }));
            }
            if role == Role::Deputy && incident.holds(ctx.actor, Role::Commander) {
                return Err(not_permitted("The commander cannot also be the deputy."));
            }
            Ok(vec![Event::RoleClaimed { role }])
        }
        Command::ReleaseRole { role } => {
            let role = *role;
            if role == Role::Commander {
                return Err(not_permitted(
                    "The commander cannot simply let go of command; hand it over instead.",
                ));
            }
            require_holder(incident, ctx, role, "release")?;
            let mut events = cancel_open_offer(incident, role, "The role was released.");
            events.push(Event::RoleReleased {
                role,
                holder: ctx.actor.clone(),
            });
            Ok(events)
        }
        Command::AssumeRole { role, reason } => {
            let role = *role;
            let reason = body_text("The reason", reason)?;
            let Some(holder) = incident.holder(role) else {
                return Err(conflict(format!(
                    "{} is vacant: claim it instead.",
                    role.label()
                )));
            };
            if holder == ctx.actor {
                return Err(conflict(format!("You are {} already.", role.label())));
            }
            if ctx.is_present(holder) {
                return Err(presence(format!(
                    "{} is connected: ask them to hand over {}.",
                    incident.name_of(holder),
                    role.label()
                )));
            }
            if role == Role::Deputy && incident.holds(ctx.actor, Role::Commander) {
                return Err(not_permitted("The commander cannot also be the deputy."));
            }
            let mut events =
                cancel_open_offer(incident, role, "The role was assumed by someone else.");
            if role == Role::Commander {
                events.extend(becoming_commander(incident, ctx.actor));
            }
            events.push(Event::RoleAssumed {
                role,
                from: Some(holder.clone()),
                reason,
            });
            Ok(events)
        }
        _ => unreachable!("not a role command: {}", command.name()),
    }
}

fn require_holder(
    incident: &Incident,
    ctx: &Context<'_>,
    role: Role,
    verb: &str,
) -> Result<(), Rejection> {
    match incident.holder(role) {
        Some(holder) if holder == ctx.actor => Ok(()),
        Some(holder) => Err(not_permitted(format!(
            "Only the {} can {verb} that role; it is held by {}.",
            role.label().to_lowercase(),
            incident.name_of(holder)
        ))),
        None => Err(conflict(format!(
            "{} is vacant: there is nothing to {verb}.",
            role.label()
        ))),
    }
}

fn open_offer(incident: &Incident, role: Role) -> Result<&crate::incident::Offer, Rejection> {
    incident
        .offers
        .get(&role)
        .ok_or_else(|| not_found(format!("There is no open offer of {}.", role.label())))
}

/// What must go before `who` becomes commander, who can never also be the deputy: their
/// deputy role (and any offer of it they made), or an offer of deputy made to them.
fn becoming_commander(incident: &Incident, who: &crate::ids::ParticipantId) -> Vec<Event> {
    let mut events = Vec::new();
    if incident.holds(who, Role::Deputy) {
        events.extend(cancel_open_offer(
            incident,
            Role::Deputy,
            "The deputy became commander.",
        ));
        events.push(Event::RoleReleased {
            role: Role::Deputy,
            holder: who.clone(),
        });
    } else if incident
        .offers
        .get(&Role::Deputy)
        .is_some_and(|o| &o.to == who)
    {
        events.extend(cancel_open_offer(
            incident,
            Role::Deputy,
            "The commander cannot also be the deputy.",
        ));
    }
    events
}

fn cancel_open_offer(incident: &Incident, role: Role, reason: &str) -> Vec<Event> {
    if incident.offers.contains_key(&role) {
        vec![Event::RoleOfferCancelled {
            role,
            reason: reason.to_owned(),
        }]
    } else {
        Vec::new()
    }
}
