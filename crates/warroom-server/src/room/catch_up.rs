//! Catch-up: what a client that joins gets before the live stream, and the older history it
//! pages in later. A client close behind gets the events it lacks from the recent events the
//! room keeps in memory, in a few small `events` frames; one too far behind (or ahead, from
//! another life of the log) gets a `snapshot` frame of the board, reused by every joiner while
//! the recent events can bridge the gap from it; a `history` request reads a page of older
//! events from the store.
//!
//! The frames are serialised by hand around serde's encoding of the board and the events
//! (each encoded once), and tested to equal what serde makes of the message. What to send is
//! decided here; sending it (and cutting off a slow reader) is `subscribers.rs`'s, and when a
//! snapshot is *written to the store* is `batch.rs`'s.

use std::collections::VecDeque;
use std::sync::Arc;

use warroom_core::protocol::{self, ErrorCode, ServerMessage};
use warroom_core::{Incident, IncidentId, Recorded, Seq};

use super::Frame;
use crate::store::{Store, StoreError};

/// The most events one `history` page holds, whatever the client asks for.
pub const HISTORY_PAGE_MAX: u32 = 1_000;

/// Which events fill the recent window of a log loaded at `head`: the `count` after `from`,
/// and never one beyond `head`. With other replicas on the log, it may have grown since the
/// load: events past the board's head in the window would be sent again when the room catches
/// up with them (a client would get some twice).
fn recent_range(head: Seq, keep: usize) -> (Seq, u32) {
    let from = head.saturating_sub(keep as Seq);
    let count = u32::try_from(head - from).unwrap_or(u32::MAX);
    (from, count)
}

/// The recent events and the cached snapshot frame of one room.
pub(super) struct CatchUp {
    /// The last events, for catching up clients that were away briefly.
    recent: VecDeque<Recorded>,
    /// How many recent events are kept.
    keep: usize,
    /// The board as a `snapshot` frame, for clients too far behind; rebuilt when stale.
    snapshot_frame: Option<(Seq, Frame)>,
}

impl CatchUp {
    /// The recent events of a log just loaded (`head` is its last sequence), reading further
    /// back than the snapshot if the events after it are fewer than `keep`.
    pub(super) async fn load(
        store: &Arc<dyn Store>,
        id: &IncidentId,
        loaded_events: Vec<Recorded>,
        snapshot_seq: Seq,
        head: Seq,
        keep: usize,
    ) -> Result<Self, StoreError> {
        let (want_from, count) = recent_range(head, keep);
        let mut recent: VecDeque<Recorded> = if want_from < snapshot_seq {
            store.events_after(id, want_from, count).await?.into()
        } else {
            loaded_events.into()
        };
        while recent.len() > keep {
            recent.pop_front();
        }
        Ok(Self {
            recent,
            keep,
            snapshot_frame: None,
        })
    }

    /// Keeps `events`, just appended, among the recent ones.
    pub(super) fn record(&mut self, events: &[Recorded]) {
        self.recent.extend(events.iter().cloned());
        while self.recent.len() > self.keep {
            self.recent.pop_front();
        }
    }

    /// What a subscriber holding `last_seq` lacks of `board`: recent events if it is close
    /// behind, else a snapshot frame of the board and the recent events after it.
    pub(super) fn frames(&mut self, last_seq: Seq, board: Option<&Incident>) -> Vec<Frame> {
        let head = board.map_or(0, |b| b.seq);
        if last_seq == head {
            return Vec::new();
        }
        let oldest_recent = self.recent.front().map_or(head + 1, |r| r.seq);
        if last_seq < head && last_seq + 1 >= oldest_recent {
            return catch_up_frames(self.recent.iter().filter(|r| r.seq > last_seq));
        }
        // Too far behind, or ahead of us (a client from another life of this log): resync with
        // the latest snapshot frame, followed by the recent events after it. Reusing the frame
        // while the recent buffer bridges the gap means a crowd of joiners shares one frame —
        // each newcomer's own arrival moves the head, and a frame per head would make every
        // joiner that reads slowly hold a copy of the whole board.
        let reusable = |seq: Seq| seq == head || (seq + 1 >= oldest_recent && seq < head);
        let (seq, snapshot) = match &self.snapshot_frame {
            Some((seq, frame)) if reusable(*seq) => (*seq, frame.clone()),
            _ => {
                let Some(board) = board else {
                    return Vec::new();
                };
                let frame = snapshot_frame(board, &self.recent);
                self.snapshot_frame = Some((head, frame.clone()));
                (head, frame)
            }
        };
        let mut frames = vec![snapshot];
        frames.extend(catch_up_frames(self.recent.iter().filter(|r| r.seq > seq)));
        frames
    }
}

/// The answer to a `history` request: up to `limit` (at most [`HISTORY_PAGE_MAX`]) events
/// before `before`, read from the store.
pub async fn history_page(
    store: &dyn Store,
    incident: &IncidentId,
    before: Seq,
    limit: u32,
) -> ServerMessage {
    let limit = limit.clamp(1, HISTORY_PAGE_MAX);
    match store.events_before(incident, before, limit).await {
        Ok(events) => ServerMessage::History { events, before },
        Err(err) => {
            tracing::warn!(%incident, %err, "history read failed");
            ServerMessage::Error {
                code: ErrorCode::Internal,
                message: "could not read the history; try again".into(),
                command: None,
            }
        }
    }
}

/// The `snapshot` frame of `board`: its whole state without the notes archive, and the newest
/// page of its log from `recent` (see `warroom_core::protocol::partial`), so that its size does
/// not grow with the log. Serialised from the board in place: a long incident's board is
/// large, and cloning it into a `ServerMessage` first doubled the work of a join.
fn snapshot_frame(board: &Incident, recent: &VecDeque<Recorded>) -> Frame {
    let seq = board.seq;
    let wanted = protocol::timeline_from(seq);
    let page: Vec<&Recorded> = recent
        .iter()
        .filter(|r| r.seq >= wanted && r.seq <= seq)
        .collect();
    // The page starts where the recent events do, if they reach back less far (a room that
    // keeps fewer); the notes the frame keeps follow it.
    let from = page.first().map_or(seq + 1, |r| r.seq);
    let mut json = format!(r#"{{"type":"snapshot","seq":{seq},"timeline_from":{from},"state":"#);
    let mut bytes = std::mem::take(&mut json).into_bytes();
    serde_json::to_writer(&mut bytes, &protocol::PartialBoardWire(board, from))
        .expect("a board always serialises");
    bytes.extend_from_slice(br#","timeline":"#);
    serde_json::to_writer(&mut bytes, &page).expect("events always serialise");
    bytes.push(b'}');
    Frame::from(String::from_utf8(bytes).expect("serde_json writes UTF-8"))
}

/// The most events in one catch-up frame.
const CATCH_UP_EVENTS: usize = 500;

/// The bytes of events a catch-up frame aims at. A connection's WebSocket keeps a write
/// buffer as large as the largest frame it has sent, for as long as it stays open: one frame
/// holding a room's whole recent history would pin tens of KiB on every idle connection.
const CATCH_UP_BYTES: usize = 8 * 1024;

/// The most frames a catch-up is split into for size alone: never more than the event limit
/// alone would make of the recent events kept (2,000 / 500), so that a catch-up takes no more
/// room in a subscriber's bounded queue than it always did.
const CATCH_UP_FRAMES: usize = 4;

/// `events` as `events` frames of at most [`CATCH_UP_EVENTS`] events each, split further
/// (up to [`CATCH_UP_FRAMES`] frames) towards [`CATCH_UP_BYTES`] a frame; every event is
/// serialised once.
fn catch_up_frames<'a>(events: impl IntoIterator<Item = &'a Recorded>) -> Vec<Frame> {
    let encoded: Vec<String> = events
        .into_iter()
        .map(|r| serde_json::to_string(r).expect("events always serialise"))
        .collect();
    if encoded.is_empty() {
        return Vec::new();
    }
    let bytes: usize = encoded.iter().map(String::len).sum();
    let frames = encoded
        .len()
        .div_ceil(CATCH_UP_EVENTS)
        .max(bytes.div_ceil(CATCH_UP_BYTES).min(CATCH_UP_FRAMES));
    encoded
        .chunks(encoded.len().div_ceil(frames))
        // The frame `ServerMessage::Events` encodes to, around the events already encoded.
        .map(|chunk| {
            Frame::from(format!(
                r#"{{"type":"events","events":[{}]}}"#,
                chunk.join(",")
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use warroom_core::{Command, Context, Event, NoteId, NoteKind, ParticipantId, TextId, execute};

    use super::*;
    use crate::room::frame;

    fn note(seq: Seq, text: &str) -> Recorded {
        Recorded {
            seq,
            at: chrono::Utc::now(),
            actor: ParticipantId::parse("p-alice").unwrap(),
            event: Event::NotePosted {
                note: NoteId(seq as u32),
                kind: NoteKind::Observation,
                text: text.into(),
                held: false,
            },
            occurred_at: None,
            precision: None,
            imported: false,
        }
    }

    #[test]
    fn the_recent_window_of_a_loaded_log_ends_at_its_head() {
        // A short log: everything up to the head, not the `keep` events another replica's
        // appends since the load would make of it.
        assert_eq!(recent_range(1_285, 2_000), (0, 1_285));
        assert_eq!(recent_range(0, 2_000), (0, 0));
        assert_eq!(recent_range(5_000, 2_000), (3_000, 2_000));
        assert_eq!(recent_range(2_000, 2_000), (0, 2_000));
    }

    fn decoded(frames: &[Frame]) -> Vec<Vec<Recorded>> {
        frames
            .iter()
            .map(|f| match serde_json::from_str(f.as_str()).unwrap() {
                ServerMessage::Events { events } => events,
                other => panic!("not an events frame: {other:?}"),
            })
            .collect()
    }

    #[test]
    fn catch_up_frames_are_events_messages_in_order() {
        let events: Vec<Recorded> = (1..=3).map(|s| note(s, "short")).collect();
        let frames = catch_up_frames(&events);
        let whole = frame(&ServerMessage::Events {
            events: events.clone(),
        });
        assert_eq!(
            frames,
            vec![whole],
            "a small catch-up is one ordinary frame"
        );
        assert_eq!(catch_up_frames(&[]), Vec::<Frame>::new());
    }

    #[test]
    fn a_snapshot_frame_is_the_snapshot_message_without_the_notes_archive() {
        let mut board = None;
        let alice = ParticipantId::parse("p-alice").unwrap();
        let present = BTreeSet::new();
        let ctx = Context {
            actor: &alice,
            at: chrono::Utc::now(),
            present: &present,
        };
        let declare = Command::Declare {
            title: "Checkout is down".into(),
            severity: warroom_core::Severity::Sev2,
            drill: false,
            name: "Alice".into(),
            retrospective: false,
            occurred_at: None,
            precision: None,
        };
        let mut log = execute(&mut board, &declare, &ctx).unwrap();
        for k in 0..300 {
            let post = Command::PostNote {
                kind: NoteKind::Observation,
                text: format!("note {k}"),
                essential: false,
                occurred_at: None,
                precision: None,
            };
            log.extend(execute(&mut board, &post, &ctx).unwrap());
        }
        let pin = Command::PinNote {
            note: NoteId(3),
            pinned: true,
        };
        log.extend(execute(&mut board, &pin, &ctx).unwrap());
        let board = board.unwrap();
        let recent: VecDeque<Recorded> = log.iter().cloned().collect();
        let from = protocol::timeline_from(board.seq);
        assert!(from > 1, "the log is longer than a page");
        let message = ServerMessage::Snapshot {
            seq: board.seq,
            timeline_from: from,
            state: Box::new(protocol::partial(&board, from)),
            timeline: log[from as usize - 1..].to_vec(),
        };
        let sent = snapshot_frame(&board, &recent);
        assert_eq!(sent, frame(&message));
        let ServerMessage::Snapshot {
            state, timeline, ..
        } = serde_json::from_str(sent.as_str()).unwrap()
        else {
            panic!("not a snapshot");
        };
        assert_eq!(timeline.len() as u64, protocol::TIMELINE_PAGE);
        // The page's notes and the pinned one, not the archive.
        assert!(state.notes.contains_key(&NoteId(3)));
        assert!(!state.notes.contains_key(&NoteId(4)));
        assert!(state.notes.contains_key(&NoteId(300)));
        assert!(state.notes.len() < 201);
        // Recent events that do not reach back a page: the timeline starts where they do.
        let short: VecDeque<Recorded> = log[log.len() - 5..].iter().cloned().collect();
        let sent = snapshot_frame(&board, &short);
        let Ok(ServerMessage::Snapshot {
            timeline_from,
            timeline,
            ..
        }) = serde_json::from_str(sent.as_str())
        else {
            panic!("not a snapshot");
        };
        assert_eq!((timeline_from, timeline.len()), (board.seq - 4, 5));
    }

    #[test]
    fn catch_up_frames_stay_small_and_lose_nothing() {
        let check = |events: &[Recorded], expected_frames: usize| {
            let frames = catch_up_frames(events);
            let chunks = decoded(&frames);
            assert_eq!(chunks.concat(), events, "every event, once, in order");
            assert_eq!(frames.len(), expected_frames);
            assert!(chunks.iter().all(|c| c.len() <= CATCH_UP_EVENTS));
        };
        // About 130 bytes an event: 100 of them make two frames of about 6.5 KiB.
        let small: Vec<Recorded> = (1..=100).map(|s| note(s, "a note")).collect();
        check(&small, 2);
        // However big, a catch-up of the 2,000 recent events is at most four frames.
        let long = "x".repeat(CATCH_UP_BYTES);
        let big: Vec<Recorded> = (1..=2_000).map(|s| note(s, &long)).collect();
        check(&big, CATCH_UP_FRAMES);
        check(&big[..10], CATCH_UP_FRAMES);
        check(&big[..1], 1);
        // Past 500 events, the event limit decides.
        let many: Vec<Recorded> = (1..=2_400).map(|s| note(s, "a")).collect();
        check(&many, 5);
    }
}
