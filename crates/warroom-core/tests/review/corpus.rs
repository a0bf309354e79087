//! The flight recorder against the live board, over a corpus of generated incidents.
//!
//! The corpus is drawn with the property suite's generators from a fixed seed, so every run
//! checks the same incidents. Some incidents are padded with notes between their generated
//! steps until they cross several checkpoints of [`CHECKPOINT_EVERY`]: the board at a sequence
//! then comes from a checkpoint plus a tail, and any difference between that and folding every
//! event one at a time, as a live client does, shows up at some sequence.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use chrono::Duration;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use warroom_core::replay::{CHECKPOINT_EVERY, Replay};
use warroom_core::{
    Command, Event, NoteId, NoteKind, ParticipantId, Recorded, Seq, State, apply, execute, replay,
};

use crate::aim::aim;
use crate::generate::{POOL, Step, pid, sequence};

/// Incidents in the corpus.
const INCIDENTS: usize = 240;
/// Every this many incidents is padded with notes past [`LONG_EVENTS`] events.
const LONG_EVERY: usize = 80;
/// A padded incident has more events than this: over two checkpoints.
const LONG_EVENTS: usize = 2 * CHECKPOINT_EVERY + 100;

/// The corpus, drawn once and shared by the tests that use it: each incident's log.
pub fn corpus() -> &'static [Vec<Recorded>] {
    static CORPUS: OnceLock<Vec<Vec<Recorded>>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let mut runner = TestRunner::deterministic();
        let strategy = sequence();
        (0..INCIDENTS)
            .map(|n| {
                let steps = strategy.new_tree(&mut runner).unwrap().current();
                let steps = if n % LONG_EVERY == 0 {
                    // A little longer each time, so that they end at different places
                    // between checkpoints.
                    pad(steps, LONG_EVENTS + 250 * (n / LONG_EVERY))
                } else {
                    steps
                };
                play_quietly(&steps).1
            })
            .collect()
    })
}

/// Plays generated steps, each aimed as a person would act, seven seconds apart; the final
/// board and the log.
pub fn play_quietly(steps: &[Step]) -> (State, Vec<Recorded>) {
    let mut state: State = None;
    let mut log = Vec::new();
    for (n, step) in steps.iter().enumerate() {
        let (actor, command) = aim(&state, step);
        let mut present: BTreeSet<ParticipantId> = POOL
            .iter()
            .zip(step.present)
            .filter(|(_, connected)| *connected)
            .map(|(who, _)| pid(who))
            .collect();
        present.insert(actor.clone());
        let ctx = warroom_core::Context {
            actor: &actor,
            at: crate::at(7 * i64::try_from(n).unwrap()),
            present: &present,
        };
        if let Ok(recorded) = execute(&mut state, &command, &ctx) {
            log.extend(recorded);
        }
    }
    (state, log)
}

/// `steps` with notes of every kind spread between them, until at least `events` notes. Now
/// and then an older note (by then inside an earlier checkpoint) is amended, pinned or
/// retracted: the boards handed out share their notes with the checkpoints, and a change to
/// one must not reach the other.
fn pad(steps: Vec<Step>, events: usize) -> Vec<Step> {
    let gaps = steps.len().max(1);
    let per_gap = events.div_ceil(gaps);
    let mut padded = Vec::with_capacity(steps.len() + events + per_gap);
    let mut notes: usize = 0;
    let natural = |actor, command| Step {
        actor,
        natural: true,
        present: [true; 4],
        command,
    };
    for step in steps {
        let actor = step.actor;
        padded.push(step);
        for _ in 0..per_gap {
            let actor = (actor + notes) % POOL.len();
            padded.push(natural(
                actor,
                Command::PostNote {
                    kind: NoteKind::ALL[notes % NoteKind::ALL.len()],
                    text: format!("Padding note {notes}: still watching the error rate."),
                    essential: false,
                    occurred_at: None,
                    precision: None,
                },
            ));
            notes += 1;
            // An older note: from about half the incident ago.
            let older = NoteId(u32::try_from(notes / 2).unwrap() + 1);
            let change = match notes % 600 {
                0 => Some(Command::AmendNote {
                    note: older,
                    text: format!("Amended after note {notes}."),
                }),
                200 => Some(Command::PinNote {
                    note: older,
                    pinned: true,
                }),
                400 => Some(Command::RetractNote {
                    note: older,
                    reason: format!("Wrong, as note {notes} shows."),
                }),
                _ => None,
            };
            padded.extend(change.map(|command| natural(actor, command)));
        }
    }
    padded
}

/// Names an incident of the corpus in a failure message (its board would print thousands of
/// lines).
fn describe(log: &[Recorded], n: usize) -> String {
    format!("incident {n} of the corpus ({} events)", log.len())
}

#[test]
fn the_corpus_is_varied_and_crosses_checkpoints() {
    let corpus = corpus();
    let long = corpus.iter().filter(|log| log.len() > LONG_EVENTS).count();
    assert!(
        long >= INCIDENTS / LONG_EVERY,
        "{long} incidents cross two checkpoints"
    );
    let mut seen = BTreeSet::new();
    for log in corpus {
        for r in log {
            seen.insert(r.event.name());
        }
    }
    // The events that make replay interesting: notes changed after they were shared with a
    // checkpoint, handovers, assumptions, loops and checklists changing state.
    for name in [
        "note_amended",
        "note_retracted",
        "note_pinned",
        "role_handed_over",
        "role_assumed",
        "readback_confirmed",
        "concern_escalated",
        "item_checked",
        "status_changed",
    ] {
        assert!(seen.contains(name), "the corpus has no {name}");
    }
    // Notes changed after a checkpoint was taken with them in it.
    let mut posted_at = BTreeMap::new();
    let mut changed_later = BTreeSet::new();
    for log in corpus.iter().filter(|log| log.len() > LONG_EVENTS) {
        posted_at.clear();
        for r in log {
            match &r.event {
                Event::NotePosted { note, .. } => {
                    posted_at.insert(*note, r.seq);
                }
                Event::NoteAmended { note, .. }
                | Event::NotePinned { note, .. }
                | Event::NoteRetracted { note, .. } => {
                    let every = CHECKPOINT_EVERY as Seq;
                    if posted_at
                        .get(note)
                        .is_some_and(|p| p / every < r.seq / every)
                    {
                        changed_later.insert(r.event.name());
                    }
                }
                _ => {}
            }
        }
    }
    assert_eq!(
        changed_later,
        BTreeSet::from(["note_amended", "note_pinned", "note_retracted"]),
        "notes are amended, pinned and retracted after a checkpoint holds them"
    );
}

/// The live client: every event folded one at a time. The replay agrees at every sequence,
/// and has nothing before the declaration and the final board past the head.
#[test]
fn the_board_at_every_sequence_is_the_live_board() {
    for (n, log) in corpus().iter().enumerate() {
        let replay = Replay::new(log.clone());
        let head = Seq::try_from(log.len()).unwrap();
        assert_eq!(replay.head(), head, "{}", describe(log, n));
        assert_eq!(replay.events(), log.as_slice());
        assert!(replay.board_at(0).is_none(), "{}", describe(log, n));

        let mut live: State = None;
        // Live boards kept around the checkpoints, to ask for them again out of order.
        let mut kept: BTreeMap<Seq, State> = BTreeMap::new();
        let every = Seq::try_from(CHECKPOINT_EVERY).unwrap();
        for r in log {
            apply(&mut live, r);
            assert!(
                replay.board_at(r.seq) == live,
                "board_at({}) differs from the live board in {}",
                r.seq,
                describe(log, n)
            );
            let upto = replay.events_to(r.seq);
            assert!(upto.len() == r.seq as usize && upto.last() == Some(r));
            if matches!(r.seq % every, 0 | 1) || r.seq % every == every - 1 || r.seq == head {
                kept.insert(r.seq, live.clone());
            }
        }
        for seq in [head + 1, head + 1_000, Seq::MAX] {
            assert!(
                replay.board_at(seq) == live,
                "board_at({seq}) past the head is the final board in {}",
                describe(log, n)
            );
        }
        // Asking again, newest first, gives the same boards: a board handed out shares notes
        // with the checkpoints, and nothing done to one may leak into the other.
        for (seq, board) in kept.iter().rev() {
            assert!(
                &replay.board_at(*seq) == board,
                "board_at({seq}) asked again in {}",
                describe(log, n)
            );
        }
        assert!(replay.board_at(0).is_none());
    }
}

/// A server loads the latest snapshot, read back from JSON, and folds the tail of the log
/// after it: the same board as the live one, wherever the snapshot was taken.
#[test]
fn a_snapshot_from_json_plus_the_tail_is_the_live_board() {
    for (n, log) in corpus().iter().enumerate() {
        let live = replay(None, log);
        let replay_ = Replay::new(log.clone());
        let head = log.len();
        let mut at: Vec<usize> = vec![1, head / 3, head / 2, 2 * head / 3, head];
        at.extend((1..=head / CHECKPOINT_EVERY).flat_map(|k| {
            [
                k * CHECKPOINT_EVERY - 1,
                k * CHECKPOINT_EVERY,
                k * CHECKPOINT_EVERY + 1,
            ]
        }));
        for seq in at.into_iter().filter(|s| (1..=head).contains(s)) {
            let snapshot = replay_.board_at(Seq::try_from(seq).unwrap());
            let json = serde_json::to_string(&snapshot).expect("a board serialises");
            let read_back: State = serde_json::from_str(&json).expect("a board reads back");
            assert!(
                read_back == snapshot,
                "the snapshot at {seq} survives JSON in {}",
                describe(log, n)
            );
            let resumed = replay(read_back, &log[seq..]);
            assert!(
                resumed == live,
                "snapshot at {seq} plus the tail differs from the live board in {}",
                describe(log, n)
            );
        }
    }
}

/// The log and the board agree on time too: events in order, each board stamped with the
/// sequence and time of its last event.
#[test]
fn every_board_is_stamped_with_its_last_event() {
    for (n, log) in corpus().iter().enumerate() {
        let replay = Replay::new(log.clone());
        for seq in [1, (log.len() / 2).max(1), log.len()] {
            let Some(board) = replay.board_at(seq as Seq) else {
                panic!("no board at {seq} in {}", describe(log, n));
            };
            let last = &log[seq - 1];
            assert_eq!(board.seq, last.seq);
            assert_eq!(board.updated_at, last.at);
            assert_eq!(board.declared_at, log[0].at);
        }
        assert!(
            log.windows(2)
                .all(|w| w[0].seq + 1 == w[1].seq && w[1].at - w[0].at >= Duration::zero()),
            "an ordered log in {}",
            describe(log, n)
        );
    }
}
