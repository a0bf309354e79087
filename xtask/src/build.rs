//! The release build of the browser app: Trunk (offline, pinned tools) into `dist/`, then a
//! brotli and a gzip copy of each text asset for the server to send precompressed (whichever
//! the browser accepts), and the sizes of the first load — `index.html` and what it fetches —
//! raw, gzip and brotli.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};
use flate2::Compression;
use flate2::write::GzEncoder;

use crate::{root, sh};

/// The app's pages, one wasm module each (the app's `route::Entry`): Trunk builds each HTML
/// page with its own `data-bin`. The first is the first load; the others are loaded on demand,
/// by navigating to them, and the server serves each at its routes.
pub const ENTRIES: [(&str, &str); 3] = [
    ("index.html", "the lobby and the board"),
    ("review.html", "an incident's review"),
    ("manage.html", "scenario library, admin"),
];

pub fn app() -> Result<()> {
    // npm's binaryen first on PATH: Trunk must find wasm-opt 132, never another one.
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs = vec![root().join("node_modules/.bin")];
    dirs.extend(std::env::split_paths(&path));
    let path = std::env::join_paths(dirs)?;
    let dist = root().join("dist");
    // Trunk replaces its dist directory: the first entry is built into dist/, each other one
    // into a directory of its own, whose files are then copied beside it (the stylesheets and
    // the icon are the same files under the same hashed names).
    for (i, (html, _)) in ENTRIES.iter().enumerate() {
        let out = if i == 0 {
            dist.clone()
        } else {
            root().join("target/trunk-entries").join(html)
        };
        sh(Command::new("trunk")
            .args([
                "build",
                html,
                "--release",
                "--locked",
                "--html-output",
                html,
            ])
            .arg("--dist")
            .arg(&out)
            .env("PATH", &path))?;
        if i > 0 {
            for entry in std::fs::read_dir(&out)? {
                let from = entry?.path();
                if from.is_file() {
                    std::fs::copy(&from, dist.join(from.file_name().expect("a file name")))?;
                }
            }
        }
    }
    compress_assets(&dist)?;
    print_first_load(&first_load(&dist)?);
    print_on_demand(&dist)?;
    Ok(())
}

/// The issue's target for the first load's wasm + js, brotli, in bytes (KB = 1,000 bytes).
pub const FIRST_LOAD_TARGET: usize = 150_000;

/// What is sent precompressed.
const COMPRESSIBLE: [&str; 5] = ["wasm", "js", "css", "html", "svg"];

/// Writes `.br` (quality 11, the largest window) and `.gz` (level 9) beside every
/// compressible asset in `dist`.
fn compress_assets(dist: &Path) -> Result<()> {
    for entry in std::fs::read_dir(dist).context("reading dist/")? {
        let path = entry?.path();
        if !path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|ext| COMPRESSIBLE.contains(&ext))
        {
            continue;
        }
        let raw = std::fs::read(&path)?;
        std::fs::write(beside(&path, "gz"), gzip(&raw)?)?;
        std::fs::write(beside(&path, "br"), brotli(&raw)?)?;
    }
    Ok(())
}

fn beside(path: &Path, ext: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(ext);
    PathBuf::from(name)
}

fn gzip(raw: &[u8]) -> Result<Vec<u8>> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::best());
    gz.write_all(raw)?;
    Ok(gz.finish()?)
}

fn brotli(raw: &[u8]) -> Result<Vec<u8>> {
    let mut br = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &raw[..], &mut br, &params)?;
    Ok(br)
}

/// One file of the first load: its name and its bytes as built, gzipped and brotli'd (the
/// `.gz`/`.br` files beside it, as the server sends them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asset {
    pub name: String,
    pub raw: usize,
    pub gz: usize,
    pub br: usize,
}

impl Asset {
    fn ext(&self) -> &str {
        self.name.rsplit('.').next().unwrap_or_default()
    }
}

/// `index.html` and every wasm, js and css file it names: what a browser downloads before
/// it can show a board. (The favicon is fetched too, but not before the page.)
pub fn first_load(dist: &Path) -> Result<Vec<Asset>> {
    page_load(dist, ENTRIES[0].0)
}

/// An HTML page of `dist` and every wasm, js and css file it names.
pub fn page_load(dist: &Path, html_name: &str) -> Result<Vec<Asset>> {
    let html = std::fs::read_to_string(dist.join(html_name))
        .with_context(|| format!("reading dist/{html_name}: build the app first"))?;
    let mut names = vec![html_name.to_owned()];
    for name in referenced_files(&html) {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
        .into_iter()
        .map(|name| {
            let path = dist.join(&name);
            let size = |p: &Path| {
                std::fs::metadata(p)
                    .map(|m| m.len() as usize)
                    .with_context(|| format!("{} is missing", p.display()))
            };
            Ok(Asset {
                raw: size(&path)?,
                gz: size(&beside(&path, "gz"))?,
                br: size(&beside(&path, "br"))?,
                name,
            })
        })
        .collect()
}

/// The same-origin wasm, js and css files a page names in quoted attributes or in its
/// module script (`'/app-<hash>.js'`, `"/app-<hash>_bg.wasm"`).
fn referenced_files(html: &str) -> Vec<String> {
    html.split(['"', '\''])
        .filter_map(|token| token.strip_prefix('/').or_else(|| token.strip_prefix("./")))
        .filter(|name| {
            !name.is_empty()
                && !name.contains(['/', ' ', '<', '>', '='])
                && ["wasm", "js", "css"]
                    .iter()
                    .any(|ext| name.rsplit('.').next() == Some(ext))
        })
        .map(str::to_owned)
        .collect()
}

/// The sum of the first load's files with one of `exts`.
pub fn total(assets: &[Asset], exts: &[&str]) -> Asset {
    assets.iter().filter(|a| exts.contains(&a.ext())).fold(
        Asset {
            name: exts.join(" + "),
            raw: 0,
            gz: 0,
            br: 0,
        },
        |t, a| Asset {
            raw: t.raw + a.raw,
            gz: t.gz + a.gz,
            br: t.br + a.br,
            ..t
        },
    )
}

fn print_first_load(assets: &[Asset]) {
    println!("First load (dist/index.html and what it fetches; KB = 1,000 bytes):");
    println!("  {:<40} {:>10} {:>10} {:>10}", "", "raw", "gzip", "brotli");
    let row = |a: &Asset| {
        println!(
            "  {:<40} {:>10} {:>10} {:>10}",
            a.name,
            kb(a.raw),
            kb(a.gz),
            kb(a.br)
        )
    };
    assets.iter().for_each(row);
    row(&total(assets, &["wasm", "js", "css", "html"]));
    let code = total(assets, &["wasm", "js"]);
    row(&code);
    println!("{}", target_line(&code));
}

/// The parts loaded on demand: each other page's wasm and js (its stylesheets are the first
/// load's, already cached), and their sum.
fn print_on_demand(dist: &Path) -> Result<()> {
    println!(
        "Loaded on demand (each page's own wasm + js, fetched when a person navigates to it):"
    );
    println!("  {:<40} {:>10} {:>10} {:>10}", "", "raw", "gzip", "brotli");
    for (html, what) in &ENTRIES[1..] {
        let code = total(&page_load(dist, html)?, &["wasm", "js"]);
        println!(
            "  {:<40} {:>10} {:>10} {:>10}",
            format!("{html} ({what})"),
            kb(code.raw),
            kb(code.gz),
            kb(code.br)
        );
    }
    Ok(())
}

/// `cargo xtask sizes FILE...`: each file raw, gzipped and brotli'd as the build does, for
/// measuring a variant of the wasm without building the app (docs/bundle.md).
pub fn print_sizes(files: &[String]) -> Result<()> {
    if files.is_empty() {
        anyhow::bail!("usage: cargo xtask sizes FILE...");
    }
    println!("  {:<40} {:>10} {:>10} {:>10}", "", "raw", "gzip", "brotli");
    for file in files {
        let raw = std::fs::read(file).with_context(|| format!("reading {file}"))?;
        println!(
            "  {:<40} {:>10} {:>10} {:>10}",
            file,
            kb(raw.len()),
            kb(gzip(&raw)?.len()),
            kb(brotli(&raw)?.len())
        );
    }
    Ok(())
}

/// `first load wasm + js: 352.1 KB brotli (target ≤ 150 KB)`.
pub fn target_line(code: &Asset) -> String {
    format!(
        "first load wasm + js: {} brotli (target \u{2264} {}){}",
        kb(code.br),
        kb(FIRST_LOAD_TARGET),
        if code.br <= FIRST_LOAD_TARGET {
            ""
        } else {
            " \u{2014} over the target"
        }
    )
}

fn kb(bytes: usize) -> String {
    format!("{:.1} KB", bytes as f64 / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_load_is_what_index_html_names() {
        let html = r#"<link rel="stylesheet" href="/main-0123456789abcdef.css" integrity="sha384-x"/>
<link rel="modulepreload" href="/warroom-app-0123456789abcdef.js">
<link rel="preload" href="/warroom-app-0123456789abcdef_bg.wasm" as="fetch" type="application/wasm">
<link rel="icon" href="/favicon-0123456789abcdef.svg"/>
<script type="module">
import init, * as bindings from '/warroom-app-0123456789abcdef.js';
const wasm = await init({ module_or_path: '/warroom-app-0123456789abcdef_bg.wasm' });
</script>"#;
        assert_eq!(
            referenced_files(html),
            [
                "main-0123456789abcdef.css",
                "warroom-app-0123456789abcdef.js",
                "warroom-app-0123456789abcdef_bg.wasm",
                "warroom-app-0123456789abcdef.js",
                "warroom-app-0123456789abcdef_bg.wasm",
            ]
        );
    }

    #[test]
    fn totals_add_up_by_kind() {
        let asset = |name: &str, raw, gz, br| Asset {
            name: name.into(),
            raw,
            gz,
            br,
        };
        let assets = [
            asset("index.html", 10, 5, 4),
            asset("a.js", 100, 30, 20),
            asset("a_bg.wasm", 1000, 400, 300),
            asset("a.css", 50, 10, 8),
        ];
        let code = total(&assets, &["wasm", "js"]);
        assert_eq!((code.raw, code.gz, code.br), (1100, 430, 320));
        assert_eq!(total(&assets, &["wasm", "js", "css", "html"]).br, 332);
        assert!(target_line(&code).ends_with("(target \u{2264} 150.0 KB)"));
        assert!(target_line(&asset("x", 0, 0, 150_001)).contains("over the target"));
    }
}
