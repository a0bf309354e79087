//! The sender task: for each subscription and incident, the oldest pending delivery once it
//! is due, posted with its headers and signature, at most [`CONCURRENCY`] at a time, each
//! within the configured timeout, redirects never followed, and every attempt recorded —
//! delivered on a 2xx, else tried again after an exponential backoff with jitter, until the
//! last attempt marks it failed.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, HeaderValue, USER_AGENT};
use reqwest::redirect::Policy;
use tokio::task::JoinSet;
use warroom_core::IncidentId;

use super::subscribe::{forbidden_address, origin};
use super::{CONCURRENCY, KEEP_FINISHED, WebhookConfig, Webhooks, now_ms, signature_header};
use crate::clock::Clock;
use crate::shutdown::Shutdown;
use crate::store::{Attempt, DueDelivery, Store, WebhookRecord};

/// How often due deliveries are looked for when nothing wakes the sender.
const POLL: Duration = Duration::from_millis(200);
/// How often finished deliveries older than [`KEEP_FINISHED`] are forgotten.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// A subscription and incident: deliveries in one lane go one at a time, in order.
type Lane = (String, IncidentId);

pub(super) async fn run(
    store: Arc<dyn Store>,
    hooks: Arc<Webhooks>,
    clock: Clock,
    config: Arc<WebhookConfig>,
    stop: Shutdown,
) {
    let client = match client(&config) {
        Ok(client) => client,
        Err(err) => {
            tracing::error!(%err, "webhooks: cannot build the HTTP client; nothing is delivered");
            return;
        }
    };
    let mut in_flight: HashSet<Lane> = HashSet::new();
    let mut tasks: JoinSet<(Lane, String, Attempt)> = JoinSet::new();
    let mut last_prune = clock.instant();
    loop {
        if in_flight.len() < CONCURRENCY {
            start_due(
                &*store,
                &client,
                &clock,
                &config,
                &mut in_flight,
                &mut tasks,
            )
            .await;
        }
        tokio::select! {
            Some(done) = tasks.join_next() => {
                if let Ok((lane, key, attempt)) = done {
                    in_flight.remove(&lane);
                    if let Err(err) = store.record_attempt(&key, attempt, now_ms(&clock)).await {
                        tracing::warn!(%key, %err, "webhooks: cannot record an attempt");
                    }
                }
            }
            () = hooks.send_wake.notified() => {}
            () = tokio::time::sleep(POLL) => {}
            () = stop.signalled() => {
                // What is in flight is attempted again after a restart.
                tasks.abort_all();
                return;
            }
        }
        if clock.since(last_prune) > PRUNE_EVERY {
            last_prune = clock.instant();
            let before = now_ms(&clock) - KEEP_FINISHED.as_millis() as i64;
            if let Err(err) = store.prune_deliveries(before).await {
                tracing::warn!(%err, "webhooks: cannot prune the delivery log");
            }
        }
    }
}

/// Starts an attempt at each delivery whose turn it is, up to the bound.
async fn start_due(
    store: &dyn Store,
    client: &reqwest::Client,
    clock: &Clock,
    config: &Arc<WebhookConfig>,
    in_flight: &mut HashSet<Lane>,
    tasks: &mut JoinSet<(Lane, String, Attempt)>,
) {
    let want = (CONCURRENCY + in_flight.len()) as u32;
    let due = match store.due_deliveries(now_ms(clock), want).await {
        Ok(due) if !due.is_empty() => due,
        Ok(_) => return,
        Err(err) => {
            tracing::warn!(%err, "webhooks: cannot read due deliveries");
            return;
        }
    };
    let hooks: HashMap<String, WebhookRecord> = match store.webhooks().await {
        Ok(all) => all.into_iter().map(|h| (h.id.clone(), h)).collect(),
        Err(err) => {
            tracing::warn!(%err, "webhooks: cannot read the subscriptions");
            return;
        }
    };
    for delivery in due {
        if in_flight.len() >= CONCURRENCY {
            break;
        }
        let lane = (delivery.webhook.clone(), delivery.incident.clone());
        let Some(hook) = hooks.get(&delivery.webhook) else {
            continue;
        };
        if !in_flight.insert(lane.clone()) {
            continue;
        }
        let (client, hook, config, clock) =
            (client.clone(), hook.clone(), Arc::clone(config), *clock);
        tasks.spawn(async move {
            let key = delivery.key.clone();
            let attempt = attempt(&client, &hook, &delivery, &config, &clock).await;
            (lane, key, attempt)
        });
    }
}

/// One attempt, and what it means for the delivery.
async fn attempt(
    client: &reqwest::Client,
    hook: &WebhookRecord,
    delivery: &DueDelivery,
    config: &WebhookConfig,
    clock: &Clock,
) -> Attempt {
    let timestamp = clock.now().timestamp();
    let body = delivery.body.clone();
    let request = client
        .post(&hook.url)
        .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
        .header(
            USER_AGENT,
            concat!("Warroom-Webhooks/", env!("CARGO_PKG_VERSION")),
        )
        .header("Warroom-Event", delivery.topic.name())
        .header("Warroom-Delivery", &delivery.key)
        .header("Idempotency-Key", &delivery.key)
        .header("Warroom-Timestamp", timestamp.to_string())
        .header(
            "Warroom-Signature",
            signature_header(&hook.secret, timestamp, &body),
        )
        .body(body);
    let (status, error) = match request.send().await {
        Ok(response) if response.status().is_success() => {
            tracing::debug!(key = %delivery.key, status = %response.status(), "webhook delivered");
            return Attempt::Delivered {
                status: response.status().as_u16(),
            };
        }
        Ok(response) => {
            let status = response.status();
            let why = if status.is_redirection() {
                format!("HTTP {} (redirects are not followed)", status.as_u16())
            } else {
                format!("HTTP {}", status.as_u16())
            };
            (Some(status.as_u16()), why)
        }
        Err(err) => (None, describe(&err)),
    };
    let attempts = delivery.attempts + 1;
    tracing::info!(
        key = %delivery.key,
        webhook = %hook.id,
        receiver = %origin(&hook.url),
        attempts,
        %error,
        "webhook attempt failed"
    );
    if attempts >= config.max_attempts {
        return Attempt::Failed { status, error };
    }
    let delay = backoff(config, attempts);
    Attempt::Retry {
        status,
        error,
        next_at: now_ms(clock) + delay.as_millis() as i64,
    }
}

/// The delay after the `attempts`-th failure: `retry_base × 2^(attempts − 1)`, capped, and
/// then a random half to all of it (so receivers that fail together are not retried together).
pub(super) fn backoff(config: &WebhookConfig, attempts: u32) -> Duration {
    let doubled = config
        .retry_base
        .saturating_mul(1u32 << attempts.saturating_sub(1).min(20));
    let ceiling = doubled.min(config.retry_cap);
    let mut byte = [0u8; 1];
    getrandom::fill(&mut byte).expect("the operating system provides randomness");
    ceiling.mul_f64(0.5 + f64::from(byte[0]) / 510.0)
}

/// A few words for a failed request, without its URL (which may hold a credential).
fn describe(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        "timed out".into()
    } else if err.is_connect() {
        "could not connect".into()
    } else {
        "the request failed".into()
    }
}

/// The one client every delivery uses: a timeout per attempt, no redirects, and a resolver
/// that never hands out a forbidden address (`subscribe::forbidden_address`).
fn client(config: &WebhookConfig) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .timeout(config.timeout)
        .connect_timeout(config.timeout.min(Duration::from_secs(5)))
        .dns_resolver(Arc::new(Guarded))
        .build()
}

/// The system's resolver, minus the addresses a delivery must never reach.
struct Guarded;

impl reqwest::dns::Resolve for Guarded {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let allowed: Vec<SocketAddr> = found.filter(|a| !forbidden_address(a.ip())).collect();
            if allowed.is_empty() {
                return Err(format!("{host} resolves to no address a webhook may reach").into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_up_to_the_cap() {
        let config = WebhookConfig {
            retry_base: Duration::from_secs(1),
            retry_cap: Duration::from_secs(60),
            ..WebhookConfig::default()
        };
        for (attempts, ceiling) in [(1, 1), (2, 2), (3, 4), (7, 60), (30, 60)] {
            let delay = backoff(&config, attempts);
            let ceiling = Duration::from_secs(ceiling);
            assert!(
                delay <= ceiling && delay >= ceiling / 2,
                "{attempts}: {delay:?}"
            );
        }
    }
}
