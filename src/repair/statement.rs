//! Statement-level candidate edits at a suspicious line ([`EditKind::Statement`],
//! [`EditKind::Guard`]):
//!
//! - a statement starting on the line is **deleted** (Python: replaced by `pass` when it is
//!   the only statement of its block), **duplicated** (not for `return`/`break`/`continue`),
//!   or **moved** one place down (swapped with the next statement of its block);
//! - `break` ↔ `continue`;
//! - a **missing `break`**: the last statement of an `if` inside a loop followed by `break`;
//! - a **guard**: at the first statement of a function, an early return when a parameter is
//!   empty — Python `if not p: return R`, JavaScript `if (!p || p.length === 0) return R;`,
//!   Go `if len(p) == 0 { return R }` (slice, string and map parameters), Rust
//!   `if p.is_empty() { return R; }` (slices, `str`, `Vec`, `String`), where `R` is the empty
//!   input itself, a literal another `return` of the function returns, or the result type's
//!   zero value (Go), `Default::default()` (Rust), `0`/`None` (Python), `0` (JavaScript); at
//!   most 3 parameters and 3 values each.
//!
//! Statements are the named children of a block (comments and nested functions excluded);
//! edits replace whole lines, so indentation is kept.

use tree_sitter::Node;

use super::mutate::{short, EditKind, Generator};
use super::syntax::{self, children, descendants, text};
use crate::types::TargetLanguage;

/// Node kinds whose named children are statements.
fn is_block(language: TargetLanguage, kind: &str) -> bool {
    match language {
        TargetLanguage::Python => kind == "block",
        TargetLanguage::JavaScript => kind == "statement_block",
        TargetLanguage::Go => matches!(kind, "block" | "statement_list"),
        TargetLanguage::Rust => kind == "block",
    }
}

/// A statement this module edits: a named, non-comment child of a block that is not itself a
/// definition (functions and classes are left alone) nor a block wrapper.
fn is_statement(language: TargetLanguage, node: Node<'_>) -> bool {
    let Some(parent) = node.parent() else {
        return false;
    };
    if !node.is_named() || !is_block(language, parent.kind()) {
        return false;
    }
    let kind = node.kind();
    if kind.contains("comment")
        || syntax::is_function(language, kind)
        || kind == "statement_list"
        || matches!(
            kind,
            "class_definition" | "decorated_definition" | "class_declaration" | "{" | "}"
        )
    {
        return false;
    }
    // Rust: a block's tail expression (no `;`) is its value, not a statement.
    if language == TargetLanguage::Rust
        && !matches!(
            kind,
            "expression_statement" | "let_declaration" | "empty_statement"
        )
    {
        return false;
    }
    true
}

/// Byte range of the whole lines `node` spans (from the start of its first line to just after
/// the newline of its last), when nothing but the node (and blanks) is on them.
fn line_span(source: &str, node: Node<'_>) -> Option<(usize, usize)> {
    let start = source[..node.start_byte()].rfind('\n').map_or(0, |i| i + 1);
    if !source[start..node.start_byte()].trim().is_empty() {
        return None;
    }
    let rest = &source[node.end_byte()..];
    let end = node.end_byte() + rest.find('\n').map_or(rest.len(), |i| i + 1);
    let tail = &source[node.end_byte()..end];
    // A trailing `;` or comment may share the line; anything else means another statement.
    let tail = tail.trim();
    if !(tail.is_empty() || tail == ";" || tail.starts_with("//") || tail.starts_with('#')) {
        return None;
    }
    Some((start, end))
}

/// The leading whitespace of the line `byte` is on.
fn indent_at(source: &str, byte: usize) -> &str {
    let start = source[..byte].rfind('\n').map_or(0, |i| i + 1);
    let line = &source[start..];
    let width = line.len() - line.trim_start_matches([' ', '\t']).len();
    &line[..width]
}

impl Generator<'_> {
    pub(super) fn statement(&mut self, node: Node<'_>, line: u32) {
        self.break_continue(node, line);
        if !is_statement(self.language, node) {
            return;
        }
        let Some((start, end)) = line_span(self.source, node) else {
            return;
        };
        let body = self.source[start..end].to_string();
        let body_nl = if body.ends_with('\n') {
            body.clone()
        } else {
            format!("{body}\n")
        };
        let what = short(text(node, self.source));
        let siblings: Vec<Node<'_>> = node
            .parent()
            .map(|p| {
                children(p)
                    .into_iter()
                    .filter(|c| is_statement(self.language, *c))
                    .collect()
            })
            .unwrap_or_default();
        // Delete.
        let replacement = if self.language == TargetLanguage::Python && siblings.len() == 1 {
            format!("{}pass\n", indent_at(self.source, node.start_byte()))
        } else {
            String::new()
        };
        let description = format!("delete `{what}` at {}:{line}", self.file);
        self.push_described(
            EditKind::Statement,
            line,
            start,
            end,
            replacement,
            description,
        );
        // Duplicate (a second return or break would never run).
        let jumps = matches!(
            node.kind(),
            "return_statement" | "break_statement" | "continue_statement"
        ) || descendants(node).iter().take(3).any(|n| {
            matches!(
                n.kind(),
                "return_expression" | "break_expression" | "continue_expression"
            )
        });
        if !jumps {
            let description = format!("repeat `{what}` at {}:{line}", self.file);
            self.push_described(
                EditKind::Statement,
                line,
                end,
                end,
                body_nl.clone(),
                description,
            );
        }
        // The last statement of an `if` inside a loop, followed by `break`.
        if siblings.last().map(|s| s.id()) == Some(node.id()) && !jumps {
            self.insert_break(node, line, end, &what);
        }
        // Move one place down: swap with the next statement of the block.
        let next = siblings
            .iter()
            .position(|s| s.id() == node.id())
            .and_then(|i| siblings.get(i + 1));
        if let Some(next) = next {
            if let Some((next_start, next_end)) = line_span(self.source, *next) {
                if next_start == end {
                    let next_body = &self.source[next_start..next_end];
                    let next_nl = if next_body.ends_with('\n') {
                        next_body.to_string()
                    } else {
                        format!("{next_body}\n")
                    };
                    let moved = format!("{next_nl}{body}");
                    let description = format!(
                        "move `{what}` below `{}` at {}:{line}",
                        short(text(*next, self.source)),
                        self.file
                    );
                    self.push_described(
                        EditKind::Statement,
                        line,
                        start,
                        next_end,
                        moved,
                        description,
                    );
                }
            }
        }
    }

    /// A missing early exit: `statement`, the last of an `if`'s consequence inside a loop
    /// (no `switch`/`select` in between, whose `break` would mean something else), followed
    /// by `break` (a search loop that keeps going after it found what it looked for).
    fn insert_break(&mut self, statement: Node<'_>, line: u32, end: usize, what: &str) {
        let mut block = statement.parent();
        while let Some(b) = block.filter(|b| is_block(self.language, b.kind())) {
            let parent = b.parent();
            if parent.is_some_and(|p| is_block(self.language, p.kind())) {
                block = parent;
                continue;
            }
            break;
        }
        let Some(block) = block else {
            return;
        };
        let Some(owner) = block.parent() else {
            return;
        };
        let is_consequence = matches!(
            owner.kind(),
            "if_statement" | "if_expression" | "elif_clause"
        ) && owner
            .child_by_field_name("consequence")
            .is_some_and(|c| c.id() == block.id());
        if !is_consequence {
            return;
        }
        let mut current = owner.parent();
        let in_loop = loop {
            let Some(n) = current else {
                break false;
            };
            match n.kind() {
                "for_statement" | "for_in_statement" | "while_statement" | "do_statement"
                | "for_expression" | "while_expression" | "loop_expression" => break true,
                "expression_switch_statement"
                | "type_switch_statement"
                | "select_statement"
                | "switch_statement" => break false,
                k if syntax::is_function(self.language, k) => break false,
                _ => current = n.parent(),
            }
        };
        if !in_loop {
            return;
        }
        let keyword = match self.language {
            TargetLanguage::Go | TargetLanguage::Python => "break",
            TargetLanguage::JavaScript | TargetLanguage::Rust => "break;",
        };
        let indent = indent_at(self.source, statement.start_byte());
        let code = if self.source[..end].ends_with('\n') {
            format!("{indent}{keyword}\n")
        } else {
            format!("\n{indent}{keyword}")
        };
        let description = format!("`break` after `{what}` at {}:{line}", self.file);
        self.push_described(EditKind::Statement, line, end, end, code, description);
    }

    fn break_continue(&mut self, node: Node<'_>, line: u32) {
        let (from, to) = match node.kind() {
            "break_statement" | "break_expression" => ("break", "continue"),
            "continue_statement" | "continue_expression" => ("continue", "break"),
            _ => return,
        };
        // Only the bare keyword (a labelled or valued break keeps its meaning otherwise).
        if text(node, self.source).trim_end_matches(';').trim() != from {
            return;
        }
        let start = node.start_byte();
        self.push(
            EditKind::Statement,
            line,
            start,
            start + from.len(),
            to.into(),
        );
    }

    /// Guards at the first statement of a function's body.
    pub(super) fn guard(&mut self, node: Node<'_>, line: u32) {
        if !is_statement(self.language, node) {
            return;
        }
        let Some(function) = self.scope(node) else {
            return;
        };
        let Some(body) = function.child_by_field_name("body") else {
            return;
        };
        // The first statement of the body (Go nests them in a statement_list).
        let first = descendants(body)
            .into_iter()
            .find(|n| is_statement(self.language, *n));
        if first.map(|f| f.id()) != Some(node.id())
            || syntax::enclosing_function(self.language, node).map(|f| f.id())
                != Some(function.id())
        {
            return;
        }
        let Some((start, _)) = line_span(self.source, node) else {
            return;
        };
        let indent = indent_at(self.source, node.start_byte()).to_string();
        let step = if indent.contains('\t') { "\t" } else { "    " };
        let literals = self.returned_literals(function);
        let params = self.guardable_parameters(function);
        for (param, _type) in params.into_iter().take(3) {
            let mut values: Vec<String> = Vec::new();
            match self.language {
                TargetLanguage::Python | TargetLanguage::JavaScript => values.push(param.clone()),
                TargetLanguage::Go => {
                    if let Some(zero) = go_zero(self.go_result(function).as_deref()) {
                        values.push(zero);
                    }
                }
                TargetLanguage::Rust => values.push("Default::default()".into()),
            }
            for l in &literals {
                if !values.contains(l) {
                    values.push(l.clone());
                }
            }
            let fallback: &[&str] = match self.language {
                TargetLanguage::Python => &["0", "None"],
                TargetLanguage::JavaScript => &["0"],
                _ => &[],
            };
            for f in fallback {
                if !values.iter().any(|v| v == f) {
                    values.push((*f).to_string());
                }
            }
            for value in values.into_iter().take(3) {
                let (condition, code) = match self.language {
                    TargetLanguage::Python => (
                        format!("if not {param}"),
                        format!("{indent}if not {param}:\n{indent}{step}return {value}\n"),
                    ),
                    TargetLanguage::JavaScript => (
                        format!("if (!{param} || {param}.length === 0)"),
                        format!(
                            "{indent}if (!{param} || {param}.length === 0) return {value};\n"
                        ),
                    ),
                    TargetLanguage::Go => (
                        format!("if len({param}) == 0"),
                        format!(
                            "{indent}if len({param}) == 0 {{\n{indent}{step}return {value}\n{indent}}}\n"
                        ),
                    ),
                    TargetLanguage::Rust => (
                        format!("if {param}.is_empty()"),
                        format!(
                            "{indent}if {param}.is_empty() {{\n{indent}{step}return {value};\n{indent}}}\n"
                        ),
                    ),
                };
                let description = format!(
                    "guard `{condition}` → return `{}` at {}:{line}",
                    short(&value),
                    self.file
                );
                self.push_described(EditKind::Guard, line, start, start, code, description);
            }
        }
    }

    /// Parameters that can be empty: (name, type text). Python and JavaScript: every plain
    /// parameter (no `self`); Go and Rust: those whose type is a sequence or string.
    fn guardable_parameters(&self, function: Node<'_>) -> Vec<(String, String)> {
        let Some(params) = function.child_by_field_name("parameters") else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for p in children(params).into_iter().filter(|c| c.is_named()) {
            match self.language {
                TargetLanguage::Python | TargetLanguage::JavaScript => {
                    if p.kind() == "identifier" {
                        let name = text(p, self.source);
                        if name != "self" && name != "cls" {
                            out.push((name.to_string(), String::new()));
                        }
                    }
                }
                TargetLanguage::Go => {
                    let Some(ty) = self.parameter_type(p, "parameter_declaration") else {
                        continue;
                    };
                    if !(ty.starts_with("[]") || ty == "string" || ty.starts_with("map[")) {
                        continue;
                    }
                    for name in children(p).into_iter().filter(|c| c.kind() == "identifier") {
                        out.push((text(name, self.source).to_string(), ty.clone()));
                    }
                }
                TargetLanguage::Rust => {
                    let Some(ty) = self.parameter_type(p, "parameter") else {
                        continue;
                    };
                    let bare = ty.trim_start_matches('&').trim_start_matches("mut ").trim();
                    let sequence = bare.starts_with('[')
                        || bare == "str"
                        || bare.starts_with("Vec<")
                        || bare == "String";
                    let pattern = p.child_by_field_name("pattern");
                    if let Some(name) = pattern.filter(|n| n.kind() == "identifier") {
                        if sequence {
                            out.push((text(name, self.source).to_string(), ty));
                        }
                    }
                }
            }
        }
        out
    }

    /// The type text of a parameter node `p` of kind `kind` ("" when it has none); `None`
    /// when `p` is another kind of node.
    fn parameter_type(&self, p: Node<'_>, kind: &str) -> Option<String> {
        (p.kind() == kind).then(|| {
            p.child_by_field_name("type")
                .map(|t| text(t, self.source).to_string())
                .unwrap_or_default()
        })
    }

    /// Literals (numbers, strings, booleans, `None`/`null`/`nil`, empty lists) that a
    /// `return` of `function` returns, in order, without repeats.
    fn returned_literals(&self, function: Node<'_>) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for n in descendants(function) {
            if !matches!(n.kind(), "return_statement" | "return_expression") {
                continue;
            }
            if syntax::enclosing_function(self.language, n).map(|f| f.id()) != Some(function.id()) {
                continue;
            }
            let Some(value) = n.named_child(0) else {
                continue;
            };
            let literal = matches!(
                value.kind(),
                "integer"
                    | "float"
                    | "number"
                    | "int_literal"
                    | "float_literal"
                    | "integer_literal"
                    | "string"
                    | "interpreted_string_literal"
                    | "string_literal"
                    | "true"
                    | "false"
                    | "boolean_literal"
                    | "none"
                    | "null"
                    | "nil"
            ) || (matches!(value.kind(), "list" | "array")
                && value.named_child_count() == 0)
                || (matches!(value.kind(), "unary_expression" | "unary_operator")
                    && value.named_child(0).is_some_and(|c| {
                        matches!(
                            c.kind(),
                            "integer" | "number" | "int_literal" | "integer_literal"
                        )
                    }));
            let t = text(value, self.source).to_string();
            if literal && !out.contains(&t) && t.len() <= 40 {
                out.push(t);
            }
        }
        out
    }

    /// A Go function's single result type, if it has exactly one.
    fn go_result(&self, function: Node<'_>) -> Option<String> {
        let result = function.child_by_field_name("result")?;
        if result.kind() == "parameter_list" {
            let named: Vec<Node<'_>> = children(result)
                .into_iter()
                .filter(|c| c.is_named())
                .collect();
            if named.len() != 1 || named[0].child_by_field_name("name").is_some() {
                return None;
            }
            return named[0]
                .child_by_field_name("type")
                .map(|t| text(t, self.source).to_string());
        }
        Some(text(result, self.source).to_string())
    }
}

/// The zero value of a Go type written as `ty` (`None` for types without a literal zero).
fn go_zero(ty: Option<&str>) -> Option<String> {
    let ty = ty?;
    let zero = match ty {
        "string" => "\"\"",
        "bool" => "false",
        "error" => "nil",
        t if t.starts_with("[]") || t.starts_with("map[") || t.starts_with('*') => "nil",
        t if t.starts_with("int")
            || t.starts_with("uint")
            || t.starts_with("float")
            || t == "byte"
            || t == "rune" =>
        {
            "0"
        }
        _ => return None,
    };
    Some(zero.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_zero_values() {
        assert_eq!(go_zero(Some("int64")).as_deref(), Some("0"));
        assert_eq!(go_zero(Some("[]int")).as_deref(), Some("nil"));
        assert_eq!(go_zero(Some("string")).as_deref(), Some("\"\""));
        assert_eq!(go_zero(Some("Point")), None);
    }

    #[test]
    fn indentation_of_a_line() {
        assert_eq!(indent_at("a\n\t\tb := 1\n", 4), "\t\t");
        assert_eq!(indent_at("x = 1\n", 0), "");
    }
}
