//! What each write puts where, each in one transaction: the append (the expected-head check
//! under a row lock, then events, commands, snapshot, script, links and the listing row), the
//! deletion of an exercise, and sessions.

use deadpool_postgres::Client;
use tokio_postgres::error::SqlState;
use warroom_core::{Incident, IncidentId};

use super::{big, seq};
use crate::store::snapshot::{FORMAT, encode};
use crate::store::{Append, SessionRecord, StoreError};

/// Appends in one transaction; `Ok` only once COMMIT has returned (with `synchronous_commit`
/// on, once the WAL is on disk). `now` (Unix seconds) stamps the remembered command ids.
pub(super) async fn append(
    client: &mut Client,
    append: &Append,
    now: u64,
) -> Result<(), StoreError> {
    let mut head = append.expected;
    for recorded in &append.events {
        if recorded.seq != head + 1 {
            return Err(StoreError::Corrupt(format!(
                "events must follow the head without gaps: {} after {head}",
                recorded.seq
            )));
        }
        head = recorded.seq;
    }
    match write_append(client, append, now).await {
        Err(StoreError::Database { source, .. }) if lost_the_first_seq(source.as_ref()) => {
            // Another writer inserted the same first sequence between our check and our
            // insert (two declarations of one id, with no incident row to lock yet). The
            // transaction is gone; the head it left is the answer.
            tracing::debug!(error = %source, "append lost a race on the events key");
            let actual = client
                .query_opt(
                    "SELECT head FROM incidents WHERE id = $1",
                    &[&append.incident.as_str()],
                )
                .await?
                .map(|row| seq(&row, 0))
                .transpose()?
                .unwrap_or(0);
            Err(StoreError::Conflict {
                expected: append.expected,
                actual,
            })
        }
        other => other,
    }
}

/// Whether `err` is the unique violation of the events' primary key.
fn lost_the_first_seq(err: &(dyn std::error::Error + 'static)) -> bool {
    err.downcast_ref::<tokio_postgres::Error>()
        .and_then(tokio_postgres::Error::as_db_error)
        .is_some_and(|db| {
            db.code() == &SqlState::UNIQUE_VIOLATION && db.constraint() == Some("events_pkey")
        })
}

async fn write_append(client: &mut Client, append: &Append, now: u64) -> Result<(), StoreError> {
    let id = append.incident.as_str();
    let tx = client.transaction().await?;
    // The row lock makes racing appends to one incident take turns: the second reads the head
    // the first committed, and conflicts.
    let actual = tx
        .query_opt(
            "SELECT head FROM incidents WHERE id = $1 FOR UPDATE",
            &[&id],
        )
        .await?
        .map(|row| seq(&row, 0))
        .transpose()?
        .unwrap_or(0);
    if actual != append.expected {
        return Err(StoreError::Conflict {
            expected: append.expected,
            actual,
        });
    }
    if !append.events.is_empty() {
        let seqs: Vec<i64> = append.events.iter().map(|e| big(e.seq)).collect();
        let records = append
            .events
            .iter()
            .map(serde_json::to_string)
            .collect::<Result<Vec<String>, _>>()?;
        let insert = tx
            .prepare_cached(
                "INSERT INTO events (incident, seq, record) \
                 SELECT $1, * FROM UNNEST($2::BIGINT[], $3::TEXT[])",
            )
            .await?;
        tx.execute(&insert, &[&id, &seqs, &records]).await?;
    }
    if !append.commands.is_empty() {
        let participants: Vec<&str> = append
            .commands
            .iter()
            .map(|((p, _), _)| p.as_str())
            .collect();
        let ids: Vec<&str> = append
            .commands
            .iter()
            .map(|((_, c), _)| c.as_str())
            .collect();
        let seqs: Vec<i64> = append.commands.iter().map(|(_, s)| big(*s)).collect();
        // The key on (incident, participant, id) is the last word on "applied once": a
        // command another replica applied (its events already committed) is not inserted
        // again, and the whole append is undone and answered with the original sequences.
        let remember = tx
            .prepare_cached(
                "INSERT INTO commands (incident, participant, id, seq, recorded_at) \
                 SELECT $1, p, c, s, $5 FROM UNNEST($2::TEXT[], $3::TEXT[], $4::BIGINT[]) \
                     AS t (p, c, s) \
                 ON CONFLICT (incident, participant, id) DO NOTHING",
            )
            .await?;
        let inserted = tx
            .execute(&remember, &[&id, &participants, &ids, &seqs, &big(now)])
            .await?;
        if inserted < append.commands.len() as u64 {
            let rows = tx
                .query(
                    "SELECT participant, id, seq FROM commands \
                     WHERE incident = $1 AND (participant, id) IN \
                         (SELECT * FROM UNNEST($2::TEXT[], $3::TEXT[])) AND seq <= $4",
                    &[&id, &participants, &ids, &big(append.expected)],
                )
                .await?;
            return Err(StoreError::AlreadyApplied(super::command_rows(&rows)));
        }
    }
    if let Some(board) = &append.snapshot {
        // Within the append's transaction, under the incident's row lock: always the newest.
        let state = encode(board)?;
        let write = tx
            .prepare_cached(
                "INSERT INTO snapshots (incident, seq, state, format) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (incident) DO UPDATE SET seq = excluded.seq, \
                 state = excluded.state, format = excluded.format",
            )
            .await?;
        tx.execute(&write, &[&id, &big(board.seq), &state, &FORMAT])
            .await?;
    }
    if let Some(script) = &append.script {
        tx.execute(
            "INSERT INTO scripts (incident, script) VALUES ($1, $2) \
             ON CONFLICT (incident) DO UPDATE SET script = excluded.script",
            &[&id, script],
        )
        .await?;
    }
    for link in &append.links {
        let kind = serde_json::to_value(link.kind)?;
        tx.execute(
            "INSERT INTO links (token_hash, incident, link, kind) VALUES ($1, $2, $3, $4)",
            &[
                &link.token_hash,
                &link.incident.as_str(),
                &i64::from(link.link.0),
                &kind.as_str().unwrap_or_default(),
            ],
        )
        .await?;
    }
    let head = append.events.last().map_or(append.expected, |e| e.seq);
    let summary = serde_json::to_string(&append.summary)?;
    let upsert = tx
        .prepare_cached(
            "INSERT INTO incidents (id, head, updated_at, summary) \
             VALUES ($1, $2, $3::TEXT::TIMESTAMPTZ, $4) \
             ON CONFLICT (id) DO UPDATE SET head = excluded.head, \
             updated_at = excluded.updated_at, summary = excluded.summary",
        )
        .await?;
    tx.execute(
        &upsert,
        &[
            &id,
            &big(head),
            &append.summary.updated_at.to_rfc3339(),
            &summary,
        ],
    )
    .await?;
    // Delivered at COMMIT, and only if it commits: other replicas' rooms then read the events.
    tx.execute(
        "SELECT pg_notify($1, $2)",
        &[
            &super::notify::CHANNEL,
            &super::notify::payload(&append.incident, head),
        ],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Stores `board` as its incident's snapshot, outside an append, when it is newer than the
/// stored one and the log holds its last event. The incident's row is held shared meanwhile,
/// so a delete (which holds it for update) either comes first — and the snapshot finds no
/// incident — or waits and deletes the snapshot too.
pub(super) async fn snapshot(
    client: &mut Client,
    incident: &IncidentId,
    board: &Incident,
) -> Result<(), StoreError> {
    let id = incident.as_str();
    let state = encode(board)?;
    let tx = client.transaction().await?;
    let held = tx
        .query_opt("SELECT 1 FROM incidents WHERE id = $1 FOR SHARE", &[&id])
        .await?;
    if held.is_some() {
        tx.execute(
            "INSERT INTO snapshots (incident, seq, state, format) \
             SELECT $1, $2, $3, $4 \
             WHERE EXISTS (SELECT 1 FROM events WHERE incident = $1 AND seq = $2) \
             ON CONFLICT (incident) DO UPDATE SET seq = excluded.seq, \
             state = excluded.state, format = excluded.format \
             WHERE snapshots.seq < excluded.seq",
            &[&id, &big(board.seq), &state, &FORMAT],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Removes an incident and everything kept about it, in one transaction.
pub(super) async fn delete(client: &mut Client, incident: &IncidentId) -> Result<(), StoreError> {
    let id = incident.as_str();
    let tx = client.transaction().await?;
    if tx
        .query_opt(
            "SELECT head FROM incidents WHERE id = $1 FOR UPDATE",
            &[&id],
        )
        .await?
        .is_none()
    {
        return Err(StoreError::UnknownIncident(incident.clone()));
    }
    for table in [
        "events",
        "commands",
        "snapshots",
        "scripts",
        "links",
        "alert_routes",
        "webhook_cursors",
        "webhook_deliveries",
    ] {
        tx.execute(&format!("DELETE FROM {table} WHERE incident = $1"), &[&id])
            .await?;
    }
    tx.execute("DELETE FROM incidents WHERE id = $1", &[&id])
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Remembers a new session, stamped `now` (Unix seconds).
pub(super) async fn insert_session(
    client: &Client,
    s: &SessionRecord,
    now: u64,
) -> Result<(), StoreError> {
    client
        .execute(
            "INSERT INTO sessions (token_hash, participant, name, method, subject, email, \
             created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                &s.token_hash,
                &s.participant.as_str(),
                &s.name,
                &s.method,
                &s.subject,
                &s.email,
                &big(now),
                &big(s.expires_at),
            ],
        )
        .await?;
    Ok(())
}
