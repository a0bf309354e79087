//! The benchmark client's Socket.IO framing, for the peer (`socketio-peer.mjs`): Socket.IO 5
//! packets in Engine.IO 4 packets over a plain WebSocket (`/socket.io/?EIO=4&transport=
//! websocket`, no long-polling), on the same WebSocket client as Warroom's ([`client::open`]).
//!
//! Engine.IO: the server opens with `0{…}`, pings with `2`, which the client answers `3`.
//! Socket.IO on top: `40` connects the client to the main namespace (answered `40{"sid":…}`,
//! or `44{…}` if refused), `42["event",data]` is an event, `42N[…]` one that asks for
//! acknowledgement `N`, answered `43N[…]`.

use anyhow::{Context as _, bail};
use futures_util::SinkExt;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use crate::client::{self, Ws};

/// The Engine.IO packets the benchmark tells apart.
pub const PING: &str = "2";
pub const PONG: &str = "3";

/// What starts an `entry` event, the peer's broadcast of one posted entry.
pub const ENTRY: &str = r#"42["entry","#;

/// The acknowledgement id of a join; posts use theirs from 1 up.
const JOIN_ACK: u64 = 0;

/// Connects to the peer on `port`, joins `room` as `actor`, and returns once the peer has
/// acknowledged the join: from then on, every entry posted to the room is sent to this client.
pub async fn join(port: u16, room: &str, actor: &str) -> anyhow::Result<Ws> {
    let mut ws = client::open(port, "/socket.io/?EIO=4&transport=websocket", None).await?;
    let open = client::next_text(&mut ws).await?;
    if !open.starts_with("0{") {
        bail!("the peer did not open with an Engine.IO open packet: {open}");
    }
    ws.send(Message::text("40")).await?;
    await_packet(&mut ws, "40").await?;
    let join = json!({ "room": room, "actor": actor, "since": 0 });
    ws.send(Message::text(format!(r#"42{JOIN_ACK}["join",{join}]"#)))
        .await?;
    let ack = await_packet(&mut ws, &format!("43{JOIN_ACK}")).await?;
    if ack.contains(r#""error""#) {
        bail!("the peer refused a join: {ack}");
    }
    Ok(ws)
}

/// Reads until a packet starting with `prefix` (answering pings); an error on a Socket.IO
/// connect error (`44`) or disconnect (`41`).
async fn await_packet(ws: &mut Ws, prefix: &str) -> anyhow::Result<String> {
    loop {
        let text = client::next_text(ws).await?;
        if text.as_str() == PING {
            ws.send(Message::text(PONG)).await?;
        } else if text.starts_with(prefix) {
            return Ok(text.as_str().to_owned());
        } else if text.starts_with("44") || text.starts_with("41") {
            bail!("the peer ended the Socket.IO session: {text}");
        }
    }
}

/// A `post` event for entry `n` with `text`, asking for acknowledgement `n + 1`.
pub fn post(n: usize, text: &str) -> anyhow::Result<Message> {
    let post = json!({ "id": format!("f-{n}"), "kind": "observation", "text": text });
    let ack = n as u64 + 1;
    let post = serde_json::to_string(&post).context("encoding a post")?;
    Ok(Message::text(format!(r#"42{ack}["post",{post}]"#)))
}

/// Whether `text` acknowledges a post, and if so whether the peer refused it.
pub fn ack(text: &str) -> Option<Result<(), String>> {
    let rest = text.strip_prefix("43")?;
    let id_len = rest.bytes().take_while(u8::is_ascii_digit).count();
    if id_len == 0 || rest[..id_len] == *JOIN_ACK.to_string() {
        return None;
    }
    if rest.contains(r#""error""#) {
        Some(Err(text.to_owned()))
    } else {
        Some(Ok(()))
    }
}
