//! The domain crate does no I/O: nothing in its normal dependency tree, for any target, may be
//! a runtime, a database driver, a network or web stack, a browser binding, an operating-system
//! binding or a source of randomness. The browser app and the server both compile this crate,
//! so an I/O crate here would leak into both — and into the rules, which must stay pure for a
//! replay to equal the live board.

use std::process::Command;

/// Crates that do I/O (or exist to), each also standing for its family: `tokio` covers
/// `tokio-util` and `tokio-tungstenite`, `rand` covers `rand_core`, `gloo` covers `gloo-timers`.
const IO_CRATES: &[&str] = &[
    // Async runtimes and their reactors.
    "tokio",
    "async-std",
    "async-io",
    "smol",
    "futures-io",
    "mio",
    "socket2",
    "polling",
    // Databases.
    "rusqlite",
    "libsqlite3-sys",
    "sqlx",
    "diesel",
    "postgres",
    "redis",
    // Network and web stacks.
    "axum",
    "hyper",
    "h2",
    "http-body",
    "tower",
    "reqwest",
    "ureq",
    "tungstenite",
    "rustls",
    "native-tls",
    "openssl",
    // Browser bindings.
    "web-sys",
    "js-sys",
    "wasm-bindgen",
    "gloo",
    "leptos",
    // The operating system, the clock's time zone, randomness.
    "libc",
    "windows-sys",
    "iana-time-zone",
    "getrandom",
    "rand",
    "fastrand",
    "uuid",
];

/// `name` is one of [`IO_CRATES`] or of its family.
fn does_io(name: &str) -> bool {
    IO_CRATES.iter().any(|io| {
        name == *io
            || name
                .strip_prefix(io)
                .is_some_and(|rest| rest.starts_with(['-', '_']))
    })
}

/// Every crate in `warroom-core`'s normal dependency tree, for every target.
fn dependencies() -> Vec<String> {
    let output = Command::new(env!("CARGO"))
        .args([
            "tree",
            "-p",
            "warroom-core",
            "-e",
            "normal",
            "--target",
            "all",
            "--prefix",
            "none",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut names: Vec<String> = String::from_utf8(output.stdout)
        .expect("cargo tree prints UTF-8")
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect();
    names.sort();
    names.dedup();
    names
}

#[test]
fn the_domain_depends_on_no_io_crate() {
    let names = dependencies();
    // The tree was really read: the crate itself and what it is known to use are there.
    for expected in ["warroom-core", "serde", "serde_json", "chrono", "thiserror"] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} missing from the tree: {names:?}"
        );
    }
    let io: Vec<&String> = names.iter().filter(|n| does_io(n)).collect();
    assert!(
        io.is_empty(),
        "warroom-core must do no I/O, but its dependencies include {io:?}"
    );
}

#[test]
fn families_are_recognised() {
    for io in [
        "tokio",
        "tokio-util",
        "wasm-bindgen-futures",
        "gloo-timers",
        "rand_core",
        "sqlx-core",
        "libsqlite3-sys",
        "windows-sys",
    ] {
        assert!(does_io(io), "{io}");
    }
    for pure in [
        "serde",
        "serde_json",
        "chrono",
        "randomize-not",
        "libm",
        "hyperloglog",
    ] {
        assert!(!does_io(pure), "{pure}");
    }
}
