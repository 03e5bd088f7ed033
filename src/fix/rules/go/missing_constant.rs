//! `go.missing-constant`: declares a constant the program uses but never defined. Answers:
//! `undefined: Name` for a name that is not called and is written like a constant
//! (`MaxItems`, `MAX_ITEMS`). Fix: `const Name = 0` before the declaration that uses it (an
//! untyped constant: it fits every numeric use), `""` or `false` when the use's position
//! expects a string or a boolean.
//!
//! Why it is safe: only the use is read and a new declaration is added; nothing existing
//! changes.
//!
//! Example: `for i := 0; i < MaxItems; i++` with no `MaxItems` gains `const MaxItems = 0`.

use super::*;
use crate::fix::ErrorKind;

/// The use's position says the kind of value.
const CONFIDENCE_TYPED: f64 = 0.4;
/// Nothing says it: a numeric zero.
const CONFIDENCE_GUESSED: f64 = 0.3;

/// Declares a constant the program uses but never defined.
pub(crate) struct MissingConstant;

impl Rule for MissingConstant {
    const META: RuleMeta = RuleMeta::new("go.missing-constant", FixApplicability::Speculative)
        .language(TargetLanguage::Go)
        .kinds(&[ErrorKind::UndefinedVariable, ErrorKind::Compiler]);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let Some(name) = message(error)
            .strip_prefix("undefined: ")
            .map(str::trim)
            .filter(|n| is_identifier(n))
        else {
            return Vec::new();
        };
        if !name.chars().next().is_some_and(|c| c.is_ascii_uppercase()) {
            return Vec::new();
        }
        let Some(t) = UseSite::editable(error, program, TargetLanguage::Go) else {
            return Vec::new();
        };
        let Some(use_node) = t.name_node(name).filter(|n| n.kind() == "identifier") else {
            return Vec::new();
        };
        if call_of(use_node).is_some()
            || use_node
                .parent()
                .is_some_and(|p| matches!(p.kind(), "selector_expression" | "composite_literal"))
        {
            return Vec::new();
        }
        let (value, confidence) = match go_expected(use_node, t.text).0 {
            Expected::Type(ty) if ty == "string" => ("\"\"", CONFIDENCE_TYPED),
            Expected::Type(ty) if ty == "bool" => ("false", CONFIDENCE_TYPED),
            Expected::Type(ty) if GO_NUMBERS.contains(&ty.as_str()) => ("0", CONFIDENCE_TYPED),
            Expected::Type(_) => return Vec::new(),
            _ => ("0", CONFIDENCE_GUESSED),
        };
        let Some(item) = top_level_item(use_node) else {
            return Vec::new();
        };
        let at = start_of_line(t.text, item.start_byte());
        let mut fixes = Fixes::new(Self::META.id);
        fixes.replace(
            confidence,
            format!("declare the constant `{name} = {value}`"),
            t.file,
            at,
            at,
            &format!("const {name} = {value}\n\n"),
        );
        fixes.done()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::text::testing::{err, program, results};
    use crate::fix::FixStrategy;
    use crate::types::ErrorType;

    #[test]
    fn constant_before_the_function_that_uses_it() {
        let text = "package main\n\nfunc main() {\n\tfor i := 0; i < MaxItems; i++ {\n\t}\n\tvar s string = Prefix\n\t_ = s\n}\n";
        let p = program(TargetLanguage::Go, "main.go", text);
        let e = err(
            ErrorType::UndefinedVariable,
            "undefined",
            "undefined: MaxItems",
            "main.go",
            4,
            18,
        );
        assert_eq!(
            results(&MissingConstant.suggest(&e, &p), text),
            [text.replace("func main", "const MaxItems = 0\n\nfunc main")]
        );
        let e = err(
            ErrorType::UndefinedVariable,
            "undefined",
            "undefined: Prefix",
            "main.go",
            6,
            17,
        );
        assert_eq!(
            results(&MissingConstant.suggest(&e, &p), text),
            [text.replace("func main", "const Prefix = \"\"\n\nfunc main")]
        );
        let e = err(
            ErrorType::UndefinedVariable,
            "undefined",
            "undefined: total",
            "main.go",
            4,
            18,
        );
        assert!(MissingConstant.suggest(&e, &p).is_empty());
    }
}
