//! A new subscription, checked and made: the URL (http or https, a host, no link-local or
//! unspecified address literal), the events (at least one), the name, the bound on how many
//! there are, and a fresh signing secret, shown this once. The admin API and the
//! `warroom webhook add` command both come here.
//!
//! Private and loopback addresses are allowed: receivers of an incident tool are often on the
//! team's own network, and only admins subscribe. What an attacker with an admin's session
//! could learn is limited (docs/security.md): no redirects are followed, and a receiver's
//! answer is never shown — only its status code.

use std::net::IpAddr;

use reqwest::Url;
use warroom_core::api::webhooks::{Webhook, WebhookFormat, WebhookRequest, WebhookTopic};

use super::MAX_WEBHOOKS;
use crate::clock::Clock;
use crate::store::{Store, StoreError, WebhookRecord};

/// The longest URL taken.
pub const MAX_URL: usize = 2_048;
/// The longest name taken.
pub const MAX_NAME: usize = 80;

/// Why a subscription was not made.
#[derive(Debug, thiserror::Error)]
pub enum SubscribeError {
    /// The request itself is wrong (400).
    #[error("{0}")]
    Invalid(String),
    /// [`MAX_WEBHOOKS`] exist already (409).
    #[error(
        "there are {MAX_WEBHOOKS} webhooks already, the most the server keeps; remove one first"
    )]
    TooMany,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Checks `request` and stores the subscription, made by `by` (a participant id, or `cli`).
/// The secret is in the answer, and nowhere else but the store.
pub async fn subscribe(
    store: &dyn Store,
    clock: &Clock,
    request: WebhookRequest,
    by: &str,
) -> Result<(WebhookRecord, String), SubscribeError> {
    let url = check_url(&request.url)?;
    let mut topics = request.events.clone();
    topics.sort();
    topics.dedup();
    if topics.is_empty() {
        return Err(SubscribeError::Invalid(format!(
            "choose at least one event: {}",
            topic_names()
        )));
    }
    let name = match request.name.as_deref().map(str::trim) {
        Some(name) if name.chars().count() > MAX_NAME => {
            return Err(SubscribeError::Invalid(format!(
                "a name has at most {MAX_NAME} characters"
            )));
        }
        Some(name) if !name.is_empty() => name.to_owned(),
        _ => url.host_str().unwrap_or_default().to_owned(),
    };
    let secret = format!("whsec_{}", random_hex(32));
    let record = WebhookRecord {
        id: format!("wh-{}", random_hex(6)),
        name,
        url: url.to_string(),
        format: request.format,
        topics,
        secret: secret.clone(),
        created_at: super::now_ms(clock),
        created_by: by.to_owned(),
    };
    if !store.create_webhook(record.clone(), MAX_WEBHOOKS).await? {
        return Err(SubscribeError::TooMany);
    }
    tracing::info!(webhook = %record.id, by, origin = %origin(&record.url), "webhook created");
    Ok((record, secret))
}

/// Every topic's name, for messages.
pub fn topic_names() -> String {
    WebhookTopic::ALL
        .iter()
        .map(|t| t.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A URL a delivery may be posted to.
pub fn check_url(raw: &str) -> Result<Url, SubscribeError> {
    let bad = |why: &str| SubscribeError::Invalid(format!("the URL {why}"));
    if raw.len() > MAX_URL {
        return Err(bad(&format!("is longer than {MAX_URL} characters")));
    }
    let url = Url::parse(raw.trim()).map_err(|e| bad(&format!("does not parse: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("must be http or https"));
    }
    let Some(host) = url.host_str() else {
        return Err(bad("has no host"));
    };
    let literal = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = literal.parse::<IpAddr>()
        && forbidden_address(ip)
    {
        return Err(bad(
            "names an unspecified, link-local or multicast address, which is never a receiver",
        ));
    }
    Ok(url)
}

/// Addresses a delivery never goes to, literal or resolved: the unspecified address, link-local
/// ones (cloud metadata services live at 169.254.169.254) and multicast or broadcast.
pub fn forbidden_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_unspecified() || v4.is_link_local() || v4.is_multicast() || v4.is_broadcast()
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return forbidden_address(IpAddr::V4(v4));
            }
            v6.is_unspecified() || v6.is_multicast() || (v6.segments()[0] & 0xffc0) == 0xfe80
        }
    }
}

/// Scheme, host and port of a URL, and `/…` if it has more: what is shown and logged of it,
/// since the rest may be a credential (a Slack webhook's path is).
pub fn origin(url: &str) -> String {
    match Url::parse(url) {
        Ok(u) => {
            let mut shown = u.origin().ascii_serialization();
            if u.path() != "/" || u.query().is_some() {
                shown.push_str("/…");
            }
            shown
        }
        Err(_) => "(unparsable URL)".to_owned(),
    }
}

/// The subscription as the admin API lists it: no secret, the URL shown by [`origin`].
pub fn listed(record: &WebhookRecord) -> Webhook {
    Webhook {
        id: record.id.clone(),
        name: record.name.clone(),
        url: origin(&record.url),
        format: record.format,
        events: record.topics.clone(),
        created_at: chrono::DateTime::from_timestamp_millis(record.created_at).unwrap_or_default(),
        created_by: record.created_by.clone(),
    }
}

/// The format named `raw` (`signed`, `slack`).
pub fn parse_format(raw: &str) -> Result<WebhookFormat, String> {
    match raw {
        "signed" => Ok(WebhookFormat::Signed),
        "slack" => Ok(WebhookFormat::Slack),
        other => Err(format!("{other:?} is not a format (signed or slack)")),
    }
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the operating system provides randomness");
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_http_or_https_with_a_host_and_never_link_local() {
        for ok in [
            "https://hooks.example.com/warroom",
            "http://127.0.0.1:9000/hook",
            "http://10.0.0.5/x",
            "http://[::1]:8080/",
        ] {
            assert!(check_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "ftp://example.com/",
            "file:///etc/passwd",
            "http://169.254.169.254/latest/meta-data",
            "http://0.0.0.0/",
            "http://[fe80::1]/",
            "http://[::ffff:169.254.169.254]/",
            "not a url",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_the_origin_of_a_url_is_shown() {
        assert_eq!(
            origin("https://hooks.slack.com/services/T0/B0/secret"),
            "https://hooks.slack.com/…"
        );
        assert_eq!(origin("http://127.0.0.1:9000/"), "http://127.0.0.1:9000");
    }
}
