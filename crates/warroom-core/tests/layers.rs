//! The crate's modules form layers, and this test keeps them so: it reads `src/**/*.rs`,
//! finds every path by which one top-level module reaches another (`crate::x::…`,
//! `use crate::{x, y::z}`, and `super::` paths that climb out of a module), and checks that
//!
//! - every module is in [`LAYERS`] (a new module fails until it is added there),
//! - a module uses only modules of its own layer or of the layers below it, and
//! - no modules use each other, directly or round a loop (within a layer too).
//!
//! The crate root (`lib.rs`) only declares and re-exports, so it is not a module here. Inside
//! the crate, an item is reached by its module's path, never by the root's re-export
//! (`crate::incident::Status`, not `crate::Status`): a path through the root would hide the
//! dependency from this test, so it fails too.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every top-level module of the crate, by layer, lowest first. **A new module must be added
/// here**, to the lowest layer whose modules are enough for it.
const LAYERS: &[(&str, &[&str])] = &[
    // What an incident is: the board, its ids, time, the refusal type, the built-in data.
    (
        "model",
        &[
            "ids",
            "time",
            "incident",
            "rejection",
            "templates",
            "scenario",
            "tagged",
        ],
    ),
    // How it changes: commands, the rules, events, the fold and its replay.
    (
        "rules",
        &["command", "event", "decide", "apply", "replay", "import"],
    ),
    // What the log says: computed from the board and the log, never stored.
    (
        "read models",
        &[
            "narrate", "alerts", "for_you", "brief", "closing", "metrics", "score", "export",
        ],
    ),
    // What travels between browser and server.
    ("wire", &["protocol", "api", "alertmanager", "client"]),
];

#[test]
fn modules_use_only_their_own_layer_and_those_below_without_cycles() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = sources(&src);
    let lib = std::fs::read_to_string(src.join("lib.rs")).expect("src/lib.rs reads");
    let mut modules = declared_modules(&lib);
    modules.extend(files.iter().filter_map(|(path, _)| path.first().cloned()));
    let mut problems = check(&modules, &files);
    for (_, names) in LAYERS {
        for name in names.iter().filter(|name| !modules.contains(**name)) {
            problems.push(format!(
                "LAYERS in tests/layers.rs names `{name}`, which is not a module of the crate"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The checker itself sees a dependency that goes up a layer, a cycle, a module missing from
/// the table, a path through the crate root, and every path form it reads.
#[test]
fn the_check_catches_what_it_is_meant_to() {
    let file = |path: &[&str], text: &str| {
        (
            path.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>(),
            text.to_owned(),
        )
    };
    let modules = |names: &[&str]| names.iter().map(|s| (*s).to_owned()).collect();

    // Upward: the board reaching into a read model.
    let up = check(
        &modules(&["incident", "metrics"]),
        &[file(
            &["incident"],
            "fn f() { crate::metrics::seconds(a, b); }",
        )],
    );
    assert!(
        up.iter()
            .any(|p| p.contains("`incident` (model) uses `metrics` (read models)")),
        "{up:?}"
    );

    // A cycle within one layer, through a use tree and a `super::` that leaves its module.
    let cycle = check(
        &modules(&["ids", "time"]),
        &[
            file(&["ids"], "use crate::{time::{self, Timestamp}};"),
            file(
                &["time", "inner"],
                "fn f() -> super::super::ids::Id { todo!() }",
            ),
        ],
    );
    assert!(cycle.iter().any(|p| p.contains("cycle")), "{cycle:?}");

    // A module nobody placed in a layer.
    let missing = check(&modules(&["plugin"]), &[file(&["plugin"], "")]);
    assert!(
        missing
            .iter()
            .any(|p| p.contains("`plugin` is in no layer")),
        "{missing:?}"
    );

    // A path through the crate root's re-exports.
    let root = check(
        &modules(&["apply"]),
        &[file(&["apply"], "use crate::Status;")],
    );
    assert!(root.iter().any(|p| p.contains("crate::Status")), "{root:?}");

    // Comments, strings and inline test modules' `super::*` are not dependencies.
    let quiet = check(
        &modules(&["incident", "metrics"]),
        &[file(
            &["incident"],
            "// crate::metrics::x\n/* crate::metrics */ const S: &str = \"crate::metrics::y\";\n\
             fn f<'a>(c: char) -> bool { c == '{' }\nmod tests { use super::*; }",
        )],
    );
    assert!(quiet.is_empty(), "{quiet:?}");
}

/// Checks `files` (module path, text) against [`LAYERS`]; the problems, in words.
fn check(modules: &BTreeSet<String>, files: &[(Vec<String>, String)]) -> Vec<String> {
    let layer_of: BTreeMap<&str, (usize, &str)> = LAYERS
        .iter()
        .enumerate()
        .flat_map(|(rank, (layer, names))| names.iter().map(move |m| (*m, (rank, *layer))))
        .collect();
    let mut problems = Vec::new();
    for module in modules {
        if !layer_of.contains_key(module.as_str()) {
            problems.push(format!(
                "module `{module}` is in no layer: add it to LAYERS in tests/layers.rs, in the \
                 lowest layer whose modules it needs (model, rules, read models, wire)"
            ));
        }
    }

    let mut uses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, text) in files {
        let Some(module) = path.first() else { continue };
        for (target, written) in references(path, text) {
            if target == *module {
                continue;
            }
            if !modules.contains(&target) {
                problems.push(format!(
                    "{}: `{written}` goes through the crate root; use the module's own path \
                     so that this test sees the dependency",
                    path.join("::")
                ));
                continue;
            }
            uses.entry(module.clone()).or_default().insert(target);
        }
    }

    for (module, targets) in &uses {
        let Some(&(rank, layer)) = layer_of.get(module.as_str()) else {
            continue;
        };
        for target in targets {
            if let Some(&(target_rank, target_layer)) = layer_of.get(target.as_str())
                && target_rank > rank
            {
                problems.push(format!(
                    "`{module}` ({layer}) uses `{target}` ({target_layer}), a higher layer"
                ));
            }
        }
    }
    if let Some(cycle) = find_cycle(&uses) {
        problems.push(format!("module cycle: {}", cycle.join(" -> ")));
    }
    problems
}

/// A cycle in the graph of uses, as a path that comes back to its start.
fn find_cycle(uses: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        uses: &BTreeMap<String, BTreeSet<String>>,
        done: &mut BTreeSet<String>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_owned());
        for next in uses.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, uses, done, stack) {
                return Some(cycle);
            }
        }
        stack.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    uses.keys()
        .find_map(|node| visit(node, uses, &mut done, &mut Vec::new()))
}

/// Every `.rs` file under `src`, as (module path, text); `lib.rs` is left out.
fn sources(src: &Path) -> Vec<(Vec<String>, String)> {
    fn walk(dir: &Path, prefix: &[String], out: &mut Vec<(Vec<String>, String)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap_or_else(|err| panic!("cannot read {}: {err}", dir.display()))
            .map(|e| e.expect("a directory entry").path())
            .collect();
        entries.sort();
        for path in entries {
            let name = path
                .file_stem()
                .and_then(|n| n.to_str())
                .expect("a UTF-8 file name")
                .to_owned();
            let mut module = prefix.to_vec();
            module.push(name);
            if path.is_dir() {
                walk(&path, &module, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                if prefix.is_empty() && module[0] == "lib" {
                    continue;
                }
                let text = std::fs::read_to_string(&path).expect("a source file reads");
                out.push((module, text));
            }
        }
    }
    let mut out = Vec::new();
    walk(src, &[], &mut out);
    out
}

/// The modules `lib.rs` declares (`mod x;`, `pub mod x;`).
fn declared_modules(lib: &str) -> BTreeSet<String> {
    let code = strip(lib);
    code.lines()
        .filter_map(|line| {
            let line = line.trim();
            let rest = line.strip_prefix("pub ").unwrap_or(line);
            let name = rest.strip_prefix("mod ")?.strip_suffix(';')?;
            Some(name.trim().to_owned())
        })
        .collect()
}

/// The top-level modules that the file of module `path` reaches, each with the path as
/// written, from its `crate::`, `super::` and `self::` paths.
fn references(path: &[String], text: &str) -> Vec<(String, String)> {
    let code: Vec<char> = strip(text).chars().collect();
    let mut found = Vec::new();
    // Inline modules (`mod tests { … }`) around the current position, with the brace depth
    // inside each.
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0;
    let mut i = 0;
    while i < code.len() {
        let c = code[i];
        if c == '{' {
            depth += 1;
            i += 1;
            continue;
        }
        if c == '}' {
            if inline.last().is_some_and(|(_, d)| *d == depth) {
                inline.pop();
            }
            depth -= 1;
            i += 1;
            continue;
        }
        if !is_ident_start(c) || (i > 0 && is_ident(code[i - 1])) {
            i += 1;
            continue;
        }
        let start = i;
        let word = ident(&code, &mut i);
        if word == "mod" {
            let mut j = i;
            skip_ws(&code, &mut j);
            let name = ident(&code, &mut j);
            skip_ws(&code, &mut j);
            if !name.is_empty() && code.get(j) == Some(&'{') {
                depth += 1;
                inline.push((name, depth));
                i = j + 1;
            }
            continue;
        }
        if !matches!(word.as_str(), "crate" | "super" | "self") {
            continue;
        }
        let mut j = i;
        skip_ws(&code, &mut j);
        if !code[j..].starts_with(&[':', ':']) {
            continue;
        }
        let mut here: Vec<String> = path.to_vec();
        here.extend(inline.iter().map(|(name, _)| name.clone()));
        i = start;
        for written in tree(&code, &mut i) {
            let mut segments = written.iter();
            let mut absolute = here.clone();
            let mut rest = Vec::new();
            for segment in segments.by_ref() {
                match segment.as_str() {
                    "crate" if rest.is_empty() => absolute.clear(),
                    "super" if rest.is_empty() => {
                        absolute.pop();
                    }
                    "self" => {}
                    other => {
                        rest.push(other.to_owned());
                        break;
                    }
                }
            }
            rest.extend(segments.cloned());
            absolute.extend(rest);
            if let Some(top) = absolute.first() {
                found.push((top.clone(), written.join("::")));
            }
        }
    }
    found
}

/// A path or use tree at `i`: `a::b`, `a::{b, c::d}`, `a::*`; each path it names.
fn tree(code: &[char], i: &mut usize) -> Vec<Vec<String>> {
    skip_ws(code, i);
    match code.get(*i) {
        Some('{') => {
            *i += 1;
            let mut paths = Vec::new();
            loop {
                skip_ws(code, i);
                match code.get(*i) {
                    None => break,
                    Some('}') => {
                        *i += 1;
                        break;
                    }
                    Some(',') => *i += 1,
                    Some(_) => {
                        let before = *i;
                        paths.extend(tree(code, i));
                        if *i == before {
                            *i += 1;
                        }
                    }
                }
            }
            paths
        }
        Some('*') => {
            *i += 1;
            vec![vec!["*".to_owned()]]
        }
        _ => {
            let segment = ident(code, i);
            if segment.is_empty() {
                return vec![Vec::new()];
            }
            let mut j = *i;
            skip_ws(code, &mut j);
            if code[j..].starts_with(&[':', ':']) {
                *i = j + 2;
                tree(code, i)
                    .into_iter()
                    .map(|mut rest| {
                        rest.insert(0, segment.clone());
                        rest
                    })
                    .collect()
            } else {
                // `x as y`: the alias names nothing new.
                vec![vec![segment]]
            }
        }
    }
}

fn ident(code: &[char], i: &mut usize) -> String {
    let mut word = String::new();
    while let Some(&c) = code.get(*i) {
        if !is_ident(c) {
            break;
        }
        word.push(c);
        *i += 1;
    }
    word
}

fn skip_ws(code: &[char], i: &mut usize) {
    while code.get(*i).is_some_and(|c| c.is_whitespace()) {
        *i += 1;
    }
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The source with comments, string literals and character literals blanked out (newlines
/// kept), so that only code is read.
fn strip(text: &str) -> String {
    let s: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        let next = s.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < s.len() && s[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut nesting = 0;
            while i < s.len() {
                if s[i] == '/' && s.get(i + 1) == Some(&'*') {
                    nesting += 1;
                    i += 2;
                } else if s[i] == '*' && s.get(i + 1) == Some(&'/') {
                    nesting -= 1;
                    i += 2;
                    if nesting == 0 {
                        break;
                    }
                } else {
                    if s[i] == '\n' {
                        out.push('\n');
                    }
                    i += 1;
                }
            }
        } else if c == 'r'
            && (next == Some('"') || next == Some('#'))
            && (i == 0 || !is_ident(s[i - 1]))
        {
            // A raw string: r"…", r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while s.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if s.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            while j < s.len() {
                if s[j] == '"' && (0..hashes).all(|k| s.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                if s[j] == '\n' {
                    out.push('\n');
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j;
        } else if c == '"' {
            i += 1;
            while i < s.len() && s[i] != '"' {
                if s[i] == '\\' {
                    i += 1;
                }
                if s.get(i) == Some(&'\n') {
                    out.push('\n');
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' {
            // A character literal ('x', '\n', '\u{7f}'), or else a lifetime ('a), kept.
            if next == Some('\\') {
                let mut j = i + 2;
                while j < s.len() && s[j] != '\'' {
                    j += 1;
                }
                i = j + 1;
                out.push_str("' '");
            } else if s.get(i + 2) == Some(&'\'') {
                i += 3;
                out.push_str("' '");
            } else {
                out.push(c);
                i += 1;
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}
