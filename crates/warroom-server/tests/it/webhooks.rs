//! Outbound webhooks through the real binary, to a receiver inside the test: every subscribed
//! event arrives signed, in order per incident, through a receiver that fails and recovers
//! and a server restart in the middle of the retries, with duplicates told apart by their
//! idempotency key; the Slack body; the admin API; a delivery that fails for good.

use std::collections::{BTreeMap, BTreeSet};

use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use warroom_core::api::webhooks::topics_of;
use warroom_core::{Command, IncidentId, NoteKind, Recorded, Role, Severity, Status};

use crate::support::{Answer, Client, Received, Receiver, Server, note, warroom};

/// Checks a delivery's signature as a receiver would: HMAC-SHA256 over `{timestamp}.{body}`.
fn signed_by(secret: &str, got: &Received) -> bool {
    let Some(hex) = got.signature.strip_prefix("v1=") else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{}.{}", got.timestamp, got.body).as_bytes());
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    expected == hex
}

/// `warroom webhook add` on the server's store; the id and the secret it printed.
async fn add(server: &Server, url: &str, events: &[&str], format: &str) -> (String, String) {
    let store = server.store_flags();
    let mut args = vec!["webhook", "add", "--url", url, "--format", format];
    for e in events {
        args.extend(["--event", e]);
    }
    args.extend(store.iter().map(String::as_str));
    let run = warroom(&args).await;
    let out = run.ok();
    let id = out
        .split_whitespace()
        .find(|w| w.starts_with("wh-"))
        .expect("the id is printed")
        .to_owned();
    let secret = out
        .split_whitespace()
        .find(|w| w.starts_with("whsec_"))
        .expect("the secret is printed")
        .to_owned();
    (id, secret)
}

/// The keys the log's events should be delivered under for a subscription to every topic.
fn expected_keys(incident: &IncidentId, log: &[Recorded], hook: &str) -> Vec<String> {
    let mut board = None;
    let mut keys = Vec::new();
    for r in log {
        warroom_core::apply::apply(&mut board, r);
        if !topics_of(board.as_ref().unwrap(), &r.event).is_empty() {
            keys.push(format!("{incident}:{}:{hook}", r.seq));
        }
    }
    keys
}

fn delivered(got: &[Received], keys: &[String]) -> bool {
    let ok: BTreeSet<&str> = got
        .iter()
        .filter(|g| g.answered == 200)
        .map(|g| g.key.as_str())
        .collect();
    keys.iter().all(|k| ok.contains(k.as_str()))
}

async fn ack(client: &mut Client, id: &str, command: Command) -> u64 {
    client.submit(id, command).await;
    match client.answer(id).await {
        Answer::Ack(seq) => seq,
        other => panic!("{id}: {other:?}"),
    }
}

fn set_status(status: Status) -> Command {
    Command::SetStatus {
        status,
        occurred_at: None,
        precision: None,
    }
}

#[tokio::test]
async fn every_subscribed_event_arrives_signed_and_in_order_through_failures_and_a_restart() {
    let receiver = Receiver::start(4).await;
    let server = Server::start_with(&["--webhook-retry-base-ms", "40"]).await;
    let all = [
        "declared",
        "severity",
        "status",
        "commander",
        "status_update",
        "resolved",
        "closed",
    ];
    let (hook, secret) = add(&server, &receiver.url("hook"), &all, "signed").await;
    let (slack, _) = add(&server, &receiver.url("slack"), &["declared"], "slack").await;
    let store = server.store_flags();
    let listed = warroom(&["webhook", "list", &store[0], &store[1]]).await;
    assert!(listed.ok().contains(&hook), "{listed:?}");
    assert!(!listed.ok().contains(&secret), "a secret is never listed");

    // Alice declares and leaves; Bob assumes command, and runs the incident.
    let incident = server.declare("p-alice", "Alice", "Checkout errors").await;
    let mut bob = Client::join(&server, &incident, "p-bob").await;
    let assume = Command::AssumeRole {
        role: Role::Commander,
        reason: "Alice is off the bridge".into(),
    };
    ack(&mut bob, "c-assume", assume).await;
    let severity = Command::SetSeverity {
        severity: Severity::Sev1,
        occurred_at: None,
        precision: None,
    };
    ack(&mut bob, "c-sev", severity).await;
    ack(&mut bob, "c-obs", note("Not for the webhook")).await;
    let update = Command::post_note(NoteKind::StatusUpdate, "Payments degraded; rollback <soon>");
    ack(&mut bob, "c-update", update).await;
    let head = ack(&mut bob, "c-identified", set_status(Status::Identified)).await;
    bob.sync_to(head).await;

    let keys = expected_keys(&incident, &bob.replica.log, &hook);
    assert_eq!(
        keys.len(),
        5,
        "declared, commander, severity, update, status"
    );
    let got = receiver
        .until("the first five events", |got| delivered(got, &keys))
        .await;
    assert!(
        got.iter().filter(|g| g.answered == 500).count() >= 4,
        "the first four attempts were refused"
    );

    // The Slack subscription heard of the declaration only, as `text` plus `blocks`.
    let slack_key = format!("{incident}:1:{slack}");
    let slack_got = receiver
        .until("the Slack body", |got| {
            got.iter().any(|g| g.key == slack_key && g.answered == 200)
        })
        .await;
    let body = slack_got
        .iter()
        .find(|g| g.key == slack_key)
        .unwrap()
        .json();
    assert!(body["text"].as_str().unwrap().contains("Checkout errors"));
    assert_eq!(body["blocks"][0]["block_id"], slack_key);
    assert!(
        slack_got
            .iter()
            .all(|g| g.path != "/slack" || g.key == slack_key)
    );

    // The receiver goes down; Bob resolves; two attempts fail. The third is taken by the
    // receiver, whose answer never leaves, and the server is killed waiting for it: it cannot
    // know the resolution was delivered.
    receiver.down();
    let resolved = ack(&mut bob, "c-resolved", set_status(Status::Resolved)).await;
    let resolved_key = format!("{incident}:{resolved}:{hook}");
    receiver
        .until("two attempts at the resolution", |got| {
            got.iter().filter(|g| g.key == resolved_key).count() >= 2
        })
        .await;
    receiver.stall_next();
    receiver
        .until("the resolution taken", |got| {
            got.iter()
                .any(|g| g.key == resolved_key && g.answered == 200)
        })
        .await;
    let mut server = server;
    server.kill().await;
    let replica = bob.close().await;
    let server = server.start_again().await;
    let mut bob = Client::rejoin(&server, &incident, "p-bob", replica).await;
    let closed = ack(&mut bob, "c-closed", set_status(Status::Closed)).await;
    bob.sync_to(closed).await;

    let keys = expected_keys(&incident, &bob.replica.log, &hook);
    assert_eq!(keys.len(), 7, "and resolved, closed");
    let got = receiver
        .until("every subscribed event", |got| delivered(got, &keys))
        .await;

    // Every request was signed with the subscription's secret, its key in the header and the
    // body alike; in the order of the log (a retry repeats, never overtakes).
    let mine: Vec<&Received> = got.iter().filter(|g| g.path == "/hook").collect();
    let mut last = 0;
    let mut bodies: BTreeMap<&str, &str> = BTreeMap::new();
    for g in &mine {
        assert!(signed_by(&secret, g), "a bad signature: {g:#?}");
        let body = g.json();
        assert_eq!(body["id"], g.key);
        assert_eq!(body["event"], g.event);
        let seq = body["seq"].as_u64().unwrap();
        assert!(seq >= last, "seq {seq} arrived after {last}");
        last = seq;
        // A duplicate is the very same body under the same key: a receiver drops it by key.
        if let Some(earlier) = bodies.insert(g.key.as_str(), g.body.as_str()) {
            assert_eq!(earlier, g.body, "a resend differs from the first");
        }
    }
    let distinct: BTreeSet<&str> = mine.iter().map(|g| g.key.as_str()).collect();
    assert_eq!(
        distinct.into_iter().collect::<Vec<_>>(),
        keys.iter().map(String::as_str).collect::<Vec<_>>(),
        "exactly the subscribed events, nothing else"
    );
    // The resolution arrived twice, delivered: at least once, the second a duplicate by key.
    let twice = mine
        .iter()
        .filter(|g| g.key == resolved_key && g.answered == 200)
        .count();
    assert!(
        twice >= 2,
        "the resolution was sent again after the restart"
    );
    let update = mine
        .iter()
        .find(|g| g.event == "status_update")
        .unwrap()
        .json();
    assert_eq!(
        update["notes"][0]["text"],
        "Payments degraded; rollback <soon>"
    );
    assert_eq!(update["incident"]["severity"], "SEV1");
    assert_eq!(update["actor"]["name"], "Bob");
    println!(
        "webhooks: {} requests for {} events ({} refused, {} answered twice or more)",
        mine.len(),
        keys.len(),
        mine.iter().filter(|g| g.answered == 500).count(),
        mine.len() - keys.len() - mine.iter().filter(|g| g.answered == 500).count()
    );

    // The delivery log says so.
    let log = warroom(&["webhook", "deliveries", &store[0], &store[1]]).await;
    let resolved_row = log
        .ok()
        .lines()
        .find(|l| l.starts_with(&resolved_key))
        .expect("the resolution is in the log");
    assert!(resolved_row.contains("delivered"), "{resolved_row}");
    let failed = warroom(&["webhook", "deliveries", "--failed", &store[0], &store[1]]).await;
    assert_eq!(failed.ok().trim(), "no deliveries");
}

/// The admin API: only admins, the secret once, URLs checked, the bound kept; and a delivery
/// that fails every attempt is marked failed in the log, with why.
#[tokio::test]
async fn admins_manage_subscriptions_and_see_a_failed_delivery() {
    let receiver = Receiver::start(u32::MAX).await;
    let server = Server::start_with(&[
        "--auth",
        "proxy",
        "--trusted-proxy",
        "127.0.0.1",
        "--admin",
        "root",
        "--webhook-retry-base-ms",
        "20",
        "--webhook-max-attempts",
        "2",
    ])
    .await;
    let call = |user: &'static str, method: &'static str, path: String, body: Option<Value>| {
        let server = &server;
        async move {
            let body = body.map(|b| b.to_string());
            let headers = [
                ("X-Forwarded-User", user),
                ("Content-Type", "application/json"),
            ];
            let r = server.raw(method, &path, body.as_deref(), &headers).await;
            let json = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
            (r.status, json)
        }
    };
    let new = json!({ "url": receiver.url("down"), "events": ["declared"], "name": "Pager" });
    let (status, _) = call(
        "ann",
        "POST",
        "/api/admin/webhooks".into(),
        Some(new.clone()),
    )
    .await;
    assert_eq!(status, 403, "not an admin");
    let (status, body) = call("ann", "GET", "/api/admin/webhooks".into(), None).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")));

    for (bad, why) in [
        (
            json!({ "url": "ftp://x.example/", "events": ["declared"] }),
            "http or https",
        ),
        (
            json!({ "url": "http://169.254.169.254/", "events": ["declared"] }),
            "link-local",
        ),
        (
            json!({ "url": receiver.url("x"), "events": [] }),
            "at least one",
        ),
    ] {
        let (status, body) = call("root", "POST", "/api/admin/webhooks".into(), Some(bad)).await;
        assert_eq!(status, 400, "{body}");
        assert!(body["error"].as_str().unwrap().contains(why), "{body}");
    }
    let (status, made) = call("root", "POST", "/api/admin/webhooks".into(), Some(new)).await;
    assert_eq!(status, 201, "{made}");
    let secret = made["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"));
    let id = made["webhook"]["id"].as_str().unwrap().to_owned();
    let (_, list) = call("root", "GET", "/api/admin/webhooks".into(), None).await;
    assert_eq!(list[0]["name"], "Pager");
    assert_eq!(
        list[0]["url"],
        format!("http://127.0.0.1:{}/…", receiver.port)
    );
    assert!(!list.to_string().contains(secret), "never listed again");

    // Up to the bound, then 409.
    for i in 1..warroom_server::webhooks::MAX_WEBHOOKS {
        let more = json!({ "url": receiver.url(&format!("n{i}")), "events": ["closed"] });
        let (status, _) = call("root", "POST", "/api/admin/webhooks".into(), Some(more)).await;
        assert_eq!(status, 201);
    }
    let one_more = json!({ "url": receiver.url("extra"), "events": ["closed"] });
    let (status, body) = call("root", "POST", "/api/admin/webhooks".into(), Some(one_more)).await;
    assert_eq!((status, body["code"].as_str()), (409, Some("conflict")));

    // A declaration the receiver refuses twice: failed, and the log says why.
    let declare = json!({ "title": "Disk full", "severity": "SEV3" });
    let (status, _) = call("ann", "POST", "/api/incidents".into(), Some(declare)).await;
    assert_eq!(status, 201);
    let deadline = tokio::time::Instant::now() + crate::support::WAIT;
    let failed = loop {
        let (status, rows) = call(
            "root",
            "GET",
            "/api/admin/webhooks/deliveries?failed=true".into(),
            None,
        )
        .await;
        assert_eq!(status, 200);
        if let Some(row) = rows.as_array().and_then(|r| r.first()) {
            break row.clone();
        }
        assert!(tokio::time::Instant::now() < deadline, "never failed");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(failed["webhook"], id.as_str());
    assert_eq!(failed["attempts"], 2);
    assert_eq!(failed["last_status"], 500);
    assert_eq!(failed["last_error"], "HTTP 500");
    assert_eq!(failed["next_attempt_at"], Value::Null);
    assert_eq!(
        receiver.got().iter().filter(|g| g.path == "/down").count(),
        2
    );
    assert!(!server.log().contains(secret), "the secret is never logged");

    let (status, _) = call("ann", "DELETE", format!("/api/admin/webhooks/{id}"), None).await;
    assert_eq!(status, 403);
    let (status, _) = call("root", "DELETE", format!("/api/admin/webhooks/{id}"), None).await;
    assert_eq!(status, 204);
    let (status, _) = call("root", "DELETE", format!("/api/admin/webhooks/{id}"), None).await;
    assert_eq!(status, 404);
}
