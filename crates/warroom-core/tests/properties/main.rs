//! Properties of the rules over random incidents: thousands of command sequences by a crew of
//! four with random connections, most of them accepted, checked after every step (and every
//! event) against the invariants stated in `warroom_core`'s crate docs; and a JSON round trip
//! of every protocol message.
//!
//! `coverage.rs` makes sure the generators actually reach every event, rejection and message,
//! so that these properties cannot pass by never getting anywhere.

mod aim;
mod coverage;
mod generate;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, TimeZone, Utc};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde::Deserialize as _;
use warroom_core::protocol::{ServerMessage, decode_client};
use warroom_core::{
    Command, Event, Incident, ParticipantId, Recorded, Rejection, Role, State, Timestamp, apply,
    execute, replay,
};

use aim::aim;
use generate::{POOL, Step, client_message, pid, sequence, server_message};

/// Cases per property: enough that the rare paths (a deputy taking command with offers open,
/// an assumption mid-handover) come up many times over.
const CASES: u32 = 1_000;

/// What one step of a generated incident did.
struct Played<'a> {
    actor: &'a ParticipantId,
    present: &'a BTreeSet<ParticipantId>,
    command: &'a Command,
    before: &'a State,
    after: &'a State,
    outcome: &'a Result<Vec<Recorded>, Rejection>,
    /// Everything recorded so far, this step included.
    log: &'a [Recorded],
}

impl Played<'_> {
    /// The step's events one at a time, each with the state before and after it.
    fn each_event(
        &self,
        mut f: impl FnMut(&Recorded, &State, &State) -> Result<(), TestCaseError>,
    ) -> Result<(), TestCaseError> {
        let mut state = self.before.clone();
        for recorded in self.outcome.iter().flatten() {
            let before = state.clone();
            apply(&mut state, recorded);
            f(recorded, &before, &state)?;
        }
        prop_assert_eq!(
            &state,
            self.after,
            "the events applied one by one give the live state"
        );
        Ok(())
    }
}

/// Seven seconds per step from a fixed base.
fn at(step: usize) -> Timestamp {
    Utc.with_ymd_and_hms(2025, 3, 1, 9, 0, 0).unwrap()
        + Duration::seconds(7 * i64::try_from(step).unwrap())
}

/// Executes `steps`, showing each to `observe`; returns the final state and the log.
fn play(
    steps: &[Step],
    mut observe: impl FnMut(&Played<'_>) -> Result<(), TestCaseError>,
) -> Result<(State, Vec<Recorded>), TestCaseError> {
    let mut state: State = None;
    let mut log = Vec::new();
    for (n, step) in steps.iter().enumerate() {
        let (actor, command) = aim(&state, step);
        let mut present: BTreeSet<ParticipantId> = POOL
            .iter()
            .zip(step.present)
            .filter(|(_, connected)| *connected)
            .map(|(who, _)| pid(who))
            .collect();
        present.insert(actor.clone());
        let ctx = warroom_core::Context {
            actor: &actor,
            at: at(n),
            present: &present,
        };
        let before = state.clone();
        let outcome = execute(&mut state, &command, &ctx);
        if let Ok(recorded) = &outcome {
            log.extend(recorded.iter().cloned());
        }
        observe(&Played {
            actor: &actor,
            present: &present,
            command: &command,
            before: &before,
            after: &state,
            outcome: &outcome,
            log: &log,
        })?;
    }
    Ok((state, log))
}

/// Plays `steps` without looking: for generating boards and logs.
pub fn play_quietly(steps: &[Step]) -> (State, Vec<Recorded>) {
    play(steps, |_| Ok(())).expect("nothing to fail")
}

/// The invariant of command, and the bookkeeping that keeps it.
fn check_command(incident: &Incident) -> Result<(), TestCaseError> {
    let commander = &incident.commander.holder;
    prop_assert!(incident.participants.contains_key(commander));
    prop_assert!(!incident.roles.contains_key(&Role::Commander));
    if let Some(deputy) = incident.roles.get(&Role::Deputy) {
        prop_assert_ne!(
            &deputy.holder,
            commander,
            "the commander is never the deputy"
        );
    }
    for tenure in incident.roles.values() {
        prop_assert!(incident.participants.contains_key(&tenure.holder));
    }
    for (role, offer) in &incident.offers {
        prop_assert_eq!(
            incident.holder(*role),
            Some(&offer.from),
            "an offer of {:?} dies with its offerer's hold on the role",
            role
        );
        prop_assert_ne!(&offer.from, &offer.to);
        prop_assert!(incident.participants.contains_key(&offer.to));
    }
    Ok(())
}

fn holders(state: &State) -> BTreeMap<Role, Option<ParticipantId>> {
    Role::ALL
        .into_iter()
        .map(|r| (r, state.as_ref().and_then(|i| i.holder(r).cloned())))
        .collect()
}

/// An offer as the events tell it: from, to, accepted.
type OpenOffer = (ParticipantId, ParticipantId, bool);

/// Checks that `recorded` moved roles only the ways the rules allow, given the offers that the
/// events so far have opened, accepted, declined and cancelled; then updates those offers.
fn check_role_moves(
    recorded: &Recorded,
    before: &State,
    after: &State,
    present: &BTreeSet<ParticipantId>,
    offers: &mut BTreeMap<Role, OpenOffer>,
) -> Result<(), TestCaseError> {
    let actor = &recorded.actor;
    let (old, new) = (holders(before), holders(after));
    for role in Role::ALL {
        let (was, is) = (&old[&role], &new[&role]);
        if was == is || before.is_none() {
            continue;
        }
        match &recorded.event {
            Event::RoleHandedOver { role: r, from, to } if *r == role => {
                prop_assert_eq!(was.as_ref(), Some(from));
                prop_assert_eq!(is.as_ref(), Some(to));
                prop_assert_eq!(actor, from, "only the offerer confirms");
                prop_assert_eq!(
                    offers.get(&role),
                    Some(&(from.clone(), to.clone(), true)),
                    "handed over without an open, accepted offer"
                );
                prop_assert!(present.contains(to), "handed to someone absent");
            }
            Event::RoleClaimed { role: r } if *r == role => {
                prop_assert_ne!(role, Role::Commander);
                prop_assert_eq!(was, &None);
                prop_assert_eq!(is.as_ref(), Some(actor));
            }
            Event::RoleReleased { role: r, holder } if *r == role => {
                prop_assert_ne!(role, Role::Commander);
                prop_assert_eq!(was.as_ref(), Some(holder));
                prop_assert_eq!(is, &None);
            }
            Event::RoleAssumed { role: r, from, .. } if *r == role => {
                prop_assert_eq!(was, from);
                prop_assert_eq!(is.as_ref(), Some(actor));
                let was = was.as_ref().expect("assumed from a holder");
                prop_assert!(!present.contains(was), "assumed from a connected holder");
            }
            other => {
                return Err(TestCaseError::fail(format!(
                    "{role:?} moved from {was:?} to {is:?} through {other:?}"
                )));
            }
        }
    }
    match &recorded.event {
        Event::RoleOffered { role, to, .. } => {
            prop_assert!(
                !offers.contains_key(role),
                "a second open offer of {:?}",
                role
            );
            offers.insert(*role, (actor.clone(), to.clone(), false));
        }
        Event::RoleOfferAccepted { role } => {
            let offer = offers.get_mut(role).expect("accepted an open offer");
            prop_assert_eq!(&offer.1, actor, "only the recipient accepts");
            offer.2 = true;
        }
        Event::RoleOfferDeclined { role, .. } => {
            let offer = offers.remove(role).expect("declined an open offer");
            prop_assert_eq!(&offer.1, actor, "only the recipient declines");
        }
        Event::RoleOfferCancelled { role, .. } | Event::RoleHandedOver { role, .. } => {
            prop_assert!(offers.remove(role).is_some(), "ended an open offer");
        }
        _ => {}
    }
    // The board's offers are exactly the ones the events left open.
    let board: BTreeMap<Role, OpenOffer> = after
        .iter()
        .flat_map(|i| &i.offers)
        .map(|(r, o)| (*r, (o.from.clone(), o.to.clone(), o.accepted_at.is_some())))
        .collect();
    prop_assert_eq!(&board, offers);
    Ok(())
}

/// Serialises a recorded event to JSON and reads it back, as the store and the wire do.
fn through_json(recorded: &Recorded) -> Recorded {
    let json = serde_json::to_string(recorded).expect("serialises");
    serde_json::from_str(&json).expect("deserialises")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    /// (a) From declaration on there is exactly one commander, a participant, never also the
    /// deputy; and every open offer is made by the role's current holder.
    #[test]
    fn there_is_always_one_commander_who_is_never_deputy(steps in sequence()) {
        play(&steps, |p| {
            if p.outcome.is_err() {
                prop_assert_eq!(p.before, p.after, "a rejection changes nothing");
            }
            p.each_event(|_, _, state| match state {
                Some(incident) => check_command(incident),
                None => Err(TestCaseError::fail("an event left no incident")),
            })?;
            if let Some(incident) = p.after {
                check_command(incident)?;
            }
            Ok(())
        })?;
    }

    /// (b) A role changes holder only by a confirmed handover of an accepted offer, a claim or
    /// release of a role other than command, or the assumption of an absent holder's role.
    #[test]
    fn roles_change_hands_only_by_the_rules(steps in sequence()) {
        let mut offers = BTreeMap::new();
        play(&steps, |p| {
            p.each_event(|recorded, before, after| {
                check_role_moves(recorded, before, after, p.present, &mut offers)
            })?;
            if p.outcome.is_err() {
                prop_assert_eq!(holders(p.before), holders(p.after));
            }
            Ok(())
        })?;
    }

    /// (c) Replaying the log from nothing gives the live state after every step; every recorded
    /// event reads back from JSON as it was, the log read back replays to the live state, and
    /// so does the board itself.
    #[test]
    fn replay_equals_the_live_state(steps in sequence()) {
        let mut json_log = Vec::new();
        let (live, _) = play(&steps, |p| {
            for recorded in p.outcome.iter().flatten() {
                let read_back = through_json(recorded);
                prop_assert_eq!(&read_back, recorded);
                json_log.push(read_back);
            }
            prop_assert_eq!(&replay(None, p.log), p.after, "after {:?} by {}", p.command, p.actor);
            Ok(())
        })?;
        prop_assert_eq!(&replay(None, &json_log), &live, "replaying the log read back from JSON");
        let board: State = serde_json::from_str(&serde_json::to_string(&live).unwrap())
            .expect("the board reads back from JSON");
        prop_assert_eq!(board, live);
    }

    /// (d) Every client message survives encoding and decoding.
    #[test]
    fn client_messages_survive_json(message in client_message()) {
        let json = message.to_json();
        prop_assert_eq!(decode_client(&json), Ok(message), "{}", json);
    }

    /// (d) Every server message survives encoding and decoding.
    #[test]
    fn server_messages_survive_json(message in server_message()) {
        let json = message.to_json();
        let decoded: ServerMessage = serde_json::from_str(&json)
            .map_err(|e| TestCaseError::fail(format!("{e}: {json}")))?;
        prop_assert_eq!(decoded, message);
    }

    /// (d) And reads the same with the keys of every object in any order: sorted (as a JSON
    /// value writes them, so `type` is rarely first), reversed, and from a JSON value. The
    /// tagged enums read the tag first when it comes first (`warroom_core::tagged`) and must
    /// not depend on it.
    #[test]
    fn server_messages_read_with_their_keys_in_any_order(message in server_message()) {
        let value = serde_json::to_value(&message).expect("a message serialises");
        let sorted = serde_json::to_string(&value).expect("a value serialises");
        let reversed = reversed_keys(&value);
        for json in [&sorted, &reversed] {
            let decoded: ServerMessage = serde_json::from_str(json)
                .map_err(|e| TestCaseError::fail(format!("{e}: {json}")))?;
            prop_assert_eq!(&decoded, &message, "{}", json);
        }
        let decoded = ServerMessage::deserialize(&value)
            .map_err(|e| TestCaseError::fail(format!("{e}: {sorted}")))?;
        prop_assert_eq!(decoded, message);
    }
}

/// A JSON value written with the keys of every object in the reverse of their sorted order.
fn reversed_keys(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let fields: Vec<String> = map
                .iter()
                .rev()
                .map(|(k, v)| format!("{}:{}", Value::String(k.clone()), reversed_keys(v)))
                .collect();
            format!("{{{}}}", fields.join(","))
        }
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(reversed_keys).collect();
            format!("[{}]", items.join(","))
        }
        other => other.to_string(),
    }
}
