//! When a room's writes carry a snapshot of the board, and when a stopping room owes one.

use std::time::Duration;

use tokio::time::Instant;
use warroom_core::Seq;

/// When the room's writes carry a snapshot of the board.
pub(super) struct SnapshotSpacing {
    /// The sequence of the latest snapshot in the store.
    last: Seq,
    /// When it was taken (or the room loaded).
    last_at: Instant,
    /// The fewest events between two snapshots.
    every: Seq,
    /// The least time between two snapshots, unless the log has grown by half.
    gap: Duration,
}

impl SnapshotSpacing {
    pub(super) fn new(last: Seq, every: Seq, gap: Duration, now: Instant) -> Self {
        Self {
            last,
            last_at: now,
            every,
            gap,
        }
    }

    /// Whether the write that brings the log to `head` at `now` should carry a snapshot: once
    /// `every` events have followed the last one, and the log has grown by an eighth since.
    /// The board grows with the log (every note stays on it), so a fixed cadence alone would
    /// rewrite a board the size of the whole log every few thousand events — quadratic in the
    /// incident's length. Growing the gap with the log keeps the total written a small
    /// multiple of the board (about nine times), and a load replays at most a ninth of the log.
    ///
    /// A busy room also waits `gap` between two, unless the log has grown by half: at
    /// thousands of events a second an eighth of the log is every second or so, and each
    /// snapshot is megabytes to encode and write beside the log's commits (on the 2-core
    /// bench machine, they were most of the ack latency's tail at 5,000 commands/s). A load
    /// after a crash then replays at most a third of the log; a room that stops writes the
    /// snapshot it still owes ([`Self::owed`]), so a load after a clean stop replays nothing.
    pub(super) fn due(&self, head: Seq, now: Instant) -> bool {
        let since = head - self.last;
        let spaced = since >= self.every.max(self.last / 8);
        let waited = now.saturating_duration_since(self.last_at) >= self.gap;
        spaced && (waited || since >= self.every.max(self.last / 2))
    }

    /// Whether a room stopping with its log at `head` owes a snapshot: `every` events or more
    /// since the last.
    pub(super) fn owed(&self, head: Seq) -> bool {
        head - self.last >= self.every
    }

    /// A snapshot at `head`, taken at `now`, is durable (or on its way: a failed write stops
    /// the room).
    pub(super) fn written(&mut self, head: Seq, now: Instant) {
        self.last = head;
        self.last_at = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GAP: Duration = Duration::from_secs(5);

    #[test]
    fn snapshots_are_spaced_by_the_cadence_then_by_an_eighth_of_the_log() {
        let at = Instant::now();
        let later = at + GAP;
        let spacing = SnapshotSpacing::new(0, 1_000, GAP, at);
        assert!(!spacing.due(999, later));
        assert!(spacing.due(1_000, later));
        let spacing = SnapshotSpacing::new(80_000, 1_000, GAP, at);
        assert!(!spacing.due(81_000, later), "an eighth of 80,000 is 10,000");
        assert!(!spacing.due(89_999, later));
        assert!(spacing.due(90_000, later));
    }

    #[test]
    fn a_busy_room_waits_the_gap_between_snapshots_unless_the_log_grew_by_half() {
        let at = Instant::now();
        let mut spacing = SnapshotSpacing::new(0, 1_000, GAP, at);
        // While the log is short, the cadence alone: half of it is less than 1,000 events.
        assert!(spacing.due(1_000, at));
        spacing.written(1_000, at);
        assert!(spacing.due(2_000, at));
        spacing.written(80_000, at);
        let soon = at + GAP / 2;
        assert!(!spacing.due(90_000, soon), "an eighth, but too soon");
        assert!(!spacing.due(119_999, soon));
        assert!(
            spacing.due(120_000, soon),
            "half of 80,000 since: no waiting"
        );
        assert!(
            spacing.due(90_000, at + GAP),
            "an eighth, and the gap has passed"
        );
        assert!(
            !spacing.due(89_999, at + GAP * 10),
            "never closer than an eighth"
        );
        spacing.written(90_000, at + GAP);
        assert!(!spacing.due(101_250, at + GAP + GAP / 2));
    }

    #[test]
    fn a_stopping_room_owes_a_snapshot_once_the_cadence_has_passed() {
        let at = Instant::now();
        let spacing = SnapshotSpacing::new(80_000, 1_000, GAP, at);
        assert!(!spacing.owed(80_999));
        assert!(spacing.owed(81_000), "not due yet, but owed at a stop");
    }
}
