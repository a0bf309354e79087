//! The review of an incident after the fact: the flight recorder ([`warroom_core::replay`]), the
//! metrics ([`warroom_core::metrics`]), the exports ([`warroom_core::export`]) and the
//! annunciator ([`warroom_core::alerts`]).
//!
//! - [`corpus`]: a corpus of generated incidents, some of them long enough to cross several
//!   checkpoints; the replayed board equals the live one at every sequence.
//! - [`metrics`]: given a log with hand-picked times, then exactly these metrics.
//! - [`markdown`]: the postmortem draft parsed as CommonMark (with GitHub's tables): headings,
//!   tables and follow-ups where they belong, and hostile text kept in its cell.
//! - [`export`]: the JSON export round-trips byte for byte and refuses what was tampered with.
//! - [`alerts`]: each alert appears and clears with its condition, in tier order.
//! - [`narration`]: the timeline's sentences in the second and third person, and the key
//!   moments.
//! - [`closing`]: what is still open when an incident is resolved or closed.
//! - [`for_you`]: what waits on each person, appearing and clearing with what they do.
//!
//! Logs are built with [`warroom_core::execute`] from [`Timed`] steps: who sends what, how many
//! seconds after the declaration, and who is not connected. The crew: Ann declares and
//! commands; Bob, Cat and Dan join.

mod alerts;
mod closing;
mod corpus;
mod export;
mod for_you;
mod markdown;
mod metrics;
mod narration;

// The generators and the aiming of the property suite, to play random incidents.
#[path = "../properties/aim.rs"]
mod aim;
// The protocol-message generators in there are not used here.
#[path = "../support/commands.rs"]
mod commands;
#[allow(dead_code)]
#[path = "../properties/generate.rs"]
mod generate;

use commands::*;

use std::collections::BTreeSet;

use chrono::{Duration, TimeZone, Utc};
// The generators' hook for playing a generated incident.
use corpus::play_quietly;
use warroom_core::{
    Command, ConcernLevel, Context, Lane, NoteKind, ParticipantId, Recorded, Role, Severity, State,
    Status, Timestamp, execute,
};

/// Everybody who joins in [`crew`].
const CREW: [&str; 4] = ["ann", "bob", "cat", "dan"];

/// The declaration's time.
fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2025, 3, 1, 9, 0, 0).unwrap()
}

/// `seconds` after the declaration.
fn at(seconds: i64) -> Timestamp {
    t0() + Duration::seconds(seconds)
}

/// One step of a hand-written log: `actor` sends `command` at `seconds` after the
/// declaration, with the whole crew connected except `absent`.
#[derive(Debug, Clone)]
struct Timed {
    seconds: i64,
    actor: &'static str,
    command: Command,
    absent: Vec<&'static str>,
}

/// `actor` sends `command` at `seconds`, everyone connected.
fn t(seconds: i64, actor: &'static str, command: Command) -> Timed {
    Timed {
        seconds,
        actor,
        command,
        absent: Vec::new(),
    }
}

impl Timed {
    /// These people are not connected meanwhile.
    fn absent(mut self, who: &[&'static str]) -> Self {
        self.absent = who.to_vec();
        self
    }
}

/// Ann declares a SEV2 at 0; Bob, Cat and Dan join at 10, 20 and 30 seconds.
fn crew() -> Vec<Timed> {
    crew_declaring(declare("Checkout errors"))
}

/// [`crew`], with this declaration.
fn crew_declaring(declaration: Command) -> Vec<Timed> {
    let mut steps = vec![t(0, "ann", declaration)];
    for (n, who) in CREW.iter().enumerate().skip(1) {
        steps.push(t(10 * n as i64, who, join(&name(who))));
    }
    steps
}

/// [`crew`], then `more`.
fn crew_and(more: impl IntoIterator<Item = Timed>) -> Vec<Timed> {
    let mut steps = crew();
    steps.extend(more);
    steps
}

/// An incident with a bit of everything: a positive exchange and an assumption of command,
/// decisions, a retracted note, actions done and open, a concern, a checklist, a cadence,
/// a status update and a summary. It ends mitigated with two actions open.
fn eventful() -> Vec<Timed> {
    crew_and([
        t(40, "ann", set_cadence(Some(15))),
        t(
            60,
            "ann",
            post(NoteKind::Decision, "Roll back the 09:00 deploy."),
        ),
        t(70, "bob", note("Errors at 20%.")),
        t(80, "bob", retract(2, "Wrong dashboard.")),
        t(
            90,
            "ann",
            assign("bob", "Roll back the deploy.", Lane::Mitigate, Some(15)),
        ),
        t(100, "bob", read_back(1, "Rolling back.")),
        t(110, "ann", confirm_readback(1)),
        t(
            120,
            "ann",
            assign("cat", "Tell support.", Lane::Communicate, Some(5)),
        ),
        t(
            130,
            "ann",
            assign("dan", "Find the bad query.", Lane::Diagnose, None),
        ),
        t(140, "dan", read_back(3, "Finding it.")),
        t(
            200,
            "cat",
            raise(ConcernLevel::Concerned, "The rollback skips migrations."),
        ),
        t(230, "ann", acknowledge(1, "Checked: none pending.")),
        t(300, "ann", start_checklist("declare")),
        t(400, "ann", offer_command("bob")),
        t(420, "bob", accept(Role::Commander)),
        t(430, "ann", confirm(Role::Commander)),
        t(
            600,
            "bob",
            post(NoteKind::StatusUpdate, "Rollback done; errors falling."),
        ),
        t(700, "bob", complete(1, "Rolled back.")),
        t(
            800,
            "ann",
            assume(Role::Commander, "Bob lost his connection."),
        )
        .absent(&["bob"]),
        t(900, "ann", set_status(Status::Mitigated)),
        t(
            950,
            "ann",
            set_summary("Checkout errors after a deploy; rolled back."),
        ),
        t(
            1_000,
            "ann",
            post(NoteKind::Decision, "Keep deploys frozen until Monday."),
        ),
    ])
}

/// Executes `steps`; each must be accepted. The board and the log.
#[track_caller]
fn play(steps: &[Timed]) -> (State, Vec<Recorded>) {
    let mut state: State = None;
    let mut log = Vec::new();
    for step in steps {
        let actor = id(step.actor);
        let present: BTreeSet<ParticipantId> = CREW
            .iter()
            .filter(|who| !step.absent.contains(who) || **who == step.actor)
            .map(|who| id(who))
            .collect();
        let ctx = Context {
            actor: &actor,
            at: at(step.seconds),
            present: &present,
        };
        match execute(&mut state, &step.command, &ctx) {
            Ok(recorded) => log.extend(recorded),
            Err(rejection) => panic!(
                "step {:?} by {} at {}s was rejected: {rejection:?}",
                step.command, step.actor, step.seconds
            ),
        }
    }
    (state, log)
}

/// The log of `steps`.
#[track_caller]
fn log_of(steps: &[Timed]) -> Vec<Recorded> {
    play(steps).1
}

// Command shorthands.

fn declare(title: &str) -> Command {
    Command::Declare {
        title: title.into(),
        severity: Severity::Sev2,
        drill: false,
        name: "Ann".into(),
        retrospective: false,
        occurred_at: None,
        precision: None,
    }
}
fn declare_drill(title: &str) -> Command {
    Command::Declare {
        title: title.into(),
        severity: Severity::Sev3,
        drill: true,
        name: "Ann".into(),
        retrospective: false,
        occurred_at: None,
        precision: None,
    }
}
fn offer_command(to: &str) -> Command {
    Command::OfferRole {
        role: Role::Commander,
        to: id(to),
        brief: Some(brief()),
    }
}
fn note(text: &str) -> Command {
    post(NoteKind::Observation, text)
}
fn assign(to: &str, text: &str, lane: Lane, minutes: Option<u32>) -> Command {
    Command::AssignAction {
        to: id(to),
        text: text.into(),
        lane,
        minutes,
    }
}
