//! `warroom backup FILE`: a consistent copy of the SQLite database, taken by a process of its
//! own while the server runs and writes, and what it holds.
//!
//! The copy itself is the store's (`store::sqlite::backup`: SQLite's online backup API on a
//! read-only connection, in one step). This module is the command's side: it refuses to
//! overwrite FILE unless `--force`, writes into a temporary file beside FILE and renames it
//! into place only once it is complete, synced and checked — so FILE is never a half-written
//! copy — and tells the outcome by its exit code.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::config::{DATABASE_FILE, defaults};
use crate::store::sqlite::backup::{self, Copied};

/// Exit codes, from BSD's `sysexits.h`, so a timer's unit and a shell script can tell the
/// failures apart. Bad usage is clap's own 2.
pub mod exit {
    /// There is no database in the data directory.
    pub const NO_INPUT: u8 = 66;
    /// FILE exists (and `--force` was not given), is the live database, or cannot be made.
    pub const CANNOT_CREATE: u8 = 73;
    /// Reading the database or writing the copy failed.
    pub const IO_ERROR: u8 = 74;
}

/// `warroom backup`'s arguments.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
The copy is the database as of one moment: every event committed before the backup began, \
taken while the server goes on serving and writing. It opens with `warroom serve --data-dir` \
once renamed to warroom.sqlite3 in a directory of its own.

Exit status:
  0   copied; what the copy holds is printed
  2   bad usage
  66  there is no database in --data-dir
  73  FILE exists (pass --force to replace it), is the live database, or cannot be created
  74  reading the database or writing the copy failed")]
pub struct BackupArgs {
    /// Where to write the copy (a new file; see --force).
    pub file: PathBuf,
    /// Replace FILE if it exists.
    #[arg(long)]
    pub force: bool,
    /// Directory of the SQLite database to copy.
    #[arg(long, env = "WARROOM_DATA_DIR", default_value = defaults::DATA_DIR)]
    pub data_dir: PathBuf,
}

/// Why a backup was not made, and the exit code that says so.
#[derive(Debug, thiserror::Error)]
enum Failure {
    #[error("there is no Warroom database at {0}")]
    NoDatabase(PathBuf),
    #[error("{0} exists; pass --force to replace it")]
    Exists(PathBuf),
    #[error(
        "{0} has a write-ahead log beside it, so it may be a database in use; not replacing it"
    )]
    InUse(PathBuf),
    #[error("{0} is the live database; write the copy somewhere else")]
    IsSource(PathBuf),
    #[error("cannot write {0}: {1}")]
    Create(PathBuf, std::io::Error),
    #[error("the copy failed: {0}")]
    Copy(#[from] crate::store::StoreError),
    #[error("cannot finish {0}: {1}")]
    Finish(PathBuf, std::io::Error),
}

impl Failure {
    fn exit_code(&self) -> u8 {
        match self {
            Self::NoDatabase(_) => exit::NO_INPUT,
            Self::Exists(_) | Self::InUse(_) | Self::IsSource(_) | Self::Create(..) => {
                exit::CANNOT_CREATE
            }
            Self::Copy(_) | Self::Finish(..) => exit::IO_ERROR,
        }
    }
}

/// Runs `warroom backup`: prints what was copied, or says why not on standard error.
pub fn run(args: &BackupArgs) -> ExitCode {
    let source = args.data_dir.join(DATABASE_FILE);
    match make(&source, &args.file, args.force) {
        Ok(copied) => {
            let bytes = std::fs::metadata(&args.file).map_or(0, |m| m.len());
            println!(
                "copied {} events of {} incidents (schema version {}), {bytes} bytes, from {} to {}",
                copied.events,
                copied.incidents,
                copied.schema,
                source.display(),
                args.file.display()
            );
            ExitCode::SUCCESS
        }
        Err(failure) => {
            eprintln!("warroom backup: {failure}");
            ExitCode::from(failure.exit_code())
        }
    }
}

fn make(source: &Path, file: &Path, force: bool) -> Result<Copied, Failure> {
    if !source.is_file() {
        return Err(Failure::NoDatabase(source.to_owned()));
    }
    if same_file(source, file) {
        return Err(Failure::IsSource(file.to_owned()));
    }
    if file.exists() && !force {
        return Err(Failure::Exists(file.to_owned()));
    }
    // A log beside FILE would be replayed into the copy when it is opened.
    let wal = sibling(file, "-wal");
    if force && wal.exists() {
        return Err(Failure::InUse(file.to_owned()));
    }
    let dir = match file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    };
    let temp = tempfile::Builder::new()
        .prefix(".warroom-backup-")
        .tempfile_in(&dir)
        .map_err(|e| Failure::Create(file.to_owned(), e))?;
    let copied = backup::copy(source, temp.path())?;
    let finish = |e| Failure::Finish(file.to_owned(), e);
    temp.as_file().sync_all().map_err(finish)?;
    if force {
        temp.persist(file).map_err(|e| finish(e.error))?;
    } else {
        // Made meanwhile by someone else: still not overwritten.
        temp.persist_noclobber(file).map_err(|e| {
            if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                Failure::Exists(file.to_owned())
            } else {
                finish(e.error)
            }
        })?;
    }
    // The rename is durable once the directory is synced.
    std::fs::File::open(&dir)
        .and_then(|d| d.sync_all())
        .map_err(finish)?;
    Ok(copied)
}

/// Whether `a` and `b` name the same existing file.
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// `file` with `suffix` added to its name (`x.sqlite3` → `x.sqlite3-wal`).
fn sibling(file: &Path, suffix: &str) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}
