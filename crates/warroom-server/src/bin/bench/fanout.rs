//! Fan-out latency: many subscribers joined to one incident, one writer posting notes at a
//! modest rate. Each note carries its number; the latency of one delivery is the time from
//! just before the writer wrote the submit to the moment a subscriber has read the `events`
//! frame holding that note. Every (note, subscriber) pair is one sample.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use tokio::time::MissedTickBehavior;

use crate::client;
use crate::report::histogram;
use crate::server::Server;

/// What marks a fan-out note in an `events` frame; six digits of note number follow.
const MARK: &str = "fanout-note-#";

/// What the fan-out run measured.
pub struct Fanout {
    pub subscribers: usize,
    pub notes: usize,
    /// Microseconds from the writer's submit to a subscriber's receipt, warm-up excluded.
    pub micros: Histogram<u64>,
}

pub async fn measure(
    server: &Server,
    subscribers: usize,
    notes: usize,
    rate: f64,
) -> anyhow::Result<Fanout> {
    measure_over(&[server], subscribers, notes, rate).await
}

/// The same, with the subscribers spread over `servers` (replicas on one database) in turn and
/// the writer on the first: the latency then includes the other replicas' hearing of the
/// commit and reading the events.
pub async fn measure_over(
    servers: &[&Server],
    subscribers: usize,
    notes: usize,
    rate: f64,
) -> anyhow::Result<Fanout> {
    let server = servers.first().context("no server")?;
    let incident = server
        .declare("p-bench-lead", "Fan-out: checkout is down")
        .await?;
    // The first notes warm things up and are not counted.
    let warm_up = (notes / 10).min(10);
    let base = Instant::now();
    // Nanoseconds after `base` at which note n was submitted, 0 until it was.
    let sent_at: Arc<Vec<AtomicU64>> = Arc::new((0..notes).map(|_| AtomicU64::new(0)).collect());
    let mut readers = Vec::with_capacity(subscribers);
    for s in 0..subscribers {
        let participant = format!("p-sub-{s:03}");
        let ws = client::join(servers[s % servers.len()], &incident, &participant).await?;
        let sent_at = Arc::clone(&sent_at);
        readers.push(tokio::spawn(subscribe(ws, notes, warm_up, sent_at, base)));
    }

    let (mut sink, mut stream) = client::join(server, &incident, "p-fanout-writer")
        .await?
        .split();
    let acks = tokio::spawn(async move {
        let mut acked = 0;
        while acked < notes {
            let text = client::next_text(&mut stream).await?;
            match client::kind(&text) {
                "ack" => acked += 1,
                "rejected" | "error" => bail!("a fan-out note was refused: {text}"),
                _ => {}
            }
        }
        anyhow::Ok(stream)
    });
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
    tick.set_missed_tick_behavior(MissedTickBehavior::Burst);
    for n in 0..notes {
        tick.tick().await;
        let message = client::post_note(&format!("f-{n}"), &format!("{MARK}{n:06}"))?;
        sent_at[n].store(base.elapsed().as_nanos() as u64, Ordering::Release);
        sink.send(message).await?;
    }
    let _writer = acks.await.context("the writer's reader panicked")??;

    let mut micros = histogram();
    for reader in readers {
        micros.add(&reader.await.context("a subscriber panicked")??)?;
    }
    Ok(Fanout {
        subscribers,
        notes,
        micros,
    })
}

/// One subscriber: reads until it has seen every note, timing each one's arrival.
async fn subscribe(
    mut ws: client::Ws,
    notes: usize,
    warm_up: usize,
    sent_at: Arc<Vec<AtomicU64>>,
    base: Instant,
) -> anyhow::Result<Histogram<u64>> {
    let mut micros = histogram();
    let mut seen = 0;
    while seen < notes {
        let text = client::next_text(&mut ws).await?;
        if client::kind(&text) != "events" {
            continue;
        }
        let now = base.elapsed().as_nanos() as u64;
        for (at, _) in text.match_indices(MARK) {
            let digits = &text[at + MARK.len()..][..6];
            let n: usize = digits
                .parse()
                .context("a fan-out note without its number")?;
            let sent = sent_at[n].load(Ordering::Acquire);
            if n >= warm_up {
                micros.saturating_record(now.saturating_sub(sent) / 1_000);
            }
            seen += 1;
        }
    }
    let _ = ws.close(None).await;
    Ok(micros)
}
