//! The second time: `occurred_at` with a precision on notes, status and severity changes and
//! the declaration — never in the future, never absurdly early, kept with its precision,
//! marked as backdated, and the order the timeline and the metrics go by. Role changes carry
//! no second time.

use serde_json::json;
use warroom_core::RejectionCode::Invalid;
use warroom_core::decide::occurred::{
    MAX_BACKDATE_DAYS, MAX_CLOCK_SKEW_SECONDS, earliest_occurred,
};
use warroom_core::event::by_occurrence;
use warroom_core::metrics::metrics;
use warroom_core::time::Precision;
use warroom_core::{NoteKind, Status};

use super::*;

fn note_at(text: &str, occurred_at: Timestamp, precision: Option<Precision>) -> Command {
    Command::PostNote {
        essential: false,
        kind: NoteKind::Observation,
        text: text.into(),
        occurred_at: Some(occurred_at),
        precision,
    }
}

fn posted(note: u32, text: &str) -> Event {
    Event::NotePosted {
        held: false,
        note: NoteId(note),
        kind: NoteKind::Observation,
        text: text.into(),
    }
}

/// The time of the next step of a board given [`crew`] (its four steps, 0 to 3).
fn next() -> Timestamp {
    at(crew().len())
}

#[test]
fn a_backdated_note_keeps_both_times_its_precision_and_its_mark() {
    let earlier = next() - Duration::minutes(40);
    let board = check(
        &crew(),
        when(
            "bob",
            note_at("Errors began", earlier, Some(Precision::About)),
        ),
        events([posted(1, "Errors began")]),
    );
    let entry = board.log.last().unwrap();
    assert_eq!(entry.at, next(), "recorded now");
    assert_eq!(entry.occurred_at, Some(earlier), "happened then");
    assert_eq!(entry.precision, Some(Precision::About), "precision kept");
    assert!(entry.backdated());
    assert_eq!(entry.when(), earlier);
    let note = &board.incident().notes[&NoteId(1)];
    assert_eq!(
        (note.at, note.occurred_at, note.precision, note.backdated),
        (next(), Some(earlier), Some(Precision::About), true),
        "the folded note carries both times and the mark"
    );
    // Through JSON (the log as stored) and back, unchanged.
    let json = serde_json::to_value(entry).unwrap();
    assert_eq!(json["occurred_at"], "2025-03-01T08:20:20Z");
    assert_eq!(json["precision"], "about");
    assert_eq!(serde_json::from_value::<Recorded>(json).unwrap(), *entry);
}

#[test]
fn a_time_without_a_precision_is_exact_and_a_live_entry_has_neither() {
    let board = check(
        &crew(),
        when("bob", note_at("Paged", next() - Duration::minutes(3), None)),
        events([posted(1, "Paged")]),
    );
    assert_eq!(board.log.last().unwrap().precision, Some(Precision::Exact));
    let board = check(
        &crew(),
        when("bob", post(NoteKind::Observation, "Now")),
        events([posted(1, "Now")]),
    );
    let entry = board.log.last().unwrap();
    assert_eq!((entry.occurred_at, entry.precision), (None, None));
    assert!(!entry.backdated());
    assert!(!board.incident().notes[&NoteId(1)].backdated);
    let json = serde_json::to_value(entry).unwrap();
    assert!(json.get("occurred_at").is_none() && json.get("precision").is_none());
}

#[test]
fn a_time_within_the_clock_skew_is_accepted_and_not_marked_backdated() {
    let skew = Duration::seconds(MAX_CLOCK_SKEW_SECONDS);
    let board = check(
        &crew(),
        when("bob", note_at("Their clock is ahead", next() + skew, None)),
        events([posted(1, "Their clock is ahead")]),
    );
    assert!(!board.incident().notes[&NoteId(1)].backdated);
    check(
        &crew(),
        when("bob", note_at("Just now", next() - skew, None)),
        events([posted(1, "Just now")]),
    );
}

#[test]
fn a_time_in_the_future_is_refused() {
    let future = next() + Duration::seconds(MAX_CLOCK_SKEW_SECONDS + 1);
    check(
        &crew(),
        when("bob", note_at("Tomorrow", future, None)),
        rejected(Invalid, "is in the future"),
    );
    check(
        &crew(),
        when(
            "ann",
            Command::SetStatus {
                status: Status::Mitigated,
                occurred_at: Some(future),
                precision: None,
            },
        ),
        rejected(Invalid, "is in the future"),
    );
    check(
        &[],
        when(
            "ann",
            Command::Declare {
                title: "Later".into(),
                severity: Severity::Sev2,
                drill: false,
                name: "Ann".into(),
                retrospective: false,
                occurred_at: Some(at(0) + Duration::hours(1)),
                precision: None,
            },
        ),
        rejected(Invalid, "is in the future"),
    );
}

#[test]
fn a_time_too_long_before_the_incident_began_is_refused() {
    let floor = at(0) - Duration::days(MAX_BACKDATE_DAYS);
    check(
        &crew(),
        when(
            "bob",
            note_at("Last month", floor - Duration::seconds(1), None),
        ),
        rejected(Invalid, "is too early"),
    );
    check(
        &crew(),
        when("bob", note_at("The change that did it", floor, None)),
        events([posted(1, "The change that did it")]),
    );
}

#[test]
fn a_precision_without_a_time_is_refused() {
    check(
        &crew(),
        when(
            "bob",
            Command::PostNote {
                essential: false,
                kind: NoteKind::Observation,
                text: "When?".into(),
                occurred_at: None,
                precision: Some(Precision::About),
            },
        ),
        rejected(Invalid, "needs an occurred_at"),
    );
}

#[test]
fn a_role_change_carries_no_second_time() {
    // The role commands have no `occurred_at`: it is refused as a field they do not have.
    for command in [
        json!({"type": "offer_role", "role": "commander", "to": "bob", "brief": null}),
        json!({"type": "accept_role", "role": "commander"}),
        json!({"type": "claim_role", "role": "scribe"}),
        json!({"type": "assume_role", "role": "commander", "reason": "gone"}),
    ] {
        let mut backdated = command.clone();
        backdated["occurred_at"] = json!("2025-03-01T08:00:00Z");
        warroom_core::command::strict(&command).expect("the plain command is read");
        let err = warroom_core::command::strict(&backdated).unwrap_err();
        assert!(
            err.to_string().contains("unknown field `occurred_at`"),
            "{command}: {err}"
        );
    }
}

#[test]
fn a_retrospective_incident_starts_when_it_really_did() {
    let start = at(0) - Duration::days(2);
    let declare = Command::Declare {
        title: "Storage outage".into(),
        severity: Severity::Sev1,
        drill: false,
        name: "Ann".into(),
        retrospective: true,
        occurred_at: Some(start),
        precision: Some(Precision::About),
    };
    let board = check(
        &[],
        when("ann", declare),
        events([Event::IncidentDeclared {
            title: "Storage outage".into(),
            severity: Severity::Sev1,
            drill: false,
            name: "Ann".into(),
            retrospective: true,
            imported: false,
        }]),
    );
    let incident = board.incident();
    assert!(incident.postmortem.retrospective);
    assert_eq!(incident.declared_at, at(0), "recorded now");
    assert_eq!(incident.started_at(), start, "started then");
    let id = <warroom_core::IncidentId as warroom_core::TextId>::parse("i-1").unwrap();
    assert!(warroom_core::api::Summary::of(&id, incident).retrospective);
    // Retrospective needs its real start.
    check(
        &[],
        when(
            "ann",
            Command::Declare {
                title: "Storage outage".into(),
                severity: Severity::Sev1,
                drill: false,
                name: "Ann".into(),
                retrospective: true,
                occurred_at: None,
                precision: None,
            },
        ),
        rejected(Invalid, "needs its real start"),
    );
    // Months ago is a start like any other: the bound is 2000, not the server's clock.
    let long_ago = |occurred_at| Command::Declare {
        title: "Long ago".into(),
        severity: Severity::Sev1,
        drill: false,
        name: "Ann".into(),
        retrospective: true,
        occurred_at: Some(occurred_at),
        precision: None,
    };
    let months = at(0) - Duration::days(MAX_BACKDATE_DAYS * 3);
    let declared = || {
        events([Event::IncidentDeclared {
            title: "Long ago".into(),
            severity: Severity::Sev1,
            drill: false,
            name: "Ann".into(),
            retrospective: true,
            imported: false,
        }])
    };
    let board = check(&[], when("ann", long_ago(months)), declared());
    assert_eq!(board.incident().started_at(), months);
    check(&[], when("ann", long_ago(earliest_occurred())), declared());
    check(
        &[],
        when("ann", long_ago(earliest_occurred() - Duration::seconds(1))),
        rejected(Invalid, "no earlier than 2000-01-01 00:00:00 UTC"),
    );
}

/// An incident Ann records after the fact, `days` ago, and Bob joins.
fn recorded_days_ago(days: i64) -> (Vec<Step>, Timestamp) {
    let start = at(0) - Duration::days(days);
    (recorded_at(start), start)
}

/// An incident Ann records after the fact, started at `start`, and Bob joins.
fn recorded_at(start: Timestamp) -> Vec<Step> {
    vec![
        (
            "ann",
            Command::Declare {
                title: "Storage outage".into(),
                severity: Severity::Sev1,
                drill: false,
                name: "Ann".into(),
                retrospective: true,
                occurred_at: Some(start),
                precision: None,
            },
        ),
        ("bob", join("Bob")),
    ]
}

#[test]
fn an_incident_of_months_ago_takes_its_own_timeline_bounded_by_its_start() {
    let (given, start) = recorded_days_ago(90);
    // Its entries are bounded by when it began, not by the server's clock.
    check(
        &given,
        when(
            "bob",
            note_at("Disk alarms", start + Duration::hours(1), None),
        ),
        events([posted(1, "Disk alarms")]),
    );
    let floor = start - Duration::days(MAX_BACKDATE_DAYS);
    check(
        &given,
        when("bob", note_at("The change that did it", floor, None)),
        events([posted(1, "The change that did it")]),
    );
    check(
        &given,
        when(
            "bob",
            note_at("A typo in the year", floor - Duration::seconds(1), None),
        ),
        rejected(Invalid, "30 days before the incident began"),
    );
    // The impact may start up to the same bound before the declared start, and then bounds
    // the entries in turn.
    let impact = |start| Command::SetImpact {
        start,
        end: None,
        statement: None,
    };
    check(
        &given,
        when("ann", impact(floor - Duration::seconds(1))),
        rejected(Invalid, "30 days before the incident was declared"),
    );
    let with_impact = plus(given, [("ann", impact(floor))]);
    check(
        &with_impact,
        when(
            "bob",
            note_at("Before the impact", floor - Duration::days(1), None),
        ),
        events([posted(1, "Before the impact")]),
    );
    check(
        &with_impact,
        when(
            "bob",
            note_at(
                "Far before it",
                floor - Duration::days(MAX_BACKDATE_DAYS) - Duration::seconds(1),
                None,
            ),
        ),
        rejected(Invalid, "is too early"),
    );
}

#[test]
fn nothing_happened_before_2000() {
    // Thirty days before this start is in 1999: 2000 is the floor.
    let floor = earliest_occurred();
    let given = recorded_at(floor + Duration::days(10));
    check(
        &given,
        when("bob", note_at("The first of the millennium", floor, None)),
        events([posted(1, "The first of the millennium")]),
    );
    check(
        &given,
        when(
            "bob",
            note_at("Before it", floor - Duration::seconds(1), None),
        ),
        rejected(Invalid, "nothing is recorded before 2000"),
    );
}

#[test]
fn the_timeline_and_the_metrics_go_by_when_it_happened() {
    // Declared two hours after the fact; a note entered after it happened before it; the
    // mitigation backdated to an hour after the start.
    let start = at(0) - Duration::hours(2);
    let mut steps = vec![(
        "ann",
        Command::Declare {
            title: "Storage outage".into(),
            severity: Severity::Sev1,
            drill: false,
            name: "Ann".into(),
            retrospective: true,
            occurred_at: Some(start),
            precision: None,
        },
    )];
    steps.extend(CREW[1..].iter().map(|who| (*who, join(&name(who)))));
    steps.push(("bob", post(NoteKind::Observation, "Written now")));
    steps.push((
        "bob",
        note_at("Disk alarms", start + Duration::minutes(30), None),
    ));
    steps.push((
        "cat",
        note_at(
            "Same minute, later seq",
            start + Duration::minutes(30),
            None,
        ),
    ));
    steps.push((
        "ann",
        Command::SetStatus {
            status: Status::Mitigated,
            occurred_at: Some(start + Duration::hours(1)),
            precision: Some(Precision::About),
        },
    ));
    let board = Board::given(&steps);
    let order: Vec<u64> = by_occurrence(&board.log).iter().map(|r| r.seq).collect();
    // Declared (1, at the start), the two backdated notes (6, 7, same time: by sequence), the
    // mitigation (8), then the joins (2-4) and the note written now (5), as recorded.
    assert_eq!(order, [1, 6, 7, 8, 2, 3, 4, 5]);
    let m = metrics(&board.log).unwrap();
    assert_eq!(m.declared_at, start, "measured from the real start");
    assert_eq!(m.time_to_mitigated, Some(3_600), "by occurred time");
}
