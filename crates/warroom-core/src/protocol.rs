//! The wire protocol between a browser and the server: JSON text frames over one WebSocket per
//! incident, each an object whose `type` names the message. `docs/protocol.md` documents every
//! message with an example; a test parses each example with these types.
//!
//! A board on the wire is a [`BoardWire`]: the board's plain form with its notes column by
//! column, an encoding that belongs to the protocol and to nothing else.
//!
//! The protocol knows nothing about sockets: these are values to encode and decode. Transport
//! concerns — which incident, sequence numbers, command ids, acknowledgements — live here in
//! the envelopes and never reach `decide` or `apply`.

use serde::{Deserialize, Serialize};
use strum::VariantNames as _;

use crate::command::Command;
use crate::event::Recorded;
use crate::ids::{CommandId, IncidentId, ParticipantId, Seq};
use crate::incident::{Incident, Timestamp};
use crate::rejection::Rejection;

mod board;
mod columns;
mod partial;

pub use board::{BoardFromWire, BoardWire, PartialBoardWire};
pub use partial::{TIMELINE_PAGE, kept, kept_notes, partial, timeline_from};

/// The protocol version this crate speaks; a client announces it in `hello`.
///
/// Version 2 took the participant out of `hello`: who a connection speaks for is the signed-in
/// session it was opened with, never what the client says. A version-1 hello is refused with
/// [`ErrorCode::UnsupportedProtocol`].
pub const PROTOCOL_VERSION: u32 = 2;

/// The largest message either side may send, in bytes. The server closes the connection with
/// code [`close::TOO_BIG`] when a client exceeds it.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// What a client sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, strum::VariantNames)]
#[serde(tag = "type", rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ClientMessage {
    /// The first message on a connection: which incident, and what I have. Who I am is not
    /// said: it is the session the connection was opened with.
    Hello {
        protocol: u32,
        incident: IncidentId,
        /// The last sequence this client holds (0 for nothing): the server sends what follows.
        last_seq: Seq,
    },
    /// A command, with an id the client made up. Resending the same id after a reconnect is
    /// safe: it is acknowledged again and applied once. The command is read strictly
    /// ([`crate::command::strict`]): a field it does not have is refused, naming the field.
    Submit {
        id: CommandId,
        #[serde(deserialize_with = "crate::command::strict")]
        command: Command,
    },
    /// Asks for up to `limit` events before sequence `before`, for scrolling back the timeline.
    History { before: Seq, limit: u32 },
    /// An application-level heartbeat; the server answers `pong`.
    Ping { nonce: u64 },
}

crate::tagged::tag_first_enum! {
tag = "type", name = "ServerMessage", serde(rename_all = "snake_case");
/// What the server sends.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerMessage {
    /// The answer to `hello`: the incident's head sequence and the server's clock. A
    /// `snapshot` and/or `events` follow with what the client is missing, then the live stream.
    Welcome {
        incident: IncidentId,
        head: Seq,
        server_time: Timestamp,
    },
    /// The board as of `seq`, sent instead of a long replay when the client is far behind:
    /// its whole current state without the notes archive, and the newest page of the log
    /// (see [`partial()`]). On the wire the board is a [`BoardWire`]: its notes travel column
    /// by column.
    Snapshot {
        seq: Seq,
        /// The first sequence of `timeline`: the notes posted before it are left out of
        /// `state` unless pinned or held by a sterile phase. 0 (or absent) for a board that
        /// leaves nothing out.
        #[serde(default)]
        timeline_from: Seq,
        #[serde(with = "board")]
        state: Box<Incident>,
        /// The events `timeline_from..=seq`, oldest first: the newest page of the timeline.
        #[serde(default)]
        timeline: Vec<Recorded>,
    },
    /// Events in sequence order, without gaps, following what the client already holds.
    Events {
        events: Vec<Recorded>,
    },
    /// The answer to `history`: events before the requested sequence, oldest first.
    History {
        events: Vec<Recorded>,
        before: Seq,
    },
    /// The command with this id is durably applied; its events (if any) end at `seq`.
    Ack {
        id: CommandId,
        seq: Seq,
    },
    /// The command with this id was refused by the rules; nothing changed.
    Rejected {
        id: CommandId,
        rejection: Rejection,
    },
    /// Who is connected to the incident right now.
    Presence {
        present: Vec<ParticipantId>,
    },
    /// Something about the message itself was wrong; the connection stays open unless the
    /// code says otherwise.
    Error {
        code: ErrorCode,
        message: String,
        /// The submitted command this is about, when there is one (a rate-limited submit is
        /// not processed and must be sent again).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        command: Option<CommandId>,
    },
    Pong {
        nonce: u64,
    },
}
}

/// Protocol-level errors, as opposed to domain rejections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, strum::EnumIter)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The message is not valid JSON, or not a valid message of a known type.
    Malformed,
    /// The JSON names a message type this server does not know.
    UnknownType,
    /// The message is larger than [`MAX_MESSAGE_BYTES`]; the connection closes.
    TooLarge,
    /// Too many messages too fast; this one was not processed. Slow down and resend.
    RateLimited,
    /// The incident does not exist; the connection closes.
    UnknownIncident,
    /// `hello` must come first, exactly once.
    HelloFirst,
    /// The client speaks another protocol version; the connection closes. A browser reloads
    /// the page to get the current app.
    UnsupportedProtocol,
    /// The server failed; the command may be resent with the same id.
    Internal,
    /// This connection may not do that: an observer link is read-only. Nothing changed.
    Forbidden,
}

/// WebSocket close codes the server uses, so clients can tell why they were cut off.
pub mod close {
    /// The server is shutting down or restarting: reconnect.
    pub const GOING_AWAY: u16 = 1001;
    /// A message was larger than the limit.
    pub const TOO_BIG: u16 = 1009;
    /// The client did not read its messages fast enough; its queue overflowed. Reconnect and
    /// resume from the last sequence.
    pub const SLOW_CONSUMER: u16 = 4008;
    /// No heartbeat: the connection looked dead.
    pub const HEARTBEAT_TIMEOUT: u16 = 4009;
    /// The opening of the conversation was wrong (no hello, not JSON, a binary frame): fix it
    /// and reconnect.
    pub const POLICY: u16 = 1008;
    /// The server could not save what it had accepted: reconnect, and resend what is pending.
    pub const INTERNAL: u16 = 1011;
    /// Unknown incident or unsupported protocol: do not reconnect as is.
    pub const REFUSED: u16 = 4004;
    /// A text frame that is not valid UTF-8 (RFC 6455, section 7.4.1).
    pub const INVALID_DATA: u16 = 1007;
    /// Too many connections: in all, from this address, or still to say hello. Wait a little
    /// and reconnect (with backoff), or close other tabs.
    pub const TOO_MANY_CONNECTIONS: u16 = 4029;
    /// The session this connection was opened with has ended (signed out, perhaps in another
    /// tab): sign in again.
    pub const SIGNED_OUT: u16 = 4401;
}

impl ClientMessage {
    /// Encodes as a JSON text frame.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("client messages always serialise")
    }
}

impl ServerMessage {
    /// Encodes as a JSON text frame.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("server messages always serialise")
    }
}

/// Why a client frame could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("unknown message type \"{0}\"")]
    UnknownType(String),
    #[error("malformed message: {0}")]
    Malformed(String),
    /// A `submit` whose id is readable but whose command is not (an unknown field, a missing
    /// one, a bad value): the error names the command id, so the client can settle it.
    #[error("malformed command: {message}")]
    Command { id: CommandId, message: String },
}

impl DecodeError {
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::UnknownType(_) => ErrorCode::UnknownType,
            Self::Malformed(_) | Self::Command { .. } => ErrorCode::Malformed,
        }
    }

    /// The submitted command this is about, when its id could be read.
    pub fn command(&self) -> Option<CommandId> {
        match self {
            Self::Command { id, .. } => Some(id.clone()),
            Self::UnknownType(_) | Self::Malformed(_) => None,
        }
    }
}

/// Decodes a client frame, telling an unknown message type apart from a malformed message.
pub fn decode_client(text: &str) -> Result<ClientMessage, DecodeError> {
    match serde_json::from_str::<ClientMessage>(text) {
        Ok(message) => Ok(message),
        Err(err) => {
            let value = serde_json::from_str::<serde_json::Value>(text).ok();
            let kind = value
                .as_ref()
                .and_then(|v| v.get("type").and_then(|t| t.as_str()).map(str::to_owned));
            match kind {
                Some(kind) if !ClientMessage::VARIANTS.contains(&kind.as_str()) => {
                    Err(DecodeError::UnknownType(kind))
                }
                Some(kind) if kind == "submit" => {
                    let value = value.unwrap_or_default();
                    let id = value
                        .get("id")
                        .and_then(|id| CommandId::deserialize(id).ok());
                    match (id, value.get("command")) {
                        (Some(id), Some(command)) => Err(DecodeError::Command {
                            id,
                            message: match crate::command::strict(command) {
                                Err(e) => e.to_string(),
                                Ok(_) => err.to_string(),
                            },
                        }),
                        _ => Err(DecodeError::Malformed(err.to_string())),
                    }
                }
                _ => Err(DecodeError::Malformed(err.to_string())),
            }
        }
    }
}
