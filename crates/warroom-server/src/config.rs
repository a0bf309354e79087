//! Configuration of `warroom serve`, from flags and environment variables.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, ValueEnum};
use ipnet::IpNet;
use warroom_core::api::AuthMode;

use crate::auth::AuthConfig;
use crate::connection::ConnectionConfig;
use crate::limits::ConnectionLimits;
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

    /// How people sign in: `open` (pick a display name; the server issues the identity) or
    /// `proxy` (an authenticating reverse proxy names them in X-Forwarded-User/-Email, trusted
    /// only from --trusted-proxy addresses).
    #[arg(long, env = "WARROOM_AUTH", value_enum, default_value = "open")]
    pub auth: Auth,

    /// `open` mode: the team's join code, asked of everyone who signs in. Required (or
    /// --public) when listening on an address other than loopback.
    #[arg(long, env = "WARROOM_JOIN_CODE", hide_env_values = true)]
    pub join_code: Option<String>,

    /// `open` mode: serve on a non-loopback address without a join code, knowingly: anyone
    /// who can reach the port can sign in.
    #[arg(long, env = "WARROOM_PUBLIC")]
    pub public: bool,

    /// `proxy` mode: addresses or networks (10.0.0.0/8) whose identity headers are believed.
    /// Repeat the flag, or separate with commas in the environment variable.
    #[arg(
        long = "trusted-proxy",
        env = "WARROOM_TRUSTED_PROXIES",
        value_delimiter = ',',
        value_parser = network
    )]
    pub trusted_proxies: Vec<IpNet>,

    /// Admins, by e-mail, subject or participant id: they may delete any exercise.
    #[arg(long = "admin", env = "WARROOM_ADMINS", value_delimiter = ',')]
    pub admins: Vec<String>,

    /// `open` mode: sign-ins one client address may make per minute (also the burst). Every
    /// sign-in is a stored session, so this bounds what a stranger can make the server keep.
    #[arg(long, env = "WARROOM_SIGN_INS_PER_MINUTE", default_value_t = 60)]
    pub sign_ins_per_minute: u32,

    /// Days a sign-in lasts.
    #[arg(long, env = "WARROOM_SESSION_DAYS", default_value_t = 30)]
    pub session_days: u64,

    /// The URL people reach the server by (https://war.example.com), when it is not a
    /// loopback address: the server answers to that host name only (and to IP literals),
    /// which defeats DNS rebinding, and marks cookies Secure when it is https.
    #[arg(long, env = "WARROOM_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// A PEM file with the server's certificate (and any intermediates after it): serve https
    /// and wss. Give --tls-key with it. The files are read once, at start-up.
    #[arg(long, env = "WARROOM_TLS_CERT")]
    pub tls_cert: Option<PathBuf>,

    /// The PEM file with the private key of --tls-cert (PKCS#8, PKCS#1 or SEC1).
    #[arg(long, env = "WARROOM_TLS_KEY")]
    pub tls_key: Option<PathBuf>,

    /// Origins (scheme://host[:port]) besides the server's own that may open WebSockets and
    /// make requests. Repeat the flag, or separate with commas in the environment variable.
    #[arg(
        long = "allowed-origin",
        env = "WARROOM_ALLOWED_ORIGINS",
        value_delimiter = ','
    )]
    pub allowed_origins: Vec<String>,

    /// Sustained messages per second one participant may send, across all their connections.
    #[arg(long, env = "WARROOM_RATE_LIMIT", default_value_t = 50.0)]
    pub rate_limit: f64,

    /// Messages one participant may send in a burst above the sustained rate.
    #[arg(long, env = "WARROOM_RATE_BURST", default_value_t = 200.0)]
    pub rate_burst: f64,

    /// WebSockets open at once, in all; one more is closed with code 4029.
    #[arg(long, env = "WARROOM_MAX_CONNECTIONS", default_value_t = 10_000)]
    pub max_connections: usize,

    /// WebSockets open at once from one client address; one more is closed with code 4029.
    #[arg(long, env = "WARROOM_MAX_CONNECTIONS_PER_IP", default_value_t = 256)]
    pub max_connections_per_ip: usize,

    /// WebSockets open but still to say hello; one more is closed with code 4029.
    #[arg(long, env = "WARROOM_MAX_BEFORE_HELLO", default_value_t = 256)]
    pub max_before_hello: usize,

    /// Seconds one piece (64 KiB) of a frame may take to reach a client before the client is
    /// taken to have stopped reading and is dropped.
    #[arg(long, env = "WARROOM_WRITE_TIMEOUT_SECS", default_value_t = 20)]
    pub write_timeout_secs: u64,

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

/// An address (`10.0.0.5`, one host) or a network (`10.0.0.0/8`).
fn network(raw: &str) -> Result<IpNet, String> {
    raw.parse::<IpNet>()
        .or_else(|_| raw.parse::<std::net::IpAddr>().map(IpNet::from))
        .map_err(|_| format!("{raw:?} is neither an address nor a network like 10.0.0.0/8"))
}

/// The `--auth` choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Auth {
    /// A person picks a display name; the server issues their identity.
    Open,
    /// An authenticating reverse proxy names the person in headers.
    Proxy,
}

/// Settings that cannot work together, found before anything starts.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "--auth open on {0} would let anyone who can reach it sign in: give a team code with \
         --join-code, or pass --public to do it knowingly"
    )]
    OpenToTheNetwork(SocketAddr),
    #[error("--auth proxy needs --trusted-proxy: the addresses whose identity headers count")]
    NoTrustedProxy,
    #[error("--public-url must be an http:// or https:// URL, not {0:?}")]
    PublicUrl(String),
    #[error("--tls-cert needs --tls-key (WARROOM_TLS_KEY): the certificate's private key")]
    TlsKeyMissing,
    #[error("--tls-key needs --tls-cert (WARROOM_TLS_CERT): the certificate it belongs to")]
    TlsCertMissing,
}

impl ServeArgs {
    /// Checks the settings that depend on each other; `addr` is the address actually bound.
    pub fn check(&self, addr: SocketAddr) -> Result<(), ConfigError> {
        let no_code = self.join_code.as_deref().is_none_or(str::is_empty);
        if self.auth == Auth::Open && !addr.ip().is_loopback() && no_code && !self.public {
            return Err(ConfigError::OpenToTheNetwork(addr));
        }
        if self.auth == Auth::Proxy && self.trusted_proxies.is_empty() {
            return Err(ConfigError::NoTrustedProxy);
        }
        if let Some(url) = &self.public_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(ConfigError::PublicUrl(url.clone()));
        }
        match (&self.tls_cert, &self.tls_key) {
            (Some(_), None) => return Err(ConfigError::TlsKeyMissing),
            (None, Some(_)) => return Err(ConfigError::TlsCertMissing),
            _ => {}
        }
        Ok(())
    }

    /// The certificate and key files, when the server itself speaks TLS.
    pub fn tls_files(&self) -> Option<(&Path, &Path)> {
        Some((self.tls_cert.as_deref()?, self.tls_key.as_deref()?))
    }

    /// Whether browsers reach the server over https: it serves TLS itself, or a proxy in front
    /// of it does (`--public-url https://…`).
    pub fn https(&self) -> bool {
        self.tls_files().is_some()
            || self
                .public_url
                .as_deref()
                .is_some_and(|u| u.starts_with("https://"))
    }

    pub fn auth(&self) -> AuthConfig {
        AuthConfig {
            mode: match self.auth {
                Auth::Open => AuthMode::Open,
                Auth::Proxy => AuthMode::Proxy,
            },
            join_code: self.join_code.clone().filter(|c| !c.is_empty()),
            trusted_proxies: self.trusted_proxies.clone(),
            admins: self.admins.clone(),
            session_lifetime: Duration::from_secs(self.session_days.max(1) * 24 * 3600),
            sign_ins_per_minute: self.sign_ins_per_minute.max(1),
            secure_cookies: self.https(),
        }
    }

    pub fn limits(&self) -> ConnectionLimits {
        ConnectionLimits {
            total: self.max_connections.max(1),
            per_ip: self.max_connections_per_ip.max(1),
            before_hello: self.max_before_hello.max(1),
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
            write_timeout: Duration::from_secs(self.write_timeout_secs.max(1)),
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
