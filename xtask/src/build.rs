//! The release build of the browser app: Trunk (offline, pinned tools) into `dist/`, then a
//! brotli and a gzip copy of each text asset for the server to send precompressed (whichever
//! the browser accepts), and the shipped sizes.

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

/// Writes `.br` (quality 11) and `.gz` beside every compressible asset in `dist/` and prints
/// what a browser downloads.
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
        let mut br = Vec::new();
        let params = brotli::enc::BrotliEncoderParams {
            quality: 11,
            lgwin: 22,
            ..Default::default()
        };
        brotli::BrotliCompress(&mut raw.as_slice(), &mut br, &params)?;
        let mut br_path = path.clone().into_os_string();
        br_path.push(".br");
        std::fs::write(&br_path, &br)?;
        rows.push(Sizes {
            ext: ext.to_owned(),
            raw: raw.len(),
            gz: gz.len(),
            br: br.len(),
        });
    }
    let shipped = |exts: &[&str]| {
        rows.iter()
            .filter(|s| exts.contains(&s.ext.as_str()))
            .fold(Sizes::default(), |total, s| Sizes {
                ext: String::new(),
                raw: total.raw + s.raw,
                gz: total.gz + s.gz,
                br: total.br + s.br,
            })
    };
    println!("App bundle (dist/):");
    for (label, exts) in [
        ("wasm", &["wasm"][..]),
        ("js", &["js"][..]),
        ("wasm + js", &["wasm", "js"][..]),
        ("everything", &["wasm", "js", "css", "html", "svg"][..]),
    ] {
        let s = shipped(exts);
        println!(
            "  {label:<10}  {:>10} raw  {:>10} gzip  {:>10} brotli",
            kib(s.raw),
            kib(s.gz),
            kib(s.br)
        );
    }
    Ok(())
}

/// One asset's bytes as built, gzipped and brotli-compressed.
#[derive(Default)]
struct Sizes {
    ext: String,
    raw: usize,
    gz: usize,
    br: usize,
}

fn kib(bytes: usize) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}
