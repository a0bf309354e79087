//! Commands: what a participant asks for, in the imperative. `decide` turns each into events or
//! a rejection. Commands are not stored; only the events they produce are.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};

use crate::ids::{
    ActionId, AlertGroupId, ChecklistId, ConcernId, FollowUpId, LinkId, NoteId, ParticipantId,
};
use crate::incident::{AlertGroupState, FollowUpState, Owner};
use crate::incident::{
    ChecklistKind, ConcernLevel, HandoffBrief, Lane, LinkKind, NoteKind, PausePoint, Role,
    Severity, Status,
};
use crate::time::{Precision, Timestamp};
use chrono::NaiveDate;

mod build;

/// What a participant asks for. The `type` of each variant is its name in snake case, for
/// serde and [`Command::name`] alike; [`CommandKind`] lists the variants without their fields.
///
/// **Strict input:** a field a command does not have is refused, with an error naming it, so
/// no client believes it set what it did not. serde's `deny_unknown_fields` does that for the
/// variants with fields, but an internally tagged unit variant (`pause_scenario`, `restrict`…)
/// ignores whatever comes with its tag: read commands from outside with [`strict`], which
/// refuses those too. (The `submit` message does.)
#[derive(
    Debug,
    Clone,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumDiscriminants,
)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[strum(serialize_all = "snake_case")]
#[strum_discriminants(
    name(CommandKind),
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
pub enum Command {
    /// Open the incident; the declarer becomes its first commander.
    Declare {
        title: String,
        severity: Severity,
        drill: bool,
        /// The declarer's display name.
        name: String,
        /// Recorded after the fact: the incident is over, or well under way, and is entered
        /// from what happened. Needs `occurred_at`, its real start.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        retrospective: bool,
        /// When it happened, as the person says (backdating); `None`: now. See
        /// `decide::occurred` for the bounds.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        occurred_at: Option<Timestamp>,
        /// How exact `occurred_at` is (`exact` when not given); only with `occurred_at`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        precision: Option<Precision>,
    },
    /// Record a participant's first join, or a change of display name. The server sends it on
    /// the participant's behalf when they say hello.
    Join {
        name: String,
    },
    SetSeverity {
        severity: Severity,
        /// When it happened, as the person says (backdating); `None`: now. See
        /// `decide::occurred` for the bounds.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        occurred_at: Option<Timestamp>,
        /// How exact `occurred_at` is (`exact` when not given); only with `occurred_at`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        precision: Option<Precision>,
    },
    SetStatus {
        status: Status,
        /// When it happened, as the person says (backdating); `None`: now. See
        /// `decide::occurred` for the bounds.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        occurred_at: Option<Timestamp>,
        /// How exact `occurred_at` is (`exact` when not given); only with `occurred_at`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        precision: Option<Precision>,
    },
    SetSummary {
        text: String,
    },
    /// Step 1 of the positive exchange: the holder offers the role to a present participant.
    OfferRole {
        role: Role,
        to: ParticipantId,
        /// Required for Commander.
        brief: Option<HandoffBrief>,
    },
    /// Step 2, yes: "I have control."
    AcceptRole {
        role: Role,
    },
    /// Step 2, no.
    DeclineRole {
        role: Role,
        reason: String,
    },
    /// Step 3: "You have control." Only now does the role move.
    ConfirmHandover {
        role: Role,
    },
    /// The offerer withdraws an offer not yet confirmed.
    CancelOffer {
        role: Role,
    },
    /// Take a vacant role (not Commander).
    ClaimRole {
        role: Role,
    },
    /// Give up a role (not Commander).
    ReleaseRole {
        role: Role,
    },
    /// Take a role whose holder is not connected.
    AssumeRole {
        role: Role,
        reason: String,
    },
    PostNote {
        kind: NoteKind,
        text: String,
        /// During a sterile phase, post it to the shared timeline now rather than hold it
        /// until the phase ends. Ignored outside a phase; left out, false.
        #[serde(default, skip_serializing_if = "is_false")]
        essential: bool,
        /// When it happened, as the person says (backdating); `None`: now. See
        /// `decide::occurred` for the bounds.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        occurred_at: Option<Timestamp>,
        /// How exact `occurred_at` is (`exact` when not given); only with `occurred_at`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        precision: Option<Precision>,
    },
    AmendNote {
        note: NoteId,
        text: String,
    },
    RetractNote {
        note: NoteId,
        reason: String,
    },
    PinNote {
        note: NoteId,
        pinned: bool,
    },
    AssignAction {
        to: ParticipantId,
        text: String,
        lane: Lane,
        /// The time box, in minutes.
        minutes: Option<u32>,
    },
    /// The assignee says back what they understood.
    ReadBackAction {
        action: ActionId,
        readback: String,
    },
    /// The assigner hears the readback and confirms it: the loop is closed.
    ConfirmReadback {
        action: ActionId,
    },
    /// The assigner hears the readback and corrects it; the assignee reads back again.
    CorrectReadback {
        action: ActionId,
        correction: String,
    },
    CompleteAction {
        action: ActionId,
        outcome: String,
    },
    CancelAction {
        action: ActionId,
        reason: String,
    },
    RaiseConcern {
        level: ConcernLevel,
        text: String,
    },
    /// Raise an open or answered concern again: it escalates one level.
    RaiseConcernAgain {
        concern: ConcernId,
    },
    AcknowledgeConcern {
        concern: ConcernId,
        response: String,
    },
    /// Start a checklist from a built-in template.
    StartChecklist {
        template: String,
    },
    /// Start an ad-hoc checklist with no items yet.
    CreateChecklist {
        title: String,
        kind: ChecklistKind,
        pause_point: PausePoint,
    },
    AddChecklistItem {
        checklist: ChecklistId,
        text: String,
        killer: bool,
        asks_value: Option<String>,
    },
    CheckItem {
        checklist: ChecklistId,
        item: u32,
        /// The observed value, for an item that asks for one.
        value: Option<String>,
    },
    UncheckItem {
        checklist: ChecklistId,
        item: u32,
    },
    MarkItemNotApplicable {
        checklist: ChecklistId,
        item: u32,
        reason: String,
    },
    /// Declare a critical phase (the sterile cockpit): until it ends, notes that are not
    /// essential are held back from the shared timeline.
    StartSterilePhase {
        reason: String,
    },
    /// End the sterile phase; the notes it held enter the timeline.
    EndSterilePhase,
    /// Set (or with `None`, restore to the default) how many open actions or direct reports
    /// the commander may hold before the span-of-control advisory stands.
    SetSpanOfControl {
        limit: Option<u32>,
    },
    /// Set (or with `None`, clear) the status-update cadence.
    SetCadence {
        every_minutes: Option<u32>,
    },
    /// Start a training scenario on this exercise; the sender becomes its facilitator. Either
    /// a built-in scenario's id or a scenario file's text.
    StartScenario {
        builtin: Option<String>,
        script: Option<String>,
    },
    PauseScenario,
    ResumeScenario,
    EndScenario,
    /// Put an inject on the board: a script inject by index (fired on time by the server, or
    /// early by the facilitator), or an ad-hoc one (`inject: None`).
    FireInject {
        inject: Option<u32>,
        source: String,
        text: String,
    },
    /// Make the incident visible to its members only; everyone who has joined becomes one.
    Restrict,
    /// Let `participant` see the restricted incident.
    AddMember {
        participant: ParticipantId,
    },
    RemoveMember {
        participant: ParticipantId,
    },
    /// Make an invitation or observer link lasting `hours`. The server sends it for the
    /// commander (`POST /api/incidents/{id}/links`): it alone holds the link's secret token.
    CreateLink {
        kind: LinkKind,
        hours: u32,
    },
    RevokeLink {
        link: LinkId,
    },
    /// Become a member by an invitation. The server sends it for whoever opened the link, once
    /// it has checked the link's token.
    AcceptInvitation {
        link: LinkId,
    },
    // The postmortem's data (`decide::postmortem`); allowed after close too.
    /// Rename the incident (the commander); the earlier titles are kept.
    SetTitle {
        title: String,
    },
    /// Set (or revise) the impact window and the customer-impact statement (the commander).
    SetImpact {
        start: Timestamp,
        #[serde(default)]
        end: Option<Timestamp>,
        #[serde(default)]
        statement: Option<String>,
    },
    /// Add a follow-up item (anyone who has joined).
    AddFollowUp {
        text: String,
        owner: Owner,
        #[serde(default)]
        due: Option<NaiveDate>,
        #[serde(default)]
        link: Option<String>,
    },
    /// Change a follow-up: each field given replaces the current one (anyone who has joined).
    UpdateFollowUp {
        follow_up: FollowUpId,
        #[serde(default)]
        text: Option<String>,
        #[serde(default)]
        owner: Option<Owner>,
        #[serde(default)]
        due: Option<NaiveDate>,
        #[serde(default)]
        link: Option<String>,
        #[serde(default)]
        state: Option<FollowUpState>,
    },
    // Alert groups from monitoring (`decide::alert_groups`).
    /// Record what a notification says of an alert group. Only an integration sends it (the
    /// server's Alertmanager receiver, `integration-…`); `linked_by` is the commander who
    /// linked an unrouted group to this incident.
    RecordAlertGroup {
        group: AlertGroupState,
        #[serde(default)]
        linked_by: Option<ParticipantId>,
    },
    /// Silence an alert group on the board until it changes (anyone who has joined).
    AcknowledgeAlertGroup {
        group: AlertGroupId,
    },
}

impl Command {
    /// The command's name as it appears on the wire (its `type`), derived from the variant's
    /// name.
    pub fn name(&self) -> &'static str {
        self.into()
    }

    /// Which kind of command this is, without its fields.
    pub fn kind(&self) -> CommandKind {
        self.into()
    }

    /// The time the command says its events happened at, and how exactly (`occurred_at` and
    /// `precision`, on the commands that carry them).
    pub fn occurred(&self) -> (Option<Timestamp>, Option<Precision>) {
        match self {
            Self::Declare {
                occurred_at,
                precision,
                ..
            }
            | Self::SetSeverity {
                occurred_at,
                precision,
                ..
            }
            | Self::SetStatus {
                occurred_at,
                precision,
                ..
            }
            | Self::PostNote {
                occurred_at,
                precision,
                ..
            } => (*occurred_at, *precision),
            _ => (None, None),
        }
    }
}

/// Reads a command strictly: every field must be one the command has. The error names the
/// command and the field (`the post_note command: unknown field `at`, expected …`).
pub fn strict<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Command, D::Error> {
    let value = serde_json::Value::deserialize(deserializer)?;
    let name = value
        .get("type")
        .and_then(|t| t.as_str())
        .unwrap_or("")
        .to_owned();
    let command = Command::deserialize(&value)
        .map_err(|e| D::Error::custom(format!("the {name} command: {e}")))?;
    // A unit variant accepted whatever came with its tag: refuse any field besides it.
    let fields = serde_json::to_value(&command)
        .ok()
        .and_then(|v| v.as_object().map(serde_json::Map::len));
    if fields == Some(1)
        && let Some(stray) = value
            .as_object()
            .and_then(|o| o.keys().find(|k| k.as_str() != "type"))
    {
        return Err(D::Error::custom(format!(
            "the {name} command: unknown field `{stray}`, it has no fields"
        )));
    }
    Ok(command)
}

/// For `skip_serializing_if`: a flag left out of the JSON while false.
pub(crate) fn is_false(flag: &bool) -> bool {
    !*flag
}
