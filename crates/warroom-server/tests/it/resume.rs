//! Reconnecting: a client that was away gets exactly what it missed, and a command sent again
//! after a reconnect (or while the first is still being written) is acknowledged again but
//! applied once.

use warroom_core::protocol::ServerMessage;

use crate::support::{Answer, Client, Server, note, posted};

#[tokio::test]
async fn a_client_resuming_from_its_last_sequence_receives_exactly_what_it_missed() {
    let server = Server::start().await;
    let incident = server.declare("p-alice", "Alice", "Payments 502").await;
    let mut alice = Client::join(&server, &incident, "p-alice").await;
    let mut bob = Client::join(&server, &incident, "p-bob").await;
    for i in 0..3 {
        bob.post(&format!("c-bob-{i}"), &format!("bob {i}")).await;
    }
    let bob_left = bob.close().await;
    let left_at = bob_left.seq;

    let mut head = 0;
    for i in 0..10 {
        head = alice
            .post(&format!("c-alice-{i}"), &format!("alice {i}"))
            .await;
    }
    alice.sync_to(head).await;

    // Bob comes back holding `left_at`: by the time he is present he has exactly the events
    // after it (his replica refuses gaps and duplicates), and nothing else was appended.
    let mut bob = Client::rejoin(&server, &incident, "p-bob", bob_left).await;
    assert_eq!(bob.welcome_head, Some(head));
    assert_eq!(bob.replica.seq, head);
    assert_eq!(
        bob.replica.snapshots, 0,
        "a short absence is caught up with events"
    );
    let missed = &bob.replica.log[left_at as usize..];
    assert_eq!(missed, &alice.replica.log[left_at as usize..]);
    assert_eq!(
        posted(missed).len(),
        10,
        "the ten notes posted while bob was away"
    );
    assert_eq!(bob.replica.state, alice.replica.state);

    // And the live stream continues right after.
    let next = alice.post("c-alice-next", "after bob's return").await;
    assert_eq!(next, head + 1);
    bob.sync_to(next).await;
    assert_eq!(bob.replica.log, alice.replica.log);
}

#[tokio::test]
async fn a_command_resent_on_a_new_connection_is_acknowledged_again_but_applied_once() {
    let server = Server::start().await;
    let incident = server
        .declare("p-alice", "Alice", "Disk full on db-3")
        .await;
    let mut alice = Client::join(&server, &incident, "p-alice").await;
    let seq = alice.post("c-once", "applied once").await;
    let replica = alice.close().await;

    let mut alice = Client::rejoin(&server, &incident, "p-alice", replica).await;
    alice.submit("c-once", note("applied once")).await;
    // The acknowledgement repeats the original sequence and no events come before it.
    match alice.next_message().await {
        ServerMessage::Ack { id, seq: again } => {
            assert_eq!(id.as_str(), "c-once");
            assert_eq!(again, seq, "the same sequence as the first time");
        }
        other => panic!("expected the repeated ack, got {other:?}"),
    }
    let after = alice.post("c-after", "the next note").await;
    assert_eq!(after, seq + 1, "the resend appended nothing");
    let texts = alice.replica.note_texts();
    assert_eq!(texts, ["applied once", "the next note"]);
}

#[tokio::test]
async fn two_participants_may_use_the_same_command_id() {
    let server = Server::start().await;
    let incident = server.declare("p-alice", "Alice", "Id collisions").await;
    let mut alice = Client::join(&server, &incident, "p-alice").await;
    let mut bob = Client::join(&server, &incident, "p-bob").await;
    // Ids are each client's own: the same id from someone else is another command.
    let first = alice.post("c-1", "alice's first note").await;
    let second = bob.post("c-1", "bob's first note").await;
    assert_eq!(second, first + 1);
    alice.sync_to(second).await;
    assert_eq!(
        alice.replica.note_texts(),
        ["alice's first note", "bob's first note"]
    );
}

#[tokio::test]
async fn a_command_whose_ack_was_lost_is_applied_once_when_resent() {
    let server = Server::start().await;
    let incident = server.declare("p-alice", "Alice", "Cache stampede").await;
    let mut alice = Client::join(&server, &incident, "p-alice").await;
    // Send and hang up at once: the acknowledgement (if any) is lost with the connection.
    alice.submit("c-lost", note("sent into the void")).await;
    let replica = alice.close().await;

    let mut alice = Client::rejoin(&server, &incident, "p-alice", replica).await;
    alice.submit("c-lost", note("sent into the void")).await;
    let Answer::Ack(seq) = alice.answer("c-lost").await else {
        panic!("the resend is acknowledged");
    };
    alice.sync_to(seq).await;
    let posted = posted(&alice.replica.log);
    assert_eq!(posted, [(seq, "sent into the void".to_owned())]);
}

/// Pairs of the same command sent at once by two connections of one person: the room decides
/// the next batch while one commits, so the second of a pair often arrives while the first
/// is still being written.
const RESENT_PAIRS: usize = 60;

#[tokio::test]
async fn a_command_resent_while_it_commits_is_acknowledged_with_its_sequence_and_applied_once() {
    let server = Server::start().await;
    let incident = server
        .declare("p-alice", "Alice", "Resends in flight")
        .await;
    let mut first = Client::join(&server, &incident, "p-alice").await;
    let mut second = Client::join(&server, &incident, "p-alice").await;
    let ids: Vec<String> = (0..RESENT_PAIRS).map(|i| format!("c-{i}")).collect();
    for (i, id) in ids.iter().enumerate() {
        first.submit(id, note(format!("note {i}"))).await;
        second.submit(id, note(format!("note {i}"))).await;
    }
    let from_first = first.answers(&ids).await;
    let from_second = second.answers(&ids).await;
    let mut seqs = Vec::new();
    for id in &ids {
        let (Answer::Ack(a), Answer::Ack(b)) = (&from_first[id], &from_second[id]) else {
            panic!("{id} was not acknowledged on both connections");
        };
        assert_eq!(
            a, b,
            "{id}: both acknowledgements give the one sequence it was applied at"
        );
        seqs.push(*a);
    }
    let head = seqs.iter().copied().max().expect("acknowledged");
    first.sync_to(head).await;
    let posted = posted(&first.replica.log);
    assert_eq!(
        posted.len(),
        RESENT_PAIRS,
        "each command applied once: {posted:?}"
    );
    let mut distinct = seqs.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(
        distinct.len(),
        RESENT_PAIRS,
        "every command has its own sequence"
    );
}
