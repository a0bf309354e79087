//! The client half of the protocol as one pure state machine: [`ClientSync`], which the browser
//! app, the server's integration-test client and the benchmark all drive.
//!
//! It owns the rules a client must keep (`docs/protocol.md`): folding events into the board
//! with [`apply()`] and never out of order; dropping events it already holds and, on a gap,
//! abandoning the connection and saying `hello` again with its head rather than guessing;
//! adopting a snapshot; keeping each submitted command *pending* until `ack` or `rejected`, and
//! resending every pending command, in order and with its original id, after each welcome (the
//! server applies each id once); sending a rate-limited command again a little later; paging
//! the timeline back with `history`; pinging, and giving up on a link whose requests go
//! unanswered — within seconds while a command is pending — or that the browser says is gone
//! (`liveness.rs`); and reconnecting with exponential backoff and jitter (or not at all, when
//! refused or outdated).
//!
//! **What it deliberately does not do:** open or read sockets, keep anything in storage, read a
//! clock, set timers or draw random numbers. Whoever drives it tells it what happened
//! ([`ClientSync::opened`], [`ClientSync::received`], [`ClientSync::closed`],
//! [`ClientSync::tick`], [`ClientSync::browser_offline`]…) with the time `now` in milliseconds, and carries out the
//! [`Effect`]s it returns: frames to send, a socket to abandon, when to reconnect, pending
//! commands to save, outcomes and notices to show. Jitter comes from a seed given at
//! construction. The board itself lives wherever the caller keeps it (in memory, in the
//! browser's signals), behind the small [`Board`] trait; this machine is the only code that
//! changes it.
//!
//! ```
//! use warroom_core::client::{ClientSync, Effect, Held, Link};
//! use warroom_core::{IncidentId, TextId};
//!
//! let incident = IncidentId::parse("j5ypw3baktyaxifyjy6d7jcb7a").unwrap();
//! let mut sync = ClientSync::new(incident, 0, Vec::new(), 7);
//! let mut board = Held::default();
//! sync.connecting(0.0); // the driver opens a socket…
//! let hello = sync.opened(0.0); // …and sends what it is told to, once open
//! assert!(matches!(&hello[..], [Effect::Send(frame)] if frame.contains(r#""last_seq":0"#)));
//! let welcome = r#"{"type":"welcome","incident":"j5ypw3baktyaxifyjy6d7jcb7a","head":0,
//!     "server_time":"2025-03-14T09:37:02Z"}"#;
//! let effects = sync.received_text(&mut board, welcome, 5.0);
//! assert!(sync.is_live() && effects.contains(&Effect::Link(Link::Online)));
//! // The socket drops: the machine says when to try again, half a second or less from now.
//! let effects = sync.closed(1006, "", 10.0);
//! assert!(effects.iter().any(|e| matches!(e, Effect::ReconnectAt(at) if *at <= 510.0)));
//! ```

mod board;
mod effect;
mod fold;
mod liveness;

pub use board::{Board, Held};
pub use effect::{Effect, Link, Outcome, Pending};
pub use liveness::{
    BUSY_PING_EVERY_MS, BUSY_REPLY_LIMIT_MS, CATCH_UP_LIMIT_MS, IDLE_PING_EVERY_MS,
    IDLE_REPLY_LIMIT_MS, OFFLINE_RETRY_MS, OPEN_LIMIT_MS, TICK_EVERY_MS,
};

use crate::ids::{CommandId, IncidentId, Seq};
use crate::protocol::{ClientMessage, ErrorCode, PROTOCOL_VERSION, ServerMessage, close};

/// Timeline page size when scrolling back.
pub const HISTORY_PAGE: u32 = 200;
/// How long a rate-limited command waits before it is sent again.
pub const RATE_LIMIT_RETRY_MS: f64 = 1_000.0;

/// Where the current connection stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Conn {
    /// No socket (or an abandoned one); a reconnect may be scheduled.
    Down,
    /// A socket is being opened.
    Opening,
    /// Open, hello sent, no welcome yet.
    Hello,
    /// Welcomed: live.
    Live,
    /// Refused or outdated: nothing more will be done.
    Stopped,
}

/// The client half of the protocol for one incident. See the module docs.
#[derive(Debug, Clone)]
pub struct ClientSync {
    incident: IncidentId,
    /// The last sequence folded in (or adopted): what `hello` announces.
    head: Seq,
    /// Whether the board's log reaches back to the declaration.
    history_complete: bool,
    /// Commands sent or to send, oldest first, until acknowledged or rejected.
    pending: Vec<Pending>,
    conn: Conn,
    /// The head the latest welcome announced.
    announced: Option<Seq>,
    /// Reconnect attempts since the last welcome, for the backoff.
    attempt: u32,
    last_heard_ms: f64,
    /// When the first request still without any answer went out (nothing heard since).
    unanswered_since: Option<f64>,
    /// When the last ping went out.
    last_ping_ms: f64,
    /// The browser said it is offline (and has not said `online` since, nor has a welcome
    /// proved it wrong): reconnects wait for `online` or a slow retry.
    offline: bool,
    /// When the reconnect now due was scheduled for; earlier timers are stale.
    retry_at: Option<f64>,
    /// Whether a welcome ever came: after that, a reconnect is shown as offline, not as the
    /// first "connecting".
    ever_live: bool,
    /// The last protocol problem shown, which a refusal repeats.
    notice: Option<String>,
    /// The state of the jitter's generator (splitmix64).
    rng: u64,
}

impl ClientSync {
    /// A client holding the board up to `head` (0 for nothing), with commands still pending
    /// from an earlier life (a reload), and a seed for the reconnect jitter.
    pub fn new(incident: IncidentId, head: Seq, pending: Vec<Pending>, seed: u64) -> Self {
        Self {
            incident,
            head,
            history_complete: false,
            pending,
            conn: Conn::Down,
            announced: None,
            attempt: 0,
            last_heard_ms: 0.0,
            unanswered_since: None,
            last_ping_ms: 0.0,
            offline: false,
            retry_at: None,
            ever_live: false,
            notice: None,
            rng: seed,
        }
    }

    /// The last sequence held.
    pub fn head(&self) -> Seq {
        self.head
    }

    /// The commands not yet acknowledged or rejected, oldest first.
    pub fn pending(&self) -> &[Pending] {
        &self.pending
    }

    /// Whether `id` is still pending.
    pub fn is_pending(&self, id: &CommandId) -> bool {
        self.pending.iter().any(|p| &p.id == id)
    }

    /// Whether the current connection has been welcomed.
    pub fn is_live(&self) -> bool {
        self.conn == Conn::Live
    }

    /// Whether the client holds everything up to the head its welcome announced.
    pub fn caught_up(&self) -> bool {
        self.is_live() && self.announced.is_some_and(|a| self.head >= a)
    }

    /// Whether the log reaches back to the declaration.
    pub fn history_complete(&self) -> bool {
        self.history_complete
    }

    /// A socket is to be opened at `now` (first, or as a reconnect fell due); the link shows
    /// "connecting" the first time, and stays offline on a reconnect. `None` when no
    /// socket should be opened: once refused or outdated, while a connection is already open
    /// or opening, or when this is a stale timer (the reconnect due was rescheduled since —
    /// by `offline`, say).
    pub fn connecting(&mut self, now: f64) -> Option<Vec<Effect>> {
        if !self.reconnect_due(now) {
            return None;
        }
        self.retry_at = None;
        self.conn = Conn::Opening;
        // The handshake is the request: its time limit runs from now.
        self.unanswered_since = Some(now);
        if self.ever_live {
            // A reconnect: the board stays offline until welcomed again.
            return Some(Vec::new());
        }
        Some(vec![Effect::Link(Link::Connecting)])
    }

    /// The socket could not even be created.
    pub fn open_failed(&mut self, now: f64) -> Vec<Effect> {
        let mut out = Vec::new();
        self.reconnect(now, &mut out);
        out
    }

    /// The socket opened: say hello with what is held.
    pub fn opened(&mut self, now: f64) -> Vec<Effect> {
        self.heard(now);
        self.asked(now);
        self.conn = Conn::Hello;
        let hello = ClientMessage::Hello {
            protocol: PROTOCOL_VERSION,
            incident: self.incident.clone(),
            last_seq: self.head,
        };
        vec![Effect::Send(hello.to_json())]
    }

    /// A text frame arrived: decode it and take it in.
    pub fn received_text(&mut self, board: &mut impl Board, text: &str, now: f64) -> Vec<Effect> {
        if matches!(self.conn, Conn::Down | Conn::Stopped) {
            // Even unreadable, what an abandoned socket delivers is not listened to.
            return Vec::new();
        }
        match serde_json::from_str::<ServerMessage>(text) {
            Ok(message) => self.received(board, message, now),
            Err(err) => {
                self.heard(now);
                let notice = format!("Unreadable message from the server: {err}");
                vec![self.set_notice(Some(notice))]
            }
        }
    }

    /// A server message arrived.
    pub fn received(
        &mut self,
        board: &mut impl Board,
        message: ServerMessage,
        now: f64,
    ) -> Vec<Effect> {
        let mut out = Vec::new();
        if matches!(self.conn, Conn::Down | Conn::Stopped) {
            // What an abandoned socket still delivered: it is not listened to.
            return out;
        }
        self.heard(now);
        match message {
            ServerMessage::Welcome {
                head, server_time, ..
            } => {
                self.conn = Conn::Live;
                self.ever_live = true;
                self.announced = Some(head);
                self.attempt = 0;
                // The link works, whatever the browser said.
                self.offline = false;
                self.last_ping_ms = now;
                out.push(Effect::ServerTime(server_time));
                out.push(self.set_notice(None));
                out.push(Effect::Link(Link::Online));
                // Everything not yet acknowledged goes again, with the same ids, in order.
                out.extend(self.pending.iter().map(|p| Effect::Send(p.frame())));
                if !self.pending.is_empty() {
                    self.asked(now);
                }
            }
            ServerMessage::Snapshot {
                seq,
                state,
                timeline,
                ..
            } => self.adopt(board, seq, *state, timeline, &mut out),
            ServerMessage::Events { events } => self.fold(board, events, now, &mut out),
            ServerMessage::History { events, .. } => self.prepend(board, events, &mut out),
            ServerMessage::Ack { id, .. } => self.settle(id, Outcome::Done, &mut out),
            ServerMessage::Rejected { id, rejection } => {
                self.settle(id, Outcome::Rejected(rejection.message), &mut out);
            }
            ServerMessage::Presence { present } => out.push(Effect::Presence(present)),
            ServerMessage::Error {
                code,
                message,
                command,
            } => match (code, command) {
                (ErrorCode::UnsupportedProtocol, _) => {
                    // This client is older than the server: retrying cannot help.
                    self.conn = Conn::Stopped;
                    out.push(self.set_notice(None));
                    out.push(Effect::Disconnect);
                    out.push(Effect::Link(Link::Outdated));
                }
                (ErrorCode::Forbidden, Some(id)) => {
                    // An observer's connection: nothing changed, and resending cannot help.
                    out.push(Effect::Forbidden);
                    self.settle(id, Outcome::Rejected(message), &mut out);
                }
                (ErrorCode::Malformed, Some(id)) => {
                    // The command itself cannot be read (a field it does not have, say):
                    // nothing changed, and resending it as it is cannot help.
                    self.settle(id, Outcome::Rejected(message), &mut out);
                }
                (ErrorCode::RateLimited, Some(id)) => {
                    // Not processed: send it again shortly.
                    out.push(Effect::RetryAt(id, now + RATE_LIMIT_RETRY_MS));
                }
                _ => out.push(self.set_notice(Some(message))),
            },
            ServerMessage::Pong { .. } => {}
        }
        out
    }

    /// The socket closed, with this close code and reason.
    pub fn closed(&mut self, code: u16, reason: &str, now: f64) -> Vec<Effect> {
        let mut out = Vec::new();
        if matches!(self.conn, Conn::Down | Conn::Stopped) {
            return out;
        }
        let welcomed = self.conn == Conn::Live;
        self.conn = Conn::Down;
        if code == close::REFUSED {
            let message = self.notice.clone().unwrap_or_else(|| {
                if welcomed {
                    // Access taken away: a removed member, a revoked observer link.
                    format!("The server closed this board: {reason}.")
                } else {
                    format!("The server refused: {reason}")
                }
            });
            self.conn = Conn::Stopped;
            out.push(Effect::Link(Link::Refused(message)));
            return out;
        }
        if code == close::TOO_MANY_CONNECTIONS {
            out.push(self.set_notice(Some(format!(
                "The server is busy ({reason}); trying again. Closing other Warroom tabs helps."
            ))));
        }
        // Signed out (here or in another tab), or a socket that never got its welcome (the
        // upgrade is refused without a session).
        if !welcomed || code == close::SIGNED_OUT {
            out.push(Effect::CheckSignedIn);
        }
        self.reconnect(now, &mut out);
        out
    }

    /// A new command, at `now`: pending from now on, and sent at once when live — with a ping
    /// when nothing else was pending, so that the link proves itself within seconds whatever
    /// the room takes to write (see `liveness.rs`).
    pub fn submit(&mut self, id: CommandId, command: String, now: f64) -> Vec<Effect> {
        let pending = Pending { id, command };
        let mut out = vec![
            Effect::Outcome(pending.id.clone(), Outcome::Pending),
            Effect::SavePending,
        ];
        let was_idle = self.pending.is_empty();
        if self.is_live() {
            out.push(Effect::Send(pending.frame()));
            self.asked(now);
            if was_idle {
                self.ping(now, &mut out);
            }
        }
        self.pending.push(pending);
        out
    }

    /// A rate-limited command's wait is over: send it again if it is still pending and live.
    pub fn retry(&mut self, id: &CommandId) -> Vec<Effect> {
        if !self.is_live() {
            return Vec::new();
        }
        let pending = self.pending.iter().find(|p| &p.id == id);
        pending
            .map(|p| Effect::Send(p.frame()))
            .into_iter()
            .collect()
    }

    /// Asks for the page of timeline before what is held (nothing once it reaches seq 1).
    pub fn load_earlier(&mut self, board: &impl Board) -> Vec<Effect> {
        let mut out = Vec::new();
        self.load_earlier_into(board, &mut out);
        out
    }

    fn settle(&mut self, id: CommandId, outcome: Outcome, out: &mut Vec<Effect>) {
        if self.is_pending(&id) {
            self.pending.retain(|p| p.id != id);
            out.push(Effect::SavePending);
        }
        out.push(Effect::Outcome(id, outcome));
    }

    fn set_notice(&mut self, notice: Option<String>) -> Effect {
        self.notice.clone_from(&notice);
        Effect::Notice(notice)
    }

    fn set_history_complete(&mut self, complete: bool, out: &mut Vec<Effect>) {
        if self.history_complete != complete {
            self.history_complete = complete;
            out.push(Effect::HistoryComplete(complete));
        }
    }
}
