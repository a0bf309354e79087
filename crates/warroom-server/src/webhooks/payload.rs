//! What a delivery says: Warroom's JSON (signed) or a Slack-compatible incoming-webhook body,
//! rendered once when the delivery is queued and sent byte for byte on every attempt; and the
//! signature, computed on each attempt over `{timestamp}.{body}` (docs/protocol.md,
//! "Webhooks").

use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use warroom_core::api::webhooks::{WebhookFormat, WebhookTopic};
use warroom_core::{Event, Incident, IncidentId, Recorded};

/// One event as a subscription hears of it.
pub(super) struct Rendered<'a> {
    pub key: &'a str,
    pub topic: WebhookTopic,
    pub id: &'a IncidentId,
    /// The board once the event is folded in (or later: names only grow).
    pub board: &'a Incident,
    pub recorded: &'a Recorded,
    pub public_url: Option<&'a str>,
}

impl Rendered<'_> {
    /// The body in `format`.
    pub(super) fn body(&self, format: WebhookFormat) -> String {
        match format {
            WebhookFormat::Signed => self.json().to_string(),
            WebhookFormat::Slack => self.slack().to_string(),
        }
    }

    /// The event as a sentence: the timeline's, as the exports tell it, except that a status
    /// update (whose timeline entry is its text alone) says who posted it.
    fn sentence(&self) -> String {
        match &self.recorded.event {
            Event::NotePosted { text, .. } => format!(
                "{} posted a status update: {text}",
                self.board.name_of(&self.recorded.actor)
            ),
            _ => warroom_core::narrate::describe(self.board, self.recorded),
        }
    }

    fn url(&self) -> Option<String> {
        self.public_url
            .map(|base| format!("{}/incidents/{}", base.trim_end_matches('/'), self.id))
    }

    /// The status updates the event puts on the shared timeline.
    fn notes(&self) -> Vec<Value> {
        let ids = match &self.recorded.event {
            Event::NotePosted { note, .. } => vec![*note],
            Event::SterilePhaseEnded { released } => released.clone(),
            _ => return vec![],
        };
        ids.iter()
            .filter_map(|id| self.board.notes.get(id).map(|n| (id, n)))
            .filter(|(_, n)| n.kind == warroom_core::NoteKind::StatusUpdate)
            .map(|(id, n)| json!({ "note": id, "text": n.text }))
            .collect()
    }

    fn json(&self) -> Value {
        let board = self.board;
        let r = self.recorded;
        let mut body = json!({
            "id": self.key,
            "event": self.topic.name(),
            "type": r.event.name(),
            "incident": {
                "id": self.id,
                "title": board.title,
                "severity": board.severity,
                "status": board.status,
                "commander": board.name_of(&board.commander.holder),
                "url": self.url(),
            },
            "seq": r.seq,
            "at": r.at,
            "actor": { "id": r.actor, "name": board.name_of(&r.actor) },
            "text": self.sentence(),
            "change": r.event,
        });
        if self.topic == WebhookTopic::StatusUpdate {
            body["notes"] = Value::Array(self.notes());
        }
        body
    }

    fn slack(&self) -> Value {
        let board = self.board;
        let sentence = self.sentence();
        let title = match self.url() {
            Some(url) => format!("<{}|{}>", escape(&url), escape(&board.title)),
            None => escape(&board.title),
        };
        let mut section = format!(
            "*{title}* · {} · {}\n{}",
            board.severity.label(),
            board.status.label(),
            escape(&sentence)
        );
        // A released note is not in the sentence ("… ended the sterile phase"): quote it.
        let released = matches!(self.recorded.event, Event::SterilePhaseEnded { .. });
        for note in self.notes().iter().filter(|_| released) {
            let text = note["text"].as_str().unwrap_or_default();
            section.push_str(&format!("\n> {}", escape(text)));
        }
        json!({
            "text": format!("[{}] {}: {}", board.severity.label(), board.title, sentence),
            "blocks": [
                {
                    "type": "section",
                    // The idempotency key, where a Slack-compatible receiver keeps it.
                    "block_id": self.key,
                    "text": { "type": "mrkdwn", "text": section },
                },
                {
                    "type": "context",
                    "elements": [{
                        "type": "mrkdwn",
                        "text": format!("Warroom · {} · entry {}", self.id, self.recorded.seq),
                    }],
                },
            ],
        })
    }
}

/// Slack's mrkdwn escapes: `&`, `<` and `>`.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// HMAC-SHA256 of `{timestamp}.{body}` with `secret`, as lowercase hex.
pub fn sign(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The `Warroom-Signature` header's value.
pub fn signature_header(secret: &str, timestamp: i64, body: &str) -> String {
    format!("v1={}", sign(secret, timestamp, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_timestamp_dot_body() {
        // As `printf '1700000000.{}' | openssl dgst -sha256 -hmac key` computes it.
        let mac = sign("key", 1_700_000_000, "{}");
        assert_eq!(
            mac,
            "9d713ed406bb7076d4123f0dc2c39d2df5c654ed4b0cd56b52c8b4c940bd63ae"
        );
        assert_ne!(mac, sign("key", 1_700_000_001, "{}"));
        assert_ne!(mac, sign("other", 1_700_000_000, "{}"));
    }

    #[test]
    fn mrkdwn_control_characters_are_escaped() {
        assert_eq!(escape("<!channel> & co"), "&lt;!channel&gt; &amp; co");
    }
}
