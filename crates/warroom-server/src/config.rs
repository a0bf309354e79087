//! Configuration of `warroom serve`, from flags and environment variables, and what each part
//! of the server is handed from it (sign-in, admission limits, rooms, connections).
//!
//! Every default is in `defaults.rs`, named once; the checks of settings that cannot work
//! together are in `check.rs`; the room's and the connection's tuning structs in `tuning.rs`.
//! Parsing the rest of the command line (`export`, `import`) is the binary's.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, ValueEnum};
use ipnet::IpNet;
use warroom_core::api::AuthMode;

use crate::auth::AuthConfig;
use crate::auth::oidc::OidcConfig;
use crate::limits::ConnectionLimits;

pub mod alerting;
mod check;
mod database;
pub mod defaults;
mod tuning;

pub use check::ConfigError;
use check::normal_domain;
pub use database::{DatabaseArgs, sqlite_file};
pub use tuning::{ConnectionConfig, RoomConfig, WebhookConfig};

/// The database file's name inside the data directory.
pub const DATABASE_FILE: &str = "warroom.sqlite3";

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port; the log says which).
    #[arg(long, env = "WARROOM_ADDR", default_value = defaults::ADDR)]
    pub addr: SocketAddr,

    /// Directory for the SQLite database (created if missing); unused for data with
    /// --database-url.
    #[arg(long, env = "WARROOM_DATA_DIR", default_value = defaults::DATA_DIR)]
    pub data_dir: PathBuf,

    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Directory of the built app (Trunk's `dist`), served with an SPA fallback.
    #[arg(long, env = "WARROOM_STATIC_DIR", default_value = defaults::STATIC_DIR)]
    pub static_dir: PathBuf,

    /// How people sign in: `open` (pick a display name; the server issues the identity),
    /// `proxy` (an authenticating reverse proxy names them in X-Forwarded-User/-Email, trusted
    /// only from --trusted-proxy addresses) or `oidc` (the server signs them in with the
    /// organisation's OpenID Connect provider: --oidc-issuer, --oidc-client-id,
    /// --oidc-client-secret).
    #[arg(long, env = "WARROOM_AUTH", value_enum, default_value_t = defaults::AUTH)]
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

    /// `oidc` mode: the provider's issuer URL (https://login.example.com/realms/ops); its
    /// settings are read from `/.well-known/openid-configuration` under it. Plain http only
    /// for a provider on a loopback address (testing).
    #[arg(long, env = "WARROOM_OIDC_ISSUER")]
    pub oidc_issuer: Option<String>,

    /// `oidc` mode: this server's client id, as registered with the provider (whose redirect
    /// URI for it is `{--public-url}/auth/callback`).
    #[arg(long, env = "WARROOM_OIDC_CLIENT_ID")]
    pub oidc_client_id: Option<String>,

    /// `oidc` mode: this server's client secret. Prefer the environment variable: a flag can
    /// be read in the process list.
    #[arg(
        long,
        env = "WARROOM_OIDC_CLIENT_SECRET",
        hide_env_values = true,
        value_parser = secret
    )]
    pub oidc_client_secret: Option<Secret>,

    /// `oidc` mode: sign in only people whose verified e-mail address is in this domain
    /// (`example.com`: that very domain, not its subdomains). Repeat the flag, or separate
    /// with commas in the environment variable. Without it, any account of the provider may
    /// sign in.
    #[arg(
        long = "oidc-allowed-domain",
        env = "WARROOM_OIDC_ALLOWED_DOMAINS",
        value_delimiter = ','
    )]
    pub oidc_allowed_domains: Vec<String>,

    /// `oidc` mode: sign in only people whose `groups` claim (in the ID token or from the
    /// user-info endpoint) contains this group, exactly.
    #[arg(long, env = "WARROOM_OIDC_REQUIRED_GROUP")]
    pub oidc_required_group: Option<String>,

    /// Admins, by e-mail, subject or participant id: they may delete any exercise.
    #[arg(long = "admin", env = "WARROOM_ADMINS", value_delimiter = ',')]
    pub admins: Vec<String>,

    /// `open` mode: sign-ins one client address may make per minute (also the burst). Every
    /// sign-in is a stored session, so this bounds what a stranger can make the server keep.
    #[arg(long, env = "WARROOM_SIGN_INS_PER_MINUTE", default_value_t = defaults::SIGN_INS_PER_MINUTE)]
    pub sign_ins_per_minute: u32,

    /// Days a sign-in lasts.
    #[arg(long, env = "WARROOM_SESSION_DAYS", default_value_t = defaults::SESSION_DAYS)]
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

    /// Serve `GET /metrics` (Prometheus text) to requests that carry this bearer token
    /// (`Authorization: Bearer <token>`); at least 16 characters. Without it, /metrics is not
    /// served. Prefer the environment variable: a flag can be read in the process list.
    #[arg(
        long,
        env = "WARROOM_METRICS_TOKEN",
        hide_env_values = true,
        value_parser = secret
    )]
    pub metrics_token: Option<Secret>,

    /// Origins (scheme://host[:port]) besides the server's own that may open WebSockets and
    /// make requests. Repeat the flag, or separate with commas in the environment variable.
    #[arg(
        long = "allowed-origin",
        env = "WARROOM_ALLOWED_ORIGINS",
        value_delimiter = ','
    )]
    pub allowed_origins: Vec<String>,

    /// Sustained messages per second one participant may send, across all their connections.
    #[arg(long, env = "WARROOM_RATE_LIMIT", default_value_t = defaults::RATE_LIMIT)]
    pub rate_limit: f64,

    /// Messages one participant may send in a burst above the sustained rate.
    #[arg(long, env = "WARROOM_RATE_BURST", default_value_t = defaults::RATE_BURST)]
    pub rate_burst: f64,

    /// WebSockets open at once, in all; one more is closed with code 4029.
    #[arg(long, env = "WARROOM_MAX_CONNECTIONS", default_value_t = defaults::MAX_CONNECTIONS)]
    pub max_connections: usize,

    /// WebSockets open at once from one client address; one more is closed with code 4029.
    #[arg(long, env = "WARROOM_MAX_CONNECTIONS_PER_IP", default_value_t = defaults::MAX_CONNECTIONS_PER_IP)]
    pub max_connections_per_ip: usize,

    /// WebSockets open but still to say hello; one more is closed with code 4029.
    #[arg(long, env = "WARROOM_MAX_BEFORE_HELLO", default_value_t = defaults::MAX_BEFORE_HELLO)]
    pub max_before_hello: usize,

    /// Seconds one write (what was queued for a client, up to 64 KiB) may take to reach the
    /// client before it is taken to have stopped reading and is dropped.
    #[arg(long, env = "WARROOM_WRITE_TIMEOUT_SECS", default_value_t = defaults::WRITE_TIMEOUT_SECS)]
    pub write_timeout_secs: u64,

    /// Frames that may wait for one client before it is cut off as too slow.
    #[arg(long, env = "WARROOM_OUTBOUND_QUEUE", default_value_t = defaults::OUTBOUND_QUEUE)]
    pub outbound_queue: usize,

    /// Seconds of silence after which a connection is pinged (and again each heartbeat while
    /// it stays silent); a connection silent for three heartbeats is closed with 4009 and its
    /// person shown as not connected.
    #[arg(long, env = "WARROOM_HEARTBEAT_SECS", default_value_t = defaults::HEARTBEAT_SECS)]
    pub heartbeat_secs: u64,

    /// Seconds a room with nobody connected stays in memory.
    #[arg(long, env = "WARROOM_IDLE_UNLOAD_SECS", default_value_t = defaults::IDLE_UNLOAD_SECS)]
    pub idle_unload_secs: u64,

    /// Milliseconds before a failed webhook delivery's first retry; each later retry doubles
    /// it (up to five minutes), with jitter.
    #[arg(long, env = "WARROOM_WEBHOOK_RETRY_BASE_MS", default_value_t = defaults::WEBHOOK_RETRY_BASE_MS)]
    pub webhook_retry_base_ms: u64,

    /// Attempts at a webhook delivery before it is marked failed.
    #[arg(long, env = "WARROOM_WEBHOOK_MAX_ATTEMPTS", default_value_t = defaults::WEBHOOK_MAX_ATTEMPTS)]
    pub webhook_max_attempts: u32,

    /// Seconds one webhook attempt may take, connecting included.
    #[arg(long, env = "WARROOM_WEBHOOK_TIMEOUT_SECS", default_value_t = defaults::WEBHOOK_TIMEOUT_SECS)]
    pub webhook_timeout_secs: u64,

    #[command(flatten)]
    pub alerting: alerting::AlertArgs,
}

/// An address (`10.0.0.5`, one host) or a network (`10.0.0.0/8`).
fn network(raw: &str) -> Result<IpNet, String> {
    raw.parse::<IpNet>()
        .or_else(|_| raw.parse::<std::net::IpAddr>().map(IpNet::from))
        .map_err(|_| format!("{raw:?} is neither an address nor a network like 10.0.0.0/8"))
}

/// A secret from the command line or the environment: never shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

fn secret(raw: &str) -> Result<Secret, String> {
    Ok(Secret(raw.to_owned()))
}

/// The `--auth` choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Auth {
    /// A person picks a display name; the server issues their identity.
    Open,
    /// An authenticating reverse proxy names the person in headers.
    Proxy,
    /// The server signs the person in with an OpenID Connect provider.
    Oidc,
}

impl ServeArgs {
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

    /// The sign-in settings; `addr` is the address actually bound (the default public URL on
    /// loopback).
    pub fn auth(&self, addr: SocketAddr) -> AuthConfig {
        AuthConfig {
            mode: match self.auth {
                Auth::Open => AuthMode::Open,
                Auth::Proxy => AuthMode::Proxy,
                Auth::Oidc => AuthMode::Oidc,
            },
            oidc: (self.auth == Auth::Oidc).then(|| self.oidc(addr)),
            join_code: self.join_code.clone().filter(|c| !c.is_empty()),
            trusted_proxies: self.trusted_proxies.clone(),
            admins: self.admins.clone(),
            session_lifetime: Duration::from_secs(self.session_days.max(1) * 24 * 3600),
            sign_ins_per_minute: self.sign_ins_per_minute.max(1),
            secure_cookies: self.https(),
        }
    }

    /// `oidc` mode's settings (checked by [`ServeArgs::check`]). The redirect URI is
    /// `{--public-url}/auth/callback`; without --public-url (loopback only) the public URL is
    /// `http://{addr}`.
    fn oidc(&self, addr: SocketAddr) -> OidcConfig {
        let public = self
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{addr}"));
        OidcConfig {
            issuer: self
                .oidc_issuer
                .clone()
                .unwrap_or_default()
                .trim()
                .to_owned(),
            client_id: self
                .oidc_client_id
                .clone()
                .unwrap_or_default()
                .trim()
                .to_owned(),
            client_secret: self
                .oidc_client_secret
                .as_ref()
                .map(|s| s.0.clone())
                .unwrap_or_default(),
            redirect_url: format!("{}/auth/callback", public.trim_end_matches('/')),
            allowed_domains: self
                .oidc_allowed_domains
                .iter()
                .map(|d| normal_domain(d))
                .collect(),
            required_group: self
                .oidc_required_group
                .clone()
                .filter(|g| !g.trim().is_empty()),
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
            heartbeat_timeout: heartbeat * defaults::HEARTBEATS_MISSED,
            write_timeout: Duration::from_secs(self.write_timeout_secs.max(1)),
            ..ConnectionConfig::default()
        }
    }

    pub fn webhooks(&self) -> WebhookConfig {
        WebhookConfig {
            retry_base: Duration::from_millis(self.webhook_retry_base_ms.max(1)),
            max_attempts: self.webhook_max_attempts.max(1),
            timeout: Duration::from_secs(self.webhook_timeout_secs.max(1)),
            public_url: self.public_url.clone(),
            ..WebhookConfig::default()
        }
    }

    pub fn room(&self) -> RoomConfig {
        RoomConfig {
            idle_unload: Duration::from_secs(self.idle_unload_secs),
            ..RoomConfig::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        serve: ServeArgs,
    }

    #[test]
    fn by_default_a_silent_connection_is_gone_within_ten_seconds() {
        // Given no flags, when a connection falls silent, then it is closed (and its person
        // leaves the presence) three heartbeats later: 3 × 3 s = 9 s, under the 10 s promised.
        let config = Cli::parse_from(["warroom"]).serve.connection();
        assert_eq!(config.heartbeat, Duration::from_secs(3));
        assert_eq!(config.heartbeat_timeout, config.heartbeat * 3);
        assert!(config.heartbeat_timeout <= Duration::from_secs(9));
        // …and the flag moves it: `--heartbeat-secs 10` gives 30 s.
        let slow = Cli::parse_from(["warroom", "--heartbeat-secs", "10"]).serve;
        assert_eq!(slow.connection().heartbeat_timeout, Duration::from_secs(30));
    }

    #[test]
    fn without_flags_each_part_gets_its_defaults() {
        let serve = Cli::parse_from(["warroom"]).serve;
        assert_eq!(serve.connection(), ConnectionConfig::default());
        assert_eq!(serve.room(), RoomConfig::default());
        assert_eq!(serve.addr.to_string(), defaults::ADDR);
        assert_eq!(serve.auth, defaults::AUTH);
        let limits = serve.limits();
        assert_eq!(
            (limits.total, limits.per_ip, limits.before_hello),
            (
                defaults::MAX_CONNECTIONS,
                defaults::MAX_CONNECTIONS_PER_IP,
                defaults::MAX_BEFORE_HELLO
            )
        );
    }
}
