//! `rust.missing-variant`: adds to one of the program's enums the variant it uses but never
//! declared, with the payload shape of the use. Answers: E0599 `no variant or associated item
//! named `V` found for enum `E`` and `no variant named `V` found for enum `E`` (a capitalized
//! name). Fix: `V` for `E::V`, `V(i32, String)` for `E::V(1, s)` (types from the arguments,
//! a string literal as `&'static str`;
//! `i32` for a pattern's bindings), `V { w: u32 }` for `E::V { w: 3 }`.
//!
//! Why it is safe: only the use is read and a variant is added to an enum the program defines;
//! a `match` that no longer covers every variant is reported by the compiler and repaired next.
//!
//! Example: `let m = Message::Resize(1, 2);` with `enum Message { Quit }` gives
//! `enum Message { Quit, Resize(i32, i32) }`.

use super::*;
use crate::fix::ErrorKind;
use tree_sitter::Node;

/// The use's arguments say every payload type.
const CONFIDENCE_TYPED: f64 = 0.55;
/// Some payload type is a guess (a pattern binding, an expression of unknown type).
const CONFIDENCE_GUESSED: f64 = 0.4;

/// The payload type for a binding or argument whose type the text does not say.
const GUESSED_PAYLOAD: &str = "i32";

/// Adds the enum variant the program uses but never declared.
pub(crate) struct MissingVariant;

impl Rule for MissingVariant {
    const META: RuleMeta = RuleMeta::new("rust.missing-variant", FixApplicability::Speculative)
        .language(TargetLanguage::Rust)
        .kinds(&[ErrorKind::UndefinedVariable, ErrorKind::Compiler])
        .codes(&["E0599"]);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        add_variant(error, program).unwrap_or_default()
    }
}

/// The fix adding the variant the error names to its enum.
fn add_variant(error: &CodeError, program: &Program) -> Option<Vec<Fix>> {
    let msg = message(error);
    if !msg.starts_with("no variant or associated item named `")
        && !msg.starts_with("no variant named `")
    {
        return None;
    }
    let (name, _) = undefined_name(msg)?;
    if !name.chars().next().is_some_and(char::is_uppercase) {
        return None;
    }
    let owner = msg
        .split(" found for enum `")
        .nth(1)
        .and_then(|r| r.split(['`', '<']).next())
        .filter(|o| is_identifier(o))?;
    let t = UseSite::editable(error, program, TargetLanguage::Rust)?;
    let use_node = t.name_node(&name)?;
    let (payload, guessed) = payload(use_node, t.text);
    let enum_item = find_item(t.tree.root_node(), t.text, "enum_item", owner)?;
    let body = enum_item.child_by_field_name("body")?;
    let variant = format!("{name}{payload}");
    let (at, insert) = append_to_list(t.text, body, &variant)?;
    Some(insert_definition(
        MissingVariant::META.id,
        if guessed {
            CONFIDENCE_GUESSED
        } else {
            CONFIDENCE_TYPED
        },
        format!("add the variant `{owner}::{variant}`"),
        t.file,
        at,
        &insert,
    ))
}

/// The payload the use gives the variant, and whether a type in it is a guess.
fn payload(name: Node<'_>, src: &str) -> (String, bool) {
    let Some(path) = name.parent().filter(|p| p.kind() == "scoped_identifier") else {
        return (String::new(), false);
    };
    let Some(parent) = path.parent() else {
        return (String::new(), false);
    };
    let mut guessed = false;
    let mut type_of = |n: Node<'_>| match expr_type(n, src) {
        Some(t) if !t.starts_with('&') => t,
        Some(t) if t == "&str" => "&'static str".to_string(),
        _ => {
            guessed = true;
            GUESSED_PAYLOAD.to_string()
        }
    };
    match parent.kind() {
        "call_expression" => {
            let types: Vec<String> = call_arguments(parent)
                .into_iter()
                .map(&mut type_of)
                .collect();
            (format!("({})", types.join(", ")), guessed)
        }
        "tuple_struct_pattern" => {
            let n = named_children(parent).len().saturating_sub(1);
            (format!("({})", vec![GUESSED_PAYLOAD; n].join(", ")), true)
        }
        "struct_expression" => {
            let fields: Vec<String> = parent
                .child_by_field_name("body")
                .map(named_children)
                .unwrap_or_default()
                .into_iter()
                .filter(|f| f.kind() == "field_initializer")
                .filter_map(|f| {
                    let field = node_text(f.child_by_field_name("field")?, src);
                    Some(format!(
                        "{field}: {}",
                        type_of(f.child_by_field_name("value")?)
                    ))
                })
                .collect();
            (format!(" {{ {} }}", fields.join(", ")), guessed)
        }
        _ => (String::new(), false),
    }
}

/// Inserts `item` as the last entry of a `{ a, b }` list (enum variants, struct fields), on its
/// own line with the indentation of the entries, keeping the list's comma style.
pub(crate) fn append_to_list(src: &str, list: Node<'_>, item: &str) -> Option<(usize, String)> {
    let entries: Vec<Node<'_>> = named_children(list)
        .into_iter()
        .filter(|n| !n.kind().contains("comment") && n.kind() != "attribute_item")
        .collect();
    let close = list.end_byte().checked_sub(1)?;
    let Some(last) = entries.last() else {
        let line_start = start_of_line(src, close);
        let indent: String = src[start_of_line(src, list.start_byte())..]
            .chars()
            .take_while(|c| *c == ' ' || *c == '\t')
            .collect();
        return Some(
            if src[line_start..close].trim().is_empty() && line_start > list.start_byte() {
                (line_start, format!("{indent}    {item},\n"))
            } else {
                (close, format!(" {item} "))
            },
        );
    };
    let after = &src[last.end_byte()..close];
    let comma = after.trim_start().starts_with(',');
    let line_start = start_of_line(src, last.start_byte());
    let multiline = src[line_start..last.start_byte()].trim().is_empty();
    if multiline {
        let indent = &src[line_start..last.start_byte()];
        if comma {
            let at = last.end_byte() + after.find(',')? + 1;
            Some((at, format!("\n{indent}{item},")))
        } else {
            Some((last.end_byte(), format!(",\n{indent}{item},")))
        }
    } else if comma {
        let at = last.end_byte() + after.find(',')? + 1;
        Some((at, format!(" {item},")))
    } else {
        Some((last.end_byte(), format!(", {item}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::text::testing::rust_undefined;

    /// Each case: the program, where it uses the missing `name` of enum `owner`, and the one
    /// result as a replacement in the program (`None`: no fix).
    #[test]
    fn variant_added_to_the_enum() {
        for (case, text, at, (name, owner), want) in [
            (
                "a tuple variant typed from the arguments",
                "enum Message {\n    Quit,\n    Move { x: i32 },\n}\n\nfn main() {\n    let w: u32 = 3;\n    let m = Message::Resize(w, \"big\");\n}\n",
                (8, 22),
                ("Resize", "Message"),
                Some((
                    "    Move { x: i32 },\n}",
                    "    Move { x: i32 },\n    Resize(u32, &'static str),\n}",
                )),
            ),
            (
                "a unit variant in an enum on one line",
                "enum Dir { Up, Down }\n\nfn main() {\n    let d = Dir::Left;\n}\n",
                (4, 18),
                ("Left", "Dir"),
                Some(("Up, Down }", "Up, Down, Left }")),
            ),
            (
                "a lowercase name is an associated function",
                "enum Dir { Up }\n\nfn main() {\n    let d = Dir::parse(1);\n}\n",
                (4, 18),
                ("parse", "Dir"),
                None,
            ),
        ] {
            let msg = format!(
                "no variant or associated item named `{name}` found for enum `{owner}` in the current scope"
            );
            let want: Vec<String> = want.iter().map(|&(a, b)| text.replace(a, b)).collect();
            assert_eq!(
                rust_undefined(&MissingVariant, "E0599", text, at, &msg),
                want,
                "{case}"
            );
        }
    }
}
