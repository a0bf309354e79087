//! The figures of several replicas on one PostgreSQL database (`--database-url`): durable
//! events per second into one incident from many writers on one server on PostgreSQL, and the
//! fan-out latency to subscribers spread over three replicas — a note posted through the
//! first, delivered by all three (the others hear of the commit through `LISTEN/NOTIFY` and
//! read the events from the table).
//!
//! Every server here is started with the same `--database-url`; each measurement declares an
//! incident of its own, so the database needs no cleaning between them (it keeps what was
//! written: use a scratch database).

use std::path::Path;

use crate::report::{Summary, count};
use crate::server::Server;
use crate::{fanout, throughput};

/// The sizes of the replica runs.
pub struct Sizes {
    pub writers: usize,
    pub per_writer: usize,
    pub in_flight: usize,
    pub subscribers: usize,
    pub notes: usize,
    pub rate: f64,
    pub replicas: usize,
}

pub async fn run(binary: &Path, url: &str, sizes: &Sizes, summary: &mut Summary) {
    let flags = ["--database-url", url];
    let Sizes {
        writers,
        per_writer,
        in_flight,
        ..
    } = *sizes;
    println!(
        "\n[throughput, PostgreSQL] one incident, {writers} writers × {per_writer} post_note, \
         {in_flight} in flight each"
    );
    let what = format!("durable events/s on PostgreSQL, {writers} writers");
    let target = "(reported)";
    let result = crate::with_server(binary, &flags, |server| async move {
        throughput::measure(&server, writers, per_writer, in_flight).await
    })
    .await;
    match result {
        Ok(t) => {
            println!(
                "      {} acknowledged; the log grew by {} events in {:.2} s",
                t.acked,
                t.events,
                t.elapsed.as_secs_f64()
            );
            summary.figure(&what, format!("{}/s", count(t.per_sec())), target, true);
        }
        Err(err) => summary.failed(&what, target, format!("{err:#}")),
    }

    let (subscribers, replicas) = (sizes.subscribers, sizes.replicas);
    println!(
        "\n[fan-out, {replicas} replicas] {subscribers} subscribers spread over {replicas} \
         replicas on one PostgreSQL, one writer on the first posting {} notes at {}/s",
        sizes.notes, sizes.rate
    );
    let what = format!("fan-out p99 to {subscribers} subscribers over {replicas} replicas");
    let target = "p99 ≤ 10 ms";
    let mut servers = Vec::new();
    for _ in 0..replicas {
        match Server::start(binary, &flags) {
            Ok(server) => servers.push(server),
            Err(err) => {
                summary.failed(&what, target, format!("{err:#}"));
                return;
            }
        }
    }
    let all: Vec<&Server> = servers.iter().collect();
    match fanout::measure_over(&all, subscribers, sizes.notes, sizes.rate).await {
        Ok(f) => f.report(summary, &what, target, 10_000),
        Err(err) => {
            let logs: Vec<String> = servers.iter().map(Server::log_tail).collect();
            summary.failed(
                &what,
                target,
                format!("{err:#}; logs:\n{}", logs.join("\n")),
            );
        }
    }
    for mut server in servers {
        if let Err(err) = server.stop() {
            eprintln!("warroom-bench: {err:#}");
        }
    }
}
