//! Configuration of `warroom serve`, from flags and environment variables.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use crate::connection::ConnectionConfig;
use crate::room::RoomConfig;

/// The database file's name inside the data directory.
pub const DATABASE_FILE: &str = "warroom.sqlite3";

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port; the log says which).
    #[arg(long, env = "WARROOM_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,

    /// Directory for the SQLite database (created if missing).
    #[arg(long, env = "WARROOM_DATA_DIR", default_value = "./warroom-data")]
    pub data_dir: PathBuf,

    /// Directory of the built app (Trunk's `dist`), served with an SPA fallback.
    #[arg(long, env = "WARROOM_STATIC_DIR", default_value = "./dist")]
    pub static_dir: PathBuf,

    /// Origins (scheme://host[:port]) besides the server's own that may open WebSockets.
    /// Repeat the flag, or separate with commas in the environment variable.
    #[arg(
        long = "allowed-origin",
        env = "WARROOM_ALLOWED_ORIGINS",
        value_delimiter = ','
    )]
    pub allowed_origins: Vec<String>,

    /// Sustained messages per second one connection may send.
    #[arg(long, env = "WARROOM_RATE_LIMIT", default_value_t = 50.0)]
    pub rate_limit: f64,

    /// Messages one connection may send in a burst above the sustained rate.
    #[arg(long, env = "WARROOM_RATE_BURST", default_value_t = 200.0)]
    pub rate_burst: f64,

    /// Frames that may wait for one client before it is cut off as too slow.
    #[arg(long, env = "WARROOM_OUTBOUND_QUEUE", default_value_t = 1024)]
    pub outbound_queue: usize,

    /// Seconds between heartbeat pings; a connection silent for three of them is closed.
    #[arg(long, env = "WARROOM_HEARTBEAT_SECS", default_value_t = 15)]
    pub heartbeat_secs: u64,

    /// Seconds a room with nobody connected stays in memory.
    #[arg(long, env = "WARROOM_IDLE_UNLOAD_SECS", default_value_t = 60)]
    pub idle_unload_secs: u64,
}

impl ServeArgs {
    /// The settings with every default, listening on `addr` with data in `data_dir`.
    pub fn new(addr: SocketAddr, data_dir: PathBuf, static_dir: PathBuf) -> Self {
        Self {
            addr,
            data_dir,
            static_dir,
            allowed_origins: Vec::new(),
            rate_limit: 50.0,
            rate_burst: 200.0,
            outbound_queue: 1024,
            heartbeat_secs: 15,
            idle_unload_secs: 60,
        }
    }

    pub fn connection(&self) -> ConnectionConfig {
        let heartbeat = Duration::from_secs(self.heartbeat_secs.max(1));
        ConnectionConfig {
            rate_per_sec: self.rate_limit,
            rate_burst: self.rate_burst.max(1.0),
            outbound_queue: self.outbound_queue.max(16),
            heartbeat,
            heartbeat_timeout: heartbeat * 3,
            ..ConnectionConfig::default()
        }
    }

    pub fn room(&self) -> RoomConfig {
        RoomConfig {
            idle_unload: Duration::from_secs(self.idle_unload_secs),
            ..RoomConfig::default()
        }
    }
}
