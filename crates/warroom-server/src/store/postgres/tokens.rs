//! Integration tokens in PostgreSQL: the `tokens` table (migration 5), the same rows as
//! SQLite's `sqlite/tokens.rs` — the secret's SHA-256, never the secret.

use warroom_core::api::TokenScope;

use super::{PostgresStore, big, seq};
use crate::store::{StoreError, TokenRecord};

const COLUMNS: &str = "id, name, token_hash, scopes, created_at, last_used_at, revoked_at";

pub(super) async fn create(store: &PostgresStore, t: &TokenRecord) -> Result<(), StoreError> {
    let scopes: Vec<&str> = t.scopes.iter().map(|s| s.as_str()).collect();
    let scopes = serde_json::to_string(&scopes)?;
    store
        .rows(
            "INSERT INTO tokens (id, name, token_hash, scopes, created_at, last_used_at, \
             revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING 1",
            &[
                &t.id,
                &t.name,
                &t.token_hash,
                &scopes,
                &big(t.created_at),
                &t.last_used_at.map(big),
                &t.revoked_at.map(big),
            ],
        )
        .await?;
    Ok(())
}

pub(super) async fn all(store: &PostgresStore) -> Result<Vec<TokenRecord>, StoreError> {
    let rows = store
        .rows(
            &format!("SELECT {COLUMNS} FROM tokens ORDER BY created_at, id"),
            &[],
        )
        .await?;
    rows.iter().map(decode).collect()
}

pub(super) async fn by_hash(
    store: &PostgresStore,
    hash: &str,
) -> Result<Option<TokenRecord>, StoreError> {
    let rows = store
        .rows(
            &format!("SELECT {COLUMNS} FROM tokens WHERE token_hash = $1"),
            &[&hash],
        )
        .await?;
    rows.first().map(decode).transpose()
}

pub(super) async fn revoke(store: &PostgresStore, id: &str, at: u64) -> Result<(), StoreError> {
    store
        .rows(
            "UPDATE tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING 1",
            &[&id, &big(at)],
        )
        .await?;
    Ok(())
}

pub(super) async fn touch(store: &PostgresStore, id: &str, at: u64) -> Result<(), StoreError> {
    store
        .rows(
            "UPDATE tokens SET last_used_at = $2 WHERE id = $1 RETURNING 1",
            &[&id, &big(at)],
        )
        .await?;
    Ok(())
}

fn decode(row: &tokio_postgres::Row) -> Result<TokenRecord, StoreError> {
    let id: String = row.try_get(0)?;
    let names: Vec<String> = serde_json::from_str(row.try_get::<_, &str>(3)?)?;
    let scopes = names
        .iter()
        .map(|n| {
            TokenScope::parse(n).ok_or_else(|| {
                StoreError::Corrupt(format!("token {id} has an unknown scope {n:?}"))
            })
        })
        .collect::<Result<_, _>>()?;
    let optional = |i: usize| -> Result<Option<u64>, StoreError> {
        let n: Option<i64> = row.try_get(i)?;
        n.map(|n| {
            u64::try_from(n)
                .map_err(|_| StoreError::Corrupt(format!("token {id}: a negative time")))
        })
        .transpose()
    };
    Ok(TokenRecord {
        name: row.try_get(1)?,
        token_hash: row.try_get(2)?,
        scopes,
        created_at: seq(row, 4)?,
        last_used_at: optional(5)?,
        revoked_at: optional(6)?,
        id,
    })
}
