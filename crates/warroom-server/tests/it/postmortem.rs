//! Recording after the fact through the real binary: a retrospective declaration over HTTP, a
//! backdated note over the WebSocket, the incident closed and its follow-ups still added and
//! updated, all of it in the JSON export and the draft — and `warroom import` of a log whose
//! recorded times go backwards refused, naming the first bad row, with nothing written.

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use warroom_core::time::Precision;
use warroom_core::{
    Command, FollowUpId, FollowUpState, IncidentId, NoteKind, Owner, RejectionCode, Status, TextId,
};

use crate::support::{Answer, Client, Server, warroom};

async fn send(client: &mut Client, id: &str, command: Command) -> Answer {
    client.submit(id, command).await;
    client.answer(id).await
}

#[tokio::test]
async fn an_incident_recorded_after_the_fact_keeps_both_times_and_its_follow_ups_after_close() {
    let server = Server::start().await;
    let alice = server.person_named("p-alice", "Alice").await;
    let start = Utc::now() - Duration::hours(3);

    // Over HTTP: a retrospective declaration needs its real start, and a stray field is refused.
    let declare = |extra: Value| {
        let mut body = json!({"title": "Storage outage", "severity": "SEV1"});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    let (status, reply) = server
        .request_as(
            Some(&alice),
            "POST",
            "/api/incidents",
            Some(&declare(json!({"declared_at": start}))),
        )
        .await;
    assert_eq!(status, 400, "{reply}");
    assert!(
        reply["error"]
            .as_str()
            .unwrap()
            .contains("unknown field `declared_at`"),
        "{reply}"
    );
    let (status, reply) = server
        .request_as(
            Some(&alice),
            "POST",
            "/api/incidents",
            Some(&declare(json!({"retrospective": true}))),
        )
        .await;
    assert_eq!(
        (status, reply["code"].as_str()),
        (422, Some("rejected")),
        "{reply}"
    );
    assert!(
        reply["error"]
            .as_str()
            .unwrap()
            .contains("needs its real start")
    );
    let (status, reply) = server
        .request_as(
            Some(&alice),
            "POST",
            "/api/incidents",
            Some(&declare(json!({
                "retrospective": true, "occurred_at": start, "precision": "about",
            }))),
        )
        .await;
    assert_eq!(status, 201, "{reply}");
    let incident = IncidentId::parse(reply["id"].as_str().unwrap()).unwrap();
    let (_, row) = server
        .request("GET", &format!("/api/incidents/{incident}"), None)
        .await;
    assert_eq!(row["retrospective"], true, "the listing says so: {row}");

    // Over the WebSocket: a note entered now about what happened twenty minutes in.
    let mut ws = Client::join(&server, &incident, "p-alice").await;
    let then = start + Duration::minutes(20);
    let note = Command::PostNote {
        kind: NoteKind::Observation,
        text: "Disk alarms on three storage nodes.".into(),
        essential: false,
        occurred_at: Some(then),
        precision: Some(Precision::About),
    };
    let Answer::Ack(seq) = send(&mut ws, "c-note", note).await else {
        panic!("the backdated note was not acknowledged")
    };
    let future = Command::PostNote {
        kind: NoteKind::Observation,
        text: "Tomorrow".into(),
        essential: false,
        occurred_at: Some(Utc::now() + Duration::hours(1)),
        precision: None,
    };
    match send(&mut ws, "c-future", future).await {
        Answer::Rejected(r) => {
            assert_eq!(r.code, RejectionCode::Invalid);
            assert!(r.message.contains("is in the future"), "{r:?}");
        }
        other => panic!("a note in the future: {other:?}"),
    }

    // Close it; only the postmortem's commands are still taken.
    for (id, status) in [("c-r", Status::Resolved), ("c-c", Status::Closed)] {
        assert!(matches!(
            send(&mut ws, id, Command::set_status(status)).await,
            Answer::Ack(_)
        ));
    }
    let add = Command::AddFollowUp {
        text: "Alert on disk fill rate".into(),
        owner: Owner::Name("Storage team".into()),
        due: Some("2030-01-31".parse().unwrap()),
        link: Some("https://tracker.example/ST-7".into()),
    };
    assert!(matches!(send(&mut ws, "c-fu", add).await, Answer::Ack(_)));
    let done = Command::UpdateFollowUp {
        follow_up: FollowUpId(1),
        text: None,
        owner: None,
        due: None,
        link: None,
        state: Some(FollowUpState::Done),
    };
    assert!(matches!(
        send(&mut ws, "c-done", done).await,
        Answer::Ack(_)
    ));
    match send(
        &mut ws,
        "c-late",
        Command::post_note(NoteKind::Observation, "Late"),
    )
    .await
    {
        Answer::Rejected(r) => assert_eq!(r.code, RejectionCode::Closed),
        other => panic!("a note after close: {other:?}"),
    }
    let replica = ws.close().await;
    let board = replica.incident();
    let posted = board.notes.values().next().unwrap();
    assert_eq!(posted.seq, seq);
    assert_eq!((posted.occurred_at, posted.backdated), (Some(then), true));
    assert_eq!(
        board.postmortem.follow_ups[&FollowUpId(1)].state,
        FollowUpState::Done
    );

    // The log over HTTP keeps both times; the export carries the follow-ups.
    let (status, log) = server
        .request("GET", &format!("/api/incidents/{incident}/events"), None)
        .await;
    assert_eq!(status, 200);
    let entry = &log[usize::try_from(seq).unwrap() - 1];
    assert_eq!(entry["precision"], "about");
    assert_eq!(
        entry["occurred_at"]
            .as_str()
            .map(|t| t.parse::<chrono::DateTime<Utc>>().unwrap()),
        Some(then)
    );
    assert_ne!(entry["at"], entry["occurred_at"]);
    assert_eq!(log[0]["event"]["retrospective"], true);
    let export = server
        .get(&format!("/api/incidents/{incident}/export.json"))
        .await;
    let export: Value = serde_json::from_slice(&export.body).unwrap();
    let follow_up = &export["board"]["postmortem"]["follow_ups"]["1"];
    assert_eq!(follow_up["state"], "done");
    assert_eq!(follow_up["link"], "https://tracker.example/ST-7");
    assert_eq!(export["board"]["postmortem"]["retrospective"], true);
    let md = server
        .get(&format!("/api/incidents/{incident}/export.md"))
        .await;
    assert!(
        md.text().contains("Recorded after the fact"),
        "{}",
        md.text()
    );
}

#[tokio::test]
async fn an_import_whose_recorded_times_go_backwards_names_the_first_bad_row_and_writes_nothing() {
    let server = Server::start().await;
    let incident = server.declare("p-alice", "Alice", "Backwards").await;
    let mut alice = Client::join(&server, &incident, "p-alice").await;
    for n in 0..4 {
        alice.post(&format!("c-{n}"), &format!("Note {n}")).await;
    }
    alice.close().await;
    let json = server
        .get(&format!("/api/incidents/{incident}/export.json"))
        .await
        .text()
        .to_owned();
    let mut export: Value = serde_json::from_str(&json).unwrap();
    // Event 4 (sequence 5) says it was recorded a day before the one above it.
    let events = export["events"].as_array_mut().unwrap();
    let earlier: chrono::DateTime<Utc> = events[3]["at"].as_str().unwrap().parse().unwrap();
    events[4]["at"] = json!(earlier - Duration::days(1));
    let scratch = tempfile::tempdir().unwrap();
    let file = scratch.path().join("backwards.json");
    std::fs::write(&file, export.to_string()).unwrap();
    let target = scratch.path().join("data");
    let run = warroom(&[
        "import",
        file.to_str().unwrap(),
        "--data-dir",
        target.to_str().unwrap(),
    ])
    .await;
    run.failed_saying("recorded times go backwards: event 4 (sequence 5) was recorded at");
    assert!(!target.exists(), "nothing written: {run:#?}");
    // The honest export imports.
    std::fs::write(&file, &json).unwrap();
    let run = warroom(&[
        "import",
        file.to_str().unwrap(),
        "--data-dir",
        target.to_str().unwrap(),
    ])
    .await;
    run.ok();
}

/// An incident of three months ago, recorded after the fact with its impact window in the
/// declaration's write: the bounds are the incident's, never the server clock's.
#[tokio::test]
async fn an_incident_of_months_ago_is_declared_with_its_impact_window() {
    let server = Server::start().await;
    let alice = server.person_named("p-alice", "Alice").await;
    let start = Utc::now() - Duration::days(90);
    let declare = |extra: Value| {
        let mut body = json!({
            "title": "Billing double charges",
            "severity": "SEV2",
            "retrospective": true,
            "occurred_at": start,
            "precision": "about",
        });
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    let (status, reply) = server
        .request_as(
            Some(&alice),
            "POST",
            "/api/incidents",
            Some(&declare(json!({
                "impact_start": start - Duration::days(2),
                "impact_end": start + Duration::hours(6),
            }))),
        )
        .await;
    assert_eq!(status, 201, "{reply}");
    let id = reply["id"].as_str().unwrap();
    let (_, log) = server
        .request("GET", &format!("/api/incidents/{id}/events"), None)
        .await;
    let log = log.as_array().unwrap();
    assert_eq!(
        log.len(),
        2,
        "declared and the impact set, in one write: {log:?}"
    );
    assert_eq!(log[1]["event"]["type"], "impact_set");
    assert_eq!(
        log[1]["event"]["start"]
            .as_str()
            .map(|s| s.parse::<chrono::DateTime<Utc>>().unwrap()),
        Some(start - Duration::days(2))
    );

    for (extra, says) in [
        (
            json!({"impact_end": start}),
            "An impact end needs its start",
        ),
        (
            json!({"impact_start": start - Duration::days(31)}),
            "30 days before the incident was declared",
        ),
        (
            json!({"occurred_at": "1999-12-31T23:59:59Z"}),
            "nothing is recorded before 2000",
        ),
    ] {
        let (status, reply) = server
            .request_as(
                Some(&alice),
                "POST",
                "/api/incidents",
                Some(&declare(extra)),
            )
            .await;
        assert_eq!(
            (status, reply["code"].as_str()),
            (422, Some("rejected")),
            "{reply}"
        );
        assert!(
            reply["error"].as_str().unwrap().contains(says),
            "{says}: {reply}"
        );
    }
    let (_, list) = server
        .request_as(Some(&alice), "GET", "/api/incidents", None)
        .await;
    assert_eq!(
        list.as_array().unwrap().len(),
        1,
        "nothing else was declared"
    );
}
