//! Given a board, when the commander is about to resolve or close it, then exactly these items
//! are listed as still open; and a closed board says when it was closed.

use warroom_core::closing::{StillOpen, still_open};
use warroom_core::{ConcernLevel, Lane, Status};

use super::*;

#[track_caller]
fn open_on(given: &[Timed]) -> StillOpen {
    let (state, _) = play(given);
    still_open(&state.expect("declared"))
}

#[test]
fn a_fresh_board_has_nothing_open() {
    let open = open_on(&crew());
    assert!(open.is_empty(), "{open:?}");
    assert_eq!(open.count(), 0);
}

#[test]
fn open_actions_are_listed_with_where_their_loop_stands_and_finished_ones_are_not() {
    let open = open_on(&crew_and([
        t(40, "ann", assign("bob", "Roll back.", Lane::Mitigate, None)),
        t(
            50,
            "ann",
            assign("cat", "Tell support.", Lane::Communicate, None),
        ),
        t(60, "cat", read_back(2, "Telling support.")),
        t(
            70,
            "ann",
            assign("dan", "Find the query.", Lane::Diagnose, None),
        ),
        t(80, "dan", read_back(3, "Finding it.")),
        t(90, "ann", confirm_readback(3)),
        t(
            100,
            "ann",
            assign("bob", "Purge the CDN.", Lane::Mitigate, None),
        ),
        t(110, "bob", read_back(4, "Purging.")),
        t(120, "ann", confirm_readback(4)),
        t(130, "bob", complete(4, "Purged.")),
        t(
            140,
            "ann",
            assign("cat", "Page the DBA.", Lane::Diagnose, None),
        ),
        t(150, "ann", cancel_action(5, "Not needed.")),
    ]));
    assert_eq!(
        open.actions,
        [
            "Roll back. — Bob (awaiting readback)",
            "Tell support. — Cat (readback to confirm)",
            "Find the query. — Dan (in progress)",
        ]
    );
    assert!(open.checklist_items.is_empty());
    assert!(open.concerns.is_empty());
    assert_eq!(open.count(), 3);
}

#[test]
fn unticked_checklist_items_are_listed_and_checked_or_skipped_ones_are_not() {
    let open = open_on(&crew_and([
        t(40, "ann", create_checklist("Failover")),
        t(41, "ann", add_item(1, "Freeze deploys", None)),
        t(
            42,
            "ann",
            add_item(1, "Replica lag", Some("Lag in seconds")),
        ),
        t(43, "ann", add_item(1, "Page the vendor", None)),
        t(50, "bob", check_item(1, 0, None)),
        t(60, "bob", not_applicable(1, 2, "No vendor involved.")),
    ]));
    assert_eq!(open.checklist_items, ["Failover: Replica lag"]);
    assert!(open.actions.is_empty());
    // A completed checklist lists nothing.
    let done = open_on(&crew_and([
        t(40, "ann", create_checklist("Failover")),
        t(41, "ann", add_item(1, "Freeze deploys", None)),
        t(50, "bob", check_item(1, 0, None)),
    ]));
    assert!(done.is_empty(), "{done:?}");
}

#[test]
fn unacknowledged_concerns_are_listed_and_acknowledged_ones_are_not() {
    let open = open_on(&crew_and([
        t(
            40,
            "cat",
            raise(ConcernLevel::Concerned, "The replica looks stale."),
        ),
        t(
            50,
            "dan",
            raise(ConcernLevel::Uncomfortable, "Nobody watches the queue."),
        ),
        t(60, "ann", acknowledge(2, "Bob watches it.")),
    ]));
    assert_eq!(
        open.concerns,
        ["I am concerned: The replica looks stale. (raised by Cat)"]
    );
    assert_eq!(open.count(), 1);
}

#[test]
fn a_closed_board_says_when_it_was_closed() {
    let resolved = crew_and([t(400, "ann", set_status(Status::Resolved))]);
    let (state, _) = play(&resolved);
    assert_eq!(state.expect("declared").closed_at(), None);
    let mut closed = resolved;
    closed.push(t(460, "ann", set_status(Status::Closed)));
    let (state, _) = play(&closed);
    assert_eq!(state.expect("declared").closed_at(), Some(at(460)));
}
