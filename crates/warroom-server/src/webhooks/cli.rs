//! `warroom webhook add | list | remove | deliveries`: subscriptions managed from the command
//! line, on the data directory's database through the [`Store`] trait (a running server sees
//! a change on its next pass, within [`super::SCAN_EVERY`]).

use clap::{Args, Subcommand};
use warroom_core::api::webhooks::{WebhookFormat, WebhookRequest, WebhookTopic};

use super::subscribe::{SubscribeError, listed, parse_format, subscribe, topic_names};
use crate::clock::Clock;
use crate::store::Store;

#[derive(Debug, Args)]
pub struct WebhookArgs {
    #[command(subcommand)]
    pub command: WebhookCommand,
    /// Directory of the SQLite database, when there is no --database-url.
    #[arg(long, env = "WARROOM_DATA_DIR", default_value = crate::config::defaults::DATA_DIR, global = true)]
    pub data_dir: std::path::PathBuf,
    #[command(flatten)]
    pub database: crate::config::DatabaseArgs,
}

#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Subscribe a URL to events; prints the subscription's signing secret, this once.
    Add {
        /// Where deliveries are posted (http or https).
        #[arg(long)]
        url: String,
        /// An event to deliver (repeat): declared, severity, status, commander,
        /// status_update, resolved, closed.
        #[arg(long = "event", required = true, value_parser = parse_topic)]
        events: Vec<WebhookTopic>,
        /// `signed` (Warroom's JSON with an HMAC-SHA256 signature) or `slack` (a
        /// Slack-compatible incoming-webhook body).
        #[arg(long, default_value = "signed", value_parser = parse_format)]
        format: WebhookFormat,
        /// What to call it (default: the URL's host).
        #[arg(long)]
        name: Option<String>,
    },
    /// List the subscriptions (never their secrets; a URL by its origin only).
    List,
    /// Remove a subscription, its queue and its delivery log.
    Remove {
        /// The subscription's id (`wh-…`, from `list`).
        id: String,
    },
    /// The delivery log, newest first.
    Deliveries {
        /// Only deliveries that failed for good.
        #[arg(long)]
        failed: bool,
        /// The most rows shown.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

fn parse_topic(raw: &str) -> Result<WebhookTopic, String> {
    WebhookTopic::parse(raw)
        .ok_or_else(|| format!("{raw:?} is not an event; choose from {}", topic_names()))
}

/// Runs one `warroom webhook` command on `store`, printing to standard output.
pub async fn run(command: WebhookCommand, store: &dyn Store) -> anyhow::Result<()> {
    match command {
        WebhookCommand::Add {
            url,
            events,
            format,
            name,
        } => {
            let request = WebhookRequest {
                name,
                url,
                format,
                events,
            };
            let (record, secret) = match subscribe(store, &Clock::system(), request, "cli").await {
                Ok(made) => made,
                Err(SubscribeError::Store(err)) => return Err(err.into()),
                Err(err) => anyhow::bail!("{err}"),
            };
            println!("created webhook {} ({})", record.id, record.name);
            println!("signing secret (shown once; keep it with the receiver): {secret}");
        }
        WebhookCommand::List => {
            let hooks = store.webhooks().await?;
            if hooks.is_empty() {
                println!("no webhooks");
            }
            for hook in hooks.iter().map(listed) {
                let events: Vec<&str> = hook.events.iter().map(|t| t.name()).collect();
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    hook.id,
                    hook.name,
                    hook.format.name(),
                    hook.url,
                    events.join(",")
                );
            }
        }
        WebhookCommand::Remove { id } => {
            if !store.delete_webhook(&id).await? {
                anyhow::bail!("there is no webhook {id}");
            }
            println!("removed webhook {id}");
        }
        WebhookCommand::Deliveries { failed, limit } => {
            let rows = store.deliveries(failed, limit.clamp(1, 1_000)).await?;
            if rows.is_empty() {
                println!("no deliveries");
            }
            for d in rows {
                println!(
                    "{}\t{}\t{}\tattempts {}\t{}\t{}",
                    d.key,
                    d.event.name(),
                    d.state.name(),
                    d.attempts,
                    d.last_error.as_deref().unwrap_or("-"),
                    d.next_attempt_at
                        .map_or_else(|| "-".to_owned(), |t| t.to_rfc3339())
                );
            }
        }
    }
    Ok(())
}
