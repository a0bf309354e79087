//! What a room loads from: the latest snapshot row and the events after it, read in one
//! transaction and decoded side by side — the events on a thread of their own, the board on the
//! reading one, straight from the row's bytes — since decoding a long incident's board is most
//! of a cold join. A row that
//! turns out unusable (`store/snapshot.rs`) costs a read of the events before it.

use rusqlite::{Connection, OptionalExtension, params};
use warroom_core::{IncidentId, Recorded, Seq};

use super::{snapshot, writer};
use crate::store::snapshot::{FORMAT, Warned};
use crate::store::{Loaded, StoreError};

/// The incident's latest usable snapshot, every event after it and its script.
pub(super) fn load(
    conn: &Connection,
    incident: &IncidentId,
    warned: &Warned,
) -> Result<Loaded, StoreError> {
    // One read transaction: the snapshot row and the events after it agree.
    let tx = conn.unchecked_transaction()?;
    if writer::head_of(&tx, incident)?.is_none() {
        return Err(StoreError::UnknownIncident(incident.clone()));
    }
    let stored = snapshot::stored(&tx, incident)?;
    // Only a row of this server's format can be used: after any other, the whole log.
    let after = stored
        .filter(|(_, format)| *format == FORMAT)
        .map_or(0, |(seq, _)| seq);
    let rows = event_rows(&tx, incident, after, Seq::MAX)?;
    let script = tx
        .prepare_cached("SELECT script FROM scripts WHERE incident = ?1")?
        .query_row([incident.as_str()], |row| row.get::<_, String>(0))
        .optional()?;
    let (snapshot, events) = std::thread::scope(|scope| {
        let events = scope.spawn(|| decode_events(&rows));
        let snapshot = match stored {
            Some(_) => snapshot::decoded(&tx, incident, warned),
            None => Ok(None),
        };
        let events = events
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        (snapshot, events)
    });
    let snapshot = snapshot?;
    let mut events = events?;
    if snapshot.is_none() && after > 0 {
        // The row did not decode after all: the room folds the whole log.
        let mut earlier = decode_events(&event_rows(&tx, incident, 0, after + 1)?)?;
        earlier.append(&mut events);
        events = earlier;
    }
    Ok(Loaded {
        snapshot,
        events,
        script,
    })
}

/// The stored events with `after < seq < before`, in order, as their JSON.
fn event_rows(
    conn: &Connection,
    incident: &IncidentId,
    after: Seq,
    before: Seq,
) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT record FROM events WHERE incident = ?1 AND seq > ?2 AND seq < ?3 ORDER BY seq",
    )?;
    // SQLite's integers are signed: "no upper bound" is its largest.
    let before = i64::try_from(before).unwrap_or(i64::MAX);
    let rows = stmt.query_map(params![incident.as_str(), after, before], |row| {
        row.get::<_, String>(0)
    })?;
    rows.map(|r| r.map_err(StoreError::from)).collect()
}

fn decode_events(rows: &[String]) -> Result<Vec<Recorded>, StoreError> {
    rows.iter()
        .map(|json| Ok(serde_json::from_str(json)?))
        .collect()
}
