//! `go.parameter-name`: reads a parameter the body calls by another name. Answers: `undefined:
//! k` where `k` is read (not assigned, not called) in a function one of whose parameters the
//! body never uses. Fix: every `k` of the function renamed to that parameter, one fix per
//! unused parameter whose type fits the use (the other operand's type, when the text says it).
//!
//! Why it is safe: `k` is undefined, and a parameter the body never reads is the usual sign that
//! the signature was renamed and the body was not (`func f(n int)` with `k` in the body); only
//! the function's own `k`s change, and the heal loop validates the result.
//!
//! Example: `func count(n int, xs []int) int { for i := 0; i < k; i++ { … } }` →
//! `for i := 0; i < n; i++`.

use super::scope::UndefinedUse;
use super::*;
use crate::fix::ErrorKind;

/// One unused parameter fits: it is most likely the one meant.
const CONFIDENCE_ONLY: f64 = 0.5;
/// Several fit.
const CONFIDENCE_ONE_OF: f64 = 0.35;

/// Reads a parameter the body calls by another name.
pub(crate) struct ParameterName;

impl Rule for ParameterName {
    const META: RuleMeta = RuleMeta::new("go.parameter-name", FixApplicability::Speculative)
        .language(TargetLanguage::Go)
        .kinds(&[ErrorKind::UndefinedVariable, ErrorKind::Compiler]);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let Some(undefined) = UndefinedUse::of(error, program) else {
            return Vec::new();
        };
        let (name, site, text) = (undefined.name, &undefined.site, undefined.site.text);
        let Some(use_node) = undefined.identifier().filter(|n| is_read(*n)) else {
            return Vec::new();
        };
        let Some((function, _)) = undefined.function(use_node, program) else {
            return Vec::new();
        };
        let (Some(params), Some(body)) = (
            function.child_by_field_name("parameters"),
            function.child_by_field_name("body"),
        ) else {
            return Vec::new();
        };
        let identifiers: Vec<tree_sitter::Node<'_>> = all_nodes(body)
            .into_iter()
            .filter(|n| n.kind() == "identifier")
            .collect();
        // A name the function also writes is a variable it forgot to declare
        // (`go.undeclared-variable`), not a parameter under another name.
        if identifiers
            .iter()
            .any(|i| node_text(*i, text) == name && !is_read(*i))
        {
            return Vec::new();
        }
        let wanted = match go_expected(use_node, text).0 {
            Expected::Type(t) => Some(t),
            _ => None,
        };
        let mut unused: Vec<String> = Vec::new();
        for p in named_children(params) {
            let ty = p.child_by_field_name("type").map(|t| node_text(t, text));
            for n in named_children(p) {
                let pname = node_text(n, text);
                if n.kind() != "identifier"
                    || pname == "_"
                    || identifiers.iter().any(|i| node_text(*i, text) == pname)
                    || wanted.as_deref().is_some_and(|w| ty != Some(w))
                {
                    continue;
                }
                unused.push(pname.to_string());
            }
        }
        let confidence = if unused.len() == 1 {
            CONFIDENCE_ONLY
        } else {
            CONFIDENCE_ONE_OF
        };
        let mut fixes = Fixes::new(Self::META.id);
        for p in unused {
            let edits: Vec<Edit> = identifiers
                .iter()
                .filter(|i| node_text(**i, text) == name)
                .map(|i| edit(site.file, i.start_byte(), i.end_byte(), p.as_str()))
                .collect();
            fixes.push(
                confidence,
                format!("`{name}` is the parameter `{p}`: read it by its name"),
                edits,
            );
        }
        fixes.done()
    }
}

/// Whether identifier `n` is only read: not called, not assigned, not declared by `:=`.
fn is_read(n: tree_sitter::Node<'_>) -> bool {
    let written = |p: tree_sitter::Node<'_>| {
        matches!(p.kind(), "inc_statement" | "dec_statement")
            || (p.kind() == "expression_list"
                && p.parent().is_some_and(|s| {
                    matches!(s.kind(), "assignment_statement" | "short_var_declaration")
                        && s.child_by_field_name("left")
                            .is_some_and(|l| l.id() == p.id())
                }))
    };
    call_of(n).is_none() && !n.parent().is_some_and(written)
}

#[cfg(test)]
mod tests {
    use super::super::testing::undefined_fixes;
    use super::*;
    use crate::fix::text::testing::{program, results};

    #[test]
    fn every_use_reads_the_one_unused_parameter() {
        let text = "package main\n\nfunc sumFirst(n int, xs []int) int {\n\ttotal := 0\n\tfor i := 0; i < k && i < len(xs); i++ {\n\t\ttotal += xs[i]\n\t}\n\treturn total + k*0\n}\n";
        let p = program(TargetLanguage::Go, "main.go", text);
        let fixes = undefined_fixes(&ParameterName, &p, "k", (5, 18));
        assert_eq!(
            results(&fixes, text),
            [text.replace("i < k", "i < n").replace("k*0", "n*0")]
        );
        assert_eq!(fixes[0].confidence, CONFIDENCE_ONLY);
    }

    #[test]
    fn used_parameters_other_types_and_assigned_names_are_not_proposed() {
        let text = "package main\n\nfunc f(s string, n int, m int) int {\n\tm++\n\tlimit = 3\n\treturn n + k\n}\n";
        let p = program(TargetLanguage::Go, "main.go", text);
        // `n` and `m` are used, `s` is a string where an int is read.
        assert!(undefined_fixes(&ParameterName, &p, "k", (6, 13)).is_empty());
        // `limit` is assigned: declaring it is another rule's business.
        assert!(undefined_fixes(&ParameterName, &p, "limit", (5, 2)).is_empty());
    }
}
