//! The store itself, through the library, on the store the suite runs against: `warroom
//! migrate` applies the schema once, then finds nothing to do, and refuses a newer schema;
//! and two writers racing for one head — two server processes on one PostgreSQL, as two
//! replicas will be, or two stores on one SQLite file — never both win: one commits, the
//! other is told `Conflict`, and nothing of it is written. And a database that cannot be
//! reached stops the server at start, naming it without its password.

use std::collections::BTreeSet;

use warroom_core::{Command, Context, IncidentId, ParticipantId, Severity, TextId};
use warroom_server::clock::Clock;
use warroom_server::store::{self, Append, Store, StoreChoice, StoreError, Summary};

use crate::support::{ScratchStore, note, warroom};

/// How many migrations the binary has (both stores have the same; a unit test keeps them so).
const MIGRATIONS: usize = 9;

#[tokio::test]
async fn migrate_applies_the_schema_once_and_refuses_a_newer_one() {
    let store = ScratchStore::new().await;
    let migrate = |flags: &[String]| {
        let mut args = vec!["migrate".to_owned()];
        args.extend(flags.iter().cloned());
        async move { warroom(&args).await }
    };
    let first = migrate(&store.flags).await;
    let lines: Vec<&str> = first.ok().lines().collect();
    assert_eq!(lines.len(), MIGRATIONS, "every migration: {first:#?}");
    for (i, line) in lines.iter().enumerate() {
        assert!(
            line.ends_with(&format!(": applied migration {}", i + 1)),
            "{line}"
        );
    }
    assert!(
        !first.stdout.contains("postgres://"),
        "a database URL (and its password) is never printed"
    );
    let again = migrate(&store.flags).await;
    assert!(
        again
            .ok()
            .ends_with(": the schema is up to date; no migration to apply\n"),
        "{again:#?}"
    );

    // A database a newer server migrated: refused, and left as it is.
    match (&store.db, &store.choice) {
        (Some(db), _) => {
            db.execute("INSERT INTO warroom_schema (version) VALUES (99)")
                .await
        }
        (None, StoreChoice::Sqlite(file)) => rusqlite::Connection::open(file)
            .unwrap()
            .pragma_update(None, "user_version", 99)
            .unwrap(),
        (None, StoreChoice::Postgres { .. }) => unreachable!("a database is made for postgres"),
    }
    migrate(&store.flags).await.failed_saying(&format!(
        "the database is at schema version 99, newer than this server knows ({MIGRATIONS})"
    ));
}

fn declaration(id: &IncidentId, actor: &ParticipantId) -> Append {
    let ctx = Context {
        actor,
        at: chrono::Utc::now(),
        present: &BTreeSet::new(),
    };
    let mut state = None;
    let declare = Command::Declare {
        title: "Racing".into(),
        severity: Severity::Sev2,
        drill: false,
        name: "Ann".into(),
        retrospective: false,
        occurred_at: None,
        precision: None,
    };
    let events = warroom_core::execute(&mut state, &declare, &ctx).unwrap();
    let board = state.unwrap();
    Append {
        incident: id.clone(),
        expected: 0,
        events,
        commands: Vec::new(),
        snapshot: None,
        summary: Summary::of(id, &board),
        script: None,
        links: Vec::new(),
    }
}

/// The next append after `head`: a note from `actor`, remembered as command `command`.
async fn a_note(
    store: &dyn Store,
    id: &IncidentId,
    actor: &ParticipantId,
    command: &str,
) -> Append {
    let loaded = store.load(id).await.unwrap();
    let mut state = warroom_core::replay::replay(None, &loaded.events);
    let ctx = Context {
        actor,
        at: chrono::Utc::now(),
        present: &BTreeSet::new(),
    };
    let events = warroom_core::execute(&mut state, &note(command), &ctx).unwrap();
    let board = state.unwrap();
    let head = board.seq;
    Append {
        incident: id.clone(),
        expected: head - events.len() as u64,
        commands: vec![(
            (
                actor.clone(),
                warroom_core::CommandId::parse(command).unwrap(),
            ),
            head,
        )],
        events,
        snapshot: None,
        summary: Summary::of(id, &board),
        script: None,
        links: Vec::new(),
    }
}

#[tokio::test]
async fn of_two_writers_racing_for_one_head_exactly_one_wins() {
    let place = ScratchStore::new().await;
    // Two stores on one database, as two server processes would have.
    let (a, _) = store::open(&place.choice, Clock::system()).await.unwrap();
    let (b, _) = store::open(&place.choice, Clock::system()).await.unwrap();
    let ann = ParticipantId::parse("p-ann").unwrap();

    // Two declarations of one id: one incident.
    let id = IncidentId::parse("racingaaaaaaaaaaaaaaaaaaaa").unwrap();
    let (first, second) = tokio::join!(
        a.append(declaration(&id, &ann)),
        b.append(declaration(&id, &ann))
    );
    let conflicts = [&first, &second]
        .iter()
        .filter(|r| matches!(r, Err(StoreError::Conflict { .. })))
        .count();
    assert_eq!(
        (first.is_ok() as u8 + second.is_ok() as u8, conflicts),
        (1, 1),
        "one declaration wins, the other conflicts: {first:?} {second:?}"
    );

    // Many rounds of two notes written after the same head.
    for round in 0..20 {
        let x = a_note(a.as_ref(), &id, &ann, &format!("a-{round}")).await;
        let y = a_note(b.as_ref(), &id, &ann, &format!("b-{round}")).await;
        assert_eq!(x.expected, y.expected, "both after the same head");
        let (x, y) = tokio::join!(a.append(x), b.append(y));
        match (&x, &y) {
            (Ok(()), Err(StoreError::Conflict { expected, actual }))
            | (Err(StoreError::Conflict { expected, actual }), Ok(())) => {
                assert_eq!(*actual, expected + 1, "the winner's head");
            }
            _ => panic!("round {round}: exactly one wins: {x:?} {y:?}"),
        }
    }
    let log = a.load(&id).await.unwrap().events;
    assert_eq!(log.len(), 21, "the declaration and one note a round");
    for (i, recorded) in log.iter().enumerate() {
        assert_eq!(recorded.seq, i as u64 + 1, "no gap, no repeat");
    }
    let remembered = b.commands(&id).await.unwrap();
    assert_eq!(remembered.len(), 20, "only the winners' command ids");
}

/// A database that cannot be reached stops the server at start, saying which — by host,
/// port and name, never with the URL's password.
/// A stopping room's snapshot, written outside an append: kept when it is newer than the
/// stored one and the log holds its last event, and then what a load starts from.
#[tokio::test]
async fn a_snapshot_outside_an_append_is_kept_only_when_newer_and_in_the_log() {
    let place = ScratchStore::new().await;
    let ann = ParticipantId::parse("p-ann").unwrap();
    let id = IncidentId::parse("stoppingaaaaaaaaaaaaaaaaaa").unwrap();
    let board = |loaded: &store::Loaded| {
        warroom_core::replay::replay(loaded.snapshot.clone(), &loaded.events).unwrap()
    };
    // The store is closed and opened again between steps: SQLite's snapshots are written by
    // a thread of their own, and closing waits for what it holds.
    let reopen = || async { store::open(&place.choice, Clock::system()).await.unwrap().0 };

    let store = reopen().await;
    store.append(declaration(&id, &ann)).await.unwrap();
    let declared = board(&store.load(&id).await.unwrap());
    let append = a_note(store.as_ref(), &id, &ann, "c-1").await;
    store.append(append).await.unwrap();
    let at_two = board(&store.load(&id).await.unwrap());
    assert_eq!(at_two.seq, 2);
    // A board one event ahead of the log (a failed write's, say).
    let ahead = {
        let ctx = Context {
            actor: &ann,
            at: chrono::Utc::now(),
            present: &BTreeSet::new(),
        };
        let mut state = Some(at_two.clone());
        warroom_core::execute(&mut state, &note("c-2"), &ctx).unwrap();
        state.unwrap()
    };
    store.snapshot(&id, at_two.clone()).await.unwrap();
    drop(store);

    let store = reopen().await;
    let loaded = store.load(&id).await.unwrap();
    assert_eq!(loaded.snapshot.as_ref().map(|s| s.seq), Some(2), "kept");
    assert!(loaded.events.is_empty(), "nothing to replay");
    assert_eq!(board(&loaded), at_two);
    // Neither an older board nor one the log does not hold replaces it.
    store.snapshot(&id, declared).await.unwrap();
    store.snapshot(&id, ahead).await.unwrap();
    drop(store);

    let store = reopen().await;
    let loaded = store.load(&id).await.unwrap();
    assert_eq!(loaded.snapshot.as_ref().map(|s| s.seq), Some(2));
    assert_eq!(board(&loaded), at_two);
}

#[tokio::test]
async fn an_unreachable_database_stops_the_server_at_start_without_its_password() {
    let dir = tempfile::tempdir().unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let url = format!("postgres://warroom:hunter2@127.0.0.1:{port}/incidents");
    let run = warroom(&[
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--data-dir",
        dir.path().to_str().unwrap(),
        "--database-url",
        &url,
    ])
    .await;
    run.failed_saying(&format!(
        "cannot open postgres database incidents on 127.0.0.1:{port}"
    ));
    assert!(
        !run.stderr.contains("hunter2") && !run.stdout.contains("hunter2"),
        "the password is never shown: {run:#?}"
    );
    // Not a PostgreSQL URL at all: a bad flag (exit code 2), said as such.
    let bad = warroom(&["migrate", "--database-url", "sqlite://nope"]).await;
    assert_eq!(bad.code, Some(2), "{bad:#?}");
    assert!(
        bad.stderr
            .contains("a database URL starts with postgres://"),
        "{bad:#?}"
    );
}
