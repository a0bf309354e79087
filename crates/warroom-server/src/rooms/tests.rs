use super::*;

#[test]
fn incident_ids_are_long_and_distinct() {
    let a = new_incident_id();
    let b = new_incident_id();
    assert_eq!(a.as_str().len(), 26);
    assert_ne!(a, b);
}

/// `script` passes a store failure on as one (the HTTP edge answers it with a 500), and
/// an unknown incident as unknown.
#[tokio::test]
async fn the_script_of_a_store_that_fails_is_a_store_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.sqlite3");
    let store: Arc<dyn Store> =
        Arc::new(crate::store::SqliteStore::open(&db, Clock::system()).unwrap());
    let rooms = Arc::new(Rooms::new(
        store,
        RoomConfig::default(),
        Shutdown::new(),
        Clock::system(),
    ));
    let id = IncidentId::parse("abc").unwrap();
    let alice = ParticipantId::parse("p-alice").unwrap();
    let unknown = rooms.script(&id, &alice).await;
    assert!(
        matches!(unknown, Err(ScriptError::UnknownIncident(_))),
        "{unknown:?}"
    );
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch("DROP TABLE incidents")
        .unwrap();
    let failed = rooms.script(&id, &alice).await;
    assert!(
        matches!(failed, Err(ScriptError::Store(StoreError::Database { .. }))),
        "{failed:?}"
    );
}

#[tokio::test]
async fn events_are_stamped_by_the_injected_clock() {
    let dir = tempfile::tempdir().unwrap();
    let start = chrono::DateTime::from_timestamp(1_900_000_000, 0).unwrap();
    let clock = Clock::starting_at(start);
    let store: Arc<dyn Store> =
        Arc::new(crate::store::SqliteStore::open(&dir.path().join("t.sqlite3"), clock).unwrap());
    let shutdown = Shutdown::new();
    let (rooms, alice, id) = declared(&store, RoomConfig::default(), &shutdown, clock).await;
    let note = observation("502s from the edge");
    let posted = rooms.act(&id, &alice, note, None).await.unwrap().unwrap();
    let loaded = store.load(&id).await.unwrap();
    let stamps = loaded.events.iter().chain(&posted).map(|r| r.at);
    for at in stamps {
        let drift = (at - start).to_std().unwrap();
        assert!(
            drift < std::time::Duration::from_secs(60),
            "{at} is not {start}"
        );
    }
    shutdown.signal();
    assert!(shutdown.finished(std::time::Duration::from_secs(10)).await);
    assert_eq!(
        rooms.live_count(),
        0,
        "the room took itself off the registry"
    );
}

#[tokio::test]
async fn a_room_that_stops_writes_the_snapshot_it_owes_so_its_next_load_replays_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.sqlite3");
    let clock = Clock::system();
    let store: Arc<dyn Store> = Arc::new(crate::store::SqliteStore::open(&db, clock).unwrap());
    let shutdown = Shutdown::new();
    // A snapshot every 2 events, but a long wait between them unless the log has grown
    // by half: most of the notes below are owed one when the room stops.
    let config = RoomConfig {
        snapshot_every: 2,
        snapshot_gap: std::time::Duration::from_secs(3600),
        ..RoomConfig::default()
    };
    let (rooms, alice, id) = declared(&store, config, &shutdown, clock).await;
    let mut head = 0;
    for n in 0..20 {
        let note = observation(&format!("observation {n}"));
        let posted = rooms.act(&id, &alice, note, None).await.unwrap().unwrap();
        head = posted.last().unwrap().seq;
    }
    shutdown.signal();
    assert!(shutdown.finished(std::time::Duration::from_secs(10)).await);
    drop((rooms, store));

    let store = crate::store::SqliteStore::open(&db, clock).unwrap();
    let loaded = store.load(&id).await.unwrap();
    assert_eq!(
        loaded.snapshot.map(|s| s.seq),
        Some(head),
        "the snapshot is at the head"
    );
    assert!(loaded.events.is_empty(), "nothing to replay");
}

/// Rooms on `store`, and an incident Alice declared there.
async fn declared(
    store: &Arc<dyn Store>,
    config: RoomConfig,
    shutdown: &Shutdown,
    clock: Clock,
) -> (Arc<Rooms>, ParticipantId, IncidentId) {
    let rooms = Arc::new(Rooms::new(
        Arc::clone(store),
        config,
        shutdown.clone(),
        clock,
    ));
    let alice = ParticipantId::parse("p-alice").unwrap();
    let id = rooms
        .declare(&alice, &checkout_is_down(), false, &[])
        .await
        .unwrap();
    (rooms, alice, id)
}

fn checkout_is_down() -> Command {
    Command::Declare {
        title: "Checkout is down".into(),
        severity: warroom_core::Severity::Sev2,
        drill: false,
        name: "Alice".into(),
        retrospective: false,
        occurred_at: None,
        precision: None,
    }
}

fn observation(text: &str) -> Command {
    Command::PostNote {
        kind: warroom_core::NoteKind::Observation,
        text: text.into(),
        essential: false,
        occurred_at: None,
        precision: None,
    }
}
