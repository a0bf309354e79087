//! Snapshots are a cache of the board, never the record: the log is. Each row says which
//! encoding of the board it holds ([`FORMAT`]); a row of another format, or one that does not
//! decode into a board of its own sequence, is ignored — with one warning per incident — and
//! the room is given the whole log to rebuild from. So a change to how the board is encoded
//! costs one replay per incident, never an incident that cannot be opened.
//!
//! The store keeps the board in the compact encoding of the `snapshot` message
//! ([`BoardWire`], notes column by column), not in `Incident`'s plain serde form: for a board
//! of 100,000 notes the plain form is three times the bytes (20.6 MB against 6.4 MB) and
//! takes three times as long to write, which a snapshot written by the group-commit thread
//! and read by every room that loads cannot afford. The choice is this module's, named by
//! [`FORMAT`]: when the wire's encoding changes, the number changes with it.

use std::collections::HashSet;
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, params};
use warroom_core::protocol::{BoardFromWire, BoardWire};
use warroom_core::{Incident, IncidentId, Seq};

use crate::store::StoreError;

/// The encoding of the board this server writes in `snapshots.state`. Bump it whenever that
/// encoding ([`BoardWire`]) changes shape: rows of any other number are then rebuilt from the
/// log. 1 is the encoding of the first release, notes column by column (rows from before the
/// `format` column hold it).
pub const FORMAT: i64 = 1;

/// Stores `board` as the incident's snapshot, in this server's format.
pub(super) fn write(
    conn: &Connection,
    incident: &IncidentId,
    board: &Incident,
) -> Result<(), StoreError> {
    let json = serde_json::to_string(&BoardWire(board))?;
    conn.prepare_cached(
        "INSERT INTO snapshots (incident, seq, state, format) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (incident) DO UPDATE SET seq = excluded.seq, state = excluded.state, \
         format = excluded.format",
    )?
    .execute(params![incident.as_str(), board.seq, json, FORMAT])?;
    Ok(())
}

/// The incidents whose unusable snapshot was already warned about (each once per process; a
/// room that unloads and loads again reads the same row).
#[derive(Default)]
pub(super) struct Warned(Mutex<HashSet<IncidentId>>);

impl Warned {
    /// Whether this is the first unusable snapshot of `incident` this process has seen.
    fn first(&self, incident: &IncidentId) -> bool {
        self.0
            .lock()
            .expect("the warned set is never poisoned")
            .insert(incident.clone())
    }
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
    let Some((seq, format, json)) = row else {
        return Ok(None);
    };
    let unusable = if format == FORMAT {
        match serde_json::from_str::<BoardFromWire>(&json).map(|b| *b.0) {
            Ok(board) if board.seq == seq => return Ok(Some(board)),
            Ok(board) => format!("it holds the board of seq {} under seq {seq}", board.seq),
            Err(err) => format!("it does not decode: {err}"),
        }
    } else {
        format!("it is of format {format}, and this server reads format {FORMAT}")
    };
    let first = warned.first(incident);
    if first {
        tracing::warn!(
            %incident,
            seq,
            reason = %unusable,
            "stored snapshot ignored; rebuilding the board from the whole log"
        );
    } else {
        tracing::debug!(%incident, seq, "stored snapshot ignored again");
    }
    Ok(None)
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
