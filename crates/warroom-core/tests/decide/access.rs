//! Who may see an incident: restricting it, members, invitation and observer links.

use chrono::Duration;
use warroom_core::RejectionCode::{Conflict, Invalid, NotFound, NotPermitted};
use warroom_core::{Command, Event, LinkId, LinkKind};

use super::*;

fn restrict() -> Command {
    Command::Restrict
}

fn link(kind: LinkKind, hours: u32) -> Command {
    Command::CreateLink { kind, hours }
}

fn accept(n: u32) -> Command {
    Command::AcceptInvitation { link: LinkId(n) }
}

/// The crew, restricted by Ann: Ann, Bob, Cat and Dan are its members.
fn restricted() -> Vec<Step> {
    crew_and([("ann", restrict())])
}

#[test]
fn only_the_commander_restricts_and_everyone_who_joined_is_a_member() {
    check(
        &crew(),
        when("ann", restrict()),
        events([Event::IncidentRestricted {
            members: ["ann", "bob", "cat", "dan"].map(id).to_vec(),
        }]),
    );
    check(
        &crew(),
        when("bob", restrict()),
        rejected(NotPermitted, "Only the commander"),
    );
    check(
        &restricted(),
        when("ann", restrict()),
        rejected(Conflict, "restricted already"),
    );
}

#[test]
fn members_are_added_and_removed_by_the_commander() {
    let add = |who| Command::AddMember {
        participant: id(who),
    };
    let remove = |who| Command::RemoveMember {
        participant: id(who),
    };
    check(
        &restricted(),
        when("ann", add("eve")),
        events([Event::MemberAdded {
            participant: id("eve"),
            link: None,
        }]),
    );
    check(
        &crew(),
        when("ann", add("eve")),
        rejected(Invalid, "not restricted"),
    );
    check(
        &restricted(),
        when("ann", add("bob")),
        rejected(Conflict, "member already"),
    );
    check(
        &restricted(),
        when("bob", add("eve")),
        rejected(NotPermitted, "Only the commander"),
    );
    check(
        &restricted(),
        when("ann", remove("dan")),
        events([Event::MemberRemoved {
            participant: id("dan"),
        }]),
    );
    check(
        &restricted(),
        when("ann", remove("eve")),
        rejected(NotFound, "not a member"),
    );
    check(
        &restricted(),
        when("ann", remove("ann")),
        rejected(NotPermitted, "holds a role"),
    );
}

#[test]
fn links_last_an_hour_to_a_week_and_invitations_need_a_restricted_incident() {
    // The command is the step after the given ones.
    let expires_at = at(restricted().len()) + Duration::hours(24);
    check(
        &restricted(),
        when("ann", link(LinkKind::Invite, 24)),
        events([Event::LinkCreated {
            link: LinkId(1),
            kind: LinkKind::Invite,
            expires_at,
        }]),
    );
    check(
        &crew(),
        when("ann", link(LinkKind::Invite, 24)),
        rejected(Invalid, "share its address"),
    );
    check(
        &restricted(),
        when("ann", link(LinkKind::Observe, 0)),
        rejected(Invalid, "1 to 168"),
    );
    check(
        &restricted(),
        when("ann", link(LinkKind::Observe, 169)),
        rejected(Invalid, "1 to 168"),
    );
    check(
        &restricted(),
        when("cat", link(LinkKind::Observe, 1)),
        rejected(NotPermitted, "Only the commander"),
    );
}

#[test]
fn an_invitation_admits_its_opener_while_it_is_valid() {
    let invited = plus(restricted(), [("ann", link(LinkKind::Invite, 1))]);
    check(
        &invited,
        when("eve", accept(1)),
        events([Event::MemberAdded {
            participant: id("eve"),
            link: Some(LinkId(1)),
        }]),
    );
    check(
        &invited,
        when("bob", accept(1)),
        rejected(Conflict, "see this incident already"),
    );
    check(
        &invited,
        when("eve", accept(2)),
        rejected(NotPermitted, "expired or was revoked"),
    );
    let observed = plus(restricted(), [("ann", link(LinkKind::Observe, 1))]);
    check(
        &observed,
        when("eve", accept(1)),
        rejected(NotPermitted, "expired or was revoked"),
    );
    let revoked = plus(
        invited.clone(),
        [("ann", Command::RevokeLink { link: LinkId(1) })],
    );
    check(
        &revoked,
        when("eve", accept(1)),
        rejected(NotPermitted, "expired or was revoked"),
    );
    check(
        &revoked,
        when("ann", Command::RevokeLink { link: LinkId(1) }),
        rejected(Conflict, "revoked already"),
    );
    check(
        &revoked,
        when("ann", Command::RevokeLink { link: LinkId(9) }),
        rejected(NotFound, "no link 9"),
    );
}
