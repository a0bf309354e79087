//! SQLite's half of snapshots: the row it writes and reads. What a snapshot holds, and when
//! one is ignored, is `store/snapshot.rs`'s.

use rusqlite::{Connection, OptionalExtension, params};
use warroom_core::{Incident, IncidentId, Seq};

use crate::store::StoreError;
use crate::store::snapshot::{FORMAT, Warned, decode, encode};

/// Stores `board` as the incident's snapshot, in this server's format.
pub(super) fn write(
    conn: &Connection,
    incident: &IncidentId,
    board: &Incident,
) -> Result<(), StoreError> {
    let json = encode(board)?;
    conn.prepare_cached(
        "INSERT INTO snapshots (incident, seq, state, format) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (incident) DO UPDATE SET seq = excluded.seq, state = excluded.state, \
         format = excluded.format",
    )?
    .execute(params![incident.as_str(), board.seq, json, FORMAT])?;
    Ok(())
}

/// The incident's snapshot if it is one this server can use; `None` when there is none, or
/// when it is of another format or does not decode (then the caller reads the whole log).
pub(super) fn read(
    conn: &Connection,
    incident: &IncidentId,
    warned: &Warned,
) -> Result<Option<Incident>, StoreError> {
    let row: Option<(Seq, i64, String)> = conn
        .prepare_cached("SELECT seq, format, state FROM snapshots WHERE incident = ?1")?
        .query_row([incident.as_str()], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .optional()?;
    Ok(row.and_then(|(seq, format, json)| decode(incident, (seq, format, &json), warned)))
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

    #[test]
    fn only_a_snapshot_of_this_format_and_its_own_seq_is_used() {
        let mut conn = Connection::open_in_memory().unwrap();
        super::super::schema::migrate(&mut conn).unwrap();
        let id = IncidentId::parse("abc").unwrap();
        let warned = Warned::default();
        assert_eq!(read(&conn, &id, &warned).unwrap(), None, "no row");
        let board = board();
        write(&conn, &id, &board).unwrap();
        assert_eq!(read(&conn, &id, &warned).unwrap(), Some(board.clone()));

        let spoil = |sql: &str| {
            write(&conn, &id, &board).unwrap();
            conn.execute(sql, [id.as_str()]).unwrap();
            read(&conn, &id, &warned).unwrap()
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
}
