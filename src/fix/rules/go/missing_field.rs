//! `go.missing-field`: adds to one of the program's structs the field a literal or a selector
//! uses but the struct never declared. Answers: `unknown field 'f' in struct literal of type
//! T` (and the unquoted form of newer Go), `x.f undefined (type T has no field or method f)`
//! where `x.f` is not called. Fix: `f Type` at the end of `T`'s fields, typed from the literal's
//! value or from what the selector's position expects (an operand, the value assigned, `++`).
//!
//! Why it is safe: only the use is read and a field is added to a struct the program declares;
//! Go's keyed literals stay valid (the new field takes its zero value).
//!
//! Example: `Stack{items: nil, size: 3}` with `type Stack struct{ items []int }` gives
//! `type Stack struct{ items []int; size int }`.

use super::missing_method::missing_member;
use super::*;
use tree_sitter::Node;

/// The literal's value or the selector's position says the type.
const CONFIDENCE_TYPED: f64 = 0.5;
/// The type comes from the field's name, or is `int` for want of anything better.
const CONFIDENCE_GUESSED: f64 = 0.3;

/// Adds the struct field the program uses but never declared.
pub(crate) struct MissingField;

impl Rule for MissingField {
    const META: RuleMeta = RuleMeta::new("go.missing-field", FixApplicability::Speculative)
        .language(TargetLanguage::Go);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let msg = message(error);
        let (owner, field) = if let Some(rest) = msg.strip_prefix("unknown field ") {
            let Some((field, tail)) = rest.split_once(" in struct literal of type ") else {
                return Vec::new();
            };
            (tail.trim(), field.trim_matches('\''))
        } else if let Some(found) = missing_member(msg) {
            found
        } else {
            return Vec::new();
        };
        if !is_identifier(owner) || !is_identifier(field) {
            return Vec::new();
        }
        let Some(site) = UseSite::of(error, program, TargetLanguage::Go) else {
            return Vec::new();
        };
        let use_text = site.text;
        let Some(use_node) = site.name_node(field) else {
            return Vec::new();
        };
        if call_of(use_node).is_some() {
            return Vec::new(); // a method: `go.missing-method`
        }
        let (ty, typed) = field_type_from_use(use_node, use_text, field);
        for (def_file, text) in editable_sources(program) {
            let Some(def_tree) = parse_tree(TargetLanguage::Go, text) else {
                continue;
            };
            let Some(st) = go_struct(def_tree.root_node(), text, owner) else {
                continue;
            };
            let Some(list) = named_children(st)
                .into_iter()
                .find(|c| c.kind() == "field_declaration_list")
            else {
                continue;
            };
            let Some((at, insert)) = field_insertion(text, list, &format!("{field} {ty}")) else {
                continue;
            };
            let mut fixes = Fixes::new(Self::META.id);
            fixes.replace(
                if typed {
                    CONFIDENCE_TYPED
                } else {
                    CONFIDENCE_GUESSED
                },
                format!("add the field `{field} {ty}` to `{owner}`"),
                def_file,
                at,
                at,
                &insert,
            );
            return fixes.done();
        }
        Vec::new()
    }
}

/// The field's type from a keyed literal element or a selector, and whether the text said it.
fn field_type_from_use(use_node: Node<'_>, src: &str, field: &str) -> (String, bool) {
    let typed = |t: Option<String>| t.filter(|t| t != "any").map(|t| (t, true));
    let mut found = None;
    // `T{field: value}`: the key is (inside) the first child of a keyed element.
    let mut n = use_node;
    for _ in 0..3 {
        let Some(p) = n.parent() else { break };
        if p.kind() == "keyed_element" {
            found = typed(named_children(p).get(1).and_then(|v| {
                let v = if v.kind() == "literal_element" {
                    named_children(*v).into_iter().next()?
                } else {
                    *v
                };
                go_expr_type(v, src)
            }));
            break;
        }
        n = p;
    }
    if found.is_none() {
        if let Some(sel) = use_node
            .parent()
            .filter(|p| p.kind() == "selector_expression")
        {
            found = match go_expected(sel, src).0 {
                Expected::Type(t) => typed(Some(t)),
                _ => None,
            };
            if found.is_none() {
                found = sel.parent().and_then(|p| match p.kind() {
                    "inc_statement" | "dec_statement" => Some(("int".to_string(), true)),
                    "expression_list" => {
                        let stmt = p.parent()?;
                        (stmt.kind() == "assignment_statement"
                            && stmt
                                .child_by_field_name("left")
                                .is_some_and(|l| l.id() == p.id()))
                        .then(|| {
                            let right = named_children(stmt.child_by_field_name("right")?);
                            let i = named_children(p).iter().position(|x| x.id() == sel.id())?;
                            typed(go_expr_type(*right.get(i)?, src))
                        })
                        .flatten()
                    }
                    _ => None,
                });
            }
        }
    }
    found.unwrap_or_else(|| {
        let (t, _) = go_named_type(field);
        (t, false)
    })
}

/// Where a new field line goes: after the last field, with its indentation; a one-line struct
/// gets `; field T`.
fn field_insertion(src: &str, list: Node<'_>, decl: &str) -> Option<(usize, String)> {
    let fields: Vec<Node<'_>> = named_children(list)
        .into_iter()
        .filter(|c| c.kind() == "field_declaration")
        .collect();
    let close = list.end_byte().checked_sub(1)?;
    match fields.last() {
        Some(last) => {
            let line_start = start_of_line(src, last.start_byte());
            let indent = &src[line_start..last.start_byte()];
            if indent.trim().is_empty() {
                let end = end_of_line(src, last.end_byte());
                Some((end, format!("\n{indent}{decl}")))
            } else {
                Some((last.end_byte(), format!("; {decl}")))
            }
        }
        None => Some((close, format!("\n\t{decl}\n"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::text::testing::{err, program, results};
    use crate::fix::FixStrategy;
    use crate::types::ErrorType;

    const TEXT: &str = "package main\n\ntype Stack struct {\n\titems []int\n}\n\nfunc main() {\n\ts := Stack{items: nil, size: 3}\n\tvar f float64 = s.avg\n\ts.count++\n\t_ = f\n}\n";

    fn heal(msg: &str, line: u32, col: u32) -> Vec<String> {
        let p = program(TargetLanguage::Go, "main.go", TEXT);
        let e = err(
            ErrorType::CompilerError("go".into()),
            "go",
            msg,
            "main.go",
            line,
            col,
        );
        results(&MissingField.suggest(&e, &p), TEXT)
    }

    #[test]
    fn fields_typed_from_literal_position_and_increment() {
        let add =
            |decl: &str| TEXT.replace("\titems []int\n", &format!("\titems []int\n\t{decl}\n"));
        assert_eq!(
            heal(
                "unknown field 'size' in struct literal of type Stack",
                8,
                25
            ),
            [add("size int")]
        );
        assert_eq!(
            heal("unknown field size in struct literal of type Stack", 8, 25),
            [add("size int")]
        );
        assert_eq!(
            heal(
                "s.avg undefined (type Stack has no field or method avg)",
                9,
                20
            ),
            [add("avg float64")]
        );
        assert_eq!(
            heal(
                "s.count undefined (type Stack has no field or method count)",
                10,
                4
            ),
            [add("count int")]
        );
    }
}
