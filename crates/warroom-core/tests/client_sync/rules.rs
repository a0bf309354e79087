//! The rules the model server never exercises, one at a time: refusals, an older protocol,
//! the session check, rate limits, read-only connections, backoff, history pages. Heartbeats
//! and the browser's offline news are `liveness.rs`'s.

use chrono::{TimeZone, Utc};
use warroom_core::client::{ClientSync, Effect, Held, Link, Outcome, Pending};
use warroom_core::protocol::{ErrorCode, ServerMessage, close};
use warroom_core::{Command, CommandId, NoteKind, Recorded, TextId};

use crate::model::{Model, incident};

pub fn id(s: &str) -> CommandId {
    CommandId::parse(s).unwrap()
}

pub fn welcome() -> ServerMessage {
    ServerMessage::Welcome {
        incident: incident(),
        head: 0,
        server_time: Utc.with_ymd_and_hms(2025, 3, 14, 10, 0, 0).unwrap(),
    }
}

/// A client holding `pending`, connected and welcomed at time 0.
pub fn live(pending: &[&str]) -> ClientSync {
    let pending = pending
        .iter()
        .map(|p| Pending {
            id: id(p),
            command: r#"{"type":"join","name":"Me"}"#.into(),
        })
        .collect();
    let mut sync = ClientSync::new(incident(), 0, pending, 1);
    sync.connecting(0.0).unwrap();
    sync.opened(0.0);
    sync.received(&mut Held::default(), welcome(), 0.0);
    sync
}

fn error(code: ErrorCode, command: Option<&str>) -> ServerMessage {
    ServerMessage::Error {
        code,
        message: "no".into(),
        command: command.map(id),
    }
}

pub fn reconnect_at(effects: &[Effect]) -> Option<f64> {
    effects.iter().find_map(|e| match e {
        Effect::ReconnectAt(at) => Some(*at),
        _ => None,
    })
}

#[test]
fn a_welcome_resends_the_pending_commands_in_order_and_a_submit_goes_at_once() {
    let mut sync = ClientSync::new(incident(), 0, Vec::new(), 1);
    let offline = sync.submit(id("c-1"), "{}".into(), 0.0);
    assert!(!offline.iter().any(|e| matches!(e, Effect::Send(_))));
    sync.connecting(0.0).unwrap();
    sync.opened(0.0);
    sync.submit(id("c-2"), "{}".into(), 0.0);
    let effects = sync.received(&mut Held::default(), welcome(), 0.0);
    let sent: Vec<_> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Send(f) => Some(f.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        sent,
        [
            r#"{"type":"submit","id":"c-1","command":{}}"#,
            r#"{"type":"submit","id":"c-2","command":{}}"#
        ]
    );
    let live = sync.submit(id("c-3"), "{}".into(), 1.0);
    assert!(live.contains(&Effect::Send(
        r#"{"type":"submit","id":"c-3","command":{}}"#.into()
    )));
}

#[test]
fn backoff_doubles_from_half_a_second_to_eight_with_jitter_and_a_welcome_resets_it() {
    let mut sync = live(&[]);
    let mut now = 0.0;
    for base in [500.0, 1_000.0, 2_000.0, 4_000.0, 8_000.0, 8_000.0] {
        let effects = sync.closed(1006, "", now);
        let delay = reconnect_at(&effects).unwrap() - now;
        assert!((base / 2.0..=base).contains(&delay), "{delay} for {base}");
        now += delay;
        sync.connecting(now).unwrap();
    }
    sync.opened(now);
    sync.received(&mut Held::default(), welcome(), now);
    let delay = reconnect_at(&sync.closed(1001, "", now)).unwrap() - now;
    assert!(delay <= 500.0);
}

#[test]
fn a_refusal_is_final_and_says_why() {
    let mut sync = live(&[]);
    let effects = sync.closed(close::REFUSED, "removed", 5.0);
    assert_eq!(
        effects,
        [Effect::Link(Link::Refused(
            "The server closed this board: removed.".into()
        ))]
    );
    assert!(
        sync.connecting(1e9).is_none(),
        "no reconnect after a refusal"
    );

    let mut sync = ClientSync::new(incident(), 0, Vec::new(), 1);
    sync.connecting(0.0).unwrap();
    sync.opened(0.0);
    sync.received(
        &mut Held::default(),
        error(ErrorCode::UnknownIncident, None),
        0.0,
    );
    let effects = sync.closed(close::REFUSED, "unknown incident", 1.0);
    assert_eq!(effects, [Effect::Link(Link::Refused("no".into()))]);
}

#[test]
fn an_older_protocol_stops_and_keeps_the_pending_commands() {
    let mut sync = live(&["c-1"]);
    let effects = sync.received(
        &mut Held::default(),
        error(ErrorCode::UnsupportedProtocol, None),
        1.0,
    );
    assert!(effects.contains(&Effect::Disconnect));
    assert!(effects.contains(&Effect::Link(Link::Outdated)));
    assert!(sync.closed(1000, "", 2.0).is_empty());
    assert!(sync.connecting(1e9).is_none());
    assert_eq!(sync.pending().len(), 1);
}

#[test]
fn the_session_is_checked_after_a_close_before_the_welcome_or_on_signing_out() {
    let mut sync = ClientSync::new(incident(), 0, Vec::new(), 1);
    sync.connecting(0.0).unwrap();
    assert!(sync.closed(1006, "", 0.0).contains(&Effect::CheckSignedIn));
    let mut sync = live(&[]);
    assert!(!sync.closed(1006, "", 0.0).contains(&Effect::CheckSignedIn));
    let mut sync = live(&[]);
    assert!(
        sync.closed(close::SIGNED_OUT, "", 0.0)
            .contains(&Effect::CheckSignedIn)
    );
}

#[test]
fn a_rate_limited_command_goes_again_a_second_later_while_pending() {
    let mut sync = live(&["c-1"]);
    let mut held = Held::default();
    let effects = sync.received(&mut held, error(ErrorCode::RateLimited, Some("c-1")), 10.0);
    assert_eq!(effects, [Effect::RetryAt(id("c-1"), 1_010.0)]);
    assert_eq!(sync.retry(&id("c-1")).len(), 1);
    sync.received(
        &mut held,
        ServerMessage::Ack {
            id: id("c-1"),
            seq: 3,
        },
        20.0,
    );
    assert!(sync.retry(&id("c-1")).is_empty(), "acknowledged meanwhile");
}

#[test]
fn a_forbidden_command_is_rejected_and_the_connection_is_read_only() {
    let mut sync = live(&["c-1"]);
    let effects = sync.received(
        &mut Held::default(),
        error(ErrorCode::Forbidden, Some("c-1")),
        1.0,
    );
    assert!(effects.contains(&Effect::Forbidden));
    assert!(effects.contains(&Effect::Outcome(id("c-1"), Outcome::Rejected("no".into()))));
    assert!(sync.pending().is_empty());
}

#[test]
fn a_command_the_server_cannot_read_is_settled_as_rejected_not_resent() {
    let mut sync = live(&["c-1"]);
    let effects = sync.received(
        &mut Held::default(),
        error(ErrorCode::Malformed, Some("c-1")),
        1.0,
    );
    assert!(effects.contains(&Effect::Outcome(id("c-1"), Outcome::Rejected("no".into()))));
    assert!(!effects.contains(&Effect::Forbidden));
    assert!(sync.pending().is_empty());
}

#[test]
fn a_history_page_is_kept_only_where_it_joins_on() {
    let mut server = Model::new();
    for n in 0..8 {
        let note = Command::PostNote {
            kind: NoteKind::Observation,
            text: format!("n{n}"),
            essential: false,
            occurred_at: None,
            precision: None,
        };
        server.run("p-lead", &note).unwrap();
    }
    let mut sync = live(&[]);
    let mut held = Held::default();
    // A snapshot without a timeline (as a server before the partial board sent them): the
    // client pages the timeline in from its head.
    let snapshot = ServerMessage::Snapshot {
        seq: 10,
        timeline_from: 0,
        state: Box::new(server.state.clone().unwrap()),
        timeline: Vec::new(),
    };
    let effects = sync.received(&mut held, snapshot, 1.0);
    let history = r#"{"type":"history","before":11,"limit":200}"#;
    assert!(effects.contains(&Effect::Send(history.into())));
    let page = |events: &[Recorded], before| ServerMessage::History {
        events: events.to_vec(),
        before,
    };
    sync.received(&mut held, page(&server.log[..4], 5), 2.0);
    assert!(held.log.is_empty(), "a page that leaves a hole is not kept");
    sync.received(&mut held, page(&server.log[4..], 11), 3.0);
    assert_eq!(held.log, server.log[4..]);
    assert!(!sync.history_complete());
    let effects = sync.received(&mut held, page(&server.log[..4], 5), 4.0);
    assert_eq!(held.log, server.log);
    assert_eq!(effects, [Effect::HistoryComplete(true)]);
}
