//! What waits on one person: the board's "For you" list. Pure: the board, who is looking and
//! the time go in; the things only they can move come out, most pressing first, each naming
//! the row it is about so the browser can bring that row into view.
//!
//! - an offer of a role to you, not yet answered (accept or decline — in the offer prompt,
//!   never from this list);
//! - your offer that was accepted: confirm the handover ("You have control", in its banner).
//!   The words of the list never repeat the exchange's own buttons' words.
//! - an action assigned to you to read back;
//! - a readback to confirm: an action you assigned (or, as commander, any action) read back;
//! - for the commander, every concern not yet acknowledged (safety issues first);
//! - an action of yours to finish (overdue ones first);
//! - for the commander, the next open item of every unfinished checklist (checklist items have
//!   no owner; running them is the commander's to see to), its killer items first.
//!
//! A closed incident waits on nobody.

use serde::{Deserialize, Serialize};

use crate::ids::{ActionId, ChecklistId, ConcernId, ParticipantId};
use crate::incident::{ActionState, ConcernLevel, Incident, Role, Timestamp};

/// Which row of the board an item is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Target {
    /// The open offer of this role (the offer prompt, or the offerer's banner).
    Offer {
        role: Role,
    },
    Action {
        action: ActionId,
    },
    Concern {
        concern: ConcernId,
    },
    /// An item of a checklist, by its index (as the checklist commands number it).
    ChecklistItem {
        checklist: ChecklistId,
        item: u32,
    },
}

/// What the person has to do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Due {
    /// Accept or decline an offered role.
    AnswerOffer,
    /// Say "You have control" to the one who accepted.
    ConfirmHandover,
    ReadBack,
    ConfirmReadback,
    AcknowledgeConcern,
    FinishAction,
    DoChecklistItem,
}

impl Due {
    /// The verb on the list, short.
    pub fn label(self) -> &'static str {
        match self {
            Self::AnswerOffer => "Answer the offer",
            Self::ConfirmHandover => "Confirm the handover",
            Self::ReadBack => "Read back",
            Self::ConfirmReadback => "Confirm the readback",
            Self::AcknowledgeConcern => "Acknowledge",
            Self::FinishAction => "Finish",
            Self::DoChecklistItem => "Checklist",
        }
    }
}

/// One thing waiting on the viewer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Waiting {
    pub due: Due,
    pub target: Target,
    /// What exactly, in a sentence, naming people by their display names.
    pub text: String,
    /// Past its time box, or a safety issue: shown as urgent.
    pub urgent: bool,
}

impl Waiting {
    /// Stable identity of the item (its duty and its row), for keyed lists.
    pub fn key(&self) -> String {
        let row = match self.target {
            Target::Offer { role } => format!("offer:{role:?}"),
            Target::Action { action } => format!("action:{action}"),
            Target::Concern { concern } => format!("concern:{concern}"),
            Target::ChecklistItem { checklist, item } => format!("checklist:{checklist}:{item}"),
        };
        format!("{:?}:{row}", self.due)
    }
}

/// Everything that waits on `me` at `now`, most pressing first.
pub fn for_you(incident: &Incident, me: &ParticipantId, now: Timestamp) -> Vec<Waiting> {
    if incident.is_closed() {
        return Vec::new();
    }
    let name = |p: &ParticipantId| incident.name_of(p).to_owned();
    let commander = incident.holds(me, Role::Commander);
    let mut out = Vec::new();

    for (role, offer) in &incident.offers {
        let target = Target::Offer { role: *role };
        if &offer.to == me && offer.accepted_at.is_none() {
            out.push(Waiting {
                due: Due::AnswerOffer,
                target,
                text: format!(
                    "{} is handing you {}: answer in the offer prompt.",
                    name(&offer.from),
                    role.label()
                ),
                urgent: true,
            });
        }
        if &offer.from == me && offer.accepted_at.is_some() {
            out.push(Waiting {
                due: Due::ConfirmHandover,
                target,
                text: format!(
                    "{} has taken on {}: confirm the handover.",
                    name(&offer.to),
                    role.label()
                ),
                urgent: true,
            });
        }
    }
    for (id, a) in &incident.actions {
        if &a.assignee == me && a.state == ActionState::AwaitingReadback {
            out.push(Waiting {
                due: Due::ReadBack,
                target: Target::Action { action: *id },
                text: format!("{} (from {})", a.text, name(&a.assigner)),
                urgent: a.is_overdue(now),
            });
        }
    }
    for (id, a) in &incident.actions {
        if a.state == ActionState::ReadBack && (&a.assigner == me || commander) {
            out.push(Waiting {
                due: Due::ConfirmReadback,
                target: Target::Action { action: *id },
                text: format!(
                    "{} read back: \"{}\"",
                    name(&a.assignee),
                    a.readback.as_deref().unwrap_or(&a.text)
                ),
                urgent: a.is_overdue(now),
            });
        }
    }
    if commander {
        let mut open: Vec<_> = incident
            .concerns
            .iter()
            .filter(|(_, c)| c.is_open())
            .collect();
        // Safety issues first, then the longest waiting.
        open.sort_by_key(|(id, c)| {
            (
                c.level != ConcernLevel::SafetyIssue,
                c.last_raised_at(),
                **id,
            )
        });
        for (id, c) in open {
            out.push(Waiting {
                due: Due::AcknowledgeConcern,
                target: Target::Concern { concern: *id },
                text: format!("{} — {}: {}", c.level.label(), name(&c.raised_by), c.text),
                urgent: c.level == ConcernLevel::SafetyIssue,
            });
        }
    }
    let mut mine: Vec<_> = incident
        .actions
        .iter()
        .filter(|(_, a)| &a.assignee == me && a.state == ActionState::InProgress)
        .collect();
    mine.sort_by_key(|(id, a)| (!a.is_overdue(now), a.due_at.is_none(), a.due_at, **id));
    for (id, a) in mine {
        out.push(Waiting {
            due: Due::FinishAction,
            target: Target::Action { action: *id },
            text: a.text.clone(),
            urgent: a.is_overdue(now),
        });
    }
    if commander {
        for (id, c) in &incident.checklists {
            let open = c.items.iter().filter(|i| i.is_open()).count();
            let next = c
                .items
                .iter()
                .enumerate()
                .filter(|(_, i)| i.is_open())
                .min_by_key(|(n, i)| (!i.killer, *n));
            let Some((n, item)) = next else { continue };
            let more = if open > 1 {
                format!(" ({} more open)", open - 1)
            } else {
                String::new()
            };
            out.push(Waiting {
                due: Due::DoChecklistItem,
                target: Target::ChecklistItem {
                    checklist: *id,
                    item: u32::try_from(n).unwrap_or(u32::MAX),
                },
                text: format!("{}: {}{more}", c.title, item.text),
                urgent: false,
            });
        }
    }
    out
}
