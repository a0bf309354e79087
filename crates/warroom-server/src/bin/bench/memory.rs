//! Memory per idle connection: the server's resident set (`VmRSS`) before and after opening
//! many connections, each its own participant, joined to a few incidents and then left idle.
//!
//! The rooms are loaded (one connection each) before the first reading, so only the
//! connections are counted. The server runs with a one-second heartbeat here: after the
//! reading the benchmark waits past the server's heartbeat timeout and checks that every
//! connection is still open, i.e. that the idle clients did answer the server's pings. The
//! server's CPU time over that wait is the cost of heartbeats: these clients never send, so
//! the server pings every one of them every heartbeat (a browser, pinging on its own, is not
//! pinged at all).

use std::time::Duration;

use anyhow::bail;
use futures_util::StreamExt;
use tokio::task::JoinSet;
use warroom_server::config::defaults;

use crate::client;
use crate::report::Summary;
use crate::server::Server;

/// The target (issue 15), in KiB and as printed.
const TARGET_KIB: f64 = 16.0;
pub const TARGET: &str = "≤ 16 KiB";

/// The heartbeat the server under this measurement runs with; pass it as its flag.
pub const HEARTBEAT_SECS: u64 = 1;

/// What the memory run measured.
pub struct Memory {
    pub connections: usize,
    pub incidents: usize,
    pub before_kib: u64,
    pub after_kib: u64,
    /// The server's CPU time while every connection sat idle, and for how long.
    pub idle_cpu_ms: u64,
    pub idle_secs: u64,
}

impl Memory {
    pub fn per_connection_kib(&self) -> f64 {
        self.after_kib.saturating_sub(self.before_kib) as f64 / self.connections as f64
    }

    /// The server's CPU time per heartbeat ping (one ping out, one pong in), in microseconds.
    pub fn micros_per_ping(&self) -> f64 {
        let pings = (self.connections as u64 * self.idle_secs / HEARTBEAT_SECS).max(1);
        self.idle_cpu_ms as f64 * 1_000.0 / pings as f64
    }

    /// What that costs at the server's default heartbeat for 10,000 silent connections.
    pub fn heartbeat_line(&self) -> String {
        let per_ping = self.micros_per_ping();
        let pings_per_sec = 10_000.0 / defaults::HEARTBEAT_SECS as f64;
        format!(
            "heartbeats: {} ms of server CPU over {} s idle = {per_ping:.1} µs a ping; 10,000 \
             silent connections at the default {} s heartbeat ({pings_per_sec:.0} pings/s) ≈ \
             {:.1}% of one core",
            self.idle_cpu_ms,
            self.idle_secs,
            defaults::HEARTBEAT_SECS,
            per_ping * pings_per_sec / 10_000.0
        )
    }
}

pub async fn measure(
    server: &Server,
    connections: usize,
    incidents: usize,
) -> anyhow::Result<Memory> {
    let mut rooms = Vec::with_capacity(incidents);
    for i in 0..incidents {
        rooms.push(
            server
                .declare("p-bench-lead", &format!("Idle room {i}"))
                .await?,
        );
    }
    let mut open = JoinSet::new();
    for (i, incident) in rooms.iter().enumerate() {
        let ws = client::join(server, incident, &format!("p-anchor-{i}")).await?;
        open.spawn(client::drain(ws.split().1));
    }
    // Everyone signs in first, as their browsers would have: a session is a row in the
    // database (and in its page cache), not a cost of the connection measured here.
    for c in 0..connections {
        server.person(&format!("p-idle-{c:05}")).await?;
    }
    settle().await;
    let before_kib = server.rss_kib()?;

    for c in 0..connections {
        let incident = &rooms[c % incidents];
        let ws = client::join(server, incident, &format!("p-idle-{c:05}")).await?;
        // Keep reading, so the server's pings are answered and the presence updates do not
        // pile up; the sending half stays with the reader, so the connection stays open.
        let (sink, stream) = ws.split();
        open.spawn(async move {
            let why = client::drain(stream).await;
            drop(sink);
            why
        });
    }
    settle().await;
    let after_kib = server.rss_kib()?;

    // Past the server's heartbeat timeout: still open means pings answered.
    let timeout_secs = u64::from(defaults::HEARTBEATS_MISSED) * HEARTBEAT_SECS;
    let idle_secs = timeout_secs + 2;
    let cpu_before = server.cpu_ms()?;
    tokio::time::sleep(Duration::from_secs(idle_secs)).await;
    let idle_cpu_ms = server.cpu_ms()?.saturating_sub(cpu_before);
    if let Some(ended) = open.try_join_next() {
        bail!(
            "an idle connection ended during the measurement: {}",
            ended.unwrap_or_else(|e| e.to_string())
        );
    }
    open.abort_all();
    Ok(Memory {
        connections,
        incidents,
        before_kib,
        after_kib,
        idle_cpu_ms,
        idle_secs,
    })
}

/// Prints what the run measured and records its figure.
pub fn report(result: &anyhow::Result<Memory>, what: &str, target: &str, summary: &mut Summary) {
    match result {
        Ok(m) => {
            println!(
                "      VmRSS {} KiB before, {} KiB after; all {} connections (to {} incidents) \
                 still open after {} s of {}-second heartbeats",
                m.before_kib, m.after_kib, m.connections, m.incidents, m.idle_secs, HEARTBEAT_SECS
            );
            println!("      {}", m.heartbeat_line());
            let per = m.per_connection_kib();
            summary.figure(what, format!("{per:.1} KiB"), target, per <= TARGET_KIB);
        }
        Err(err) => summary.failed(what, target, format!("{err:#}")),
    }
}

/// Lets the server finish what the last joins set off (presence broadcasts) before a reading.
async fn settle() {
    tokio::time::sleep(Duration::from_secs(2)).await;
}
