//! The flight recorder: the board as it was at any sequence of the log, and [`replay()`], the
//! fold of a whole log (or a snapshot and the events after it) into a board.
//!
//! A [`Replay`] folds the log once and keeps a checkpoint (a copy of the board) every
//! [`CHECKPOINT_EVERY`] events. The board at any sequence is then the nearest checkpoint at or
//! before it plus at most `CHECKPOINT_EVERY - 1` events, whatever the length of the incident.
//! Checkpoints are cheap because the notes, the bulk of a long incident, are shared between
//! copies of the board.

use crate::apply::apply;
use crate::event::Recorded;
use crate::ids::Seq;
use crate::incident::State;

/// Folds a whole log (or the tail after a snapshot) into a state.
pub fn replay<'a>(mut state: State, log: impl IntoIterator<Item = &'a Recorded>) -> State {
    for recorded in log {
        apply(&mut state, recorded);
    }
    state
}

/// Events between two checkpoints.
pub const CHECKPOINT_EVERY: usize = 2_000;

pub struct Replay {
    events: Vec<Recorded>,
    /// `checkpoints[k]` is the board after the first `k * CHECKPOINT_EVERY` events.
    checkpoints: Vec<State>,
}

impl Replay {
    /// Folds `events` (a whole log, from sequence 1, in order) and keeps checkpoints.
    pub fn new(events: Vec<Recorded>) -> Self {
        let mut checkpoints = vec![None];
        let mut state: State = None;
        for (i, recorded) in events.iter().enumerate() {
            apply(&mut state, recorded);
            if (i + 1) % CHECKPOINT_EVERY == 0 {
                checkpoints.push(state.clone());
            }
        }
        Self {
            events,
            checkpoints,
        }
    }

    /// The log.
    pub fn events(&self) -> &[Recorded] {
        &self.events
    }

    /// The last sequence in the log.
    pub fn head(&self) -> Seq {
        self.events.last().map_or(0, |r| r.seq)
    }

    /// The board right after the event with sequence `seq` (clamped to the log).
    pub fn board_at(&self, seq: Seq) -> State {
        let upto = usize::try_from(seq)
            .unwrap_or(usize::MAX)
            .min(self.events.len());
        let k = upto / CHECKPOINT_EVERY;
        let mut state = self.checkpoints[k].clone();
        for recorded in &self.events[k * CHECKPOINT_EVERY..upto] {
            apply(&mut state, recorded);
        }
        state
    }

    /// The events up to and including `seq`.
    pub fn events_to(&self, seq: Seq) -> &[Recorded] {
        let upto = usize::try_from(seq)
            .unwrap_or(usize::MAX)
            .min(self.events.len());
        &self.events[..upto]
    }
}
