//! The PostgreSQL database's shape: the schema migrations, numbered as SQLite's are and equal
//! in meaning to them one by one (so "schema version 4" is the same tables in both stores),
//! recorded in `warroom_schema`, and the pruning of what expires.
//!
//! Several servers may start on one database at once: the migrations run in one transaction
//! that first takes a transaction-level advisory lock, so one server migrates and the others
//! wait and find nothing left to do. PostgreSQL's DDL is transactional: a migration that fails
//! leaves the schema as it was.

use deadpool_postgres::Client;

use crate::store::{DEDUP_WINDOW, StoreError};

/// Schema migrations, applied in order, each recorded as a row of `warroom_schema`. Text is
/// `TEXT`, sequences and Unix times `BIGINT`, JSON kept as the text the store wrote (it is
/// opaque to the database, as in SQLite). Identifiers and keys are those of
/// `sqlite/schema.rs`.
pub(in crate::store) const MIGRATIONS: &[&str] = &[
    r"
    CREATE TABLE incidents (
        id TEXT PRIMARY KEY,
        head BIGINT NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL,
        summary TEXT NOT NULL
    );
    CREATE INDEX incidents_by_update ON incidents (updated_at DESC);
    CREATE TABLE events (
        incident TEXT NOT NULL,
        seq BIGINT NOT NULL,
        record TEXT NOT NULL,
        PRIMARY KEY (incident, seq)
    );
    -- Command ids are made up by clients, so they are unique per participant only.
    CREATE TABLE commands (
        incident TEXT NOT NULL,
        participant TEXT NOT NULL,
        id TEXT NOT NULL,
        seq BIGINT NOT NULL,
        recorded_at BIGINT NOT NULL,
        PRIMARY KEY (incident, participant, id)
    );
    CREATE INDEX commands_by_age ON commands (recorded_at);
    CREATE TABLE snapshots (
        incident TEXT PRIMARY KEY,
        seq BIGINT NOT NULL,
        state TEXT NOT NULL
    );
    -- Training scenario scripts: beside the log, never in it.
    CREATE TABLE scripts (
        incident TEXT PRIMARY KEY,
        script TEXT NOT NULL
    );
",
    r"
    -- Sign-in sessions. The credential itself is never stored: only its SHA-256.
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        participant TEXT NOT NULL,
        name TEXT NOT NULL,
        method TEXT NOT NULL,
        subject TEXT NOT NULL,
        email TEXT,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL
    );
    CREATE INDEX sessions_by_participant ON sessions (participant);
    CREATE INDEX sessions_by_expiry ON sessions (expires_at);
",
    r"
    -- Invitation and observer links: the token's SHA-256 and what it opens. The board has the
    -- link's number, kind and expiry; the token is never in the log.
    CREATE TABLE links (
        token_hash TEXT PRIMARY KEY,
        incident TEXT NOT NULL,
        link BIGINT NOT NULL,
        kind TEXT NOT NULL
    );
    CREATE INDEX links_by_incident ON links (incident);
",
    r"
    -- Snapshots are a cache of the board: each row says which encoding of the board it holds
    -- (`store::snapshot::FORMAT`).
    ALTER TABLE snapshots ADD COLUMN format BIGINT NOT NULL DEFAULT 1;
",
    r"
    -- Integration tokens: the secret's SHA-256, never the secret. Scopes are a JSON array of
    -- their names (`alerts:write`, ...). Revoked tokens are kept, so the list says when.
    CREATE TABLE tokens (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        scopes TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        last_used_at BIGINT,
        revoked_at BIGINT
    );
",
    r"
    -- Where an Alertmanager group goes: the incident a rule routed it to, declared from it,
    -- or the commander linked it to. Keyed by Alertmanager's group key.
    CREATE TABLE alert_routes (
        group_key TEXT PRIMARY KEY,
        incident TEXT NOT NULL
    );
    CREATE INDEX alert_routes_by_incident ON alert_routes (incident);
",
    r"
    -- Outbound webhooks. The secret is kept as it is: the server signs every delivery with it
    -- (an HMAC needs the key itself), and it is never shown again after creation.
    CREATE TABLE webhooks (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        url TEXT NOT NULL,
        format TEXT NOT NULL,
        topics TEXT NOT NULL,
        secret TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        created_by TEXT NOT NULL
    );
    -- How far each subscription has read each incident's log.
    CREATE TABLE webhook_cursors (
        webhook TEXT NOT NULL,
        incident TEXT NOT NULL,
        seq BIGINT NOT NULL,
        PRIMARY KEY (webhook, incident)
    );
    -- The queue and the delivery log: one row per event and subscription.
    CREATE TABLE webhook_deliveries (
        key TEXT PRIMARY KEY,
        webhook TEXT NOT NULL,
        incident TEXT NOT NULL,
        seq BIGINT NOT NULL,
        topic TEXT NOT NULL,
        body TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        last_status INTEGER,
        last_error TEXT,
        next_attempt_at BIGINT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
    );
    CREATE INDEX webhook_deliveries_by_lane ON webhook_deliveries (webhook, incident, state, seq);
    CREATE INDEX webhook_deliveries_by_due ON webhook_deliveries (state, next_attempt_at);
    CREATE INDEX webhook_deliveries_by_age ON webhook_deliveries (created_at);
",
    r"
    -- Migration 8 reorders SQLite's commands table, so that its single writer appends there
    -- rather than touching a page per participant in every commit. Here the key stays
    -- (incident, participant, id): a write finds the ids another replica applied by it, and
    -- PostgreSQL's concurrent commits do not share one writer. Nothing changes.
    SELECT 1;
",
    r"
    -- SQLite moves its snapshots to a file of their own, out of the one writer's commits.
    -- Here the replicas share the table, and concurrent commits do not queue behind one
    -- writer's transaction. Nothing changes.
    SELECT 1;
",
];

/// The advisory lock the migrating server holds (any number, the same in every server):
/// "wrrm" in ASCII.
const MIGRATION_LOCK: i64 = 0x7772_726d;

/// Applies the migrations the database has not had, in one transaction; their numbers (from
/// 1). A database of a newer schema than this server knows is refused, untouched.
pub(super) async fn migrate(client: &mut Client) -> Result<Vec<usize>, StoreError> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    // Made here rather than with IF NOT EXISTS, which would have the database send a notice
    // (logged by the driver) on every start.
    let fresh: bool = tx
        .query_one("SELECT to_regclass('warroom_schema') IS NULL", &[])
        .await?
        .get(0);
    if fresh {
        tx.batch_execute(
            "CREATE TABLE warroom_schema (\
                 version INTEGER PRIMARY KEY, \
                 applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
        )
        .await?;
    }
    let version: i32 = tx
        .query_one("SELECT COALESCE(MAX(version), 0) FROM warroom_schema", &[])
        .await?
        .get(0);
    let version = usize::try_from(version).unwrap_or(0);
    if version > MIGRATIONS.len() {
        return Err(StoreError::Unusable(format!(
            "the database is at schema version {version}, newer than this server knows ({}); \
             upgrade the server",
            MIGRATIONS.len()
        )));
    }
    let mut applied = Vec::new();
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
        tx.batch_execute(sql).await?;
        let number = i32::try_from(i + 1).expect("fewer than 2^31 migrations");
        tx.execute(
            "INSERT INTO warroom_schema (version) VALUES ($1)",
            &[&number],
        )
        .await?;
        applied.push(i + 1);
    }
    tx.commit().await?;
    for version in &applied {
        tracing::info!(version, "applied schema migration");
    }
    Ok(applied)
}

/// That the schema is at the version this binary knows: `/readyz` asks it.
pub(super) async fn check_migrated(client: &Client) -> Result<(), StoreError> {
    let version: i32 = client
        .query_one("SELECT COALESCE(MAX(version), 0) FROM warroom_schema", &[])
        .await?
        .get(0);
    if usize::try_from(version).ok() != Some(MIGRATIONS.len()) {
        return Err(StoreError::Unusable(format!(
            "the database is at schema version {version}; this server needs version {}",
            MIGRATIONS.len()
        )));
    }
    Ok(())
}

/// Forgets command ids older than the de-duplication window, and expired sessions, as of `now`
/// (Unix seconds, from the store's clock).
pub(super) async fn prune(client: &Client, now: u64) -> Result<(), StoreError> {
    let before = i64::try_from(now.saturating_sub(DEDUP_WINDOW.as_secs())).unwrap_or(i64::MAX);
    let now = i64::try_from(now).unwrap_or(i64::MAX);
    let pruned = client
        .execute("DELETE FROM commands WHERE recorded_at < $1", &[&before])
        .await?;
    if pruned > 0 {
        tracing::info!(
            pruned,
            "forgot command ids older than the de-duplication window"
        );
    }
    let expired = client
        .execute("DELETE FROM sessions WHERE expires_at <= $1", &[&now])
        .await?;
    if expired > 0 {
        tracing::info!(expired, "forgot expired sessions");
    }
    Ok(())
}
