//! `go.slice-length`: makes a slice or array long enough for the index that ran past its end.
//! Answers: the panic `index out of range [I] with length L` at a line indexing `xs[…]`. Fix:
//! the allocation of `xs` in the same function (`xs := make([]T, n)`, `xs = make(…)`,
//! `var xs [n]T`, a row `xs[i] = make([]T, n)`) lengthened by `I - L + 1`: a literal length
//! becomes the literal that fits (`10000` → `10001`), any other gains `+ 1` (`n` → `n+1`).
//!
//! Why it is safe: the program ran and indexed one past the end (1-based tables, `<=` loops
//! are the usual cause); only the length of an allocation the failing line reads changes, and
//! the heal loop validates the result against the tests.
//!
//! Example: `a := make([]int, 10000)` then `a[i]` for `i <= 10000` panics with
//! `index out of range [10000] with length 10000`; the fix writes `make([]int, 10001)`.

use tree_sitter::Node;

use super::scope::enclosing_function;
use super::*;

/// The allocation's literal length is the length the panic names.
const CONFIDENCE_MATCHED: f64 = 0.55;
/// The length is an expression: it may be the one that ran out.
const CONFIDENCE_EXPRESSION: f64 = 0.4;

/// Makes a slice or array long enough for the index that ran past its end.
pub(crate) struct SliceLength;

impl Rule for SliceLength {
    const META: RuleMeta = RuleMeta::new("go.slice-length", FixApplicability::Speculative)
        .language(TargetLanguage::Go)
        .codes(&["panic"]);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let Some((index, length)) = out_of_range(message(error)) else {
            return Vec::new();
        };
        let Some(site) = UseSite::editable(error, program, TargetLanguage::Go) else {
            return Vec::new();
        };
        let text = site.text;
        let line = (
            start_of_line(text, site.offset),
            end_of_line(text, site.offset),
        );
        let root = site.tree.root_node();
        // The slices the failing line indexes, in the order of the tree: the outer index of
        // `f[i][j]` (a row of `f`) before the inner one (`f` itself).
        let mut names: Vec<(String, usize, Node<'_>)> = Vec::new();
        for n in all_nodes(root) {
            if n.kind() != "index_expression" || n.start_byte() < line.0 || n.end_byte() > line.1 {
                continue;
            }
            let (name, depth) = indexed_name(n, text);
            if let Some(name) = name {
                if !names.iter().any(|(m, d, _)| *m == name && *d == depth) {
                    names.push((name, depth, n));
                }
            }
        }
        let grow = index.saturating_sub(length) + 1;
        let mut fixes = Fixes::new(Self::META.id);
        for (name, depth, at) in names {
            let scope = enclosing_function(at).unwrap_or(root);
            for len_node in allocations(scope, text, &name, depth) {
                let written = node_text(len_node, text);
                let (replacement, confidence) = match written.parse::<usize>() {
                    Ok(v) if v == length => ((v + grow).to_string(), CONFIDENCE_MATCHED),
                    Ok(_) => continue,
                    Err(_) => (format!("{written}+{grow}"), CONFIDENCE_EXPRESSION),
                };
                fixes.replace(
                    confidence,
                    format!("make `{name}` long enough: length `{replacement}` (index {index} ran past length {length})"),
                    site.file,
                    len_node.start_byte(),
                    len_node.end_byte(),
                    &replacement,
                );
            }
        }
        fixes.done()
    }
}

/// `I` and `L` of `index out of range [I] with length L`.
fn out_of_range(message: &str) -> Option<(usize, usize)> {
    let rest = message.split("index out of range [").nth(1)?;
    let (index, rest) = rest.split_once(']')?;
    let length = rest.trim_start().strip_prefix("with length ")?;
    let length: String = length.chars().take_while(char::is_ascii_digit).collect();
    Some((index.parse().ok()?, length.parse().ok()?))
}

/// The name an index expression reads, and how many indexes sit between it and this one:
/// `f[i]` is `(f, 0)`; the outer index of `f[i][j]` is `(f, 1)`.
fn indexed_name(mut node: Node<'_>, text: &str) -> (Option<String>, usize) {
    let mut depth = 0;
    while let Some(operand) = node.child_by_field_name("operand") {
        match operand.kind() {
            "identifier" => return (Some(node_text(operand, text).to_string()), depth),
            "index_expression" => {
                depth += 1;
                node = operand;
            }
            _ => break,
        }
    }
    (None, depth)
}

/// The length expressions of the allocations of `name` (`depth` 0) or of its rows (`depth` 1:
/// `name[i] = make(…)`) in `scope`.
fn allocations<'t>(scope: Node<'t>, text: &str, name: &str, depth: usize) -> Vec<Node<'t>> {
    let mut out = Vec::new();
    for n in all_nodes(scope) {
        match n.kind() {
            "short_var_declaration" | "assignment_statement" => {
                let (Some(left), Some(right)) = (
                    n.child_by_field_name("left").map(named_children),
                    n.child_by_field_name("right").map(named_children),
                ) else {
                    continue;
                };
                for (l, r) in left.iter().zip(&right) {
                    if target_name(*l, text, depth).as_deref() == Some(name) {
                        out.extend(make_length(*r, text));
                    }
                }
            }
            "var_spec" if depth == 0 => {
                let names: Vec<Node<'_>> = named_children(n)
                    .into_iter()
                    .filter(|c| c.kind() == "identifier")
                    .collect();
                let Some(i) = names.iter().position(|c| node_text(*c, text) == name) else {
                    continue;
                };
                if let Some(len) = n
                    .child_by_field_name("type")
                    .filter(|t| t.kind() == "array_type")
                    .and_then(|t| t.child_by_field_name("length"))
                {
                    out.push(len);
                } else if let Some(v) = n
                    .child_by_field_name("value")
                    .and_then(|v| named_children(v).get(i).copied())
                {
                    out.extend(make_length(v, text));
                }
            }
            _ => {}
        }
    }
    out
}

/// The name an assignment's left side writes at `depth` indexes: `xs` (0), `xs[i]` (1).
fn target_name(left: Node<'_>, text: &str, depth: usize) -> Option<String> {
    match (left.kind(), depth) {
        ("identifier", 0) => Some(node_text(left, text).to_string()),
        ("index_expression", 1) => left
            .child_by_field_name("operand")
            .filter(|o| o.kind() == "identifier")
            .map(|o| node_text(o, text).to_string()),
        _ => None,
    }
}

/// The length argument of `make([]T, n, …)`.
fn make_length<'t>(value: Node<'t>, text: &str) -> Option<Node<'t>> {
    if value.kind() != "call_expression"
        || value
            .child_by_field_name("function")
            .is_none_or(|f| node_text(f, text) != "make")
    {
        return None;
    }
    let args = value.child_by_field_name("arguments")?;
    let items: Vec<Node<'_>> = named_children(args)
        .into_iter()
        .filter(|n| !n.kind().contains("comment"))
        .collect();
    (items.first()?.kind() == "slice_type")
        .then(|| items.get(1).copied())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::text::testing::{err, program, results};
    use crate::fix::FixStrategy;
    use crate::types::ErrorType;

    /// Every result for the panic `message` at `line` of `main.go` holding `text`.
    fn heal(p: &Program, text: &str, message: &str, line: u32) -> Vec<String> {
        let e = err(
            ErrorType::CompilerError("panic".into()),
            "panic",
            message,
            "main.go",
            line,
            2,
        );
        results(&SliceLength.suggest(&e, p), text)
    }

    #[test]
    fn reads_the_panic_message() {
        assert_eq!(
            out_of_range("runtime error: index out of range [5] with length 5"),
            Some((5, 5))
        );
        assert_eq!(
            out_of_range("runtime error: index out of range [7] with length 3 [recovered]"),
            Some((7, 3))
        );
        assert_eq!(out_of_range("runtime error: index out of range [-1]"), None);
    }

    #[test]
    fn a_literal_length_grows_to_fit_the_index() {
        let text = "package main\n\nfunc table(n int) []int {\n\tt := make([]int, 100)\n\tfor i := 1; i <= 100; i++ {\n\t\tt[i] = t[i-1] + i\n\t}\n\treturn t\n}\n";
        let p = program(TargetLanguage::Go, "main.go", text);
        assert_eq!(
            heal(
                &p,
                text,
                "runtime error: index out of range [100] with length 100",
                6
            ),
            [text.replace("make([]int, 100)", "make([]int, 101)")]
        );
        // A literal that is not the length the panic names is not the slice that ran out.
        assert!(heal(
            &p,
            text,
            "runtime error: index out of range [7] with length 7",
            6
        )
        .is_empty());
    }

    #[test]
    fn expression_lengths_rows_and_arrays() {
        let text = "package main\n\nfunc grid(n int) int {\n\tvar seen [10]bool\n\tdp := make([][]int, n)\n\tfor i := range dp {\n\t\tdp[i] = make([]int, n)\n\t}\n\tseen[n] = true\n\treturn dp[n][n]\n}\n";
        let p = program(TargetLanguage::Go, "main.go", text);
        assert_eq!(
            heal(
                &p,
                text,
                "runtime error: index out of range [4] with length 4",
                10
            ),
            // `dp[n][n]`: the rows (the outer index) first, then the table.
            [
                text.replace("dp[i] = make([]int, n)", "dp[i] = make([]int, n+1)"),
                text.replace("make([][]int, n)", "make([][]int, n+1)"),
            ]
        );
        assert_eq!(
            heal(
                &p,
                text,
                "runtime error: index out of range [10] with length 10",
                9
            ),
            [text.replace("[10]bool", "[11]bool")]
        );
    }
}
