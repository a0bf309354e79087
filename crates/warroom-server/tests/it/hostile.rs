//! Clients that misbehave, by mistake or on purpose: every case gets a clear answer (an
//! `error`, or a close code that says why), and never costs the other clients their service.

use serde_json::json;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{self, Message};
use warroom_core::Event;
use warroom_core::protocol::{ErrorCode, MAX_MESSAGE_BYTES, ServerMessage};

use crate::support::{Answer, Client, Server, note, posted};

#[tokio::test]
async fn a_message_over_64_kib_closes_the_connection_with_1009() {
    let server = Server::start().await;
    let incident = server.declare("p-alice", "Alice", "Huge payloads").await;

    let mut alice = Client::join(&server, &incident, "p-alice").await;
    alice
        .try_submit("c-big", note("x".repeat(MAX_MESSAGE_BYTES)))
        .await;
    assert_eq!(alice.until_closed().await, Some(1009), "after hello");

    let mut bob = Client::connect(&server, "p-bob").await;
    bob.try_send_raw(Message::text("y".repeat(MAX_MESSAGE_BYTES + 1)))
        .await;
    assert_eq!(bob.until_closed().await, Some(1009), "as the first message");

    // A message just under the limit is fine, and the server carries on.
    let mut carol = Client::join(&server, &incident, "p-carol").await;
    carol.post("c-fits", &"z".repeat(4_000)).await;
}

#[tokio::test]
async fn bad_messages_get_an_error_and_the_connection_stays_open() {
    let server = Server::start().await;
    let incident = server.declare("p-alice", "Alice", "Bad input").await;
    let mut alice = Client::join(&server, &incident, "p-alice").await;
    let hello_again = json!({
        "type": "hello", "protocol": 2, "incident": incident.as_str(), "last_seq": 0,
    });
    let cases = [
        (
            "not JSON",
            Message::text("{not json"),
            ErrorCode::Malformed,
            None,
            "",
        ),
        (
            "not an object",
            Message::text("[1, 2]"),
            ErrorCode::Malformed,
            None,
            "",
        ),
        (
            "no type",
            Message::text(r#"{"nonce": 1}"#),
            ErrorCode::Malformed,
            None,
            "",
        ),
        (
            "an unknown type",
            Message::text(r#"{"type": "teleport", "to": "mars"}"#),
            ErrorCode::UnknownType,
            None,
            "teleport",
        ),
        (
            "a submit of an unknown command",
            Message::text(r#"{"type": "submit", "id": "c-1", "command": {"type": "fly"}}"#),
            ErrorCode::Malformed,
            Some("c-1"),
            "unknown variant `fly`",
        ),
        (
            "a note with a time it cannot carry (strict input)",
            Message::text(
                r#"{"type": "submit", "id": "c-2", "command": {"type": "post_note", "kind": "observation", "text": "x", "at": "2025-03-01T09:00:00Z"}}"#,
            ),
            ErrorCode::Malformed,
            Some("c-2"),
            "the post_note command: unknown field `at`",
        ),
        (
            "a unit command with a field (strict input)",
            Message::text(
                r#"{"type": "submit", "id": "c-3", "command": {"type": "restrict", "members": []}}"#,
            ),
            ErrorCode::Malformed,
            Some("c-3"),
            "unknown field `members`",
        ),
        (
            "a command id with spaces",
            Message::text(
                r#"{"type": "submit", "id": "not an id", "command": {"type": "post_note", "kind": "observation", "text": "x"}}"#,
            ),
            ErrorCode::Malformed,
            None,
            "",
        ),
        (
            "a second hello",
            Message::text(hello_again.to_string()),
            ErrorCode::HelloFirst,
            None,
            "",
        ),
        (
            "a binary frame",
            Message::binary(b"{}".to_vec()),
            ErrorCode::Malformed,
            None,
            "",
        ),
    ];
    for (nonce, (what, message, expected, id, words)) in (0u64..).zip(cases) {
        alice.send_raw(message).await;
        match alice.next_message().await {
            ServerMessage::Error {
                code,
                command,
                message,
            } => {
                assert_eq!(code, expected, "{what}");
                assert_eq!(
                    command.as_ref().map(|c| c.to_string()).as_deref(),
                    id,
                    "{what}"
                );
                assert!(message.contains(words), "{what}: {message}");
            }
            other => panic!("{what}: expected an error, got {other:?}"),
        }
        alice
            .send_json(&json!({"type": "ping", "nonce": nonce}))
            .await;
        assert_eq!(
            alice.next_message().await,
            ServerMessage::Pong { nonce },
            "after {what}, the connection still works"
        );
    }
    alice.post("c-1", "still here").await;
}

/// Opens a connection, sends `first` instead of a proper hello, and checks the refusal.
async fn check_refused(server: &Server, what: &str, first: Message, code: ErrorCode, close: u16) {
    let mut client = Client::connect(server, "p-alice").await;
    client.send_raw(first).await;
    match client.next_message().await {
        ServerMessage::Error { code: got, .. } => assert_eq!(got, code, "{what}"),
        other => panic!("{what}: expected an error, got {other:?}"),
    }
    assert_eq!(client.until_closed().await, Some(close), "{what}");
}

#[tokio::test]
async fn a_bad_hello_is_refused_with_an_error_and_a_close_code() {
    let server = Server::start().await;
    let incident = server.declare("p-alice", "Alice", "Refusals").await;
    let hello = |incident: &str| {
        Message::text(
            json!({"type": "hello", "protocol": 2, "incident": incident, "last_seq": 0})
                .to_string(),
        )
    };
    // Version 1's hello named its participant; it is refused, whoever it names.
    let version_1 = Message::text(
        json!({
            "type": "hello", "protocol": 1, "incident": incident.as_str(),
            "participant": "p-alice", "name": "Alice", "last_seq": 0,
        })
        .to_string(),
    );
    let cases = [
        (
            "an unknown incident",
            hello("nosuchincidentatall"),
            ErrorCode::UnknownIncident,
            4004,
        ),
        (
            "a version-1 hello",
            version_1,
            ErrorCode::UnsupportedProtocol,
            4004,
        ),
        (
            "a submit before hello",
            Message::text(
                json!({"type": "submit", "id": "c-1", "command": {"type": "join", "name": "A"}})
                    .to_string(),
            ),
            ErrorCode::HelloFirst,
            1008,
        ),
        (
            "not JSON",
            Message::text("hello?"),
            ErrorCode::Malformed,
            1008,
        ),
        (
            "a binary frame",
            Message::binary(b"{}".to_vec()),
            ErrorCode::Malformed,
            1008,
        ),
    ];
    for (what, first, code, close) in cases {
        check_refused(&server, what, first, code, close).await;
    }
}

#[tokio::test]
async fn flooding_is_answered_with_rate_limited_errors_while_others_are_served() {
    // One message a second after a burst of five: a flood is refused almost entirely, however
    // slow the machine running the test.
    let server = Server::start_with(&["--rate-limit", "1", "--rate-burst", "5"]).await;
    let incident = server.declare("p-alice", "Alice", "Flood").await;
    let mut flooder = Client::join(&server, &incident, "p-flooder").await;
    let mut bystander = Client::join(&server, &incident, "p-bystander").await;

    let ids: Vec<String> = (0..40).map(|i| format!("c-flood-{i:02}")).collect();
    for id in &ids {
        flooder.submit(id, note(id.clone())).await;
    }
    // While the flooder is being refused, the bystander is served as usual.
    let mut bystander_notes = Vec::new();
    for i in 0..3 {
        let id = format!("c-calm-{i}");
        bystander.post(&id, &id).await;
        bystander_notes.push(id);
    }
    // Every flooded command was answered: applied, or refused as rate limited.
    let answers = flooder.answers(&ids).await;
    let mut applied: Vec<String> = answers
        .iter()
        .filter(|(_, a)| matches!(a, Answer::Ack(_)))
        .map(|(id, _)| id.clone())
        .collect();
    let limited = answers
        .values()
        .filter(|a| **a == Answer::Error(ErrorCode::RateLimited))
        .count();
    assert_eq!(
        applied.len() + limited,
        ids.len(),
        "only acks or rate_limited: {answers:?}"
    );
    assert!(applied.len() >= 5, "the burst is served: {answers:?}");
    assert!(limited > 0, "the flood is limited");

    // Refused commands were not applied.
    let observer = Client::join(&server, &incident, "p-observer").await;
    let mut on_board = observer.replica.note_texts();
    on_board.sort();
    applied.extend(bystander_notes);
    applied.sort();
    assert_eq!(on_board, applied);

    // Replies to a flood of pings are counted too: one reply for every message.
    let mut pinger = Client::join(&server, &incident, "p-pinger").await;
    const PINGS: u64 = 200;
    for nonce in 0..PINGS {
        pinger
            .send_json(&json!({"type": "ping", "nonce": nonce}))
            .await;
    }
    let (mut pongs, mut refused) = (0, 0);
    while pongs + refused < PINGS {
        pinger
            .until("a reply to a ping", |m| match m {
                ServerMessage::Pong { .. } => {
                    pongs += 1;
                    Some(())
                }
                ServerMessage::Error {
                    code: ErrorCode::RateLimited,
                    command: None,
                    ..
                } => {
                    refused += 1;
                    Some(())
                }
                _ => None,
            })
            .await;
    }
    assert!(
        pongs >= 5 && refused > 0,
        "{pongs} pongs, {refused} refused"
    );
    // And the bystander still works.
    bystander.post("c-calm-after", "still served").await;
}

#[tokio::test]
async fn a_cross_origin_upgrade_is_refused_and_a_same_origin_one_accepted() {
    let server = Server::start().await;
    let incident = server.declare("p-alice", "Alice", "Origins").await;
    let request = server.ws_request("p-alice").await;
    let with_origin = |origin: &str| {
        let mut request = request.clone();
        request
            .headers_mut()
            .insert("Origin", HeaderValue::from_str(origin).unwrap());
        request
    };

    match Client::connect_with(&server, with_origin("http://evil.example"), None).await {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 403),
        Err(other) => panic!("expected HTTP 403, got {other}"),
        Ok(_) => panic!("a cross-origin WebSocket was accepted"),
    }

    let mut alice = Client::connect_with(&server, with_origin(&server.origin()), None)
        .await
        .expect("a same-origin WebSocket is accepted");
    alice.participant = server.id_of("p-alice").await.to_string();
    alice.hello(&incident).await;
    alice.until_present().await;
    alice.post("c-1", "same origin works").await;
}

/// How many notes the writer keeps in flight; small, so that its own queue never fills.
const WINDOW: usize = 4;
/// The writer gives up (and the test fails) after this many notes without a cut-off.
const MAX_NOTES: usize = 4_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_reader_is_cut_off_with_4008_while_others_receive_everything() {
    let server = Server::start_with(&[
        "--outbound-queue",
        "16",
        "--rate-limit",
        "100000",
        "--rate-burst",
        "100000",
    ])
    .await;
    let incident = server.declare("p-alice", "Alice", "Slow consumer").await;
    let mut writer = Client::join(&server, &incident, "p-writer").await;

    // The stalled reader has a tiny receive buffer, so that it backs up after a few notes.
    let request = server.ws_request("p-stalled").await;
    let mut stalled = Client::connect_with(&server, request, Some(4_096))
        .await
        .expect("the stalled reader connects");
    let stalled_id = server.id_of("p-stalled").await;
    stalled.participant = stalled_id.to_string();
    stalled.hello(&incident).await;
    stalled.until_present().await;

    let observer = Client::join(&server, &incident, "p-observer").await;
    let watching = tokio::spawn(async move {
        let mut observer = observer;
        observer
            .until("the last note", |m| match m {
                ServerMessage::Events { events } => events
                    .iter()
                    .any(|r| matches!(&r.event, Event::NotePosted { text, .. } if text == "done"))
                    .then_some(()),
                _ => None,
            })
            .await;
        observer
    });

    // The stalled reader stops reading; the writer posts big notes until the room gives up on
    // it, which every other client learns from a presence update.
    while writer.present.len() < 3 {
        writer.next_message().await;
    }
    // 3,900 characters of four bytes each: big frames back the reader up in fewer notes.
    let padding = "\u{1D11E}".repeat(3_900);
    let mut sent = 0;
    while writer.present.contains(&stalled_id) {
        assert!(sent < MAX_NOTES, "the stalled reader was never cut off");
        let ids: Vec<String> = (sent..sent + WINDOW)
            .map(|i| format!("c-w-{i:05}"))
            .collect();
        for id in &ids {
            writer.submit(id, note(format!("{id} {padding}"))).await;
        }
        for (id, answer) in writer.answers(&ids).await {
            assert!(matches!(answer, Answer::Ack(_)), "{id}: {answer:?}");
        }
        sent += WINDOW;
    }
    let done = writer.post("c-done", "done").await;

    let observer = tokio::time::timeout(crate::support::WAIT, watching)
        .await
        .expect("the observer got everything in time")
        .expect("the observer's task");
    assert_eq!(observer.replica.seq, done);
    assert_eq!(observer.replica.log, writer.replica.log, "nothing missed");
    println!("the stalled reader was cut off after {sent} notes");

    // The stalled reader, reading again, finds why it was cut off; it resumes like any other.
    assert_eq!(stalled.until_closed().await, Some(4008));
    let held = stalled.replica.clone();
    let stalled = Client::rejoin(&server, &incident, "p-stalled", held).await;
    assert_eq!(stalled.replica.state, writer.replica.state);
    assert_eq!(
        posted(&stalled.replica.log).last().map(|(s, _)| *s),
        Some(done)
    );
}
