//! The release build of the browser app: Trunk (offline, pinned tools) into `dist/`, then a
//! gzip copy of each text asset for the server to send precompressed, and the shipped size.

use std::io::Write;
use std::process::Command;

use anyhow::{Context, Result};
use flate2::Compression;
use flate2::write::GzEncoder;

use crate::{root, sh};

pub fn app() -> Result<()> {
    // npm's binaryen first on PATH: Trunk must find wasm-opt 132, never another one.
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs = vec![root().join("node_modules/.bin")];
    dirs.extend(std::env::split_paths(&path));
    let path = std::env::join_paths(dirs)?;
    sh(Command::new("trunk")
        .args(["build", "--release", "--locked"])
        .env("PATH", path))?;
    report_sizes()
}

/// Writes `.gz` beside every compressible asset in `dist/` and prints what a browser downloads.
fn report_sizes() -> Result<()> {
    let dist = root().join("dist");
    let mut rows = Vec::new();
    for entry in std::fs::read_dir(&dist).context("reading dist/")? {
        let path = entry?.path();
        let Some(ext) = path.extension().and_then(|e| e.to_str()) else {
            continue;
        };
        if !["wasm", "js", "css", "html", "svg"].contains(&ext) {
            continue;
        }
        let raw = std::fs::read(&path)?;
        let mut gz = GzEncoder::new(Vec::new(), Compression::best());
        gz.write_all(&raw)?;
        let gz = gz.finish()?;
        let mut gz_path = path.clone().into_os_string();
        gz_path.push(".gz");
        std::fs::write(&gz_path, &gz)?;
        rows.push((ext.to_owned(), raw.len(), gz.len()));
    }
    let shipped = |exts: &[&str]| {
        rows.iter()
            .filter(|(e, _, _)| exts.contains(&e.as_str()))
            .fold((0, 0), |(r, g), (_, raw, gz)| (r + raw, g + gz))
    };
    let (wasm_raw, wasm_gz) = shipped(&["wasm"]);
    let (js_raw, js_gz) = shipped(&["js"]);
    let (all_raw, all_gz) = shipped(&["wasm", "js", "css", "html", "svg"]);
    println!("App bundle (dist/):");
    println!(
        "  wasm        {:>8} raw  {:>8} gzip",
        kib(wasm_raw),
        kib(wasm_gz)
    );
    println!(
        "  js          {:>8} raw  {:>8} gzip",
        kib(js_raw),
        kib(js_gz)
    );
    println!(
        "  wasm + js   {:>8} raw  {:>8} gzip",
        kib(wasm_raw + js_raw),
        kib(wasm_gz + js_gz)
    );
    println!(
        "  everything  {:>8} raw  {:>8} gzip",
        kib(all_raw),
        kib(all_gz)
    );
    Ok(())
}

fn kib(bytes: usize) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}
