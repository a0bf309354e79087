//! Timeline files (`warroom_core::import`): CSV with quoted fields, doubled quotes and a field
//! over two lines; JSON; the first bad row named by its line (CSV) or place (JSON); the rows
//! entered in the order things happened, each by its person, and the declaration marked.

use warroom_core::import::{Declaration, Place, imported_id, parse, plan};
use warroom_core::time::Precision;
use warroom_core::{Event, NoteKind, Severity};

use super::*;

const CSV: &str = "time,precision,actor,kind,text\r\n\
2025-03-01 08:30,about,\"Lee, Ann\",hypothesis,\"The \"\"cache\"\" is cold\"\r\n\
2025-03-01T08:10:00Z,,Bob,observation,\"Errors at 5%,\nrising\"\r\n\
2025-03-01 08:40:30,exact,Bob,severity,sev1\r\n";

fn declaration() -> Declaration {
    Declaration {
        title: "Cache outage".into(),
        severity: Severity::Sev2,
        name: "Ann".into(),
    }
}

#[test]
fn a_csv_file_is_read_field_by_field_and_line_by_line() {
    let rows = parse(CSV).unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0].place, Place::Line(2));
    assert_eq!(rows[0].actor, "Lee, Ann");
    assert_eq!(rows[0].text, "The \"cache\" is cold");
    assert_eq!(rows[0].precision, Precision::About);
    assert_eq!(rows[1].text, "Errors at 5%,\nrising");
    assert_eq!(rows[1].precision, Precision::Exact);
    // The quoted field spans a line: the next row starts on line 5.
    assert_eq!(rows[2].place, Place::Line(5));
    let bad = CSV.replace("sev1", "sev1,extra");
    assert_eq!(
        parse(&bad).unwrap_err().to_string(),
        "line 5: 6 fields; a row has 5 (time,precision,actor,kind,text)"
    );
    let bad = CSV.replace("2025-03-01 08:40:30", "yesterday");
    assert!(
        parse(&bad)
            .unwrap_err()
            .to_string()
            .starts_with("line 5: the time \"yesterday\"")
    );
    assert_eq!(parse("").unwrap_err().to_string(), "the file is empty");
}

#[test]
fn the_rows_are_entered_in_order_each_by_its_person() {
    let rows = parse(CSV).unwrap();
    let log = plan(&declaration(), &rows, &id("ann"), at(3_600)).unwrap();
    let board = warroom_core::replay(None, &log).unwrap();
    assert!(board.postmortem.retrospective && board.postmortem.imported);
    assert!(matches!(
        log[0].event,
        Event::IncidentDeclared { imported: true, .. }
    ));
    // Declared at the earliest row's time; every entry recorded now.
    assert_eq!(log[0].occurred_at, Some(rows[1].at));
    assert!(log.iter().all(|r| r.at == at(3_600)));
    let notes: Vec<_> = board.notes.values().collect();
    assert_eq!(notes[0].text, "Errors at 5%,\nrising");
    assert_eq!(board.name_of(&notes[0].author), "Bob");
    assert_eq!(notes[1].kind, NoteKind::Hypothesis);
    assert_eq!(notes[1].author, imported_id("Lee, Ann"));
    assert_eq!(notes[1].precision, Some(Precision::About));
    // The severity change is the commander's, the importer's.
    assert_eq!(board.severity, Severity::Sev1);
    let change = log
        .iter()
        .find(|r| matches!(r.event, Event::SeverityChanged { .. }))
        .unwrap();
    assert_eq!(change.actor, id("ann"));
    // The same name is the same participant; another is not.
    assert_eq!(imported_id("Bob"), imported_id(" bob "));
    assert_ne!(imported_id("Bob"), imported_id("Bobby"));
}

#[test]
fn a_row_the_rules_refuse_is_named() {
    let rows = parse(CSV).unwrap();
    // Recorded a minute after the declaration's time: the later rows are in the future.
    let err = plan(&declaration(), &rows, &id("ann"), rows[1].at).unwrap_err();
    assert_eq!(err.place, Some(Place::Line(2)));
    assert!(err.reason.contains("in the future"), "{err}");
    let json =
        r#"[{"time": "2025-03-01T08:00:00Z", "actor": "A", "kind": "severity", "text": "SEV9"}]"#;
    let rows = parse(json).unwrap();
    let err = plan(&declaration(), &rows, &id("ann"), at(3_600)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "row 1: \"SEV9\" is not a severity (SEV1 to SEV4)"
    );
}
