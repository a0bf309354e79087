//! The PostgreSQL store (`--database-url postgres://…`): the database an organisation already
//! runs and backs up, and the one several replicas of the server can share.
//!
//! Each write is one transaction on a pooled connection (`deadpool-postgres`, at most
//! `--database-pool-size` connections): PostgreSQL commits concurrent transactions together
//! itself (its WAL flush covers every commit waiting for it), so the store needs no writer
//! task of its own. Every connection runs with `synchronous_commit = on`, whatever the
//! server's default: a transaction's COMMIT returns only once its WAL is flushed to disk, and
//! only then does `append` return `Ok`.
//!
//! The append checks the expected head under a row lock on the incident (`SELECT … FOR
//! UPDATE`), and the primary keys back it: `events (incident, seq)` and `commands (incident,
//! participant, id)`. Two writers racing for one head — two replicas, or two declarations of
//! one id — cannot both commit: the loser waits for the lock (or the key) and gets
//! [`StoreError::Conflict`], with nothing written.
//!
//! - `connect.rs`: the URL, the connections' settings and the pool; PostgreSQL's errors as
//!   the store's.
//! - `schema.rs`: migrations (the same numbers and meaning as SQLite's), pruning.
//! - `write.rs`: what each write puts where, in one transaction.
//! - `access.rs`: sessions and links by their hashes; `alerts.rs`: where Alertmanager's groups go; `tokens.rs`: integration tokens; `webhooks.rs`: the webhook subscriptions and queue.

use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{Client, Pool};
use tokio_postgres::types::ToSql;
use warroom_core::{CommandId, Incident, IncidentId, ParticipantId, Recorded, Seq, TextId};

use super::snapshot::{self, Warned};
use super::{
    Append, ClockLease, CommandKey, DEDUP_WINDOW, Heard, LinkRecord, Loaded, SessionRecord, Since,
    Store, StoreError, StoreFuture, Summary, TokenRecord,
};
use crate::clock::Clock;

mod access;
mod alerts;
mod connect;
mod lease;
mod notify;
mod replicas;
pub(super) mod schema;
mod tokens;
mod webhooks;
mod write;

pub use connect::describe;

/// How often the store forgets what has expired (besides once when it opens).
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// The PostgreSQL-backed [`Store`].
pub struct PostgresStore {
    pool: Pool,
    /// The incidents whose unusable snapshot has been warned about.
    warned: Arc<Warned>,
    /// Session expiry and the de-duplication window are judged by it.
    clock: Clock,
    /// The hourly pruning task, aborted when the store is dropped.
    pruner: tokio::task::JoinHandle<()>,
    /// The connection settings, for the connections that are not pooled: the listener's and
    /// each clock lease's.
    config: tokio_postgres::Config,
    /// Other writers' commits as the listener hears them (`notify.rs`); the listening task
    /// is aborted when the store is dropped.
    heard: tokio::sync::broadcast::Sender<Heard>,
    listener: tokio::task::JoinHandle<()>,
    /// This process's random name in presence news.
    replica: String,
}

impl PostgresStore {
    /// Connects to the database at `url` with a pool of at most `pool_size` connections, runs
    /// pending migrations (their numbers returned beside the store) and prunes what has
    /// expired by `clock`.
    pub async fn open(
        url: &str,
        pool_size: usize,
        clock: Clock,
    ) -> Result<(Self, Vec<usize>), StoreError> {
        let config = connect::config(url)?;
        let pool = connect::pool(config.clone(), pool_size)?;
        let mut client = pool.get().await?;
        let applied = schema::migrate(&mut client).await?;
        schema::prune(&client, clock.unix_secs()).await?;
        drop(client);
        let pruner = tokio::spawn({
            let pool = pool.clone();
            async move {
                loop {
                    tokio::time::sleep(PRUNE_EVERY).await;
                    let pruned = match pool.get().await {
                        Ok(client) => schema::prune(&client, clock.unix_secs()).await,
                        Err(err) => Err(err.into()),
                    };
                    if let Err(err) = pruned {
                        tracing::warn!(%err, "pruning old command ids failed");
                    }
                }
            }
        });
        let (heard, _) = tokio::sync::broadcast::channel(notify::HEARD_QUEUE);
        let replica = notify::replica_name();
        let listener = notify::listen(config.clone(), heard.clone(), replica.clone());
        let store = Self {
            pool,
            warned: Arc::default(),
            clock,
            pruner,
            config,
            heard,
            listener,
            replica,
        };
        Ok((store, applied))
    }

    async fn client(&self) -> Result<Client, StoreError> {
        Ok(self.pool.get().await?)
    }

    /// The rows of one prepared query.
    async fn rows(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<tokio_postgres::Row>, StoreError> {
        let client = self.client().await?;
        let statement = client.prepare_cached(sql).await?;
        Ok(client.query(&statement, params).await?)
    }

    async fn events(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Recorded>, StoreError> {
        let rows = self.rows(sql, params).await?;
        rows.iter()
            .map(|row| Ok(serde_json::from_str(row.try_get::<_, &str>(0)?)?))
            .collect()
    }
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        self.pruner.abort();
        self.listener.abort();
        self.pool.close();
    }
}

/// A sequence or limit as PostgreSQL's BIGINT.
fn big(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A BIGINT read back as a sequence; a negative one is corrupt data.
fn seq(row: &tokio_postgres::Row, i: usize) -> Result<Seq, StoreError> {
    let n: i64 = row.try_get(i)?;
    Seq::try_from(n).map_err(|_| StoreError::Corrupt(format!("a negative sequence: {n}")))
}

/// Remembered commands as `SELECT participant, id, seq` reads them; a row naming a bad id
/// is left out (it cannot match a command anyone sends).
fn command_rows(rows: &[tokio_postgres::Row]) -> Vec<(CommandKey, Seq)> {
    rows.iter()
        .filter_map(|row| {
            let key = (
                ParticipantId::parse(row.try_get(0).ok()?).ok()?,
                CommandId::parse(row.try_get(1).ok()?).ok()?,
            );
            Some((key, seq(row, 2).ok()?))
        })
        .collect()
}

impl Store for PostgresStore {
    fn shared(&self) -> bool {
        true
    }

    fn since(&self, incident: &IncidentId, after: Seq, limit: u32) -> StoreFuture<'_, Since> {
        let incident = incident.as_str().to_owned();
        Box::pin(async move { self.read_since(&incident, after, limit).await })
    }

    fn heads(&self) -> Option<tokio::sync::broadcast::Receiver<Heard>> {
        Some(self.heard.subscribe())
    }

    fn clock_lease(&self, incident: &IncidentId) -> Box<dyn ClockLease> {
        Box::new(lease::Lease::new(self.config.clone(), incident.clone()))
    }

    fn publish_presence(
        &self,
        incident: &IncidentId,
        participants: Vec<ParticipantId>,
        ask: bool,
    ) -> StoreFuture<'_, ()> {
        let payloads = notify::presence_payloads(incident, &self.replica, &participants, ask);
        Box::pin(async move { self.notify_presence(&payloads).await })
    }

    fn ready(&self) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            // A pooled connection that answers, on a schema at this binary's version.
            let client = self.client().await?;
            schema::check_migrated(&client).await
        })
    }

    fn append(&self, append: Append) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let mut client = self.client().await?;
            write::append(&mut client, &append, self.clock.unix_secs()).await
        })
    }

    fn delete(&self, incident: &IncidentId) -> StoreFuture<'_, ()> {
        let incident = incident.clone();
        Box::pin(async move {
            let mut client = self.client().await?;
            write::delete(&mut client, &incident).await
        })
    }

    fn snapshot(&self, incident: &IncidentId, board: Incident) -> StoreFuture<'_, ()> {
        let incident = incident.clone();
        Box::pin(async move { write::snapshot(&mut self.client().await?, &incident, &board).await })
    }

    fn create_session(&self, session: SessionRecord) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let client = self.client().await?;
            write::insert_session(&client, &session, self.clock.unix_secs()).await
        })
    }

    fn session(&self, token_hash: &str) -> StoreFuture<'_, Option<SessionRecord>> {
        let token_hash = token_hash.to_owned();
        Box::pin(async move { access::session(self, token_hash).await })
    }

    fn link(&self, token_hash: &str) -> StoreFuture<'_, Option<LinkRecord>> {
        let token_hash = token_hash.to_owned();
        Box::pin(async move { access::link(self, token_hash).await })
    }

    fn delete_session(&self, token_hash: &str) -> StoreFuture<'_, ()> {
        let token_hash = token_hash.to_owned();
        Box::pin(async move {
            self.rows(
                "DELETE FROM sessions WHERE token_hash = $1 RETURNING 1",
                &[&token_hash],
            )
            .await?;
            Ok(())
        })
    }

    fn rename(&self, participant: &ParticipantId, name: &str) -> StoreFuture<'_, ()> {
        let participant = participant.as_str().to_owned();
        let name = name.to_owned();
        Box::pin(async move {
            self.rows(
                "UPDATE sessions SET name = $1 WHERE participant = $2 RETURNING 1",
                &[&name, &participant],
            )
            .await?;
            Ok(())
        })
    }

    fn load(&self, incident: &IncidentId) -> StoreFuture<'_, Loaded> {
        let incident = incident.clone();
        Box::pin(async move {
            let id = incident.as_str();
            // One snapshot of the database for all three reads: the snapshot row, the events
            // after it and the script agree even while a room on another replica appends.
            let mut client = self.client().await?;
            let tx = client
                .build_transaction()
                .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()
                .await?;
            if tx
                .query_opt("SELECT head FROM incidents WHERE id = $1", &[&id])
                .await?
                .is_none()
            {
                return Err(StoreError::UnknownIncident(incident));
            }
            let row = tx
                .query_opt(
                    "SELECT seq, format, state FROM snapshots WHERE incident = $1",
                    &[&id],
                )
                .await?;
            let snapshot = match &row {
                Some(row) => snapshot::decode(
                    &incident,
                    (seq(row, 0)?, row.try_get(1)?, row.try_get(2)?),
                    &self.warned,
                ),
                None => None,
            };
            let after = big(snapshot.as_ref().map_or(0, |s| s.seq));
            let events = tx
                .query(
                    "SELECT record FROM events WHERE incident = $1 AND seq > $2 ORDER BY seq",
                    &[&id, &after],
                )
                .await?
                .iter()
                .map(|row| Ok(serde_json::from_str(row.try_get::<_, &str>(0)?)?))
                .collect::<Result<Vec<Recorded>, StoreError>>()?;
            let script = tx
                .query_opt("SELECT script FROM scripts WHERE incident = $1", &[&id])
                .await?
                .map(|row| row.try_get::<_, String>(0))
                .transpose()?;
            tx.commit().await?;
            Ok(Loaded {
                snapshot,
                events,
                script,
            })
        })
    }

    fn commands(&self, incident: &IncidentId) -> StoreFuture<'_, Vec<(CommandKey, Seq)>> {
        let incident = incident.as_str().to_owned();
        Box::pin(async move {
            let since = big(self
                .clock
                .unix_secs()
                .saturating_sub(DEDUP_WINDOW.as_secs()));
            let rows = self
                .rows(
                    "SELECT participant, id, seq FROM commands \
                     WHERE incident = $1 AND recorded_at >= $2",
                    &[&incident, &since],
                )
                .await?;
            Ok(command_rows(&rows))
        })
    }

    fn events_after(
        &self,
        incident: &IncidentId,
        after: Seq,
        limit: u32,
    ) -> StoreFuture<'_, Vec<Recorded>> {
        let incident = incident.as_str().to_owned();
        Box::pin(async move {
            self.events(
                "SELECT record FROM events WHERE incident = $1 AND seq > $2 \
                 ORDER BY seq LIMIT $3",
                &[&incident, &big(after), &i64::from(limit)],
            )
            .await
        })
    }

    fn events_before(
        &self,
        incident: &IncidentId,
        before: Seq,
        limit: u32,
    ) -> StoreFuture<'_, Vec<Recorded>> {
        let incident = incident.as_str().to_owned();
        Box::pin(async move {
            let mut events = self
                .events(
                    "SELECT record FROM events WHERE incident = $1 AND seq < $2 \
                     ORDER BY seq DESC LIMIT $3",
                    &[&incident, &big(before), &i64::from(limit)],
                )
                .await?;
            events.reverse();
            Ok(events)
        })
    }

    fn list(&self) -> StoreFuture<'_, Vec<Summary>> {
        Box::pin(async move {
            let rows = self
                .rows(
                    "SELECT summary FROM incidents ORDER BY updated_at DESC",
                    &[],
                )
                .await?;
            rows.iter()
                .map(|row| Ok(serde_json::from_str(row.try_get::<_, &str>(0)?)?))
                .collect()
        })
    }

    fn summary(&self, incident: &IncidentId) -> StoreFuture<'_, Option<Summary>> {
        let incident = incident.as_str().to_owned();
        Box::pin(async move {
            let rows = self
                .rows("SELECT summary FROM incidents WHERE id = $1", &[&incident])
                .await?;
            rows.first()
                .map(|row| Ok(serde_json::from_str(row.try_get::<_, &str>(0)?)?))
                .transpose()
        })
    }

    fn create_token(&self, token: TokenRecord) -> StoreFuture<'_, ()> {
        Box::pin(async move { tokens::create(self, &token).await })
    }

    fn tokens(&self) -> StoreFuture<'_, Vec<TokenRecord>> {
        Box::pin(tokens::all(self))
    }

    fn token(&self, token_hash: &str) -> StoreFuture<'_, Option<TokenRecord>> {
        let token_hash = token_hash.to_owned();
        Box::pin(async move { tokens::by_hash(self, &token_hash).await })
    }

    fn revoke_token(&self, id: &str, at: u64) -> StoreFuture<'_, ()> {
        let id = id.to_owned();
        Box::pin(async move { tokens::revoke(self, &id, at).await })
    }

    fn touch_token(&self, id: &str, at: u64) -> StoreFuture<'_, ()> {
        let id = id.to_owned();
        Box::pin(async move { tokens::touch(self, &id, at).await })
    }

    fn alert_route(&self, group_key: &str) -> StoreFuture<'_, Option<IncidentId>> {
        let key = group_key.to_owned();
        Box::pin(async move { alerts::route(self, &key).await })
    }

    fn set_alert_route(&self, group_key: &str, incident: &IncidentId) -> StoreFuture<'_, ()> {
        let key = group_key.to_owned();
        let incident = incident.clone();
        Box::pin(async move { alerts::set_route(self, &key, &incident).await })
    }
}
