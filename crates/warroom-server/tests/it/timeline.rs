//! Timeline files through the real binary: `POST /api/incidents/timeline` and `warroom import
//! --timeline`, a bad row refused naming its line with nothing written, and a corpus — the
//! GitLab.com database outage of 2017-01-31 to 2017-02-01 ("Postmortem of database outage of
//! January 31", GitLab, published 2017-02-10), its published minute-level timeline transcribed
//! into `tests/fixtures/gitlab-2017-01-31.csv` (the source's own times where it gives them,
//! `about` where it gives them roughly; names as the postmortem gives them, "team member N").
//!
//! The corpus is replayed at its own times, in 2017: the bounds of a backdated time are the
//! incident's (and 2000), never the server clock's. Through the server it is uploaded, then the commander sets the impact window and adds a follow-up over the
//! WebSocket; the Markdown is checked section by section and its timeline row by row against
//! the source rows.

use std::ffi::OsStr;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use serde_json::{Value, json};
use warroom_core::export::md_escape;
use warroom_core::{Command, IncidentId, Owner, TextId};

use crate::support::{Answer, Client, ScratchStore, Server, warroom};

const CORPUS: &str = include_str!("../fixtures/gitlab-2017-01-31.csv");

/// A source row: its time, precision, actor, kind and text.
#[derive(Debug, Clone)]
struct Source {
    at: DateTime<Utc>,
    about: bool,
    actor: String,
    kind: String,
    text: String,
}

/// The corpus at its own times, as a CSV file and as rows.
fn corpus() -> (String, Vec<Source>) {
    let mut lines = CORPUS.lines();
    let mut csv = format!("{}\n", lines.next().unwrap());
    let mut rows = Vec::new();
    for line in lines {
        let (time, rest) = line.split_once(',').unwrap();
        let t = NaiveDateTime::parse_from_str(time, "%Y-%m-%d %H:%M")
            .unwrap()
            .and_utc();
        let at = t;
        csv.push_str(&format!("{},{rest}\n", at.format("%Y-%m-%d %H:%M")));
        let mut fields = rest.splitn(4, ',');
        let precision = fields.next().unwrap();
        let actor = fields.next().unwrap().to_owned();
        let kind = fields.next().unwrap().to_owned();
        let text = fields.next().unwrap();
        let text = text
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .unwrap_or(text)
            .replace("\"\"", "\"");
        rows.push(Source {
            at,
            about: precision == "about",
            actor,
            kind,
            text,
        });
    }
    (csv, rows)
}

/// The level-2 sections of a draft: title → lines.
fn sections(md: &str) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = vec![(String::new(), Vec::new())];
    for line in md.lines() {
        if let Some(title) = line.strip_prefix("## ") {
            out.push((title.to_owned(), Vec::new()));
        } else if !line.is_empty() {
            out.last_mut().unwrap().1.push(line.to_owned());
        }
    }
    out
}

fn section<'a>(all: &'a [(String, Vec<String>)], title: &str) -> &'a [String] {
    &all.iter()
        .find(|(t, _)| t == title)
        .unwrap_or_else(|| panic!("no section {title}"))
        .1
}

/// The body rows of a section's table, as cells.
fn table(lines: &[String]) -> Vec<Vec<String>> {
    lines
        .iter()
        .filter(|l| l.starts_with("| "))
        .skip(2)
        .map(|l| {
            l.trim_start_matches("| ")
                .trim_end_matches(" |")
                .split(" | ")
                .map(str::to_owned)
                .collect()
        })
        .collect()
}

fn upload(title: &str, text: &str) -> Value {
    json!({"title": title, "severity": "SEV2", "text": text})
}

#[tokio::test]
async fn a_public_postmortem_replayed_from_its_timeline() {
    let server = Server::start().await;
    let alice = server.person_named("p-alice", "Alice").await;
    let (csv, source) = corpus();

    let (status, reply) = server
        .request_as(
            Some(&alice),
            "POST",
            "/api/incidents/timeline",
            Some(&upload("GitLab.com database outage", &csv)),
        )
        .await;
    assert_eq!(status, 201, "{reply}");
    let incident = IncidentId::parse(reply["id"].as_str().unwrap()).unwrap();

    // The lobby says it was recorded after the fact and imported.
    let (_, list) = server
        .request_as(Some(&alice), "GET", "/api/incidents", None)
        .await;
    let row = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == incident.as_str())
        .unwrap();
    assert_eq!(
        (row["retrospective"].as_bool(), row["imported"].as_bool()),
        (Some(true), Some(true))
    );
    assert_eq!(row["status"], "resolved");
    assert_eq!(row["severity"], "SEV1");

    // The commander sets the impact window (the data lost from 17:20 to 23:25, the site down
    // until 18:14 the next day) and adds a follow-up, over the WebSocket.
    let mut client = Client::join(&server, &incident, "p-alice").await;
    let impact = Command::SetImpact {
        start: source[0].at,
        end: Some(source[0].at + Duration::minutes(24 * 60 + 54)),
        statement: Some("GitLab.com down; about six hours of database data lost.".into()),
    };
    client.submit("c-1", impact).await;
    assert!(matches!(client.answer("c-1").await, Answer::Ack(_)));
    let follow_up = Command::AddFollowUp {
        text: "Test restoring the backups, and alert when a backup is empty.".into(),
        owner: Owner::Name("Infrastructure".into()),
        due: Some((Utc::now() + Duration::days(14)).date_naive()),
        link: Some("https://gitlab.com/gitlab-com/infrastructure/issues/1102".into()),
    };
    client.submit("c-2", follow_up).await;
    assert!(matches!(client.answer("c-2").await, Answer::Ack(_)));

    let md = server
        .get(&format!("/api/incidents/{incident}/export.md"))
        .await;
    assert_eq!(md.status, 200);
    let md = md.text().to_owned();
    let all = sections(&md);
    let titles: Vec<&str> = all[1..].iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Summary",
            "Impact",
            "Detection",
            "Response",
            "Recovery",
            "Metrics",
            "Timeline",
            "Root cause and contributing factors",
            "What went well",
            "What went wrong",
            "Where we got lucky",
            "Follow-ups",
            "Checklists",
            "Concerns",
            "Appendix: complete log",
        ]
    );
    let preamble = all[0].1.join("\n");
    assert!(
        preamble.contains("**Recorded after the fact**"),
        "{preamble}"
    );
    assert!(
        preamble.contains("**Imported from a timeline file**"),
        "{preamble}"
    );

    let full = |t: DateTime<Utc>| t.format("%Y-%m-%d %H:%M:%S UTC").to_string();
    let summary = section(&all, "Summary");
    assert!(
        summary.contains(&"- Severity: SEV1 · Status: Resolved".to_owned()),
        "{summary:?}"
    );
    assert!(
        summary
            .iter()
            .any(|l| l.starts_with(&format!("- Declared: ≈{} by Alice", full(source[0].at)))),
        "{summary:?}"
    );
    assert_eq!(
        section(&all, "Impact")[..3],
        [
            format!("- Start: {}", full(source[0].at)),
            format!(
                "- End: {}",
                full(source[0].at + Duration::minutes(24 * 60 + 54))
            ),
            "- Duration: 24:54:00".to_owned(),
        ]
    );
    assert!(section(&all, "Detection").contains(&"- Time to detect: 00:00:00".to_owned()));
    let recovery: Vec<&String> = section(&all, "Recovery")
        .iter()
        .filter(|l| l.starts_with("- "))
        .collect();
    assert_eq!(recovery.len(), 3, "three status changes: {recovery:?}");
    assert!(
        recovery[1].contains("Identified → Mitigated"),
        "{recovery:?}"
    );

    // The key timeline, row by row: the declaration, then every decision, status update,
    // severity and status row of the source, at its time, by its person (a change of severity
    // or status by the commander, who alone makes them), quoted, marked.
    let time = |t: DateTime<Utc>| t.format("%Y-%m-%d %H:%M:%S").to_string();
    let key: Vec<&Source> = source
        .iter()
        .filter(|s| {
            matches!(
                s.kind.as_str(),
                "decision" | "status_update" | "severity" | "status"
            )
        })
        .collect();
    let rows = table(section(&all, "Timeline"));
    assert_eq!(rows.len(), key.len() + 1, "{rows:#?}");
    assert_eq!(rows[0][0], format!("≈{}", time(source[0].at)));
    assert_eq!(rows[0][2], "Alice");
    for (row, s) in rows[1..].iter().zip(&key) {
        let mark = if s.about { "≈" } else { "" };
        assert_eq!(row[0], format!("{mark}{}", time(s.at)), "{row:?} is {s:?}");
        let note = matches!(s.kind.as_str(), "decision" | "status_update");
        assert_eq!(
            row[2],
            if note { s.actor.as_str() } else { "Alice" },
            "{row:?}"
        );
        if note {
            assert_eq!(
                row[4],
                format!("“{}” (entered later) (imported)", md_escape(&s.text)),
                "{row:?}"
            );
        } else {
            assert!(row[4].ends_with("(entered later) (imported)"), "{row:?}");
        }
    }

    // The appendix: every source row, in order, among the joins.
    let appendix = table(section(&all, "Appendix: complete log"));
    let mut rest = appendix.iter();
    for s in &source {
        let mark = if s.about { "≈" } else { "" };
        let found = rest.find(|r| {
            r[1] == format!("{mark}{}", time(s.at))
                && (r[4].starts_with(&md_escape(&s.text))
                    || !matches!(
                        s.kind.as_str(),
                        "observation" | "hypothesis" | "decision" | "action" | "status_update"
                    ))
        });
        assert!(found.is_some(), "{s:?} in the appendix, in order");
    }

    let follow_ups = table(section(&all, "Follow-ups"));
    assert_eq!(follow_ups[0][2], "Infrastructure");
    assert_eq!(follow_ups[0][4], "Open");

    // The hypothesis a wipe followed is not confirmed (no decision came next); the one the
    // decision to restore followed is not a hypothesis: the section says nothing was confirmed.
    assert!(
        section(&all, "Root cause and contributing factors")
            .contains(&"No hypothesis was confirmed in the record.".to_owned())
    );
}

#[tokio::test]
async fn a_bad_row_is_named_and_nothing_is_written() {
    let server = Server::start().await;
    let alice = server.person_named("p-alice", "Alice").await;
    let now = Utc::now() - Duration::hours(2);
    let t = |m: i64| {
        (now + Duration::minutes(m))
            .format("%Y-%m-%d %H:%M")
            .to_string()
    };
    let cases = [
        (
            format!("time,precision,actor,kind,text\n{},exact,Ann,observation,ok\n{},maybe,Ann,observation,bad\n", t(0), t(1)),
            "line 3: unknown precision \"maybe\"",
        ),
        (
            format!("time,precision,actor,kind,text\n{},exact,Ann,observation,ok\n{},exact,Ann,observation,future\n", t(0), t(600)),
            "line 3: occurred_at",
        ),
        (
            format!("time,precision,actor,kind,text\n{},exact,Ann,status,closed\n", t(0)),
            "line 2: a timeline cannot close",
        ),
        (format!("time,actor,kind,text\n{},Ann,observation,x\n", t(0)), "line 1: the header must be"),
        (
            json!([{"time": t(0), "actor": "Ann", "kind": "observation", "text": "ok"}, {"time": t(1), "actor": "Ann", "kind": "guess", "text": "x"}]).to_string(),
            "row 2: unknown kind \"guess\"",
        ),
        (
            json!([{"time": t(0), "actor": "Ann", "kind": "observation", "text": "ok", "at": t(0)}]).to_string(),
            "row 1: unknown field `at`",
        ),
    ];
    for (text, says) in &cases {
        let (status, reply) = server
            .request_as(
                Some(&alice),
                "POST",
                "/api/incidents/timeline",
                Some(&upload("Bad", text)),
            )
            .await;
        assert_eq!(
            (status, reply["code"].as_str()),
            (422, Some("rejected")),
            "{text}: {reply}"
        );
        assert!(
            reply["error"].as_str().unwrap().contains(says),
            "{text}: {reply}"
        );
    }
    let (_, list) = server
        .request_as(Some(&alice), "GET", "/api/incidents", None)
        .await;
    assert_eq!(
        list.as_array().unwrap().len(),
        0,
        "nothing was written: {list}"
    );

    // The body is strict too, and a session is needed.
    let mut body = upload("Bad", &cases[0].0);
    body["participant"] = json!("p-bob");
    let (status, reply) = server
        .request_as(Some(&alice), "POST", "/api/incidents/timeline", Some(&body))
        .await;
    assert_eq!(status, 400, "{reply}");
    assert!(
        reply["error"]
            .as_str()
            .unwrap()
            .contains("unknown field `participant`"),
        "{reply}"
    );
    let (status, _) = server
        .request_as(
            None,
            "POST",
            "/api/incidents/timeline",
            Some(&upload("x", &cases[0].0)),
        )
        .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn warroom_import_timeline_enters_a_file_or_names_its_first_bad_row() {
    let dir = tempfile::tempdir().unwrap();
    let (csv, source) = corpus();
    let file = dir.path().join("timeline.csv");
    std::fs::write(&file, &csv).unwrap();
    let data = dir.path().join("data");

    // A bad file: the first bad row named, the data directory never made.
    let bad = dir.path().join("bad.csv");
    let broken = csv.replacen(",about,", ",roughly,", 2);
    std::fs::write(&bad, &broken).unwrap();
    let run = warroom(&[
        "import".as_ref(),
        "--timeline".as_ref(),
        bad.as_os_str(),
        "--title".as_ref(),
        "Outage".as_ref(),
        "--data-dir".as_ref(),
        data.as_os_str(),
    ])
    .await;
    run.failed_saying("line 2: unknown precision \"roughly\"");
    assert!(!data.exists(), "nothing written");

    // The honest file, into a store of the suite's kind (SQLite's file, or PostgreSQL).
    let scratch = ScratchStore::new().await;
    let store: Vec<&OsStr> = scratch.flags.iter().map(OsStr::new).collect();

    let run = warroom(&[
        "import".as_ref(),
        "--timeline".as_ref(),
        file.as_os_str(),
        "--title".as_ref(),
        "GitLab.com database outage".as_ref(),
        "--severity".as_ref(),
        "sev2".as_ref(),
        "--by".as_ref(),
        "Pat".as_ref(),
        store[0],
        store[1],
    ])
    .await;
    let printed = run.ok();
    assert!(
        printed.starts_with(&format!(
            "imported {} timeline rows as incident ",
            source.len()
        )),
        "{printed}"
    );
    let id = printed
        .split("incident ")
        .nth(1)
        .unwrap()
        .split(':')
        .next()
        .unwrap();

    let run = warroom(&[
        "export".as_ref(),
        id.as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
        store[0],
        store[1],
    ])
    .await;
    let export: warroom_core::export::Export = serde_json::from_str(run.ok()).unwrap();
    export.verify().unwrap();
    let board = export.board.clone().unwrap();
    assert!(board.postmortem.retrospective && board.postmortem.imported);
    assert_eq!(board.name_of(&board.declared_by), "Pat");
    // Every note of the source, row by row: its text, its time, its precision, its person.
    let notes: Vec<_> = board.notes.values().collect();
    let source_notes: Vec<&Source> = source
        .iter()
        .filter(|s| !matches!(s.kind.as_str(), "severity" | "status"))
        .collect();
    assert_eq!(notes.len(), source_notes.len());
    for (n, s) in notes.iter().zip(source_notes) {
        assert_eq!(n.text, s.text);
        assert_eq!(n.occurred_at, Some(s.at));
        assert_eq!(
            n.precision,
            Some(if s.about {
                warroom_core::time::Precision::About
            } else {
                warroom_core::time::Precision::Exact
            })
        );
        assert_eq!(board.name_of(&n.author), s.actor);
        assert!(n.backdated);
        assert!(n.author.as_str().starts_with("imported-"), "{:?}", n.author);
    }
}

/// `POST /api/incidents/{id}/timeline`: into an incident that exists, by its commander, every
/// row or none. A bad row in the middle of the file leaves the log as it was and is named; a
/// good file lands in one write — a watcher's replica is handed the whole of it at once —
/// marked imported, on an open incident and on a closed one.
#[tokio::test]
async fn a_timeline_enters_an_existing_incident_all_or_nothing() {
    let server = Server::start().await;
    let incident = server.declare("p-alice", "Alice", "Checkout errors").await;
    let alice = server.person_named("p-alice", "Alice").await;
    let bob = server.person_named("p-bob", "Bob").await;
    let mut watcher = Client::join(&server, &incident, "p-bob").await;
    let path = format!("/api/incidents/{incident}/timeline");
    let t = |m: i64| {
        (Utc::now() - Duration::hours(3) + Duration::minutes(m))
            .format("%Y-%m-%d %H:%M")
            .to_string()
    };
    let file = |middle: &str| {
        format!(
            "time,precision,actor,kind,text\n\
             {},exact,Dana,observation,Latency rising\n\
             {},about,Eli,{middle}\n\
             {},exact,Dana,decision,Roll back\n",
            t(0),
            t(5),
            t(10)
        )
    };
    let before = log_length(&server, &incident).await;

    // A bad row in the middle: named, and nothing lands.
    for (middle, says) in [
        ("observation,\"   \"", "line 3: A note cannot be empty."),
        (
            "severity,SEV1",
            "line 3: an import into an existing incident enters notes only",
        ),
        ("hunch,Cache", "line 3: unknown kind \"hunch\""),
    ] {
        let (status, reply) = server
            .request_as(
                Some(&alice),
                "POST",
                &path,
                Some(&json!({"text": file(middle)})),
            )
            .await;
        assert_eq!(
            (status, reply["code"].as_str()),
            (422, Some("rejected")),
            "{reply}"
        );
        assert!(
            reply["error"].as_str().unwrap().starts_with(says),
            "{says}: {reply}"
        );
        assert_eq!(
            log_length(&server, &incident).await,
            before,
            "nothing was written"
        );
    }

    // Only the commander imports.
    let good = file("hypothesis,The cache is cold");
    let (status, reply) = server
        .request_as(Some(&bob), "POST", &path, Some(&json!({"text": good})))
        .await;
    assert_eq!(
        (status, reply["code"].as_str()),
        (403, Some("forbidden")),
        "{reply}"
    );
    assert!(
        reply["error"]
            .as_str()
            .unwrap()
            .contains("Only the commander can import a timeline"),
        "{reply}"
    );

    // The good file: three notes and two joins, in one write.
    let (status, reply) = server
        .request_as(Some(&alice), "POST", &path, Some(&json!({"text": good})))
        .await;
    assert_eq!(status, 200, "{reply}");
    let from = before as u64 + 1;
    assert_eq!(reply, json!({"rows": 3, "from": from, "to": from + 4}));
    let batch = watcher
        .until("the import", |m| match m {
            warroom_core::protocol::ServerMessage::Events { events }
                if events.first().is_some_and(|r| r.seq == from) =>
            {
                Some(events.clone())
            }
            _ => None,
        })
        .await;
    assert_eq!(batch.len(), 5, "every row's events in one broadcast");
    assert!(batch.iter().all(|r| r.imported));
    let (_, log) = server
        .request("GET", &format!("/api/incidents/{incident}/events"), None)
        .await;
    let imported: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["imported"] == true)
        .collect();
    assert_eq!(imported.len(), 5);
    assert_eq!(imported[3]["precision"], "about");

    // Closed, it still takes a timeline (and only notes).
    let mut client = Client::join(&server, &incident, "p-alice").await;
    for (n, status) in [warroom_core::Status::Resolved, warroom_core::Status::Closed]
        .into_iter()
        .enumerate()
    {
        let id = format!("c-{n}");
        client
            .submit(
                &id,
                Command::SetStatus {
                    status,
                    occurred_at: None,
                    precision: None,
                },
            )
            .await;
        assert!(matches!(client.answer(&id).await, Answer::Ack(_)));
    }
    let late = format!(
        "time,precision,actor,kind,text\n{},exact,Dana,status_update,Customers told\n",
        t(20)
    );
    let (status, reply) = server
        .request_as(Some(&alice), "POST", &path, Some(&json!({"text": late})))
        .await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["rows"], 1);
    let md = server
        .get(&format!("/api/incidents/{incident}/export.md"))
        .await;
    let md = md.text();
    assert!(
        md.contains("“Customers told” (entered later) (imported)"),
        "{md}"
    );
    assert!(md.contains("**6 of "), "{md}");

    // Strict body; the incident must be one the viewer may see.
    let (status, _) = server
        .request_as(
            Some(&alice),
            "POST",
            &path,
            Some(&json!({"text": late, "title": "x"})),
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = server
        .request_as(
            Some(&alice),
            "POST",
            "/api/incidents/aaaaaaaaaaaaaaaaaaaaaaaaaa/timeline",
            Some(&json!({"text": late})),
        )
        .await;
    assert_eq!(status, 404);
}

/// How many events the incident's log holds.
async fn log_length(server: &Server, incident: &IncidentId) -> usize {
    let (_, log) = server
        .request("GET", &format!("/api/incidents/{incident}/events"), None)
        .await;
    log.as_array().unwrap().len()
}
