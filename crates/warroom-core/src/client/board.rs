//! Where a client keeps the board it holds: the [`Board`] trait that [`ClientSync`] folds
//! into, and [`Held`], a board kept in memory (the benchmark's, the property tests').
//!
//! [`ClientSync`]: super::ClientSync

use crate::event::Recorded;
use crate::ids::Seq;
use crate::incident::State;

/// Where the board a client holds is kept. The machine changes it only through these two
/// calls, always with a board and log that stay in step.
pub trait Board {
    /// Changes the board and its log together: a fold, or a snapshot adopted.
    fn update(&mut self, f: impl FnOnce(&mut State, &mut Vec<Recorded>));
    /// Changes the log alone: an older page of the timeline put in front.
    fn update_log(&mut self, f: impl FnOnce(&mut Vec<Recorded>));
    /// The sequence of the oldest event in the log, if it holds any.
    fn oldest(&self) -> Option<Seq>;
}

/// A board kept in memory: the state and the events held, contiguous and ending at the
/// board's sequence (starting after 1 when the board came as a snapshot).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Held {
    pub state: State,
    pub log: Vec<Recorded>,
}

impl Board for Held {
    fn update(&mut self, f: impl FnOnce(&mut State, &mut Vec<Recorded>)) {
        f(&mut self.state, &mut self.log);
    }
    fn update_log(&mut self, f: impl FnOnce(&mut Vec<Recorded>)) {
        f(&mut self.log);
    }
    fn oldest(&self) -> Option<Seq> {
        self.log.first().map(|r| r.seq)
    }
}
