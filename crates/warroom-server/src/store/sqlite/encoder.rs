//! Snapshots off the write path. A room's append that carries a snapshot is committed without
//! it (so its acknowledgement waits for the events alone); the board is then handed to this
//! thread, which encodes it ([`crate::store::snapshot::encode`]) and gives the writer thread a
//! write of the snapshot row of its own. The single writer thread, the one serial part of
//! every room's commits, so never spends its time encoding a long incident's board (or
//! dropping the copy of it).
//!
//! Snapshots are a cache, so this costs nothing that matters when it goes wrong: a snapshot
//! still queued when the process dies, or one dropped because the queue is full, only means a
//! room that loads later replays more of the log. A snapshot row only moves forward (an older
//! board never replaces a newer one) and is only written for an incident whose log reaches it
//! (never for one deleted meanwhile). When the store closes, the queue is encoded and written
//! first.

use std::sync::mpsc as std_mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use tokio::sync::oneshot;
use warroom_core::{Incident, IncidentId};

use super::writer::{WriteJob, WriteOp};
use crate::store::StoreError;
use crate::store::snapshot::encode;

/// The most boards waiting to be encoded; a room's snapshots are at least a thousand events
/// apart, so a full queue means the machine cannot keep up, and a further one is dropped.
const QUEUE: usize = 16;

/// A board to store as its incident's snapshot.
struct Due {
    incident: IncidentId,
    board: Incident,
}

/// The encoder thread and its queue.
pub(super) struct Encoder {
    queue: Handoff,
    thread: Option<JoinHandle<()>>,
}

/// Hands boards to the encoder thread; a clone goes with each append in flight. The queue's
/// one sender is inside, so [`Encoder::stop`] closes it whatever clones are still about.
#[derive(Clone)]
pub(super) struct Handoff(Arc<Mutex<Option<std_mpsc::SyncSender<Due>>>>);

impl Encoder {
    /// Starts the thread; its snapshot writes go to `writer`.
    pub(super) fn start(writer: std_mpsc::Sender<WriteJob>) -> Result<Self, StoreError> {
        let (queue, due) = std_mpsc::sync_channel::<Due>(QUEUE);
        let thread = std::thread::Builder::new()
            .name("warroom-sqlite-snapshots".into())
            .spawn(move || encoder_loop(&due, &writer))
            .map_err(StoreError::Thread)?;
        Ok(Self {
            queue: Handoff(Arc::new(Mutex::new(Some(queue)))),
            thread: Some(thread),
        })
    }

    /// What hands boards to this encoder, for a completion that outlives the borrow.
    pub(super) fn handoff(&self) -> Handoff {
        self.queue.clone()
    }

    /// Encodes and writes what is queued, then ends the thread.
    pub(super) fn stop(&mut self) {
        self.queue.0.lock().expect("snapshot queue poisoned").take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Handoff {
    /// Queues `board`, whose events are committed, to be stored as `incident`'s snapshot.
    pub(super) fn hand(&self, incident: IncidentId, board: Incident) {
        let queue = self.0.lock().expect("snapshot queue poisoned");
        let Some(queue) = queue.as_ref() else { return };
        if let Err(err) = queue.try_send(Due { incident, board }) {
            let incident = match &err {
                std_mpsc::TrySendError::Full(due) | std_mpsc::TrySendError::Disconnected(due) => {
                    &due.incident
                }
            };
            tracing::debug!(%incident, "snapshot queue full or closed; snapshot skipped");
        }
    }
}

impl Drop for Encoder {
    fn drop(&mut self) {
        self.stop();
    }
}

fn encoder_loop(due: &std_mpsc::Receiver<Due>, writer: &std_mpsc::Sender<WriteJob>) {
    while let Ok(Due { incident, board }) = due.recv() {
        let seq = board.seq;
        let state = match encode(&board) {
            Ok(state) => state,
            Err(err) => {
                tracing::warn!(%incident, seq, %err, "cannot encode a snapshot");
                continue;
            }
        };
        drop(board);
        let (done, answer) = oneshot::channel();
        let job = WriteJob {
            op: WriteOp::Snapshot {
                incident: incident.clone(),
                seq,
                state,
            },
            done,
        };
        if writer.send(job).is_err() {
            break;
        }
        // One at a time: the writer commits this one before the next is encoded.
        match answer.blocking_recv() {
            Ok(Ok(_)) => {}
            Ok(Err(err)) => tracing::warn!(%incident, seq, %err, "cannot store a snapshot"),
            Err(_) => break,
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
    /// that closes writes the ones still queued first, and a load then starts from it.
    #[tokio::test]
    async fn the_snapshot_of_an_append_is_stored_once_the_store_closes() {
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
    }
}
