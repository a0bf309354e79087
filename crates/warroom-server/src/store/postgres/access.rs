//! The reads by key of what lets someone in: a session by its credential's hash, a link by
//! its token's hash.

use warroom_core::{IncidentId, LinkId, ParticipantId, TextId};

use super::{PostgresStore, big, seq};
use crate::store::{LinkRecord, SessionRecord, StoreError};

/// The unexpired session whose credential hashes to `token_hash`.
pub(super) async fn session(
    store: &PostgresStore,
    token_hash: String,
) -> Result<Option<SessionRecord>, StoreError> {
    let now = big(store.clock.unix_secs());
    let rows = store
        .rows(
            "SELECT participant, name, method, subject, email, expires_at FROM sessions \
             WHERE token_hash = $1 AND expires_at > $2",
            &[&token_hash, &now],
        )
        .await?;
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    let participant: &str = row.try_get(0)?;
    Ok(Some(SessionRecord {
        participant: ParticipantId::parse(participant).map_err(|e| {
            StoreError::Corrupt(format!("a stored session names a bad participant: {e}"))
        })?,
        name: row.try_get(1)?,
        method: row.try_get(2)?,
        subject: row.try_get(3)?,
        email: row.try_get(4)?,
        expires_at: seq(row, 5)?,
        token_hash,
    }))
}

/// The link whose token hashes to `token_hash`.
pub(super) async fn link(
    store: &PostgresStore,
    token_hash: String,
) -> Result<Option<LinkRecord>, StoreError> {
    let rows = store
        .rows(
            "SELECT incident, link, kind FROM links WHERE token_hash = $1",
            &[&token_hash],
        )
        .await?;
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    let incident: &str = row.try_get(0)?;
    let link: i64 = row.try_get(1)?;
    let kind: String = row.try_get(2)?;
    let bad = |e: String| StoreError::Corrupt(format!("a stored link is bad: {e}"));
    Ok(Some(LinkRecord {
        incident: IncidentId::parse(incident).map_err(|e| bad(e.to_string()))?,
        link: LinkId(u32::try_from(link).map_err(|e| bad(e.to_string()))?),
        kind: serde_json::from_value(serde_json::Value::String(kind))?,
        token_hash,
    }))
}
