//! **The `/api` route table**: the one list the API's router is built from and its OpenAPI
//! document (`openapi.rs`) is generated from, so that a route cannot be served undocumented.
//! Each row is one method on one path, with its handler and its description:
//!
//! - [`documented`]: a handler with a `#[utoipa::path]` attribute — its method, path,
//!   parameters, bodies, answers and security come from the attribute;
//! - [`brief`] (as `row!(Post "/api/…", access, handler, "What it does.")`): any handler,
//!   with a sentence and who may call it ([`Access`]), for routes whose bodies are the app's
//!   own business. Adding a route is one row of either kind, e.g. the Alertmanager receiver's
//!   `row!(Post "/api/hooks/alertmanager", Token(AlertsWrite), alertmanager::receive, "…")`.
//!
//! **Invariant:** the API router has no route that is not a row here (`api_router` is the only
//! place it is built), and every row is in the document (a test checks both ways).

use std::sync::LazyLock;

use axum::Router;
use axum::handler::Handler;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, on};
use utoipa::openapi::path::{
    HttpMethod, Operation, OperationBuilder, ParameterBuilder, ParameterIn,
};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{ContentBuilder, Ref, Required, ResponseBuilder};
use warroom_core::api::TokenScope;

use super::{
    AppState, alertmanager, incidents, links, openapi, rest, session, timeline, tokens, webhooks,
};

/// Who may call a [`brief`] route.
#[derive(Debug, Clone, Copy)]
pub enum Access {
    /// Anybody, signed in or not.
    Public,
    /// A signed-in person (a session, or the trusted proxy's headers).
    Session,
    /// A signed-in person, or an integration token with this scope.
    SessionOrToken(TokenScope),
    /// An integration token with this scope.
    Token(TokenScope),
}

/// One method on one path of the API.
pub struct ApiRoute {
    pub method: HttpMethod,
    /// The path as served and documented, `/api/…`, with `{name}` parameters.
    pub path: String,
    pub operation: Operation,
    handler: MethodRouter<AppState>,
}

impl ApiRoute {
    /// The method as HTTP writes it: `GET`, `POST`…
    pub fn method_name(&self) -> &'static str {
        filter_name(&self.method)
    }
}

fn filter_name(method: &HttpMethod) -> &'static str {
    match method {
        HttpMethod::Get => "GET",
        HttpMethod::Post => "POST",
        HttpMethod::Put => "PUT",
        HttpMethod::Delete => "DELETE",
        HttpMethod::Options => "OPTIONS",
        HttpMethod::Head => "HEAD",
        HttpMethod::Patch => "PATCH",
        HttpMethod::Trace => "TRACE",
    }
}

/// One row of the table described by a sentence: `row!(METHOD "/api/path", access, handler,
/// "What it does.")` (kept on one line: rustfmt leaves it so).
macro_rules! row {
    ($method:ident $path:literal, $access:expr, $handler:expr, $summary:literal) => {
        brief(HttpMethod::$method, $path, $summary, $access, $handler)
    };
}

/// Every route of the API, in the document's order.
pub fn api_routes() -> Vec<ApiRoute> {
    use Access::{Public, Session, SessionOrToken, Token};
    use TokenScope::{AlertsWrite, IncidentsRead};
    vec![
        documented::<__path_document, _, _>(document),
        row!(Get "/api/auth", Public, session::auth_info, "How this server signs people in."),
        row!(Get "/api/session", Session, session::current, "The signed-in person."),
        row!(Post "/api/session", Public, session::sign_in, "Sign in under a display name (open mode), or rename."),
        row!(Delete "/api/session", Session, session::sign_out, "Sign out."),
        documented::<incidents::__path_list, _, _>(incidents::list),
        documented::<rest::__path_declare, _, _>(rest::declare),
        row!(Post "/api/incidents/timeline", Session, incidents::import_timeline, "Enter a timeline file as a new incident recorded after the fact."),
        documented::<incidents::__path_get, _, _>(incidents::get),
        row!(Delete "/api/incidents/{id}", Session, incidents::delete, "Delete an exercise (its facilitator, declarer or an admin)."),
        documented::<incidents::__path_events, _, _>(incidents::events),
        documented::<rest::__path_post_note, _, _>(rest::post_note),
        documented::<rest::__path_set_status, _, _>(rest::set_status),
        row!(Post "/api/incidents/{id}/timeline", Session, timeline::append, "Enter a timeline file into an existing incident, every row or none (its commander)."),
        row!(Get "/api/incidents/{id}/script", Session, incidents::script, "A scenario's script, for its facilitator."),
        row!(Post "/api/incidents/{id}/links", Session, links::create, "Make an invitation or observer link (the commander)."),
        row!(Get "/api/incidents/{id}/export.md", SessionOrToken(IncidentsRead), incidents::export_markdown, "The postmortem draft, as Markdown."),
        row!(Get "/api/incidents/{id}/export.json", SessionOrToken(IncidentsRead), incidents::export_json, "The JSON export: the log, the board, the metrics."),
        row!(Post "/api/links/accept", Public, links::accept, "Open an invitation or observer link's token."),
        row!(Get "/api/scenarios", Session, incidents::list_scenarios, "The built-in training scenarios."),
        row!(Post "/api/scenarios/check", Session, incidents::check_scenario, "Check a scenario file."),
        row!(Post "/api/hooks/alertmanager", Token(AlertsWrite), alertmanager::receive, "Prometheus Alertmanager's webhook (format version 4): one alert group's state, routed to its incident."),
        row!(Get "/api/alerts/unrouted", Session, alertmanager::unrouted, "The alert groups no rule routed and nobody linked yet."),
        row!(Post "/api/incidents/{id}/alert-groups", Session, alertmanager::link, "Link an unrouted alert group to the incident (its commander)."),
        row!(Get "/api/admin/webhooks", Session, webhooks::list, "Every webhook subscription, without its secret (admins)."),
        row!(Post "/api/admin/webhooks", Session, webhooks::create, "Subscribe a URL to events; the answer carries its signing secret, once (admins)."),
        row!(Get "/api/admin/webhooks/deliveries", Session, webhooks::deliveries, "The delivery log, newest first; ?failed=true for failed ones only (admins)."),
        row!(Delete "/api/admin/webhooks/{id}", Session, webhooks::remove, "Remove a subscription with its queue and log (admins)."),
        documented::<tokens::__path_list, _, _>(tokens::list),
        documented::<tokens::__path_create, _, _>(tokens::create),
        documented::<tokens::__path_revoke, _, _>(tokens::revoke),
    ]
}

/// The served document, made once.
static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
    let operations = api_routes()
        .into_iter()
        .map(|r| (r.method, r.path, r.operation));
    openapi::spec(operations)
        .to_pretty_json()
        .expect("the OpenAPI document serialises")
});

/// This document: every route of the API, its bodies and answers, as OpenAPI 3.1.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "meta",
    responses((status = 200, description = "The OpenAPI 3.1 document of this API.", content_type = "application/json")),
)]
async fn document() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        DOCUMENT.as_str(),
    )
        .into_response()
}

/// The API's router, from [`api_routes`] alone (paths relative to `/api`, where it is nested).
pub fn api_router() -> Router<AppState> {
    api_routes()
        .into_iter()
        .fold(Router::new(), |router, route| {
            let path = route
                .path
                .strip_prefix("/api")
                .unwrap_or(&route.path)
                .to_owned();
            router.route(&path, route.handler)
        })
}

/// A route described by its handler's `#[utoipa::path]` (the type utoipa makes for it, `P`).
pub fn documented<P, H, T>(handler: H) -> ApiRoute
where
    P: utoipa::Path,
    H: Handler<T, AppState>,
    T: 'static,
{
    let methods = P::methods();
    let [method] = methods.as_slice() else {
        panic!("{}: one method per row", P::path());
    };
    ApiRoute {
        method: method.clone(),
        path: P::path(),
        operation: P::operation(),
        handler: on(filter(method), handler),
    }
}

/// A route described by a sentence and who may call it; its `{name}` parameters are strings,
/// its failures the API's error body.
pub fn brief<H, T>(
    method: HttpMethod,
    path: &str,
    summary: &str,
    access: Access,
    handler: H,
) -> ApiRoute
where
    H: Handler<T, AppState>,
    T: 'static,
{
    let mut operation = OperationBuilder::new()
        .summary(Some(summary))
        .response(
            "default",
            ResponseBuilder::new()
                .description("The API's error body: a sentence and a code (docs/protocol.md).")
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ApiError")))
                        .build(),
                )
                .build(),
        )
        .response("2XX", ResponseBuilder::new().description("Done.").build());
    for name in path_parameters(path) {
        operation = operation.parameter(
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .schema(Some(
                    utoipa::openapi::ObjectBuilder::new()
                        .schema_type(utoipa::openapi::Type::String),
                )),
        );
    }
    for requirement in security(access) {
        operation = operation.security(requirement);
    }
    ApiRoute {
        path: path.to_owned(),
        handler: on(filter(&method), handler),
        method,
        operation: operation.build(),
    }
}

/// The security requirements of `access`: any one of them admits the request.
pub fn security(access: Access) -> Vec<SecurityRequirement> {
    let session = || SecurityRequirement::new::<_, [&str; 0], &str>(openapi::SESSION, []);
    let bearer = |scope: TokenScope| SecurityRequirement::new(openapi::BEARER, [scope.as_str()]);
    match access {
        Access::Public => Vec::new(),
        Access::Session => vec![session()],
        Access::SessionOrToken(scope) => vec![session(), bearer(scope)],
        Access::Token(scope) => vec![bearer(scope)],
    }
}

/// The `{name}`s of a path.
fn path_parameters(path: &str) -> impl Iterator<Item = &str> {
    path.split('/')
        .filter_map(|part| part.strip_prefix('{')?.strip_suffix('}'))
}

fn filter(method: &HttpMethod) -> MethodFilter {
    match method {
        HttpMethod::Get => MethodFilter::GET,
        HttpMethod::Post => MethodFilter::POST,
        HttpMethod::Put => MethodFilter::PUT,
        HttpMethod::Delete => MethodFilter::DELETE,
        HttpMethod::Options => MethodFilter::OPTIONS,
        HttpMethod::Head => MethodFilter::HEAD,
        HttpMethod::Patch => MethodFilter::PATCH,
        HttpMethod::Trace => MethodFilter::TRACE,
    }
}
