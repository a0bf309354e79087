//! The room's part in who may see the incident: whether a joiner is with the crew, watches
//! through an observer link or is refused (as for an incident that does not exist); the
//! refusal of an observer's commands; and, after the events that take access away, closing the
//! connections that lost it. The rules (who may change access) are warroom-core's; the
//! subscribers themselves are `subscribers.rs`'s.

use warroom_core::protocol::{ErrorCode, ServerMessage, close};
use warroom_core::{CommandId, Event, LinkId, LinkKind, ParticipantId, Recorded};

use super::{ConnId, Room, frame};
use crate::telemetry::{self, CommandOutcome};

impl Room {
    /// How a joiner may be on the board: `Some(None)` with the crew, `Some(Some(link))`
    /// watching through an observer link, `None` not at all.
    pub(super) fn admission(
        &self,
        participant: &ParticipantId,
        observing: Option<LinkId>,
        observer_only: bool,
    ) -> Option<Option<LinkId>> {
        let access = &self.state.as_ref()?.access;
        if !observer_only && access.admits(participant) {
            return Some(None);
        }
        observing
            .filter(|link| access.usable(*link, LinkKind::Observe, self.clock.now()))
            .map(Some)
    }

    /// An observer sent a command: nothing changes, and it is told why.
    pub(super) fn refuse_watcher(&mut self, conn: ConnId, id: CommandId) {
        telemetry::command(CommandOutcome::Forbidden);
        let refusal = ServerMessage::Error {
            code: ErrorCode::Forbidden,
            message: "This is a read-only observer link: it can watch the board, not change it."
                .into(),
            command: Some(id),
        };
        self.subscribers.send_to(conn, frame(&refusal));
    }

    /// After events that take access away, closes the connections that lost it: a removed
    /// member's, and the observers of a revoked link.
    pub(super) fn enforce_access(&mut self, events: &[Recorded]) {
        let mut gone = Vec::new();
        for r in events {
            if matches!(
                r.event,
                Event::IncidentRestricted { .. }
                    | Event::MemberAdded { .. }
                    | Event::MemberRemoved { .. }
                    | Event::LinkCreated { .. }
                    | Event::LinkRevoked { .. }
            ) {
                tracing::info!(incident = %self.id, participant = %r.actor, seq = r.seq, change = r.event.name(), "access changed");
            }
            match &r.event {
                Event::MemberRemoved { participant } => gone.extend(
                    self.subscribers
                        .iter()
                        .filter(|(_, s)| &s.participant == participant && s.watching.is_none())
                        .map(|(c, _)| *c),
                ),
                Event::LinkRevoked { link } => gone.extend(
                    self.subscribers
                        .iter()
                        .filter(|(_, s)| s.watching == Some(*link))
                        .map(|(c, _)| *c),
                ),
                Event::IncidentRestricted { .. } => {
                    let access = self.state.as_ref().map(|i| i.access.clone());
                    gone.extend(
                        self.subscribers
                            .iter()
                            .filter(|(_, s)| {
                                s.watching.is_none()
                                    && !access.as_ref().is_some_and(|a| a.admits(&s.participant))
                            })
                            .map(|(c, _)| *c),
                    );
                }
                _ => {}
            }
        }
        for conn in gone {
            self.subscribers.close(
                conn,
                close::REFUSED,
                "you no longer have access to this incident",
            );
        }
    }
}
