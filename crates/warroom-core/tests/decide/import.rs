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

/// Notes of before the declaration (Ann declared at 09:00:00), the second by Bob's namesake
/// from the file, the third by someone new.
const INTO: &str = "time,precision,actor,kind,text\n\
2025-03-01 08:55,exact,Bob,observation,Latency rising\n\
2025-03-01 08:40,about,\"Lee, Ann\",hypothesis,The 08:30 deploy\n\
2025-03-01 08:58,exact,Lee,decision,Roll back\n";

/// The crew's incident, resolved and closed by Ann.
fn closed() -> Vec<Step> {
    crew_and([
        ("ann", set_status(warroom_core::Status::Resolved)),
        ("ann", set_status(warroom_core::Status::Closed)),
    ])
}

#[test]
fn a_timeline_enters_an_open_or_a_closed_incident_as_imported_notes() {
    use warroom_core::import::into_existing;
    let rows = parse(INTO).unwrap();
    for given in [crew(), closed()] {
        let mut board = Board::given(&given);
        let head = board.incident().seq;
        let now = at(100);
        let log = into_existing(board.incident(), &rows, &id("ann"), now).unwrap();
        // Each person joins once before their first note; in the order things happened.
        let kinds: Vec<&str> = log.iter().map(|r| r.event.name()).collect();
        assert_eq!(
            kinds,
            [
                "participant_joined",
                "note_posted",
                "participant_joined",
                "note_posted",
                "participant_joined",
                "note_posted"
            ]
        );
        let seqs: Vec<u64> = log.iter().map(|r| r.seq).collect();
        assert_eq!(
            seqs,
            (head + 1..=head + 6).collect::<Vec<_>>(),
            "after the head"
        );
        assert!(log.iter().all(|r| r.imported && r.at == now));
        assert_eq!(log[1].occurred_at, Some(rows[1].at));
        assert_eq!(log[1].precision, Some(Precision::About));
        assert_eq!(log[1].actor, imported_id("Lee, Ann"));
        assert!(log[0].occurred_at.is_none(), "a join has no second time");
        for r in &log {
            warroom_core::apply(&mut board.state, r);
        }
        let note = board.incident().notes.values().last().unwrap();
        assert_eq!(note.text, "Roll back");
        assert!(note.imported && note.backdated);
        assert_eq!(board.incident().name_of(&note.author), "Lee");
        // Through the stored encoding of a board and back, marked still.
        let wire =
            serde_json::to_string(&warroom_core::protocol::BoardWire(board.incident())).unwrap();
        let back: warroom_core::protocol::BoardFromWire = serde_json::from_str(&wire).unwrap();
        assert!(back.0.notes.values().last().unwrap().imported);
        // The draft marks each imported entry and says how many there are.
        board.log.extend(log);
        let md = warroom_core::export::markdown(
            &<warroom_core::IncidentId as warroom_core::TextId>::parse("i-1").unwrap(),
            &board.log,
        )
        .unwrap();
        assert!(
            md.contains("**6 of ") && md.contains("entries were imported from a timeline file**"),
            "{md}"
        );
        assert!(
            md.contains("“Roll back” (entered later) (imported)"),
            "{md}"
        );
    }
}

#[test]
fn only_the_commander_imports_and_a_bad_row_stops_the_whole_file() {
    use warroom_core::import::{ImportRefused, into_existing};
    let board = Board::given(&crew());
    let rows = parse(INTO).unwrap();
    let refused = into_existing(board.incident(), &rows, &id("bob"), at(100)).unwrap_err();
    assert!(
        matches!(&refused, ImportRefused::Refused(r) if r.code == RejectionCode::NotPermitted),
        "{refused:?}"
    );
    assert!(
        refused
            .to_string()
            .contains("Only the commander can import a timeline")
    );
    let row = |refused: ImportRefused| match refused {
        ImportRefused::Row(e) => e.to_string(),
        other => panic!("{other:?}"),
    };
    // A row in the middle in the future: named, and nothing comes back.
    let future = INTO.replace("2025-03-01 08:55", "2025-03-01 10:00");
    let err = into_existing(
        board.incident(),
        &parse(&future).unwrap(),
        &id("ann"),
        at(100),
    );
    assert!(
        row(err.unwrap_err())
            .starts_with("line 2: occurred_at 2025-03-01 10:00:00 UTC is in the future")
    );
    // Too early for this incident.
    let early = INTO.replace("2025-03-01 08:55", "2025-01-01 08:55");
    let err = into_existing(
        board.incident(),
        &parse(&early).unwrap(),
        &id("ann"),
        at(100),
    );
    assert!(
        row(err.unwrap_err()).contains("line 2: occurred_at 2025-01-01 08:55:00 UTC is too early")
    );
    // Severity and status rows would change the board's present from the past.
    let severity = format!("{INTO}2025-03-01 08:59,exact,Ann,severity,SEV1\n");
    let err = into_existing(
        board.incident(),
        &parse(&severity).unwrap(),
        &id("ann"),
        at(100),
    );
    assert_eq!(
        row(err.unwrap_err()),
        "line 5: an import into an existing incident enters notes only; change the severity or \
         the status on the board"
    );
    let empty = INTO.replace("Roll back", " ");
    let err = into_existing(
        board.incident(),
        &parse(&empty).unwrap(),
        &id("ann"),
        at(100),
    );
    assert_eq!(row(err.unwrap_err()), "line 4: A note cannot be empty.");
}
