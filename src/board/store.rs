//! The board as its components read it: one signal per note, action, concern and checklist
//! that a row watches, keyed by id, and the ordered id lists the panels' `For`s walk.
//!
//! The source is a whole board (`Session::state` on the live board, the replayed board on the
//! review page). After each change [`Board::refresh`] compares only the entities some row
//! watches, and the id lists, with the new board, and sets just the signals whose entity
//! changed: an event wakes the rows it touched and nothing else, and a row is never rebuilt
//! because a neighbour changed. It does not fold events (warroom-core's `apply` in the session
//! does) and it holds no drafts (see `drafts`).

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;
use std::sync::Arc;

use leptos::prelude::*;
use warroom_core::replay::Replay;
use warroom_core::{
    Action, ActionId, Checklist, ChecklistId, Command, CommandId, Concern, ConcernId, Event,
    Incident, Note, NoteId, ParticipantId, Recorded, Seq, State,
};

use crate::sync::Session;

/// One kind of entity of the board, keyed by id: the rows that watch one get a signal of it.
pub struct Keyed<K: 'static, V: 'static> {
    pick: fn(&Incident) -> &BTreeMap<K, V>,
    same: fn(&V, &V) -> bool,
    /// How the panel lists them, when it lists them by id.
    order: Option<fn(&Incident) -> Vec<K>>,
    ids: RwSignal<Vec<K>>,
    /// The watched entities.
    watched: StoredValue<Watched<K, V>>,
}

impl<K, V> Clone for Keyed<K, V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<K, V> Copy for Keyed<K, V> {}

impl<K, V> Keyed<K, V>
where
    K: Copy + Eq + Hash + Ord + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    fn new(
        pick: fn(&Incident) -> &BTreeMap<K, V>,
        same: fn(&V, &V) -> bool,
        order: Option<fn(&Incident) -> Vec<K>>,
    ) -> Self {
        Self {
            pick,
            same,
            order,
            ids: RwSignal::new(Vec::new()),
            watched: StoredValue::new(HashMap::new()),
        }
    }

    /// The ids in the panel's order; it changes only when one comes, goes or moves.
    pub fn ids(&self) -> Vec<K> {
        self.ids.get()
    }

    /// A signal of one entity, for the row that shows it (`None` while the board lacks it).
    /// It wakes only when that entity changes; it stops being kept when the row goes.
    pub fn watch(&self, board: &Board, id: K) -> Signal<Option<V>> {
        let pick = self.pick;
        let signal = self.watched.try_update_value(|w| {
            let entry = w.entry(id).or_insert_with(|| {
                let now = board
                    .state
                    .with_untracked(|s| s.as_ref().and_then(|i| pick(i).get(&id).cloned()));
                (ArcRwSignal::new(now), 0)
            });
            entry.1 += 1;
            entry.0.clone()
        });
        let watched = self.watched;
        on_cleanup(move || {
            watched.try_update_value(|w| {
                if let Some(entry) = w.get_mut(&id) {
                    entry.1 -= 1;
                    if entry.1 == 0 {
                        w.remove(&id);
                    }
                }
            });
        });
        signal.map_or_else(|| Signal::derive(|| None), Signal::from)
    }

    fn refresh(&self, incident: Option<&Incident>) {
        let (pick, same) = (self.pick, self.same);
        let changed: Vec<_> = self.watched.with_value(|w| {
            w.iter()
                .filter_map(|(id, (signal, _))| {
                    let new = incident.and_then(|i| pick(i).get(id));
                    let unchanged = signal.with_untracked(|old| match (old, new) {
                        (Some(old), Some(new)) => same(old, new),
                        (None, None) => true,
                        _ => false,
                    });
                    (!unchanged).then(|| (signal.clone(), new.cloned()))
                })
                .collect()
        });
        for (signal, value) in changed {
            signal.set(value);
        }
        if let Some(order) = self.order {
            let ids = incident.map(order).unwrap_or_default();
            if self.ids.with_untracked(|old| *old != ids) {
                self.ids.set(ids);
            }
        }
    }
}

/// Where the events shown on the timeline come from.
#[derive(Clone, Copy)]
enum Log {
    /// The session's log.
    Live,
    /// The replay's events up to the moment shown.
    Replay {
        replay: StoredValue<Option<Replay>>,
        at: RwSignal<Seq>,
    },
}

/// The rows watching one entity: its signal, and how many rows watch it.
type Watched<K, V> = HashMap<K, (ArcRwSignal<Option<V>>, usize)>;

/// The board the panels show, provided as context: the live incident or a moment of its
/// replay. Panels read narrow parts of it, never the whole.
#[derive(Clone, Copy)]
pub struct Board {
    /// The whole board: only for `slice`s of a few small fields, never for lists.
    pub state: Signal<State>,
    pub notes: Keyed<NoteId, Arc<Note>>,
    pub actions: Keyed<ActionId, Action>,
    pub concerns: Keyed<ConcernId, Concern>,
    pub checklists: Keyed<ChecklistId, Checklist>,
    /// Pinned notes, in note order.
    pinned: RwSignal<Vec<NoteId>>,
    /// On a replay, every note pinned at some moment, in note order.
    ever_pinned: Option<StoredValue<Vec<NoteId>>>,
    names: RwSignal<BTreeMap<ParticipantId, String>>,
    /// Moves on once the rows agree with a replayed board: the timeline reads the replay's
    /// log when it moves.
    version: RwSignal<u64>,
    /// No controls: an observer's board, or the review page.
    pub read_only: Signal<bool>,
    /// The live link; `None` on the review page, which sends nothing.
    pub session: Option<Session>,
    log: Log,
}

impl Board {
    /// The live board of `session`, kept in line with it as events arrive.
    pub fn live(session: Session) -> Self {
        let board = Self::new(
            session.state.into(),
            session.read_only.into(),
            Some(session),
        );
        // The session folds events into one whole-board signal; this is where that becomes
        // per-row signals.
        // Pins only move with a pin event: a batch without one skips the scan for them.
        Effect::new(move |seen: Option<Seq>| {
            let head = session.state.with(|s| s.as_ref().map_or(0, |i| i.seq));
            let pins_moved = session.log.with_untracked(|log| {
                let fresh = usize::try_from(head.saturating_sub(seen.unwrap_or(0))).unwrap_or(0);
                let tail = log.len().checked_sub(fresh).map(|from| &log[from..]);
                match tail {
                    Some(tail) if seen.is_some() && log.last().is_some_and(|r| r.seq == head) => {
                        tail.iter()
                            .any(|r| matches!(r.event, Event::NotePinned { .. }))
                    }
                    _ => true,
                }
            });
            board.refresh_rows(pins_moved);
            head
        });
        board
    }

    /// The board of `replay` at the moment `at`, read-only: the caller calls `refresh` after
    /// setting `state`.
    pub fn replayed(
        state: RwSignal<State>,
        replay: StoredValue<Option<Replay>>,
        at: RwSignal<Seq>,
    ) -> Self {
        let board = Self::new(state.into(), Signal::stored(true), None);
        let ever_pinned = replay.with_value(|r| {
            let ids: std::collections::BTreeSet<NoteId> = r
                .iter()
                .flat_map(|r| r.events())
                .filter_map(|r| match r.event {
                    Event::NotePinned { note, .. } => Some(note),
                    _ => None,
                })
                .collect();
            ids.into_iter().collect()
        });
        Self {
            log: Log::Replay { replay, at },
            ever_pinned: Some(StoredValue::new(ever_pinned)),
            ..board
        }
    }

    fn new(state: Signal<State>, read_only: Signal<bool>, session: Option<Session>) -> Self {
        Self {
            state,
            notes: Keyed::new(|i| &i.notes, |a, b| Arc::ptr_eq(a, b) || a == b, None),
            actions: Keyed::new(|i| &i.actions, PartialEq::eq, Some(action_order)),
            concerns: Keyed::new(|i| &i.concerns, PartialEq::eq, Some(concern_order)),
            checklists: Keyed::new(|i| &i.checklists, PartialEq::eq, Some(checklist_order)),
            pinned: RwSignal::new(Vec::new()),
            ever_pinned: None,
            names: RwSignal::new(BTreeMap::new()),
            version: RwSignal::new(0),
            read_only,
            session,
            log: Log::Live,
        }
    }

    /// Brings every watched row and id list in line with `state`, waking only what changed.
    pub fn refresh(&self) {
        self.refresh_rows(true);
    }

    fn refresh_rows(&self, pins_moved: bool) {
        self.state.with_untracked(|s| {
            let incident = s.as_ref();
            self.notes.refresh(incident);
            self.actions.refresh(incident);
            self.concerns.refresh(incident);
            self.checklists.refresh(incident);
            self.refresh_names(incident);
            if pins_moved {
                self.refresh_pins(incident);
            }
        });
        self.version.update(|v| *v += 1);
    }

    fn refresh_pins(&self, incident: Option<&Incident>) {
        let pinned: Vec<NoteId> = incident
            .map(|i| match self.ever_pinned {
                // A replay knows every note that is ever pinned: the others need no look.
                Some(ids) => ids.with_value(|ids| {
                    ids.iter()
                        .filter(|id| i.notes.get(id).is_some_and(|n| n.pinned))
                        .copied()
                        .collect()
                }),
                None => i
                    .notes
                    .iter()
                    .filter(|(_, n)| n.pinned)
                    .map(|(id, _)| *id)
                    .collect(),
            })
            .unwrap_or_default();
        if self.pinned.with_untracked(|p| *p != pinned) {
            self.pinned.set(pinned);
        }
    }

    fn refresh_names(&self, incident: Option<&Incident>) {
        let unchanged = self.names.with_untracked(|names| {
            incident.is_none_or(|i| {
                names.len() == i.participants.len()
                    && i.participants
                        .iter()
                        .zip(names)
                        .all(|((id, p), (known, name))| id == known && p.name == *name)
            })
        });
        if !unchanged && let Some(i) = incident {
            self.names.set(
                i.participants
                    .iter()
                    .map(|(id, p)| (id.clone(), p.name.clone()))
                    .collect(),
            );
        }
    }

    /// The pinned notes, in note order.
    pub fn pinned(&self) -> Vec<NoteId> {
        self.pinned.get()
    }

    /// The name `who` goes by (their id if they never joined); wakes only on a rename.
    pub fn name_of(&self, who: &ParticipantId) -> String {
        self.names
            .with(|n| n.get(who).cloned())
            .unwrap_or_else(|| who.to_string())
    }

    /// Tracks the names people go by: changes when someone joins or is renamed.
    pub fn track_names(&self) {
        self.names.track();
    }

    /// Tracks the log: a new event or an older page on the live board, another moment on a
    /// replay. A row made for a new event is right at once: `watch` reads the board, which the
    /// session folds before it extends the log.
    pub fn track_log(&self) {
        match (self.log, self.session) {
            (Log::Live, Some(session)) => session.log.track(),
            _ => self.version.track(),
        }
    }

    /// Runs `f` on the events up to the moment shown, oldest first (untracked).
    pub fn with_log<R>(&self, f: impl FnOnce(&[Recorded]) -> R) -> R {
        match (self.log, self.session) {
            (Log::Live, Some(session)) => session.log.with_untracked(|l| f(l)),
            (Log::Live, None) => f(&[]),
            (Log::Replay { replay, at }, _) => replay.with_value(|r| match r {
                Some(r) => f(r.events_to(at.get_untracked())),
                None => f(&[]),
            }),
        }
    }

    /// Sends `command` (the live board only); its id, for a `CommandResult`.
    pub fn submit(&self, command: Command) -> Option<CommandId> {
        self.session.map(|s| s.submit(command))
    }
}

fn action_order(i: &Incident) -> Vec<ActionId> {
    let mut ids: Vec<(bool, std::cmp::Reverse<ActionId>)> = i
        .actions
        .iter()
        .map(|(id, a)| (!a.state.is_open(), std::cmp::Reverse(*id)))
        .collect();
    // Open ones first, newest first within each group.
    ids.sort();
    ids.into_iter().map(|(_, id)| id.0).collect()
}

fn concern_order(i: &Incident) -> Vec<ConcernId> {
    let mut ids: Vec<_> = i
        .concerns
        .iter()
        .map(|(id, c)| (!c.is_open(), std::cmp::Reverse(c.level), *id))
        .collect();
    ids.sort();
    ids.into_iter().map(|(_, _, id)| id).collect()
}

fn checklist_order(i: &Incident) -> Vec<ChecklistId> {
    let mut ids: Vec<_> = i
        .checklists
        .iter()
        .map(|(id, c)| (c.is_complete(), std::cmp::Reverse(*id)))
        .collect();
    ids.sort();
    ids.into_iter().map(|(_, id)| id.0).collect()
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use warroom_core::{Event, NoteKind, Severity, TextId, apply};

    use super::*;

    fn recorded(seq: Seq, event: Event) -> Recorded {
        let (at, actor) = ("2026-11-01T02:00:00Z".parse().unwrap(), "p-ann");
        Recorded::live(seq, at, ParticipantId::parse(actor).unwrap(), event)
    }

    fn posted(seq: Seq, note: u32, text: &str) -> Recorded {
        let (note, kind, text) = (NoteId(note), NoteKind::Observation, text.to_owned());
        recorded(seq, Event::NotePosted { note, kind, text })
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
}
