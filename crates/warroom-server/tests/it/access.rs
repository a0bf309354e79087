//! Who may see an incident, against the real binary: a restricted incident is invisible to
//! non-members everywhere (404 in the list, the board, the socket and the exports — as if it
//! did not exist), invitations make members, and an observer link watches read-only.

use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use warroom_core::protocol::{ErrorCode, ServerMessage, close};
use warroom_core::{Command, IncidentId, LinkId, TextId};

use crate::support::{Answer, Client, Person, Server};

/// Alice declares a restricted incident; its id.
async fn restricted(server: &Server) -> IncidentId {
    let alice = server.person_named("p-alice", "Alice").await;
    let body = json!({"title": "Security: leaked key", "severity": "SEV1", "restricted": true});
    let (status, reply) = server
        .request_as(Some(&alice), "POST", "/api/incidents", Some(&body))
        .await;
    assert_eq!(status, 201, "{reply}");
    IncidentId::parse(reply["id"].as_str().unwrap()).unwrap()
}

/// Makes a link as `label`; the token from its address.
async fn make_link(server: &Server, label: &str, incident: &IncidentId, kind: &str) -> String {
    let person = server.person(label).await;
    let body = json!({"kind": kind, "hours": 2});
    let path = format!("/api/incidents/{incident}/links");
    let (status, made) = server
        .request_as(Some(&person), "POST", &path, Some(&body))
        .await;
    assert_eq!(status, 201, "{made}");
    let url = made["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("/incidents/{incident}?{kind}=")),
        "{url}"
    );
    url.rsplit('=').next().unwrap().to_owned()
}

/// `POST /api/links/accept` with `token`, as `person` (or nobody): the status and the answer.
async fn open_link(server: &Server, person: Option<&Person>, token: &str) -> (u16, Value) {
    let body = json!({ "token": token });
    server
        .request_as(person, "POST", "/api/links/accept", Some(&body))
        .await
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_restricted_incident_does_not_exist_for_a_non_member() {
    let server = Server::start().await;
    let incident = restricted(&server).await;
    let open = server.declare("p-alice", "Alice", "Open outage").await;
    let id = incident.as_str();
    let bob = server.person("p-bob").await;

    let (status, list) = server
        .request_as(Some(&bob), "GET", "/api/incidents", None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        ids(&list),
        [open.to_string()],
        "only the open incident is listed"
    );
    for path in [
        format!("/api/incidents/{id}"),
        format!("/api/incidents/{id}/events"),
        format!("/api/incidents/{id}/export.md"),
        format!("/api/incidents/{id}/export.json"),
        format!("/api/incidents/{id}/script"),
    ] {
        let (status, reply) = server.request_as(Some(&bob), "GET", &path, None).await;
        assert_eq!(status, 404, "{path}: {reply}");
        assert_eq!(
            reply["error"],
            format!("there is no incident {id}"),
            "{path}"
        );
    }
    let (status, _) = server
        .request_as(Some(&bob), "DELETE", &format!("/api/incidents/{id}"), None)
        .await;
    assert_eq!(status, 404);
    let links = json!({"kind": "observe", "hours": 1});
    let (status, _) = server
        .request_as(
            Some(&bob),
            "POST",
            &format!("/api/incidents/{id}/links"),
            Some(&links),
        )
        .await;
    assert_eq!(status, 404);

    // The socket answers as for an incident that does not exist.
    let mut socket = Client::connect(&server, "p-bob").await;
    socket.hello(&incident).await;
    match socket.next_message().await {
        ServerMessage::Error { code, message, .. } => {
            assert_eq!(code, ErrorCode::UnknownIncident);
            assert_eq!(message, format!("there is no incident {id}"));
        }
        other => panic!("expected unknown_incident, got {other:?}"),
    }
    assert_eq!(socket.until_closed().await, Some(close::REFUSED));

    // Alice, its member, sees it all.
    let (_, list) = server.request("GET", "/api/incidents", None).await;
    assert!(
        !ids(&list).contains(&id.to_owned()),
        "not even to other signed-in people"
    );
    let alice = server.person("p-alice").await;
    let (_, list) = server
        .request_as(Some(&alice), "GET", "/api/incidents", None)
        .await;
    assert!(ids(&list).contains(&id.to_owned()));
    let mut alice_socket = Client::join(&server, &incident, "p-alice").await;
    alice_socket.post("c-1", "Rotating the key.").await;
}

#[tokio::test]
async fn an_invitation_makes_a_member_until_it_is_revoked() {
    let server = Server::start().await;
    let incident = restricted(&server).await;
    let token = make_link(&server, "p-alice", &incident, "invite").await;
    let bob = server.person("p-bob").await;

    // Only the commander makes links.
    let mut alice = Client::join(&server, &incident, "p-alice").await;
    let (status, _) = open_link(&server, None, &token).await;
    assert_eq!(status, 401, "an invitation is for a signed-in person");
    let (status, reply) = open_link(&server, Some(&bob), &"0".repeat(64)).await;
    assert_eq!(status, 404, "{reply}");
    let (status, reply) = open_link(&server, Some(&bob), &token).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["url"], format!("/incidents/{incident}"));
    let mut bob_socket = Client::join(&server, &incident, "p-bob").await;
    bob_socket.post("c-1", "Bob is in.").await;
    let added = bob_socket
        .replica
        .incident()
        .access
        .members
        .contains(&bob.id);
    assert!(added, "Bob is a member");

    // Bob, not the commander, cannot make links; Alice revokes the invitation, and Carol
    // cannot use it any more.
    let body = json!({"kind": "invite", "hours": 1});
    let path = format!("/api/incidents/{incident}/links");
    let (status, reply) = server
        .request_as(Some(&bob), "POST", &path, Some(&body))
        .await;
    assert_eq!(status, 403, "{reply}");
    alice
        .submit("c-revoke", Command::RevokeLink { link: LinkId(1) })
        .await;
    assert!(matches!(alice.answer("c-revoke").await, Answer::Ack(_)));
    let carol = server.person("p-carol").await;
    let (status, reply) = open_link(&server, Some(&carol), &token).await;
    assert_eq!(status, 403, "{reply}");
    assert!(
        reply["error"].as_str().unwrap().contains("revoked"),
        "{reply}"
    );

    // Removing a member closes their connection and hides the incident again.
    alice
        .submit(
            "c-remove",
            Command::RemoveMember {
                participant: bob.id.clone(),
            },
        )
        .await;
    assert!(matches!(alice.answer("c-remove").await, Answer::Ack(_)));
    assert_eq!(bob_socket.until_closed().await, Some(close::REFUSED));
    let (status, _) = server
        .request_as(
            Some(&bob),
            "GET",
            &format!("/api/incidents/{incident}"),
            None,
        )
        .await;
    assert_eq!(status, 404);

    // The token is not in the log, the export or the database: only its hash.
    let export = server
        .get(&format!("/api/incidents/{incident}/export.json"))
        .await;
    assert_eq!(export.status, 404, "p-reader is no member either");
    let alice_person = server.person("p-alice").await;
    let export = server
        .raw(
            "GET",
            &format!("/api/incidents/{incident}/export.json"),
            None,
            &[("Cookie", alice_person.cookie.as_str())],
        )
        .await;
    assert_eq!(export.status, 200);
    assert!(
        !export.text().contains(&token),
        "the token is in the export"
    );
    let stored = server.stored_bytes().await;
    let found = |hay: &[u8]| hay.windows(64).any(|w| w == token.as_bytes());
    assert!(!found(&stored), "the token is stored in clear");
}

#[tokio::test]
async fn an_observer_link_watches_read_only() {
    let server = Server::start().await;
    let incident = restricted(&server).await;
    let mut alice = Client::join(&server, &incident, "p-alice").await;
    alice.post("c-1", "Key rotated in staging.").await;
    let token = make_link(&server, "p-alice", &incident, "observe").await;

    // A browser with no session opens the link and gets an observer session.
    let body = json!({"token": token}).to_string();
    let opened = server
        .raw(
            "POST",
            "/api/links/accept",
            Some(&body),
            &[("Content-Type", "application/json")],
        )
        .await;
    assert_eq!(opened.status, 200, "{}", opened.text());
    let set_cookie = opened.header("set-cookie").unwrap();
    assert!(set_cookie.starts_with("warroom_observe=") && set_cookie.contains("HttpOnly"));
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    let as_observer = [("Cookie", cookie.as_str())];
    let me = server.raw("GET", "/api/session", None, &as_observer).await;
    let me: Value = serde_json::from_slice(&me.body).unwrap();
    assert_eq!(me["observer_of"], incident.as_str(), "{me}");
    assert!(me["participant"].as_str().unwrap().starts_with("o-"));

    // It reads the incident (and nothing else), and changes nothing.
    let other = server.declare("p-alice", "Alice", "Unrelated").await;
    let list = server
        .raw("GET", "/api/incidents", None, &as_observer)
        .await;
    let list: Value = serde_json::from_slice(&list.body).unwrap();
    assert_eq!(ids(&list), [incident.to_string()]);
    let events = format!("/api/incidents/{incident}/events");
    assert_eq!(
        server.raw("GET", &events, None, &as_observer).await.status,
        200
    );
    let elsewhere = format!("/api/incidents/{other}/events");
    assert_eq!(
        server
            .raw("GET", &elsewhere, None, &as_observer)
            .await
            .status,
        404
    );
    let declare = server
        .raw(
            "POST",
            "/api/incidents",
            Some(r#"{"title": "Mine", "severity": "SEV4"}"#),
            &[as_observer[0], ("Content-Type", "application/json")],
        )
        .await;
    assert_eq!(declare.status, 403);

    let mut request = server.ws_url().into_client_request().unwrap();
    request
        .headers_mut()
        .insert("cookie", cookie.parse().unwrap());
    let mut watcher = Client::connect_with(&server, request, None).await.unwrap();
    watcher.hello(&incident).await;
    watcher
        .until("the board", |m| match m {
            ServerMessage::Presence { .. } => Some(()),
            _ => None,
        })
        .await;
    assert_eq!(watcher.replica.note_texts(), ["Key rotated in staging."]);
    watcher
        .submit("c-sneak", crate::support::note("I am not read-only."))
        .await;
    assert_eq!(
        watcher.answer("c-sneak").await,
        Answer::Error(ErrorCode::Forbidden)
    );
    // It watches live, but is not on the crew's presence.
    let seq = alice.post("c-2", "Rotated in production.").await;
    watcher.sync_to(seq).await;
    assert_eq!(
        watcher.replica.note_texts(),
        ["Key rotated in staging.", "Rotated in production."]
    );
    assert_eq!(alice.present.len(), 1, "only Alice: {:?}", alice.present);

    // Revoking the link closes the watcher and ends the observer session's access.
    alice
        .submit("c-revoke", Command::RevokeLink { link: LinkId(1) })
        .await;
    assert!(matches!(alice.answer("c-revoke").await, Answer::Ack(_)));
    assert_eq!(watcher.until_closed().await, Some(close::REFUSED));
    assert_eq!(
        server.raw("GET", &events, None, &as_observer).await.status,
        404
    );
    let me = server.raw("GET", "/api/session", None, &as_observer).await;
    assert_eq!(me.status, 401, "the observer is nobody now");
    let again = server
        .raw(
            "POST",
            "/api/links/accept",
            Some(&body),
            &[("Content-Type", "application/json")],
        )
        .await;
    assert_eq!(again.status, 410, "{}", again.text());
}

/// `GET /api/auth?incident=…` (the sign-in page of a shared link) names the incident only where
/// anybody who signs in would see it: never a restricted one, never behind a join code, and
/// an unknown or malformed id is answered like a restricted one.
#[tokio::test]
async fn the_sign_in_page_names_only_an_incident_anybody_may_see() {
    let server = Server::start().await;
    let open = server.declare("p-alice", "Alice", "Checkout errors").await;
    let secret = restricted(&server).await;
    let title_for = |id: String| {
        let server = &server;
        async move {
            let path = format!("/api/auth?incident={id}");
            let (status, info) = server.request_as(None, "GET", &path, None).await;
            assert_eq!(status, 200, "{info}");
            info.get("incident_title").cloned()
        }
    };
    assert_eq!(
        title_for(open.to_string()).await,
        Some(json!("Checkout errors"))
    );
    assert_eq!(title_for(secret.to_string()).await, None, "restricted");
    assert_eq!(title_for("nosuchincident".into()).await, None, "unknown");
    assert_eq!(
        title_for("not%20an%20id%21".into()).await,
        None,
        "malformed"
    );
    let (_, plain) = server.request_as(None, "GET", "/api/auth", None).await;
    assert_eq!(plain, json!({"mode": "open", "join_code": false}));

    // Behind a join code the title is the team's: a stranger learns nothing.
    let team = Server::start_with(&["--join-code", "tangerine-42"]).await;
    let body = json!({"name": "Alice", "join_code": "tangerine-42"}).to_string();
    let signed_in = team
        .raw(
            "POST",
            "/api/session",
            Some(&body),
            &[("Content-Type", "application/json")],
        )
        .await;
    assert_eq!(signed_in.status, 201, "{}", signed_in.text());
    let cookie = signed_in
        .header("set-cookie")
        .and_then(|c| c.split(';').next())
        .unwrap()
        .to_owned();
    let declare = json!({"title": "Team only", "severity": "SEV2"}).to_string();
    let declared = team
        .raw(
            "POST",
            "/api/incidents",
            Some(&declare),
            &[("Content-Type", "application/json"), ("Cookie", &cookie)],
        )
        .await;
    assert_eq!(declared.status, 201, "{}", declared.text());
    let reply: Value = serde_json::from_slice(&declared.body).unwrap();
    let path = format!("/api/auth?incident={}", reply["id"].as_str().unwrap());
    let (_, info) = team.request_as(None, "GET", &path, None).await;
    assert_eq!(info, json!({"mode": "open", "join_code": true}));
}
