//! Strategies: every command with arguments drawn from a [`Vocabulary`], steps of an incident
//! (who acts, who is connected, what they send), and every protocol message.
//!
//! For incident sequences the vocabulary is small on purpose — four people, small ids, a few
//! sentences and the odd blank — so that most commands hit something that exists and many are
//! accepted, while every rejection still comes up now and then. For the protocol the
//! vocabulary is anything the types allow.

use chrono::DateTime;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use strum::IntoEnumIterator as _;
use warroom_core::protocol::{ClientMessage, ErrorCode, ServerMessage};
use warroom_core::templates::TEMPLATES;
use warroom_core::time::Precision;
use warroom_core::{
    ActionId, ChecklistId, ChecklistKind, Command, CommandId, ConcernId, ConcernLevel,
    HandoffBrief, IncidentId, Lane, LinkId, LinkKind, NoteId, NoteKind, ParticipantId, PausePoint,
    Rejection, RejectionCode, Role, Severity, Status, TextId, Timestamp,
};
use warroom_core::{FollowUpState, Owner};

/// The people of a generated incident. Anyone may join; "eve" sometimes appears as a
/// recipient or assignee without ever acting.
pub const POOL: [&str; 4] = ["ann", "bob", "cat", "dan"];

/// The display name of the integration that records alert groups in generated incidents.
pub const ALERTMANAGER: &str = "Alertmanager";

pub fn pid(raw: &str) -> ParticipantId {
    ParticipantId::parse(raw).expect("a valid participant id")
}

/// Where a command strategy draws its free text, its people and its numbers from.
pub struct Vocabulary {
    pub text: BoxedStrategy<String>,
    pub who: BoxedStrategy<ParticipantId>,
    /// Ids of notes, actions, concerns and checklists, item indexes, minutes.
    pub number: BoxedStrategy<u32>,
}

/// A few sentences, sometimes blank: for commands that should mostly be accepted.
pub fn incident_vocabulary() -> Vocabulary {
    let sentences = vec![
        "Errors at 20%.",
        "Rolling back the deploy.",
        "Payments is on it.",
        " Needs a second pair of eyes ",
        "Ünïcode — “quotes” and \\ backslashes\n",
    ];
    Vocabulary {
        text: prop_oneof![
            9 => select(sentences).prop_map(str::to_owned),
            1 => select(vec!["", "   "]).prop_map(str::to_owned),
        ]
        .boxed(),
        who: prop_oneof![
            9 => select(POOL.to_vec()).prop_map(pid),
            1 => Just(pid("eve")),
        ]
        .boxed(),
        number: prop_oneof![
            6 => 1u32..4,
            3 => 0u32..8,
            1 => select(vec![15, 240, 241, 1_440, 1_441]),
        ]
        .boxed(),
    }
}

/// Anything the types allow: any Unicode text, any valid id, any number.
pub fn wire_vocabulary() -> Vocabulary {
    Vocabulary {
        text: any::<String>().boxed(),
        who: participant_id().boxed(),
        number: any::<u32>().boxed(),
    }
}

fn text_id() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_-]{1,64}"
}

pub fn participant_id() -> impl Strategy<Value = ParticipantId> {
    text_id().prop_map(|s| ParticipantId::parse(&s).unwrap())
}

fn command_id() -> impl Strategy<Value = CommandId> {
    text_id().prop_map(|s| CommandId::parse(&s).unwrap())
}

fn incident_id() -> impl Strategy<Value = IncidentId> {
    text_id().prop_map(|s| IncidentId::parse(&s).unwrap())
}

pub fn timestamp() -> impl Strategy<Value = Timestamp> {
    // From 1970 to 2100, to the nanosecond.
    (0i64..4_102_444_800, 0u32..1_000_000_000)
        .prop_map(|(secs, nanos)| DateTime::from_timestamp(secs, nanos).unwrap())
}

fn role() -> impl Strategy<Value = Role> {
    select(Role::ALL.to_vec())
}

fn brief(text: BoxedStrategy<String>) -> impl Strategy<Value = HandoffBrief> {
    (text.clone(), text.clone(), text.clone(), text.clone(), text).prop_map(
        |(situation, objectives, actions, hazards, communications)| HandoffBrief {
            situation,
            objectives,
            actions,
            hazards,
            communications,
        },
    )
}

/// Every command, weighted towards the rules of command so that handoffs get played out.
pub fn command(v: &Vocabulary) -> BoxedStrategy<Command> {
    let text = || v.text.clone();
    let who = || v.who.clone();
    let n = || v.number.clone();
    let severity = || select(Severity::ALL.to_vec());
    let template = select(
        TEMPLATES
            .iter()
            .map(|t| t.id.to_owned())
            .chain(["nope".to_owned()])
            .collect::<Vec<_>>(),
    );
    let kind = select(vec![ChecklistKind::ReadDo, ChecklistKind::DoConfirm]);
    let pause_point = select(vec![
        PausePoint::Declare,
        PausePoint::Handoff,
        PausePoint::BeforeRiskyChange,
        PausePoint::AllClear,
        PausePoint::AdHoc,
    ]);
    prop_oneof![
        1 => (text(), severity(), any::<bool>(), text()).prop_map(|(title, severity, drill, name)| {
            Command::Declare { title, severity, drill, name, retrospective: false, occurred_at: None, precision: None }
        }),
        2 => text().prop_map(|name| Command::Join { name }),
        1 => severity().prop_map(Command::set_severity),
        2 => select(Status::ALL.to_vec()).prop_map(Command::set_status),
        1 => text().prop_map(|text| Command::SetSummary { text }),
        1 => proptest::option::of(n()).prop_map(|every_minutes| Command::SetCadence { every_minutes }),
        3 => (role(), who(), proptest::option::weighted(0.8, brief(text())))
            .prop_map(|(role, to, brief)| Command::OfferRole { role, to, brief }),
        2 => role().prop_map(|role| Command::AcceptRole { role }),
        1 => (role(), text()).prop_map(|(role, reason)| Command::DeclineRole { role, reason }),
        2 => role().prop_map(|role| Command::ConfirmHandover { role }),
        1 => role().prop_map(|role| Command::CancelOffer { role }),
        3 => role().prop_map(|role| Command::ClaimRole { role }),
        2 => role().prop_map(|role| Command::ReleaseRole { role }),
        2 => (role(), text()).prop_map(|(role, reason)| Command::AssumeRole { role, reason }),
        2 => (select(NoteKind::ALL.to_vec()), text(), any::<bool>()).prop_map(|(kind, text, essential)| Command::PostNote { kind, text, essential, occurred_at: None, precision: None }),
        1 => text().prop_map(|reason| Command::StartSterilePhase { reason }),
        1 => Just(Command::EndSterilePhase),
        1 => proptest::option::of(n()).prop_map(|limit| Command::SetSpanOfControl { limit }),
        2 => (n(), text()).prop_map(|(n, text)| Command::AmendNote { note: NoteId(n), text }),
        1 => (n(), text()).prop_map(|(n, reason)| Command::RetractNote { note: NoteId(n), reason }),
        2 => (n(), any::<bool>()).prop_map(|(n, pinned)| Command::PinNote { note: NoteId(n), pinned }),
        2 => (who(), text(), select(Lane::ALL.to_vec()), proptest::option::of(n()))
            .prop_map(|(to, text, lane, minutes)| Command::AssignAction { to, text, lane, minutes }),
        2 => (n(), text()).prop_map(|(n, readback)| Command::ReadBackAction { action: ActionId(n), readback }),
        2 => n().prop_map(|n| Command::ConfirmReadback { action: ActionId(n) }),
        2 => (n(), text()).prop_map(|(n, correction)| Command::CorrectReadback { action: ActionId(n), correction }),
        1 => (n(), text()).prop_map(|(n, outcome)| Command::CompleteAction { action: ActionId(n), outcome }),
        1 => (n(), text()).prop_map(|(n, reason)| Command::CancelAction { action: ActionId(n), reason }),
        2 => (select(ConcernLevel::ALL.to_vec()), text())
            .prop_map(|(level, text)| Command::RaiseConcern { level, text }),
        2 => n().prop_map(|n| Command::RaiseConcernAgain { concern: ConcernId(n) }),
        2 => (n(), text()).prop_map(|(n, response)| Command::AcknowledgeConcern { concern: ConcernId(n), response }),
        2 => template.prop_map(|template| Command::StartChecklist { template }),
        1 => (text(), kind, pause_point).prop_map(|(title, kind, pause_point)| {
            Command::CreateChecklist { title, kind, pause_point }
        }),
        1 => (n(), text(), any::<bool>(), proptest::option::of(text())).prop_map(
            |(n, text, killer, asks_value)| Command::AddChecklistItem {
                checklist: ChecklistId(n), text, killer, asks_value,
            }
        ),
        3 => (n(), n(), proptest::option::of(text())).prop_map(|(c, item, value)| {
            Command::CheckItem { checklist: ChecklistId(c), item, value }
        }),
        2 => (n(), n()).prop_map(|(c, item)| Command::UncheckItem { checklist: ChecklistId(c), item }),
        2 => (n(), n(), text()).prop_map(|(c, item, reason)| Command::MarkItemNotApplicable {
            checklist: ChecklistId(c), item, reason,
        }),
        1 => select(vec!["bad-config-push", "database-failover", "third-party-outage", "nope"])
            .prop_map(|id| Command::StartScenario { builtin: Some(id.to_owned()), script: None }),
        1 => Just(Command::PauseScenario),
        1 => Just(Command::ResumeScenario),
        1 => Just(Command::EndScenario),
        1 => (proptest::option::of(n()), text(), text())
            .prop_map(|(inject, source, text)| Command::FireInject { inject, source, text }),
        1 => Just(Command::Restrict),
        1 => who().prop_map(|participant| Command::AddMember { participant }),
        1 => who().prop_map(|participant| Command::RemoveMember { participant }),
        1 => (select(vec![LinkKind::Invite, LinkKind::Observe]), prop_oneof![Just(0u32), 1..200u32])
            .prop_map(|(kind, hours)| Command::CreateLink { kind, hours }),
        1 => n().prop_map(|n| Command::RevokeLink { link: LinkId(n) }),
        1 => n().prop_map(|n| Command::AcceptInvitation { link: LinkId(n) }),
        // Backdated entries and the postmortem's data: times around the generated incident's
        // start (some in its future, to be refused). One arm, so that the rarer events of the
        // response still come up as often.
        2 => prop_oneof![
            1 => (select(NoteKind::ALL.to_vec()), text(), -7_200i64..600, proptest::option::of(precision()))
                .prop_map(|(kind, text, offset, precision)| Command::PostNote {
                    essential: false,
                    kind, text, occurred_at: Some(around(offset)), precision,
                }),
            1 => text().prop_map(|title| Command::SetTitle { title }),
            1 => (-7_200i64..600, proptest::option::of(-600i64..7_200), proptest::option::of(text()))
                .prop_map(|(start, length, statement)| Command::SetImpact {
                    start: around(start), end: length.map(|l| around(start + l)), statement,
                }),
            1 => (text(), owner(v), proptest::option::of(date()), proptest::option::of(link()))
                .prop_map(|(text, owner, due, link)| Command::AddFollowUp { text, owner, due, link }),
            2 => (n(), proptest::option::of(text()), proptest::option::of(owner(v)), proptest::option::of(date()),
                proptest::option::of(select(FollowUpState::iter().collect::<Vec<_>>())))
                .prop_map(|(n, text, owner, due, state)| Command::UpdateFollowUp {
                    follow_up: warroom_core::FollowUpId(n), text, owner, due, link: None, state,
                }),
        ],
        // Monitoring's alert groups (only an integration records them: from a person, refused).
        1 => prop_oneof![
            1 => (n(), n()).prop_map(|(firing, group)| alert_group(&format!("g{group}"), firing)),
            1 => n().prop_map(|n| Command::AcknowledgeAlertGroup { group: warroom_core::ids::AlertGroupId(n) }),
        ],
    ]
    .boxed()
}

/// What a notification says of group `key` with `firing` alerts firing (resolved at 0).
fn alert_group(key: &str, firing: u32) -> Command {
    use warroom_core::incident::{AlertGroupState, AlertLevel, AlertStatus};
    Command::RecordAlertGroup {
        group: AlertGroupState {
            key: key.to_owned(),
            receiver: "warroom".into(),
            status: if firing > 0 {
                AlertStatus::Firing
            } else {
                AlertStatus::Resolved
            },
            level: if firing > 2 {
                AlertLevel::Warning
            } else {
                AlertLevel::Caution
            },
            labels: [("alertname".to_owned(), "HighLatency".to_owned())].into(),
            summary: None,
            firing,
            resolved: 0,
        },
        linked_by: None,
    }
}

/// The generated incidents' clock starts at 2025-03-01 09:00 UTC: `seconds` from then.
fn around(seconds: i64) -> Timestamp {
    DateTime::from_timestamp(1_740_819_600 + seconds, 0).unwrap()
}

fn precision() -> impl Strategy<Value = Precision> {
    select(Precision::iter().collect::<Vec<_>>())
}

fn owner(v: &Vocabulary) -> BoxedStrategy<Owner> {
    prop_oneof![
        v.who.clone().prop_map(Owner::Participant),
        v.text.clone().prop_map(Owner::Name),
    ]
    .boxed()
}

fn date() -> impl Strategy<Value = chrono::NaiveDate> {
    (0i64..60).prop_map(|d| around(d * 86_400).date_naive())
}

fn link() -> impl Strategy<Value = String> {
    select(vec![
        "https://tracker.example/INC-7".to_owned(),
        "http://wiki.example/pm".to_owned(),
        "ftp://nope.example".to_owned(),
        "https://".to_owned(),
    ])
}

/// One step of a generated incident.
#[derive(Debug, Clone)]
pub struct Step {
    /// Who acts, as an index into [`POOL`], unless `natural` finds a better actor.
    pub actor: usize,
    /// Let the person the command naturally comes from send it (the holder offers, the
    /// recipient accepts, the assignee reads back…), so that many commands are accepted.
    pub natural: bool,
    /// Who else is connected, by index into [`POOL`]; the actor always is.
    pub present: [bool; 4],
    pub command: Command,
}

/// Who is connected, by index into [`POOL`]: each of them, most of the time.
fn connected() -> impl Strategy<Value = [bool; 4]> {
    proptest::array::uniform4(proptest::bool::weighted(0.75))
}

fn step() -> impl Strategy<Value = Step> {
    (
        0..POOL.len(),
        proptest::bool::weighted(0.8),
        connected(),
        command(&incident_vocabulary()),
    )
        .prop_map(|(actor, natural, present, command)| Step {
            actor,
            natural,
            present,
            command,
        })
}

/// A whole positive exchange in three natural steps: offer, accept, confirm. Connections
/// change between the steps, so some of them still fail.
fn handoff() -> impl Strategy<Value = Vec<Step>> {
    (
        role(),
        0..POOL.len(),
        [connected(), connected(), connected()],
        brief(incident_vocabulary().text),
    )
        .prop_map(|(role, to, [p1, p2, p3], brief)| {
            let natural = |present, command| Step {
                actor: to,
                natural: true,
                present,
                command,
            };
            vec![
                natural(
                    p1,
                    Command::OfferRole {
                        role,
                        to: pid(POOL[to]),
                        brief: Some(brief),
                    },
                ),
                natural(p2, Command::AcceptRole { role }),
                natural(p3, Command::ConfirmHandover { role }),
            ]
        })
}

/// A whole closed loop in four natural steps: assign, read back, confirm (or, one time in
/// four, correct the readback first), complete.
fn task() -> impl Strategy<Value = Vec<Step>> {
    (
        0..POOL.len(),
        [connected(), connected(), connected(), connected()],
        proptest::bool::weighted(0.25),
    )
        .prop_map(|(to, [p1, p2, p3, p4], corrected)| {
            let natural = |present, command| Step {
                actor: to,
                natural: true,
                present,
                command,
            };
            // Id 0 never exists: the natural steps point it at the newest action.
            let action = ActionId(0);
            vec![
                natural(
                    p1,
                    Command::AssignAction {
                        to: pid(POOL[to]),
                        text: "Roll back the deploy.".into(),
                        lane: Lane::Mitigate,
                        minutes: Some(10),
                    },
                ),
                natural(
                    p2,
                    Command::ReadBackAction {
                        action,
                        readback: "Rolling back.".into(),
                    },
                ),
                natural(
                    p3,
                    if corrected {
                        Command::CorrectReadback {
                            action,
                            correction: "Roll back only the API.".into(),
                        }
                    } else {
                        Command::ConfirmReadback { action }
                    },
                ),
                natural(
                    p4,
                    Command::CompleteAction {
                        action,
                        outcome: "Rolled back.".into(),
                    },
                ),
            ]
        })
}

/// A training scenario played out in natural steps: started by someone outside the crew,
/// an inject, a pause and a resume, another inject, the end.
fn exercise() -> impl Strategy<Value = Vec<Step>> {
    (0..POOL.len(), [connected(), connected(), connected()]).prop_map(|(who, [p1, p2, p3])| {
        let natural = |present, command| Step {
            actor: who,
            natural: true,
            present,
            command,
        };
        let fire = |inject| Command::FireInject {
            inject: Some(inject),
            source: "Monitoring".into(),
            text: "Errors rising.".into(),
        };
        vec![
            natural(
                p1,
                Command::StartScenario {
                    builtin: Some("database-failover".into()),
                    script: None,
                },
            ),
            natural(p2, fire(0)),
            natural(p2, Command::PauseScenario),
            natural(p3, Command::ResumeScenario),
            natural(p3, fire(1)),
            natural(p3, Command::EndScenario),
        ]
    })
}

/// A follow-up added and then marked done by whoever of the crew, in natural steps (id 1, the
/// first follow-up, exists once one was added).
fn follow_up() -> impl Strategy<Value = Vec<Step>> {
    (0..POOL.len(), connected()).prop_map(|(who, present)| {
        let natural = |command| Step {
            actor: who,
            natural: true,
            present,
            command,
        };
        vec![
            natural(Command::AddFollowUp {
                text: "Alert on the queue's age, not its length.".into(),
                owner: Owner::Name("SRE team".into()),
                due: None,
                link: None,
            }),
            natural(Command::UpdateFollowUp {
                follow_up: warroom_core::FollowUpId(1),
                text: None,
                owner: None,
                due: None,
                link: None,
                state: Some(FollowUpState::Done),
            }),
        ]
    })
}

/// Monitoring in natural steps: the integration joins, a group fires, grows, is acknowledged
/// by someone of the crew, grows again (lighting it again) and resolves.
fn alerting() -> impl Strategy<Value = Vec<Step>> {
    (0..POOL.len(), connected()).prop_map(|(who, present)| {
        let natural = |command| Step {
            actor: who,
            natural: true,
            present,
            command,
        };
        vec![
            natural(Command::Join {
                name: ALERTMANAGER.into(),
            }),
            natural(alert_group("cascade", 5)),
            natural(alert_group("cascade", 200)),
            natural(Command::AcknowledgeAlertGroup {
                group: warroom_core::ids::AlertGroupId(1),
            }),
            natural(alert_group("cascade", 201)),
            natural(alert_group("cascade", 0)),
        ]
    })
}

/// A declaration by one of the pool, most of the others joining, then up to 40 single steps,
/// handoffs or closed loops.
pub fn sequence() -> impl Strategy<Value = Vec<Step>> {
    (
        0..POOL.len(),
        proptest::array::uniform4(proptest::bool::weighted(0.8)),
        proptest::bool::weighted(0.4),
        vec(
            prop_oneof![
                8 => step().prop_map(|s| vec![s]),
                2 => handoff(),
                1 => task(),
                1 => exercise(),
                1 => follow_up(),
                1 => alerting(),
            ],
            0..40,
        ),
    )
        .prop_map(|(declarer, joining, drill, rest)| {
            let declare = Step {
                actor: declarer,
                natural: false,
                present: [true; 4],
                command: Command::Declare {
                    title: "Checkout errors".into(),
                    severity: Severity::Sev2,
                    drill,
                    name: POOL[declarer].to_uppercase(),
                    retrospective: false,
                    occurred_at: None,
                    precision: None,
                },
            };
            let joins = (0..POOL.len())
                .filter(|who| joining[*who] && *who != declarer)
                .map(|who| Step {
                    actor: who,
                    natural: false,
                    present: [true; 4],
                    command: Command::Join {
                        name: POOL[who].to_uppercase(),
                    },
                });
            std::iter::once(declare)
                .chain(joins)
                .chain(rest.into_iter().flatten())
                .collect()
        })
}

pub fn client_message() -> impl Strategy<Value = ClientMessage> {
    prop_oneof![
        (any::<u32>(), incident_id(), any::<u64>()).prop_map(|(protocol, incident, last_seq)| {
            ClientMessage::Hello {
                protocol,
                incident,
                last_seq,
            }
        }),
        (command_id(), command(&wire_vocabulary()))
            .prop_map(|(id, command)| ClientMessage::Submit { id, command }),
        (any::<u64>(), any::<u32>())
            .prop_map(|(before, limit)| ClientMessage::History { before, limit }),
        any::<u64>().prop_map(|nonce| ClientMessage::Ping { nonce }),
    ]
}

fn rejection() -> impl Strategy<Value = Rejection> {
    let codes: Vec<RejectionCode> = RejectionCode::iter().collect();
    (select(codes), any::<String>()).prop_map(|(code, message)| Rejection { code, message })
}

fn error_code() -> impl Strategy<Value = ErrorCode> {
    select(ErrorCode::iter().collect::<Vec<_>>())
}

/// Every server message. Boards and events come from playing a generated incident, so they
/// hold every kind of event and state the rules can produce.
pub fn server_message() -> impl Strategy<Value = ServerMessage> {
    let played = || sequence().prop_map(|steps| super::play_quietly(&steps));
    prop_oneof![
        (incident_id(), any::<u64>(), timestamp()).prop_map(|(incident, head, server_time)| {
            ServerMessage::Welcome {
                incident,
                head,
                server_time,
            }
        }),
        played().prop_map(|(state, timeline)| {
            let state = state.expect("a generated incident is declared");
            ServerMessage::Snapshot {
                seq: state.seq,
                timeline_from: timeline.first().map_or(0, |r| r.seq),
                state: Box::new(state),
                timeline,
            }
        }),
        played().prop_map(|(_, events)| ServerMessage::Events { events }),
        (played(), any::<u64>())
            .prop_map(|((_, events), before)| ServerMessage::History { events, before }),
        (command_id(), any::<u64>()).prop_map(|(id, seq)| ServerMessage::Ack { id, seq }),
        (command_id(), rejection())
            .prop_map(|(id, rejection)| ServerMessage::Rejected { id, rejection }),
        vec(participant_id(), 0..6).prop_map(|present| ServerMessage::Presence { present }),
        (
            error_code(),
            any::<String>(),
            proptest::option::of(command_id())
        )
            .prop_map(|(code, message, command)| ServerMessage::Error {
                code,
                message,
                command,
            }),
        any::<u64>().prop_map(|nonce| ServerMessage::Pong { nonce }),
    ]
}
