//! The app's pages and the cache headers of its files.
//!
//! The app is three wasm modules, each with its own HTML page in the static directory (the
//! app's `route::Entry`; `cargo xtask build` builds them): `index.html` for the lobby and the
//! board — the first load — `review.html` for an incident's review, and `manage.html` for the
//! scenario library and the admin's pages. Every path without a file extension is an app
//! route and gets its entry's page; the app moves between entries by loading the other page.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

use super::AppState;

/// The app's HTML pages, one per entry (the first is the first load).
pub const PAGES: [&str; 3] = ["index.html", "review.html", "manage.html"];

/// The HTML page of the app that holds `path`'s page (the app's `Route::entry`).
pub(super) fn entry_for(path: &str) -> &'static str {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    match parts.as_slice() {
        ["incidents", _, "review"] => "review.html",
        ["scenarios"] | ["admin", ..] => "manage.html",
        _ => "index.html",
    }
}

/// Unknown paths without a file extension are app routes: serve the page of the app's entry
/// that holds the route.
pub(super) async fn page(State(state): State<AppState>, request: Request) -> Response {
    let path = request.uri().path();
    let last = path.rsplit('/').next().unwrap_or_default();
    if last.contains('.') {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    let entry = entry_for(path);
    match tokio::fs::read_to_string(state.static_dir.join(entry)).await {
        Ok(html) => (
            [(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"))],
            Html(html),
        )
            .into_response(),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Html(format!(
                "<!doctype html><title>Warroom</title><h1>The Warroom app is not built</h1>\
                 <p>No <code>{entry}</code> in <code>{}</code>. Run <code>cargo xtask run</code>, \
                 or pass <code>--static-dir</code>.</p>",
                state.static_dir.display()
            )),
        )
            .into_response(),
    }
}

/// Hashed assets never change under their name: cache them for a year. Everything else is
/// revalidated, so a new release is picked up on the next load.
pub(super) async fn cache_headers(request: Request, next: Next) -> Response {
    let hashed = is_hashed_asset(request.uri().path());
    let mut response = next.run(request).await;
    if response.status().is_success() && !response.headers().contains_key(header::CACHE_CONTROL) {
        let value = if hashed {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    }
    response
}

/// Trunk names built assets `name-<hash>.ext`, the hash a 64-bit number in hex without
/// leading zeros (so 16 digits or, one time in sixteen, fewer).
fn is_hashed_asset(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or_default();
    let Some((stem, _ext)) = file.split_once('.') else {
        return false;
    };
    let stem = stem.trim_end_matches("_bg");
    stem.rsplit_once('-').is_some_and(|(_, hash)| {
        (12..=16).contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_assets_are_recognised() {
        assert!(is_hashed_asset("/warroom-app-1f2e3d4c5b6a7988_bg.wasm"));
        assert!(is_hashed_asset("/style-0123456789abcdef.css"));
        assert!(is_hashed_asset("/warroom-app-ede462e8425fa3f.js"));
        assert!(is_hashed_asset("/warroom-app-ede462e8425fa3f_bg.wasm.br"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/favicon.svg"));
        assert!(!is_hashed_asset("/warroom-app.js"));
    }

    #[test]
    fn each_route_gets_the_page_of_its_entry() {
        for (path, page) in [
            ("/", "index.html"),
            ("/incidents/checkout-1", "index.html"),
            ("/incidents/checkout-1/", "index.html"),
            ("/incidents/checkout-1/review", "review.html"),
            ("/scenarios", "manage.html"),
            ("/admin/tokens", "manage.html"),
            ("/admin/webhooks", "manage.html"),
            ("/nowhere/at/all", "index.html"),
        ] {
            assert_eq!(entry_for(path), page, "{path}");
        }
    }
}
