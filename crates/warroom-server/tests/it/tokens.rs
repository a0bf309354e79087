//! Integration tokens through the real binary: made with `warroom token create` (the secret
//! alone on standard output) or by an admin over `/api/tokens`, listed without their secret,
//! refused when unknown or revoked (401) or without the scope (403), and never logged.

use serde_json::{Value, json};

use crate::support::{HttpResponse, Server, warroom};

/// `warroom token create` on the server's data directory: the secret it printed.
pub async fn cli_token(server: &Server, name: &str, scopes: &[&str]) -> String {
    let mut args = vec![
        "token".to_owned(),
        "create".into(),
        "--name".into(),
        name.into(),
    ];
    args.extend(server.store_flags());
    for scope in scopes {
        args.extend(["--scope".into(), (*scope).to_owned()]);
    }
    let run = warroom(&args).await;
    let out = run.ok();
    let secret = out.trim_end_matches('\n');
    assert!(
        !secret.contains('\n') && secret.starts_with("wrt_") && secret.len() == 56,
        "create prints the secret and nothing else: {out:?}"
    );
    secret.to_owned()
}

/// One JSON request with `Authorization: Bearer <secret>`.
pub async fn with_token(
    server: &Server,
    secret: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
    extra: &[(&str, &str)],
) -> (u16, Value, HttpResponse) {
    let auth = format!("Bearer {secret}");
    let mut headers = vec![
        ("Content-Type", "application/json"),
        ("Authorization", auth.as_str()),
    ];
    headers.extend_from_slice(extra);
    let body = body.map(Value::to_string);
    let response = server.raw(method, path, body.as_deref(), &headers).await;
    let json = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
    (response.status, json, response)
}

#[tokio::test]
async fn tokens_are_refused_unless_known_unrevoked_and_scoped() {
    let server = Server::start().await;
    let reader = cli_token(&server, "reader-bot", &["incidents:read"]).await;
    let (status, list, _) = with_token(&server, &reader, "GET", "/api/incidents", None, &[]).await;
    assert_eq!(status, 200, "{list}");

    // A valid token without the scope the endpoint asks for: 403, naming the scope.
    let writer = cli_token(&server, "writer-bot", &["incidents:write", "alerts:write"]).await;
    let (status, err, _) = with_token(&server, &writer, "GET", "/api/incidents", None, &[]).await;
    assert_eq!(status, 403, "{err}");
    assert_eq!(err["code"], "forbidden");
    assert!(
        err["error"].as_str().unwrap().contains("incidents:read"),
        "{err}"
    );

    // Unknown tokens, well-formed or not, and other schemes: 401.
    let unknown = format!("wrt_{}", "a".repeat(52));
    for secret in [unknown.as_str(), "wrt_short", "nonsense"] {
        let (status, err, _) =
            with_token(&server, secret, "GET", "/api/incidents", None, &[]).await;
        assert_eq!(status, 401, "{secret}: {err}");
        assert_eq!(err["code"], "unauthorized");
    }
    let basic = server
        .raw(
            "GET",
            "/api/incidents",
            None,
            &[("Authorization", "Basic YTpi")],
        )
        .await;
    assert_eq!(
        basic.status, 401,
        "a token header that is not a bearer token"
    );

    // Revoked by name: 401 from then on; the list says when, and never shows a secret.
    let store = server.store_flags();
    let (flag, dir) = (store[0].as_str(), store[1].as_str());
    warroom(&["token", "revoke", "reader-bot", flag, dir])
        .await
        .ok();
    let (status, err, _) = with_token(&server, &reader, "GET", "/api/incidents", None, &[]).await;
    assert_eq!(status, 401, "{err}");
    assert!(err["error"].as_str().unwrap().contains("revoked"), "{err}");
    let listed = warroom(&["token", "list", flag, dir]).await;
    let text = listed.ok();
    let row = text
        .lines()
        .find(|l| l.starts_with("reader-bot\t"))
        .expect("listed");
    let columns: Vec<&str> = row.split('\t').collect();
    assert_eq!(columns.len(), 6, "{row}");
    assert_eq!(columns[2], "incidents:read");
    assert_ne!(columns[4], "-", "it was used: {row}");
    assert_ne!(columns[5], "-", "it is revoked: {row}");
    assert!(!text.contains(&reader), "the list never shows a secret");

    // Nothing the server logged carries a secret, not even the refusals'.
    let log = server.log();
    assert!(
        log.contains("token refused: revoked"),
        "the refusal is logged:\n{log}"
    );
    assert!(!log.contains(&reader), "a token in the log:\n{log}");
    assert!(!log.contains(&writer), "a token in the log:\n{log}");
    assert!(!log.contains(&unknown), "a token in the log:\n{log}");
}

#[tokio::test]
async fn the_cli_refuses_bad_tokens_and_revokes_by_id() {
    let server = Server::start().await;
    let store = server.store_flags();
    let (flag, dir) = (store[0].as_str(), store[1].as_str());
    let run = warroom(&[
        "token", "create", "--name", "bot", "--scope", "admin", flag, dir,
    ])
    .await;
    assert_eq!(run.code, Some(2), "{run:#?}");
    assert!(run.stderr.contains("is not a scope"), "{run:#?}");
    cli_token(&server, "bot", &["incidents:read", "incidents:write"]).await;
    let again = warroom(&[
        "token",
        "create",
        "--name",
        "bot",
        "--scope",
        "incidents:read",
        flag,
        dir,
    ])
    .await;
    again.failed_saying("already a token named");
    let bad = warroom(&[
        "token",
        "create",
        "--name",
        "two words",
        "--scope",
        "incidents:read",
        flag,
        dir,
    ])
    .await;
    bad.failed_saying("letters, digits");
    let list = warroom(&["token", "list", flag, dir]).await;
    let row = list
        .ok()
        .lines()
        .find(|l| l.starts_with("bot\t"))
        .unwrap()
        .to_owned();
    let id = row.split('\t').nth(1).unwrap();
    assert!(id.starts_with("tok-"), "{row}");
    assert!(row.contains("incidents:read,incidents:write"), "{row}");
    warroom(&["token", "revoke", id, flag, dir]).await.ok();
    warroom(&["token", "revoke", "nobody", flag, dir])
        .await
        .failed_saying("no token with the name or id");
    // The name is free again once its token is revoked.
    cli_token(&server, "bot", &["incidents:read"]).await;
}

/// The admin page's API: admins list, make and revoke; anyone else signed in gets 403, and a
/// token cannot manage tokens.
#[tokio::test]
async fn only_admins_manage_tokens_over_http() {
    let server = Server::start_with(&[
        "--auth",
        "proxy",
        "--trusted-proxy",
        "127.0.0.0/8",
        "--admin",
        "ada",
    ])
    .await;
    let as_user = |user: &'static str| {
        [
            ("Content-Type", "application/json"),
            ("X-Forwarded-User", user),
        ]
    };
    let call = |user: &'static str, method: &'static str, path: String, body: Option<Value>| {
        let server = &server;
        async move {
            let body = body.map(|b| b.to_string());
            let r = server
                .raw(method, &path, body.as_deref(), &as_user(user))
                .await;
            let json: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
            (r.status, json)
        }
    };
    let request = json!({"name": "alertmanager", "scopes": ["alerts:write", "incidents:read"]});
    let (status, err) = call("bob", "POST", "/api/tokens".into(), Some(request.clone())).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (403, Some("forbidden")),
        "{err}"
    );
    let (status, _) = call("bob", "GET", "/api/tokens".into(), None).await;
    assert_eq!(status, 403);

    let (status, made) = call("ada", "POST", "/api/tokens".into(), Some(request)).await;
    assert_eq!(status, 201, "{made}");
    let secret = made["token"].as_str().unwrap().to_owned();
    let id = made["info"]["id"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("wrt_"));
    assert_eq!(
        made["info"]["scopes"],
        json!(["alerts:write", "incidents:read"])
    );
    let (status, list) = call("ada", "GET", "/api/tokens".into(), None).await;
    assert_eq!(status, 200);
    assert_eq!(list[0]["name"], "alertmanager");
    assert!(list[0]["last_used_at"].is_null());
    assert!(
        !list.to_string().contains(&secret),
        "the list never shows a secret"
    );

    // Strict bodies: an unknown field is refused, naming it; a bad scope too.
    let (status, err) = call(
        "ada",
        "POST",
        "/api/tokens".into(),
        Some(json!({"name": "x", "scopes": ["incidents:read"], "owner": "ada"})),
    )
    .await;
    assert_eq!(status, 400);
    assert!(err["error"].as_str().unwrap().contains("owner"), "{err}");
    let (status, _) = call(
        "ada",
        "POST",
        "/api/tokens".into(),
        Some(json!({"name": "x", "scopes": ["root"]})),
    )
    .await;
    assert_eq!(status, 400);
    let (status, err) = call(
        "ada",
        "POST",
        "/api/tokens".into(),
        Some(json!({"name": "x", "scopes": []})),
    )
    .await;
    assert_eq!(status, 422, "{err}");

    // A token cannot manage tokens, whatever its scopes.
    let (status, _, _) = with_token(&server, &secret, "GET", "/api/tokens", None, &[]).await;
    assert_eq!(
        status, 401,
        "the token endpoints take a session, not a token"
    );

    let (status, _) = call("bob", "DELETE", format!("/api/tokens/{id}"), None).await;
    assert_eq!(status, 403);
    let (status, revoked) = call("ada", "DELETE", format!("/api/tokens/{id}"), None).await;
    assert_eq!(status, 200, "{revoked}");
    assert!(revoked["revoked_at"].is_string());
    let (status, _) = call("ada", "DELETE", "/api/tokens/tok-none".into(), None).await;
    assert_eq!(status, 404);
    let (status, _, _) = with_token(&server, &secret, "GET", "/api/incidents", None, &[]).await;
    assert_eq!(status, 401);
    assert!(!server.log().contains(&secret), "a token in the log");
}
