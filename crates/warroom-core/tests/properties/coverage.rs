//! The generators reach everything: a fixed-seed sample of generated incidents produces every
//! kind of event and every rejection that can happen after a declaration, most steps are
//! accepted, and the message generators produce every variant. Without this, a property could
//! pass by never getting past the first offer.
//!
//! The kinds of events and commands are derived from the enums (`EventKind`, `CommandKind`) and
//! the message matches below have no wildcard arms: a new event, command or message is counted
//! here as soon as it exists, and then fails until the generators produce it.

use std::collections::BTreeSet;

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use strum::{EnumCount as _, IntoEnumIterator as _};
use warroom_core::protocol::{ClientMessage, ServerMessage};
use warroom_core::{CommandKind, EventKind, RejectionCode};

use super::*;

/// `n` values of `strategy`, the same ones on every run.
fn sample<S: Strategy>(strategy: S, n: usize) -> Vec<S::Value> {
    let mut runner = TestRunner::deterministic();
    (0..n)
        .map(|_| strategy.new_tree(&mut runner).unwrap().current())
        .collect()
}

/// Every kind of event and command, derived from the enums: a new variant is counted here by
/// itself, and then fails until the generators produce it.
const EVENT_KINDS: usize = EventKind::COUNT;
const COMMAND_KINDS: usize = CommandKind::COUNT;

fn event_kind(event: &Event) -> EventKind {
    event.kind()
}

fn command_kind(command: &Command) -> CommandKind {
    command.kind()
}

#[test]
fn generated_incidents_reach_every_event_and_rejection() {
    let mut events = BTreeSet::new();
    let mut names = BTreeSet::new();
    let mut codes = BTreeSet::new();
    let (mut steps_played, mut accepted, mut handovers) = (0, 0, 0);
    for steps in sample(sequence(), 1500) {
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
    let expected: BTreeSet<String> = RejectionCode::iter()
        .filter(|c| *c != RejectionCode::NotDeclared)
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
