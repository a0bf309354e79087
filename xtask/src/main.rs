//! Project automation, so that a newcomer needs two commands:
//!
//! - `cargo xtask run`: installs what is missing, builds the app in release mode, starts the
//!   server and prints the URL.
//! - `cargo xtask test`: everything CI checks — formatting, clippy, every Rust test (the
//!   server's integration suite twice: on SQLite, then on a throwaway PostgreSQL), a release
//!   build of the app and the browser end-to-end suite.
//!
//! Installs are idempotent: each tool's version is checked first and nothing is fetched when
//! it is already right. Nothing is downloaded from outside the package registries (crates.io,
//! npm, Debian): Trunk runs offline with pinned tool versions.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use anyhow::{Context, Result, bail};

mod build;
mod shape;
mod tools;

const USAGE: &str = "\
cargo xtask <task> [args]

tasks:
  run [-- serve flags]  install what is missing, build the app (release), start the server
  test                  fmt, clippy, all Rust tests (the server's `it` suite on SQLite, then on
                        PostgreSQL), release app build, browser end-to-end suite
  build                 release build of the app into dist/, printing its first load's size
  e2e                   the browser end-to-end suite alone (after `build`)
  setup                 install the build and test tools only
  bench [-- flags]      the server benchmark (release build), printing its figures;
                        its side-by-side Socket.IO peer needs node on PATH
  sizes FILE...         raw, gzip (level 9) and brotli (quality 11) sizes of any files
  shape                 module cycles and file lengths of every crate (also a test)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let started = Instant::now();
    let result = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("test") => test(),
        Some("build") => tools::ensure_build_tools().and_then(|()| build::app()),
        Some("e2e") => tools::ensure_test_tools().and_then(|chromium| e2e(&chromium)),
        Some("setup") => {
            tools::ensure_build_tools().and_then(|()| tools::ensure_test_tools().map(drop))
        }
        Some("bench") => bench(&args[1..]),
        Some("sizes") => build::print_sizes(&args[1..]),
        Some("shape") => shape::check(&root()).map(|report| eprint!("{report}")),
        Some("-h" | "--help" | "help") | None => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Some(other) => {
            eprintln!("unknown task `{other}`\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => {
            eprintln!("xtask: done in {:.0?}", started.elapsed());
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("xtask: FAILED after {:.0?}: {err:#}", started.elapsed());
            ExitCode::FAILURE
        }
    }
}

/// The repository root (the parent of this crate).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// Runs a command from the repository root, echoing it, and fails if it fails.
pub fn sh(cmd: &mut Command) -> Result<()> {
    cmd.current_dir(root());
    eprintln!("$ {}", describe(cmd));
    let step = Instant::now();
    let status = cmd
        .status()
        .with_context(|| format!("cannot start `{}`", describe(cmd)))?;
    if !status.success() {
        bail!("`{}` failed ({status})", describe(cmd));
    }
    eprintln!("  ({:.1?})", step.elapsed());
    Ok(())
}

fn describe(cmd: &Command) -> String {
    std::iter::once(cmd.get_program().to_string_lossy().into_owned())
        .chain(cmd.get_args().map(|a| a.to_string_lossy().into_owned()))
        .collect::<Vec<_>>()
        .join(" ")
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn run(serve_args: &[String]) -> Result<()> {
    tools::ensure_build_tools()?;
    build::app()?;
    sh(cargo().args([
        "build",
        "--release",
        "--locked",
        "-p",
        "warroom-server",
        "--bin",
        "warroom",
    ]))?;
    let flags: Vec<&String> = serve_args.iter().skip_while(|a| *a == "--").collect();
    let binary = root().join("target/release/warroom");
    eprintln!("Starting the server; open the URL it prints. Ctrl+C stops it.");
    sh(Command::new(binary)
        .arg("serve")
        .arg("--static-dir")
        .arg(root().join("dist"))
        .args(flags))
}

fn test() -> Result<()> {
    sh(cargo().args(["fmt", "--all", "--check"]))?;
    sh(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--locked",
        "--",
        "-D",
        "warnings",
    ]))?;
    // A throwaway PostgreSQL cluster the suite starts itself (or WARROOM_TEST_DATABASE_URL's
    // server, when set): the replica tests use it on either pass.
    let postgres = tools::ensure_postgres()?;
    let pg_bin: Vec<_> = postgres
        .iter()
        .map(|bin| ("WARROOM_TEST_PG_BIN", bin))
        .collect();
    sh(cargo()
        .args(["test", "--workspace", "--locked"])
        .envs(pg_bin.iter().cloned()))?;
    // The same integration tests again on the other store.
    sh(cargo()
        .args(["test", "--locked", "-p", "warroom-server", "--test", "it"])
        .env("WARROOM_TEST_STORE", "postgres")
        .envs(pg_bin.iter().cloned()))?;
    // The fault run: three replicas behind HAProxy, sockets cut and replicas killed while
    // clients post (about a minute; WARROOM_FAULT_SECS makes it longer).
    let haproxy = tools::ensure_haproxy()?;
    sh(cargo()
        .args([
            "test",
            "--locked",
            "-p",
            "warroom-server",
            "--test",
            "it",
            "fault",
        ])
        .args(["--", "--ignored", "--nocapture"])
        .env("WARROOM_TEST_HAPROXY", haproxy)
        .envs(pg_bin.iter().cloned()))?;
    tools::ensure_build_tools()?;
    build::app()?;
    let chromium = tools::ensure_test_tools()?;
    e2e(&chromium)
}

/// The browser suite: node's test runner drives Debian's Chromium through playwright-core
/// against the real server binary.
fn e2e(chromium: &Path) -> Result<()> {
    if !root().join("dist/index.html").exists() {
        bail!("the app is not built: run `cargo xtask build` first");
    }
    sh(cargo().args([
        "build",
        "--locked",
        "-p",
        "warroom-server",
        "--bin",
        "warroom",
    ]))?;
    // Screenshots from an earlier run would be mistaken for this run's.
    let _ = std::fs::remove_dir_all(root().join("e2e/artifacts"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("e2e"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".test.mjs"))
        .collect();
    files.sort();
    if files.is_empty() {
        bail!("no end-to-end tests found in e2e/");
    }
    let suite = sh(Command::new("node")
        .args(["--test", "--test-concurrency=1", "--test-reporter=spec"])
        .args(&files)
        .env("WARROOM_BIN", root().join("target/debug/warroom"))
        .env("WARROOM_DIST", root().join("dist"))
        .env("CHROMIUM", chromium));
    // The figure the suite's pages were served: what a browser downloads before a board.
    let first_load = build::first_load(&root().join("dist"))?;
    println!(
        "Browser suite, {}",
        build::target_line(&build::total(&first_load, &["wasm", "js"]))
    );
    suite
}

fn bench(flags: &[String]) -> Result<()> {
    let flags: Vec<&String> = flags.iter().skip_while(|a| *a == "--").collect();
    // The side-by-side measurement (`versus`) runs a Socket.IO peer on the Node.js on PATH.
    if runs_versus(&flags) {
        tools::ensure_bench_peer()?;
    }
    sh(cargo().args([
        "build",
        "--release",
        "--locked",
        "-p",
        "warroom-server",
        "--bins",
    ]))?;
    sh(Command::new(root().join("target/release/warroom-bench"))
        .arg("--server")
        .arg(root().join("target/release/warroom"))
        .args(flags))
}

/// Whether the benchmark's flags leave the `versus` measurement in: no `--only`, or one that
/// names it.
fn runs_versus(flags: &[&String]) -> bool {
    let mut only = None;
    for (i, flag) in flags.iter().enumerate() {
        if let Some(list) = flag.strip_prefix("--only=") {
            only = Some(list.to_owned());
        } else if *flag == "--only" {
            only = flags.get(i + 1).map(|list| (*list).clone());
        }
    }
    only.is_none_or(|list| list.split(',').any(|m| m.trim() == "versus"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_peer_is_needed_unless_only_leaves_versus_out() {
        let runs = |flags: &[&str]| {
            let flags: Vec<String> = flags.iter().map(|f| (*f).to_owned()).collect();
            super::runs_versus(&flags.iter().collect::<Vec<_>>())
        };
        assert!(runs(&[]));
        assert!(runs(&["--quick"]));
        assert!(runs(&["--only", "fanout,versus"]));
        assert!(runs(&["--only=versus"]));
        assert!(!runs(&["--only", "join"]));
        assert!(!runs(&["--quick", "--only=fanout,memory"]));
    }
}
