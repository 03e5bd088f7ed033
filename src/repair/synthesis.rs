//! [`EditKind::Synthesis`]: small expressions enumerated for a hole.
//!
//! A hole is an expression in a position whose value the function's result depends on: a
//! returned value (and a Rust function's tail expression), the value of an assignment or
//! declaration, an operand of a comparison, an index, a call argument, the element of a
//! Python comprehension. At a suspicious line each hole is replaced by expressions built from
//! the names in scope, the integer constants of the function, `0`, `1`, `2`, and the
//! operators `+ - * / %` (and `//` in Python), up to three nodes (`a op b`), smallest and
//! closest to what was written first:
//!
//! 1. an operand of the hole (`score + 1` → `1`), the other grouping of a chain
//!    (`n + m / 2` → `(n + m) / 2`);
//! 2. each name the hole uses, alone and `± 1`;
//! 3. Python and JavaScript: the hole converted (`int(h)`, `str(h)`, `Number(h)`,
//!    `String(h)`);
//! 4. the other names in scope alone;
//! 5. a name of the hole combined with another name or a constant.
//!
//! **Types.** Go and Rust check types at compile time, and a candidate that does not compile
//! costs a validation: there a name joins only when its declared type (parameters, typed
//! declarations, `x := 0`, `let x: T`) is the type of the hole's first name, and constants
//! are written as the type wants (`2.0` for a float). Where the hole's type is not known, only
//! the hole's own names are used. At most [`PER_HOLE`] expressions per hole.

use std::collections::HashMap;

use tree_sitter::Node;

use super::mutate::{EditKind, Generator};
use super::syntax::{children, descendants, field_of, text};
use crate::types::TargetLanguage;

/// Expressions proposed per hole at most.
pub const PER_HOLE: usize = 12;
/// Holes longer than this (bytes) are not rewritten whole.
const MAX_HOLE: usize = 48;
/// Names in scope combined with the hole's names at most.
const MAX_NAMES: usize = 6;

/// True when `node` is in a position whose value counts (see the module docs).
fn is_hole(language: TargetLanguage, node: Node<'_>) -> bool {
    if !node.is_named() || node.kind().contains("comment") {
        return false;
    }
    // Never a whole function, block, literal collection or string.
    if matches!(
        node.kind(),
        "lambda"
            | "arrow_function"
            | "function"
            | "function_expression"
            | "closure_expression"
            | "func_literal"
            | "block"
            | "statement_block"
            | "string"
            | "template_string"
            | "interpreted_string_literal"
            | "raw_string_literal"
            | "string_literal"
            | "list"
            | "array"
            | "dictionary"
            | "object"
            | "composite_literal"
            | "struct_expression"
            | "array_expression"
            | "macro_invocation"
            | "expression_list"
            | "parenthesized_expression"
            | "keyword_argument"
            | "pair"
            | "spread_element"
            | "list_splat"
            | "dictionary_splat"
            | "if_expression"
            | "match_expression"
            | "conditional_expression"
            | "ternary_expression"
    ) {
        return false;
    }
    let Some(mut parent) = node.parent() else {
        return false;
    };
    let mut field = field_of(node);
    // Go and Python wrap lists of values; a list of one is the value itself.
    if parent.kind() == "expression_list" {
        if parent.named_child_count() != 1 {
            return false;
        }
        field = field_of(parent);
        match parent.parent() {
            Some(p) => parent = p,
            None => return false,
        }
    }
    match parent.kind() {
        "return_statement" | "return_expression" => true,
        "assignment"
        | "augmented_assignment"
        | "assignment_expression"
        | "augmented_assignment_expression"
        | "compound_assignment_expr" => field == Some("right"),
        "short_var_declaration" | "assignment_statement" => field == Some("right"),
        "variable_declarator" | "let_declaration" => field == Some("value"),
        "comparison_operator" => true,
        "binary_expression" => parent.child_by_field_name("operator").is_some_and(|op| {
            matches!(
                op.kind(),
                "<" | "<=" | ">" | ">=" | "==" | "!=" | "===" | "!=="
            )
        }),
        "subscript" => field == Some("subscript"),
        "subscript_expression" | "index_expression" => {
            field == Some("index")
                || (language == TargetLanguage::Rust
                    && parent.named_child(1).map(|c| c.id()) == Some(node.id()))
        }
        "argument_list" | "arguments" => true,
        "list_comprehension" | "generator_expression" | "set_comprehension" => {
            field == Some("body")
        }
        // A Rust function's tail expression is what it returns.
        "block" if language == TargetLanguage::Rust => {
            let last = children(parent)
                .into_iter()
                .rev()
                .find(|c| c.is_named() && !c.kind().contains("comment"));
            last.map(|l| l.id()) == Some(node.id())
                && !node.kind().ends_with("statement")
                && !node.kind().ends_with("declaration")
                && parent.parent().is_some_and(|p| p.kind() == "function_item")
        }
        _ => false,
    }
}

/// The declared types of a Go or Rust function's names (parameters, typed declarations,
/// declarations from a literal or a conversion), by name; empty for the other languages.
fn declared_types(
    language: TargetLanguage,
    function: Node<'_>,
    source: &str,
) -> HashMap<String, String> {
    let mut types = HashMap::new();
    for node in descendants(function) {
        match (language, node.kind()) {
            (TargetLanguage::Go, "parameter_declaration" | "var_spec") => {
                let Some(ty) = node.child_by_field_name("type") else {
                    continue;
                };
                for name in children(node)
                    .into_iter()
                    .filter(|c| c.kind() == "identifier")
                {
                    types.insert(text(name, source).to_string(), text(ty, source).to_string());
                }
            }
            (TargetLanguage::Go, "short_var_declaration") => {
                let (Some(left), Some(right)) = (
                    node.child_by_field_name("left"),
                    node.child_by_field_name("right"),
                ) else {
                    continue;
                };
                let names: Vec<Node<'_>> = children(left)
                    .into_iter()
                    .filter(|c| c.is_named())
                    .collect();
                let values: Vec<Node<'_>> = children(right)
                    .into_iter()
                    .filter(|c| c.is_named())
                    .collect();
                if names.len() != values.len() {
                    continue;
                }
                for (name, value) in names.into_iter().zip(values) {
                    if let Some(ty) = go_literal_type(value, source) {
                        types.insert(text(name, source).to_string(), ty);
                    }
                }
            }
            (TargetLanguage::Rust, "parameter" | "let_declaration") => {
                let Some(pattern) = node.child_by_field_name("pattern") else {
                    continue;
                };
                let pattern = if pattern.kind() == "mut_pattern" {
                    pattern.named_child(0).unwrap_or(pattern)
                } else {
                    pattern
                };
                if pattern.kind() != "identifier" {
                    continue;
                }
                let ty = node
                    .child_by_field_name("type")
                    .map(|t| text(t, source).to_string())
                    .or_else(|| {
                        node.child_by_field_name("value")
                            .and_then(|v| rust_literal_type(v, source))
                    });
                if let Some(ty) = ty {
                    types.insert(text(pattern, source).to_string(), ty);
                }
            }
            _ => {}
        }
    }
    types
}

fn go_literal_type(value: Node<'_>, source: &str) -> Option<String> {
    match value.kind() {
        "int_literal" => Some("int".into()),
        "float_literal" => Some("float64".into()),
        "interpreted_string_literal" | "raw_string_literal" => Some("string".into()),
        "true" | "false" => Some("bool".into()),
        "call_expression" => {
            // A conversion `int64(x)` says its type.
            let callee = value.child_by_field_name("function")?;
            let name = text(callee, source);
            let basic = [
                "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32",
                "uint64", "float32", "float64", "byte", "rune", "string",
            ];
            basic.contains(&name).then(|| name.to_string())
        }
        _ => None,
    }
}

fn rust_literal_type(value: Node<'_>, source: &str) -> Option<String> {
    match value.kind() {
        "float_literal" => Some("f64".into()),
        "integer_literal" => {
            let t = text(value, source);
            let suffix = t.trim_start_matches(|c: char| c.is_ascii_digit() || c == '_');
            (!suffix.is_empty()).then(|| suffix.to_string())
        }
        "boolean_literal" => Some("bool".into()),
        "type_cast_expression" => value
            .child_by_field_name("type")
            .map(|t| text(t, source).to_string()),
        _ => None,
    }
}

fn is_float_type(ty: &str) -> bool {
    matches!(ty, "f32" | "f64" | "float32" | "float64")
}

fn is_integer_type(ty: &str) -> bool {
    let t = ty.trim_start_matches('&');
    matches!(
        t,
        "int"
            | "int8"
            | "int16"
            | "int32"
            | "int64"
            | "uint"
            | "uint8"
            | "uint16"
            | "uint32"
            | "uint64"
            | "byte"
            | "rune"
            | "i8"
            | "i16"
            | "i32"
            | "i64"
            | "i128"
            | "isize"
            | "u8"
            | "u16"
            | "u32"
            | "u64"
            | "u128"
            | "usize"
    )
}

/// Pushes `candidate` unless it is the hole itself or already listed.
fn add(list: &mut Vec<String>, hole: &str, candidate: String) {
    if candidate != hole && !candidate.is_empty() && !list.contains(&candidate) {
        list.push(candidate);
    }
}

impl<'a> Generator<'a> {
    pub(super) fn synthesis(&mut self, node: Node<'_>, line: u32) {
        if !self.wants(EditKind::Synthesis) || !is_hole(self.language, node) {
            return;
        }
        let hole = text(node, self.source).to_string();
        if hole.len() > MAX_HOLE || hole.contains('\n') {
            return;
        }
        let Some(function) = self.scope(node) else {
            return;
        };
        for expression in self
            .expressions(node, function, &hole)
            .into_iter()
            .take(PER_HOLE)
        {
            self.replace(EditKind::Synthesis, line, node, expression);
        }
    }

    /// The expressions for one hole, in the order of the module docs.
    fn expressions(&mut self, node: Node<'_>, function: Node<'_>, hole: &str) -> Vec<String> {
        let typed = matches!(self.language, TargetLanguage::Go | TargetLanguage::Rust);
        let bound = self.bindings_of(function);
        // The names of the hole, in order of appearance (bound in the function only: never a
        // callee, a field or a type).
        let mut own: Vec<String> = Vec::new();
        for n in descendants(node) {
            if n.kind() != "identifier" {
                continue;
            }
            if matches!(
                field_of(n),
                Some("function" | "field" | "attribute" | "property" | "type")
            ) {
                continue;
            }
            let name = text(n, self.source).to_string();
            if bound.contains(&name) && !own.contains(&name) {
                own.push(name);
            }
        }
        let types = if typed {
            declared_types(self.language, function, self.source)
        } else {
            HashMap::new()
        };
        let hole_type: Option<String> = own.first().and_then(|n| types.get(n).cloned());
        let others: Vec<String> = bound
            .iter()
            .filter(|n| !own.contains(n))
            .filter(|n| !typed || hole_type.as_ref().is_some_and(|t| types.get(*n) == Some(t)))
            .take(MAX_NAMES)
            .cloned()
            .collect();
        // Constants written as the hole's type wants them.
        let float = hole_type.as_deref().is_some_and(is_float_type);
        let integer_context = !typed
            || hole_type.as_deref().is_some_and(is_integer_type)
            || (hole_type.is_none() && self.is_integer(node));
        let mut constants: Vec<String> = Vec::new();
        if float || integer_context {
            let mut raw: Vec<String> = vec!["0".into(), "1".into(), "2".into()];
            for c in self.constants_of(function) {
                let digits: String = c.chars().take_while(char::is_ascii_digit).collect();
                if !digits.is_empty() && !raw.contains(&digits) {
                    raw.push(digits);
                }
            }
            constants = raw
                .into_iter()
                .map(|c| if float { format!("{c}.0") } else { c })
                .collect();
        }
        let mut out: Vec<String> = Vec::new();
        // 1. Operands and the other grouping.
        if let Some((left, op, right)) = self.binary(node) {
            let (l, r) = (text(left, self.source), text(right, self.source));
            add(&mut out, hole, l.to_string());
            add(&mut out, hole, r.to_string());
            if let Some((rl, rop, rr)) = self.binary(right) {
                let (rl, rr) = (text(rl, self.source), text(rr, self.source));
                add(&mut out, hole, format!("({l} {op} {rl}) {rop} {rr}"));
            }
            if let Some((ll, lop, lr)) = self.binary(left) {
                let (ll, lr) = (text(ll, self.source), text(lr, self.source));
                add(&mut out, hole, format!("{ll} {lop} ({lr} {op} {r})"));
            }
        }
        // 2. The hole's names, alone and ± 1.
        let one = if float { "1.0" } else { "1" };
        for name in &own {
            add(&mut out, hole, name.clone());
            if float || integer_context {
                add(&mut out, hole, format!("{name} + {one}"));
                add(&mut out, hole, format!("{name} - {one}"));
            }
        }
        // 3. Conversions (dynamic languages only: typed ones would not compile).
        let wrappers: &[&str] = match self.language {
            TargetLanguage::Python => &["int", "str"],
            TargetLanguage::JavaScript => &["Number", "String"],
            _ => &[],
        };
        for w in wrappers {
            if !hole.starts_with(&format!("{w}(")) {
                add(&mut out, hole, format!("{w}({hole})"));
            }
        }
        // 4. Other names alone.
        for name in &others {
            add(&mut out, hole, name.clone());
        }
        // 5. A name of the hole with another name or a constant.
        let ops: &[&str] = match self.language {
            TargetLanguage::Python => &["+", "-", "*", "//", "%"],
            _ => &["+", "-", "*", "/", "%"],
        };
        for name in own.iter().take(2) {
            for operand in others.iter().chain(constants.iter()) {
                for op in ops {
                    add(&mut out, hole, format!("{name} {op} {operand}"));
                }
            }
        }
        out
    }

    /// A binary expression's left operand, operator and right operand; `None` for any other
    /// node.
    fn binary<'t>(&self, node: Node<'t>) -> Option<(Node<'t>, &'a str, Node<'t>)> {
        if !matches!(node.kind(), "binary_operator" | "binary_expression") {
            return None;
        }
        Some((
            node.child_by_field_name("left")?,
            self.operator_text(node)?,
            node.child_by_field_name("right")?,
        ))
    }
}
