//! Closed-loop tasking: assign, read back, confirm or correct the readback, complete, cancel.
//!
//! In these rows Bob holds operations and assigns action 1 to Cat; Dan holds no role.

use chrono::Duration;
use warroom_core::RejectionCode::{Conflict, Invalid, NotFound, NotPermitted};
use warroom_core::{ActionId, ActionState, Event, Lane, Role};

use super::*;

/// Bob (operations) has assigned action 1 to Cat, who has not read it back yet.
fn assigned() -> Vec<Step> {
    crew_and([
        ("bob", claim(Role::Operations)),
        ("bob", assign("cat", "Roll back the deploy.", Some(10))),
    ])
}

/// [`assigned`], and Cat has read it back.
fn read_back_by_cat() -> Vec<Step> {
    plus(assigned(), [("cat", read_back(1, "Rolling back."))])
}

/// [`read_back_by_cat`], and Bob confirmed: the loop is closed.
fn in_progress() -> Vec<Step> {
    plus(read_back_by_cat(), [("bob", confirm_readback(1))])
}

fn action_assigned(action: u32, to: &str, minutes: Option<u32>) -> Event {
    Event::ActionAssigned {
        action: ActionId(action),
        to: id(to),
        text: "Roll back the deploy.".into(),
        lane: Lane::Mitigate,
        minutes,
    }
}

#[test]
fn assigning_an_action() {
    check(
        &crew(),
        when("ann", assign("cat", " Roll back the deploy. ", Some(10))),
        events([action_assigned(1, "cat", Some(10))]),
    );
    check(
        &crew_and([("dan", claim(Role::Deputy))]),
        when("dan", assign("cat", "Roll back the deploy.", None)),
        events([action_assigned(1, "cat", None)]),
    );
    check(
        &assigned(),
        when("bob", assign("bob", "Roll back the deploy.", Some(1))),
        events([action_assigned(2, "bob", Some(1))]),
    );
    check(
        &crew(),
        when("ann", assign("cat", "Roll back the deploy.", Some(1_440))),
        events([action_assigned(1, "cat", Some(1_440))]),
    );
    check(
        &assigned(),
        when("cat", assign("dan", "Roll back the deploy.", None)),
        rejected(
            NotPermitted,
            "Actions are assigned by the commander, the deputy or operations.",
        ),
    );
    check(
        &crew(),
        when("ann", assign("eve", "Roll back the deploy.", None)),
        rejected(NotFound, "That person has not joined this incident."),
    );
    for minutes in [0, 1_441] {
        check(
            &crew(),
            when("ann", assign("cat", "Roll back the deploy.", Some(minutes))),
            rejected(Invalid, "A time box is between 1 and 1440 minutes."),
        );
    }
    check(
        &crew(),
        when("ann", assign("cat", " ", None)),
        rejected(Invalid, "The action cannot be empty."),
    );
}

#[test]
fn an_action_is_overdue_while_open_past_its_time_box() {
    let mut board = Board::given(&assigned());
    let action = &board.incident().actions[&ActionId(1)];
    let due = board.last_at() + Duration::minutes(10);
    assert_eq!(action.due_at, Some(due));
    assert_eq!(
        (&action.assigner, &action.assignee),
        (&id("bob"), &id("cat"))
    );
    assert!(!action.is_overdue(due));
    assert!(action.is_overdue(due + Duration::seconds(1)));
    board
        .exec("bob", &CREW, cancel_action(1, "Not needed."))
        .unwrap();
    assert!(!board.incident().actions[&ActionId(1)].is_overdue(due + Duration::hours(1)));

    // Without a time box an action is never overdue.
    let board = Board::given(&crew_and([("ann", assign("cat", "Watch errors.", None))]));
    let action = &board.incident().actions[&ActionId(1)];
    assert!(!action.is_overdue(board.last_at() + Duration::days(2)));
}

#[test]
fn reading_an_action_back() {
    check(
        &assigned(),
        when("cat", read_back(1, " Rolling back. ")),
        events([Event::ActionReadBack {
            action: ActionId(1),
            readback: "Rolling back.".into(),
        }]),
    );
    check(
        &assigned(),
        when("dan", read_back(1, "Rolling back.")),
        rejected(NotPermitted, "Only Cat can read this action back."),
    );
    check(
        &read_back_by_cat(),
        when("cat", read_back(1, "Rolling back.")),
        rejected(
            Conflict,
            "Close the loop first: the readback has not been confirmed yet.",
        ),
    );
    check(
        &in_progress(),
        when("cat", read_back(1, "Rolling back.")),
        rejected(Conflict, "The readback has been confirmed already."),
    );
    check(
        &assigned(),
        when("cat", read_back(1, "")),
        rejected(Invalid, "The readback cannot be empty."),
    );
    check(
        &assigned(),
        when("cat", read_back(7, "Rolling back.")),
        rejected(NotFound, "There is no action 7."),
    );
}

#[test]
fn confirming_a_readback() {
    let confirmed = || {
        events([Event::ReadbackConfirmed {
            action: ActionId(1),
        }])
    };
    let board = check(
        &read_back_by_cat(),
        when("bob", confirm_readback(1)),
        confirmed(),
    );
    let action = &board.incident().actions[&ActionId(1)];
    assert_eq!(action.state, ActionState::InProgress);
    assert_eq!(action.confirmed_at, Some(board.last_at()));
    // The commander may stand in for an assigner.
    check(
        &read_back_by_cat(),
        when("ann", confirm_readback(1)),
        confirmed(),
    );
    for outsider in ["cat", "dan"] {
        check(
            &read_back_by_cat(),
            when(outsider, confirm_readback(1)),
            rejected(
                NotPermitted,
                "Only Bob (who assigned it) or the commander can confirm the readback.",
            ),
        );
    }
    check(
        &assigned(),
        when("bob", confirm_readback(1)),
        rejected(
            Conflict,
            "Close the loop first: this action has not been read back yet.",
        ),
    );
    check(
        &in_progress(),
        when("bob", confirm_readback(1)),
        rejected(Conflict, "The readback has been confirmed already."),
    );
    check(
        &read_back_by_cat(),
        when("bob", confirm_readback(2)),
        rejected(NotFound, "There is no action 2."),
    );
}

#[test]
fn correcting_a_readback() {
    let board = check(
        &read_back_by_cat(),
        when("bob", correct_readback(1, " Only the web tier. ")),
        events([Event::ReadbackCorrected {
            action: ActionId(1),
            correction: "Only the web tier.".into(),
        }]),
    );
    let action = &board.incident().actions[&ActionId(1)];
    assert_eq!(action.state, ActionState::AwaitingReadback);
    assert_eq!(action.corrections, vec!["Only the web tier.".to_owned()]);
    // After a correction the assignee reads back again.
    check(
        &plus(
            read_back_by_cat(),
            [("ann", correct_readback(1, "Only the web tier."))],
        ),
        when("cat", read_back(1, "Rolling back the web tier.")),
        events([Event::ActionReadBack {
            action: ActionId(1),
            readback: "Rolling back the web tier.".into(),
        }]),
    );
    check(
        &read_back_by_cat(),
        when("dan", correct_readback(1, "Only the web tier.")),
        rejected(
            NotPermitted,
            "Only Bob (who assigned it) or the commander can correct the readback.",
        ),
    );
    check(
        &assigned(),
        when("bob", correct_readback(1, "Only the web tier.")),
        rejected(Conflict, "this action has not been read back yet."),
    );
    check(
        &read_back_by_cat(),
        when("bob", correct_readback(1, "")),
        rejected(Invalid, "The correction cannot be empty."),
    );
    check(
        &read_back_by_cat(),
        when("bob", correct_readback(3, "Only the web tier.")),
        rejected(NotFound, "There is no action 3."),
    );
}

#[test]
fn completing_an_action() {
    let completed = || {
        events([Event::ActionCompleted {
            action: ActionId(1),
            outcome: "Rolled back.".into(),
        }])
    };
    for closer in ["cat", "bob", "ann"] {
        check(
            &in_progress(),
            when(closer, complete(1, " Rolled back. ")),
            completed(),
        );
    }
    let board = Board::given(&plus(in_progress(), [("cat", complete(1, "Rolled back."))]));
    let action = &board.incident().actions[&ActionId(1)];
    assert_eq!(action.state, ActionState::Done);
    assert_eq!(action.outcome.as_deref(), Some("Rolled back."));
    assert_eq!(action.closed_at, Some(board.last_at()));
    check(
        &in_progress(),
        when("dan", complete(1, "Rolled back.")),
        rejected(
            NotPermitted,
            "Only the assignee, the assigner or the commander can complete an action.",
        ),
    );
    check(
        &assigned(),
        when("cat", complete(1, "Rolled back.")),
        rejected(
            Conflict,
            "Close the loop first: this action has not been read back yet.",
        ),
    );
    check(
        &read_back_by_cat(),
        when("cat", complete(1, "Rolled back.")),
        rejected(
            Conflict,
            "Close the loop first: the readback has not been confirmed yet.",
        ),
    );
    check(
        &plus(in_progress(), [("cat", complete(1, "Rolled back."))]),
        when("cat", complete(1, "Rolled back.")),
        rejected(Conflict, "This action is done already."),
    );
    check(
        &in_progress(),
        when("cat", complete(1, " ")),
        rejected(Invalid, "The outcome cannot be empty."),
    );
    check(
        &in_progress(),
        when("cat", complete(5, "Rolled back.")),
        rejected(NotFound, "There is no action 5."),
    );
}

#[test]
fn cancelling_an_action() {
    let cancelled = || {
        events([Event::ActionCancelled {
            action: ActionId(1),
            reason: "Not needed.".into(),
        }])
    };
    check(
        &assigned(),
        when("bob", cancel_action(1, " Not needed. ")),
        cancelled(),
    );
    check(
        &read_back_by_cat(),
        when("ann", cancel_action(1, "Not needed.")),
        cancelled(),
    );
    let board = check(
        &in_progress(),
        when("bob", cancel_action(1, "Not needed.")),
        cancelled(),
    );
    let action = &board.incident().actions[&ActionId(1)];
    assert_eq!(action.state, ActionState::Cancelled);
    assert_eq!(action.outcome.as_deref(), Some("Not needed."));
    assert_eq!(action.closed_at, Some(board.last_at()));
    check(
        &assigned(),
        when("cat", cancel_action(1, "Not needed.")),
        rejected(
            NotPermitted,
            "Only Bob (who assigned it) or the commander can cancel the action.",
        ),
    );
    check(
        &plus(in_progress(), [("cat", complete(1, "Rolled back."))]),
        when("bob", cancel_action(1, "Not needed.")),
        rejected(Conflict, "This action is done already."),
    );
    check(
        &plus(assigned(), [("bob", cancel_action(1, "Not needed."))]),
        when("bob", cancel_action(1, "Not needed.")),
        rejected(Conflict, "This action was cancelled."),
    );
    check(
        &assigned(),
        when("bob", cancel_action(1, "")),
        rejected(Invalid, "The reason cannot be empty."),
    );
    check(
        &assigned(),
        when("bob", cancel_action(2, "Not needed.")),
        rejected(NotFound, "There is no action 2."),
    );
}
