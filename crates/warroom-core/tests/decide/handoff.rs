//! The positive exchange that hands a role over: offer, accept or decline, confirm, cancel.

use warroom_core::RejectionCode::{Conflict, Invalid, NotFound, NotPermitted, Presence};
use warroom_core::{Event, HandoffBrief};

use super::roles::{COMMANDER, DEPUTY, OPS, SCRIBE, cancelled, offered, released};
use super::*;

/// Ann is commander and has offered command to Bob, who has not answered yet.
fn command_offered_to_bob() -> Vec<Step> {
    crew_and([("ann", offer_command("bob"))])
}

/// Bob is deputy and has offered the deputy role to Cat, who accepted; then Ann handed command
/// to Cat. Cat is now commander with an accepted deputy offer still open.
fn deputy_offered_to_the_new_commander() -> Vec<Step> {
    crew_and([
        ("bob", claim(DEPUTY)),
        ("bob", offer(DEPUTY, "cat", None)),
        ("cat", accept(DEPUTY)),
        ("ann", offer_command("cat")),
        ("cat", accept(COMMANDER)),
        ("ann", confirm(COMMANDER)),
    ])
}

#[test]
fn offering_a_role() {
    let bob_operations = crew_and([("bob", claim(OPS))]);
    check(
        &bob_operations,
        when("bob", offer(OPS, "cat", None)),
        events([offered(OPS, "cat", None)]),
    );
    check(
        &bob_operations,
        when("bob", offer(OPS, "cat", Some(brief()))),
        events([offered(OPS, "cat", Some(brief()))]),
    );
    check(
        &crew(),
        when("ann", offer_command("bob")).present(&["bob"]),
        events([offered(COMMANDER, "bob", Some(brief()))]),
    );
    check(
        &bob_operations,
        when("cat", offer(OPS, "dan", None)),
        rejected(
            NotPermitted,
            "Only the operations can hand over that role; it is held by Bob.",
        ),
    );
    check(
        &crew(),
        when("bob", offer_command("cat")),
        rejected(NotPermitted, "Only the commander can hand over that role"),
    );
    check(
        &crew(),
        when("cat", offer(SCRIBE, "dan", None)),
        rejected(Conflict, "Scribe is vacant: there is nothing to hand over."),
    );
    check(
        &crew(),
        when("ann", offer_command("ann")),
        rejected(Invalid, "You cannot hand a role to yourself."),
    );
    check(
        &crew(),
        when("ann", offer_command("eve")).present(&["eve"]),
        rejected(NotFound, "That person has not joined this incident."),
    );
    check(
        &crew(),
        when("ann", offer_command("bob")).present(&["cat", "dan"]),
        rejected(
            Presence,
            "Bob is not connected: a role can only be handed to someone who is present.",
        ),
    );
    check(
        &command_offered_to_bob(),
        when("ann", offer_command("cat")),
        rejected(
            Conflict,
            "Commander is already being offered to Bob; cancel that offer first.",
        ),
    );
    check(
        &crew_and([("bob", claim(DEPUTY))]),
        when("bob", offer(DEPUTY, "ann", None)),
        rejected(NotPermitted, "The commander cannot also be the deputy."),
    );
}

#[test]
fn a_command_handoff_needs_a_brief() {
    check(
        &crew(),
        when("ann", offer(COMMANDER, "bob", None)),
        rejected(Invalid, "A command handoff needs a brief"),
    );
    let blank = HandoffBrief {
        situation: "  ".into(),
        ..HandoffBrief::default()
    };
    check(
        &crew(),
        when("ann", offer(COMMANDER, "bob", Some(blank))),
        rejected(Invalid, "The handoff brief is blank."),
    );
    let too_long = HandoffBrief {
        hazards: long(4_001),
        ..brief()
    };
    check(
        &crew(),
        when("ann", offer(COMMANDER, "bob", Some(too_long.clone()))),
        rejected(
            Invalid,
            "The brief's \"Hazards and constraints\" is longer than 4000 characters.",
        ),
    );
    check(
        &crew_and([("bob", claim(OPS))]),
        when("bob", offer(OPS, "cat", Some(too_long))),
        rejected(Invalid, "is longer than 4000 characters."),
    );
}

#[test]
fn accepting_an_offer() {
    check(
        &command_offered_to_bob(),
        when("bob", accept(COMMANDER)),
        events([Event::RoleOfferAccepted { role: COMMANDER }]),
    );
    check(
        &command_offered_to_bob(),
        when("bob", accept(SCRIBE)),
        rejected(NotFound, "There is no open offer of Scribe."),
    );
    check(
        &command_offered_to_bob(),
        when("cat", accept(COMMANDER)),
        rejected(NotPermitted, "This offer of Commander is for Bob."),
    );
    check(
        &plus(command_offered_to_bob(), [("bob", accept(COMMANDER))]),
        when("bob", accept(COMMANDER)),
        rejected(Conflict, "You have accepted already"),
    );
    let offered_to_cat_then_cat_commands = crew_and([
        ("bob", claim(DEPUTY)),
        ("bob", offer(DEPUTY, "cat", None)),
        ("ann", offer_command("cat")),
        ("cat", accept(COMMANDER)),
        ("ann", confirm(COMMANDER)),
    ]);
    // Becoming commander withdrew the offer of deputy: there is nothing left to accept.
    check(
        &offered_to_cat_then_cat_commands,
        when("cat", accept(DEPUTY)),
        rejected(NotFound, "There is no open offer of Deputy."),
    );
}

#[test]
fn declining_an_offer() {
    let declined = events([Event::RoleOfferDeclined {
        role: COMMANDER,
        reason: "Too tired.".into(),
    }]);
    let board = check(
        &command_offered_to_bob(),
        when("bob", decline(COMMANDER, " Too tired. ")),
        declined,
    );
    assert!(board.incident().offers.is_empty());
    assert_eq!(board.incident().commander.holder, id("ann"));
    // Having said "I have control" does not stop the recipient from backing out before the
    // handover is confirmed.
    check(
        &plus(command_offered_to_bob(), [("bob", accept(COMMANDER))]),
        when("bob", decline(COMMANDER, "Too tired.")),
        events([Event::RoleOfferDeclined {
            role: COMMANDER,
            reason: "Too tired.".into(),
        }]),
    );
    check(
        &crew(),
        when("bob", decline(COMMANDER, "Too tired.")),
        rejected(NotFound, "There is no open offer of Commander."),
    );
    check(
        &command_offered_to_bob(),
        when("cat", decline(COMMANDER, "Too tired.")),
        rejected(NotPermitted, "This offer of Commander is for Bob."),
    );
    check(
        &command_offered_to_bob(),
        when("bob", decline(COMMANDER, " ")),
        rejected(Invalid, "The reason cannot be empty."),
    );
}

#[test]
fn confirming_a_handover() {
    let accepted = plus(command_offered_to_bob(), [("bob", accept(COMMANDER))]);
    check(
        &accepted,
        when("ann", confirm(COMMANDER)),
        events([Event::RoleHandedOver {
            role: COMMANDER,
            from: id("ann"),
            to: id("bob"),
        }]),
    );
    check(
        &crew(),
        when("ann", confirm(COMMANDER)),
        rejected(NotFound, "There is no open offer of Commander."),
    );
    check(
        &accepted,
        when("bob", confirm(COMMANDER)),
        rejected(NotPermitted, "Only Ann can confirm this handover."),
    );
    check(
        &command_offered_to_bob(),
        when("ann", confirm(COMMANDER)),
        rejected(Conflict, "Bob has not said \"I have control\" yet."),
    );
    check(
        &accepted,
        when("ann", confirm(COMMANDER)).present(&["ann", "cat"]),
        rejected(
            Presence,
            "Bob is no longer connected; cancel the offer or wait for them.",
        ),
    );
    check(
        &deputy_offered_to_the_new_commander(),
        when("bob", confirm(DEPUTY)),
        rejected(NotFound, "There is no open offer of Deputy."),
    );
    // Handing command to someone who has been offered deputy withdraws that offer first.
    check(
        &crew_and([
            ("bob", claim(DEPUTY)),
            ("bob", offer(DEPUTY, "cat", None)),
            ("ann", offer_command("cat")),
            ("cat", accept(COMMANDER)),
        ]),
        when("ann", confirm(COMMANDER)),
        events([
            Event::RoleOfferCancelled {
                role: DEPUTY,
                reason: "The commander cannot also be the deputy.".into(),
            },
            Event::RoleHandedOver {
                role: COMMANDER,
                from: id("ann"),
                to: id("cat"),
            },
        ]),
    );
}

#[test]
fn a_role_moves_only_when_the_handover_is_confirmed() {
    let mut board = Board::given(&crew_and([("bob", claim(OPS))]));
    let claimed_at = board.last_at();
    board.exec("bob", &CREW, offer(OPS, "cat", None)).unwrap();
    assert_eq!(board.incident().holder(OPS), Some(&id("bob")));
    board.exec("cat", &CREW, accept(OPS)).unwrap();
    assert_eq!(board.incident().holder(OPS), Some(&id("bob")));
    assert_eq!(board.incident().tenure(OPS).unwrap().since, claimed_at);
    assert_eq!(
        board.incident().offers[&OPS].accepted_at,
        Some(board.last_at())
    );
    board.exec("bob", &CREW, confirm(OPS)).unwrap();
    let tenure = board.incident().tenure(OPS).unwrap();
    assert_eq!(
        (&tenure.holder, tenure.since),
        (&id("cat"), board.last_at())
    );
    assert!(board.incident().offers.is_empty());
}

#[test]
fn a_deputy_who_takes_command_is_no_longer_deputy() {
    let given = crew_and([
        ("bob", claim(DEPUTY)),
        ("ann", offer_command("bob")),
        ("bob", accept(COMMANDER)),
    ]);
    let handed_over = Event::RoleHandedOver {
        role: COMMANDER,
        from: id("ann"),
        to: id("bob"),
    };
    let board = check(
        &given,
        when("ann", confirm(COMMANDER)),
        events([released(DEPUTY, "bob"), handed_over.clone()]),
    );
    assert_eq!(board.incident().commander.holder, id("bob"));
    assert_eq!(board.incident().holder(DEPUTY), None);

    // The deputy's own open offer of the deputy role dies with it.
    let given = crew_and([
        ("bob", claim(DEPUTY)),
        ("bob", offer(DEPUTY, "cat", None)),
        ("ann", offer_command("bob")),
        ("bob", accept(COMMANDER)),
    ]);
    let board = check(
        &given,
        when("ann", confirm(COMMANDER)),
        events([
            cancelled(DEPUTY, "The deputy became commander."),
            released(DEPUTY, "bob"),
            handed_over,
        ]),
    );
    assert!(board.incident().offers.is_empty());
    assert_eq!(board.incident().roles_of(&id("bob")), vec![COMMANDER]);
}

#[test]
fn cancelling_an_offer() {
    let board = check(
        &command_offered_to_bob(),
        when("ann", cancel_offer(COMMANDER)),
        events([cancelled(COMMANDER, "Cancelled by the offerer.")]),
    );
    assert!(board.incident().offers.is_empty());
    check(
        &crew(),
        when("ann", cancel_offer(COMMANDER)),
        rejected(NotFound, "There is no open offer of Commander."),
    );
    check(
        &command_offered_to_bob(),
        when("bob", cancel_offer(COMMANDER)),
        rejected(
            NotPermitted,
            "Only Ann can cancel this offer; the recipient declines instead.",
        ),
    );
}
