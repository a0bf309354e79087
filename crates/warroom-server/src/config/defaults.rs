//! Every default of the server's settings, once: the flags' defaults (`ServeArgs`'s clap
//! attributes name these constants) and the `Default` impls of the tuning structs
//! ([`super::RoomConfig`], [`super::ConnectionConfig`]) read them, and so can tests and the
//! benchmark. README's flags table documents the same values.
//!
//! Only values someone may want to change live here. Fixed limits that are part of how a piece
//! works (the room's queue, catch-up frame sizes, fragment sizes) stay beside their code.

use super::Auth;

/// `--addr`: loopback, so a first run is not on the network.
pub const ADDR: &str = "127.0.0.1:8080";
/// `--data-dir`, also `warroom export` and `warroom import`'s.
pub const DATA_DIR: &str = "./warroom-data";
/// `--database-pool-size`: connections to PostgreSQL, per server.
pub const DATABASE_POOL_SIZE: u16 = 16;
/// `--static-dir`: where `cargo xtask run` puts the built app.
pub const STATIC_DIR: &str = "./dist";
/// `--auth`.
pub const AUTH: Auth = Auth::Open;
/// `--sign-ins-per-minute`, per client address (also the burst).
pub const SIGN_INS_PER_MINUTE: u32 = 60;
/// `--session-days`.
pub const SESSION_DAYS: u64 = 30;

/// `--rate-limit`: sustained messages per second from one participant.
pub const RATE_LIMIT: f64 = 50.0;
/// `--rate-burst`.
pub const RATE_BURST: f64 = 200.0;
/// `--max-connections`, in all.
pub const MAX_CONNECTIONS: usize = 10_000;
/// `--max-connections-per-ip`.
pub const MAX_CONNECTIONS_PER_IP: usize = 256;
/// `--max-before-hello`.
pub const MAX_BEFORE_HELLO: usize = 256;

/// `--write-timeout-secs`: for one 16 KiB piece of a frame.
pub const WRITE_TIMEOUT_SECS: u64 = 20;
/// `--outbound-queue`: frames waiting for one client.
pub const OUTBOUND_QUEUE: usize = 1_024;
/// `--heartbeat-secs`: a connection not heard from for this long is pinged, and again each
/// heartbeat while it stays silent. Short, so that a person whose link died is shown gone
/// within [`HEARTBEATS_MISSED`] × 3 = 9 s (the promise: 10 s), and someone may assume
/// an absent holder's role in seconds. Cheap because only *silent* connections are pinged: a
/// browser pings every 2.5 s itself, so the server pings none of them, and one timer per
/// connection is re-armed once per heartbeat at most, never per message.
pub const HEARTBEAT_SECS: u64 = 3;
/// Heartbeats a connection may stay silent before it is closed (4009): three, so one lost
/// pong on a lossy link is forgiven.
pub const HEARTBEATS_MISSED: u32 = 3;
/// Seconds a new connection has to say hello (not a flag).
pub const HELLO_TIMEOUT_SECS: u64 = 10;

/// `--idle-unload-secs`.
pub const IDLE_UNLOAD_SECS: u64 = 60;
/// The fewest events between two snapshots (not a flag).
pub const SNAPSHOT_EVERY: u64 = 1_000;
/// Seconds a busy room waits between two snapshots, unless the log has grown by half (not a
/// flag).
pub const SNAPSHOT_GAP_SECS: u64 = 5;
/// Recent events a room keeps for catching up (not a flag).
pub const RECENT_EVENTS: usize = 2_000;
/// The most messages in one batch, one store write (not a flag).
pub const MAX_BATCH: usize = 1_024;

/// `--webhook-retry-base-ms`: the first retry of a failed webhook delivery.
pub const WEBHOOK_RETRY_BASE_MS: u64 = 1_000;
/// The longest wait between two attempts at a webhook delivery (not a flag).
pub const WEBHOOK_RETRY_CAP_SECS: u64 = 300;
/// `--webhook-max-attempts`: about 13 minutes of retries with the default base.
pub const WEBHOOK_MAX_ATTEMPTS: u32 = 10;
/// `--webhook-timeout-secs`.
pub const WEBHOOK_TIMEOUT_SECS: u64 = 10;
