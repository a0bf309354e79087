//! The server's one clock: wall time for what is stamped and compared with stamps (events,
//! scenario time, link and session expiry) and a monotonic instant for what is measured
//! (heartbeats, rate buckets, idle rooms).
//!
//! Everything that reads the time gets a [`Clock`] handed to it (rooms, connections, sessions,
//! limits take an instant as an argument) rather than calling `Utc::now()` itself, so a test can
//! start the server's time anywhere and drive it with `tokio::time::pause`/`advance`. Sleeping
//! is not here: timers are tokio's, and follow the same monotonic clock.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Utc};
use tokio::time::Instant;

/// A cheap, cloneable handle to the time.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    source: Source,
}

#[derive(Debug, Clone, Copy)]
enum Source {
    /// The operating system's wall clock, and tokio's monotonic one.
    System,
    /// Wall time that was `wall` at `at` and has since moved with tokio's monotonic clock (so
    /// `tokio::time::advance` moves it too).
    Anchored { wall: DateTime<Utc>, at: Instant },
}

impl Clock {
    /// The real time.
    pub fn system() -> Self {
        Self {
            source: Source::System,
        }
    }

    /// A clock whose wall time is `wall` now and then follows tokio's monotonic clock: under
    /// `tokio::time::pause`, time stands still until the test advances it.
    pub fn starting_at(wall: DateTime<Utc>) -> Self {
        Self {
            source: Source::Anchored {
                wall,
                at: Instant::now(),
            },
        }
    }

    /// Wall time, now.
    pub fn now(&self) -> DateTime<Utc> {
        match self.source {
            Source::System => Utc::now(),
            Source::Anchored { wall, at } => {
                let elapsed = chrono::Duration::from_std(at.elapsed()).unwrap_or_default();
                wall + elapsed
            }
        }
    }

    /// Now, to the millisecond: the time stamped on events. Finer digits would only lengthen
    /// every event and board a browser has to read.
    pub fn event_time(&self) -> DateTime<Utc> {
        let now = self.now();
        DateTime::from_timestamp_millis(now.timestamp_millis()).unwrap_or(now)
    }

    /// Wall time as whole Unix seconds (session expiry).
    pub fn unix_secs(&self) -> u64 {
        match self.source {
            Source::System => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            Source::Anchored { .. } => u64::try_from(self.now().timestamp()).unwrap_or(0),
        }
    }

    /// The monotonic now, for measuring intervals and for tokio's timers.
    pub fn instant(&self) -> Instant {
        Instant::now()
    }

    /// How long ago `earlier` was, on the monotonic clock.
    pub fn since(&self, earlier: Instant) -> Duration {
        self.instant().saturating_duration_since(earlier)
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::system()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_anchored_clock_starts_where_told_and_moves_with_the_monotonic_one() {
        let start = DateTime::from_timestamp(1_800_000_000, 123_456_789).unwrap();
        let clock = Clock::starting_at(start);
        let began = clock.instant();
        let first = clock.now();
        assert!(first >= start && first - start < chrono::Duration::seconds(5));
        assert_eq!(clock.unix_secs(), 1_800_000_000);
        tokio::time::sleep(Duration::from_millis(20)).await;
        let moved = (clock.now() - first).to_std().unwrap();
        assert!(moved >= Duration::from_millis(20) && moved <= clock.since(began));
        assert_eq!(
            clock.event_time().timestamp_subsec_nanos() % 1_000_000,
            0,
            "events are stamped to the millisecond"
        );
    }

    #[test]
    fn the_system_clock_is_the_wall_clock() {
        let clock = Clock::system();
        let drift = (clock.now() - Utc::now()).num_seconds().abs();
        assert!(drift < 5);
        assert!(clock.unix_secs() > 1_700_000_000);
    }
}
