//! `warroom token create|list|revoke`: an admin's commands for integration tokens, on the data
//! directory directly (through the [`Store`](crate::store::Store) trait, like `export` and
//! `import`). `create` prints the secret, once, and nothing else on standard output, so that
//! `TOKEN=$(warroom token create …)` works; everything else goes to standard error.

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Subcommand};
use warroom_core::api::TokenScope;

use super::{TokenRecord, Tokens, info};
use crate::clock::Clock;
use crate::config::{DatabaseArgs, defaults};
use crate::store::Store;

#[derive(Debug, Args)]
pub struct TokenArgs {
    #[command(subcommand)]
    pub command: TokenCommand,
    /// Directory of the SQLite database, when there is no --database-url.
    #[arg(long, env = "WARROOM_DATA_DIR", default_value = defaults::DATA_DIR, global = true)]
    pub data_dir: PathBuf,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Make a token; its secret is printed once, alone, on standard output.
    Create {
        /// What the token is for (letters, digits, '-', '_', '.'); the board shows its
        /// actions as "NAME (integration)".
        #[arg(long)]
        name: String,
        /// What it may do: alerts:write, incidents:read, incidents:write (repeat the flag for
        /// more than one).
        #[arg(long = "scope", value_name = "SCOPE", required = true, value_parser = parse_scope)]
        scopes: Vec<TokenScope>,
    },
    /// List the tokens: name, id, scopes, created, last used, revoked (never the secret).
    List,
    /// Revoke a token by its name or id; requests with it are refused from then on.
    Revoke {
        /// The token's name or id.
        token: String,
    },
}

fn parse_scope(raw: &str) -> Result<TokenScope, String> {
    TokenScope::parse(raw).ok_or_else(|| {
        format!("{raw:?} is not a scope (alerts:write, incidents:read, incidents:write)")
    })
}

/// Runs the command on `store`.
pub async fn run(command: TokenCommand, store: Arc<dyn Store>) -> anyhow::Result<()> {
    let tokens = Tokens::new(store, Clock::system());
    match command {
        TokenCommand::Create { name, scopes } => {
            let (secret, record) = tokens.create(&name, &scopes).await?;
            eprintln!(
                "made token {} ({}) with {}; it is shown this once:",
                record.name,
                record.id,
                scopes_text(&record)
            );
            println!("{secret}");
        }
        TokenCommand::List => {
            let all = tokens.list().await?;
            println!("NAME\tID\tSCOPES\tCREATED\tLAST USED\tREVOKED");
            for record in &all {
                let info = info(record);
                let when = |t: Option<warroom_core::Timestamp>| {
                    t.map_or_else(|| "-".to_owned(), |t| t.to_rfc3339())
                };
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    info.name,
                    info.id,
                    scopes_text(record),
                    info.created_at.to_rfc3339(),
                    when(info.last_used_at),
                    when(info.revoked_at),
                );
            }
        }
        TokenCommand::Revoke { token } => {
            let record = tokens.revoke(&token).await?;
            println!("revoked token {} ({})", record.name, record.id);
        }
    }
    Ok(())
}

fn scopes_text(record: &TokenRecord) -> String {
    record
        .scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(",")
}
