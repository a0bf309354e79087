//! Roles without a handover: claiming and releasing vacant roles, and assuming the role of an
//! absent holder. The shorthands here serve `handoff.rs` too.

use warroom_core::RejectionCode::{Conflict, Invalid, NotPermitted, Presence};
use warroom_core::{Event, HandoffBrief, Role};

use super::*;

pub(super) const COMMANDER: Role = Role::Commander;
pub(super) const DEPUTY: Role = Role::Deputy;
pub(super) const OPS: Role = Role::Operations;
pub(super) const SCRIBE: Role = Role::Scribe;

pub(super) fn offered(role: Role, to: &str, brief: Option<HandoffBrief>) -> Event {
    Event::RoleOffered {
        role,
        to: id(to),
        brief,
    }
}

pub(super) fn cancelled(role: Role, reason: &str) -> Event {
    Event::RoleOfferCancelled {
        role,
        reason: reason.into(),
    }
}

pub(super) fn released(role: Role, holder: &str) -> Event {
    Event::RoleReleased {
        role,
        holder: id(holder),
    }
}

pub(super) fn assumed(role: Role, from: &str, reason: &str) -> Event {
    Event::RoleAssumed {
        role,
        from: Some(id(from)),
        reason: reason.into(),
    }
}

#[test]
fn claiming_a_vacant_role() {
    let board = check(
        &crew(),
        when("cat", claim(SCRIBE)),
        events([Event::RoleClaimed { role: SCRIBE }]),
    );
    assert_eq!(board.incident().holder(SCRIBE), Some(&id("cat")));
    // The commander may hold other roles besides, just not the deputy's.
    check(
        &crew(),
        when("ann", claim(OPS)),
        events([Event::RoleClaimed { role: OPS }]),
    );
    check(
        &crew(),
        when("bob", claim(COMMANDER)),
        rejected(NotPermitted, "Command is never claimed"),
    );
    let cat_scribe = crew_and([("cat", claim(SCRIBE))]);
    check(
        &cat_scribe,
        when("cat", claim(SCRIBE)),
        rejected(Conflict, "You are Scribe already."),
    );
    check(
        &cat_scribe,
        when("dan", claim(SCRIBE)),
        rejected(Conflict, "Scribe is held by Cat."),
    );
    check(
        &crew(),
        when("ann", claim(DEPUTY)),
        rejected(NotPermitted, "The commander cannot also be the deputy."),
    );
}

#[test]
fn releasing_a_role() {
    let cat_scribe = crew_and([("cat", claim(SCRIBE))]);
    let board = check(
        &cat_scribe,
        when("cat", release(SCRIBE)),
        events([released(SCRIBE, "cat")]),
    );
    assert_eq!(board.incident().holder(SCRIBE), None);
    let board = check(
        &crew_and([("cat", claim(SCRIBE)), ("cat", offer(SCRIBE, "dan", None))]),
        when("cat", release(SCRIBE)),
        events([
            cancelled(SCRIBE, "The role was released."),
            released(SCRIBE, "cat"),
        ]),
    );
    assert!(board.incident().offers.is_empty());
    check(
        &crew(),
        when("ann", release(COMMANDER)),
        rejected(
            NotPermitted,
            "The commander cannot simply let go of command; hand it over instead.",
        ),
    );
    check(
        &cat_scribe,
        when("dan", release(SCRIBE)),
        rejected(
            NotPermitted,
            "Only the scribe can release that role; it is held by Cat.",
        ),
    );
    check(
        &crew(),
        when("dan", release(SCRIBE)),
        rejected(Conflict, "Scribe is vacant: there is nothing to release."),
    );
}

#[test]
fn assuming_the_role_of_an_absent_holder() {
    let bob_operations = crew_and([("bob", claim(OPS))]);
    let without_bob = ["ann", "cat", "dan"];
    let board = check(
        &bob_operations,
        when("cat", assume(OPS, " Bob dropped off. ")).present(&without_bob),
        events([assumed(OPS, "bob", "Bob dropped off.")]),
    );
    assert_eq!(board.incident().holder(OPS), Some(&id("cat")));
    check(
        &crew_and([("bob", claim(OPS)), ("bob", offer(OPS, "dan", None))]),
        when("cat", assume(OPS, "Bob dropped off.")).present(&without_bob),
        events([
            cancelled(OPS, "The role was assumed by someone else."),
            assumed(OPS, "bob", "Bob dropped off."),
        ]),
    );
    check(
        &bob_operations,
        when("cat", assume(OPS, "Bob is slow.")),
        rejected(
            Presence,
            "Bob is connected: ask them to hand over Operations.",
        ),
    );
    check(
        &crew(),
        when("cat", assume(SCRIBE, "Nobody writes.")),
        rejected(Conflict, "Scribe is vacant: claim it instead."),
    );
    check(
        &bob_operations,
        when("cat", assume(OPS, "")).present(&without_bob),
        rejected(Invalid, "The reason cannot be empty."),
    );
    check(
        &bob_operations,
        when("bob", assume(OPS, "Just making sure.")),
        rejected(Conflict, "You are Operations already."),
    );
    check(
        &crew_and([("bob", claim(DEPUTY))]),
        when("ann", assume(DEPUTY, "Bob dropped off.")).present(&["ann", "cat"]),
        rejected(NotPermitted, "The commander cannot also be the deputy."),
    );
}

#[test]
fn assuming_command() {
    let without_ann = ["bob", "cat", "dan"];
    let board = check(
        &crew(),
        when("cat", assume(COMMANDER, "Ann's laptop died.")).present(&without_ann),
        events([assumed(COMMANDER, "ann", "Ann's laptop died.")]),
    );
    assert_eq!(board.incident().commander.holder, id("cat"));
    assert_eq!(board.incident().commander.since, board.last_at());

    // A deputy who assumes command stops being deputy; open offers of both roles die.
    let board = check(
        &crew_and([("bob", claim(DEPUTY))]),
        when("bob", assume(COMMANDER, "Ann's laptop died.")).present(&without_ann),
        events([
            released(DEPUTY, "bob"),
            assumed(COMMANDER, "ann", "Ann's laptop died."),
        ]),
    );
    assert_eq!(board.incident().roles_of(&id("bob")), vec![COMMANDER]);
    let board = check(
        &crew_and([
            ("bob", claim(DEPUTY)),
            ("bob", offer(DEPUTY, "cat", None)),
            ("ann", offer_command("dan")),
        ]),
        when("bob", assume(COMMANDER, "Ann's laptop died.")).present(&without_ann),
        events([
            cancelled(COMMANDER, "The role was assumed by someone else."),
            cancelled(DEPUTY, "The deputy became commander."),
            released(DEPUTY, "bob"),
            assumed(COMMANDER, "ann", "Ann's laptop died."),
        ]),
    );
    assert!(board.incident().offers.is_empty());
    assert!(board.incident().roles.is_empty());
}
