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
        global = true,
        hide_env_values = true,
        value_parser = postgres_url
    )]
    pub database_url: Option<String>,

    /// With --database-url: the most connections the server keeps open to the database.
    #[arg(
        long,
        env = "WARROOM_DATABASE_POOL_SIZE",
        global = true,
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

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        database: DatabaseArgs,
    }

    #[test]
    fn without_a_url_the_store_is_the_sqlite_file_in_the_data_directory() {
        let args = Cli::parse_from(["warroom"]).database;
        assert_eq!(args.database_pool_size, defaults::DATABASE_POOL_SIZE);
        let choice = args.choice(Path::new("/srv/warroom"));
        assert!(
            matches!(&choice, StoreChoice::Sqlite(file) if file == Path::new("/srv/warroom/warroom.sqlite3")),
            "{choice:?}"
        );
    }

    #[test]
    fn a_postgres_url_chooses_postgres_with_its_pool() {
        let url = "postgresql://w:secret@db:5432/warroom";
        let args = Cli::parse_from([
            "warroom",
            "--database-url",
            url,
            "--database-pool-size",
            "4",
        ])
        .database;
        let choice = args.choice(Path::new("unused"));
        assert!(
            matches!(&choice, StoreChoice::Postgres { url: u, pool_size: 4 } if u == url),
            "{choice:?}"
        );
        assert_eq!(choice.describe(), "postgres database warroom on db:5432");
        for bad in [
            &["--database-url", "mysql://db/warroom"][..],
            &["--database-url", url, "--database-pool-size", "0"],
        ] {
            let parsed = Cli::try_parse_from(std::iter::once("warroom").chain(bad.iter().copied()));
            assert!(parsed.is_err(), "{bad:?}");
        }
    }
}
