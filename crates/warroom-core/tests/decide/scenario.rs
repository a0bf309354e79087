//! Rows for training scenarios: exercises only, one per incident, the facilitator outside the
//! crew and alone in running it.

use warroom_core::scenario::Expectation;
use warroom_core::{Command, Event, RejectionCode::*, Severity};

use crate::{CREW, Step, check, events, join, name, rejected, when};

/// Ann declares an exercise and commands it; Bob, Cat and Dan join.
fn drill_crew() -> Vec<Step> {
    let mut steps: Vec<Step> = vec![(
        "ann",
        Command::Declare {
            title: "Game day".into(),
            severity: Severity::Sev3,
            drill: true,
            name: "Ann".into(),
            retrospective: false,
            occurred_at: None,
            precision: None,
        },
    )];
    steps.extend(CREW[1..].iter().map(|who| (*who, join(&name(who)))));
    steps
}

fn start() -> Command {
    Command::StartScenario {
        builtin: Some("third-party-outage".into()),
        script: None,
    }
}

/// Dan facilitates the third-party outage scenario.
fn running() -> Vec<Step> {
    let mut steps = drill_crew();
    steps.push(("dan", start()));
    steps
}

fn plus(mut steps: Vec<Step>, more: impl IntoIterator<Item = Step>) -> Vec<Step> {
    steps.extend(more);
    steps
}

fn fire(inject: Option<u32>) -> Command {
    Command::FireInject {
        inject,
        source: "Monitoring".into(),
        text: "Disk at 95%.".into(),
    }
}

#[test]
fn starting_a_scenario() {
    let scenario = warroom_core::scenario::parse(
        warroom_core::scenario::built_in("third-party-outage").unwrap(),
    )
    .unwrap();
    let board = check(
        &drill_crew(),
        when("dan", start()),
        events([Event::ScenarioStarted {
            title: scenario.title.clone(),
            briefing: scenario.briefing.clone(),
            expectations: scenario.expectations.clone(),
            injects: scenario.injects.len() as u32,
        }]),
    );
    let run = board.incident().scenario.as_ref().unwrap();
    assert_eq!(run.facilitator.as_str(), "dan");
    assert!(run.expectations.contains(&Expectation::PositiveExchange));
    // Real incidents never run scenarios.
    check(
        &crate::crew(),
        when("dan", start()),
        rejected(NotPermitted, "Scenarios run on exercises only"),
    );
    check(
        &running(),
        when("cat", start()),
        rejected(Conflict, "has been run on this exercise already"),
    );
    check(
        &drill_crew(),
        when("ann", start()),
        rejected(NotPermitted, "The facilitator stands outside the crew"),
    );
    check(
        &drill_crew(),
        when(
            "dan",
            Command::StartScenario {
                builtin: Some("no-such".into()),
                script: None,
            },
        ),
        rejected(NotFound, "There is no built-in scenario \"no-such\"."),
    );
    check(
        &drill_crew(),
        when(
            "dan",
            Command::StartScenario {
                builtin: None,
                script: None,
            },
        ),
        rejected(Invalid, "either a built-in scenario or a scenario file"),
    );
    check(
        &drill_crew(),
        when(
            "dan",
            Command::StartScenario {
                builtin: None,
                script: Some(
                    "title = \"x\"\nbriefing = \"y\"\n[[inject]]\nat = \"soon\"\ntext = \"z\"\n"
                        .into(),
                ),
            },
        ),
        rejected(Invalid, "line 4, field `at`"),
    );
}

#[test]
fn only_the_facilitator_runs_the_scenario() {
    for command in [
        Command::PauseScenario,
        Command::ResumeScenario,
        Command::EndScenario,
        fire(None),
    ] {
        check(
            &running(),
            when("ann", command.clone()),
            rejected(
                NotPermitted,
                "Only the facilitator, Dan, runs the scenario.",
            ),
        );
        check(
            &drill_crew(),
            when("dan", command),
            rejected(NotFound, "No scenario is running"),
        );
    }
}

#[test]
fn pausing_resuming_and_ending() {
    check(
        &running(),
        when("dan", Command::PauseScenario),
        events([Event::ScenarioPaused]),
    );
    check(
        &plus(running(), [("dan", Command::PauseScenario)]),
        when("dan", Command::PauseScenario),
        rejected(Conflict, "paused already"),
    );
    check(
        &running(),
        when("dan", Command::ResumeScenario),
        rejected(Conflict, "not paused"),
    );
    let board = check(
        &plus(running(), [("dan", Command::PauseScenario)]),
        when("dan", Command::ResumeScenario),
        events([Event::ScenarioResumed]),
    );
    let run = board.incident().scenario.as_ref().unwrap();
    assert_eq!(run.paused_seconds, 5, "one step of five seconds was paused");
    assert!(run.paused_at.is_none());
    check(
        &running(),
        when("dan", Command::EndScenario),
        events([Event::ScenarioEnded]),
    );
    for command in [Command::PauseScenario, Command::EndScenario, fire(None)] {
        check(
            &plus(running(), [("dan", Command::EndScenario)]),
            when("dan", command),
            rejected(Conflict, "The scenario has ended."),
        );
    }
}

#[test]
fn firing_injects() {
    let board = check(
        &running(),
        when("dan", fire(Some(2))),
        events([Event::InjectFired {
            inject: Some(2),
            source: "Monitoring".into(),
            text: "Disk at 95%.".into(),
        }]),
    );
    assert!(
        board
            .incident()
            .scenario
            .as_ref()
            .unwrap()
            .fired
            .contains(&2)
    );
    check(
        &plus(running(), [("dan", fire(Some(2)))]),
        when("dan", fire(Some(2))),
        rejected(Conflict, "Inject 3 has fired already."),
    );
    check(
        &running(),
        when("dan", fire(Some(99))),
        rejected(NotFound, "there is no inject 100"),
    );
    check(
        &running(),
        when("dan", fire(None)),
        events([Event::InjectFired {
            inject: None,
            source: "Monitoring".into(),
            text: "Disk at 95%.".into(),
        }]),
    );
    check(
        &running(),
        when(
            "dan",
            Command::FireInject {
                inject: None,
                source: " ".into(),
                text: "x".into(),
            },
        ),
        rejected(Invalid, "The source cannot be empty."),
    );
    // Firing while paused is the facilitator's prerogative.
    check(
        &plus(running(), [("dan", Command::PauseScenario)]),
        when("dan", fire(None)),
        events([Event::InjectFired {
            inject: None,
            source: "Monitoring".into(),
            text: "Disk at 95%.".into(),
        }]),
    );
}
