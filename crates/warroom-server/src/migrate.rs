//! `warroom migrate`: brings the store's schema up to this server's, and says what it applied.
//! The server does the same as it starts; the command is for an operator who wants the
//! migration done (and seen) before the servers are rolled out, or with other credentials.
//! A database of a newer schema than this binary knows is refused, untouched.

use std::path::PathBuf;

use anyhow::Context as _;

use crate::clock::Clock;
use crate::config::{DatabaseArgs, defaults};
use crate::store::{self, StoreChoice};

/// The flags of `warroom migrate`.
#[derive(Debug, clap::Args)]
pub struct MigrateArgs {
    /// Directory of the SQLite database (created if missing), when there is no
    /// --database-url.
    #[arg(long, env = "WARROOM_DATA_DIR", default_value = defaults::DATA_DIR)]
    pub data_dir: PathBuf,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// Applies the pending migrations; the report to print (one line per migration applied, or
/// that there was none).
pub async fn run(args: MigrateArgs) -> anyhow::Result<String> {
    let choice = args.database.choice(&args.data_dir);
    if let StoreChoice::Sqlite(_) = choice {
        std::fs::create_dir_all(&args.data_dir)
            .with_context(|| format!("cannot create {}", args.data_dir.display()))?;
    }
    let (_store, applied) = store::open(&choice, Clock::system())
        .await
        .with_context(|| format!("cannot migrate {}", choice.describe()))?;
    let place = choice.describe();
    Ok(if applied.is_empty() {
        format!("{place}: the schema is up to date; no migration to apply\n")
    } else {
        applied
            .iter()
            .map(|n| format!("{place}: applied migration {n}\n"))
            .collect()
    })
}
