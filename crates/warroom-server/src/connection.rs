//! One WebSocket connection: hello, then commands in and frames out.
//!
//! The socket is split into a send task and a receive loop. The receive loop reads frames,
//! enforces the size limit and the rate limit, decodes messages and forwards commands to the
//! incident's room; it answers protocol errors itself. The send task drains the room's
//! bounded queue for this client, the receive loop's replies, and heartbeat pings; it closes
//! the socket with the code it is told (slow consumer, going away, too big).
//!
//! Nothing here decides anything about the incident: that is the room's job.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;
use warroom_core::protocol::{
    ClientMessage, ErrorCode, MAX_MESSAGE_BYTES, PROTOCOL_VERSION, ServerMessage, close,
    decode_client,
};
use warroom_core::{IncidentId, ParticipantId};

use crate::room::{ConnId, Frame, Outbox, RoomHandle, RoomMsg, frame};
use crate::rooms::{RoomError, Rooms};

static NEXT_CONN: AtomicU64 = AtomicU64::new(1);

/// How a connection is tuned.
#[derive(Debug, Clone)]
pub struct ConnectionConfig {
    /// Sustained messages per second a client may send.
    pub rate_per_sec: f64,
    /// How many messages a client may send in a burst above the sustained rate.
    pub rate_burst: f64,
    /// Frames that may wait for a client before it is cut off as a slow consumer.
    pub outbound_queue: usize,
    /// How often the server pings.
    pub heartbeat: Duration,
    /// Silence after which a connection is considered dead; also how long a reply may wait
    /// for a client that does not read.
    pub heartbeat_timeout: Duration,
    /// How long a new connection may take to say hello.
    pub hello_timeout: Duration,
}

impl Default for ConnectionConfig {
    fn default() -> Self {
        Self {
            rate_per_sec: 50.0,
            rate_burst: 200.0,
            outbound_queue: 1_024,
            heartbeat: Duration::from_secs(15),
            heartbeat_timeout: Duration::from_secs(45),
            hello_timeout: Duration::from_secs(10),
        }
    }
}

/// What the receive loop asks the send task to do.
enum Control {
    Send(Frame),
    Close(u16, &'static str),
}

/// Runs one connection to its end.
pub async fn serve(
    socket: WebSocket,
    rooms: Arc<Rooms>,
    config: ConnectionConfig,
    mut shutdown: watch::Receiver<bool>,
) {
    let conn: ConnId = NEXT_CONN.fetch_add(1, Ordering::Relaxed);
    let (mut sink, mut stream) = socket.split();

    // Hello first, within the time limit.
    let hello = tokio::time::timeout(config.hello_timeout, next_text(&mut stream)).await;
    let (incident, participant, name, last_seq) = match hello {
        Ok(Some(Ok(text))) => match decode_client(&text) {
            Ok(ClientMessage::Hello {
                protocol,
                incident,
                participant,
                name,
                last_seq,
            }) => {
                if protocol != PROTOCOL_VERSION {
                    let message = format!(
                        "this server speaks protocol {PROTOCOL_VERSION}, not {protocol}; reload the page"
                    );
                    refuse(&mut sink, ErrorCode::UnsupportedProtocol, message).await;
                    return;
                }
                // Checked here, not only when the room records the join: a name the rules
                // refuse would leave the person present but unable to do anything.
                if let Err(rejection) = warroom_core::display_name(&name) {
                    refuse(&mut sink, ErrorCode::Malformed, rejection.message).await;
                    return;
                }
                (incident, participant, name, last_seq)
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
        Ok(Some(Err(code))) => {
            let _ = sink.send(close_message(code, "message too large")).await;
            return;
        }
        Ok(None) => return,
        Err(_) => {
            refuse(&mut sink, ErrorCode::HelloFirst, "no hello in time".into()).await;
            return;
        }
    };

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
    let join = RoomMsg::Join {
        conn,
        participant: participant.clone(),
        name,
        last_seq,
        outbox: Outbox {
            frames: frames_tx,
            kick: kick_tx,
        },
    };
    if room.send(join).await.is_err() {
        let _ = sink
            .send(close_message(close::GOING_AWAY, "try again"))
            .await;
        return;
    }
    tracing::debug!(conn, %incident, %participant, "connected");

    let (control_tx, mut control) = mpsc::channel::<Control>(64);
    let heartbeat = config.heartbeat;
    let mut send_task = tokio::spawn(async move {
        let mut ping = tokio::time::interval(heartbeat);
        ping.tick().await;
        let reason = loop {
            tokio::select! {
                biased;
                kick = &mut kicked => match kick {
                    Ok((code, why)) => break Some((code, why)),
                    // The room ended without a word: it unloaded or failed. Reconnect.
                    Err(_) => break Some((close::GOING_AWAY, "room closed; reconnect")),
                },
                c = control.recv() => match c {
                    Some(Control::Send(f)) => if sink.send(Message::Text(f)).await.is_err() { break None },
                    Some(Control::Close(code, why)) => break Some((code, why)),
                    None => break None,
                },
                f = frames.recv() => match f {
                    Some(f) => if sink.send(Message::Text(f)).await.is_err() { break None },
                    None => break Some((close::GOING_AWAY, "room closed; reconnect")),
                },
                _ = ping.tick() => if sink.send(Message::Ping(Default::default())).await.is_err() { break None },
            }
        };
        if let Some((code, why)) = reason {
            let _ = sink.send(close_message(code, why)).await;
        }
        let _ = sink.close().await;
    });

    let receive = receive_loop(
        conn,
        &mut stream,
        &room,
        &rooms,
        &incident,
        &participant,
        &config,
        &control_tx,
        &mut shutdown,
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

#[allow(clippy::too_many_arguments)]
async fn receive_loop(
    conn: ConnId,
    stream: &mut futures_util::stream::SplitStream<WebSocket>,
    room: &RoomHandle,
    rooms: &Arc<Rooms>,
    incident: &IncidentId,
    participant: &ParticipantId,
    config: &ConnectionConfig,
    control: &mpsc::Sender<Control>,
    shutdown: &mut watch::Receiver<bool>,
) {
    let mut bucket = TokenBucket::new(config.rate_per_sec, config.rate_burst);
    let mut last_heard = Instant::now();
    let patience = config.heartbeat_timeout;
    loop {
        let deadline = last_heard + config.heartbeat_timeout;
        let message = tokio::select! {
            m = stream.next() => m,
            () = tokio::time::sleep_until(deadline) => {
                tracing::info!(conn, %incident, "no heartbeat; closing");
                let _ = control.send(Control::Close(close::HEARTBEAT_TIMEOUT, "no heartbeat")).await;
                return;
            }
            _ = shutdown.changed() => {
                let _ = control.send(Control::Close(close::GOING_AWAY, "server shutting down")).await;
                return;
            }
        };
        let text = match message {
            None => return,
            Some(Err(err)) => {
                if is_too_big(&err) {
                    let too_big = ServerMessage::Error {
                        code: ErrorCode::TooLarge,
                        message: format!("messages are limited to {MAX_MESSAGE_BYTES} bytes"),
                        command: None,
                    };
                    if !reply(control, patience, too_big).await {
                        return;
                    }
                    let _ = control
                        .send(Control::Close(close::TOO_BIG, "message too large"))
                        .await;
                } else {
                    tracing::debug!(conn, %err, "socket error");
                }
                return;
            }
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(Message::Binary(_))) => {
                last_heard = Instant::now();
                let binary = ServerMessage::Error {
                    code: ErrorCode::Malformed,
                    message: "binary frames are not part of the protocol; send JSON text".into(),
                    command: None,
                };
                if !reply(control, patience, binary).await {
                    return;
                }
                continue;
            }
            Some(Ok(Message::Close(_))) => return,
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {
                last_heard = Instant::now();
                continue;
            }
        };
        last_heard = Instant::now();
        let decoded = decode_client(&text);
        if !bucket.take(Instant::now()) {
            let command = match &decoded {
                Ok(ClientMessage::Submit { id, .. }) => Some(id.clone()),
                _ => None,
            };
            let limited = ServerMessage::Error {
                code: ErrorCode::RateLimited,
                message: format!(
                    "too many messages: at most {} a second; this one was not processed, send it again later",
                    config.rate_per_sec
                ),
                command,
            };
            if !reply(control, patience, limited).await {
                return;
            }
            continue;
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
                    conn,
                    participant: participant.clone(),
                    id,
                    command,
                };
                if room.send(msg).await.is_err() {
                    let _ = control
                        .send(Control::Close(close::GOING_AWAY, "room closed; reconnect"))
                        .await;
                    return;
                }
                continue;
            }
            Ok(ClientMessage::History { before, limit }) => {
                let store = Arc::clone(rooms.store());
                let control = control.clone();
                let incident = incident.clone();
                tokio::spawn(async move {
                    let limit = limit.clamp(1, 1_000);
                    let message = match store.events_before(&incident, before, limit).await {
                        Ok(events) => ServerMessage::History { events, before },
                        Err(err) => {
                            tracing::warn!(%incident, %err, "history read failed");
                            ServerMessage::Error {
                                code: ErrorCode::Internal,
                                message: "could not read the history; try again".into(),
                                command: None,
                            }
                        }
                    };
                    let _ = control.send(Control::Send(frame(&message))).await;
                });
                continue;
            }
        };
        if !reply(control, patience, answer).await {
            return;
        }
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

/// Reads the next text frame; `Err` carries a close code for a frame we refuse.
async fn next_text(
    stream: &mut futures_util::stream::SplitStream<WebSocket>,
) -> Option<Result<String, u16>> {
    loop {
        match stream.next().await? {
            Ok(Message::Text(text)) => return Some(Ok(text.to_string())),
            Ok(Message::Close(_)) => return None,
            Ok(_) => continue,
            Err(err) if is_too_big(&err) => return Some(Err(close::TOO_BIG)),
            Err(_) => return None,
        }
    }
}

fn is_too_big(err: &axum::Error) -> bool {
    use std::error::Error as _;
    let mut source: Option<&dyn std::error::Error> = err.source();
    while let Some(e) = source {
        if let Some(tungstenite::Error::Capacity(_)) = e.downcast_ref::<tungstenite::Error>() {
            return true;
        }
        source = e.source();
    }
    false
}

async fn refuse(
    sink: &mut futures_util::stream::SplitSink<WebSocket, Message>,
    code: ErrorCode,
    message: String,
) {
    let closing = match code {
        ErrorCode::UnknownIncident | ErrorCode::UnsupportedProtocol => close::REFUSED,
        _ => close::POLICY,
    };
    let _ = sink
        .send(Message::Text(frame(&ServerMessage::Error {
            code,
            message,
            command: None,
        })))
        .await;
    let _ = sink.send(close_message(closing, "refused")).await;
}

fn close_message(code: u16, reason: &'static str) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: reason.into(),
    }))
}

/// The per-connection rate limit: a token bucket refilled continuously.
struct TokenBucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    at: Instant,
}

impl TokenBucket {
    fn new(rate: f64, burst: f64) -> Self {
        Self {
            rate,
            burst,
            tokens: burst,
            at: Instant::now(),
        }
    }

    fn take(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.at = now;
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_bucket_allows_a_burst_then_the_rate() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(10.0, 3.0);
        assert!((0..3).all(|_| bucket.take(start)));
        assert!(!bucket.take(start));
        assert!(bucket.take(start + Duration::from_millis(100)));
        assert!(!bucket.take(start + Duration::from_millis(100)));
    }
}
