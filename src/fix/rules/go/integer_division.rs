//! `go.integer-division`: a float conversion of an integer quotient converts too late. Answers:
//! failing tests. Fix: `float64(a / b)` with integer operands → `float64(a) / float64(b)` (the
//! same for `float32`), in the program's files: the quotient was truncated before the
//! conversion, which is why the test sees a whole number.
//!
//! Why it is safe: it only ever runs when tests fail, and only at conversions of a division of
//! two operands the text types as integers (or does not type at all); the tests decide.
//!
//! Example: `return float64(sum / len(xs))` → `return float64(sum) / float64(len(xs))`.

use super::*;
use crate::fix::ErrorKind;

/// One failing test, one suspicious conversion: a candidate worth one validation.
const CONFIDENCE: f64 = 0.4;

/// `float64(a / b)` → `float64(a) / float64(b)`.
pub(crate) struct IntegerDivision;

impl Rule for IntegerDivision {
    const META: RuleMeta = RuleMeta::new("go.integer-division", FixApplicability::Speculative)
        .language(TargetLanguage::Go)
        .kinds(&[ErrorKind::TestFailure]);

    fn fixes(&self, _error: &CodeError, program: &Program) -> Vec<Fix> {
        let mut fixes = Fixes::new(Self::META.id);
        for (file, text) in editable_sources(program) {
            if crate::lang::is_test_file(TargetLanguage::Go, file) {
                continue;
            }
            let Some(tree) = parse_tree(TargetLanguage::Go, text) else {
                continue;
            };
            for call in all_nodes(tree.root_node()) {
                if call.kind() != "call_expression" {
                    continue;
                }
                let Some(conv) = call
                    .child_by_field_name("function")
                    .map(|f| node_text(f, text))
                    .filter(|f| matches!(*f, "float64" | "float32"))
                else {
                    continue;
                };
                let args = call_arguments(call);
                let [arg] = args.as_slice() else {
                    continue;
                };
                let mut inner = *arg;
                while inner.kind() == "parenthesized_expression" {
                    match named_children(inner).into_iter().next() {
                        Some(n) => inner = n,
                        None => break,
                    }
                }
                let Some((l, r)) = division_operands(inner, text) else {
                    continue;
                };
                let integer = |n| {
                    go_expr_type(n, text)
                        .is_none_or(|t| GO_NUMBERS.contains(&t.as_str()) && !t.starts_with("float"))
                };
                if !integer(l) || !integer(r) {
                    continue;
                }
                let replacement = format!(
                    "{conv}({}) / {conv}({})",
                    node_text(l, text),
                    node_text(r, text)
                );
                fixes.replace(
                    CONFIDENCE,
                    format!(
                        "divide as {conv} on line {}: `{replacement}`",
                        call.start_position().row + 1
                    ),
                    file,
                    call.start_byte(),
                    call.end_byte(),
                    &replacement,
                );
            }
        }
        fixes.done()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::text::testing::{err, program, results};
    use crate::fix::FixStrategy;
    use crate::types::ErrorType;

    #[test]
    fn conversion_of_an_integer_quotient_converts_the_operands() {
        let text = "package main\n\nfunc avg(xs []int) float64 {\n\tsum := 0\n\tfor _, x := range xs {\n\t\tsum += x\n\t}\n\treturn float64(sum / len(xs))\n}\n\nfunc ratio(a, b float64) float64 {\n\treturn float64(a / b)\n}\n";
        let p = program(TargetLanguage::Go, "main.go", text);
        let e = err(
            ErrorType::TestFailure,
            "test",
            "avg([1 2]) = 1, want 1.5",
            "main_test.go",
            1,
            1,
        );
        assert_eq!(
            results(&IntegerDivision.suggest(&e, &p), text),
            [text.replace("float64(sum / len(xs))", "float64(sum) / float64(len(xs))")]
        );
    }
}
