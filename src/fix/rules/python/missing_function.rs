//! `python.missing-function`: writes a function the program calls but never defined. Answers:
//! `NameError: name 'f' is not defined` where `f(…)` is called. Fix: `def f(a, b, key=None):`
//! returning the placeholder the use or the name suggests (`False` for `is_…` or a condition,
//! `0` for `count_…`, `""` for `format_…`, `[]` when iterated, else `None`), before the
//! top-level statement that uses it (at the end of the program's file when a protected test
//! calls it). Parameters are named after the arguments.
//!
//! Why it is safe: only the call is read and a new function is added; nothing existing changes.
//!
//! Example: `total = compute_total(items, 3)` gains
//! `def compute_total(items, arg2):\n    return 0`.

use super::*;
use crate::fix::ErrorKind;
use tree_sitter::Node;

/// The use or the name says what the function returns.
const CONFIDENCE_SHAPED: f64 = 0.4;
/// Nothing says it: `None`.
const CONFIDENCE_NONE: f64 = 0.3;

/// Writes a function the program calls but never defined.
pub(crate) struct MissingFunction;

impl Rule for MissingFunction {
    const META: RuleMeta = RuleMeta::new("python.missing-function", FixApplicability::Speculative)
        .language(TargetLanguage::Python)
        .kinds(&[ErrorKind::UndefinedVariable])
        .codes(&["NameError"]);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let Some((name, NameKind::Value)) = crate::fix::text::undefined_name(message(error)) else {
            return Vec::new();
        };
        let Some(site) = UseSite::of(error, program, TargetLanguage::Python) else {
            return Vec::new();
        };
        let (file, use_text) = (site.file, site.text);
        let Some(call) = site.function_call(&name) else {
            return Vec::new();
        };
        let params = python_parameters(call, use_text);
        let (value, shaped) = python_placeholder(call, use_text, &name);
        let def = format!("def {name}({params}):\n    return {value}\n");
        let (def_file, at, insert) = match editable_file(program, file) {
            Some((f, _)) => {
                let Some(item) = top_level_item(call) else {
                    return Vec::new();
                };
                let at = start_of_line(use_text, item.start_byte());
                (f, at, format!("{def}\n\n"))
            }
            None => {
                let Some((f, text)) = definition_file(program, file) else {
                    return Vec::new();
                };
                let end = text.trim_end().len();
                (f, end, format!("\n\n\n{}", def.trim_end()))
            }
        };
        insert_definition(
            Self::META.id,
            if shaped {
                CONFIDENCE_SHAPED
            } else {
                CONFIDENCE_NONE
            },
            format!("define the missing function `{name}({params})`"),
            def_file,
            at,
            &insert,
        )
    }
}

/// Parameters named after a call's arguments: positional names, then `key=None` for keyword
/// arguments, `*args`/`**kwargs` for unpacked ones.
pub(crate) fn python_parameters(call: Node<'_>, src: &str) -> String {
    let args = call_arguments(call);
    let positional: Vec<Node<'_>> = args
        .iter()
        .copied()
        .filter(|a| {
            !matches!(
                a.kind(),
                "keyword_argument" | "list_splat" | "dictionary_splat"
            )
        })
        .collect();
    let mut params = parameter_names(&positional, src);
    if args.iter().any(|a| a.kind() == "list_splat") {
        params.push("*args".into());
    }
    for a in &args {
        if a.kind() == "keyword_argument" {
            if let Some(n) = a.child_by_field_name("name") {
                params.push(format!("{}=None", node_text(n, src)));
            }
        }
    }
    if args.iter().any(|a| a.kind() == "dictionary_splat") {
        params.push("**kwargs".into());
    }
    params.join(", ")
}

/// The placeholder a function returns: what its use (a condition, a loop, an operand) or its
/// name suggests, and whether anything suggested it.
pub(crate) fn python_placeholder(call: Node<'_>, src: &str, name: &str) -> (&'static str, bool) {
    if let Some(parent) = call.parent() {
        let is = |field: &str| {
            parent
                .child_by_field_name(field)
                .is_some_and(|c| c.id() == call.id())
        };
        match parent.kind() {
            "if_statement" | "while_statement" | "elif_clause" if is("condition") => {
                return ("False", true)
            }
            "not_operator" | "boolean_operator" => return ("False", true),
            "for_statement" | "for_in_clause" if is("right") => return ("[]", true),
            "expression_statement" => return ("None", true),
            "binary_operator" | "augmented_assignment" | "comparison_operator" => {
                let other = named_children(parent)
                    .into_iter()
                    .find(|c| c.id() != call.id() && !c.kind().contains("operator"));
                match other.map(|o| o.kind()) {
                    Some("integer") => return ("0", true),
                    Some("float") => return ("0.0", true),
                    Some("string") => return ("\"\"", true),
                    _ => {}
                }
            }
            _ => {}
        }
        let _ = src;
    }
    ShapeWords {
        boolean: "False",
        int: "0",
        float: "0.0",
        text: "\"\"",
        unknown: "None",
    }
    .for_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::text::testing::undefined_results;

    fn heal(text: &str, at: (u32, u32), msg: &str) -> Vec<String> {
        let python = (TargetLanguage::Python, "main.py");
        undefined_results(&MissingFunction, python, "NameError", text, at, msg)
    }

    #[test]
    fn function_before_the_statement_that_calls_it() {
        let text = "import sys\n\nitems = [1, 2]\ntotal = compute_total(items, 3, scale=2)\nprint(total)\n";
        assert_eq!(
            heal(text, (4, 9), "name 'compute_total' is not defined"),
            [text.replace(
                "total = compute",
                "def compute_total(items, arg2, scale=None):\n    return 0\n\n\ntotal = compute"
            )]
        );
    }

    #[test]
    fn condition_returns_false_and_plain_names_are_not_calls() {
        let text = "def main(x):\n    if looks_fine(x):\n        return y\n";
        assert_eq!(
            heal(text, (2, 8), "name 'looks_fine' is not defined"),
            [format!("def looks_fine(x):\n    return False\n\n\n{text}")]
        );
        assert!(heal(text, (3, 16), "name 'y' is not defined").is_empty());
    }
}
