//! What the rest of the server sees of a room: the handle to its queue, the messages it takes
//! (joins, submits, leaves, and the API's requests), and what a connection brings and is given
//! when it joins (a [`Joiner`], an [`Outbox`]).
//!
//! How the room handles each message is the room's (`room.rs` and its other files).

use tokio::sync::{mpsc, oneshot};
use warroom_core::{Command, CommandId, LinkId, ParticipantId, Seq};

use super::{ConnId, DeleteRefused, Frame, Reply, ScriptError};

/// What connections send to a room.
pub enum RoomMsg {
    /// A connection said hello. The room answers through `outbox`: welcome, what the client is
    /// missing, then the live stream.
    Join {
        joiner: Joiner,
        outbox: Outbox,
    },
    Submit {
        conn: ConnId,
        participant: ParticipantId,
        id: CommandId,
        command: Command,
    },
    Leave {
        conn: ConnId,
    },
    /// A command the server sends on someone's behalf after checking what the rules cannot
    /// (a link's token): its events, or the rejection, come back through `reply`. `link`
    /// is the token of the link a `create_link` makes. With an `id`, a retry with the same id
    /// is acknowledged again and applied once, as a client's submit is.
    Act {
        participant: ParticipantId,
        id: Option<CommandId>,
        command: Command,
        link: Option<String>,
        reply: Reply,
    },
    /// The facilitator asks for the script's injects (players never see them).
    Script {
        participant: ParticipantId,
        reply: oneshot::Sender<Result<Vec<warroom_core::api::UpcomingInject>, ScriptError>>,
    },
    /// Enter a timeline file's rows into the incident, all or nothing, in one write (see
    /// `import.rs`): the events written, or why not.
    Import {
        participant: ParticipantId,
        rows: Vec<warroom_core::import::Row>,
        reply: oneshot::Sender<Result<Vec<warroom_core::Recorded>, super::ImportError>>,
    },
    /// The database says another process committed to the log up to `head` (`None`: news may
    /// have been missed); the room catches up if it is behind.
    Heard {
        head: Option<Seq>,
    },
    /// Another replica says who is connected to the incident through it (see
    /// `store::Heard::Presence`).
    Presence {
        replica: String,
        participants: Vec<ParticipantId>,
        first: bool,
        ask: bool,
    },
    /// Delete the incident if it is an exercise and `by` may; the room then closes every
    /// connection.
    Delete {
        by: ParticipantId,
        admin: bool,
        reply: oneshot::Sender<Result<(), DeleteRefused>>,
    },
}

/// The sending half of a subscriber's queue.
pub struct Outbox {
    /// Frames for the client, bounded: when full, the subscriber is cut off.
    pub frames: mpsc::Sender<Frame>,
    /// Tells the connection to close with this code (and why) when the room cuts it off.
    pub kick: oneshot::Sender<(u16, &'static str)>,
}

/// A handle to a live room.
#[derive(Clone)]
pub struct RoomHandle {
    pub(crate) tx: mpsc::Sender<RoomMsg>,
    /// Distinguishes this room from a later one for the same incident.
    pub(crate) generation: u64,
}

impl RoomHandle {
    /// Sends a message to the room; `Err` means the room has ended (reconnect to reload it).
    pub async fn send(&self, msg: RoomMsg) -> Result<(), RoomMsg> {
        self.tx.send(msg).await.map_err(|e| e.0)
    }
}

/// A connection that said hello: who it speaks for (from its session), what it holds.
pub struct Joiner {
    pub conn: ConnId,
    pub participant: ParticipantId,
    pub name: String,
    /// The last sequence the client holds.
    pub last_seq: Seq,
    /// The observer link this connection's browser holds for this incident, if any.
    pub observing: Option<LinkId>,
    /// Nobody is signed in: the connection may only watch.
    pub observer_only: bool,
}
