//! A benchmark client: one real WebSocket to the server, speaking the protocol as the browser
//! app does, through warroom-core's `ClientSync` (its hello, and the fold of a joining board),
//! but reading frames as cheaply as it can, because the clients share the machine's cores
//! with the server: a frame's type is read off its first bytes, and only the frames a
//! measurement needs are decoded.
//!
//! Pings from the server are answered underneath whenever the stream is read, so a connection
//! stays alive as long as somebody keeps reading it.

use std::time::Duration;

use anyhow::{Context as _, bail};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};
use tokio_tungstenite::{WebSocketStream, client_async_with_config};
use warroom_core::client::{ClientSync, Effect};
use warroom_core::protocol::{ClientMessage, ServerMessage};
use warroom_core::{CommandId, IncidentId, NoteKind, Seq, TextId};

use crate::server::{Person, Server};

/// How long any single wait may take before the benchmark gives up.
pub const WAIT: Duration = Duration::from_secs(60);

pub type Ws = WebSocketStream<TcpStream>;

/// Anything frames are read from: a whole WebSocket or its receiving half.
pub trait Frames:
    futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin
{
}

impl<S> Frames for S where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin
{
}

/// Opens a WebSocket to the server as `person`, without saying anything. Server messages may
/// be as large as a whole board, so no size limit applies to what this client reads.
pub async fn connect(port: u16, person: &Person) -> anyhow::Result<Ws> {
    open(port, "/ws", Some(&person.cookie)).await
}

/// Opens a WebSocket to `path` on 127.0.0.1:`port`, with `cookie` if given: Warroom's `/ws`,
/// or the Socket.IO peer's endpoint, through the same client and buffers.
pub async fn open(port: u16, path: &str, cookie: Option<&str>) -> anyhow::Result<Ws> {
    let open = async {
        let stream = TcpStream::connect(("127.0.0.1", port)).await?;
        stream.set_nodelay(true)?;
        let mut request = format!("ws://127.0.0.1:{port}{path}").into_client_request()?;
        if let Some(cookie) = cookie {
            request.headers_mut().insert("cookie", cookie.parse()?);
        }
        // A small read buffer: tungstenite zeroes it on every read, and the default 128 KiB
        // made that the clients' biggest cost, on cores they share with the server.
        let config = WebSocketConfig::default()
            .read_buffer_size(16 * 1024)
            .max_message_size(None)
            .max_frame_size(None);
        let (ws, _) = client_async_with_config(request, stream, Some(config)).await?;
        anyhow::Ok(ws)
    };
    tokio::time::timeout(WAIT, open)
        .await
        .context("the WebSocket upgrade took too long")?
}

/// Opens a WebSocket as `person` with a 4 KiB receive buffer, for a client that will not read:
/// the kernel then holds little on its side, and what the server holds shows in its RSS.
pub async fn connect_small(port: u16, person: &Person) -> anyhow::Result<Ws> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.set_recv_buffer_size(4 * 1024)?;
    let stream = socket.connect(([127, 0, 0, 1], port).into()).await?;
    let mut request = format!("ws://127.0.0.1:{port}/ws").into_client_request()?;
    request
        .headers_mut()
        .insert("cookie", person.cookie.parse()?);
    let (ws, _) = tokio::time::timeout(WAIT, client_async_with_config(request, stream, None))
        .await
        .context("the WebSocket upgrade took too long")??;
    Ok(ws)
}

/// Says hello holding `last_seq` (who is speaking is the connection's session); the protocol
/// state that said it, to take in what the server sends.
pub async fn hello(
    ws: &mut Ws,
    incident: &IncidentId,
    last_seq: Seq,
) -> anyhow::Result<ClientSync> {
    let mut sync = ClientSync::new(incident.clone(), last_seq, Vec::new(), 0);
    sync.connecting(0.0);
    for effect in sync.opened(0.0) {
        if let Effect::Send(hello) = effect {
            ws.send(Message::text(hello)).await?;
        }
    }
    Ok(sync)
}

/// Connects as the person `label` (signed in on first use), says hello as a newcomer and reads
/// until the server lists them as present: by then the join is recorded and everything before
/// it was delivered.
pub async fn join(server: &Server, incident: &IncidentId, label: &str) -> anyhow::Result<Ws> {
    let person = server.person(label).await?;
    let mut ws = connect(server.port, &person).await?;
    hello(&mut ws, incident, 0).await?;
    loop {
        let text = next_text(&mut ws).await?;
        if kind(&text) != "presence" {
            continue;
        }
        if let ServerMessage::Presence { present } = serde_json::from_str(&text)?
            && present.contains(&person.id)
        {
            return Ok(ws);
        }
    }
}

/// The next text frame; an error if the connection ends or nothing comes within [`WAIT`].
pub async fn next_text(stream: &mut impl Frames) -> anyhow::Result<Utf8Bytes> {
    loop {
        let next = tokio::time::timeout(WAIT, stream.next())
            .await
            .context("the server sent nothing for a minute")?;
        match next {
            Some(Ok(Message::Text(text))) => return Ok(text),
            Some(Ok(Message::Close(frame))) => bail!("the server closed the connection: {frame:?}"),
            Some(Ok(_)) => continue,
            Some(Err(err)) => bail!("the connection failed: {err}"),
            None => bail!("the connection ended"),
        }
    }
}

/// A frame's message type, read off its first bytes (the server writes `type` first).
pub fn kind(text: &str) -> &str {
    text.strip_prefix(r#"{"type":""#)
        .and_then(|rest| rest.split_once('"'))
        .map_or("", |(kind, _)| kind)
}

/// The `seq` of an `ack` frame.
pub fn ack_seq(text: &str) -> anyhow::Result<(CommandId, Seq)> {
    match serde_json::from_str(text)? {
        ServerMessage::Ack { id, seq } => Ok((id, seq)),
        other => bail!("expected an ack, got {other:?}"),
    }
}

/// A `submit` frame posting an observation with `text`.
pub fn post_note(id: &str, text: &str) -> anyhow::Result<Message> {
    post_note_of(id, text, NoteKind::Observation)
}

/// A `post_note` of `kind`.
pub fn post_note_of(id: &str, text: &str, kind: NoteKind) -> anyhow::Result<Message> {
    let submit = ClientMessage::Submit {
        id: CommandId::parse(id)?,
        command: warroom_core::Command::PostNote {
            kind,
            text: text.to_owned(),
            essential: false,
            occurred_at: None,
            precision: None,
        },
    };
    Ok(Message::text(submit.to_json()))
}

/// A note's text of a realistic length, unique to `writer` and `n`.
pub fn note_text(writer: usize, n: usize) -> String {
    format!("Writer {writer} observes: p99 on checkout-api back under 300 ms after step {n}")
}

/// Reads and drops whatever the server sends until the connection ends: keeps an idle
/// connection alive (pings are answered while reading). Returns why it ended.
pub async fn drain(mut stream: impl Frames) -> String {
    loop {
        match stream.next().await {
            Some(Ok(Message::Close(frame))) => return format!("closed by the server: {frame:?}"),
            Some(Ok(_)) => {}
            Some(Err(err)) => return format!("failed: {err}"),
            None => return "ended".into(),
        }
    }
}
