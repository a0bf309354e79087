//! A consistent copy of a database that a server may be writing, with SQLite's online backup
//! API, for `warroom backup` (whose command-line side is `crate::backup`).
//!
//! The source is opened **read-only** and copied in **one step** (`step(-1)`): the whole copy
//! is read inside one read transaction, so it is the database as of one commit — every event
//! committed before the copy began, none half-written. In WAL mode a reader never blocks the
//! writer, so the server goes on committing while the copy is taken (the writer's WAL cannot
//! be checkpointed past the copy's snapshot until it ends, and grows meanwhile). Copying page
//! by page in several steps would let a commit from the server restart the copy, which under a
//! steady write load might never finish.
//!
//! The copy is then checked (`PRAGMA quick_check`) and counted, so that what is reported is
//! what the file holds.

use std::path::Path;
use std::time::Duration;

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

use crate::store::StoreError;

/// How long a copy waits for a lock on the source (only a checkpoint in progress or a
/// database in rollback mode holds one against readers).
const BUSY_RETRIES: u32 = 50;
const BUSY_PAUSE: Duration = Duration::from_millis(100);

/// What a copy holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Copied {
    pub incidents: u64,
    pub events: u64,
    /// The schema version (`PRAGMA user_version`) copied.
    pub schema: u32,
}

/// Copies the database `source` into `dest` (a new, empty file) and reports what the copy
/// holds. `source` is only ever read.
pub fn copy(source: &Path, dest: &Path) -> Result<Copied, StoreError> {
    let from = Connection::open_with_flags(
        source,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    from.busy_timeout(Duration::from_secs(5))?;
    let mut to = Connection::open(dest)?;
    {
        let backup = Backup::new(&from, &mut to)?;
        let mut busy = 0;
        loop {
            match backup.step(-1)? {
                StepResult::Done => break,
                StepResult::More => {}
                StepResult::Busy | StepResult::Locked if busy < BUSY_RETRIES => {
                    busy += 1;
                    std::thread::sleep(BUSY_PAUSE);
                }
                StepResult::Busy | StepResult::Locked => {
                    return Err(StoreError::Unusable(
                        "the database stayed locked; try again".into(),
                    ));
                }
                other => {
                    return Err(StoreError::Unusable(format!(
                        "the backup stopped unexpectedly ({other:?})"
                    )));
                }
            }
        }
    }
    let check: String = to.query_row("PRAGMA quick_check", [], |row| row.get(0))?;
    if check != "ok" {
        return Err(StoreError::Corrupt(format!(
            "the copy fails its check: {check}"
        )));
    }
    let count = |table: &str| -> Result<u64, StoreError> {
        Ok(
            to.query_row(&format!("SELECT count(*) FROM {table}"), [], |row| {
                row.get(0)
            })?,
        )
    };
    let copied = Copied {
        incidents: count("incidents")?,
        events: count("events")?,
        schema: to.query_row("PRAGMA user_version", [], |row| row.get(0))?,
    };
    to.close().map_err(|(_, err)| err)?;
    Ok(copied)
}
