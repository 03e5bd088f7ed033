//! [`EditKind::UnusedValue`]: a statement that computes a value and drops it.
//!
//! `true;` alone on a line inside an `if` does nothing: the `return` was left out. A
//! statement that is nothing but a name or a literal (Rust `x;`, Python `x`, JavaScript
//! `x;`) becomes `return x`. Go refuses such statements at compile time, and Python's
//! docstrings (string statements) are left alone.
//!
//! The same for an operator that does nothing: Python has no `++`/`--`, so `++i` is `+(+i)`,
//! which is `i` (and Rust's `--x` is `x`): it becomes `i + 1` (`x - 1`), the step that was
//! meant.

use tree_sitter::Node;

use super::mutate::{EditKind, Generator};
use super::syntax::text;
use crate::types::TargetLanguage;

/// Kinds of an expression whose value, computed on its own, has no effect.
fn is_pure_value(language: TargetLanguage, kind: &str) -> bool {
    match language {
        TargetLanguage::Rust => matches!(
            kind,
            "identifier"
                | "boolean_literal"
                | "integer_literal"
                | "float_literal"
                | "char_literal"
                | "string_literal"
        ),
        TargetLanguage::Python => matches!(
            kind,
            "identifier" | "true" | "false" | "integer" | "float" | "none"
        ),
        TargetLanguage::JavaScript => {
            matches!(kind, "identifier" | "true" | "false" | "number" | "null")
        }
        TargetLanguage::Go => false,
    }
}

impl Generator<'_> {
    pub(super) fn unused_value(&mut self, node: Node<'_>, line: u32) {
        if !self.wants(EditKind::UnusedValue) {
            return;
        }
        self.double_sign(node, line);
        if node.kind() != "expression_statement" {
            return;
        }
        if node.named_child_count() != 1 {
            return;
        }
        let Some(value) = node.named_child(0) else {
            return;
        };
        if !is_pure_value(self.language, value.kind()) || self.scope(node).is_none() {
            return;
        }
        // Rust: a block's tail expression is its value; only a statement (`x;`) drops it.
        let statement = text(node, self.source);
        if self.language == TargetLanguage::Rust && !statement.trim_end().ends_with(';') {
            return;
        }
        let value_text = text(value, self.source);
        let returned = match self.language {
            TargetLanguage::Python => format!("return {value_text}"),
            _ => format!("return {value_text};"),
        };
        let description = format!(
            "return the dropped value `{value_text}` at {}:{line}",
            self.file
        );
        self.replace_described(EditKind::UnusedValue, line, node, returned, description);
    }
}

impl Generator<'_> {
    /// Python `++x`/`--x`, Rust `--x`: a sign applied twice, which changes nothing.
    fn double_sign(&mut self, node: Node<'_>, line: u32) {
        let unary = match self.language {
            TargetLanguage::Python => "unary_operator",
            TargetLanguage::Rust => "unary_expression",
            _ => return,
        };
        if node.kind() != unary {
            return;
        }
        // Only the outer of the two.
        if node.parent().is_some_and(|p| p.kind() == unary) {
            return;
        }
        let whole = text(node, self.source);
        let sign = match whole.get(..2) {
            Some("++") if self.language == TargetLanguage::Python => "+",
            Some("--") => "-",
            _ => return,
        };
        let Some(inner) = node.named_child(0).filter(|c| c.kind() == unary) else {
            return;
        };
        let Some(operand) = inner.named_child(0) else {
            return;
        };
        let operand = text(operand, self.source);
        let stepped = if self.is_atomic(inner.named_child(0).unwrap_or(inner)) {
            format!("{operand} {sign} 1")
        } else {
            format!("({operand}) {sign} 1")
        };
        let description = format!(
            "`{whole}` does nothing: `{stepped}` at {}:{line}",
            self.file
        );
        self.replace_described(EditKind::UnusedValue, line, node, stepped, description);
    }
}
