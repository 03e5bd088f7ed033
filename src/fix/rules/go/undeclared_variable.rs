//! `go.undeclared-variable`: declares, at the top of the function, the variables it assigns
//! but never declared. Answers: `undefined: p` where `p` is assigned (`p = v`, `p += v`,
//! `p++`), typically a loop's `for p = 1; …` whose value is read after the loop. Fix: one
//! `var` line at the start of the function's body declaring every name the function assigns
//! and nothing declares, grouped by the type of the first value each is given (an untyped
//! number is an `int`, as `:=` would make it).
//!
//! Why it is safe: the names are undefined, so declaring them changes no existing binding; a
//! declaration at the function's top reaches every use (`:=` in the loop's header would end
//! with the loop), and starts from the zero value the assignments then replace.
//!
//! Example: `for p = 1; p < n; p++ { … }; return p` with no `p` gains `var p int` as the
//! function's first line.

use std::collections::BTreeMap;

use tree_sitter::Node;

use super::scope::UndefinedUse;
use super::*;
use crate::fix::ErrorKind;

/// Every assigned name's type comes from its value.
const CONFIDENCE_TYPED: f64 = 0.5;

/// Declares the variables a function assigns but never declared.
pub(crate) struct UndeclaredVariable;

impl Rule for UndeclaredVariable {
    const META: RuleMeta = RuleMeta::new("go.undeclared-variable", FixApplicability::Speculative)
        .language(TargetLanguage::Go)
        .kinds(&[ErrorKind::UndefinedVariable, ErrorKind::Compiler]);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let Some(undefined) = UndefinedUse::of(error, program) else {
            return Vec::new();
        };
        let (name, site, text) = (undefined.name, &undefined.site, undefined.site.text);
        let Some(use_node) = undefined
            .identifier()
            .filter(|n| assigned_value(*n).is_some())
        else {
            return Vec::new();
        };
        let Some((function, declared)) = undefined.function(use_node, program) else {
            return Vec::new();
        };
        let Some(body) = function.child_by_field_name("body") else {
            return Vec::new();
        };
        // Every undeclared name the function assigns, with the type of its first value.
        let mut order: Vec<String> = Vec::new();
        let mut types: BTreeMap<String, String> = BTreeMap::new();
        for n in all_nodes(body) {
            if n.kind() != "identifier" {
                continue;
            }
            let assigned = node_text(n, text);
            if declared.contains(assigned) || types.contains_key(assigned) {
                continue;
            }
            let Some(value) = assigned_value(n) else {
                continue;
            };
            let ty = value
                .and_then(|v| go_expr_type(v, text))
                .unwrap_or_else(|| "int".into());
            order.push(assigned.to_string());
            types.insert(assigned.to_string(), ty);
        }
        if !order.iter().any(|n| n == name) {
            return Vec::new();
        }
        let mut groups: Vec<(Vec<&str>, &str)> = Vec::new();
        for n in &order {
            let ty = types[n].as_str();
            match groups.iter_mut().find(|(_, t)| *t == ty) {
                Some((names, _)) => names.push(n),
                None => groups.push((vec![n.as_str()], ty)),
            }
        }
        let indent = named_children(body)
            .into_iter()
            .find(|s| !s.kind().contains("comment"))
            .map(|s| {
                indentation(&text[start_of_line(text, s.start_byte())..s.start_byte()]).to_string()
            })
            .filter(|i| !i.is_empty())
            .unwrap_or_else(|| "\t".into());
        let decls: String = groups
            .iter()
            .map(|(names, ty)| format!("{indent}var {} {ty}\n", names.join(", ")))
            .collect();
        let at = end_of_line(text, body.start_byte()) + 1;
        if at > text.len() {
            return Vec::new();
        }
        let mut fixes = Fixes::new(Self::META.id);
        fixes.replace(
            CONFIDENCE_TYPED,
            format!("declare the assigned variables: `{}`", decls.trim()),
            site.file,
            at,
            at,
            &decls,
        );
        fixes.done()
    }
}

/// When identifier `n` is written by an assignment (`n = v`, `n op= v`, `n++`, `n--`):
/// `Some(Some(v))` with the value when there is one position for it, `Some(None)` for `++`,
/// `--` and a multi-value right side. `None` when `n` is not assigned.
fn assigned_value(n: Node<'_>) -> Option<Option<Node<'_>>> {
    let parent = n.parent()?;
    match parent.kind() {
        "inc_statement" | "dec_statement" => Some(None),
        "expression_list" => {
            let statement = parent.parent()?;
            if statement.kind() != "assignment_statement"
                || statement
                    .child_by_field_name("left")
                    .is_none_or(|l| l.id() != parent.id())
            {
                return None;
            }
            let left = named_children(parent);
            let i = left.iter().position(|l| l.id() == n.id())?;
            let right = statement
                .child_by_field_name("right")
                .map(named_children)
                .unwrap_or_default();
            Some((right.len() == left.len()).then(|| right[i]))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{undefined_fixes, undefined_results};
    use super::*;
    use crate::fix::text::testing::program;

    const TEXT: &str = "package main\n\nfunc firstGap(xs []int) (int, string) {\n\tfor i = 1; i < len(xs); i++ {\n\t\tif xs[i] != xs[i-1]+1 {\n\t\t\tbreak\n\t\t}\n\t}\n\tlabel = \"gap\"\n\tcount += 1\n\treturn i + count, label\n}\n";

    #[test]
    fn every_assigned_name_is_declared_at_the_top_by_type() {
        let p = program(TargetLanguage::Go, "main.go", TEXT);
        let want = [TEXT.replace(
            "string) {\n",
            "string) {\n\tvar i, count int\n\tvar label string\n",
        )];
        assert_eq!(
            undefined_results(&UndeclaredVariable, &p, TEXT, "i", (4, 6)),
            want
        );
        // Any of the names' errors proposes the same declaration.
        assert_eq!(
            undefined_results(&UndeclaredVariable, &p, TEXT, "label", (9, 2)),
            want
        );
    }

    #[test]
    fn a_name_only_read_or_already_declared_is_not_this_rules() {
        let text = "package main\n\nvar total int\n\nfunc f(n int) int {\n\ttotal = n\n\treturn n * limit\n}\n";
        let p = program(TargetLanguage::Go, "main.go", text);
        assert!(undefined_fixes(&UndeclaredVariable, &p, "limit", (7, 13)).is_empty());
        assert!(undefined_fixes(&UndeclaredVariable, &p, "total", (6, 2)).is_empty());
    }
}
