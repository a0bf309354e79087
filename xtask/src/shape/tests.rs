//! The shape checks on small made-up crates, and on this workspace.

use super::*;

fn write(dir: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

fn cycles_of(files: &[(&str, &str)]) -> Vec<String> {
    let dir = std::env::temp_dir().join(format!(
        "xtask-shape-{}-{}",
        std::process::id(),
        files.iter().map(|f| f.1.len()).sum::<usize>()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    write(&dir, files);
    let krate = CrateModules::read(&dir.join("lib.rs")).unwrap();
    let found = cycles(&krate.edges());
    std::fs::remove_dir_all(&dir).unwrap();
    found
}

#[test]
fn finds_a_cycle_through_use_trees_super_and_reexports() {
    let found = cycles_of(&[
        ("lib.rs", "mod a;\nmod b;\nmod c;\npub use c::*;\n"),
        ("a.rs", "use crate::{b::Thing, x};\n"),
        ("b.rs", "fn f() -> super::c::Other { todo!() }\n"),
        (
            "c.rs",
            "pub struct Other;\nfn g(_: crate::Other) {}\nuse crate::a;\n",
        ),
    ]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("{a, b, c}"), "{found:?}");
}

#[test]
fn finds_a_cycle_among_children_of_one_module() {
    let found = cycles_of(&[
        ("lib.rs", "mod room;\n"),
        ("room.rs", "mod catchup;\nmod presence;\n"),
        ("room/catchup.rs", "use super::presence::Who;\n"),
        ("room/presence.rs", "use crate::room::catchup::Frame;\n"),
    ]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("under room: {catchup, presence}"),
        "{found:?}"
    );
}

#[test]
fn nesting_comments_and_test_code_are_not_cycles() {
    let found = cycles_of(&[
        ("lib.rs", "mod a;\nmod b;\n"),
        ("a.rs", "mod inner;\nuse crate::b::X; // crate::a is me\n"),
        ("a/inner.rs", "use crate::a::Y;\nuse super::super::b::X;\n"),
        (
            "b.rs",
            "/* crate::a::Z */\npub struct X;\n#[cfg(test)]\nmod tests { use crate::a::Y; }\n",
        ),
    ]);
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn the_workspace_has_no_module_cycle_and_no_long_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    if let Err(err) = check(root) {
        panic!("{err:#}");
    }
}
