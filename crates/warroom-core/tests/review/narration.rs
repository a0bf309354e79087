//! The timeline's sentences: your own doings told to you in the second person, everyone
//! else's (and the exports) in the third; pins named by what was pinned and filed as pins; and
//! the review's key moments, which include the safety issue and the sterile phase.

use warroom_core::export::markdown;
use warroom_core::narrate::moments::key_moments;
use warroom_core::narrate::{EntryKind, describe, describe_for, kind_of};
use warroom_core::{Event, NoteKind, Recorded, TextId as _};

use super::*;

/// Bob notes "Errors at 20%."; Ann decides to roll back and pins the decision; Ann offers
/// command to Bob, who takes it.
fn story() -> Vec<Timed> {
    crew_and([
        t(40, "bob", note("Errors at 20%.")),
        t(
            50,
            "ann",
            post(NoteKind::Decision, "Roll back the 09:00 deploy."),
        ),
        t(60, "ann", pin(2, true)),
        t(70, "ann", offer_command("bob")),
        t(80, "bob", accept(Role::Commander)),
        t(90, "ann", confirm(Role::Commander)),
    ])
}

fn event(log: &[Recorded], f: impl Fn(&Event) -> bool) -> &Recorded {
    log.iter()
        .find(|r| f(&r.event))
        .expect("the event is in the log")
}

fn pin(note: u32, pinned: bool) -> Command {
    Command::PinNote {
        note: warroom_core::NoteId(note),
        pinned,
    }
}

#[test]
fn your_own_doings_are_told_to_you_in_the_second_person() {
    let (state, log) = play(&story());
    let board = state.unwrap();
    let pinned = event(&log, |e| matches!(e, Event::NotePinned { .. }));
    let (ann, bob) = (id("ann"), id("bob"));
    assert_eq!(
        describe_for(&board, pinned, Some(&ann)),
        "You pinned \"Roll back the 09:00 deploy.\""
    );
    assert_eq!(
        describe_for(&board, pinned, Some(&bob)),
        "Ann pinned \"Roll back the 09:00 deploy.\""
    );
    assert_eq!(
        describe(&board, pinned),
        "Ann pinned \"Roll back the 09:00 deploy.\""
    );
    let offered = event(&log, |e| matches!(e, Event::RoleOffered { .. }));
    assert_eq!(
        describe_for(&board, offered, Some(&bob)),
        "Ann offered COMMAND to you"
    );
    assert_eq!(
        describe_for(&board, offered, Some(&ann)),
        "You offered COMMAND to Bob"
    );
    let handed = event(&log, |e| matches!(e, Event::RoleHandedOver { .. }));
    assert_eq!(
        describe_for(&board, handed, Some(&bob)),
        "Ann: \"You have control\" — you are now Commander"
    );
    assert_eq!(
        describe(&board, handed),
        "Ann: \"You have control\" — Bob is now Commander"
    );
    let joined = event(&log, |e| matches!(e, Event::ParticipantJoined { .. }));
    assert_eq!(describe_for(&board, joined, Some(&bob)), "You joined");
    // The postmortem draft, read by anyone, stays in the third person.
    let md = markdown(&warroom_core::IncidentId::parse("inc-1").unwrap(), &log).unwrap();
    assert!(
        md.contains("Ann pinned \"Roll back the 09:00 deploy.\""),
        "{md}"
    );
    assert!(!md.contains("You pinned"), "{md}");
}

#[test]
fn a_pin_is_filed_as_a_pin_and_names_what_was_pinned() {
    let long_text = "The replica in eu-west is 40 seconds behind and the lag keeps growing fast";
    let (state, log) = play(&crew_and([
        t(40, "ann", post(NoteKind::Decision, "Fail over.")),
        t(50, "bob", pin(1, true)),
        t(60, "bob", note(long_text)),
        t(70, "cat", pin(2, true)),
        t(80, "cat", pin(2, false)),
    ]));
    let board = state.unwrap();
    let pins: Vec<&Recorded> = log
        .iter()
        .filter(|r| matches!(r.event, Event::NotePinned { .. }))
        .collect();
    assert_eq!(
        kind_of(&board, &pins[0].event),
        EntryKind::Pin(NoteKind::Decision)
    );
    assert_eq!(kind_of(&board, &pins[0].event).label(), "Pin");
    assert_eq!(describe(&board, pins[0]), "Bob pinned \"Fail over.\"");
    assert_eq!(
        describe(&board, pins[1]),
        "Cat pinned \"The replica in eu-west is 40 seconds behind and the lag…\""
    );
    assert_eq!(
        describe(&board, pins[2]),
        "Cat unpinned \"The replica in eu-west is 40 seconds behind and the lag…\""
    );
    // No sentence shows a note's number.
    for r in &log {
        let text = describe(&board, r);
        assert!(
            !text.contains("note 1") && !text.contains("note 2"),
            "{text}"
        );
    }
}

#[test]
fn key_moments_include_the_safety_issue_and_the_sterile_phase() {
    let (_, log) = play(&plus_story([
        t(
            100,
            "cat",
            raise(ConcernLevel::SafetyIssue, "The rollback drops payments."),
        ),
        t(110, "bob", acknowledge(1, "Holding the rollback.")),
        t(
            120,
            "dan",
            raise(ConcernLevel::Concerned, "Dashboards are slow."),
        ),
        t(130, "dan", raise_again(2)),
        t(140, "dan", raise_again(2)),
        t(150, "bob", start_sterile("Failover in progress")),
        t(160, "bob", end_sterile()),
        t(170, "bob", set_status(Status::Mitigated)),
    ]));
    let moments: Vec<String> = key_moments(&log, Some(&id("bob")))
        .into_iter()
        .map(|(_, text)| text)
        .collect();
    assert_eq!(
        moments,
        [
            "Roll back the 09:00 deploy.",
            "Ann: \"You have control\" — you are now Commander",
            "Cat: This is a safety issue. The rollback drops payments.",
            "Safety issue answered — You acknowledged \"The rollback drops payments.\": Holding the rollback.",
            "Dan raised again: This is a safety issue. Dashboards are slow.",
            "You declared a sterile phase: Failover in progress. Notes not marked essential wait until it ends",
            "You ended the sterile phase; no notes were held",
            "You changed status Investigating → Mitigated",
        ]
    );
}

fn plus_story(more: impl IntoIterator<Item = Timed>) -> Vec<Timed> {
    let mut steps = story();
    steps.extend(more);
    steps
}
