//! `--auth oidc` against a provider made for the test: an axum server in this process that
//! serves discovery, an empty key set, and a token endpoint that checks the PKCE verifier and
//! signs ID tokens with the client secret (HS256, which the standard allows for confidential
//! clients). It lets the tests forge what a real provider never would: a token for another
//! audience, or with another sign-in's nonce. The browser suite (`e2e/oidc.test.mjs`) signs in
//! through a real provider's pages.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::Engine as _;
use openidconnect::core::{CoreHmacKey, CoreIdToken, CoreIdTokenClaims, CoreJwsSigningAlgorithm};
use openidconnect::url::Url;
use openidconnect::{
    AccessToken, Audience, EmptyAdditionalClaims, EndUserEmail, EndUserUsername, IssuerUrl, Nonce,
    StandardClaims, SubjectIdentifier,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::support::{Server, warroom};

const CLIENT_ID: &str = "warroom-it";
const SECRET: &str = "a-client-secret-of-at-least-32-bytes";

/// What the provider will put in the ID token for one authorization code.
#[derive(Debug, Clone)]
struct Grant {
    subject: String,
    email: String,
    /// The sign-in's nonce and PKCE challenge, from the authorization request.
    nonce: String,
    challenge: String,
    /// Forgeries: another audience, another nonce.
    audience: String,
    forged_nonce: Option<String>,
}

#[derive(Default)]
struct Codes {
    next: u32,
    grants: HashMap<String, Grant>,
}

struct Provider {
    issuer: String,
    codes: Arc<Mutex<Codes>>,
}

impl Provider {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let codes = Arc::new(Mutex::new(Codes::default()));
        let state = (issuer.clone(), Arc::clone(&codes));
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(|| async { Json(json!({"keys": []})) }))
            .route("/token", post(token))
            .with_state(state);
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { issuer, codes }
    }

    /// `warroom serve` flags for this provider.
    fn flags<'a>(&'a self, extra: &[&'a str]) -> Vec<&'a str> {
        let mut flags = vec![
            "--auth",
            "oidc",
            "--oidc-issuer",
            &self.issuer,
            "--oidc-client-id",
            CLIENT_ID,
            "--oidc-client-secret",
            SECRET,
        ];
        flags.extend_from_slice(extra);
        flags
    }

    /// The provider's side of a sign-in: the person signed in at `authorize` (the URL the
    /// server sent the browser to), and the provider sends back a code for this grant.
    fn authorize(&self, authorize: &str, subject: &str, email: &str) -> (String, Grant) {
        let url = Url::parse(authorize).expect("an authorization URL");
        let q: HashMap<String, String> = url.query_pairs().into_owned().collect();
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["client_id"], CLIENT_ID);
        assert_eq!(q["code_challenge_method"], "S256", "PKCE");
        assert!(q["scope"].split(' ').any(|s| s == "openid"), "{q:?}");
        assert!(q["nonce"].len() >= 16 && q["state"].len() >= 16, "{q:?}");
        let grant = Grant {
            subject: subject.into(),
            email: email.into(),
            nonce: q["nonce"].clone(),
            challenge: q["code_challenge"].clone(),
            audience: CLIENT_ID.into(),
            forged_nonce: None,
        };
        (q["state"].clone(), grant)
    }

    fn code_for(&self, grant: Grant) -> String {
        let mut codes = self.codes.lock().unwrap();
        codes.next += 1;
        let code = format!("code-{}", codes.next);
        codes.grants.insert(code.clone(), grant);
        code
    }
}

async fn discovery(State((issuer, _)): State<(String, Arc<Mutex<Codes>>)>) -> Json<Value> {
    Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "jwks_uri": format!("{issuer}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["HS256"],
    }))
}

/// The token endpoint: the client's credentials, the code once, and the PKCE verifier must
/// match; the answer's ID token is signed with the client secret.
async fn token(
    State((issuer, codes)): State<(String, Arc<Mutex<Codes>>)>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Json<Value>, (axum::http::StatusCode, Json<Value>)> {
    let refuse = |why: &str| {
        (
            axum::http::StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_grant", "error_description": why})),
        )
    };
    let basic = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|v| base64::engine::general_purpose::STANDARD.decode(v).ok())
        .and_then(|v| String::from_utf8(v).ok());
    if basic.as_deref() != Some(&format!("{CLIENT_ID}:{SECRET}")) {
        return Err(refuse("client authentication"));
    }
    let grant = codes
        .lock()
        .unwrap()
        .grants
        .remove(form.get("code").map_or("", String::as_str))
        .ok_or_else(|| refuse("unknown code"))?;
    let verifier = form
        .get("code_verifier")
        .ok_or_else(|| refuse("no verifier"))?;
    let challenge =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier));
    if challenge != grant.challenge {
        return Err(refuse("PKCE verifier"));
    }
    let now = chrono::Utc::now();
    let claims = CoreIdTokenClaims::new(
        IssuerUrl::new(issuer).unwrap(),
        vec![Audience::new(grant.audience.clone())],
        now + chrono::Duration::minutes(5),
        now,
        StandardClaims::new(SubjectIdentifier::new(grant.subject.clone()))
            .set_email(Some(EndUserEmail::new(grant.email.clone())))
            .set_email_verified(Some(true))
            .set_preferred_username(Some(EndUserUsername::new(grant.subject.clone()))),
        EmptyAdditionalClaims {},
    )
    .set_nonce(Some(Nonce::new(
        grant.forged_nonce.clone().unwrap_or(grant.nonce.clone()),
    )));
    let access = AccessToken::new(format!("access-{}", grant.subject));
    let id_token = CoreIdToken::new(
        claims,
        &CoreHmacKey::new(SECRET.as_bytes()),
        CoreJwsSigningAlgorithm::HmacSha256,
        Some(&access),
        None,
    )
    .unwrap();
    Ok(Json(json!({
        "access_token": access.secret(),
        "token_type": "Bearer",
        "expires_in": 300,
        "id_token": id_token.to_string(),
    })))
}

/// A browser's cookie jar, as far as the tests need one.
#[derive(Debug, Default, Clone)]
struct Browser {
    sign_in: Option<String>,
    session: Option<String>,
}

impl Browser {
    fn cookie(&self) -> String {
        [&self.sign_in, &self.session]
            .into_iter()
            .flatten()
            .cloned()
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep(&mut self, set_cookies: &[String]) {
        for set in set_cookies {
            let pair = set.split(';').next().unwrap().to_owned();
            let (name, value) = pair.split_once('=').unwrap();
            let slot = match name {
                "warroom_sign_in" => &mut self.sign_in,
                "warroom_session" => &mut self.session,
                other => panic!("an unexpected cookie {other}"),
            };
            *slot = (!value.is_empty()).then_some(pair.clone());
        }
    }
}

fn set_cookies(response: &crate::support::HttpResponse) -> Vec<String> {
    response
        .headers
        .iter()
        .filter(|(n, _)| n == "set-cookie")
        .map(|(_, v)| v.clone())
        .collect()
}

/// `GET /auth/login?return=…` in `browser`: the provider's URL to go to.
async fn login(server: &Server, browser: &mut Browser, return_to: &str) -> String {
    let cookie = browser.cookie();
    let response = server
        .raw(
            "GET",
            &format!("/auth/login?return={return_to}"),
            None,
            &[("Cookie", &cookie)],
        )
        .await;
    assert_eq!(response.status, 302, "{}", response.text());
    assert_eq!(response.header("cache-control"), Some("no-store"));
    let set = set_cookies(&response);
    assert!(
        set.iter().any(|c| c.contains("HttpOnly")
            && c.contains("SameSite=Lax")
            && c.contains("Path=/auth")),
        "{set:?}"
    );
    browser.keep(&set);
    response.header("location").unwrap().to_owned()
}

/// `GET /auth/callback?code=…&state=…` in `browser`.
async fn callback(
    server: &Server,
    browser: &mut Browser,
    code: &str,
    state: &str,
) -> crate::support::HttpResponse {
    let cookie = browser.cookie();
    let response = server
        .raw(
            "GET",
            &format!("/auth/callback?code={code}&state={state}"),
            None,
            &[("Cookie", &cookie)],
        )
        .await;
    browser.keep(&set_cookies(&response));
    response
}

async fn me(server: &Server, browser: &Browser) -> (u16, Value) {
    let cookie = browser.session.clone().unwrap_or_default();
    let response = server
        .raw("GET", "/api/session", None, &[("Cookie", &cookie)])
        .await;
    let body = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
    (response.status, body)
}

#[tokio::test]
async fn a_provider_sign_in_issues_a_session_for_the_subject_on_every_device() {
    let provider = Provider::start().await;
    let server = Server::start_with(&provider.flags(&[])).await;
    let (_, info) = server.request_as(None, "GET", "/api/auth", None).await;
    assert_eq!(
        info,
        json!({"mode": "oidc", "join_code": false, "login_url": "/auth/login"})
    );
    let (status, _) = server
        .request_as(
            None,
            "POST",
            "/api/session",
            Some(&json!({"name": "Mallory"})),
        )
        .await;
    assert_eq!(status, 403, "no display-name sign-in");

    let mut laptop = Browser::default();
    let url = login(&server, &mut laptop, "/incidents/abc").await;
    // On loopback without --public-url, the redirect URI is the bound address's.
    let redirect = format!("http://127.0.0.1:{}/auth/callback", server.port);
    assert!(
        Url::parse(&url)
            .unwrap()
            .query_pairs()
            .any(|(k, v)| k == "redirect_uri" && v == redirect),
        "{url}"
    );
    let (state, grant) = provider.authorize(&url, "ann-42", "ann@example.com");
    let code = provider.code_for(grant);
    let sign_in_cookie = laptop.sign_in.clone();
    let back = callback(&server, &mut laptop, &code, &state).await;
    assert_eq!(back.status, 303, "{}", back.text());
    assert_eq!(back.header("location"), Some("/incidents/abc"));
    assert!(laptop.sign_in.is_none(), "the sign-in cookie is cleared");
    let (status, first) = me(&server, &laptop).await;
    assert_eq!(status, 200);
    assert!(first["participant"].as_str().unwrap().starts_with("u-"));
    assert_eq!(first["name"], "ann-42");

    // The same answer again, with the cookie the browser had (a replayed callback), signs
    // nobody in: a sign-in is used once.
    let mut replay = Browser {
        sign_in: sign_in_cookie,
        session: None,
    };
    assert_eq!(
        callback(&server, &mut replay, &code, &state).await.status,
        400
    );
    assert_eq!(me(&server, &replay).await.0, 401);

    // Another device, another sign-in of the same subject: the same participant. A return
    // path to another site goes to the lobby instead.
    let mut phone = Browser::default();
    let url = login(&server, &mut phone, "//evil.example/").await;
    let (state, grant) = provider.authorize(&url, "ann-42", "ann@example.com");
    let back = callback(&server, &mut phone, &provider.code_for(grant), &state).await;
    assert_eq!(back.header("location"), Some("/"));
    assert_eq!(me(&server, &phone).await.1, first);

    // A callback carried to another browser is refused there.
    let mut alice = Browser::default();
    let url = login(&server, &mut alice, "/").await;
    let (state, grant) = provider.authorize(&url, "alice", "alice@example.com");
    let mut mallory = Browser::default();
    login(&server, &mut mallory, "/").await;
    let stolen = callback(&server, &mut mallory, &provider.code_for(grant), &state).await;
    assert_eq!(stolen.status, 400, "{}", stolen.text());
    assert!(stolen.text().contains("Back to sign in"));
    assert_eq!(me(&server, &mallory).await.0, 401);

    assert!(
        !server.log().contains(SECRET),
        "the client secret is logged"
    );
    assert!(
        !server.log().contains(&code),
        "an authorization code is logged"
    );
}

#[tokio::test]
async fn forged_tokens_and_refusals_sign_nobody_in() {
    let provider = Provider::start().await;
    let server =
        Server::start_with(&provider.flags(&["--oidc-allowed-domain", "example.com"])).await;
    let attempt = |subject: &'static str, email: &'static str, forge: fn(&mut Grant)| {
        let (server, provider) = (&server, &provider);
        async move {
            let mut browser = Browser::default();
            let url = login(server, &mut browser, "/").await;
            let (state, mut grant) = provider.authorize(&url, subject, email);
            forge(&mut grant);
            let response = callback(server, &mut browser, &provider.code_for(grant), &state).await;
            if response.status != 303 {
                assert_eq!(me(server, &browser).await.0, 401, "{subject}: no session");
            }
            (response.status, response.text().to_owned())
        }
    };
    let (status, page) = attempt("ok", "ok@example.com", |_| {}).await;
    assert_eq!(status, 303, "{page}");
    let (status, page) = attempt("aud", "aud@example.com", |g| g.audience = "another".into()).await;
    assert_eq!(status, 403, "another client's token: {page}");
    assert!(page.contains("Invalid audiences"), "{page}");
    let (status, page) = attempt("nonce", "nonce@example.com", |g| {
        g.forged_nonce = Some("another sign-in's nonce".into());
    })
    .await;
    assert_eq!(status, 403, "another sign-in's token: {page}");
    assert!(page.contains("nonce mismatch"), "{page}");
    let (status, page) = attempt("pkce", "pkce@example.com", |g| g.challenge = "x".into()).await;
    assert_eq!(status, 403, "the code without the verifier: {page}");
    assert!(page.contains("PKCE verifier"), "{page}");
    let (status, page) = attempt("eve", "eve@example.org", |_| {}).await;
    assert_eq!(status, 403);
    assert!(
        page.contains("eve@example.org is not in a domain allowed here"),
        "{page}"
    );
    assert!(server.log().contains("sign-in refused"));

    // The provider's own refusal.
    let mut browser = Browser::default();
    let url = login(&server, &mut browser, "/").await;
    let (state, _) = provider.authorize(&url, "x", "x@example.com");
    let cookie = browser.cookie();
    let denied = server
        .raw(
            "GET",
            &format!(
                "/auth/callback?error=access_denied&error_description=%3Cscript%3E&state={state}"
            ),
            None,
            &[("Cookie", &cookie)],
        )
        .await;
    assert_eq!(denied.status, 403);
    assert!(denied.text().contains("(access_denied)"));
    assert!(
        !denied.text().contains("<script>"),
        "the provider's free text is not shown"
    );
}

#[tokio::test]
async fn oidc_mode_refuses_to_start_without_its_settings() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let serve = [
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--data-dir",
        data,
        "--auth",
        "oidc",
    ];
    warroom(&serve).await.failed_saying("--oidc-issuer");
    let mut flags = serve.to_vec();
    flags.extend([
        "--oidc-issuer",
        "http://login.example.com",
        "--oidc-client-id",
        "w",
        "--oidc-client-secret",
        "s",
    ]);
    warroom(&flags).await.failed_saying("must be https");
    let mut public = serve.to_vec();
    public[2] = "0.0.0.0:0";
    public.extend([
        "--oidc-issuer",
        "https://login.example.com",
        "--oidc-client-id",
        "w",
        "--oidc-client-secret",
        "s",
    ]);
    warroom(&public).await.failed_saying("needs --public-url");
}
