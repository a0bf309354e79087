//! The Warroom server: one process that serves the browser app, the JSON API and the
//! WebSocket endpoint on one origin, and owns every incident's durable, ordered event log.
//!
//! # Tour
//! - [`config`]: `warroom serve` flags and environment variables, every default named once
//!   (`config::defaults`), and the settings each part is handed.
//! - [`listener`]: the socket served on, plain TCP or TLS; [`tls`]: the certificate files
//!   and the handshakes, each in its own task with a deadline.
//! - [`auth`]: who is asking — sessions issued by the server (`open`, or after signing in
//!   with an OpenID Connect provider, `oidc`), or identities from a trusted authenticating
//!   proxy (`proxy`); never an id a client claims.
//! - [`http`]: the router — API, `/ws`, the operator's `/healthz`, `/readyz` and `/metrics`,
//!   the provider sign-in's `/auth/login` and `/auth/callback`, static files with an SPA
//!   fallback — and the web's defences (host, cross-site, content type, security headers).
//! - [`limits`]: connection admission (in all, per address, before hello) and rate buckets
//!   per participant.
//! - [`connection`]: one WebSocket: hello and refusals, then a receive half (rate limit,
//!   size limit, heartbeats, sign-out) and a send task (the bounded outbound queue,
//!   fragmented writes of large frames).
//! - [`rooms`]: the registry of live rooms (handles only, never incident state).
//! - [`room`]: one task per live incident, the only writer of its log: decide, append,
//!   acknowledge once durable, broadcast; with its subscribers and presence, catch-up,
//!   de-duplication, access and exercises each in a file of its own.
//! - [`store`]: the event-log trait and its two implementations: SQLite with group commit
//!   (the default) and PostgreSQL (`--database-url`); every call counted and timed on the way
//!   (`store::Observed`).
//! - [`migrate`]: `warroom migrate`, the schema brought up to date on its own.
//! - [`telemetry`]: the metrics `/metrics` shows, named once, and the calls that count them.
//! - [`backup`]: `warroom backup FILE`, a consistent copy of the database while it is served.
//! - [`alerting`]: alerts in — routing an Alertmanager group to an incident (a stored route,
//!   the rules file, or the unrouted list a commander links from) and recording it through
//!   the room.
//! - [`archive`]: exports (Markdown postmortem draft, JSON) and imports.
//! - [`tokens`]: integration tokens — made and revoked by an admin, stored hashed, each with
//!   its scopes; a bearer token acts as an integration participant of its own.
//! - [`webhooks`]: outbound webhooks — subscriptions, the durable queue over the log, signed
//!   or Slack deliveries with retries, apart from the rooms.
//! - [`clock`]: the one clock everything reads (wall time for stamps, an instant for
//!   intervals), handed to rooms, connections, sessions, sign-ins and the store.
//! - [`shutdown`]: the stop signal and the tracker of the tasks (rooms, WebSockets) that `run`
//!   waits for.
//!
//! Data flows one way: command → room `decide` → append (durable) → broadcast → every
//! client `apply`s.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;

pub mod alerting;
pub mod archive;
pub mod auth;
pub mod backup;
pub mod clock;
pub mod config;
pub mod connection;
pub mod http;
pub mod limits;
pub mod listener;
pub mod migrate;
pub mod room;
pub mod rooms;
pub mod shutdown;
pub mod store;
mod tcp;
pub mod telemetry;
pub mod tls;
pub mod tokens;
pub mod webhooks;

pub use config::ServeArgs;
pub use listener::Listener;

use crate::auth::Auth;
use crate::clock::Clock;
use crate::limits::{Admission, Buckets};
use crate::rooms::Rooms;
use crate::shutdown::Shutdown;
use crate::store::{Observed, Store, StoreChoice};
use crate::telemetry::Telemetry;

/// How long `run` waits, after the HTTP server has stopped, for rooms to finish their writes
/// and WebSockets to send their close frames.
const STOP_LIMIT: Duration = Duration::from_secs(15);

/// How often metric samples are folded into their buckets.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// A server made ready to serve by [`start`]: its data directory made, its store open, its
/// state built. Nothing is served until [`Server::serve`].
pub struct Server {
    listener: Listener,
    app: axum::Router,
    rooms: Arc<Rooms>,
    stopping: Shutdown,
}

/// Makes the data directory, opens the store (the SQLite file in it, or the PostgreSQL database
/// of `--database-url`), applying its pending migrations, and builds everything the server needs to serve
/// on `listener` (made from the same `args`). Once this has returned, a stop asked for is a
/// graceful one: the binary says it is up only then.
pub async fn start(listener: Listener, args: ServeArgs) -> anyhow::Result<Server> {
    std::fs::create_dir_all(&args.data_dir).with_context(|| {
        format!(
            "cannot create the data directory {}",
            args.data_dir.display()
        )
    })?;
    args.check(listener.local_addr()?)?;
    let choice = args.database.choice(&args.data_dir);
    let clock = Clock::system();
    let (inner, _) = store::open(&choice, clock)
        .await
        .with_context(|| format!("cannot open {}", choice.describe()))?;
    match &choice {
        StoreChoice::Sqlite(_) => tracing::info!(store = %choice.describe(), "sqlite store"),
        StoreChoice::Postgres { pool_size, .. } => {
            tracing::info!(store = %choice.describe(), pool_size, "postgres store");
        }
    }
    let telemetry = Telemetry::install();
    // Every append that succeeds tells the webhook queue, without waiting for it.
    let hooks = Arc::new(webhooks::Webhooks::default());
    let store: Arc<dyn Store> = Arc::new(Observed::new(inner, clock).telling(hooks.clone()));
    let stopping = Shutdown::new();
    tokio::spawn(upkeep(telemetry.clone(), stopping.clone()));
    webhooks::start(
        Arc::clone(&store),
        Arc::clone(&hooks),
        clock,
        args.webhooks(),
        stopping.clone(),
    );
    let rooms = Arc::new(Rooms::new(
        Arc::clone(&store),
        args.room(),
        stopping.clone(),
        clock,
    ));
    rooms.follow();
    let connection = args.connection();
    let tokens = Arc::new(tokens::Tokens::new(Arc::clone(&store), clock));
    let auth = Arc::new(Auth::new(args.auth(listener.local_addr()?), store, clock));
    tokio::spawn({
        let auth = Arc::clone(&auth);
        async move { auth.discover().await }
    });
    let state = http::AppState {
        rooms: Arc::clone(&rooms),
        auth,
        tokens,
        site: Arc::new(http::Site::new(
            args.public_url.as_deref(),
            &args.allowed_origins,
            &args.static_dir,
            args.https(),
        )),
        admission: Arc::new(Admission::new(args.limits())),
        rates: Arc::new(Buckets::new(connection.rate_per_sec, connection.rate_burst)),
        connection,
        static_dir: args.static_dir.clone(),
        shutdown: stopping.clone(),
        operator: Arc::new(http::Operator::new(
            telemetry,
            args.metrics_token.as_ref().map(|t| t.0.as_str()),
        )),
        alerts: Arc::new(alerting::AlertDesk::from_args(&args.alerting)?),
    };
    tracing::info!(auth = ?args.auth, join_code = args.join_code.is_some(), "sign-in");
    if !args.static_dir.join("index.html").exists() {
        tracing::warn!(
            static_dir = %args.static_dir.display(),
            "the app is not built there; run `cargo xtask run` or pass --static-dir"
        );
    }
    Ok(Server {
        listener,
        app: http::app(state),
        rooms,
        stopping,
    })
}

impl Server {
    /// Serves until `shutdown` completes, then closes every WebSocket with "going away", lets
    /// the rooms finish their writes and closes the store.
    pub async fn serve(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let Self {
            listener,
            app,
            rooms,
            stopping,
        } = self;
        let signal = stopping.clone();
        listener
            .serve(app, async move {
                shutdown.await;
                tracing::info!("shutting down: closing connections");
                signal.signal();
            })
            .await
            .context("the HTTP server failed")?;
        // WebSockets outlive the HTTP connections they were upgraded from: wait for them to
        // send their close frames, and for every room to finish its last write.
        if !stopping.finished(STOP_LIMIT).await {
            tracing::warn!("some rooms or connections had not finished; stopping anyway");
        }
        drop(rooms);
        tracing::info!("stopped");
        Ok(())
    }
}

/// Folds metric samples into their buckets every few seconds until the server stops, so
/// samples never pile up however rarely `/metrics` is scraped.
async fn upkeep(telemetry: Telemetry, stopping: Shutdown) {
    let mut every = tokio::time::interval(UPKEEP_EVERY);
    loop {
        tokio::select! {
            _ = every.tick() => telemetry.upkeep(),
            () = stopping.signalled() => return,
        }
    }
}

/// [`start`], then [`Server::serve`] until `shutdown` completes.
pub async fn run(
    listener: Listener,
    args: ServeArgs,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    start(listener, args).await?.serve(shutdown).await
}

/// Installs the SIGINT and SIGTERM handlers now, and resolves on the first of them. From the
/// moment this returns, either signal is a request to stop (not the default action, which
/// would end the process there and then), even before the future is first polled: a signal
/// that arrives early is kept until it is.
pub fn shutdown_signal() -> anyhow::Result<impl Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
        let mut terminate = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}
