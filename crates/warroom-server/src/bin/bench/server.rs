//! The server under test: the real `warroom` binary as a child process, on 127.0.0.1 port 0,
//! in a temporary data directory, with the per-connection rate limit raised out of the way.
//!
//! Owns the child (killed if still running when dropped) and the data directory (deleted when
//! the last run that uses it is dropped). Also the few HTTP calls the benchmark needs, over a
//! bare TCP socket: one request per connection, read to the end.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use warroom_core::{IncidentId, Seq, TextId};

/// Flags every run gets: no rate limit to speak of, so the figures are the server's, not the
/// limiter's.
const BASE_FLAGS: &[&str] = &["--rate-limit", "1000000", "--rate-burst", "1000000"];

/// One run of the server. Several runs in a row may share a data directory.
pub struct Server {
    child: Child,
    /// Held so that the server never writes to a closed pipe.
    _stdout: BufReader<ChildStdout>,
    pub port: u16,
    binary: PathBuf,
    /// Deleted when the last run sharing it is dropped.
    dir: Arc<TempDir>,
    /// Extra flags of this run, reused by [`Server::restart`].
    flags: Vec<String>,
    run: usize,
}

impl Server {
    /// Starts `binary` with a fresh data directory and `flags` on top of the base ones.
    pub fn start(binary: &Path, flags: &[&str]) -> anyhow::Result<Self> {
        let dir = Arc::new(
            tempfile::Builder::new()
                .prefix("warroom-bench-")
                .tempdir()
                .context("cannot create a temporary data directory")?,
        );
        let flags = flags.iter().map(|f| (*f).to_owned()).collect();
        Self::spawn(binary.to_owned(), dir, flags, 1)
    }

    /// Stops this run gracefully (SIGTERM) and starts another on the same data directory.
    pub fn restart(mut self) -> anyhow::Result<Self> {
        self.stop()?;
        let next = self.run + 1;
        Self::spawn(
            self.binary.clone(),
            Arc::clone(&self.dir),
            self.flags.clone(),
            next,
        )
    }

    fn spawn(
        binary: PathBuf,
        dir: Arc<TempDir>,
        flags: Vec<String>,
        run: usize,
    ) -> anyhow::Result<Self> {
        let log = std::fs::File::create(log_path(dir.path(), run))?;
        let mut child = Command::new(&binary)
            .arg("serve")
            .args(["--addr", "127.0.0.1:0"])
            .arg("--data-dir")
            .arg(dir.path().join("data"))
            .arg("--static-dir")
            .arg(dir.path().join("no-app"))
            .args(BASE_FLAGS)
            .args(&flags)
            .env("WARROOM_LOG", "warn")
            .env_remove("WARROOM_ADDR")
            .env_remove("WARROOM_ALLOWED_ORIGINS")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
        let mut line = String::new();
        // The server prints this line once it listens; a server that dies first closes stdout.
        stdout.read_line(&mut line)?;
        let port = line
            .trim()
            .strip_prefix("Warroom is up: http://127.0.0.1:")
            .and_then(|rest| rest.strip_suffix('/'))
            .and_then(|port| port.parse().ok());
        let Some(port) = port else {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "the server did not say it was up (first line {line:?}); its log:\n{}",
                read_log(dir.path(), run)
            );
        };
        Ok(Self {
            child,
            _stdout: stdout,
            port,
            binary,
            dir,
            flags,
            run,
        })
    }

    /// The server's resident memory (`VmRSS`), in KiB.
    pub fn rss_kib(&self) -> anyhow::Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .context("cannot read the server's /proc status")?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .context("no VmRSS line in /proc/<pid>/status")
    }

    /// Declares an incident through the API; `participant` is its commander.
    pub async fn declare(&self, participant: &str, title: &str) -> anyhow::Result<IncidentId> {
        let body = json!({
            "participant": participant,
            "name": "Bench Lead",
            "title": title,
            "severity": "SEV2",
            "drill": true,
        });
        let (status, reply) = self.request("POST", "/api/incidents", Some(&body)).await?;
        if status != 201 {
            bail!("declaring an incident answered {status}: {reply}");
        }
        let id = reply["id"]
            .as_str()
            .context("the reply names no incident")?;
        Ok(IncidentId::parse(id)?)
    }

    /// The incident's head sequence, as the store lists it.
    pub async fn head(&self, incident: &IncidentId) -> anyhow::Result<Seq> {
        let path = format!("/api/incidents/{incident}");
        let (status, reply) = self.request("GET", &path, None).await?;
        if status != 200 {
            bail!("GET {path} answered {status}: {reply}");
        }
        reply["head"].as_u64().context("the summary has no head")
    }

    /// Asks the server to stop (SIGTERM) and waits for it to exit.
    pub fn stop(&mut self) -> anyhow::Result<()> {
        let pid = libc::pid_t::try_from(self.child.id())?;
        // SAFETY: `kill` has no memory-safety preconditions, and the pid is our own child,
        // not yet reaped, so it cannot name another process.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.child.try_wait()?.is_none() {
            if Instant::now() > deadline {
                bail!("the server did not stop within 30 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }

    /// The last lines this run wrote to stderr, for a failure report.
    pub fn log_tail(&self) -> String {
        let log = read_log(self.dir.path(), self.run);
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    async fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> anyhow::Result<(u16, Value)> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).await?;
        let body = body.map(Value::to_string).unwrap_or_default();
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            self.port,
            body.len()
        );
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(body.as_bytes()).await?;
        let mut response = Vec::new();
        tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut response))
            .await
            .context("no HTTP response in 30 s")??;
        let text = String::from_utf8_lossy(&response);
        let (head, body) = text
            .split_once("\r\n\r\n")
            .context("not an HTTP response")?;
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .context("no HTTP status")?;
        // The API's answers are small JSON bodies, never chunked.
        let json = serde_json::from_str(body).unwrap_or(Value::String(body.to_owned()));
        Ok((status, json))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn log_path(dir: &Path, run: usize) -> PathBuf {
    dir.join(format!("server-{run}.log"))
}

fn read_log(dir: &Path, run: usize) -> String {
    std::fs::read_to_string(log_path(dir, run)).unwrap_or_else(|e| format!("(no log: {e})"))
}
