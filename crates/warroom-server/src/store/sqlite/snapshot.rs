//! SQLite's half of snapshots: the row it writes and reads. What a snapshot holds, and when
//! one is ignored, is `store/snapshot.rs`'s.

use rusqlite::{Connection, OptionalExtension, params};
use warroom_core::{Incident, IncidentId, Seq};

use crate::store::StoreError;
use crate::store::snapshot::{FORMAT, Warned, decode};

/// Stores `state`, a board of sequence `seq` encoded in this server's format, as the
/// incident's snapshot: only over an older one, and only while the incident's log reaches
/// `seq` (a snapshot written after its incident was deleted is not written at all).
pub(super) fn write(
    conn: &Connection,
    incident: &IncidentId,
    seq: Seq,
    state: &str,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO snapshots (incident, seq, state, format) \
         SELECT ?1, ?2, ?3, ?4 WHERE EXISTS \
             (SELECT 1 FROM incidents WHERE id = ?1 AND head >= ?2) \
         ON CONFLICT (incident) DO UPDATE SET seq = excluded.seq, state = excluded.state, \
         format = excluded.format WHERE excluded.seq > snapshots.seq",
    )?
    .execute(params![incident.as_str(), seq, state, FORMAT])?;
    Ok(())
}

/// The sequence and format of the incident's snapshot row, if it has one.
pub(super) fn stored(
    conn: &Connection,
    incident: &IncidentId,
) -> Result<Option<(Seq, i64)>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT seq, format FROM snapshots WHERE incident = ?1")?
        .query_row([incident.as_str()], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?)
}

/// The incident's snapshot if it is one this server can use, decoded from the row's bytes
/// in place; `None` when there is none, or when it is of another format or does not decode
/// (then the caller reads the whole log).
pub(super) fn decoded(
    conn: &Connection,
    incident: &IncidentId,
    warned: &Warned,
) -> Result<Option<Incident>, StoreError> {
    let board = conn
        .prepare_cached("SELECT seq, format, state FROM snapshots WHERE incident = ?1")?
        .query_row([incident.as_str()], |row| {
            let json = row.get_ref(2)?.as_str()?;
            Ok(decode(incident, (row.get(0)?, row.get(1)?, json), warned))
        })
        .optional()?;
    Ok(board.flatten())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use warroom_core::{Command, Context, ParticipantId, Severity, TextId};

    use super::*;

    fn board() -> Incident {
        let actor = ParticipantId::parse("p-ann").unwrap();
        let declare = Command::Declare {
            title: "Checkout errors".into(),
            severity: Severity::Sev2,
            drill: false,
            name: "Ann".into(),
            retrospective: false,
            occurred_at: None,
            precision: None,
        };
        let ctx = Context {
            actor: &actor,
            at: chrono::Utc::now(),
            present: &BTreeSet::new(),
        };
        let mut state = None;
        warroom_core::execute(&mut state, &declare, &ctx).unwrap();
        state.unwrap()
    }

    fn store(conn: &Connection, id: &IncidentId, board: &Incident) {
        let state = crate::store::snapshot::encode(board).unwrap();
        write(conn, id, board.seq, &state).unwrap();
    }

    fn incident_at(conn: &Connection, id: &IncidentId, head: Seq) {
        conn.execute(
            "INSERT INTO incidents (id, head, updated_at, summary) VALUES (?1, ?2, '', '{}') \
             ON CONFLICT (id) DO UPDATE SET head = excluded.head",
            params![id.as_str(), head],
        )
        .unwrap();
    }

    #[test]
    fn only_a_snapshot_of_this_format_and_its_own_seq_is_used() {
        let mut conn = Connection::open_in_memory().unwrap();
        super::super::schema::migrate(&mut conn).unwrap();
        let id = IncidentId::parse("abc").unwrap();
        let warned = Warned::default();
        assert_eq!(decoded(&conn, &id, &warned).unwrap(), None, "no row");
        let board = board();
        incident_at(&conn, &id, board.seq);
        store(&conn, &id, &board);
        assert_eq!(decoded(&conn, &id, &warned).unwrap(), Some(board.clone()));

        let spoil = |sql: &str| {
            conn.execute("DELETE FROM snapshots", []).unwrap();
            store(&conn, &id, &board);
            conn.execute(sql, [id.as_str()]).unwrap();
            decoded(&conn, &id, &warned).unwrap()
        };
        let unusable = [
            "UPDATE snapshots SET format = format + 1 WHERE incident = ?1",
            "UPDATE snapshots SET state = '{' WHERE incident = ?1",
            "UPDATE snapshots SET seq = seq + 5 WHERE incident = ?1",
        ];
        for sql in unusable {
            assert_eq!(spoil(sql), None, "{sql}");
        }
        // The first spoilt read warned; every later one of this incident is quiet.
        assert!(!warned.first(&id), "one warning per incident");
        assert!(warned.first(&IncidentId::parse("other").unwrap()));
    }

    /// Snapshots are written after their events, off the write path: a late one never
    /// replaces a newer one, nor is written for an incident that is gone or not that far.
    #[test]
    fn a_snapshot_row_only_moves_forward_and_follows_the_log() {
        let mut conn = Connection::open_in_memory().unwrap();
        super::super::schema::migrate(&mut conn).unwrap();
        let id = IncidentId::parse("abc").unwrap();
        let warned = Warned::default();
        let old = board();
        let mut new = old.clone();
        new.seq += 3;

        store(&conn, &id, &old);
        assert_eq!(
            decoded(&conn, &id, &warned).unwrap(),
            None,
            "no incident, no row"
        );
        incident_at(&conn, &id, old.seq);
        store(&conn, &id, &new);
        assert_eq!(
            decoded(&conn, &id, &warned).unwrap(),
            None,
            "the log is not there yet"
        );

        incident_at(&conn, &id, new.seq);
        store(&conn, &id, &new);
        store(&conn, &id, &old);
        assert_eq!(
            decoded(&conn, &id, &warned).unwrap(),
            Some(new),
            "the newer one stays"
        );
    }
}
