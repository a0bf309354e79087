//! The database's shape: the connection settings every connection of the store shares, the
//! schema migrations (`PRAGMA user_version` counts how many ran), and the pruning of what
//! expires. It knows nothing of the log's contents.

use std::time::Duration;

use rusqlite::Connection;

use crate::store::DEDUP_WINDOW;
use crate::store::StoreError;

/// Schema migrations, applied in order; `PRAGMA user_version` records how many ran. The
/// PostgreSQL schema (`postgres/schema.rs`) means the same, migration by migration.
pub(in crate::store) const MIGRATIONS: &[&str] = &[
    r"
    CREATE TABLE incidents (
        id TEXT PRIMARY KEY NOT NULL,
        head INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        summary TEXT NOT NULL
    );
    CREATE TABLE events (
        incident TEXT NOT NULL,
        seq INTEGER NOT NULL,
        record TEXT NOT NULL,
        PRIMARY KEY (incident, seq)
    ) WITHOUT ROWID;
    -- Command ids are made up by clients, so they are unique per participant only.
    CREATE TABLE commands (
        incident TEXT NOT NULL,
        participant TEXT NOT NULL,
        id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        recorded_at INTEGER NOT NULL,
        PRIMARY KEY (incident, participant, id)
    ) WITHOUT ROWID;
    CREATE INDEX commands_by_age ON commands (recorded_at);
    CREATE TABLE snapshots (
        incident TEXT PRIMARY KEY NOT NULL,
        seq INTEGER NOT NULL,
        state TEXT NOT NULL
    );
    -- Training scenario scripts: beside the log, never in it.
    CREATE TABLE scripts (
        incident TEXT PRIMARY KEY NOT NULL,
        script TEXT NOT NULL
    );
",
    r"
    -- Sign-in sessions. The credential itself is never stored: only its SHA-256.
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY NOT NULL,
        participant TEXT NOT NULL,
        name TEXT NOT NULL,
        method TEXT NOT NULL,
        subject TEXT NOT NULL,
        email TEXT,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX sessions_by_participant ON sessions (participant);
    CREATE INDEX sessions_by_expiry ON sessions (expires_at);
",
    r"
    -- Invitation and observer links: the token's SHA-256 and what it opens. The board has the
    -- link's number, kind and expiry; the token is never in the log.
    CREATE TABLE links (
        token_hash TEXT PRIMARY KEY NOT NULL,
        incident TEXT NOT NULL,
        link INTEGER NOT NULL,
        kind TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX links_by_incident ON links (incident);
",
    r"
    -- Snapshots are a cache of the board: each row says which encoding of the board it holds
    -- (`snapshot::FORMAT`). Rows written before this migration hold the first one.
    ALTER TABLE snapshots ADD COLUMN format INTEGER NOT NULL DEFAULT 1;
",
    r"
    -- Integration tokens: the secret's SHA-256, never the secret. Scopes are a JSON array of
    -- their names (`alerts:write`, ...). Revoked tokens are kept, so the list says when.
    CREATE TABLE tokens (
        id TEXT PRIMARY KEY NOT NULL,
        name TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        scopes TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        last_used_at INTEGER,
        revoked_at INTEGER
    );
",
    r"
    -- Where an Alertmanager group goes: the incident a rule routed it to, declared from it,
    -- or the commander linked it to. Keyed by Alertmanager's group key.
    CREATE TABLE alert_routes (
        group_key TEXT PRIMARY KEY NOT NULL,
        incident TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX alert_routes_by_incident ON alert_routes (incident);
",
    r"
    -- Outbound webhooks. The secret is kept as it is: the server signs every delivery with it
    -- (an HMAC needs the key itself), and it is never shown again after creation.
    CREATE TABLE webhooks (
        id TEXT PRIMARY KEY NOT NULL,
        name TEXT NOT NULL,
        url TEXT NOT NULL,
        format TEXT NOT NULL,
        topics TEXT NOT NULL,
        secret TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        created_by TEXT NOT NULL
    );
    -- How far each subscription has read each incident's log.
    CREATE TABLE webhook_cursors (
        webhook TEXT NOT NULL,
        incident TEXT NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (webhook, incident)
    ) WITHOUT ROWID;
    -- The queue and the delivery log: one row per event and subscription.
    CREATE TABLE webhook_deliveries (
        key TEXT PRIMARY KEY NOT NULL,
        webhook TEXT NOT NULL,
        incident TEXT NOT NULL,
        seq INTEGER NOT NULL,
        topic TEXT NOT NULL,
        body TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        last_status INTEGER,
        last_error TEXT,
        next_attempt_at INTEGER,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    );
    CREATE INDEX webhook_deliveries_by_lane ON webhook_deliveries (webhook, incident, state, seq);
    CREATE INDEX webhook_deliveries_by_due ON webhook_deliveries (state, next_attempt_at);
    CREATE INDEX webhook_deliveries_by_age ON webhook_deliveries (created_at);
",
    r"
    -- Remembered command ids in the order they were written, so that a commit appends at the
    -- end of its incident's range: keyed by participant first, every commit of a busy incident
    -- changed a page per participant (each a frame of the log to write and sync). A room reads
    -- an incident's ids all at once, by this key's order; were an id ever written twice, its
    -- later row is the one that counts. (PostgreSQL keeps the first key: its writes look ids up.)
    CREATE TABLE commands_in_order (
        incident TEXT NOT NULL,
        seq INTEGER NOT NULL,
        participant TEXT NOT NULL,
        id TEXT NOT NULL,
        recorded_at INTEGER NOT NULL,
        PRIMARY KEY (incident, seq, participant, id)
    ) WITHOUT ROWID;
    INSERT INTO commands_in_order (incident, seq, participant, id, recorded_at)
        SELECT incident, seq, participant, id, recorded_at FROM commands;
    DROP TABLE commands;
    ALTER TABLE commands_in_order RENAME TO commands;
    CREATE INDEX commands_by_age ON commands (recorded_at);
",
    r"
    -- Snapshots live in a file of their own (`snapshot.rs`), where the rows of this table
    -- were carried just before it ran (see `migrate`).
    DROP TABLE snapshots;
",
];

/// The migration (by number) that drops the `snapshots` table: what it held is carried to
/// the snapshot file first.
const SNAPSHOTS_MOVED: usize = 9;

pub(super) fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(Duration::from_secs(5))?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Unusable(format!(
            "cannot switch the database to WAL mode (it is in {mode} mode)"
        )));
    }
    // FULL: in WAL mode this syncs the log on every commit, so an acknowledged event survives
    // a power cut, not just a crash of the process.
    conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")?;
    Ok(())
}

/// Applies the migrations the database has not had; their numbers (from 1). A database of a
/// newer schema than this server knows is refused, untouched. `carry_snapshots` runs just
/// before the migration that drops the `snapshots` table, outside any transaction (it may
/// attach the snapshot file); a crash between the two carries them again.
pub(super) fn migrate(
    conn: &mut Connection,
    carry_snapshots: impl FnOnce(&Connection) -> Result<(), StoreError>,
) -> Result<Vec<usize>, StoreError> {
    let version: usize = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if version > MIGRATIONS.len() {
        return Err(StoreError::Unusable(format!(
            "the database is at schema version {version}, newer than this server knows ({}); \
             upgrade the server",
            MIGRATIONS.len()
        )));
    }
    let mut applied = Vec::new();
    let mut carry = Some(carry_snapshots);
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
        if i + 1 == SNAPSHOTS_MOVED
            && let Some(carry) = carry.take()
        {
            carry(conn)?;
        }
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i + 1)?;
        tx.commit()?;
        tracing::info!(version = i + 1, "applied schema migration");
        applied.push(i + 1);
    }
    Ok(applied)
}

/// Whether the database on `conn` is at exactly the schema this server migrates to: a
/// database another process rolled back, or one a newer server moved on, is not ready.
pub(super) fn check_migrated(conn: &Connection) -> Result<(), StoreError> {
    let version: usize = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if version != MIGRATIONS.len() {
        return Err(StoreError::Unusable(format!(
            "the database is at schema version {version}; this server needs version {}",
            MIGRATIONS.len()
        )));
    }
    Ok(())
}

/// Forgets command ids older than the de-duplication window, and expired sessions, as of `now`
/// (Unix seconds, from the store's clock).
pub(super) fn prune_commands(conn: &Connection, now: u64) -> Result<(), StoreError> {
    let before = now.saturating_sub(DEDUP_WINDOW.as_secs());
    let pruned = conn.execute("DELETE FROM commands WHERE recorded_at < ?1", [before])?;
    if pruned > 0 {
        tracing::info!(
            pruned,
            "forgot command ids older than the de-duplication window"
        );
    }
    let expired = conn.execute("DELETE FROM sessions WHERE expires_at <= ?1", [now])?;
    if expired > 0 {
        tracing::info!(expired, "forgot expired sessions");
    }
    Ok(())
}
