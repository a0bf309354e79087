//! The server's small JSON API, over `fetch`: who is signed in, signing in and out, the
//! incident list, declaring one, and the exercise and scenario helpers. Everything else goes
//! over the incident's WebSocket.
//!
//! Every request carries the session cookie (same-origin `fetch` sends it by default). A 401
//! from any endpoint means the session is gone: the hook set with [`on_unauthorized`] runs,
//! and the app shows the sign-in form.

use std::cell::RefCell;

use serde::{Deserialize, Serialize};
use warroom_core::LinkKind;
pub use warroom_core::api::{
    AcceptLink, AlertReceipt, ApiError, AuthInfo, AuthMode, DeclareRequest, Declared, LinkAccepted,
    LinkAlertGroupRequest, LinkMade, LinkRequest, Me, ScenarioInfo, ScenarioText, SignIn, Summary,
    UnroutedAlerts, UpcomingInject,
};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

const UNAUTHORIZED: u16 = 401;

thread_local! {
    static ON_UNAUTHORIZED: RefCell<Option<Box<dyn Fn()>>> = const { RefCell::new(None) };
}

/// Runs `hook` whenever the server answers 401: the session has expired or was ended.
pub fn on_unauthorized(hook: impl Fn() + 'static) {
    ON_UNAUTHORIZED.with(|h| *h.borrow_mut() = Some(Box::new(hook)));
}

/// How this server signs people in (no session needed).
pub async fn auth_info() -> Result<AuthInfo, String> {
    request("GET", "/api/auth", None).await
}

/// The title of `incident` for the sign-in page of its link, when the server may say it to
/// somebody not signed in (an unrestricted incident on a server anybody may sign in to).
pub async fn incident_title(incident: &warroom_core::IncidentId) -> Option<String> {
    let path = format!(
        "/api/auth?incident={}",
        String::from(js_sys::encode_uri_component(incident.as_str()))
    );
    request::<AuthInfo>("GET", &path, None)
        .await
        .ok()
        .and_then(|info| info.incident_title)
}

/// The signed-in person, or `None` when this browser has no session.
pub async fn session() -> Result<Option<Me>, String> {
    match send::<Me>("GET", "/api/session", None).await {
        Ok(me) => Ok(Some(me)),
        Err(Failure {
            status: UNAUTHORIZED,
            ..
        }) => Ok(None),
        Err(failure) => Err(failure.message),
    }
}

/// Signs in under `name` (open mode), or renames the person already signed in.
pub async fn sign_in(name: String, join_code: Option<String>) -> Result<Me, String> {
    request(
        "POST",
        "/api/session",
        Some(json(&SignIn { name, join_code })?),
    )
    .await
}

/// Ends the session; the server clears the cookie.
pub async fn sign_out() -> Result<(), String> {
    request("DELETE", "/api/session", None).await
}

pub async fn list_incidents() -> Result<Vec<Summary>, String> {
    request("GET", "/api/incidents", None).await
}

/// The whole log of an incident, for the flight recorder.
pub async fn incident_events(
    id: &warroom_core::IncidentId,
) -> Result<Vec<warroom_core::Recorded>, String> {
    request("GET", &format!("/api/incidents/{id}/events"), None).await
}

pub async fn scenarios() -> Result<Vec<ScenarioInfo>, String> {
    request("GET", "/api/scenarios", None).await
}

/// Checks a scenario file; the error names the line and the field.
pub async fn check_scenario(text: String) -> Result<ScenarioInfo, String> {
    let body = json(&ScenarioText { text })?;
    request("POST", "/api/scenarios/check", Some(body)).await
}

/// The script's injects, for the facilitator (the signed-in person must be it).
pub async fn script(incident: &warroom_core::IncidentId) -> Result<Vec<UpcomingInject>, String> {
    request("GET", &format!("/api/incidents/{incident}/script"), None).await
}

pub async fn delete_incident(incident: &warroom_core::IncidentId) -> Result<(), String> {
    request("DELETE", &format!("/api/incidents/{incident}"), None).await
}

/// Declares an incident; the signed-in person is its declarer and first commander.
pub async fn declare(request_body: &DeclareRequest) -> Result<Declared, String> {
    request("POST", "/api/incidents", Some(json(request_body)?)).await
}

/// Makes an invitation or observer link (the commander only). The answer carries the link's
/// address, with its secret token: the only time it is shown.
pub async fn create_link(
    incident: &warroom_core::IncidentId,
    kind: LinkKind,
    hours: u32,
) -> Result<LinkMade, String> {
    let body = json(&LinkRequest { kind, hours })?;
    request(
        "POST",
        &format!("/api/incidents/{incident}/links"),
        Some(body),
    )
    .await
}

/// Enters a timeline file (CSV or JSON) into `incident`, every row or none: the commander's.
pub async fn import_timeline(
    incident: &warroom_core::IncidentId,
    text: String,
) -> Result<warroom_core::api::TimelineAppended, String> {
    let body = json(&warroom_core::api::TimelineAppend { text })?;
    request(
        "POST",
        &format!("/api/incidents/{incident}/timeline"),
        Some(body),
    )
    .await
}

/// The alert groups no rule routed and nobody linked yet.
pub async fn unrouted_alerts() -> Result<UnroutedAlerts, String> {
    request("GET", "/api/alerts/unrouted", None).await
}

/// Links an unrouted alert group to the incident (the commander only).
pub async fn link_alert_group(
    incident: &warroom_core::IncidentId,
    group_key: String,
) -> Result<AlertReceipt, String> {
    let body = json(&LinkAlertGroupRequest { group_key })?;
    request(
        "POST",
        &format!("/api/incidents/{incident}/alert-groups"),
        Some(body),
    )
    .await
}

/// The webhook subscriptions (admins only).
pub async fn webhooks() -> Result<Vec<warroom_core::api::webhooks::Webhook>, String> {
    request("GET", "/api/admin/webhooks", None).await
}

/// Adds a subscription; the answer carries its secret, the only time it is shown.
pub async fn create_webhook(
    body: &warroom_core::api::webhooks::WebhookRequest,
) -> Result<warroom_core::api::webhooks::WebhookCreated, String> {
    request("POST", "/api/admin/webhooks", Some(json(body)?)).await
}

pub async fn remove_webhook(id: &str) -> Result<(), String> {
    request("DELETE", &format!("/api/admin/webhooks/{id}"), None).await
}

/// The delivery log, newest first; only failed deliveries with `failed_only`.
pub async fn deliveries(
    failed_only: bool,
) -> Result<Vec<warroom_core::api::webhooks::Delivery>, String> {
    let url = format!("/api/admin/webhooks/deliveries?failed={failed_only}");
    request("GET", &url, None).await
}

/// Opens a link's token: an invitation makes the signed-in person a member, an observer link
/// gives this browser a read-only view of its incident. The error keeps the HTTP status: 401
/// (an invitation needs someone signed in), 410 (expired or revoked), 404 (no such link).
pub async fn accept_link(token: String) -> Result<LinkAccepted, (u16, String)> {
    let body = json(&AcceptLink { token }).map_err(|e| (0, e))?;
    send("POST", "/api/links/accept", Some(body))
        .await
        .map_err(|f| (f.status, f.message))
}

/// Every integration token (admins only: anyone else gets 403, kept in the error).
pub async fn list_tokens() -> Result<Vec<warroom_core::api::TokenInfo>, (u16, String)> {
    send("GET", "/api/tokens", None)
        .await
        .map_err(|f| (f.status, f.message))
}

/// Makes a token; the answer carries its secret, the only time it is shown.
pub async fn create_token(
    name: String,
    scopes: Vec<warroom_core::api::TokenScope>,
) -> Result<warroom_core::api::TokenMade, (u16, String)> {
    let body = json(&warroom_core::api::TokenRequest { name, scopes }).map_err(|e| (0, e))?;
    send("POST", "/api/tokens", Some(body))
        .await
        .map_err(|f| (f.status, f.message))
}

/// Revokes the token `id`.
pub async fn revoke_token(id: &str) -> Result<warroom_core::api::TokenInfo, (u16, String)> {
    let path = format!(
        "/api/tokens/{}",
        String::from(js_sys::encode_uri_component(id))
    );
    send("DELETE", &path, None)
        .await
        .map_err(|f| (f.status, f.message))
}

fn json(body: &impl Serialize) -> Result<String, String> {
    serde_json::to_string(body).map_err(|e| e.to_string())
}

/// A request that did not give the expected answer: the HTTP status (0 when the server could
/// not be reached or the answer could not be read) and a sentence for a person.
struct Failure {
    status: u16,
    message: String,
}

impl Failure {
    fn local(message: impl Into<String>) -> Self {
        Self {
            status: 0,
            message: message.into(),
        }
    }
}

async fn request<T: for<'de> Deserialize<'de>>(
    method: &str,
    url: &str,
    body: Option<String>,
) -> Result<T, String> {
    send(method, url, body).await.map_err(|f| f.message)
}

async fn send<T: for<'de> Deserialize<'de>>(
    method: &str,
    url: &str,
    body: Option<String>,
) -> Result<T, Failure> {
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    if let Some(body) = &body {
        init.set_body(&wasm_bindgen::JsValue::from_str(body));
        let headers = web_sys::Headers::new().map_err(js_error)?;
        headers
            .set("content-type", "application/json")
            .map_err(js_error)?;
        init.set_headers(&headers);
    }
    let request = web_sys::Request::new_with_str_and_init(url, &init).map_err(js_error)?;
    let window = web_sys::window().ok_or_else(|| Failure::local("no window"))?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(|_| Failure::local("The server cannot be reached."))?
        .dyn_into()
        .map_err(js_error)?;
    let text = JsFuture::from(response.text().map_err(js_error)?)
        .await
        .map_err(js_error)?
        .as_string()
        .unwrap_or_default();
    if response.ok() {
        let text = if text.is_empty() {
            "null"
        } else {
            text.as_str()
        };
        return serde_json::from_str(text)
            .map_err(|e| Failure::local(format!("Unexpected answer from the server: {e}")));
    }
    let status = response.status();
    if status == UNAUTHORIZED {
        ON_UNAUTHORIZED.with(|h| {
            if let Some(hook) = &*h.borrow() {
                hook();
            }
        });
    }
    Err(Failure {
        status,
        message: serde_json::from_str::<ApiError>(&text)
            .map(|e| e.error)
            .unwrap_or_else(|_| format!("The server answered {status}.")),
    })
}

fn js_error(err: wasm_bindgen::JsValue) -> Failure {
    Failure::local(err.as_string().unwrap_or_else(|| format!("{err:?}")))
}

/// An unrouted alert group as its row shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct UnroutedAlertGroupView {
    pub key: String,
    /// `WARNING`, `CAUTION` or `ADVISORY`.
    pub level: String,
    /// "3 firing · alertname=DiskFull severity=warning"
    pub title: String,
}

impl From<warroom_core::api::UnroutedAlertGroup> for UnroutedAlertGroupView {
    fn from(g: warroom_core::api::UnroutedAlertGroup) -> Self {
        Self {
            key: g.group.key.clone(),
            level: g.group.level.label().to_uppercase(),
            title: format!("{} firing · {}", g.group.firing, g.group.label_line()),
        }
    }
}
