//! What is still open on a board that is about to be resolved or closed: the list the commander
//! reads before confirming. Nothing here refuses anything (only an open safety issue blocks
//! closing, in `decide`); it makes sure nobody closes an incident with work forgotten.

use std::fmt::Write as _;

use crate::incident::{ActionState, Incident};

/// Everything on the board that is not finished, each as one line a person reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StillOpen {
    /// Open actions (not done, not cancelled): "text — assignee", with where the loop stands.
    pub actions: Vec<String>,
    /// Unticked checklist items (neither checked nor marked not applicable), "checklist: item".
    pub checklist_items: Vec<String>,
    /// Concerns the commander has not acknowledged: "level: text (raised by name)".
    pub concerns: Vec<String>,
}

impl StillOpen {
    /// Nothing is left open.
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty() && self.checklist_items.is_empty() && self.concerns.is_empty()
    }

    /// How many items are open in all.
    pub fn count(&self) -> usize {
        self.actions.len() + self.checklist_items.len() + self.concerns.len()
    }
}

/// What is still open on `incident`, in the board's order (by id within each kind).
pub fn still_open(incident: &Incident) -> StillOpen {
    let actions = incident
        .actions
        .values()
        .filter(|a| a.state.is_open())
        .map(|a| {
            let mut line = format!("{} — {}", a.text, incident.name_of(&a.assignee));
            match a.state {
                ActionState::AwaitingReadback => line.push_str(" (awaiting readback)"),
                ActionState::ReadBack => line.push_str(" (readback to confirm)"),
                _ => line.push_str(" (in progress)"),
            }
            line
        })
        .collect();
    let checklist_items = incident
        .checklists
        .values()
        .flat_map(|c| {
            c.items
                .iter()
                .filter(|i| i.is_open())
                .map(move |i| format!("{}: {}", c.title, i.text))
        })
        .collect();
    let concerns = incident
        .concerns
        .values()
        .filter(|c| c.is_open())
        .map(|c| {
            let mut line = format!("{}: {}", c.level.label(), c.text);
            let _ = write!(line, " (raised by {})", incident.name_of(&c.raised_by));
            line
        })
        .collect();
    StillOpen {
        actions,
        checklist_items,
        concerns,
    }
}
