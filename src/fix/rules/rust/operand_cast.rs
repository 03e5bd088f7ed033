//! `rust.operand-cast`: numeric casts at the operand that needs one. Answers: E0277 ``cannot
//! divide `f64` by `usize` `` (and add, subtract, multiply, remainder, the `-assign` forms),
//! E0308 `expected `f64`, found `i32`` on a division of integers. Fix: `n as f64` at the integer
//! operand of a float operation, `2` → `2.0` for an integer literal among floats, the right
//! operand cast to the left's type (then the left to the right's) for two integer types, and
//! `a as f64 / b as f64` for an integer division whose result should be a float (casting the
//! quotient would keep the integer division).
//!
//! Why it is safe: the compiler names both operand types; the cast goes where the types differ,
//! and converting an integer to a float loses nothing for the values programs divide.
//!
//! Example: `let avg: f64 = total / v.len();` with `total: f64` → `total / v.len() as f64`.

use super::*;
use crate::fix::ErrorKind;
use tree_sitter::Node;

/// An integer operand of a float operation becomes a float: almost always what was meant.
const CONFIDENCE_INT_TO_FLOAT: f64 = 0.75;
/// An integer literal among floats is written as a float literal.
const CONFIDENCE_FLOAT_LITERAL: f64 = 0.8;
/// Two integer types: the right operand takes the left's type.
const CONFIDENCE_INT_RIGHT: f64 = 0.6;
/// Two integer types: the left operand takes the right's type.
const CONFIDENCE_INT_LEFT: f64 = 0.5;
/// A float cast of a float operand down to an integer: rarely meant.
const CONFIDENCE_FLOAT_TO_INT: f64 = 0.3;
/// An integer quotient expected as a float: both operands cast before dividing.
const CONFIDENCE_FLOAT_DIVISION: f64 = 0.7;

/// Numeric casts at the operand that needs one.
pub(crate) struct OperandCast;

impl Rule for OperandCast {
    const META: RuleMeta = RuleMeta::new("rust.operand-cast", FixApplicability::Speculative)
        .language(TargetLanguage::Rust)
        .kinds(&[ErrorKind::TypeMismatch, ErrorKind::Compiler])
        .codes(&["E0277", "E0308"]);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        casts(error, program).unwrap_or_default()
    }
}

/// The casts at the operand of the operation the error names that needs one.
fn casts(error: &CodeError, program: &Program) -> Option<Vec<Fix>> {
    let t = target(error, program)?;
    let tree = parse_tree(TargetLanguage::Rust, t.text)?;
    let root = tree.root_node();
    let mut fixes = Fixes::new(OperandCast::META.id);
    if code(error) == "E0308" {
        float_division(error, &t, root, &mut fixes);
        return Some(fixes.done());
    }
    let (verb, left_ty, right_ty) = operand_types(message(error))?;
    let end = t.end.unwrap_or(t.offset + 1);
    let op = binary_at(root, t.text, t.offset, end, verb)?;
    let (left, right) = binary_operands(op)?;
    let float = |ty: &str| RUST_FLOATS.contains(&ty) || ty == "{float}";
    let int = |ty: &str| RUST_INTEGERS.contains(&ty) || ty == "{integer}";
    let mut cast = |node: Node<'_>, to: &str, confidence: f64| {
        let text = node_text(node, t.text);
        let replacement = if node.kind() == "integer_literal" && RUST_FLOATS.contains(&to) {
            format!(
                "{}.0",
                text.trim_end_matches(|c: char| c.is_ascii_alphabetic())
            )
        } else {
            format!("{} as {to}", operand(node, t.text))
        };
        fixes.replace(
            confidence,
            format!("cast `{text}` to `{to}`"),
            t.file,
            node.start_byte(),
            node.end_byte(),
            &replacement,
        );
    };
    let concrete = |ty: &str, other: &str| match ty {
        "{float}" if RUST_FLOATS.contains(&other) => other.to_string(),
        "{float}" => "f64".to_string(),
        "{integer}" => "i32".to_string(),
        _ => ty.to_string(),
    };
    if let Some(((int_node, int_ty), (float_node, float_ty))) =
        int_and_float((left, left_ty), (right, right_ty), float, int)
    {
        let confidence = if int_node.kind() == "integer_literal" {
            CONFIDENCE_FLOAT_LITERAL
        } else {
            CONFIDENCE_INT_TO_FLOAT
        };
        cast(int_node, &concrete(float_ty, int_ty), confidence);
        cast(
            float_node,
            &concrete(int_ty, float_ty),
            CONFIDENCE_FLOAT_TO_INT,
        );
    } else if int(left_ty) && int(right_ty) {
        cast(right, &concrete(left_ty, right_ty), CONFIDENCE_INT_RIGHT);
        cast(left, &concrete(right_ty, left_ty), CONFIDENCE_INT_LEFT);
    }
    Some(fixes.done())
}

/// `let avg: f64 = a / b;` with integers: `a as f64 / b as f64`.
fn float_division(error: &CodeError, t: &Target<'_>, root: Node<'_>, fixes: &mut Fixes<'_>) {
    let Some((expected, found)) = super::type_conversion::expected_found(error) else {
        return;
    };
    if !RUST_FLOATS.contains(&expected.as_str())
        || !(RUST_INTEGERS.contains(&found.as_str()) || found == "integer")
    {
        return;
    }
    let end = t.end.unwrap_or(t.offset + 1);
    let Some(node) = root.named_descendant_for_byte_range(t.offset, end) else {
        return;
    };
    let mut div = Some(node);
    while let Some(n) = div {
        if n.kind() == "parenthesized_expression" {
            div = named_children(n).into_iter().next();
        } else {
            break;
        }
    }
    if let Some(div) = div {
        convert_then_divide(
            fixes,
            (CONFIDENCE_FLOAT_DIVISION, t.file),
            (node, div),
            t.text,
            &format!("`{expected}`"),
            |n| format!("{} as {expected}", operand(n, t.text)),
        );
    }
}

/// An operand's text, parenthesized unless it binds tighter than `as`.
fn operand(node: Node<'_>, src: &str) -> String {
    let text = node_text(node, src);
    match node.kind() {
        "identifier"
        | "field_expression"
        | "call_expression"
        | "integer_literal"
        | "float_literal"
        | "parenthesized_expression"
        | "index_expression"
        | "scoped_identifier"
        | "macro_invocation" => text.to_string(),
        _ => format!("({text})"),
    }
}

/// The operation's verb and operand types: ``cannot divide `f64` by `usize` `` → (`/`, `f64`,
/// `usize`); ``cannot add `usize` to `f64` `` → (`+`, `f64`, `usize`).
fn operand_types(msg: &str) -> Option<(&'static str, &str, &str)> {
    let first = msg.lines().next()?;
    let ticks: Vec<&str> = first.split('`').collect();
    if ticks.len() < 4 {
        return None;
    }
    let (a, b) = (ticks[1], ticks[3]);
    let verb = first.strip_prefix("cannot ")?.split(' ').next()?;
    Some(match verb {
        "divide" => ("/", a, b),
        "multiply" => ("*", a, b),
        "add" => ("+", b, a),
        "subtract" => ("-", b, a),
        "calculate" => ("%", a, b),
        "divide-assign" => ("/=", a, b),
        "multiply-assign" => ("*=", a, b),
        "add-assign" => ("+=", b, a),
        "subtract-assign" => ("-=", b, a),
        _ => return None,
    })
}

/// The binary (or compound assignment) expression with operator `op` at or around the span.
fn binary_at<'t>(
    root: Node<'t>,
    src: &str,
    start: usize,
    end: usize,
    op: &str,
) -> Option<Node<'t>> {
    let mut node = root.descendant_for_byte_range(start, end.max(start + 1));
    while let Some(n) = node {
        if matches!(n.kind(), "binary_expression" | "compound_assignment_expr")
            && n.child_by_field_name("operator")
                .is_some_and(|o| node_text(o, src) == op)
        {
            return Some(n);
        }
        node = n.parent();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::text::testing::{program, results};
    use crate::fix::FixStrategy;
    use crate::types::{ErrorType, Location};

    fn error(
        code: &str,
        msg: &str,
        note: Option<&str>,
        line: u32,
        col: u32,
        end: u32,
    ) -> CodeError {
        let mut loc = Location::new("main.rs", line, col);
        loc.end_line = Some(line);
        loc.end_column = Some(end);
        let mut e = CodeError::new(ErrorType::TypeMismatch, msg)
            .with_code(code)
            .with_location(loc);
        e.notes.extend(note.map(str::to_string));
        e
    }

    #[test]
    fn integer_operand_of_a_float_division_is_cast() {
        let text = "fn avg(total: f64, v: &[i32]) -> f64 {\n    total / v.len()\n}\n";
        let p = program(TargetLanguage::Rust, "main.rs", text);
        let e = error("E0277", "cannot divide `f64` by `usize`", None, 2, 11, 12);
        let out = results(&OperandCast.suggest(&e, &p), text);
        assert_eq!(out[0], text.replace("v.len()", "v.len() as f64"));
        assert_eq!(out[1], text.replace("total /", "total as usize /"));
        let text = "fn half(x: f64) -> f64 {\n    x / 2\n}\n";
        let p = program(TargetLanguage::Rust, "main.rs", text);
        let e = error("E0277", "cannot divide `f64` by `{integer}`", None, 2, 7, 8);
        assert_eq!(
            results(&OperandCast.suggest(&e, &p), text)[0],
            text.replace("x / 2", "x / 2.0")
        );
    }

    #[test]
    fn integer_quotient_expected_as_float_divides_as_floats() {
        let text = "fn avg(sum: i32, n: i32) -> f64 {\n    let a: f64 = sum / n;\n    a\n}\n";
        let p = program(TargetLanguage::Rust, "main.rs", text);
        let e = error(
            "E0308",
            "mismatched types",
            Some("expected `f64`, found `i32`"),
            2,
            18,
            25,
        );
        assert_eq!(
            results(&OperandCast.suggest(&e, &p), text),
            [text.replace("sum / n", "sum as f64 / n as f64")]
        );
    }
}
