//! A WebSocket client that behaves like the browser app: it says hello and keeps a replica of
//! the board with warroom-core's `ClientSync` (the very state machine the browser drives),
//! and checks the server's promise as it goes — events follow what it holds, without gaps or
//! duplicates. What `ClientSync` would send by itself (resends, history pages) is left out:
//! the tests send their own frames, to see what the server does with them.

use std::collections::HashMap;
use std::time::Instant;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio_tungstenite::tungstenite::handshake::client::Request;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{WebSocketStream, client_async};
use warroom_core::client::{Board, ClientSync, Effect};
use warroom_core::protocol::{ClientMessage, ErrorCode, ServerMessage};
use warroom_core::{
    Command, CommandId, Event, Incident, IncidentId, ParticipantId, Recorded, Rejection, Seq,
    State, TextId,
};

use super::tls::Stream;
use super::{Server, WAIT};

/// What a client knows of the incident: the events it received in order and their fold.
#[derive(Debug, Clone, Default)]
pub struct Replica {
    /// Every event received, in order (only those after the last snapshot, if one came).
    pub log: Vec<Recorded>,
    /// The fold of the snapshot (if any) and `log`.
    pub state: State,
    /// The last sequence held; a resuming client announces it as `last_seq`.
    pub seq: Seq,
    /// How many snapshots replaced the replica.
    pub snapshots: usize,
}

impl Replica {
    /// The board; panics if the replica has not seen the declaration.
    pub fn incident(&self) -> &Incident {
        self.state
            .as_ref()
            .expect("the replica holds a declared incident")
    }

    /// The texts of every note on the board, in note order.
    pub fn note_texts(&self) -> Vec<String> {
        self.incident()
            .notes
            .values()
            .map(|n| n.text.clone())
            .collect()
    }
}

impl Board for Replica {
    fn update(&mut self, f: impl FnOnce(&mut State, &mut Vec<Recorded>)) {
        f(&mut self.state, &mut self.log);
    }
    fn update_log(&mut self, f: impl FnOnce(&mut Vec<Recorded>)) {
        f(&mut self.log);
    }
    fn oldest(&self) -> Option<Seq> {
        self.log.first().map(|r| r.seq)
    }
}

/// What reading the socket produced.
#[derive(Debug)]
pub enum Incoming {
    Message(ServerMessage),
    /// The server closed the connection with a close frame (and this code, if any).
    Closed(Option<u16>),
    /// The connection ended without a close frame, or failed.
    Lost(String),
}

/// The server's answer to one submitted command.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Ack(Seq),
    Rejected(Rejection),
    /// An `error` about the command (it was not processed).
    Error(ErrorCode),
}

pub struct Client {
    ws: WebSocketStream<Stream>,
    /// The participant this connection's session names (empty if opened without one), for
    /// messages and presence checks.
    pub participant: String,
    pub replica: Replica,
    /// The latest `presence`.
    pub present: Vec<ParticipantId>,
    /// The head announced by the latest `welcome`.
    pub welcome_head: Option<Seq>,
    /// The protocol's state, from hello (or from the welcome, when a test said hello itself).
    sync: Option<ClientSync>,
    began: Instant,
}

impl Client {
    /// Opens a WebSocket as the person `label` without saying anything.
    pub async fn connect(server: &Server, label: &str) -> Self {
        let request = server.ws_request(label).await;
        let mut client = Self::connect_with(server, request, None)
            .await
            .expect("the WebSocket upgrade succeeds");
        client.participant = server.id_of(label).await.to_string();
        client
    }

    /// Opens a WebSocket (over TLS if the server speaks it) with this upgrade request,
    /// optionally with a small receive buffer (`SO_RCVBUF`) so that a client that stops
    /// reading backs up quickly.
    pub async fn connect_with(
        server: &Server,
        request: Request,
        recv_buffer: Option<u32>,
    ) -> Result<Self, tungstenite::Error> {
        let open = async {
            let stream = server.open(recv_buffer).await?;
            client_async(request, stream).await
        };
        let (ws, _response) = tokio::time::timeout(WAIT, open)
            .await
            .expect("the WebSocket upgrade answers in time")?;
        Ok(Self {
            ws,
            participant: String::new(),
            replica: Replica::default(),
            present: Vec::new(),
            welcome_head: None,
            sync: None,
            began: Instant::now(),
        })
    }

    /// Opens a WebSocket through a balancer on `port` (plain http) with this upgrade request.
    pub async fn connect_via(port: u16, request: Request) -> Result<Self, tungstenite::Error> {
        let open = async {
            let stream = super::tls::open(port, None, None).await?;
            client_async(request, stream).await
        };
        let (ws, _response) = tokio::time::timeout(WAIT, open)
            .await
            .map_err(|_| tungstenite::Error::Io(std::io::ErrorKind::TimedOut.into()))??;
        Ok(Self {
            ws,
            participant: String::new(),
            replica: Replica::default(),
            present: Vec::new(),
            welcome_head: None,
            sync: None,
            began: Instant::now(),
        })
    }

    /// Connects as the person `label`, says hello as a newcomer and waits until present.
    pub async fn join(server: &Server, incident: &IncidentId, label: &str) -> Self {
        Self::rejoin(server, incident, label, Replica::default()).await
    }

    /// Connects holding `replica`, says hello with its sequence and waits until it is present:
    /// by then it has what it was missing.
    pub async fn rejoin(
        server: &Server,
        incident: &IncidentId,
        label: &str,
        replica: Replica,
    ) -> Self {
        let mut client = Self::connect(server, label).await;
        client.replica = replica;
        client.hello(incident).await;
        client.until_present().await;
        client
    }

    /// Says hello, announcing the replica's sequence (who is speaking is the session's).
    pub async fn hello(&mut self, incident: &IncidentId) {
        let sync = self.start(incident);
        let effects = sync.opened(0.0);
        for effect in effects {
            if let Effect::Send(hello) = effect {
                self.send_text(&hello).await;
            }
        }
    }

    /// A fresh protocol state for a connection to `incident`, holding the replica.
    fn start(&mut self, incident: &IncidentId) -> &mut ClientSync {
        let mut sync = ClientSync::new(incident.clone(), self.replica.seq, Vec::new(), 0);
        sync.connecting(0.0);
        self.sync.insert(sync)
    }

    /// Reads until a `presence` that includes this client.
    pub async fn until_present(&mut self) {
        let me = self.participant.clone();
        self.until("being present", |m| match m {
            ServerMessage::Presence { present } if present.iter().any(|p| p.as_str() == me) => {
                Some(())
            }
            _ => None,
        })
        .await;
        assert!(
            self.welcome_head.is_some_and(|h| h <= self.replica.seq),
            "{me} is present but lacks events up to the welcome's head {:?} (holds {})",
            self.welcome_head,
            self.replica.seq
        );
    }

    pub async fn send_text(&mut self, text: &str) {
        self.send_raw(Message::text(text)).await;
    }

    pub async fn send_json(&mut self, value: &Value) {
        self.send_text(&value.to_string()).await;
    }

    /// Sends without panicking: `false` once the connection is gone.
    pub async fn try_send_raw(&mut self, message: Message) -> bool {
        matches!(
            tokio::time::timeout(WAIT, self.ws.send(message)).await,
            Ok(Ok(()))
        )
    }

    pub async fn send_raw(&mut self, message: Message) {
        tokio::time::timeout(WAIT, self.ws.send(message))
            .await
            .unwrap_or_else(|_| panic!("{} could not send in time", self.participant))
            .unwrap_or_else(|e| panic!("{} could not send: {e}", self.participant));
    }

    /// Submits without panicking: `false` once the connection is gone.
    pub async fn try_submit(&mut self, id: &str, command: Command) -> bool {
        self.try_send_raw(Message::text(submit_json(id, command)))
            .await
    }

    pub async fn submit(&mut self, id: &str, command: Command) {
        self.send_text(&submit_json(id, command)).await;
    }

    /// Reads the next message (pings are answered underneath), updating the replica.
    pub async fn recv(&mut self) -> Incoming {
        let next = tokio::time::timeout(WAIT, self.next_incoming()).await;
        let incoming = next.unwrap_or_else(|_| {
            panic!(
                "{} heard nothing for {WAIT:?} (holding seq {})",
                self.participant, self.replica.seq
            )
        });
        if let Incoming::Message(message) = &incoming {
            self.observe(message);
        }
        incoming
    }

    async fn next_incoming(&mut self) -> Incoming {
        loop {
            match self.ws.next().await {
                Some(Ok(Message::Text(text))) => {
                    let message = serde_json::from_str(&text).unwrap_or_else(|e| {
                        panic!("the server sent what is not a server message ({e}): {text}")
                    });
                    return Incoming::Message(message);
                }
                Some(Ok(Message::Close(frame))) => {
                    return Incoming::Closed(frame.map(|f| u16::from(f.code)));
                }
                Some(Ok(Message::Binary(_))) => panic!("the server sent a binary frame"),
                Some(Ok(_)) => continue,
                Some(Err(err)) => return Incoming::Lost(err.to_string()),
                None => return Incoming::Lost("the stream ended".into()),
            }
        }
    }

    fn observe(&mut self, message: &ServerMessage) {
        match message {
            ServerMessage::Welcome { head, incident, .. } => {
                self.welcome_head = Some(*head);
                if self.sync.is_none() {
                    // The test said hello with a frame of its own.
                    self.start(incident).opened(0.0);
                }
            }
            ServerMessage::Snapshot {
                seq,
                state,
                timeline_from,
                timeline,
            } => {
                assert_eq!(*seq, state.seq, "a snapshot's seq is its board's seq");
                assert!(
                    timeline.first().map(|r| r.seq) == Some(*timeline_from)
                        && timeline.last().map(|r| r.seq) == Some(*seq)
                        || timeline.is_empty() && *timeline_from == *seq + 1,
                    "a snapshot's timeline runs from timeline_from to its seq"
                );
            }
            ServerMessage::Presence { present } => self.present = present.clone(),
            _ => {}
        }
        let Some(sync) = &mut self.sync else {
            return;
        };
        let now = self.began.elapsed().as_secs_f64() * 1_000.0;
        let held = sync.head();
        let effects = sync.received(&mut self.replica, message.clone(), now);
        self.replica.seq = sync.head();
        if let ServerMessage::Events { events } = message {
            let (first, last) = (events.first().map(|r| r.seq), events.last().map(|r| r.seq));
            let folded = Effect::Folded {
                from: held + 1,
                to: held + events.len() as Seq,
            };
            assert!(
                events.is_empty() || effects.contains(&folded),
                "{} holds seq {held} and was sent seqs {first:?}..={last:?}: a gap or a duplicate",
                self.participant,
            );
        }
        if effects.iter().any(|e| matches!(e, Effect::Adopted(_))) {
            self.replica.snapshots += 1;
        }
    }

    /// Reads messages until `check` picks one; panics if the connection ends first.
    pub async fn until<T>(
        &mut self,
        what: &str,
        mut check: impl FnMut(&ServerMessage) -> Option<T>,
    ) -> T {
        loop {
            match self.recv().await {
                Incoming::Message(message) => {
                    if let Some(found) = check(&message) {
                        return found;
                    }
                }
                other => panic!(
                    "{} was waiting for {what} when the connection ended: {other:?}",
                    self.participant
                ),
            }
        }
    }

    /// The next message, which must not be the end of the connection.
    pub async fn next_message(&mut self) -> ServerMessage {
        self.until("a message", |m| Some(m.clone())).await
    }

    /// Waits for the answer to command `id`.
    pub async fn answer(&mut self, id: &str) -> Answer {
        self.until(&format!("the answer to {id}"), |m| answer_to(id, m))
            .await
    }

    /// Waits for the answers to every command in `ids`, in whatever order they come.
    pub async fn answers(&mut self, ids: &[String]) -> HashMap<String, Answer> {
        let mut answers = HashMap::new();
        while answers.len() < ids.len() {
            let what = format!("{} more answers", ids.len() - answers.len());
            let (id, answer) = self
                .until(&what, |m| {
                    ids.iter()
                        .find_map(|id| answer_to(id, m).map(|a| (id.clone(), a)))
                })
                .await;
            let earlier = answers.insert(id.clone(), answer);
            assert!(earlier.is_none(), "{id} was answered twice");
        }
        answers
    }

    /// Posts a note and waits for its acknowledgement; its sequence.
    pub async fn post(&mut self, id: &str, text: &str) -> Seq {
        self.submit(id, super::note(text)).await;
        match self.answer(id).await {
            Answer::Ack(seq) => seq,
            other => panic!("{} posting {id}: {other:?}", self.participant),
        }
    }

    /// Reads until the replica holds `seq`.
    pub async fn sync_to(&mut self, seq: Seq) {
        while self.replica.seq < seq {
            match self.recv().await {
                Incoming::Message(_) => {}
                other => panic!(
                    "{} was catching up to {seq} (holding {}) when the connection ended: {other:?}",
                    self.participant, self.replica.seq
                ),
            }
        }
    }

    /// Reads (and folds) whatever comes until the server closes; the close code.
    pub async fn until_closed(&mut self) -> Option<u16> {
        loop {
            match self.recv().await {
                Incoming::Message(_) => {}
                Incoming::Closed(code) => return code,
                Incoming::Lost(why) => panic!(
                    "{} expected a close frame, but the connection was lost: {why}",
                    self.participant
                ),
            }
        }
    }

    /// Closes the connection as a browser tab would, and waits for the server's reply.
    pub async fn close(mut self) -> Replica {
        let _ = tokio::time::timeout(WAIT, self.ws.close(None)).await;
        let _ = tokio::time::timeout(WAIT, async {
            while let Some(Ok(_)) = self.ws.next().await {}
        })
        .await;
        self.replica
    }
}

/// The answer to command `id` in `message`, if it is one.
pub fn answer_to(id: &str, message: &ServerMessage) -> Option<Answer> {
    match message {
        ServerMessage::Ack { id: i, seq } if i.as_str() == id => Some(Answer::Ack(*seq)),
        ServerMessage::Rejected { id: i, rejection } if i.as_str() == id => {
            Some(Answer::Rejected(rejection.clone()))
        }
        ServerMessage::Error {
            code,
            command: Some(i),
            ..
        } if i.as_str() == id => Some(Answer::Error(*code)),
        _ => None,
    }
}

/// The texts of the notes posted in `log`, with their sequences.
pub fn posted(log: &[Recorded]) -> Vec<(Seq, String)> {
    log.iter()
        .filter_map(|r| match &r.event {
            Event::NotePosted { text, .. } => Some((r.seq, text.clone())),
            _ => None,
        })
        .collect()
}

fn submit_json(id: &str, command: Command) -> String {
    ClientMessage::Submit {
        id: CommandId::parse(id).expect("a valid command id"),
        command,
    }
    .to_json()
}
