//! Strict input: a field a command does not have is refused, with an error naming it — for
//! every command (the variants come from `CommandKind::iter()`, so a new command cannot be
//! left out), for the nested handoff brief, through the `submit` message, and for every HTTP
//! request body of `warroom_core::api`.

use serde_json::{Value, json};
use strum::IntoEnumIterator;
use warroom_core::api::{AcceptLink, DeclareRequest, LinkRequest, ScenarioText, SignIn};
use warroom_core::protocol::{ClientMessage, DecodeError, ErrorCode, decode_client};
use warroom_core::*;

/// One valid command of each kind. The match is exhaustive: a new command must add its sample.
fn sample(kind: CommandKind) -> Command {
    let who = ParticipantId::parse("bob").unwrap();
    match kind {
        CommandKind::Declare => Command::Declare {
            title: "Checkout errors".into(),
            severity: Severity::Sev2,
            drill: false,
            name: "Ann".into(),
            retrospective: false,
            occurred_at: None,
            precision: None,
        },
        CommandKind::Join => Command::Join { name: "Bob".into() },
        CommandKind::SetSeverity => Command::SetSeverity {
            severity: Severity::Sev1,
            occurred_at: None,
            precision: None,
        },
        CommandKind::SetStatus => Command::SetStatus {
            status: Status::Mitigated,
            occurred_at: None,
            precision: None,
        },
        CommandKind::SetSummary => Command::SetSummary { text: "x".into() },
        CommandKind::OfferRole => Command::OfferRole {
            role: Role::Commander,
            to: who,
            brief: Some(HandoffBrief::default()),
        },
        CommandKind::AcceptRole => Command::AcceptRole {
            role: Role::Commander,
        },
        CommandKind::DeclineRole => Command::DeclineRole {
            role: Role::Scribe,
            reason: "busy".into(),
        },
        CommandKind::ConfirmHandover => Command::ConfirmHandover {
            role: Role::Commander,
        },
        CommandKind::CancelOffer => Command::CancelOffer {
            role: Role::Commander,
        },
        CommandKind::ClaimRole => Command::ClaimRole { role: Role::Scribe },
        CommandKind::ReleaseRole => Command::ReleaseRole { role: Role::Scribe },
        CommandKind::AssumeRole => Command::AssumeRole {
            role: Role::Commander,
            reason: "gone".into(),
        },
        CommandKind::PostNote => Command::PostNote {
            kind: NoteKind::Observation,
            text: "x".into(),
            essential: false,
            occurred_at: None,
            precision: None,
        },
        CommandKind::StartSterilePhase => Command::StartSterilePhase {
            reason: "failover".into(),
        },
        CommandKind::EndSterilePhase => Command::EndSterilePhase,
        CommandKind::SetSpanOfControl => Command::SetSpanOfControl { limit: Some(5) },
        CommandKind::AmendNote => Command::AmendNote {
            note: NoteId(1),
            text: "x".into(),
        },
        CommandKind::RetractNote => Command::RetractNote {
            note: NoteId(1),
            reason: "x".into(),
        },
        CommandKind::PinNote => Command::PinNote {
            note: NoteId(1),
            pinned: true,
        },
        CommandKind::AssignAction => Command::AssignAction {
            to: who,
            text: "x".into(),
            lane: Lane::Mitigate,
            minutes: Some(5),
        },
        CommandKind::ReadBackAction => Command::ReadBackAction {
            action: ActionId(1),
            readback: "x".into(),
        },
        CommandKind::ConfirmReadback => Command::ConfirmReadback {
            action: ActionId(1),
        },
        CommandKind::CorrectReadback => Command::CorrectReadback {
            action: ActionId(1),
            correction: "x".into(),
        },
        CommandKind::CompleteAction => Command::CompleteAction {
            action: ActionId(1),
            outcome: "x".into(),
        },
        CommandKind::CancelAction => Command::CancelAction {
            action: ActionId(1),
            reason: "x".into(),
        },
        CommandKind::RaiseConcern => Command::RaiseConcern {
            level: ConcernLevel::Concerned,
            text: "x".into(),
        },
        CommandKind::RaiseConcernAgain => Command::RaiseConcernAgain {
            concern: ConcernId(1),
        },
        CommandKind::AcknowledgeConcern => Command::AcknowledgeConcern {
            concern: ConcernId(1),
            response: "x".into(),
        },
        CommandKind::StartChecklist => Command::StartChecklist {
            template: "x".into(),
        },
        CommandKind::CreateChecklist => Command::CreateChecklist {
            title: "x".into(),
            kind: ChecklistKind::ReadDo,
            pause_point: PausePoint::AdHoc,
        },
        CommandKind::AddChecklistItem => Command::AddChecklistItem {
            checklist: ChecklistId(1),
            text: "x".into(),
            killer: false,
            asks_value: None,
        },
        CommandKind::CheckItem => Command::CheckItem {
            checklist: ChecklistId(1),
            item: 1,
            value: None,
        },
        CommandKind::UncheckItem => Command::UncheckItem {
            checklist: ChecklistId(1),
            item: 1,
        },
        CommandKind::MarkItemNotApplicable => Command::MarkItemNotApplicable {
            checklist: ChecklistId(1),
            item: 1,
            reason: "x".into(),
        },
        CommandKind::SetCadence => Command::SetCadence {
            every_minutes: Some(15),
        },
        CommandKind::StartScenario => Command::StartScenario {
            builtin: Some("x".into()),
            script: None,
        },
        CommandKind::PauseScenario => Command::PauseScenario,
        CommandKind::ResumeScenario => Command::ResumeScenario,
        CommandKind::EndScenario => Command::EndScenario,
        CommandKind::FireInject => Command::FireInject {
            inject: None,
            source: "x".into(),
            text: "x".into(),
        },
        CommandKind::Restrict => Command::Restrict,
        CommandKind::AddMember => Command::AddMember { participant: who },
        CommandKind::RemoveMember => Command::RemoveMember { participant: who },
        CommandKind::CreateLink => Command::CreateLink {
            kind: LinkKind::Observe,
            hours: 1,
        },
        CommandKind::RevokeLink => Command::RevokeLink { link: LinkId(1) },
        CommandKind::AcceptInvitation => Command::AcceptInvitation { link: LinkId(1) },
        CommandKind::SetTitle => Command::SetTitle { title: "x".into() },
        CommandKind::SetImpact => Command::SetImpact {
            start: "2025-03-01T09:00:00Z".parse().unwrap(),
            end: None,
            statement: Some("x".into()),
        },
        CommandKind::AddFollowUp => Command::AddFollowUp {
            text: "x".into(),
            owner: Owner::Name("DB team".into()),
            due: Some("2025-03-21".parse().unwrap()),
            link: None,
        },
        CommandKind::UpdateFollowUp => Command::UpdateFollowUp {
            follow_up: FollowUpId(1),
            text: None,
            owner: Some(Owner::Participant(who)),
            due: None,
            link: None,
            state: Some(FollowUpState::Done),
        },
        CommandKind::RecordAlertGroup => Command::RecordAlertGroup {
            group: warroom_core::incident::AlertGroupState {
                key: "{}:{alertname=\"X\"}".into(),
                receiver: "warroom".into(),
                status: warroom_core::incident::AlertStatus::Firing,
                level: warroom_core::incident::AlertLevel::Warning,
                labels: [("alertname".to_owned(), "X".to_owned())].into(),
                summary: None,
                firing: 2,
                resolved: 0,
            },
            linked_by: Some(who),
        },
        CommandKind::AcknowledgeAlertGroup => Command::AcknowledgeAlertGroup {
            group: warroom_core::ids::AlertGroupId(1),
        },
    }
}

/// `value` (an object) with one more field.
fn with_field(mut value: Value, field: &str) -> Value {
    value
        .as_object_mut()
        .expect("an object")
        .insert(field.to_owned(), json!("2025-03-01T09:00:00Z"));
    value
}

fn submit(command: Value) -> String {
    json!({"type": "submit", "id": "c-1", "command": command}).to_string()
}

#[test]
fn every_command_refuses_a_field_it_does_not_have_and_names_it() {
    for kind in CommandKind::iter() {
        let command = sample(kind);
        assert_eq!(command.kind(), kind, "the sample of {kind:?}");
        let plain = serde_json::to_value(&command).unwrap();
        // The sample itself is read, exactly, through `submit`.
        match decode_client(&submit(plain.clone())) {
            Ok(ClientMessage::Submit { command: read, .. }) => assert_eq!(read, command),
            other => panic!("the sample of {kind:?} was not read: {other:?}"),
        }
        // With a stray field it is refused, naming the field and the command.
        let stray = with_field(plain, "occurred_at_typo");
        let err = decode_client(&submit(stray.clone())).expect_err(&format!("{kind:?} + stray"));
        assert_eq!(err.code(), ErrorCode::Malformed, "{kind:?}");
        assert_eq!(err.command().map(|c| c.to_string()), Some("c-1".into()));
        let message = err.to_string();
        assert!(
            message.contains("unknown field `occurred_at_typo`")
                && message.contains(command.name()),
            "{kind:?}: {message}"
        );
        // Read strictly on its own, too.
        let alone = warroom_core::command::strict(&stray).expect_err("strict");
        assert!(
            alone.to_string().contains("occurred_at_typo"),
            "{kind:?}: {alone}"
        );
    }
}

#[test]
fn a_field_of_a_handoff_brief_it_does_not_have_is_refused() {
    let mut command = serde_json::to_value(sample(CommandKind::OfferRole)).unwrap();
    command["brief"]["deadline"] = json!("soon");
    let err = decode_client(&submit(command)).unwrap_err();
    assert!(
        err.to_string().contains("unknown field `deadline`"),
        "{err}"
    );
}

#[test]
fn a_submit_whose_id_cannot_be_read_is_malformed_without_a_command() {
    let text =
        json!({"type": "submit", "id": "not an id", "command": {"type": "restrict", "x": 1}})
            .to_string();
    let err = decode_client(&text).unwrap_err();
    assert!(matches!(err, DecodeError::Malformed(_)), "{err:?}");
    assert_eq!(err.command(), None);
}

#[test]
fn every_http_body_refuses_a_field_it_does_not_have_and_names_it() {
    fn refused<T: serde::de::DeserializeOwned + std::fmt::Debug>(body: Value) {
        serde_json::from_value::<T>(body.clone()).expect("the plain body is read");
        let err = serde_json::from_value::<T>(with_field(body, "participant")).unwrap_err();
        assert!(
            err.to_string().contains("unknown field `participant`"),
            "{}: {err}",
            std::any::type_name::<T>()
        );
    }
    refused::<DeclareRequest>(json!({"title": "x", "severity": "SEV2"}));
    refused::<LinkRequest>(json!({"kind": "observe", "hours": 1}));
    refused::<AcceptLink>(json!({"token": "x"}));
    refused::<SignIn>(json!({"name": "x"}));
    refused::<ScenarioText>(json!({"text": "x"}));
}
