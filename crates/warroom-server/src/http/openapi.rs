//! The API described as OpenAPI 3.1 (served as `GET /api/openapi.json` by `routes.rs`),
//! generated from the code — the route table (`routes.rs`, which the router is built from
//! too), the handlers'
//! `#[utoipa::path]` attributes and the bodies' schemas (warroom-core's `openapi` feature).
//! Two security schemes: `bearer` (an integration token; the scope a route needs is named in
//! its requirement) and `session` (the `warroom_session` cookie).

use utoipa::OpenApi;
use utoipa::openapi::path::{HttpMethod, Operation};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};

use crate::auth::session::COOKIE;

/// The name of the bearer-token security scheme.
pub const BEARER: &str = "bearer";
/// The name of the session-cookie security scheme.
pub const SESSION: &str = "session";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Warroom API",
        description = "The HTTP API of a Warroom server: incidents for people and for scripts \
                       and chat bots (integration tokens), the admin's tokens, sign-in. The \
                       live board speaks WebSocket (/ws); docs/protocol.md is the whole contract.",
        license(name = "MIT OR Apache-2.0"),
    ),
    components(schemas(
        warroom_core::api::ApiError,
        warroom_core::api::Summary,
        warroom_core::api::DeclareRequest,
        warroom_core::api::Declared,
        warroom_core::api::NoteRequest,
        warroom_core::api::StatusRequest,
        warroom_core::api::Applied,
        warroom_core::api::TokenInfo,
        warroom_core::api::TokenRequest,
        warroom_core::api::TokenMade,
    )),
    tags(
        (name = "incidents", description = "Incidents, for people and integrations alike."),
        (name = "tokens", description = "Integration tokens (admins only)."),
        (name = "meta", description = "This document."),
    )
)]
struct ApiDoc;

/// The whole document: the derived parts, the `operations` (every row of the route table,
/// `routes.rs`: method, path, description), the security schemes.
pub fn spec(
    operations: impl IntoIterator<Item = (HttpMethod, String, Operation)>,
) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    for (method, path, operation) in operations {
        doc.paths.add_path_operation(&path, vec![method], operation);
    }
    let components = doc.components.get_or_insert_with(Default::default);
    let mut bearer = Http::new(HttpAuthScheme::Bearer);
    bearer.bearer_format = Some("wrt_ followed by 52 characters".into());
    bearer.description = Some(
        "An integration token an admin made (`warroom token create`, or the admin page): \
         `Authorization: Bearer wrt_…`. Unknown or revoked: 401; without the scope the \
         operation names: 403."
            .into(),
    );
    components.add_security_scheme(BEARER, SecurityScheme::Http(bearer));
    let mut cookie = ApiKeyValue::new(COOKIE);
    cookie.description = Some("A person's session, issued by signing in.".into());
    components.add_security_scheme(SESSION, SecurityScheme::ApiKey(ApiKey::Cookie(cookie)));
    doc
}
