//! The board has two JSON forms: its own, plain one (notes as objects keyed by number), which
//! the server stores and the export writes, and the wire's ([`BoardWire`]), in which the
//! `snapshot` message carries its notes column by column. Both are lossless.

use std::collections::BTreeSet;

use chrono::{TimeZone, Utc};
use serde_json::{Value, json};
use warroom_core::protocol::{self, BoardFromWire, BoardWire, PartialBoardWire, ServerMessage};
use warroom_core::{
    Command, Context, Incident, NoteId, NoteKind, ParticipantId, Severity, TextId, execute,
};

/// A board whose notes have everything the columns encode: two authors, an amended note, a
/// pinned one and a retracted one, at times with nanoseconds.
fn board() -> Incident {
    let alice = ParticipantId::parse("p-alice").unwrap();
    let bob = ParticipantId::parse("p-bob").unwrap();
    let present: BTreeSet<_> = [alice.clone(), bob.clone()].into();
    let start = Utc.with_ymd_and_hms(2025, 3, 14, 9, 0, 0).unwrap();
    let mut state = None;
    let mut run = |who: &ParticipantId, secs: i64, command: Command| {
        let ctx = Context {
            actor: who,
            at: start + chrono::Duration::nanoseconds(secs * 1_000_000_000 + 123_456_789),
            present: &present,
        };
        execute(&mut state, &command, &ctx).expect("the command is allowed");
    };
    run(
        &alice,
        0,
        Command::Declare {
            title: "Checkout is down".into(),
            severity: Severity::Sev2,
            drill: false,
            name: "Alice".into(),
            retrospective: false,
            occurred_at: None,
            precision: None,
        },
    );
    run(&bob, 5, Command::Join { name: "Bob".into() });
    for (who, secs, text) in [
        (&alice, 10, "Errors at 40%"),
        (&bob, 20, "Maybe the deploy"),
    ] {
        run(
            who,
            secs,
            Command::PostNote {
                kind: NoteKind::Observation,
                text: text.into(),
                essential: false,
                occurred_at: None,
                precision: None,
            },
        );
    }
    run(
        &bob,
        30,
        Command::AmendNote {
            note: NoteId(2),
            text: "The 09:00 deploy".into(),
        },
    );
    run(
        &alice,
        40,
        Command::PinNote {
            note: NoteId(1),
            pinned: true,
        },
    );
    run(
        &alice,
        50,
        Command::RetractNote {
            note: NoteId(2),
            reason: "Ruled out".into(),
        },
    );
    state.expect("declared")
}

#[test]
fn the_board_serialises_its_notes_as_plain_objects() {
    let board = board();
    let value = serde_json::to_value(&board).unwrap();
    let note = &value["notes"]["2"];
    assert_eq!(note["text"], "The 09:00 deploy");
    assert_eq!(note["author"], "p-bob");
    assert_eq!(note["history"][0]["text"], "Maybe the deploy");
    assert_eq!(note["retracted"]["reason"], "Ruled out");
    assert_eq!(value["notes"]["1"]["pinned"], true);
    let back: Incident = serde_json::from_value(value).unwrap();
    assert_eq!(back, board);
}

#[test]
fn the_snapshot_carries_the_notes_column_by_column_and_loses_nothing() {
    let board = board();
    let message = ServerMessage::Snapshot {
        seq: board.seq,
        timeline_from: 0,
        state: Box::new(board.clone()),
        timeline: Vec::new(),
    };
    let text = message.to_json();
    let value: Value = serde_json::from_str(&text).unwrap();
    let notes = &value["state"]["notes"];
    assert_eq!(notes["id"], json!([1, 1]));
    assert_eq!(notes["author"], json!([0, 1]));
    assert_eq!(notes["authors"], json!(["p-alice", "p-bob"]));
    assert_eq!(notes["pinned"], json!([1]));
    assert_eq!(notes["retracted"]["2"]["reason"], "Ruled out");
    // Apart from the notes, the wire's board is the plain one.
    let mut plain = serde_json::to_value(&board).unwrap();
    let mut wire = value["state"].clone();
    plain.as_object_mut().unwrap().remove("notes");
    wire.as_object_mut().unwrap().remove("notes");
    assert_eq!(wire, plain);
    // Lossless, to the nanosecond.
    let back: ServerMessage = serde_json::from_str(&text).unwrap();
    assert_eq!(back, message);
}

#[test]
fn a_board_wire_writes_what_the_snapshot_message_writes() {
    let board = board();
    let message = ServerMessage::Snapshot {
        seq: board.seq,
        timeline_from: 0,
        state: Box::new(board.clone()),
        timeline: Vec::new(),
    };
    let by_hand = format!(
        r#"{{"type":"snapshot","seq":{},"timeline_from":0,"state":{},"timeline":[]}}"#,
        board.seq,
        serde_json::to_string(&BoardWire(&board)).unwrap()
    );
    assert_eq!(by_hand, message.to_json());
}

#[test]
fn a_partial_board_wire_leaves_out_the_old_notes_but_the_pinned_ones() {
    let board = board();
    // Note 1 (pinned) and note 2 were posted before sequence 100: only the pinned one stays.
    let from = board.notes.values().map(|n| n.seq).max().unwrap() + 1;
    let partial = protocol::partial(&board, from);
    assert_eq!(
        partial.notes.keys().copied().collect::<Vec<_>>(),
        board
            .notes
            .iter()
            .filter(|(_, n)| n.pinned)
            .map(|(id, _)| *id)
            .collect::<Vec<_>>()
    );
    assert_eq!(partial.actions, board.actions);
    let text = serde_json::to_string(&PartialBoardWire(&board, from)).unwrap();
    let BoardFromWire(back) = serde_json::from_str(&text).unwrap();
    assert_eq!(*back, partial);
    // A timeline from the first note keeps every note: the whole board.
    let text = serde_json::to_string(&PartialBoardWire(&board, 1)).unwrap();
    assert_eq!(text, serde_json::to_string(&BoardWire(&board)).unwrap());
}
