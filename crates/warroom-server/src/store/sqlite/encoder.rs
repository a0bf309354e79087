//! Snapshots off the write path. A room's append that carries a snapshot is committed without
//! it (so its acknowledgement waits for the events alone); the board is then handed to this
//! thread, which encodes it ([`crate::store::snapshot::encode`]) and writes it to the
//! snapshot file (`snapshot.rs`) on a connection of its own. The single writer thread, the one
//! serial part of every room's commits, so never spends its time encoding a long incident's
//! board, dropping the copy of it, or writing and syncing megabytes of it.
//!
//! Snapshots are a cache, so this costs nothing that matters when it goes wrong: a snapshot
//! still queued when the process dies, or one dropped because the queue is full, only means a
//! room that loads later replays more of the log. A snapshot row only moves forward (an older
//! board never replaces a newer one) and is only written for an incident whose log reaches it
//! (never for one deleted meanwhile); a deleted incident's row is forgotten here, in turn
//! with the snapshots queued before. When the store closes, the queue is encoded and written
//! first.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc as std_mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use rusqlite::Connection;
use warroom_core::{Incident, IncidentId};

use super::snapshot;
use crate::store::StoreError;
use crate::store::snapshot::encode;

/// The most boards waiting to be encoded; a room's snapshots are at least a thousand events
/// apart, so a full queue means the machine cannot keep up, and a further one is dropped.
const QUEUE: usize = 16;

/// What the encoder thread is given.
enum Job {
    /// A board to store as its incident's snapshot.
    Board {
        incident: IncidentId,
        board: Box<Incident>,
    },
    /// An incident deleted from the database: its snapshot goes too.
    Forget(IncidentId),
}

/// The encoder thread and its queue.
pub(super) struct Encoder {
    queue: Handoff,
    thread: Option<JoinHandle<()>>,
}

/// Hands boards to the encoder thread; a clone goes with each append in flight. The queue's
/// one sender is inside, so [`Encoder::stop`] closes it whatever clones are still about.
#[derive(Clone)]
pub(super) struct Handoff {
    sender: Arc<Mutex<Option<std_mpsc::Sender<Job>>>>,
    /// Boards queued and not yet taken up, at most [`QUEUE`].
    boards: Arc<AtomicUsize>,
}

impl Encoder {
    /// Opens the encoder's connection (the database at `db`, read only in effect, with the
    /// snapshot file at `snapshots` attached to write), forgets the snapshots of incidents
    /// the database no longer has, and starts the thread.
    pub(super) fn start(db: &Path, snapshots: &Path) -> Result<Self, StoreError> {
        let conn = Connection::open(db)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        snapshot::attach(&conn, snapshots)?;
        // Synced at each write, although it is a cache: on ext4 (data=ordered) the writer's
        // next fsync of the log would otherwise carry the megabytes of snapshot the kernel
        // still held dirty — with `synchronous = NORMAL` a commit of one event took 130-145
        // ms in half the runs at 500 commands/s; this thread pays for its own data instead.
        conn.pragma_update(Some("snap"), "synchronous", "FULL")?;
        let orphans = snapshot::forget_orphans(&conn)?;
        if orphans > 0 {
            tracing::info!(orphans, "forgot the snapshots of deleted incidents");
        }
        let (sender, jobs) = std_mpsc::channel::<Job>();
        let boards = Arc::new(AtomicUsize::new(0));
        let taken = Arc::clone(&boards);
        let thread = std::thread::Builder::new()
            .name("warroom-sqlite-snapshots".into())
            .spawn(move || encoder_loop(&conn, &jobs, &taken))
            .map_err(StoreError::Thread)?;
        Ok(Self {
            queue: Handoff {
                sender: Arc::new(Mutex::new(Some(sender))),
                boards,
            },
            thread: Some(thread),
        })
    }

    /// What hands boards to this encoder, for a completion that outlives the borrow.
    pub(super) fn handoff(&self) -> Handoff {
        self.queue.clone()
    }

    /// Encodes and writes what is queued, then ends the thread.
    pub(super) fn stop(&mut self) {
        self.queue
            .sender
            .lock()
            .expect("snapshot queue poisoned")
            .take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Handoff {
    /// Queues `board`, whose events are committed, to be stored as `incident`'s snapshot.
    pub(super) fn hand(&self, incident: IncidentId, board: Incident) {
        let sender = self.sender.lock().expect("snapshot queue poisoned");
        let Some(sender) = sender.as_ref() else {
            return;
        };
        if self.boards.fetch_add(1, Ordering::AcqRel) >= QUEUE {
            self.boards.fetch_sub(1, Ordering::AcqRel);
            tracing::debug!(%incident, "snapshot queue full; snapshot skipped");
            return;
        }
        if sender
            .send(Job::Board {
                incident,
                board: Box::new(board),
            })
            .is_err()
        {
            self.boards.fetch_sub(1, Ordering::AcqRel);
        }
    }

    /// Queues the forgetting of deleted `incident`'s snapshot (never dropped: it is small).
    pub(super) fn forget(&self, incident: IncidentId) {
        let sender = self.sender.lock().expect("snapshot queue poisoned");
        if let Some(sender) = sender.as_ref() {
            let _ = sender.send(Job::Forget(incident));
        }
    }
}

impl Drop for Encoder {
    fn drop(&mut self) {
        self.stop();
    }
}

fn encoder_loop(conn: &Connection, jobs: &std_mpsc::Receiver<Job>, boards: &AtomicUsize) {
    while let Ok(job) = jobs.recv() {
        match job {
            Job::Board { incident, board } => {
                boards.fetch_sub(1, Ordering::AcqRel);
                let seq = board.seq;
                let state = match encode(&board) {
                    Ok(state) => state,
                    Err(err) => {
                        tracing::warn!(%incident, seq, %err, "cannot encode a snapshot");
                        continue;
                    }
                };
                drop(board);
                if let Err(err) = snapshot::write(conn, &incident, seq, &state) {
                    tracing::warn!(%incident, seq, %err, "cannot store a snapshot");
                }
            }
            Job::Forget(incident) => {
                if let Err(err) = snapshot::forget(conn, &incident) {
                    tracing::warn!(%incident, %err, "cannot forget a deleted incident's snapshot");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use warroom_core::{IncidentId, ParticipantId, TextId};

    use crate::clock::Clock;
    use crate::store::sqlite::SqliteStore;
    use crate::store::{Append, Store, Summary};

    /// A snapshot is written after its append is acknowledged, by the encoder thread; a store
    /// that closes writes the ones still queued first, and a load then starts from it; a
    /// deleted incident's row is forgotten.
    #[tokio::test]
    async fn an_appended_snapshot_is_stored_on_close_and_goes_with_its_incident() {
        use std::collections::BTreeSet;
        use warroom_core::{Command, Context, NoteKind, Severity};

        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("t.sqlite3");
        let id = IncidentId::parse("abc").unwrap();
        let actor = ParticipantId::parse("p-ann").unwrap();
        let present = BTreeSet::new();
        let ctx = Context {
            actor: &actor,
            at: Utc::now(),
            present: &present,
        };
        let declare = Command::Declare {
            title: "Checkout errors".into(),
            severity: Severity::Sev2,
            drill: false,
            name: "Ann".into(),
            retrospective: false,
            occurred_at: None,
            precision: None,
        };
        let mut state = None;
        let mut events = warroom_core::execute(&mut state, &declare, &ctx).unwrap();
        for k in 0..5 {
            let note = Command::PostNote {
                kind: NoteKind::Observation,
                text: format!("note {k}"),
                essential: false,
                occurred_at: None,
                precision: None,
            };
            events.extend(warroom_core::execute(&mut state, &note, &ctx).unwrap());
        }
        let board = state.unwrap();
        {
            let store = SqliteStore::open(&db, Clock::system()).unwrap();
            store
                .append(Append {
                    incident: id.clone(),
                    expected: 0,
                    events: events.clone(),
                    commands: Vec::new(),
                    snapshot: Some(board.clone()),
                    summary: Summary::of(&id, &board),
                    script: None,
                    links: Vec::new(),
                })
                .await
                .unwrap();
        }
        let store = SqliteStore::open(&db, Clock::system()).unwrap();
        let loaded = store.load(&id).await.unwrap();
        assert_eq!(loaded.snapshot, Some(board), "the snapshot, stored");
        assert!(loaded.events.is_empty(), "nothing after it");

        // A deleted incident's snapshot goes from the snapshot file too.
        let rows = || {
            rusqlite::Connection::open(super::snapshot::file_of(&db))
                .unwrap()
                .query_row("SELECT count(*) FROM snapshots", [], |r| r.get::<_, i64>(0))
                .unwrap()
        };
        assert_eq!(rows(), 1);
        store.delete(&id).await.unwrap();
        drop(store);
        assert_eq!(rows(), 0, "forgotten with the incident");
    }
}
