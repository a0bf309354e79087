//! The store's fine-grained reactivity: each row recomputes only for its own entity.

use std::sync::atomic::{AtomicUsize, Ordering};

use warroom_core::{Event, NoteKind, Severity, TextId, apply};

use super::*;

fn recorded(seq: Seq, event: Event) -> Recorded {
    let (at, actor) = ("2026-11-01T02:00:00Z".parse().unwrap(), "p-ann");
    Recorded::live(seq, at, ParticipantId::parse(actor).unwrap(), event)
}

fn posted(seq: Seq, note: u32, text: &str) -> Recorded {
    let (note, kind, text) = (NoteId(note), NoteKind::Observation, text.to_owned());
    recorded(
        seq,
        Event::NotePosted {
            note,
            kind,
            text,
            held: false,
        },
    )
}

/// How often a memo over `signal` has run.
fn runs_of(signal: Signal<Option<Arc<Note>>>) -> (Memo<Option<String>>, Arc<AtomicUsize>) {
    let runs = Arc::new(AtomicUsize::new(0));
    let counted = runs.clone();
    let memo = Memo::new(move |_| {
        counted.fetch_add(1, Ordering::Relaxed);
        signal.with(|n| n.as_ref().map(|n| n.text.clone()))
    });
    (memo, runs)
}

#[test]
fn given_two_watched_notes_when_one_is_pinned_then_only_its_row_wakes() {
    Owner::new().with(|| {
        let declared = Event::IncidentDeclared {
            title: "Queue backlog".into(),
            severity: Severity::Sev2,
            drill: false,
            name: "Ann".into(),
            retrospective: false,
            imported: false,
        };
        let pin = Event::NotePinned {
            note: NoteId(2),
            pinned: true,
        };
        let log = vec![
            recorded(1, declared),
            posted(2, 1, "first"),
            posted(3, 2, "second"),
            recorded(4, pin),
        ];
        let mut state: State = None;
        for r in &log[..3] {
            apply(&mut state, r);
        }
        let source = RwSignal::new(state.clone());
        let replay = StoredValue::new(Some(Replay::new(log.clone())));
        let board = Board::replayed(source, replay, RwSignal::new(3));
        board.refresh();
        let (first, first_runs) = runs_of(board.notes.watch(&board, NoteId(1)));
        let second = board.notes.watch(&board, NoteId(2));
        assert_eq!(first.get_untracked().as_deref(), Some("first"));
        assert_eq!(first_runs.load(Ordering::Relaxed), 1);

        apply(&mut state, &log[3]);
        source.set(state);
        board.refresh();

        assert_eq!(first.get_untracked().as_deref(), Some("first"));
        assert_eq!(first_runs.load(Ordering::Relaxed), 1, "note 1 was woken");
        assert!(second.with_untracked(|n| n.as_ref().is_some_and(|n| n.pinned)));
        assert_eq!(board.pinned.get_untracked(), vec![NoteId(2)]);
    });
}
