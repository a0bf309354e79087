//! One WebSocket connection: hello, then commands in and frames out.
//!
//! The connection speaks for the participant of the session it was opened with
//! ([`Peer::viewer`]); nothing the client sends can change that. After the hello
//! (`hello.rs`, which also has every refusal before a room is joined; `join.rs` joins the room
//! it names) the socket is split into
//! a send task (`send.rs`: the room's bounded queue for this client, replies, heartbeat pings,
//! fragmented writes, the close) and the receive half here, a `Connection`: it reads frames,
//! enforces the size limit and the participant's rate limit (shared by all their connections),
//! decodes messages and forwards commands to the incident's room, answers protocol errors
//! itself, and keeps the heartbeat. It ends on a close, a missed heartbeat, the session's
//! sign-out (4401) or the server's shutdown (1001), and the connection leaves the room's
//! presence at once, before its close frame is written.
//!
//! **The heartbeat.** Any frame from the client — a message, a pong, a ping — is liveness. A
//! connection silent for `heartbeat` is sent a WebSocket ping, and again every `heartbeat`
//! while it stays silent; silent for `heartbeat_timeout` (three heartbeats), it is closed with
//! 4009. A client that pings on its own (the browser app does, every 2.5 s) is never pinged.
//! One timer per connection does it, re-armed only when it fires (at most once a heartbeat),
//! not on every message: it wakes, compares the time with when the client was last heard,
//! and sleeps until the next moment that could matter.
//!
//! Nothing here decides anything about the incident: that is the room's job.

use std::net::IpAddr;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::{SplitSink, SplitStream};
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{broadcast, mpsc};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use warroom_core::protocol::{
    ClientMessage, ErrorCode, MAX_MESSAGE_BYTES, ServerMessage, close, decode_client,
};
use warroom_core::{IncidentId, ParticipantId, Seq};

use crate::auth::Viewer;
use crate::clock::Clock;
pub use crate::config::ConnectionConfig;
use crate::limits::{Admitted, Buckets};
use crate::room::{ConnId, RoomHandle, RoomMsg, frame, history_page};
use crate::rooms::Rooms;
use crate::shutdown::Shutdown;
use crate::store::Store;
use crate::telemetry::{self, CutOff};

mod gather;
mod hello;
mod join;
mod send;

pub use gather::Gather;
use hello::Unreadable;
pub use hello::refuse_admission;
use send::Control;
pub use send::FRAGMENT_BYTES;

static NEXT_CONN: AtomicU64 = AtomicU64::new(1);

/// An upgraded WebSocket, its writes gathered in batches (`gather.rs`).
pub type Socket = WebSocketStream<Gather<TokioIo<Upgraded>>>;
type Sink = SplitSink<Socket, Message>;
type Stream = SplitStream<Socket>;

/// Replies the receive half may queue for the send task before it waits.
const CONTROL_QUEUE: usize = 64;

/// How long the send task may take to write a close frame once the receive half has ended.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

/// Who is on the other end, as the upgrade established it.
pub struct Peer {
    pub viewer: Viewer,
    pub ip: IpAddr,
    /// This connection's place at the admission desk, given back when it ends.
    pub admitted: Admitted,
    /// Sessions that end, for a connection opened with one: when its own does, it closes
    /// with [`close::SIGNED_OUT`].
    pub ended: Option<broadcast::Receiver<String>>,
}

/// Runs one connection to its end.
pub async fn serve(
    socket: Socket,
    mut peer: Peer,
    rooms: Arc<Rooms>,
    rates: Arc<Buckets<ParticipantId>>,
    config: ConnectionConfig,
    shutdown: Shutdown,
) {
    let conn: ConnId = NEXT_CONN.fetch_add(1, Ordering::Relaxed);
    let gathering = socket.get_ref().switch();
    let (mut sink, mut stream) = socket.split();
    let participant = peer.viewer.participant.clone();
    // The hello and the join are boxed: their state lives only until the join, not in this
    // future for the connection's whole life (which is what an idle connection costs).
    let joined = Box::pin(async {
        let hello = hello::handshake(&mut stream, config.hello_timeout).await?;
        peer.admitted.greeted();
        join::join(&rooms, conn, &peer, &hello, config.outbound_queue)
            .await
            .map(|(room, from_room)| (hello.incident, room, from_room))
    })
    .await;
    let (incident, room, from_room) = match joined {
        Ok(joined) => joined,
        Err(refused) => {
            Box::pin(refused.send(&mut sink)).await;
            return;
        }
    };
    tracing::debug!(conn, %incident, %participant, ip = %peer.ip, "connected");

    // Boxed: the channel allocates a block of slots up front, and replies are rare, so a
    // slot is a pointer rather than a whole frame (about 1 KiB less per connection).
    let (control_tx, control) = mpsc::channel::<Box<Control>>(CONTROL_QUEUE);
    let send_task = tokio::spawn(send::run(
        conn,
        sink,
        gathering,
        from_room,
        control,
        config.write_timeout,
    ));
    let clock = rooms.clock();
    let tracker = shutdown.clone();
    let receive = Connection {
        conn,
        incident,
        participant,
        room,
        rooms,
        rates,
        config,
        clock,
        control: control_tx,
        shutdown,
        sign_out: SignOut {
            news: peer.ended.take(),
            session: peer.viewer.session.clone(),
        },
        last_heard: clock.instant(),
    };
    // A task of its own, so that what the upgrade, the hello and the join needed (this
    // future: about 3 KiB) is freed now rather than held for the connection's whole life.
    tracker.spawn(live(receive, stream, send_task, peer.admitted));
}

/// The connection from its join to its end: the receive half here, the send task beside it.
/// The place at the admission desk is given back when both have ended.
#[expect(
    clippy::manual_async_fn,
    reason = "an async fn holds its arguments twice"
)]
fn live(
    receive: Connection,
    stream: Stream,
    mut send_task: JoinHandle<()>,
    admitted: Admitted,
) -> impl Future<Output = ()> {
    async move {
        let (conn, room) = (receive.conn, receive.room.clone());
        let (incident, participant) = (receive.incident.clone(), receive.participant.clone());
        tokio::select! {
            () = receive.run(stream) => {
                // Off the presence at once: the others see this person gone without waiting
                // for a close frame to reach a client that may have stopped reading.
                let _ = room.send(RoomMsg::Leave { conn }).await;
                // The receive half dropped its control sender: let the send task flush the
                // close frame, if any, then stop it.
                let _ = tokio::time::timeout(CLOSE_TIMEOUT, &mut send_task).await;
            }
            _ = &mut send_task => {
                let _ = room.send(RoomMsg::Leave { conn }).await;
            }
        }
        send_task.abort();
        drop(admitted);
        tracing::debug!(conn, %incident, %participant, "disconnected");
    }
}

/// The receive half of a connection, after hello. Each step says whether the connection goes
/// on ([`ControlFlow::Continue`]) or ends (`Break`, having asked the send task to close
/// with the right code when there is one).
struct Connection {
    conn: ConnId,
    incident: IncidentId,
    participant: ParticipantId,
    room: RoomHandle,
    /// For the store (history pages, sign-out checks); the room is `room`.
    rooms: Arc<Rooms>,
    /// The participant's rate bucket, shared with their other connections.
    rates: Arc<Buckets<ParticipantId>>,
    config: ConnectionConfig,
    clock: Clock,
    /// To the send task; dropping it (when this ends) lets the send task finish.
    control: mpsc::Sender<Box<Control>>,
    /// The server's stop signal: close with 1001.
    shutdown: Shutdown,
    sign_out: SignOut,
    /// When the client was last heard from, for the heartbeat timeout.
    last_heard: Instant,
}

impl Connection {
    // Not an `async fn`: its arguments would be moved into the body and so held twice in the
    // future for the connection's whole life; the block uses `self` where it was captured.
    #[expect(clippy::manual_async_fn, reason = "an async fn holds `self` twice")]
    fn run(mut self, mut stream: Stream) -> impl Future<Output = ()> {
        async move {
            let heartbeat = tokio::time::sleep_until(self.last_heard + self.config.heartbeat);
            tokio::pin!(heartbeat);
            loop {
                let message = tokio::select! {
                    m = stream.next() => m,
                    () = self.sign_out.happened(self.rooms.store().as_ref()) => {
                        tracing::info!(conn = self.conn, participant = %self.participant, "session ended; closing");
                        self.close(close::SIGNED_OUT, "signed out").await;
                        return;
                    }
                    () = &mut heartbeat => {
                        if let Some(next) = self.heartbeat() {
                            heartbeat.as_mut().reset(next);
                            continue;
                        }
                        tracing::info!(conn = self.conn, incident = %self.incident, "no heartbeat; closing");
                        telemetry::cut_off(CutOff::Heartbeat);
                        self.close(close::HEARTBEAT_TIMEOUT, "no heartbeat").await;
                        return;
                    }
                    () = self.shutdown.signalled() => {
                        self.close(close::GOING_AWAY, "server shutting down").await;
                        return;
                    }
                };
                // Boxed: handling a message is brief, and its state would otherwise be part of
                // this future for the connection's whole life.
                if Box::pin(self.received(message)).await.is_break() {
                    return;
                }
            }
        }
    }

    /// The heartbeat's timer fired: pings a client silent for a heartbeat, and says when to
    /// look again — or `None` when it has been silent too long.
    fn heartbeat(&self) -> Option<Instant> {
        let now = self.clock.instant();
        let silent = now.saturating_duration_since(self.last_heard);
        let ConnectionConfig {
            heartbeat,
            heartbeat_timeout,
            ..
        } = self.config;
        if silent >= heartbeat_timeout {
            return None;
        }
        if silent < heartbeat {
            // Heard from meanwhile: nothing to send.
            return Some(self.last_heard + heartbeat);
        }
        // A full queue means the send task is busy writing to this client anyway.
        let _ = self.control.try_send(Box::new(Control::Ping));
        Some((now + heartbeat).min(self.last_heard + heartbeat_timeout))
    }

    /// One read from the socket.
    async fn received(&mut self, message: Option<Result<Message, WsError>>) -> ControlFlow<()> {
        let message = match message {
            None | Some(Ok(Message::Close(_))) => return ControlFlow::Break(()),
            Some(Err(err)) => return self.failed(err).await,
            Some(Ok(message)) => message,
        };
        self.last_heard = self.clock.instant();
        match message {
            Message::Text(text) => self.text(text.as_str()).await,
            Message::Binary(_) => {
                self.reply(ServerMessage::Error {
                    code: ErrorCode::Malformed,
                    message: "binary frames are not part of the protocol; send JSON text".into(),
                    command: None,
                })
                .await
            }
            Message::Ping(_) | Message::Pong(_) | Message::Frame(_) | Message::Close(_) => {
                ControlFlow::Continue(())
            }
        }
    }

    /// A read failed: a message too big or not UTF-8 gets its close code; anything else is a
    /// vanished peer.
    async fn failed(&self, err: WsError) -> ControlFlow<()> {
        match Unreadable::of(&err) {
            Some(Unreadable::TooBig) => {
                let too_big = ServerMessage::Error {
                    code: ErrorCode::TooLarge,
                    message: format!("messages are limited to {MAX_MESSAGE_BYTES} bytes"),
                    command: None,
                };
                if self.reply(too_big).await.is_continue() {
                    self.close(close::TOO_BIG, "message too large").await;
                }
            }
            Some(Unreadable::NotUtf8) => {
                self.close(close::INVALID_DATA, "text must be UTF-8").await;
            }
            _ => tracing::debug!(conn = self.conn, %err, "socket error"),
        }
        ControlFlow::Break(())
    }

    /// A text message: rate-limited, decoded, then answered here or sent to the room.
    async fn text(&self, text: &str) -> ControlFlow<()> {
        let decoded = decode_client(text);
        if !self.rates.take(&self.participant, self.clock.instant()) {
            let command = match &decoded {
                Ok(ClientMessage::Submit { id, .. }) => Some(id.clone()),
                _ => None,
            };
            tracing::debug!(conn = self.conn, participant = %self.participant, "rate limited");
            telemetry::message_limited(command.is_some());
            return self
                .reply(ServerMessage::Error {
                    code: ErrorCode::RateLimited,
                    message: format!(
                        "too many messages: at most {} a second from one person, across all \
                         their tabs; this one was not processed, send it again later",
                        self.rates.rate()
                    ),
                    command,
                })
                .await;
        }
        let answer = match decoded {
            Err(err) => ServerMessage::Error {
                code: err.code(),
                message: err.to_string(),
                command: err.command(),
            },
            Ok(ClientMessage::Hello { .. }) => ServerMessage::Error {
                code: ErrorCode::HelloFirst,
                message: "hello comes once, first".into(),
                command: None,
            },
            Ok(ClientMessage::Ping { nonce }) => ServerMessage::Pong { nonce },
            Ok(ClientMessage::Submit { id, command }) => {
                let msg = RoomMsg::Submit {
                    conn: self.conn,
                    participant: self.participant.clone(),
                    id,
                    command,
                };
                if self.room.send(msg).await.is_err() {
                    self.close(close::GOING_AWAY, "room closed; reconnect")
                        .await;
                    return ControlFlow::Break(());
                }
                return ControlFlow::Continue(());
            }
            Ok(ClientMessage::History { before, limit }) => {
                self.history(before, limit);
                return ControlFlow::Continue(());
            }
        };
        self.reply(answer).await
    }

    /// Reads a page of history off the receive loop, so a slow read never stalls commands
    /// (in a task the server waits for at shutdown, like the connection itself).
    fn history(&self, before: Seq, limit: u32) {
        let store = Arc::clone(self.rooms.store());
        let control = self.control.clone();
        let incident = self.incident.clone();
        self.shutdown.spawn(async move {
            let message = history_page(store.as_ref(), &incident, before, limit).await;
            let _ = control.send(Box::new(Control::Send(frame(&message)))).await;
        });
    }

    /// Queues a reply for the send task. When the queue is full this waits, so a client that
    /// sends faster than it reads is slowed down, never answered with silence (every message
    /// gets its reply). A client that stops reading altogether is given up on after the
    /// heartbeat timeout: `Break` then, or when the send task has ended.
    async fn reply(&self, message: ServerMessage) -> ControlFlow<()> {
        let patience = self.config.heartbeat_timeout;
        let queued = tokio::time::timeout(
            patience,
            self.control.send(Box::new(Control::Send(frame(&message)))),
        )
        .await;
        if matches!(queued, Ok(Ok(()))) {
            ControlFlow::Continue(())
        } else {
            ControlFlow::Break(())
        }
    }

    async fn close(&self, code: u16, why: &'static str) {
        let _ = self.control.send(Box::new(Control::Close(code, why))).await;
    }
}

/// The news of ended sessions, for a connection opened with one.
struct SignOut {
    news: Option<broadcast::Receiver<String>>,
    /// The hash of this connection's own session.
    session: Option<String>,
}

impl SignOut {
    /// Resolves when this connection's session ends; never for a connection without one.
    /// Fallen behind the news, it asks the store whether the session still stands.
    async fn happened(&mut self, store: &dyn Store) {
        let (Some(news), Some(own)) = (self.news.as_mut(), self.session.as_deref()) else {
            return std::future::pending().await;
        };
        loop {
            match news.recv().await {
                Ok(hash) if hash == own => return,
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => {
                    if let Ok(None) = store.session(own).await {
                        return;
                    }
                }
                Err(RecvError::Closed) => return std::future::pending().await,
            }
        }
    }
}
