//! Command → acknowledgement latency at a steady rate: a few clients, each submitting notes on
//! its own clock, staggered so that together they submit evenly. Each client's receiving half
//! runs in its own task, so a slow answer never delays the next submission; the latency is the
//! time from just before a submit is written to the socket until its `ack` has been read.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use tokio::time::MissedTickBehavior;
use warroom_core::{IncidentId, NoteKind};

use crate::client;
use crate::report::histogram;
use crate::server::Server;

/// What the latency run measured.
pub struct Latency {
    /// Commands per second actually submitted over the measured part.
    pub rate: f64,
    /// Microseconds from submit to ack, warm-up excluded.
    pub micros: Histogram<u64>,
}

pub async fn measure(
    server: &Server,
    rate: u32,
    clients: usize,
    seconds: f64,
) -> anyhow::Result<Latency> {
    let incident = server
        .declare("p-bench-lead", "Latency: checkout is down")
        .await?;
    measure_notes(
        server,
        &incident,
        rate,
        clients,
        seconds,
        NoteKind::Observation,
    )
    .await
}

/// [`measure`] on `incident`, the clients posting notes of `kind`.
pub async fn measure_notes(
    server: &Server,
    incident: &IncidentId,
    rate: u32,
    clients: usize,
    seconds: f64,
    kind: NoteKind,
) -> anyhow::Result<Latency> {
    let per_client = f64::from(rate) / clients as f64;
    let period = Duration::from_secs_f64(1.0 / per_client);
    // One second of warm-up: connections, caches and the room settle before anything counts.
    let warm_up = per_client.ceil() as usize;
    let count = warm_up + (per_client * seconds).ceil() as usize;
    let base = Instant::now();
    let mut tasks = Vec::with_capacity(clients);
    for c in 0..clients {
        let participant = format!("p-paced-{c:02}");
        let ws = client::join(server, incident, &participant).await?;
        let offset = period.mul_f64(c as f64 / clients as f64);
        tasks.push(tokio::spawn(paced(
            ws,
            (c, kind),
            count,
            warm_up,
            period,
            offset,
            base,
        )));
    }
    let mut micros = histogram();
    let mut first = None;
    let mut last = base;
    for task in tasks {
        let (h, (from, to)) = task.await.context("a paced client panicked")??;
        micros.add(&h)?;
        first = Some(first.map_or(from, |f: Instant| f.min(from)));
        last = last.max(to);
    }
    let span = last - first.unwrap_or(base);
    let measured = micros.len() as f64;
    Ok(Latency {
        rate: measured / span.as_secs_f64(),
        micros,
    })
}

/// One client submitting `count` notes, one every `period`; the latencies after the warm-up,
/// and when the first measured and the last submission were sent.
async fn paced(
    ws: client::Ws,
    (c, kind): (usize, NoteKind),
    count: usize,
    warm_up: usize,
    period: Duration,
    offset: Duration,
    base: Instant,
) -> anyhow::Result<(Histogram<u64>, (Instant, Instant))> {
    let (mut sink, mut stream) = ws.split();
    // Nanoseconds after `base` at which each submit was written, 0 until it was.
    let sent_at: Arc<Vec<AtomicU64>> = Arc::new((0..count).map(|_| AtomicU64::new(0)).collect());
    let reader = {
        let sent_at = Arc::clone(&sent_at);
        tokio::spawn(async move {
            let mut micros = histogram();
            let mut acked = 0;
            while acked < count {
                let text = client::next_text(&mut stream).await?;
                match client::kind(&text) {
                    "ack" => {
                        let now = base.elapsed().as_nanos() as u64;
                        let (id, _) = client::ack_seq(&text)?;
                        let n: usize = id
                            .as_str()
                            .rsplit_once('-')
                            .and_then(|(_, n)| n.parse().ok())
                            .context("an ack for a command this client did not send")?;
                        let sent = sent_at[n].load(Ordering::Acquire);
                        if n >= warm_up {
                            micros.saturating_record(now.saturating_sub(sent) / 1_000);
                        }
                        acked += 1;
                    }
                    "rejected" | "error" => bail!("a paced command was refused: {text}"),
                    _ => {}
                }
            }
            anyhow::Ok((micros, stream))
        })
    };
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + offset, period);
    // Catch up after a late tick, so the average rate holds.
    tick.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let mut first_measured = base;
    let mut last = base;
    for n in 0..count {
        tick.tick().await;
        let message = client::post_note_of(&format!("l{c}-{n}"), &client::note_text(c, n), kind)?;
        let now = Instant::now();
        sent_at[n].store((now - base).as_nanos() as u64, Ordering::Release);
        if n == warm_up {
            first_measured = now;
        }
        last = now;
        sink.send(message).await?;
    }
    let (micros, _stream) = reader.await.context("a reader panicked")??;
    let _ = sink.close().await;
    Ok((micros, (first_measured, last)))
}
