//! The reads by key of what lets someone or something in: a session by its credential's hash,
//! a link by its token's hash, and where an alert group goes.

use rusqlite::{Connection, OptionalExtension, params};
use warroom_core::{IncidentId, LinkId, ParticipantId, TextId};

use crate::store::{LinkRecord, SessionRecord, StoreError};

/// The unexpired session (as of `now`, Unix seconds) whose credential hashes to `token_hash`.
pub(super) fn session(
    conn: &Connection,
    token_hash: String,
    now: u64,
) -> Result<Option<SessionRecord>, StoreError> {
    conn.prepare_cached(
        "SELECT participant, name, method, subject, email, expires_at FROM sessions \
             WHERE token_hash = ?1 AND expires_at > ?2",
    )?
    .query_row(params![token_hash, now], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
            row.get::<_, String>(3)?,
            row.get::<_, Option<String>>(4)?,
            row.get::<_, u64>(5)?,
        ))
    })
    .optional()?
    .map(|(participant, name, method, subject, email, expires_at)| {
        Ok(SessionRecord {
            participant: ParticipantId::parse(&participant).map_err(|e| {
                StoreError::Corrupt(format!("a stored session names a bad participant: {e}"))
            })?,
            token_hash,
            name,
            method,
            subject,
            email,
            expires_at,
        })
    })
    .transpose()
}

/// The link whose token hashes to `token_hash`.
pub(super) fn link(
    conn: &Connection,
    token_hash: String,
) -> Result<Option<LinkRecord>, StoreError> {
    let row = conn
        .prepare_cached("SELECT incident, link, kind FROM links WHERE token_hash = ?1")?
        .query_row([&token_hash], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, u32>(1)?,
                row.get::<_, String>(2)?,
            ))
        })
        .optional()?;
    row.map(|(incident, link, kind)| {
        Ok(LinkRecord {
            incident: IncidentId::parse(&incident)
                .map_err(|e| StoreError::Corrupt(format!("a stored link is bad: {e}")))?,
            link: LinkId(link),
            kind: serde_json::from_value(serde_json::Value::String(kind))?,
            token_hash,
        })
    })
    .transpose()
}

/// The incident Alertmanager's group `key` goes to, if any.
pub(super) fn alert_route(conn: &Connection, key: &str) -> Result<Option<IncidentId>, StoreError> {
    conn.prepare_cached("SELECT incident FROM alert_routes WHERE group_key = ?1")?
        .query_row([key], |row| row.get::<_, String>(0))
        .optional()?
        .map(|id| {
            IncidentId::parse(&id)
                .map_err(|e| StoreError::Corrupt(format!("a stored alert route is bad: {e}")))
        })
        .transpose()
}
