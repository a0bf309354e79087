//! Snapshots are a cache of the board, never the record: the log is. Each row says which
//! encoding of the board it holds ([`FORMAT`]); a row of another format, or one that does not
//! decode into a board of its own sequence, is ignored — with one warning per incident — and
//! the room is given the whole log to rebuild from. So a change to how the board is encoded
//! costs one replay per incident, never an incident that cannot be opened.
//!
//! The stores keep the board in the compact encoding of the `snapshot` message
//! ([`BoardWire`], notes column by column), not in `Incident`'s plain serde form: for a board
//! of 100,000 notes the plain form is three times the bytes (20.6 MB against 6.4 MB) and
//! takes three times as long to write, which a snapshot written on the write path and read by
//! every room that loads cannot afford. The choice is this module's, named by [`FORMAT`]: when
//! the wire's encoding changes, the number changes with it. Both stores go through
//! [`encode`] and [`decode`]; only the SQL is theirs.

use std::collections::HashSet;
use std::sync::Mutex;

use warroom_core::protocol::{BoardFromWire, BoardWire};
use warroom_core::{Incident, IncidentId, Seq};

use crate::store::StoreError;

/// The encoding of the board the server writes in `snapshots.state`. Bump it whenever that
/// encoding ([`BoardWire`]) changes shape: rows of any other number are then rebuilt from the
/// log. 1 is the encoding of the first release, notes column by column (rows from before the
/// `format` column hold it).
pub const FORMAT: i64 = 1;

/// The board as a snapshot row holds it, in [`FORMAT`].
pub(crate) fn encode(board: &Incident) -> Result<String, StoreError> {
    Ok(serde_json::to_string(&BoardWire(board))?)
}

/// The incidents whose unusable snapshot was already warned about (each once per process; a
/// room that unloads and loads again reads the same row).
#[derive(Default)]
pub(crate) struct Warned(Mutex<HashSet<IncidentId>>);

impl Warned {
    /// Whether this is the first unusable snapshot of `incident` this process has seen.
    pub(crate) fn first(&self, incident: &IncidentId) -> bool {
        self.0
            .lock()
            .expect("the warned set is never poisoned")
            .insert(incident.clone())
    }
}

/// The board a snapshot row `(seq, format, state)` holds, if this server can use it; `None`
/// (with one warning per incident) when it is of another format, does not decode, or is not
/// the board of its row's sequence — then the caller reads the whole log.
pub(crate) fn decode(
    incident: &IncidentId,
    (seq, format, json): (Seq, i64, &str),
    warned: &Warned,
) -> Option<Incident> {
    let unusable = if format == FORMAT {
        match serde_json::from_str::<BoardFromWire>(json).map(|b| *b.0) {
            Ok(board) if board.seq == seq => return Some(board),
            Ok(board) => format!("it holds the board of seq {} under seq {seq}", board.seq),
            Err(err) => format!("it does not decode: {err}"),
        }
    } else {
        format!("it is of format {format}, and this server reads format {FORMAT}")
    };
    if warned.first(incident) {
        tracing::warn!(
            %incident,
            seq,
            reason = %unusable,
            "stored snapshot ignored; rebuilding the board from the whole log"
        );
    } else {
        tracing::debug!(%incident, seq, "stored snapshot ignored again");
    }
    None
}
