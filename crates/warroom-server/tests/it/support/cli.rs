//! The `warroom` binary run as a command (`export`, `import`, `--help`…) rather than as a
//! server: its exit code, what it printed, and what it logged.

use std::ffi::OsStr;
use std::process::Stdio;

use tokio::io::AsyncWriteExt;
use tokio::process::Command;

use super::WAIT;

/// How one run of the command went.
#[derive(Debug)]
pub struct Run {
    /// The exit code (`None` if a signal ended it).
    pub code: Option<i32>,
    pub stdout: String,
    /// The log, where errors are told.
    pub stderr: String,
}

impl Run {
    /// Panics unless the command succeeded; what it printed.
    #[track_caller]
    pub fn ok(&self) -> &str {
        assert_eq!(self.code, Some(0), "the command failed: {self:#?}");
        &self.stdout
    }

    /// Panics unless the command failed with exit code 1 and said `words`.
    #[track_caller]
    pub fn failed_saying(&self, words: &str) {
        assert_eq!(self.code, Some(1), "the command did not fail: {self:#?}");
        assert!(
            self.stderr.contains(words),
            "the failure does not say {words:?}: {self:#?}"
        );
    }
}

/// Runs `warroom` with `args`, with nothing on standard input.
pub async fn warroom<S: AsRef<OsStr>>(args: &[S]) -> Run {
    warroom_with_input(args, None).await
}

/// Runs `warroom` with `args`, feeding it `input` on standard input.
pub async fn warroom_with_input<S: AsRef<OsStr>>(args: &[S], input: Option<&str>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(args)
        // Plain text in the log, and no data directory or certificate but those a test names.
        .env("NO_COLOR", "1")
        .env("WARROOM_LOG", "info")
        .env_remove("WARROOM_DATA_DIR")
        .env_remove("WARROOM_DATABASE_URL")
        .env_remove("WARROOM_TLS_CERT")
        .env_remove("WARROOM_TLS_KEY")
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the warroom binary starts");
    if let Some(input) = input {
        let mut stdin = child.stdin.take().expect("piped stdin");
        stdin
            .write_all(input.as_bytes())
            .await
            .expect("writing standard input");
        // Dropped here: the command reads to the end.
    }
    let output = tokio::time::timeout(WAIT, child.wait_with_output())
        .await
        .expect("the command finishes in time")
        .expect("the command runs");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).expect("UTF-8 output"),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}
