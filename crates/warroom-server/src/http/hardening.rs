//! The web's defences, applied to every request before any handler runs:
//! - **Host**: the server answers only to the names it is reached by — IP literals,
//!   `localhost`, and the host of `--public-url` (and of `--allowed-origin`s). Any other name
//!   is a DNS-rebinding attempt (an attacker's domain pointed at this address) and gets 421.
//! - **Cross-site requests**: a state-changing request (`POST`, `PUT`, `PATCH`, `DELETE`)
//!   from another site is refused with 403 (by `Origin`, and by `Sec-Fetch-Site` where the
//!   browser sends it), and `POST`/`PUT`/`PATCH` bodies must be `application/json` (415
//!   otherwise), which no cross-site "simple" request can send without a CORS preflight this
//!   server never grants.
//! - **Security headers** on every response: a Content-Security-Policy that allows no inline
//!   script (the one inline module Trunk writes into each of the app's pages is allowed by
//!   its hash),
//!   `frame-ancestors 'none'`, `X-Content-Type-Options`, `Referrer-Policy`.

use std::net::IpAddr;
use std::path::Path;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use sha2::{Digest, Sha256};
use warroom_core::api::ApiErrorCode;

use super::{ApiError, AppState};

/// Who the server is to browsers: the names it answers to and the origins it trusts.
#[derive(Debug, Clone)]
pub struct Site {
    /// Host names (lower case, without port) besides IP literals and `localhost`.
    hosts: Vec<String>,
    /// Origins (`scheme://host[:port]`) besides the server's own that may act on it.
    origins: Vec<String>,
    csp: HeaderValue,
    https: bool,
}

impl Site {
    /// `public_url` names the one origin the server is reached by (if not loopback);
    /// `allowed_origins` may also open sockets and make requests; `static_dir` holds the
    /// app's pages (`index.html` and the other entries'), whose inline scripts the CSP allows
    /// by hash.
    pub fn new(
        public_url: Option<&str>,
        allowed_origins: &[String],
        static_dir: &Path,
        https: bool,
    ) -> Self {
        let mut origins: Vec<String> = allowed_origins
            .iter()
            .map(|o| o.trim_end_matches('/').to_owned())
            .collect();
        if let Some(url) = public_url {
            origins.push(origin_of(url));
        }
        let hosts = origins
            .iter()
            .filter_map(|o| o.split_once("://").map(|(_, rest)| host_name(rest)))
            .collect();
        let inline: Vec<String> = super::assets::PAGES
            .iter()
            .filter_map(|page| std::fs::read_to_string(static_dir.join(page)).ok())
            .flat_map(|html| inline_script_hashes(&html))
            .collect();
        Self {
            hosts,
            origins,
            csp: content_security_policy(&inline),
            https,
        }
    }

    /// Whether a request for `host` (a `Host` header) is one for this server.
    pub fn answers_to(&self, host: &str) -> bool {
        let name = host_name(host);
        name == "localhost"
            || name
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<IpAddr>()
                .is_ok()
            || self.hosts.contains(&name)
    }
}

/// The middleware: host check, cross-site check, security headers.
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let site = &state.site;
    let refusal = check(request.method(), request.headers(), site);
    let mut response = match refusal {
        Some(refusal) => refusal.into_response(),
        None => next.run(request).await,
    };
    let h = response.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, site.csp.clone());
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    if site.https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    response
}

fn check(method: &Method, headers: &HeaderMap, site: &Site) -> Option<ApiError> {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    if !host.is_some_and(|h| site.answers_to(h)) {
        return Some(ApiError::new(
            ApiErrorCode::MisdirectedRequest,
            "this server does not answer to that host name; use its own address (--public-url)",
        ));
    }
    let changes_state = matches!(
        *method,
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    if !changes_state {
        return None;
    }
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if fetch_site.is_some_and(|s| s != "same-origin" && s != "none")
        && !origin_listed(headers, site)
    {
        return Some(ApiError::forbidden("cross-site request refused"));
    }
    if !origin_allowed(headers, site) {
        return Some(ApiError::forbidden("cross-origin request refused"));
    }
    if *method != Method::DELETE && !is_json(headers) {
        return Some(ApiError::new(
            ApiErrorCode::UnsupportedMediaType,
            "send the body as JSON, with Content-Type: application/json",
        ));
    }
    None
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"))
}

/// Same origin (the `Origin` names the `Host` the request was sent to), an allowed origin, or
/// no `Origin` at all (not a browser, so not a cross-site request forgery).
pub fn origin_allowed(headers: &HeaderMap, site: &Site) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    if origin_listed(headers, site) {
        return true;
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin_host = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    matches!((host, origin_host), (Some(h), Some(o)) if h.eq_ignore_ascii_case(o))
}

fn origin_listed(headers: &HeaderMap, site: &Site) -> bool {
    headers
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .is_some_and(|o| site.origins.iter().any(|a| a.eq_ignore_ascii_case(o)))
}

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> String {
    let url = url.trim_end_matches('/');
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let authority = rest.split('/').next().unwrap_or(rest);
            format!(
                "{}://{}",
                scheme.to_ascii_lowercase(),
                authority.to_ascii_lowercase()
            )
        }
        None => url.to_ascii_lowercase(),
    }
}

/// The host name of a `host[:port]`, lower case, without the port (IPv6 keeps its brackets).
fn host_name(authority: &str) -> String {
    let authority = authority.split('/').next().unwrap_or(authority);
    let name = if authority.starts_with('[') {
        authority.split_inclusive(']').next().unwrap_or(authority)
    } else {
        authority.rsplit_once(':').map_or(authority, |(h, _)| h)
    };
    name.to_ascii_lowercase()
}

/// `'sha256-…'` sources for every inline `<script>` in `html` (Trunk writes one: the module
/// that loads the wasm).
fn inline_script_hashes(html: &str) -> Vec<String> {
    let mut hashes = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(open_end) = after.find('>') else {
            break;
        };
        let tag = &after[..open_end];
        let body = &after[open_end + 1..];
        let Some(close) = body.find("</script>") else {
            break;
        };
        if !tag.contains(" src=") {
            let digest = Sha256::digest(&body.as_bytes()[..close]);
            hashes.push(format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            ));
        }
        rest = &body[close..];
    }
    hashes
}

fn content_security_policy(inline_scripts: &[String]) -> HeaderValue {
    let mut script = String::from("'self' 'wasm-unsafe-eval'");
    for hash in inline_scripts {
        script.push(' ');
        script.push_str(hash);
    }
    HeaderValue::from_str(&format!(
        "default-src 'self'; script-src {script}; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'"
    ))
    .expect("a policy of ASCII is a valid header")
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;

    use super::*;

    fn site(public: Option<&str>) -> Site {
        Site::new(public, &[], Path::new("/nonexistent"), false)
    }

    #[test]
    fn hosts_are_ip_literals_localhost_or_the_public_name() {
        let s = site(Some("https://war.example.com/"));
        for ok in [
            "127.0.0.1:8080",
            "localhost:8080",
            "[::1]:8080",
            "10.1.2.3",
            "war.example.com",
            "WAR.example.com:443",
        ] {
            assert!(s.answers_to(ok), "{ok}");
        }
        for refused in ["evil.example:8080", "war.example.com.evil.example", ""] {
            assert!(!s.answers_to(refused), "{refused}");
        }
    }

    #[test]
    fn state_changes_need_json_and_the_same_origin() {
        let s = site(None);
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(check(&Method::GET, &h, &s).is_none());
        let status = |h: &HeaderMap, m: Method| check(&m, h, &s).map(|e| e.status());
        assert_eq!(
            status(&h, Method::POST),
            Some(StatusCode::UNSUPPORTED_MEDIA_TYPE)
        );
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        assert_eq!(
            status(&h, Method::POST),
            Some(StatusCode::UNSUPPORTED_MEDIA_TYPE)
        );
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        assert_eq!(status(&h, Method::POST), None);
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://evil.example"),
        );
        assert_eq!(status(&h, Method::POST), Some(StatusCode::FORBIDDEN));
        assert_eq!(status(&h, Method::DELETE), Some(StatusCode::FORBIDDEN));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8080"),
        );
        h.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert_eq!(status(&h, Method::POST), Some(StatusCode::FORBIDDEN));
        h.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        assert_eq!(status(&h, Method::POST), None);
        h.insert(header::HOST, HeaderValue::from_static("evil.example:8080"));
        assert_eq!(
            status(&h, Method::GET),
            Some(StatusCode::MISDIRECTED_REQUEST)
        );
    }

    #[test]
    fn inline_scripts_are_allowed_by_hash_only() {
        let html = r#"<script src="/a.js"></script><script type="module">init()</script>"#;
        let hashes = inline_script_hashes(html);
        assert_eq!(hashes.len(), 1);
        let expected = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(b"init()"));
        assert_eq!(hashes[0], format!("'sha256-{expected}'"));
        let csp = content_security_policy(&hashes);
        assert!(!csp.to_str().unwrap().contains("unsafe-inline"));
    }

    /// Each of the app's pages has its own inline module (it loads that page's wasm): all of
    /// them are allowed, and nothing else.
    #[test]
    fn every_page_of_the_app_has_its_inline_script_allowed() {
        let dir = std::env::temp_dir().join(format!("warroom-csp-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for page in super::super::assets::PAGES {
            std::fs::write(
                dir.join(page),
                format!("<script type=\"module\">{page}</script>"),
            )
            .unwrap();
        }
        std::fs::write(dir.join("other.html"), "<script>other</script>").unwrap();
        let csp = Site::new(None, &[], &dir, false).csp;
        let csp = csp.to_str().unwrap();
        for page in super::super::assets::PAGES {
            let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(page));
            assert!(csp.contains(&format!("'sha256-{hash}'")), "{page}: {csp}");
        }
        let other = base64::engine::general_purpose::STANDARD.encode(Sha256::digest("other"));
        assert!(!csp.contains(&other), "{csp}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn origins_are_checked_against_host_and_allow_list() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(origin_allowed(&h, &site(None)));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8080"),
        );
        assert!(origin_allowed(&h, &site(None)));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://evil.example"),
        );
        assert!(!origin_allowed(&h, &site(None)));
        let listed = Site::new(
            None,
            &["http://evil.example".into()],
            Path::new("/x"),
            false,
        );
        assert!(origin_allowed(&h, &listed));
    }
}
