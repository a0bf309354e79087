//! Many clients racing for one seat: the room decides commands one at a time, so exactly one
//! racer takes command and everyone else is told why not.

use std::sync::Arc;

use tokio::sync::Barrier;
use warroom_core::{Command, Event, RejectionCode, Role};

use crate::support::{Answer, Client, Server};

const RACERS: usize = 50;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_clients_racing_for_an_absent_commanders_seat_leave_exactly_one_commander() {
    let server = Arc::new(Server::start().await);
    // The declarer is the commander and never connects: the seat is up for assumption.
    let incident = server.declare("p-declarer", "Dana", "Region outage").await;

    let start = Arc::new(Barrier::new(RACERS));
    let mut racers = Vec::new();
    for i in 0..RACERS {
        let server = Arc::clone(&server);
        let incident = incident.clone();
        let start = Arc::clone(&start);
        racers.push(tokio::spawn(async move {
            let participant = format!("p-racer-{i:02}");
            let mut client = Client::join(&server, &incident, &participant).await;
            // Everybody is present before anybody moves.
            start.wait().await;
            let assume = Command::AssumeRole {
                role: Role::Commander,
                reason: "Dana is unreachable".into(),
            };
            client.submit("c-assume", assume).await;
            let answer = client.answer("c-assume").await;
            (client.participant.clone(), answer, client)
        }));
    }
    let mut results = Vec::new();
    for racer in racers {
        results.push(racer.await.expect("a racer task"));
    }

    let winners: Vec<_> = results
        .iter()
        .filter_map(|(who, answer, _)| match answer {
            Answer::Ack(seq) => Some((who.clone(), *seq)),
            _ => None,
        })
        .collect();
    assert_eq!(
        winners.len(),
        1,
        "exactly one racer takes command: {winners:?}"
    );
    let (winner, won_at) = winners[0].clone();
    for (who, answer, _) in &results {
        if *who == winner {
            continue;
        }
        match answer {
            // The seat is taken by someone connected (or, for the winner, already theirs).
            Answer::Rejected(r)
                if matches!(r.code, RejectionCode::Presence | RejectionCode::Conflict) => {}
            other => panic!("{who} should have been refused, got {other:?}"),
        }
    }

    // Everyone, and a fresh observer, agrees on one assumption and one commander.
    let observer = Client::join(&server, &incident, "p-observer").await;
    let assumptions: Vec<_> = observer
        .replica
        .log
        .iter()
        .filter(|r| {
            matches!(
                r.event,
                Event::RoleAssumed {
                    role: Role::Commander,
                    ..
                }
            )
        })
        .collect();
    assert_eq!(
        assumptions.len(),
        1,
        "one RoleAssumed event: {assumptions:?}"
    );
    assert_eq!(assumptions[0].seq, won_at, "the acknowledged event");
    assert_eq!(assumptions[0].actor.as_str(), winner);
    assert_eq!(
        observer.replica.incident().commander.holder.as_str(),
        winner
    );
    for (who, _, mut client) in results {
        client.sync_to(observer.replica.seq).await;
        assert_eq!(
            client.replica.state, observer.replica.state,
            "{who} holds the same board"
        );
    }
}
