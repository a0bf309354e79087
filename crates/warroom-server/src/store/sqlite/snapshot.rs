//! SQLite's half of snapshots: the file they live in, and the row it writes and reads. What a
//! snapshot holds, and when one is ignored, is `store/snapshot.rs`'s.
//!
//! Snapshots are kept **in a file of their own** beside the database (`<name>.snapshots` next
//! to `<name>`), attached as `snap` to the connections that use them. A long incident's
//! snapshot is megabytes; written into the database it shared the one writer, its
//! transaction, its `fsync` and its checkpoints with every room's commits, and the commits
//! that queued behind it were the tail of the acknowledgement latency. In a file of its own
//! it is written by the encoder thread under that file's own lock and synced by that thread
//! (see `encoder.rs` for why a cache is synced at all), and the event commits never wait for
//! it.
//!
//! The file is a cache of the log, and is only ever trusted against it: every row carries the
//! record of the event at its sequence, and a row is only used where the log holds that very
//! record there. A snapshot file beside a database restored from a backup, or copied from
//! somewhere else, is so never taken for that database's board.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};
use warroom_core::{Incident, IncidentId, Seq};

use crate::store::StoreError;
use crate::store::snapshot::{FORMAT, Warned, decode};

/// The schema of the snapshot file, in its `user_version`. A file of any other is a cache
/// of another server's making: emptied and made again.
const FILE_SCHEMA: i64 = 1;

/// The snapshot file that goes with the database at `db`.
pub(super) fn file_of(db: &Path) -> PathBuf {
    let mut name = db.file_name().unwrap_or_default().to_owned();
    name.push(".snapshots");
    db.with_file_name(name)
}

/// Creates the snapshot file at `path` if needed, in WAL mode with its table; a file of
/// another schema is emptied first, and one SQLite cannot read (spoilt, or not a database)
/// is replaced by a new one: it only ever held a cache of the log.
pub(super) fn prepare_file(path: &Path) -> Result<(), StoreError> {
    let mode = match open_file(path) {
        Err(err)
            if matches!(
                err.sqlite_error_code(),
                Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt)
            ) =>
        {
            tracing::warn!(
                file = %path.display(),
                %err,
                "the snapshot file is unreadable; starting a new one (rooms replay their logs)"
            );
            for suffix in ["", "-wal", "-shm"] {
                let mut name = path.as_os_str().to_owned();
                name.push(suffix);
                match std::fs::remove_file(&name) {
                    Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
                        return Err(StoreError::Unusable(format!(
                            "cannot remove the unreadable snapshot file {}: {err}",
                            path.display()
                        )));
                    }
                    _ => {}
                }
            }
            open_file(path)?
        }
        other => other?,
    };
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Unusable(format!(
            "cannot switch the snapshot file to WAL mode (it is in {mode} mode)"
        )));
    }
    Ok(())
}

/// Opens the snapshot file, making its table if it has none of this schema; its journal
/// mode after asking for WAL.
fn open_file(path: &Path) -> rusqlite::Result<String> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if version != FILE_SCHEMA {
        conn.execute_batch(&format!(
            "DROP TABLE IF EXISTS snapshots;
             CREATE TABLE snapshots (
                 incident TEXT PRIMARY KEY NOT NULL,
                 seq INTEGER NOT NULL,
                 format INTEGER NOT NULL,
                 state TEXT NOT NULL,
                 -- The record of the log's event at `seq` when the row was written.
                 last_record TEXT NOT NULL
             );
             PRAGMA user_version = {FILE_SCHEMA};"
        ))?;
    }
    Ok(mode)
}

/// Attaches the snapshot file at `path` to `conn` as `snap` (read-only if `conn` is).
pub(super) fn attach(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let path = path
        .to_str()
        .ok_or_else(|| StoreError::Unusable(format!("{} is not UTF-8", path.display())))?;
    conn.execute("ATTACH DATABASE ?1 AS snap", [path])?;
    Ok(())
}

/// Moves the snapshots of a database from before the snapshot file (its `snapshots` table)
/// into the file, each with the record it is checked against; `conn` has the file attached.
pub(super) fn carry_over(conn: &Connection) -> Result<usize, StoreError> {
    Ok(conn.execute(
        "INSERT OR REPLACE INTO snap.snapshots (incident, seq, format, state, last_record) \
         SELECT s.incident, s.seq, s.format, s.state, e.record FROM main.snapshots s \
         JOIN main.events e ON e.incident = s.incident AND e.seq = s.seq",
        [],
    )?)
}

/// Forgets the snapshots of incidents the database no longer has (deleted while a snapshot
/// of theirs was on its way, or by a server that stopped before forgetting it).
pub(super) fn forget_orphans(conn: &Connection) -> Result<usize, StoreError> {
    Ok(conn.execute(
        "DELETE FROM snap.snapshots WHERE incident NOT IN (SELECT id FROM main.incidents)",
        [],
    )?)
}

/// Forgets `incident`'s snapshot if the database no longer has the incident.
pub(super) fn forget(conn: &Connection, incident: &IncidentId) -> Result<(), StoreError> {
    conn.prepare_cached(
        "DELETE FROM snap.snapshots WHERE incident = ?1 \
         AND NOT EXISTS (SELECT 1 FROM main.incidents WHERE id = ?1)",
    )?
    .execute([incident.as_str()])?;
    Ok(())
}

/// Stores `state`, a board of sequence `seq` encoded in this server's format, as the
/// incident's snapshot: only over an older one, and only while the incident's log reaches
/// `seq` (a snapshot written after its incident was deleted is not written at all), with the
/// record of the log's event at `seq`.
pub(super) fn write(
    conn: &Connection,
    incident: &IncidentId,
    seq: Seq,
    state: &str,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO snap.snapshots (incident, seq, state, format, last_record) \
         SELECT ?1, ?2, ?3, ?4, e.record FROM main.events e \
             WHERE e.incident = ?1 AND e.seq = ?2 \
         ON CONFLICT (incident) DO UPDATE SET seq = excluded.seq, state = excluded.state, \
         format = excluded.format, last_record = excluded.last_record \
         WHERE excluded.seq > snapshots.seq",
    )?
    .execute(params![incident.as_str(), seq, state, FORMAT])?;
    Ok(())
}

/// The incident's snapshot rows that agree with its log: the row's event is the log's.
const AGREEING: &str = "FROM snap.snapshots s JOIN main.events e \
     ON e.incident = s.incident AND e.seq = s.seq AND e.record = s.last_record \
     WHERE s.incident = ?1";

/// The sequence and format of the incident's snapshot row, if it has one that agrees with
/// its log.
pub(super) fn stored(
    conn: &Connection,
    incident: &IncidentId,
) -> Result<Option<(Seq, i64)>, StoreError> {
    Ok(conn
        .prepare_cached(&format!("SELECT s.seq, s.format {AGREEING}"))?
        .query_row([incident.as_str()], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?)
}

/// The incident's snapshot if it is one this server can use, decoded from the row's bytes
/// in place; `None` when there is none that agrees with the log, or when it is of another
/// format or does not decode (then the caller reads the whole log).
pub(super) fn decoded(
    conn: &Connection,
    incident: &IncidentId,
    warned: &Warned,
) -> Result<Option<Incident>, StoreError> {
    let board = conn
        .prepare_cached(&format!("SELECT s.seq, s.format, s.state {AGREEING}"))?
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

    /// A migrated database with its snapshot file attached, both in `dir`.
    fn database(dir: &tempfile::TempDir) -> Connection {
        let db = dir.path().join("t.sqlite3");
        let mut conn = Connection::open(&db).unwrap();
        super::super::schema::migrate(&mut conn, |_| Ok(())).unwrap();
        prepare_file(&file_of(&db)).unwrap();
        attach(&conn, &file_of(&db)).unwrap();
        conn
    }

    fn store(conn: &Connection, id: &IncidentId, board: &Incident) {
        let state = crate::store::snapshot::encode(board).unwrap();
        write(conn, id, board.seq, &state).unwrap();
    }

    /// The incident's log reaches `head`, its events' records being "record N".
    fn incident_at(conn: &Connection, id: &IncidentId, head: Seq) {
        conn.execute(
            "INSERT INTO incidents (id, head, updated_at, summary) VALUES (?1, ?2, '', '{}') \
             ON CONFLICT (id) DO UPDATE SET head = excluded.head",
            params![id.as_str(), head],
        )
        .unwrap();
        for seq in 1..=head {
            conn.execute(
                "INSERT OR IGNORE INTO events (incident, seq, record) VALUES (?1, ?2, ?3)",
                params![id.as_str(), seq, format!("record {seq}")],
            )
            .unwrap();
        }
    }

    #[test]
    fn only_a_snapshot_of_this_format_and_its_own_seq_is_used() {
        let dir = tempfile::tempdir().unwrap();
        let conn = database(&dir);
        let id = IncidentId::parse("abc").unwrap();
        let warned = Warned::default();
        assert_eq!(decoded(&conn, &id, &warned).unwrap(), None, "no row");
        let board = board();
        incident_at(&conn, &id, board.seq + 5);
        store(&conn, &id, &board);
        assert_eq!(decoded(&conn, &id, &warned).unwrap(), Some(board.clone()));

        let spoil = |sql: &str| {
            conn.execute("DELETE FROM snap.snapshots", []).unwrap();
            store(&conn, &id, &board);
            conn.execute(sql, [id.as_str()]).unwrap();
            decoded(&conn, &id, &warned).unwrap()
        };
        let unusable = [
            "UPDATE snap.snapshots SET format = format + 1 WHERE incident = ?1",
            "UPDATE snap.snapshots SET state = '{' WHERE incident = ?1",
            "UPDATE snap.snapshots SET seq = seq + 5, \
             last_record = 'record ' || (seq + 5) WHERE incident = ?1",
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
        let dir = tempfile::tempdir().unwrap();
        let conn = database(&dir);
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

    /// The file is trusted only against the log: beside a database whose event at the row's
    /// sequence is another (a backup restored under it, a log made again), the row is not
    /// used, and an incident the database no longer has loses its row.
    #[test]
    fn a_snapshot_is_used_only_where_the_log_holds_its_event() {
        let dir = tempfile::tempdir().unwrap();
        let conn = database(&dir);
        let id = IncidentId::parse("abc").unwrap();
        let warned = Warned::default();
        let board = board();
        incident_at(&conn, &id, board.seq);
        store(&conn, &id, &board);
        assert_eq!(stored(&conn, &id).unwrap(), Some((board.seq, FORMAT)));

        conn.execute(
            "UPDATE events SET record = 'another log' WHERE incident = ?1 AND seq = ?2",
            params![id.as_str(), board.seq],
        )
        .unwrap();
        assert_eq!(stored(&conn, &id).unwrap(), None);
        assert_eq!(decoded(&conn, &id, &warned).unwrap(), None);

        conn.execute("DELETE FROM incidents WHERE id = ?1", [id.as_str()])
            .unwrap();
        assert_eq!(forget_orphans(&conn).unwrap(), 1);
        let rows: i64 = conn
            .query_row("SELECT count(*) FROM snap.snapshots", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 0);
    }

    /// A snapshot file SQLite cannot read is a cache lost, not a server that cannot start.
    #[test]
    fn an_unreadable_snapshot_file_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.sqlite3.snapshots");
        std::fs::write(&path, vec![0x5a; 8192]).unwrap();
        prepare_file(&path).unwrap();
        let conn = Connection::open(&path).unwrap();
        let rows: i64 = conn
            .query_row("SELECT count(*) FROM snapshots", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 0);
    }
}
