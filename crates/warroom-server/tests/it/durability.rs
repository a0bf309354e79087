//! What is acknowledged survives: a graceful restart serves the identical board, and a
//! `kill -9` in the middle of a burst of commands loses no acknowledged event.

use std::collections::HashSet;

use tokio::sync::mpsc;
use warroom_core::{Command, Event, Role, Seq};

use crate::support::{Answer, Client, Incoming, Server, WAIT, note, posted};

#[tokio::test]
async fn a_graceful_restart_serves_the_identical_board_and_every_acknowledged_event() {
    let mut server = Server::start().await;
    let incident = server.declare("p-alice", "Alice", "Login failures").await;
    let mut alice = Client::join(&server, &incident, "p-alice").await;
    let mut bob = Client::join(&server, &incident, "p-bob").await;

    // Who sent what, and where it was acknowledged.
    let mut acked = Vec::new();
    for i in 0..5 {
        let id = format!("c-alice-{i}");
        acked.push((
            "p-alice",
            id.clone(),
            alice.post(&id, &format!("alice {i}")).await,
        ));
        let id = format!("c-bob-{i}");
        acked.push((
            "p-bob",
            id.clone(),
            bob.post(&id, &format!("bob {i}")).await,
        ));
    }
    let commands = [
        (
            "c-summary",
            Command::SetSummary {
                text: "Logins fail for 30% of users since the 14:00 deploy.".into(),
            },
        ),
        ("c-scribe", Command::ClaimRole { role: Role::Scribe }),
    ];
    for (id, command) in commands {
        let (who, client) = if id == "c-scribe" {
            ("p-bob", &mut bob)
        } else {
            ("p-alice", &mut alice)
        };
        client.submit(id, command).await;
        match client.answer(id).await {
            Answer::Ack(seq) => acked.push((who, id.to_owned(), seq)),
            other => panic!("{id}: {other:?}"),
        }
    }
    let head = acked.iter().map(|(_, _, seq)| *seq).max().unwrap();
    alice.sync_to(head).await;
    bob.sync_to(head).await;

    // SIGTERM: every client is told the server is going away, and the process exits cleanly.
    server.terminate();
    assert_eq!(alice.until_closed().await, Some(1001), "going away");
    assert_eq!(bob.until_closed().await, Some(1001), "going away");
    let status = server.exited().await;
    assert!(status.success(), "a clean exit on SIGTERM: {status}");

    let server = server.start_again().await;
    // A fresh client gets the whole log and the same board.
    let mut fresh = Client::join(&server, &incident, "p-alice").await;
    assert_eq!(fresh.replica.seq, head);
    if fresh.replica.snapshots == 0 {
        assert_eq!(fresh.replica.log, alice.replica.log);
    }
    assert_eq!(fresh.replica.state, alice.replica.state);
    // A client that was connected before resumes with nothing to catch up.
    let mut bob = Client::rejoin(&server, &incident, "p-bob", bob.close().await).await;
    assert_eq!(bob.replica.seq, head);
    assert_eq!(bob.replica.state, alice.replica.state);
    // Command ids are remembered across the restart: a resend is acknowledged, not re-applied.
    for (who, id, seq) in &acked {
        let sender = if *who == "p-bob" {
            &mut bob
        } else {
            &mut fresh
        };
        sender.submit(id, note("resent after the restart")).await;
        assert_eq!(sender.answer(id).await, Answer::Ack(*seq), "{id}");
    }
    let next = bob.post("c-next", "after the restart").await;
    assert_eq!(next, head + 1, "nothing was re-applied");
    // The lobby agrees.
    let (_, list) = server.request("GET", "/api/incidents", None).await;
    assert_eq!(list[0]["id"], incident.as_str());
    assert_eq!(list[0]["head"], next);
}

/// Clients writing during the kill, each keeping this many commands outstanding.
const WRITERS: usize = 4;
const IN_FLIGHT: usize = 8;
/// Enough to still be writing when the kill comes, short enough to replay without a snapshot.
const MAX_PER_WRITER: usize = 200;
/// The kill comes once this many commands have been acknowledged.
const KILL_AFTER: usize = 100;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_kill_9_during_a_burst_loses_no_acknowledged_event() {
    let mut server =
        Server::start_with(&["--rate-limit", "100000", "--rate-burst", "100000"]).await;
    let incident = server.declare("p-alice", "Alice", "Kernel panic").await;

    let (acks_tx, mut acks) = mpsc::unbounded_channel::<(String, Seq)>();
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let mut client = Client::join(&server, &incident, &format!("p-writer-{w}")).await;
        let acks_tx = acks_tx.clone();
        writers.push(tokio::spawn(async move {
            // Keep IN_FLIGHT commands outstanding until the connection dies.
            let mut sent = 0;
            let mut outstanding = 0;
            loop {
                while outstanding < IN_FLIGHT && sent < MAX_PER_WRITER {
                    let text = format!("w{w}-{sent:04}");
                    if !client.try_submit(&format!("c-{text}"), note(&text)).await {
                        return;
                    }
                    sent += 1;
                    outstanding += 1;
                }
                if outstanding == 0 {
                    return;
                }
                match client.recv().await {
                    Incoming::Message(message) => {
                        if let Some((id, answer)) = any_answer(&message) {
                            outstanding -= 1;
                            match answer {
                                Answer::Ack(seq) => {
                                    let text = id.strip_prefix("c-").unwrap().to_owned();
                                    let _ = acks_tx.send((text, seq));
                                }
                                other => panic!("{id}: {other:?}"),
                            }
                        }
                    }
                    Incoming::Closed(_) | Incoming::Lost(_) => return,
                }
            }
        }));
    }
    drop(acks_tx);

    let mut acked = Vec::new();
    while acked.len() < KILL_AFTER {
        let ack = tokio::time::timeout(WAIT, acks.recv())
            .await
            .expect("acknowledgements keep coming")
            .expect("the writers are still writing");
        acked.push(ack);
    }
    let status = server.kill().await;
    assert!(!status.success(), "killed, not exited: {status}");
    for writer in writers {
        writer.await.expect("a writer task");
    }
    while let Some(ack) = acks.recv().await {
        acked.push(ack);
    }

    let server = server.start_again().await;
    let reader = Client::join(&server, &incident, "p-alice").await;
    assert_eq!(
        reader.replica.snapshots, 0,
        "the log is short enough to replay"
    );
    let log = &reader.replica.log;
    let posted: Vec<(Seq, String)> = posted(log);
    let unique: HashSet<&String> = posted.iter().map(|(_, text)| text).collect();
    assert_eq!(unique.len(), posted.len(), "no command was applied twice");
    for (text, seq) in &acked {
        let recorded = log
            .get(*seq as usize - 1)
            .unwrap_or_else(|| panic!("{text} acknowledged at {seq}, but the log ends earlier"));
        assert_eq!(recorded.seq, *seq);
        assert!(
            matches!(&recorded.event, Event::NotePosted { text: t, .. } if t == text),
            "{text} was acknowledged at {seq}, the log holds {recorded:?}"
        );
    }
    println!(
        "{} acknowledged before or during the kill, {} in the log after the restart",
        acked.len(),
        posted.len()
    );
}

/// Any acknowledgement or rejection, with its command id.
fn any_answer(message: &warroom_core::protocol::ServerMessage) -> Option<(String, Answer)> {
    use warroom_core::protocol::ServerMessage;
    match message {
        ServerMessage::Ack { id, .. }
        | ServerMessage::Rejected { id, .. }
        | ServerMessage::Error {
            command: Some(id), ..
        } => crate::support::answer_to(id.as_str(), message).map(|a| (id.to_string(), a)),
        _ => None,
    }
}
