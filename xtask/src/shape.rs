//! The shape checks: no module cycle inside any crate of the workspace, and no source file
//! over [`MAX_LINES`] lines outside tests.
//!
//! A module depends on another when its code names it: `crate::a::b`, `super::b`,
//! `use crate::{a, b::c}`, or an item that the crate root re-exports (`crate::Incident`,
//! re-exported by `pub use incident::*`). Dependencies are counted between siblings — the
//! children of one module, the crate's top-level modules included — since a child naming its
//! parent, or a parent its child, is nesting, not a cycle. Code after the first `#[cfg(test)]`
//! of a file, and modules declared under `#[cfg(test)]`, are test code and are not counted.
//!
//! This is a reader of Rust source by lines and tokens, not a compiler: it does not expand
//! macros and does not follow `use` of external crates. It errs towards reporting an edge.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use source::{code_of, declared_modules, parse_tree, public_items, references};

mod source;
#[cfg(test)]
mod tests;

/// The longest a source file outside tests may be.
pub const MAX_LINES: usize = 450;

/// Where the workspace's crates keep their sources (package directories, relative to the root).
const PACKAGES: &[&str] = &[".", "crates/warroom-core", "crates/warroom-server", "xtask"];

/// A module path from the crate root: `[]` is the root, `["room", "catchup"]` a child.
pub type ModPath = Vec<String>;

/// One source file of a crate and what it names.
struct SourceFile {
    path: PathBuf,
    module: ModPath,
    lines: usize,
    test: bool,
    /// Absolute paths named by the file, with the line each is on.
    references: Vec<(ModPath, usize)>,
}

/// A crate as a tree of module files.
pub struct CrateModules {
    pub root: PathBuf,
    files: Vec<SourceFile>,
    /// Names the crate root re-exports, and the module path each comes from.
    reexports: BTreeMap<String, ModPath>,
}

/// A dependency between two sibling modules, with one reference that makes it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edge {
    pub parent: ModPath,
    pub from: String,
    pub to: String,
    pub witness: String,
}

/// Runs both checks over the workspace at `root`; the error lists every breach.
pub fn check(root: &Path) -> Result<String> {
    let mut report = String::new();
    let mut breaches = Vec::new();
    for krate in crates(root)? {
        let edges = krate.edges();
        let cycles = cycles(&edges);
        let shown = krate.root.strip_prefix(root).unwrap_or(&krate.root);
        let _ = writeln!(
            report,
            "{}: {} modules, {} sibling dependencies, {} cycles",
            shown.display(),
            krate.files.len(),
            edges.len(),
            cycles.len()
        );
        for cycle in cycles {
            breaches.push(format!("module cycle in {}: {cycle}", shown.display()));
        }
        for file in krate
            .files
            .iter()
            .filter(|f| !f.test && f.lines > MAX_LINES)
        {
            let shown = file.path.strip_prefix(root).unwrap_or(&file.path);
            breaches.push(format!(
                "{} has {} lines (at most {MAX_LINES} outside tests)",
                shown.display(),
                file.lines
            ));
        }
    }
    if breaches.is_empty() {
        Ok(report)
    } else {
        // Witnesses name files by their full path; the report names them from the root.
        let prefix = format!("{}/", root.display());
        bail!("{report}{}", breaches.join("\n").replace(&prefix, ""))
    }
}

/// Every crate root of the workspace's packages: `lib.rs`, `main.rs` and `bin/*.rs`.
pub fn crates(root: &Path) -> Result<Vec<CrateModules>> {
    let mut found = Vec::new();
    for package in PACKAGES {
        let src = if *package == "." {
            root.join("src")
        } else {
            root.join(package).join("src")
        };
        let mut roots: Vec<PathBuf> = ["lib.rs", "main.rs"]
            .iter()
            .map(|f| src.join(f))
            .filter(|p| p.exists())
            .collect();
        if let Ok(bins) = std::fs::read_dir(src.join("bin")) {
            let mut bins: Vec<PathBuf> = bins
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "rs"))
                .collect();
            bins.sort();
            roots.extend(bins);
        }
        for crate_root in roots {
            found.push(CrateModules::read(&crate_root)?);
        }
    }
    Ok(found)
}

impl CrateModules {
    /// Reads a crate from its root file, following `mod x;` declarations.
    pub fn read(crate_root: &Path) -> Result<Self> {
        let mut files = Vec::new();
        let dir = crate_root
            .parent()
            .context("a crate root lives in a directory")?;
        let mut queue = vec![(
            crate_root.to_path_buf(),
            dir.to_path_buf(),
            Vec::new(),
            false,
        )];
        while let Some((path, child_dir, module, test)) = queue.pop() {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            for declared in declared_modules(&text) {
                let child_path = match &declared.path {
                    Some(p) => path.parent().unwrap_or(dir).join(p),
                    None => {
                        let flat = child_dir.join(format!("{}.rs", declared.name));
                        if flat.exists() {
                            flat
                        } else {
                            child_dir.join(&declared.name).join("mod.rs")
                        }
                    }
                };
                let grandchild_dir = if child_path.ends_with("mod.rs") {
                    child_path.parent().unwrap_or(dir).to_path_buf()
                } else {
                    child_path.with_extension("")
                };
                let mut child = module.clone();
                child.push(declared.name);
                queue.push((child_path, grandchild_dir, child, test || declared.test));
            }
            let references = references(&text, &module);
            files.push(SourceFile {
                lines: text.lines().count(),
                path,
                module,
                test,
                references,
            });
        }
        files.sort_by(|a, b| a.module.cmp(&b.module));
        let reexports = reexports(&files);
        Ok(Self {
            root: crate_root.to_path_buf(),
            files,
            reexports,
        })
    }

    /// The dependencies between sibling modules, outside test code.
    pub fn edges(&self) -> BTreeSet<Edge> {
        let modules: BTreeSet<&ModPath> = self.files.iter().map(|f| &f.module).collect();
        let mut edges = BTreeMap::new();
        for file in self.files.iter().filter(|f| !f.test) {
            for (named, line) in &file.references {
                let Some(target) = self.resolve(named, &modules) else {
                    continue;
                };
                let common = file
                    .module
                    .iter()
                    .zip(&target)
                    .take_while(|(a, b)| a == b)
                    .count();
                if common == file.module.len() || common == target.len() {
                    continue; // nesting: a module and its ancestor
                }
                let key = (
                    file.module[..common].to_vec(),
                    file.module[common].clone(),
                    target[common].clone(),
                );
                edges.entry(key).or_insert_with(|| {
                    format!(
                        "{}:{line} names crate::{}",
                        file.path.display(),
                        named.join("::")
                    )
                });
            }
        }
        edges
            .into_iter()
            .map(|((parent, from, to), witness)| Edge {
                parent,
                from,
                to,
                witness,
            })
            .collect()
    }

    /// The module a named path lands in: its longest prefix that is a module, or, for an
    /// item of the crate root, the module the root re-exports it from.
    fn resolve(&self, named: &ModPath, modules: &BTreeSet<&ModPath>) -> Option<ModPath> {
        let longest = (0..=named.len())
            .rev()
            .find(|n| modules.contains(&named[..*n].to_vec()))?;
        if longest > 0 {
            return Some(named[..longest].to_vec());
        }
        let reexported = self.reexports.get(named.first()?)?;
        (1..=reexported.len())
            .rev()
            .map(|n| reexported[..n].to_vec())
            .find(|p| modules.contains(p))
    }
}

/// The crate root's `pub use` re-exports: each name, and the module path it comes from.
/// A glob re-exports every public item the module's own file declares.
fn reexports(files: &[SourceFile]) -> BTreeMap<String, ModPath> {
    let mut map = BTreeMap::new();
    let Some(root) = files.iter().find(|f| f.module.is_empty()) else {
        return map;
    };
    let Ok(text) = std::fs::read_to_string(&root.path) else {
        return map;
    };
    for (_, line) in code_of(&text) {
        let Some(tree) = line.trim().strip_prefix("pub use ") else {
            continue;
        };
        let (paths, _) = parse_tree(tree, 0);
        for path in paths {
            if tree.contains('*') {
                let module = path.clone();
                if let Some(file) = files.iter().find(|f| f.module == module)
                    && let Ok(text) = std::fs::read_to_string(&file.path)
                {
                    for name in public_items(&text) {
                        map.insert(name, module.clone());
                    }
                }
            } else if let Some((name, from)) = path.split_last() {
                map.insert(name.clone(), from.to_vec());
            }
        }
    }
    map
}

/// Every cycle among siblings, as `a → b → a (witnesses)`, found as the strongly connected
/// components of more than one module.
pub fn cycles(edges: &BTreeSet<Edge>) -> Vec<String> {
    let mut by_parent: BTreeMap<&ModPath, Vec<&Edge>> = BTreeMap::new();
    for edge in edges {
        by_parent.entry(&edge.parent).or_default().push(edge);
    }
    let mut found = Vec::new();
    for (parent, edges) in by_parent {
        let nodes: BTreeSet<&str> = edges
            .iter()
            .flat_map(|e| [e.from.as_str(), e.to.as_str()])
            .collect();
        let reaches = |from: &str| {
            let mut seen = BTreeSet::new();
            let mut stack = vec![from];
            while let Some(node) = stack.pop() {
                for edge in edges.iter().filter(|e| e.from == node) {
                    if seen.insert(edge.to.as_str()) {
                        stack.push(edge.to.as_str());
                    }
                }
            }
            seen
        };
        let reach: BTreeMap<&str, BTreeSet<&str>> =
            nodes.iter().map(|n| (*n, reaches(n))).collect();
        let mut done = BTreeSet::new();
        for node in &nodes {
            if done.contains(node) || !reach[node].contains(node) {
                continue;
            }
            let component: Vec<&str> = nodes
                .iter()
                .copied()
                .filter(|other| reach[node].contains(other) && reach[other].contains(node))
                .collect();
            done.extend(component.iter().copied());
            let witnesses: Vec<&str> = edges
                .iter()
                .filter(|e| {
                    component.contains(&e.from.as_str()) && component.contains(&e.to.as_str())
                })
                .map(|e| e.witness.as_str())
                .collect();
            let place = if parent.is_empty() {
                "the crate root".to_string()
            } else {
                parent.join("::")
            };
            found.push(format!(
                "under {place}: {{{}}} depend on each other ({})",
                component.join(", "),
                witnesses.join("; ")
            ));
        }
    }
    found
}
