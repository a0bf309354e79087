//! Presence across replicas. Commands are decided against who is present — a role is handed
//! only to someone connected, and assumed only from someone who is not — so a room must know
//! who is connected to its incident through every replica, not only its own.
//!
//! Each room says who is connected through it (`Store::publish_presence`: a notification on
//! PostgreSQL) whenever that changes, and again every [`PRESENCE_EVERY`]; it asks the others to
//! say the same when it comes alive. What another replica said is believed until it has been
//! silent for [`PRESENCE_TTL`] — a replica that died stops saying it, and its people stop
//! being present then (or at once, when they reconnect through a survivor). With one process
//! on the store none of this does anything.

use std::time::Duration;

use warroom_core::ParticipantId;

use super::Room;

/// How often a room says again who is connected through it.
pub(super) const PRESENCE_EVERY: Duration = Duration::from_secs(5);

/// How long what another replica said is believed without being said again.
const PRESENCE_TTL: Duration = Duration::from_secs(16);

impl Room {
    /// Says who is connected through this replica if that changed since it was last said
    /// (`force`: whether or not; `ask`: and asks the others). A failure is logged: the next
    /// time will do.
    pub(super) async fn share_presence(&mut self, force: bool, ask: bool) {
        if !self.store.shared() {
            return;
        }
        let local = self.subscribers.local();
        if !force && self.published.as_ref() == Some(&local) {
            return;
        }
        match self
            .store
            .publish_presence(&self.id, local.clone(), ask)
            .await
        {
            Ok(()) => self.published = Some(local),
            Err(err) => {
                tracing::warn!(incident = %self.id, %err, "cannot tell the other replicas who is here");
                self.published = None;
            }
        }
    }

    /// Another replica said who is connected through it.
    pub(super) async fn heard_presence(
        &mut self,
        replica: String,
        participants: Vec<ParticipantId>,
        first: bool,
        ask: bool,
    ) {
        let at = self.clock.instant();
        self.subscribers
            .heard_remote(replica, participants, first, at);
        if ask {
            self.share_presence(true, false).await;
        }
    }

    /// The periodic part: say it again, and forget replicas that have gone silent.
    pub(super) async fn presence_upkeep(&mut self) {
        self.share_presence(true, false).await;
        let now = self.clock.instant();
        if let Some(before) = now.checked_sub(PRESENCE_TTL) {
            self.subscribers.expire_remote(before);
        }
    }
}
