//! A timeline file entered into the room's incident, open or closed: warroom-core's
//! `import::into_existing` checks every row against the board (only the commander imports;
//! notes only; each within the bounds of a backdated note) and gives the events of the whole
//! file or the first bad row. The room then writes them **in one append** — every row lands or
//! none does — folds them and broadcasts them like any batch. Nothing is remembered for
//! de-duplication: an upload sent twice is entered twice.

use warroom_core::import::{ImportRefused, Row, into_existing};
use warroom_core::{ParticipantId, Recorded, apply};

use super::{Room, RoomStopped};

/// Why the room entered nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The rules refused the import or one of its rows.
    #[error(transparent)]
    Refused(#[from] ImportRefused),
    /// There is no incident here to import into.
    #[error("the incident has not been declared")]
    NotDeclared,
}

impl Room {
    /// Enters `rows` as `participant`'s import: the events written, or why nothing was. An
    /// error when the write failed and the room must stop.
    pub(super) async fn import(
        &mut self,
        participant: &ParticipantId,
        rows: &[Row],
    ) -> Result<Result<Vec<Recorded>, ImportError>, RoomStopped> {
        let Some(incident) = self.state.as_ref() else {
            return Ok(Err(ImportError::NotDeclared));
        };
        let expected = self.head();
        let events = match into_existing(incident, rows, participant, self.record_time()) {
            Ok(events) => events,
            Err(refused) => {
                tracing::debug!(incident = %self.id, %participant, %refused, "timeline refused");
                return Ok(Err(refused.into()));
            }
        };
        if let Err(stopped) = self.applied.ready(&self.id).await {
            self.subscribers.kick_all(
                warroom_core::protocol::close::INTERNAL,
                "storage failure; reconnect",
            );
            return Err(stopped);
        }
        for r in &events {
            apply(&mut self.state, r);
        }
        let decided = super::batch::Decided::events_only(events.clone());
        if let Err(err) = self.write(expected, &decided).await {
            // Another replica's write or a failed one alike: the board in memory is ahead of
            // the log, so the room stops and reloads (the importer is told it failed).
            return Err(self.write_failed(&[], &err));
        }
        tracing::info!(incident = %self.id, %participant, rows = rows.len(), events = events.len(), "timeline imported");
        Ok(Ok(events))
    }
}
