//! The annunciator's logic, in the spirit of 14 CFR 25.1322: which alerts stand, in which
//! tier, in which order. Pure: the board, who is looking, whether their link is up and the
//! time go in; a ranked list comes out. The browser decides how to show and sound it.
//!
//! - **Warning** (red, interrupts): the link is lost, no commander is present, a safety issue
//!   is open.
//! - **Caution** (amber): a handoff waits on you, the status update is overdue, an action is
//!   overdue or waits on your readback or your confirmation, a concern is unacknowledged,
//!   nobody is mitigating.
//! - **Advisory** (neutral): worth knowing, never urgent — the commander's span of control is
//!   past its limit (see [`span`]), a checklist is over nine items, no cadence is set.
//!
//! - Monitoring's **alert groups** (see [`groups`]), one line each, in the tier their level
//!   maps to; and NOBODY IN COMMAND (a warning) while an integration that declared the
//!   incident from an alert still holds command.
//!
//! Alerts of the same kind collapse into one line that lists its instances. Each alert has a
//! stable `key`, so a viewer's acknowledgement sticks to it until the condition clears.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::ids::ParticipantId;
use crate::incident::{ActionState, ConcernLevel, Incident, Role, Timestamp};

pub mod groups;
pub mod span;

/// How many open actions, or direct reports, the commander may personally hold before the
/// span-of-control advisory suggests a deputy or an operations lead: ICS puts a supervisor's
/// span at 3–7 direct reports (5 at best), and past 7 attention to each of them drops. The
/// commander changes it per incident (`set_span_of_control`, between 1 and 20); the board's
/// `span_of_control` holds the setting, `None` meaning this default.
pub const SPAN_OF_CONTROL: u32 = 7;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    Warning,
    Caution,
    Advisory,
}

/// One line on the annunciator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    pub tier: Tier,
    /// Stable identity of the condition (e.g. `safety:3`), for acknowledgements.
    pub key: String,
    /// Short, upper-case, like a panel legend: `SAFETY ISSUE OPEN`.
    pub title: String,
    /// What exactly, in a sentence.
    pub detail: String,
}

/// Who is looking, and what their browser knows that the board does not.
#[derive(Debug, Clone)]
pub struct Viewer<'a> {
    pub me: &'a ParticipantId,
    pub present: &'a BTreeSet<ParticipantId>,
    /// Whether presence has been reported yet (before that, nobody counts as absent).
    pub presence_known: bool,
    pub online: bool,
}

/// Every standing alert, warnings first, each tier ranked by urgency.
pub fn evaluate(incident: &Incident, viewer: &Viewer<'_>, now: Timestamp) -> Vec<Alert> {
    let mut alerts = Vec::new();
    let name = |p: &ParticipantId| incident.name_of(p).to_owned();
    let closed = incident.is_closed();

    // Warnings.
    if !viewer.online {
        alerts.push(alert(
            Tier::Warning,
            "link",
            "CONNECTION LOST",
            "This board is not receiving updates. It reconnects by itself; what you post is kept.",
        ));
    }
    let open_safety: Vec<_> = incident.open_safety_issues().collect();
    if !open_safety.is_empty() {
        let keys: Vec<String> = open_safety.iter().map(|(id, _)| id.to_string()).collect();
        let detail = open_safety
            .iter()
            .map(|(_, c)| format!("{}: {}", name(&c.raised_by), c.text))
            .collect::<Vec<_>>()
            .join(" · ");
        alerts.push(alert(
            Tier::Warning,
            &format!("safety:{}", keys.join(",")),
            "STOP — SAFETY ISSUE OPEN",
            &detail,
        ));
    }
    if !closed && incident.awaiting_commander() {
        alerts.push(alert(
            Tier::Warning,
            "nobody-in-command",
            "NOBODY IN COMMAND",
            &format!(
                "{} declared this incident from an alert. Take command.",
                name(&incident.commander.holder)
            ),
        ));
    } else if !closed
        && viewer.presence_known
        && !viewer.present.contains(&incident.commander.holder)
    {
        alerts.push(alert(
            Tier::Warning,
            &format!("no-commander:{}", incident.commander.holder),
            "NO COMMANDER PRESENT",
            &format!(
                "{} holds command but is not connected. Reach them, or assume command.",
                name(&incident.commander.holder)
            ),
        ));
    }

    if closed {
        return alerts;
    }

    // Cautions, most pressing first.
    for (role, offer) in &incident.offers {
        if &offer.to == viewer.me && offer.accepted_at.is_none() {
            alerts.push(alert(
                Tier::Caution,
                &format!("offer-to-me:{role:?}"),
                "HANDOFF WAITS ON YOU",
                &format!(
                    "{} is handing you {}: accept or decline.",
                    name(&offer.from),
                    role.label()
                ),
            ));
        }
        if &offer.from == viewer.me && offer.accepted_at.is_some() {
            alerts.push(alert(
                Tier::Caution,
                &format!("offer-confirm:{role:?}"),
                "HANDOFF WAITS ON YOU",
                &format!(
                    "{} said \"I have control\" ({}): confirm \"You have control\".",
                    name(&offer.to),
                    role.label()
                ),
            ));
        }
    }
    if let Some(due) = incident.next_update_due()
        && now > due
    {
        alerts.push(alert(
            Tier::Caution,
            &format!("update-overdue:{}", due.timestamp()),
            "STATUS UPDATE OVERDUE",
            &format!(
                "The next status update was due at {} UTC.",
                crate::time::hh_mm(due)
            ),
        ));
    }
    let overdue: Vec<_> = incident
        .actions
        .iter()
        .filter(|(_, a)| a.is_overdue(now))
        .collect();
    if !overdue.is_empty() {
        alerts.push(collapse(
            Tier::Caution,
            "overdue",
            "ACTION OVERDUE",
            overdue.iter().map(|(id, a)| {
                (
                    id.to_string(),
                    format!("{} ({})", a.text, name(&a.assignee)),
                )
            }),
        ));
    }
    let my_readbacks: Vec<_> = incident
        .actions
        .iter()
        .filter(|(_, a)| &a.assignee == viewer.me && a.state == ActionState::AwaitingReadback)
        .collect();
    if !my_readbacks.is_empty() {
        alerts.push(collapse(
            Tier::Caution,
            "readback-mine",
            "READ BACK YOUR ACTION",
            my_readbacks
                .iter()
                .map(|(id, a)| (id.to_string(), a.text.clone())),
        ));
    }
    let am_commander = incident.holds(viewer.me, Role::Commander);
    let to_confirm: Vec<_> = incident
        .actions
        .iter()
        .filter(|(_, a)| {
            a.state == ActionState::ReadBack && (&a.assigner == viewer.me || am_commander)
        })
        .collect();
    if !to_confirm.is_empty() {
        alerts.push(collapse(
            Tier::Caution,
            "readback-confirm",
            "READBACK TO CONFIRM",
            to_confirm.iter().map(|(id, a)| {
                (
                    id.to_string(),
                    format!("{} — {}", name(&a.assignee), a.text),
                )
            }),
        ));
    }
    let unanswered: Vec<_> = incident
        .concerns
        .iter()
        .filter(|(_, c)| c.is_open() && c.level != ConcernLevel::SafetyIssue)
        .collect();
    if !unanswered.is_empty() {
        alerts.push(collapse(
            Tier::Caution,
            "concern",
            "CONCERN NOT ACKNOWLEDGED",
            unanswered.iter().map(|(id, c)| {
                (
                    id.to_string(),
                    format!("{}: {}", name(&c.raised_by), c.text),
                )
            }),
        ));
    }
    if incident.status < crate::incident::Status::Mitigated
        && incident.mitigating_actions().next().is_none()
    {
        alerts.push(alert(
            Tier::Caution,
            "nobody-mitigating",
            "NOBODY MITIGATING",
            "No open action in the mitigate lane: somebody has to fly the plane.",
        ));
    }

    // Advisories.
    alerts.extend(span::advisory(incident, viewer));
    let long: Vec<_> = incident
        .checklists
        .iter()
        .filter(|(_, c)| c.is_too_long() && !c.is_complete())
        .collect();
    if !long.is_empty() {
        alerts.push(collapse(
            Tier::Advisory,
            "long-checklist",
            "CHECKLIST OVER NINE ITEMS",
            long.iter().map(|(id, c)| (id.to_string(), c.title.clone())),
        ));
    }
    if incident.cadence.is_none() && incident.status < crate::incident::Status::Resolved {
        alerts.push(alert(
            Tier::Advisory,
            "no-cadence",
            "NO UPDATE CADENCE",
            "No status-update cadence is set.",
        ));
    }
    // Monitoring's alert groups, each in its tier after the board's own alerts of that tier
    // (the sort is stable, and the board's alerts are in tier order already).
    alerts.extend(groups::lines(incident));
    alerts.sort_by_key(|a| a.tier);
    alerts
}

fn alert(tier: Tier, key: &str, title: &str, detail: &str) -> Alert {
    Alert {
        tier,
        key: key.to_owned(),
        title: title.to_owned(),
        detail: detail.to_owned(),
    }
}

/// One line for several instances of the same condition: the key lists the instances, so a
/// new instance is a new alert (and sounds again) while the old ones are still acknowledged.
fn collapse(
    tier: Tier,
    kind: &str,
    title: &str,
    instances: impl Iterator<Item = (String, String)>,
) -> Alert {
    let (ids, texts): (Vec<String>, Vec<String>) = instances.unzip();
    let title = if ids.len() > 1 {
        format!("{title} ×{}", ids.len())
    } else {
        title.to_owned()
    };
    Alert {
        tier,
        key: format!("{kind}:{}", ids.join(",")),
        title,
        detail: texts.join(" · "),
    }
}
