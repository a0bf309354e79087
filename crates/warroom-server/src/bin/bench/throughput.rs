//! Durable events per second into ONE incident: many writers, each its own participant on its
//! own connection, each keeping a few `post_note` commands in flight. An acknowledgement means
//! the event is committed and synced, so acknowledgements per second are durable events per
//! second; the incident's head before and after checks that every one is in the log.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use futures_util::SinkExt;
use tokio::sync::Barrier;
use warroom_core::{IncidentId, Seq};

use crate::client::{self, Ws};
use crate::server::Server;

/// What the throughput run measured.
pub struct Throughput {
    /// Commands acknowledged.
    pub acked: usize,
    /// Events the log grew by over the run.
    pub events: Seq,
    pub elapsed: Duration,
}

impl Throughput {
    pub fn per_sec(&self) -> f64 {
        self.acked as f64 / self.elapsed.as_secs_f64()
    }
}

pub async fn measure(
    server: &Server,
    writers: usize,
    per_writer: usize,
    in_flight: usize,
) -> anyhow::Result<Throughput> {
    let incident = server
        .declare("p-bench-lead", "Throughput: checkout is down")
        .await?;
    let (acked, elapsed, events) = write(server, &incident, writers, per_writer, in_flight).await?;
    if acked != writers * per_writer {
        bail!(
            "{acked} of {} commands were acknowledged",
            writers * per_writer
        );
    }
    Ok(Throughput {
        acked,
        events,
        elapsed,
    })
}

/// Joins `writers` participants to `incident`, then lets them all post `per_writer` notes at
/// once. The acknowledgements, the time from the first send to the last acknowledgement, and
/// how many events the log grew by meanwhile.
pub async fn write(
    server: &Server,
    incident: &IncidentId,
    writers: usize,
    per_writer: usize,
    in_flight: usize,
) -> anyhow::Result<(usize, Duration, Seq)> {
    let mut sockets = Vec::with_capacity(writers);
    for w in 0..writers {
        let participant = format!("p-writer-{w:03}");
        sockets.push(client::join(server, incident, &participant).await?);
    }
    let before = server.head(incident).await?;
    let start = Arc::new(Barrier::new(writers + 1));
    let tasks: Vec<_> = sockets
        .into_iter()
        .enumerate()
        .map(|(w, ws)| {
            let start = Arc::clone(&start);
            tokio::spawn(async move {
                start.wait().await;
                post_notes(ws, w, per_writer, in_flight).await
            })
        })
        .collect();
    start.wait().await;
    let began = Instant::now();
    let mut acked = 0;
    for task in tasks {
        acked += task.await.context("a writer panicked")??;
    }
    let elapsed = began.elapsed();
    let after = server.head(incident).await?;
    Ok((acked, elapsed, after - before))
}

/// One writer: keeps `in_flight` notes outstanding until `count` are acknowledged, reading
/// (and skipping) the events every subscriber is sent meanwhile. How many were acknowledged.
async fn post_notes(
    mut ws: Ws,
    writer: usize,
    count: usize,
    in_flight: usize,
) -> anyhow::Result<usize> {
    let (mut sent, mut acked) = (0, 0);
    while acked < count {
        if sent < count && sent - acked < in_flight {
            while sent < count && sent - acked < in_flight {
                let id = format!("w{writer}-{sent}");
                ws.feed(client::post_note(&id, &client::note_text(writer, sent))?)
                    .await?;
                sent += 1;
            }
            ws.flush().await?;
        }
        let text = client::next_text(&mut ws).await?;
        match client::kind(&text) {
            "ack" => acked += 1,
            "rejected" | "error" => bail!("writer {writer}: a command was refused: {text}"),
            _ => {}
        }
    }
    let _ = ws.close(None).await;
    Ok(acked)
}
