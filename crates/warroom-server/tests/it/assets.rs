//! The app's assets go out precompressed, in the encoding the browser prefers: `.br` and `.gz`
//! files beside each asset (as `cargo xtask build` writes them), chosen by `Accept-Encoding`
//! with its q-values, with `Vary: Accept-Encoding` so that no cache hands one browser's
//! encoding to another.

use std::io::{Read, Write};

use crate::support::Server;

/// An asset like the wasm: large enough to compress, with a hashed name.
const ASSET: &str = "warroom-app-0123456789abcdef_bg.wasm";

fn asset_bytes() -> Vec<u8> {
    (0..4000u32)
        .flat_map(|i| format!("fn item_{i}(board: &Board) -> View {{ {} }}\n", i % 17).into_bytes())
        .collect()
}

fn gzip(raw: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(raw).unwrap();
    encoder.finish().unwrap()
}

fn brotli(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 9,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &raw[..], &mut out, &params).unwrap();
    out
}

fn decode(encoding: Option<&str>, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match encoding {
        None => out.extend_from_slice(body),
        Some("gzip") => {
            flate2::read::GzDecoder::new(body)
                .read_to_end(&mut out)
                .expect("a gzip body");
        }
        Some("br") => {
            brotli::BrotliDecompress(&mut &body[..], &mut out).expect("a brotli body");
        }
        Some(other) => panic!("unexpected content-encoding {other}"),
    }
    out
}

#[tokio::test]
async fn assets_go_out_precompressed_as_the_browser_accepts() {
    let server = Server::start().await;
    // The run's --static-dir is `nothing` beside the data directory; the files are read at
    // request time, so they can be put there now.
    let dist = server.data_dir().with_file_name("nothing");
    std::fs::create_dir_all(&dist).unwrap();
    let raw = asset_bytes();
    let (gz, br) = (gzip(&raw), brotli(&raw));
    assert!(
        br.len() < gz.len() && gz.len() < raw.len(),
        "the fixture compresses"
    );
    std::fs::write(dist.join(ASSET), &raw).unwrap();
    std::fs::write(dist.join(format!("{ASSET}.gz")), &gz).unwrap();
    std::fs::write(dist.join(format!("{ASSET}.br")), &br).unwrap();
    let path = format!("/{ASSET}");
    for (accept, encoding, sent) in [
        // What Chromium sends.
        (Some("gzip, deflate, br, zstd"), Some("br"), &br),
        (Some("br"), Some("br"), &br),
        (Some("gzip"), Some("gzip"), &gz),
        // q-values are honoured: a lower or zero weight for br gives gzip.
        (Some("br;q=0.5, gzip"), Some("gzip"), &gz),
        (Some("gzip;q=0.2, br;q=0.9"), Some("br"), &br),
        (Some("br;q=0, gzip"), Some("gzip"), &gz),
        // Neither offered (or both refused): the file as built.
        (Some("gzip;q=0, br;q=0"), None, &raw),
        (Some("identity"), None, &raw),
        (Some("deflate"), None, &raw),
        (None, None, &raw),
    ] {
        let headers: Vec<(&str, &str)> =
            accept.map(|a| ("Accept-Encoding", a)).into_iter().collect();
        let response = server.raw("GET", &path, None, &headers).await;
        assert_eq!(response.status, 200, "{accept:?}");
        assert_eq!(response.header("content-encoding"), encoding, "{accept:?}");
        assert_eq!(
            &response.body, sent,
            "{accept:?}: the file of that encoding"
        );
        assert_eq!(
            response.header("content-length"),
            Some(sent.len().to_string().as_str()),
            "{accept:?}: the length of what is sent"
        );
        assert_eq!(decode(encoding, &response.body), raw, "{accept:?}");
        let vary = response.header("vary").unwrap_or_default();
        assert!(
            vary.to_ascii_lowercase().contains("accept-encoding"),
            "{accept:?}: Vary was {vary:?}"
        );
        assert_eq!(
            response.header("content-type"),
            Some("application/wasm"),
            "{accept:?}"
        );
        assert_eq!(
            response.header("cache-control"),
            Some("public, max-age=31536000, immutable")
        );
    }
}

/// Each route gets the HTML page of the app's wasm module that holds it (the app's
/// `route::Entry`): the review and the library and admin pages are not in the first load.
#[tokio::test]
async fn each_app_route_gets_the_page_of_its_entry() {
    let server = Server::start().await;
    let dist = server.data_dir().with_file_name("nothing");
    std::fs::create_dir_all(&dist).unwrap();
    for page in ["index.html", "review.html", "manage.html"] {
        std::fs::write(
            dist.join(page),
            format!("<!doctype html><title>{page}</title>"),
        )
        .unwrap();
    }
    for (path, page) in [
        ("/", "index.html"),
        ("/incidents/checkout-errors-1", "index.html"),
        ("/incidents/checkout-errors-1/review", "review.html"),
        ("/scenarios", "manage.html"),
        ("/admin/tokens", "manage.html"),
        ("/admin/webhooks", "manage.html"),
        ("/review.html", "review.html"),
    ] {
        let response = server.raw("GET", path, None, &[]).await;
        assert_eq!(response.status, 200, "{path}");
        assert_eq!(
            String::from_utf8_lossy(&response.body),
            format!("<!doctype html><title>{page}</title>"),
            "{path}"
        );
        assert_eq!(response.header("cache-control"), Some("no-cache"), "{path}");
    }
    // A build without the page says so, naming it.
    std::fs::remove_file(dist.join("manage.html")).unwrap();
    let response = server.raw("GET", "/scenarios", None, &[]).await;
    assert_eq!(response.status, 503);
    assert!(String::from_utf8_lossy(&response.body).contains("No <code>manage.html</code>"));
}
