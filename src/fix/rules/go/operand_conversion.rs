//! `go.operand-conversion`: conversions ranked by the type pair, at the operand that needs one.
//! Answers: `invalid operation: a * b (mismatched types float64 and int)` and `cannot use e
//! (value of type int) as float64 value` where `e` is a division or a string literal. Fix:
//! - mismatched operands: the integer operand converted to the float type (`float64(k)`) ranks
//!   above the float truncated to an integer;
//! - an integer division used as a float: each operand converted before dividing
//!   (`float64(sum) / float64(len(xs))`), which converting the quotient would not do;
//! - a string literal spelling a number where a number is expected: the number (`"3"` → `3`).
//!
//! Why it is safe: the compiler names both types; the conversions are exact for the values
//! programs compute with, and the heal loop validates every candidate.
//!
//! Example: `return sum / len(xs)` in a `float64` function →
//! `return float64(sum) / float64(len(xs))`.

use super::type_conversion::{cannot_use, find_text_near};
use super::*;
use crate::fix::ErrorKind;
use tree_sitter::Node;

/// An integer operand of a float operation becomes a float: almost always what was meant.
const CONFIDENCE_INT_TO_FLOAT: f64 = 0.7;
/// A float operand truncated to an integer: rarely what was meant.
const CONFIDENCE_FLOAT_TO_INT: f64 = 0.35;
/// An integer division used as a float: both operands converted first.
const CONFIDENCE_FLOAT_DIVISION: f64 = 0.75;
/// A string literal spelling the number that was expected.
const CONFIDENCE_LITERAL: f64 = 0.75;

const GO_FLOATS: &[&str] = &["float32", "float64"];

/// Conversions ranked by the type pair, at the operand that needs one.
pub(crate) struct OperandConversion;

impl Rule for OperandConversion {
    const META: RuleMeta = RuleMeta::new("go.operand-conversion", FixApplicability::Speculative)
        .language(TargetLanguage::Go)
        .kinds(&[ErrorKind::TypeMismatch, ErrorKind::Compiler]);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let Some(t) = target(error, program) else {
            return Vec::new();
        };
        let Some(tree) = parse_tree(TargetLanguage::Go, t.text) else {
            return Vec::new();
        };
        let root = tree.root_node();
        let msg = message(error);
        let mut fixes = Fixes::new(Self::META.id);
        // The expression the message quotes, on the error's line nearest the error.
        let line_start = start_of_line(t.text, t.offset);
        let line = &t.text[line_start..end_of_line(t.text, t.offset)];
        let find = |expr: &str| find_text_near(t.text, line_start, line, t.offset, expr);
        if let Some(idx) = msg.find("(mismatched types ") {
            let types = msg[idx + "(mismatched types ".len()..].trim_end_matches(')');
            let Some((left_t, right_t)) = types.split_once(" and ") else {
                return Vec::new();
            };
            let Some(expr) = msg[..idx].trim().rsplit_once(": ").map(|(_, e)| e.trim()) else {
                return Vec::new();
            };
            let Some(at) = find(expr) else {
                return Vec::new();
            };
            let Some(op) = root
                .named_descendant_for_byte_range(at, at + expr.len())
                .filter(|n| n.kind() == "binary_expression")
            else {
                return Vec::new();
            };
            let Some((left, right)) = binary_operands(op) else {
                return Vec::new();
            };
            let int = |ty: &str| GO_NUMBERS.contains(&ty) && !GO_FLOATS.contains(&ty);
            let mut convert = |node: Node<'_>, to: &str, confidence: f64| {
                let text = node_text(node, t.text);
                fixes.replace(
                    confidence,
                    format!("convert `{text}` to {to}"),
                    t.file,
                    node.start_byte(),
                    node.end_byte(),
                    &format!("{to}({text})"),
                );
            };
            let float = |ty: &str| GO_FLOATS.contains(&ty);
            if let Some(((i, i_ty), (f, f_ty))) =
                int_and_float((left, left_t), (right, right_t), float, int)
            {
                convert(i, f_ty, CONFIDENCE_INT_TO_FLOAT);
                convert(f, i_ty, CONFIDENCE_FLOAT_TO_INT);
            }
            return fixes.done();
        }
        let Some((expr, source, target_ty)) = cannot_use(msg) else {
            return Vec::new();
        };
        let Some(at) = find(expr) else {
            return Vec::new();
        };
        let Some(node) = root.named_descendant_for_byte_range(at, at + expr.len()) else {
            return Vec::new();
        };
        if GO_FLOATS.contains(&target_ty)
            && GO_NUMBERS.contains(&source.as_str())
            && !GO_FLOATS.contains(&source.as_str())
        {
            // Each operand converted, then divided: the quotient's conversion truncates first.
            convert_then_divide(
                &mut fixes,
                (CONFIDENCE_FLOAT_DIVISION, t.file),
                (node, node),
                t.text,
                target_ty,
                |n| format!("{target_ty}({})", node_text(n, t.text)),
            );
        }
        if GO_NUMBERS.contains(&target_ty) && source == "string" {
            let lit = expr
                .strip_prefix('"')
                .and_then(|e| e.strip_suffix('"'))
                .map(str::trim);
            let ok = lit.is_some_and(|l| {
                if GO_FLOATS.contains(&target_ty) {
                    l.parse::<f64>().is_ok()
                } else {
                    l.parse::<i64>().is_ok()
                }
            });
            if let (true, Some(l)) = (ok, lit) {
                fixes.replace(
                    CONFIDENCE_LITERAL,
                    format!("write the number {l}"),
                    t.file,
                    node.start_byte(),
                    node.end_byte(),
                    l,
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

    fn heal(text: &str, msg: &str, line: u32, col: u32) -> Vec<String> {
        let p = program(TargetLanguage::Go, "main.go", text);
        let e = err(ErrorType::TypeMismatch, "x", msg, "main.go", line, col);
        results(&OperandConversion.suggest(&e, &p), text)
    }

    #[test]
    fn integer_operand_of_a_float_operation_ranks_first() {
        let text = "package main\n\nfunc f(r float64, k int) float64 {\n\treturn r * k\n}\n";
        let out = heal(
            text,
            "invalid operation: r * k (mismatched types float64 and int)",
            4,
            9,
        );
        assert_eq!(
            out,
            [
                text.replace("r * k", "r * float64(k)"),
                text.replace("r * k", "int(r) * k")
            ]
        );
    }

    #[test]
    fn integer_division_used_as_float_converts_each_operand() {
        let text =
            "package main\n\nfunc avg(sum int, xs []int) float64 {\n\treturn sum / len(xs)\n}\n";
        let out = heal(
            text,
            "cannot use sum / len(xs) (value of type int) as type float64 in return statement",
            4,
            9,
        );
        assert_eq!(
            out,
            [text.replace("sum / len(xs)", "float64(sum) / float64(len(xs))")]
        );
        let text = "package main\n\nfunc main() {\n\tvar n int = \"3\"\n\t_ = n\n}\n";
        let out = heal(
            text,
            "cannot use \"3\" (untyped string constant) as int value in variable declaration",
            4,
            14,
        );
        assert_eq!(out, [text.replace("\"3\"", "3")]);
    }
}
