//! The real `warroom` binary as a child process: started on port 0 in a temporary data
//! directory, on the store the suite runs against (`store.rs`: SQLite there, or a PostgreSQL
//! database of its own), over plain http or (with a certificate made for the run) https,
//! stopped gracefully (SIGTERM) or killed (SIGKILL), and started again on the same data. A
//! child still running when its [`Server`] is dropped is killed.

use std::collections::HashMap;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStdout, Command};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::client::Request;
use warroom_core::{IncidentId, ParticipantId, TextId};

use super::WAIT;
use super::store::TestStore;
use super::tls::{self, Stream, TestTls};

/// One run of the server. Several runs in a row share a data directory.
pub struct Server {
    child: Child,
    /// Held so that the server never sees a closed stdout.
    _stdout: BufReader<ChildStdout>,
    pub port: u16,
    /// The data directory, deleted when the last run that uses it is dropped.
    dir: Arc<TempDir>,
    /// Where the data is kept, shared by every run on `dir`.
    store: Arc<TestStore>,
    /// The extra flags this run was started with, reused by [`Server::start_again`].
    flags: Vec<String>,
    /// The certificate the server serves with and its clients trust, when it speaks TLS.
    tls: Option<Arc<TestTls>>,
    /// Which run this is in `dir`, naming its log file.
    run: usize,
    /// Who has signed in, by label ("p-alice"); sessions are durable, so they outlive a
    /// restart and are shared by every run on `dir`.
    people: Arc<Mutex<HashMap<String, Person>>>,
}

/// A person signed in to the server: the session cookie and the participant id it names.
#[derive(Debug, Clone)]
pub struct Person {
    /// `warroom_session=…`, ready for a `Cookie` header.
    pub cookie: String,
    pub id: ParticipantId,
}

impl Server {
    /// Starts a server with a fresh data directory and the default settings.
    pub async fn start() -> Self {
        Self::start_with(&[]).await
    }

    /// Starts a server with a fresh data directory and extra flags, e.g. `["--rate-limit", "5"]`.
    pub async fn start_with(flags: &[&str]) -> Self {
        let store = TestStore::chosen().await;
        Self::start_on(store, flags).await
    }

    /// Starts a server on SQLite whichever store the suite runs against, for what only
    /// SQLite has (its file, the frozen SQLite fixture).
    pub async fn start_sqlite() -> Self {
        Self::start_sqlite_with(&[]).await
    }

    /// [`Server::start_sqlite`] with extra flags.
    pub async fn start_sqlite_with(flags: &[&str]) -> Self {
        Self::start_on(TestStore::Sqlite, flags).await
    }

    async fn start_on(store: TestStore, flags: &[&str]) -> Self {
        let dir = Arc::new(tempfile::tempdir().expect("a temporary directory"));
        let flags = flags.iter().map(|f| (*f).to_owned()).collect();
        Self::spawn(dir, Arc::new(store), flags, None, 1, Arc::default()).await
    }

    /// Starts `n` servers — replicas — on one PostgreSQL database of their own, whichever store
    /// the suite runs against, each with a data directory of its own. Sessions are in the
    /// database, so a person signed in through one is signed in on all of them; each replica
    /// is started again (after a kill) with [`Server::start_again`].
    pub async fn start_replicas(n: usize, flags: &[&str]) -> Vec<Self> {
        let store = Arc::new(TestStore::Postgres(super::store::Database::create().await));
        let people: Arc<Mutex<HashMap<String, Person>>> = Arc::default();
        let flags: Vec<String> = flags.iter().map(|f| (*f).to_owned()).collect();
        let mut replicas = Vec::with_capacity(n);
        for _ in 0..n {
            let dir = Arc::new(tempfile::tempdir().expect("a temporary directory"));
            let server = Self::spawn(
                dir,
                Arc::clone(&store),
                flags.clone(),
                None,
                1,
                Arc::clone(&people),
            )
            .await;
            replicas.push(server);
        }
        replicas
    }

    /// One more replica on the database of `others` (or, with none, on a new one), with
    /// these flags; in a vector, like [`Server::start_replicas`]'s.
    pub async fn start_replicas_on(others: &[Self], flags: &[&str]) -> Vec<Self> {
        let Some(first) = others.first() else {
            return Self::start_replicas(1, flags).await;
        };
        let dir = Arc::new(tempfile::tempdir().expect("a temporary directory"));
        let flags = flags.iter().map(|f| (*f).to_owned()).collect();
        let store = Arc::clone(&first.store);
        let people = Arc::clone(&first.people);
        vec![Self::spawn(dir, store, flags, None, 1, people).await]
    }

    /// Starts a server that speaks https and wss (`--tls-cert`, `--tls-key`) with a
    /// certificate made for this run, and extra flags; every support client trusts that
    /// certificate, and only it.
    pub async fn start_tls(flags: &[&str]) -> Self {
        let dir = Arc::new(tempfile::tempdir().expect("a temporary directory"));
        let tls = Arc::new(TestTls::generate(dir.path()));
        let mut all: Vec<String> = vec!["--tls-cert".into(), path_flag(&tls.cert)];
        all.extend(["--tls-key".into(), path_flag(&tls.key)]);
        all.extend(flags.iter().map(|f| (*f).to_owned()));
        let store = Arc::new(TestStore::chosen().await);
        Self::spawn(dir, store, all, Some(tls), 1, Arc::default()).await
    }

    /// Starts another run on this run's data directory and flags (on a new port). Stop this
    /// run first.
    pub async fn start_again(&self) -> Self {
        Self::spawn(
            Arc::clone(&self.dir),
            Arc::clone(&self.store),
            self.flags.clone(),
            self.tls.clone(),
            self.run + 1,
            Arc::clone(&self.people),
        )
        .await
    }

    async fn spawn(
        dir: Arc<TempDir>,
        store: Arc<TestStore>,
        flags: Vec<String>,
        tls: Option<Arc<TestTls>>,
        run: usize,
        people: Arc<Mutex<HashMap<String, Person>>>,
    ) -> Self {
        let log = std::fs::File::create(log_path(dir.path(), run)).expect("a log file");
        let mut child = Command::new(env!("CARGO_BIN_EXE_warroom"))
            .arg("serve")
            // A replica behind the balancer keeps its port across restarts (`--addr` given).
            .args(
                (!flags.iter().any(|f| f == "--addr"))
                    .then_some(["--addr", "127.0.0.1:0"])
                    .into_iter()
                    .flatten(),
            )
            .args(store.flags(&dir.path().join("data")))
            .arg("--static-dir")
            .arg(dir.path().join("nothing"))
            .args(&flags)
            .env("WARROOM_LOG", "info,warroom_server=debug")
            .env_remove("WARROOM_ADDR")
            .env_remove("WARROOM_ALLOWED_ORIGINS")
            .env_remove("WARROOM_AUTH")
            .env_remove("WARROOM_DATA_DIR")
            .env_remove("WARROOM_DATABASE_URL")
            .env_remove("WARROOM_DATABASE_POOL_SIZE")
            .env_remove("WARROOM_JOIN_CODE")
            .env_remove("WARROOM_TLS_CERT")
            .env_remove("WARROOM_TLS_KEY")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .expect("the warroom binary starts");
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut line = String::new();
        let read = tokio::time::timeout(WAIT, stdout.read_line(&mut line)).await;
        // `Warroom is up: http://127.0.0.1:PORT/`, or https when it serves TLS.
        let up = format!("Warroom is up: {}://127.0.0.1:", scheme(tls.is_some()));
        let port = match read {
            Ok(Ok(n)) if n > 0 => line
                .trim()
                .strip_prefix(&up)
                .and_then(|rest| rest.strip_suffix('/'))
                .and_then(|port| port.parse().ok())
                .unwrap_or_else(|| panic!("unexpected first line from the server: {line:?}")),
            _ => panic!(
                "the server did not say it was up; its log:\n{}",
                read_log(dir.path(), run)
            ),
        };
        Self {
            child,
            _stdout: stdout,
            port,
            dir,
            store,
            flags,
            tls,
            run,
            people,
        }
    }

    /// `ws://127.0.0.1:PORT/ws`, or `wss://` when the server speaks TLS.
    pub fn ws_url(&self) -> String {
        let ws = if self.tls.is_some() { "wss" } else { "ws" };
        format!("{ws}://127.0.0.1:{}/ws", self.port)
    }

    /// The server's own origin, as a browser on its pages would send it.
    pub fn origin(&self) -> String {
        format!("{}://127.0.0.1:{}", scheme(self.tls.is_some()), self.port)
    }

    /// A new connection to the server, over TLS when it speaks it, with this receive buffer
    /// (`SO_RCVBUF`) if given.
    pub async fn open(&self, recv_buffer: Option<u32>) -> std::io::Result<Stream> {
        tls::open(self.port, self.tls.as_deref(), recv_buffer).await
    }

    /// The person `label` ("p-alice", named "Alice"), signed in through `POST /api/session` the
    /// first time they are asked for.
    pub async fn person(&self, label: &str) -> Person {
        self.person_named(label, &name_of(label)).await
    }

    /// The person `label`, signed in under `name` if this is their first time.
    pub async fn person_named(&self, label: &str, name: &str) -> Person {
        if let Some(person) = self.people.lock().unwrap().get(label) {
            return person.clone();
        }
        let body = json!({ "name": name }).to_string();
        let response = super::http::exchange(
            self,
            "POST",
            "/api/session",
            Some(&body),
            &[("Content-Type", "application/json")],
        )
        .await;
        assert_eq!(
            response.status,
            201,
            "signing in {label}: {}",
            response.text()
        );
        let cookie = response
            .header("set-cookie")
            .and_then(|c| c.split(';').next())
            .expect("signing in sets the session cookie")
            .to_owned();
        let me: Value = serde_json::from_slice(&response.body).expect("a JSON answer");
        let person = Person {
            cookie,
            id: ParticipantId::parse(me["participant"].as_str().expect("an issued id"))
                .expect("a valid participant id"),
        };
        self.people
            .lock()
            .unwrap()
            .insert(label.to_owned(), person.clone());
        person
    }

    /// The id the server issued to the person `label`.
    pub async fn id_of(&self, label: &str) -> ParticipantId {
        self.person(label).await.id
    }

    /// A WebSocket upgrade request carrying `label`'s session.
    pub async fn ws_request(&self, label: &str) -> Request {
        let person = self.person(label).await;
        let mut request = self.ws_url().into_client_request().expect("a request");
        request
            .headers_mut()
            .insert("cookie", person.cookie.parse().expect("a header value"));
        request
    }

    /// Declares an incident through the API as the person `label` (signed in as `name`), who
    /// becomes its commander.
    pub async fn declare(&self, label: &str, name: &str, title: &str) -> IncidentId {
        let body = json!({
            "title": title,
            "severity": "SEV2",
            "drill": false,
        });
        let person = self.person_named(label, name).await;
        let (status, reply) = self
            .request_as(Some(&person), "POST", "/api/incidents", Some(&body))
            .await;
        assert_eq!(status, 201, "declaring an incident: {reply}");
        let id = reply["id"].as_str().expect("the reply names the incident");
        assert_eq!(reply["url"], format!("/incidents/{id}"));
        IncidentId::parse(id).expect("a valid incident id")
    }

    /// The data directory this run serves (`--data-dir`), for the `warroom` commands that
    /// work on it directly.
    pub fn data_dir(&self) -> std::path::PathBuf {
        self.dir.path().join("data")
    }

    /// The flags that point a `warroom` command (`export`, `import`, `migrate`) at this
    /// server's data: `--data-dir DIR`, or `--database-url URL` on PostgreSQL.
    /// The database URL, when this run is on PostgreSQL.
    pub fn database_url(&self) -> Option<String> {
        match &*self.store {
            TestStore::Postgres(db) => Some(db.url.clone()),
            TestStore::Sqlite => None,
        }
    }

    pub fn store_flags(&self) -> Vec<String> {
        self.store.flags(&self.data_dir())
    }

    /// Everything the store holds, as bytes: the SQLite file and its WAL, or every row of
    /// every table as text. What someone who carried off the database would have.
    pub async fn stored_bytes(&self) -> Vec<u8> {
        match self.store.as_ref() {
            TestStore::Sqlite => {
                let db = self.data_dir().join("warroom.sqlite3");
                let mut bytes = std::fs::read(&db).expect("the database file");
                let wal = std::fs::read(self.data_dir().join("warroom.sqlite3-wal"));
                bytes.extend(wal.unwrap_or_default());
                bytes
            }
            TestStore::Postgres(db) => db.dump().await.into_bytes(),
        }
    }

    /// Whether the store exists and has its schema: the SQLite file, or a migrated database.
    pub async fn store_made(&self) -> bool {
        match self.store.as_ref() {
            TestStore::Sqlite => self.data_dir().join("warroom.sqlite3").exists(),
            TestStore::Postgres(db) => db.schema_version().await > 0,
        }
    }

    /// `GET path` as the signed-in person "p-reader": the whole response, headers and body.
    pub async fn get(&self, path: &str) -> super::http::Response {
        let reader = self.person("p-reader").await;
        let cookie = [("Cookie", reader.cookie.as_str())];
        super::http::exchange(self, "GET", path, None, &cookie).await
    }

    /// One JSON request as the signed-in person "p-reader"; the status and the JSON body.
    pub async fn request(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
        let reader = self.person("p-reader").await;
        self.request_as(Some(&reader), method, path, body).await
    }

    /// One JSON request as `person`, or with no session at all.
    pub async fn request_as(
        &self,
        person: Option<&Person>,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let cookie = person.map(|p| ("Cookie", p.cookie.as_str()));
        let headers: Vec<_> = cookie.into_iter().collect();
        super::http::request(self, method, path, body, &headers).await
    }

    /// One request with exactly these headers and body (no session unless a `Cookie` is given).
    pub async fn raw(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> super::http::Response {
        super::http::exchange(self, method, path, body, headers).await
    }

    /// Asks the server to stop as a service manager would (SIGTERM); see [`Server::exited`].
    pub fn terminate(&self) {
        self.signal(libc::SIGTERM);
    }

    /// Kills the server outright (SIGKILL), as a crash or the OOM killer would.
    pub async fn kill(&mut self) -> ExitStatus {
        self.signal(libc::SIGKILL);
        self.exited().await
    }

    fn signal(&self, signal: libc::c_int) {
        let pid = self.child.id().expect("the server is still running");
        let pid = libc::pid_t::try_from(pid).expect("a pid fits pid_t");
        // SAFETY: `kill` has no memory-safety preconditions; the pid is our own child, which
        // has not been reaped yet (`id()` returned it), so it cannot name another process.
        let sent = unsafe { libc::kill(pid, signal) };
        assert_eq!(sent, 0, "sending signal {signal} to the server");
    }

    /// Waits for the server to exit.
    pub async fn exited(&mut self) -> ExitStatus {
        match tokio::time::timeout(WAIT, self.child.wait()).await {
            Ok(status) => status.expect("waiting for the server"),
            Err(_) => panic!("the server did not exit; its log:\n{}", self.log()),
        }
    }

    /// What this run wrote to stderr so far.
    /// The logs of every run on this run's data directory so far, oldest first.
    pub fn logs(&self) -> String {
        (1..=self.run)
            .map(|run| read_log(self.dir.path(), run))
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub fn log(&self) -> String {
        read_log(self.dir.path(), self.run)
    }

    /// Waits until this run has logged `words` (the server may log what it did after the
    /// client has seen it done); the log by then.
    pub async fn logged(&self, words: &str) -> String {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let log = self.log();
            if log.contains(words) {
                return log;
            }
            if tokio::time::Instant::now() > deadline {
                panic!("the server did not log {words:?}; its log:\n{log}");
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // `kill_on_drop` ends a child still running. A failing test shows what the server said.
        if std::thread::panicking() {
            eprintln!(
                "--- server run {} log (port {}) ---\n{}",
                self.run,
                self.port,
                self.log()
            );
        }
    }
}

fn log_path(dir: &Path, run: usize) -> std::path::PathBuf {
    dir.join(format!("server-{run}.log"))
}

fn read_log(dir: &Path, run: usize) -> String {
    std::fs::read_to_string(log_path(dir, run)).unwrap_or_else(|e| format!("(no log: {e})"))
}

fn scheme(tls: bool) -> &'static str {
    if tls { "https" } else { "http" }
}

fn path_flag(path: &Path) -> String {
    path.to_str().expect("a UTF-8 temporary path").to_owned()
}

/// "p-alice" is called "Alice".
pub fn name_of(label: &str) -> String {
    let bare = label.strip_prefix("p-").unwrap_or(label);
    let mut chars = bare.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
