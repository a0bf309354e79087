//! Built-in checklist templates, one for each pause point of an incident.
//!
//! Each stays within the five-to-nine-item sweet spot. Killer items are the ones whose omission
//! makes things worse; items with a prompt ask for an observed value (challenge and response).

use serde::Serialize;

use crate::incident::{ChecklistKind, PausePoint};

/// A checklist to start from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Template {
    /// Stable identifier, stored in the `ChecklistStarted` event.
    pub id: &'static str,
    pub title: &'static str,
    pub kind: ChecklistKind,
    pub pause_point: PausePoint,
    pub items: &'static [TemplateItem],
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TemplateItem {
    pub text: &'static str,
    pub killer: bool,
    /// The prompt for an observed value, if the item asks for one.
    pub asks_value: Option<&'static str>,
    /// What checking the item does to the board besides ticking it.
    pub effect: Option<ItemEffect>,
}

/// What checking a template's item does besides ticking it: the item does what it says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemEffect {
    /// The value is the status-update cadence in minutes ("15" or "15 min"), and checking the
    /// item sets it.
    SetsCadence,
}

const fn tick(text: &'static str) -> TemplateItem {
    TemplateItem {
        text,
        killer: false,
        asks_value: None,
        effect: None,
    }
}

const fn killer(text: &'static str) -> TemplateItem {
    TemplateItem {
        text,
        killer: true,
        asks_value: None,
        effect: None,
    }
}

const fn observe(text: &'static str, prompt: &'static str) -> TemplateItem {
    TemplateItem {
        text,
        killer: false,
        asks_value: Some(prompt),
        effect: None,
    }
}

/// An item whose value is the status-update cadence, which checking it sets.
const fn cadence(text: &'static str) -> TemplateItem {
    TemplateItem {
        text,
        killer: false,
        asks_value: Some(CADENCE_PROMPT),
        effect: Some(ItemEffect::SetsCadence),
    }
}

/// The prompt of a cadence item.
pub const CADENCE_PROMPT: &str = "Cadence in minutes";

/// The template id of the transfer-of-command checklist, offered when a commander handoff starts.
pub const TRANSFER_OF_COMMAND: &str = "transfer-of-command";

/// Every built-in template.
pub const TEMPLATES: &[Template] = &[
    Template {
        id: "declare",
        title: "Declare and mobilise",
        kind: ChecklistKind::ReadDo,
        pause_point: PausePoint::Declare,
        items: &[
            killer("Commander named and announced in the incident channel"),
            observe(
                "Severity assessed against the severity matrix",
                "Severity and why",
            ),
            observe("Customer impact stated", "Who is affected and how"),
            tick("Roles filled: operations, communications, scribe"),
            tick("Bridge or channel opened and linked on the board"),
            cadence("Status-update cadence set"),
            tick("First status update sent to stakeholders"),
        ],
    },
    Template {
        id: TRANSFER_OF_COMMAND,
        title: "Transfer of command",
        kind: ChecklistKind::DoConfirm,
        pause_point: PausePoint::Handoff,
        items: &[
            tick("Situation and impact briefed"),
            tick("Objectives and priorities briefed"),
            killer("Actions in progress and their owners briefed"),
            killer("Hazards, open concerns and risky changes briefed"),
            tick("Communications status and next update time briefed"),
            tick("Incoming commander's questions answered"),
            observe(
                "Handoff time announced to the crew",
                "Time of transfer (UTC)",
            ),
        ],
    },
    Template {
        id: "risky-change",
        title: "Before a risky change",
        kind: ChecklistKind::ReadDo,
        pause_point: PausePoint::BeforeRiskyChange,
        items: &[
            observe("Change described in one sentence", "The change"),
            killer("Rollback plan written down and tested"),
            observe("Blast radius stated", "What breaks if it goes wrong"),
            tick("Commander has approved the change"),
            tick("Someone other than the operator is watching the dashboards"),
            observe("Abort criteria agreed", "We abort if…"),
            tick("Change announced on the timeline before it starts"),
        ],
    },
    Template {
        id: "resolve-close",
        title: "Resolve and close",
        kind: ChecklistKind::DoConfirm,
        pause_point: PausePoint::AllClear,
        items: &[
            observe("Impact confirmed over", "Evidence that impact has ended"),
            tick("Temporary mitigations listed for follow-up"),
            killer("No risky change still half-applied"),
            tick("Final status update sent to stakeholders"),
            tick("Open actions handed to owners as follow-ups"),
            observe("Postmortem owner named", "Owner"),
            tick("Crew thanked and released"),
        ],
    },
];

/// The template with id `id`.
pub fn template(id: &str) -> Option<&'static Template> {
    TEMPLATES.iter().find(|t| t.id == id)
}

/// The effect of item `index` (with text `text`) of a checklist started from template
/// `template`: the template's item at that place, if its text is still that item's. Items added
/// later come after the template's and have none.
pub fn item_effect(template: Option<&str>, index: u32, text: &str) -> Option<ItemEffect> {
    let item = self::template(template?)?
        .items
        .get(usize::try_from(index).ok()?)?;
    (item.text == text).then_some(item.effect).flatten()
}

/// Reads a cadence as people type it: whole minutes, optionally followed by "min", "mins",
/// "minutes" or "m" ("15", "15 min", "15min").
pub fn parse_minutes(value: &str) -> Option<u32> {
    let value = value.trim().to_ascii_lowercase();
    let digits = value
        .strip_suffix("minutes")
        .or_else(|| value.strip_suffix("minute"))
        .or_else(|| value.strip_suffix("mins"))
        .or_else(|| value.strip_suffix("min"))
        .or_else(|| value.strip_suffix('m'))
        .unwrap_or(&value)
        .trim();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_stay_in_the_sweet_spot_and_have_unique_ids() {
        assert!(TEMPLATES.len() >= 4);
        for t in TEMPLATES {
            assert!((5..=9).contains(&t.items.len()), "{}", t.id);
            assert_eq!(template(t.id), Some(t));
        }
        assert!(template(TRANSFER_OF_COMMAND).is_some());
    }
}
