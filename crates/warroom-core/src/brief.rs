//! The transfer-of-command briefing, after the ICS-201 form: what an incoming commander must
//! hear before saying "I have control".
//!
//! The brief itself is part of the board ([`HandoffBrief`], defined with the crew in
//! `incident`); this read model only drafts it. [`draft_brief`] writes a first draft from the
//! board so that the outgoing commander only has to review and correct it, not compose it from
//! memory at 3 a.m.

use std::fmt::Write as _;

pub use crate::incident::HandoffBrief;
use crate::incident::{ActionState, Incident, Status};
use crate::time::Timestamp;

/// Drafts a handoff brief from the board as it stands at `now`.
pub fn draft_brief(incident: &Incident, now: Timestamp) -> HandoffBrief {
    let mut situation = format!(
        "{} {} — {}.",
        incident.severity.label(),
        incident.status.label(),
        incident.title
    );
    if !incident.summary.trim().is_empty() {
        let _ = write!(situation, " {}", incident.summary.trim());
    }

    let mut objectives = String::new();
    if incident.status.is_active() && incident.mitigating_actions().next().is_none() {
        objectives.push_str("Nobody is mitigating: start a mitigation. ");
    }
    objectives.push_str(match incident.status {
        Status::Investigating => "Find the cause and stop the impact.",
        Status::Identified => "Mitigate the identified cause.",
        Status::Mitigated => "Confirm the mitigation holds; work towards resolution.",
        Status::Resolved | Status::Closed => "Confirm all clear and close out.",
    });

    let mut actions = String::new();
    for action in incident.actions.values().filter(|a| a.state.is_open()) {
        let _ = write!(
            actions,
            "- [{}] {} — {}",
            action.lane.label(),
            action.text,
            incident.name_of(&action.assignee)
        );
        match action.state {
            ActionState::AwaitingReadback => actions.push_str(" (awaiting readback)"),
            ActionState::ReadBack => actions.push_str(" (readback to confirm)"),
            _ => {}
        }
        if action.is_overdue(now) {
            actions.push_str(" (OVERDUE)");
        }
        actions.push('\n');
    }
    if actions.is_empty() {
        actions.push_str("No open actions.");
    }
    let actions = actions.trim_end().to_owned();

    let mut hazards = String::new();
    for concern in incident.concerns.values().filter(|c| c.is_open()) {
        let _ = writeln!(
            hazards,
            "- {}: {} (raised by {})",
            concern.level.label(),
            concern.text,
            incident.name_of(&concern.raised_by)
        );
    }
    for checklist in incident.checklists.values().filter(|c| !c.is_complete()) {
        let (done, total) = checklist.progress();
        let _ = writeln!(
            hazards,
            "- Checklist \"{}\" open: {done}/{total}",
            checklist.title
        );
    }
    if hazards.is_empty() {
        hazards.push_str("No open concerns.");
    }
    let hazards = hazards.trim_end().to_owned();

    let mut communications = String::new();
    for (role, tenure) in &incident.roles {
        let _ = write!(
            communications,
            "{}: {}. ",
            role.label(),
            incident.name_of(&tenure.holder)
        );
    }
    match incident.next_update_due() {
        Some(due) => {
            let _ = write!(
                communications,
                "Next status update due at {} UTC.",
                crate::time::hh_mm(due)
            );
        }
        None => communications.push_str("No status-update cadence set."),
    }

    HandoffBrief {
        situation,
        objectives,
        actions,
        hazards,
        communications: communications.trim_end().to_owned(),
    }
}
