//! Several replicas of the server on one PostgreSQL database (whichever store the rest of the
//! suite runs on): live events reach every replica, a handoff of command can be offered on
//! one and accepted on another, concurrent writers on all of them end in one gap-free order
//! with every command applied once — a resend through another replica included — and the
//! scenario clock fires each inject once, also when the replica holding it is killed.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use warroom_core::{Command, Event, Role, TextId as _};

use crate::support::{Answer, Client, Server, note, posted};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_note_posted_on_one_replica_is_seen_live_on_another() {
    let replicas = Server::start_replicas(2, &[]).await;
    let (a, b) = (&replicas[0], &replicas[1]);
    let incident = a.declare("p-alice", "Alice", "Checkout errors").await;
    let mut alice = Client::join(a, &incident, "p-alice").await;
    let mut bob = Client::join(b, &incident, "p-bob").await;

    let seq = alice.post("c-1", "Errors started at 14:02").await;
    bob.sync_to(seq).await;
    assert!(
        bob.replica
            .note_texts()
            .contains(&"Errors started at 14:02".to_owned()),
        "{:?}",
        bob.replica.note_texts()
    );
    // And the other way round.
    let seq = bob.post("c-1", "Rolled back the deploy").await;
    alice.sync_to(seq).await;
    assert_eq!(alice.replica.state, bob.replica.state, "one board");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn command_is_offered_on_one_replica_and_accepted_on_another() {
    let replicas = Server::start_replicas(2, &[]).await;
    let (a, b) = (&replicas[0], &replicas[1]);
    let incident = a.declare("p-alice", "Alice", "Checkout errors").await;
    let mut alice = Client::join(a, &incident, "p-alice").await;
    let mut bob = Client::join(b, &incident, "p-bob").await;
    let bob_id = b.id_of("p-bob").await;

    // Alice's replica learns that Bob is connected through the other one.
    until_present(&mut alice, &bob_id).await;
    let offer = Command::OfferRole {
        role: Role::Commander,
        to: bob_id.clone(),
        brief: Some(warroom_core::HandoffBrief {
            situation: "Checkout failing for a third of users".into(),
            objectives: "Stop the errors".into(),
            actions: "Rollback under way".into(),
            hazards: "None known".into(),
            communications: "Next update at 14:30".into(),
        }),
    };
    alice.submit("c-offer", offer).await;
    let answer = alice.answer("c-offer").await;
    assert!(matches!(answer, Answer::Ack(_)), "the offer: {answer:?}");
    let accept = Command::AcceptRole {
        role: Role::Commander,
    };
    // Bob's replica may not have heard of the offer yet when he sees it: he accepts once his
    // board shows it, as a person would.
    bob.sync_to(alice.replica.seq).await;
    bob.submit("c-accept", accept).await;
    let accepted = match bob.answer("c-accept").await {
        Answer::Ack(seq) => seq,
        other => panic!("Bob's acceptance: {other:?}"),
    };
    alice.sync_to(accepted).await;
    let confirm = Command::ConfirmHandover {
        role: Role::Commander,
    };
    alice.submit("c-confirm", confirm).await;
    let confirmed = match alice.answer("c-confirm").await {
        Answer::Ack(seq) => seq,
        other => panic!("Alice's confirmation: {other:?}"),
    };
    bob.sync_to(confirmed).await;
    assert_eq!(bob.replica.incident().commander.holder, bob_id);
    assert_eq!(alice.replica.state, bob.replica.state, "one board");
}

/// Reads until `client`'s presence includes `who`.
async fn until_present(client: &mut Client, who: &warroom_core::ParticipantId) {
    while !client.present.contains(who) {
        client.recv().await;
    }
}

const WRITERS_PER_REPLICA: usize = 3;
const NOTES_EACH: usize = 15;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_on_three_replicas_end_in_one_order_each_command_once() {
    let replicas = Arc::new(Server::start_replicas(3, &[]).await);
    let incident = replicas[0].declare("p-dana", "Dana", "Region outage").await;
    let mut writers = Vec::new();
    for r in 0..replicas.len() {
        for w in 0..WRITERS_PER_REPLICA {
            let replicas = Arc::clone(&replicas);
            let incident = incident.clone();
            writers.push(tokio::spawn(async move {
                let label = format!("p-writer-{r}-{w}");
                let mut client = Client::join(&replicas[r], &incident, &label).await;
                let ids: Vec<String> = (0..NOTES_EACH).map(|n| format!("c-{n}")).collect();
                for (n, id) in ids.iter().enumerate() {
                    client.submit(id, note(format!("{label} #{n:02}"))).await;
                }
                let answers = client.answers(&ids).await;
                let mut acked = Vec::new();
                for id in &ids {
                    match &answers[id] {
                        Answer::Ack(seq) => acked.push(*seq),
                        other => panic!("{label}'s {id}: {other:?}"),
                    }
                }
                (label, acked)
            }));
        }
    }
    let mut acks = Vec::new();
    for writer in writers {
        acks.push(writer.await.expect("a writer"));
    }

    // A reader on each replica holds the same gap-free log (its client checks the order).
    let head = acks.iter().flat_map(|(_, a)| a).max().copied().unwrap();
    let mut logs = Vec::new();
    for replica in replicas.iter() {
        let mut reader = Client::join(replica, &incident, "p-reader").await;
        reader.sync_to(head).await;
        logs.push(reader.replica.log.clone());
    }
    assert!(logs.windows(2).all(|w| w[0] == w[1]), "one log everywhere");
    let notes = posted(&logs[0]);
    let mut by_text: HashMap<&str, Vec<u64>> = HashMap::new();
    for (seq, text) in &notes {
        by_text.entry(text.as_str()).or_default().push(*seq);
    }
    for (label, acked) in &acks {
        for (n, seq) in acked.iter().enumerate() {
            let text = format!("{label} #{n:02}");
            assert_eq!(
                by_text.get(text.as_str()),
                Some(&vec![*seq]),
                "{text} is in the log once, at its acknowledged sequence"
            );
        }
        assert!(
            acked.windows(2).all(|w| w[0] < w[1]),
            "{label}'s in its order"
        );
    }
    assert_eq!(
        notes.len(),
        acks.len() * NOTES_EACH,
        "nothing else was posted"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_command_resent_through_another_replica_is_acknowledged_not_applied_again() {
    let replicas = Server::start_replicas(2, &[]).await;
    let (a, b) = (&replicas[0], &replicas[1]);
    let incident = a.declare("p-alice", "Alice", "Checkout errors").await;
    // B's room is live (and has its own idea of what was applied) before the command is.
    let mut watcher = Client::join(b, &incident, "p-watcher").await;
    let mut alice = Client::join(a, &incident, "p-alice").await;
    let first = alice.post("c-1", "Paged the database team").await;
    watcher.sync_to(first).await;
    drop(alice);

    // The acknowledgement was lost: Alice resends through the other replica.
    let mut again = Client::join(b, &incident, "p-alice").await;
    again.submit("c-1", note("Paged the database team")).await;
    assert!(
        matches!(again.answer("c-1").await, Answer::Ack(seq) if seq == first),
        "the original sequence"
    );
    let later = again.post("c-2", "Next").await;
    watcher.sync_to(later).await;
    let posts = posted(&watcher.replica.log);
    assert_eq!(
        posts
            .iter()
            .filter(|(_, t)| t == "Paged the database team")
            .count(),
        1,
        "{posts:?}"
    );
}

/// A script whose injects come a second or two apart.
const QUICK_SCRIPT: &str = r#"
title = "Quick drill"
briefing = "Injects every other second."

[[inject]]
at = "T+00:01"
source = "Monitoring"
text = "Inject one"

[[inject]]
at = "T+00:02"
source = "Monitoring"
text = "Inject two"

[[inject]]
at = "T+00:03"
source = "Monitoring"
text = "Inject three"

[[inject]]
at = "T+00:09"
source = "Monitoring"
text = "Inject four"

[[inject]]
at = "T+00:11"
source = "Monitoring"
text = "Inject five"

[[inject]]
at = "T+00:13"
source = "Monitoring"
text = "Inject six"
"#;

/// The injects fired in `log`, by index, with how many times each.
fn fired(log: &[warroom_core::Recorded]) -> BTreeMap<u32, usize> {
    let mut fired = BTreeMap::new();
    for r in log {
        if let Event::InjectFired {
            inject: Some(i), ..
        } = &r.event
        {
            *fired.entry(*i).or_default() += 1;
        }
    }
    fired
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_scenario_clock_fires_each_inject_once_and_moves_when_its_replica_is_killed() {
    let mut replicas = Server::start_replicas(3, &[]).await;
    // Dana declares the exercise (and commands it); Fran facilitates.
    let dana = replicas[0].person_named("p-dana", "Dana").await;
    let body = serde_json::json!({"title": "Game day", "severity": "SEV2", "drill": true});
    let (status, reply) = replicas[0]
        .request_as(Some(&dana), "POST", "/api/incidents", Some(&body))
        .await;
    assert_eq!(status, 201, "{reply}");
    let incident = warroom_core::IncidentId::parse(reply["id"].as_str().unwrap()).unwrap();
    // A player on every replica keeps the incident's room live there.
    let mut players = Vec::new();
    for (r, replica) in replicas.iter().enumerate() {
        players.push(Client::join(replica, &incident, &format!("p-player-{r}")).await);
    }
    let mut fran = Client::join(&replicas[1], &incident, "p-fran").await;
    let start = Command::StartScenario {
        builtin: None,
        script: Some(QUICK_SCRIPT.into()),
    };
    fran.submit("c-start", start).await;
    let answer = fran.answer("c-start").await;
    assert!(matches!(answer, Answer::Ack(_)), "the start: {answer:?}");

    // Once the first three have fired, kill the replica whose room holds the clock.
    while fired(&fran.replica.log).len() < 3 {
        fran.recv().await;
    }
    let holder = replicas
        .iter()
        .position(|r| r.log().contains("took the scenario clock"))
        .expect("a replica took the clock");
    replicas[holder].kill().await;
    let mut survivors: Vec<Client> = Vec::new();
    for (r, player) in players.into_iter().enumerate() {
        if r != holder {
            survivors.push(player);
        }
    }
    if holder == 1 {
        // Fran was on the killed replica: she reconnects to a survivor holding what she had.
        let replica = fran.close().await;
        let to = if holder == 0 { 1 } else { 0 };
        fran = Client::rejoin(&replicas[to], &incident, "p-fran", replica).await;
    }
    // Everyone reads (and so stays connected) until all six have fired.
    survivors.push(fran);
    let mut waiting = Vec::new();
    for mut client in survivors {
        waiting.push(tokio::spawn(async move {
            while fired(&client.replica.log).len() < 6 {
                client.recv().await;
            }
            client
        }));
    }
    let mut clients = Vec::new();
    for client in waiting {
        clients.push(client.await.expect("a reader"));
    }
    let fran = clients.pop().expect("Fran");
    // Every survivor's room agrees, and no inject fired twice.
    let head = fran.replica.seq;
    for player in &mut clients {
        player.sync_to(head).await;
        assert_eq!(player.replica.log, fran.replica.log);
    }
    let fired = fired(&fran.replica.log);
    assert_eq!(
        fired,
        (0..6).map(|i| (i, 1)).collect::<BTreeMap<_, _>>(),
        "each inject once"
    );
    let took = replicas
        .iter()
        .enumerate()
        .filter(|(r, replica)| *r != holder && replica.log().contains("took the scenario clock"))
        .count();
    assert_eq!(took, 1, "one survivor took the clock over");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_replica_whose_listening_connection_is_cut_catches_up_when_it_is_back() {
    let replicas = Server::start_replicas(2, &[]).await;
    let (a, b) = (&replicas[0], &replicas[1]);
    let incident = a.declare("p-alice", "Alice", "Checkout errors").await;
    let mut alice = Client::join(a, &incident, "p-alice").await;
    let mut bob = Client::join(b, &incident, "p-bob").await;

    // The database ends every listening session (both replicas'), then a note is posted:
    // its notification may go to nobody.
    let url = a.database_url().expect("replicas are on PostgreSQL");
    let (db, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .expect("the test database");
    tokio::spawn(connection);
    let cut = db
        .query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND query LIKE 'LISTEN%'",
            &[],
        )
        .await
        .expect("ending the listeners");
    assert_eq!(cut.len(), 2, "one listening connection per replica");
    let seq = alice.post("c-1", "Posted while nobody listened").await;

    // Bob's replica listens again within a second or two and catches up then.
    bob.sync_to(seq).await;
    assert!(
        bob.replica
            .note_texts()
            .contains(&"Posted while nobody listened".to_owned())
    );
}
