//! The JSON export: built from a log, written, read back and verified, written again to the
//! very same bytes; and refused, with the reason, when what was read back was tampered with.

use serde_json::{Value, json};
use warroom_core::export::{Export, ExportError, FORMAT, VERSION, check_log};
use warroom_core::metrics::metrics;
use warroom_core::{IncidentId, Recorded, TextId, replay};

use super::*;

fn incident_id() -> IncidentId {
    IncidentId::parse("inc-review").unwrap()
}

/// Runs a round trip: export `log`, write it, read it back, verify it, write it again.
/// Returns the JSON.
#[track_caller]
fn round_trip(log: &[Recorded]) -> String {
    let export = Export::new(incident_id(), log.to_vec()).expect("a whole log exports");
    assert_eq!(export.format, FORMAT);
    assert_eq!(export.version, VERSION);
    assert_eq!(export.events, log);
    assert_eq!(
        export.board.as_ref(),
        replay(None, log).as_ref(),
        "the board of the log"
    );
    assert_eq!(
        export.metrics.as_ref(),
        metrics(log).as_ref(),
        "the metrics of the log"
    );
    let json = export.to_json();
    let read: Export = serde_json::from_str(&json).expect("an export reads back");
    assert_eq!(read.verify(), Ok(()));
    assert!(read == export, "the export reads back as it was");
    let again = read.to_json();
    assert!(again == json, "written again, byte for byte the same");
    json
}

#[test]
fn an_export_round_trips_byte_for_byte() {
    let json = round_trip(&log_of(&eventful()));
    let value: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["format"], "warroom-export");
    assert_eq!(value["version"], VERSION);
    assert_eq!(value["incident"], "inc-review");
    round_trip(&log_of(&crew_declaring(declare_drill("Failover drill"))));
    // Only the declaration.
    round_trip(&log_of(&crew())[..1]);
}

#[test]
fn every_export_of_the_corpus_round_trips() {
    for log in super::corpus::corpus() {
        round_trip(log);
    }
}

/// An export of [`eventful`] as JSON, for tampering with.
fn exported() -> Value {
    let export = Export::new(incident_id(), log_of(&eventful())).unwrap();
    serde_json::to_value(&export).unwrap()
}

/// Runs a row: given the export changed by `tamper`, when it is read and verified, then
/// refused with `error`.
#[track_caller]
fn refused(tamper: impl FnOnce(&mut Value), error: ExportError) {
    let mut value = exported();
    tamper(&mut value);
    let export: Export = serde_json::from_value(value).expect("still an export's shape");
    assert_eq!(export.verify(), Err(error));
}

fn events(value: &mut Value) -> &mut Vec<Value> {
    value["events"].as_array_mut().unwrap()
}

#[test]
fn a_tampered_export_is_refused_with_the_reason() {
    refused(
        |v| v["format"] = json!("something-else"),
        ExportError::Format("something-else".into()),
    );
    refused(|v| v["version"] = json!(3), ExportError::Version(3));
    refused(|v| v["version"] = json!(0), ExportError::Version(0));
    refused(|v| v["events"] = json!([]), ExportError::Empty);
    // A gap: event 6 is missing.
    refused(
        |v| {
            events(v).remove(5);
        },
        ExportError::Sequence {
            index: 5,
            expected: 6,
            found: 7,
        },
    );
    // A repeat: event 6 twice.
    refused(
        |v| {
            let sixth = events(v)[5].clone();
            events(v).insert(6, sixth);
        },
        ExportError::Sequence {
            index: 6,
            expected: 7,
            found: 6,
        },
    );
    // Out of order.
    refused(
        |v| events(v).swap(5, 6),
        ExportError::Sequence {
            index: 5,
            expected: 6,
            found: 7,
        },
    );
    // Recorded times going backwards: event 5 recorded an hour before event 4.
    refused(
        |v| {
            let earlier = (t0() - Duration::hours(1)).to_rfc3339();
            events(v)[5]["at"] = json!(earlier);
        },
        ExportError::TimeBackwards {
            index: 5,
            seq: 6,
            at: t0() - Duration::hours(1),
            previous: log_of(&eventful())[4].at,
        },
    );
    // A backdated entry is not a time going backwards: only `at` is checked.
    let mut backdated =
        serde_json::to_value(Export::new(incident_id(), log_of(&eventful())).unwrap()).unwrap();
    events(&mut backdated)[5]["occurred_at"] = json!((t0() - Duration::hours(1)).to_rfc3339());
    events(&mut backdated)[5]["precision"] = json!("about");
    backdated.as_object_mut().unwrap().remove("board");
    backdated.as_object_mut().unwrap().remove("metrics");
    let read: Export = serde_json::from_value(backdated).unwrap();
    read.verify().expect("a backdated entry imports");
    // Not starting with the declaration, numbered or renumbered.
    refused(
        |v| {
            events(v).remove(0);
        },
        ExportError::NotDeclared,
    );
    refused(
        |v| {
            let events = events(v);
            events.remove(0);
            for (n, e) in events.iter_mut().enumerate() {
                e["seq"] = json!(n + 1);
            }
        },
        ExportError::NotDeclared,
    );
    // A board that is not the log's, or a log changed under its board.
    refused(
        |v| v["board"]["title"] = json!("Nothing happened"),
        ExportError::BoardMismatch,
    );
    refused(
        |v| {
            let note = events(v)
                .iter_mut()
                .find(|e| e["event"]["type"] == "note_posted")
                .unwrap();
            note["event"]["text"] = json!("Something else entirely.");
        },
        ExportError::BoardMismatch,
    );
    // Metrics that are not the log's.
    refused(
        |v| v["metrics"]["time_to_mitigated"] = json!(1),
        ExportError::MetricsMismatch,
    );
    refused(
        |v| {
            v["metrics"]["handoffs"].as_array_mut().unwrap().pop();
        },
        ExportError::MetricsMismatch,
    );
}

#[test]
fn a_refusal_says_why_in_words() {
    let says = |error: ExportError, words: &str| {
        let message = error.to_string();
        assert!(message.contains(words), "{message:?} says {words:?}");
    };
    says(ExportError::Format("zip".into()), "not a Warroom export");
    says(ExportError::Version(3), "version 3 is not supported");
    says(
        ExportError::Sequence {
            index: 5,
            expected: 6,
            found: 7,
        },
        "event 5 has sequence 7, expected 6",
    );
    says(
        ExportError::TimeBackwards {
            index: 5,
            seq: 6,
            at: t0(),
            previous: t0() + Duration::seconds(1),
        },
        "recorded times go backwards: event 5 (sequence 6) was recorded at 2025-03-01 09:00:00 UTC",
    );
    says(ExportError::BoardMismatch, "board");
    says(ExportError::MetricsMismatch, "metrics");
}

#[test]
fn only_a_whole_log_from_the_declaration_exports() {
    let log = log_of(&eventful());
    assert_eq!(check_log(&log).as_ref().ok(), replay(None, &log).as_ref());
    assert_eq!(
        Export::new(incident_id(), Vec::new()),
        Err(ExportError::Empty)
    );
    assert_eq!(
        Export::new(incident_id(), log[1..].to_vec()),
        Err(ExportError::NotDeclared)
    );
    // The tail after a snapshot is not a whole log.
    let mut tail = log[..3].to_vec();
    tail.remove(1);
    assert_eq!(
        check_log(&tail),
        Err(ExportError::Sequence {
            index: 1,
            expected: 2,
            found: 3
        })
    );
}

#[test]
fn a_bare_log_without_derived_parts_imports_and_its_board_is_folded_from_the_log() {
    let log = crate::log_of(&crate::eventful());
    let export = Export::new(incident_id(), log.clone()).unwrap();
    let mut bare: serde_json::Value = serde_json::from_str(&export.to_json()).unwrap();
    let object = bare.as_object_mut().unwrap();
    object.remove("board");
    object.remove("metrics");
    let read: Export = serde_json::from_value(bare).unwrap();
    assert_eq!(read.verify(), Ok(()));
    assert_eq!(read.final_board().ok(), replay(None, &log));
}

/// Version 1 wrote the board's notes column by column (the snapshot message's encoding). Such
/// an export still imports: its board is not read but folded from the log, like a bare log's.
#[test]
fn a_version_1_export_with_columnar_notes_imports_and_its_board_is_folded_from_the_log() {
    let log = crate::log_of(&crate::eventful());
    let board = replay(None, &log).expect("declared");
    assert!(!board.notes.is_empty(), "the log has notes to encode");
    let export = Export::new(incident_id(), log.clone()).unwrap();
    let mut old: Value = serde_json::from_str(&export.to_json()).unwrap();
    old["version"] = json!(1);
    old["board"] = serde_json::to_value(warroom_core::protocol::BoardWire(&board)).unwrap();
    assert!(
        old["board"]["notes"]["authors"].is_array(),
        "columns, as version 1 wrote"
    );
    let read: Export = serde_json::from_value(old).expect("a version-1 export reads");
    assert_eq!(read.verify(), Ok(()));
    assert_eq!(read.board, None, "the old board is not read");
    assert_eq!(read.final_board().ok(), Some(board));
}
