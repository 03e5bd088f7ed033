//! The numeric operands of a binary operation, for the rules that convert one of them (Rust
//! `as` casts, Go conversions): the two operands, which of a float/integer pair is the integer,
//! and an integer division rewritten to divide as a float.

use tree_sitter::Node;

use super::{node_text, Fixes};

/// The `left` and `right` operands of a binary expression.
pub(crate) fn binary_operands(op: Node<'_>) -> Option<(Node<'_>, Node<'_>)> {
    Some((
        op.child_by_field_name("left")?,
        op.child_by_field_name("right")?,
    ))
}

/// The operands of `node` (in `src`) when it is a division `a / b`.
pub(crate) fn division_operands<'t>(node: Node<'t>, src: &str) -> Option<(Node<'t>, Node<'t>)> {
    let divides = node.kind() == "binary_expression"
        && node
            .child_by_field_name("operator")
            .is_some_and(|o| node_text(o, src) == "/");
    divides.then(|| binary_operands(node)).flatten()
}

/// An operand and its type.
pub(crate) type Typed<'t, 'a> = (Node<'t>, &'a str);

/// The operands of an operation between a float and an integer, the integer one first (on
/// whichever side each is): `None` unless one operand's type is a float (`is_float`) and the
/// other's an integer (`is_int`).
pub(crate) fn int_and_float<'t, 'a>(
    left: Typed<'t, 'a>,
    right: Typed<'t, 'a>,
    is_float: impl Fn(&str) -> bool,
    is_int: impl Fn(&str) -> bool,
) -> Option<(Typed<'t, 'a>, Typed<'t, 'a>)> {
    if is_float(left.1) && is_int(right.1) {
        Some((right, left))
    } else if is_int(left.1) && is_float(right.1) {
        Some((left, right))
    } else {
        None
    }
}

/// Adds the fix for an integer division whose value should be a float: `span` (`div`, or the
/// parentheses around it) becomes each operand converted by `convert`, divided. Converting the
/// quotient instead would keep the integer division. `to` names the float type in the
/// description; nothing is added unless `div` is a division in `src`.
pub(crate) fn convert_then_divide(
    fixes: &mut Fixes<'_>,
    (confidence, file): (f64, &str),
    (span, div): (Node<'_>, Node<'_>),
    src: &str,
    to: &str,
    convert: impl Fn(Node<'_>) -> String,
) {
    let Some((left, right)) = division_operands(div, src) else {
        return;
    };
    let replacement = format!("{} / {}", convert(left), convert(right));
    fixes.replace(
        confidence,
        format!("divide as {to}: `{replacement}`"),
        file,
        span.start_byte(),
        span.end_byte(),
        &replacement,
    );
}
