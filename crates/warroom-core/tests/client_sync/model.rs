//! The model server: the protocol's server half in miniature.

use std::collections::{BTreeSet, HashMap, VecDeque};

use chrono::{Duration, TimeZone, Utc};
use warroom_core::protocol::{ClientMessage, ServerMessage, decode_client, partial};
use warroom_core::{
    Command, CommandId, Context, IncidentId, ParticipantId, Recorded, Rejection, Seq, Severity,
    State, TextId, execute,
};

/// Events the model server keeps for catch-up; a client further behind gets a snapshot.
const KEEP: u64 = 6;
/// Events per `events` frame in a catch-up.
const FRAME: usize = 3;
/// The events of the timeline a snapshot carries; the notes posted before them are left out
/// of its board (unless pinned or held), as a real server's snapshot frame leaves them out.
const PAGE: u64 = 4;

fn pid(s: &str) -> ParticipantId {
    ParticipantId::parse(s).unwrap()
}

/// What the server of one incident knows.
pub struct Model {
    pub state: State,
    pub log: Vec<Recorded>,
    /// `boards[seq]`: the board right after event `seq`.
    pub boards: Vec<State>,
    /// The sequence each applied command id was acknowledged with.
    pub applied: HashMap<CommandId, Seq>,
    /// The client's command ids, in the order they were applied.
    pub order: Vec<CommandId>,
    present: BTreeSet<ParticipantId>,
    /// How many resent commands were acknowledged again rather than applied.
    pub resent: usize,
}

impl Model {
    pub fn new() -> Self {
        let mut model = Self {
            state: None,
            log: Vec::new(),
            boards: vec![None],
            applied: HashMap::new(),
            order: Vec::new(),
            present: [pid("p-lead"), pid("p-me")].into(),
            resent: 0,
        };
        let declare = Command::Declare {
            title: "Checkout errors".into(),
            severity: Severity::Sev2,
            drill: false,
            name: "Lead".into(),
            retrospective: false,
            occurred_at: None,
            precision: None,
        };
        model.run("p-lead", &declare).unwrap();
        model
            .run("p-me", &Command::Join { name: "Me".into() })
            .unwrap();
        model
    }

    pub fn head(&self) -> Seq {
        self.log.len() as Seq
    }

    pub fn run(&mut self, actor: &str, command: &Command) -> Result<Vec<Recorded>, Rejection> {
        let actor = pid(actor);
        let ctx = Context {
            actor: &actor,
            at: Utc.with_ymd_and_hms(2025, 3, 14, 9, 0, 0).unwrap()
                + Duration::seconds(self.head() as i64),
            present: &self.present,
        };
        let events = execute(&mut self.state, command, &ctx)?;
        for r in &events {
            self.log.push(r.clone());
            let mut board = self.boards.last().unwrap().clone();
            warroom_core::apply(&mut board, r);
            self.boards.push(board);
        }
        Ok(events)
    }

    /// The server's answers to one client frame.
    pub fn answer(&mut self, frame: &str, out: &mut VecDeque<ServerMessage>) {
        match decode_client(frame).expect("the client sends valid frames") {
            ClientMessage::Hello { last_seq, .. } => {
                let head = self.head();
                out.push_back(ServerMessage::Welcome {
                    incident: incident(),
                    head,
                    server_time: Utc.with_ymd_and_hms(2025, 3, 14, 10, 0, 0).unwrap(),
                });
                if last_seq > head || head - last_seq > KEEP {
                    let from = head.saturating_sub(PAGE - 1).max(1);
                    out.push_back(ServerMessage::Snapshot {
                        seq: head,
                        timeline_from: from,
                        state: Box::new(partial(self.state.as_ref().unwrap(), from)),
                        timeline: self.log[from as usize - 1..].to_vec(),
                    });
                } else {
                    for chunk in self.log[last_seq as usize..].chunks(FRAME) {
                        out.push_back(ServerMessage::Events {
                            events: chunk.to_vec(),
                        });
                    }
                }
                out.push_back(ServerMessage::Presence {
                    present: self.present.iter().cloned().collect(),
                });
            }
            ClientMessage::Submit { id, command } => {
                if let Some(&seq) = self.applied.get(&id) {
                    self.resent += 1;
                    out.push_back(ServerMessage::Ack { id, seq });
                    return;
                }
                match self.run("p-me", &command) {
                    Ok(events) => {
                        self.applied.insert(id.clone(), self.head());
                        self.order.push(id.clone());
                        if !events.is_empty() {
                            out.push_back(ServerMessage::Events { events });
                        }
                        out.push_back(ServerMessage::Ack {
                            id,
                            seq: self.head(),
                        });
                    }
                    Err(rejection) => out.push_back(ServerMessage::Rejected { id, rejection }),
                }
            }
            ClientMessage::History { before, limit } => {
                let end = (before as usize).saturating_sub(1).min(self.log.len());
                let start = end.saturating_sub(limit as usize);
                out.push_back(ServerMessage::History {
                    events: self.log[start..end].to_vec(),
                    before,
                });
            }
            ClientMessage::Ping { nonce } => out.push_back(ServerMessage::Pong { nonce }),
        }
    }
}

pub fn incident() -> IncidentId {
    IncidentId::parse("j5ypw3baktyaxifyjy6d7jcb7a").unwrap()
}
