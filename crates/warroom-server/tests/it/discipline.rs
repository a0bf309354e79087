//! Crew discipline through the real binary: only the commander (as the session says, not the
//! message) starts and ends a sterile phase; a note that is not essential is acknowledged,
//! held, survives a restart as held, and is released when the phase ends.

use warroom_core::{Command, NoteKind, RejectionCode};

use crate::support::{Answer, Client, Server};

fn note(text: &str, essential: bool) -> Command {
    Command::PostNote {
        kind: NoteKind::Observation,
        text: text.into(),
        essential,
        occurred_at: None,
        precision: None,
    }
}

async fn ack(client: &mut Client, id: &str, command: Command) -> u64 {
    client.submit(id, command).await;
    match client.answer(id).await {
        Answer::Ack(seq) => seq,
        other => panic!("{} sending {id}: {other:?}", client.participant),
    }
}

#[tokio::test]
async fn a_sterile_phase_holds_a_note_across_a_restart_and_releases_it() {
    let mut server = Server::start().await;
    let incident = server
        .declare("p-alice", "Alice", "Database failover")
        .await;
    let mut alice = Client::join(&server, &incident, "p-alice").await;
    let mut bob = Client::join(&server, &incident, "p-bob").await;

    // Bob is not the commander: the server says so from his session.
    let start = Command::StartSterilePhase {
        reason: "Failover in progress".into(),
    };
    bob.submit("c-bob-start", start.clone()).await;
    match bob.answer("c-bob-start").await {
        Answer::Rejected(r) => assert_eq!(r.code, RejectionCode::NotPermitted, "{r:?}"),
        other => panic!("Bob started a sterile phase: {other:?}"),
    }
    ack(&mut alice, "c-start", start).await;
    let held = ack(&mut bob, "c-note", note("Replica lag 40s", false)).await;
    let essential = ack(&mut bob, "c-essential", note("Primary is down", true)).await;
    alice.sync_to(essential).await;
    let board = alice.replica.incident();
    assert!(board.sterile.is_some());
    let queued: Vec<&str> = board.queued_notes().map(|(_, n)| n.text.as_str()).collect();
    assert_eq!(queued, ["Replica lag 40s"], "held at {held}");

    // A restart keeps the phase and the queued note: they are events.
    alice.close().await;
    bob.close().await;
    server.terminate();
    assert!(server.exited().await.success());
    let server = server.start_again().await;
    let mut alice = Client::join(&server, &incident, "p-alice").await;
    let board = alice.replica.incident();
    assert!(board.sterile.is_some(), "the phase survives the restart");
    assert_eq!(
        board.queued_notes().count(),
        1,
        "the queued note survives the restart"
    );

    let end = ack(&mut alice, "c-end", Command::EndSterilePhase).await;
    alice.sync_to(end).await;
    let board = alice.replica.incident();
    assert!(board.sterile.is_none());
    assert_eq!(board.queued_notes().count(), 0, "released");
    let released = board
        .notes
        .values()
        .find(|n| n.text == "Replica lag 40s")
        .and_then(|n| n.held.as_ref())
        .and_then(|h| h.released);
    assert_eq!(released.map(|r| r.seq), Some(end));
}
