//! Scenario files and the scenario clock.
//!
//! - Bad files are refused with the line and the field at fault; good ones load.
//! - Every built-in scenario loads and runs to its end under a controlled clock: each timed
//!   inject fires at its scenario time, not a second before; each triggered inject fires as soon
//!   as its trigger happens; pausing holds every inject; the scorecard reads what the crew did.

use std::collections::BTreeSet;

use chrono::{Duration, TimeZone, Utc};
use warroom_core::scenario::{self, Scenario, Trigger, When, due_injects, parse};
use warroom_core::{
    Command, Context, HandoffBrief, ParticipantId, Role, Severity, State, Status, TextId,
    Timestamp, execute, templates,
};

fn error_of(text: &str) -> (usize, String) {
    let e = parse(text).expect_err("the file must be refused");
    (e.line, e.field)
}

const HEAD: &str = "title = \"Drill\"\nbriefing = \"Something broke.\"\n";

#[test]
fn bad_files_name_the_line_and_the_field() {
    let table: &[(&str, usize, &str)] = &[
        // A missing required field, in an inject table that starts on line 3.
        ("[[inject]]\nat = \"T+01:00\"\n", 3, "text"),
        ("[[inject]]\nat = \"1 minute\"\ntext = \"x\"\n", 4, "at"),
        ("[[inject]]\nat = \"T+01:75\"\ntext = \"x\"\n", 4, "at"),
        ("[[inject]]\nafter = \"lunch\"\ntext = \"x\"\n", 4, "after"),
        (
            "[[inject]]\nafter = \"status:panicking\"\ntext = \"x\"\n",
            4,
            "after",
        ),
        (
            "[[inject]]\nafter = \"checklist_completed:nope\"\ntext = \"x\"\n",
            4,
            "after",
        ),
        ("[[inject]]\ntext = \"x\"\n", 3, "at"),
        (
            "[[inject]]\nat = \"T+01:00\"\nafter = \"first_handoff\"\ntext = \"x\"\n",
            4,
            "at",
        ),
        ("[[inject]]\nat = \"T+01:00\"\ntxt = \"x\"\n", 5, "txt"),
        ("[[inject]]\nat = \"T+01:00\"\ntext = \"  \"\n", 5, "text"),
        ("[[inject]]\nat = \"T+01:00\"\ntext = 5\n", 5, "text"),
        (
            "[[inject]]\nat = \"T+01:00\"\ntext = \"x\"\n[[expect]]\nkind = \"vibes\"\n",
            7,
            "kind",
        ),
        (
            "[[inject]]\nat = \"T+01:00\"\ntext = \"x\"\n[[expect]]\nkind = \"commander_within\"\n",
            6,
            "minutes",
        ),
        (
            "[[inject]]\nat = \"T+01:00\"\ntext = \"x\"\n[[expect]]\nkind = \"checklist_completed\"\ntemplate = \"nope\"\n",
            8,
            "template",
        ),
        ("", 1, "inject"),
    ];
    for (body, line, field) in table {
        let text = format!("{HEAD}{body}");
        assert_eq!(error_of(&text), (*line, (*field).to_owned()), "{text}");
    }
    assert_eq!(
        error_of("briefing = \"b\"\n[[inject]]\nat = \"T+01:00\"\ntext = \"x\"\n").1,
        "title"
    );
    // An unknown expectation kind lists every kind there is.
    let unknown = parse(&format!(
        "{HEAD}[[inject]]\nat = \"T+01:00\"\ntext = \"x\"\n[[expect]]\nkind = \"vibes\"\n"
    ))
    .unwrap_err();
    assert_eq!(
        unknown.message,
        "unknown expectation \"vibes\"; use commander_within, positive_exchange, \
         status_update_every, checklist_completed, actions_read_back or \
         concerns_acknowledged_within"
    );
    // A TOML syntax error names its line too.
    assert_eq!(error_of(&format!("{HEAD}[[inject]\n")).0, 3);
}

#[test]
fn good_files_load() {
    let s = parse(&format!(
        "{HEAD}suggested_crew = [\"Commander\"]\n\
         [[inject]]\nat = \"T+1:02:03\"\nsource = \"Monitoring\"\ntext = \"late\"\n\
         [[inject]]\nafter = \"checklist_completed:risky-change\"\ntext = \"ok\"\n\
         [[expect]]\nkind = \"status_update_every\"\nminutes = 5\n"
    ))
    .unwrap();
    assert_eq!(s.title, "Drill");
    assert_eq!(s.injects[0].when, When::At(3723));
    assert_eq!(s.injects[0].source, "Monitoring");
    assert_eq!(s.injects[1].source, "Facilitator", "the default source");
    assert_eq!(
        s.injects[1].when,
        When::After(Trigger::ChecklistCompleted(Some("risky-change".into())))
    );
}

#[test]
fn there_are_at_least_three_built_in_scenarios_of_at_least_eight_injects() {
    assert!(scenario::BUILT_IN.len() >= 3);
    for (id, text) in scenario::BUILT_IN {
        let s = parse(text).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert!(s.injects.len() >= 8, "{id}");
        assert!(!s.expectations.is_empty(), "{id}");
    }
}

/// An exercise under a controlled clock: one tick is one second.
struct Drill {
    state: State,
    log: Vec<warroom_core::Recorded>,
    now: Timestamp,
    present: BTreeSet<ParticipantId>,
}

fn p(who: &str) -> ParticipantId {
    ParticipantId::parse(who).unwrap()
}

impl Drill {
    fn new() -> Self {
        let mut d = Self {
            state: None,
            log: Vec::new(),
            now: Utc.with_ymd_and_hms(2025, 6, 1, 13, 0, 0).unwrap(),
            present: ["ann", "bob", "fac"].into_iter().map(p).collect(),
        };
        d.run(
            "ann",
            Command::Declare {
                title: "Game day".into(),
                severity: Severity::Sev2,
                drill: true,
                name: "Ann".into(),
                retrospective: false,
                occurred_at: None,
                precision: None,
            },
        );
        d.run("bob", Command::Join { name: "Bob".into() });
        d.run("fac", Command::Join { name: "Fay".into() });
        d
    }

    fn run(&mut self, who: &str, command: Command) {
        let actor = p(who);
        let ctx = Context {
            actor: &actor,
            at: self.now,
            present: &self.present,
        };
        let recorded = execute(&mut self.state, &command, &ctx)
            .unwrap_or_else(|e| panic!("{command:?} by {who}: {e}"));
        self.log.extend(recorded);
    }

    /// What the server's room does every second: fire what is due, in the facilitator's name.
    fn fire_due(&mut self, script: &Scenario) -> Vec<u32> {
        let due = due_injects(script, self.state.as_ref().unwrap(), self.now);
        for i in &due {
            let inject = &script.injects[*i as usize];
            self.run(
                "fac",
                Command::FireInject {
                    inject: Some(*i),
                    source: inject.source.clone(),
                    text: inject.text.clone(),
                },
            );
        }
        due
    }

    fn tick(&mut self) {
        self.now += Duration::seconds(1);
    }

    fn clock(&self) -> i64 {
        self.state
            .as_ref()
            .unwrap()
            .scenario
            .as_ref()
            .unwrap()
            .clock(self.now)
    }
}

#[test]
fn every_built_in_scenario_runs_to_its_end_with_injects_on_time() {
    for (id, text) in scenario::BUILT_IN {
        let script = parse(text).unwrap();
        let mut drill = Drill::new();
        drill.run(
            "fac",
            Command::StartScenario {
                builtin: Some((*id).to_owned()),
                script: None,
            },
        );
        let last_timed = script
            .injects
            .iter()
            .filter_map(|i| match i.when {
                When::At(at) => Some(i64::from(at)),
                When::After(_) => None,
            })
            .max()
            .unwrap();
        // When each inject fired, in scenario time.
        let mut fired_at: Vec<Option<i64>> = vec![None; script.injects.len()];
        // The crew's moves that set off triggers, spread over the run; a pause in the middle.
        let handoff_at = last_timed / 4;
        let checklist_at = last_timed / 3;
        let mitigated_at = last_timed / 2;
        let (pause_from, pause_for) = (last_timed / 5, 90);
        let mut triggered_expected: Vec<(usize, i64)> = Vec::new();
        let mut paused_ticks = 0;
        while fired_at.iter().any(Option::is_none) {
            let clock = drill.clock();
            assert!(
                clock <= last_timed + 10,
                "{id}: injects left unfired: {fired_at:?}"
            );
            if clock == pause_from && paused_ticks == 0 {
                drill.run("fac", Command::PauseScenario);
                for _ in 0..pause_for {
                    drill.tick();
                    paused_ticks += 1;
                    assert!(
                        drill.fire_due(&script).is_empty(),
                        "{id}: nothing fires while paused"
                    );
                }
                drill.run("fac", Command::ResumeScenario);
            }
            if clock == handoff_at {
                drill.run(
                    "ann",
                    Command::OfferRole {
                        role: Role::Commander,
                        to: p("bob"),
                        brief: Some(HandoffBrief {
                            situation: "s".into(),
                            ..HandoffBrief::default()
                        }),
                    },
                );
                drill.run(
                    "bob",
                    Command::AcceptRole {
                        role: Role::Commander,
                    },
                );
                drill.run(
                    "ann",
                    Command::ConfirmHandover {
                        role: Role::Commander,
                    },
                );
            }
            if clock == checklist_at {
                drill.run(
                    "ann",
                    Command::StartChecklist {
                        template: "risky-change".into(),
                    },
                );
                let checklist = *drill
                    .state
                    .as_ref()
                    .unwrap()
                    .checklists
                    .keys()
                    .last()
                    .unwrap();
                let items = templates::template("risky-change").unwrap().items;
                for (n, item) in items.iter().enumerate() {
                    drill.run(
                        "ann",
                        Command::CheckItem {
                            checklist,
                            item: n as u32,
                            value: item.asks_value.map(|_| "done".to_owned()),
                        },
                    );
                }
            }
            if clock == mitigated_at {
                drill.run(
                    "bob",
                    Command::SetStatus {
                        status: Status::Mitigated,
                        occurred_at: None,
                        precision: None,
                    },
                );
            }
            for (i, inject) in script.injects.iter().enumerate() {
                if let When::After(trigger) = &inject.when {
                    let happened = match trigger {
                        Trigger::FirstHandoff => clock == handoff_at,
                        Trigger::ChecklistCompleted(_) => clock == checklist_at,
                        Trigger::StatusReached(_) => clock == mitigated_at,
                    };
                    if happened {
                        triggered_expected.push((i, clock));
                    }
                }
            }
            for i in drill.fire_due(&script) {
                fired_at[i as usize] = Some(clock);
            }
            drill.tick();
        }
        assert_eq!(paused_ticks, pause_for, "{id}: the pause happened");
        for (i, inject) in script.injects.iter().enumerate() {
            if let When::At(at) = inject.when {
                assert_eq!(
                    fired_at[i],
                    Some(i64::from(at)),
                    "{id}: inject {i} fires at its time"
                );
            }
        }
        for (i, clock) in triggered_expected {
            assert_eq!(
                fired_at[i],
                Some(clock),
                "{id}: inject {i} fires with its trigger"
            );
        }
        // Every inject is on the board, each once.
        let run = drill.state.as_ref().unwrap().scenario.as_ref().unwrap();
        assert_eq!(run.fired.len(), script.injects.len(), "{id}");
        drill.run("fac", Command::EndScenario);
        let card = warroom_core::score::scorecard(&drill.log).expect("a scorecard");
        assert_eq!(card.len(), script.expectations.len(), "{id}");
        // The handoff above was a positive exchange, so that expectation is met wherever asked.
        for line in &card {
            if line.expected == "Command handed over by positive exchange" {
                assert!(line.met, "{id}: {line:?}");
            }
        }
    }
}

#[test]
fn the_scorecard_scores_what_the_crew_did() {
    let script = parse(scenario::built_in("third-party-outage").unwrap()).unwrap();
    let mut drill = Drill::new();
    drill.run(
        "fac",
        Command::StartScenario {
            builtin: Some("third-party-outage".into()),
            script: None,
        },
    );
    // The commander takes charge at 30 s; a status update at 2 min, then silence for 7 min.
    for _ in 0..30 {
        drill.tick();
    }
    drill.run(
        "ann",
        Command::PostNote {
            kind: warroom_core::NoteKind::Observation,
            text: "Uploads failing.".into(),
            essential: false,
            occurred_at: None,
            precision: None,
        },
    );
    for _ in 0..90 {
        drill.tick();
    }
    drill.run(
        "ann",
        Command::PostNote {
            kind: warroom_core::NoteKind::StatusUpdate,
            text: "Uploads down; provider investigating.".into(),
            essential: false,
            occurred_at: None,
            precision: None,
        },
    );
    for _ in 0..420 {
        drill.tick();
    }
    // Command assumed, not handed over.
    drill.present.remove(&p("ann"));
    drill.run(
        "bob",
        Command::AssumeRole {
            role: Role::Commander,
            reason: "Ann left".into(),
        },
    );
    drill.run("fac", Command::EndScenario);
    let card = warroom_core::score::scorecard(&drill.log).unwrap();
    let line = |words: &str| {
        card.iter()
            .find(|l| l.expected.contains(words))
            .unwrap_or_else(|| panic!("no line for {words}: {card:?}"))
    };
    let commander = line("takes charge");
    assert!(commander.met);
    assert_eq!(
        commander.happened,
        "Ann first acted as commander at T+00:30"
    );
    let updates = line("status update");
    assert!(!updates.met, "a skipped status update does not score");
    assert_eq!(
        updates.happened,
        "1 status updates; none between T+02:00 and T+09:00 (00:07:00 without one)"
    );
    let exchange = line("positive exchange");
    assert!(!exchange.met);
    assert_eq!(
        exchange.happened,
        "Command was assumed at T+09:00, never handed over"
    );
    assert_eq!(script.expectations.len(), card.len());
}
