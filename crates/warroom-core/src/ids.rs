//! Identifiers: who (participants), which incident, which command, and the small numbered
//! things inside an incident (notes, actions, concerns, checklists).
//!
//! Textual ids arrive from the outside world (a browser makes up its participant id and its
//! command ids; the server makes up incident ids), so they are validated on the way in with
//! [`TextId::parse`]. Numbered ids are handed out by `decide` from the incident's own counters,
//! which keeps them deterministic: replaying the log hands out the very same numbers.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, de};

/// The longest textual id accepted from a client.
pub const MAX_TEXT_ID_LEN: usize = 64;

/// Why a textual id was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("an id cannot be empty")]
    Empty,
    #[error("an id is at most {MAX_TEXT_ID_LEN} characters long")]
    TooLong,
    #[error("an id may only contain letters, digits, '-' and '_'")]
    BadCharacter,
}

/// Common behaviour of the textual ids: validated ASCII, at most [`MAX_TEXT_ID_LEN`] long.
pub trait TextId: Sized {
    /// Validates `raw` and wraps it.
    fn parse(raw: &str) -> Result<Self, IdError>;
}

fn validate(raw: &str) -> Result<(), IdError> {
    if raw.is_empty() {
        return Err(IdError::Empty);
    }
    if raw.len() > MAX_TEXT_ID_LEN {
        return Err(IdError::TooLong);
    }
    if !raw
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(IdError::BadCharacter);
    }
    Ok(())
}

macro_rules! text_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String))]
        pub struct $name(String);

        impl $name {
            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TextId for $name {
            fn parse(raw: &str) -> Result<Self, IdError> {
                validate(raw)?;
                Ok(Self(raw.to_owned()))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(d)?;
                Self::parse(&raw).map_err(serde::de::Error::custom)
            }
        }
    };
}

text_id!(
    /// A person taking part in incidents. The browser generates it once and keeps it in
    /// local storage; there are no accounts.
    ParticipantId
);
text_id!(
    /// An incident. The server generates it from at least 128 random bits, so that knowing one
    /// incident's link says nothing about another's.
    IncidentId
);
text_id!(
    /// A command as submitted by a client. The client generates it; the server remembers it so
    /// that a command resent after a reconnect is acknowledged again but never applied twice.
    CommandId
);

/// Reads a numbered id from a number or from its decimal text. JSON writes the keys of the
/// board's maps (`"notes": {"1": …}`) as text, and when such a map sits inside an internally
/// tagged message — the board in `ServerMessage::Snapshot` — serde hands the keys over as
/// text, which a plain `u32` refuses.
struct NumberIdVisitor;

impl de::Visitor<'_> for NumberIdVisitor {
    type Value = u32;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a whole number from 0 to 4294967295, or its decimal text")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u32, E> {
        u32::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<u32, E> {
        u32::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<u32, E> {
        v.parse()
            .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
    }
}

macro_rules! number_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = u32))]
        pub struct $name(pub u32);

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_any(NumberIdVisitor).map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

number_id!(
    /// A note on the timeline, numbered from 1 in posting order.
    NoteId
);
number_id!(
    /// An assigned action, numbered from 1.
    ActionId
);
number_id!(
    /// A raised concern, numbered from 1.
    ConcernId
);
number_id!(
    /// A checklist started on the incident, numbered from 1.
    ChecklistId
);
number_id!(
    /// An invitation or observer link of the incident, numbered from 1. The link's secret
    /// token is the server's; only this number is on the board.
    LinkId
);

number_id!(
    /// A follow-up item of the postmortem, numbered from 1.
    FollowUpId
);

number_id!(
    /// An alert group on the incident's board, numbered from 1 as groups first arrive.
    AlertGroupId
);

/// The prefix of an integration's participant id (`integration-tok-…` for a token). Sessions issue
/// `p-` and `u-` ids only, so no person can ever act as an integration.
pub const INTEGRATION_PREFIX: &str = "integration-";

/// The participant an integration acts as, from its name (letters, digits, `-` and `_`;
/// anything else becomes `-`, and the name is cut to fit an id).
pub fn integration_id(name: &str) -> ParticipantId {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .take(MAX_TEXT_ID_LEN - INTEGRATION_PREFIX.len())
        .collect();
    let cleaned = if cleaned.is_empty() {
        "unnamed".to_owned()
    } else {
        cleaned
    };
    ParticipantId(format!("{INTEGRATION_PREFIX}{cleaned}"))
}

impl ParticipantId {
    /// An integration (monitoring) rather than a person.
    pub fn is_integration(&self) -> bool {
        self.0.starts_with(INTEGRATION_PREFIX)
    }
}

/// The position of an event in its incident's log: 1 for the declaration, then one more for
/// every event. Sequences have no gaps.
pub type Seq = u64;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_ids_read_from_numbers_and_from_map_keys_in_tagged_messages() {
        use std::collections::BTreeMap;

        assert_eq!(serde_json::from_str::<NoteId>("7").unwrap(), NoteId(7));
        assert_eq!(serde_json::to_string(&NoteId(7)).unwrap(), "7");
        assert!(serde_json::from_str::<NoteId>("-1").is_err());
        assert!(serde_json::from_str::<NoteId>("4294967296").is_err());
        // A board's maps are keyed by numbered ids, which JSON writes as text. Inside an
        // internally tagged message (a snapshot) serde hands those keys over as text.
        #[derive(Deserialize)]
        #[serde(tag = "type")]
        enum Tagged {
            Board { notes: BTreeMap<NoteId, String> },
        }
        let Tagged::Board { notes } =
            serde_json::from_str(r#"{"type":"Board","notes":{"3":"x"}}"#).unwrap();
        assert_eq!(notes[&NoteId(3)], "x");
    }

    #[test]
    fn text_ids_are_validated() {
        assert!(ParticipantId::parse("p-1_A").is_ok());
        assert_eq!(ParticipantId::parse(""), Err(IdError::Empty));
        assert_eq!(ParticipantId::parse("a b"), Err(IdError::BadCharacter));
        assert_eq!(
            ParticipantId::parse(&"x".repeat(MAX_TEXT_ID_LEN + 1)),
            Err(IdError::TooLong)
        );
        assert!(serde_json::from_str::<CommandId>("\"<script>\"").is_err());
        assert_eq!(
            serde_json::from_str::<CommandId>("\"c-1\"")
                .unwrap()
                .as_str(),
            "c-1"
        );
    }
}
