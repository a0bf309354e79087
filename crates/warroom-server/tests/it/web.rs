//! The web's defences against the real binary: cross-site "simple" requests cannot declare an
//! incident, a foreign `Host` (DNS rebinding) is refused, every response carries the security
//! headers, the connection limits close with their own code, and an open war room is not put
//! on the network by accident.

use warroom_core::protocol::close;

use crate::support::{Client, Server, warroom};

async fn incident_count(server: &Server) -> usize {
    let (status, listed) = server.request("GET", "/api/incidents", None).await;
    assert_eq!(status, 200);
    listed.as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn cross_site_simple_posts_are_refused_and_declare_nothing() {
    let server = Server::start().await;
    let mallory = server.person("p-mallory").await;
    let cookie = ("Cookie", mallory.cookie.as_str());
    let body = r#"{"title": "Forged", "severity": "SEV1"}"#;
    // What a page on another site can send without a CORS preflight.
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        None,
    ] {
        let mut headers = vec![cookie, ("Origin", "http://evil.example")];
        let response = server
            .raw("POST", "/api/incidents", Some(body), &headers)
            .await;
        assert_eq!(response.status, 403, "{content_type:?} from another origin");
        headers.pop();
        if let Some(ct) = content_type {
            headers.push(("Content-Type", ct));
        }
        let response = server
            .raw("POST", "/api/incidents", Some(body), &headers)
            .await;
        assert_eq!(
            response.status,
            415,
            "{content_type:?}: {}",
            response.text()
        );
    }
    let cross_site = server
        .raw(
            "POST",
            "/api/incidents",
            Some(body),
            &[
                cookie,
                ("Content-Type", "application/json"),
                ("Sec-Fetch-Site", "cross-site"),
            ],
        )
        .await;
    assert_eq!(cross_site.status, 403);
    let delete = server
        .raw(
            "DELETE",
            "/api/session",
            None,
            &[cookie, ("Origin", "http://evil.example")],
        )
        .await;
    assert_eq!(delete.status, 403, "a cross-site sign-out");
    assert_eq!(incident_count(&server).await, 0, "nothing was declared");
}

#[tokio::test]
async fn a_foreign_host_is_refused_everywhere() {
    let server = Server::start().await;
    let reader = server.person("p-reader").await;
    let evil = format!("evil.example:{}", server.port);
    let evil_origin = format!("http://{evil}");
    let headers = [
        ("Host", evil.as_str()),
        ("Origin", evil_origin.as_str()),
        ("Cookie", reader.cookie.as_str()),
        ("Content-Type", "application/json"),
    ];
    for (method, path, body) in [
        ("GET", "/api/incidents", None),
        (
            "POST",
            "/api/incidents",
            Some(r#"{"title": "Rebound", "severity": "SEV1"}"#),
        ),
        ("GET", "/", None),
        ("GET", "/healthz", None),
    ] {
        let response = server.raw(method, path, body, &headers).await;
        assert_eq!(response.status, 421, "{method} {path}");
    }
    let mut upgrade = server.ws_request("p-reader").await;
    upgrade.headers_mut().insert("host", evil.parse().unwrap());
    upgrade
        .headers_mut()
        .insert("origin", evil_origin.parse().unwrap());
    match Client::connect_with(&server, upgrade, None).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 421)
        }
        Err(other) => panic!("expected 421, got {other}"),
        Ok(_) => panic!("a rebound WebSocket was accepted"),
    }
    // The names the server is really reached by work.
    for host in [
        format!("localhost:{}", server.port),
        format!("127.0.0.1:{}", server.port),
    ] {
        let response = server
            .raw(
                "GET",
                "/api/incidents",
                None,
                &[("Host", host.as_str()), ("Cookie", reader.cookie.as_str())],
            )
            .await;
        assert_eq!(response.status, 200, "{host}");
    }
    assert_eq!(incident_count(&server).await, 0);
}

#[tokio::test]
async fn a_public_url_names_the_one_host_name_answered() {
    let server = Server::start_with(&["--public-url", "https://war.example.com"]).await;
    let reader = server.person("p-reader").await;
    let get = |host: &'static str| {
        let server = &server;
        let cookie = reader.cookie.clone();
        async move {
            server
                .raw(
                    "GET",
                    "/api/incidents",
                    None,
                    &[("Host", host), ("Cookie", cookie.as_str())],
                )
                .await
                .status
        }
    };
    assert_eq!(get("war.example.com").await, 200);
    assert_eq!(get("war.example.com.evil.example").await, 421);
    // Under https the cookie is Secure, and browsers are told to stay on https.
    let signed = server
        .raw(
            "POST",
            "/api/session",
            Some(r#"{"name": "Bo"}"#),
            &[("Content-Type", "application/json")],
        )
        .await;
    assert!(signed.header("set-cookie").unwrap().contains("Secure"));
    assert!(signed.header("strict-transport-security").is_some());
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let server = Server::start().await;
    for path in [
        "/",
        "/api/incidents",
        "/api/auth",
        "/healthz",
        "/no-such.js",
    ] {
        let response = server.get(path).await;
        let csp = response
            .header("content-security-policy")
            .unwrap_or_else(|| panic!("{path}: no CSP"));
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(response.header("referrer-policy"), Some("no-referrer"));
        assert_eq!(response.header("x-frame-options"), Some("DENY"));
    }
}

/// Opens a socket as `label` and returns the code it is closed with.
async fn refused_with(server: &Server, label: &str) -> Option<u16> {
    Client::connect(server, label).await.until_closed().await
}

#[tokio::test]
async fn connection_limits_close_with_their_own_code() {
    let server =
        Server::start_with(&["--max-connections-per-ip", "3", "--max-before-hello", "2"]).await;
    let incident = server.declare("p-alice", "Alice", "Crowded").await;
    // Two sockets that never say hello fill the before-hello limit.
    let silent_a = Client::connect(&server, "p-silent").await;
    let silent_b = Client::connect(&server, "p-silent").await;
    assert_eq!(
        refused_with(&server, "p-eager").await,
        Some(close::TOO_MANY_CONNECTIONS),
        "a third connection that has not said hello"
    );
    drop(silent_b);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    // Greeted connections count against the per-address limit only.
    let _a = Client::join(&server, &incident, "p-alice").await;
    let _b = Client::join(&server, &incident, "p-bob").await;
    assert_eq!(
        refused_with(&server, "p-carol").await,
        Some(close::TOO_MANY_CONNECTIONS),
        "a fourth connection from one address"
    );
    drop(silent_a);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let mut carol = Client::join(&server, &incident, "p-carol").await;
    carol.post("c-1", "A place came free.").await;
}

#[tokio::test]
async fn an_open_war_room_is_not_put_on_the_network_by_accident() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let open = warroom(&[
        "serve",
        "--addr",
        "0.0.0.0:0",
        "--data-dir",
        data,
        "--static-dir",
        data,
    ])
    .await;
    open.failed_saying("--join-code");
    open.failed_saying("--public");
    let proxy = warroom(&[
        "serve",
        "--auth",
        "proxy",
        "--addr",
        "127.0.0.1:0",
        "--data-dir",
        data,
    ])
    .await;
    proxy.failed_saying("--trusted-proxy");
}

#[tokio::test]
async fn the_total_connection_limit_closes_with_its_own_code() {
    let server = Server::start_with(&["--max-connections", "2"]).await;
    let incident = server.declare("p-alice", "Alice", "Full house").await;
    let _a = Client::join(&server, &incident, "p-alice").await;
    let _b = Client::join(&server, &incident, "p-bob").await;
    assert_eq!(
        refused_with(&server, "p-carol").await,
        Some(close::TOO_MANY_CONNECTIONS)
    );
    assert!(server.log().contains("the server has too many connections"));
}
