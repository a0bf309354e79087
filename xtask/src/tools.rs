//! Installing the tools the build and the tests need, idempotently: check the version that is
//! there, install only when it is missing or wrong, and say exactly what to install when we
//! cannot (not root).
//!
//! The versions are the ones that work offline on Rust 1.95 (see `TOOLCHAIN.md` in the
//! shared notes): trunk 0.21.14, wasm-bindgen-cli equal to the wasm-bindgen in Cargo.lock,
//! wasm-opt from npm's binaryen 132 (never Debian's binaryen, which breaks the app at start-up),
//! Debian's Chromium driven by npm's playwright-core, npm's oidc-provider for the sign-in
//! tests and npm's selfsigned for the certificate of the browser suite's https server, Debian's
//! PostgreSQL server binaries for the integration suite's second run; Node.js and npm's
//! socket.io for the benchmark's Socket.IO peer.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::{root, sh};

pub const TRUNK_VERSION: &str = "0.21.14";
pub const BINARYEN_VERSION: &str = "132";

/// wasm32 target, trunk, wasm-bindgen-cli and wasm-opt.
pub fn ensure_build_tools() -> Result<()> {
    let targets = output(Command::new("rustup").args(["target", "list", "--installed"]))
        .context("rustup is needed to add the wasm32 target")?;
    if !targets
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        sh(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }

    let wasm_bindgen = locked_version("wasm-bindgen")?;
    let trunk_toml = std::fs::read_to_string(root().join("Trunk.toml"))?;
    if !trunk_toml.contains(&format!("wasm_bindgen = \"{wasm_bindgen}\"")) {
        bail!(
            "Trunk.toml must pin wasm_bindgen = \"{wasm_bindgen}\", the version in Cargo.lock: \
             the lock file, the CLI and the pin have to agree"
        );
    }

    // Compiling these two from source is the slow part of a fresh setup; without LTO and with
    // more codegen units it takes a quarter less time, and they run fast enough either way.
    let fast_build = [
        ("CARGO_PROFILE_RELEASE_LTO", "false"),
        ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16"),
    ];
    if !version_is("trunk", &format!("trunk {TRUNK_VERSION}")) {
        sh(Command::new("cargo")
            .args(["install", "trunk", "--version", TRUNK_VERSION, "--locked"])
            .envs(fast_build))?;
    }
    if !version_is("wasm-bindgen", &format!("wasm-bindgen {wasm_bindgen}")) {
        // Not `--locked`: wasm-bindgen-cli's own lock file names a crate version the registry
        // does not have.
        sh(Command::new("cargo")
            .args(["install", "wasm-bindgen-cli", "--version", &wasm_bindgen])
            .envs(fast_build))?;
    }
    ensure_npm_packages()
}

/// Chromium and Prometheus Alertmanager (Debian's) and playwright-core (npm); returns the
/// browser's path.
pub fn ensure_test_tools() -> Result<PathBuf> {
    ensure_npm_packages()?;
    ensure_alertmanager()?;
    if let Some(path) = chromium() {
        return Ok(path);
    }
    if is_root() {
        sh(Command::new("apt-get").arg("update"))?;
        sh(Command::new("apt-get")
            .args(["install", "-y", "chromium"])
            .env("DEBIAN_FRONTEND", "noninteractive"))?;
        return chromium().context("chromium was installed but cannot be found on PATH");
    }
    bail!(
        "the browser tests need Chromium: install Debian's package with \
         `sudo apt-get install chromium`, or set CHROMIUM to a Chromium binary"
    )
}

/// Debian's `prometheus-alertmanager` (0.25), which `e2e/alertmanager.test.mjs` runs with a
/// route to Warroom; installed when missing and we may (root), else the test says how.
fn ensure_alertmanager() -> Result<()> {
    let installed = output(Command::new("prometheus-alertmanager").arg("--version")).is_ok();
    if installed || !is_root() {
        return Ok(());
    }
    sh(Command::new("apt-get").arg("update"))?;
    sh(Command::new("apt-get")
        .args([
            "install",
            "-y",
            "--no-install-recommends",
            "prometheus-alertmanager",
        ])
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

/// Node.js on PATH and npm's socket.io, which the benchmark's Socket.IO peer runs on.
pub fn ensure_bench_peer() -> Result<()> {
    output(Command::new("node").arg("--version")).context(
        "the benchmark's Socket.IO peer needs Node.js 18 or later on PATH: install it \
             (Debian: `sudo apt-get install nodejs npm`), or leave the peer out with \
             `cargo xtask bench -- --only throughput,latency,fanout,memory,join`",
    )?;
    ensure_npm_packages()
}

/// `npm ci` when wasm-opt is missing or at the wrong version, or a package the browser suite
/// or the benchmark imports (playwright-core, oidc-provider, selfsigned, socket.io) is missing.
fn ensure_npm_packages() -> Result<()> {
    let wasm_opt = root().join("node_modules/.bin/wasm-opt");
    let wasm_opt_ok = output(Command::new(&wasm_opt).arg("--version"))
        .is_ok_and(|v| v.contains(&format!("version {BINARYEN_VERSION}")));
    let imports_ok = [
        "playwright-core",
        "oidc-provider",
        "selfsigned",
        "socket.io",
    ]
    .iter()
    .all(|package| {
        root()
            .join("node_modules")
            .join(package)
            .join("package.json")
            .exists()
    });
    if wasm_opt_ok && imports_ok {
        return Ok(());
    }
    if output(Command::new("npm").arg("--version")).is_err() {
        bail!(
            "npm is needed for wasm-opt (binaryen {BINARYEN_VERSION}) and playwright-core: \
             install Node.js 20 or later (Debian: `sudo apt-get install nodejs npm`)"
        );
    }
    sh(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]))
}

/// The PostgreSQL server binaries the integration suite's throwaway cluster is made with:
/// their directory, installed from Debian (`postgresql`) when missing and root. `None` when
/// `WARROOM_TEST_DATABASE_URL` names a server to use instead.
pub fn ensure_postgres() -> Result<Option<PathBuf>> {
    if std::env::var("WARROOM_TEST_DATABASE_URL").is_ok_and(|url| !url.is_empty()) {
        return Ok(None);
    }
    if let Some(bin) = postgres_bin() {
        return Ok(Some(bin));
    }
    if is_root() {
        sh(Command::new("apt-get").arg("update"))?;
        sh(Command::new("apt-get")
            .args(["install", "-y", "--no-install-recommends", "postgresql"])
            .env("DEBIAN_FRONTEND", "noninteractive"))?;
        return postgres_bin()
            .map(Some)
            .context("postgresql was installed but no initdb is in /usr/lib/postgresql/*/bin");
    }
    bail!(
        "the integration tests on PostgreSQL need its server binaries: install Debian's \
         package with `sudo apt-get install postgresql` (initdb and pg_ctl, version 15 or \
         later), set WARROOM_TEST_PG_BIN to their directory, or set WARROOM_TEST_DATABASE_URL \
         to a server where the tests may create databases"
    )
}

/// Debian's HAProxy, the real load balancer the integration suite's fault run puts in front
/// of its replicas: its path, installed (`haproxy`) when missing and root.
pub fn ensure_haproxy() -> Result<PathBuf> {
    let found = || {
        std::env::var_os("WARROOM_TEST_HAPROXY")
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .into_iter()
            .chain(["/usr/sbin/haproxy".into()])
            .find(|p| p.exists())
    };
    if let Some(haproxy) = found() {
        return Ok(haproxy);
    }
    if is_root() {
        sh(Command::new("apt-get").arg("update"))?;
        sh(Command::new("apt-get")
            .args(["install", "-y", "--no-install-recommends", "haproxy"])
            .env("DEBIAN_FRONTEND", "noninteractive"))?;
        return found().context("haproxy was installed but /usr/sbin/haproxy is missing");
    }
    bail!(
        "the fault run behind a load balancer needs HAProxy: install Debian's package with \
         `sudo apt-get install haproxy`, or set WARROOM_TEST_HAPROXY to its binary"
    )
}

/// `WARROOM_TEST_PG_BIN`, or the newest `/usr/lib/postgresql/N/bin` that has `initdb`.
fn postgres_bin() -> Option<PathBuf> {
    if let Ok(bin) = std::env::var("WARROOM_TEST_PG_BIN")
        && !bin.is_empty()
    {
        return Some(PathBuf::from(bin)).filter(|b| b.join("initdb").exists());
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| {
            let e = e.ok()?;
            let version = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

fn chromium() -> Option<PathBuf> {
    if let Ok(path) = std::env::var("CHROMIUM")
        && !path.is_empty()
    {
        return Some(PathBuf::from(path));
    }
    ["chromium", "chromium-browser"]
        .into_iter()
        .find_map(|name| {
            output(Command::new("which").arg(name))
                .ok()
                .map(|p| PathBuf::from(p.trim()))
                .filter(|p| p.exists())
        })
}

fn is_root() -> bool {
    output(Command::new("id").arg("-u")).is_ok_and(|uid| uid.trim() == "0")
}

/// The version of `package` in Cargo.lock.
pub fn locked_version(package: &str) -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).context("reading Cargo.lock")?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == format!("name = \"{package}\"")
            && let Some(version) = lines
                .next()
                .and_then(|v| v.trim().strip_prefix("version = \""))
                .and_then(|v| v.strip_suffix('"'))
        {
            return Ok(version.to_owned());
        }
    }
    bail!("{package} is not in Cargo.lock")
}

fn version_is(tool: &str, expected: &str) -> bool {
    output(Command::new(tool).arg("--version")).is_ok_and(|v| v.trim() == expected)
}

fn output(cmd: &mut Command) -> Result<String> {
    let out = cmd.output()?;
    if !out.status.success() {
        bail!("exit status {}", out.status);
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
