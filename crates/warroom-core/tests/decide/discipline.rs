//! Crew discipline: the sterile phase (only the commander starts and ends it; notes that are
//! not essential are held back and released, in the order written, when it ends or the
//! incident closes), the span-of-control setting, and the checklist item that sets the
//! status-update cadence.

use warroom_core::RejectionCode::{Conflict, Invalid, NotPermitted};
use warroom_core::narrate::moments::timeline;
use warroom_core::protocol::{BoardFromWire, BoardWire};
use warroom_core::replay::Replay;
use warroom_core::{Event, NoteId, NoteKind, Release, Status};

use super::*;

const OBSERVATION: NoteKind = NoteKind::Observation;

fn started(reason: &str) -> Event {
    Event::SterilePhaseStarted {
        reason: reason.into(),
    }
}

fn ended(released: &[u32]) -> Event {
    Event::SterilePhaseEnded {
        released: released.iter().map(|n| NoteId(*n)).collect(),
    }
}

fn posted(note: u32, kind: NoteKind, text: &str, held: bool) -> Event {
    Event::NotePosted {
        note: NoteId(note),
        kind,
        text: text.into(),
        held,
    }
}

/// Ann (commander) has declared a sterile phase: "Failover in progress".
fn sterile() -> Vec<Step> {
    crew_and([("ann", start_sterile("Failover in progress"))])
}

/// [`sterile`], then Bob posted note 1 (held), Ann note 2 (essential: the commander's), Cat
/// note 3 (held) and Dan note 4 marked essential.
fn sterile_with_notes() -> Vec<Step> {
    plus(
        sterile(),
        [
            ("bob", post(OBSERVATION, "Replica lag 40s")),
            ("ann", post(OBSERVATION, "Promoting the replica now")),
            ("cat", post(NoteKind::Hypothesis, "Could be the cache")),
            ("dan", post_essential(OBSERVATION, "Primary is down")),
        ],
    )
}

/// The sequences of the shared timeline as `viewer` sees it, newest first.
fn seen_by(board: &Board, viewer: &str) -> Vec<u64> {
    let me = id(viewer);
    timeline(board.incident(), &board.log, Some(&me))
        .map(|r| r.seq)
        .collect()
}

#[test]
fn only_the_commander_starts_a_sterile_phase_with_a_reason() {
    let board = check(
        &crew(),
        when("ann", start_sterile("  Failover in progress ")),
        events([started("Failover in progress")]),
    );
    let phase = board.incident().sterile.as_ref().expect("a phase is on");
    assert_eq!(phase.reason, "Failover in progress");
    assert_eq!(phase.started_by, id("ann"));
    assert_eq!(phase.seq, board.incident().seq);
    check(
        &crew(),
        when("bob", start_sterile("Failover")),
        rejected(
            NotPermitted,
            "Only the commander can declare a sterile phase",
        ),
    );
    check(
        &crew(),
        when("ann", start_sterile(" ")),
        rejected(Invalid, "The reason for the sterile phase cannot be empty."),
    );
    check(
        &sterile(),
        when("ann", start_sterile("Again")),
        rejected(
            Conflict,
            "A sterile phase is on already: Failover in progress.",
        ),
    );
}

#[test]
fn only_the_commander_ends_it_and_only_while_it_is_on() {
    let board = check(&sterile(), when("ann", end_sterile()), events([ended(&[])]));
    assert!(board.incident().sterile.is_none());
    check(
        &sterile(),
        when("bob", end_sterile()),
        rejected(NotPermitted, "Only the commander can end the sterile phase"),
    );
    check(
        &crew(),
        when("ann", end_sterile()),
        rejected(Conflict, "No sterile phase is on."),
    );
    // Command changes hands during the phase: the new commander ends it, the old one cannot.
    let handed = plus(
        sterile(),
        [
            ("ann", offer_command("bob")),
            ("bob", accept(Role::Commander)),
            ("ann", confirm(Role::Commander)),
        ],
    );
    check(&handed, when("bob", end_sterile()), events([ended(&[])]));
    check(
        &handed,
        when("ann", end_sterile()),
        rejected(NotPermitted, "Only the commander can end the sterile phase"),
    );
}

#[test]
fn a_note_not_marked_essential_is_held_back() {
    check(
        &sterile(),
        when("bob", post(OBSERVATION, "Replica lag 40s")),
        events([posted(1, OBSERVATION, "Replica lag 40s", true)]),
    );
    // Outside a phase, nothing is held, essential or not.
    check(
        &crew(),
        when("bob", post(OBSERVATION, "Replica lag 40s")),
        events([posted(1, OBSERVATION, "Replica lag 40s", false)]),
    );
    check(
        &crew(),
        when("bob", post_essential(OBSERVATION, "Replica lag 40s")),
        events([posted(1, OBSERVATION, "Replica lag 40s", false)]),
    );
}

#[test]
fn essential_notes_the_commanders_and_status_updates_are_posted() {
    check(
        &sterile(),
        when("bob", post_essential(OBSERVATION, "Primary is down")),
        events([posted(1, OBSERVATION, "Primary is down", false)]),
    );
    check(
        &sterile(),
        when("ann", post(NoteKind::Decision, "Fail over now")),
        events([posted(1, NoteKind::Decision, "Fail over now", false)]),
    );
    let board = check(
        &sterile(),
        when(
            "cat",
            post(NoteKind::StatusUpdate, "Failing over; ETA 5 min"),
        ),
        events([posted(
            1,
            NoteKind::StatusUpdate,
            "Failing over; ETA 5 min",
            false,
        )]),
    );
    assert!(board.incident().last_status_update.is_some());
}

#[test]
fn a_held_note_is_queued_for_its_author_and_the_commander_only() {
    let board = Board::given(&sterile_with_notes());
    let incident = board.incident();
    let queued: Vec<u32> = incident.queued_notes().map(|(id, _)| id.0).collect();
    assert_eq!(queued, [1, 3]);
    // Sequences: 5 the phase, 6–9 the notes 1–4.
    assert_eq!(seen_by(&board, "bob")[..4], [9, 7, 6, 5]);
    assert_eq!(seen_by(&board, "cat")[..4], [9, 8, 7, 5]);
    assert_eq!(
        seen_by(&board, "ann")[..5],
        [9, 8, 7, 6, 5],
        "the commander"
    );
    assert_eq!(seen_by(&board, "dan")[..3], [9, 7, 5]);
    let everyone: Vec<u64> = timeline(incident, &board.log, None)
        .map(|r| r.seq)
        .collect();
    assert_eq!(everyone[..3], [9, 7, 5]);
    // Its author may still amend or retract it; nobody pins it while it is queued.
    check(
        &sterile_with_notes(),
        when("bob", amend(1, "Replica lag 45s")),
        events([Event::NoteAmended {
            note: NoteId(1),
            text: "Replica lag 45s".into(),
        }]),
    );
    check(
        &sterile_with_notes(),
        when("ann", pin(1, true)),
        rejected(Conflict, "queued until the sterile phase ends"),
    );
}

#[test]
fn ending_the_phase_releases_the_held_notes_in_the_order_written() {
    let board = check(
        &sterile_with_notes(),
        when("ann", end_sterile()),
        events([ended(&[1, 3])]),
    );
    let incident = board.incident();
    assert!(incident.queued_notes().next().is_none());
    let end = incident.seq;
    for n in [1, 3] {
        let note = &incident.notes[&NoteId(n)];
        assert_eq!(
            note.held.as_ref().and_then(|h| h.released),
            Some(Release {
                seq: end,
                at: board.last_at()
            }),
            "note {n} is released by the end of the phase"
        );
    }
    // Everyone sees them now, just after the end of the phase (newest first: note 3, note 1,
    // then the end), each at its time of writing; the essential ones stay where they were.
    for viewer in CREW {
        assert_eq!(
            seen_by(&board, viewer)[..6],
            [8, 6, 10, 9, 7, 5],
            "{viewer}"
        );
    }
    // Pinned once released.
    check(
        &plus(sterile_with_notes(), [("ann", end_sterile())]),
        when("cat", pin(1, true)),
        events([Event::NotePinned {
            note: NoteId(1),
            pinned: true,
        }]),
    );
}

#[test]
fn closing_the_incident_during_the_phase_releases_the_notes() {
    let resolved = plus(
        sterile_with_notes(),
        [("ann", set_status(Status::Resolved))],
    );
    let board = check(
        &resolved,
        when("ann", set_status(Status::Closed)),
        events([
            ended(&[1, 3]),
            Event::StatusChanged {
                from: Status::Resolved,
                to: Status::Closed,
            },
        ]),
    );
    assert!(board.incident().sterile.is_none());
    assert!(board.incident().queued_notes().next().is_none());
    // Without a phase on, closing is only the status change.
    check(
        &crew_and([("ann", set_status(Status::Resolved))]),
        when("ann", set_status(Status::Closed)),
        events([Event::StatusChanged {
            from: Status::Resolved,
            to: Status::Closed,
        }]),
    );
}

#[test]
fn the_phase_is_in_the_board_at_every_moment_and_survives_a_restart() {
    let board = Board::given(&plus(sterile_with_notes(), [("ann", end_sterile())]));
    let recorder = Replay::new(board.log.clone());
    let before = recorder.board_at(4).unwrap();
    assert!(before.sterile.is_none(), "before the phase");
    let during = recorder.board_at(7).unwrap();
    assert_eq!(
        during.sterile.as_ref().map(|p| p.reason.as_str()),
        Some("Failover in progress")
    );
    assert!(during.notes[&NoteId(1)].is_queued());
    let after = recorder.board_at(10).unwrap();
    assert!(after.sterile.is_none() && !after.notes[&NoteId(1)].is_queued());
    // A restart reads the log (or a snapshot in the wire encoding) back to the same board.
    assert_eq!(replay(None, &board.log), board.state);
    for moment in [&during, &after] {
        let json = serde_json::to_string(&BoardWire(moment)).unwrap();
        let back: BoardFromWire = serde_json::from_str(&json).unwrap();
        assert_eq!(*back.0, *moment);
        let plain: Incident =
            serde_json::from_str(&serde_json::to_string(moment).unwrap()).unwrap();
        assert_eq!(plain, *moment);
    }
}

#[test]
fn only_the_commander_sets_the_span_of_control() {
    let board = check(
        &crew(),
        when("ann", set_span(Some(5))),
        events([Event::SpanOfControlSet { limit: Some(5) }]),
    );
    assert_eq!(board.incident().span_of_control, Some(5));
    check(
        &crew_and([("ann", set_span(Some(5)))]),
        when("ann", set_span(None)),
        events([Event::SpanOfControlSet { limit: None }]),
    );
    check(
        &crew(),
        when("bob", set_span(Some(5))),
        rejected(
            NotPermitted,
            "Only the commander can set the span of control",
        ),
    );
    for limit in [0, 21] {
        check(
            &crew(),
            when("ann", set_span(Some(limit))),
            rejected(Invalid, "A span of control is between 1 and 20."),
        );
    }
    check(
        &crew_and([("ann", set_span(Some(5)))]),
        when("ann", set_span(Some(5))),
        rejected(Invalid, "The span of control is 5 already."),
    );
    check(
        &crew(),
        when("ann", set_span(None)),
        rejected(Invalid, "The span of control is the default already."),
    );
}

/// Item 5 of the "declare" template is "Status-update cadence set", asking for minutes.
const CADENCE_ITEM: u32 = 5;

#[test]
fn ticking_the_cadence_item_sets_the_cadence() {
    let declared = crew_and([("bob", start_checklist("declare"))]);
    let item = |value: &str| Event::ItemChecked {
        checklist: warroom_core::ChecklistId(1),
        item: CADENCE_ITEM,
        value: Some(value.into()),
    };
    let board = check(
        &declared,
        when("ann", check_item(1, CADENCE_ITEM, Some("15 min"))),
        events([
            item("15 min"),
            Event::CadenceSet {
                every_minutes: Some(15),
            },
        ]),
    );
    assert_eq!(
        board.incident().cadence.as_ref().map(|c| c.every_minutes),
        Some(15)
    );
    check(
        &plus(declared.clone(), [("cat", claim(Role::Communications))]),
        when("cat", check_item(1, CADENCE_ITEM, Some("30"))),
        events([
            item("30"),
            Event::CadenceSet {
                every_minutes: Some(30),
            },
        ]),
    );
    // The cadence is that already: anyone may tick it, and it is only ticked.
    check(
        &plus(declared.clone(), [("ann", set_cadence(Some(15)))]),
        when("bob", check_item(1, CADENCE_ITEM, Some("15 minutes"))),
        events([item("15 minutes")]),
    );
    check(
        &declared,
        when("bob", check_item(1, CADENCE_ITEM, Some("15"))),
        rejected(NotPermitted, "the commander or communications sets"),
    );
    for bad in ["soon", "0", "241 min"] {
        check(
            &declared,
            when("ann", check_item(1, CADENCE_ITEM, Some(bad))),
            rejected(Invalid, "give it in minutes between 1 and 240"),
        );
    }
    // An ad-hoc item with the same words is only an item.
    let ad_hoc = crew_and([
        ("bob", create_checklist("Mine")),
        (
            "bob",
            add_item(1, "Status-update cadence set", Some("Cadence in minutes")),
        ),
    ]);
    check(
        &ad_hoc,
        when("bob", check_item(1, 0, Some("15"))),
        events([Event::ItemChecked {
            checklist: warroom_core::ChecklistId(1),
            item: 0,
            value: Some("15".into()),
        }]),
    );
}
