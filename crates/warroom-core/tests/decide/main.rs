//! Given/when/then tables for every rule of `decide`: one row per accepted path and per
//! rejection of every command in the rules table of `warroom_core`'s crate docs, plus the
//! effects of `apply` that the board relies on.
//!
//! A row reads: **given** these commands by these people (executed with
//! [`warroom_core::execute`], everyone in the crew connected, a few seconds apart), **when** this
//! person sends this command while these people are connected, **then** exactly these events,
//! or a rejection with this code and a message containing these words. Every row goes through
//! [`check`], which also makes sure a rejection changed nothing.
//!
//! The crew: Ann declares and commands; Bob, Cat and Dan join; Eve never joins.

mod access;
mod checklists;
#[path = "../support/commands.rs"]
mod commands;
mod concerns;
mod discipline;
mod handoff;
mod import;
mod incident;
mod occurred;
mod postmortem;
mod roles;
mod scenario;
mod tasks;
mod timeline;

use commands::*;

use std::collections::BTreeSet;

use chrono::{Duration, TimeZone, Utc};
use warroom_core::{
    Command, ConcernLevel, Context, Event, HandoffBrief, Incident, Lane, NoteId, ParticipantId,
    Recorded, Rejection, RejectionCode, Role, Severity, State, Timestamp, execute, replay,
};

/// Everybody who joins in [`crew`]; each is connected unless a row says otherwise.
const CREW: [&str; 4] = ["ann", "bob", "cat", "dan"];

/// One step of a "given": who sends which command.
type Step = (&'static str, Command);

/// The time of step `n` (0 is the declaration): five seconds apart from a fixed base.
fn at(n: usize) -> Timestamp {
    let base = Utc.with_ymd_and_hms(2025, 3, 1, 9, 0, 0).unwrap();
    base + Duration::seconds(5 * i64::try_from(n).unwrap())
}

/// Ann declares a SEV2; Bob, Cat and Dan join. Ann is the commander.
fn crew() -> Vec<Step> {
    let mut steps = vec![("ann", declare("Checkout errors", "Ann"))];
    steps.extend(CREW[1..].iter().map(|who| (*who, join(&name(who)))));
    steps
}

/// [`crew`], then `more`.
fn crew_and(more: impl IntoIterator<Item = Step>) -> Vec<Step> {
    let mut steps = crew();
    steps.extend(more);
    steps
}

/// `steps`, then `more`.
fn plus(steps: Vec<Step>, more: impl IntoIterator<Item = Step>) -> Vec<Step> {
    steps.into_iter().chain(more).collect()
}

/// An incident built step by step, for rows and for looking at the state afterwards.
struct Board {
    state: State,
    log: Vec<Recorded>,
    steps: usize,
}

impl Board {
    /// Executes `steps` with the whole crew connected; every one of them must be accepted.
    #[track_caller]
    fn given(steps: &[Step]) -> Self {
        let mut board = Board {
            state: None,
            log: Vec::new(),
            steps: 0,
        };
        for (actor, command) in steps {
            if let Err(rejection) = board.exec(actor, &CREW, command.clone()) {
                panic!("given step {command:?} by {actor} was rejected: {rejection:?}");
            }
        }
        board
    }

    /// Executes one command at the next step's time with exactly `present` connected.
    fn exec(
        &mut self,
        actor: &str,
        present: &[&str],
        command: Command,
    ) -> Result<Vec<Event>, Rejection> {
        let actor = id(actor);
        let present: BTreeSet<ParticipantId> = present.iter().map(|p| id(p)).collect();
        let ctx = Context {
            actor: &actor,
            at: at(self.steps),
            present: &present,
        };
        self.steps += 1;
        let recorded = execute(&mut self.state, &command, &ctx)?;
        self.log.extend(recorded.iter().cloned());
        Ok(recorded.into_iter().map(|r| r.event).collect())
    }

    /// The time the most recent step was executed at.
    fn last_at(&self) -> Timestamp {
        at(self.steps - 1)
    }

    fn incident(&self) -> &Incident {
        self.state.as_ref().expect("the incident is declared")
    }
}

/// The "when" of a row: who sends what, and who is connected meanwhile.
struct When {
    actor: &'static str,
    present: Vec<&'static str>,
    command: Command,
}

/// `actor` sends `command` with the whole crew connected.
fn when(actor: &'static str, command: Command) -> When {
    When {
        actor,
        present: CREW.to_vec(),
        command,
    }
}

impl When {
    /// Only `present` are connected (the actor is added: they just sent a command).
    fn present(mut self, present: &[&'static str]) -> Self {
        self.present = present.to_vec();
        if !self.present.contains(&self.actor) {
            self.present.push(self.actor);
        }
        self
    }
}

/// The "then" of a row.
enum Then {
    Events(Vec<Event>),
    Rejected(RejectionCode, &'static str),
}

fn events(events: impl IntoIterator<Item = Event>) -> Then {
    Then::Events(events.into_iter().collect())
}

fn rejected(code: RejectionCode, words: &'static str) -> Then {
    Then::Rejected(code, words)
}

/// Runs one row and returns the board after it, for rows that go on to look at the state.
#[track_caller]
fn check(given: &[Step], when: When, then: Then) -> Board {
    let mut board = Board::given(given);
    let before = board.state.clone();
    let seq_before = board.log.len();
    let outcome = board.exec(when.actor, &when.present, when.command.clone());
    match (then, outcome) {
        (Then::Events(expected), Ok(actual)) => {
            assert_eq!(
                actual, expected,
                "events of {:?} by {}",
                when.command, when.actor
            );
            // Every event is recorded with the next sequence, the actor and the step's time.
            for (n, r) in board.log[seq_before..].iter().enumerate() {
                assert_eq!(r.seq, u64::try_from(seq_before + n + 1).unwrap());
                assert_eq!(r.actor, id(when.actor));
                assert_eq!(r.at, board.last_at());
            }
            assert_eq!(replay(None, &board.log), board.state, "replay equals live");
        }
        (Then::Rejected(code, words), Err(rejection)) => {
            assert_eq!(
                rejection.code, code,
                "code of {:?} by {}: {rejection:?}",
                when.command, when.actor
            );
            assert!(
                rejection.message.contains(words),
                "message of {:?} by {}: {:?} does not contain {words:?}",
                when.command,
                when.actor,
                rejection.message
            );
            assert_eq!(board.state, before, "a rejection changes nothing");
        }
        (Then::Events(expected), Err(rejection)) => panic!(
            "{:?} by {} was rejected ({rejection:?}); expected {expected:?}",
            when.command, when.actor
        ),
        (Then::Rejected(code, words), Ok(actual)) => panic!(
            "{:?} by {} was accepted with {actual:?}; expected {code:?} \"{words}\"",
            when.command, when.actor
        ),
    }
    board
}

/// `n` characters of text.
fn long(n: usize) -> String {
    "x".repeat(n)
}

// Command shorthands, one per command, in the order of the rules table.

fn declare(title: &str, name: &str) -> Command {
    Command::Declare {
        title: title.into(),
        severity: Severity::Sev2,
        drill: false,
        name: name.into(),
        retrospective: false,
        occurred_at: None,
        precision: None,
    }
}
fn set_severity(severity: Severity) -> Command {
    Command::SetSeverity {
        severity,
        occurred_at: None,
        precision: None,
    }
}
fn offer(role: Role, to: &str, brief: Option<HandoffBrief>) -> Command {
    Command::OfferRole {
        role,
        to: id(to),
        brief,
    }
}
/// Offers command to `to` with a proper brief.
fn offer_command(to: &str) -> Command {
    offer(Role::Commander, to, Some(brief()))
}
fn release(role: Role) -> Command {
    Command::ReleaseRole { role }
}
fn amend(note: u32, text: &str) -> Command {
    Command::AmendNote {
        note: NoteId(note),
        text: text.into(),
    }
}
fn pin(note: u32, pinned: bool) -> Command {
    Command::PinNote {
        note: NoteId(note),
        pinned,
    }
}
fn assign(to: &str, text: &str, minutes: Option<u32>) -> Command {
    Command::AssignAction {
        to: id(to),
        text: text.into(),
        lane: Lane::Mitigate,
        minutes,
    }
}
