//! The fault run: three replicas on one PostgreSQL behind a real HAProxy (the deployment
//! guide's configuration), clients posting through the balancer while their sockets are cut
//! at random and replicas are killed with SIGKILL (and started again on their port, as a
//! supervisor would). Every client keeps its unacknowledged commands and resends them in order
//! after each reconnect, holding what it had (so it resumes from its last sequence). At the
//! end a checker reads the whole log: every command acknowledged exactly once at its
//! acknowledged sequence, no gaps (the support client checks every frame), and each client's
//! commands in the order it sent them.
//!
//! `cargo xtask test` runs it for `WARROOM_FAULT_SECS` (45 by default) beside the configuration
//! check below (which runs with the suite); a longer run is
//! `WARROOM_FAULT_SECS=900 cargo test -p warroom-server --test it fault -- --ignored`.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Mutex, Notify};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use warroom_core::protocol::ServerMessage;
use warroom_core::{IncidentId, Seq};

use crate::support::balancer::{Balancer, free_port};
use crate::support::{Client, Incoming, Replica, Server, note, posted};

const CLIENTS: usize = 6;
/// Commands a client has in flight at most.
const WINDOW: usize = 4;

/// A small xorshift, seeded from the clock and printed, so a failing run can be told apart.
struct Dice(u64);

impl Dice {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "the fault run takes a minute: `cargo xtask test` runs it (or -- --ignored)"]
async fn clients_behind_haproxy_survive_cut_sockets_and_killed_replicas() {
    let secs: u64 = std::env::var("WARROOM_FAULT_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(45);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
        | 1;
    eprintln!("fault run: {secs} s, seed {seed}");
    let ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
    let mut replicas = Vec::new();
    for port in &ports {
        let addr = format!("127.0.0.1:{port}");
        // The clients post as fast as they are answered: no rate limit in the way.
        let flags = [
            "--addr",
            &addr,
            "--rate-limit",
            "100000",
            "--rate-burst",
            "100000",
        ];
        let mut one = Server::start_replicas_on(&replicas, &flags).await;
        replicas.push(one.pop().expect("a replica"));
    }
    let balancer = Arc::new(Balancer::start(&ports).await);
    let incident = replicas[0].declare("p-dana", "Dana", "Region outage").await;
    let mut cookies = Vec::new();
    for c in 0..CLIENTS {
        cookies.push(replicas[0].person(&format!("p-client-{c}")).await.cookie);
    }
    let replicas = Arc::new(Mutex::new(replicas));

    let stop_at = Instant::now() + Duration::from_secs(secs);
    let cuts: Vec<Arc<Notify>> = (0..CLIENTS).map(|_| Arc::new(Notify::new())).collect();
    let mut writers = Vec::new();
    for (c, cookie) in cookies.into_iter().enumerate() {
        let balancer = Arc::clone(&balancer);
        let incident = incident.clone();
        let cut = Arc::clone(&cuts[c]);
        writers.push(tokio::spawn(async move {
            writer(
                &balancer,
                &incident,
                &format!("p-client-{c}"),
                &cookie,
                stop_at,
                &cut,
            )
            .await
        }));
    }

    // The chaos: every half second to two seconds, cut a client's socket or kill a replica
    // (never the last one standing) and start it again on its port.
    let mut dice = Dice(seed);
    let (mut cut_count, mut kill_count) = (0, 0);
    while Instant::now() < stop_at {
        tokio::time::sleep(Duration::from_millis(500 + dice.below(1_500))).await;
        if dice.below(3) == 0 {
            let r = dice.below(3) as usize;
            let mut replicas = replicas.lock().await;
            replicas[r].kill().await;
            tokio::time::sleep(Duration::from_millis(dice.below(1_000))).await;
            let again = replicas[r].start_again().await;
            replicas[r] = again;
            kill_count += 1;
        } else {
            cuts[dice.below(CLIENTS as u64) as usize].notify_one();
            cut_count += 1;
        }
    }
    let mut acked = Vec::new();
    for writer in writers {
        match writer.await {
            Ok(done) => acked.push(done),
            Err(err) => {
                // What the replicas say about it.
                for replica in replicas.lock().await.iter() {
                    let ready =
                        tokio::time::timeout(Duration::from_secs(3), replica.get("/readyz")).await;
                    eprintln!(
                        "replica :{} /readyz: {:?}",
                        replica.port,
                        ready.map(|r| (r.status, r.text().to_owned()))
                    );
                    let log = replica.log();
                    let tail: Vec<&str> = log.lines().rev().take(15).collect();
                    for line in tail.iter().rev() {
                        eprintln!("replica :{} tail: {line}", replica.port);
                    }
                    for line in replica.logs().lines() {
                        if line.contains("ERROR") {
                            eprintln!("replica :{}: {line}", replica.port);
                        }
                    }
                }
                panic!("a writer failed: {err}");
            }
        }
    }
    let total: usize = acked.iter().map(|(_, a)| a.len()).sum();
    eprintln!(
        "fault run: {total} commands acknowledged, {cut_count} sockets cut, {kill_count} replicas killed"
    );
    assert!(kill_count > 0 || secs < 5, "the run killed a replica");

    for replica in replicas.lock().await.iter() {
        for line in replica.logs().lines().filter(|l| l.contains("ERROR")) {
            eprintln!("replica :{}: {line}", replica.port);
        }
    }

    // The checker: the whole committed log, read from the database itself, must be gap-free
    // and hold every acknowledged command once, at its sequence, each client's in its order.
    let url = replicas.lock().await[0]
        .database_url()
        .expect("replicas are on PostgreSQL");
    let log = committed_log(&url, &incident).await;
    for (i, recorded) in log.iter().enumerate() {
        assert_eq!(recorded.seq, i as Seq + 1, "no gaps in the log");
    }
    // And a client through the balancer catches up to the same head.
    let head = log.last().map_or(0, |r| r.seq);
    let mut reader = connect(&balancer, &reader_cookie(&replicas).await).await;
    reader.hello(&incident).await;
    reader.sync_to(head).await;
    let notes = posted(&log);
    let mut at: HashMap<&str, Vec<Seq>> = HashMap::new();
    for (seq, text) in &notes {
        at.entry(text.as_str()).or_default().push(*seq);
    }
    for (label, commands) in &acked {
        for (text, seq) in commands {
            assert_eq!(
                at.get(text.as_str()),
                Some(&vec![*seq]),
                "{text} is in the log exactly once, at its acknowledged sequence"
            );
        }
        let in_log: Vec<&str> = notes
            .iter()
            .map(|(_, t)| t.as_str())
            .filter(|t| t.starts_with(&format!("{label} #")))
            .collect();
        let sent: Vec<&str> = commands.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(in_log, sent, "{label}'s commands, once each, in its order");
    }
}

/// Every event of `incident` as committed, in order.
async fn committed_log(url: &str, incident: &IncidentId) -> Vec<warroom_core::Recorded> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("the test database");
    tokio::spawn(connection);
    client
        .query(
            "SELECT record FROM events WHERE incident = $1 ORDER BY seq",
            &[&incident.as_str()],
        )
        .await
        .expect("the events")
        .iter()
        .map(|row| serde_json::from_str(row.get::<_, &str>(0)).expect("a recorded event"))
        .collect()
}

async fn reader_cookie(replicas: &Mutex<Vec<Server>>) -> String {
    replicas.lock().await[0].person("p-checker").await.cookie
}

/// A WebSocket through the balancer with this session cookie.
async fn try_connect(balancer: &Balancer, cookie: &str) -> Result<Client, String> {
    let mut request = balancer
        .ws_url()
        .into_client_request()
        .map_err(|e| e.to_string())?;
    request
        .headers_mut()
        .insert("cookie", cookie.parse().expect("a header value"));
    Client::connect_via(balancer.port, request)
        .await
        .map_err(|e| e.to_string())
}

async fn connect(balancer: &Balancer, cookie: &str) -> Client {
    try_connect(balancer, cookie)
        .await
        .expect("a connection through the balancer")
}

/// Posts notes until `stop_at`, then until every one is acknowledged; the acknowledged
/// texts with their sequences, in the order sent.
async fn writer(
    balancer: &Balancer,
    incident: &IncidentId,
    label: &str,
    cookie: &str,
    stop_at: Instant,
    cut: &Notify,
) -> (String, Vec<(String, Seq)>) {
    let mut held = Replica::default();
    let mut pending: VecDeque<(String, String)> = VecDeque::new();
    let mut acked: Vec<(String, Seq)> = Vec::new();
    let mut next = 0;
    let mut last_end = String::new();
    let give_up = stop_at + Duration::from_secs(30);
    'connections: loop {
        assert!(
            Instant::now() < give_up,
            "{label} could not finish in time: {} pending ({pending:?}), last end {last_end:?}, holding {}",
            pending.len(),
            held.seq
        );
        if Instant::now() >= stop_at && pending.is_empty() {
            break;
        }
        let mut client = match try_connect(balancer, cookie).await {
            Ok(client) => client,
            Err(err) => {
                last_end = format!("cannot connect: {err}");
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
        };
        client.participant = label.to_owned();
        // Resume from what it holds, then resend what is unacknowledged, in order.
        client.replica = held.clone();
        client.hello(incident).await;
        let mut alive = true;
        for (id, text) in &pending {
            alive &= client.try_submit(id, note(text.clone())).await;
        }
        while alive {
            if Instant::now() < stop_at && pending.len() < WINDOW {
                let (id, text) = (format!("c-{next}"), format!("{label} #{next:04}"));
                next += 1;
                alive = client.try_submit(&id, note(text.clone())).await;
                pending.push_back((id, text));
                continue;
            }
            if Instant::now() >= stop_at && pending.is_empty() {
                held = client.replica.clone();
                break 'connections;
            }
            let incoming = tokio::select! {
                incoming = recv_or_lost(&mut client, &mut last_end) => incoming,
                () = cut.notified() => break,
                () = tokio::time::sleep(Duration::from_millis(200)) => continue,
            };
            match incoming {
                Some(ServerMessage::Ack { id, seq }) => {
                    let Some(at) = pending.iter().position(|(p, _)| p.as_str() == id.as_str())
                    else {
                        // A duplicate ack of one already counted (sent twice before a cut).
                        continue;
                    };
                    assert_eq!(at, 0, "{label}'s acks come in the order sent");
                    let (_, text) = pending.pop_front().expect("pending");
                    acked.push((text, seq));
                }
                Some(ServerMessage::Rejected { id, rejection }) => {
                    panic!("{label}'s {id} was rejected: {rejection:?}")
                }
                Some(ServerMessage::Error {
                    command: Some(id),
                    code,
                    ..
                }) => {
                    // The server could not save it (its room restarts and closes the
                    // connection): resent after the reconnect, with everything after it.
                    eprintln!("{label}'s {id}: {code:?}; reconnecting");
                    alive = false;
                }
                Some(_) => {}
                None => alive = false,
            }
        }
        held = client.replica.clone();
    }
    let _ = held;
    (label.to_owned(), acked)
}

/// The next message, or `None` once the connection is gone (closed, lost, or silent).
async fn recv_or_lost(client: &mut Client, last_end: &mut String) -> Option<ServerMessage> {
    match client.recv().await {
        Incoming::Message(message) => Some(message),
        other => {
            *last_end = format!("{other:?}");
            None
        }
    }
}

#[test]
fn the_deployment_guide_shows_the_balancer_configuration_the_fault_run_uses() {
    let guide = include_str!("../../../../docs/deploy.md");
    assert!(
        guide.contains(crate::support::balancer::HAPROXY_CFG),
        "docs/deploy.md shows docs/haproxy.cfg verbatim: paste it again"
    );
}
