//! Reading Rust source as far as the shape checks need: the `mod` declarations of a file,
//! its code without comments and test modules, and the module paths it names.

use super::ModPath;

/// A `mod name;` declaration.
pub struct Declared {
    pub name: String,
    pub path: Option<String>,
    pub test: bool,
}

pub fn declared_modules(text: &str) -> Vec<Declared> {
    let mut found = Vec::new();
    let mut attributes: Vec<&str> = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with("#[") {
            attributes.push(line);
            continue;
        }
        let rest = line
            .strip_prefix("pub(crate) ")
            .or_else(|| line.strip_prefix("pub "))
            .unwrap_or(line);
        if let Some(name) = rest.strip_prefix("mod ").and_then(|r| r.strip_suffix(';')) {
            let path = attributes.iter().find_map(|a| {
                let inner = a.strip_prefix("#[path")?.trim_start().strip_prefix('=')?;
                Some(
                    inner
                        .trim()
                        .trim_end_matches(']')
                        .trim()
                        .trim_matches('"')
                        .to_string(),
                )
            });
            found.push(Declared {
                name: name.trim().to_string(),
                path,
                test: attributes.iter().any(|a| a.contains("cfg(test)")),
            });
        }
        if !line.is_empty() && !line.starts_with("//") {
            attributes.clear();
        }
    }
    found
}

/// The code of a file without comments, cut at its first `#[cfg(test)]`.
pub fn code_of(text: &str) -> Vec<(usize, String)> {
    let mut code = Vec::new();
    let mut in_block = false;
    for (n, raw) in text.lines().enumerate() {
        if raw.trim_start().starts_with("#[cfg(test)]") {
            break;
        }
        let mut line = String::new();
        let mut rest = raw;
        loop {
            if in_block {
                match rest.find("*/") {
                    Some(end) => {
                        rest = &rest[end + 2..];
                        in_block = false;
                    }
                    None => break,
                }
            } else {
                let comment = rest.find("//");
                let block = rest.find("/*");
                match (comment, block) {
                    (Some(c), Some(b)) if b < c => {
                        line.push_str(&rest[..b]);
                        rest = &rest[b + 2..];
                        in_block = true;
                    }
                    (None, Some(b)) => {
                        line.push_str(&rest[..b]);
                        rest = &rest[b + 2..];
                        in_block = true;
                    }
                    (Some(c), _) => {
                        line.push_str(&rest[..c]);
                        break;
                    }
                    (None, None) => {
                        line.push_str(rest);
                        break;
                    }
                }
            }
        }
        code.push((n + 1, line));
    }
    code
}

/// Every absolute module path the file names through `crate::`, `super::` or `self::`.
pub fn references(text: &str, module: &ModPath) -> Vec<(ModPath, usize)> {
    let code = code_of(text);
    // A `use` may span lines: join the code and remember where each line starts.
    let mut joined = String::new();
    let mut starts = Vec::new();
    for (n, line) in &code {
        starts.push((joined.len(), *n));
        joined.push_str(line);
        joined.push('\n');
    }
    let line_at = |offset: usize| {
        starts
            .iter()
            .rev()
            .find(|(start, _)| *start <= offset)
            .map_or(1, |(_, n)| *n)
    };
    let bytes = joined.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let boundary = i == 0 || !is_ident(bytes[i - 1]) && bytes[i - 1] != b':';
        let base = if !boundary {
            None
        } else if bytes[i..].starts_with(b"crate::") {
            i += "crate::".len();
            Some(Vec::new())
        } else if bytes[i..].starts_with(b"self::") {
            i += "self::".len();
            Some(module.clone())
        } else if bytes[i..].starts_with(b"super::") {
            let mut base = module.clone();
            while bytes[i..].starts_with(b"super::") {
                i += "super::".len();
                base.pop();
            }
            Some(base)
        } else {
            None
        };
        match base {
            Some(base) => {
                let line = line_at(i);
                let (paths, end) = parse_tree(&joined, i);
                for path in paths {
                    let mut full = base.clone();
                    full.extend(path);
                    found.push((full, line));
                }
                i = end.max(i + 1);
            }
            None => i += 1,
        }
    }
    found
}

pub fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Parses a path or a `use` tree starting at `at`: `a::b`, `a::{b, c::d}`, `*`, `self`.
/// Returns every path it names (without `self`/`*`/`as` parts) and where it ended.
pub fn parse_tree(text: &str, at: usize) -> (Vec<ModPath>, usize) {
    let bytes = text.as_bytes();
    let mut i = at;
    let skip_space = |i: &mut usize| {
        while *i < bytes.len() && bytes[*i].is_ascii_whitespace() {
            *i += 1;
        }
    };
    let mut prefix: ModPath = Vec::new();
    loop {
        skip_space(&mut i);
        if i < bytes.len() && bytes[i] == b'{' {
            i += 1;
            let mut paths = Vec::new();
            loop {
                skip_space(&mut i);
                if i >= bytes.len() {
                    break;
                }
                if bytes[i] == b'}' {
                    i += 1;
                    break;
                }
                if bytes[i] == b',' {
                    i += 1;
                    continue;
                }
                let (inner, end) = parse_tree(text, i);
                for path in inner {
                    let mut full = prefix.clone();
                    full.extend(path);
                    paths.push(full);
                }
                i = end.max(i + 1);
                // Skip an `as alias`.
                skip_space(&mut i);
                if bytes[i..].starts_with(b"as ") {
                    i += 3;
                    skip_space(&mut i);
                    while i < bytes.len() && is_ident(bytes[i]) {
                        i += 1;
                    }
                }
            }
            if paths.is_empty() {
                paths.push(prefix);
            }
            return (paths, i);
        }
        let start = i;
        while i < bytes.len() && is_ident(bytes[i]) {
            i += 1;
        }
        let segment = std::str::from_utf8(&bytes[start..i]).unwrap_or("");
        if segment.is_empty() {
            // `*` or something that is not a path: the prefix is what was named.
            if i < bytes.len() && bytes[i] == b'*' {
                i += 1;
            }
            return (vec![prefix], i);
        }
        if segment != "self" {
            prefix.push(segment.to_string());
        }
        if bytes[i..].starts_with(b"::") {
            i += 2;
        } else {
            return (vec![prefix], i);
        }
    }
}

pub fn public_items(text: &str) -> Vec<String> {
    const KINDS: &[&str] = &[
        "struct ", "enum ", "fn ", "type ", "trait ", "const ", "static ",
    ];
    let mut names = Vec::new();
    for line in text.lines().map(str::trim) {
        let Some(rest) = line.strip_prefix("pub ") else {
            continue;
        };
        if let Some(kind) = KINDS.iter().find(|k| rest.starts_with(**k)) {
            let name: String = rest[kind.len()..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            names.push(name);
        }
    }
    names
}
