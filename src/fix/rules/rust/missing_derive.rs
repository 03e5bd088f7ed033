//! `rust.missing-derive`: derives the trait the compiler asks for on one of the program's own
//! types, with the traits it implies and on the program's types it holds. Answers: E0277
//! `` `T` doesn't implement `Debug` ``, `the trait bound `T: Clone` is not satisfied`, E0369
//! `binary operation `==` cannot be applied to type `T``, E0599 `no method named `clone` found
//! for struct `T``. Fix: `#[derive(…)]` on `T` (added to its existing derive list), with
//! `PartialEq` for `Eq`/`PartialOrd`, `Clone` for `Copy`, and the same derive on every struct or
//! enum of the file that `T`'s fields or variants name (a derive needs them to implement it).
//!
//! Why it is safe: a derive adds an implementation the program lacked and changes nothing it
//! already computes; the compiler checks that every field supports it.
//!
//! Example: `if a == b` on `struct Point { x: i32 }` gives `#[derive(PartialEq)] struct Point`.

use std::collections::BTreeSet;

use super::*;
use tree_sitter::Node;

/// The compiler named the trait and the type; the derive is the standard way to provide it.
const CONFIDENCE: f64 = 0.7;

/// Traits `#[derive]` can write, with the traits each needs.
const DERIVABLE: &[(&str, &[&str])] = &[
    ("Debug", &[]),
    ("Clone", &[]),
    ("Copy", &["Clone"]),
    ("PartialEq", &[]),
    ("Eq", &["PartialEq"]),
    ("PartialOrd", &["PartialEq"]),
    ("Ord", &["PartialOrd", "Eq", "PartialEq"]),
    ("Hash", &[]),
    ("Default", &[]),
];

/// Derives the trait the compiler asks for on one of the program's own types.
pub(crate) struct MissingDerive;

impl Rule for MissingDerive {
    const META: RuleMeta = RuleMeta::new("rust.missing-derive", FixApplicability::Likely)
        .language(TargetLanguage::Rust)
        .codes(&["E0277", "E0369", "E0599"]);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        derive_traits(error, program).unwrap_or_default()
    }
}

/// The fix deriving the traits the error asks for on the program's type and the types its
/// fields name.
fn derive_traits(error: &CodeError, program: &Program) -> Option<Vec<Fix>> {
    let (ty, traits) = wanted(message(error))?;
    let (file, text) = editable_sources(program).into_iter().find(|(_, src)| {
        src.contains(&format!("struct {ty}")) || src.contains(&format!("enum {ty}"))
    })?;
    let tree = parse_tree(TargetLanguage::Rust, text)?;
    let root = tree.root_node();
    let mut wanted: Vec<&str> = Vec::new();
    for t in traits {
        let needs = DERIVABLE
            .iter()
            .find(|(d, _)| *d == t)
            .map_or(&[][..], |d| d.1);
        for n in needs.iter().chain(std::iter::once(&t)) {
            if !wanted.contains(n) {
                wanted.push(n);
            }
        }
    }
    if wanted.contains(&"Default") && find_item(root, text, "struct_item", &ty).is_none() {
        return None; // an enum's `Default` needs a `#[default]` variant
    }
    // The type and, transitively, the program's types its fields name.
    let local: BTreeSet<String> = all_nodes(root)
        .into_iter()
        .filter(|n| matches!(n.kind(), "struct_item" | "enum_item"))
        .filter_map(|n| n.child_by_field_name("name"))
        .map(|n| node_text(n, text).to_string())
        .collect();
    let mut todo = vec![ty.clone()];
    let mut seen = BTreeSet::new();
    let mut edits = Vec::new();
    while let Some(name) = todo.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        let Some(item) = find_item(root, text, "struct_item", &name)
            .or_else(|| find_item(root, text, "enum_item", &name))
        else {
            continue;
        };
        if let Some(e) = derive_edit(item, text, file, &wanted) {
            edits.push(e);
        }
        if let Some(body) = item.child_by_field_name("body") {
            for n in all_nodes(body) {
                if n.kind() == "type_identifier" {
                    let used = node_text(n, text);
                    if local.contains(used) && !seen.contains(used) {
                        todo.push(used.to_string());
                    }
                }
            }
        }
    }
    let mut fixes = Fixes::new(MissingDerive::META.id);
    fixes.push(
        CONFIDENCE,
        format!("derive {} for `{ty}`", wanted.join(", ")),
        edits,
    );
    Some(fixes.done())
}

/// The type and the traits an error asks for, when they are derivable.
fn wanted(msg: &str) -> Option<(String, Vec<&'static str>)> {
    let first = msg.lines().next().unwrap_or("");
    let clean = |t: &str| {
        let t = t.trim_start_matches('&').trim_start_matches("mut ");
        let t = t
            .split('<')
            .next()
            .unwrap_or(t)
            .rsplit("::")
            .next()
            .unwrap_or(t);
        is_identifier(t).then(|| t.to_string())
    };
    let derivable = |t: &str| {
        let t = t.rsplit("::").next().unwrap_or(t);
        DERIVABLE.iter().find(|(d, _)| *d == t).map(|(d, _)| *d)
    };
    // `Point` doesn't implement `Debug` / `std::fmt::Debug`
    if let Some(rest) = first.strip_prefix('`') {
        let (ty, tr) = quoted_pair(rest, " doesn't implement `")?;
        return Some((clean(ty)?, vec![derivable(tr)?]));
    }
    // the trait bound `Point: Clone` is not satisfied
    if let Some(rest) = first.strip_prefix("the trait bound `") {
        let (ty, tr) = rest.split('`').next()?.split_once(": ")?;
        return Some((clean(ty)?, vec![derivable(tr)?]));
    }
    // the trait `Hash` is not implemented for `Point`
    if let Some(rest) = first.strip_prefix("the trait `") {
        let (tr, ty) = quoted_pair(rest, " is not implemented for `")?;
        return Some((clean(ty)?, vec![derivable(tr)?]));
    }
    // binary operation `==` cannot be applied to type `Point`
    if let Some(rest) = first.strip_prefix("binary operation `") {
        let (op, ty) = quoted_pair(rest, " cannot be applied to type `")?;
        let tr = match op {
            "==" | "!=" => "PartialEq",
            "<" | ">" | "<=" | ">=" => "PartialOrd",
            _ => return None,
        };
        return Some((clean(ty)?, vec![tr]));
    }
    // no method named `clone` found for struct `Point`
    if let Some(rest) = first.strip_prefix("no method named `") {
        let (method, tail) = rest.split_once('`')?;
        let tr = match method {
            "clone" => "Clone",
            "eq" | "ne" => "PartialEq",
            "cmp" | "max" | "min" => "Ord",
            "partial_cmp" | "lt" | "gt" => "PartialOrd",
            "hash" => "Hash",
            _ => return None,
        };
        let ty = tail.split(" found for ").nth(1)?.split('`').nth(1)?;
        return Some((clean(ty)?, vec![tr]));
    }
    None
}

/// The two quoted names of a message read after its opening backtick: `` A`{middle}B` `` →
/// (`A`, `B`); `None` when the text between them is not `middle`.
fn quoted_pair<'m>(rest: &'m str, middle: &str) -> Option<(&'m str, &'m str)> {
    let (first, tail) = rest.split_once('`')?;
    let second = tail.strip_prefix(middle)?.split('`').next()?;
    Some((first, second))
}

/// Adds the traits the item lacks to its `#[derive(…)]`, or writes one above it.
fn derive_edit(item: Node<'_>, src: &str, file: &str, traits: &[&str]) -> Option<Edit> {
    let mut attr = item.prev_named_sibling();
    while let Some(a) = attr.filter(|a| a.kind() == "attribute_item") {
        let t = node_text(a, src);
        if let Some(open) = t.find("derive(") {
            let list_start = a.start_byte() + open + "derive(".len();
            let close = a.start_byte() + t.rfind(')')?;
            let present: Vec<&str> = src[list_start..close]
                .split(',')
                .map(|s| s.trim().rsplit("::").next().unwrap_or(""))
                .collect();
            let missing: Vec<&str> = traits
                .iter()
                .copied()
                .filter(|t| !present.contains(t))
                .collect();
            if missing.is_empty() {
                return None;
            }
            let sep = if src[list_start..close].trim().is_empty() {
                ""
            } else {
                ", "
            };
            return Some(edit(
                file,
                close,
                close,
                format!("{sep}{}", missing.join(", ")),
            ));
        }
        attr = a.prev_named_sibling();
    }
    // Directly above the item: after its doc comment and other attributes.
    let first = item;
    let line_start = start_of_line(src, first.start_byte());
    let indent = &src[line_start..first.start_byte()];
    Some(edit(
        file,
        line_start,
        line_start,
        format!("{indent}#[derive({})]\n", traits.join(", ")),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::text::testing::{err, program, results};
    use crate::fix::FixStrategy;

    fn heal(text: &str, code: &str, msg: &str) -> Vec<String> {
        let p = program(TargetLanguage::Rust, "main.rs", text);
        let e = err(ErrorType::TypeMismatch, code, msg, "main.rs", 1, 1);
        results(&MissingDerive.suggest(&e, &p), text)
    }

    #[test]
    fn equality_derives_partial_eq_on_the_type_and_the_types_it_holds() {
        let text = "/// A point.\nstruct Point {\n    c: Coord,\n}\n\n#[derive(Debug)]\nstruct Coord(i32);\n";
        let out = heal(
            text,
            "E0369",
            "binary operation `==` cannot be applied to type `Point`",
        );
        assert_eq!(
            out,
            ["/// A point.\n#[derive(PartialEq)]\nstruct Point {\n    c: Coord,\n}\n\n#[derive(Debug, PartialEq)]\nstruct Coord(i32);\n"]
        );
    }

    #[test]
    fn trait_bounds_and_debug_messages_name_the_trait() {
        let text = "#[derive(Debug)]\nenum Kind { A }\n";
        assert_eq!(
            heal(text, "E0277", "the trait bound `Kind: Eq` is not satisfied"),
            ["#[derive(Debug, PartialEq, Eq)]\nenum Kind { A }\n"]
        );
        assert_eq!(
            heal(text, "E0277", "`Kind` doesn't implement `Debug`"),
            Vec::<String>::new()
        );
        assert_eq!(
            heal(
                "struct S;\n",
                "E0277",
                "`S` doesn't implement `std::fmt::Debug`"
            ),
            ["#[derive(Debug)]\nstruct S;\n"]
        );
    }
}
