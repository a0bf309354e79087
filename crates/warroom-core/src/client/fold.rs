//! How `ClientSync` takes events into the board: the live tail (in order, or a resync on a
//! gap) and older timeline pages put in front of the log. The connection's rules stay in
//! `client.rs`.

use super::{Board, ClientSync, Conn, Effect, HISTORY_PAGE};
use crate::apply::{apply, notes};
use crate::event::{Event, Recorded};
use crate::ids::Seq;
use crate::incident::Incident;
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

    /// Adopts a snapshot: its board, and its page of the timeline as the log when that page
    /// ends at the board's sequence without a gap (else the log starts after the board, and
    /// the timeline pages in from there). The board may leave old notes out (see
    /// `protocol::partial`); [`Self::prepend`] rebuilds each as the page posting it arrives.
    pub(super) fn adopt(
        &mut self,
        board: &mut impl Board,
        seq: Seq,
        state: Incident,
        timeline: Vec<Recorded>,
        out: &mut Vec<Effect>,
    ) {
        let joins = timeline.last().is_some_and(|r| r.seq == seq)
            && timeline
                .iter()
                .enumerate()
                .all(|(i, r)| r.seq == timeline[0].seq + i as Seq);
        let timeline = if joins { timeline } else { Vec::new() };
        let complete = seq == 0 || timeline.first().is_some_and(|r| r.seq == 1);
        board.update(|s, log| {
            *s = Some(state);
            *log = timeline;
        });
        self.head = seq;
        out.push(Effect::Adopted(seq));
        self.set_history_complete(complete, out);
        if board.oldest().is_none() {
            self.load_earlier_into(board, out);
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
        if older.is_empty() {
            return;
        }
        let posts_a_note = older
            .iter()
            .any(|r| matches!(r.event, Event::NotePosted { .. }));
        if posts_a_note {
            // Notes the board left out (a partial snapshot's) are rebuilt from their posting
            // and every later event held: the log runs on from this page without a gap.
            board.update(|state, log| {
                if let Some(incident) = state {
                    notes::rebuild(&mut incident.notes, &older, log);
                }
                log.splice(0..0, older);
            });
        } else {
            board.update_log(|log| {
                log.splice(0..0, older);
            });
        }
    }
}
