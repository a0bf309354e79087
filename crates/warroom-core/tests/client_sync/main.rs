//! `ClientSync` against a model server, over a link that loses, duplicates and delays frames
//! and cuts connections, with time passing (so that silence and backoff come into play), and a
//! browser that says it went offline (rightly: the network is gone until it says online; or
//! wrongly) and back online.
//!
//! The model server is the protocol's server half in miniature: the real `execute` (so
//! `decide` and `apply`) of this crate, a log, the ids of applied commands (a resend is
//! acknowledged again, not applied again), catch-up with events or a snapshot, history pages
//! and pongs. Another participant writes to the incident meanwhile.
//!
//! A snapshot is partial, as the real server's: its board leaves out the notes posted before
//! its page of the timeline (unless pinned), and the commander amends, pins and retracts old
//! notes meanwhile, so live events touch notes the client does not hold and history pages
//! must bring them back as the server has them.
//!
//! After every step the client's board must be the server's board at the client's head (but
//! for old notes left out by a snapshot and not paged back yet), its log contiguous up to that
//! head, and its pending commands in the order they were submitted.
//! Once the link heals, every command must be settled — applied once, in submission order, or
//! rejected — and the client must hold exactly the server's board and, paging back, its log.

use std::collections::{HashMap, VecDeque};

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestCaseError;
use warroom_core::client::{ClientSync, Effect, Held, Link, Outcome, TICK_EVERY_MS};
use warroom_core::protocol::ServerMessage;
use warroom_core::{Command, CommandId, Event, NoteKind, TextId};

mod liveness;
mod model;
mod rules;

use model::{Model, incident};

/// One thing that happens.
#[derive(Debug, Clone)]
enum Step {
    /// The client submits a note (an empty text is rejected by the rules).
    Submit { empty: bool },
    /// Another participant posts a note: its events go to the connection.
    Other,
    /// The commander amends, pins or unpins, or retracts one of the notes (often one a
    /// partial snapshot left out of the client's board): its events go to the connection.
    Touch { what: u8, pick: usize },
    /// The next client frame reaches the server.
    Up,
    /// The next server frame reaches the client.
    Down,
    /// The next server frame is lost (when it is `events` or an `ack`).
    Lose,
    /// The next server frame is delivered twice.
    Duplicate,
    /// The connection is cut, losing what is in flight; the client sees this close code.
    Cut(u16),
    /// Time passes: heartbeats and reconnects fall due.
    Wait(u32),
    /// The client asks for older history.
    Earlier,
    /// The browser says it is offline: `real`ly (the network is gone, what is in flight is
    /// lost and no socket opens until `Online`), or wrongly.
    Offline { real: bool },
    /// The browser says it is online again (and the network is back).
    Online,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => Just(Step::Submit { empty: false }),
        1 => Just(Step::Submit { empty: true }),
        2 => Just(Step::Other),
        2 => (0u8..3, any::<usize>()).prop_map(|(what, pick)| Step::Touch { what, pick }),
        6 => Just(Step::Up),
        6 => Just(Step::Down),
        1 => Just(Step::Lose),
        1 => Just(Step::Duplicate),
        1 => prop_oneof![Just(1006u16), Just(1011), Just(4008), Just(1001)].prop_map(Step::Cut),
        2 => (0u32..50_000).prop_map(Step::Wait),
        1 => Just(Step::Earlier),
        1 => any::<bool>().prop_map(|real| Step::Offline { real }),
        1 => Just(Step::Online),
    ]
}

/// The client and the link to the model server.
struct World {
    server: Model,
    sync: ClientSync,
    held: Held,
    now: f64,
    next_tick: f64,
    reconnect_at: Option<f64>,
    /// The open connection: frames in flight each way.
    link: Option<(VecDeque<String>, VecDeque<ServerMessage>)>,
    submitted: Vec<(CommandId, String)>,
    outcomes: HashMap<CommandId, Outcome>,
    made: u32,
    /// The network is gone (the browser said so, rightly): sockets fail to open.
    network_down: bool,
    seen: Seen,
}

/// How often the interesting paths came up, so that the property cannot pass by never
/// reaching them.
#[derive(Debug, Default, Clone, Copy)]
struct Seen {
    gaps: usize,
    snapshots: usize,
    silences: usize,
    rejected: usize,
    resent: usize,
    pages: usize,
    /// The browser's offline news while a command was pending.
    offline_pending: usize,
    /// Sockets that failed to open for want of a network.
    failed_opens: usize,
    /// Live events about a note the client's board left out (a partial snapshot's).
    archived_touched: usize,
    /// History pages that brought back notes the board had left out.
    rebuilt: usize,
}

impl World {
    fn new() -> Self {
        let mut world = Self {
            server: Model::new(),
            sync: ClientSync::new(incident(), 0, Vec::new(), 7),
            held: Held::default(),
            now: 0.0,
            next_tick: f64::from(TICK_EVERY_MS),
            reconnect_at: None,
            link: None,
            submitted: Vec::new(),
            outcomes: HashMap::new(),
            made: 0,
            network_down: false,
            seen: Seen::default(),
        };
        world.open().unwrap();
        world
    }

    fn open(&mut self) -> Result<(), TestCaseError> {
        self.reconnect_at = None;
        let Some(effects) = self.sync.connecting(self.now) else {
            return Ok(());
        };
        self.run(effects)?;
        if self.network_down {
            // A browser's socket fails at once without a network, with 1006.
            self.seen.failed_opens += 1;
            let effects = self.sync.closed(1006, "", self.now);
            return self.run(effects);
        }
        self.link = Some((VecDeque::new(), VecDeque::new()));
        let effects = self.sync.opened(self.now);
        self.run(effects)
    }

    fn run(&mut self, effects: Vec<Effect>) -> Result<(), TestCaseError> {
        for effect in effects {
            match effect {
                Effect::Send(frame) => {
                    if let Some((up, _)) = &mut self.link {
                        up.push_back(frame);
                    }
                }
                Effect::Disconnect => self.link = None,
                Effect::ReconnectAt(at) => {
                    // At once only when the browser says it is back online.
                    prop_assert!(at >= self.now, "a reconnect is never due in the past");
                    self.reconnect_at = Some(at);
                }
                Effect::Notice(Some(n)) if n.starts_with("Missed events") => self.seen.gaps += 1,
                Effect::Adopted(_) => self.seen.snapshots += 1,
                Effect::Outcome(id, outcome) => {
                    if matches!(outcome, Outcome::Rejected(_)) {
                        self.seen.rejected += 1;
                    }
                    self.outcomes.insert(id, outcome);
                }
                Effect::RetryAt(..) => prop_assert!(false, "the model never rate-limits"),
                _ => {}
            }
        }
        Ok(())
    }

    fn step(&mut self, step: &Step) -> Result<(), TestCaseError> {
        match step {
            Step::Submit { empty } => {
                self.made += 1;
                let text = if *empty {
                    String::new()
                } else {
                    format!("note {}", self.made)
                };
                let id = CommandId::parse(&format!("c-{}", self.made)).unwrap();
                let command = Command::PostNote {
                    kind: NoteKind::Observation,
                    text: text.clone(),
                    essential: false,
                    occurred_at: None,
                    precision: None,
                };
                self.submitted.push((id.clone(), text));
                let effects =
                    self.sync
                        .submit(id, serde_json::to_string(&command).unwrap(), self.now);
                self.run(effects)?;
            }
            Step::Other => {
                let command = Command::PostNote {
                    kind: NoteKind::Hypothesis,
                    text: format!("other at {}", self.server.head()),
                    essential: false,
                    occurred_at: None,
                    precision: None,
                };
                let events = self.server.run("p-lead", &command).unwrap();
                if let Some((_, down)) = &mut self.link {
                    down.push_back(ServerMessage::Events { events });
                }
            }
            Step::Touch { what, pick } => {
                let Some(notes) = self.server.state.as_ref().map(|s| &s.notes) else {
                    return self.check();
                };
                let Some((&note, n)) = notes.iter().nth(pick % notes.len().max(1)) else {
                    return self.check();
                };
                let command = match what {
                    0 => Command::AmendNote {
                        note,
                        text: format!("amended at {}", self.server.head()),
                    },
                    1 => Command::PinNote {
                        note,
                        pinned: !n.pinned,
                    },
                    _ => Command::RetractNote {
                        note,
                        reason: "wrong".into(),
                    },
                };
                // Refused (not the author, retracted already): nothing to send.
                if let Ok(events) = self.server.run("p-lead", &command)
                    && let Some((_, down)) = &mut self.link
                {
                    down.push_back(ServerMessage::Events { events });
                }
            }
            Step::Up => {
                if let Some((up, down)) = &mut self.link
                    && let Some(frame) = up.pop_front()
                {
                    self.server.answer(&frame, down);
                }
            }
            Step::Down => self.deliver()?,
            Step::Lose => {
                if let Some((_, down)) = &mut self.link
                    && matches!(
                        down.front(),
                        Some(ServerMessage::Events { .. } | ServerMessage::Ack { .. })
                    )
                {
                    down.pop_front();
                }
            }
            Step::Duplicate => {
                if let Some((_, down)) = &mut self.link
                    && let Some(front) = down.front().cloned()
                {
                    down.push_front(front);
                }
            }
            Step::Cut(code) => {
                if self.link.take().is_some() {
                    let effects = self.sync.closed(*code, "cut", self.now);
                    self.run(effects)?;
                }
            }
            Step::Wait(ms) => self.wait(f64::from(*ms))?,
            Step::Earlier => {
                let effects = self.sync.load_earlier(&self.held);
                self.run(effects)?;
            }
            Step::Offline { real } => {
                if *real {
                    // What is in flight is lost with the network.
                    self.network_down = true;
                    self.link = None;
                }
                if !self.sync.pending().is_empty() {
                    self.seen.offline_pending += 1;
                }
                let effects = self.sync.browser_offline(self.now);
                // (The model never refuses, so the client is never stopped.)
                prop_assert!(
                    effects
                        .iter()
                        .any(|e| matches!(e, Effect::Link(Link::Offline { .. }))),
                    "offline news is shown at once: {:?}",
                    effects
                );
                prop_assert!(!self.sync.is_live());
                self.run(effects)?;
            }
            Step::Online => {
                self.network_down = false;
                let effects = self.sync.browser_online(self.now);
                self.run(effects)?;
            }
        }
        self.check()
    }

    fn deliver(&mut self) -> Result<(), TestCaseError> {
        let Some(message) = self.link.as_mut().and_then(|(_, down)| down.pop_front()) else {
            return Ok(());
        };
        let held_notes = |held: &Held| held.state.as_ref().map_or(0, |s| s.notes.len());
        let notes_before = held_notes(&self.held);
        let is_page = matches!(message, ServerMessage::History { .. });
        if is_page {
            self.seen.pages += 1;
        }
        if let (ServerMessage::Events { events }, Some(state)) = (&message, &self.held.state) {
            let archived = events.iter().any(|r| match &r.event {
                Event::NoteAmended { note, .. }
                | Event::NotePinned { note, .. }
                | Event::NoteRetracted { note, .. } => {
                    r.seq > self.sync.head() && !state.notes.contains_key(note)
                }
                _ => false,
            });
            if archived {
                self.seen.archived_touched += 1;
            }
        }
        let before = self.sync.head();
        let effects = self.sync.received(&mut self.held, message, self.now);
        if is_page && held_notes(&self.held) > notes_before {
            self.seen.rebuilt += 1;
        }
        for effect in &effects {
            if let Effect::Folded { from, to } = effect {
                prop_assert_eq!(*from, before + 1, "events folded out of order");
                prop_assert!(to >= from);
            }
        }
        self.run(effects)
    }

    /// Lets `ms` pass, ticking every heartbeat and reconnecting when due.
    fn wait(&mut self, ms: f64) -> Result<(), TestCaseError> {
        let until = self.now + ms;
        loop {
            let reconnect = self.reconnect_at.filter(|&at| at <= until);
            let tick = Some(self.next_tick).filter(|&at| at <= until);
            match (reconnect, tick) {
                (Some(r), t) if t.is_none_or(|t| r <= t) => {
                    self.now = r;
                    self.open()?;
                }
                (_, Some(t)) => {
                    self.now = t;
                    self.next_tick = t + f64::from(TICK_EVERY_MS);
                    let effects = self.sync.tick(self.now);
                    if effects.contains(&Effect::Disconnect) {
                        self.seen.silences += 1;
                    }
                    self.run(effects)?;
                }
                _ => break,
            }
        }
        self.now = until;
        Ok(())
    }

    /// What must hold after every step.
    fn check(&self) -> Result<(), TestCaseError> {
        let head = self.sync.head();
        prop_assert!(head <= self.server.head());
        // The board is the server's at the head, but for the old notes a partial snapshot
        // left out and no page has brought back yet: each posted before the log held.
        let want = &self.server.boards[head as usize];
        let mut want_held = want.clone();
        if let (Some(held), Some(want)) = (&self.held.state, &mut want_held) {
            let oldest = self.held.log.first().map_or(head + 1, |r| r.seq);
            for (id, note) in &want.notes {
                if !held.notes.contains_key(id) {
                    prop_assert!(
                        note.seq < oldest,
                        "note {} (posted at {}) is missing though the log holds from {}",
                        id,
                        note.seq,
                        oldest
                    );
                }
            }
            want.notes.retain(|id, _| held.notes.contains_key(id));
        }
        prop_assert_eq!(
            &self.held.state,
            &want_held,
            "the board differs from the server's at {}",
            head
        );
        if let Some(first) = self.held.log.first() {
            let want = &self.server.log[first.seq as usize - 1..head as usize];
            prop_assert_eq!(
                self.held.log.as_slice(),
                want,
                "the log is not the server's"
            );
        }
        // Pending commands are a subsequence of the submitted ones, in the same order.
        let mut submitted = self.submitted.iter().map(|(id, _)| id);
        for pending in self.sync.pending() {
            prop_assert!(
                submitted.any(|id| id == &pending.id),
                "pending commands out of order"
            );
        }
        Ok(())
    }

    /// Heals the link: one last cut and reconnect (a lost frame that no later event
    /// reveals is only made good by a reconnect), then everything is delivered and the
    /// history paged back.
    fn settle(&mut self) -> Result<(), TestCaseError> {
        if self.network_down {
            self.step(&Step::Online)?;
        }
        for _ in 0..3 {
            self.step(&Step::Cut(1006))?;
            for _ in 0..200 {
                if self.link.is_none() {
                    let at = self.reconnect_at.expect("a reconnect is scheduled");
                    self.wait(at - self.now)?;
                    continue;
                }
                let (up, down) = self.link.as_ref().unwrap();
                if up.is_empty() && down.is_empty() {
                    if self.sync.caught_up() && !self.sync.history_complete() {
                        self.step(&Step::Earlier)?;
                        continue;
                    }
                    break;
                }
                self.step(&Step::Up)?;
                self.step(&Step::Down)?;
            }
            if self.sync.pending().is_empty() && self.sync.caught_up() {
                return Ok(());
            }
        }
        Err(TestCaseError::fail("the client never settled"))
    }
}

fn steps() -> impl Strategy<Value = Vec<Step>> {
    prop::collection::vec(step(), 0..120)
}

/// Plays `steps`, heals the link, and checks the end state; what came up on the way.
fn play(steps: &[Step]) -> Result<Seen, TestCaseError> {
    let mut world = World::new();
    for s in steps {
        world.step(s)?;
    }
    world.settle()?;

    prop_assert!(world.sync.pending().is_empty(), "every command settled");
    prop_assert_eq!(&world.held.state, &world.server.state, "the same board");
    prop_assert!(world.sync.history_complete());
    prop_assert_eq!(
        &world.held.log,
        &world.server.log,
        "the whole log, paged back"
    );

    let texts: Vec<String> = world
        .server
        .state
        .as_ref()
        .unwrap()
        .notes
        .values()
        .map(|n| n.text.clone())
        .collect();
    let mut applied = Vec::new();
    for (id, text) in &world.submitted {
        match world.outcomes.get(id) {
            Some(Outcome::Done) => {
                prop_assert!(world.server.applied.contains_key(id));
                prop_assert_eq!(
                    texts.iter().filter(|t| *t == text).count(),
                    1,
                    "applied once: {}",
                    text
                );
                applied.push(id.clone());
            }
            Some(Outcome::Rejected(_)) => prop_assert!(!world.server.applied.contains_key(id)),
            other => prop_assert!(false, "{} ended {:?}", id, other),
        }
    }
    prop_assert_eq!(
        &world.server.order,
        &applied,
        "applied in the order submitted"
    );
    world.seen.resent = world.server.resent;
    Ok(world.seen)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn the_client_keeps_in_step_with_the_server(steps in steps()) {
        play(&steps)?;
    }
}

#[test]
fn the_steps_reach_every_interesting_path() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut total = Seen::default();
    for _ in 0..200 {
        let steps = steps().new_tree(&mut runner).unwrap().current();
        let seen = play(&steps).unwrap();
        total.gaps += seen.gaps;
        total.snapshots += seen.snapshots;
        total.silences += seen.silences;
        total.rejected += seen.rejected;
        total.resent += seen.resent;
        total.pages += seen.pages;
        total.offline_pending += seen.offline_pending;
        total.failed_opens += seen.failed_opens;
        total.archived_touched += seen.archived_touched;
        total.rebuilt += seen.rebuilt;
    }
    let Seen {
        gaps,
        snapshots,
        silences,
        rejected,
        resent,
        pages,
        offline_pending,
        failed_opens,
        archived_touched,
        rebuilt,
    } = total;
    for (what, n) in [
        ("gaps", gaps),
        ("snapshots", snapshots),
        ("silences", silences),
        ("rejections", rejected),
        ("acknowledged resends", resent),
        ("history pages", pages),
        ("offline news with a command pending", offline_pending),
        ("sockets failed for want of a network", failed_opens),
        (
            "live events about a note the board left out",
            archived_touched,
        ),
        ("pages bringing back notes the board left out", rebuilt),
    ] {
        assert!(n >= 5, "only {n} {what} in 200 runs: {total:?}");
    }
}
