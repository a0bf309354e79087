//! How `ClientSync` takes events into the board: the live tail (in order, or a resync on a
//! gap) and older timeline pages put in front of the log. The connection's rules stay in
//! `client.rs`.

use super::{Board, ClientSync, Conn, Effect, HISTORY_PAGE};
use crate::apply::apply;
use crate::event::Recorded;
use crate::ids::Seq;
use crate::protocol::ClientMessage;

impl ClientSync {
    pub(super) fn load_earlier_into(&self, board: &impl Board, out: &mut Vec<Effect>) {
        let before = board.oldest().unwrap_or(self.head + 1);
        if before > 1 && matches!(self.conn, Conn::Hello | Conn::Live) {
            let history = ClientMessage::History {
                before,
                limit: HISTORY_PAGE,
            };
            out.push(Effect::Send(history.to_json()));
        }
    }

    /// Folds a batch of events in, skipping ones already held and resyncing on a gap.
    pub(super) fn fold(
        &mut self,
        board: &mut impl Board,
        events: Vec<Recorded>,
        now: f64,
        out: &mut Vec<Effect>,
    ) {
        let head = self.head;
        let fresh: Vec<Recorded> = events.into_iter().filter(|r| r.seq > head).collect();
        let (Some(first), Some(last)) = (fresh.first(), fresh.last()) else {
            return;
        };
        let (from, to) = (first.seq, last.seq);
        let contiguous = fresh
            .iter()
            .enumerate()
            .all(|(i, r)| r.seq == from + i as Seq);
        if from != head + 1 || !contiguous {
            // A gap: never guess. Reconnect and resume from what we hold.
            let notice = format!("Missed events after {head}; resynchronising.");
            out.push(self.set_notice(Some(notice)));
            self.abandon(now, out);
            return;
        }
        board.update(|state, log| {
            for r in &fresh {
                apply(state, r);
            }
            log.extend(fresh);
        });
        self.head = to;
        out.push(Effect::Folded { from, to });
        if head == 0 {
            self.set_history_complete(true, out);
        }
    }

    /// Puts an older page of the timeline in front of the log, if it joins on.
    pub(super) fn prepend(
        &mut self,
        board: &mut impl Board,
        events: Vec<Recorded>,
        out: &mut Vec<Effect>,
    ) {
        let first = board.oldest();
        let joins_at = first.unwrap_or(self.head + 1);
        let older: Vec<Recorded> = events.into_iter().filter(|r| r.seq < joins_at).collect();
        let contiguous = older
            .iter()
            .enumerate()
            .all(|(i, r)| r.seq == older[0].seq + i as Seq);
        // Answers may come late and in any order: a page that does not end right before what
        // is held (an answer to a request made before a snapshot, say) is not ours to keep.
        if !contiguous || older.last().is_some_and(|r| r.seq + 1 != joins_at) {
            return;
        }
        if older.first().is_some_and(|r| r.seq == 1) || first == Some(1) {
            self.set_history_complete(true, out);
        }
        if !older.is_empty() {
            board.update_log(|log| {
                log.splice(0..0, older);
            });
        }
    }
}
