//! One WebSocket connection: hello, then commands in and frames out.
//!
//! The connection speaks for the participant of the session it was opened with
//! ([`Peer::viewer`]); nothing the client sends can change that. The socket is split into a
//! send task and a receive loop. The receive loop reads frames, enforces the size limit and the
//! participant's rate limit (shared by all their connections), decodes messages and forwards
//! commands to the incident's room; it answers protocol errors itself. The send task drains the
//! room's bounded queue for this client, the receive loop's replies, and heartbeat pings; it
//! writes a large frame in fragments, each within a time limit, so a client that stops reading
//! pins one fragment, not a whole board, and is dropped; it closes the socket with the code it
//! is told (slow consumer, going away, too big).
//!
//! Nothing here decides anything about the incident: that is the room's job.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::Frame as WireFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use warroom_core::protocol::{
    ClientMessage, ErrorCode, MAX_MESSAGE_BYTES, PROTOCOL_VERSION, ServerMessage, close,
    decode_client,
};
use warroom_core::{IncidentId, ParticipantId};

use crate::auth::Viewer;
pub use crate::config::ConnectionConfig;
use crate::limits::{Admitted, Buckets, Refusal};
use crate::room::{ConnId, Frame, Joiner, Outbox, RoomHandle, RoomMsg, frame, history_page};
use crate::rooms::{RoomError, Rooms};
use crate::shutdown::Shutdown;

static NEXT_CONN: AtomicU64 = AtomicU64::new(1);

/// An upgraded WebSocket.
pub type Socket = WebSocketStream<TokioIo<Upgraded>>;
type Sink = SplitSink<Socket, Message>;
type Stream = SplitStream<Socket>;

/// Frames larger than this are written in fragments of this size.
pub const FRAGMENT_BYTES: usize = 64 * 1024;

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

/// What the receive loop asks the send task to do.
enum Control {
    Send(Frame),
    Close(u16, &'static str),
}

/// Closes a connection that the admission desk refused, with a code that says so.
pub async fn refuse_admission(socket: Socket, refusal: Refusal) {
    let (mut sink, _stream) = socket.split();
    let reason = match refusal {
        Refusal::Total => "too many connections",
        Refusal::PerIp => "too many connections from your address",
        Refusal::BeforeHello => "too many connections waiting to say hello",
    };
    let _ = tokio::time::timeout(
        Duration::from_secs(2),
        sink.send(close_message(close::TOO_MANY_CONNECTIONS, reason)),
    )
    .await;
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
    let (mut sink, mut stream) = socket.split();
    let participant = peer.viewer.participant.clone();

    // Hello first, within the time limit.
    let hello = tokio::time::timeout(config.hello_timeout, next_text(&mut stream)).await;
    let (incident, last_seq) = match hello {
        Ok(Some(Ok(text))) => match decode_client(&text) {
            Ok(ClientMessage::Hello {
                protocol,
                incident,
                last_seq,
            }) => {
                if protocol != PROTOCOL_VERSION {
                    let message = format!(
                        "this server speaks protocol {PROTOCOL_VERSION}, not {protocol}; reload the page"
                    );
                    refuse(&mut sink, ErrorCode::UnsupportedProtocol, message).await;
                    return;
                }
                (incident, last_seq)
            }
            Ok(_) => {
                refuse(&mut sink, ErrorCode::HelloFirst, "say hello first".into()).await;
                return;
            }
            Err(err) => {
                refuse(&mut sink, err.code(), err.to_string()).await;
                return;
            }
        },
        Ok(Some(Err(Unreadable::TooBig))) => {
            let _ = sink
                .send(close_message(close::TOO_BIG, "message too large"))
                .await;
            return;
        }
        Ok(Some(Err(Unreadable::NotUtf8))) => {
            let _ = sink
                .send(close_message(close::INVALID_DATA, "text must be UTF-8"))
                .await;
            return;
        }
        Ok(Some(Err(Unreadable::Binary))) => {
            refuse(
                &mut sink,
                ErrorCode::Malformed,
                "binary frames are not part of the protocol; send JSON text".into(),
            )
            .await;
            return;
        }
        Ok(None) => return,
        Err(_) => {
            refuse(&mut sink, ErrorCode::HelloFirst, "no hello in time".into()).await;
            return;
        }
    };
    peer.admitted.greeted();

    let room = match rooms.get(&incident).await {
        Ok(room) => room,
        Err(RoomError::UnknownIncident(id)) => {
            refuse(
                &mut sink,
                ErrorCode::UnknownIncident,
                format!("there is no incident {id}"),
            )
            .await;
            return;
        }
        Err(err) => {
            tracing::warn!(%incident, %err, "cannot open room");
            let _ = sink
                .send(close_message(close::GOING_AWAY, "try again"))
                .await;
            return;
        }
    };
    let (frames_tx, mut frames) = mpsc::channel::<Frame>(config.outbound_queue);
    let (kick_tx, mut kicked) = oneshot::channel();
    let joiner = Joiner {
        conn,
        participant: participant.clone(),
        name: peer.viewer.name.clone(),
        last_seq,
        observing: peer
            .viewer
            .observing
            .as_ref()
            .filter(|(watched, _)| *watched == incident)
            .map(|(_, link)| *link),
        observer_only: peer.viewer.observer_only,
    };
    let outbox = Outbox {
        frames: frames_tx,
        kick: kick_tx,
    };
    let join = RoomMsg::Join { joiner, outbox };
    if room.send(join).await.is_err() {
        let _ = sink
            .send(close_message(close::GOING_AWAY, "try again"))
            .await;
        return;
    }
    tracing::debug!(conn, %incident, %participant, ip = %peer.ip, "connected");

    let (control_tx, mut control) = mpsc::channel::<Control>(64);
    let heartbeat = config.heartbeat;
    let write_timeout = config.write_timeout;
    let mut send_task = tokio::spawn(async move {
        let mut ping = tokio::time::interval(heartbeat);
        ping.tick().await;
        let reason = loop {
            let sent = tokio::select! {
                biased;
                kick = &mut kicked => match kick {
                    Ok((code, why)) => break Some((code, why)),
                    // The room ended without a word: it unloaded or failed. Reconnect.
                    Err(_) => break Some((close::GOING_AWAY, "room closed; reconnect")),
                },
                c = control.recv() => match c {
                    Some(Control::Send(f)) => send_frame(&mut sink, f, write_timeout).await,
                    Some(Control::Close(code, why)) => break Some((code, why)),
                    None => break None,
                },
                f = frames.recv() => match f {
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
            // What the room queued before telling us to close goes first (the `error` of a
            // write that failed, say), briefly; a slow consumer is cut off for not reading it.
            if code != close::SLOW_CONSUMER {
                let flush = async {
                    while let Ok(f) = frames.try_recv() {
                        if !send_frame(&mut sink, f, write_timeout).await {
                            break;
                        }
                    }
                };
                let _ = tokio::time::timeout(Duration::from_secs(2), flush).await;
            }
            let _ = tokio::time::timeout(write_timeout, sink.send(close_message(code, why))).await;
        }
        let _ = tokio::time::timeout(write_timeout, sink.close()).await;
    });

    let receive = Receiver {
        conn,
        room: &room,
        rooms: &rooms,
        rates: &rates,
        incident: &incident,
        participant: &participant,
        config: &config,
        control: &control_tx,
    }
    .run(
        &mut stream,
        &shutdown,
        peer.ended.take(),
        peer.viewer.session.clone(),
    );
    tokio::select! {
        () = receive => {
            // Let the send task flush the close frame, if any, then stop it.
            drop(control_tx);
            let _ = tokio::time::timeout(Duration::from_secs(2), &mut send_task).await;
        }
        _ = &mut send_task => {}
    }
    send_task.abort();
    let _ = room.send(RoomMsg::Leave { conn }).await;
    tracing::debug!(conn, %incident, %participant, "disconnected");
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

/// The receive half of a connection, after hello.
struct Receiver<'a> {
    conn: ConnId,
    room: &'a RoomHandle,
    rooms: &'a Arc<Rooms>,
    rates: &'a Buckets<ParticipantId>,
    incident: &'a IncidentId,
    participant: &'a ParticipantId,
    config: &'a ConnectionConfig,
    control: &'a mpsc::Sender<Control>,
}

/// Whether the receive loop goes on.
enum Flow {
    Continue,
    Stop,
}

impl Receiver<'_> {
    async fn run(
        self,
        stream: &mut Stream,
        shutdown: &Shutdown,
        mut ended: Option<broadcast::Receiver<String>>,
        session: Option<String>,
    ) {
        let clock = self.rooms.clock();
        let mut last_heard = clock.instant();
        loop {
            let deadline = last_heard + self.config.heartbeat_timeout;
            let message = tokio::select! {
                m = stream.next() => m,
                () = self.signed_out(&mut ended, session.as_deref()) => {
                    tracing::info!(conn = self.conn, participant = %self.participant, "session ended; closing");
                    self.close(close::SIGNED_OUT, "signed out").await;
                    return;
                }
                () = tokio::time::sleep_until(deadline) => {
                    tracing::info!(conn = self.conn, incident = %self.incident, "no heartbeat; closing");
                    self.close(close::HEARTBEAT_TIMEOUT, "no heartbeat").await;
                    return;
                }
                () = shutdown.signalled() => {
                    self.close(close::GOING_AWAY, "server shutting down").await;
                    return;
                }
            };
            let flow = match message {
                None | Some(Ok(Message::Close(_))) => Flow::Stop,
                Some(Err(err)) => self.failed(err).await,
                Some(Ok(Message::Text(text))) => {
                    last_heard = clock.instant();
                    self.text(text.as_str()).await
                }
                Some(Ok(Message::Binary(_))) => {
                    last_heard = clock.instant();
                    self.reply(ServerMessage::Error {
                        code: ErrorCode::Malformed,
                        message: "binary frames are not part of the protocol; send JSON text"
                            .into(),
                        command: None,
                    })
                    .await
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {
                    last_heard = clock.instant();
                    Flow::Continue
                }
            };
            if let Flow::Stop = flow {
                return;
            }
        }
    }

    /// Resolves when the session `own` ends; never for a connection without one. Fallen
    /// behind the news, it asks the store whether the session still stands.
    async fn signed_out(&self, ended: &mut Option<broadcast::Receiver<String>>, own: Option<&str>) {
        let (Some(news), Some(own)) = (ended.as_mut(), own) else {
            return std::future::pending().await;
        };
        loop {
            match news.recv().await {
                Ok(hash) if hash == own => return,
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => {
                    if let Ok(None) = self.rooms.store().session(own).await {
                        return;
                    }
                }
                Err(RecvError::Closed) => return std::future::pending().await,
            }
        }
    }

    /// A read failed: a message too big or not UTF-8 gets its close code; anything else is a
    /// vanished peer.
    async fn failed(&self, err: WsError) -> Flow {
        match unreadable(&err) {
            Some(Unreadable::TooBig) => {
                let too_big = ServerMessage::Error {
                    code: ErrorCode::TooLarge,
                    message: format!("messages are limited to {MAX_MESSAGE_BYTES} bytes"),
                    command: None,
                };
                if let Flow::Continue = self.reply(too_big).await {
                    self.close(close::TOO_BIG, "message too large").await;
                }
            }
            Some(Unreadable::NotUtf8) => {
                self.close(close::INVALID_DATA, "text must be UTF-8").await;
            }
            _ => tracing::debug!(conn = self.conn, %err, "socket error"),
        }
        Flow::Stop
    }

    async fn text(&self, text: &str) -> Flow {
        let decoded = decode_client(text);
        if !self
            .rates
            .take(self.participant, self.rooms.clock().instant())
        {
            let command = match &decoded {
                Ok(ClientMessage::Submit { id, .. }) => Some(id.clone()),
                _ => None,
            };
            tracing::debug!(conn = self.conn, participant = %self.participant, "rate limited");
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
                command: None,
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
                    return Flow::Stop;
                }
                return Flow::Continue;
            }
            Ok(ClientMessage::History { before, limit }) => {
                self.history(before, limit);
                return Flow::Continue;
            }
        };
        self.reply(answer).await
    }

    /// Reads a page of history off the receive loop, so a slow read never stalls commands.
    fn history(&self, before: warroom_core::Seq, limit: u32) {
        let store = Arc::clone(self.rooms.store());
        let control = self.control.clone();
        let incident = self.incident.clone();
        tokio::spawn(async move {
            let message = history_page(store.as_ref(), &incident, before, limit).await;
            let _ = control.send(Control::Send(frame(&message))).await;
        });
    }

    async fn reply(&self, message: ServerMessage) -> Flow {
        if reply(self.control, self.config.heartbeat_timeout, message).await {
            Flow::Continue
        } else {
            Flow::Stop
        }
    }

    async fn close(&self, code: u16, why: &'static str) {
        let _ = self.control.send(Control::Close(code, why)).await;
    }
}

/// Queues a reply for the send task. When the queue is full this waits, so a client that sends
/// faster than it reads is slowed down, never answered with silence (every message gets its
/// reply). A client that stops reading altogether is given up on after `patience`: `false`
/// then, or when the send task has ended, and the connection closes.
async fn reply(
    control: &mpsc::Sender<Control>,
    patience: Duration,
    message: ServerMessage,
) -> bool {
    let queued = tokio::time::timeout(patience, control.send(Control::Send(frame(&message)))).await;
    matches!(queued, Ok(Ok(())))
}

/// Why a frame could not be taken as a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unreadable {
    TooBig,
    NotUtf8,
    Binary,
}

/// Reads the next text frame (pings and pongs are skipped).
async fn next_text(stream: &mut Stream) -> Option<Result<String, Unreadable>> {
    loop {
        match stream.next().await? {
            Ok(Message::Text(text)) => return Some(Ok(text.to_string())),
            Ok(Message::Binary(_)) => return Some(Err(Unreadable::Binary)),
            Ok(Message::Close(_)) => return None,
            Ok(_) => continue,
            Err(err) => return unreadable(&err).map(Err),
        }
    }
}

fn unreadable(err: &WsError) -> Option<Unreadable> {
    match err {
        WsError::Capacity(_) => Some(Unreadable::TooBig),
        WsError::Utf8(_) => Some(Unreadable::NotUtf8),
        _ => None,
    }
}

async fn refuse(sink: &mut Sink, code: ErrorCode, message: String) {
    let closing = match code {
        ErrorCode::UnknownIncident | ErrorCode::UnsupportedProtocol => close::REFUSED,
        _ => close::POLICY,
    };
    let refusal = async {
        sink.send(Message::Text(frame(&ServerMessage::Error {
            code,
            message,
            command: None,
        })))
        .await?;
        sink.send(close_message(closing, "refused")).await
    };
    let _ = tokio::time::timeout(Duration::from_secs(5), refusal).await;
}

fn close_message(code: u16, reason: &'static str) -> Message {
    Message::Close(Some(CloseFrame {
        code: code.into(),
        reason: reason.into(),
    }))
}
