//! Every event as a timeline line in plain words, and the category it is filed under.
//!
//! The board, the review page and the Markdown export all tell the story with these same
//! sentences, so a handoff reads the same wherever it is read. On a person's own board their
//! own doings are told to them in the second person ("You pinned …"), everyone else's in the
//! third ([`describe_for`]); the exports, read by anyone, stay in the third ([`describe`]).
//! Notes are never named by number (nobody sees the numbers): by their text, shortened.
//!
//! [`moments`] holds the review's key moments and the order of the shared timeline.

use serde::{Deserialize, Serialize};

use crate::event::{Event, Recorded};
use crate::ids::{NoteId, ParticipantId};
use crate::incident::{Incident, NoteKind, Owner, Role};

mod alerting;
pub mod moments;

/// How many characters of a note a sentence about it quotes.
const QUOTE_CHARS: usize = 60;

/// What a timeline entry is about, for icons and filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Note(NoteKind),
    /// A note pinned to (or unpinned from) the key events; with the pinned note's kind, for
    /// filters.
    Pin(NoteKind),
    /// Declaration, severity, status, summary, cadence, who may see the incident.
    Incident,
    /// Roles: offers, handovers, claims, assumptions.
    Crew,
    /// A participant joined.
    Joined,
    Action,
    Concern,
    Checklist,
    /// A training scenario: its injects and its clock.
    Exercise,
    /// Alert groups from monitoring, and their acknowledgements.
    Alert,
}

impl EntryKind {
    /// The words for the category, as the timeline shows them.
    pub fn label(self) -> &'static str {
        match self {
            Self::Note(k) => k.label(),
            Self::Pin(_) => "Pin",
            Self::Incident => "Incident",
            Self::Crew => "Crew",
            Self::Joined => "Joined",
            Self::Action => "Tasking",
            Self::Concern => "Concern",
            Self::Checklist => "Checklist",
            Self::Alert => "Alert",
            Self::Exercise => "Exercise",
        }
    }
}

/// The category of `event`; amendments and retractions of a note are filed under the note's
/// kind, pins as pins.
pub fn kind_of(incident: &Incident, event: &Event) -> EntryKind {
    let kind = |note| {
        incident
            .notes
            .get(note)
            .map_or(NoteKind::Observation, |n| n.kind)
    };
    match event {
        Event::NotePosted { kind, .. } => EntryKind::Note(*kind),
        Event::NoteAmended { note, .. } | Event::NoteRetracted { note, .. } => {
            EntryKind::Note(kind(note))
        }
        Event::NotePinned { note, .. } => EntryKind::Pin(kind(note)),
        Event::IncidentDeclared { .. }
        | Event::SeverityChanged { .. }
        | Event::StatusChanged { .. }
        | Event::SummaryUpdated { .. }
        | Event::CadenceSet { .. }
        | Event::SterilePhaseStarted { .. }
        | Event::SterilePhaseEnded { .. }
        | Event::SpanOfControlSet { .. } => EntryKind::Incident,
        Event::ParticipantJoined { .. } => EntryKind::Joined,
        Event::IncidentRestricted { .. }
        | Event::MemberAdded { .. }
        | Event::MemberRemoved { .. }
        | Event::LinkCreated { .. }
        | Event::LinkRevoked { .. } => EntryKind::Incident,
        Event::TitleChanged { .. }
        | Event::ImpactSet { .. }
        | Event::FollowUpAdded { .. }
        | Event::FollowUpUpdated { .. } => EntryKind::Incident,
        Event::RoleOffered { .. }
        | Event::RoleOfferAccepted { .. }
        | Event::RoleOfferDeclined { .. }
        | Event::RoleOfferCancelled { .. }
        | Event::RoleHandedOver { .. }
        | Event::RoleClaimed { .. }
        | Event::RoleReleased { .. }
        | Event::RoleAssumed { .. } => EntryKind::Crew,
        Event::ActionAssigned { .. }
        | Event::ActionReadBack { .. }
        | Event::ReadbackConfirmed { .. }
        | Event::ReadbackCorrected { .. }
        | Event::ActionCompleted { .. }
        | Event::ActionCancelled { .. } => EntryKind::Action,
        Event::ConcernRaised { .. }
        | Event::ConcernEscalated { .. }
        | Event::ConcernAcknowledged { .. } => EntryKind::Concern,
        Event::ChecklistStarted { .. }
        | Event::ChecklistItemAdded { .. }
        | Event::ItemChecked { .. }
        | Event::ItemUnchecked { .. }
        | Event::ItemMarkedNotApplicable { .. } => EntryKind::Checklist,
        Event::ScenarioStarted { .. }
        | Event::ScenarioPaused
        | Event::ScenarioResumed
        | Event::ScenarioEnded
        | Event::InjectFired { .. } => EntryKind::Exercise,
        Event::AlertGroupUpdated { .. } | Event::AlertGroupAcknowledged { .. } => EntryKind::Alert,
    }
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Commander => "COMMAND",
        other => other.label(),
    }
}

/// The event as a sentence in the third person, as the exports tell it. `incident` supplies
/// names and titles; pass the board as it is now (names only grow, so any later board names
/// everybody in the event).
pub fn describe(incident: &Incident, recorded: &Recorded) -> String {
    describe_for(incident, recorded, None)
}

/// The event as a sentence for `viewer`: what they did in the second person ("You pinned …",
/// "… offered COMMAND to you"), everyone else in the third. `None` tells it to no one in
/// particular, as [`describe`] does.
pub fn describe_for(
    incident: &Incident,
    recorded: &Recorded,
    viewer: Option<&ParticipantId>,
) -> String {
    let me = |p: &ParticipantId| viewer == Some(p);
    // A person as the subject of a sentence, and as its object.
    let subject = |p: &ParticipantId| {
        if me(p) {
            "You".to_owned()
        } else {
            incident.name_of(p).to_owned()
        }
    };
    let name = |p: &ParticipantId| {
        if me(p) {
            "you".to_owned()
        } else {
            incident.name_of(p).to_owned()
        }
    };
    let who = subject(&recorded.actor);
    let checklist = |id| {
        incident
            .checklists
            .get(id)
            .map_or("a checklist", |c| c.title.as_str())
    };
    let item = |id, i: &u32| {
        incident
            .checklists
            .get(id)
            .and_then(|c| c.items.get(*i as usize))
            .map_or("an item", |it| it.text.as_str())
    };
    let action = |id| {
        incident
            .actions
            .get(id)
            .map_or("an action", |a| a.text.as_str())
    };
    let concern = |id| {
        incident
            .concerns
            .get(id)
            .map_or("a concern", |c| c.text.as_str())
    };
    let note = |id: &NoteId| quote(incident, id);
    match &recorded.event {
        Event::IncidentDeclared {
            title, severity, ..
        } => format!(
            "{who} declared {} \"{title}\" and took command",
            severity.label()
        ),
        Event::ParticipantJoined { name } => match me(&recorded.actor) {
            true => "You joined".to_owned(),
            false => format!("{name} joined"),
        },
        Event::SeverityChanged { from, to } => {
            format!("{who} changed severity {} → {}", from.label(), to.label())
        }
        Event::StatusChanged { from, to } => {
            format!("{who} changed status {} → {}", from.label(), to.label())
        }
        Event::SummaryUpdated { text } => format!("{who} updated the summary: {text}"),
        Event::RoleOffered { role, to, .. } => {
            format!("{who} offered {} to {}", role_name(*role), name(to))
        }
        Event::RoleOfferAccepted { role } => {
            format!("{who}: \"I have control\" ({})", role.label())
        }
        Event::RoleOfferDeclined { role, reason } => {
            format!("{who} declined {}: {reason}", role_name(*role))
        }
        Event::RoleOfferCancelled { role, reason } => {
            format!("Offer of {} cancelled: {reason}", role_name(*role))
        }
        Event::RoleHandedOver { role, to, .. } => format!(
            "{who}: \"You have control\" — {} {} now {}",
            name(to),
            if me(to) { "are" } else { "is" },
            role.label()
        ),
        Event::RoleClaimed { role } => format!("{who} took the vacant {} role", role.label()),
        Event::RoleReleased { role, holder } => {
            format!("{} released {}", subject(holder), role.label())
        }
        Event::RoleAssumed { role, from, reason } => match from {
            Some(from) => format!(
                "{who} assumed {} from {} (not connected): {reason}",
                role_name(*role),
                name(from)
            ),
            None => format!("{who} assumed {}: {reason}", role_name(*role)),
        },
        Event::NotePosted { text, .. } => text.clone(),
        Event::NoteAmended { text, .. } => format!("{who} amended a note to: {text}"),
        Event::NoteRetracted { note: n, reason } => {
            format!("{who} retracted {}: {reason}", note(n))
        }
        Event::NotePinned { note: n, pinned } => format!(
            "{who} {} {}",
            if *pinned { "pinned" } else { "unpinned" },
            note(n)
        ),
        Event::ActionAssigned {
            to,
            text,
            lane,
            minutes,
            ..
        } => {
            let box_ = minutes.map_or(String::new(), |m| format!(" within {m} min"));
            format!(
                "{who} assigned {} [{}]: {text}{box_}",
                name(to),
                lane.label()
            )
        }
        Event::ActionReadBack {
            action: _,
            readback,
        } => format!("{who} read back: \"{readback}\""),
        Event::ReadbackConfirmed { action: a } => {
            format!("{who} confirmed the readback of \"{}\"", action(a))
        }
        Event::ReadbackCorrected {
            action: _,
            correction,
        } => {
            format!("{who} corrected the readback: {correction}")
        }
        Event::ActionCompleted { action: a, outcome } => {
            format!("{who} completed \"{}\": {outcome}", action(a))
        }
        Event::ActionCancelled { action: a, reason } => {
            format!("{who} cancelled \"{}\": {reason}", action(a))
        }
        Event::ConcernRaised { level, text, .. } => {
            format!("{who}: {}. {text}", level.label())
        }
        Event::ConcernEscalated { concern: c, level } => {
            format!("{who} raised again: {}. {}", level.label(), concern(c))
        }
        Event::ConcernAcknowledged {
            concern: c,
            response,
        } => {
            format!("{who} acknowledged \"{}\": {response}", concern(c))
        }
        Event::ChecklistStarted { title, .. } => format!("{who} started checklist \"{title}\""),
        Event::ChecklistItemAdded { checklist: c, item } => {
            format!("{who} added \"{}\" to \"{}\"", item.text, checklist(c))
        }
        Event::ItemChecked {
            checklist: c,
            item: i,
            value,
        } => match value {
            Some(v) => format!("{who} checked \"{}\": {v}", item(c, i)),
            None => format!("{who} checked \"{}\"", item(c, i)),
        },
        Event::ItemUnchecked {
            checklist: c,
            item: i,
        } => format!("{who} unchecked \"{}\"", item(c, i)),
        Event::ItemMarkedNotApplicable {
            checklist: c,
            item: i,
            reason,
        } => format!("{who} marked \"{}\" not applicable: {reason}", item(c, i)),
        Event::ScenarioStarted { title, .. } => {
            format!("{who} started the exercise scenario \"{title}\" and facilitates it")
        }
        Event::ScenarioPaused => format!("{who} paused the scenario"),
        Event::ScenarioResumed => format!("{who} resumed the scenario"),
        Event::ScenarioEnded => format!("{who} ended the scenario"),
        Event::InjectFired { source, text, .. } => format!("{source}: {text}"),
        Event::IncidentRestricted { members } => match members.len() {
            1 => format!("{who} restricted the incident to its only member"),
            n => format!("{who} restricted the incident to its {n} members"),
        },
        Event::MemberAdded {
            participant,
            link: Some(_),
        } => format!("{} joined by invitation", subject(participant)),
        Event::MemberAdded {
            participant,
            link: None,
        } => format!("{who} added {} as a member", name(participant)),
        Event::MemberRemoved { participant } => {
            format!("{who} removed {} from the members", name(participant))
        }
        Event::LinkCreated {
            link,
            kind,
            expires_at,
        } => format!(
            "{who} made {} {link}, valid until {}Z",
            kind.label(),
            crate::time::date_hh_mm(*expires_at)
        ),
        Event::LinkRevoked { link } => format!("{who} revoked link {link}"),
        Event::CadenceSet { every_minutes } => match every_minutes {
            Some(m) => format!("{who} set status updates every {m} min"),
            None => format!("{who} cleared the status-update cadence"),
        },
        Event::SterilePhaseStarted { reason } => format!(
            "{who} declared a sterile phase: {reason}. Notes not marked essential wait until it ends"
        ),
        Event::SterilePhaseEnded { released } => match released.len() {
            0 => format!("{who} ended the sterile phase; no notes were held"),
            1 => format!("{who} ended the sterile phase; 1 held note enters the timeline"),
            n => format!("{who} ended the sterile phase; {n} held notes enter the timeline"),
        },
        Event::SpanOfControlSet { limit } => match limit {
            Some(l) => format!("{who} set the span of control to {l}"),
            None => format!(
                "{who} set the span of control back to the default, {}",
                crate::alerts::SPAN_OF_CONTROL
            ),
        },
        Event::TitleChanged { from, to } => format!("{who} renamed \"{from}\" to \"{to}\""),
        Event::ImpactSet { start, end, .. } => format!(
            "{who} set the impact window: {}Z to {}",
            crate::time::date_hh_mm(*start),
            end.map_or_else(
                || "ongoing".to_owned(),
                |e| format!("{}Z", crate::time::date_hh_mm(e))
            )
        ),
        Event::FollowUpAdded {
            follow_up,
            text,
            owner,
            ..
        } => format!(
            "{who} added follow-up {follow_up} for {}: {text}",
            owner_name(incident, owner)
        ),
        Event::FollowUpUpdated {
            follow_up, state, ..
        } => match state {
            Some(state) => format!(
                "{who} marked follow-up {follow_up} {}",
                state.label().to_lowercase()
            ),
            None => format!("{who} updated follow-up {follow_up}"),
        },
        Event::AlertGroupUpdated {
            state,
            change,
            linked_by,
            ..
        } => alerting::updated(&who, state, *change, linked_by.as_ref().map(subject)),
        Event::AlertGroupAcknowledged { group } => alerting::acknowledged(incident, &who, *group),
    }
}

/// A note as a sentence names it: its text in quotes, shortened to [`QUOTE_CHARS`] at a word's
/// end.
fn quote(incident: &Incident, id: &NoteId) -> String {
    let Some(note) = incident.notes.get(id) else {
        return "a note".to_owned();
    };
    let text = note.text.trim();
    if text.chars().count() <= QUOTE_CHARS {
        format!("\"{text}\"")
    } else {
        // Cut at a word's end where there is one.
        let short: String = text.chars().take(QUOTE_CHARS - 1).collect();
        let cut = match text.chars().nth(QUOTE_CHARS - 1) {
            Some(next) if !next.is_whitespace() => short.rfind(char::is_whitespace),
            _ => None,
        };
        format!("\"{}…\"", short[..cut.unwrap_or(short.len())].trim_end())
    }
}

/// A follow-up's owner by name.
pub fn owner_name<'a>(incident: &'a Incident, owner: &'a Owner) -> &'a str {
    match owner {
        Owner::Participant(p) => incident.name_of(p),
        Owner::Name(name) => name,
    }
}
