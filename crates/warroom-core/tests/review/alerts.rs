//! Given a board, when someone looks at it at some moment, then exactly these alerts, in this
//! order. Each condition appears and clears; instances of one condition collapse into one
//! line; a board where all is well is dark.

use std::collections::BTreeSet;

use warroom_core::alerts::{Alert, Tier, Viewer, evaluate};
use warroom_core::{ConcernLevel, Lane, NoteKind, ParticipantId, Role, Status};

use super::*;

use Tier::{Advisory, Caution, Warning};

/// Who looks, when, and what their browser knows.
struct Look {
    me: &'static str,
    seconds: i64,
    present: Vec<&'static str>,
    presence_known: bool,
    online: bool,
}

/// `me` looks at `seconds`, online, with the whole crew connected.
fn look(me: &'static str, seconds: i64) -> Look {
    Look {
        me,
        seconds,
        present: CREW.to_vec(),
        presence_known: true,
        online: true,
    }
}

impl Look {
    fn offline(mut self) -> Self {
        self.online = false;
        self
    }

    /// Only these are connected.
    fn present(mut self, who: &[&'static str]) -> Self {
        self.present = who.to_vec();
        self
    }

    /// Presence has not been reported yet.
    fn presence_unknown(mut self) -> Self {
        self.presence_known = false;
        self.present.clear();
        self
    }
}

/// Runs a row: the alerts on the board of `given` for `look`, which must be exactly `then`
/// (tier and title, in order). Every row also checks the order of the tiers and that keys are
/// unique.
#[track_caller]
fn check(given: &[Timed], look: Look, then: &[(Tier, &str)]) -> Vec<Alert> {
    let (state, _) = play(given);
    let incident = state.expect("declared");
    let me = id(look.me);
    let present: BTreeSet<ParticipantId> = look.present.iter().map(|p| id(p)).collect();
    let viewer = Viewer {
        me: &me,
        present: &present,
        presence_known: look.presence_known,
        online: look.online,
    };
    let alerts = evaluate(&incident, &viewer, at(look.seconds));
    let seen: Vec<(Tier, &str)> = alerts.iter().map(|a| (a.tier, a.title.as_str())).collect();
    assert_eq!(
        seen, then,
        "alerts for {} at {}s: {alerts:#?}",
        look.me, look.seconds
    );
    assert!(
        alerts.windows(2).all(|w| w[0].tier <= w[1].tier),
        "warnings, cautions, advisories"
    );
    let keys: BTreeSet<&str> = alerts.iter().map(|a| a.key.as_str()).collect();
    assert_eq!(keys.len(), alerts.len(), "one key per alert");
    alerts
}

/// All is well: a cadence (due at 14,440), someone flying the plane with the loop closed
/// (due at 3,650), nobody worried.
fn all_well() -> Vec<Timed> {
    crew_and([
        t(40, "ann", set_cadence(Some(240))),
        t(
            50,
            "ann",
            assign("bob", "Roll back.", Lane::Mitigate, Some(60)),
        ),
        t(60, "bob", read_back(1, "Rolling back.")),
        t(70, "ann", confirm_readback(1)),
    ])
}

fn all_well_and(more: impl IntoIterator<Item = Timed>) -> Vec<Timed> {
    let mut steps = all_well();
    steps.extend(more);
    steps
}

#[test]
fn all_is_well_and_the_panel_is_dark() {
    for who in CREW {
        check(&all_well(), look(who, 100), &[]);
    }
}

#[test]
fn connection_lost() {
    check(
        &all_well(),
        look("bob", 100).offline(),
        &[(Warning, "CONNECTION LOST")],
    );
    check(&all_well(), look("bob", 100), &[]);
}

#[test]
fn no_commander_present() {
    let alerts = check(
        &all_well(),
        look("bob", 100).present(&["bob", "cat", "dan"]),
        &[(Warning, "NO COMMANDER PRESENT")],
    );
    assert_eq!(alerts[0].key, "no-commander:ann");
    assert!(alerts[0].detail.contains("Ann holds command"));
    // Before presence is known, nobody counts as absent.
    check(&all_well(), look("bob", 100).presence_unknown(), &[]);
    // Bob took command: he is present.
    let assumed =
        all_well_and([t(80, "bob", assume(Role::Commander, "Ann dropped.")).absent(&["ann"])]);
    check(
        &assumed,
        look("bob", 100).present(&["bob", "cat", "dan"]),
        &[],
    );
}

#[test]
fn a_safety_issue_stops_the_line_until_acknowledged() {
    let raised = all_well_and([t(
        80,
        "cat",
        raise(ConcernLevel::SafetyIssue, "Stop the failover."),
    )]);
    let alerts = check(
        &raised,
        look("dan", 100),
        &[(Warning, "STOP — SAFETY ISSUE OPEN")],
    );
    assert_eq!(alerts[0].key, "safety:1");
    assert_eq!(alerts[0].detail, "Cat: Stop the failover.");
    // Two of them: one line, both named.
    let two = all_well_and([
        t(
            80,
            "cat",
            raise(ConcernLevel::SafetyIssue, "Stop the failover."),
        ),
        t(
            85,
            "dan",
            raise(ConcernLevel::SafetyIssue, "The backup is stale."),
        ),
    ]);
    let alerts = check(
        &two,
        look("ann", 100),
        &[(Warning, "STOP — SAFETY ISSUE OPEN")],
    );
    assert_eq!(alerts[0].key, "safety:1,2");
    assert_eq!(
        alerts[0].detail,
        "Cat: Stop the failover. · Dan: The backup is stale."
    );
    let answered = all_well_and([
        t(
            80,
            "cat",
            raise(ConcernLevel::SafetyIssue, "Stop the failover."),
        ),
        t(90, "ann", acknowledge(1, "Failover paused.")),
    ]);
    check(&answered, look("dan", 100), &[]);
}

#[test]
fn a_concern_waits_for_the_commander() {
    let raised = all_well_and([t(80, "bob", raise(ConcernLevel::Concerned, "Disk at 90%."))]);
    check(
        &raised,
        look("ann", 100),
        &[(Caution, "CONCERN NOT ACKNOWLEDGED")],
    );
    let answered = plus(raised, [t(90, "ann", acknowledge(1, "Watching it."))]);
    check(&answered, look("ann", 100), &[]);
    // Raised again: it stands again, a level up; once more and it is a safety issue.
    let again = plus(answered, [t(95, "bob", raise_again(1))]);
    check(
        &again,
        look("ann", 100),
        &[(Caution, "CONCERN NOT ACKNOWLEDGED")],
    );
    let once_more = plus(again, [t(96, "bob", raise_again(1))]);
    check(
        &once_more,
        look("ann", 100),
        &[(Warning, "STOP — SAFETY ISSUE OPEN")],
    );
    // Two open concerns: one line.
    let two = all_well_and([
        t(80, "bob", raise(ConcernLevel::Concerned, "Disk at 90%.")),
        t(
            85,
            "cat",
            raise(ConcernLevel::Uncomfortable, "No rollback plan."),
        ),
    ]);
    let alerts = check(
        &two,
        look("ann", 100),
        &[(Caution, "CONCERN NOT ACKNOWLEDGED ×2")],
    );
    assert_eq!(alerts[0].key, "concern:1,2");
}

#[test]
fn a_handoff_waits_on_whoever_must_answer() {
    let offered = all_well_and([t(80, "ann", offer_command("bob"))]);
    let alerts = check(
        &offered,
        look("bob", 100),
        &[(Caution, "HANDOFF WAITS ON YOU")],
    );
    assert!(alerts[0].detail.contains("accept or decline"));
    check(&offered, look("ann", 100), &[]);
    let accepted = plus(offered, [t(90, "bob", accept(Role::Commander))]);
    check(&accepted, look("bob", 100), &[]);
    let alerts = check(
        &accepted,
        look("ann", 100),
        &[(Caution, "HANDOFF WAITS ON YOU")],
    );
    assert!(alerts[0].detail.contains("You have control"));
    let confirmed = plus(accepted, [t(95, "ann", confirm(Role::Commander))]);
    check(&confirmed, look("ann", 100), &[]);
    check(&confirmed, look("bob", 100), &[]);
}

#[test]
fn the_status_update_falls_due() {
    // Due at 14,440 (the action falls due first, at 3,650: finish it).
    let done = all_well_and([
        t(80, "bob", complete(1, "Rolled back.")),
        t(90, "ann", set_status(Status::Mitigated)),
    ]);
    check(&done, look("ann", 14_440), &[]);
    check(
        &done,
        look("ann", 14_441),
        &[(Caution, "STATUS UPDATE OVERDUE")],
    );
    let posted = plus(
        done,
        [t(14_500, "ann", post(NoteKind::StatusUpdate, "Stable."))],
    );
    check(&posted, look("ann", 14_501), &[]);
}

#[test]
fn an_action_falls_due() {
    check(&all_well(), look("ann", 3_650), &[]);
    let alerts = check(
        &all_well(),
        look("ann", 3_651),
        &[(Caution, "ACTION OVERDUE")],
    );
    assert_eq!(alerts[0].key, "overdue:1");
    assert_eq!(alerts[0].detail, "Roll back. (Bob)");
    let two = all_well_and([t(
        80,
        "ann",
        assign("cat", "Drain the queue.", Lane::Mitigate, Some(30)),
    )]);
    let alerts = check(&two, look("ann", 3_651), &[(Caution, "ACTION OVERDUE ×2")]);
    assert_eq!(alerts[0].key, "overdue:1,2");
    let one_done = plus(two, [t(90, "bob", complete(1, "Rolled back."))]);
    check(
        &one_done,
        look("ann", 3_651),
        &[(Caution, "ACTION OVERDUE")],
    );
}

#[test]
fn readbacks_wait_on_the_assignee_then_the_assigner() {
    let assigned = all_well_and([
        t(
            80,
            "ann",
            assign("cat", "Tell support.", Lane::Communicate, None),
        ),
        t(
            81,
            "ann",
            assign("cat", "Update the status page.", Lane::Communicate, None),
        ),
    ]);
    let alerts = check(
        &assigned,
        look("cat", 100),
        &[(Caution, "READ BACK YOUR ACTION ×2")],
    );
    assert_eq!(alerts[0].key, "readback-mine:2,3");
    check(&assigned, look("ann", 100), &[]);
    let read_back_one = plus(assigned, [t(90, "cat", read_back(2, "Telling support."))]);
    check(
        &read_back_one,
        look("cat", 100),
        &[(Caution, "READ BACK YOUR ACTION")],
    );
    check(
        &read_back_one,
        look("ann", 100),
        &[(Caution, "READBACK TO CONFIRM")],
    );
    check(&read_back_one, look("dan", 100), &[]);
    let confirmed = plus(read_back_one, [t(95, "ann", confirm_readback(2))]);
    check(&confirmed, look("ann", 100), &[]);
}

#[test]
fn nobody_mitigating_and_no_cadence() {
    check(
        &crew(),
        look("ann", 100),
        &[
            (Caution, "NOBODY MITIGATING"),
            (Advisory, "NO UPDATE CADENCE"),
        ],
    );
    let diagnosing = crew_and([
        t(40, "ann", set_cadence(Some(30))),
        t(
            50,
            "ann",
            assign("bob", "Read the logs.", Lane::Diagnose, None),
        ),
    ]);
    check(
        &diagnosing,
        look("ann", 100),
        &[(Caution, "NOBODY MITIGATING")],
    );
    let mitigated = plus(diagnosing, [t(60, "ann", set_status(Status::Mitigated))]);
    check(&mitigated, look("ann", 100), &[]);
    // The one mitigating action done: nobody is flying the plane again.
    let done = all_well_and([t(80, "bob", complete(1, "Rolled back."))]);
    check(&done, look("ann", 100), &[(Caution, "NOBODY MITIGATING")]);
}

#[test]
fn a_long_checklist_is_advised_against() {
    let mut steps = all_well_and([t(80, "cat", create_checklist("Everything"))]);
    for n in 0..10 {
        steps.push(t(81 + n, "cat", add_item(1, &format!("Item {n}"), None)));
    }
    check(
        &steps,
        look("ann", 100),
        &[(Advisory, "CHECKLIST OVER NINE ITEMS")],
    );
    for n in 0..10 {
        steps.push(t(91 + n as i64, "cat", check_item(1, n, None)));
    }
    check(&steps, look("ann", 200), &[]);
}

#[test]
fn warnings_before_cautions_before_advisories() {
    let mut steps = crew_and([
        t(
            40,
            "ann",
            assign("bob", "Read the logs.", Lane::Diagnose, Some(1)),
        ),
        t(50, "cat", raise(ConcernLevel::SafetyIssue, "Stop.")),
        t(60, "dan", raise(ConcernLevel::Concerned, "Hmm.")),
        t(70, "ann", offer_command("bob")),
        t(80, "cat", create_checklist("Everything")),
    ]);
    for n in 0..10 {
        steps.push(t(81 + n, "cat", add_item(1, &format!("Item {n}"), None)));
    }
    check(
        &steps,
        look("bob", 200).offline().present(&["bob", "cat", "dan"]),
        &[
            (Warning, "CONNECTION LOST"),
            (Warning, "STOP — SAFETY ISSUE OPEN"),
            (Warning, "NO COMMANDER PRESENT"),
            (Caution, "HANDOFF WAITS ON YOU"),
            (Caution, "ACTION OVERDUE"),
            (Caution, "READ BACK YOUR ACTION"),
            (Caution, "CONCERN NOT ACKNOWLEDGED"),
            (Caution, "NOBODY MITIGATING"),
            (Advisory, "CHECKLIST OVER NINE ITEMS"),
            (Advisory, "NO UPDATE CADENCE"),
        ],
    );
}

#[test]
fn a_closed_incident_shows_only_what_still_matters() {
    let closed = crew_and([
        t(
            40,
            "ann",
            assign("bob", "Read the logs.", Lane::Diagnose, Some(1)),
        ),
        t(50, "cat", raise(ConcernLevel::Concerned, "Logs are noisy.")),
        t(60, "ann", set_status(Status::Resolved)),
        t(70, "ann", set_status(Status::Closed)),
    ]);
    // A closed incident cannot be worked: only the link matters (no commander, overdue,
    // concern or cadence alerts), and it cannot close with a safety issue open.
    check(
        &closed,
        look("bob", 500).offline().present(&["bob"]),
        &[(Warning, "CONNECTION LOST")],
    );
}

/// `steps`, then `more`.
fn plus(steps: Vec<Timed>, more: impl IntoIterator<Item = Timed>) -> Vec<Timed> {
    steps.into_iter().chain(more).collect()
}

/// [`all_well`] (Bob holds one mitigating action), then Ann gives herself `own` open actions.
fn ann_holding(own: usize, limit: Option<u32>) -> Vec<Timed> {
    let mut steps = all_well_and(limit.map(|l| t(80, "ann", set_span(Some(l)))));
    for n in 0..own {
        let text = format!("Check dashboard {n}.");
        steps.push(t(
            90 + n as i64,
            "ann",
            assign("ann", &text, Lane::Diagnose, None),
        ));
    }
    steps
}

#[test]
fn span_of_control_by_the_commanders_own_actions() {
    let span = [(Advisory, "SPAN OF CONTROL")];
    // The default limit, 7: seven actions are within it, eight are past it.
    assert_eq!(warroom_core::alerts::SPAN_OF_CONTROL, 7);
    check(&ann_holding(7, None), look("dan", 200), &[]);
    let past = check(&ann_holding(8, None), look("dan", 200), &span);
    assert_eq!(
        past[0].detail,
        "Ann holds 8 open actions and 1 direct report, past the span of control of 7: name a deputy or an operations lead."
    );
    assert_eq!(past[0].key, "span:ann");
    // The commander's own setting: below, at and above a limit of 2.
    check(&ann_holding(1, Some(2)), look("dan", 200), &[]);
    check(&ann_holding(2, Some(2)), look("dan", 200), &[]);
    check(&ann_holding(3, Some(2)), look("dan", 200), &span);
    // Finishing one brings it back within the span.
    let done = plus(
        ann_holding(3, Some(2)),
        [t(150, "ann", cancel_action(2, "Not needed."))],
    );
    check(&done, look("dan", 200), &[]);
    // Told to the commander in the second person.
    let mine = evaluate_for("ann", &ann_holding(3, Some(2)));
    let advisory = mine.iter().find(|a| a.title == "SPAN OF CONTROL").unwrap();
    assert!(
        advisory.detail.starts_with("You hold 3 open actions"),
        "{}",
        advisory.detail
    );
}

#[test]
fn span_of_control_by_direct_reports() {
    let span = [(Advisory, "SPAN OF CONTROL")];
    let limit = all_well_and([t(80, "ann", set_span(Some(2)))]);
    // Bob owns an action Ann assigned, Cat holds a role: two direct reports, at the limit.
    let two = plus(limit.clone(), [t(90, "cat", claim(Role::Scribe))]);
    check(&two, look("dan", 200), &[]);
    // Dan given an action too: three, past it.
    let three = plus(
        two.clone(),
        [t(
            100,
            "ann",
            assign("dan", "Call the vendor.", Lane::Communicate, None),
        )],
    );
    let alerts = check(&three, look("cat", 200), &span);
    assert!(
        alerts[0].detail.contains("3 direct reports"),
        "{}",
        alerts[0].detail
    );
    // Dan's action cancelled: he no longer reports to the commander.
    let cancelled = plus(
        three,
        [t(110, "ann", cancel_action(2, "Vendor called us."))],
    );
    check(&cancelled, look("cat", 200), &[]);
}

#[test]
fn a_deputy_or_an_operations_lead_clears_the_span_advisory() {
    let past = ann_holding(3, Some(2));
    check(&past, look("dan", 200), &[(Advisory, "SPAN OF CONTROL")]);
    for role in [Role::Deputy, Role::Operations] {
        let shared = plus(past.clone(), [t(150, "cat", claim(role))]);
        check(&shared, look("dan", 200), &[]);
    }
    // A scribe or communications does not share the span.
    let scribe = plus(past, [t(150, "cat", claim(Role::Scribe))]);
    check(&scribe, look("dan", 200), &[(Advisory, "SPAN OF CONTROL")]);
}

/// Every alert `me` sees at 200 s on the board of `steps`.
fn evaluate_for(me: &'static str, steps: &[Timed]) -> Vec<Alert> {
    let (state, _) = play(steps);
    let incident = state.expect("declared");
    let me = id(me);
    let present: BTreeSet<ParticipantId> = CREW.iter().map(|p| id(p)).collect();
    let viewer = Viewer {
        me: &me,
        present: &present,
        presence_known: true,
        online: true,
    };
    evaluate(&incident, &viewer, at(200))
}
