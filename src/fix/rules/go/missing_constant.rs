//! `go.missing-constant`: declares a constant the program uses but never defined. Answers:
//! `undefined: Name` for a name that is not called and is written like a constant
//! (`MaxItems`, `MAX_ITEMS`). Fix: `const Name = 0` before the declaration that uses it (an
//! untyped constant: it fits every numeric use), `""` or `false` when the use's position
//! expects a string or a boolean. A constant used as the divisor of `%` (where `0` does not
//! compile) gets the moduli modular arithmetic is written with: `1000000007`, then
//! `998244353`. A constant that sizes an allocation (`make([]int, N)`, `[N]int`, where `0`
//! leaves nothing to index) gets the bounds tables are written with: `1000` (an `N × N` table
//! still fits in memory), then `100000`.
//!
//! Why it is safe: only the use is read and a new declaration is added; nothing existing
//! changes.
//!
//! Example: `for i := 0; i < MaxItems; i++` with no `MaxItems` gains `const MaxItems = 0`.

use super::scope::UndefinedUse;
use super::*;
use crate::fix::ErrorKind;

/// The use's position says the kind of value.
const CONFIDENCE_TYPED: f64 = 0.4;
/// Nothing says it: a numeric zero.
const CONFIDENCE_GUESSED: f64 = 0.3;

/// A constant that is the right operand of `%` or `%=`: the moduli of modular arithmetic,
/// the prime `1e9 + 7` first, then `998244353` (NTT-friendly).
const MODULI: &[(&str, f64)] = &[("1000000007", 0.4), ("998244353", 0.35)];

/// A constant that sizes an allocation: the bounds tables are declared with, the one whose
/// square still fits in memory (a `dp[N][N]` table) first.
const SIZES: &[(&str, f64)] = &[("1000", 0.4), ("100000", 0.35)];

/// Declares a constant the program uses but never defined.
pub(crate) struct MissingConstant;

/// Whether some use of `name` in the file is the right operand of `%` or `%=`.
fn is_modulus(root: tree_sitter::Node<'_>, text: &str, name: &str) -> bool {
    let mut uses = all_nodes(root)
        .into_iter()
        .filter(|n| n.kind() == "identifier" && node_text(*n, text) == name);
    let right_of_modulo = |n: tree_sitter::Node<'_>| {
        let Some(p) = n.parent() else {
            return false;
        };
        match p.kind() {
            "binary_expression" => {
                p.child_by_field_name("operator")
                    .is_some_and(|o| node_text(o, text) == "%")
                    && p.child_by_field_name("right")
                        .is_some_and(|r| r.id() == n.id())
            }
            "expression_list" => p.parent().is_some_and(|a| {
                a.kind() == "assignment_statement"
                    && a.child_by_field_name("operator")
                        .is_some_and(|o| node_text(o, text) == "%=")
                    && a.child_by_field_name("right")
                        .is_some_and(|r| r.id() == p.id())
            }),
            _ => false,
        }
    };
    uses.any(right_of_modulo)
}

/// Whether some use of `name` in the file is the length of an allocation: the size argument
/// of `make` or the length of an array type.
fn is_size(root: tree_sitter::Node<'_>, text: &str, name: &str) -> bool {
    all_nodes(root)
        .into_iter()
        .filter(|n| n.kind() == "identifier" && node_text(*n, text) == name)
        .any(|n| {
            let Some(p) = n.parent() else {
                return false;
            };
            match p.kind() {
                "array_type" => p
                    .child_by_field_name("length")
                    .is_some_and(|l| l.id() == n.id()),
                "argument_list" => p.parent().is_some_and(|call| {
                    call.kind() == "call_expression"
                        && call
                            .child_by_field_name("function")
                            .is_some_and(|f| node_text(f, text) == "make")
                        && named_children(p).get(1).is_some_and(|a| a.id() == n.id())
                }),
                _ => false,
            }
        })
}

impl Rule for MissingConstant {
    const META: RuleMeta = RuleMeta::new("go.missing-constant", FixApplicability::Speculative)
        .language(TargetLanguage::Go)
        .kinds(&[ErrorKind::UndefinedVariable, ErrorKind::Compiler]);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let Some(undefined) = UndefinedUse::of(error, program)
            .filter(|u| u.name.starts_with(|c: char| c.is_ascii_uppercase()))
        else {
            return Vec::new();
        };
        let (name, t) = (undefined.name, &undefined.site);
        let Some(use_node) = undefined.identifier() else {
            return Vec::new();
        };
        if call_of(use_node).is_some()
            || use_node
                .parent()
                .is_some_and(|p| matches!(p.kind(), "selector_expression" | "composite_literal"))
        {
            return Vec::new();
        }
        let values: Vec<(&str, f64)> = match go_expected(use_node, t.text).0 {
            Expected::Type(ty) if ty == "string" => vec![("\"\"", CONFIDENCE_TYPED)],
            Expected::Type(ty) if ty == "bool" => vec![("false", CONFIDENCE_TYPED)],
            Expected::Type(ty) if !GO_NUMBERS.contains(&ty.as_str()) => return Vec::new(),
            // A modulus of zero does not compile (`division by zero`): the moduli
            // modular arithmetic is written with, the most common first.
            _ if is_modulus(t.tree.root_node(), t.text, name) => MODULI.to_vec(),
            // A zero length leaves nothing to index: the bounds tables are declared with.
            _ if is_size(t.tree.root_node(), t.text, name) => SIZES.to_vec(),
            Expected::Type(_) => vec![("0", CONFIDENCE_TYPED)],
            _ => vec![("0", CONFIDENCE_GUESSED)],
        };
        let Some(item) = top_level_item(use_node) else {
            return Vec::new();
        };
        let at = start_of_line(t.text, item.start_byte());
        let mut fixes = Fixes::new(Self::META.id);
        for (value, confidence) in values {
            fixes.replace(
                confidence,
                format!("declare the constant `{name} = {value}`"),
                t.file,
                at,
                at,
                &format!("const {name} = {value}\n\n"),
            );
        }
        fixes.done()
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{undefined_fixes, undefined_results};
    use super::*;
    use crate::fix::text::testing::program;

    #[test]
    fn constant_before_the_function_that_uses_it() {
        let text = "package main\n\nfunc main() {\n\tfor i := 0; i < MaxItems; i++ {\n\t}\n\tvar s string = Prefix\n\t_ = s\n}\n";
        let p = program(TargetLanguage::Go, "main.go", text);
        assert_eq!(
            undefined_results(&MissingConstant, &p, text, "MaxItems", (4, 18)),
            [text.replace("func main", "const MaxItems = 0\n\nfunc main")]
        );
        assert_eq!(
            undefined_results(&MissingConstant, &p, text, "Prefix", (6, 17)),
            [text.replace("func main", "const Prefix = \"\"\n\nfunc main")]
        );
        assert!(undefined_fixes(&MissingConstant, &p, "total", (4, 18)).is_empty());
    }

    #[test]
    fn a_constant_used_only_as_a_modulus_is_a_modulus() {
        let text = "package main\n\nfunc ways(n int) int64 {\n\tvar w int64 = 1\n\tfor i := 0; i < n; i++ {\n\t\tw = (w * 2) % Mod\n\t}\n\tw %= Mod\n\treturn w\n}\n";
        let p = program(TargetLanguage::Go, "main.go", text);
        assert_eq!(
            undefined_results(&MissingConstant, &p, text, "Mod", (6, 18)),
            [
                text.replace("func ways", "const Mod = 1000000007\n\nfunc ways"),
                text.replace("func ways", "const Mod = 998244353\n\nfunc ways"),
            ]
        );
        // Never a divisor: the plain zero.
        let bound = text
            .replace(") % Mod", ") + Mod")
            .replace("w %= Mod", "w -= Mod");
        let p = program(TargetLanguage::Go, "main.go", &bound);
        assert_eq!(
            undefined_results(&MissingConstant, &p, &bound, "Mod", (6, 18)),
            [bound.replace("func ways", "const Mod = 0\n\nfunc ways")]
        );
    }

    #[test]
    fn a_constant_that_sizes_an_allocation_is_a_bound_not_zero() {
        let text = "package main\n\nfunc table(n int) int {\n\tdp := make([][]int, MaxN)\n\tfor i := range dp {\n\t\tdp[i] = make([]int, MaxN)\n\t}\n\treturn dp[n][n]\n}\n";
        let p = program(TargetLanguage::Go, "main.go", text);
        assert_eq!(
            undefined_results(&MissingConstant, &p, text, "MaxN", (4, 22)),
            [
                text.replace("func table", "const MaxN = 1000\n\nfunc table"),
                text.replace("func table", "const MaxN = 100000\n\nfunc table"),
            ]
        );
        let array = "package main\n\nvar seen [Limit]bool\n\nfunc main() {}\n";
        let p = program(TargetLanguage::Go, "main.go", array);
        assert_eq!(
            undefined_results(&MissingConstant, &p, array, "Limit", (3, 11)),
            [
                array.replace("var seen", "const Limit = 1000\n\nvar seen"),
                array.replace("var seen", "const Limit = 100000\n\nvar seen"),
            ]
        );
        // A capacity (make's third argument) or a loop bound is no size.
        let bound = "package main\n\nfunc f() []int {\n\tfor i := 0; i < Count; i++ {\n\t}\n\treturn make([]int, 0, Count)\n}\n";
        let p = program(TargetLanguage::Go, "main.go", bound);
        assert_eq!(
            undefined_results(&MissingConstant, &p, bound, "Count", (4, 18)),
            [bound.replace("func f", "const Count = 0\n\nfunc f")]
        );
    }
}
