//! The scenario clock's lease: a session-level advisory lock on the incident, held on a
//! connection of its own (outside the pool, whose connections are shared between requests
//! and would carry the lock to whoever borrows them next).
//!
//! `pg_try_advisory_lock` never waits: the room tries once a tick and fires injects only
//! while it holds the lock. PostgreSQL releases a session lock when its session ends, so when
//! the holding replica dies — `kill -9` included — its connection closes, the lock is free, and
//! the next try of a room on a survivor takes it. The lock is keyed by the incident id (hashed
//! to 64 bits with a prefix of its own, so it shares no key with the migrations' lock).
//!
//! The lease is what keeps the clocks from both firing, not what makes a double fire
//! impossible: two holders for a moment (a connection the holder has not yet noticed is gone)
//! would both append an inject for the same head, one would lose the race, catch up, and find
//! the inject fired (the rules reject firing one twice).

use std::future::Future;
use std::pin::Pin;

use tokio_postgres::{Client, NoTls};
use warroom_core::IncidentId;

use crate::store::ClockLease;

/// One incident's lease, connected on first use.
pub(super) struct Lease {
    config: tokio_postgres::Config,
    incident: IncidentId,
    /// The lease's connection, once made; the lock is held while `held` and it is open.
    client: Option<Client>,
    held: bool,
}

impl Lease {
    pub(super) fn new(config: tokio_postgres::Config, incident: IncidentId) -> Self {
        Self {
            config,
            incident,
            client: None,
            held: false,
        }
    }

    async fn try_hold(&mut self) -> Result<bool, tokio_postgres::Error> {
        if self.client.as_ref().is_some_and(Client::is_closed) {
            // The session ended, and the lock with it.
            tracing::warn!(incident = %self.incident, "the clock lease's connection was lost");
            self.client = None;
            self.held = false;
        }
        if self.held {
            return Ok(true);
        }
        let client = match &self.client {
            Some(client) => client,
            None => {
                let (client, connection) = self.config.connect(NoTls).await?;
                tokio::spawn(async move {
                    if let Err(err) = connection.await {
                        tracing::debug!(%err, "a clock lease's connection ended");
                    }
                });
                self.client.insert(client)
            }
        };
        let row = client
            .query_one(
                "SELECT pg_try_advisory_lock(hashtextextended($1, 0))",
                &[&format!(
                    "warroom scenario clock {}",
                    self.incident.as_str()
                )],
            )
            .await?;
        self.held = row.try_get(0)?;
        if self.held {
            tracing::info!(incident = %self.incident, "took the scenario clock");
        }
        Ok(self.held)
    }
}

impl ClockLease for Lease {
    fn hold(&mut self) -> Pin<Box<dyn Future<Output = bool> + Send + '_>> {
        Box::pin(async move {
            match self.try_hold().await {
                Ok(held) => held,
                Err(err) => {
                    tracing::warn!(incident = %self.incident, %err, "cannot take the scenario clock");
                    self.client = None;
                    self.held = false;
                    false
                }
            }
        })
    }
}
