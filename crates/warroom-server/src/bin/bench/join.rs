//! Time to join a big incident: from opening a new connection and saying hello with nothing
//! (`last_seq` 0) until the client holds the whole board — a `snapshot` (or the `events`)
//! through the head the `welcome` announced, read and decoded.
//!
//! The incident is built first by many writers at once. A *warm* join finds the room loaded;
//! a *cold* join comes first after a restart of the server on the same data directory, so the
//! room is loaded from the store while the client waits. Every joiner is a newcomer, so the
//! server also records their arrival, as it would for a responder opening the link.

use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use warroom_core::protocol::ServerMessage;
use warroom_core::{IncidentId, Seq};

use crate::client;
use crate::server::Server;

/// One join, timed.
#[derive(Debug, Clone, Copy)]
pub struct JoinSample {
    /// Until the last frame of the board was read off the socket.
    pub received: Duration,
    /// Until it was also decoded: the client holds the board.
    pub held: Duration,
    /// The bytes of board the client was sent.
    pub bytes: usize,
    /// Whether the board came as a snapshot (else as events).
    pub snapshot: bool,
}

/// What the join run measured.
pub struct Join {
    pub events: Seq,
    /// How long writing the incident took, and with how many writers.
    pub build: Duration,
    pub build_writers: usize,
    pub warm: Vec<JoinSample>,
    pub cold: Vec<JoinSample>,
}

pub async fn measure(
    mut server: Server,
    events: usize,
    writers: usize,
    warm: usize,
    cold: usize,
) -> anyhow::Result<Join> {
    let incident = server
        .declare("p-bench-lead", "Join: a long incident")
        .await?;
    let per_writer = events.div_ceil(writers);
    let (_, build, _) =
        crate::throughput::write(&server, &incident, writers, per_writer, 16).await?;
    let head = server.head(&incident).await?;

    let mut warm_samples = Vec::with_capacity(warm);
    for k in 0..warm {
        warm_samples.push(time_join(server.port, &incident, &format!("p-warm-{k}")).await?);
    }
    let mut cold_samples = Vec::with_capacity(cold);
    for k in 0..cold {
        server = server.restart()?;
        cold_samples.push(time_join(server.port, &incident, &format!("p-cold-{k}")).await?);
    }
    Ok(Join {
        events: head,
        build,
        build_writers: writers,
        warm: warm_samples,
        cold: cold_samples,
    })
}

/// Connects as a newcomer holding nothing and times until it holds the board.
async fn time_join(
    port: u16,
    incident: &IncidentId,
    participant: &str,
) -> anyhow::Result<JoinSample> {
    let began = Instant::now();
    let mut ws = client::connect(port).await?;
    client::hello(&mut ws, incident, participant, 0).await?;
    let mut head = None;
    let mut held: Seq = 0;
    let mut bytes = 0;
    let sample = loop {
        let text = client::next_text(&mut ws).await?;
        let received = began.elapsed();
        let kind = client::kind(&text);
        if !matches!(kind, "welcome" | "snapshot" | "events") {
            continue;
        }
        let message: ServerMessage = serde_json::from_str(&text)?;
        let snapshot = match message {
            ServerMessage::Welcome { head: h, .. } => {
                head = Some(h);
                continue;
            }
            ServerMessage::Snapshot { seq, state } => {
                if state.seq != seq {
                    bail!("a snapshot at {seq} of a board at {}", state.seq);
                }
                held = seq;
                true
            }
            ServerMessage::Events { events } => {
                held = events.last().map_or(held, |r| r.seq);
                false
            }
            _ => continue,
        };
        bytes += text.len();
        let head = head.context("board frames before the welcome")?;
        if held >= head {
            break JoinSample {
                received,
                held: began.elapsed(),
                bytes,
                snapshot,
            };
        }
    };
    let _ = ws.close(None).await;
    Ok(sample)
}
