//! The postmortem draft read back as a Markdown renderer reads it (CommonMark with GitHub's
//! tables, strikethrough and task lists), section by section: the title and what the preamble
//! says, the summary, impact, detection, response (tenures, handoffs with their briefs),
//! recovery, a metrics table with a row and a definition per metric, the key timeline (only
//! the key entries, full dates when the incident spans days, backdated rows marked), root
//! cause with the confirmed hypotheses, the review's prompts, the follow-up table, checklists
//! with their answers, concerns with theirs, and the complete log in the appendix — and text
//! that people typed staying text, one table cell, never HTML.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use warroom_core::event::by_occurrence;
use warroom_core::export::{is_key_entry, markdown};
use warroom_core::metrics::{definition, metrics, t_plus};
use warroom_core::time::Precision;
use warroom_core::{FollowUpState, IncidentId, NoteId, Owner, Recorded, TextId};

use super::*;

/// The sections of the draft, in order.
const SECTIONS: [&str; 15] = [
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
];

/// The rows of the metrics table, in order.
const METRICS: [&str; 15] = [
    "Time to first commander",
    "Time to mitigated",
    "Time to resolved",
    "Time to detect",
    "Impact duration",
    "Command handoffs",
    "Actions assigned",
    "Median readback latency",
    "Median time to close an action",
    "Actions overdue",
    "Status updates",
    "Longest gap between status updates",
    "Concerns raised",
    "Longest wait for a concern's acknowledgement",
    "Checklists completed",
];

const TIMELINE_HEAD: [&str; 5] = ["When", "T+", "Who", "Kind", "Entry"];
const APPENDIX_HEAD: [&str; 5] = ["T+", "UTC", "Who", "Kind", "Entry"];

/// A paragraph, heading, list item or table cell: its text as a reader sees it, and the
/// inline markup (emphasis, links, strikethrough…) that was found in it.
#[derive(Debug, Default, Clone, PartialEq)]
struct Text {
    text: String,
    markup: Vec<&'static str>,
}

#[derive(Debug, Default)]
struct Table {
    head: Vec<Text>,
    rows: Vec<Vec<Text>>,
}

impl Table {
    fn head(&self) -> Vec<&str> {
        self.head.iter().map(|c| c.text.as_str()).collect()
    }

    /// The first cell of every row.
    fn first_column(&self) -> Vec<&str> {
        self.rows.iter().map(|r| r[0].text.as_str()).collect()
    }
}

#[derive(Debug, Default)]
struct Item {
    text: Text,
    /// `Some(ticked)` for a task-list item.
    task: Option<bool>,
}

/// What follows a level-2 heading, up to the next one.
#[derive(Debug, Default)]
struct Section {
    title: String,
    subheadings: Vec<String>,
    paragraphs: Vec<Text>,
    items: Vec<Item>,
    tables: Vec<Table>,
}

/// A parsed draft. `sections[0]` is what comes before the first level-2 heading.
#[derive(Debug, Default)]
struct Doc {
    h1: Vec<String>,
    sections: Vec<Section>,
    /// Raw HTML, inline or as a block: there must be none.
    html: Vec<String>,
}

impl Doc {
    fn titles(&self) -> Vec<&str> {
        self.sections[1..]
            .iter()
            .map(|s| s.title.as_str())
            .collect()
    }

    fn section(&self, title: &str) -> &Section {
        self.sections
            .iter()
            .find(|s| s.title == title)
            .unwrap_or_else(|| panic!("no section {title:?} in {:?}", self.titles()))
    }

    /// The one table of a section.
    fn table(&self, title: &str) -> &Table {
        let tables = &self.section(title).tables;
        assert_eq!(tables.len(), 1, "one table in {title}");
        &tables[0]
    }
}

fn parse(md: &str) -> Doc {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut doc = Doc {
        sections: vec![Section::default()],
        ..Doc::default()
    };
    let mut text = Text::default();
    let mut row: Vec<Text> = Vec::new();
    let mut table: Option<Table> = None;
    let mut task = None;
    let mut items_open = 0;
    for event in Parser::new_ext(md, options) {
        let section = doc.sections.last_mut().expect("a section");
        match event {
            Event::Start(Tag::Heading { .. } | Tag::TableCell) => text = Text::default(),
            Event::Start(Tag::Paragraph) if items_open == 0 => text = Text::default(),
            Event::Start(Tag::Item) => {
                items_open += 1;
                text = Text::default();
                task = None;
            }
            Event::Start(Tag::Table(_)) => table = Some(Table::default()),
            Event::Start(Tag::Emphasis) => text.markup.push("emphasis"),
            Event::Start(Tag::Strong) => text.markup.push("strong"),
            Event::Start(Tag::Strikethrough) => text.markup.push("strikethrough"),
            Event::Start(Tag::Link { .. }) => text.markup.push("link"),
            Event::Start(Tag::Image { .. }) => text.markup.push("image"),
            Event::Start(Tag::HtmlBlock) => doc.html.push("(an HTML block)".into()),
            Event::End(TagEnd::Heading(level)) => {
                let title = std::mem::take(&mut text.text);
                match level {
                    HeadingLevel::H1 => doc.h1.push(title),
                    HeadingLevel::H2 => doc.sections.push(Section {
                        title,
                        ..Section::default()
                    }),
                    _ => section.subheadings.push(title),
                }
            }
            Event::End(TagEnd::Paragraph) if items_open == 0 => {
                section.paragraphs.push(std::mem::take(&mut text));
            }
            Event::End(TagEnd::Item) => {
                items_open -= 1;
                section.items.push(Item {
                    text: std::mem::take(&mut text),
                    task: task.take(),
                });
            }
            Event::End(TagEnd::TableCell) => row.push(std::mem::take(&mut text)),
            Event::End(TagEnd::TableHead) => {
                table.as_mut().expect("in a table").head = std::mem::take(&mut row);
            }
            Event::End(TagEnd::TableRow) => {
                table
                    .as_mut()
                    .expect("in a table")
                    .rows
                    .push(std::mem::take(&mut row));
            }
            Event::End(TagEnd::Table) => section.tables.push(table.take().expect("in a table")),
            Event::Text(t) | Event::Code(t) => text.text.push_str(&t),
            Event::SoftBreak | Event::HardBreak => text.text.push(' '),
            Event::TaskListMarker(ticked) => task = Some(ticked),
            Event::Html(h) | Event::InlineHtml(h) => doc.html.push(h.into_string()),
            _ => {}
        }
    }
    doc
}

fn incident_id() -> IncidentId {
    IncidentId::parse("inc-review").unwrap()
}

/// The marks of a row: `≈` before an approximate time, "(time unknown)" and "(entered later)"
/// after its text.
fn approx(r: &Recorded) -> &'static str {
    match r.precision {
        Some(p) if r.occurred_at.is_some() && p != Precision::Exact => "≈",
        _ => "",
    }
}

/// Runs a row: the draft of `log`, parsed, after checking what holds for every draft — one
/// title, the sections in order, a metric per row with its definition, a key entry per
/// timeline row, an event per appendix row, a follow-up per table row, the open actions as
/// unticked items, no HTML.
#[track_caller]
fn check(log: &[Recorded]) -> Doc {
    let md = markdown(&incident_id(), log).expect("a declared log has a draft");
    let doc = parse(&md);
    let board = warroom_core::replay(None, log).expect("declared");
    let m = metrics(log).unwrap();
    let multi_day = board.began_at().min(m.declared_at).date_naive() != m.ended_at.date_naive();
    let time = |at: warroom_core::Timestamp| {
        at.format(if multi_day {
            "%Y-%m-%d %H:%M:%S"
        } else {
            "%H:%M:%S"
        })
        .to_string()
    };
    assert_eq!(doc.h1.len(), 1, "one title: {:?}", doc.h1);
    assert_eq!(doc.titles(), SECTIONS, "the sections in order");
    assert_eq!(doc.html, Vec::<String>::new(), "no HTML in the draft");

    let table = doc.table("Metrics");
    assert_eq!(table.head(), ["Metric", "Value", "Definition"]);
    assert_eq!(table.first_column(), METRICS, "one row per metric");
    for row in &table.rows {
        assert_eq!(row.len(), 3);
        assert_eq!(Some(row[2].text.as_str()), definition(&row[0].text));
    }

    // The key timeline: only the key entries, in the order things happened.
    let table = doc.table("Timeline");
    assert_eq!(table.head(), TIMELINE_HEAD);
    let key: Vec<&Recorded> = by_occurrence(log)
        .into_iter()
        .filter(|r| is_key_entry(&board, &r.event))
        .collect();
    assert_eq!(table.rows.len(), key.len(), "one row per key entry");
    for (row, r) in table.rows.iter().zip(&key) {
        assert_eq!(row.len(), 5, "five cells in the row of {r:?}: {row:?}");
        let a = approx(r);
        assert_eq!(row[0].text, format!("{a}{}", time(r.when())));
        assert_eq!(
            row[1].text,
            format!("{a}{}", t_plus(board.started_at(), r.when()))
        );
        assert_eq!(row[2].text, board.name_of(&r.actor));
        assert_eq!(
            row[4].text.ends_with("(entered later)"),
            r.backdated(),
            "a backdated row says so: {row:?}"
        );
    }

    // The appendix: every event.
    let table = doc.table("Appendix: complete log");
    assert_eq!(table.head(), APPENDIX_HEAD);
    assert_eq!(table.rows.len(), log.len(), "one row per event");
    for (row, r) in table.rows.iter().zip(by_occurrence(log)) {
        assert_eq!(row.len(), 5, "five cells in the row of {r:?}: {row:?}");
        let a = approx(r);
        assert_eq!(
            row[0].text,
            format!("{a}{}", t_plus(board.started_at(), r.when()))
        );
        assert_eq!(row[1].text, format!("{a}{}", time(r.when())));
        assert_eq!(row[2].text, board.name_of(&r.actor));
        assert_eq!(
            row[4].text.contains("(entered later)"),
            r.backdated(),
            "{row:?}"
        );
    }

    let section = doc.section("Follow-ups");
    let follow_ups = &board.postmortem.follow_ups;
    assert_eq!(section.tables.len(), usize::from(!follow_ups.is_empty()));
    if let Some(table) = section.tables.first() {
        assert_eq!(
            table.head(),
            ["#", "Follow-up", "Owner", "Due", "State", "Link"]
        );
        assert_eq!(table.rows.len(), follow_ups.len(), "one row per follow-up");
    }
    assert_eq!(
        section.subheadings,
        ["Actions still open at the end of the record"]
    );
    let open: Vec<_> = board
        .actions
        .values()
        .filter(|a| a.state.is_open())
        .collect();
    assert_eq!(section.items.len(), open.len(), "one item per open action");
    for (item, action) in section.items.iter().zip(open) {
        assert_eq!(item.task, Some(false), "an unticked task: {item:?}");
        assert!(
            item.text.text.starts_with(&format!(
                "{} — {}",
                action.text.replace(['\n', '\r'], " "),
                board.name_of(&action.assignee)
            )),
            "{item:?} is the open action {action:?}"
        );
    }

    let section = doc.section("Checklists");
    assert_eq!(section.subheadings.len(), board.checklists.len());
    let items: usize = board.checklists.values().map(|c| c.items.len()).sum();
    assert_eq!(section.items.len(), items, "one item per checklist item");

    let section = doc.section("Concerns");
    assert_eq!(
        section.tables.len(),
        usize::from(!board.concerns.is_empty())
    );
    if let Some(table) = section.tables.first() {
        assert_eq!(
            table.rows.len(),
            board.concerns.len(),
            "one row per concern"
        );
    }
    for title in ["What went well", "What went wrong", "Where we got lucky"] {
        let prompt = &doc.section(title).paragraphs;
        assert_eq!(prompt.len(), 1, "{title} has its prompt");
        assert_eq!(
            prompt[0].markup,
            ["emphasis"],
            "{title}'s prompt is a prompt"
        );
    }
    doc
}

fn items(section: &Section) -> Vec<&str> {
    section.items.iter().map(|i| i.text.text.as_str()).collect()
}

fn texts(row: &[Text]) -> Vec<&str> {
    row.iter().map(|c| c.text.as_str()).collect()
}

#[test]
fn the_draft_of_an_eventful_incident() {
    let (state, log) = play(&eventful());
    let board = state.unwrap();
    let m = metrics(&log).unwrap();
    let doc = check(&log);
    assert_eq!(doc.h1, ["Postmortem draft: Checkout errors"]);
    assert!(doc.sections[0].paragraphs.is_empty(), "nothing to warn of");

    let summary = doc.section("Summary");
    assert_eq!(
        items(summary),
        [
            "Incident: inc-review",
            "Severity: SEV2 · Status: Mitigated",
            "Declared: 2025-03-01 09:00:00 UTC by Ann",
            "Duration of the record: 00:16:40",
            "Commander at the end: Ann",
        ]
    );
    assert_eq!(
        summary.paragraphs,
        [Text {
            text: "Checkout errors after a deploy; rolled back.".into(),
            markup: vec![]
        }]
    );

    // No impact window: the section asks for one, and detection cannot be measured.
    let impact = doc.section("Impact");
    assert!(impact.items.is_empty());
    assert_eq!(impact.paragraphs[0].markup, ["emphasis"]);
    assert!(
        impact.paragraphs[0]
            .text
            .starts_with("The impact window is not set")
    );
    assert_eq!(
        items(doc.section("Detection")),
        [
            "Impact began: not set",
            "Declared: 2025-03-01 09:00:00 UTC",
            "Time to detect: — (no impact start set)",
        ]
    );
    assert!(
        doc.section("Detection")
            .paragraphs
            .iter()
            .any(|p| p.text == format!("Time to detect: {}", definition("Time to detect").unwrap()))
    );

    let response = doc.section("Response");
    assert_eq!(
        response.subheadings,
        [
            "Crew at the end",
            "Commanders",
            "Handoffs",
            "T+00:07:10 (09:07:10 UTC): Ann to Bob, by positive exchange",
            "T+00:13:20 (09:13:20 UTC): Bob to Ann, assumed",
        ]
    );
    assert_eq!(response.tables.len(), 1);
    let tenures = &response.tables[0];
    assert_eq!(tenures.head(), ["Commander", "From", "To", "Held for"]);
    assert_eq!(tenures.first_column(), ["Ann", "Bob", "Ann"]);
    assert_eq!(tenures.rows.len(), m.tenures.len());
    assert_eq!(
        texts(&tenures.rows[1]),
        ["Bob", "T+00:07:10", "T+00:13:20", "00:06:10"]
    );
    // The brief of the positive exchange, at its handoff; the reason of the assumption.
    let brief = warroom_core::HandoffBrief::parts(&super::commands::brief())
        .map(|(part, text)| format!("{part}: {text}"));
    let crew_items = items(response);
    assert_eq!(
        crew_items.len(),
        5 + 5,
        "the crew's five roles, then the brief"
    );
    assert_eq!(
        crew_items[5..],
        brief.iter().map(String::as_str).collect::<Vec<_>>()
    );
    assert!(
        response
            .paragraphs
            .iter()
            .any(|p| p.text == "From the offer to \"You have control\": 00:00:30")
    );
    assert_eq!(
        response.paragraphs.last().unwrap().text,
        "Why: Bob lost his connection."
    );

    assert_eq!(
        items(doc.section("Recovery")),
        ["09:15:00 UTC (T+00:15:00): Investigating → Mitigated, by Ann"]
    );
    let recovery: Vec<&str> = doc
        .section("Recovery")
        .paragraphs
        .iter()
        .map(|p| p.text.as_str())
        .collect();
    assert_eq!(
        recovery[..2],
        [
            "Time to mitigated: 00:15:00",
            "Time to resolved: — (not reached)"
        ]
    );

    let metrics_table = doc.table("Metrics");
    let value = |metric: &str| {
        let row = metrics_table
            .rows
            .iter()
            .find(|r| r[0].text == metric)
            .unwrap();
        row[1].text.clone()
    };
    assert_eq!(value("Time to first commander"), "00:00:40");
    assert_eq!(value("Time to mitigated"), "00:15:00");
    assert_eq!(value("Time to resolved"), "—");
    assert_eq!(
        value("Command handoffs"),
        "2 (1 by positive exchange, 1 assumed)"
    );
    assert_eq!(value("Actions assigned"), "3");
    assert_eq!(value("Actions overdue"), "1");
    assert_eq!(
        value("Status updates"),
        "1 posted: 1 on time, 0 late, 0 missed"
    );
    assert_eq!(
        value("Longest wait for a concern's acknowledgement"),
        "00:00:30"
    );
    assert_eq!(value("Checklists completed"), "0 of 1");

    // The key entries, notes quoted: no joins, no taskings, no checklist, not the retracted
    // note.
    let timeline = doc.table("Timeline");
    let rows: Vec<Vec<&str>> = timeline.rows.iter().map(|r| texts(r)).collect();
    assert_eq!(
        rows,
        [
            vec![
                "09:00:00",
                "T+00:00:00",
                "Ann",
                "Incident",
                "Ann declared SEV2 \"Checkout errors\" and took command"
            ],
            vec![
                "09:01:00",
                "T+00:01:00",
                "Ann",
                "Decision",
                "“Roll back the 09:00 deploy.”"
            ],
            vec!["09:03:20", "T+00:03:20", "Cat", "Concern", rows[2][4]],
            vec!["09:03:50", "T+00:03:50", "Ann", "Concern", rows[3][4]],
            vec![
                "09:07:10",
                "T+00:07:10",
                "Ann",
                "Crew",
                "Ann: \"You have control\" — Bob is now Commander"
            ],
            vec![
                "09:10:00",
                "T+00:10:00",
                "Bob",
                "Status update",
                "“Rollback done; errors falling.”"
            ],
            vec!["09:13:20", "T+00:13:20", "Ann", "Crew", rows[6][4]],
            vec!["09:15:00", "T+00:15:00", "Ann", "Incident", rows[7][4]],
            vec![
                "09:16:40",
                "T+00:16:40",
                "Ann",
                "Decision",
                "“Keep deploys frozen until Monday.”"
            ],
        ]
    );

    let root = doc.section("Root cause and contributing factors");
    assert_eq!(root.subheadings, ["Confirmed hypotheses"]);
    assert_eq!(
        root.paragraphs.last().unwrap().text,
        "No hypothesis was confirmed in the record."
    );

    // No follow-ups yet; the actions still open are listed under them.
    let follow_ups = doc.section("Follow-ups");
    assert_eq!(follow_ups.paragraphs[0].text, "No follow-ups yet.");
    assert_eq!(
        items(follow_ups),
        [
            "Tell support. — Cat (Communicate, not yet read back)",
            "Find the bad query. — Dan (Diagnose, readback not confirmed)",
        ]
    );

    let checklists = doc.section("Checklists");
    let checklist = &board.checklists[&warroom_core::ChecklistId(1)];
    assert_eq!(
        checklists.subheadings,
        std::slice::from_ref(&checklist.title)
    );
    assert!(checklists.items.iter().all(|i| i.task == Some(false)));

    let concerns = doc.table("Concerns");
    assert_eq!(
        concerns.head(),
        ["Raised", "By", "Level", "Concern", "Answer", "Waited"]
    );
    assert_eq!(
        texts(&concerns.rows[0]),
        [
            "09:03:20 UTC",
            "Cat",
            "I am concerned",
            "The rollback skips migrations.",
            "Ann: Checked: none pending.",
            "00:00:30"
        ]
    );

    // The retracted note is struck through where it was posted, in the complete log.
    let appendix = doc.table("Appendix: complete log");
    let retracted = &appendix.rows[board.notes[&NoteId(2)].seq as usize - 1][4];
    assert_eq!(retracted.text, "Errors at 20%. (retracted)");
    assert_eq!(retracted.markup, ["strikethrough"]);
}

/// The declaration's real start, two days before it was recorded.
fn real_start() -> warroom_core::Timestamp {
    Utc.with_ymd_and_hms(2025, 2, 27, 22, 0, 0).unwrap()
}

/// `minutes` after [`real_start`].
fn real(minutes: i64) -> warroom_core::Timestamp {
    real_start() + Duration::minutes(minutes)
}

fn backdated(kind: NoteKind, text: &str, minutes: i64, precision: Precision) -> Command {
    Command::PostNote {
        kind,
        text: text.into(),
        essential: false,
        occurred_at: Some(real(minutes)),
        precision: Some(precision),
    }
}

/// An incident recorded after the fact, spanning two days: its real start two days before,
/// backdated notes (one of them approximate), an impact window, a renaming, a follow-up, a
/// checklist answered, a concern answered and a handoff.
fn recorded_later() -> Vec<Timed> {
    let declaration = Command::Declare {
        title: "Replica lag".into(),
        severity: Severity::Sev1,
        drill: false,
        name: "Ann".into(),
        retrospective: true,
        occurred_at: Some(real_start()),
        precision: Some(Precision::Exact),
    };
    let mut steps = crew_declaring(declaration);
    steps.extend([
        t(
            40,
            "ann",
            backdated(
                NoteKind::Observation,
                "Replica 40 s behind.",
                5,
                Precision::Exact,
            ),
        ),
        t(
            50,
            "bob",
            backdated(
                NoteKind::Hypothesis,
                "A long transaction holds the WAL.",
                30,
                Precision::About,
            ),
        ),
        t(
            60,
            "ann",
            backdated(
                NoteKind::Decision,
                "Kill the transaction.",
                45,
                Precision::Exact,
            ),
        ),
        t(
            70,
            "cat",
            backdated(
                NoteKind::Hypothesis,
                "The disk is slow.",
                50,
                Precision::Exact,
            ),
        ),
        t(
            80,
            "dan",
            backdated(
                NoteKind::Hypothesis,
                "Autovacuum is stuck.",
                60,
                Precision::Unknown,
            ),
        ),
        t(90, "ann", pin(5, true)),
        t(
            100,
            "ann",
            Command::SetStatus {
                status: Status::Resolved,
                occurred_at: Some(real(24 * 60 + 70)),
                precision: Some(Precision::Exact),
            },
        ),
        t(
            110,
            "ann",
            Command::SetImpact {
                start: real(-20),
                end: Some(real(24 * 60 + 70)),
                statement: Some("Reads were stale for EU customers.".into()),
            },
        ),
        t(
            120,
            "ann",
            Command::SetTitle {
                title: "Replica lag in eu-west".into(),
            },
        ),
        t(
            130,
            "bob",
            Command::AddFollowUp {
                text: "Alert on replica lag over 10 s.".into(),
                owner: Owner::Name("Storage team".into()),
                due: Some("2025-03-21".parse().unwrap()),
                link: Some("https://tracker.example/STOR-12".into()),
            },
        ),
        t(140, "ann", create_checklist("Before failover")),
        t(150, "ann", add_item(1, "Replica caught up?", Some("Lag"))),
        t(160, "ann", add_item(1, "Traffic drained?", None)),
        t(170, "ann", check_item(1, 0, Some("0 s"))),
        t(180, "ann", not_applicable(1, 1, "No failover in the end.")),
        t(
            190,
            "cat",
            raise(ConcernLevel::Uncomfortable, "Nobody told support."),
        ),
        t(200, "ann", acknowledge(1, "Support told at 23:00.")),
        t(210, "ann", offer_command("bob")),
        t(220, "bob", accept(Role::Commander)),
        t(230, "ann", confirm(Role::Commander)),
        t(
            240,
            "bob",
            Command::UpdateFollowUp {
                follow_up: warroom_core::FollowUpId(1),
                text: None,
                owner: None,
                due: None,
                link: None,
                state: Some(FollowUpState::Done),
            },
        ),
    ]);
    steps
}

fn pin(note: u32, pinned: bool) -> Command {
    Command::PinNote {
        note: NoteId(note),
        pinned,
    }
}

#[test]
fn an_incident_recorded_after_the_fact_over_two_days() {
    let log = log_of(&recorded_later());
    let doc = check(&log);
    assert_eq!(doc.h1, ["Postmortem draft: Replica lag in eu-west"]);
    let preamble: Vec<&str> = doc.sections[0]
        .paragraphs
        .iter()
        .map(|p| p.text.as_str())
        .collect();
    assert_eq!(preamble.len(), 2, "{preamble:?}");
    assert!(preamble[0].starts_with("Recorded after the fact — "));
    assert!(
        preamble[1].starts_with(&format!("7 of {} entries", log.len())),
        "{preamble:?}"
    );
    assert!(preamble[1].contains("entered later"));

    let summary = items(doc.section("Summary"));
    assert_eq!(
        summary[2],
        "Declared: 2025-02-27 22:00:00 UTC by Ann (recorded 2025-03-01 09:00:00 UTC)"
    );
    assert_eq!(summary[5], "Earlier titles: “Replica lag”");

    assert_eq!(
        items(doc.section("Impact")),
        [
            "Start: 2025-02-27 21:40:00 UTC",
            "End: 2025-02-28 23:10:00 UTC",
            "Duration: 25:30:00",
            "Who and what was affected: Reads were stale for EU customers.",
        ]
    );
    assert_eq!(
        items(doc.section("Detection")),
        [
            "Impact began: 2025-02-27 21:40:00 UTC",
            "Declared: 2025-02-27 22:00:00 UTC",
            "Time to detect: 00:20:00",
        ]
    );
    assert_eq!(
        items(doc.section("Recovery")),
        ["2025-02-28 23:10:00 UTC (T+25:10:00): Investigating → Resolved, by Ann (entered later)"]
    );

    // Full dates; the approximate time marked; rows entered later say so; the pinned
    // hypothesis is a key entry, the others are not.
    let timeline = doc.table("Timeline");
    let rows: Vec<Vec<&str>> = timeline.rows.iter().map(|r| texts(r)).collect();
    assert_eq!(rows[0][..3], ["2025-02-27 22:00:00", "T+00:00:00", "Ann"]);
    assert_eq!(
        rows[1],
        [
            "2025-02-27 22:45:00",
            "T+00:45:00",
            "Ann",
            "Decision",
            "“Kill the transaction.” (entered later)"
        ]
    );
    assert_eq!(
        rows[2],
        [
            "≈2025-02-27 23:00:00",
            "≈T+01:00:00",
            "Dan",
            "Hypothesis",
            "“Autovacuum is stuck.” (pinned) (time unknown) (entered later)"
        ]
    );
    assert_eq!(rows[3][..2], ["2025-02-28 23:10:00", "T+25:10:00"]);
    assert!(
        rows.iter()
            .all(|r| !r[4].contains("WAL") && !r[4].contains("disk")),
        "unpinned hypotheses are not key entries: {rows:?}"
    );

    // The confirmed hypotheses: the one a decision followed, and the pinned one.
    let root = items(doc.section("Root cause and contributing factors"));
    assert_eq!(
        root,
        [
            "“A long transaction holds the WAL.” — Bob, 2025-02-27 22:30:00 UTC; then decided: “Kill the transaction.”",
            "“Autovacuum is stuck.” — Dan, 2025-02-27 23:00:00 UTC (pinned)",
        ]
    );

    let follow_ups = doc.section("Follow-ups");
    assert_eq!(
        texts(&follow_ups.tables[0].rows[0]),
        [
            "1",
            "Alert on replica lag over 10 s.",
            "Storage team",
            "2025-03-21",
            "Done",
            "https://tracker.example/STOR-12"
        ]
    );

    let checklists = doc.section("Checklists");
    assert_eq!(checklists.subheadings, ["Before failover"]);
    let answers: Vec<(&str, Option<bool>)> = checklists
        .items
        .iter()
        .map(|i| (i.text.text.as_str(), i.task))
        .collect();
    assert_eq!(
        answers,
        [
            (
                "Replica caught up?: 0 s — Ann, 2025-03-01 09:02:50 UTC",
                Some(true)
            ),
            (
                "Traffic drained? — not applicable: No failover in the end. (Ann)",
                Some(true)
            ),
        ]
    );
    assert_eq!(
        texts(&doc.table("Concerns").rows[0])[3..5],
        ["Nobody told support.", "Ann: Support told at 23:00."]
    );

    let response = doc.section("Response");
    assert_eq!(
        response.subheadings[3],
        "T+35:03:50 (2025-03-01 09:03:50 UTC): Ann to Bob, by positive exchange"
    );

    // The appendix keeps when each backdated entry was recorded.
    let appendix = doc.table("Appendix: complete log");
    let approximate = appendix
        .rows
        .iter()
        .find(|r| r[4].text.starts_with("A long transaction"))
        .unwrap();
    assert_eq!(approximate[1].text, "≈2025-02-27 22:30:00");
    assert_eq!(
        approximate[4].text,
        "A long transaction holds the WAL. (entered later) (recorded 2025-03-01 09:00:50 UTC)"
    );
}

#[test]
fn a_drill_says_so_in_its_title() {
    let doc = check(&log_of(&crew_declaring(declare_drill("Failover drill"))));
    assert_eq!(doc.h1, ["EXERCISE — Postmortem draft: Failover drill"]);
    let preamble = &doc.sections[0];
    assert_eq!(preamble.paragraphs.len(), 1);
    assert!(preamble.paragraphs[0].text.starts_with("EXERCISE — "));

    let doc = check(&log_of(&crew()));
    assert_eq!(doc.h1, ["Postmortem draft: Checkout errors"]);
    assert!(doc.sections[0].paragraphs.is_empty());
    // Nothing to follow up, hand over, check or answer.
    assert_eq!(doc.section("Follow-ups").paragraphs[1].text, "None.");
    assert_eq!(
        doc.section("Response").paragraphs,
        [Text {
            text: "No change of command.".into(),
            markup: vec![]
        }]
    );
    assert_eq!(
        doc.section("Checklists").paragraphs[0].text,
        "No checklists were run."
    );
    assert_eq!(
        doc.section("Concerns").paragraphs[0].text,
        "No concerns were raised."
    );
}

/// Typed text that looks like HTML or Markdown: a script tag, pipes, asterisks and
/// underscores, a link, an entity, a heading mark, a line break.
const HOSTILE: &str =
    "<script>alert(1)</script> | a *b* _c_ [x](http://e.example) &lt; `d` ~~e~~\n# f";
/// The same text as a reader sees it in the draft: every character kept, on one line.
const HOSTILE_SEEN: &str =
    "<script>alert(1)</script> | a *b* _c_ [x](http://e.example) &lt; `d` ~~e~~ # f";

#[test]
fn typed_text_stays_text_in_one_cell() {
    let title = "Checkout <b>down</b> | 50% *now*";
    let log = log_of(
        &crew_declaring(declare(title))
            .into_iter()
            .chain([
                t(40, "ann", note(HOSTILE)),
                t(50, "ann", post(NoteKind::Decision, HOSTILE)),
                t(60, "ann", assign("bob", HOSTILE, Lane::Mitigate, None)),
                t(70, "bob", raise(ConcernLevel::Concerned, HOSTILE)),
                t(80, "ann", set_summary(HOSTILE)),
                t(90, "ann", note(HOSTILE)),
                t(100, "ann", retract(3, HOSTILE)),
                t(110, "ann", acknowledge(1, HOSTILE)),
                t(
                    120,
                    "ann",
                    Command::AddFollowUp {
                        text: HOSTILE.into(),
                        owner: Owner::Name("<i>team</i> | *x*".into()),
                        due: None,
                        link: Some("https://e.example/a|b*c_<x>".into()),
                    },
                ),
                t(130, "ann", create_checklist(HOSTILE)),
                t(140, "ann", add_item(1, HOSTILE, Some("Value"))),
                t(150, "ann", check_item(1, 0, Some(HOSTILE))),
                t(
                    160,
                    "ann",
                    Command::SetImpact {
                        start: at(0),
                        end: None,
                        statement: Some(HOSTILE.into()),
                    },
                ),
            ])
            .collect::<Vec<_>>(),
    );
    let doc = check(&log);
    assert_eq!(doc.h1, [format!("Postmortem draft: {title}")]);
    let plain = Text {
        text: HOSTILE_SEEN.into(),
        markup: vec![],
    };
    let quoted = Text {
        text: format!("“{HOSTILE_SEEN}”"),
        markup: vec![],
    };

    let timeline = doc.table("Timeline");
    assert_eq!(timeline.rows[1][4], quoted, "the decision, as typed");
    let appendix = doc.table("Appendix: complete log");
    assert_eq!(appendix.rows[4][4], plain, "the note, as typed");
    assert_eq!(appendix.rows[5][4], plain, "the decision, as typed");
    assert_eq!(
        appendix.rows[9][4],
        Text {
            text: format!("{HOSTILE_SEEN} (retracted)"),
            markup: vec!["strikethrough"],
        },
        "the retracted note, struck through and nothing else"
    );
    for row in appendix.rows.iter().chain(&timeline.rows) {
        assert_eq!(
            row[4]
                .markup
                .iter()
                .filter(|m| **m != "strikethrough")
                .count(),
            0,
            "{row:?}"
        );
    }
    assert_eq!(
        doc.section("Summary").paragraphs,
        std::slice::from_ref(&plain)
    );
    assert_eq!(
        doc.section("Impact").items[2].text,
        Text {
            text: format!("Who and what was affected: {HOSTILE_SEEN}"),
            markup: vec![]
        }
    );
    let follow_up = &doc.section("Follow-ups").tables[0].rows[0];
    assert_eq!(follow_up[1], plain);
    assert_eq!(follow_up[2].text, "<i>team</i> | *x*");
    assert_eq!(follow_up[5].text, "https://e.example/a|b*c_<x>");
    assert!(
        follow_up.iter().all(|c| c.markup.is_empty()),
        "{follow_up:?}"
    );
    let open = &doc.section("Follow-ups").items;
    assert!(open[0].text.text.starts_with(HOSTILE_SEEN));
    assert_eq!(open[0].text.markup, Vec::<&str>::new());
    let concern = &doc.table("Concerns").rows[0];
    assert_eq!(concern[3], plain);
    assert_eq!(concern[4].text, format!("Ann: {HOSTILE_SEEN}"));
    assert!(concern.iter().all(|c| c.markup.is_empty()), "{concern:?}");
    let checklists = doc.section("Checklists");
    assert_eq!(checklists.subheadings, [HOSTILE_SEEN]);
    assert!(
        checklists.items[0]
            .text
            .text
            .starts_with(&format!("{HOSTILE_SEEN}: {HOSTILE_SEEN} — Ann"))
    );
    assert_eq!(checklists.items[0].text.markup, Vec::<&str>::new());
}

/// A line of typed text that Markdown would read as a list, a rule or a numbered item if it
/// started a line, as the summary does.
#[test]
fn a_summary_that_looks_like_a_block_stays_a_paragraph() {
    for summary in [
        "- Rolled back",
        "+ Rolled back",
        "1. Rolled back",
        "2) Rolled back",
        "---",
        "- - -",
        "= done",
    ] {
        let log = log_of(&crew_and([t(40, "ann", set_summary(summary))]));
        let doc = check(&log);
        let section = doc.section("Summary");
        assert_eq!(
            section.paragraphs,
            [Text {
                text: summary.into(),
                markup: vec![]
            }],
            "the summary {summary:?} is one paragraph"
        );
        assert_eq!(
            section.items.len(),
            5,
            "the summary {summary:?} adds no list item"
        );
    }
}

/// Every incident of the corpus (random texts, every kind of event, some of thousands of
/// events) makes a draft of the same shape.
#[test]
fn every_draft_of_the_corpus_has_the_same_shape() {
    for log in super::corpus::corpus() {
        check(log);
    }
}

/// The draft is a function of the log alone: the log read back from JSON makes the same bytes.
#[test]
fn the_draft_is_a_function_of_the_log() {
    for log in [log_of(&eventful()), log_of(&recorded_later())] {
        let again: Vec<Recorded> =
            serde_json::from_str(&serde_json::to_string(&log).unwrap()).unwrap();
        assert_eq!(
            markdown(&incident_id(), &log).unwrap(),
            markdown(&incident_id(), &again).unwrap()
        );
    }
}
