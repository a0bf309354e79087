//! The gates every command passes (declared, not closed, joined) and the incident-wide
//! commands: declare, join, severity, status, summary and the status-update cadence.

use std::collections::BTreeSet;

use chrono::Duration;
use strum::EnumCount as _;
use warroom_core::RejectionCode::{AlreadyDeclared, Closed, Invalid, NotDeclared, NotPermitted};
use warroom_core::{
    Command, CommandKind, Event, LinkId, LinkKind, NoteKind, Role, Severity, Status,
};

use super::*;

/// One command of every kind. The match has no wildcard arm, so a new command does not compile
/// until it has a sample here, and so goes through the gates below.
fn one_of_each() -> Vec<Command> {
    let samples = vec![
        declare("Another", "Eve"),
        join("Eve"),
        set_severity(Severity::Sev1),
        set_status(Status::Identified),
        set_summary("Checkout is failing."),
        set_cadence(Some(15)),
        start_sterile("Failover in progress."),
        end_sterile(),
        set_span(Some(5)),
        offer(Role::Operations, "bob", None),
        accept(Role::Operations),
        decline(Role::Operations, "Busy."),
        confirm(Role::Operations),
        cancel_offer(Role::Operations),
        claim(Role::Scribe),
        release(Role::Scribe),
        assume(Role::Commander, "Ann dropped off."),
        post(NoteKind::Observation, "Errors at 20%."),
        amend(1, "Errors at 25%."),
        retract(1, "Wrong graph."),
        pin(1, true),
        assign("bob", "Roll back.", Some(10)),
        read_back(1, "Rolling back."),
        confirm_readback(1),
        correct_readback(1, "Only the web tier."),
        complete(1, "Rolled back."),
        cancel_action(1, "Not needed."),
        raise(ConcernLevel::Concerned, "The rollback touches payments."),
        raise_again(1),
        acknowledge(1, "Payments team is on it."),
        start_checklist("declare"),
        create_checklist("Database failover"),
        add_item(1, "Replica caught up", None),
        check_item(1, 0, None),
        uncheck_item(1, 0),
        not_applicable(1, 0, "No replica."),
        Command::StartScenario {
            builtin: Some("bad-config-push".into()),
            script: None,
        },
        Command::PauseScenario,
        Command::ResumeScenario,
        Command::EndScenario,
        Command::FireInject {
            inject: None,
            source: "Monitoring".into(),
            text: "Disk at 95%.".into(),
        },
        Command::Restrict,
        Command::AddMember {
            participant: id("bob"),
        },
        Command::RemoveMember {
            participant: id("bob"),
        },
        Command::CreateLink {
            kind: LinkKind::Observe,
            hours: 24,
        },
        Command::RevokeLink { link: LinkId(1) },
        Command::AcceptInvitation { link: LinkId(1) },
        Command::SetTitle {
            title: "Renamed".into(),
        },
        Command::SetImpact {
            start: at(0) - Duration::minutes(10),
            end: None,
            statement: None,
        },
        Command::AddFollowUp {
            text: "Alert on disk fill rate".into(),
            owner: warroom_core::Owner::Name("Storage team".into()),
            due: None,
            link: None,
        },
        Command::UpdateFollowUp {
            follow_up: warroom_core::FollowUpId(1),
            text: None,
            owner: None,
            due: None,
            link: None,
            state: Some(warroom_core::FollowUpState::Done),
        },
        Command::RecordAlertGroup {
            group: warroom_core::incident::AlertGroupState {
                key: "{}:{alertname=\"DiskFull\"}".into(),
                receiver: "warroom".into(),
                status: warroom_core::incident::AlertStatus::Firing,
                level: warroom_core::incident::AlertLevel::Caution,
                labels: Default::default(),
                summary: None,
                firing: 1,
                resolved: 0,
            },
            linked_by: None,
        },
        Command::AcknowledgeAlertGroup {
            group: warroom_core::ids::AlertGroupId(1),
        },
    ];
    let kinds: BTreeSet<CommandKind> = samples.iter().map(Command::kind).collect();
    assert_eq!(kinds.len(), samples.len(), "one sample of each command");
    assert_eq!(kinds.len(), CommandKind::COUNT, "a sample of every command");
    samples
}

fn is_declare(c: &Command) -> bool {
    matches!(c, Command::Declare { .. })
}

#[test]
fn nothing_but_a_declaration_before_the_incident_is_declared() {
    for command in one_of_each().into_iter().filter(|c| !is_declare(c)) {
        check(
            &[],
            when("ann", command),
            rejected(NotDeclared, "has not been declared"),
        );
    }
}

#[test]
fn an_incident_is_declared_once() {
    check(
        &crew(),
        when("bob", declare("Another", "Bob")),
        rejected(AlreadyDeclared, "declared already"),
    );
}

#[test]
fn a_closed_incident_is_read_only() {
    let closed = crew_and([
        ("ann", set_status(Status::Resolved)),
        ("ann", set_status(Status::Closed)),
    ]);
    for command in one_of_each() {
        if warroom_core::decide::postmortem::after_close(&command) {
            // Exactly the postmortem's commands pass the gate (their own rules still apply:
            // there is no follow-up 1 to update).
            let mut board = Board::given(&closed);
            let outcome = board.exec("ann", &CREW, command.clone());
            match command {
                Command::UpdateFollowUp { .. } => {
                    assert_eq!(
                        outcome.unwrap_err().code,
                        warroom_core::RejectionCode::NotFound
                    )
                }
                _ => assert!(outcome.is_ok(), "{command:?} after close: {outcome:?}"),
            }
            continue;
        }
        let then = if is_declare(&command) {
            rejected(AlreadyDeclared, "declared already")
        } else {
            rejected(Closed, "This incident is closed; its record is read-only.")
        };
        check(&closed, when("ann", command), then);
    }
    let exempt: Vec<&str> = one_of_each()
        .iter()
        .filter(|c| warroom_core::decide::postmortem::after_close(c))
        .map(Command::name)
        .collect();
    assert_eq!(
        exempt,
        [
            "set_title",
            "set_impact",
            "add_follow_up",
            "update_follow_up"
        ]
    );
    // Joining is refused too, even for someone new.
    check(
        &closed,
        when("eve", join("Eve")),
        rejected(Closed, "closed"),
    );
}

#[test]
fn only_participants_act() {
    for command in one_of_each() {
        // Joining, and accepting an invitation (how a newcomer gets in), come from outsiders.
        if matches!(
            command,
            Command::Declare { .. } | Command::Join { .. } | Command::AcceptInvitation { .. }
        ) {
            continue;
        }
        check(
            &crew(),
            when("eve", command).present(&["eve"]),
            rejected(NotPermitted, "You have not joined this incident."),
        );
    }
}

#[test]
fn declaring() {
    let declared = |title: &str, name: &str| Event::IncidentDeclared {
        title: title.into(),
        severity: Severity::Sev2,
        drill: false,
        name: name.into(),
        retrospective: false,
        imported: false,
    };
    check(
        &[],
        when("ann", declare("  Checkout errors ", " Ann ")),
        events([declared("Checkout errors", "Ann")]),
    );
    check(
        &[],
        when("ann", declare(&long(200), "Ann")),
        events([declared(&long(200), "Ann")]),
    );
    check(
        &[],
        when("ann", declare(" ", "Ann")),
        rejected(Invalid, "The title cannot be empty."),
    );
    check(
        &[],
        when("ann", declare(&long(201), "Ann")),
        rejected(
            Invalid,
            "The title is 201 characters long; the limit is 200.",
        ),
    );
    check(
        &[],
        when("ann", declare("Checkout errors", "")),
        rejected(Invalid, "Your name cannot be empty."),
    );
    check(
        &[],
        when("ann", declare("Checkout errors", &long(201))),
        rejected(Invalid, "Your name is 201 characters long"),
    );
}

#[test]
fn the_declarer_is_the_first_commander() {
    let board = Board::given(&[("ann", declare("Checkout errors", "Ann"))]);
    let incident = board.incident();
    assert_eq!(incident.commander.holder, id("ann"));
    assert_eq!(incident.commander.since, at(0));
    assert_eq!(incident.declared_by, id("ann"));
    assert_eq!(incident.declared_at, at(0));
    assert_eq!(incident.status, Status::Investigating);
    assert_eq!(incident.participants[&id("ann")].name, "Ann");
    assert!(incident.roles.is_empty());
    assert_eq!(incident.seq, 1);
}

#[test]
fn joining() {
    check(
        &crew(),
        when("eve", join(" Eve ")).present(&["eve"]),
        events([Event::ParticipantJoined { name: "Eve".into() }]),
    );
    // Joining again under the same name is accepted and changes nothing.
    check(&crew(), when("bob", join("Bob")), events([]));
    check(
        &crew(),
        when("bob", join("")),
        rejected(Invalid, "Your name cannot be empty."),
    );
    check(
        &crew(),
        when("eve", join(&long(201))),
        rejected(Invalid, "Your name is 201 characters long"),
    );
}

#[test]
fn joining_under_a_new_name_renames_and_keeps_the_first_join() {
    let board = check(
        &crew(),
        when("bob", join("Robert")),
        events([Event::ParticipantJoined {
            name: "Robert".into(),
        }]),
    );
    let bob = &board.incident().participants[&id("bob")];
    assert_eq!(bob.name, "Robert");
    assert_eq!(bob.first_joined_at, at(1));
}

#[test]
fn setting_severity() {
    check(
        &crew(),
        when("ann", set_severity(Severity::Sev1)),
        events([Event::SeverityChanged {
            from: Severity::Sev2,
            to: Severity::Sev1,
        }]),
    );
    check(
        &crew(),
        when("bob", set_severity(Severity::Sev1)),
        rejected(
            NotPermitted,
            "Only the commander can change the severity; Ann is in command.",
        ),
    );
    check(
        &crew(),
        when("ann", set_severity(Severity::Sev2)),
        rejected(Invalid, "The severity is SEV2 already."),
    );
}

#[test]
fn setting_status() {
    check(
        &crew(),
        when("ann", set_status(Status::Mitigated)),
        events([Event::StatusChanged {
            from: Status::Investigating,
            to: Status::Mitigated,
        }]),
    );
    check(
        &crew_and([("ann", set_status(Status::Resolved))]),
        when("ann", set_status(Status::Closed)),
        events([Event::StatusChanged {
            from: Status::Resolved,
            to: Status::Closed,
        }]),
    );
    check(
        &crew(),
        when("cat", set_status(Status::Mitigated)),
        rejected(NotPermitted, "Only the commander can change the status"),
    );
    check(
        &crew(),
        when("ann", set_status(Status::Investigating)),
        rejected(Invalid, "The status is Investigating already."),
    );
    check(
        &crew_and([("ann", set_status(Status::Mitigated))]),
        when("ann", set_status(Status::Closed)),
        rejected(Invalid, "Resolve the incident before closing it."),
    );
    check(
        &crew_and([
            (
                "bob",
                raise(
                    ConcernLevel::SafetyIssue,
                    "The rollback skips the payment queue.",
                ),
            ),
            ("ann", set_status(Status::Resolved)),
        ]),
        when("ann", set_status(Status::Closed)),
        rejected(
            warroom_core::RejectionCode::Conflict,
            "A safety issue is still open",
        ),
    );
}

#[test]
fn setting_summary() {
    let updated = || {
        events([Event::SummaryUpdated {
            text: "Checkout is failing.".into(),
        }])
    };
    check(
        &crew(),
        when("ann", set_summary(" Checkout is failing. ")),
        updated(),
    );
    check(
        &crew_and([("cat", claim(Role::Communications))]),
        when("cat", set_summary("Checkout is failing.")),
        updated(),
    );
    check(
        &crew_and([("cat", claim(Role::Operations))]),
        when("cat", set_summary("Checkout is failing.")),
        rejected(
            NotPermitted,
            "The summary is written by the commander or communications.",
        ),
    );
    check(
        &crew(),
        when("ann", set_summary("  ")),
        rejected(Invalid, "The summary cannot be empty."),
    );
    check(
        &crew(),
        when("ann", set_summary(&long(4_001))),
        rejected(
            Invalid,
            "The summary is 4001 characters long; the limit is 4000.",
        ),
    );
}

#[test]
fn setting_cadence() {
    let set = |every_minutes| events([Event::CadenceSet { every_minutes }]);
    check(&crew(), when("ann", set_cadence(Some(15))), set(Some(15)));
    check(&crew(), when("ann", set_cadence(Some(1))), set(Some(1)));
    check(
        &crew_and([("dan", claim(Role::Communications))]),
        when("dan", set_cadence(Some(240))),
        set(Some(240)),
    );
    check(
        &crew_and([("ann", set_cadence(Some(30)))]),
        when("ann", set_cadence(None)),
        set(None),
    );
    check(
        &crew(),
        when("dan", set_cadence(Some(15))),
        rejected(
            NotPermitted,
            "The status-update cadence is set by the commander or communications.",
        ),
    );
    for out_of_range in [0, 241] {
        check(
            &crew(),
            when("ann", set_cadence(Some(out_of_range))),
            rejected(
                Invalid,
                "A status-update cadence is between 1 and 240 minutes.",
            ),
        );
    }
    check(
        &crew(),
        when("ann", set_cadence(None)),
        rejected(Invalid, "There is no status-update cadence to clear."),
    );
}

#[test]
fn the_next_status_update_is_due_one_interval_after_the_later_of_cadence_and_last_update() {
    let mut board = Board::given(&crew_and([("ann", set_cadence(Some(15)))]));
    let cadence_set = board.last_at();
    assert_eq!(
        board.incident().next_update_due(),
        Some(cadence_set + Duration::minutes(15))
    );

    // An ordinary note does not count; a status update does.
    board
        .exec("bob", &CREW, post(NoteKind::Observation, "Errors falling."))
        .unwrap();
    assert_eq!(
        board.incident().next_update_due(),
        Some(cadence_set + Duration::minutes(15))
    );
    board
        .exec("ann", &CREW, post(NoteKind::StatusUpdate, "Mitigating."))
        .unwrap();
    let updated = board.last_at();
    assert_eq!(board.incident().last_status_update, Some(updated));
    assert_eq!(
        board.incident().next_update_due(),
        Some(updated + Duration::minutes(15))
    );

    // Setting the cadence again counts from the new setting, which is later than the update.
    board.exec("ann", &CREW, set_cadence(Some(5))).unwrap();
    let reset = board.last_at();
    assert_eq!(
        board.incident().next_update_due(),
        Some(reset + Duration::minutes(5))
    );
    let cadence = board.incident().cadence.as_ref().unwrap();
    assert_eq!((cadence.every_minutes, &cadence.set_by), (5, &id("ann")));

    board.exec("ann", &CREW, set_cadence(None)).unwrap();
    assert_eq!(board.incident().cadence, None);
    assert_eq!(board.incident().next_update_due(), None);
}
