//! `javascript.missing-function`: writes a function the program calls but never defined.
//! Answers: `ReferenceError: f is not defined` where `f(…)` is called in a file fixes may edit.
//! Fix: `function f(a, b) { return <placeholder>; }` before the top-level statement that calls
//! it, parameters named after the arguments, returning what the use or the name suggests
//! (`false` in a condition or for `isX`, `0` for `countX`, `''` for `formatX`, `[]` when
//! iterated, else `undefined`).
//!
//! Why it is safe: only the call is read and a new function is added; nothing existing changes.
//!
//! Example: `const total = computeTotal(items, 3);` gains
//! `function computeTotal(items, arg2) {\n  return 0;\n}`.

use super::*;
use crate::fix::ErrorKind;
use tree_sitter::Node;

/// The use or the name says what the function (or method) returns.
const CONFIDENCE_SHAPED: f64 = 0.4;
/// Nothing says it: `undefined`.
const CONFIDENCE_UNDEFINED: f64 = 0.3;

/// Writes a function the program calls but never defined.
pub(crate) struct MissingFunction;

impl Rule for MissingFunction {
    const META: RuleMeta =
        RuleMeta::new("javascript.missing-function", FixApplicability::Speculative)
            .language(TargetLanguage::JavaScript)
            .kinds(&[ErrorKind::UndefinedVariable])
            .codes(&["ReferenceError"]);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let Some((name, NameKind::Value)) = crate::fix::text::undefined_name(message(error)) else {
            return Vec::new();
        };
        let Some(t) = UseSite::editable(error, program, TargetLanguage::JavaScript) else {
            return Vec::new();
        };
        let Some(call) = t.function_call(&name) else {
            return Vec::new();
        };
        let params = parameter_names(&call_arguments(call), t.text).join(", ");
        let (value, confidence) = js_placeholder(call, t.text, &name);
        let Some(item) = top_level_item(call) else {
            return Vec::new();
        };
        let at = start_of_line(t.text, item.start_byte());
        insert_definition(
            Self::META.id,
            confidence,
            format!("define the missing function `{name}({params})`"),
            t.file,
            at,
            &format!("function {name}({params}) {{\n  return {value};\n}}\n\n"),
        )
    }
}

/// The placeholder a function or method called by `call` returns (what its use or its name
/// suggests), and the confidence of a definition returning it.
pub(crate) fn js_placeholder(call: Node<'_>, src: &str, name: &str) -> (&'static str, f64) {
    match JAVASCRIPT_PLACEHOLDERS.placeholder(call, src, name) {
        (value, true) => (value, CONFIDENCE_SHAPED),
        (value, false) => (value, CONFIDENCE_UNDEFINED),
    }
}

/// Where JavaScript's grammar says what a call returns, and the placeholders it writes.
const JAVASCRIPT_PLACEHOLDERS: PlaceholderGrammar = PlaceholderGrammar {
    words: ShapeWords {
        boolean: "false",
        int: "0",
        float: "0",
        text: "''",
        unknown: "undefined",
    },
    empty_list: "[]",
    conditions: &["if_statement", "while_statement"],
    condition_wrapper: Some("parenthesized_expression"),
    boolean_operators: &[("unary_expression", "!")],
    loops: &["for_in_statement"],
    statement: "expression_statement",
    binary_operations: &["binary_expression"],
    literals: &[
        ("number", NamedShape::Int),
        ("string", NamedShape::Text),
        ("template_string", NamedShape::Text),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::text::testing::undefined_results;

    fn heal(text: &str, at: (u32, u32), msg: &str) -> Vec<String> {
        let js = (TargetLanguage::JavaScript, "main.js");
        undefined_results(&MissingFunction, js, "ReferenceError", text, at, msg)
    }

    #[test]
    fn function_before_the_statement_that_calls_it() {
        let text = "const items = [1, 2];\nconst total = computeTotal(items, 3);\nif (!isReady(total)) {\n  console.log(total);\n}\n";
        assert_eq!(
            heal(text, (2, 15), "computeTotal is not defined"),
            [text.replace(
                "const total",
                "function computeTotal(items, arg2) {\n  return 0;\n}\n\nconst total"
            )]
        );
        assert_eq!(
            heal(text, (3, 6), "isReady is not defined"),
            [text.replace(
                "if (!isReady",
                "function isReady(total) {\n  return false;\n}\n\nif (!isReady"
            )]
        );
    }

    #[test]
    fn the_use_says_what_it_returns() {
        for (case, text, at, value) in [
            ("a condition", "if (ready()) {}\n", (1, 5), "false"),
            ("iterated", "for (const x of items()) {}\n", (1, 17), "[]"),
            ("a statement", "tick();\n", (1, 1), "undefined"),
            (
                "beside a string",
                "const s = label() + '!';\n",
                (1, 11),
                "''",
            ),
            ("beside a number", "const n = size() * 2;\n", (1, 11), "0"),
        ] {
            let name = &text[at.1 as usize - 1..text.find("()").unwrap()];
            let written = format!("function {name}() {{\n  return {value};\n}}\n\n{text}");
            assert_eq!(
                heal(text, at, &format!("{name} is not defined")),
                [written],
                "case: {case}"
            );
        }
    }
}
