//! De-duplication: the commands a room has already applied, by submitter and command id, with
//! the sequence their acknowledgement reports, so that a command sent again after a reconnect
//! is acknowledged again and applied once. The store keeps them with the events (in the same
//! write) for a window of time; a room reads them back when it comes alive.
//!
//! Joins need only the board, so the room does not wait for this read to let clients in: the
//! first batch of commands does ([`Applied::ready`]). Deciding and writing are `batch.rs`'s.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::task::JoinHandle;
use warroom_core::{IncidentId, Seq};

use super::RoomStopped;
use crate::store::{CommandKey, Store, StoreError};

/// Commands remembered for de-duplication, as the store lists them.
type Remembered = Vec<(CommandKey, Seq)>;

/// The commands one room has applied.
pub(super) struct Applied {
    seen: HashMap<CommandKey, Seq>,
    /// The remembered commands, still being read from the store.
    loading: Option<JoinHandle<Result<Remembered, StoreError>>>,
}

impl Applied {
    /// Starts reading what the store remembers of `incident`'s commands.
    pub(super) fn load(store: &Arc<dyn Store>, incident: &IncidentId) -> Self {
        let loading = tokio::spawn({
            let store = Arc::clone(store);
            let incident = incident.clone();
            async move { store.commands(&incident).await }
        });
        Self {
            seen: HashMap::new(),
            loading: Some(loading),
        }
    }

    /// Waits for the remembered commands, the first time; an error if the store could not
    /// read them (logged here), after which the room must stop.
    pub(super) async fn ready(&mut self, incident: &IncidentId) -> Result<(), RoomStopped> {
        let Some(loading) = self.loading.take() else {
            return Ok(());
        };
        match loading.await {
            Ok(Ok(commands)) => {
                self.seen.extend(commands);
                Ok(())
            }
            Ok(Err(err)) => {
                tracing::error!(%incident, %err, "cannot read remembered commands");
                Err(RoomStopped)
            }
            Err(err) => {
                tracing::error!(%incident, %err, "reading remembered commands failed");
                Err(RoomStopped)
            }
        }
    }

    /// The sequence acknowledged for `key`, if it was applied.
    pub(super) fn get(&self, key: &CommandKey) -> Option<Seq> {
        self.seen.get(key).copied()
    }

    /// Remembers commands just written.
    pub(super) fn remember(&mut self, written: impl IntoIterator<Item = (CommandKey, Seq)>) {
        self.seen.extend(written);
    }
}
