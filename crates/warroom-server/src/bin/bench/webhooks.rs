//! The room's ack latency with a webhook receiver that is down, beside the same run with no
//! webhooks: the latency run's paced clients post status updates (each one a delivery when
//! subscribed), once on a server without subscriptions, once on a server whose one
//! subscription to every event points at a receiver in this process that answers 500 to
//! everything — so every delivery is retried (quickly: a 50 ms base) for the whole run.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context as _;
use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use warroom_core::NoteKind;

use crate::latency::{self, Latency};
use crate::report::{Summary, count, ms, percentiles};
use crate::server::Server;

/// A real incident: an exercise would send nothing.
const TITLE: &str = "Latency: checkout is down";

/// Both runs, and what the dead receiver was sent.
pub struct Webhooks {
    pub none: Latency,
    pub down: Latency,
    /// Requests the receiver answered 500, over the second run.
    pub refused: u64,
}

pub async fn measure(
    binary: &std::path::Path,
    rate: u32,
    clients: usize,
    seconds: f64,
) -> anyhow::Result<Webhooks> {
    let none = {
        let mut server = Server::start(binary, &[])?;
        let incident = server.declare_as("p-bench-lead", TITLE, false).await?;
        let l = latency::measure_notes(
            &server,
            &incident,
            rate,
            clients,
            seconds,
            NoteKind::StatusUpdate,
        )
        .await
        .with_context(|| format!("server log:\n{}", server.log_tail()))?;
        server.stop()?;
        l
    };
    let refused = Arc::new(AtomicU64::new(0));
    let app = Router::new().route(
        "/hook",
        post({
            let refused = Arc::clone(&refused);
            move || async move {
                refused.fetch_add(1, Ordering::Relaxed);
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let receiver = tokio::spawn(async move { axum::serve(listener, app).await });
    let mut server = Server::start(binary, &["--webhook-retry-base-ms", "50"])?;
    let url = format!("http://127.0.0.1:{port}/hook");
    let data_dir = server.data_dir();
    let mut add = vec!["webhook", "add", "--url", url.as_str()];
    for event in [
        "declared",
        "severity",
        "status",
        "commander",
        "status_update",
    ] {
        add.extend(["--event", event]);
    }
    let out = tokio::process::Command::new(server.binary())
        .args(&add)
        .arg("--data-dir")
        .arg(&data_dir)
        .output()
        .await?;
    anyhow::ensure!(
        out.status.success(),
        "warroom webhook add failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let incident = server.declare_as("p-bench-lead", TITLE, false).await?;
    let down = latency::measure_notes(
        &server,
        &incident,
        rate,
        clients,
        seconds,
        NoteKind::StatusUpdate,
    )
    .await
    .with_context(|| format!("server log:\n{}", server.log_tail()))?;
    server.stop()?;
    receiver.abort();
    Ok(Webhooks {
        none,
        down,
        refused: refused.load(Ordering::Relaxed),
    })
}

/// Prints the webhook measurement and adds its figure to `summary`.
pub async fn report(
    binary: &std::path::Path,
    rate: u32,
    clients: usize,
    seconds: f64,
    summary: &mut Summary,
) {
    println!(
        "\n[webhooks] {rate} status updates/s from {clients} paced clients for {seconds} s, \
             with no webhooks, then with one whose receiver answers 500 to everything"
    );
    let what = format!("command→ack p99 at {rate}/s, webhook receiver down");
    let target = "p99 ≤ no webhooks' + 1 ms";
    match measure(binary, rate, clients, seconds).await {
        Ok(w) => {
            println!("      no webhooks:   {}", percentiles(&w.none.micros));
            println!("      receiver down: {}", percentiles(&w.down.micros));
            println!(
                "      the receiver refused {} requests",
                count(w.refused as f64)
            );
            let (p50, p99) = (
                w.down.micros.value_at_quantile(0.5),
                w.down.micros.value_at_quantile(0.99),
            );
            let base = w.none.micros.value_at_quantile(0.99);
            summary.figure(
                &what,
                format!(
                    "p50 {}, p99 {} (none: p50 {}, p99 {})",
                    ms(p50),
                    ms(p99),
                    ms(w.none.micros.value_at_quantile(0.5)),
                    ms(base)
                ),
                target,
                p99 <= base + 1_000,
            );
        }
        Err(err) => summary.failed(&what, target, format!("{err:#}")),
    }
}
