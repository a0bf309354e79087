//! `/api/openapi.json`: the served document reads strictly as OpenAPI 3.1 (`oas3`), every
//! `$ref` in it resolves, both security schemes are there, and it lists exactly the server's
//! `/api` routes — the route table the router is built from, each of which the real server
//! answers (not with the API's "no such endpoint").

use std::collections::BTreeSet;

use serde_json::Value;
use warroom_server::http::routes::api_routes;

use crate::support::Server;

/// Every `$ref` in `value`.
fn refs<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("$ref", Value::String(r)) => found.push(r),
                    _ => refs(v, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, found)),
        _ => {}
    }
}

#[tokio::test]
async fn the_document_validates_and_lists_every_api_route() {
    let server = Server::start().await;
    let response = server.raw("GET", "/api/openapi.json", None, &[]).await;
    assert_eq!(response.status, 200, "served without a session");
    assert_eq!(response.header("content-type"), Some("application/json"));
    let text = response.text();
    let spec = oas3::from_json(text).unwrap_or_else(|e| panic!("not OpenAPI 3.1: {e}\n{text}"));
    let version = spec.validate_version().expect("a valid OpenAPI version");
    assert_eq!((version.major, version.minor), (3, 1));

    let json: Value = serde_json::from_str(text).unwrap();
    let mut found = Vec::new();
    refs(&json, &mut found);
    assert!(
        found.len() > 20,
        "the bodies are described by reference: {found:?}"
    );
    for r in found {
        let pointer = r
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("an outside $ref: {r}"));
        assert!(json.pointer(pointer).is_some(), "{r} does not resolve");
    }
    let schemes = &json["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    assert_eq!(schemes["session"]["in"], "cookie");
    assert_eq!(schemes["session"]["name"], "warroom_session");

    // The document's operations are exactly the route table's…
    let documented: BTreeSet<(String, String)> = spec
        .operations()
        .map(|(path, method, _)| (method.as_str().to_owned(), path))
        .collect();
    let table: BTreeSet<(String, String)> = api_routes()
        .iter()
        .map(|r| (r.method_name().to_owned(), r.path.clone()))
        .collect();
    assert_eq!(documented, table);
    assert_eq!(
        table.len(),
        api_routes().len(),
        "one row per method and path"
    );
    for (_, path, op) in spec.operations() {
        assert!(
            op.summary.is_some() || op.description.is_some(),
            "{path} says what it does"
        );
        assert!(
            !op.responses.as_ref().is_none_or(|r| r.is_empty()),
            "{path} has answers"
        );
    }
    // …and the server serves every one of them: none answers as an unknown endpoint.
    for (method, path) in &table {
        let path = path.replace("{id}", "abc");
        let r = server
            .raw(
                method,
                &path,
                Some("{}"),
                &[("Content-Type", "application/json")],
            )
            .await;
        let body: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
        assert!(
            r.status != 405 && body["error"] != "no such endpoint",
            "{method} {path} is documented but not served: {} {body}",
            r.status
        );
    }
    let unknown = server.raw("GET", "/api/nothing-here", None, &[]).await;
    assert_eq!(unknown.status, 404, "the check above can tell");
}
