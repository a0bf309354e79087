//! The server's small JSON API, over `fetch`: list incidents and declare one. Everything else
//! goes over the incident's WebSocket.

use serde::Deserialize;
use warroom_core::ParticipantId;
pub use warroom_core::api::{
    ApiError, DeclareRequest, Declared, ScenarioInfo, Summary, UpcomingInject,
};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

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
    request("POST", "/api/scenarios/check", Some(text)).await
}

pub async fn script(
    incident: &warroom_core::IncidentId,
    participant: &ParticipantId,
) -> Result<Vec<UpcomingInject>, String> {
    request(
        "GET",
        &format!("/api/incidents/{incident}/script?participant={participant}"),
        None,
    )
    .await
}

pub async fn delete_incident(incident: &warroom_core::IncidentId) -> Result<(), String> {
    request("DELETE", &format!("/api/incidents/{incident}"), None).await
}

pub async fn declare(request_body: &DeclareRequest) -> Result<Declared, String> {
    let body = serde_json::to_string(request_body).map_err(|e| e.to_string())?;
    request("POST", "/api/incidents", Some(body)).await
}

async fn request<T: for<'de> Deserialize<'de>>(
    method: &str,
    url: &str,
    body: Option<String>,
) -> Result<T, String> {
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
    let window = web_sys::window().ok_or("no window")?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(|_| "The server cannot be reached.".to_owned())?
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
        serde_json::from_str(text).map_err(|e| format!("Unexpected answer from the server: {e}"))
    } else {
        Err(serde_json::from_str::<ApiError>(&text)
            .map(|e| e.error)
            .unwrap_or_else(|_| format!("The server answered {}.", response.status())))
    }
}

fn js_error(err: wasm_bindgen::JsValue) -> String {
    err.as_string().unwrap_or_else(|| format!("{err:?}"))
}
