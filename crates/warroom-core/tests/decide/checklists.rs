//! Checklists: start from a template or ad hoc, add items, check (with an observed value where
//! asked), uncheck, mark not applicable; and when a checklist counts as complete.

use warroom_core::RejectionCode::{Conflict, Invalid, NotFound};
use warroom_core::templates::template;
use warroom_core::{ChecklistId, ChecklistKind, Event, ItemState, NewItem, PausePoint};

use super::*;

/// Bob has started checklist 1 from the "declare" template. Item 0 is a tick; item 1 asks for
/// "Severity and why".
fn declare_checklist() -> Vec<Step> {
    crew_and([("bob", start_checklist("declare"))])
}

fn item_checked(item: u32, value: Option<&str>) -> Event {
    Event::ItemChecked {
        checklist: ChecklistId(1),
        item,
        value: value.map(str::to_owned),
    }
}

#[test]
fn starting_a_checklist_from_a_template() {
    let t = template("declare").unwrap();
    let items: Vec<NewItem> = t
        .items
        .iter()
        .map(|i| NewItem {
            text: i.text.into(),
            killer: i.killer,
            asks_value: i.asks_value.map(str::to_owned),
        })
        .collect();
    assert_eq!(items[1].asks_value.as_deref(), Some("Severity and why"));
    assert!(items[0].killer && items[0].asks_value.is_none());
    let started = |checklist| Event::ChecklistStarted {
        checklist: ChecklistId(checklist),
        title: "Declare and mobilise".into(),
        template: Some("declare".into()),
        kind: ChecklistKind::ReadDo,
        pause_point: PausePoint::Declare,
        items: items.clone(),
    };
    check(
        &crew(),
        when("bob", start_checklist("declare")),
        events([started(1)]),
    );
    check(
        &declare_checklist(),
        when("cat", start_checklist("declare")),
        events([started(2)]),
    );
    check(
        &crew(),
        when("bob", start_checklist("nope")),
        rejected(
            NotFound,
            "There is no checklist template \"nope\"; the templates are: declare, \
             transfer-of-command, risky-change, resolve-close.",
        ),
    );
}

#[test]
fn creating_an_ad_hoc_checklist() {
    check(
        &declare_checklist(),
        when(
            "dan",
            Command::CreateChecklist {
                title: " Database failover ".into(),
                kind: ChecklistKind::DoConfirm,
                pause_point: PausePoint::BeforeRiskyChange,
            },
        ),
        events([Event::ChecklistStarted {
            checklist: ChecklistId(2),
            title: "Database failover".into(),
            template: None,
            kind: ChecklistKind::DoConfirm,
            pause_point: PausePoint::BeforeRiskyChange,
            items: Vec::new(),
        }]),
    );
    check(
        &crew(),
        when("dan", create_checklist("")),
        rejected(Invalid, "The checklist title cannot be empty."),
    );
    check(
        &crew(),
        when("dan", create_checklist(&long(201))),
        rejected(Invalid, "The checklist title is 201 characters long"),
    );
}

#[test]
fn adding_an_item() {
    let ad_hoc = crew_and([("dan", create_checklist("Database failover"))]);
    check(
        &ad_hoc,
        when(
            "cat",
            add_item(1, " Replica caught up ", Some(" Lag in seconds ")),
        ),
        events([Event::ChecklistItemAdded {
            checklist: ChecklistId(1),
            item: NewItem {
                text: "Replica caught up".into(),
                killer: false,
                asks_value: Some("Lag in seconds".into()),
            },
        }]),
    );
    check(
        &ad_hoc,
        when(
            "cat",
            Command::AddChecklistItem {
                checklist: ChecklistId(1),
                text: "Writes stopped".into(),
                killer: true,
                asks_value: None,
            },
        ),
        events([Event::ChecklistItemAdded {
            checklist: ChecklistId(1),
            item: NewItem {
                text: "Writes stopped".into(),
                killer: true,
                asks_value: None,
            },
        }]),
    );
    check(
        &ad_hoc,
        when("cat", add_item(2, "Replica caught up", None)),
        rejected(NotFound, "There is no checklist 2."),
    );
    check(
        &ad_hoc,
        when("cat", add_item(1, " ", None)),
        rejected(Invalid, "The item cannot be empty."),
    );
    check(
        &ad_hoc,
        when("cat", add_item(1, "Replica caught up", Some(""))),
        rejected(Invalid, "The value prompt cannot be empty."),
    );
}

#[test]
fn checking_an_item() {
    check(
        &declare_checklist(),
        when("cat", check_item(1, 0, None)),
        events([item_checked(0, None)]),
    );
    check(
        &declare_checklist(),
        when(
            "cat",
            check_item(1, 1, Some(" SEV2: 20% of checkouts fail ")),
        ),
        events([item_checked(1, Some("SEV2: 20% of checkouts fail"))]),
    );
    check(
        &declare_checklist(),
        when("cat", check_item(1, 1, None)),
        rejected(
            Invalid,
            "This item asks for an observed value: Severity and why.",
        ),
    );
    check(
        &declare_checklist(),
        when("cat", check_item(1, 1, Some("  "))),
        rejected(Invalid, "The observed value cannot be empty."),
    );
    check(
        &declare_checklist(),
        when("cat", check_item(1, 0, Some("Yes"))),
        rejected(Invalid, "This item is a tick; it takes no value."),
    );
    check(
        &plus(declare_checklist(), [("bob", check_item(1, 0, None))]),
        when("cat", check_item(1, 0, None)),
        rejected(Conflict, "That item was checked by Bob already."),
    );
    check(
        &plus(
            declare_checklist(),
            [("bob", not_applicable(1, 0, "Drill."))],
        ),
        when("cat", check_item(1, 0, None)),
        rejected(Conflict, "That item was marked not applicable by Bob."),
    );
    check(
        &declare_checklist(),
        when("cat", check_item(1, 7, None)),
        rejected(NotFound, "Checklist 1 has no item 8."),
    );
    check(
        &declare_checklist(),
        when("cat", check_item(3, 0, None)),
        rejected(NotFound, "There is no checklist 3."),
    );
}

#[test]
fn unchecking_an_item() {
    let unchecked = || {
        events([Event::ItemUnchecked {
            checklist: ChecklistId(1),
            item: 0,
        }])
    };
    check(
        &plus(declare_checklist(), [("bob", check_item(1, 0, None))]),
        when("cat", uncheck_item(1, 0)),
        unchecked(),
    );
    check(
        &plus(
            declare_checklist(),
            [("bob", not_applicable(1, 0, "Drill."))],
        ),
        when("cat", uncheck_item(1, 0)),
        unchecked(),
    );
    check(
        &declare_checklist(),
        when("cat", uncheck_item(1, 0)),
        rejected(Conflict, "That item is not checked."),
    );
    check(
        &declare_checklist(),
        when("cat", uncheck_item(1, 9)),
        rejected(NotFound, "Checklist 1 has no item 10."),
    );
    check(
        &declare_checklist(),
        when("cat", uncheck_item(2, 0)),
        rejected(NotFound, "There is no checklist 2."),
    );
}

#[test]
fn marking_an_item_not_applicable() {
    check(
        &declare_checklist(),
        when("cat", not_applicable(1, 1, " A drill has no severity. ")),
        events([Event::ItemMarkedNotApplicable {
            checklist: ChecklistId(1),
            item: 1,
            reason: "A drill has no severity.".into(),
        }]),
    );
    check(
        &plus(declare_checklist(), [("bob", check_item(1, 0, None))]),
        when("cat", not_applicable(1, 0, "Drill.")),
        rejected(Conflict, "That item was checked by Bob already."),
    );
    check(
        &plus(
            declare_checklist(),
            [("bob", not_applicable(1, 0, "Drill."))],
        ),
        when("cat", not_applicable(1, 0, "Drill.")),
        rejected(Conflict, "That item was marked not applicable by Bob."),
    );
    check(
        &declare_checklist(),
        when("cat", not_applicable(1, 0, "")),
        rejected(Invalid, "The reason cannot be empty."),
    );
    check(
        &declare_checklist(),
        when("cat", not_applicable(1, 7, "Drill.")),
        rejected(NotFound, "Checklist 1 has no item 8."),
    );
}

#[test]
fn a_checklist_is_complete_when_no_item_is_open() {
    let mut board = Board::given(&crew_and([
        ("dan", create_checklist("Database failover")),
        ("dan", add_item(1, "Writes stopped", None)),
        (
            "dan",
            add_item(1, "Replica caught up", Some("Lag in seconds")),
        ),
    ]));
    let completed_at = |board: &Board| board.incident().checklists[&ChecklistId(1)].completed_at;
    assert_eq!(completed_at(&board), None);

    board.exec("bob", &CREW, check_item(1, 0, None)).unwrap();
    assert_eq!(completed_at(&board), None);
    board
        .exec("cat", &CREW, check_item(1, 1, Some("0.2")))
        .unwrap();
    let done = board.last_at();
    assert_eq!(completed_at(&board), Some(done));
    let checklist = &board.incident().checklists[&ChecklistId(1)];
    assert_eq!(checklist.progress(), (2, 2));
    assert_eq!(
        checklist.items[1].state,
        ItemState::Checked {
            by: id("cat"),
            at: done,
            value: Some("0.2".into()),
        }
    );

    // Unchecking reopens it; closing the item again completes it at the new time.
    board.exec("bob", &CREW, uncheck_item(1, 0)).unwrap();
    assert_eq!(completed_at(&board), None);
    board
        .exec("bob", &CREW, not_applicable(1, 0, "Read-only replica."))
        .unwrap();
    let done_again = board.last_at();
    assert_eq!(completed_at(&board), Some(done_again));
    assert_eq!(
        board.incident().checklists[&ChecklistId(1)].items[0].state,
        ItemState::NotApplicable {
            by: id("bob"),
            at: done_again,
            reason: "Read-only replica.".into(),
        }
    );

    // A new item reopens it too.
    board
        .exec("dan", &CREW, add_item(1, "Traffic switched", None))
        .unwrap();
    assert_eq!(completed_at(&board), None);
    assert_eq!(
        board.incident().checklists[&ChecklistId(1)].progress(),
        (2, 3)
    );
}

#[test]
fn an_empty_checklist_is_not_complete() {
    let board = Board::given(&crew_and([("dan", create_checklist("Database failover"))]));
    let checklist = &board.incident().checklists[&ChecklistId(1)];
    assert!(!checklist.is_complete());
    assert_eq!(checklist.completed_at, None);
    assert_eq!(
        (&checklist.started_by, checklist.started_at),
        (&id("dan"), board.last_at())
    );
}
