//! Warroom side by side with the Socket.IO peer (`socketio-peer.mjs`): the same fan-out
//! scenarios, the same driver ([`fanout::round`]), in alternate rounds of one run — Warroom,
//! the peer, Warroom, the peer… — so that both meet the same machine, whatever else it is
//! doing. Warroom persists every entry before it sends it; the peer keeps its log in memory.
//!
//! Per scenario it prints each round, then the last-delivery p99 of each side over all its
//! rounds and their ratio, beside the target: Warroom's at most half the peer's.

use std::str::FromStr;

use anyhow::Context as _;
use hdrhistogram::Histogram;

use crate::Cli;
use crate::fanout::{self, Room, Round};
use crate::peer::Peer;
use crate::report::{Summary, count, histogram, ms};
use crate::server::Server;

/// The target: Warroom's last-delivery p99 at most this fraction of the peer's.
const TARGET_RATIO: f64 = 0.5;
pub const TARGET: &str = "Warroom ≤ ½ the peer's";

/// The scenarios run unless others are given: the (200 × 100/s, 1,000 × 50/s) and
/// a faster one.
pub const DEFAULT_SCENARIOS: &str = "200x100,1000x50,200x500";

/// `CLIENTSxRATE`: that many subscribers, one writer posting that many entries a second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scenario {
    pub clients: usize,
    pub rate: f64,
}

impl FromStr for Scenario {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("{s:?} is not CLIENTSxRATE (say 200x100: 200 clients, 100 entries/s)");
        let (clients, rate) = s.split_once(['x', 'X']).ok_or_else(bad)?;
        let clients: usize = clients.trim().parse().map_err(|_| bad())?;
        let rate: f64 = rate.trim().parse().map_err(|_| bad())?;
        if clients == 0 || !(rate > 0.0 && rate.is_finite()) {
            return Err(bad());
        }
        Ok(Self { clients, rate })
    }
}

impl Scenario {
    fn label(&self) -> String {
        format!("{} clients × {}/s", count(self.clients as f64), self.rate)
    }
}

/// The summary's name of a scenario's figure.
pub fn what(scenario: &Scenario) -> String {
    format!("fan-out last-delivery p99, {}", scenario.label())
}

/// Runs every scenario, `rounds` rounds a side, each posting for `secs` seconds.
pub async fn measure(
    server: &Server,
    peer: &Peer,
    scenarios: &[Scenario],
    rounds: usize,
    secs: f64,
    summary: &mut Summary,
) {
    for (i, scenario) in scenarios.iter().enumerate() {
        let entries = ((scenario.rate * secs).ceil() as usize).max(2);
        println!(
            "\n  {}: {entries} entries a round, {rounds} rounds a side, alternating",
            scenario.label()
        );
        let what = what(scenario);
        let target = TARGET;
        match rounds_of(server, peer, i, *scenario, entries, rounds).await {
            Ok((ours, theirs)) => {
                let (p99, peer_p99) =
                    (ours.value_at_quantile(0.99), theirs.value_at_quantile(0.99));
                let ratio = p99 as f64 / peer_p99.max(1) as f64;
                summary.figure(
                    &what,
                    format!(
                        "Warroom {}, peer {}: ratio {ratio:.2}",
                        ms(p99),
                        ms(peer_p99)
                    ),
                    target,
                    ratio <= TARGET_RATIO,
                );
            }
            Err(err) => summary.failed(&what, target, format!("{err:#}")),
        }
    }
}

/// The rounds of one scenario; each side's last-delivery samples over all of its rounds.
async fn rounds_of(
    server: &Server,
    peer: &Peer,
    scenario_index: usize,
    scenario: Scenario,
    entries: usize,
    rounds: usize,
) -> anyhow::Result<(Histogram<u64>, Histogram<u64>)> {
    let (mut ours, mut theirs) = (histogram(), histogram());
    for r in 1..=rounds {
        let incident = server
            .declare(
                "p-bench-lead",
                &format!("Versus {scenario_index}.{r}: checkout is down"),
            )
            .await?;
        let warroom = Room::Warroom { server, incident };
        let round = run(&warroom, scenario, entries, r).await?;
        ours.add(&round.last_delivery)?;

        let room = format!("versus-{scenario_index}-{r}");
        let round = run(&Room::Peer { peer, room }, scenario, entries, r)
            .await
            .map_err(|err| match peer.log() {
                log if log.trim().is_empty() => err,
                log => anyhow::anyhow!("{err:#}; the peer's log:\n{log}"),
            })?;
        theirs.add(&round.last_delivery)?;
    }
    Ok((ours, theirs))
}

async fn run(
    room: &Room<'_>,
    scenario: Scenario,
    entries: usize,
    r: usize,
) -> anyhow::Result<Round> {
    let side = room.side();
    let round = fanout::round(room, scenario.clients, entries, scenario.rate)
        .await
        .with_context(|| format!("round {r}, {side}"))?;
    let last = &round.last_delivery;
    println!(
        "      round {r} {side:<14}: last delivery p50 {}, p99 {}, max {}; every delivery p99 {} \
         ({} entries × {} clients, all delivered; {:.0}/s achieved; {:.0} B an entry)",
        ms(last.value_at_quantile(0.5)),
        ms(last.value_at_quantile(0.99)),
        ms(last.max()),
        ms(round.deliveries.value_at_quantile(0.99)),
        round.entries,
        round.subscribers,
        round.rate,
        round.bytes_per_entry,
    );
    Ok(round)
}

/// Fan-out against the Socket.IO peer: one Warroom server and one peer for every round.
pub async fn side_by_side(cli: &Cli, binary: &std::path::Path, summary: &mut Summary) {
    let scenarios = if cli.versus.is_empty() {
        DEFAULT_SCENARIOS
            .split(',')
            .map(|s| s.parse().expect("the default scenarios parse"))
            .collect()
    } else {
        cli.versus.clone()
    };
    let rounds = cli.size(cli.versus_rounds, 3, 1).max(1);
    let secs = cli.size(cli.versus_secs, 10.0, 2.0);
    println!(
        "\n[versus] fan-out side by side: Warroom (persisting every entry) and a Socket.IO \
         broadcast server (its log in memory), the same client code, in alternate rounds"
    );
    let script = cli
        .peer_script
        .clone()
        .unwrap_or_else(crate::peer::default_script);
    let node = cli
        .node
        .clone()
        .unwrap_or_else(|| std::path::PathBuf::from("node"));
    let peer = match Peer::start(&node, &script) {
        Ok(peer) => peer,
        Err(err) => {
            for s in &scenarios {
                summary.failed(&what(s), TARGET, format!("{err:#}"));
            }
            return;
        }
    };
    println!(
        "      the peer: socket.io {} on Node.js ({})",
        peer.version,
        node.display()
    );
    let (peer, list, part) = (&peer, &scenarios, &mut *summary);
    let result = crate::with_server(binary, &[], |server| async move {
        measure(&server, peer, list, rounds, secs, part).await;
        anyhow::Ok(())
    })
    .await;
    if let Err(err) = result {
        for s in &scenarios {
            summary.failed(&what(s), TARGET, format!("{err:#}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenarios_are_clients_x_rate() {
        let parsed: Vec<Scenario> = DEFAULT_SCENARIOS
            .split(',')
            .map(|s| s.parse().unwrap())
            .collect();
        assert_eq!(
            parsed,
            [(200, 100.0), (1_000, 50.0), (200, 500.0)]
                .map(|(clients, rate)| Scenario { clients, rate })
        );
        assert_eq!(
            "50X2.5".parse::<Scenario>(),
            Ok(Scenario {
                clients: 50,
                rate: 2.5
            })
        );
        for bad in ["200", "x100", "0x100", "200x0", "200x-1", "200xinf", "ax1"] {
            assert!(bad.parse::<Scenario>().is_err(), "{bad} parsed");
        }
    }
}
