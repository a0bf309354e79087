//! Clients agree: everyone sees one order of events, and whoever joins later catches up to
//! exactly the board the others hold.

use warroom_core::Seq;
use warroom_core::protocol::ServerMessage;

use crate::support::{Answer, Client, Replica, Server};

/// Submits `count` notes at once, then collects their answers; each note's text is its id.
async fn post_many(mut client: Client, prefix: &str, count: usize) -> (Client, Vec<Seq>) {
    let ids: Vec<String> = (0..count).map(|i| format!("{prefix}-{i:03}")).collect();
    for id in &ids {
        client.submit(id, crate::support::note(id)).await;
    }
    let mut seqs = Vec::with_capacity(count);
    for id in &ids {
        match client.answer(id).await {
            Answer::Ack(seq) => seqs.push(seq),
            other => panic!("{id}: {other:?}"),
        }
    }
    (client, seqs)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clients_see_the_same_events_in_the_same_order_and_a_late_joiner_catches_up() {
    let server = Server::start().await;
    let incident = server.declare("p-alice", "Alice", "Checkout is down").await;
    let alice = Client::join(&server, &incident, "p-alice").await;
    let bob = Client::join(&server, &incident, "p-bob").await;

    // Both post at once, so that only the server decides how their notes interleave.
    let alice_posts = tokio::spawn(post_many(alice, "c-alice", 30));
    let bob_posts = tokio::spawn(post_many(bob, "c-bob", 30));
    let (mut alice, alice_seqs) = alice_posts.await.expect("alice's task");
    let (mut bob, bob_seqs) = bob_posts.await.expect("bob's task");
    for seqs in [&alice_seqs, &bob_seqs] {
        assert!(
            seqs.windows(2).all(|w| w[0] < w[1]),
            "one connection's commands apply in the order sent: {seqs:?}"
        );
    }
    let head = alice_seqs.iter().chain(&bob_seqs).copied().max().unwrap();
    alice.sync_to(head).await;
    bob.sync_to(head).await;
    assert_eq!(alice.replica.seq, head);
    assert_eq!(bob.replica.seq, head);
    assert_eq!(alice.replica.log, bob.replica.log, "one order for everyone");
    assert_eq!(alice.replica.state, bob.replica.state);
    assert_eq!(
        alice.replica.log.len() as Seq,
        head,
        "both hold the log from 1"
    );
    // Every acknowledged note sits exactly where its acknowledgement says.
    for (seq, text) in crate::support::posted(&alice.replica.log) {
        let (owner, index) = text.rsplit_once('-').unwrap();
        let index: usize = index.parse().unwrap();
        let acked = if owner == "c-alice" {
            alice_seqs[index]
        } else {
            bob_seqs[index]
        };
        assert_eq!(acked, seq, "{text} was acknowledged at {acked}");
    }
    assert_eq!(alice.replica.note_texts().len(), 60);

    // Carol arrives late with nothing: she gets the whole log, then her own arrival, which
    // the others see too.
    let carol = Client::join(&server, &incident, "p-carol").await;
    let head = carol.replica.seq;
    alice.sync_to(head).await;
    bob.sync_to(head).await;
    assert_eq!(carol.replica.state, alice.replica.state, "the same board");
    if carol.replica.snapshots == 0 {
        assert_eq!(carol.replica.log, alice.replica.log, "the same events");
    }
    assert_eq!(bob.replica.log, alice.replica.log);
    let mut present = carol.present.clone();
    present.sort_unstable();
    let mut expected = vec![
        server.id_of("p-alice").await,
        server.id_of("p-bob").await,
        server.id_of("p-carol").await,
    ];
    expected.sort_unstable();
    assert_eq!(present, expected);
}

#[tokio::test]
async fn a_client_ahead_of_the_log_is_resynchronised_with_a_snapshot() {
    let server = Server::start().await;
    let incident = server.declare("p-alice", "Alice", "DNS flapping").await;
    let mut alice = Client::join(&server, &incident, "p-alice").await;
    for i in 0..5 {
        alice.post(&format!("c-{i}"), &format!("note {i}")).await;
    }

    // A client that holds more than the log does (say, from a previous life of the data
    // directory) cannot be caught up with events: the server sends the whole board.
    let stranger = Replica {
        seq: 10_000,
        ..Replica::default()
    };
    let bob = Client::rejoin(&server, &incident, "p-bob", stranger).await;
    assert_eq!(bob.replica.snapshots, 1, "bob was sent a snapshot");
    alice.sync_to(bob.replica.seq).await;
    assert_eq!(bob.replica.state, alice.replica.state);
    assert_eq!(bob.replica.note_texts().len(), 5);
}

#[tokio::test]
async fn the_lobby_lists_incidents_as_their_rooms_hold_them() {
    let server = Server::start().await;
    let (status, health) = server.request("GET", "/healthz", None).await;
    assert_eq!(status, 200);
    assert_eq!(health["status"], "ok");

    let incident = server.declare("p-alice", "Alice", "Queue backlog").await;
    let mut alice = Client::join(&server, &incident, "p-alice").await;
    let seq = alice.post("c-1", "consumers are stuck").await;

    let (status, list) = server.request("GET", "/api/incidents", None).await;
    assert_eq!(status, 200);
    let listed = list
        .as_array()
        .expect("a list")
        .iter()
        .find(|i| i["id"] == incident.as_str())
        .unwrap_or_else(|| panic!("{incident} is listed: {list}"));
    assert_eq!(listed["title"], "Queue backlog");
    assert_eq!(listed["commander"], "Alice");
    assert_eq!(listed["head"], seq);

    let (status, error) = server
        .request(
            "POST",
            "/api/incidents",
            Some(&serde_json::json!({"title": 1})),
        )
        .await;
    assert!(
        (400..500).contains(&status),
        "a bad declaration is refused: {status} {error}"
    );

    // A welcome's head is what the log holds.
    let mut bob = Client::connect(&server, "p-bob").await;
    bob.hello(&incident).await;
    match bob.next_message().await {
        ServerMessage::Welcome { head, .. } => assert_eq!(head, seq),
        other => panic!("expected a welcome first, got {other:?}"),
    }
}
