//! `rust.missing-field`: adds to one of the program's structs the field a literal or an access
//! uses but the struct never declared. Answers: E0560 `struct `P` has no field named `y``,
//! E0609 `no field `y` on type `P``. Fix: `y: T` in the struct, typed from the literal's value
//! (E0560) or from what the access's position expects (E0609: an annotation, an operand, the
//! value assigned to it); every other literal of the struct in the file gets
//! `y: Default::default()` so it still compiles.
//!
//! Why it is safe: only the use is read and a field is added to a struct the program defines;
//! other literals get the type's default, which changes nothing they compute.
//!
//! Example: `Point { x: 1, y: 2 }` with `struct Point { x: i32 }` gives
//! `struct Point { x: i32, y: i32 }`.

use super::missing_variant::append_to_list;
use super::*;
use crate::fix::ErrorKind;
use tree_sitter::Node;

/// The literal's value or the access's position says the type.
const CONFIDENCE_TYPED: f64 = 0.5;
/// The type comes from the field's name, or is `i32` for want of anything better.
const CONFIDENCE_GUESSED: f64 = 0.3;

/// Adds the struct field the program uses but never declared.
pub(crate) struct MissingField;

impl Rule for MissingField {
    const META: RuleMeta = RuleMeta::new("rust.missing-field", FixApplicability::Speculative)
        .language(TargetLanguage::Rust)
        .kinds(&[ErrorKind::UndefinedVariable, ErrorKind::Compiler])
        .codes(&["E0560", "E0609"]);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        add_field(error, program).unwrap_or_default()
    }
}

/// The fix adding the field the error names to the struct that lacks it.
fn add_field(error: &CodeError, program: &Program) -> Option<Vec<Fix>> {
    let msg = message(error);
    let (field, owner) = if let Some(rest) = msg.strip_prefix("struct `") {
        // E0560: struct `P` has no field named `y`
        let (owner, tail) = rest.split_once('`')?;
        let field = tail.split('`').nth(1)?;
        (field, owner)
    } else if let Some(rest) = msg.strip_prefix("no field `") {
        // E0609: no field `y` on type `P`
        let (field, tail) = rest.split_once('`')?;
        let owner = tail.split('`').nth(1)?;
        (field, owner)
    } else {
        return None;
    };
    let owner = owner
        .trim_start_matches('&')
        .trim_start_matches("mut ")
        .rsplit("::")
        .next()
        .unwrap_or("");
    if !is_identifier(field) || !is_identifier(owner) {
        return None;
    }
    let t = UseSite::editable(error, program, TargetLanguage::Rust)?;
    let use_node = t.name_node(field)?;
    let (ty, typed) = field_use_type(use_node, t.text, field)?;
    let item = find_item(t.tree.root_node(), t.text, "struct_item", owner)?;
    let body = item
        .child_by_field_name("body")
        .filter(|b| b.kind() == "field_declaration_list")?;
    let (at, insert) = append_to_list(t.text, body, &format!("{field}: {ty}"))?;
    let mut edits = vec![edit(t.file, at, at, insert)];
    // Every other literal of the struct needs the new field too.
    for lit in all_nodes(t.tree.root_node()) {
        if lit.kind() != "struct_expression"
            || lit
                .child_by_field_name("name")
                .is_none_or(|n| node_text(n, t.text) != owner)
            || lit.start_byte() <= use_node.start_byte() && use_node.end_byte() <= lit.end_byte()
        {
            continue;
        }
        if let Some(e) = default_initializer(lit, t.text, t.file, field) {
            edits.push(e);
        }
    }
    let mut fixes = Fixes::new(MissingField::META.id);
    fixes.push(
        if typed {
            CONFIDENCE_TYPED
        } else {
            CONFIDENCE_GUESSED
        },
        format!("add the field `{field}: {ty}` to `{owner}`"),
        edits,
    );
    Some(fixes.done())
}

/// The field's type from its use, and whether the text said it (`false`: a guess).
fn field_use_type(use_node: Node<'_>, src: &str, field: &str) -> Option<(String, bool)> {
    let parent = use_node.parent()?;
    let from_expr = |t: Option<String>| match t {
        Some(t) if t == "&str" => Some(("String".to_string(), true)),
        Some(t) if !t.starts_with('&') => Some((t, true)),
        _ => None,
    };
    let found = match parent.kind() {
        "field_initializer" => from_expr(
            parent
                .child_by_field_name("value")
                .and_then(|v| expr_type(v, src)),
        ),
        "shorthand_field_initializer" => from_expr(expr_type(use_node, src)),
        "field_expression" => {
            let position = match expected_type(parent, src) {
                Expected::Type(t) => from_expr(Some(t)),
                _ => None,
            };
            position.or_else(|| {
                // `p.y = value;` / `p.y += value;`
                let assign = parent.parent().filter(|a| {
                    matches!(
                        a.kind(),
                        "assignment_expression" | "compound_assignment_expr"
                    ) && a
                        .child_by_field_name("left")
                        .is_some_and(|l| l.id() == parent.id())
                })?;
                from_expr(
                    assign
                        .child_by_field_name("right")
                        .and_then(|r| expr_type(r, src)),
                )
            })
        }
        _ => return None,
    };
    Some(found.unwrap_or_else(|| {
        let (ty, _) = RUST_TYPE_WORDS.for_name(field);
        (ty.to_string(), false)
    }))
}

/// `, field: Default::default()` at the end of a struct literal's initializers, unless it
/// already sets the field or takes the rest from a base (`..other`).
fn default_initializer(lit: Node<'_>, src: &str, file: &str, field: &str) -> Option<Edit> {
    let body = lit.child_by_field_name("body")?;
    let inits: Vec<Node<'_>> = named_children(body)
        .into_iter()
        .filter(|n| !n.kind().contains("comment"))
        .collect();
    if inits.iter().any(|i| {
        i.kind() == "base_field_initializer"
            || i.child_by_field_name("field")
                .is_some_and(|f| node_text(f, src) == field)
            || (i.kind() == "shorthand_field_initializer" && node_text(*i, src) == field)
    }) {
        return None;
    }
    Some(match inits.last() {
        Some(last) => edit(
            file,
            last.end_byte(),
            last.end_byte(),
            format!(", {field}: Default::default()"),
        ),
        None => {
            let close = body.end_byte().checked_sub(1)?;
            edit(file, close, close, format!(" {field}: Default::default() "))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::text::testing::rust_undefined;

    fn heal(text: &str, code: &str, line: u32, col: u32, msg: &str) -> Vec<String> {
        rust_undefined(&MissingField, code, text, (line, col), msg)
    }

    #[test]
    fn literal_field_is_declared_and_other_literals_get_defaults() {
        let text = "struct Point {\n    x: i32,\n}\n\nfn main() {\n    let p = Point { x: 1, y: 2.5 };\n    let q = Point { x: 3 };\n}\n";
        let out = heal(
            text,
            "E0560",
            6,
            27,
            "struct `Point` has no field named `y`",
        );
        assert_eq!(
            out,
            [text
                .replace("    x: i32,\n}", "    x: i32,\n    y: f64,\n}")
                .replace("Point { x: 3 }", "Point { x: 3, y: Default::default() }")]
        );
    }

    #[test]
    fn accessed_field_typed_from_its_position() {
        let text = "struct Acct { id: u32 }\n\nfn f(a: &Acct) -> bool {\n    let b: u64 = a.balance;\n    b > 0\n}\n";
        let out = heal(text, "E0609", 4, 20, "no field `balance` on type `&Acct`");
        assert_eq!(
            out,
            [text.replace("{ id: u32 }", "{ id: u32, balance: u64 }")]
        );
    }
}
