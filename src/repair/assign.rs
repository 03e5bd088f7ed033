//! [`EditKind::Assignment`]: a plain assignment that should accumulate, or an accumulation
//! that should assign.
//!
//! `i = 1` inside a loop where `i += 1` was meant never advances; `score += score + 1` adds
//! `score` twice. A plain `x = e` to a name bound before it becomes `x += e` and `x -= e`; a
//! compound `x op= e` becomes `x = e`. Declarations (`let`, `:=`, `var`, a Python name's first
//! binding) are not assignments to an existing value and are left alone; so is `x = 0`
//! (`x += 0` would only delete it).

use tree_sitter::Node;

use super::mutate::{EditKind, Generator};
use super::syntax::{children, descendants, text};
use crate::types::TargetLanguage;

/// The `=` or `op=` token of an assignment node, and whether it is plain.
fn assignment_token<'t>(
    language: TargetLanguage,
    node: Node<'t>,
    source: &str,
) -> Option<(Node<'t>, bool)> {
    let plain_kind = match language {
        TargetLanguage::Python => "assignment",
        TargetLanguage::JavaScript | TargetLanguage::Rust => "assignment_expression",
        TargetLanguage::Go => "assignment_statement",
    };
    let compound_kind = match language {
        TargetLanguage::Python => "augmented_assignment",
        TargetLanguage::JavaScript => "augmented_assignment_expression",
        TargetLanguage::Rust => "compound_assignment_expr",
        TargetLanguage::Go => "assignment_statement",
    };
    if node.kind() != plain_kind && node.kind() != compound_kind {
        return None;
    }
    // A Python annotated assignment (`x: int = 0`) declares.
    if language == TargetLanguage::Python && node.child_by_field_name("type").is_some() {
        return None;
    }
    let token = children(node).into_iter().find(|c| {
        !c.is_named()
            && matches!(
                text(*c, source),
                "=" | "+=" | "-=" | "*=" | "/=" | "%=" | "//=" | "<<=" | ">>=" | "&=" | "|=" | "^="
            )
    })?;
    let plain = text(token, source) == "=";
    Some((token, plain))
}

impl Generator<'_> {
    pub(super) fn assignment(&mut self, node: Node<'_>, line: u32) {
        let Some((token, plain)) = self.wanted_site(EditKind::Assignment, node, assignment_token)
        else {
            return;
        };
        // A loop's own update is the loop direction's business (an `i = 1` there never ends).
        if node
            .parent()
            .is_some_and(|p| p.kind() == "for_clause" || p.kind() == "for_statement")
        {
            return;
        }
        let Some(left) = node.child_by_field_name("left") else {
            return;
        };
        // One target only (`a, b = …` has no compound form).
        let left = if left.kind() == "expression_list" {
            if left.named_child_count() != 1 {
                return;
            }
            match left.named_child(0) {
                Some(l) => l,
                None => return,
            }
        } else {
            left
        };
        if matches!(
            left.kind(),
            "pattern_list" | "tuple_pattern" | "list_pattern" | "array_pattern" | "object_pattern"
        ) {
            return;
        }
        if !plain {
            self.replace(EditKind::Assignment, line, token, "=".into());
            return;
        }
        if !self.assigned_before(node, left) {
            return;
        }
        // `x += 0` does nothing: deleting the assignment (a statement edit) says it better.
        let zero = node
            .child_by_field_name("right")
            .is_some_and(|r| matches!(text(r, self.source).trim(), "0" | "0.0"));
        if zero {
            return;
        }
        for compound in ["+=", "-="] {
            self.replace(EditKind::Assignment, line, token, compound.into());
        }
    }

    /// True when the target of the assignment `node` holds a value already: an element or a
    /// field, or a name bound before the assignment in the same function (Python binds names
    /// by assigning them; the other languages declare them, so there a plain assignment
    /// always updates).
    fn assigned_before(&self, node: Node<'_>, left: Node<'_>) -> bool {
        if left.kind() != "identifier" || self.language != TargetLanguage::Python {
            return true;
        }
        let name = text(left, self.source);
        let Some(function) = self.scope(node) else {
            return false;
        };
        let is_parameter = function.child_by_field_name("parameters").is_some_and(|p| {
            descendants(p)
                .iter()
                .any(|i| i.kind() == "identifier" && text(*i, self.source) == name)
        });
        if is_parameter {
            return true;
        }
        descendants(function).into_iter().any(|n| {
            matches!(
                n.kind(),
                "assignment" | "augmented_assignment" | "for_statement"
            ) && n.child_by_field_name("left").is_some_and(|l| {
                l.end_byte() <= node.start_byte()
                    && descendants(l)
                        .iter()
                        .any(|i| i.kind() == "identifier" && text(*i, self.source) == name)
            })
        })
    }
}
