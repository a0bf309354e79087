//! `warroom`: the server binary. It reads flags, sets up logging, binds and calls the library.
//! Serving, exports, imports and backups are the library's (`warroom_server::start`,
//! `archive`, `backup`).

use std::process::ExitCode;

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;
use warroom_core::{IncidentId, TextId};
use warroom_server::archive::{self, Format};
use warroom_server::clock::Clock;
use warroom_server::config::{DatabaseArgs, defaults};
use warroom_server::migrate::{self, MigrateArgs};
use warroom_server::store::{self, Store, StoreChoice};
use warroom_server::tokens::cli::TokenCommand;
use warroom_server::{Listener, ServeArgs};

/// jemalloc rather than the system's allocator. A cold room decodes its whole board (100,000
/// notes: some 300,000 allocations) in a fresh process, and glibc grew its thread arenas a
/// few pages at a time (an `mprotect` and page faults each), which was half of that decode;
/// with jemalloc a cold join of such an incident took 48–52 ms against 66–69 ms, idle
/// connections cost no more and throughput was a few percent higher (`cargo xtask bench`,
/// both binaries alternating).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Warroom: a shared incident war room with one commander, positive handoffs, a live
/// timeline and checklists, synced to every responder's browser.
#[derive(Debug, Parser)]
#[command(name = "warroom", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the app, the API and the WebSocket endpoint.
    Serve(Box<ServeArgs>),
    /// Print an incident's postmortem draft (Markdown) or its JSON export.
    Export(ExportArgs),
    /// Recreate an incident from a JSON export (from `warroom export --format json`), or enter
    /// a timeline file as a new incident recorded after the fact (`--timeline`).
    Import(ImportArgs),
    /// Copy the SQLite database to FILE, consistently, while the server runs and writes.
    Backup(warroom_server::backup::BackupArgs),
    /// Apply the store's pending schema migrations (the server also does at start) and say
    /// which; a database of a newer schema than this binary knows is refused.
    Migrate(MigrateArgs),
    /// Make, list and revoke integration tokens (for scripts, chat bots and monitoring).
    Token(warroom_server::tokens::cli::TokenArgs),
    /// Manage outbound webhooks: `add`, `list`, `remove`, `deliveries`.
    Webhook(warroom_server::webhooks::cli::WebhookArgs),
}

#[derive(Debug, clap::Args)]
struct ExportArgs {
    /// The incident's id (the last part of its URL).
    incident: String,
    #[arg(long, value_enum, default_value = "md")]
    format: Format,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Directory of the SQLite database, when there is no --database-url.
    #[arg(long, env = "WARROOM_DATA_DIR", default_value = defaults::DATA_DIR)]
    data_dir: PathBuf,
    #[command(flatten)]
    database: DatabaseArgs,
}

#[derive(Debug, clap::Args)]
struct ImportArgs {
    /// The JSON export to read (`-` for standard input).
    #[arg(required_unless_present = "timeline", conflicts_with = "timeline")]
    file: Option<PathBuf>,
    /// Instead of an export, a timeline file (CSV or JSON rows of time, precision, actor,
    /// kind, text; `-` for standard input), entered as a new incident recorded after the fact.
    #[arg(long, value_name = "FILE", requires = "title")]
    timeline: Option<PathBuf>,
    /// The title of the incident a timeline makes.
    #[arg(long)]
    title: Option<String>,
    /// The severity of the incident a timeline makes.
    #[arg(long, default_value = "SEV2", value_parser = parse_severity)]
    severity: warroom_core::Severity,
    /// Who imports a timeline, as the record names them: they declare the incident and hold
    /// command until someone takes it over.
    #[arg(long, default_value = "Timeline import")]
    by: String,
    /// Give the incident a fresh id instead of the one in the export.
    #[arg(long)]
    new_id: bool,
    /// Directory of the SQLite database (created if missing), when there is no
    /// --database-url.
    #[arg(long, env = "WARROOM_DATA_DIR", default_value = defaults::DATA_DIR)]
    data_dir: PathBuf,
    #[command(flatten)]
    database: DatabaseArgs,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("WARROOM_LOG")
                .or_else(|_| EnvFilter::try_from_default_env())
                .unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    if let Command::Backup(args) = &cli.command {
        return warroom_server::backup::run(args);
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(err) => {
            tracing::error!(%err, "cannot start the async runtime");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => serve(*args).await,
            Command::Export(args) => export(args).await,
            Command::Import(args) => import(args).await,
            Command::Backup(_) => unreachable!("run above, without the runtime"),
            Command::Migrate(args) => migrate::run(args).await.map(|report| print!("{report}")),
            Command::Token(args) => {
                let create = matches!(args.command, TokenCommand::Create { .. });
                let store = open_store(&args.data_dir, &args.database, create).await?;
                warroom_server::tokens::cli::run(args.command, store).await
            }
            Command::Webhook(args) => {
                let store = open_store(&args.data_dir, &args.database, true).await?;
                warroom_server::webhooks::cli::run(args.command, store.as_ref()).await
            }
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // Straight to stderr, not through the log filter: a failed command must always
            // say why, even with logging turned off.
            eprintln!("warroom: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", args.addr))?;
    let addr = listener.local_addr()?;
    // Settings that cannot work, and certificate files that cannot be used, are refused before
    // the line that says the server is up.
    args.check(addr)?;
    let listener = Listener::new(listener, &args)?;
    let scheme = listener.scheme();
    // "Up" means a SIGTERM from then on is a graceful stop: the signal handlers are installed
    // and the store is open (its directory made) before the line is printed.
    let shutdown = warroom_server::shutdown_signal()?;
    let data_dir = args.data_dir.display().to_string();
    let server = warroom_server::start(listener, args).await?;
    tracing::info!(%addr, %scheme, %data_dir, "warroom listening");
    // The one line a person (or a test) needs: where to point the browser.
    println!("Warroom is up: {scheme}://{addr}/");
    server.serve(shutdown).await
}

async fn open_store(
    data_dir: &Path,
    database: &DatabaseArgs,
    create: bool,
) -> anyhow::Result<Arc<dyn Store>> {
    let choice = database.choice(data_dir);
    if let StoreChoice::Sqlite(db) = &choice {
        if !create && !db.exists() {
            anyhow::bail!("there is no Warroom database at {}", db.display());
        }
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("cannot create {}", data_dir.display()))?;
    }
    // `export` and `import` judge nothing by the time themselves; the store still reads the
    // one clock (what has expired is pruned as it opens).
    let (store, _) = store::open(&choice, Clock::system())
        .await
        .with_context(|| format!("cannot open {}", choice.describe()))?;
    Ok(store)
}

async fn export(args: ExportArgs) -> anyhow::Result<()> {
    let id = IncidentId::parse(&args.incident)
        .map_err(|e| anyhow::anyhow!("bad incident id {:?}: {e}", args.incident))?;
    let store = open_store(&args.data_dir, &args.database, false).await?;
    let text = archive::export(store.as_ref(), &id, args.format).await?;
    match args.output {
        Some(path) => std::fs::write(&path, text)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => print!("{text}"),
    }
    Ok(())
}

fn parse_severity(raw: &str) -> Result<warroom_core::Severity, String> {
    serde_json::from_value(serde_json::Value::String(raw.to_uppercase()))
        .map_err(|_| format!("{raw:?} is not a severity (SEV1 to SEV4)"))
}

fn read_input(path: &Path) -> anyhow::Result<String> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        Ok(text)
    } else {
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
    }
}

/// `warroom import --timeline FILE`: every row checked first, then one write.
async fn import_timeline(args: ImportArgs, path: &Path) -> anyhow::Result<()> {
    let text = read_input(path)?;
    let declaration = warroom_core::import::Declaration {
        title: args.title.clone().unwrap_or_default(),
        severity: args.severity,
        name: args.by.clone(),
    };
    let importer = warroom_core::import::imported_id(&args.by);
    let now = Clock::system().event_time();
    // Check every row before touching the data directory, so a bad file leaves nothing behind.
    let rows = warroom_core::import::parse(&text)
        .map_err(|e| anyhow::anyhow!("the timeline cannot be entered: {e}"))?;
    warroom_core::import::plan(&declaration, &rows, &importer, now)
        .map_err(|e| anyhow::anyhow!("the timeline cannot be entered: {e}"))?;
    let store = open_store(&args.data_dir, &args.database, true).await?;
    let id = archive::import_timeline(store.as_ref(), &declaration, &text, &importer, now).await?;
    println!(
        "imported {} timeline rows as incident {id}: /incidents/{id}",
        rows.len()
    );
    Ok(())
}

async fn import(args: ImportArgs) -> anyhow::Result<()> {
    if let Some(path) = args.timeline.clone() {
        return import_timeline(args, &path).await;
    }
    let file = args.file.clone().unwrap_or_else(|| PathBuf::from("-"));
    let json = read_input(&file)?;
    // Check the file before touching the data directory, so a bad file leaves nothing behind.
    let export = archive::read_export(&json)?;
    let store = open_store(&args.data_dir, &args.database, true).await?;
    let id = archive::import(store.as_ref(), export, args.new_id).await?;
    println!("imported incident {id}: /incidents/{id}");
    Ok(())
}
