//! Fan-out: many subscribers joined to one room, one writer posting entries at a steady rate.
//! Each entry carries its number; the latency of one delivery is the time from just before the
//! writer wrote the post to the moment a subscriber has read the frame holding that entry. Per
//! entry, its *last delivery* is the latest of those over every subscriber: the moment the
//! whole room has it.
//!
//! One driver for both servers: a [`Room`] is a Warroom incident or a room of the Socket.IO
//! peer, and only the framing differs (joining, the post, telling an acknowledgement, an
//! entry and a ping apart); the pacing, the timing and the counting are this same code.
//!
//! Every delivery is counted: a round in which any subscriber misses an entry, or gets one
//! twice, is an error that says how many, never a figure.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use tokio::sync::mpsc;
use tokio::time::MissedTickBehavior;
use tokio_tungstenite::tungstenite::Message;
use warroom_core::IncidentId;

use crate::client::{self, Ws};
use crate::peer::Peer;
use crate::report::{Summary, histogram, ms, percentiles};
use crate::server::Server;
use crate::sio;

/// What marks an entry in a frame; six digits of entry number follow.
const MARK: &str = "fanout-note-#";

/// How long after the last post every delivery must have arrived.
const GRACE: Duration = Duration::from_secs(10);

/// Subscribers joining at once while a round is set up.
const JOINING_AT_ONCE: usize = 16;

/// Where a round runs: one incident of a Warroom server, or one room of the Socket.IO peer.
pub enum Room<'a> {
    Warroom {
        server: &'a Server,
        incident: IncidentId,
    },
    Peer {
        peer: &'a Peer,
        room: String,
    },
    /// One incident served by several replicas on one database: subscriber `s` joins
    /// `servers[s % n]`, the writer the first, so that latency includes the other replicas'
    /// hearing of the commit and reading the events.
    Replicas {
        servers: &'a [&'a Server],
        incident: IncidentId,
    },
}

/// What one frame is to the driver.
enum Frame {
    /// Holds entries (Warroom's `events`, the peer's `entry`).
    Entries,
    Ack,
    Refused,
    /// An Engine.IO ping, to answer.
    Ping,
    Other,
}

impl Room<'_> {
    pub fn side(&self) -> &'static str {
        match self {
            Room::Warroom { .. } => "Warroom",
            Room::Peer { .. } => "Socket.IO peer",
            Room::Replicas { .. } => "Warroom replicas",
        }
    }

    /// Joins as `label`; returns once the server will send this client every later entry.
    async fn join(&self, label: &str) -> anyhow::Result<Ws> {
        self.join_on(0, label).await
    }

    /// Joins as `label` through the `index`th replica (of replicas; any other room has one).
    async fn join_on(&self, index: usize, label: &str) -> anyhow::Result<Ws> {
        match self {
            Room::Warroom { server, incident } => client::join(server, incident, label).await,
            Room::Replicas { servers, incident } => {
                client::join(servers[index % servers.len()], incident, label).await
            }
            // Shaped like a Warroom participant id, so both servers' entries are one size.
            Room::Peer { peer, room } => sio::join(peer.port, room, &format!("{label:0<28}")).await,
        }
    }

    fn post(&self, n: usize, text: &str) -> anyhow::Result<Message> {
        match self {
            Room::Warroom { .. } | Room::Replicas { .. } => {
                client::post_note(&format!("f-{n}"), text)
            }
            Room::Peer { .. } => sio::post(n, text),
        }
    }

    fn wire(&self) -> Wire {
        match self {
            Room::Warroom { .. } | Room::Replicas { .. } => Wire::Warroom,
            Room::Peer { .. } => Wire::SocketIo,
        }
    }
}

/// The framing, for the tasks that read.
#[derive(Clone, Copy)]
enum Wire {
    Warroom,
    SocketIo,
}

impl Wire {
    fn classify(self, text: &str) -> Frame {
        match self {
            Wire::Warroom => match client::kind(text) {
                "events" => Frame::Entries,
                "ack" => Frame::Ack,
                "rejected" | "error" => Frame::Refused,
                _ => Frame::Other,
            },
            Wire::SocketIo if text == sio::PING => Frame::Ping,
            Wire::SocketIo if text.starts_with(sio::ENTRY) => Frame::Entries,
            Wire::SocketIo => match sio::ack(text) {
                Some(Ok(())) => Frame::Ack,
                Some(Err(_)) => Frame::Refused,
                None if text.starts_with("41") || text.starts_with("44") => Frame::Refused,
                None => Frame::Other,
            },
        }
    }
}

/// What one round measured; warm-up entries excluded from the histograms.
pub struct Round {
    pub subscribers: usize,
    pub entries: usize,
    /// Microseconds from post to receipt, one sample per (entry, subscriber).
    pub deliveries: Histogram<u64>,
    /// Microseconds from post to its last delivery, one sample per entry.
    pub last_delivery: Histogram<u64>,
    /// Entries per second the writer achieved.
    pub rate: f64,
    /// Mean bytes per entry on the wire, as subscribers read them.
    pub bytes_per_entry: f64,
}

impl Round {
    /// Prints the round's deliveries and adds its p99 to `summary` as `what`, met when within
    /// `limit_micros`.
    pub fn report(&self, summary: &mut Summary, what: &str, target: &str, limit_micros: u64) {
        println!(
            "      {} notes × {} subscribers, every one delivered; {}",
            self.entries,
            self.subscribers,
            percentiles(&self.deliveries)
        );
        let p99 = self.deliveries.value_at_quantile(0.99);
        summary.figure(
            what,
            format!(
                "p50 {}, p99 {}",
                ms(self.deliveries.value_at_quantile(0.5)),
                ms(p99)
            ),
            target,
            p99 <= limit_micros,
        );
    }
}

/// A subscriber's task: its per-delivery histogram and the bytes it read.
type Reader = tokio::task::JoinHandle<anyhow::Result<(Histogram<u64>, u64)>>;

/// Per entry: when it was posted, when its latest delivery came, how many there were.
struct Tally {
    base: Instant,
    sent_at: Vec<AtomicU64>,
    last_at: Vec<AtomicU64>,
    delivered: Vec<AtomicU32>,
}

impl Tally {
    fn now(&self) -> u64 {
        self.base.elapsed().as_nanos() as u64
    }
}

/// One round: `subscribers` join `room`, then one writer posts `entries` at `rate` a second.
pub async fn round(
    room: &Room<'_>,
    subscribers: usize,
    entries: usize,
    rate: f64,
) -> anyhow::Result<Round> {
    // The first entries warm things up and are not counted: a tenth, at most one second's.
    let warm_up = (entries / 10).min(rate.ceil() as usize);
    let tally = Arc::new(Tally {
        base: Instant::now(),
        sent_at: (0..entries).map(|_| AtomicU64::new(0)).collect(),
        last_at: (0..entries).map(|_| AtomicU64::new(0)).collect(),
        delivered: (0..entries).map(|_| AtomicU32::new(0)).collect(),
    });
    let wire = room.wire();
    // Each subscriber starts reading the moment it has joined, so that what the later joins
    // set off (Warroom's presence) never piles up unread.
    let mut readers = Vec::with_capacity(subscribers);
    let mut joins = futures_util::stream::iter(0..subscribers)
        .map(|s| room.join_as(s))
        .buffer_unordered(JOINING_AT_ONCE);
    while let Some(ws) = joins.next().await {
        let tally = Arc::clone(&tally);
        readers.push(tokio::spawn(subscribe(ws?, wire, entries, warm_up, tally)));
    }
    drop(joins);

    let (mut sink, mut stream) = room.join("p-fanout-writer").await?.split();
    let (pings, mut to_answer) = mpsc::unbounded_channel();
    let acks = tokio::spawn(async move {
        let mut acked = 0;
        while acked < entries {
            let text = client::next_text(&mut stream).await?;
            match wire.classify(&text) {
                Frame::Ack => acked += 1,
                Frame::Refused => bail!("an entry was refused: {text}"),
                Frame::Ping => drop(pings.send(())),
                Frame::Entries | Frame::Other => {}
            }
        }
        anyhow::Ok(stream)
    });
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
    tick.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let mut first = None;
    for n in 0..entries {
        loop {
            tokio::select! {
                biased;
                _ = tick.tick() => break,
                Some(()) = to_answer.recv() => sink.send(Message::text(sio::PONG)).await?,
            }
        }
        let message = room.post(n, &entry_text(n))?;
        let now = tally.now();
        first.get_or_insert(now);
        tally.sent_at[n].store(now, Ordering::Release);
        sink.send(message).await?;
    }
    let last_sent = Instant::now();
    let span = tally.now() - first.unwrap_or_default();
    let _writer = tokio::time::timeout(GRACE, acks)
        .await
        .context("the writer's entries were not all acknowledged")?
        .context("the writer's reader panicked")??;

    let (deliveries, bytes) = collect(readers, &tally, subscribers, last_sent).await?;
    let mut last_delivery = histogram();
    for n in warm_up..entries {
        let sent = tally.sent_at[n].load(Ordering::Acquire);
        let last = tally.last_at[n].load(Ordering::Acquire);
        last_delivery.saturating_record(last.saturating_sub(sent) / 1_000);
    }
    Ok(Round {
        subscribers,
        entries,
        deliveries,
        last_delivery,
        rate: (entries.saturating_sub(1)) as f64 / (span as f64 / 1e9).max(1e-9),
        bytes_per_entry: bytes as f64 / (entries * subscribers).max(1) as f64,
    })
}

impl Room<'_> {
    async fn join_as(&self, s: usize) -> anyhow::Result<Ws> {
        self.join_on(s, &format!("p-sub-{s:04}")).await
    }
}

/// Waits for every subscriber to have every entry (until [`GRACE`] after the last post), then
/// checks the count of each entry: the merged per-delivery histogram and the bytes read.
async fn collect(
    readers: Vec<Reader>,
    tally: &Tally,
    subscribers: usize,
    last_sent: Instant,
) -> anyhow::Result<(Histogram<u64>, u64)> {
    let mut deliveries = histogram();
    let mut bytes = 0;
    let mut failures = Vec::new();
    let deadline = tokio::time::Instant::from_std(last_sent + GRACE);
    for mut reader in readers {
        match tokio::time::timeout_at(deadline, &mut reader).await {
            Ok(Ok(Ok((h, b)))) => {
                deliveries.add(&h)?;
                bytes += b;
            }
            Ok(Ok(Err(err))) => failures.push(format!("{err:#}")),
            Ok(Err(panic)) => failures.push(format!("a subscriber panicked: {panic}")),
            Err(_) => {
                reader.abort();
                failures.push(format!(
                    "entries still missing {} s after the last post",
                    GRACE.as_secs()
                ));
            }
        }
    }
    let expected = subscribers as u64 * tally.delivered.len() as u64;
    let mut got = 0;
    let mut short = 0;
    let mut twice = 0;
    for count in &tally.delivered {
        let count = u64::from(count.load(Ordering::Acquire));
        got += count;
        short += u64::from(count < subscribers as u64);
        twice += u64::from(count > subscribers as u64);
    }
    if got != expected || short > 0 || twice > 0 || !failures.is_empty() {
        failures.dedup();
        bail!(
            "{got} of {expected} deliveries arrived ({} lost; {short} entries reached fewer \
             than all {subscribers} subscribers, {twice} reached some twice); {}",
            expected.saturating_sub(got),
            failures.first().map_or("", String::as_str)
        );
    }
    Ok((deliveries, bytes))
}

/// Entry `n`'s text: its mark and number, then a sentence of a realistic length.
fn entry_text(n: usize) -> String {
    format!("{MARK}{n:06} {}", client::note_text(0, n))
}

/// One subscriber: reads until it has seen every entry, timing and counting each arrival.
/// Returns its per-delivery histogram and the bytes of the frames that held entries.
async fn subscribe(
    mut ws: Ws,
    wire: Wire,
    entries: usize,
    warm_up: usize,
    tally: Arc<Tally>,
) -> anyhow::Result<(Histogram<u64>, u64)> {
    let mut micros = histogram();
    let mut bytes = 0;
    let mut seen = 0;
    while seen < entries {
        let text = client::next_text(&mut ws).await?;
        match wire.classify(&text) {
            Frame::Entries => {}
            Frame::Ping => {
                ws.send(Message::text(sio::PONG)).await?;
                continue;
            }
            Frame::Refused => bail!("a subscriber was refused: {text}"),
            Frame::Ack | Frame::Other => continue,
        }
        let now = tally.now();
        let before = seen;
        for (at, _) in text.match_indices(MARK) {
            let n: usize = text[at + MARK.len()..]
                .get(..6)
                .and_then(|digits| digits.parse().ok())
                .context("an entry without its number")?;
            let sent = tally.sent_at.get(n).context("an entry beyond the last")?;
            let sent = sent.load(Ordering::Acquire);
            if n >= warm_up {
                micros.saturating_record(now.saturating_sub(sent) / 1_000);
            }
            tally.last_at[n].fetch_max(now, Ordering::AcqRel);
            tally.delivered[n].fetch_add(1, Ordering::AcqRel);
            seen += 1;
        }
        // Only frames with entries count (Warroom's also carry the joins, before the entries).
        if seen > before {
            bytes += text.len() as u64;
        }
    }
    let _ = ws.close(None).await;
    Ok((micros, bytes))
}

/// The fan-out measurement on Warroom alone: `subscribers`, `notes` at `rate`, every delivery
/// one sample.
pub async fn measure(
    server: &Server,
    subscribers: usize,
    notes: usize,
    rate: f64,
) -> anyhow::Result<Round> {
    let incident = server
        .declare("p-bench-lead", "Fan-out: checkout is down")
        .await?;
    round(
        &Room::Warroom { server, incident },
        subscribers,
        notes,
        rate,
    )
    .await
}

/// The same over replicas on one database: the subscribers spread over `servers` in turn, the
/// writer on the first.
pub async fn measure_over(
    servers: &[&Server],
    subscribers: usize,
    notes: usize,
    rate: f64,
) -> anyhow::Result<Round> {
    let first = servers.first().context("no server")?;
    let incident = first
        .declare("p-bench-lead", "Fan-out: checkout is down")
        .await?;
    round(
        &Room::Replicas { servers, incident },
        subscribers,
        notes,
        rate,
    )
    .await
}
