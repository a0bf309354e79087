//! Events: what happened, in the past tense. They are the stored contract of an incident —
//! the log is the truth and the board is a fold over it — and no code upgrades an old event
//! when it is loaded: every event ever stored is read by these very types, so they only grow.
//!
//! **Invariant:** every stored event still decodes. Variants and fields are only ever added,
//! never renamed, reused or removed, and a field added to a variant is optional or
//! `#[serde(default)]`, so an event stored before the field existed reads as it always did. A
//! change that cannot be made this way is a new variant. (The server's tests load a frozen
//! version-1 log to hold the line.)

use serde::{Deserialize, Serialize};

use crate::ids::{
    ActionId, AlertGroupId, ChecklistId, ConcernId, FollowUpId, LinkId, NoteId, ParticipantId, Seq,
};
use crate::incident::{AlertChange, AlertGroupState, FollowUpState, Owner};
use crate::incident::{
    ChecklistKind, ConcernLevel, Expectation, HandoffBrief, Lane, LinkKind, NoteKind, PausePoint,
    Role, Severity, Status, Timestamp,
};
use crate::time::{Occurred, Precision};
use chrono::NaiveDate;

/// An event as the log holds it: its place, the server's time, who caused it, what happened.
/// Every recorded event is also a timeline entry.
///
/// **Two times:** `at` is when the server recorded it, always; `occurred_at` (with its
/// `precision`) is when it happened, as the person said, on the entries that carry one (a
/// backdated note, status or severity change, a retrospective declaration). The timeline,
/// the metrics and the exports order and measure by [`Recorded::when`] and keep both.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recorded {
    pub seq: Seq,
    pub at: Timestamp,
    pub actor: ParticipantId,
    pub event: Event,
    /// When it happened, as the person said; `None`: at `at`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occurred_at: Option<Timestamp>,
    /// How exact `occurred_at` is; present with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision: Option<Precision>,
    /// Entered from a timeline file (see `import`), not typed on the board: every view marks
    /// it. Left out when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub imported: bool,
}

impl Recorded {
    /// An entry recorded now, as it happens (no `occurred_at`).
    pub fn live(seq: Seq, at: Timestamp, actor: ParticipantId, event: Event) -> Self {
        Self {
            seq,
            at,
            actor,
            event,
            occurred_at: None,
            precision: None,
            imported: false,
        }
    }

    /// When it happened: `occurred_at` where given, else when it was recorded.
    pub fn when(&self) -> Timestamp {
        self.occurred_at.unwrap_or(self.at)
    }

    /// When it happened and how exactly, where the person said.
    pub fn occurred(&self) -> Option<Occurred> {
        self.occurred_at.map(|at| Occurred {
            at,
            precision: self.precision.unwrap_or_default(),
        })
    }

    /// Entered after the fact: it happened earlier than it was recorded, by more than the
    /// clock skew the rules tolerate ([`crate::time::MAX_CLOCK_SKEW_SECONDS`]).
    pub fn backdated(&self) -> bool {
        self.occurred_at
            .is_some_and(|o| crate::time::backdated(o, self.at))
    }
}

/// The log in the order things happened: by [`Recorded::when`], ties (and entries without an
/// `occurred_at`, which happened as recorded) in sequence order. The sort is stable, so a
/// log in sequence order gives a deterministic order.
pub fn by_occurrence(log: &[Recorded]) -> Vec<&Recorded> {
    let mut ordered: Vec<&Recorded> = log.iter().collect();
    ordered.sort_by_key(|r| (r.when(), r.seq));
    ordered
}

crate::tagged::tag_first_enum! {
tag = "type", name = "Event", serde(rename_all = "snake_case");
/// What happened. The `type` of each variant is its name in snake case, for serde and
/// [`Event::name`] alike; [`EventKind`] lists the variants without their fields
/// (`EventKind::iter()` gives every one, for tests that must cover them all).
#[derive(
    Debug,
    Clone,
    PartialEq,
    Eq,
    strum::IntoStaticStr,
    strum::EnumDiscriminants,
)]
#[strum(serialize_all = "snake_case")]
#[strum_discriminants(
    name(EventKind),
    derive(
        Hash,
        PartialOrd,
        Ord,
        strum::EnumIter,
        strum::EnumCount,
        strum::IntoStaticStr
    ),
    strum(serialize_all = "snake_case")
)]
pub enum Event {
    /// The actor declared the incident and is its first commander.
    IncidentDeclared {
        title: String,
        severity: Severity,
        drill: bool,
        name: String,
        /// Recorded after the fact; the entry's `occurred_at` is the real start.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        retrospective: bool,
        /// Entered from a timeline file (`warroom import --timeline`, the timeline upload):
        /// set by the server's import, never by a command.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        imported: bool,
    },
    /// The actor joined for the first time, or under a new display name.
    ParticipantJoined {
        name: String,
    },
    SeverityChanged {
        from: Severity,
        to: Severity,
    },
    StatusChanged {
        from: Status,
        to: Status,
    },
    SummaryUpdated {
        text: String,
    },
    RoleOffered {
        role: Role,
        to: ParticipantId,
        brief: Option<HandoffBrief>,
    },
    /// The recipient said "I have control."
    RoleOfferAccepted {
        role: Role,
    },
    RoleOfferDeclined {
        role: Role,
        reason: String,
    },
    /// The offer was withdrawn, by its offerer or because the offerer no longer holds the role.
    RoleOfferCancelled {
        role: Role,
        reason: String,
    },
    /// The offerer said "You have control." and the role moved.
    RoleHandedOver {
        role: Role,
        from: ParticipantId,
        to: ParticipantId,
    },
    RoleClaimed {
        role: Role,
    },
    /// `holder` no longer holds `role` (they let it go, or they became commander).
    RoleReleased {
        role: Role,
        holder: ParticipantId,
    },
    /// The actor took a role whose holder was not connected.
    RoleAssumed {
        role: Role,
        from: Option<ParticipantId>,
        reason: String,
    },
    NotePosted {
        note: NoteId,
        kind: NoteKind,
        text: String,
        /// Held back from the shared timeline by the sterile phase on when it was posted,
        /// until `SterilePhaseEnded` releases it. Left out, false.
        #[serde(default, skip_serializing_if = "crate::command::is_false")]
        held: bool,
    },
    NoteAmended {
        note: NoteId,
        text: String,
    },
    NoteRetracted {
        note: NoteId,
        reason: String,
    },
    NotePinned {
        note: NoteId,
        pinned: bool,
    },
    ActionAssigned {
        action: ActionId,
        to: ParticipantId,
        text: String,
        lane: Lane,
        minutes: Option<u32>,
    },
    ActionReadBack {
        action: ActionId,
        readback: String,
    },
    ReadbackConfirmed {
        action: ActionId,
    },
    ReadbackCorrected {
        action: ActionId,
        correction: String,
    },
    ActionCompleted {
        action: ActionId,
        outcome: String,
    },
    ActionCancelled {
        action: ActionId,
        reason: String,
    },
    ConcernRaised {
        concern: ConcernId,
        level: ConcernLevel,
        text: String,
    },
    ConcernEscalated {
        concern: ConcernId,
        level: ConcernLevel,
    },
    ConcernAcknowledged {
        concern: ConcernId,
        response: String,
    },
    ChecklistStarted {
        checklist: ChecklistId,
        title: String,
        template: Option<String>,
        kind: ChecklistKind,
        pause_point: PausePoint,
        items: Vec<NewItem>,
    },
    ChecklistItemAdded {
        checklist: ChecklistId,
        item: NewItem,
    },
    ItemChecked {
        checklist: ChecklistId,
        item: u32,
        value: Option<String>,
    },
    ItemUnchecked {
        checklist: ChecklistId,
        item: u32,
    },
    ItemMarkedNotApplicable {
        checklist: ChecklistId,
        item: u32,
        reason: String,
    },
    CadenceSet {
        every_minutes: Option<u32>,
    },
    /// The commander declared a critical phase.
    SterilePhaseStarted {
        reason: String,
    },
    /// The sterile phase ended (by the commander, or because the incident closed); `released`
    /// are the notes it held, in the order they were written, which enter the timeline here.
    SterilePhaseEnded {
        released: Vec<NoteId>,
    },
    /// The commander's span-of-control limit for this incident; `None`: the default.
    SpanOfControlSet {
        limit: Option<u32>,
    },
    /// The actor started a training scenario and facilitates it. The script stays on the
    /// server; only what players may know is here.
    ScenarioStarted {
        title: String,
        briefing: String,
        expectations: Vec<Expectation>,
        injects: u32,
    },
    ScenarioPaused,
    ScenarioResumed,
    ScenarioEnded,
    /// An inject appeared on the board, from `source`.
    InjectFired {
        inject: Option<u32>,
        source: String,
        text: String,
    },
    /// Only members see the incident from now on; these are its first members.
    IncidentRestricted {
        members: Vec<ParticipantId>,
    },
    /// `participant` may see the restricted incident: added by the actor, or (with `link`) the
    /// actor accepted that invitation.
    MemberAdded {
        participant: ParticipantId,
        link: Option<LinkId>,
    },
    MemberRemoved {
        participant: ParticipantId,
    },
    LinkCreated {
        link: LinkId,
        kind: LinkKind,
        expires_at: Timestamp,
    },
    LinkRevoked {
        link: LinkId,
    },
    // The postmortem's data.
    TitleChanged {
        from: String,
        to: String,
    },
    ImpactSet {
        start: Timestamp,
        end: Option<Timestamp>,
        statement: Option<String>,
    },
    FollowUpAdded {
        follow_up: FollowUpId,
        text: String,
        owner: Owner,
        due: Option<NaiveDate>,
        link: Option<String>,
    },
    /// Each field given replaced the follow-up's; the others stay.
    FollowUpUpdated {
        follow_up: FollowUpId,
        text: Option<String>,
        owner: Option<Owner>,
        due: Option<NaiveDate>,
        link: Option<String>,
        state: Option<FollowUpState>,
    },
    /// A notification from monitoring changed alert group `group` (the actor is the
    /// integration); `change` is what changed, `linked_by` the commander who linked the group
    /// here by hand.
    AlertGroupUpdated {
        group: AlertGroupId,
        state: AlertGroupState,
        #[serde(flatten)]
        change: AlertChange,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        linked_by: Option<ParticipantId>,
    },
    /// The actor acknowledged alert group `group`: dark on the board until it changes.
    AlertGroupAcknowledged {
        group: AlertGroupId,
    },
}
}

/// A checklist item as it is created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewItem {
    pub text: String,
    pub killer: bool,
    pub asks_value: Option<String>,
}

impl Event {
    /// The event's name as stored and sent (its `type`), derived from the variant's name.
    pub fn name(&self) -> &'static str {
        self.into()
    }

    /// Which kind of event this is, without its fields.
    pub fn kind(&self) -> EventKind {
        self.into()
    }
}
