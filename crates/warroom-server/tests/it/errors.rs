//! Every HTTP failure has its status and its code: one table of requests (method, path, who
//! asks, body) and the answer each must get, all through one `check`. Every error body is
//! `{"error": "<sentence>", "code": "<code>"}` — JSON even where axum would answer in plain
//! text (a bad path, a body too large) — and a restricted incident answers a non-member
//! exactly as an incident that does not exist.

use serde_json::{Value, json};
use warroom_core::{Command, TextId};

use crate::support::{Answer, Client, Person, Server};

/// Who sends a request.
#[derive(Debug, Clone, Copy)]
enum Who {
    /// No cookie at all.
    Nobody,
    /// Alice: declared every incident below (commander, member of the restricted one); Fran
    /// facilitates the drill's scenario.
    Alice,
    /// Bob: signed in, on no incident.
    Bob,
    /// A browser holding only an observer link to the open incident.
    Observer,
}

/// What a request carries.
#[derive(Debug, Clone, Copy)]
enum Body {
    None,
    /// Sent as `application/json`.
    Json(&'static str),
    /// Sent as `text/plain` (what a cross-site form could send).
    Plain(&'static str),
    /// Three megabytes of JSON, over the server's limit.
    Huge,
}

/// One row: the request, then the status and code it must be answered with. In paths,
/// `{open}`, `{restricted}`, `{drill}` and `{unknown}` stand for the incidents set up below.
type Row = (&'static str, &'static str, Who, Body, u16, &'static str);

#[rustfmt::skip]
const ROWS: &[Row] = &[
    // Sessions.
    ("GET", "/api/session", Who::Nobody, Body::None, 401, "unauthorized"),
    ("DELETE", "/api/session", Who::Nobody, Body::None, 401, "unauthorized"),
    ("POST", "/api/session", Who::Nobody, Body::Json(r#"{"name": "Eve", "participant": "p-x"}"#), 400, "bad_request"),
    ("POST", "/api/session", Who::Nobody, Body::Json("not json"), 400, "bad_request"),
    ("POST", "/api/session", Who::Nobody, Body::Json(r#"{"name": "  "}"#), 422, "rejected"),
    ("POST", "/api/session", Who::Nobody, Body::Plain(r#"{"name": "Eve"}"#), 415, "unsupported_media_type"),
    // Declaring and listing.
    ("GET", "/api/incidents", Who::Nobody, Body::None, 401, "unauthorized"),
    ("POST", "/api/incidents", Who::Nobody, Body::Json(r#"{"title": "X", "severity": "SEV1"}"#), 401, "unauthorized"),
    ("POST", "/api/incidents", Who::Bob, Body::Json(r#"{"title": "X", "severity": "SEV1", "participant": "p-x"}"#), 400, "bad_request"),
    ("POST", "/api/incidents", Who::Bob, Body::Json(r#"{"title": "X", "severity": "SEV9"}"#), 400, "bad_request"),
    ("POST", "/api/incidents", Who::Bob, Body::Json(r#"{"title": "", "severity": "SEV1"}"#), 422, "rejected"),
    ("POST", "/api/incidents", Who::Bob, Body::Plain(r#"{"title": "X", "severity": "SEV1"}"#), 415, "unsupported_media_type"),
    ("POST", "/api/incidents", Who::Bob, Body::Huge, 413, "payload_too_large"),
    ("POST", "/api/incidents", Who::Observer, Body::Json(r#"{"title": "X", "severity": "SEV1"}"#), 403, "forbidden"),
    // Webhooks: admins only (nobody here is one), and 401 before that.
    ("GET", "/api/admin/webhooks", Who::Nobody, Body::None, 401, "unauthorized"),
    ("GET", "/api/admin/webhooks", Who::Bob, Body::None, 403, "forbidden"),
    ("POST", "/api/admin/webhooks", Who::Alice, Body::Json(r#"{"url": "https://x.example/", "events": ["declared"]}"#), 403, "forbidden"),
    ("POST", "/api/admin/webhooks", Who::Bob, Body::Json(r#"{"url": "https://x.example/", "events": ["paged"]}"#), 400, "bad_request"),
    ("POST", "/api/admin/webhooks", Who::Bob, Body::Plain(r#"{"url": "https://x.example/", "events": ["declared"]}"#), 415, "unsupported_media_type"),
    ("DELETE", "/api/admin/webhooks/wh-1", Who::Bob, Body::None, 403, "forbidden"),
    ("GET", "/api/admin/webhooks/deliveries", Who::Observer, Body::None, 403, "forbidden"),
    // One incident.
    ("GET", "/api/incidents/{open}", Who::Nobody, Body::None, 401, "unauthorized"),
    ("GET", "/api/incidents/bad%20id", Who::Bob, Body::None, 400, "bad_request"),
    ("GET", "/api/incidents/{unknown}", Who::Bob, Body::None, 404, "not_found"),
    ("GET", "/api/incidents/{restricted}", Who::Bob, Body::None, 404, "not_found"),
    ("GET", "/api/incidents/{restricted}", Who::Observer, Body::None, 404, "not_found"),
    ("GET", "/api/incidents/{open}/events", Who::Nobody, Body::None, 401, "unauthorized"),
    ("GET", "/api/incidents/bad%20id/events", Who::Bob, Body::None, 400, "bad_request"),
    ("GET", "/api/incidents/{unknown}/events", Who::Bob, Body::None, 404, "not_found"),
    ("GET", "/api/incidents/{restricted}/events", Who::Bob, Body::None, 404, "not_found"),
    ("GET", "/api/incidents/{open}/export.md", Who::Nobody, Body::None, 401, "unauthorized"),
    ("GET", "/api/incidents/{unknown}/export.md", Who::Bob, Body::None, 404, "not_found"),
    ("GET", "/api/incidents/{restricted}/export.md", Who::Bob, Body::None, 404, "not_found"),
    ("GET", "/api/incidents/{open}/export.json", Who::Nobody, Body::None, 401, "unauthorized"),
    ("GET", "/api/incidents/{unknown}/export.json", Who::Bob, Body::None, 404, "not_found"),
    ("GET", "/api/incidents/{restricted}/export.json", Who::Bob, Body::None, 404, "not_found"),
    // Deleting.
    ("DELETE", "/api/incidents/{drill}", Who::Nobody, Body::None, 401, "unauthorized"),
    ("DELETE", "/api/incidents/bad%20id", Who::Bob, Body::None, 400, "bad_request"),
    ("DELETE", "/api/incidents/{unknown}", Who::Bob, Body::None, 404, "not_found"),
    ("DELETE", "/api/incidents/{restricted}", Who::Bob, Body::None, 404, "not_found"),
    ("DELETE", "/api/incidents/{drill}", Who::Bob, Body::None, 403, "forbidden"),
    ("DELETE", "/api/incidents/{open}", Who::Observer, Body::None, 403, "forbidden"),
    ("DELETE", "/api/incidents/{open}", Who::Alice, Body::None, 409, "conflict"),
    // The facilitator's script.
    ("GET", "/api/incidents/{drill}/script", Who::Nobody, Body::None, 401, "unauthorized"),
    ("GET", "/api/incidents/bad%20id/script", Who::Bob, Body::None, 400, "bad_request"),
    ("GET", "/api/incidents/{unknown}/script", Who::Bob, Body::None, 404, "not_found"),
    ("GET", "/api/incidents/{restricted}/script", Who::Bob, Body::None, 404, "not_found"),
    ("GET", "/api/incidents/{drill}/script", Who::Bob, Body::None, 403, "forbidden"),
    ("GET", "/api/incidents/{open}/script", Who::Observer, Body::None, 403, "forbidden"),
    ("GET", "/api/incidents/{open}/script", Who::Alice, Body::None, 409, "conflict"),
    // Links.
    ("POST", "/api/incidents/{open}/links", Who::Nobody, Body::Json(r#"{"kind": "observe", "hours": 1}"#), 401, "unauthorized"),
    ("POST", "/api/incidents/bad%20id/links", Who::Alice, Body::Json(r#"{"kind": "observe", "hours": 1}"#), 400, "bad_request"),
    ("POST", "/api/incidents/{open}/links", Who::Alice, Body::Json(r#"{"kind": "sideways", "hours": 1}"#), 400, "bad_request"),
    ("POST", "/api/incidents/{unknown}/links", Who::Alice, Body::Json(r#"{"kind": "observe", "hours": 1}"#), 404, "not_found"),
    ("POST", "/api/incidents/{restricted}/links", Who::Bob, Body::Json(r#"{"kind": "observe", "hours": 1}"#), 404, "not_found"),
    ("POST", "/api/incidents/{open}/links", Who::Bob, Body::Json(r#"{"kind": "observe", "hours": 1}"#), 403, "forbidden"),
    ("POST", "/api/incidents/{open}/links", Who::Observer, Body::Json(r#"{"kind": "observe", "hours": 1}"#), 403, "forbidden"),
    ("POST", "/api/incidents/{open}/links", Who::Alice, Body::Json(r#"{"kind": "invite", "hours": 1}"#), 422, "rejected"),
    ("POST", "/api/incidents/{open}/links", Who::Alice, Body::Json(r#"{"kind": "observe", "hours": 1000}"#), 422, "rejected"),
    ("POST", "/api/links/accept", Who::Bob, Body::Json(r#"{"link": 1}"#), 400, "bad_request"),
    ("POST", "/api/links/accept", Who::Bob, Body::Json(r#"{"token": "nope"}"#), 404, "not_found"),
    ("POST", "/api/links/accept", Who::Bob, Body::Json(r#"{"token": "0000000000000000000000000000000000000000000000000000000000000000"}"#), 404, "not_found"),
    // A timeline into an existing incident.
    ("POST", "/api/incidents/{open}/timeline", Who::Nobody, Body::Json(r#"{"text": ""}"#), 401, "unauthorized"),
    ("POST", "/api/incidents/{unknown}/timeline", Who::Alice, Body::Json(r#"{"text": ""}"#), 404, "not_found"),
    ("POST", "/api/incidents/{restricted}/timeline", Who::Bob, Body::Json(r#"{"text": ""}"#), 404, "not_found"),
    ("POST", "/api/incidents/{open}/timeline", Who::Observer, Body::Json(r#"{"text": ""}"#), 403, "forbidden"),
    ("POST", "/api/incidents/{open}/timeline", Who::Alice, Body::Json(r#"{"text": "", "title": "x"}"#), 400, "bad_request"),
    ("POST", "/api/incidents/{open}/timeline", Who::Alice, Body::Json(r#"{"text": "time,precision,actor,kind,text\n"}"#), 422, "rejected"),
    ("POST", "/api/incidents/{open}/timeline", Who::Alice, Body::Huge, 413, "payload_too_large"),
    // Scenarios.
    ("GET", "/api/scenarios", Who::Nobody, Body::None, 401, "unauthorized"),
    ("POST", "/api/scenarios/check", Who::Nobody, Body::Json(r#"{"text": ""}"#), 401, "unauthorized"),
    ("POST", "/api/scenarios/check", Who::Bob, Body::Json(r#"title = "bare TOML""#), 400, "bad_request"),
    ("POST", "/api/scenarios/check", Who::Bob, Body::Json(r#"{"text": "title = 3"}"#), 422, "rejected"),
    // Everything else.
    ("GET", "/api/nothing-here", Who::Bob, Body::None, 404, "not_found"),
    ("GET", "/ws", Who::Nobody, Body::None, 401, "unauthorized"),
    ("GET", "/ws", Who::Bob, Body::None, 400, "bad_request"),
];

/// A request header: name and value.
type Header<'a> = (&'a str, &'a str);

/// The incidents and people the rows speak of.
struct World {
    server: Server,
    alice: Option<Person>,
    bob: Option<Person>,
    observer: Option<Person>,
    places: Vec<(&'static str, String)>,
}

async fn world() -> World {
    let server = Server::start().await;
    let alice = server.person("p-alice").await;
    let bob = server.person("p-bob").await;
    let open = server.declare("p-alice", "Alice", "Checkout errors").await;
    let declare = |body: Value| {
        let server = &server;
        let alice = alice.clone();
        async move {
            let (status, reply) = server
                .request_as(Some(&alice), "POST", "/api/incidents", Some(&body))
                .await;
            assert_eq!(status, 201, "{reply}");
            reply["id"].as_str().unwrap().to_owned()
        }
    };
    let restricted =
        declare(json!({"title": "Leaked key", "severity": "SEV1", "restricted": true})).await;
    let drill =
        declare(json!({"title": "Failover drill", "severity": "SEV3", "drill": true})).await;
    let drill_id = warroom_core::IncidentId::parse(&drill).unwrap();
    let mut facilitator = Client::join(&server, &drill_id, "p-fran").await;
    let start = Command::StartScenario {
        builtin: Some("bad-config-push".into()),
        script: None,
    };
    facilitator.submit("c-start", start).await;
    assert!(matches!(
        facilitator.answer("c-start").await,
        Answer::Ack(_)
    ));

    // An observer link to the open incident, opened by a browser signed in as nobody.
    let (status, link) = server
        .request_as(
            Some(&alice),
            "POST",
            &format!("/api/incidents/{open}/links"),
            Some(&json!({"kind": "observe", "hours": 1})),
        )
        .await;
    assert_eq!(status, 201, "{link}");
    let token = link["url"]
        .as_str()
        .unwrap()
        .split("observe=")
        .nth(1)
        .unwrap();
    let accept = json!({ "token": token }).to_string();
    let opened = server
        .raw(
            "POST",
            "/api/links/accept",
            Some(&accept),
            &[("Content-Type", "application/json")],
        )
        .await;
    assert_eq!(opened.status, 200, "{}", opened.text());
    let cookie = opened
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap();
    let observer = Person {
        cookie: cookie.to_owned(),
        id: alice.id.clone(),
    };
    World {
        alice: Some(alice),
        bob: Some(bob),
        observer: Some(observer),
        places: vec![
            ("{open}", open.to_string()),
            ("{restricted}", restricted),
            ("{drill}", drill),
            ("{unknown}", "zzzzzzzzzzzzzzzzzzzzzzzzzz".to_owned()),
        ],
        server,
    }
}

/// Sends the row's request and checks its answer: the status, the code, a sentence.
async fn check(world: &World, row: &Row) {
    let &(method, path, who, body, status, code) = row;
    let mut path = path.to_owned();
    for (name, id) in &world.places {
        path = path.replace(name, id);
    }
    let cookie = match who {
        Who::Nobody => None,
        Who::Alice => world.alice.as_ref(),
        Who::Bob => world.bob.as_ref(),
        Who::Observer => world.observer.as_ref(),
    };
    let huge;
    let (text, content_type) = match body {
        Body::None => (None, None),
        Body::Json(text) => (Some(text), Some("application/json")),
        Body::Plain(text) => (Some(text), Some("text/plain")),
        Body::Huge => {
            huge = format!(
                r#"{{"title": "{}", "severity": "SEV1"}}"#,
                "x".repeat(3 << 20)
            );
            (Some(huge.as_str()), Some("application/json"))
        }
    };
    let mut headers = Vec::new();
    if let Some(person) = cookie {
        headers.push(("Cookie", person.cookie.as_str()));
    }
    if let Some(content_type) = content_type {
        headers.push(("Content-Type", content_type));
    }
    let response = world.server.raw(method, &path, text, &headers).await;
    let reply: Value = serde_json::from_slice(&response.body)
        .unwrap_or_else(|_| panic!("{method} {path}: not JSON: {:?}", response.text()));
    assert_eq!(
        (response.status, reply["code"].as_str()),
        (status, Some(code)),
        "{method} {path} as {who:?}: {reply}"
    );
    assert!(
        reply["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{method} {path}: a sentence: {reply}"
    );
}

#[tokio::test]
async fn every_endpoint_answers_each_failure_with_its_status_and_code() {
    let world = world().await;
    for row in ROWS {
        check(&world, row).await;
    }
    let bob_cookie = world.bob.as_ref().unwrap().cookie.clone();
    // An unknown incident and an invisible one are told apart by nothing at all.
    let unknown = (
        "GET",
        "/api/incidents/{unknown}",
        Who::Bob,
        Body::None,
        404,
        "not_found",
    );
    let hidden = (
        "GET",
        "/api/incidents/{restricted}",
        Who::Bob,
        Body::None,
        404,
        "not_found",
    );
    let texts = [unknown, hidden].map(|(_, path, ..)| {
        let mut path = path.to_owned();
        for (name, id) in &world.places {
            path = path.replace(name, id);
        }
        path
    });
    let bob = [("Cookie", bob_cookie.as_str())];
    let a = world.server.raw("GET", &texts[0], None, &bob).await;
    let b = world.server.raw("GET", &texts[1], None, &bob).await;
    let words = |r: &crate::support::HttpResponse, id: &str| r.text().replace(id, "<id>");
    assert_eq!(
        words(&a, &world.places[3].1),
        words(&b, &world.places[1].1),
        "the same words, but for the id asked about"
    );

    // The guard, before any handler, refuses in the same shape.
    let guarded: [(&[Header], u16, &str); 2] = [
        (
            &[("Host", "evil.example"), ("Cookie", &bob_cookie)],
            421,
            "misdirected_request",
        ),
        (
            &[
                ("Origin", "http://evil.example"),
                ("Cookie", &bob_cookie),
                ("Content-Type", "application/json"),
            ],
            403,
            "forbidden",
        ),
    ];
    for (headers, status, code) in guarded {
        let response = world
            .server
            .raw("POST", "/api/incidents", Some("{}"), headers)
            .await;
        let reply: Value = serde_json::from_slice(&response.body).expect("a JSON body");
        assert_eq!(
            (response.status, reply["code"].as_str()),
            (status, Some(code)),
            "{reply}"
        );
    }
}

/// Sign-in limits, on a server with a join code and two sign-ins a minute: the rows run in
/// order, and wrong codes count against the limit.
#[rustfmt::skip]
const SIGN_IN_ROWS: &[Row] = &[
    ("POST", "/api/session", Who::Nobody, Body::Json(r#"{"name": "Eve", "join_code": "apple"}"#), 403, "forbidden"),
    ("POST", "/api/session", Who::Nobody, Body::Json(r#"{"name": "Eve"}"#), 403, "forbidden"),
    ("POST", "/api/session", Who::Nobody, Body::Json(r#"{"name": "Eve", "join_code": "tangerine-42"}"#), 429, "rate_limited"),
];

#[tokio::test]
async fn sign_ins_refused_and_limited_have_their_codes() {
    let flags = ["--join-code", "tangerine-42", "--sign-ins-per-minute", "2"];
    let world = World {
        server: Server::start_with(&flags).await,
        alice: None,
        bob: None,
        observer: None,
        places: Vec::new(),
    };
    for row in SIGN_IN_ROWS {
        check(&world, row).await;
    }
}
