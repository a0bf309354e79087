//! The operator's view through the binary: `/metrics` scraped after traffic and read as
//! Prometheus text by a strict reader, every family there with its type and the counters moved
//! by what the clients did, no incident's content in it, and only for the token's holder;
//! `/readyz` ready, and not ready with a reason when the database's schema is not the one the
//! server needs.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;
use warroom_core::RejectionCode;
use warroom_core::protocol::{ErrorCode, close};

use crate::support::prometheus::{self, Family};
use crate::support::{Answer, Client, Server, WAIT, note};

const TOKEN: &str = "a-metrics-token-for-the-test";

/// Every family `/metrics` must show, with its type.
const FAMILIES: &[(&str, &str)] = &[
    ("warroom_connections_open", "gauge"),
    ("warroom_rooms_live", "gauge"),
    ("warroom_commands_total", "counter"),
    ("warroom_store_commit_seconds", "histogram"),
    ("warroom_fanout_seconds", "histogram"),
    ("warroom_outbound_queue_depth_frames", "histogram"),
    ("warroom_rate_limited_total", "counter"),
    ("warroom_connections_refused_total", "counter"),
    ("warroom_clients_cut_off_total", "counter"),
    ("warroom_database_errors_total", "counter"),
];

/// `GET /metrics` with the token, read strictly.
async fn scrape(server: &Server) -> BTreeMap<String, Family> {
    let bearer = format!("Bearer {TOKEN}");
    let response = server
        .raw("GET", "/metrics", None, &[("Authorization", &bearer)])
        .await;
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(
        response.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let text = response.text();
    let families =
        prometheus::parse(text).unwrap_or_else(|e| panic!("not Prometheus text: {e}\n{text}"));
    for (name, kind) in FAMILIES {
        let family = families
            .get(*name)
            .unwrap_or_else(|| panic!("no {name} in\n{text}"));
        assert_eq!(family.kind, *kind, "{name}'s type");
        assert!(family.help.is_some(), "{name} has no HELP");
    }
    families
}

/// The value of `name` (summed over the series with `labels`).
fn value(families: &BTreeMap<String, Family>, name: &str, labels: &[(&str, &str)]) -> f64 {
    let family_name = ["_bucket", "_count", "_sum"]
        .iter()
        .find_map(|s| name.strip_suffix(s).filter(|f| families.contains_key(*f)))
        .unwrap_or(name);
    families[family_name].sum(name, labels)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_the_traffic_by_outcome_and_name_no_incident() {
    let server = Server::start_with(&[
        "--metrics-token",
        TOKEN,
        "--rate-limit",
        "5",
        "--rate-burst",
        "40",
        "--max-connections-per-ip",
        "3",
    ])
    .await;
    let before = scrape(&server).await;
    for (name, labels) in [
        ("warroom_commands_total", vec![("outcome", "accepted")]),
        ("warroom_commands_total", vec![("outcome", "duplicate")]),
        ("warroom_rate_limited_total", vec![("limit", "message")]),
        ("warroom_connections_open", vec![]),
        ("warroom_store_commit_seconds_count", vec![]),
    ] {
        assert_eq!(
            value(&before, name, &labels),
            0.0,
            "{name} before any traffic"
        );
    }

    let title = "Payments time out in eu-west";
    let incident = server.declare("p-alice", "Alice", title).await;
    let mut alice = Client::join(&server, &incident, "p-alice").await;
    let mut bob = Client::join(&server, &incident, "p-bob").await;
    let mut head = 0;
    for i in 0..5 {
        head = alice
            .post(&format!("c-{i}"), &format!("secret note {i}"))
            .await;
    }
    // A resend of an applied command: acknowledged again, applied once.
    alice.submit("c-0", note("secret note 0")).await;
    assert!(matches!(alice.answer("c-0").await, Answer::Ack(_)));
    // A command the rules refuse.
    bob.submit("c-empty", note("")).await;
    match bob.answer("c-empty").await {
        Answer::Rejected(r) => assert_eq!(r.code, RejectionCode::Invalid),
        other => panic!("an empty note: {other:?}"),
    }
    // A third person floods: past the burst, messages are refused, a command among them too.
    let mut flood = Client::join(&server, &incident, "p-flood").await;
    for nonce in 0..80 {
        flood
            .send_json(&serde_json::json!({ "type": "ping", "nonce": nonce }))
            .await;
    }
    flood.submit("c-flood", note("too fast")).await;
    assert_eq!(
        flood.answer("c-flood").await,
        Answer::Error(ErrorCode::RateLimited)
    );
    // A fourth connection from one address is refused at the door.
    let refused = Client::connect(&server, "p-dora")
        .await
        .until_closed()
        .await;
    assert_eq!(refused, Some(close::TOO_MANY_CONNECTIONS));
    alice.sync_to(head).await;
    bob.sync_to(head).await;

    let after = scrape(&server).await;
    let commands = |labels: &[(&str, &str)]| value(&after, "warroom_commands_total", labels);
    assert_eq!(commands(&[("outcome", "accepted")]), 5.0);
    assert_eq!(commands(&[("outcome", "duplicate")]), 1.0);
    assert_eq!(
        commands(&[("outcome", "rejected"), ("code", "invalid")]),
        1.0
    );
    assert_eq!(commands(&[("outcome", "rate_limited")]), 1.0);
    assert!(
        value(
            &after,
            "warroom_rate_limited_total",
            &[("limit", "message")]
        ) >= 1.0
    );
    assert_eq!(
        value(
            &after,
            "warroom_connections_refused_total",
            &[("limit", "per_address")]
        ),
        1.0
    );
    assert_eq!(value(&after, "warroom_connections_open", &[]), 3.0);
    assert_eq!(value(&after, "warroom_rooms_live", &[]), 1.0);
    // The joins and five notes are at least six appends, each timed and fanned out.
    let commits = value(&after, "warroom_store_commit_seconds_count", &[]);
    assert!(commits >= 6.0, "{commits} commits timed");
    assert!(value(&after, "warroom_store_commit_seconds_sum", &[]) > 0.0);
    assert!(value(&after, "warroom_fanout_seconds_count", &[]) >= 6.0);
    assert!(value(&after, "warroom_outbound_queue_depth_frames_count", &[]) >= 6.0);
    assert_eq!(value(&after, "warroom_database_errors_total", &[]), 0.0);

    // Counts only: nothing that names or tells of the incident or its people.
    let bearer = format!("Bearer {TOKEN}");
    let text = server
        .raw("GET", "/metrics", None, &[("Authorization", &bearer)])
        .await
        .text()
        .to_owned();
    let alice_id = server.id_of("p-alice").await.to_string();
    for secret in [
        incident.as_str(),
        title,
        "secret note",
        alice_id.as_str(),
        "Alice",
    ] {
        assert!(!text.contains(secret), "/metrics tells {secret:?}");
    }

    // Only for the token's holder.
    for headers in [
        vec![],
        vec![("Authorization", "Bearer not-the-token")],
        vec![("Authorization", TOKEN)],
    ] {
        let response = server.raw("GET", "/metrics", None, &headers).await;
        assert_eq!(response.status, 401, "{headers:?}");
        let body: Value = serde_json::from_slice(&response.body).expect("a JSON error");
        assert_eq!(body["code"], "unauthorized");
        assert!(response.header("www-authenticate").is_some());
    }
    drop((alice, bob, flood));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_cut_off_for_silence_is_counted_and_its_connection_gone() {
    let server = Server::start_with(&["--metrics-token", TOKEN, "--heartbeat-secs", "1"]).await;
    let incident = server.declare("p-alice", "Alice", "Quiet").await;
    // Bob joins, then neither reads nor answers again.
    let bob = Client::join(&server, &incident, "p-bob").await;
    assert_eq!(
        value(&scrape(&server).await, "warroom_connections_open", &[]),
        1.0
    );
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let now = scrape(&server).await;
        let cut = value(
            &now,
            "warroom_clients_cut_off_total",
            &[("reason", "heartbeat")],
        );
        if cut == 1.0 && value(&now, "warroom_connections_open", &[]) == 0.0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "Bob was not cut off and counted: {cut}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    drop(bob);
}

#[tokio::test]
async fn readyz_is_ready_on_the_suites_store() {
    let server = Server::start().await;
    let (status, body) = server.request_as(None, "GET", "/readyz", None).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ready")));
    let (status, body) = server.request_as(None, "GET", "/healthz", None).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ok")));
}

/// SQLite only, on either run of the suite: the schema version is moved by editing the file.
#[tokio::test]
async fn readyz_is_ready_and_says_why_not_when_the_schema_is_not_the_servers() {
    let server = Server::start_sqlite().await;
    let (status, body) = server.request_as(None, "GET", "/readyz", None).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ready")));

    // Another process moves the schema on (a newer server's migration, say): not ready.
    let db = server.data_dir().join("warroom.sqlite3");
    let version = |set: Option<u32>| {
        let conn = rusqlite::Connection::open(&db).expect("the live database opens");
        conn.busy_timeout(Duration::from_secs(5)).unwrap();
        if let Some(v) = set {
            conn.pragma_update(None, "user_version", v).unwrap();
        }
        conn.query_row("PRAGMA user_version", [], |row| row.get::<_, u32>(0))
            .unwrap()
    };
    let current = version(None);
    version(Some(current + 1));
    let (status, body) = server.request_as(None, "GET", "/readyz", None).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["status"], "not_ready");
    assert_eq!(body["reason"], "migrations");
    assert_eq!(body["code"], "unavailable");
    version(Some(current));
    let (status, _) = server.request_as(None, "GET", "/readyz", None).await;
    assert_eq!(status, 200);

    // Without --metrics-token, /metrics is not served at all.
    let (status, body) = server.request_as(None, "GET", "/metrics", None).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
}

#[tokio::test]
async fn a_metrics_token_short_enough_to_guess_is_refused_at_start() {
    let run =
        crate::support::warroom(&["serve", "--addr", "127.0.0.1:0", "--metrics-token", "short"])
            .await;
    run.failed_saying("--metrics-token");
}
