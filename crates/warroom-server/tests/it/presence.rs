//! Presence is honest: a person whose link died without a close — the browser's machine asleep,
//! the network gone — is shown as not connected to the others within the heartbeat timeout
//! (three heartbeats), while one who only listens stays present however long it is quiet.

use std::time::{Duration, Instant};

use warroom_core::protocol::ServerMessage;

use crate::support::{Client, Server};

/// The heartbeat the server runs with here, to keep the test short; the default's arithmetic is
/// checked by the config's unit tests.
const HEARTBEAT_SECS: u64 = 1;
const MISSED: u64 = 3;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_answering_is_shown_gone_within_the_heartbeat_timeout() {
    let heartbeat = HEARTBEAT_SECS.to_string();
    let server = Server::start_with(&["--heartbeat-secs", &heartbeat]).await;
    let incident = server.declare("p-alice", "Alice", "Checkout is down").await;
    let mut alice = Client::join(&server, &incident, "p-alice").await;
    let mut carol = Client::join(&server, &incident, "p-carol").await;
    // Bob joins, then neither reads nor writes again; his TCP connection stays open (the
    // client is held, not dropped), as a laptop's does when its lid shuts.
    let bob = Client::join(&server, &incident, "p-bob").await;
    let silent_since = Instant::now();
    let bob_id = server.id_of("p-bob").await;
    let carol_id = server.id_of("p-carol").await;
    alice
        .until("presence with Bob", |m| match m {
            ServerMessage::Presence { present } if present.contains(&bob_id) => Some(()),
            _ => None,
        })
        .await;

    // Carol only listens: she never sends a message, and answers the server's pings (her
    // reads do) — so she must stay, however long she is quiet.
    let listening = tokio::spawn(async move {
        let quiet = Duration::from_secs(HEARTBEAT_SECS * MISSED + 2);
        let ended = tokio::time::timeout(quiet, carol.until_closed()).await;
        assert!(
            ended.is_err(),
            "a client that answers pings was closed: {ended:?}"
        );
        carol
    });

    let present = alice
        .until("presence without Bob", |m| match m {
            ServerMessage::Presence { present } if !present.contains(&bob_id) => {
                Some(present.clone())
            }
            _ => None,
        })
        .await;
    let gone_after = silent_since.elapsed();
    println!(
        "Bob shown gone {:.2} s after falling silent",
        gone_after.as_secs_f64()
    );
    let timeout = Duration::from_secs(HEARTBEAT_SECS * MISSED);
    assert!(
        gone_after <= timeout + Duration::from_millis(800),
        "shown gone only after {gone_after:?}, with a {timeout:?} heartbeat timeout"
    );
    assert!(
        gone_after >= timeout - Duration::from_millis(HEARTBEAT_SECS * 1_000),
        "gone after {gone_after:?}: sooner than a missed heartbeat can explain"
    );
    assert!(present.contains(&carol_id), "Carol, listening, is present");
    server.logged("no heartbeat; closing").await;

    let carol = listening.await.expect("Carol stayed connected");
    drop((bob, carol));
}
