//! The generators reach everything: a fixed-seed sample of generated incidents produces every
//! kind of event and every rejection that can happen after a declaration, most steps are
//! accepted, and the message generators produce every variant. Without this, a property could
//! pass by never getting past the first offer.
//!
//! The matches below have no wildcard arms: a new event, command or message does not compile
//! until it is counted here, and then fails until the generators produce it.

use std::collections::BTreeSet;

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use warroom_core::RejectionCode;
use warroom_core::protocol::{ClientMessage, ServerMessage};

use super::*;

/// `n` values of `strategy`, the same ones on every run.
fn sample<S: Strategy>(strategy: S, n: usize) -> Vec<S::Value> {
    let mut runner = TestRunner::deterministic();
    (0..n)
        .map(|_| strategy.new_tree(&mut runner).unwrap().current())
        .collect()
}

const EVENT_KINDS: usize = 42;

fn event_kind(event: &Event) -> usize {
    match event {
        Event::IncidentDeclared { .. } => 0,
        Event::ParticipantJoined { .. } => 1,
        Event::SeverityChanged { .. } => 2,
        Event::StatusChanged { .. } => 3,
        Event::SummaryUpdated { .. } => 4,
        Event::RoleOffered { .. } => 5,
        Event::RoleOfferAccepted { .. } => 6,
        Event::RoleOfferDeclined { .. } => 7,
        Event::RoleOfferCancelled { .. } => 8,
        Event::RoleHandedOver { .. } => 9,
        Event::RoleClaimed { .. } => 10,
        Event::RoleReleased { .. } => 11,
        Event::RoleAssumed { .. } => 12,
        Event::NotePosted { .. } => 13,
        Event::NoteAmended { .. } => 14,
        Event::NoteRetracted { .. } => 15,
        Event::NotePinned { .. } => 16,
        Event::ActionAssigned { .. } => 17,
        Event::ActionReadBack { .. } => 18,
        Event::ReadbackConfirmed { .. } => 19,
        Event::ReadbackCorrected { .. } => 20,
        Event::ActionCompleted { .. } => 21,
        Event::ActionCancelled { .. } => 22,
        Event::ConcernRaised { .. } => 23,
        Event::ConcernEscalated { .. } => 24,
        Event::ConcernAcknowledged { .. } => 25,
        Event::ChecklistStarted { .. } => 26,
        Event::ChecklistItemAdded { .. } => 27,
        Event::ItemChecked { .. } => 28,
        Event::ItemUnchecked { .. } => 29,
        Event::ItemMarkedNotApplicable { .. } => 30,
        Event::CadenceSet { .. } => 31,
        Event::ScenarioStarted { .. } => 32,
        Event::ScenarioPaused => 33,
        Event::ScenarioResumed => 34,
        Event::ScenarioEnded => 35,
        Event::InjectFired { .. } => 36,
        Event::IncidentRestricted { .. } => 37,
        Event::MemberAdded { .. } => 38,
        Event::MemberRemoved { .. } => 39,
        Event::LinkCreated { .. } => 40,
        Event::LinkRevoked { .. } => 41,
    }
}

const COMMAND_KINDS: usize = 44;

fn command_kind(command: &Command) -> usize {
    match command {
        Command::Declare { .. } => 0,
        Command::Join { .. } => 1,
        Command::SetSeverity { .. } => 2,
        Command::SetStatus { .. } => 3,
        Command::SetSummary { .. } => 4,
        Command::SetCadence { .. } => 5,
        Command::OfferRole { .. } => 6,
        Command::AcceptRole { .. } => 7,
        Command::DeclineRole { .. } => 8,
        Command::ConfirmHandover { .. } => 9,
        Command::CancelOffer { .. } => 10,
        Command::ClaimRole { .. } => 11,
        Command::ReleaseRole { .. } => 12,
        Command::AssumeRole { .. } => 13,
        Command::PostNote { .. } => 14,
        Command::AmendNote { .. } => 15,
        Command::RetractNote { .. } => 16,
        Command::PinNote { .. } => 17,
        Command::AssignAction { .. } => 18,
        Command::ReadBackAction { .. } => 19,
        Command::ConfirmReadback { .. } => 20,
        Command::CorrectReadback { .. } => 21,
        Command::CompleteAction { .. } => 22,
        Command::CancelAction { .. } => 23,
        Command::RaiseConcern { .. } => 24,
        Command::RaiseConcernAgain { .. } => 25,
        Command::AcknowledgeConcern { .. } => 26,
        Command::StartChecklist { .. } => 27,
        Command::CreateChecklist { .. } => 28,
        Command::AddChecklistItem { .. } => 29,
        Command::CheckItem { .. } => 30,
        Command::UncheckItem { .. } => 31,
        Command::MarkItemNotApplicable { .. } => 32,
        Command::StartScenario { .. } => 33,
        Command::PauseScenario => 34,
        Command::ResumeScenario => 35,
        Command::EndScenario => 36,
        Command::FireInject { .. } => 37,
        Command::Restrict => 38,
        Command::AddMember { .. } => 39,
        Command::RemoveMember { .. } => 40,
        Command::CreateLink { .. } => 41,
        Command::RevokeLink { .. } => 42,
        Command::AcceptInvitation { .. } => 43,
    }
}

#[test]
fn generated_incidents_reach_every_event_and_rejection() {
    let mut events = BTreeSet::new();
    let mut names = BTreeSet::new();
    let mut codes = BTreeSet::new();
    let (mut steps_played, mut accepted, mut handovers) = (0, 0, 0);
    for steps in sample(sequence(), 1000) {
        play(&steps, |p| {
            steps_played += 1;
            match p.outcome {
                Ok(recorded) => {
                    accepted += 1;
                    for r in recorded {
                        events.insert(event_kind(&r.event));
                        names.insert(r.event.name());
                        if let Event::RoleHandedOver { .. } = r.event {
                            handovers += 1;
                        }
                    }
                }
                Err(rejection) => {
                    codes.insert(format!("{:?}", rejection.code));
                }
            }
            Ok(())
        })
        .unwrap();
    }
    assert_eq!(events.len(), EVENT_KINDS, "events generated: {names:?}");
    // Every sequence starts with a declaration, so only NotDeclared cannot come up.
    let expected: BTreeSet<String> = [
        RejectionCode::AlreadyDeclared,
        RejectionCode::Closed,
        RejectionCode::NotPermitted,
        RejectionCode::Presence,
        RejectionCode::Invalid,
        RejectionCode::NotFound,
        RejectionCode::Conflict,
    ]
    .iter()
    .map(|c| format!("{c:?}"))
    .collect();
    assert_eq!(codes, expected);
    assert!(
        accepted * 5 >= steps_played * 2,
        "only {accepted} of {steps_played} steps were accepted"
    );
    assert!(handovers >= 100, "only {handovers} handovers");
}

#[test]
fn generated_messages_cover_every_variant() {
    let mut client = BTreeSet::new();
    let mut commands = BTreeSet::new();
    for message in sample(client_message(), 2_000) {
        client.insert(match message {
            ClientMessage::Hello { .. } => 0,
            ClientMessage::Submit { command, .. } => {
                commands.insert(command_kind(&command));
                1
            }
            ClientMessage::History { .. } => 2,
            ClientMessage::Ping { .. } => 3,
        });
    }
    assert_eq!(client.len(), 4);
    assert_eq!(commands.len(), COMMAND_KINDS);

    let mut server = BTreeSet::new();
    for message in sample(server_message(), 300) {
        server.insert(match message {
            ServerMessage::Welcome { .. } => 0,
            ServerMessage::Snapshot { .. } => 1,
            ServerMessage::Events { .. } => 2,
            ServerMessage::History { .. } => 3,
            ServerMessage::Ack { .. } => 4,
            ServerMessage::Rejected { .. } => 5,
            ServerMessage::Presence { .. } => 6,
            ServerMessage::Error { .. } => 7,
            ServerMessage::Pong { .. } => 8,
        });
    }
    assert_eq!(server.len(), 9);
}
