//! The board's link to the server: one WebSocket per open incident, driving
//! `warroom_core::client::ClientSync`, the client half of the protocol.
//!
//! Every protocol rule — folding events in order, gaps, snapshots, resending pending commands
//! with the same ids, outcomes, history pages, heartbeats, backoff — is in `ClientSync`, which
//! the server's tests and the benchmark drive too. This file is the browser's part only: the
//! socket and its closures, the timers, local storage for the pending commands (so a reload
//! loses nothing), and the signals components read. Components never touch the socket.

use std::collections::{BTreeSet, HashMap};

use gloo_storage::{LocalStorage as WebStorage, Storage};
use leptos::prelude::*;
use leptos::task::spawn_local;
use warroom_core::client::{Board, ClientSync, Effect, PING_EVERY_MS, Pending};
use warroom_core::{
    Command, CommandId, IncidentId, NoteKind, ParticipantId, Recorded, Seq, State, TextId,
};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use web_sys::{CloseEvent, MessageEvent, WebSocket};

use crate::clock::Clock;
use crate::identity::{Identity, random_token};

pub use warroom_core::client::{Link, Outcome};

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
    /// The protocol's state: what is held, what is pending, how the link stands.
    sync: StoredValue<ClientSync>,
    /// Where the pending commands are kept: they belong to the person who typed them.
    pending_key: StoredValue<String>,
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

/// The board's signals, where `ClientSync` keeps what it folds.
#[derive(Clone, Copy)]
struct Signals {
    state: RwSignal<State>,
    log: RwSignal<Vec<Recorded>>,
}

impl Board for Signals {
    fn update(&mut self, f: impl FnOnce(&mut State, &mut Vec<Recorded>)) {
        // The log is taken out for the moment the board changes, so that the two signals
        // are never written at once.
        let mut log = self
            .log
            .try_update_untracked(std::mem::take)
            .unwrap_or_default();
        self.state.update(|state| f(state, &mut log));
        self.log.set(log);
    }

    fn update_log(&mut self, f: impl FnOnce(&mut Vec<Recorded>)) {
        self.log.update(f);
    }

    fn oldest(&self) -> Option<Seq> {
        self.log.with_untracked(|l| l.first().map(|r| r.seq))
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
        let resend = pending
            .iter()
            .map(|p| Pending {
                id: p.id.clone(),
                command: p.command.clone(),
            })
            .collect();
        // The seed of the reconnect jitter, so that browsers do not retry in lockstep.
        let seed = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
        let sync = ClientSync::new(incident.clone(), 0, resend, seed);
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
            sync: StoredValue::new(sync),
            pending_key: StoredValue::new(key),
            alive: StoredValue::new(true),
        };
        session.open();
        let heartbeat = gloo_timers::callback::Interval::new(PING_EVERY_MS, move || {
            session.drive(|sync, _| sync.tick(js_sys::Date::now()));
        });
        // Dropped (and so stopped) with the board.
        StoredValue::new_local(heartbeat);
        on_cleanup(move || {
            session.alive.try_set_value(false);
            session.discard_socket();
        });
        session
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
            Command::PostNote { kind, text, .. } => Some((*kind, text.clone())),
            _ => None,
        };
        let json = serde_json::to_string(&command).expect("commands serialise");
        self.pending.update(|p| {
            p.push(PendingCommand {
                id: id.clone(),
                command: json.clone(),
                note,
                at_ms: js_sys::Date::now(),
            });
        });
        self.drive(|sync, _| sync.submit(id.clone(), json));
        id
    }

    /// Asks for the page of timeline before what the browser holds.
    pub fn load_earlier(&self) {
        self.drive(|sync, board| sync.load_earlier(board));
    }

    /// Tells the protocol what happened and carries out what it asks for.
    fn drive(&self, f: impl FnOnce(&mut ClientSync, &mut Signals) -> Vec<Effect>) {
        if !self.is_alive() {
            return;
        }
        let mut board = Signals {
            state: self.state,
            log: self.log,
        };
        let effects = self.sync.try_update_value(|sync| f(sync, &mut board));
        for effect in effects.into_iter().flatten() {
            self.carry_out(effect);
        }
    }

    fn carry_out(&self, effect: Effect) {
        let session = *self;
        match effect {
            Effect::Send(text) => self.send_text(&text),
            Effect::Disconnect => self.discard_socket(),
            Effect::ReconnectAt(at) => set_timeout(move || session.open(), until(at)),
            Effect::RetryAt(id, at) => {
                set_timeout(move || session.drive(|sync, _| sync.retry(&id)), until(at));
            }
            Effect::Link(link) => self.link.set(link),
            Effect::SavePending => self.save_pending(),
            Effect::Outcome(id, outcome) => {
                self.outcomes.update(|o| drop(o.insert(id, outcome)));
            }
            Effect::HistoryComplete(complete) => self.history_complete.set(complete),
            Effect::Presence(present) => {
                self.present.set(present.into_iter().collect());
                self.presence_known.set(true);
            }
            Effect::ServerTime(time) => self.clock.set_server_time(time),
            Effect::Notice(notice) => self.notice.set(notice),
            Effect::Forbidden => self.forbidden.set(true),
            Effect::CheckSignedIn => self.check_signed_in(),
            Effect::Folded { .. } | Effect::Adopted(_) => {}
        }
    }

    fn open(&self) {
        if !self.is_alive() {
            return;
        }
        let Some(effects) = self.sync.try_update_value(ClientSync::connecting).flatten() else {
            return;
        };
        effects.into_iter().for_each(|e| self.carry_out(e));
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
                self.drive(|sync, _| sync.open_failed(js_sys::Date::now()));
                return;
            }
        };
        let session = *self;
        let on_open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            session.drive(|sync, _| sync.opened(js_sys::Date::now()));
        });
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            if let Some(text) = ev.data().as_string() {
                session.drive(|sync, board| sync.received_text(board, &text, js_sys::Date::now()));
            }
        });
        let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |ev: CloseEvent| {
            session.discard_socket();
            let reason = ev.reason();
            session.drive(|sync, _| sync.closed(ev.code(), &reason, js_sys::Date::now()));
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

    fn send_text(&self, text: &str) {
        self.socket.with_value(|s| {
            if let Some(s) = s
                && s.ws.ready_state() == WebSocket::OPEN
            {
                let _ = s.ws.send_with_str(text);
            }
        });
    }

    /// Keeps the commands still pending, in local storage too.
    fn save_pending(&self) {
        let Some(key) = self.pending_key.try_get_value() else {
            return;
        };
        self.sync.with_value(|sync| {
            self.pending
                .update(|p| p.retain(|c| sync.is_pending(&c.id)));
        });
        self.pending.with_untracked(|p| {
            if p.is_empty() {
                WebStorage::delete(&key);
            } else {
                let _ = WebStorage::set(&key, p);
            }
        });
    }
}

/// How long from now until `at_ms`, browser time.
fn until(at_ms: f64) -> std::time::Duration {
    std::time::Duration::from_millis((at_ms - js_sys::Date::now()).max(0.0).ceil() as u64)
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
