//! Alert groups from Alertmanager: a notification becomes one group (grouping, counts, the
//! label → level mapping, the bounds), the group becomes one annunciator line, repeats
//! record nothing, an acknowledgement darkens the line until the group changes, a resolved
//! group is dark, and only an integration records groups. An incident an integration
//! declared awaits a human commander.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use warroom_core::alertmanager::{LevelMap, Notification, NotificationError};
use warroom_core::alerts::{Tier, Viewer, evaluate};
use warroom_core::export::is_key_entry;
use warroom_core::ids::{AlertGroupId, integration_id};
use warroom_core::incident::{AlertChange, AlertLevel, AlertStatus, MAX_ALERT_GROUPS, State};
use warroom_core::narrate::describe;
use warroom_core::{
    Command, Context, Event, ParticipantId, RejectionCode, Role, Severity, TextId, execute,
};

fn at(s: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_900_000_000 + s, 0).unwrap()
}

fn person(name: &str) -> ParticipantId {
    ParticipantId::parse(name).unwrap()
}

/// A notification of `firing` firing and `resolved` resolved alerts in one group.
fn notification(key: &str, firing: usize, resolved: usize, severity: &str) -> Notification {
    let alert = |i: usize, status: &str| {
        serde_json::json!({
            "status": status,
            "labels": {"alertname": "HighLatency", "service": "checkout", "severity": severity,
                       "instance": format!("i-{i}")},
            "annotations": {"summary": "p99 latency over 2 s"},
            "startsAt": "2026-12-01T10:00:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus/graph",
            "fingerprint": format!("{i:016x}"),
            "somethingNew": true
        })
    };
    let alerts: Vec<_> = (0..firing)
        .map(|i| alert(i, "firing"))
        .chain((firing..firing + resolved).map(|i| alert(i, "resolved")))
        .collect();
    serde_json::from_value(serde_json::json!({
        "version": "4",
        "groupKey": key,
        "truncatedAlerts": 0,
        "status": if firing > 0 { "firing" } else { "resolved" },
        "receiver": "warroom",
        "groupLabels": {"alertname": "HighLatency"},
        "commonLabels": {"alertname": "HighLatency", "service": "checkout", "severity": severity},
        "commonAnnotations": {"summary": "p99 latency over 2 s"},
        "externalURL": "http://alertmanager:9093",
        "alerts": alerts,
        "extraField": {"tolerated": true}
    }))
    .unwrap()
}

struct Board {
    state: State,
    t: i64,
    log: Vec<warroom_core::Recorded>,
}

impl Board {
    fn declared() -> Self {
        let mut b = Self {
            state: None,
            t: 0,
            log: Vec::new(),
        };
        b.run(
            "p-alice",
            Command::declare("Checkout slow", Severity::Sev2, false, "Alice"),
        )
        .unwrap();
        b.run(
            "integration-alertmanager",
            Command::Join {
                name: "Alertmanager".into(),
            },
        )
        .unwrap();
        b
    }

    fn run(
        &mut self,
        actor: &str,
        command: Command,
    ) -> Result<Vec<Event>, warroom_core::Rejection> {
        self.t += 1;
        let actor = person(actor);
        let present = BTreeSet::from([person("p-alice")]);
        let ctx = Context {
            actor: &actor,
            at: at(self.t),
            present: &present,
        };
        let recorded = execute(&mut self.state, &command, &ctx)?;
        self.log.extend(recorded.iter().cloned());
        Ok(recorded.into_iter().map(|r| r.event).collect())
    }

    fn record(&mut self, n: &Notification) -> Result<Vec<Event>, warroom_core::Rejection> {
        let group = n.group_state(&LevelMap::default());
        self.run(
            "integration-alertmanager",
            Command::RecordAlertGroup {
                group,
                linked_by: None,
            },
        )
    }

    /// The annunciator's alert-group lines as (tier, title).
    fn lines(&self) -> Vec<(Tier, String)> {
        let me = person("p-alice");
        let present = BTreeSet::from([me.clone()]);
        let viewer = Viewer {
            me: &me,
            present: &present,
            presence_known: true,
            online: true,
        };
        evaluate(self.state.as_ref().unwrap(), &viewer, at(self.t))
            .into_iter()
            .filter(|a| a.key.starts_with("alert-group:"))
            .map(|a| (a.tier, a.title))
            .collect()
    }
}

#[test]
fn the_default_mapping_makes_critical_a_warning_and_warning_a_caution() {
    let map = LevelMap::default();
    let labels = |v: &str| BTreeMap::from([("severity".to_owned(), v.to_owned())]);
    assert_eq!(map.level_of(&labels("critical")), AlertLevel::Warning);
    assert_eq!(map.level_of(&labels("warning")), AlertLevel::Caution);
    assert_eq!(map.level_of(&labels("info")), AlertLevel::Advisory);
    assert_eq!(map.level_of(&BTreeMap::new()), AlertLevel::Advisory);
}

#[test]
fn a_mapping_is_configurable_and_a_bad_one_is_named() {
    let map = LevelMap::parse("priority=P1:warning, team=db:caution").unwrap();
    let labels = BTreeMap::from([("team".to_owned(), "db".to_owned())]);
    assert_eq!(map.level_of(&labels), AlertLevel::Caution);
    let labels = BTreeMap::from([("severity".to_owned(), "critical".to_owned())]);
    assert_eq!(
        map.level_of(&labels),
        AlertLevel::Advisory,
        "not in this map"
    );
    for bad in [
        "severity=critical",
        "severity:warning",
        "severity=x:red",
        "=x:warning",
    ] {
        let err = LevelMap::parse(bad).unwrap_err();
        assert!(err.contains(bad), "{err}");
    }
}

#[test]
fn two_hundred_alerts_in_one_group_are_one_line_with_their_count() {
    let mut board = Board::declared();
    let events = board
        .record(&notification(
            "{}:{alertname=\"HighLatency\"}",
            200,
            0,
            "critical",
        ))
        .unwrap();
    assert!(
        matches!(
            events.as_slice(),
            [Event::AlertGroupUpdated {
                group: AlertGroupId(1),
                change: AlertChange::New,
                ..
            }]
        ),
        "{events:?}"
    );
    assert_eq!(
        board.lines(),
        [(
            Tier::Warning,
            "200 firing · alertname=HighLatency service=checkout severity=critical".to_owned()
        )]
    );
    let r = board.log.last().unwrap();
    assert_eq!(
        describe(board.state.as_ref().unwrap(), r),
        "Alertmanager: 200 firing · alertname=HighLatency service=checkout severity=critical — p99 latency over 2 s"
    );
    // Its level counts among the warnings, by the mapping.
    let mut caution = Board::declared();
    caution.record(&notification("g", 3, 0, "warning")).unwrap();
    assert_eq!(caution.lines()[0].0, Tier::Caution);
}

#[test]
fn a_repeat_records_nothing_and_a_count_change_is_one_event() {
    let mut board = Board::declared();
    board
        .record(&notification("g", 120, 0, "critical"))
        .unwrap();
    assert_eq!(
        board
            .record(&notification("g", 120, 0, "critical"))
            .unwrap(),
        []
    );
    let events = board
        .record(&notification("g", 200, 0, "critical"))
        .unwrap();
    assert!(matches!(
        events.as_slice(),
        [Event::AlertGroupUpdated {
            change: AlertChange::Count { from: 120 },
            ..
        }]
    ));
    let r = board.log.last().unwrap();
    assert!(
        !is_key_entry(board.state.as_ref().unwrap(), &r.event),
        "a count change is not a key entry"
    );
    assert!(describe(board.state.as_ref().unwrap(), r).contains("120 → 200 firing"));
    assert_eq!(board.state.as_ref().unwrap().alert_groups.len(), 1);
}

#[test]
fn an_acknowledged_group_is_dark_until_it_changes() {
    let mut board = Board::declared();
    board.record(&notification("g", 5, 0, "critical")).unwrap();
    let ack = Command::AcknowledgeAlertGroup {
        group: AlertGroupId(1),
    };
    assert_eq!(
        board.run("p-alice", ack.clone()).unwrap(),
        [Event::AlertGroupAcknowledged {
            group: AlertGroupId(1)
        }]
    );
    assert_eq!(board.lines(), []);
    assert_eq!(
        board.run("p-alice", ack.clone()).unwrap_err().code,
        RejectionCode::Conflict
    );
    // A change of summary alone is no change to what was acknowledged.
    let mut n = notification("g", 5, 0, "critical");
    n.common_annotations
        .insert("summary".into(), "still slow".into());
    board.record(&n).unwrap();
    assert_eq!(board.lines(), []);
    // One more alert firing lights it again.
    board.record(&notification("g", 6, 0, "critical")).unwrap();
    assert_eq!(board.lines().len(), 1);
    // And so does a change of level.
    board.run("p-alice", ack).unwrap();
    board.record(&notification("g", 6, 0, "warning")).unwrap();
    assert_eq!(board.lines()[0].0, Tier::Caution);
}

#[test]
fn a_resolved_group_goes_dark_and_says_so() {
    let mut board = Board::declared();
    board
        .record(&notification("g", 200, 0, "critical"))
        .unwrap();
    let events = board
        .record(&notification("g", 0, 200, "critical"))
        .unwrap();
    assert!(matches!(
        events.as_slice(),
        [Event::AlertGroupUpdated {
            change: AlertChange::Resolved,
            ..
        }]
    ));
    assert_eq!(board.lines(), []);
    let incident = board.state.as_ref().unwrap();
    let r = board.log.last().unwrap();
    assert!(is_key_entry(incident, &r.event));
    assert_eq!(
        describe(incident, r),
        "Alertmanager: resolved · alertname=HighLatency service=checkout severity=critical"
    );
    let g = &incident.alert_groups[&AlertGroupId(1)];
    assert_eq!(
        (g.state.status, g.state.firing, g.state.resolved),
        (AlertStatus::Resolved, 0, 200)
    );
    // Nothing left to acknowledge.
    let ack = Command::AcknowledgeAlertGroup {
        group: AlertGroupId(1),
    };
    assert_eq!(
        board.run("p-alice", ack).unwrap_err().code,
        RejectionCode::Conflict
    );
    // Firing again lights it.
    let events = board.record(&notification("g", 1, 0, "critical")).unwrap();
    assert!(matches!(
        events.as_slice(),
        [Event::AlertGroupUpdated {
            change: AlertChange::Firing,
            ..
        }]
    ));
    assert_eq!(board.lines().len(), 1);
}

#[test]
fn only_an_integration_records_alert_groups() {
    let mut board = Board::declared();
    let group = notification("g", 1, 0, "critical").group_state(&LevelMap::default());
    let refused = board
        .run(
            "p-alice",
            Command::RecordAlertGroup {
                group: group.clone(),
                linked_by: None,
            },
        )
        .unwrap_err();
    assert_eq!(refused.code, RejectionCode::NotPermitted);
    // A group linked by hand names the commander, and nobody else.
    let by_bob = Command::RecordAlertGroup {
        group: group.clone(),
        linked_by: Some(person("p-bob")),
    };
    assert_eq!(
        board
            .run("integration-alertmanager", by_bob)
            .unwrap_err()
            .code,
        RejectionCode::NotPermitted
    );
    let by_alice = Command::RecordAlertGroup {
        group,
        linked_by: Some(person("p-alice")),
    };
    board.run("integration-alertmanager", by_alice).unwrap();
    let r = board.log.last().unwrap();
    assert!(
        describe(board.state.as_ref().unwrap(), r)
            .starts_with("Alice linked alert group alertname=HighLatency")
    );
}

#[test]
fn a_notification_is_bounded_and_checked() {
    let mut n = notification("g", 2, 0, "critical");
    n.truncated_alerts = 40;
    for i in 0..100 {
        n.common_labels
            .insert(format!("label{i:03}"), "v".repeat(1_000));
    }
    let state = n.group_state(&LevelMap::default());
    assert_eq!(state.firing, 42, "truncated alerts count as firing");
    assert_eq!(state.labels.len(), warroom_core::incident::MAX_GROUP_LABELS);
    assert!(
        state
            .labels
            .values()
            .all(|v| v.chars().count() <= warroom_core::incident::MAX_LABEL_CHARS)
    );
    n.version = "3".into();
    assert_eq!(n.check(), Err(NotificationError::Version("3".into())));
    n.version = "4".into();
    n.group_key = String::new();
    assert_eq!(n.check(), Err(NotificationError::GroupKey));

    let mut board = Board::declared();
    for g in 0..MAX_ALERT_GROUPS {
        board
            .record(&notification(&format!("g{g}"), 1, 0, "info"))
            .unwrap();
    }
    let refused = board
        .record(&notification("one-more", 1, 0, "info"))
        .unwrap_err();
    assert_eq!(refused.code, RejectionCode::Conflict);
}

#[test]
fn an_incident_an_integration_declared_awaits_a_human_commander() {
    let am = integration_id("Alertmanager");
    assert_eq!(am.as_str(), "integration-alertmanager");
    let mut board = Board {
        state: None,
        t: 0,
        log: Vec::new(),
    };
    board
        .run(
            am.as_str(),
            Command::declare(
                "HighLatency on checkout",
                Severity::Sev1,
                false,
                "Alertmanager",
            ),
        )
        .unwrap();
    let incident = board.state.as_ref().unwrap();
    assert!(incident.awaiting_commander());
    let me = person("p-alice");
    let present = BTreeSet::from([me.clone()]);
    let viewer = Viewer {
        me: &me,
        present: &present,
        presence_known: true,
        online: true,
    };
    let alerts = evaluate(incident, &viewer, at(1));
    assert_eq!(alerts[0].title, "NOBODY IN COMMAND");
    assert!(!alerts.iter().any(|a| a.title == "NO COMMANDER PRESENT"));
    // A person takes command by the normal rules: the integration is never connected.
    board
        .run(
            "p-alice",
            Command::Join {
                name: "Alice".into(),
            },
        )
        .unwrap();
    board
        .run(
            "p-alice",
            Command::AssumeRole {
                role: Role::Commander,
                reason: "Taking command".into(),
            },
        )
        .unwrap();
    let incident = board.state.as_ref().unwrap();
    assert!(!incident.awaiting_commander());
    assert!(incident.holds(&me, Role::Commander));
}
