//! News of other replicas' commits, through PostgreSQL's `LISTEN/NOTIFY`.
//!
//! Every append notifies `warroom_events` inside its own transaction (`write.rs`), so the
//! notification is delivered when — and only if — the events commit. It carries only the
//! incident and its new head (`INCIDENT HEAD`); the events themselves are read from the table
//! by the room that cares (`Store::since`), so a notification can never be a second,
//! disagreeing copy of the log, and a lost one costs only a catch-up.
//!
//! One listening connection per process, outside the pool (a pooled connection is handed to
//! others between uses and would drop the `LISTEN`). Its `Connection` is polled here for
//! `AsyncMessage::Notification`s. When it is lost it is made again, after a second; once each
//! `LISTEN` is in place [`Heard::Listening`] tells every live room to catch up, because what
//! was committed while nobody listened was never heard.

use std::time::Duration;

use futures_util::StreamExt as _;
use tokio::sync::broadcast;
use tokio_postgres::{AsyncMessage, NoTls};
use warroom_core::{IncidentId, ParticipantId, Seq, TextId as _};

use crate::store::Heard;

/// The channel every append notifies.
pub(super) const CHANNEL: &str = "warroom_events";

/// The channel on which processes say who is connected to an incident through them.
pub(super) const PRESENCE: &str = "warroom_presence";

/// The longest presence payload sent (PostgreSQL refuses 8,000 bytes and more): a longer list
/// goes in parts.
const PRESENCE_PAYLOAD: usize = 7_000;

/// How much news may wait for the rooms' router before it lags (and then every room catches
/// up, as after a reconnect).
pub(super) const HEARD_QUEUE: usize = 4_096;

/// How long the listener waits before connecting again.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

/// The payload of the notification for `incident`'s new `head`.
pub(super) fn payload(incident: &IncidentId, head: Seq) -> String {
    format!("{} {head}", incident.as_str())
}

/// Reads a payload back; `None` for one this server did not write.
fn parse(payload: &str) -> Option<Heard> {
    let (incident, head) = payload.rsplit_once(' ')?;
    Some(Heard::Head {
        incident: IncidentId::parse(incident).ok()?,
        head: head.parse().ok()?,
    })
}

/// A random name for this process, so that it can tell its own presence news from others'.
pub(super) fn replica_name() -> String {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The payloads that say `participants` are connected to `incident` through `replica`, each
/// short enough for a notification; at least one, the first marked so.
pub(super) fn presence_payloads(
    incident: &IncidentId,
    replica: &str,
    participants: &[ParticipantId],
    ask: bool,
) -> Vec<String> {
    let mut payloads = Vec::new();
    let mut part: Vec<&str> = Vec::new();
    let mut size = 0;
    let make = |part: &[&str], first: bool| {
        serde_json::json!({
            "i": incident.as_str(), "r": replica, "p": part, "f": first, "a": ask,
        })
        .to_string()
    };
    for p in participants {
        if size + p.as_str().len() + 3 > PRESENCE_PAYLOAD - 200 && !part.is_empty() {
            payloads.push(make(&part, payloads.is_empty()));
            part.clear();
            size = 0;
        }
        size += p.as_str().len() + 3;
        part.push(p.as_str());
    }
    payloads.push(make(&part, payloads.is_empty()));
    payloads
}

/// Reads a presence payload back; `None` for one this server did not write.
fn parse_presence(payload: &str) -> Option<Heard> {
    let value: serde_json::Value = serde_json::from_str(payload).ok()?;
    Some(Heard::Presence {
        incident: IncidentId::parse(value.get("i")?.as_str()?).ok()?,
        replica: value.get("r")?.as_str()?.to_owned(),
        participants: value
            .get("p")?
            .as_array()?
            .iter()
            .filter_map(|p| ParticipantId::parse(p.as_str()?).ok())
            .collect(),
        first: value.get("f")?.as_bool()?,
        ask: value.get("a")?.as_bool()?,
    })
}

/// Listens for as long as the task runs, reconnecting whenever the connection is lost. News
/// of `replica`'s own presence is not passed on.
pub(super) fn listen(
    config: tokio_postgres::Config,
    heard: broadcast::Sender<Heard>,
    replica: String,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match session(&config, &heard, &replica).await {
                Ok(()) => tracing::warn!("the database closed the listening connection"),
                Err(err) => tracing::warn!(%err, "the listening connection failed"),
            }
            tokio::time::sleep(RECONNECT_AFTER).await;
        }
    })
}

/// One listening connection, until it is lost.
async fn session(
    config: &tokio_postgres::Config,
    heard: &broadcast::Sender<Heard>,
    replica: &str,
) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = config.connect(NoTls).await?;
    let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
    let statement = format!("LISTEN {CHANNEL}; LISTEN {PRESENCE}");
    let listen = client.batch_execute(&statement);
    tokio::pin!(listen);
    let mut listening = false;
    loop {
        tokio::select! {
            done = &mut listen, if !listening => {
                done?;
                listening = true;
                tracing::debug!("listening for other replicas' commits");
                // Nobody may be subscribed yet; that is fine.
                let _ = heard.send(Heard::Listening);
            }
            message = messages.next() => match message {
                Some(Ok(AsyncMessage::Notification(n))) => {
                    let news = if n.channel() == PRESENCE {
                        parse_presence(n.payload())
                    } else {
                        parse(n.payload())
                    };
                    match news {
                        Some(Heard::Presence { replica: from, .. }) if from == replica => {}
                        Some(news) => {
                            let _ = heard.send(news);
                        }
                        None => tracing::debug!(payload = n.payload(), "an unknown notification"),
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(err)) => return Err(err),
                None => return Ok(()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_reads_back_as_the_incident_and_head() {
        let incident = IncidentId::parse("inc-a1").unwrap();
        assert_eq!(
            parse(&payload(&incident, 42)),
            Some(Heard::Head { incident, head: 42 })
        );
        assert_eq!(parse("no-head"), None);
        assert_eq!(parse("inc-a1 x"), None);
    }

    #[test]
    fn a_long_presence_goes_in_parts_that_read_back_as_the_whole() {
        let incident = IncidentId::parse("inc-a1").unwrap();
        let everyone: Vec<ParticipantId> = (0..1_000)
            .map(|i| ParticipantId::parse(&format!("p-person-number-{i:04}")).unwrap())
            .collect();
        let payloads = presence_payloads(&incident, "r1", &everyone, true);
        assert!(payloads.len() > 1);
        let mut heard = Vec::new();
        for (n, payload) in payloads.iter().enumerate() {
            assert!(payload.len() < 8_000, "{} bytes", payload.len());
            let Some(Heard::Presence {
                participants,
                first,
                ask,
                ..
            }) = parse_presence(payload)
            else {
                panic!("a presence payload: {payload}");
            };
            assert_eq!(first, n == 0);
            assert!(ask);
            heard.extend(participants);
        }
        assert_eq!(heard, everyone);
        let nobody = presence_payloads(&incident, "r1", &[], false);
        assert_eq!(nobody.len(), 1, "an empty list is said too");
    }
}
