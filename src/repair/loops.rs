//! [`EditKind::LoopDirection`]: a counting loop whose update runs away from its bound.
//!
//! `for q = k - 1; q > p; q++` counts up while its condition waits for `q` to come down: it
//! runs past the end of whatever `q` indexes, or never ends. The update is turned around
//! (`++` ↔ `--`, `+= c` ↔ `-= c` for a positive literal `c`). Only C-style loops (Go,
//! JavaScript) have the three parts; a loop whose condition does not compare its variable
//! with `<`, `<=`, `>` or `>=` is left alone. When a function holds several such loops, one
//! more mutation turns them all around at once.

use tree_sitter::Node;

use super::mutate::{EditKind, Generator};
use super::syntax::{self, children, descendants, line_of, text};
use crate::fix::Edit;
use crate::types::TargetLanguage;

/// The parts of a C-style loop: (condition, update).
fn parts<'t>(language: TargetLanguage, node: Node<'t>) -> Option<(Node<'t>, Node<'t>)> {
    match (language, node.kind()) {
        (TargetLanguage::Go, "for_statement") => {
            let clause = children(node)
                .into_iter()
                .find(|c| c.kind() == "for_clause")?;
            Some((
                clause.child_by_field_name("condition")?,
                clause.child_by_field_name("update")?,
            ))
        }
        (TargetLanguage::JavaScript, "for_statement") => Some((
            node.child_by_field_name("condition")?,
            node.child_by_field_name("increment")?,
        )),
        _ => None,
    }
}

/// The update's variable, the operator token and whether it increases the variable.
fn update_of<'t>(node: Node<'t>, source: &str) -> Option<(String, Node<'t>, bool)> {
    let named: Vec<Node<'t>> = children(node)
        .into_iter()
        .filter(|c| c.is_named())
        .collect();
    let token = children(node)
        .into_iter()
        .find(|c| !c.is_named() && matches!(text(*c, source), "++" | "--" | "+=" | "-="))?;
    let op = text(token, source);
    let target = node
        .child_by_field_name("argument")
        .or_else(|| node.child_by_field_name("left"))
        .or_else(|| named.first().copied())?;
    // Go keeps assignment targets in an expression list.
    let target = if target.kind() == "expression_list" {
        target.named_child(0)?
    } else {
        target
    };
    if target.kind() != "identifier" {
        return None;
    }
    let increases = match op {
        "++" => true,
        "--" => false,
        _ => {
            // `+= c` / `-= c`: only a positive literal step says which way it goes.
            let step = node.child_by_field_name("right")?;
            let step = if step.kind() == "expression_list" {
                step.named_child(0)?
            } else {
                step
            };
            let value: i64 = text(step, source).parse().ok()?;
            if value <= 0 {
                return None;
            }
            op == "+="
        }
    };
    Some((text(target, source).to_string(), token, increases))
}

/// Whether the condition wants `variable` to grow (`i < n`, `n > i`), to shrink (`i > 0`), or
/// says nothing (`None`).
fn wants_growth(condition: Node<'_>, variable: &str, source: &str) -> Option<bool> {
    let mut condition = condition;
    while condition.kind() == "parenthesized_expression" {
        condition = condition.named_child(0)?;
    }
    if condition.kind() != "binary_expression" {
        return None;
    }
    let left = condition.child_by_field_name("left")?;
    let right = condition.child_by_field_name("right")?;
    let op = text(condition.child_by_field_name("operator")?, source);
    let up = match op {
        "<" | "<=" => true,
        ">" | ">=" => false,
        _ => return None,
    };
    if text(left, source) == variable {
        Some(up)
    } else if text(right, source) == variable {
        Some(!up)
    } else {
        None
    }
}

/// The flipped operator token of a loop whose update runs away from its condition.
fn runaway<'t>(
    language: TargetLanguage,
    node: Node<'t>,
    source: &str,
) -> Option<(Node<'t>, &'static str)> {
    let (condition, update) = parts(language, node)?;
    let (variable, token, increases) = update_of(update, source)?;
    let grow = wants_growth(condition, &variable, source)?;
    if grow == increases {
        return None;
    }
    let flipped = match text(token, source) {
        "++" => "--",
        "--" => "++",
        "+=" => "-=",
        "-=" => "+=",
        _ => return None,
    };
    Some((token, flipped))
}

impl Generator<'_> {
    pub(super) fn loop_direction(&mut self, node: Node<'_>, line: u32) {
        let Some((token, flipped)) = self.wanted_site(EditKind::LoopDirection, node, runaway)
        else {
            return;
        };
        let original = text(token, self.source).to_string();
        let description = format!(
            "turn the loop around: `{original}` → `{flipped}` at {}:{line}",
            self.file
        );
        self.replace_described(
            EditKind::LoopDirection,
            line,
            token,
            flipped.to_string(),
            description,
        );
        // Every runaway loop of the function at once, offered at its first one.
        let Some(function) = syntax::enclosing_function(self.language, node) else {
            return;
        };
        let all: Vec<(u32, Node<'_>, &'static str)> = descendants(function)
            .into_iter()
            .filter_map(|n| runaway(self.language, n, self.source).map(|(t, f)| (line_of(n), t, f)))
            .collect();
        if all.len() < 2 || all[0].1.id() != token.id() {
            return;
        }
        let lines: Vec<String> = all.iter().map(|(l, _, _)| l.to_string()).collect();
        let edits = all
            .iter()
            .map(|(_, t, f)| Edit {
                file: self.file.to_string(),
                byte_start: t.start_byte(),
                byte_end: t.end_byte(),
                replacement: (*f).to_string(),
            })
            .collect();
        let description = format!(
            "turn the loops around at {}:{}",
            self.file,
            lines.join(", ")
        );
        self.push_together(EditKind::LoopDirection, line, edits, description);
    }
}
