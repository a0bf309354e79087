//! The REST API for scripts and chat bots, through the real binary: a token declares, posts a
//! note and changes the status as its integration participant; the writes go through the
//! room's rules (a rejection is the HTTP error of its code); an `Idempotency-Key` makes a
//! retried POST apply once; bodies are strict; a session can do the same.

use serde_json::{Value, json};

use crate::support::Server;
use crate::tokens::{cli_token, with_token};

/// How many events of `kind` the incident's log holds, read with `secret`.
async fn count(server: &Server, secret: &str, id: &str, kind: &str) -> (usize, Vec<Value>) {
    let (status, log, _) = with_token(
        server,
        secret,
        "GET",
        &format!("/api/incidents/{id}/events"),
        None,
        &[],
    )
    .await;
    assert_eq!(status, 200, "{log}");
    // Each recorded event as its `event` object, with its actor beside its fields.
    let events: Vec<Value> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let mut event = r["event"].clone();
            event["actor"] = r["actor"].clone();
            event
        })
        .collect();
    let n = events.iter().filter(|e| e["type"] == kind).count();
    (n, events)
}

#[tokio::test]
async fn a_token_declares_posts_and_changes_status_once_per_key() {
    let server = Server::start().await;
    let bot = cli_token(&server, "ci-bot", &["incidents:read", "incidents:write"]).await;
    let declare = json!({"title": "Checkout 502s", "severity": "SEV2"});
    let key = [("Idempotency-Key", "declare-7f3a")];
    let (status, first, response) = with_token(
        &server,
        &bot,
        "POST",
        "/api/incidents",
        Some(&declare),
        &key,
    )
    .await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(response.header("idempotent-replayed"), None);
    let id = first["id"].as_str().unwrap().to_owned();
    let (status, again, response) = with_token(
        &server,
        &bot,
        "POST",
        "/api/incidents",
        Some(&declare),
        &key,
    )
    .await;
    assert_eq!(
        (status, &again),
        (201, &first),
        "a retry gets the same answer"
    );
    assert_eq!(response.header("idempotent-replayed"), Some("true"));
    let (_, list, _) = with_token(&server, &bot, "GET", "/api/incidents", None, &[]).await;
    assert_eq!(list.as_array().unwrap().len(), 1, "declared once: {list}");
    assert_eq!(list[0]["commander"], "ci-bot (integration)");
    let (status, row, _) = with_token(
        &server,
        &bot,
        "GET",
        &format!("/api/incidents/{id}"),
        None,
        &[],
    )
    .await;
    assert_eq!(
        (status, row["title"].as_str()),
        (200, Some("Checkout 502s"))
    );

    // A note, retried with the same key: one note, the same answer.
    let notes = format!("/api/incidents/{id}/notes");
    let note = json!({"kind": "observation", "text": "p99 latency back under 300 ms"});
    let key = [("Idempotency-Key", "note-1")];
    let (status, posted, _) = with_token(&server, &bot, "POST", &notes, Some(&note), &key).await;
    assert_eq!(status, 201, "{posted}");
    assert_eq!(posted["incident"], id.as_str());
    assert!(posted["note"].is_u64(), "{posted}");
    let (status, retried, response) =
        with_token(&server, &bot, "POST", &notes, Some(&note), &key).await;
    assert_eq!((status, &retried), (201, &posted));
    assert_eq!(response.header("idempotent-replayed"), Some("true"));
    let (posts, events) = count(&server, &bot, &id, "note_posted").await;
    assert_eq!(posts, 1, "applied once: {events:?}");
    // The actor is the token's integration participant, named on the board as such.
    let joined: Vec<&Value> = events
        .iter()
        .filter(|e| e["type"] == "participant_joined")
        .collect();
    let declared = events
        .iter()
        .find(|e| e["type"] == "incident_declared")
        .unwrap();
    assert_eq!(declared["name"], "ci-bot (integration)");
    let noted = events.iter().find(|e| e["type"] == "note_posted").unwrap();
    assert_eq!(noted["actor"], declared["actor"]);
    assert!(
        joined.is_empty(),
        "the declarer joined by declaring: {joined:?}"
    );
    // Without a key, each POST is a new note.
    with_token(&server, &bot, "POST", &notes, Some(&note), &[]).await;
    assert_eq!(count(&server, &bot, &id, "note_posted").await.0, 2);

    // The status, by the rules: the integration declared it, so it commands it.
    let status_path = format!("/api/incidents/{id}/status");
    let mitigated = json!({"status": "mitigated"});
    let key = [("Idempotency-Key", "status-1")];
    let (status, changed, _) =
        with_token(&server, &bot, "POST", &status_path, Some(&mitigated), &key).await;
    assert_eq!(status, 200, "{changed}");
    let (status, retried, _) =
        with_token(&server, &bot, "POST", &status_path, Some(&mitigated), &key).await;
    assert_eq!(
        (status, &retried),
        (200, &changed),
        "a retry is no rejection"
    );
    let (status, err, _) =
        with_token(&server, &bot, "POST", &status_path, Some(&mitigated), &[]).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (422, Some("rejected")),
        "{err}"
    );
    assert!(
        err["error"].as_str().unwrap().contains("already"),
        "the rules' words: {err}"
    );
    let closed = json!({"status": "closed"});
    let (status, err, _) =
        with_token(&server, &bot, "POST", &status_path, Some(&closed), &[]).await;
    assert_eq!(status, 422, "resolve before closing: {err}");
    assert!(!server.log().contains(&bot), "a token in the log");
}

#[tokio::test]
async fn the_rules_and_strict_bodies_hold_for_tokens_and_sessions() {
    let server = Server::start().await;
    let id = server.declare("p-alice", "Alice", "Search is slow").await;
    let bot = cli_token(&server, "chatops", &["incidents:write", "incidents:read"]).await;
    let reader = cli_token(&server, "reader", &["incidents:read"]).await;
    let notes = format!("/api/incidents/{id}/notes");
    let status_path = format!("/api/incidents/{id}/status");

    // Anyone on the crew may post a note; only the commander changes the status.
    let note = json!({"kind": "action", "text": "Paged the search on-call"});
    let (status, posted, _) = with_token(&server, &bot, "POST", &notes, Some(&note), &[]).await;
    assert_eq!(status, 201, "{posted}");
    let (status, err, _) = with_token(
        &server,
        &bot,
        "POST",
        &status_path,
        Some(&json!({"status": "resolved"})),
        &[],
    )
    .await;
    assert_eq!(
        (status, err["code"].as_str()),
        (403, Some("forbidden")),
        "{err}"
    );
    let (_, events) = count(&server, &bot, id.as_str(), "note_posted").await;
    let joined = events
        .iter()
        .find(|e| e["type"] == "participant_joined" && e["name"] == "chatops (integration)");
    assert!(
        joined.is_some(),
        "the integration joined under its name: {events:?}"
    );

    // Who acts is never the body's to say: an unknown field is refused, naming it.
    for (path, body) in [
        (
            &notes,
            json!({"kind": "observation", "text": "x", "actor": "p-alice"}),
        ),
        (
            &status_path,
            json!({"status": "resolved", "participant": "p-alice"}),
        ),
    ] {
        let (status, err, _) = with_token(&server, &bot, "POST", path, Some(&body), &[]).await;
        assert_eq!(status, 400, "{err}");
        let words = err["error"].as_str().unwrap();
        assert!(words.contains("unknown field"), "{words}");
    }
    let declare = json!({"title": "x", "severity": "SEV3", "commander": "p-alice"});
    let (status, err, _) =
        with_token(&server, &bot, "POST", "/api/incidents", Some(&declare), &[]).await;
    assert_eq!(status, 400, "{err}");
    assert!(
        err["error"].as_str().unwrap().contains("commander"),
        "{err}"
    );
    let (status, err, _) = with_token(
        &server,
        &bot,
        "POST",
        &notes,
        Some(&note),
        &[("Idempotency-Key", "not a key!")],
    )
    .await;
    assert_eq!(status, 400, "{err}");
    assert!(err["error"].as_str().unwrap().contains("Idempotency-Key"));

    // A read-only token cannot write; an unknown incident is a 404.
    let (status, _, _) = with_token(&server, &reader, "POST", &notes, Some(&note), &[]).await;
    assert_eq!(status, 403);
    let (status, _, _) = with_token(
        &server,
        &bot,
        "POST",
        "/api/incidents/nosuchincident/notes",
        Some(&note),
        &[],
    )
    .await;
    assert_eq!(status, 404);

    // A person's session does the same, as themselves; the same key from someone else is
    // another command.
    let alice = server.person("p-alice").await;
    let cookie = [
        ("Content-Type", "application/json"),
        ("Cookie", alice.cookie.as_str()),
        ("Idempotency-Key", "shared-key"),
    ];
    let body = note.to_string();
    let response = server.raw("POST", &notes, Some(&body), &cookie).await;
    assert_eq!(response.status, 201, "{}", response.text());
    let (status, _, response) = with_token(
        &server,
        &bot,
        "POST",
        &notes,
        Some(&note),
        &[("Idempotency-Key", "shared-key")],
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(
        response.header("idempotent-replayed"),
        None,
        "keys are per caller"
    );
    let response = server
        .raw(
            "POST",
            &status_path,
            Some(&json!({"status": "resolved"}).to_string()),
            &cookie[..2],
        )
        .await;
    assert_eq!(
        response.status,
        200,
        "the commander resolves: {}",
        response.text()
    );
    assert_eq!(count(&server, &bot, id.as_str(), "note_posted").await.0, 3);
}
