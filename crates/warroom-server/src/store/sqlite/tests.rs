use chrono::{DateTime, Utc};

use super::*;

fn session(token_hash: &str, expires_at: u64) -> SessionRecord {
    SessionRecord {
        participant: ParticipantId::parse("p-ann").unwrap(),
        token_hash: token_hash.into(),
        name: "Ann".into(),
        method: "open".into(),
        subject: "ann".into(),
        email: None,
        expires_at,
    }
}

/// Session expiry is the store's clock's, not the machine's: a session that has a day
/// left by the wall clock is expired for a store whose clock reads two days later, and is
/// pruned when that store opens.
#[tokio::test]
async fn what_expires_is_judged_by_the_injected_clock() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.sqlite3");
    let today = Utc::now();
    let tomorrow = u64::try_from((today + chrono::Duration::days(1)).timestamp()).unwrap();
    {
        let store = SqliteStore::open(&db, Clock::starting_at(today)).unwrap();
        store
            .create_session(session("h-ann", tomorrow))
            .await
            .unwrap();
        assert!(store.session("h-ann").await.unwrap().is_some(), "not yet");
    }
    let later: DateTime<Utc> = today + chrono::Duration::days(2);
    {
        let store = SqliteStore::open(&db, Clock::starting_at(today)).unwrap();
        assert!(store.session("h-ann").await.unwrap().is_some(), "reopened");
    }
    let count = || {
        Connection::open(&db)
            .unwrap()
            .query_row("SELECT COUNT(*) FROM sessions", [], |row| {
                row.get::<_, u32>(0)
            })
            .unwrap()
    };
    assert_eq!(count(), 1, "a store whose clock reads today keeps it");
    let store = SqliteStore::open(&db, Clock::starting_at(later)).unwrap();
    assert_eq!(count(), 0, "pruned as the store opened, two days on");
    store
        .create_session(session("h-ann-again", tomorrow))
        .await
        .unwrap();
    assert!(
        store.session("h-ann-again").await.unwrap().is_none(),
        "expired by the store's clock"
    );
}
