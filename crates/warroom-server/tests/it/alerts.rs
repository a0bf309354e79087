//! The Alertmanager receiver, with the real binary: a cascade of alerts in one group arrives
//! as one group on the board, resolves, and a repeat records nothing; a declaring rule opens
//! an incident in the integration's name with nobody in command; an unrouted group waits
//! for a commander to link it; the token (its `alerts:write` scope, revocation), the version
//! and the size are checked, with
//! Alertmanager's extra fields tolerated.

use serde_json::{Value, json};

use crate::support::Server;
use crate::tokens::cli_token;

/// A server's integration token for Alertmanager, made as an admin would (`warroom token
/// create --scope alerts:write --name alertmanager`).
async fn alerts_token(server: &Server) -> String {
    cli_token(server, "alertmanager", &["alerts:write"]).await
}

fn notification(key: &str, severity: &str, firing: usize, resolved: usize) -> Value {
    let alert = |i: usize, status: &str| {
        json!({
            "status": status,
            "labels": {"alertname": "HighLatency", "service": "checkout", "severity": severity,
                       "instance": format!("node-{i}")},
            "annotations": {"summary": "p99 latency over 2 s"},
            "startsAt": "2026-12-01T10:00:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus.example/graph",
            "fingerprint": format!("{i:016x}")
        })
    };
    let alerts: Vec<Value> = (0..firing)
        .map(|i| alert(i, "firing"))
        .chain((firing..firing + resolved).map(|i| alert(i, "resolved")))
        .collect();
    json!({
        "receiver": "warroom",
        "status": if firing > 0 { "firing" } else { "resolved" },
        "alerts": alerts,
        "groupLabels": {"alertname": "HighLatency"},
        "commonLabels": {"alertname": "HighLatency", "service": "checkout", "severity": severity},
        "commonAnnotations": {"summary": "p99 latency over 2 s"},
        "externalURL": "http://alertmanager.example:9093",
        "version": "4",
        "groupKey": key,
        "truncatedAlerts": 0,
        "aFieldFromTheFuture": {"ignored": true}
    })
}

async fn post(server: &Server, body: &str, token: Option<&str>) -> (u16, Value) {
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("Content-Type", "application/json")];
    if let Some(auth) = &auth {
        headers.push(("Authorization", auth.as_str()));
    }
    let response = server
        .raw("POST", "/api/hooks/alertmanager", Some(body), &headers)
        .await;
    let json = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
    (response.status, json)
}

async fn notify(server: &Server, token: &str, n: &Value) -> Value {
    let (status, reply) = post(server, &n.to_string(), Some(token)).await;
    assert_eq!(status, 200, "{reply}");
    reply
}

/// The incident's board as its JSON export carries it.
async fn board(server: &Server, incident: &str) -> Value {
    let (status, export) = server
        .request(
            "GET",
            &format!("/api/incidents/{incident}/export.json"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{export}");
    export["board"].clone()
}

async fn with_rules(rules: &str, extra: &[&str]) -> (Server, tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rules.toml");
    std::fs::write(&path, rules).unwrap();
    let path = path.to_str().unwrap().to_owned();
    let mut flags = vec!["--alert-rules", path.as_str()];
    flags.extend_from_slice(extra);
    let server = Server::start_with(&flags).await;
    let token = alerts_token(&server).await;
    (server, dir, token)
}

#[tokio::test]
async fn a_cascade_is_one_group_a_declaring_rule_opens_an_incident_and_resolving_darkens_it() {
    let (server, _dir, token) = with_rules(
        "[[rule]]\nmatch = { severity = \"critical\" }\n\
         declare = { title = \"{alertname} on {service}\", severity_label = \"sev\", severity = \"SEV1\" }\n",
        &[],
    )
    .await;
    let key = "{}/{severity=\"critical\"}:{alertname=\"HighLatency\"}";
    let reply = notify(&server, &token, &notification(key, "critical", 120, 0)).await;
    assert_eq!(reply["outcome"], "declared", "{reply}");
    let incident = reply["incident"].as_str().unwrap().to_owned();
    let (_, row) = server
        .request("GET", &format!("/api/incidents/{incident}"), None)
        .await;
    assert_eq!(row["title"], "HighLatency on checkout");
    assert_eq!(row["severity"], "SEV1");
    assert_eq!(
        row["commander"], "alertmanager (integration)",
        "nobody has taken command"
    );

    let reply = notify(&server, &token, &notification(key, "critical", 200, 0)).await;
    assert_eq!(
        (reply["outcome"].as_str(), reply["incident"].as_str()),
        (Some("recorded"), Some(incident.as_str()))
    );
    assert_eq!(
        notify(&server, &token, &notification(key, "critical", 200, 0)).await["outcome"],
        "unchanged"
    );
    let b = board(&server, &incident).await;
    let groups = b["alert_groups"].as_object().unwrap();
    assert_eq!(groups.len(), 1, "one group however many alerts");
    let g = &groups["1"]["state"];
    assert_eq!(
        (g["firing"].as_u64(), g["level"].as_str()),
        (Some(200), Some("warning"))
    );
    let holder = b["commander"]["holder"].as_str().unwrap();
    assert!(
        holder.starts_with("integration-tok-"),
        "the token's integration holds command until a person takes it: {holder}"
    );

    let reply = notify(&server, &token, &notification(key, "critical", 0, 200)).await;
    assert_eq!(reply["outcome"], "recorded");
    let b = board(&server, &incident).await;
    assert_eq!(b["alert_groups"]["1"]["state"]["status"], "resolved");
    assert_eq!(b["alert_groups"]["1"]["state"]["firing"], 0);
    // The transitions are in the log, in the integration's name; the repeat is not.
    let (_, export) = server
        .request(
            "GET",
            &format!("/api/incidents/{incident}/export.json"),
            None,
        )
        .await;
    let changes: Vec<&str> = export["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["event"]["type"] == "alert_group_updated")
        .map(|r| r["event"]["change"].as_str().unwrap())
        .collect();
    assert_eq!(changes, ["new", "count", "resolved"]);
    // A resolved group declares nothing new.
    let reply = notify(
        &server,
        &token,
        &notification("{}:{other}", "critical", 0, 3),
    )
    .await;
    assert_eq!(reply["outcome"], "unrouted");
}

#[tokio::test]
async fn an_unrouted_group_waits_for_the_commander_to_link_it() {
    let (server, _dir, token) =
        with_rules("", &["--alert-level", "severity=warning:caution"]).await;
    let key = "{}:{alertname=\"HighLatency\"}";
    assert_eq!(
        notify(&server, &token, &notification(key, "warning", 3, 0)).await["outcome"],
        "unrouted"
    );
    let (status, list) = server.request("GET", "/api/alerts/unrouted", None).await;
    assert_eq!(status, 200);
    assert_eq!(list["groups"][0]["group"]["key"], key);
    assert_eq!(list["groups"][0]["group"]["level"], "caution");
    let (status, _) = server
        .request_as(None, "GET", "/api/alerts/unrouted", None)
        .await;
    assert_eq!(status, 401);

    let incident = server.declare("p-alice", "Alice", "Checkout slow").await;
    let link = format!("/api/incidents/{incident}/alert-groups");
    let body = json!({"group_key": key});
    let bob = server.person("p-bob").await;
    let (status, reply) = server
        .request_as(Some(&bob), "POST", &link, Some(&body))
        .await;
    assert_eq!(status, 403, "only the commander links: {reply}");
    let alice = server.person("p-alice").await;
    let (status, reply) = server
        .request_as(Some(&alice), "POST", &link, Some(&body))
        .await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["outcome"], "recorded");
    let (status, _) = server
        .request_as(Some(&alice), "POST", &link, Some(&body))
        .await;
    assert_eq!(status, 404, "no longer unrouted");
    let (_, list) = server.request("GET", "/api/alerts/unrouted", None).await;
    assert_eq!(list["groups"], json!([]));
    // Its next notification goes to the incident it was linked to.
    let reply = notify(&server, &token, &notification(key, "warning", 4, 0)).await;
    assert_eq!(reply["incident"], incident.as_str());
    let b = board(&server, incident.as_str()).await;
    assert_eq!(b["alert_groups"]["1"]["linked_by"], alice.id.as_str());
    assert_eq!(b["alert_groups"]["1"]["state"]["firing"], 4);
}

#[tokio::test]
async fn the_receiver_checks_its_credential_the_version_and_the_size() {
    let server = Server::start().await;
    let token = alerts_token(&server).await;
    let body = notification("g", "critical", 1, 0).to_string();
    assert_eq!(post(&server, &body, None).await.0, 401);
    let (status, reply) = post(&server, &body, Some("wrt_not-a-token-this-server-issued")).await;
    assert_eq!(
        (status, reply["code"].as_str()),
        (401, Some("unauthorized"))
    );
    // A token of this server, but without `alerts:write`: forbidden, and the scope named.
    let reader = cli_token(&server, "reader", &["incidents:read", "incidents:write"]).await;
    let (status, reply) = post(&server, &body, Some(&reader)).await;
    assert_eq!((status, reply["code"].as_str()), (403, Some("forbidden")));
    assert!(
        reply["error"].as_str().unwrap().contains("alerts:write"),
        "{reply}"
    );
    let mut old = notification("g", "critical", 1, 0);
    old["version"] = json!("3");
    let (status, reply) = post(&server, &old.to_string(), Some(&token)).await;
    assert_eq!(status, 400);
    assert!(
        reply["error"].as_str().unwrap().contains("version 4"),
        "{reply}"
    );
    let (status, reply) = post(&server, "{\"version\": \"4\"}", Some(&token)).await;
    assert_eq!(status, 400);
    assert!(
        reply["error"].as_str().unwrap().contains("groupKey"),
        "{reply}"
    );
    let huge = notification("g", "critical", 9_000, 0).to_string();
    assert!(huge.len() > 2 * 1024 * 1024);
    let (status, reply) = post(&server, &huge, Some(&token)).await;
    assert_eq!(
        (status, reply["code"].as_str()),
        (413, Some("payload_too_large"))
    );
    assert_eq!(
        post(&server, &body, Some(&token)).await.0,
        200,
        "extra fields are tolerated"
    );
    assert!(
        !server.log().contains(&token) && !server.log().contains(&reader),
        "a token is never logged"
    );

    // Revoked: refused from then on.
    let mut revoke = vec!["token".to_owned(), "revoke".into(), "alertmanager".into()];
    revoke.extend(server.store_flags());
    crate::support::warroom(&revoke).await.ok();
    let (status, reply) = post(&server, &body, Some(&token)).await;
    assert_eq!(
        (status, reply["code"].as_str()),
        (401, Some("unauthorized"))
    );
    assert!(
        reply["error"].as_str().unwrap().contains("revoked"),
        "{reply}"
    );
}

#[tokio::test]
async fn a_bad_rules_file_or_level_mapping_stops_the_server_from_starting() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.toml");
    std::fs::write(&rules, "[[rule]]\nmatch = { service = \"x\" }\n").unwrap();
    let data = dir.path().join("data");
    let serve = |extra: &[&str]| {
        let mut args = vec![
            "serve".to_owned(),
            "--addr".to_owned(),
            "127.0.0.1:0".to_owned(),
            "--data-dir".to_owned(),
            data.to_str().unwrap().to_owned(),
        ];
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        args
    };
    crate::support::warroom(&serve(&["--alert-rules", rules.to_str().unwrap()]))
        .await
        .failed_saying("rule 1 must have exactly one of `incident` and `declare`");
    crate::support::warroom(&serve(&["--alert-level", "severity=critical:red"]))
        .await
        .failed_saying("--alert-level");
}
