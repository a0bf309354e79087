//! Connecting: the database URL, the settings every connection gets, the bounded pool — and
//! PostgreSQL's errors as the store's, with which of them are worth retrying.

use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, PoolError, RecyclingMethod};
use tokio_postgres::NoTls;
use tokio_postgres::error::SqlState;

use crate::store::StoreError;

/// How long a request waits for a pooled connection, and a new connection for the database,
/// before the store answers that it is unavailable.
const POOL_WAIT: Duration = Duration::from_secs(10);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The settings of every connection to the database at `url`: the pool's, the listener's
/// and the clock leases'.
pub(super) fn config(url: &str) -> Result<tokio_postgres::Config, StoreError> {
    let mut config: tokio_postgres::Config = url
        .parse()
        .map_err(|e| StoreError::Unusable(format!("the database URL does not parse: {e}")))?;
    // Acknowledged means flushed: never take a server or role default that says otherwise.
    let options = match config.get_options() {
        Some(options) => format!("{options} -c synchronous_commit=on"),
        None => "-c synchronous_commit=on".to_owned(),
    };
    config.options(options);
    if config.get_application_name().is_none() {
        config.application_name("warroom");
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    Ok(config)
}

/// A pool of at most `size` connections with `config`. Nothing connects yet.
pub(super) fn pool(config: tokio_postgres::Config, size: usize) -> Result<Pool, StoreError> {
    let manager = Manager::from_config(
        config,
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager)
        .max_size(size.max(1))
        .wait_timeout(Some(POOL_WAIT))
        .create_timeout(Some(CONNECT_TIMEOUT))
        .runtime(deadpool_postgres::Runtime::Tokio1)
        .build()
        .map_err(|e| StoreError::Unusable(format!("cannot make the pool: {e}")))
}

/// PostgreSQL's failures are the store's database failures. A lost or refused connection, a
/// server shutting down, too many connections, a serialisation failure or a deadlock are worth
/// retrying; a unique violation outside the append's own check is a failure like any other.
impl From<tokio_postgres::Error> for StoreError {
    fn from(err: tokio_postgres::Error) -> Self {
        let transient = match err.code() {
            None => true,
            Some(code) => {
                code.code().starts_with("08")
                    || [
                        SqlState::ADMIN_SHUTDOWN,
                        SqlState::CRASH_SHUTDOWN,
                        SqlState::CANNOT_CONNECT_NOW,
                        SqlState::TOO_MANY_CONNECTIONS,
                        SqlState::T_R_SERIALIZATION_FAILURE,
                        SqlState::T_R_DEADLOCK_DETECTED,
                    ]
                    .contains(code)
            }
        } || err.is_closed();
        Self::database(err, transient)
    }
}

impl From<PoolError> for StoreError {
    fn from(err: PoolError) -> Self {
        match err {
            PoolError::Backend(err) => err.into(),
            PoolError::Closed => Self::Closed,
            PoolError::Timeout(_) => Self::database(
                "no database connection became free in time (the pool is exhausted, or the \
                 database does not answer)",
                true,
            ),
            other => Self::database(other.to_string(), false),
        }
    }
}

/// The database a URL names, for logs: `postgres database NAME on HOST:PORT` — never the
/// URL, which may carry a password.
pub fn describe(url: &str) -> String {
    let Ok(config) = url.parse::<tokio_postgres::Config>() else {
        return "a PostgreSQL database (the URL does not parse)".into();
    };
    let host = match config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(host)) => host.clone(),
        Some(tokio_postgres::config::Host::Unix(path)) => path.display().to_string(),
        None => "localhost".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let name = config
        .get_dbname()
        .or(config.get_user())
        .unwrap_or("postgres");
    format!("postgres database {name} on {host}:{port}")
}
