//! Imports and dependencies: which import lines of a spec's code name third-party packages.

use super::*;

/// The (0-based index, line) pairs of `text` that are imports: for Go only the lines of import
/// declarations, elsewhere any line [`third_party_import`] understands.
pub(super) fn import_lines(language: TargetLanguage, text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut in_block = false;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if language != TargetLanguage::Go {
            out.push((i, line));
            continue;
        }
        if in_block {
            if t.starts_with(')') {
                in_block = false;
            } else {
                out.push((i, line));
            }
        } else if t == "import (" || t.starts_with("import (") {
            in_block = true;
        } else if t.starts_with("import ") {
            out.push((i, line));
        }
    }
    out
}

/// The third-party package an import line uses, `None` for the standard library (or a line
/// that is not an import).
pub fn third_party_import(language: TargetLanguage, line: &str) -> Option<String> {
    let line = line.trim();
    match language {
        TargetLanguage::Rust => {
            let rest = line
                .strip_prefix("pub use ")
                .or_else(|| line.strip_prefix("use "))
                .or_else(|| line.strip_prefix("extern crate "))?;
            let root = rest
                .trim_start_matches("::")
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .next()?;
            (!["std", "core", "alloc", "crate", "self", "super"].contains(&root))
                .then(|| root.to_string())
        }
        TargetLanguage::Python => {
            let module = if let Some(rest) = line.strip_prefix("import ") {
                rest.split([',', ' ']).next()?
            } else {
                line.strip_prefix("from ")?.split_whitespace().next()?
            };
            let root = module.split('.').next()?;
            (!root.is_empty() && !in_table(PYTHON_STDLIB, root)).then(|| root.to_string())
        }
        TargetLanguage::JavaScript => {
            let start = line
                .find("require(")
                .map(|i| i + "require(".len())
                .or_else(|| line.find(" from ").map(|i| i + " from ".len()))?;
            let quoted = line[start..].trim_start();
            let q = quoted.chars().next().filter(|c| "'\"`".contains(*c))?;
            let name = quoted[1..].split(q).next()?;
            if name.starts_with('.') || name.starts_with('/') || name.starts_with("node:") {
                return None;
            }
            let root = if name.starts_with('@') {
                name.splitn(3, '/').take(2).collect::<Vec<_>>().join("/")
            } else {
                name.split('/').next()?.to_string()
            };
            (!in_table(NODE_BUILTINS, &root)).then_some(root)
        }
        TargetLanguage::Go => {
            let path = line.split('"').nth(1)?;
            // Standard packages have no dot in their first element.
            path.split('/')
                .next()
                .filter(|first| first.contains('.'))
                .map(|_| path.to_string())
        }
    }
}

/// Whether `name` is a row of one of the tables generated from the toolchains (`src/lang/tables`).
pub(super) fn in_table(table: &'static str, name: &str) -> bool {
    table
        .lines()
        .filter(|l| !l.starts_with('#'))
        .any(|l| l.trim() == name)
}

pub(super) const NODE_BUILTINS: &str =
    include_str!("../../lang/tables/javascript_node_builtins.txt");
pub(super) const PYTHON_STDLIB: &str = include_str!("../../lang/tables/python_stdlib.txt");
