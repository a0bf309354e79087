//! Stored data outlives the code that wrote it. `tests/fixtures/incident-v1.sql` is a frozen
//! database written by the first version of the stored formats (see the README beside it):
//! the real server must open it and serve the board it records, using its snapshot (which is
//! still the store's format). And a snapshot is only a cache: one that no longer decodes, or
//! of another format, is ignored, and the incident is rebuilt from its whole log.
//!
//! SQLite only, on either run of the suite: the fixture is a SQLite database (what the first
//! release wrote), and the spoilt snapshots are made by editing the file. The snapshot rules
//! themselves are shared by both stores (`store/snapshot.rs`).

use warroom_core::{
    ActionId, ActionState, ChecklistId, Incident, IncidentId, ItemState, NoteId, ParticipantId,
    Recorded, Severity, Status, TextId,
};

use crate::support::{Client, Server};

const FIXTURE: &str = include_str!("../fixtures/incident-v1.sql");
const INCIDENT: &str = "fixturevoneaaaaaaaaaaaaaaa";
/// The fixture's head, and the sequence of its snapshot.
const HEAD: u64 = 27;
const SNAPSHOT_SEQ: u64 = 20;

fn participant(id: &str) -> ParticipantId {
    ParticipantId::parse(id).expect("a valid id")
}

/// A server on a data directory holding the fixture database, after `prepare` had its way
/// with the file while no server was running.
async fn serve_fixture(prepare: impl FnOnce(&rusqlite::Connection)) -> Server {
    // A first run makes the data directory; the fixture replaces its empty database.
    let mut first = Server::start_sqlite().await;
    first.terminate();
    first.exited().await;
    std::fs::create_dir_all(first.data_dir()).expect("the data directory");
    let db = first.data_dir().join("warroom.sqlite3");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let conn = rusqlite::Connection::open(&db).expect("a new database file");
    conn.execute_batch(FIXTURE).expect("the fixture loads");
    prepare(&conn);
    drop(conn);
    first.start_again().await
}

/// What the fixture's commands left on the board.
fn assert_fixture_board(board: &Incident) {
    let ann = participant("p-annleefixtureaaaaaaaaaaaa");
    let bob = participant("p-bobortizfixtureaaaaaaaaaa");
    assert_eq!(board.title, "Checkout errors after the 09:00 deploy");
    assert_eq!(board.severity, Severity::Sev1);
    assert_eq!(board.status, Status::Mitigated);
    assert_eq!(board.declared_by, ann);
    assert_eq!(board.commander.holder, bob, "command was handed to Bob");
    assert_eq!(
        board.summary,
        "Pricing flag broke coupon carts; flag off, errors back to baseline."
    );
    assert_eq!(board.participants[&bob].name, "Bob Ortiz");
    let texts: Vec<&str> = board.notes.values().map(|n| n.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "Checkout error rate at 4% since 09:00.",
            "The new pricing flag breaks carts with expired coupons.",
            "Status: mitigation under way, next update 09:45.",
            "Keep the flag off until the coupon fix ships.",
            "Error rate back to 0.1% at 09:36.",
        ]
    );
    let amended = &board.notes[&NoteId(2)];
    assert!(amended.pinned, "the amended note is pinned");
    assert_eq!(
        amended.history.first().map(|r| r.text.as_str()),
        Some("The new pricing flag breaks carts with coupons.")
    );
    assert!(board.notes[&NoteId(1)].retracted.is_some());
    let pinned: Vec<NoteId> = board
        .notes
        .iter()
        .filter(|(_, n)| n.pinned)
        .map(|(id, _)| *id)
        .collect();
    assert_eq!(pinned, [NoteId(2)]);
    let action = &board.actions[&ActionId(1)];
    assert_eq!(action.text, "Turn the pricing flag off in production");
    assert_eq!(action.assignee, bob);
    assert_eq!(action.state, ActionState::Done);
    assert_eq!(
        action.readback.as_deref(),
        Some("Pricing flag off, production only")
    );
    let checklist = &board.checklists[&ChecklistId(1)];
    assert!(matches!(
        checklist.items[0].state,
        ItemState::Checked { .. }
    ));
    assert_eq!(board.concerns.len(), 1);
}

/// The whole log over HTTP, folded from nothing: the board the events alone make.
async fn replayed(server: &Server, incident: &IncidentId) -> Incident {
    let (status, log) = server
        .request("GET", &format!("/api/incidents/{incident}/events"), None)
        .await;
    assert_eq!(status, 200, "{log}");
    let log: Vec<Recorded> = serde_json::from_value(log).expect("every stored event decodes");
    warroom_core::replay(None, &log).expect("the log declares the incident")
}

#[tokio::test]
async fn the_frozen_version_1_database_opens_with_its_board() {
    let server = serve_fixture(|_| {}).await;
    let incident = IncidentId::parse(INCIDENT).unwrap();
    let (status, row) = server
        .request("GET", &format!("/api/incidents/{incident}"), None)
        .await;
    assert_eq!(status, 200, "{row}");
    assert_eq!(row["commander"], "Bob Ortiz");
    assert_eq!(row["head"], HEAD);

    let mut reader = Client::join(&server, &incident, "p-reader").await;
    let board = reader.replica.incident().clone();
    assert!(
        board.seq > HEAD,
        "the reader's own join follows the fixture's events"
    );
    assert_fixture_board(&board);
    // Migration 9 carried the fixture's snapshot row into the snapshot file, with the
    // record of its event to be checked against.
    let snapshots = rusqlite::Connection::open(server.data_dir().join("warroom.sqlite3.snapshots"))
        .expect("the snapshot file");
    let carried: (u64, bool) = snapshots
        .query_row(
            "SELECT seq, last_record LIKE '{%' FROM snapshots WHERE incident = ?1",
            [INCIDENT],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("the fixture's snapshot, carried");
    assert_eq!(carried, (SNAPSHOT_SEQ, true));
    drop(snapshots);
    // The first release's snapshot is still this server's format: it is used, not rebuilt,
    // and the board it gives is the one the whole log makes.
    let head = board.seq;
    reader.sync_to(head).await;
    assert_eq!(replayed(&server, &incident).await, board);
    assert!(
        !server.log().contains("stored snapshot ignored"),
        "the version-1 snapshot decodes: {}",
        server.log()
    );
}

#[tokio::test]
async fn a_snapshot_that_does_not_decode_or_is_of_another_format_is_rebuilt_from_the_log() {
    // The fixture is of schema 3, before snapshots had a format: the second change is what
    // schema 4 would hold had a server of another board format written the row.
    let spoilt = [
        (
            "UPDATE snapshots SET state = '{\"not\": \"a board\"';",
            "does not decode",
        ),
        (
            "ALTER TABLE snapshots ADD COLUMN format INTEGER NOT NULL DEFAULT 99; \
             PRAGMA user_version = 4;",
            "of format 99",
        ),
    ];
    for (change, reason) in spoilt {
        let server = serve_fixture(|conn| {
            let rows: u64 = conn
                .query_row(
                    "SELECT count(*) FROM snapshots WHERE seq = ?1",
                    [SNAPSHOT_SEQ],
                    |r| r.get(0),
                )
                .expect("the snapshots table");
            assert_eq!(rows, 1, "the fixture has a snapshot at seq {SNAPSHOT_SEQ}");
            conn.execute_batch(change).expect("the row is changed");
        })
        .await;
        let incident = IncidentId::parse(INCIDENT).unwrap();
        let reader = Client::join(&server, &incident, "p-reader").await;
        assert_fixture_board(reader.replica.incident());
        assert_eq!(
            replayed(&server, &incident).await,
            *reader.replica.incident(),
            "{change}"
        );
        let log = server.logged("stored snapshot ignored").await;
        assert!(log.contains(reason), "{change}: {log}");
    }
}
