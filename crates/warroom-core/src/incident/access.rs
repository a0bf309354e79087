//! Who may see an incident: open to every signed-in person by default, or *restricted* to its
//! members. Members join when the commander adds them or by an invitation link; stakeholders
//! can be given a read-only observer link. The links' secret tokens are the server's (stored
//! hashed beside the log); the board knows only their numbers, kinds and expiry, which is
//! what the rules need.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::Timestamp;
use crate::ids::{LinkId, ParticipantId};

/// The incident's access rules, as its events built them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Access {
    /// Only members see the incident (in the list, its board, its exports).
    #[serde(default)]
    pub restricted: bool,
    /// Who may see a restricted incident. Everyone who had joined when it was restricted,
    /// and whoever was added or invited since.
    #[serde(default)]
    pub members: BTreeSet<ParticipantId>,
    /// Every link ever made, revoked ones included (the record is kept).
    #[serde(default)]
    pub links: BTreeMap<LinkId, Link>,
}

/// An invitation or observer link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub kind: LinkKind,
    pub created_by: ParticipantId,
    pub expires_at: Timestamp,
    pub revoked: bool,
}

/// What a link grants whoever opens it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum LinkKind {
    /// Membership of a restricted incident, for the signed-in person who opens it.
    Invite,
    /// A read-only view of the board and its review, with no controls.
    Observe,
}

/// The longest a link may last, in hours: one week.
pub const MAX_LINK_HOURS: u32 = 168;

/// The most links one incident may have, revoked ones included: each is a stored token.
pub const MAX_LINKS: usize = 500;

impl Access {
    /// Open, with no members and no links: as every incident starts.
    pub fn is_untouched(&self) -> bool {
        *self == Self::default()
    }

    /// Whether `who` may see and work the incident.
    pub fn admits(&self, who: &ParticipantId) -> bool {
        !self.restricted || self.members.contains(who)
    }

    /// Whether `link` can still be used at `now`.
    pub fn usable(&self, link: LinkId, kind: LinkKind, now: Timestamp) -> bool {
        self.links
            .get(&link)
            .is_some_and(|l| l.kind == kind && !l.revoked && now < l.expires_at)
    }

    /// The number the next link gets.
    pub fn next_link(&self) -> LinkId {
        LinkId(self.links.keys().next_back().map_or(1, |l| l.0 + 1))
    }
}

impl LinkKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::Invite => "invitation",
            Self::Observe => "observer link",
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone, Utc};

    use super::*;
    use crate::ids::TextId;

    #[test]
    fn a_link_is_usable_until_it_expires_or_is_revoked_and_only_for_its_kind() {
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 9, 0, 0).unwrap();
        let ann = ParticipantId::parse("p-ann").unwrap();
        let mut access = Access::default();
        assert_eq!(access.next_link(), LinkId(1));
        access.links.insert(
            LinkId(1),
            Link {
                kind: LinkKind::Invite,
                created_by: ann.clone(),
                expires_at: now + Duration::hours(1),
                revoked: false,
            },
        );
        assert_eq!(access.next_link(), LinkId(2));
        assert!(access.usable(LinkId(1), LinkKind::Invite, now));
        assert!(!access.usable(LinkId(1), LinkKind::Observe, now));
        assert!(!access.usable(LinkId(1), LinkKind::Invite, now + Duration::hours(1)));
        assert!(!access.usable(LinkId(2), LinkKind::Invite, now));
        access.links.get_mut(&LinkId(1)).unwrap().revoked = true;
        assert!(!access.usable(LinkId(1), LinkKind::Invite, now));
        assert!(access.admits(&ann), "open to everyone");
        access.restricted = true;
        assert!(!access.admits(&ann));
        access.members.insert(ann.clone());
        assert!(access.admits(&ann));
    }
}
