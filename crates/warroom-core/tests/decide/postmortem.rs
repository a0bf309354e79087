//! The postmortem's data: the title with its history, the impact window and statement, and
//! follow-ups — editable after close, folded into the board, carried by the JSON export.

use warroom_core::RejectionCode::{Conflict, Invalid, NotFound, NotPermitted};
use warroom_core::export::Export;
use warroom_core::{FollowUpId, FollowUpState, MAX_FOLLOW_UPS, NoteKind, Owner, Status, TextId};

use super::*;

fn set_title(title: &str) -> Command {
    Command::SetTitle {
        title: title.into(),
    }
}

fn impact(start: Timestamp, end: Option<Timestamp>, statement: Option<&str>) -> Command {
    Command::SetImpact {
        start,
        end,
        statement: statement.map(str::to_owned),
    }
}

fn add(text: &str, owner: Owner, link: Option<&str>) -> Command {
    Command::AddFollowUp {
        text: text.into(),
        owner,
        due: Some("2025-03-21".parse().unwrap()),
        link: link.map(str::to_owned),
    }
}

fn state(follow_up: u32, state: FollowUpState) -> Command {
    Command::UpdateFollowUp {
        follow_up: FollowUpId(follow_up),
        text: None,
        owner: None,
        due: None,
        link: None,
        state: Some(state),
    }
}

fn team() -> Owner {
    Owner::Name("Storage team".into())
}

/// The crew, then resolved and closed.
fn closed() -> Vec<Step> {
    crew_and([
        ("ann", set_status(Status::Resolved)),
        ("ann", set_status(Status::Closed)),
    ])
}

#[test]
fn the_commander_renames_and_the_old_titles_are_kept() {
    let board = check(
        &crew_and([("ann", set_title("Disk full"))]),
        when("ann", set_title(" Storage cluster out of space ")),
        events([Event::TitleChanged {
            from: "Disk full".into(),
            to: "Storage cluster out of space".into(),
        }]),
    );
    let i = board.incident();
    assert_eq!(i.title, "Storage cluster out of space");
    let earlier: Vec<&str> = i
        .postmortem
        .titles
        .iter()
        .map(|t| t.title.as_str())
        .collect();
    assert_eq!(earlier, ["Checkout errors", "Disk full"]);
    assert_eq!(i.postmortem.titles[1].replaced_by, id("ann"));
    check(
        &crew(),
        when("bob", set_title("Mine now")),
        rejected(NotPermitted, "Only the commander"),
    );
    check(
        &crew(),
        when("ann", set_title("Checkout errors")),
        rejected(Invalid, "the title already"),
    );
}

#[test]
fn the_impact_window_is_bounded_and_revisable() {
    let start = at(0) - Duration::minutes(25);
    let end = at(0) + Duration::seconds(10);
    let board = check(
        &crew_and([("ann", impact(start, None, None))]),
        when(
            "ann",
            impact(start, Some(end), Some("Writes failed for 20% of tenants.")),
        ),
        events([Event::ImpactSet {
            start,
            end: Some(end),
            statement: Some("Writes failed for 20% of tenants.".into()),
        }]),
    );
    let i = board.incident().postmortem.impact.clone().unwrap();
    assert_eq!((i.start, i.end), (start, Some(end)));
    // The impact start now bounds backdated entries: 30 days before it is fine.
    let mut board = board;
    let early = start - Duration::days(30);
    let note = Command::PostNote {
        essential: false,
        kind: NoteKind::Observation,
        text: "The change that caused it".into(),
        occurred_at: Some(early),
        precision: None,
    };
    board
        .exec("bob", &CREW, note)
        .expect("within 30 days of the impact start");
    check(
        &crew(),
        when(
            "ann",
            impact(start, Some(start - Duration::seconds(1)), None),
        ),
        rejected(Invalid, "cannot end before it starts"),
    );
    check(
        &crew(),
        when("ann", impact(next_step() + Duration::hours(1), None, None)),
        rejected(Invalid, "is in the future"),
    );
    check(
        &crew(),
        when("ann", impact(at(0) - Duration::days(31), None, None)),
        rejected(Invalid, "is too early"),
    );
    check(
        &crew(),
        when("bob", impact(start, None, None)),
        rejected(NotPermitted, "Only the commander"),
    );
}

fn next_step() -> Timestamp {
    at(crew().len())
}

#[test]
fn follow_ups_are_added_with_an_owner_a_due_date_and_a_checked_link() {
    let board = check(
        &crew(),
        when(
            "bob",
            add(
                "Alert on fill rate",
                Owner::Participant(id("cat")),
                Some("https://t.example/ST-1"),
            ),
        ),
        events([Event::FollowUpAdded {
            follow_up: FollowUpId(1),
            text: "Alert on fill rate".into(),
            owner: Owner::Participant(id("cat")),
            due: Some("2025-03-21".parse().unwrap()),
            link: Some("https://t.example/ST-1".into()),
        }]),
    );
    let f = &board.incident().postmortem.follow_ups[&FollowUpId(1)];
    assert_eq!((f.state, &f.added_by), (FollowUpState::Open, &id("bob")));
    check(
        &crew(),
        when("bob", add("x", Owner::Participant(id("eve")), None)),
        rejected(NotFound, "has not joined"),
    );
    for bad in [
        "ftp://t.example/1",
        "javascript:alert(1)",
        "https://",
        "https://a b.example",
    ] {
        check(
            &crew(),
            when("bob", add("x", team(), Some(bad))),
            rejected(Invalid, "http:// or https://"),
        );
    }
    let too_long = format!("https://t.example/{}", "x".repeat(2_048));
    check(
        &crew(),
        when("bob", add("x", team(), Some(&too_long))),
        rejected(Invalid, "the limit is 2048"),
    );
    check(
        &crew(),
        when("bob", add(&long(501), team(), None)),
        rejected(Invalid, "the limit is 500"),
    );
    let many: Vec<Step> = (0..MAX_FOLLOW_UPS)
        .map(|n| ("bob", add(&format!("Item {n}"), team(), None)))
        .collect();
    check(
        &plus(crew(), many),
        when("bob", add("One too many", team(), None)),
        rejected(Conflict, "at most 100 follow-ups"),
    );
}

#[test]
fn follow_ups_are_updated_after_close_and_nothing_else_is() {
    let with_one = plus(closed(), [("bob", add("Alert on fill rate", team(), None))]);
    let board = check(
        &with_one,
        when("cat", state(1, FollowUpState::Done)),
        events([Event::FollowUpUpdated {
            follow_up: FollowUpId(1),
            text: None,
            owner: None,
            due: None,
            link: None,
            state: Some(FollowUpState::Done),
        }]),
    );
    let f = &board.incident().postmortem.follow_ups[&FollowUpId(1)];
    assert_eq!(f.state, FollowUpState::Done);
    assert_eq!(f.text, "Alert on fill rate", "what was not given stays");
    assert_eq!(f.updated_at, Some(board.last_at()));
    check(
        &with_one,
        when("cat", state(1, FollowUpState::Open)),
        rejected(Invalid, "changes nothing"),
    );
    check(
        &with_one,
        when("cat", state(2, FollowUpState::Done)),
        rejected(NotFound, "no follow-up 2"),
    );
    check(
        &with_one,
        when("ann", post(NoteKind::Observation, "Late thought")),
        rejected(warroom_core::RejectionCode::Closed, "closed"),
    );
    check(
        &closed(),
        when("ann", set_title("Storage outage")),
        events([Event::TitleChanged {
            from: "Checkout errors".into(),
            to: "Storage outage".into(),
        }]),
    );
}

#[test]
fn the_json_export_carries_the_title_history_impact_and_follow_ups() {
    let start = at(0) - Duration::minutes(25);
    let board = Board::given(&plus(
        closed(),
        [
            ("ann", set_title("Storage outage")),
            ("ann", impact(start, Some(at(0)), Some("Writes failed."))),
            (
                "bob",
                add("Alert on fill rate", team(), Some("https://t.example/1")),
            ),
            ("cat", state(1, FollowUpState::Dropped)),
        ],
    ));
    let id = warroom_core::IncidentId::parse("storage-outage").unwrap();
    let export = Export::new(id, board.log.clone()).unwrap();
    let json = export.to_json();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let pm = &value["board"]["postmortem"];
    assert_eq!(pm["titles"][0]["title"], "Checkout errors");
    assert_eq!(pm["impact"]["statement"], "Writes failed.");
    assert_eq!(pm["follow_ups"]["1"]["state"], "dropped");
    assert_eq!(pm["follow_ups"]["1"]["owner"]["name"], "Storage team");
    // Read back and checked against its log.
    let read: Export = serde_json::from_str(&json).unwrap();
    read.verify().unwrap();
    assert_eq!(read.final_board().unwrap(), *board.incident());
    assert_eq!(
        read.to_json(),
        json,
        "export → read → export: the same bytes"
    );
}
