//! `rust.missing-constant`: declares a constant the program uses but never defined. Answers:
//! E0425 `cannot find value `NAME` in this scope` for an upper-case name. Fix:
//! `const NAME: T = 0;` before the item that uses it, `T` from what the use's position expects
//! (an annotation, the other operand, a range bound, a parameter) and the value the type's zero
//! (`0`, `0.0`, `false`, `""`, `String::new()`).
//!
//! Why it is safe: only the use is read and a new item is added; nothing existing changes.
//!
//! Example: `for i in 0..MAX_ITEMS` with no `MAX_ITEMS` gains `const MAX_ITEMS: i32 = 0;`.

use super::*;
use crate::fix::ErrorKind;

/// The use's position says the type.
const CONFIDENCE_TYPED: f64 = 0.4;
/// The type is a guess (`i32`, or what the name suggests).
const CONFIDENCE_GUESSED: f64 = 0.25;

/// Declares a constant the program uses but never defined.
pub(crate) struct MissingConstant;

impl Rule for MissingConstant {
    const META: RuleMeta = RuleMeta::new("rust.missing-constant", FixApplicability::Speculative)
        .language(TargetLanguage::Rust)
        .kinds(&[ErrorKind::UndefinedVariable, ErrorKind::Compiler])
        .codes(&["E0425"]);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        define_constant(error, program).unwrap_or_default()
    }
}

/// The fix defining the constant the error names.
fn define_constant(error: &CodeError, program: &Program) -> Option<Vec<Fix>> {
    if !message(error).starts_with("cannot find value `") {
        return None;
    }
    let (name, _) = undefined_name(message(error))?;
    let constant_case = name.chars().any(|c| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    if !constant_case {
        return None;
    }
    let t = UseSite::editable(error, program, TargetLanguage::Rust)?;
    let use_node = t.name_node(&name)?;
    let expected = match expected_type(use_node, t.text) {
        Expected::Type(ty) => Some(ty),
        _ => range_bound_type(use_node, t.text),
    };
    let (ty, confidence) = match expected {
        Some(ty) => (ty, CONFIDENCE_TYPED),
        None => {
            // A constant's text is a `&str` literal.
            let words = ShapeWords {
                text: "&str",
                ..RUST_TYPE_WORDS
            };
            let (ty, _) = words.for_name(&name);
            (ty.to_string(), CONFIDENCE_GUESSED)
        }
    };
    let value = const_zero(&ty)?;
    let item = top_level_item(use_node)?;
    let line_start = start_of_line(t.text, item.start_byte());
    Some(insert_definition(
        MissingConstant::META.id,
        confidence,
        format!("declare the constant `{name}: {ty}`"),
        t.file,
        line_start,
        &format!("const {name}: {ty} = {value};\n\n"),
    ))
}

/// The type of the other bound of a range (`0..N`, `N..=10`).
fn range_bound_type(node: tree_sitter::Node<'_>, src: &str) -> Option<String> {
    let parent = node.parent().filter(|p| p.kind() == "range_expression")?;
    named_children(parent)
        .into_iter()
        .filter(|c| c.id() != node.id())
        .find_map(|c| expr_type(c, src))
}

/// The zero of `ty` as a constant expression.
fn const_zero(ty: &str) -> Option<&'static str> {
    Some(match ty {
        _ if RUST_INTEGERS.contains(&ty) => "0",
        _ if RUST_FLOATS.contains(&ty) => "0.0",
        "bool" => "false",
        "char" => "' '",
        "&str" | "&'static str" => "\"\"",
        "String" => "String::new()",
        _ if ty.starts_with("Vec<") => "Vec::new()",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::text::testing::{err, program, results};
    use crate::fix::FixStrategy;

    fn heal(text: &str, line: u32, col: u32, name: &str) -> Vec<String> {
        let p = program(TargetLanguage::Rust, "main.rs", text);
        let msg = format!("cannot find value `{name}` in this scope");
        let e = err(
            ErrorType::UndefinedVariable,
            "E0425",
            &msg,
            "main.rs",
            line,
            col,
        );
        results(&MissingConstant.suggest(&e, &p), text)
    }

    #[test]
    fn constant_typed_from_the_other_operand() {
        let text = "fn main() {\n    let v = vec![1];\n    if v.len() > MAX_ITEMS {}\n}\n";
        assert_eq!(
            heal(text, 3, 18, "MAX_ITEMS"),
            [format!("const MAX_ITEMS: usize = 0;\n\n{text}")]
        );
    }

    #[test]
    fn range_bound_and_lower_case_names() {
        let text = "fn main() {\n    for i in 0u8..LIMIT {}\n}\n";
        assert_eq!(
            heal(text, 2, 19, "LIMIT"),
            [format!("const LIMIT: u8 = 0;\n\n{text}")]
        );
        assert!(heal("fn main() { x; }\n", 1, 13, "x").is_empty());
    }
}
