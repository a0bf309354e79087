//! Nobody can act as somebody else. Each test is an attack from the identity issue, tried as a
//! hostile participant would against the real binary: it fails with a clear error, and nothing
//! changes on the board.

use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use warroom_core::protocol::{ErrorCode, ServerMessage};
use warroom_core::{Command, Role, Status, TextId};

use crate::support::{Answer, Client, Server};

/// Everything the issue's attacker tried over the socket: a version-1 hello in the
/// commander's name, a version-2 hello carrying her id anyway, and then commands that only
/// the commander may give. Her board, name and command are untouched.
#[tokio::test]
async fn a_hello_cannot_claim_another_participant() {
    let server = Server::start().await;
    let incident = server.declare("p-alice", "Alice", "Checkout is down").await;
    let alice_id = server.id_of("p-alice").await;
    let mut alice = Client::join(&server, &incident, "p-alice").await;

    // Version 1 named the participant in hello: refused, whoever it names.
    let mut mallory = Client::connect(&server, "p-mallory").await;
    let v1 = json!({
        "type": "hello", "protocol": 1, "incident": incident.as_str(),
        "participant": alice_id.as_str(), "name": "Alice (really)", "last_seq": 0,
    });
    mallory.send_json(&v1).await;
    match mallory.next_message().await {
        ServerMessage::Error { code, message, .. } => {
            assert_eq!(code, ErrorCode::UnsupportedProtocol);
            assert!(message.contains("reload"), "{message}");
        }
        other => panic!("expected unsupported_protocol, got {other:?}"),
    }
    assert_eq!(mallory.until_closed().await, Some(4004));

    // Version 2 with her id (and a new name) slipped in: the extra fields are ignored, and the
    // connection is Mallory's own.
    let mut mallory = Client::connect(&server, "p-mallory").await;
    let v2 = json!({
        "type": "hello", "protocol": 2, "incident": incident.as_str(), "last_seq": 0,
        "participant": alice_id.as_str(), "name": "Alice (really)",
    });
    mallory.send_json(&v2).await;
    mallory.until_present().await;
    let board = mallory.replica.incident().clone();
    assert_eq!(board.commander.holder, alice_id);
    assert_eq!(board.name_of(&alice_id), "Alice", "nobody renamed Alice");
    assert_eq!(board.name_of(&server.id_of("p-mallory").await), "Mallory");

    // As herself, Mallory cannot give the commander's orders.
    let offer = Command::OfferRole {
        role: Role::Commander,
        to: server.id_of("p-mallory").await,
        brief: None,
    };
    mallory.submit("c-offer", offer).await;
    assert!(matches!(
        mallory.answer("c-offer").await,
        Answer::Rejected(_)
    ));
    let assume = Command::AssumeRole {
        role: Role::Commander,
        reason: "I am Alice now".into(),
    };
    mallory.submit("c-assume", assume).await;
    assert!(
        matches!(mallory.answer("c-assume").await, Answer::Rejected(_)),
        "Alice is connected: her seat cannot be assumed"
    );
    let seq = alice.post("c-alice", "Still in command.").await;
    alice.sync_to(seq).await;
    assert_eq!(alice.replica.incident().commander.holder, alice_id);
    assert_eq!(alice.replica.incident().status, Status::Investigating);
}

/// The attacker held a socket open "as" the absent commander so that nobody could assume her
/// seat. A socket now speaks only for its own session, so the crew's assumption goes through.
#[tokio::test]
async fn nobody_can_hold_an_absent_commanders_seat() {
    let server = Server::start().await;
    let incident = server.declare("p-alice", "Alice", "Region outage").await;
    let _mallory = Client::join(&server, &incident, "p-mallory").await;
    let mut bob = Client::join(&server, &incident, "p-bob").await;
    let assume = Command::AssumeRole {
        role: Role::Commander,
        reason: "Alice dropped off the bridge".into(),
    };
    bob.submit("c-assume", assume).await;
    assert!(matches!(bob.answer("c-assume").await, Answer::Ack(_)));
    assert_eq!(
        bob.replica.incident().commander.holder,
        server.id_of("p-bob").await
    );
}

/// Every endpoint that reads or changes an incident answers 401 without a session, and
/// changes nothing.
#[tokio::test]
async fn every_incident_endpoint_needs_a_session() {
    let server = Server::start().await;
    let incident = server.declare("p-alice", "Alice", "Private matters").await;
    let id = incident.as_str();
    let declaration = json!({"title": "Fake", "severity": "SEV1"});
    let requests = [
        ("GET", "/api/incidents".to_owned(), None),
        ("POST", "/api/incidents".to_owned(), Some(&declaration)),
        ("GET", format!("/api/incidents/{id}"), None),
        ("DELETE", format!("/api/incidents/{id}"), None),
        ("GET", format!("/api/incidents/{id}/events"), None),
        ("GET", format!("/api/incidents/{id}/export.md"), None),
        ("GET", format!("/api/incidents/{id}/export.json"), None),
        ("GET", format!("/api/incidents/{id}/script"), None),
        ("GET", "/api/scenarios".to_owned(), None),
        ("GET", "/api/session".to_owned(), None),
    ];
    for (method, path, body) in requests {
        let (status, reply) = server.request_as(None, method, &path, body).await;
        assert_eq!(status, 401, "{method} {path}: {reply}");
        assert!(reply["error"].is_string(), "{method} {path}: a sentence");
    }
    // A forged or junk cookie is nobody.
    for cookie in [
        "warroom_session=0000000000000000000000000000000000000000000000000000000000000000",
        "warroom_session=p-alice",
    ] {
        let response = server
            .raw("GET", "/api/incidents", None, &[("Cookie", cookie)])
            .await;
        assert_eq!(response.status, 401, "{cookie}");
    }
    // The upgrade needs a session too.
    let anonymous = tokio_tungstenite::connect_async(server.ws_url()).await;
    match anonymous {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 401)
        }
        other => panic!("an anonymous WebSocket was not refused with 401: {other:?}"),
    }
    let (_, listed) = server.request("GET", "/api/incidents", None).await;
    assert_eq!(
        listed.as_array().map(Vec::len),
        Some(1),
        "nothing was declared"
    );
}

/// Declaring is done as the signed-in person: a body that names someone else is refused.
#[tokio::test]
async fn a_declaration_cannot_be_made_in_someone_elses_name() {
    let server = Server::start().await;
    let alice = server.person("p-alice").await;
    let mallory = server.person("p-mallory").await;
    let forged = json!({
        "participant": alice.id.as_str(), "name": "Alice",
        "title": "Fake outage", "severity": "SEV1",
    });
    let (status, reply) = server
        .request_as(Some(&mallory), "POST", "/api/incidents", Some(&forged))
        .await;
    assert_eq!(status, 400, "{reply}");
    assert!(
        reply["error"].as_str().unwrap().contains("unknown field"),
        "{reply}"
    );
    let honest = json!({"title": "Real outage", "severity": "SEV1"});
    let (status, reply) = server
        .request_as(Some(&mallory), "POST", "/api/incidents", Some(&honest))
        .await;
    assert_eq!(status, 201, "{reply}");
    let (_, listed) = server.request("GET", "/api/incidents", None).await;
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["commander"], "Mallory");
}

/// Only the facilitator reads the script, whatever a player puts in the query; only the
/// facilitator (or the declarer, or an admin) deletes the exercise.
#[tokio::test]
async fn only_the_facilitator_reads_the_script_and_players_cannot_delete() {
    let server = Server::start().await;
    let dana = server.person_named("p-dana", "Dana").await;
    let body = json!({"title": "Game day", "severity": "SEV2", "drill": true});
    let (status, reply) = server
        .request_as(Some(&dana), "POST", "/api/incidents", Some(&body))
        .await;
    assert_eq!(status, 201, "{reply}");
    let incident = warroom_core::IncidentId::parse(reply["id"].as_str().unwrap()).unwrap();
    let script = format!("/api/incidents/{incident}/script");

    let player = server.person("p-player").await;
    let (status, reply) = server.request_as(Some(&player), "GET", &script, None).await;
    assert_eq!(status, 409, "no scenario yet: {reply}");

    // Fran starts the scenario, and so facilitates it.
    let mut fran = Client::join(&server, &incident, "p-fran").await;
    let start = Command::StartScenario {
        builtin: Some("bad-config-push".into()),
        script: None,
    };
    fran.submit("c-start", start).await;
    assert!(matches!(fran.answer("c-start").await, Answer::Ack(_)));

    let fran_person = server.person("p-fran").await;
    let spoofed = format!("{script}?participant={}", fran_person.id);
    for path in [&script, &spoofed] {
        let (status, reply) = server.request_as(Some(&player), "GET", path, None).await;
        assert_eq!(status, 403, "{path}: {reply}");
        assert!(reply["error"].as_str().unwrap().contains("facilitator"));
    }
    let (status, injects) = server
        .request_as(Some(&fran_person), "GET", &script, None)
        .await;
    assert_eq!(status, 200);
    assert!(!injects.as_array().unwrap().is_empty());

    let path = format!("/api/incidents/{incident}");
    let (status, reply) = server
        .request_as(Some(&player), "DELETE", &path, None)
        .await;
    assert_eq!(status, 403, "{reply}");
    let (status, _) = server.request_as(Some(&player), "GET", &path, None).await;
    assert_eq!(status, 200, "still there");
    let (status, _) = server
        .request_as(Some(&fran_person), "DELETE", &path, None)
        .await;
    assert_eq!(status, 204, "the facilitator may delete it");
    let (status, _) = server.request_as(Some(&dana), "GET", &path, None).await;
    assert_eq!(status, 404);
}

/// Sign-in, as the issue asks: a credential in an HttpOnly, SameSite cookie, a join code when
/// the server has one, a rename that keeps the participant, and a sign-out that ends it.
#[tokio::test]
async fn sessions_are_issued_renamed_and_ended_by_the_server() {
    let server = Server::start_with(&["--join-code", "tangerine-42"]).await;
    let sign_in = |body: Value| {
        let server = &server;
        async move {
            let body = body.to_string();
            server
                .raw(
                    "POST",
                    "/api/session",
                    Some(&body),
                    &[("Content-Type", "application/json")],
                )
                .await
        }
    };
    let (_, info) = server.request_as(None, "GET", "/api/auth", None).await;
    assert_eq!(info, json!({"mode": "open", "join_code": true}));
    assert_eq!(sign_in(json!({"name": "Alice"})).await.status, 403);
    let wrong = sign_in(json!({"name": "Alice", "join_code": "apple"})).await;
    assert_eq!(wrong.status, 403, "{}", wrong.text());
    assert_eq!(
        sign_in(json!({"name": "  ", "join_code": "tangerine-42"}))
            .await
            .status,
        422
    );
    let claimed = sign_in(json!({"name": "A", "join_code": "tangerine-42", "participant": "p-x"}));
    assert_eq!(claimed.await.status, 400, "an id cannot be asked for");

    let ok = sign_in(json!({"name": "Alice", "join_code": "tangerine-42"})).await;
    assert_eq!(ok.status, 201, "{}", ok.text());
    let set_cookie = ok.header("set-cookie").unwrap().to_owned();
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    assert!(!set_cookie.contains("Secure"), "plain http: {set_cookie}");
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    let token = cookie.split_once('=').unwrap().1;
    assert_eq!(token.len(), 64, "256 bits");
    let me: Value = serde_json::from_slice(&ok.body).unwrap();
    let headers = [
        ("Cookie", cookie.as_str()),
        ("Content-Type", "application/json"),
    ];

    let rename = server
        .raw(
            "POST",
            "/api/session",
            Some(r#"{"name": "Alice B."}"#),
            &headers,
        )
        .await;
    assert_eq!(rename.status, 200, "{}", rename.text());
    let renamed: Value = serde_json::from_slice(&rename.body).unwrap();
    assert_eq!(renamed["participant"], me["participant"], "the same person");
    assert_eq!(renamed["name"], "Alice B.");

    // The credential is not in the database, only its hash.
    let stored = server.stored_bytes().await;
    let contains = |hay: &[u8]| hay.windows(64).any(|w| w == token.as_bytes());
    assert!(!contains(&stored), "the session token is stored in clear");
    assert!(!server.log().contains(token), "the session token is logged");

    let out = server.raw("DELETE", "/api/session", None, &headers).await;
    assert_eq!(out.status, 204);
    assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"));
    let after = server.raw("GET", "/api/session", None, &headers).await;
    assert_eq!(after.status, 401, "signed out for good");
}

/// `proxy` mode believes the identity headers only from a trusted proxy's address.
#[tokio::test]
async fn proxy_headers_count_only_from_a_trusted_address() {
    let identity = [
        ("X-Forwarded-User", "alice@corp"),
        ("X-Forwarded-Email", "alice@corp.example"),
        ("Content-Type", "application/json"),
    ];
    let trusted = Server::start_with(&["--auth", "proxy", "--trusted-proxy", "127.0.0.0/8"]).await;
    let me = trusted.raw("GET", "/api/session", None, &identity).await;
    assert_eq!(me.status, 200, "{}", me.text());
    let me: Value = serde_json::from_slice(&me.body).unwrap();
    assert_eq!(me["name"], "alice@corp.example");
    let again = trusted.raw("GET", "/api/session", None, &identity).await;
    let again: Value = serde_json::from_slice(&again.body).unwrap();
    assert_eq!(
        again["participant"], me["participant"],
        "the same subject, the same person"
    );
    let declared = trusted
        .raw(
            "POST",
            "/api/incidents",
            Some(r#"{"title": "Proxy outage", "severity": "SEV3"}"#),
            &identity,
        )
        .await;
    assert_eq!(declared.status, 201, "{}", declared.text());
    let open_sign_in = trusted
        .raw(
            "POST",
            "/api/session",
            Some(r#"{"name": "Eve"}"#),
            &identity[2..],
        )
        .await;
    assert_eq!(
        open_sign_in.status, 403,
        "no name-only sign-in behind a proxy"
    );
    let anonymous = trusted.raw("GET", "/api/incidents", None, &[]).await;
    assert_eq!(anonymous.status, 401);

    // The same headers from an address that is not the proxy's are ignored.
    let untrusted = Server::start_with(&["--auth", "proxy", "--trusted-proxy", "10.9.8.7"]).await;
    let forged = untrusted.raw("GET", "/api/session", None, &identity).await;
    assert_eq!(forged.status, 401, "{}", forged.text());
    assert!(untrusted.log().contains("untrusted address"));
}

/// The socket's rate limit is the participant's, shared by all their tabs.
#[tokio::test]
async fn the_rate_limit_counts_per_participant_across_tabs() {
    let server = Server::start_with(&["--rate-limit", "0.5", "--rate-burst", "6"]).await;
    let incident = server.declare("p-alice", "Alice", "Many tabs").await;
    let mut tab_a = Client::join(&server, &incident, "p-alice").await;
    let mut tab_b = Client::join(&server, &incident, "p-alice").await;
    let mut bob = Client::join(&server, &incident, "p-bob").await;
    // Ten messages, five a tab: within one burst of six per tab, but not per person.
    let mut limited = 0;
    for i in 0..10 {
        let (tab, name) = if i % 2 == 0 {
            (&mut tab_a, "a")
        } else {
            (&mut tab_b, "b")
        };
        let id = format!("c-{name}-{i}");
        tab.submit(&id, crate::support::note(id.clone())).await;
        if tab.answer(&id).await == Answer::Error(ErrorCode::RateLimited) {
            limited += 1;
        }
    }
    assert!(limited > 0, "two tabs did not get twice the limit");
    // Bob has a bucket of his own.
    bob.post("c-bob", "Unaffected.").await;
}

/// The mismatches a client written from the document found, settled: invalid UTF-8 is closed
/// with 1007.
#[tokio::test]
async fn invalid_utf8_is_closed_with_1007() {
    let server = Server::start().await;
    let incident = server.declare("p-alice", "Alice", "Bytes").await;
    let mut alice = Client::join(&server, &incident, "p-alice").await;
    let frame = tokio_tungstenite::tungstenite::protocol::frame::Frame::message(
        vec![0xff, 0xfe, b'{'],
        tokio_tungstenite::tungstenite::protocol::frame::coding::OpCode::Data(
            tokio_tungstenite::tungstenite::protocol::frame::coding::Data::Text,
        ),
        true,
    );
    alice.try_send_raw(Message::Frame(frame)).await;
    assert_eq!(alice.until_closed().await, Some(1007));
}

/// Signing out ends the session everywhere at once: a board open on it in another tab is
/// closed with 4401, and the other person's connections stay.
#[tokio::test]
async fn signing_out_closes_the_connections_of_that_session() {
    let server = Server::start().await;
    let incident = server.declare("p-alice", "Alice", "Two tabs").await;
    let mut other_tab = Client::join(&server, &incident, "p-alice").await;
    let mut bob = Client::join(&server, &incident, "p-bob").await;
    let alice = server.person("p-alice").await;
    let out = server
        .raw(
            "DELETE",
            "/api/session",
            None,
            &[("Cookie", alice.cookie.as_str())],
        )
        .await;
    assert_eq!(out.status, 204);
    assert_eq!(
        other_tab.until_closed().await,
        Some(warroom_core::protocol::close::SIGNED_OUT)
    );
    bob.post("c-1", "Still here.").await;
}
