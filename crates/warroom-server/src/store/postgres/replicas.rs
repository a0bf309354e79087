//! The reads and writes only several replicas need: what was committed after a head (for a
//! room to catch up) and the presence news (`notify.rs` makes and reads the payloads).

use warroom_core::Seq;

use super::{PostgresStore, big, command_rows};
use crate::store::{Since, StoreError};

impl PostgresStore {
    /// Up to `limit` events after `after`, the commands they answered, and the script if one
    /// of them started a scenario.
    pub(super) async fn read_since(
        &self,
        incident: &str,
        after: Seq,
        limit: u32,
    ) -> Result<Since, StoreError> {
        // The commands are committed with their events: read after the events, they include
        // every command those events answered.
        let events = self
            .events(
                "SELECT record FROM events WHERE incident = $1 AND seq > $2 \
                 ORDER BY seq LIMIT $3",
                &[&incident, &big(after), &i64::from(limit)],
            )
            .await?;
        let Some(last) = events.last().map(|r| r.seq) else {
            return Ok(Since::default());
        };
        let rows = self
            .rows(
                "SELECT participant, id, seq FROM commands \
                 WHERE incident = $1 AND seq > $2 AND seq <= $3",
                &[&incident, &big(after), &big(last)],
            )
            .await?;
        let script = if Since::starts_scenario(&events) {
            let rows = self
                .rows(
                    "SELECT script FROM scripts WHERE incident = $1",
                    &[&incident],
                )
                .await?;
            rows.first().map(|row| row.try_get(0)).transpose()?
        } else {
            None
        };
        Ok(Since {
            commands: command_rows(&rows),
            events,
            script,
        })
    }

    /// Sends the presence payloads on one connection, in order, so that they arrive so.
    pub(super) async fn notify_presence(&self, payloads: &[String]) -> Result<(), StoreError> {
        let client = self.client().await?;
        for payload in payloads {
            client
                .execute(
                    "SELECT pg_notify($1, $2)",
                    &[&super::notify::PRESENCE, payload],
                )
                .await?;
        }
        Ok(())
    }
}
