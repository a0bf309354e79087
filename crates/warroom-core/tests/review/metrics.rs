//! Given a log with hand-picked times, when its metrics are computed, then exactly these
//! numbers, worked out by hand from the definitions in `warroom_core::metrics`.
//!
//! Times in the comments are seconds after the declaration. The crew joins at 10, 20 and 30.

use warroom_core::metrics::{
    ActionTiming, ChecklistTiming, ConcernTiming, Handoff, HandoffKind, Metrics, StatusUpdates,
    Tenure, metrics, seconds,
};
use warroom_core::templates::template;
use warroom_core::{ActionId, ChecklistId, ConcernId, ConcernLevel, Lane, NoteKind, Role, Status};

use super::*;

/// Runs a row: the metrics of the log of `given`, after checking what holds for every log —
/// they span the log, the tenures chain into each other and add up to its duration.
#[track_caller]
fn check(given: &[Timed]) -> Metrics {
    let log = log_of(given);
    let m = metrics(&log).expect("a declared log has metrics");
    assert_eq!(m.declared_at, log[0].at, "declared at the first event");
    assert_eq!(
        m.ended_at,
        log.last().unwrap().at,
        "ended at the last event"
    );
    for pair in m.tenures.windows(2) {
        assert_eq!(pair[0].to, Some(pair[1].from), "tenures follow each other");
    }
    assert_eq!(m.tenures.last().and_then(|t| t.to), None);
    assert_eq!(
        m.tenures.iter().map(|t| t.seconds).sum::<i64>(),
        seconds(m.declared_at, m.ended_at),
        "the tenures cover the record"
    );
    assert_eq!(m.handoffs.len() + 1, m.tenures.len());
    m
}

fn tenure(commander: &str, from: i64, to: Option<i64>, seconds: i64) -> Tenure {
    Tenure {
        commander: id(commander),
        from: at(from),
        to: to.map(at),
        seconds,
    }
}

#[test]
fn an_incident_without_a_handoff() {
    let m = check(&crew_and([
        // Bob speaks first, and Ann only renames herself: neither is taking charge.
        t(40, "bob", note("Errors at 20%.")),
        t(50, "ann", join("Ann B.")),
        t(95, "ann", note("I am incident commander.")),
        t(600, "ann", set_status(Status::Identified)),
        t(1_200, "ann", set_status(Status::Mitigated)),
        t(1_800, "ann", set_status(Status::Resolved)),
    ]));
    assert_eq!(m.time_to_first_commander, Some(95));
    assert_eq!(m.time_to_mitigated, Some(1_200));
    assert_eq!(m.time_to_resolved, Some(1_800));
    assert_eq!(m.handoffs, []);
    assert_eq!(m.tenures, [tenure("ann", 0, None, 1_800)]);
    assert_eq!(m.checklists, []);
    assert_eq!(m.actions, []);
    assert_eq!(m.concerns, []);
    assert_eq!(m.status_updates, StatusUpdates::default());
}

#[test]
fn times_to_command_mitigate_and_resolve_stay_open_until_they_happen() {
    // Nobody in command does anything: declaring is not commanding.
    let m = check(&crew_and([t(300, "bob", note("Anyone there?"))]));
    assert_eq!(m.time_to_first_commander, None);
    assert_eq!(m.time_to_mitigated, None);
    assert_eq!(m.time_to_resolved, None);
    assert_eq!(m.tenures, [tenure("ann", 0, None, 300)]);

    // Straight to resolved: mitigated then too.
    let m = check(&crew_and([t(500, "ann", set_status(Status::Resolved))]));
    assert_eq!(m.time_to_first_commander, Some(500));
    assert_eq!(m.time_to_mitigated, Some(500));
    assert_eq!(m.time_to_resolved, Some(500));

    // Reopened after mitigation: the first time counts.
    let m = check(&crew_and([
        t(100, "ann", set_status(Status::Mitigated)),
        t(200, "ann", set_status(Status::Investigating)),
        t(300, "ann", set_status(Status::Mitigated)),
    ]));
    assert_eq!(m.time_to_mitigated, Some(100));
    assert_eq!(m.time_to_resolved, None);
}

#[test]
fn handoffs_by_positive_exchange() {
    let m = check(&crew_and([
        t(100, "ann", offer_command("bob")),     // seq 5
        t(130, "bob", accept(Role::Commander)),  // 6
        t(145, "ann", confirm(Role::Commander)), // 7: 45 s from the offer
        // A declined offer and a cancelled one leave no handoff and do not start the clock.
        t(300, "bob", offer_command("cat")), // 8
        t(310, "cat", decline(Role::Commander, "On another call.")), // 9
        t(400, "bob", offer_command("dan")), // 10
        t(460, "dan", accept(Role::Commander)), // 11
        t(520, "bob", confirm(Role::Commander)), // 12: 120 s from the second offer
        t(600, "dan", offer_command("cat")), // 13
        t(610, "dan", cancel_offer(Role::Commander)), // 14
        // Cat is deputy when she takes command: she lets the deputy role go in the same step,
        // and the handoff is the handover, not the release before it.
        t(620, "cat", claim(Role::Deputy)),      // 15
        t(630, "dan", offer_command("cat")),     // 16
        t(640, "cat", accept(Role::Commander)),  // 17
        t(660, "dan", confirm(Role::Commander)), // 18 released, 19 handed over: 30 s
        t(700, "cat", note("Cat has command.")), // 20
    ]));
    let exchange = |seq, at_s, from, to, offer_to_confirm| Handoff {
        seq,
        at: at(at_s),
        from: id(from),
        to: id(to),
        kind: HandoffKind::PositiveExchange,
        offer_to_confirm: Some(offer_to_confirm),
        reason: None,
    };
    assert_eq!(
        m.handoffs,
        [
            exchange(7, 145, "ann", "bob", 45),
            exchange(12, 520, "bob", "dan", 120),
            exchange(19, 660, "dan", "cat", 30),
        ]
    );
    assert_eq!(
        m.tenures,
        [
            tenure("ann", 0, Some(145), 145),
            tenure("bob", 145, Some(520), 375),
            tenure("dan", 520, Some(660), 140),
            tenure("cat", 660, None, 40),
        ]
    );
    // Ann's offer was her first act of command.
    assert_eq!(m.time_to_first_commander, Some(100));
}

#[test]
fn command_assumed_from_an_absent_commander() {
    let m = check(&crew_and([
        t(100, "ann", offer_command("cat")),    // seq 5
        t(110, "cat", accept(Role::Commander)), // 6
        // Ann drops off before confirming; Bob takes command, which ends her offer.
        t(
            200,
            "bob",
            assume(Role::Commander, "Ann dropped off the bridge."),
        )
        .absent(&["ann"]), // 7 cancelled, 8 assumed
        t(300, "bob", offer_command("dan")),     // 9
        t(330, "dan", accept(Role::Commander)),  // 10
        t(350, "bob", confirm(Role::Commander)), // 11
        t(400, "dan", note("Dan has command.")), // 12
    ]));
    assert_eq!(
        m.handoffs,
        [
            Handoff {
                seq: 8,
                at: at(200),
                from: id("ann"),
                to: id("bob"),
                kind: HandoffKind::Assumed,
                offer_to_confirm: None,
                reason: Some("Ann dropped off the bridge.".into()),
            },
            Handoff {
                seq: 11,
                at: at(350),
                from: id("bob"),
                to: id("dan"),
                kind: HandoffKind::PositiveExchange,
                offer_to_confirm: Some(50),
                reason: None,
            },
        ]
    );
    assert_eq!(
        m.tenures,
        [
            tenure("ann", 0, Some(200), 200),
            tenure("bob", 200, Some(350), 150),
            tenure("dan", 350, None, 50),
        ]
    );
}

#[test]
fn the_first_commander_may_be_one_who_assumed_command() {
    let m = check(&crew_and([
        // Ann declared and vanished. Taking command is not yet commanding either.
        t(200, "bob", assume(Role::Commander, "Ann never showed.")).absent(&["ann"]),
        t(230, "cat", note("Bob has command.")),
        t(260, "bob", post(NoteKind::Decision, "Roll back.")),
    ]));
    assert_eq!(m.time_to_first_commander, Some(260));
    assert_eq!(m.handoffs.len(), 1);
    assert_eq!(m.handoffs[0].kind, HandoffKind::Assumed);
}

#[test]
fn checklist_completion_times() {
    let declare_title = template("declare").expect("the declare template").title;
    let m = check(&crew_and([
        t(100, "cat", create_checklist("Rollback")),
        t(110, "cat", add_item(1, "Freeze deploys", None)),
        t(120, "cat", add_item(1, "Drain traffic", Some("Region"))),
        t(200, "dan", check_item(1, 0, None)),
        // The last open item closed off: complete 160 s after it was started.
        t(260, "dan", not_applicable(1, 1, "Single region.")),
        // Opened and closed again: the first completion stands.
        t(300, "dan", uncheck_item(1, 0)),
        t(330, "dan", check_item(1, 0, None)),
        // Started and never finished.
        t(400, "ann", start_checklist("declare")),
        t(420, "ann", check_item(2, 0, None)),
    ]));
    assert_eq!(
        m.checklists,
        [
            ChecklistTiming {
                id: ChecklistId(1),
                title: "Rollback".into(),
                started_at: at(100),
                completed_after: Some(160),
            },
            ChecklistTiming {
                id: ChecklistId(2),
                title: declare_title.into(),
                started_at: at(400),
                completed_after: None,
            },
        ]
    );
}

#[test]
fn action_latencies_and_overdue_actions() {
    let m = check(&crew_and([
        t(
            100,
            "ann",
            assign("bob", "Roll back the deploy.", Lane::Mitigate, Some(10)),
        ), // due 700
        t(
            110,
            "ann",
            assign("cat", "Page payments.", Lane::Communicate, Some(5)),
        ), // due 410
        t(
            120,
            "ann",
            assign("dan", "Watch the dashboards.", Lane::Diagnose, None),
        ),
        t(
            130,
            "ann",
            assign("bob", "Scale the pool.", Lane::Mitigate, Some(10)),
        ), // due 730
        t(
            140,
            "ann",
            assign(
                "cat",
                "Update the status page.",
                Lane::Communicate,
                Some(60),
            ),
        ),
        t(150, "bob", read_back(1, "Rolling back.")),
        t(160, "cat", read_back(2, "Paging payments.")),
        t(170, "ann", correct_readback(1, "Only the web tier.")),
        t(180, "ann", confirm_readback(2)),
        t(190, "bob", read_back(1, "Rolling back the web tier.")),
        t(200, "ann", confirm_readback(1)),
        t(300, "dan", read_back(3, "Watching.")),
        t(500, "cat", complete(2, "Payments paged.")), // past its time box
        t(700, "bob", complete(1, "Rolled back.")),    // exactly at its time box
        t(900, "ann", cancel_action(3, "Not needed.")),
        t(1_000, "ann", note("Taking stock.")), // actions 4 and 5 still open
    ]));
    let timing = |id: u32, text: &str, lane, assignee: &str, assigned: i64| ActionTiming {
        id: ActionId(id),
        text: text.into(),
        lane,
        assignee: super::id(assignee),
        assigned_at: at(assigned),
        read_back_after: None,
        confirmed_after: None,
        closed_after: None,
        done: false,
        cancelled: false,
        overdue: false,
    };
    assert_eq!(
        m.actions,
        [
            ActionTiming {
                // The first readback counts; the loop closed on the second.
                read_back_after: Some(50),
                confirmed_after: Some(100),
                closed_after: Some(600),
                done: true,
                ..timing(1, "Roll back the deploy.", Lane::Mitigate, "bob", 100)
            },
            ActionTiming {
                read_back_after: Some(50),
                confirmed_after: Some(70),
                closed_after: Some(390),
                done: true,
                overdue: true,
                ..timing(2, "Page payments.", Lane::Communicate, "cat", 110)
            },
            ActionTiming {
                read_back_after: Some(180),
                closed_after: Some(780),
                cancelled: true,
                ..timing(3, "Watch the dashboards.", Lane::Diagnose, "dan", 120)
            },
            ActionTiming {
                // Open at the end (1,000), past its time box (730).
                overdue: true,
                ..timing(4, "Scale the pool.", Lane::Mitigate, "bob", 130)
            },
            // Open at the end, within its time box (3,740).
            timing(5, "Update the status page.", Lane::Communicate, "cat", 140),
        ]
    );
}

#[test]
fn status_updates_on_time_late_and_missed() {
    let update = |s, text| t(s, "ann", post(NoteKind::StatusUpdate, text));
    let m = check(&crew_and([
        // Before any cadence: posted, neither on time nor late.
        update(60, "Investigating checkout errors."),
        t(100, "ann", set_cadence(Some(10))), // due at 700
        update(650, "Rollback under way."),   // on time; gap 590
        update(1_300, "Rollback done."),      // due at 1,250: late; gap 650
        update(1_900, "Watching."),           // due at 1,900 exactly: on time; gap 600
        t(2_600, "ann", note("Quiet.")),      // due at 2,500 and not posted: missed
    ]));
    assert_eq!(
        m.status_updates,
        StatusUpdates {
            posted: 4,
            on_time: 2,
            late: 1,
            missed: 1,
            longest_gap: Some(650),
        }
    );

    // The gap before the first update counts from the declaration; a resolved incident owes
    // no more updates; a new cadence is due from when it was set.
    let m = check(&crew_and([
        t(100, "ann", set_cadence(Some(30))),  // due at 1,900
        t(1_000, "ann", set_cadence(Some(5))), // due at 1,300
        update(1_400, "Mitigated."),           // late; gap 1,400
        t(1_500, "ann", set_status(Status::Resolved)),
        t(5_000, "ann", note("Closing out.")), // due at 1,700, but resolved
    ]));
    assert_eq!(
        m.status_updates,
        StatusUpdates {
            posted: 1,
            on_time: 0,
            late: 1,
            missed: 0,
            longest_gap: Some(1_400),
        }
    );
}

#[test]
fn concern_waits_and_escalations() {
    let given = crew_and([
        t(
            100,
            "bob",
            raise(ConcernLevel::Concerned, "The database is at 90%."),
        ),
        t(160, "ann", acknowledge(1, "Watching it.")), // waited 60
        t(
            200,
            "cat",
            raise(ConcernLevel::Uncomfortable, "The rollback is untested."),
        ),
        t(250, "cat", raise_again(2)), // safety issue, never answered
        t(300, "bob", raise_again(1)), // the answer no longer stands: the wait starts again
        t(420, "ann", acknowledge(1, "Failing over now.")), // waited 120 since 300
        t(
            500,
            "dan",
            raise(ConcernLevel::Concerned, "Nobody is on the status page."),
        ),
        t(550, "dan", raise_again(3)), // raised again before any answer
        t(600, "ann", acknowledge(3, "Cat has it.")), // waited 50 since 550
    ]);
    let concern = |id, text: &str, level, by: &str, raised: i64, waited| ConcernTiming {
        id: ConcernId(id),
        text: text.into(),
        level,
        raised_by: super::id(by),
        raised_at: at(raised),
        escalations: 1,
        waited,
    };
    let m = check(&given);
    assert_eq!(
        m.concerns,
        [
            concern(
                1,
                "The database is at 90%.",
                ConcernLevel::Uncomfortable,
                "bob",
                100,
                Some(120)
            ),
            concern(
                2,
                "The rollback is untested.",
                ConcernLevel::SafetyIssue,
                "cat",
                200,
                None
            ),
            concern(
                3,
                "Nobody is on the status page.",
                ConcernLevel::Uncomfortable,
                "dan",
                500,
                Some(50)
            ),
        ]
    );

    // Up to the escalation at 300, the first answer stood; right after it, nothing does.
    let log = log_of(&given);
    let upto = |s: i64| {
        let n = log.iter().take_while(|r| r.at <= at(s)).count();
        metrics(&log[..n]).unwrap()
    };
    let first = |m: Metrics| m.concerns[0].clone();
    assert_eq!(
        (first(upto(250)).escalations, first(upto(250)).waited),
        (0, Some(60))
    );
    assert_eq!(
        (first(upto(300)).escalations, first(upto(300)).waited),
        (1, None)
    );
    assert_eq!(first(upto(300)).level, ConcernLevel::Uncomfortable);
}

/// The metrics at a moment are that moment's: a handoff after it is not counted, and the
/// commander's tenure runs to the moment, not to the end of the log.
#[test]
fn metrics_at_a_moment_never_count_later_events() {
    let log = log_of(&crew_and([
        t(100, "ann", note("Looking at the deploy.")), // seq 5
        t(200, "ann", offer_command("bob")),           // 6
        t(230, "bob", accept(Role::Commander)),        // 7
        t(245, "ann", confirm(Role::Commander)),       // 8: the handoff
        t(300, "bob", set_status(Status::Mitigated)),  // 9
    ]));
    let whole = metrics(&log).unwrap();
    assert_eq!(whole.handoffs.len(), 1, "the whole log has the handoff");
    assert_eq!(whole.time_to_mitigated, Some(300));

    let before = warroom_core::metrics::metrics_at(&log, 7).unwrap();
    assert_eq!(
        before.handoffs,
        [],
        "the handoff at seq 8 is after the moment"
    );
    assert_eq!(
        before.tenures,
        [tenure("ann", 0, None, 230)],
        "Ann, to the moment"
    );
    assert_eq!(before.ended_at, at(230));
    assert_eq!(before.time_to_mitigated, None, "not yet mitigated at seq 7");
    assert_eq!(before.time_to_first_commander, Some(100));
    let rows = before.summary();
    assert!(rows.contains(&(
        "Command handoffs",
        "0 (0 by positive exchange, 0 assumed)".into()
    )));

    let at_handoff = warroom_core::metrics::metrics_at(&log, 8).unwrap();
    assert_eq!(at_handoff.handoffs.len(), 1, "at seq 8 it counts");
    assert_eq!(
        warroom_core::metrics::metrics_at(&log, u64::MAX),
        Some(whole),
        "after the last event: the whole log"
    );
    assert_eq!(
        warroom_core::metrics::metrics_at(&log, 0),
        None,
        "before the declaration"
    );
}

#[test]
fn time_to_detect_and_impact_duration_come_from_the_impact_window() {
    let impact = |start: i64, end: Option<i64>| Command::SetImpact {
        start: at(start),
        end: end.map(at),
        statement: Some("Checkout failed for a fifth of shoppers.".into()),
    };
    // The impact began 7 minutes before the declaration; no end yet.
    let m = check(&crew_and([t(100, "ann", impact(-420, None))]));
    assert_eq!((m.time_to_detect, m.impact_duration), (Some(420), None));
    // Revised: ended at 600 (so it lasted 1,020 s).
    let m = check(&crew_and([
        t(100, "ann", impact(-420, None)),
        t(700, "ann", impact(-420, Some(600))),
    ]));
    assert_eq!(
        (m.time_to_detect, m.impact_duration),
        (Some(420), Some(1_020))
    );
    let rows = m.summary();
    assert!(rows.contains(&("Time to detect", "00:07:00".into())));
    assert!(rows.contains(&("Impact duration", "00:17:00".into())));
    // Declared before the impact began: nothing to detect.
    let m = check(&crew_and([t(100, "ann", impact(50, Some(90)))]));
    assert_eq!((m.time_to_detect, m.impact_duration), (Some(0), Some(40)));
    // No impact set: neither.
    let m = check(&crew());
    assert_eq!((m.time_to_detect, m.impact_duration), (None, None));
}

#[test]
fn every_headline_figure_carries_its_definition() {
    let m = check(&eventful());
    let rows = m.rows();
    assert_eq!(rows.len(), m.summary().len());
    for row in &rows {
        assert!(
            row.definition.len() > 20,
            "{} has a definition: {:?}",
            row.metric,
            row.definition
        );
    }
    let names: BTreeSet<&str> = rows.iter().map(|r| r.metric).collect();
    let defined: BTreeSet<&str> = warroom_core::metrics::DEFINITIONS
        .iter()
        .map(|(n, _)| *n)
        .collect();
    assert_eq!(
        names, defined,
        "a definition for every figure, and no other"
    );
}
