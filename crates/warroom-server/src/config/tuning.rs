//! How a room and a connection are tuned: the settings each is handed (built from the flags by
//! `ServeArgs::room` and `ServeArgs::connection`, or `Default` from [`super::defaults`]).
//! What the settings mean in practice is for the room and the connection to say; the
//! admission limits are `limits::ConnectionLimits`.

use std::time::Duration;

use warroom_core::Seq;

use super::defaults;

/// How a room is tuned.
#[derive(Debug, Clone, PartialEq)]
pub struct RoomConfig {
    /// How long a room with nobody connected stays loaded.
    pub idle_unload: Duration,
    /// A snapshot is written once this many events have been appended since the last one
    /// (and the log has grown by an eighth since it); a room that stops owes one from here.
    pub snapshot_every: Seq,
    /// And once this long has passed since the last one, unless the log has grown by half.
    pub snapshot_gap: Duration,
    /// How many recent events stay in memory for catching up reconnecting clients; a client
    /// further behind gets a snapshot.
    pub recent_events: usize,
    /// The most messages taken from the room's queue into one batch (one store write).
    pub max_batch: usize,
}

impl Default for RoomConfig {
    fn default() -> Self {
        Self {
            idle_unload: Duration::from_secs(defaults::IDLE_UNLOAD_SECS),
            snapshot_every: defaults::SNAPSHOT_EVERY,
            snapshot_gap: Duration::from_secs(defaults::SNAPSHOT_GAP_SECS),
            recent_events: defaults::RECENT_EVENTS,
            max_batch: defaults::MAX_BATCH,
        }
    }
}

/// How a connection is tuned.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectionConfig {
    /// Sustained messages per second a participant may send (across their connections).
    pub rate_per_sec: f64,
    /// How many messages a participant may send in a burst above the sustained rate.
    pub rate_burst: f64,
    /// Frames that may wait for a client before it is cut off as a slow consumer.
    pub outbound_queue: usize,
    /// How often the server pings.
    pub heartbeat: Duration,
    /// Silence after which a connection is considered dead; also how long a reply may wait
    /// for a client that does not read.
    pub heartbeat_timeout: Duration,
    /// How long a new connection may take to say hello.
    pub hello_timeout: Duration,
    /// How long one write to a client may take (a batch of what was queued for it, up to
    /// 64 KiB, a reply or a ping); a client that takes longer has stopped reading and is
    /// dropped.
    pub write_timeout: Duration,
}

impl Default for ConnectionConfig {
    fn default() -> Self {
        let heartbeat = Duration::from_secs(defaults::HEARTBEAT_SECS);
        Self {
            rate_per_sec: defaults::RATE_LIMIT,
            rate_burst: defaults::RATE_BURST,
            outbound_queue: defaults::OUTBOUND_QUEUE,
            heartbeat,
            heartbeat_timeout: heartbeat * defaults::HEARTBEATS_MISSED,
            hello_timeout: Duration::from_secs(defaults::HELLO_TIMEOUT_SECS),
            write_timeout: Duration::from_secs(defaults::WRITE_TIMEOUT_SECS),
        }
    }
}

/// How deliveries are made and retried (`warroom serve --webhook-…`).
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookConfig {
    /// The first retry's delay; each later one doubles it, up to [`WebhookConfig::retry_cap`],
    /// each with jitter (a random half to all of it).
    pub retry_base: Duration,
    pub retry_cap: Duration,
    /// Attempts in all before a delivery is marked failed.
    pub max_attempts: u32,
    /// How long one attempt may take, connection included.
    pub timeout: Duration,
    /// The server's public URL, for links to incidents in the bodies.
    pub public_url: Option<String>,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self {
            retry_base: Duration::from_millis(defaults::WEBHOOK_RETRY_BASE_MS),
            retry_cap: Duration::from_secs(defaults::WEBHOOK_RETRY_CAP_SECS),
            max_attempts: defaults::WEBHOOK_MAX_ATTEMPTS,
            timeout: Duration::from_secs(defaults::WEBHOOK_TIMEOUT_SECS),
            public_url: None,
        }
    }
}
