//! `warroom backup FILE` while the server runs and writes: the copy, taken by a separate
//! process in the middle of a burst of notes from several clients, opens with the real binary
//! and holds every event acknowledged before the backup began — a prefix of the live log,
//! nothing torn. FILE is never overwritten without `--force`, and the exit codes say why.
//!
//! SQLite only, on either run of the suite: `warroom backup` copies the SQLite file (a
//! PostgreSQL deployment backs up with the database's own tools, `pg_dump` or base backups).

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::mpsc;
use warroom_core::export::Export;
use warroom_core::{IncidentId, Seq};

use crate::support::{Client, Server, posted, warroom};

/// Writers posting at once, and the most notes each posts (the burst is bounded even if the
/// backup never returned).
const WRITERS: usize = 4;
const MOST_NOTES: usize = 1_500;

/// The JSON export of `incident` from the database in `dir` (as `warroom.sqlite3`), read by the
/// real binary.
async fn export_from(dir: &Path, incident: &IncidentId) -> Export {
    let run = warroom(&[
        "export".as_ref(),
        incident.as_str().as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
        "--data-dir".as_ref(),
        dir.as_os_str(),
    ])
    .await;
    let export: Export = serde_json::from_str(run.ok()).expect("a JSON export");
    assert_eq!(export.verify(), Ok(()), "the export's log is whole");
    export
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_during_a_write_burst_holds_every_event_acknowledged_before_it_began() {
    let server = Server::start_sqlite_with(&["--rate-limit", "1000", "--rate-burst", "1000"]).await;
    let incident = server
        .declare("p-alice", "Alice", "Disk filling on db-3")
        .await;
    let stop = Arc::new(AtomicBool::new(false));
    let (acked, mut acks) = mpsc::unbounded_channel::<(Seq, String)>();
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let mut client = Client::join(&server, &incident, &format!("p-writer-{w}")).await;
        let (stop, acked) = (Arc::clone(&stop), acked.clone());
        writers.push(tokio::spawn(async move {
            for n in 0..MOST_NOTES {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let text = format!("writer {w} note {n}");
                let seq = client.post(&format!("c-{w}-{n}"), &text).await;
                let _ = acked.send((seq, text));
            }
        }));
    }
    drop(acked);

    // The burst is on: what has been acknowledged by now was committed before the backup.
    let mut before = Vec::new();
    while before.len() < 100 {
        before.push(acks.recv().await.expect("the writers are writing"));
    }
    while let Ok(ack) = acks.try_recv() {
        before.push(ack);
    }
    let out = tempfile::tempdir().expect("a directory for the copy");
    let file = out.path().join("warroom.sqlite3");
    let backup = {
        let (file, data) = (file.clone(), server.data_dir());
        tokio::spawn(async move {
            warroom(&[
                "backup".as_ref(),
                file.as_os_str(),
                "--data-dir".as_ref(),
                data.as_os_str(),
            ])
            .await
        })
    };
    let run = backup.await.expect("the backup ran");
    stop.store(true, Ordering::Relaxed);
    let mut during = 0;
    while acks.recv().await.is_some() {
        during += 1;
    }
    for writer in writers {
        writer.await.expect("a writer ran to the end");
    }
    let printed = run.ok().to_owned();
    println!(
        "{printed}{} notes acknowledged before the backup, {during} during or after it",
        before.len()
    );

    let copy = export_from(out.path(), &incident).await;
    let events: u64 = printed
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("the backup says what it copied: {printed:?}"));
    assert_eq!(
        events,
        copy.events.len() as u64,
        "as many events as it said"
    );
    let in_copy = posted(&copy.events);
    for (seq, text) in &before {
        assert!(
            in_copy.contains(&(*seq, text.clone())),
            "{text} (seq {seq}), acknowledged before the backup, is not in it"
        );
    }
    // Consistent: the copy is the live log as of one commit, a prefix of it.
    let response = server
        .get(&format!("/api/incidents/{incident}/export.json"))
        .await;
    assert_eq!(response.status, 200);
    let live: Export = serde_json::from_slice(&response.body).expect("the live export");
    assert!(copy.events.len() <= live.events.len());
    assert_eq!(copy.events[..], live.events[..copy.events.len()]);
}

#[tokio::test]
async fn a_backup_never_overwrites_without_force_and_says_why_by_its_exit_code() {
    let server = Server::start_sqlite().await;
    let incident = server.declare("p-alice", "Alice", "Cache stampede").await;
    let mut alice = Client::join(&server, &incident, "p-alice").await;
    alice.post("c-1", "first").await;
    let data = server.data_dir();
    let out = tempfile::tempdir().expect("a directory for the copy");
    let file = out.path().join("copy.sqlite3");
    let backup = |force: bool, data: &Path| {
        let mut args = vec![
            "backup".into(),
            file.clone().into_os_string(),
            "--data-dir".into(),
            data.as_os_str().to_owned(),
        ];
        if force {
            args.push("--force".into());
        }
        async move { warroom(&args).await }
    };
    let first = backup(false, &data).await;
    assert!(first.ok().starts_with("copied "), "{first:?}");
    let size = std::fs::metadata(&file).unwrap().len();
    assert!(first.stdout.contains(&format!("{size} bytes")), "{first:?}");

    alice.post("c-2", "second").await;
    let again = backup(false, &data).await;
    assert_eq!(again.code, Some(73), "FILE exists: {again:?}");
    assert!(again.stderr.contains("--force"), "{again:?}");
    let forced = backup(true, &data).await;
    assert!(forced.ok().starts_with("copied "), "{forced:?}");
    // Nothing to copy: 66.
    let nothing = backup(false, &out.path().join("no-such-dir")).await;
    assert_eq!(nothing.code, Some(66), "{nothing:?}");
    // The live database itself is never the target, even with --force.
    let live = data.join("warroom.sqlite3");
    let onto_itself = warroom(&[
        "backup".as_ref(),
        live.as_os_str(),
        "--force".as_ref(),
        "--data-dir".as_ref(),
        data.as_os_str(),
    ])
    .await;
    assert_eq!(onto_itself.code, Some(73), "{onto_itself:?}");

    let help = warroom(&["backup", "--help"]).await;
    assert!(help.ok().contains("Exit status"), "{help:?}");
    assert!(help.stdout.contains("--force"));
    // No temporary file is left beside the copy.
    let left: Vec<_> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, vec![std::ffi::OsString::from("copy.sqlite3")]);
}
