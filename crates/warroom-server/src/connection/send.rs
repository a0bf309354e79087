//! The send half of a connection: one task that drains the room's bounded queue for this
//! client, the receive half's replies, heartbeat pings and closes, and writes them to the
//! socket. A large frame is written in fragments; what the room queued meanwhile (up to
//! 64 KiB) is gathered into one socket write (`gather.rs`), each write within a time limit, so
//! a client that stops reading pins at most that, not a whole board, and is dropped; the socket
//! is closed with the code the room or the receive half asks for.
//!
//! It reads nothing from the client and decides nothing: what to send is the room's and the
//! receive half's (which also decides when to ping: it knows when the client was last heard).
//! It has no timer of its own.

use std::time::Duration;

use bytes::Bytes;
use futures_util::SinkExt;
use tokio::sync::mpsc::error::TryRecvError;
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::Frame as WireFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use warroom_core::protocol::close;

use super::Sink;
use super::gather::Switch;
use crate::room::{ConnId, Frame};

/// Frames larger than this are written in fragments of this size. tungstenite keeps its write
/// buffer as large as the largest piece it was given (up to twice that, as a `Vec` grows), for
/// the connection's life: the fragment size is what a connection keeps of the largest frame it
/// ever sent, so it is small. Every idle connection of a busy room has been sent frames of
/// several KiB (the presence list, the snapshot it joined with): at 16 KiB, that buffer was
/// most of an idle connection's cost, and at 4 KiB still about 1 KiB more than now. The
/// fragments of a batch are gathered (`gather.rs`) and reach the socket in one write.
pub const FRAGMENT_BYTES: usize = 3 * 1024;

/// The most bytes of queued frames the send task takes in one go before it flushes: enough
/// to gather a burst into one write ([`super::gather::GATHER_BYTES`]), little enough that a busy room's client gets its first
/// frames without waiting for the whole queue.
const COALESCE_BYTES: usize = super::gather::GATHER_BYTES;

/// How long the frames the room queued before a close may take to go out.
const FLUSH_BEFORE_CLOSE: Duration = Duration::from_secs(2);

/// What the receive half asks the send task to do.
pub(super) enum Control {
    Send(Frame),
    /// A WebSocket ping: the client has been silent for a heartbeat.
    Ping,
    Close(u16, &'static str),
}

/// What the room sends this client: frames, and at most one order to close.
pub(super) struct FromRoom {
    pub(super) frames: mpsc::Receiver<Frame>,
    pub(super) kicked: oneshot::Receiver<(u16, &'static str)>,
}

/// Writes to the client until told to close, the room or the receive half goes away, or the
/// client stops reading.
///
/// Not an `async fn`: its arguments would be moved into the body and so held twice in the
/// task for the connection's whole life; the block uses them where they were captured.
#[expect(
    clippy::manual_async_fn,
    reason = "an async fn holds its arguments twice"
)]
pub(super) fn run(
    conn: ConnId,
    mut sink: Sink,
    gathering: Switch,
    mut from_room: FromRoom,
    mut control: mpsc::Receiver<Box<Control>>,
    write_timeout: Duration,
) -> impl Future<Output = ()> {
    async move {
        let reason = loop {
            let sent = tokio::select! {
                biased;
                kick = &mut from_room.kicked => match kick {
                    Ok((code, why)) => break Some((code, why)),
                    Err(_) => match Box::pin(room_gone(&mut sink, &mut control, write_timeout)).await {
                        Ok(reason) => break reason,
                        Err(()) => false,
                    },
                },
                c = control.recv() => match c.map(|c| *c) {
                    Some(Control::Send(f)) => {
                        Box::pin(send_frame(&mut sink, f, write_timeout)).await
                    }
                    Some(Control::Ping) => {
                        let ping = within(write_timeout, sink.send(Message::Ping(Bytes::new())));
                        Box::pin(ping).await
                    }
                    Some(Control::Close(code, why)) => break Some((code, why)),
                    None => break None,
                },
                f = from_room.frames.recv() => match f {
                    Some(f) => {
                        // Boxed: a batch's writes are brief, and their state would otherwise
                        // be part of this task for the connection's whole life.
                        let queue = &mut from_room.frames;
                        Box::pin(send_queued(&mut sink, &gathering, f, queue, write_timeout)).await
                    }
                    None => match Box::pin(room_gone(&mut sink, &mut control, write_timeout)).await {
                        Ok(reason) => break reason,
                        Err(()) => false,
                    },
                },
            };
            if !sent {
                // Not writable in time (or gone): the client has stopped reading. Dropping the
                // socket frees what it holds; there is no point queueing a close frame behind.
                tracing::info!(conn, "dropping a client that stopped reading");
                return;
            }
        };
        // Boxed, like the batches: the close's state is needed once, at the end.
        Box::pin(close(sink, from_room.frames, reason, write_timeout)).await;
    }
}

/// Ends the connection: with `reason`, what the room queued before it goes first (the `error`
/// of a write that failed, say), briefly — a slow consumer is cut off for not reading it —
/// then the close frame.
async fn close(
    mut sink: Sink,
    mut frames: mpsc::Receiver<Frame>,
    reason: Option<(u16, &'static str)>,
    write_timeout: Duration,
) {
    if let Some((code, why)) = reason {
        if code != close::SLOW_CONSUMER {
            let flush = async {
                while let Ok(f) = frames.try_recv() {
                    if !send_frame(&mut sink, f, write_timeout).await {
                        break;
                    }
                }
            };
            let _ = tokio::time::timeout(FLUSH_BEFORE_CLOSE, flush).await;
        }
        let _ = tokio::time::timeout(write_timeout, sink.send(close_message(code, why))).await;
    }
    let _ = tokio::time::timeout(write_timeout, sink.close()).await;
}

/// The room let this connection go: after the connection's `Leave` (sent as soon as the
/// receive half ends, so that presence does not wait on a close frame to a client that may not
/// read) or because the room itself ended. The receive half's last words go out first, in
/// order, and its close code is the one used; without one, the close of a room that ended
/// (1001: reconnect), or none when the receive half ended without asking for one. `Err` when
/// the client stopped reading meanwhile.
async fn room_gone(
    sink: &mut Sink,
    control: &mut mpsc::Receiver<Box<Control>>,
    write_timeout: Duration,
) -> Result<Option<(u16, &'static str)>, ()> {
    loop {
        match control.try_recv().map(|c| *c) {
            Ok(Control::Send(f)) => {
                if !send_frame(sink, f, write_timeout).await {
                    return Err(());
                }
            }
            Ok(Control::Ping) => {}
            Ok(Control::Close(code, why)) => return Ok(Some((code, why))),
            Err(TryRecvError::Disconnected) => return Ok(None),
            // The room unloaded or failed while the client was still talking. Reconnect.
            Err(TryRecvError::Empty) => {
                return Ok(Some((close::GOING_AWAY, "room closed; reconnect")));
            }
        }
    }
}

/// Writes `first` and whatever else the room has queued by then (up to [`COALESCE_BYTES`]),
/// then flushes once: with the socket gathering, a burst of acknowledgements and events goes
/// out in one socket write rather than one each (or one a fragment), and the client reads it
/// in as few. A lone frame that tungstenite writes whole is one write already, so it is not
/// gathered (nor copied once more).
async fn send_queued(
    sink: &mut Sink,
    gathering: &Switch,
    first: Frame,
    queue: &mut mpsc::Receiver<Frame>,
    limit: Duration,
) -> bool {
    let mut taken = first.len();
    let mut batch = vec![first];
    while taken < COALESCE_BYTES {
        let Ok(frame) = queue.try_recv() else { break };
        taken += frame.len();
        batch.push(frame);
    }
    if batch.len() > 1 || taken > FRAGMENT_BYTES {
        // Each piece has a header of at most 4 bytes below 64 KiB; one piece per fragment.
        let pieces = batch.len() + taken / FRAGMENT_BYTES;
        gathering.gather(taken + 4 * pieces);
    }
    let mut sent = true;
    for frame in batch {
        if !feed_frame(sink, frame, limit).await {
            sent = false;
            break;
        }
    }
    let sent = sent && within(limit, sink.flush()).await;
    gathering.stop();
    sent
}

/// Writes one frame and flushes it. `false` when the client did not take it in time or the
/// socket failed.
async fn send_frame(sink: &mut Sink, frame: Frame, limit: Duration) -> bool {
    feed_frame(sink, frame, limit).await && within(limit, sink.flush()).await
}

/// Whether a write finished without error within `limit`.
async fn within(
    limit: Duration,
    write: impl Future<Output = Result<(), tokio_tungstenite::tungstenite::Error>>,
) -> bool {
    tokio::time::timeout(limit, write)
        .await
        .is_ok_and(|r| r.is_ok())
}

/// Hands one frame to the socket, each write within `limit`; the caller flushes. tungstenite
/// writes each piece to the socket at once (its write buffer is 0: the socket gathers
/// instead): a frame up to [`FRAGMENT_BYTES`] whole, a larger one in fragments of that size,
/// so that tungstenite's buffer never holds more than one fragment.
async fn feed_frame(sink: &mut Sink, frame: Frame, limit: Duration) -> bool {
    if frame.len() <= FRAGMENT_BYTES {
        return within(limit, sink.feed(Message::Text(frame))).await;
    }
    // Fragments share the frame's bytes (no copy); the socket's buffer holds one at a time.
    let bytes = Bytes::from(frame);
    let mut start = 0;
    while start < bytes.len() {
        let end = (start + FRAGMENT_BYTES).min(bytes.len());
        let opcode = if start == 0 {
            OpCode::Data(Data::Text)
        } else {
            OpCode::Data(Data::Continue)
        };
        let fragment = WireFrame::message(bytes.slice(start..end), opcode, end == bytes.len());
        if !within(limit, sink.feed(Message::Frame(fragment))).await {
            return false;
        }
        start = end;
    }
    true
}

/// A close frame with `code` and `reason`.
pub(super) fn close_message(code: u16, reason: &'static str) -> Message {
    Message::Close(Some(CloseFrame {
        code: code.into(),
        reason: reason.into(),
    }))
}
