//! Aiming a generated step the way a person acts on what they see: an answer goes to an open
//! offer, an offer or release to a held role, an amendment to a note that exists, and the
//! command comes from whoever it naturally comes from. Without this most generated commands
//! would be refused and the properties would never get past the first offer.
//!
//! Shared with the `review` suite, which plays the same generated incidents.

use std::collections::BTreeMap;

use warroom_core::{Command, ParticipantId, Role, State, Status};

use warroom_core::ids::integration_id;

use super::generate::{ALERTMANAGER, POOL, Step, pid};

/// Who sends the step's command, and the command as sent. A natural step is pointed at
/// something that exists, the way a person acts on what they see: an answer goes to an open
/// offer, an offer or release to a held role, and the sender is whoever the command naturally
/// comes from, or else someone who has joined.
pub fn aim(state: &State, step: &Step) -> (ParticipantId, Command) {
    let fallback = pid(POOL[step.actor]);
    let Some(i) = state.as_ref().filter(|_| step.natural) else {
        return (fallback, step.command.clone());
    };
    let pick = |roles: Vec<Role>| roles.get(step.actor % roles.len().max(1)).copied();
    let open: Vec<Role> = i.offers.keys().copied().collect();
    let held: Vec<Role> = Role::ALL
        .into_iter()
        .filter(|r| i.holder(*r).is_some())
        .collect();
    let mut command = step.command.clone();
    match &mut command {
        Command::AcceptRole { role }
        | Command::DeclineRole { role, .. }
        | Command::ConfirmHandover { role }
        | Command::CancelOffer { role }
            if !i.offers.contains_key(role) =>
        {
            *role = pick(open).unwrap_or(*role);
        }
        Command::OfferRole { role, .. } if i.holder(*role).is_none() => {
            *role = pick(held).unwrap_or(*role);
        }
        Command::AssumeRole { role, .. } if i.holder(*role).is_none() => {
            *role = pick(held.clone()).unwrap_or(*role);
        }
        Command::ClaimRole { role } if i.holder(*role).is_some() => {
            let vacant = Role::ALL
                .into_iter()
                .filter(|r| i.holder(*r).is_none())
                .collect();
            *role = pick(vacant).unwrap_or(*role);
        }
        Command::ReleaseRole { role } if i.holder(*role).is_none() => {
            let releasable = held.into_iter().filter(|r| *r != Role::Commander).collect();
            *role = pick(releasable).unwrap_or(*role);
        }
        // Closing takes two steps: resolve first.
        Command::SetStatus { status, .. }
            if *status == Status::Closed && i.status != Status::Resolved =>
        {
            *status = Status::Resolved;
        }
        Command::AmendNote { note, .. }
        | Command::RetractNote { note, .. }
        | Command::PinNote { note, .. } => retarget(note, &i.notes),
        Command::ReadBackAction { action, .. }
        | Command::ConfirmReadback { action }
        | Command::CorrectReadback { action, .. }
        | Command::CompleteAction { action, .. }
        | Command::CancelAction { action, .. } => retarget(action, &i.actions),
        Command::RaiseConcernAgain { concern } | Command::AcknowledgeConcern { concern, .. } => {
            retarget(concern, &i.concerns);
        }
        Command::AddChecklistItem { checklist, .. } => {
            retarget(checklist, &i.checklists);
        }
        Command::RevokeLink { link } | Command::AcceptInvitation { link } => {
            retarget(link, &i.access.links);
        }
        Command::AcknowledgeAlertGroup { group } => retarget(group, &i.alert_groups),
        Command::CheckItem {
            checklist, item, ..
        }
        | Command::UncheckItem { checklist, item }
        | Command::MarkItemNotApplicable {
            checklist, item, ..
        } => {
            retarget(checklist, &i.checklists);
            if let Some(c) = i.checklists.get(checklist).filter(|c| !c.items.is_empty()) {
                *item %= u32::try_from(c.items.len()).unwrap();
            }
        }
        _ => {}
    }
    let joined: Vec<&ParticipantId> = i.participants.keys().collect();
    let actor =
        natural_actor(state, &command).unwrap_or_else(|| joined[step.actor % joined.len()].clone());
    if let Command::OfferRole { to, .. } = &mut command {
        let others: Vec<&ParticipantId> = joined.iter().copied().filter(|p| **p != actor).collect();
        if (*to == actor || !i.participants.contains_key(to)) && !others.is_empty() {
            *to = others[step.actor % others.len()].clone();
        }
    }
    (actor, command)
}

/// Points `id` at the newest of `existing` unless it names one already: people act on what
/// they have just seen.
fn retarget<K: Copy + Ord, V>(id: &mut K, existing: &BTreeMap<K, V>) {
    if !existing.contains_key(id)
        && let Some((newest, _)) = existing.last_key_value()
    {
        *id = *newest;
    }
}

/// The person a command naturally comes from in this state, if there is one.
fn natural_actor(state: &State, command: &Command) -> Option<ParticipantId> {
    let i = state.as_ref()?;
    let commander = || Some(i.commander.holder.clone());
    match command {
        Command::SetSeverity { .. }
        | Command::SetStatus { .. }
        | Command::AssignAction { .. }
        | Command::AcknowledgeConcern { .. }
        | Command::Restrict
        | Command::AddMember { .. }
        | Command::RemoveMember { .. }
        | Command::CreateLink { .. }
        | Command::RevokeLink { .. }
        | Command::StartSterilePhase { .. }
        | Command::EndSterilePhase
        | Command::SetSpanOfControl { .. }
        | Command::SetTitle { .. }
        | Command::SetImpact { .. } => commander(),
        // Someone who joined but may not see the restricted incident (the server would not let
        // them join; the rules alone do).
        Command::AcceptInvitation { .. } => i
            .participants
            .keys()
            .find(|p| !i.access.members.contains(*p))
            .cloned(),
        Command::SetSummary { .. } | Command::SetCadence { .. } => {
            i.holder(Role::Communications).cloned().or_else(commander)
        }
        Command::OfferRole { role, .. } | Command::ReleaseRole { role } => i.holder(*role).cloned(),
        Command::AcceptRole { role } | Command::DeclineRole { role, .. } => {
            i.offers.get(role).map(|o| o.to.clone())
        }
        Command::ConfirmHandover { role } | Command::CancelOffer { role } => {
            i.offers.get(role).map(|o| o.from.clone())
        }
        Command::AmendNote { note, .. } | Command::RetractNote { note, .. } => {
            i.notes.get(note).map(|n| n.author.clone())
        }
        Command::ReadBackAction { action, .. } | Command::CompleteAction { action, .. } => {
            i.actions.get(action).map(|a| a.assignee.clone())
        }
        Command::ConfirmReadback { action }
        | Command::CorrectReadback { action, .. }
        | Command::CancelAction { action, .. } => i.actions.get(action).map(|a| a.assigner.clone()),
        Command::StartScenario { .. } => i
            .participants
            .keys()
            .find(|p| i.roles_of(p).is_empty())
            .cloned(),
        Command::PauseScenario
        | Command::ResumeScenario
        | Command::EndScenario
        | Command::FireInject { .. } => i.scenario.as_ref().map(|r| r.facilitator.clone()),
        // Monitoring: the integration joins and records alert groups.
        Command::RecordAlertGroup { .. } => Some(integration_id("alertmanager")),
        Command::Join { name } if name == ALERTMANAGER => Some(integration_id("alertmanager")),
        _ => None,
    }
}
