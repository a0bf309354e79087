//! Which store a test server keeps its data in. The suite runs once per store: SQLite by
//! default, PostgreSQL with `WARROOM_TEST_STORE=postgres` (what `cargo xtask test` does
//! second). For PostgreSQL each server (with the runs that follow it on the same data) gets a
//! database of its own, so tests stay independent: in a throwaway PostgreSQL 15 cluster this
//! binary starts the first time one is needed and that stops when the binary exits however it
//! exits, or, with `WARROOM_TEST_DATABASE_URL` set, on that server (databases made there are
//! dropped after their test).
//!
//! The throwaway cluster is Debian's PostgreSQL server binaries, the newest of
//! `/usr/lib/postgresql/N/bin` (15 here; `WARROOM_TEST_PG_BIN` overrides where they are): `initdb` and `pg_ctl` as the `postgres` user (they refuse
//! root) in a temporary directory, on a free port, by a small shell supervisor that holds
//! this binary's end of a pipe. When the test binary exits — passing, panicking, or killed —
//! the pipe closes, and the supervisor stops the cluster and removes its directory.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio_postgres::NoTls;

/// Where a test server's data lives.
#[derive(Debug)]
pub enum TestStore {
    /// `warroom.sqlite3` in the server's data directory.
    Sqlite,
    /// A database of its own.
    Postgres(Database),
}

impl TestStore {
    /// The store the suite runs against (`WARROOM_TEST_STORE`), made fresh.
    pub async fn chosen() -> Self {
        if postgres_chosen() {
            Self::Postgres(Database::create().await)
        } else {
            Self::Sqlite
        }
    }

    /// The flags that point a `warroom` command at this store, given the data directory.
    pub fn flags(&self, data_dir: &std::path::Path) -> Vec<String> {
        match self {
            Self::Sqlite => vec!["--data-dir".into(), data_dir.display().to_string()],
            Self::Postgres(db) => vec!["--database-url".into(), db.url.clone()],
        }
    }
}

/// A store of the suite's kind with no server on it, for the commands that work on a store
/// directly (`migrate`, `import`, `export`) and for the library's own stores: a data
/// directory of its own, or a database of its own.
pub struct ScratchStore {
    /// `--data-dir DIR` or `--database-url URL`.
    pub flags: Vec<String>,
    pub choice: warroom_server::store::StoreChoice,
    /// The database, on PostgreSQL.
    pub db: Option<Database>,
    /// Kept for as long as the store is used.
    _dir: tempfile::TempDir,
}

impl ScratchStore {
    pub async fn new() -> Self {
        use warroom_server::store::StoreChoice;
        let dir = tempfile::tempdir().expect("a temporary directory");
        if postgres_chosen() {
            let db = Database::create().await;
            Self {
                flags: vec!["--database-url".into(), db.url.clone()],
                choice: StoreChoice::Postgres {
                    url: db.url.clone(),
                    pool_size: 4,
                },
                db: Some(db),
                _dir: dir,
            }
        } else {
            let data = dir.path().join("data");
            std::fs::create_dir_all(&data).expect("the data directory");
            Self {
                flags: vec!["--data-dir".into(), data.display().to_string()],
                choice: StoreChoice::Sqlite(data.join("warroom.sqlite3")),
                db: None,
                _dir: dir,
            }
        }
    }
}

/// Whether this run of the suite is against PostgreSQL.
pub fn postgres_chosen() -> bool {
    match std::env::var("WARROOM_TEST_STORE").as_deref() {
        Ok("postgres") => true,
        Ok("sqlite") | Ok("") | Err(_) => false,
        Ok(other) => panic!("WARROOM_TEST_STORE is sqlite or postgres, not {other:?}"),
    }
}

/// One test server's PostgreSQL database.
#[derive(Debug)]
pub struct Database {
    /// `postgres://…/name`, for `--database-url`.
    pub url: String,
    name: String,
    /// Whether it is on the operator's server (dropped after the test) rather than in the
    /// throwaway cluster (which goes as a whole).
    external: bool,
}

impl Database {
    /// A new, empty database.
    pub async fn create() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(1);
        let cluster = cluster();
        let name = format!(
            "warroom_test_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let admin = connect(&cluster.admin_url).await;
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap_or_else(|e| panic!("creating the test database {name}: {e}"));
        Self {
            url: with_database(&cluster.admin_url, &name),
            name,
            external: cluster.supervisor.is_none(),
        }
    }

    /// Every row of every table, as text: what an attacker with the database would read.
    pub async fn dump(&self) -> String {
        let client = connect(&self.url).await;
        let tables = client
            .query(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
                &[],
            )
            .await
            .expect("listing the tables");
        let mut text = String::new();
        for table in tables {
            let table: &str = table.get(0);
            let rows = client
                .query(&format!("SELECT row_to_json(t)::text FROM {table} t"), &[])
                .await
                .expect("reading a table");
            for row in rows {
                text.push_str(row.get::<_, &str>(0));
                text.push('\n');
            }
        }
        text
    }

    /// Runs `sql` on the database, as an operator (or a newer server) might.
    pub async fn execute(&self, sql: &str) {
        connect(&self.url)
            .await
            .batch_execute(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// The schema version the migrations recorded (0 before any ran).
    pub async fn schema_version(&self) -> i32 {
        let client = connect(&self.url).await;
        client
            .query_one(
                "SELECT CASE WHEN to_regclass('warroom_schema') IS NULL THEN 0 \
                 ELSE (SELECT COALESCE(MAX(version), 0) FROM warroom_schema) END",
                &[],
            )
            .await
            .expect("reading the schema version")
            .get(0)
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if !self.external {
            return;
        }
        // Dropped on a thread of its own: `Drop` may run inside a test's runtime.
        let admin = cluster().admin_url.clone();
        let name = self.name.clone();
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async {
                let client = connect(&admin).await;
                client
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await
            })
        })
        .join();
        if let Ok(Err(err)) = dropped {
            eprintln!("could not drop the test database {}: {err}", self.name);
        }
    }
}

/// The PostgreSQL every test database is made on.
struct Cluster {
    /// A superuser's URL on its `postgres` database.
    admin_url: String,
    /// The supervisor of the throwaway cluster and its stdin, whose closing stops it; `None`
    /// for `WARROOM_TEST_DATABASE_URL`'s server.
    supervisor: Option<(Child, ChildStdin)>,
}

fn cluster() -> &'static Cluster {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(|| match std::env::var("WARROOM_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Cluster {
            admin_url: url,
            supervisor: None,
        },
        _ => start_cluster(),
    })
}

/// What the supervisor runs: initdb, start, say "ready", wait for end of input, stop, clean up.
/// `trap ''` keeps it alive through a Ctrl+C aimed at the tests, and through a test process
/// that is gone before "ready" could be read (a closed pipe), so it always cleans up.
const SUPERVISOR: &str = r#"
set -e
trap '' INT HUP PIPE
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$(id -u)" = 0 ]; then chown postgres "$DIR"; fi
as_pg "$BIN/initdb" -D "$DIR/data" -A trust -U postgres >"$DIR/initdb.log" 2>&1
as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w \
  -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c max_connections=300" \
  start >"$DIR/pg_ctl.log" 2>&1
echo ready || true
exec >/dev/null 2>&1
read _ || true
as_pg "$BIN/pg_ctl" -D "$DIR/data" -m immediate -w stop || true
rm -rf "$DIR"
"#;

fn start_cluster() -> Cluster {
    let bin = std::env::var("WARROOM_TEST_PG_BIN")
        .ok()
        .filter(|b| !b.is_empty())
        .map(PathBuf::from)
        .or_else(newest_bin)
        .unwrap_or_else(|| PathBuf::from("/usr/lib/postgresql/15/bin"));
    assert!(
        bin.join("initdb").exists(),
        "the PostgreSQL tests need PostgreSQL's server binaries (15 or later) in {} (Debian: \
         `apt-get install postgresql`; `cargo xtask test` installs it when run as root), \
         WARROOM_TEST_PG_BIN naming their directory, or WARROOM_TEST_DATABASE_URL naming a \
         server where databases can be made",
        bin.display()
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let dir = std::env::temp_dir().join(format!("warroom-pg-{}-{port}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("the cluster's directory");
    let mut child = Command::new("sh")
        .args(["-c", SUPERVISOR])
        .env("BIN", &bin)
        .env("DIR", &dir)
        .env("PORT", port.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the cluster's supervisor starts");
    let stdin = child.stdin.take().expect("piped stdin");
    let mut ready = String::new();
    BufReader::new(child.stdout.take().expect("piped stdout"))
        .read_line(&mut ready)
        .expect("reading the supervisor");
    if ready.trim() != "ready" {
        let log = |file: &str| std::fs::read_to_string(dir.join(file)).unwrap_or_default();
        panic!(
            "the throwaway PostgreSQL cluster did not start:\n{}\n{}\n{}",
            log("initdb.log"),
            log("pg_ctl.log"),
            log("server.log")
        );
    }
    Cluster {
        admin_url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
        supervisor: Some((child, stdin)),
    }
}

/// The newest `/usr/lib/postgresql/N/bin` with an `initdb` (Debian's layout).
fn newest_bin() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| {
            let e = e.ok()?;
            let version = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

/// `url` with its database replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let authority_end = base
        .find("://")
        .map(|i| i + 3)
        .and_then(|start| base[start..].find('/').map(|i| start + i))
        .unwrap_or(base.len());
    let mut out = format!("{}/{name}", &base[..authority_end]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, NoTls)
        .await
        .unwrap_or_else(|e| panic!("connecting to the test PostgreSQL: {e}"));
    tokio::spawn(connection);
    client
}
