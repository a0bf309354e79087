//! An incident's record leaves the server and comes back: the JSON export, the Markdown
//! postmortem draft and the whole log over HTTP; `warroom export` and `warroom import` on a
//! data directory; export → import → export gives the same bytes; and what cannot be exported
//! or imported is refused with a non-zero exit code and a sentence saying why.

use serde_json::Value;
use warroom_core::export::{Export, markdown};
use warroom_core::{
    ActionId, Command, ConcernLevel, IncidentId, Lane, NoteKind, Recorded, Seq, Status, TextId,
};

use crate::support::{Answer, Client, Server, warroom, warroom_with_input};

/// Sends `command` and waits for its acknowledgement; its sequence.
async fn send(client: &mut Client, id: &str, command: Command) -> Seq {
    client.submit(id, command).await;
    match client.answer(id).await {
        Answer::Ack(seq) => seq,
        other => panic!("{} sending {id}: {other:?}", client.participant),
    }
}

/// Declares an incident on `server` and works it a little over WebSockets: Alice commands,
/// Bob joins, notes, a decision, an action read back, a concern, a status change. Returns the
/// incident and its head.
async fn work_an_incident(server: &Server) -> (IncidentId, Seq) {
    let incident = server
        .declare("p-alice", "Alice", "Checkout <errors> | 50%")
        .await;
    let mut alice = Client::join(server, &incident, "p-alice").await;
    let mut bob = Client::join(server, &incident, "p-bob").await;
    let bob_id = server.id_of("p-bob").await;
    alice.post("c-1", "Errors at 20% since 09:00.").await;
    let decision = Command::PostNote {
        kind: NoteKind::Decision,
        text: "Roll back the deploy.".into(),
        essential: false,
        occurred_at: None,
        precision: None,
    };
    send(&mut alice, "c-2", decision).await;
    let assign = Command::AssignAction {
        to: bob_id,
        text: "Roll back the deploy.".into(),
        lane: Lane::Mitigate,
        minutes: Some(10),
    };
    send(&mut alice, "c-3", assign).await;
    let read_back = Command::ReadBackAction {
        action: ActionId(1),
        readback: "Rolling back.".into(),
    };
    send(&mut bob, "c-4", read_back).await;
    let concern = Command::RaiseConcern {
        level: ConcernLevel::Concerned,
        text: "The rollback skips migrations.".into(),
    };
    send(&mut bob, "c-5", concern).await;
    let status = Command::SetStatus {
        status: Status::Identified,
        occurred_at: None,
        precision: None,
    };
    let head = send(&mut alice, "c-6", status).await;
    alice.close().await;
    bob.close().await;
    (incident, head)
}

/// The whole log of `incident` from `GET /api/incidents/{id}/events`.
async fn events(server: &Server, incident: &IncidentId) -> Vec<Recorded> {
    let response = server
        .get(&format!("/api/incidents/{incident}/events"))
        .await;
    assert_eq!(response.status, 200, "{}", response.text());
    serde_json::from_slice(&response.body).expect("the log as JSON")
}

/// `GET /api/incidents/{id}/export.json`, checked to be a download; the JSON.
async fn export_json(server: &Server, incident: &IncidentId) -> String {
    let response = server
        .get(&format!("/api/incidents/{incident}/export.json"))
        .await;
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert_eq!(
        response.header("content-disposition"),
        Some(format!("attachment; filename=\"warroom-{incident}.json\"").as_str())
    );
    response.text().to_owned()
}

#[tokio::test]
async fn an_incident_exports_over_http_as_json_markdown_and_its_log() {
    let server = Server::start().await;
    let (incident, head) = work_an_incident(&server).await;

    let log = events(&server, &incident).await;
    assert_eq!(log.len() as Seq, head, "the whole log");
    assert!(
        log.iter().zip(1..).all(|(r, seq)| r.seq == seq),
        "from 1, in order"
    );

    let json = export_json(&server, &incident).await;
    let export: Export = serde_json::from_str(&json).expect("an export");
    assert_eq!(export.verify(), Ok(()));
    assert_eq!(export.incident, incident);
    assert_eq!(export.events, log, "the export holds the whole log");
    assert_eq!(export.board.as_ref().unwrap().seq, head);
    assert_eq!(export.to_json(), json, "the export as the server wrote it");

    let response = server
        .get(&format!("/api/incidents/{incident}/export.md"))
        .await;
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(
        response.header("content-type"),
        Some("text/markdown; charset=utf-8")
    );
    assert_eq!(
        response.header("content-disposition"),
        Some(format!("attachment; filename=\"warroom-{incident}.md\"").as_str())
    );
    let md = response.text();
    assert!(
        md.starts_with("# Postmortem draft: Checkout \\<errors\\> \\| 50%\n"),
        "{md}"
    );
    assert_eq!(
        md,
        markdown(&incident, &log).unwrap(),
        "the draft of the log"
    );

    // An incident that does not exist, and an id that cannot be one.
    for path in ["events", "export.json", "export.md"] {
        let (status, body) = server
            .request("GET", &format!("/api/incidents/nope/{path}"), None)
            .await;
        assert_eq!(status, 404, "{path}: {body}");
        assert_eq!(body["error"], "there is no incident nope");
        let (status, body) = server
            .request("GET", &format!("/api/incidents/no%20pe/{path}"), None)
            .await;
        assert_eq!(status, 400, "{path}: {body}");
    }
}

#[tokio::test]
async fn export_then_import_then_export_gives_the_same_bytes() {
    let first = Server::start().await;
    let (incident, _) = work_an_incident(&first).await;
    let over_http = export_json(&first, &incident).await;

    // The command reads the store of a running server (SQLite's WAL lets it; PostgreSQL is a
    // server).
    let store = first.store_flags();
    let with_store = |args: &[&str]| {
        let mut all: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        all.extend(store.iter().cloned());
        all
    };
    let printed = warroom(&with_store(&[
        "export",
        incident.as_str(),
        "--format",
        "json",
    ]))
    .await;
    assert!(
        printed.ok() == over_http,
        "the command prints what the server serves"
    );
    let scratch = tempfile::tempdir().unwrap();
    let file = scratch.path().join("export.json");
    let md_file = scratch.path().join("export.md");
    for (format, output) in [("json", &file), ("md", &md_file)] {
        let output = output.to_str().unwrap();
        let run = warroom(&with_store(&[
            "export",
            incident.as_str(),
            "--format",
            format,
            "--output",
            output,
        ]))
        .await;
        assert_eq!(run.ok(), "", "nothing printed with --output");
    }
    assert!(std::fs::read_to_string(&file).unwrap() == over_http);
    let md = first
        .get(&format!("/api/incidents/{incident}/export.md"))
        .await;
    assert_eq!(std::fs::read_to_string(&md_file).unwrap(), md.text());

    // Into a fresh data directory, while its server is stopped.
    let mut second = Server::start().await;
    second.terminate();
    second.exited().await;
    let fresh = second.store_flags();
    let import = |extra: &'static [&'static str]| {
        let mut args: Vec<std::ffi::OsString> = vec!["import".into(), file.clone().into()];
        args.extend(extra.iter().map(Into::into));
        args.extend(fresh.iter().map(Into::into));
        async move { warroom(&args).await }
    };
    let run = import(&[]).await;
    assert_eq!(
        run.ok(),
        format!("imported incident {incident}: /incidents/{incident}\n")
    );
    // The same file again: the incident exists already.
    import(&[]).await.failed_saying(&format!(
        "incident {incident} exists already; import with --new-id to keep both"
    ));
    // With a new id it is a second copy.
    let run = import(&["--new-id"]).await;
    let copy = run
        .ok()
        .strip_prefix("imported incident ")
        .and_then(|rest| rest.split(':').next())
        .map(|id| IncidentId::parse(id).expect("a valid id"))
        .unwrap_or_else(|| panic!("which incident? {run:?}"));
    assert_ne!(copy, incident);

    let second = second.start_again().await;
    let again = export_json(&second, &incident).await;
    assert!(
        again == over_http,
        "export → import → export: the same bytes"
    );
    let copied = export_json(&second, &copy).await;
    let copied: Export = serde_json::from_str(&copied).unwrap();
    let original: Export = serde_json::from_str(&over_http).unwrap();
    assert_eq!(copied.incident, copy);
    assert_eq!(copied.events, original.events);
    assert_eq!(copied.board, original.board);
    let (status, listed) = second.request("GET", "/api/incidents", None).await;
    assert_eq!(status, 200);
    let mut ids: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    let mut expected = vec![incident.as_str(), copy.as_str()];
    expected.sort_unstable();
    assert_eq!(ids, expected);

    // The imported incident is live. Identities are this server's own, so whoever joins it
    // here is a newcomer to the crew: their arrival follows the imported log, and they carry on.
    let mut dana = Client::join(&second, &incident, "p-dana").await;
    let board = original.board.as_ref().unwrap();
    let head = board.seq;
    let joined = dana.replica.incident();
    assert_eq!(
        joined.seq,
        head + 1,
        "the newcomer's arrival follows the log"
    );
    assert_eq!(joined.notes, board.notes);
    assert_eq!(joined.commander, board.commander);
    assert_eq!(dana.post("c-after", "Carrying on.").await, head + 2);
}

#[tokio::test]
async fn the_commands_refuse_what_they_cannot_do_and_say_why() {
    let server = Server::start().await;
    let (incident, _) = work_an_incident(&server).await;
    let store = server.store_flags();
    let store: Vec<&str> = store.iter().map(String::as_str).collect();

    let run = warroom(&[&["export", "nope"], store.as_slice()].concat()).await;
    run.failed_saying("there is no incident nope");
    assert_eq!(run.stdout, "");
    warroom(&[&["export", "no pe"], store.as_slice()].concat())
        .await
        .failed_saying("bad incident id");
    // From here on, the commands on a data directory of their own: SQLite's file, on either
    // run of the suite (a missing file is SQLite's case).
    let nowhere = tempfile::tempdir().unwrap();
    let nowhere = nowhere.path().join("missing");
    let nowhere = nowhere.to_str().unwrap();
    warroom(&["export", incident.as_str(), "--data-dir", nowhere])
        .await
        .failed_saying("there is no Warroom database");
    assert!(
        !std::path::Path::new(nowhere).exists(),
        "export creates nothing"
    );

    // Imports of what is not a whole, honest export.
    let json = export_json(&server, &incident).await;
    let scratch = tempfile::tempdir().unwrap();
    let target = scratch.path().join("data");
    let target = target.to_str().unwrap();
    let mut gap: Value = serde_json::from_str(&json).unwrap();
    gap["events"].as_array_mut().unwrap().remove(2);
    let mut edited: Value = serde_json::from_str(&json).unwrap();
    edited["board"]["title"] = "Nothing happened".into();
    let cases = [
        (
            "not JSON",
            "{ this is not json".to_owned(),
            "not a Warroom export",
        ),
        (
            "cut short",
            json[..json.len() / 2].to_owned(),
            "not a Warroom export",
        ),
        (
            "some other JSON",
            r#"{"hello": "world"}"#.to_owned(),
            "not a Warroom export",
        ),
        ("a gap", gap.to_string(), "the log has a gap or a repeat"),
        ("edited", edited.to_string(), "does not match its log"),
    ];
    for (what, text, words) in cases {
        let file = scratch.path().join(format!("{what}.json"));
        std::fs::write(&file, text).unwrap();
        let run = warroom(&["import", file.to_str().unwrap(), "--data-dir", target]).await;
        assert_eq!(run.code, Some(1), "{what}: {run:#?}");
        assert!(
            run.stderr.contains(words),
            "{what} says {words:?}: {run:#?}"
        );
    }
    let missing = scratch.path().join("missing.json");
    warroom(&["import", missing.to_str().unwrap(), "--data-dir", target])
        .await
        .failed_saying("cannot read");
    // Nothing was imported, and a refused file did not even create a database.
    warroom(&["export", incident.as_str(), "--data-dir", target])
        .await
        .failed_saying("there is no Warroom database");

    // From standard input, as `warroom export … | warroom import -` would.
    let run = warroom_with_input(&["import", "-", "--data-dir", target], Some(&json)).await;
    assert_eq!(
        run.ok(),
        format!("imported incident {incident}: /incidents/{incident}\n")
    );
    let printed = warroom(&[
        "export",
        incident.as_str(),
        "--format",
        "json",
        "--data-dir",
        target,
    ])
    .await;
    assert!(printed.ok() == json, "the same bytes back");
}

#[tokio::test]
async fn the_commands_explain_themselves() {
    for (command, words) in [
        ("export", ["--format", "--output", "--data-dir"]),
        ("import", ["--new-id", "--data-dir", "standard input"]),
        (
            "export",
            ["--database-url", "postgres://", "--database-pool-size"],
        ),
        (
            "import",
            ["--database-url", "WARROOM_DATABASE_URL", "--data-dir"],
        ),
        ("migrate", ["--database-url", "--data-dir", "newer schema"]),
        (
            "serve",
            ["--database-url", "--database-pool-size", "SQLite"],
        ),
    ] {
        let run = warroom(&[command, "--help"]).await;
        let help = run.ok();
        for word in words {
            assert!(
                help.contains(word),
                "`warroom {command} --help` mentions {word}: {help}"
            );
        }
    }
    let run = warroom(&["--help"]).await;
    assert!(run.ok().contains("export") && run.stdout.contains("import"));
    assert!(run.stdout.contains("migrate"), "{}", run.stdout);
}
