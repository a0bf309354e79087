//! What [`ClientSync`] hands back to its driver: the [`Effect`]s to carry out, and the values
//! they carry — how the [`Link`] stands, a command's [`Outcome`], a [`Pending`] command.
//!
//! [`ClientSync`]: super::ClientSync

use crate::ids::{CommandId, ParticipantId, Seq};
use crate::incident::Timestamp;

/// How the link to the server stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Link {
    Connecting,
    Online,
    /// Lost; the next attempt is due at this time (ms, the driver's clock).
    Offline {
        retry_at_ms: f64,
    },
    /// The server refused for good (no such incident, access taken away): no retries.
    Refused(String),
    /// The server speaks a newer protocol than this client: only a reload helps. Pending
    /// commands are kept and go out from the reloaded page.
    Outdated,
}

/// What became of a submitted command.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Pending,
    Done,
    Rejected(String),
}

/// A command not yet acknowledged, kept as the JSON it is sent as: a client never needs to
/// read a command back, and the browser then does not link the command decoder.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    pub id: CommandId,
    pub command: String,
}

impl Pending {
    /// The `submit` frame carrying this command.
    pub fn frame(&self) -> String {
        // Ids are validated to letters, digits, '-' and '_': nothing to escape.
        format!(
            r#"{{"type":"submit","id":"{}","command":{}}}"#,
            self.id, self.command
        )
    }
}

/// What the driver must do, in the order given.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Send this text frame on the open socket.
    Send(String),
    /// Abandon the socket: detach and close it, without reporting its close back.
    Disconnect,
    /// Open a new socket at this time (ms) if [`ClientSync::connecting`](super::ClientSync::connecting)
    /// then says so (a later `ReconnectAt` supersedes this one: the driver need not cancel
    /// timers, a stale one opens nothing).
    ReconnectAt(f64),
    /// Call [`ClientSync::retry`](super::ClientSync::retry) with this command at this time
    /// (ms).
    RetryAt(CommandId, f64),
    /// The link's state changed.
    Link(Link),
    /// The pending commands changed ([`ClientSync::pending`](super::ClientSync::pending)):
    /// keep them somewhere safe.
    SavePending,
    /// A command's outcome changed.
    Outcome(CommandId, Outcome),
    /// Events `from..=to` were folded into the board.
    Folded { from: Seq, to: Seq },
    /// The board was replaced by a snapshot as of this sequence; the log was emptied.
    Adopted(Seq),
    /// Whether the log reaches back to the declaration changed.
    HistoryComplete(bool),
    /// Who is connected to the incident.
    Presence(Vec<ParticipantId>),
    /// The server's clock, from a welcome.
    ServerTime(Timestamp),
    /// The last protocol-level problem worth showing, or none.
    Notice(Option<String>),
    /// The server refused a command because this connection may only watch.
    Forbidden,
    /// The session may have ended (signed out, or a socket refused before its welcome, which a
    /// browser cannot tell from a 401): ask the API whether this client is still signed in.
    CheckSignedIn,
}
