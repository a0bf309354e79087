//! The server under test: the real `warroom` binary as a child process, on 127.0.0.1 port 0,
//! in a temporary data directory, with the per-connection rate limit raised out of the way.
//!
//! Owns the child (killed if still running when dropped) and the data directory (deleted when
//! the last run that uses it is dropped). Also the few HTTP calls the benchmark needs, over a
//! bare TCP socket: one request per connection, read to the end — signing the benchmark's
//! people in (each its own session, as each browser would be) among them.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use warroom_core::{IncidentId, ParticipantId, Seq, TextId};

/// Flags every run gets: no rate or connection limit to speak of, so the figures are the
/// server's, not the limiters'.
const BASE_FLAGS: &[&str] = &[
    "--rate-limit",
    "1000000",
    "--rate-burst",
    "1000000",
    "--sign-ins-per-minute",
    "100000000",
    "--max-connections",
    "1000000",
    "--max-connections-per-ip",
    "1000000",
    "--max-before-hello",
    "1000000",
];

/// A signed-in benchmark participant: the session cookie and the id the server issued.
#[derive(Debug, Clone)]
pub struct Person {
    pub cookie: String,
    pub id: ParticipantId,
}

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
    /// Who has signed in, by label; sessions are durable, so they outlive a restart.
    people: Arc<Mutex<HashMap<String, Person>>>,
}

impl Server {
    /// Starts `binary` with a fresh data directory and `flags` on top of the base ones.
    pub fn start(binary: &Path, flags: &[&str]) -> anyhow::Result<Self> {
        settle_disk();
        let dir = Arc::new(
            tempfile::Builder::new()
                .prefix("warroom-bench-")
                .tempdir()
                .context("cannot create a temporary data directory")?,
        );
        let flags = flags.iter().map(|f| (*f).to_owned()).collect();
        Self::spawn(binary.to_owned(), dir, flags, 1, Arc::default())
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
            Arc::clone(&self.people),
        )
    }

    fn spawn(
        binary: PathBuf,
        dir: Arc<TempDir>,
        flags: Vec<String>,
        run: usize,
        people: Arc<Mutex<HashMap<String, Person>>>,
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
            .env_remove("WARROOM_AUTH")
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
            people,
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

    /// The CPU time the server has used so far (user and system), in milliseconds.
    pub fn cpu_ms(&self) -> anyhow::Result<u64> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))
            .context("cannot read the server's /proc stat")?;
        // Fields after the command name (which may hold spaces): state is the first, utime the
        // 12th and stime the 13th; both in clock ticks, 100 a second on Linux (USER_HZ).
        let after_name = stat
            .rsplit_once(") ")
            .context("no command name in /proc stat")?
            .1;
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        let ticks = |i: usize| -> anyhow::Result<u64> {
            fields
                .get(i)
                .and_then(|f| f.parse().ok())
                .context("a short /proc/<pid>/stat")
        };
        Ok((ticks(11)? + ticks(12)?) * 10)
    }

    /// The person signed in under `label` (signing them in the first time).
    pub async fn person(&self, label: &str) -> anyhow::Result<Person> {
        if let Some(person) = self.people.lock().expect("people poisoned").get(label) {
            return Ok(person.clone());
        }
        let body = json!({ "name": format!("Bench {label}") });
        let (status, reply, cookie) = self
            .exchange("POST", "/api/session", Some(&body), None)
            .await?;
        if status != 201 {
            bail!("signing in answered {status}: {reply}");
        }
        let person = Person {
            cookie: cookie.context("signing in set no cookie")?,
            id: ParticipantId::parse(reply["participant"].as_str().context("no participant")?)?,
        };
        self.people
            .lock()
            .expect("people poisoned")
            .insert(label.to_owned(), person.clone());
        Ok(person)
    }

    /// Declares an incident through the API; the person `label` is its commander.
    pub async fn declare(&self, label: &str, title: &str) -> anyhow::Result<IncidentId> {
        self.declare_as(label, title, true).await
    }

    /// Declares an incident, an exercise or (`drill` false) a real one, as `label`.
    pub async fn declare_as(
        &self,
        label: &str,
        title: &str,
        drill: bool,
    ) -> anyhow::Result<IncidentId> {
        let body = json!({
            "title": title,
            "severity": "SEV2",
            "drill": drill,
        });
        let person = self.person(label).await?;
        let (status, reply, _) = self
            .exchange("POST", "/api/incidents", Some(&body), Some(&person.cookie))
            .await?;
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
        let reader = self.person("p-bench-reader").await?;
        let (status, reply, _) = self
            .exchange("GET", &path, None, Some(&reader.cookie))
            .await?;
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
    /// The data directory this run serves, for the `warroom` commands that work on it.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The binary this run is.
    pub fn binary(&self) -> &Path {
        &self.binary
    }

    pub fn log_tail(&self) -> String {
        let log = read_log(self.dir.path(), self.run);
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// One request, as `cookie`'s session if given: the status, the JSON body and the
    /// session cookie the server set, if it set one.
    async fn exchange(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        cookie: Option<&str>,
    ) -> anyhow::Result<(u16, Value, Option<String>)> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).await?;
        let body = body.map(Value::to_string).unwrap_or_default();
        let cookie = cookie
            .map(|c| format!("Cookie: {c}\r\n"))
            .unwrap_or_default();
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\
             {cookie}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
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
        let set_cookie = head.lines().find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("set-cookie").then(|| {
                value
                    .trim()
                    .split(';')
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            })
        });
        // The API's answers are small JSON bodies, never chunked.
        let json = serde_json::from_str(body).unwrap_or(Value::String(body.to_owned()));
        Ok((status, json, set_cookie))
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

/// Waits for the machine's writes so far to reach the disk before a measurement starts: the
/// release build just before a run, and each measurement's data directory, leave hundreds of
/// megabytes for the kernel to write back, and a commit's `fsync` measured while that
/// writeback runs waits behind it (a fan-out run straight after the build saw a p99 of 27–31
/// ms that the same binary never showed on its own: 4–8 ms).
fn settle_disk() {
    // SAFETY: `sync` takes no arguments and only asks the kernel to write dirty data back.
    unsafe { libc::sync() };
}

fn log_path(dir: &Path, run: usize) -> PathBuf {
    dir.join(format!("server-{run}.log"))
}

fn read_log(dir: &Path, run: usize) -> String {
    std::fs::read_to_string(log_path(dir, run)).unwrap_or_else(|e| format!("(no log: {e})"))
}
