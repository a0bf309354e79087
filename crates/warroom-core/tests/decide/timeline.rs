//! Notes on the timeline: post, amend, retract, pin and unpin. Nothing is ever deleted.

use warroom_core::RejectionCode::{Conflict, Invalid, NotFound, NotPermitted};
use warroom_core::{Event, NoteId, NoteKind, Revision};

use super::*;

const OBSERVATION: NoteKind = NoteKind::Observation;

/// Bob has posted note 1, "Errors at 20%".
fn bob_noted() -> Vec<Step> {
    crew_and([("bob", post(OBSERVATION, "Errors at 20%"))])
}

fn amended(note: u32, text: &str) -> Event {
    Event::NoteAmended {
        note: NoteId(note),
        text: text.into(),
    }
}

fn retracted(note: u32, reason: &str) -> Event {
    Event::NoteRetracted {
        note: NoteId(note),
        reason: reason.into(),
    }
}

fn pinned(note: u32, pinned: bool) -> Event {
    Event::NotePinned {
        note: NoteId(note),
        pinned,
    }
}

#[test]
fn posting_a_note() {
    check(
        &crew(),
        when("bob", post(NoteKind::Hypothesis, " The deploy did it. ")),
        events([Event::NotePosted {
            note: NoteId(1),
            kind: NoteKind::Hypothesis,
            text: "The deploy did it.".into(),
            held: false,
        }]),
    );
    check(
        &bob_noted(),
        when("cat", post(NoteKind::Decision, &long(4_000))),
        events([Event::NotePosted {
            note: NoteId(2),
            kind: NoteKind::Decision,
            text: long(4_000),
            held: false,
        }]),
    );
    check(
        &crew(),
        when("bob", post(OBSERVATION, "\n")),
        rejected(Invalid, "A note cannot be empty."),
    );
    check(
        &crew(),
        when("bob", post(OBSERVATION, &long(4_001))),
        rejected(
            Invalid,
            "A note is 4001 characters long; the limit is 4000.",
        ),
    );
}

#[test]
fn amending_a_note() {
    check(
        &bob_noted(),
        when("bob", amend(1, " Errors at 25% ")),
        events([amended(1, "Errors at 25%")]),
    );
    check(
        &bob_noted(),
        when("cat", amend(1, "Errors at 25%")),
        rejected(
            NotPermitted,
            "Only the author can amend a note; post a new one instead.",
        ),
    );
    // Not even the commander rewrites someone else's words.
    check(
        &bob_noted(),
        when("ann", amend(1, "Errors at 25%")),
        rejected(NotPermitted, "Only the author can amend a note"),
    );
    check(
        &plus(bob_noted(), [("bob", retract(1, "Wrong graph."))]),
        when("bob", amend(1, "Errors at 25%")),
        rejected(Conflict, "That note has been retracted."),
    );
    check(
        &bob_noted(),
        when("bob", amend(1, "  Errors at 20% ")),
        rejected(Invalid, "The amendment is the same as the note."),
    );
    check(
        &bob_noted(),
        when("bob", amend(1, "")),
        rejected(Invalid, "The amended note cannot be empty."),
    );
    check(
        &bob_noted(),
        when("bob", amend(9, "Errors at 25%")),
        rejected(NotFound, "There is no note 9."),
    );
}

#[test]
fn an_amended_note_keeps_its_history() {
    let mut board = Board::given(&bob_noted());
    let posted_at = board.last_at();
    board.exec("bob", &CREW, amend(1, "Errors at 25%")).unwrap();
    let first = board.last_at();
    board.exec("bob", &CREW, amend(1, "Errors at 30%")).unwrap();
    let second = board.last_at();
    let note = &board.incident().notes[&NoteId(1)];
    assert_eq!(note.text, "Errors at 30%");
    assert_eq!((note.at, &note.author), (posted_at, &id("bob")));
    assert_eq!(
        note.history,
        vec![
            Revision {
                text: "Errors at 20%".into(),
                replaced_at: first,
            },
            Revision {
                text: "Errors at 25%".into(),
                replaced_at: second,
            },
        ]
    );
}

#[test]
fn retracting_a_note() {
    check(
        &bob_noted(),
        when("bob", retract(1, " Wrong graph. ")),
        events([retracted(1, "Wrong graph.")]),
    );
    check(
        &bob_noted(),
        when("ann", retract(1, "Not relevant.")),
        events([retracted(1, "Not relevant.")]),
    );
    check(
        &bob_noted(),
        when("cat", retract(1, "Not relevant.")),
        rejected(
            NotPermitted,
            "Only the author or the commander can retract a note.",
        ),
    );
    check(
        &plus(bob_noted(), [("bob", retract(1, "Wrong graph."))]),
        when("ann", retract(1, "Not relevant.")),
        rejected(Conflict, "That note has been retracted."),
    );
    check(
        &bob_noted(),
        when("bob", retract(1, " ")),
        rejected(Invalid, "The reason cannot be empty."),
    );
    check(
        &bob_noted(),
        when("bob", retract(2, "Wrong graph.")),
        rejected(NotFound, "There is no note 2."),
    );
}

#[test]
fn a_retracted_note_is_unpinned_and_kept() {
    let board = check(
        &plus(bob_noted(), [("cat", pin(1, true))]),
        when("ann", retract(1, "Not relevant.")),
        events([pinned(1, false), retracted(1, "Not relevant.")]),
    );
    let note = &board.incident().notes[&NoteId(1)];
    assert!(!note.pinned);
    assert_eq!(note.text, "Errors at 20%");
    let retraction = note.retracted.as_ref().unwrap();
    assert_eq!(
        (&retraction.by, retraction.at, retraction.reason.as_str()),
        (&id("ann"), board.last_at(), "Not relevant.")
    );
}

#[test]
fn pinning_a_note() {
    let board = check(
        &bob_noted(),
        when("dan", pin(1, true)),
        events([pinned(1, true)]),
    );
    assert!(board.incident().notes[&NoteId(1)].pinned);
    let pinned_note = plus(bob_noted(), [("cat", pin(1, true))]);
    let board = check(
        &pinned_note,
        when("dan", pin(1, false)),
        events([pinned(1, false)]),
    );
    assert!(!board.incident().notes[&NoteId(1)].pinned);
    check(
        &pinned_note,
        when("dan", pin(1, true)),
        rejected(Conflict, "That note is pinned already."),
    );
    check(
        &bob_noted(),
        when("dan", pin(1, false)),
        rejected(Conflict, "That note is not pinned."),
    );
    check(
        &plus(bob_noted(), [("bob", retract(1, "Wrong graph."))]),
        when("dan", pin(1, true)),
        rejected(Conflict, "That note has been retracted."),
    );
    check(
        &bob_noted(),
        when("dan", pin(3, true)),
        rejected(NotFound, "There is no note 3."),
    );
}
