//! Shorthands for building commands (and the crew's ids and names) in the domain's test
//! suites, shared by `tests/decide` and `tests/review`.

#![allow(dead_code)]

use warroom_core::*;

/// The participant id of a crew member (or of Eve, who never joins).
pub fn id(who: &str) -> ParticipantId {
    ParticipantId::parse(who).expect("a valid participant id")
}

/// A crew member's display name: their id, capitalised.
pub fn name(who: &str) -> String {
    let mut chars = who.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A complete, non-blank transfer-of-command brief.
pub fn brief() -> HandoffBrief {
    HandoffBrief {
        situation: "SEV2: checkout failing for 20% of users.".into(),
        objectives: "Stop the errors.".into(),
        actions: "Bob is rolling back the deploy.".into(),
        hazards: "The rollback touches the payments schema.".into(),
        communications: "Next update at 09:30 UTC.".into(),
    }
}

pub fn join(name: &str) -> Command {
    Command::Join { name: name.into() }
}

pub fn set_status(status: Status) -> Command {
    Command::SetStatus {
        status,
        occurred_at: None,
        precision: None,
    }
}

pub fn set_summary(text: &str) -> Command {
    Command::SetSummary { text: text.into() }
}

pub fn set_cadence(every_minutes: Option<u32>) -> Command {
    Command::SetCadence { every_minutes }
}

pub fn accept(role: Role) -> Command {
    Command::AcceptRole { role }
}

pub fn decline(role: Role, reason: &str) -> Command {
    Command::DeclineRole {
        role,
        reason: reason.into(),
    }
}

pub fn confirm(role: Role) -> Command {
    Command::ConfirmHandover { role }
}

pub fn cancel_offer(role: Role) -> Command {
    Command::CancelOffer { role }
}

pub fn claim(role: Role) -> Command {
    Command::ClaimRole { role }
}

pub fn assume(role: Role, reason: &str) -> Command {
    Command::AssumeRole {
        role,
        reason: reason.into(),
    }
}

pub fn post(kind: NoteKind, text: &str) -> Command {
    Command::PostNote {
        kind,
        text: text.into(),
        essential: false,
        occurred_at: None,
        precision: None,
    }
}

/// A note marked essential: during a sterile phase it is posted, not held.
pub fn post_essential(kind: NoteKind, text: &str) -> Command {
    Command::PostNote {
        occurred_at: None,
        precision: None,
        kind,
        text: text.into(),
        essential: true,
    }
}

pub fn start_sterile(reason: &str) -> Command {
    Command::StartSterilePhase {
        reason: reason.into(),
    }
}

pub fn end_sterile() -> Command {
    Command::EndSterilePhase
}

pub fn set_span(limit: Option<u32>) -> Command {
    Command::SetSpanOfControl { limit }
}

pub fn retract(note: u32, reason: &str) -> Command {
    Command::RetractNote {
        note: NoteId(note),
        reason: reason.into(),
    }
}

pub fn read_back(action: u32, readback: &str) -> Command {
    Command::ReadBackAction {
        action: ActionId(action),
        readback: readback.into(),
    }
}

pub fn confirm_readback(action: u32) -> Command {
    Command::ConfirmReadback {
        action: ActionId(action),
    }
}

pub fn correct_readback(action: u32, correction: &str) -> Command {
    Command::CorrectReadback {
        action: ActionId(action),
        correction: correction.into(),
    }
}

pub fn complete(action: u32, outcome: &str) -> Command {
    Command::CompleteAction {
        action: ActionId(action),
        outcome: outcome.into(),
    }
}

pub fn cancel_action(action: u32, reason: &str) -> Command {
    Command::CancelAction {
        action: ActionId(action),
        reason: reason.into(),
    }
}

pub fn raise(level: ConcernLevel, text: &str) -> Command {
    Command::RaiseConcern {
        level,
        text: text.into(),
    }
}

pub fn raise_again(concern: u32) -> Command {
    Command::RaiseConcernAgain {
        concern: ConcernId(concern),
    }
}

pub fn acknowledge(concern: u32, response: &str) -> Command {
    Command::AcknowledgeConcern {
        concern: ConcernId(concern),
        response: response.into(),
    }
}

pub fn start_checklist(template: &str) -> Command {
    Command::StartChecklist {
        template: template.into(),
    }
}

pub fn create_checklist(title: &str) -> Command {
    Command::CreateChecklist {
        title: title.into(),
        kind: ChecklistKind::ReadDo,
        pause_point: PausePoint::AdHoc,
    }
}

pub fn add_item(checklist: u32, text: &str, asks_value: Option<&str>) -> Command {
    Command::AddChecklistItem {
        checklist: ChecklistId(checklist),
        text: text.into(),
        killer: false,
        asks_value: asks_value.map(str::to_owned),
    }
}

pub fn check_item(checklist: u32, item: u32, value: Option<&str>) -> Command {
    Command::CheckItem {
        checklist: ChecklistId(checklist),
        item,
        value: value.map(str::to_owned),
    }
}

pub fn uncheck_item(checklist: u32, item: u32) -> Command {
    Command::UncheckItem {
        checklist: ChecklistId(checklist),
        item,
    }
}

pub fn not_applicable(checklist: u32, item: u32, reason: &str) -> Command {
    Command::MarkItemNotApplicable {
        checklist: ChecklistId(checklist),
        item,
        reason: reason.into(),
    }
}
