//! Integration tokens in SQLite: the `tokens` table, read on the read connections and written
//! by the writer thread (`TokenWrite`, one savepoint each like every other write).

use rusqlite::{Connection, OptionalExtension, params};
use warroom_core::api::TokenScope;

use crate::store::{StoreError, TokenRecord};

/// A write to the `tokens` table.
pub(super) enum TokenWrite {
    Create(Box<TokenRecord>),
    Revoke { id: String, at: u64 },
    Touch { id: String, at: u64 },
}

pub(super) fn write(conn: &Connection, op: &TokenWrite) -> Result<(), StoreError> {
    match op {
        TokenWrite::Create(t) => {
            let scopes: Vec<&str> = t.scopes.iter().map(|s| s.as_str()).collect();
            conn.execute(
                "INSERT INTO tokens (id, name, token_hash, scopes, created_at, last_used_at, \
                 revoked_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    t.id,
                    t.name,
                    t.token_hash,
                    serde_json::to_string(&scopes)?,
                    t.created_at,
                    t.last_used_at,
                    t.revoked_at
                ],
            )?;
        }
        TokenWrite::Revoke { id, at } => {
            conn.execute(
                "UPDATE tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
                params![id, at],
            )?;
        }
        TokenWrite::Touch { id, at } => {
            conn.execute(
                "UPDATE tokens SET last_used_at = ?2 WHERE id = ?1",
                params![id, at],
            )?;
        }
    }
    Ok(())
}

const COLUMNS: &str = "id, name, token_hash, scopes, created_at, last_used_at, revoked_at";

pub(super) fn all(conn: &Connection) -> Result<Vec<TokenRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM tokens ORDER BY created_at, id"
    ))?;
    let rows = stmt.query_map([], row)?;
    rows.map(|r| decode(r?)).collect()
}

pub(super) fn by_hash(conn: &Connection, hash: &str) -> Result<Option<TokenRecord>, StoreError> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM tokens WHERE token_hash = ?1"
    ))?
    .query_row([hash], row)
    .optional()?
    .map(decode)
    .transpose()
}

type Row = (
    String,
    String,
    String,
    String,
    u64,
    Option<u64>,
    Option<u64>,
);

fn row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
    ))
}

fn decode(
    (id, name, token_hash, scopes, created_at, last_used_at, revoked_at): Row,
) -> Result<TokenRecord, StoreError> {
    let names: Vec<String> = serde_json::from_str(&scopes)?;
    let scopes = names
        .iter()
        .map(|n| {
            TokenScope::parse(n).ok_or_else(|| {
                StoreError::Corrupt(format!("token {id} has an unknown scope {n:?}"))
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(TokenRecord {
        id,
        name,
        token_hash,
        scopes,
        created_at,
        last_used_at,
        revoked_at,
    })
}
