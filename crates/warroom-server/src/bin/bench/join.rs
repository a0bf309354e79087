//! Time to join a big incident: from opening a new connection and saying hello with nothing
//! (`last_seq` 0) until the client holds the whole board — a `snapshot` (or the `events`)
//! through the head the `welcome` announced, read, decoded and taken in by `ClientSync`, as
//! the browser does.
//!
//! The incident is built first by many writers at once. A *warm* join finds the room loaded;
//! a *cold* join comes first after a restart of the server on the same data directory, so the
//! room is loaded from the store while the client waits. Every joiner is a newcomer, so the
//! server also records their arrival, as it would for a responder opening the link.

use std::time::{Duration, Instant};

use anyhow::bail;
use warroom_core::client::{Effect, Held};
use warroom_core::{IncidentId, Seq};

use crate::client;
use crate::report::{Summary, count, duration_ms};
use crate::server::Server;

/// The targets (issue 15): the first frame a joiner gets, a warm and a cold join (the worst
/// of the runs), and what ten joiners that never read add to the server's memory.
const FIRST_FRAME_TARGET: usize = 256 * 1024;
const WARM_TARGET: Duration = Duration::from_millis(30);
const COLD_TARGET: Duration = Duration::from_millis(60);
const STALLED_TARGET_KIB: u64 = 20 * 1024;

/// One join, timed.
#[derive(Debug, Clone, Copy)]
pub struct JoinSample {
    /// Until the last frame of the board was read off the socket.
    pub received: Duration,
    /// Until it was also decoded and folded: the client holds the board.
    pub held: Duration,
    /// The bytes of board the client was sent.
    pub bytes: usize,
    /// The bytes of the first frame after the welcome (the snapshot, when one came).
    pub first_frame: usize,
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
    pub stalled: Stalled,
}

/// What joiners that never read cost the server.
pub struct Stalled {
    pub joiners: usize,
    /// Server RSS added while they held their connections open, in KiB, at its highest.
    pub added_kib: u64,
    /// How long they were watched.
    pub watched: Duration,
}

/// How many joiners stall, and how long they are watched.
const STALLED_JOINERS: usize = 10;
const STALLED_WATCH: Duration = Duration::from_secs(5);

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
        warm_samples.push(time_join(&server, &incident, &format!("p-warm-{k}")).await?);
    }
    let mut cold_samples = Vec::with_capacity(cold);
    for k in 0..cold {
        server = server.restart()?;
        cold_samples.push(time_join(&server, &incident, &format!("p-cold-{k}")).await?);
    }
    // One ordinary join first, untimed: the first work a restarted server does (its first
    // write after a load, its pools filling) raised its RSS by as much as the whole target on
    // this machine, and is not what the stalled joiners cost.
    time_join(&server, &incident, "p-settle").await?;
    let stalled = stalled_joiners(&server, &incident).await?;
    Ok(Join {
        events: head,
        build,
        build_writers: writers,
        stalled,
        warm: warm_samples,
        cold: cold_samples,
    })
}

/// Ten newcomers say hello holding nothing and then never read: the server owes each the
/// whole board. Its RSS is sampled while they sit there; each should cost it what one
/// fragment of the board costs, not the board.
async fn stalled_joiners(server: &Server, incident: &IncidentId) -> anyhow::Result<Stalled> {
    let before = server.rss_kib()?;
    let mut held = Vec::with_capacity(STALLED_JOINERS);
    for k in 0..STALLED_JOINERS {
        let person = server.person(&format!("p-stalled-{k}")).await?;
        let mut ws = client::connect_small(server.port, &person).await?;
        client::hello(&mut ws, incident, 0).await?;
        held.push(ws);
    }
    let began = Instant::now();
    let mut highest = before;
    while began.elapsed() < STALLED_WATCH {
        tokio::time::sleep(Duration::from_millis(100)).await;
        highest = highest.max(server.rss_kib()?);
    }
    drop(held);
    Ok(Stalled {
        joiners: STALLED_JOINERS,
        added_kib: highest.saturating_sub(before),
        watched: began.elapsed(),
    })
}

/// Connects as a newcomer holding nothing and times until it holds the board.
async fn time_join(
    server: &Server,
    incident: &IncidentId,
    label: &str,
) -> anyhow::Result<JoinSample> {
    // Signed in beforehand, as a browser opening an incident already is.
    let person = server.person(label).await?;
    let began = Instant::now();
    let mut ws = client::connect(server.port, &person).await?;
    let mut sync = client::hello(&mut ws, incident, 0).await?;
    let mut board = Held::default();
    let mut bytes = 0;
    let mut first_frame = 0;
    let mut snapshot = false;
    let sample = loop {
        let text = client::next_text(&mut ws).await?;
        let received = began.elapsed();
        let kind = client::kind(&text);
        if !matches!(kind, "welcome" | "snapshot" | "events") {
            continue;
        }
        if kind != "welcome" {
            if bytes == 0 {
                first_frame = text.len();
            }
            bytes += text.len();
        }
        for effect in sync.received_text(&mut board, &text, 0.0) {
            match effect {
                Effect::Adopted(_) => snapshot = true,
                Effect::Disconnect => bail!("the board came with a gap: {text:.200}"),
                Effect::Notice(Some(notice)) => bail!("{notice}"),
                _ => {}
            }
        }
        if sync.caught_up() {
            break JoinSample {
                received,
                held: began.elapsed(),
                bytes,
                first_frame,
                snapshot,
            };
        }
    };
    let _ = ws.close(None).await;
    Ok(sample)
}

/// Prints the join run's details and puts each figure beside its target in the summary.
pub fn report(result: &anyhow::Result<Join>, summary: &mut Summary) {
    let j = match result {
        Ok(j) => j,
        Err(err) => {
            summary.failed(
                "join of a long incident",
                "≤ 30 ms warm",
                format!("{err:#}"),
            );
            return;
        }
    };
    println!(
        "      built {} events in {:.1} s ({}/s with {} writers)",
        j.events,
        j.build.as_secs_f64(),
        count(j.events as f64 / j.build.as_secs_f64()),
        j.build_writers
    );
    let samples = || j.warm.iter().chain(&j.cold);
    if let Some(largest) = samples().map(|s| s.first_frame).max() {
        summary.figure(
            &format!("first frame of a join of {} events", j.events),
            format!(
                "{:.1} KB ({} bytes)",
                largest as f64 / 1024.0,
                count(largest as f64)
            ),
            "≤ 256 KB",
            largest <= FIRST_FRAME_TARGET,
        );
    }
    for (label, samples, target, limit) in [
        ("warm", &j.warm, "≤ 30 ms", WARM_TARGET),
        ("cold", &j.cold, "≤ 60 ms", COLD_TARGET),
    ] {
        let Some(worst) = samples.iter().map(|s| s.held).max() else {
            continue;
        };
        for s in samples {
            println!(
                "      {label} join: received in {}, decoded (board held) in {}; {} bytes in \
                 all, first frame {} bytes ({})",
                duration_ms(s.received),
                duration_ms(s.held),
                count(s.bytes as f64),
                count(s.first_frame as f64),
                if s.snapshot { "snapshot" } else { "events" }
            );
        }
        let received = crate::median(samples.iter().map(|s| s.received).collect());
        let median = crate::median(samples.iter().map(|s| s.held).collect());
        summary.figure(
            &format!("{label} join of {} events (board held)", j.events),
            format!(
                "median {} (received {}), worst {}",
                duration_ms(median),
                duration_ms(received),
                duration_ms(worst)
            ),
            target,
            worst <= limit,
        );
    }
    let s = &j.stalled;
    summary.figure(
        &format!(
            "server RSS added by {} stalled joiners of {} events",
            s.joiners, j.events
        ),
        format!(
            "{:.1} MB (highest over {:.0} s)",
            s.added_kib as f64 / 1024.0,
            s.watched.as_secs_f64()
        ),
        "≤ 20 MB",
        s.added_kib <= STALLED_TARGET_KIB,
    );
}
