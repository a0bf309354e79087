//! Where the data is: the SQLite file in the data directory (the default), or a PostgreSQL
//! database (`--database-url`). Shared by `serve`, `migrate`, `export` and `import`, so each
//! command finds the same store from the same flags.

use std::path::{Path, PathBuf};

use clap::Args;

use super::{DATABASE_FILE, defaults};
use crate::store::StoreChoice;

/// The store flags.
#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// Keep the data in this PostgreSQL database (`postgres://user:password@host:5432/name`)
    /// instead of the SQLite file in the data directory. The database must exist; the tables
    /// are made by the migrations at start (or by `warroom migrate`).
    #[arg(
        long,
        env = "WARROOM_DATABASE_URL",
        hide_env_values = true,
        value_parser = postgres_url
    )]
    pub database_url: Option<String>,

    /// With --database-url: the most connections the server keeps open to the database.
    #[arg(
        long,
        env = "WARROOM_DATABASE_POOL_SIZE",
        default_value_t = defaults::DATABASE_POOL_SIZE,
        value_parser = clap::value_parser!(u16).range(1..=1000)
    )]
    pub database_pool_size: u16,
}

impl DatabaseArgs {
    /// The store these flags name, with the SQLite file inside `data_dir` when there is no
    /// database URL.
    pub fn choice(&self, data_dir: &Path) -> StoreChoice {
        match &self.database_url {
            Some(url) => StoreChoice::Postgres {
                url: url.clone(),
                pool_size: usize::from(self.database_pool_size),
            },
            None => StoreChoice::Sqlite(sqlite_file(data_dir)),
        }
    }
}

/// The SQLite database's file inside a data directory.
pub fn sqlite_file(data_dir: &Path) -> PathBuf {
    data_dir.join(DATABASE_FILE)
}

fn postgres_url(raw: &str) -> Result<String, String> {
    if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
        Ok(raw.to_owned())
    } else {
        Err(
            "a database URL starts with postgres:// (the SQLite store needs no URL: it is \
             the file in --data-dir)"
                .into(),
        )
    }
}
