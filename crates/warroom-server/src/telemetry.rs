//! The operator's view of a running server: every metric `GET /metrics` shows, named once
//! here, and the small calls the rest of the server makes where it already knows what
//! happened (a command answered, a client cut off, a write timed).
//!
//! The figures go through the `metrics` facade into `metrics-exporter-prometheus`'s recorder,
//! installed once per process; its handle renders the Prometheus text format when asked
//! (`http/operator.rs` serves it). Nothing here listens on a socket or pushes anywhere.
//!
//! **Invariant:** no label carries anything a client chose or any incident's content — no
//! incident id, title, participant or text. Every label value is one of a fixed set named
//! below (an outcome, a rejection code, a limit, a store operation), so the number of series
//! is bounded and a scrape tells only how much, never about what.
//!
//! The two gauges (open connections, live rooms) are read from their owners (the admission
//! desk, the room registry) as each scrape renders, so they cannot drift from the truth.
//! Histogram samples are folded into their buckets by [`Telemetry::upkeep`], which `start`
//! runs every few seconds, so samples never pile up between scrapes.

use std::sync::OnceLock;
use std::time::Duration;

use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use warroom_core::RejectionCode;

use crate::limits::Refusal;

/// Open WebSocket connections (gauge).
pub const CONNECTIONS_OPEN: &str = "warroom_connections_open";
/// Incidents whose room is in memory (gauge).
pub const ROOMS_LIVE: &str = "warroom_rooms_live";
/// Commands sent by clients, by outcome (counter; labels `outcome`, and `code` for
/// `rejected`).
pub const COMMANDS: &str = "warroom_commands_total";
/// How long one store append took, from the call to durable (histogram, seconds).
pub const COMMIT_SECONDS: &str = "warroom_store_commit_seconds";
/// From a batch's append returning (durable) to its events frame sitting in every
/// subscriber's outbound queue (histogram, seconds).
pub const FANOUT_SECONDS: &str = "warroom_fanout_seconds";
/// Frames waiting in the deepest of a room's subscriber queues just after a broadcast joined
/// them, one sample per broadcast: the slowest reader's backlog (histogram, frames).
pub const QUEUE_DEPTH: &str = "warroom_outbound_queue_depth_frames";
/// Messages and sign-ins refused by a rate limit (counter; label `limit`).
pub const RATE_LIMITED: &str = "warroom_rate_limited_total";
/// WebSockets refused at the admission desk (counter; label `limit`).
pub const CONNECTIONS_REFUSED: &str = "warroom_connections_refused_total";
/// Clients the server cut off (counter; label `reason`).
pub const CUT_OFF: &str = "warroom_clients_cut_off_total";
/// Store calls that failed for a technical reason — not a conflict or an unknown incident,
/// which are answers about the data (counter; label `operation`).
pub const DATABASE_ERRORS: &str = "warroom_database_errors_total";

/// Latency buckets, in seconds: from a tenth of a millisecond (a fan-out to a few
/// subscribers) to ten seconds (a commit stuck behind a slow disk).
const LATENCY_BUCKETS: &[f64] = &[
    0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0,
];

/// Queue-depth buckets, in frames, up to the largest `--outbound-queue` worth having.
const DEPTH_BUCKETS: &[f64] = &[
    0.0, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0,
];

/// How a client's command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandOutcome {
    /// Decided and durable: acknowledged.
    Accepted,
    /// Refused by the rules, with the rejection's code.
    Rejected(RejectionCode),
    /// A resend of a command already applied: acknowledged again, applied once.
    Duplicate,
    /// Sent through an observer link, which may not change anything.
    Forbidden,
    /// Dropped by the participant's message rate limit before any room saw it.
    RateLimited,
    /// Decided, but the append failed: the client is told to resend after reconnecting.
    Failed,
}

impl CommandOutcome {
    const ALL_WITHOUT_CODE: [Self; 5] = [
        Self::Accepted,
        Self::Duplicate,
        Self::Forbidden,
        Self::RateLimited,
        Self::Failed,
    ];

    fn label(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Rejected(_) => "rejected",
            Self::Duplicate => "duplicate",
            Self::Forbidden => "forbidden",
            Self::RateLimited => "rate_limited",
            Self::Failed => "failed",
        }
    }
}

/// Which rate limit refused something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// A participant's messages over their WebSockets.
    Message,
    /// Sign-ins from one address.
    SignIn,
}

impl Limit {
    fn label(self) -> &'static str {
        match self {
            Self::Message => "message",
            Self::SignIn => "sign_in",
        }
    }
}

/// Why the server cut a client off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CutOff {
    /// Its outbound queue was full: it stopped reading (close 4008).
    SlowConsumer,
    /// It stayed silent for three heartbeats (close 4009).
    Heartbeat,
}

impl CutOff {
    fn label(self) -> &'static str {
        match self {
            Self::SlowConsumer => "slow_consumer",
            Self::Heartbeat => "heartbeat",
        }
    }
}

/// The process's metrics recorder, and the handle that renders it.
#[derive(Clone)]
pub struct Telemetry {
    /// `None` when another recorder was installed in this process first (a library user's):
    /// the server then still counts into it, but has nothing of its own to render.
    handle: Option<PrometheusHandle>,
}

impl Telemetry {
    /// Installs the Prometheus recorder as the process's metrics recorder (once; later calls
    /// share it) and registers every metric at zero, so each family is in the first scrape.
    pub fn install() -> Self {
        static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
        let handle = HANDLE.get_or_init(|| {
            let handle = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
                .and_then(|b| b.set_buckets_for_metric(Matcher::Full(QUEUE_DEPTH.into()), DEPTH_BUCKETS))
                .and_then(PrometheusBuilder::install_recorder);
            match handle {
                Ok(handle) => {
                    describe();
                    Some(handle)
                }
                Err(err) => {
                    tracing::warn!(%err, "cannot install the metrics recorder; /metrics will be empty");
                    None
                }
            }
        });
        Self {
            handle: handle.clone(),
        }
    }

    /// The Prometheus text, with the gauges set from their owners' counts as of now.
    pub fn render(&self, connections_open: usize, rooms_live: usize) -> String {
        gauge!(CONNECTIONS_OPEN).set(connections_open as f64);
        gauge!(ROOMS_LIVE).set(rooms_live as f64);
        self.handle
            .as_ref()
            .map(PrometheusHandle::render)
            .unwrap_or_default()
    }

    /// Folds the histogram samples taken since the last call into their buckets.
    pub fn upkeep(&self) {
        if let Some(handle) = &self.handle {
            handle.run_upkeep();
        }
    }
}

/// A client's command ended with `outcome`.
pub fn command(outcome: CommandOutcome) {
    commands(outcome, 1);
}

/// `count` of clients' commands ended with `outcome`.
pub fn commands(outcome: CommandOutcome, count: u64) {
    if count == 0 {
        return;
    }
    match outcome {
        CommandOutcome::Rejected(code) => {
            counter!(COMMANDS, "outcome" => "rejected", "code" => rejection_code(code))
                .increment(count);
        }
        other => counter!(COMMANDS, "outcome" => other.label()).increment(count),
    }
}

/// A store append took `elapsed`, from the call until it was durable (or failed).
pub fn commit(elapsed: Duration) {
    histogram!(COMMIT_SECONDS).record(elapsed);
}

/// A batch's events were queued for every subscriber `elapsed` after the append returned.
pub fn fanout(elapsed: Duration) {
    histogram!(FANOUT_SECONDS).record(elapsed);
}

/// The deepest subscriber queue of a room held `frames` just after a broadcast.
pub fn queue_depth(frames: usize) {
    histogram!(QUEUE_DEPTH).record(frames as f64);
}

/// Something was refused by a rate limit.
pub fn rate_limited(limit: Limit) {
    counter!(RATE_LIMITED, "limit" => limit.label()).increment(1);
}

/// A participant's message was refused by their rate limit; `submit` if it was a command.
pub fn message_limited(submit: bool) {
    rate_limited(Limit::Message);
    if submit {
        command(CommandOutcome::RateLimited);
    }
}

/// The admission desk refused a WebSocket.
pub fn refused(refusal: Refusal) {
    counter!(CONNECTIONS_REFUSED, "limit" => refusal_label(refusal)).increment(1);
}

/// The server cut a client off.
pub fn cut_off(reason: CutOff) {
    counter!(CUT_OFF, "reason" => reason.label()).increment(1);
}

/// A store call (`operation`, the `Store` method's name) failed for a technical reason.
pub fn database_error(operation: &'static str) {
    counter!(DATABASE_ERRORS, "operation" => operation).increment(1);
}

fn refusal_label(refusal: Refusal) -> &'static str {
    match refusal {
        Refusal::Total => "total",
        Refusal::PerIp => "per_address",
        Refusal::BeforeHello => "before_hello",
    }
}

/// The code's wire name (`not_permitted`, …), as the protocol spells it.
fn rejection_code(code: RejectionCode) -> String {
    match serde_json::to_value(code) {
        Ok(serde_json::Value::String(name)) => name,
        _ => "unknown".to_owned(),
    }
}

/// Every metric's help text, and every series that can exist without a client's doing at
/// zero, so that a scrape shows each family from the start and `rate()` has a first point.
fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_gauge!(CONNECTIONS_OPEN, "Open WebSocket connections.");
    describe_gauge!(ROOMS_LIVE, "Incidents whose room is in memory.");
    describe_counter!(COMMANDS, "Commands sent over WebSockets, by outcome.");
    describe_histogram!(
        COMMIT_SECONDS,
        "Seconds one store append took, from the call until it was durable."
    );
    describe_histogram!(
        FANOUT_SECONDS,
        "Seconds from a batch's append returning (durable) to its events frame in every \
         subscriber's outbound queue."
    );
    describe_histogram!(
        QUEUE_DEPTH,
        "Frames in the deepest subscriber queue of a room just after a broadcast, one sample \
         per broadcast."
    );
    describe_counter!(
        RATE_LIMITED,
        "Messages and sign-ins refused by a rate limit."
    );
    describe_counter!(
        CONNECTIONS_REFUSED,
        "WebSockets refused at admission (4029), by the limit reached."
    );
    describe_counter!(CUT_OFF, "Clients the server cut off, by reason.");
    describe_counter!(
        DATABASE_ERRORS,
        "Store calls that failed for a technical reason, by operation."
    );
    gauge!(CONNECTIONS_OPEN).set(0.0);
    gauge!(ROOMS_LIVE).set(0.0);
    for outcome in CommandOutcome::ALL_WITHOUT_CODE {
        counter!(COMMANDS, "outcome" => outcome.label()).absolute(0);
    }
    for limit in [Limit::Message, Limit::SignIn] {
        counter!(RATE_LIMITED, "limit" => limit.label()).absolute(0);
    }
    for refusal in [Refusal::Total, Refusal::PerIp, Refusal::BeforeHello] {
        counter!(CONNECTIONS_REFUSED, "limit" => refusal_label(refusal)).absolute(0);
    }
    for reason in [CutOff::SlowConsumer, CutOff::Heartbeat] {
        counter!(CUT_OFF, "reason" => reason.label()).absolute(0);
    }
    // Database errors are labelled by operation; `append` stands for the family until another
    // operation fails.
    counter!(DATABASE_ERRORS, "operation" => "append").absolute(0);
    let _ = histogram!(COMMIT_SECONDS);
    let _ = histogram!(FANOUT_SECONDS);
    let _ = histogram!(QUEUE_DEPTH);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejection_codes_are_labelled_as_the_protocol_spells_them() {
        assert_eq!(rejection_code(RejectionCode::NotPermitted), "not_permitted");
        assert_eq!(rejection_code(RejectionCode::NotFound), "not_found");
    }
}
