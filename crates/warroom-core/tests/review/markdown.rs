//! The postmortem draft read back as a Markdown renderer reads it (CommonMark with GitHub's
//! tables, strikethrough and task lists): the title, the sections in order, a metrics table
//! with a row per metric, a timeline table with a row per event, open actions as unticked
//! follow-ups — and text that people typed staying text, one table cell, never HTML.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use warroom_core::export::markdown;
use warroom_core::metrics::{hms, metrics, t_plus};
use warroom_core::{IncidentId, Recorded, TextId};

use super::*;

/// The sections of the draft, in order.
const SECTIONS: [&str; 10] = [
    "Summary",
    "Impact",
    "Metrics",
    "Crew and handoffs",
    "Decisions",
    "Timeline",
    "Follow-ups",
    "Contributing factors",
    "What went well",
    "Where we got lucky",
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

const TIMELINE_HEAD: [&str; 5] = ["T+", "UTC", "Who", "Kind", "Entry"];

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

/// Runs a row: the draft of `log`, parsed, after checking what holds for every draft — one
/// title, the sections in order, a metric per row, an event per timeline row, the open actions
/// as unticked follow-ups, no HTML.
#[track_caller]
fn check(log: &[Recorded]) -> Doc {
    let md = markdown(&incident_id(), log).expect("a declared log has a draft");
    let doc = parse(&md);
    let board = warroom_core::replay(None, log).expect("declared");
    assert_eq!(doc.h1.len(), 1, "one title: {:?}", doc.h1);
    assert_eq!(doc.titles(), SECTIONS, "the sections in order");
    assert_eq!(doc.html, Vec::<String>::new(), "no HTML in the draft");

    let table = doc.table("Metrics");
    assert_eq!(table.head(), ["Metric", "Value"]);
    assert_eq!(table.first_column(), METRICS, "one row per metric");
    assert!(table.rows.iter().all(|r| r.len() == 2));

    let table = doc.table("Timeline");
    assert_eq!(table.head(), TIMELINE_HEAD);
    assert_eq!(table.rows.len(), log.len(), "one row per event");
    // In the order things happened; an approximate time is marked `~`.
    for (row, r) in table
        .rows
        .iter()
        .zip(warroom_core::event::by_occurrence(log))
    {
        assert_eq!(row.len(), 5, "five cells in the row of {r:?}: {row:?}");
        let approx = match r.precision {
            Some(p) if p != warroom_core::time::Precision::Exact => "~",
            _ => "",
        };
        assert_eq!(
            row[0].text,
            format!("{approx}{}", t_plus(board.started_at(), r.when()))
        );
        assert_eq!(
            row[1].text,
            format!("{approx}{}", r.when().format("%H:%M:%S"))
        );
        assert_eq!(row[2].text, board.name_of(&r.actor));
    }

    let open: Vec<_> = board
        .actions
        .values()
        .filter(|a| a.state.is_open())
        .collect();
    let followups = &doc.section("Follow-ups").items;
    assert_eq!(followups.len(), open.len(), "one follow-up per open action");
    for (item, action) in followups.iter().zip(open) {
        assert_eq!(item.task, Some(false), "an unticked task: {item:?}");
        assert!(
            item.text.text.starts_with(&format!(
                "{} — {}",
                action.text.replace(['\n', '\r'], " "),
                board.name_of(&action.assignee)
            )),
            "{item:?} is the follow-up of {action:?}"
        );
    }
    doc
}

#[test]
fn the_draft_of_an_eventful_incident() {
    let (state, log) = play(&eventful());
    let board = state.unwrap();
    let m = metrics(&log).unwrap();
    let doc = check(&log);
    assert_eq!(doc.h1, ["Postmortem draft: Checkout errors"]);

    let summary = doc.section("Summary");
    let lines: Vec<&str> = summary.items.iter().map(|i| i.text.text.as_str()).collect();
    assert_eq!(
        lines,
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

    let crew = doc.section("Crew and handoffs");
    assert_eq!(crew.subheadings, ["Command tenures", "Handoffs"]);
    assert_eq!(crew.tables.len(), 2);
    assert_eq!(
        crew.tables[0].head(),
        ["Commander", "From", "To", "Held for"]
    );
    assert_eq!(crew.tables[0].first_column(), ["Ann", "Bob", "Ann"]);
    assert_eq!(crew.tables[0].rows.len(), m.tenures.len());
    assert_eq!(crew.tables[1].rows.len(), m.handoffs.len());
    assert_eq!(crew.tables[1].rows[0][3].text, "positive exchange");
    assert_eq!(
        crew.tables[1].rows[1][3].text,
        "assumed: Bob lost his connection."
    );
    assert_eq!(crew.tables[1].rows[1][0].text, format!("T+{}", hms(800)));

    let decisions: Vec<&str> = doc
        .section("Decisions")
        .items
        .iter()
        .map(|i| i.text.text.as_str())
        .collect();
    assert_eq!(
        decisions,
        [
            "T+00:01:00 (09:01:00 UTC), Ann: Roll back the 09:00 deploy.",
            "T+00:16:40 (09:16:40 UTC), Ann: Keep deploys frozen until Monday.",
        ]
    );

    // The retracted note is struck through where it was posted.
    let timeline = doc.table("Timeline");
    let retracted = &timeline.rows[board.notes[&warroom_core::NoteId(2)].seq as usize - 1][4];
    assert_eq!(retracted.text, "Errors at 20%. (retracted)");
    assert_eq!(retracted.markup, ["strikethrough"]);

    let followups: Vec<&str> = doc
        .section("Follow-ups")
        .items
        .iter()
        .map(|i| i.text.text.as_str())
        .collect();
    assert_eq!(
        followups,
        [
            "Tell support. — Cat (Communicate, not yet read back)",
            "Find the bad query. — Dan (Diagnose, readback not confirmed)",
        ]
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
    // Nothing to follow up, decide or hand over.
    assert!(doc.section("Follow-ups").items.is_empty());
    assert!(doc.section("Decisions").items.is_empty());
    assert_eq!(
        doc.section("Crew and handoffs").tables.len(),
        1,
        "no handoffs table"
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
            ])
            .collect::<Vec<_>>(),
    );
    let doc = check(&log);
    assert_eq!(doc.h1, [format!("Postmortem draft: {title}")]);

    let timeline = doc.table("Timeline");
    let plain = Text {
        text: HOSTILE_SEEN.into(),
        markup: vec![],
    };
    assert_eq!(timeline.rows[4][4], plain, "the note, as typed");
    assert_eq!(timeline.rows[5][4], plain, "the decision, as typed");
    assert_eq!(
        timeline.rows[9][4],
        Text {
            text: format!("{HOSTILE_SEEN} (retracted)"),
            markup: vec!["strikethrough"],
        },
        "the retracted note, struck through and nothing else"
    );
    for row in &timeline.rows {
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
    assert_eq!(doc.section("Summary").paragraphs, [plain]);
    let decisions = &doc.section("Decisions").items;
    assert_eq!(decisions.len(), 1);
    assert!(
        decisions[0]
            .text
            .text
            .ends_with(&format!("Ann: {HOSTILE_SEEN}"))
    );
    assert_eq!(decisions[0].text.markup, Vec::<&str>::new());
    let followups = &doc.section("Follow-ups").items;
    assert!(followups[0].text.text.starts_with(HOSTILE_SEEN));
    assert_eq!(followups[0].text.markup, Vec::<&str>::new());
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
    let log = log_of(&eventful());
    let again: Vec<Recorded> = serde_json::from_str(&serde_json::to_string(&log).unwrap()).unwrap();
    assert_eq!(
        markdown(&incident_id(), &log).unwrap(),
        markdown(&incident_id(), &again).unwrap()
    );
}
