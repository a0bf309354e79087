//! The Socket.IO peer under test: `socketio-peer.mjs` (beside this file) run by Node.js as a
//! child process on 127.0.0.1 port 0. Its standard input stays open while this lives, so the
//! peer exits with the benchmark however the benchmark ends; it is killed if still running
//! when dropped. What it wrote to stderr goes with a failure.

use std::io::{BufRead, BufReader, Read as _, Seek as _};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use anyhow::{Context as _, bail};

/// The peer's script as it lies in the source tree; `socket.io` resolves from the repository's
/// `node_modules` above it.
pub fn default_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/bin/bench/socketio-peer.mjs")
}

/// One run of the peer.
pub struct Peer {
    child: Child,
    /// Held open: the peer exits when it closes.
    _stdin: ChildStdin,
    _stdout: BufReader<ChildStdout>,
    stderr: std::fs::File,
    pub port: u16,
    /// The version of socket.io it runs.
    pub version: String,
}

impl Peer {
    /// Starts `script` with `node`, and waits until it listens.
    pub fn start(node: &Path, script: &Path) -> anyhow::Result<Self> {
        anyhow::ensure!(
            script.exists(),
            "no Socket.IO peer script at {} (pass --peer-script)",
            script.display()
        );
        let stderr = tempfile::tempfile().context("cannot create the peer's log file")?;
        let mut child = Command::new(node)
            .arg(script)
            .env("NODE_ENV", "production")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr.try_clone()?)
            .spawn()
            .map_err(|err| match err.kind() {
                std::io::ErrorKind::NotFound => anyhow::anyhow!(
                    "`{}` was not found: the Socket.IO peer needs Node.js 18 or later on PATH \
                     (or pass --node), and `npm ci` run in the repository root",
                    node.display()
                ),
                _ => anyhow::Error::new(err).context(format!("cannot start {}", node.display())),
            })?;
        let stdin = child.stdin.take().expect("stdin is piped");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
        let mut line = String::new();
        // The peer prints this once it listens; one that dies first (socket.io missing, say)
        // closes stdout.
        stdout.read_line(&mut line)?;
        let listening = line
            .trim()
            .strip_prefix("socketio-peer listening on 127.0.0.1:")
            .and_then(|rest| rest.split_once(" (socket.io "))
            .and_then(|(port, version)| Some((port.parse().ok()?, version.strip_suffix(')')?)));
        let mut peer = Self {
            child,
            _stdin: stdin,
            _stdout: stdout,
            stderr,
            port: 0,
            version: String::new(),
        };
        let Some((port, version)) = listening else {
            let _ = peer.child.kill();
            let _ = peer.child.wait();
            let log = peer.log();
            if log.contains("ERR_MODULE_NOT_FOUND") {
                bail!(
                    "the Socket.IO peer cannot find the npm package socket.io: run `npm ci` \
                     in the repository root; its log:\n{log}"
                );
            }
            bail!(
                "the Socket.IO peer did not say it was up (first line {line:?}); its log:\n{log}"
            );
        };
        peer.port = port;
        peer.version = version.to_owned();
        Ok(peer)
    }

    /// What the peer wrote to stderr so far.
    pub fn log(&self) -> String {
        let mut file = &self.stderr;
        let mut log = String::new();
        if file.rewind().is_ok() {
            let _ = file.read_to_string(&mut log);
        }
        log
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
