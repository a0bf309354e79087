//! Concerns, after TeamSTEPPS CUS and the two-challenge rule: anyone raises one and may raise
//! it again, a level higher; only the commander acknowledges it.

use warroom_core::ConcernLevel;
use warroom_core::RejectionCode::{Conflict, Invalid, NotFound, NotPermitted};
use warroom_core::{ConcernId, Event};

use super::*;

/// Dan has raised concern 1: "I am concerned".
fn dan_concerned() -> Vec<Step> {
    crew_and([(
        "dan",
        raise(ConcernLevel::Concerned, "The rollback touches payments."),
    )])
}

fn escalated(level: ConcernLevel) -> Then {
    events([Event::ConcernEscalated {
        concern: ConcernId(1),
        level,
    }])
}

#[test]
fn raising_a_concern() {
    check(
        &crew(),
        when(
            "dan",
            raise(ConcernLevel::SafetyIssue, " Payments is down. "),
        ),
        events([Event::ConcernRaised {
            concern: ConcernId(1),
            level: ConcernLevel::SafetyIssue,
            text: "Payments is down.".into(),
        }]),
    );
    check(
        &dan_concerned(),
        when(
            "cat",
            raise(ConcernLevel::Uncomfortable, "No rollback plan."),
        ),
        events([Event::ConcernRaised {
            concern: ConcernId(2),
            level: ConcernLevel::Uncomfortable,
            text: "No rollback plan.".into(),
        }]),
    );
    check(
        &crew(),
        when("dan", raise(ConcernLevel::Concerned, "")),
        rejected(Invalid, "The concern cannot be empty."),
    );
}

#[test]
fn raising_a_concern_again() {
    use ConcernLevel::{SafetyIssue, Uncomfortable};
    check(
        &dan_concerned(),
        when("cat", raise_again(1)),
        escalated(Uncomfortable),
    );
    let twice = plus(dan_concerned(), [("dan", raise_again(1))]);
    check(&twice, when("dan", raise_again(1)), escalated(SafetyIssue));
    let thrice = plus(twice, [("dan", raise_again(1))]);
    check(&thrice, when("dan", raise_again(1)), escalated(SafetyIssue));
    let answered = plus(
        dan_concerned(),
        [("ann", acknowledge(1, "Payments is on it."))],
    );
    check(
        &answered,
        when("dan", raise_again(1)),
        escalated(Uncomfortable),
    );
    check(
        &dan_concerned(),
        when("dan", raise_again(4)),
        rejected(NotFound, "There is no concern 4."),
    );
}

#[test]
fn acknowledging_a_concern() {
    let board = check(
        &dan_concerned(),
        when("ann", acknowledge(1, " Payments is on it. ")),
        events([Event::ConcernAcknowledged {
            concern: ConcernId(1),
            response: "Payments is on it.".into(),
        }]),
    );
    assert!(!board.incident().concerns[&ConcernId(1)].is_open());
    check(
        &dan_concerned(),
        when("bob", acknowledge(1, "Payments is on it.")),
        rejected(
            NotPermitted,
            "Only the commander can acknowledge a concern; Ann is in command.",
        ),
    );
    check(
        &plus(
            dan_concerned(),
            [("ann", acknowledge(1, "Payments is on it."))],
        ),
        when("ann", acknowledge(1, "Payments is on it.")),
        rejected(Conflict, "That concern has been acknowledged already."),
    );
    check(
        &dan_concerned(),
        when("ann", acknowledge(1, " ")),
        rejected(Invalid, "The response cannot be empty."),
    );
    check(
        &dan_concerned(),
        when("ann", acknowledge(2, "Payments is on it.")),
        rejected(NotFound, "There is no concern 2."),
    );
}

#[test]
fn raising_a_concern_again_reopens_it_one_level_up() {
    let mut board = Board::given(&dan_concerned());
    let raised_at = board.last_at();
    board
        .exec("ann", &CREW, acknowledge(1, "Payments is on it."))
        .unwrap();
    assert_eq!(
        board.incident().concerns[&ConcernId(1)].last_raised_at(),
        raised_at
    );
    board.exec("cat", &CREW, raise_again(1)).unwrap();
    let first = board.last_at();
    board.exec("dan", &CREW, raise_again(1)).unwrap();
    let second = board.last_at();

    let concern = &board.incident().concerns[&ConcernId(1)];
    assert!(
        concern.is_open(),
        "raising again clears the acknowledgement"
    );
    assert_eq!(concern.level, ConcernLevel::SafetyIssue);
    assert_eq!(concern.raised_at, raised_at);
    assert_eq!(concern.last_raised_at(), second);
    let escalations: Vec<_> = concern
        .escalations
        .iter()
        .map(|e| (e.by.clone(), e.at, e.level))
        .collect();
    assert_eq!(
        escalations,
        vec![
            (id("cat"), first, ConcernLevel::Uncomfortable),
            (id("dan"), second, ConcernLevel::SafetyIssue),
        ]
    );
    let open: Vec<_> = board
        .incident()
        .open_safety_issues()
        .map(|(id, _)| *id)
        .collect();
    assert_eq!(open, vec![ConcernId(1)]);
}
