//! The send half of a connection: one task that drains the room's bounded queue for this
//! client, the receive half's replies and closes, and heartbeat pings, and writes them to the
//! socket. A large frame is written in fragments, each within a time limit, so a client that
//! stops reading pins one fragment, not a whole board, and is dropped; the socket is closed with
//! the code the room or the receive half asks for.
//!
//! It reads nothing from the client and decides nothing: what to send is the room's and the
//! receive half's.

use std::time::Duration;

use bytes::Bytes;
use futures_util::SinkExt;
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::Frame as WireFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use warroom_core::protocol::close;

use super::Sink;
use crate::room::{ConnId, Frame};

/// Frames larger than this are written in fragments of this size.
pub const FRAGMENT_BYTES: usize = 64 * 1024;

/// How long the frames the room queued before a close may take to go out.
const FLUSH_BEFORE_CLOSE: Duration = Duration::from_secs(2);

/// What the receive half asks the send task to do.
pub(super) enum Control {
    Send(Frame),
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
    mut from_room: FromRoom,
    mut control: mpsc::Receiver<Control>,
    heartbeat: Duration,
    write_timeout: Duration,
) -> impl Future<Output = ()> {
    async move {
        let mut ping = tokio::time::interval(heartbeat);
        ping.tick().await;
        let reason = loop {
            let sent = tokio::select! {
                biased;
                kick = &mut from_room.kicked => match kick {
                    Ok((code, why)) => break Some((code, why)),
                    // The room ended without a word: it unloaded or failed. Reconnect.
                    Err(_) => break Some((close::GOING_AWAY, "room closed; reconnect")),
                },
                c = control.recv() => match c {
                    Some(Control::Send(f)) => send_frame(&mut sink, f, write_timeout).await,
                    Some(Control::Close(code, why)) => break Some((code, why)),
                    None => break None,
                },
                f = from_room.frames.recv() => match f {
                    Some(f) => send_frame(&mut sink, f, write_timeout).await,
                    None => break Some((close::GOING_AWAY, "room closed; reconnect")),
                },
                _ = ping.tick() => {
                    tokio::time::timeout(write_timeout, sink.send(Message::Ping(Bytes::new())))
                        .await
                        .is_ok_and(|r| r.is_ok())
                }
            };
            if !sent {
                // Not writable in time (or gone): the client has stopped reading. Dropping the
                // socket frees what it holds; there is no point queueing a close frame behind.
                tracing::info!(conn, "dropping a client that stopped reading");
                return;
            }
        };
        if let Some((code, why)) = reason {
            // What the room queued before telling us to close goes first (the `error` of a write
            // that failed, say), briefly; a slow consumer is cut off for not reading it.
            if code != close::SLOW_CONSUMER {
                let flush = async {
                    while let Ok(f) = from_room.frames.try_recv() {
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
}

/// Writes one frame, in fragments of [`FRAGMENT_BYTES`] when it is larger, each within
/// `limit`. `false` when the client did not take it in time or the socket failed.
async fn send_frame(sink: &mut Sink, frame: Frame, limit: Duration) -> bool {
    if frame.len() <= FRAGMENT_BYTES {
        return tokio::time::timeout(limit, sink.send(Message::Text(frame)))
            .await
            .is_ok_and(|r| r.is_ok());
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
        let written = tokio::time::timeout(limit, sink.send(Message::Frame(fragment))).await;
        if !written.is_ok_and(|r| r.is_ok()) {
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
