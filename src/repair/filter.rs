//! Cheap checks that drop a candidate edit before it costs a validation.
//!
//! A validation is a sandbox run (for Rust and Go a compile); a candidate that cannot even
//! parse, or that Go would refuse for a variable left without a use, is known to fail without
//! it. Two checks, both over the tree-sitter tree of the edited file:
//!
//! - **it parses**: the edited file has no syntax error where the original had none;
//! - **Go: every local variable keeps a use**: Go refuses `declared and not used`, so an edit
//!   that removes the last use of a variable declared inside a function (replacing `x` by `y`
//!   where `x` was used once) cannot build.
//!
//! The checks only ever drop candidates that would fail; they never decide that one passes.

use std::collections::HashMap;

use super::mutate::{apply, Mutation};
use super::scope::is_binding_occurrence;
use super::syntax::{self, descendants, field_of, text};
use crate::types::TargetLanguage;

/// True when the mutation may build: the edited `source` parses wherever the original did,
/// and (Go) no local variable loses its last use.
pub fn viable(language: TargetLanguage, source: &str, mutation: &Mutation) -> bool {
    let edited = apply(source, mutation);
    let Some(after) = syntax::parse(language, &edited) else {
        return true;
    };
    let Some(before) = syntax::parse(language, source) else {
        return true;
    };
    if after.root_node().has_error() && !before.root_node().has_error() {
        return false;
    }
    if language == TargetLanguage::Go {
        let lost = unused_locals(&edited, after.root_node());
        let had = unused_locals(source, before.root_node());
        if lost.iter().any(|name| !had.contains(name)) {
            return false;
        }
    }
    true
}

/// Names declared inside a Go function (`:=`, `var`, range variables) that have no use.
fn unused_locals(source: &str, root: tree_sitter::Node<'_>) -> Vec<String> {
    let mut declared: Vec<String> = Vec::new();
    let mut uses: HashMap<String, usize> = HashMap::new();
    for node in descendants(root) {
        if node.kind() != "identifier" {
            continue;
        }
        let name = text(node, source).to_string();
        if name == "_" {
            continue;
        }
        let in_function = syntax::enclosing_function(TargetLanguage::Go, node).is_some();
        let declaring = node.parent().is_some_and(|p| {
            matches!(p.kind(), "expression_list")
                && p.parent().is_some_and(|g| {
                    matches!(g.kind(), "short_var_declaration" | "range_clause")
                        && field_of(p) == Some("left")
                })
                || (p.kind() == "var_spec" && field_of(node) == Some("name"))
        });
        if declaring {
            if in_function && !declared.contains(&name) {
                declared.push(name);
            }
        } else if !is_binding_occurrence(TargetLanguage::Go, node)
            || node.parent().is_some_and(|p| p.kind() == "expression_list")
        {
            // `x = …` assigns without using in Go's eyes, but counting it keeps the check on
            // the safe side (it may only keep a candidate, never drop a good one).
            *uses.entry(name).or_default() += 1;
        }
    }
    declared
        .into_iter()
        .filter(|n| uses.get(n).copied().unwrap_or(0) == 0)
        .collect()
}
