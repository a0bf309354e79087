//! The board's link to the server: one WebSocket per open incident, and the client half of
//! the protocol.
//!
//! It folds the server's events into the board with warroom-core's `apply` (the very function
//! the server runs), checks that sequences have no gaps, keeps the commands this browser sent
//! as *pending* until acknowledged (in local storage too, so a reload loses nothing), resends
//! them with the same ids after every reconnect — the server applies each id once — and
//! reconnects by itself with exponential backoff and jitter.
//!
//! Components read the signals here; they never touch the socket.

use std::collections::{BTreeSet, HashMap};

use gloo_storage::{LocalStorage as WebStorage, Storage};
use leptos::prelude::*;
use leptos::task::spawn_local;
use warroom_core::protocol::{ClientMessage, ErrorCode, PROTOCOL_VERSION, ServerMessage, close};
use warroom_core::{
    Command, CommandId, IncidentId, NoteKind, ParticipantId, Recorded, Seq, State, TextId, apply,
};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use web_sys::{CloseEvent, MessageEvent, WebSocket};

use crate::clock::Clock;
use crate::identity::{Identity, random_token};

/// How the link to the server stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Link {
    Connecting,
    Online,
    /// Lost; the next attempt is due at this browser time (ms).
    Offline {
        retry_at_ms: f64,
    },
    /// The server refused for good (no such incident): no retries.
    Refused(String),
    /// The server speaks a newer protocol than this page: only a reload helps. Unsent
    /// commands are kept in local storage and go out from the reloaded page.
    Outdated,
}

/// What became of a command this browser sent.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Pending,
    Done,
    Rejected(String),
}

/// A command not yet acknowledged by the server.
///
/// The command is kept as the JSON it is sent as: the browser never needs to read a command
/// back, and not linking the command decoder keeps the bundle smaller.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PendingCommand {
    pub id: CommandId,
    /// The command, as JSON.
    pub command: String,
    /// For a note: its kind and text, shown on the timeline as "sending…".
    pub note: Option<(NoteKind, String)>,
    /// When it was made, browser time in ms.
    pub at_ms: f64,
}

impl PendingCommand {
    fn submit_frame(&self) -> String {
        // Ids are validated to letters, digits, '-' and '_': nothing to escape.
        format!(
            r#"{{"type":"submit","id":"{}","command":{}}}"#,
            self.id, self.command
        )
    }
}

/// Timeline page size when scrolling back.
pub const HISTORY_PAGE: u32 = 200;
const PING_EVERY_MS: u32 = 10_000;
const SILENCE_LIMIT_MS: f64 = 35_000.0;

/// The live incident, provided as context to the board's components.
#[derive(Clone, Copy)]
pub struct Session {
    pub incident: StoredValue<IncidentId>,
    /// The folded board; `None` until the first events arrive.
    pub state: RwSignal<State>,
    /// The events this browser holds, contiguous and ending at the board's sequence. It may
    /// start after 1 when the board came as a snapshot; older pages load on demand.
    pub log: RwSignal<Vec<Recorded>>,
    /// Whether `log` reaches back to the declaration.
    pub history_complete: RwSignal<bool>,
    pub present: RwSignal<BTreeSet<ParticipantId>>,
    /// Whether the server has told us who is present yet.
    pub presence_known: RwSignal<bool>,
    pub link: RwSignal<Link>,
    pub pending: RwSignal<Vec<PendingCommand>>,
    pub outcomes: RwSignal<HashMap<CommandId, Outcome>>,
    /// The last protocol-level problem the server reported, for the connection indicator.
    pub notice: RwSignal<Option<String>>,
    /// This browser only watches: it holds an observer link with nobody signed in, or the
    /// server let it onto a restricted incident it is no member of (through an observer link),
    /// or the server refused a command as read-only. The board then shows no controls.
    pub read_only: Memo<bool>,
    /// The server answered `forbidden`: this connection is an observer's.
    forbidden: RwSignal<bool>,
    identity: Identity,
    clock: Clock,
    socket: StoredValue<Option<Socket>, LocalStorage>,
    /// Whether the current socket has been welcomed. A socket that fails before its welcome
    /// may mean the session has gone (the upgrade is refused with 401, which a browser cannot
    /// read), so the app asks the API.
    welcomed: StoredValue<bool>,
    /// Where the pending commands are kept: they belong to the person who typed them.
    pending_key: StoredValue<String>,
    attempt: StoredValue<u32>,
    last_heard_ms: StoredValue<f64>,
    /// Cleared when the board is left: no more reconnects.
    alive: StoredValue<bool>,
}

/// A WebSocket with the closures wired to it; dropping it detaches them.
struct Socket {
    ws: WebSocket,
    _on_open: Closure<dyn FnMut(web_sys::Event)>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
}

impl Socket {
    /// Stops the socket calling back and closes it. Safe from inside its own handlers: the
    /// closures themselves are freed later, when the `Socket` is dropped.
    fn detach(&self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        let _ = self.ws.close();
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.detach();
    }
}

impl Session {
    /// Opens the link to `incident` and keeps it open until the owner is cleaned up.
    pub fn connect(incident: IncidentId, identity: Identity, clock: Clock) -> Self {
        let key = pending_key(&identity.participant(), &incident);
        let mut pending: Vec<PendingCommand> = WebStorage::get(&key).unwrap_or_default();
        // Commands a version-1 page kept under the incident alone were typed in this browser
        // by the person now signing in afresh: they are theirs, and go out under the issued
        // identity rather than being lost.
        let legacy = format!("{PENDING_PREFIX}{incident}");
        if let Ok(old) = WebStorage::get::<Vec<PendingCommand>>(&legacy) {
            pending.extend(old);
            WebStorage::delete(&legacy);
            let _ = WebStorage::set(&key, &pending);
        }
        let outcomes = pending
            .iter()
            .map(|p| (p.id.clone(), Outcome::Pending))
            .collect();
        let state = RwSignal::<State>::new(None);
        let forbidden = RwSignal::new(false);
        let me = identity.participant();
        let read_only = Memo::new(move |_| {
            identity.is_observer()
                || forbidden.get()
                || state.with(|s| {
                    s.as_ref()
                        .is_some_and(|i| i.access.restricted && !i.access.members.contains(&me))
                })
        });
        let session = Self {
            incident: StoredValue::new(incident),
            state,
            log: RwSignal::new(Vec::new()),
            history_complete: RwSignal::new(false),
            present: RwSignal::new(BTreeSet::new()),
            presence_known: RwSignal::new(false),
            link: RwSignal::new(Link::Connecting),
            pending: RwSignal::new(pending),
            outcomes: RwSignal::new(outcomes),
            notice: RwSignal::new(None),
            read_only,
            forbidden,
            identity,
            clock,
            socket: StoredValue::new_local(None),
            welcomed: StoredValue::new(false),
            pending_key: StoredValue::new(key),
            attempt: StoredValue::new(0),
            last_heard_ms: StoredValue::new(js_sys::Date::now()),
            alive: StoredValue::new(true),
        };
        session.open();
        let heartbeat = gloo_timers::callback::Interval::new(PING_EVERY_MS, move || {
            session.heartbeat();
        });
        // Dropped (and so stopped) with the board.
        StoredValue::new_local(heartbeat);
        on_cleanup(move || {
            session.alive.try_set_value(false);
            session.discard_socket();
        });
        session
    }

    /// The board's sequence: the last event folded in.
    pub fn head(&self) -> Seq {
        self.state
            .with_untracked(|s| s.as_ref().map_or(0, |i| i.seq))
    }

    /// Known not to be connected; `false` until the server has said who is present, so that
    /// nobody looks absent for the moment a board takes to load.
    pub fn is_absent(&self, who: &ParticipantId) -> bool {
        self.presence_known.get() && !self.present.with(|p| p.contains(who))
    }

    /// Sends a command (or queues it while offline). Returns its id, whose [`Outcome`] the
    /// caller can watch to show the result where the person acted.
    pub fn submit(&self, command: Command) -> CommandId {
        let id = CommandId::parse(&format!("c-{}", random_token())).expect("valid id");
        let note = match &command {
            Command::PostNote { kind, text } => Some((*kind, text.clone())),
            _ => None,
        };
        let pending = PendingCommand {
            id: id.clone(),
            command: serde_json::to_string(&command).expect("commands serialise"),
            note,
            at_ms: js_sys::Date::now(),
        };
        self.outcomes
            .update(|o| drop(o.insert(id.clone(), Outcome::Pending)));
        self.pending.update(|p| p.push(pending.clone()));
        self.save_pending();
        if self.link.get_untracked() == Link::Online {
            self.send_text(&pending.submit_frame());
        }
        id
    }

    /// Asks for the page of timeline before what the browser holds.
    pub fn load_earlier(&self) {
        let first = self.log.with_untracked(|l| l.first().map(|r| r.seq));
        let before = first.unwrap_or_else(|| self.head() + 1);
        if before > 1 {
            self.send(&ClientMessage::History {
                before,
                limit: HISTORY_PAGE,
            });
        }
    }

    fn open(&self) {
        if !self.is_alive() {
            return;
        }
        self.link.set(Link::Connecting);
        self.welcomed.set_value(false);
        let location = window().location();
        let scheme = if location.protocol().as_deref() == Ok("https:") {
            "wss"
        } else {
            "ws"
        };
        let host = location.host().unwrap_or_default();
        let ws = match WebSocket::new(&format!("{scheme}://{host}/ws")) {
            Ok(ws) => ws,
            Err(_) => {
                self.schedule_reconnect();
                return;
            }
        };
        let session = *self;
        let on_open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| session.on_open());
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            if let Some(text) = ev.data().as_string() {
                session.on_message(&text);
            }
        });
        let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |ev: CloseEvent| {
            session.on_close(ev.code(), ev.reason());
        });
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        self.socket.set_value(Some(Socket {
            ws,
            _on_open: on_open,
            _on_message: on_message,
            _on_close: on_close,
        }));
    }

    fn on_open(&self) {
        self.last_heard_ms.set_value(js_sys::Date::now());
        // Who this connection speaks for is the session the socket was opened with.
        self.send(&ClientMessage::Hello {
            protocol: PROTOCOL_VERSION,
            incident: self.incident.get_value(),
            last_seq: self.head(),
        });
    }

    fn on_message(&self, text: &str) {
        self.last_heard_ms.set_value(js_sys::Date::now());
        let message = match serde_json::from_str::<ServerMessage>(text) {
            Ok(m) => m,
            Err(err) => {
                self.notice
                    .set(Some(format!("Unreadable message from the server: {err}")));
                return;
            }
        };
        match message {
            ServerMessage::Welcome { server_time, .. } => {
                self.clock.set_server_time(server_time);
                self.welcomed.set_value(true);
                self.attempt.set_value(0);
                self.notice.set(None);
                self.link.set(Link::Online);
                // Everything not yet acknowledged goes again, with the same ids, in order.
                for p in self.pending.get_untracked() {
                    self.send_text(&p.submit_frame());
                }
            }
            ServerMessage::Snapshot { seq, state } => {
                self.state.set(Some(*state));
                self.log.set(Vec::new());
                self.history_complete.set(seq == 0);
                self.load_earlier();
            }
            ServerMessage::Events { events } => self.fold(events),
            ServerMessage::History { events, .. } => {
                let first = self.log.with_untracked(|l| l.first().map(|r| r.seq));
                let older: Vec<Recorded> = events
                    .into_iter()
                    .filter(|r| first.is_none_or(|f| r.seq < f))
                    .collect();
                if older.first().is_some_and(|r| r.seq == 1) || first == Some(1) {
                    self.history_complete.set(true);
                }
                if !older.is_empty() {
                    self.log.update(|l| {
                        l.splice(0..0, older);
                    });
                }
            }
            ServerMessage::Ack { id, .. } => self.settle(&id, Outcome::Done),
            ServerMessage::Rejected { id, rejection } => {
                self.settle(&id, Outcome::Rejected(rejection.message));
            }
            ServerMessage::Presence { present } => {
                self.present.set(present.into_iter().collect());
                self.presence_known.set(true);
            }
            ServerMessage::Error {
                code,
                message,
                command,
            } => {
                if code == ErrorCode::UnsupportedProtocol {
                    // This page is older than the server: retrying cannot help.
                    self.notice.set(None);
                    self.discard_socket();
                    self.link.set(Link::Outdated);
                } else if let (ErrorCode::Forbidden, Some(id)) = (code, &command) {
                    // An observer's connection: nothing changed, and resending cannot help.
                    self.forbidden.set(true);
                    self.settle(id, Outcome::Rejected(message));
                } else if let (ErrorCode::RateLimited, Some(id)) = (code, command) {
                    // Not processed: send it again shortly.
                    let session = *self;
                    set_timeout(
                        move || session.resend(&id),
                        std::time::Duration::from_millis(1_000),
                    );
                } else {
                    self.notice.set(Some(message));
                }
            }
            ServerMessage::Pong { .. } => {}
        }
    }

    /// Folds a batch of events in, skipping ones already held and resyncing on a gap.
    fn fold(&self, events: Vec<Recorded>) {
        let head = self.head();
        let fresh: Vec<Recorded> = events.into_iter().filter(|r| r.seq > head).collect();
        let Some(first) = fresh.first() else {
            return;
        };
        let contiguous = fresh
            .iter()
            .enumerate()
            .all(|(i, r)| r.seq == first.seq + i as Seq);
        if first.seq != head + 1 || !contiguous {
            // A gap: never guess. Reconnect and resume from what we hold.
            self.notice.set(Some(format!(
                "Missed events after {head}; resynchronising."
            )));
            self.drop_socket();
            return;
        }
        self.state.update(|state| {
            for r in &fresh {
                apply(state, r);
            }
        });
        if head == 0 {
            self.history_complete.set(true);
        }
        self.log.update(|l| l.extend(fresh));
    }

    fn settle(&self, id: &CommandId, outcome: Outcome) {
        let known = self
            .pending
            .with_untracked(|p| p.iter().any(|c| &c.id == id));
        if known {
            self.pending.update(|p| p.retain(|c| &c.id != id));
            self.save_pending();
        }
        self.outcomes
            .update(|o| drop(o.insert(id.clone(), outcome)));
    }

    fn resend(&self, id: &CommandId) {
        if !self.is_alive() || self.link.get_untracked() != Link::Online {
            return;
        }
        let command = self
            .pending
            .with_untracked(|p| p.iter().find(|c| &c.id == id).cloned());
        if let Some(p) = command {
            self.send_text(&p.submit_frame());
        }
    }

    fn on_close(&self, code: u16, reason: String) {
        let welcomed = self.welcomed.get_value();
        self.discard_socket();
        if code == close::REFUSED {
            let message = self.notice.get_untracked().unwrap_or_else(|| {
                if welcomed {
                    // Access taken away: a removed member, a revoked observer link.
                    format!("The server closed this board: {reason}.")
                } else {
                    format!("The server refused: {reason}")
                }
            });
            self.link.set(Link::Refused(message));
            return;
        }
        if code == close::TOO_MANY_CONNECTIONS {
            self.notice.set(Some(format!(
                "The server is busy ({reason}); trying again. Closing other Warroom tabs helps."
            )));
        }
        // Signed out (here or in another tab), or a socket that never got its welcome (the
        // upgrade is refused without a session): ask whether this browser is signed in.
        if !welcomed || code == close::SIGNED_OUT {
            self.check_signed_in();
        }
        self.schedule_reconnect();
    }

    /// Asks the API whether this browser is still signed in; when it is not, the app shows
    /// the sign-in form (and this board goes away).
    fn check_signed_in(&self) {
        let session = *self;
        spawn_local(async move {
            if let Ok(None) = crate::api::session().await
                && session.is_alive()
            {
                session.identity.signed_out();
            }
        });
    }

    /// Abandons the current socket (dead or out of step) and reconnects.
    fn drop_socket(&self) {
        self.discard_socket();
        self.schedule_reconnect();
    }

    /// Detaches and closes the socket. The drop is deferred because this may run inside one
    /// of the socket's own handlers, which must not be freed while they execute.
    fn discard_socket(&self) {
        if let Some(socket) = self.socket.try_update_value(Option::take).flatten() {
            socket.detach();
            set_timeout(move || drop(socket), std::time::Duration::ZERO);
        }
    }

    /// Whether the board this session belongs to is still on screen. Timers set earlier may
    /// fire after it has gone, when every signal of the session is disposed.
    fn is_alive(&self) -> bool {
        self.alive.try_get_value().unwrap_or(false)
    }

    fn schedule_reconnect(&self) {
        if !self.is_alive() {
            return;
        }
        let attempt = self.attempt.get_value();
        self.attempt.set_value(attempt.saturating_add(1));
        // Exponential backoff from half a second, capped at eight, with jitter so that a
        // room full of browsers does not reconnect in lockstep after a restart.
        let base = (500.0 * 2f64.powi(attempt.min(4) as i32)).min(8_000.0);
        let delay = base * (0.5 + 0.5 * js_sys::Math::random());
        self.link.set(Link::Offline {
            retry_at_ms: js_sys::Date::now() + delay,
        });
        let session = *self;
        set_timeout(
            move || session.open(),
            std::time::Duration::from_millis(delay as u64),
        );
    }

    fn heartbeat(&self) {
        if self.link.get_untracked() != Link::Online {
            return;
        }
        if js_sys::Date::now() - self.last_heard_ms.get_value() > SILENCE_LIMIT_MS {
            // Half-open: the server went silent without a close. Start over.
            self.drop_socket();
            return;
        }
        self.send(&ClientMessage::Ping {
            nonce: js_sys::Date::now() as u64,
        });
    }

    fn send(&self, message: &ClientMessage) {
        self.send_text(&message.to_json());
    }

    fn send_text(&self, text: &str) {
        self.socket.with_value(|s| {
            if let Some(s) = s
                && s.ws.ready_state() == WebSocket::OPEN
            {
                let _ = s.ws.send_with_str(text);
            }
        });
    }

    fn save_pending(&self) {
        let Some(key) = self.pending_key.try_get_value() else {
            return;
        };
        self.pending.with_untracked(|p| {
            if p.is_empty() {
                WebStorage::delete(&key);
            } else {
                let _ = WebStorage::set(&key, p);
            }
        });
    }
}

const PENDING_PREFIX: &str = "warroom.pending.";

/// Where the commands `participant` has not yet had acknowledged on `incident` are kept.
fn pending_key(participant: &ParticipantId, incident: &IncidentId) -> String {
    format!("{PENDING_PREFIX}{participant}.{incident}")
}

/// Drops the unsent commands kept for `participant` (after signing out: whoever signs in
/// next is someone else to the server).
pub fn forget_pending(participant: &ParticipantId) {
    let storage = WebStorage::raw();
    let prefix = format!("{PENDING_PREFIX}{participant}.");
    let keys: Vec<String> = (0..storage.length().unwrap_or(0))
        .filter_map(|i| storage.key(i).ok().flatten())
        .filter(|key| key.starts_with(&prefix))
        .collect();
    for key in keys {
        WebStorage::delete(key);
    }
}
