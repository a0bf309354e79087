//! Given a board, when someone looks at it, then exactly these things wait on them, in this
//! order: each appears with what puts it on them and clears with what takes it off.

use warroom_core::for_you::{Due, Target, Waiting, for_you};
use warroom_core::{ActionId, ChecklistId, ConcernId, ConcernLevel, Lane, Role, Status};

use super::*;

use Due::*;

/// Runs a row: what waits on `me` at `seconds` on the board of `given`, which must be
/// exactly `then` (duty and row, in order). Keys are unique in every row.
#[track_caller]
fn check(given: &[Timed], me: &str, seconds: i64, then: &[(Due, Target)]) -> Vec<Waiting> {
    let (state, _) = play(given);
    let incident = state.expect("declared");
    let waiting = for_you(&incident, &id(me), at(seconds));
    let seen: Vec<(Due, Target)> = waiting.iter().map(|w| (w.due, w.target)).collect();
    assert_eq!(seen, then, "for {me} at {seconds}s: {waiting:#?}");
    let keys: BTreeSet<String> = waiting.iter().map(Waiting::key).collect();
    assert_eq!(keys.len(), waiting.len(), "one key per item");
    waiting
}

/// `steps`, then `more`.
fn plus(mut steps: Vec<Timed>, more: impl IntoIterator<Item = Timed>) -> Vec<Timed> {
    steps.extend(more);
    steps
}

fn action(n: u32) -> Target {
    Target::Action {
        action: ActionId(n),
    }
}

fn concern(n: u32) -> Target {
    Target::Concern {
        concern: ConcernId(n),
    }
}

fn item(checklist: u32, item: u32) -> Target {
    Target::ChecklistItem {
        checklist: ChecklistId(checklist),
        item,
    }
}

#[test]
fn nothing_waits_on_anyone_on_a_fresh_board() {
    for who in CREW {
        check(&crew(), who, 100, &[]);
    }
}

#[test]
fn an_action_waits_on_its_assignee_then_its_assigner_then_its_assignee_again() {
    let assigned = crew_and([t(
        40,
        "ann",
        assign("bob", "Roll back.", Lane::Mitigate, Some(1)),
    )]);
    let w = check(&assigned, "bob", 50, &[(ReadBack, action(1))]);
    assert_eq!(w[0].text, "Roll back. (from Ann)");
    assert!(!w[0].urgent);
    check(&assigned, "ann", 50, &[]);
    check(&assigned, "cat", 50, &[]);

    let read_back = plus(assigned, [t(60, "bob", read_back(1, "Rolling back now."))]);
    check(&read_back, "bob", 70, &[]);
    let w = check(&read_back, "ann", 70, &[(ConfirmReadback, action(1))]);
    assert_eq!(w[0].text, "Bob read back: \"Rolling back now.\"");

    let confirmed = plus(read_back, [t(80, "ann", confirm_readback(1))]);
    check(&confirmed, "ann", 90, &[]);
    let w = check(&confirmed, "bob", 90, &[(FinishAction, action(1))]);
    assert!(!w[0].urgent, "within its time box");
    let w = check(&confirmed, "bob", 101, &[(FinishAction, action(1))]);
    assert!(w[0].urgent, "past its time box");

    let done = plus(confirmed, [t(120, "bob", complete(1, "Rolled back."))]);
    check(&done, "bob", 130, &[]);
    check(&done, "ann", 130, &[]);
}

#[test]
fn the_commander_confirms_readbacks_of_actions_others_assigned() {
    let steps = crew_and([
        t(40, "bob", claim(Role::Operations)),
        t(
            50,
            "bob",
            assign("cat", "Drain the queue.", Lane::Mitigate, None),
        ),
        t(60, "cat", read_back(1, "Draining the queue.")),
    ]);
    check(&steps, "bob", 70, &[(ConfirmReadback, action(1))]);
    check(&steps, "ann", 70, &[(ConfirmReadback, action(1))]);
    check(&steps, "dan", 70, &[]);
}

#[test]
fn overdue_actions_come_first_among_those_to_finish() {
    let steps = crew_and([
        t(
            40,
            "ann",
            assign("bob", "Watch the graphs.", Lane::Diagnose, None),
        ),
        t(
            41,
            "ann",
            assign("bob", "Roll back.", Lane::Mitigate, Some(1)),
        ),
        t(42, "bob", read_back(1, "Watching.")),
        t(43, "bob", read_back(2, "Rolling back.")),
        t(44, "ann", confirm_readback(1)),
        t(45, "ann", confirm_readback(2)),
    ]);
    check(
        &steps,
        "bob",
        50,
        &[(FinishAction, action(2)), (FinishAction, action(1))],
    );
    let w = check(
        &steps,
        "bob",
        200,
        &[(FinishAction, action(2)), (FinishAction, action(1))],
    );
    assert!(w[0].urgent && !w[1].urgent);
}

#[test]
fn concerns_wait_on_the_commander_safety_issues_first() {
    let steps = crew_and([
        t(40, "bob", raise(ConcernLevel::Concerned, "Disk at 90%.")),
        t(
            50,
            "cat",
            raise(ConcernLevel::SafetyIssue, "The rollback deletes data."),
        ),
    ]);
    let w = check(
        &steps,
        "ann",
        60,
        &[
            (AcknowledgeConcern, concern(2)),
            (AcknowledgeConcern, concern(1)),
        ],
    );
    assert!(w[0].urgent && !w[1].urgent);
    assert_eq!(
        w[0].text,
        "This is a safety issue — Cat: The rollback deletes data."
    );
    check(&steps, "bob", 60, &[]);
    let answered = plus(steps, [t(70, "ann", acknowledge(2, "Rollback stopped."))]);
    check(&answered, "ann", 80, &[(AcknowledgeConcern, concern(1))]);
}

#[test]
fn an_offer_waits_on_its_recipient_then_on_the_offerer() {
    let offered = crew_and([t(40, "ann", offer_command("bob"))]);
    let w = check(
        &offered,
        "bob",
        50,
        &[(
            AnswerOffer,
            Target::Offer {
                role: Role::Commander,
            },
        )],
    );
    assert_eq!(
        w[0].text,
        "Ann is handing you Commander: answer in the offer prompt."
    );
    check(&offered, "ann", 50, &[]);
    let accepted = plus(offered, [t(60, "bob", accept(Role::Commander))]);
    check(&accepted, "bob", 70, &[]);
    let w = check(
        &accepted,
        "ann",
        70,
        &[(
            ConfirmHandover,
            Target::Offer {
                role: Role::Commander,
            },
        )],
    );
    assert_eq!(
        w[0].text,
        "Bob has taken on Commander: confirm the handover."
    );
    let confirmed = plus(accepted, [t(80, "ann", confirm(Role::Commander))]);
    check(&confirmed, "ann", 90, &[]);
    check(&confirmed, "bob", 90, &[]);
}

#[test]
fn the_commander_sees_the_next_item_of_each_open_checklist_killers_first() {
    let started = crew_and([t(40, "ann", start_checklist("risky-change"))]);
    // Item 1 (index 1) is the killer: "Rollback plan written down and tested".
    let w = check(&started, "ann", 50, &[(DoChecklistItem, item(1, 1))]);
    assert_eq!(
        w[0].text,
        "Before a risky change: Rollback plan written down and tested (6 more open)"
    );
    check(&started, "bob", 50, &[]);
    let killed = plus(started, [t(60, "ann", check_item(1, 1, None))]);
    check(&killed, "ann", 70, &[(DoChecklistItem, item(1, 0))]);
    let mut all = killed;
    for n in [0, 2, 3, 4, 5, 6] {
        // The items that ask for an observed value get one; the ticks do not.
        let value = matches!(n, 0 | 2 | 5).then_some("yes");
        all.push(t(80 + i64::from(n), "ann", check_item(1, n, value)));
    }
    check(&all, "ann", 100, &[]);
}

#[test]
fn a_closed_incident_waits_on_nobody() {
    let steps = crew_and([
        t(40, "ann", assign("bob", "Roll back.", Lane::Mitigate, None)),
        t(50, "cat", raise(ConcernLevel::Concerned, "Disk at 90%.")),
        t(60, "ann", set_status(Status::Resolved)),
        t(61, "ann", set_status(Status::Closed)),
    ]);
    check(&steps, "ann", 70, &[]);
    check(&steps, "bob", 70, &[]);
}
