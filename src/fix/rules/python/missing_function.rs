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
        define_function(error, program).unwrap_or_default()
    }
}

/// The fix writing the function the error names.
fn define_function(error: &CodeError, program: &Program) -> Option<Vec<Fix>> {
    let Some((name, NameKind::Value)) = crate::fix::text::undefined_name(message(error)) else {
        return None;
    };
    let site = UseSite::of(error, program, TargetLanguage::Python)?;
    let (file, use_text) = (site.file, site.text);
    let call = site.function_call(&name)?;
    let params = python_parameters(call, use_text);
    let (value, shaped) = PYTHON_PLACEHOLDERS.placeholder(call, use_text, &name);
    let def = format!("def {name}({params}):\n    return {value}\n");
    let (def_file, at, insert) = match editable_file(program, file) {
        Some((f, _)) => {
            let item = top_level_item(call)?;
            let at = start_of_line(use_text, item.start_byte());
            (f, at, format!("{def}\n\n"))
        }
        None => {
            let (f, text) = definition_file(program, file)?;
            let end = text.trim_end().len();
            (f, end, format!("\n\n\n{}", def.trim_end()))
        }
    };
    Some(insert_definition(
        MissingFunction::META.id,
        if shaped {
            CONFIDENCE_SHAPED
        } else {
            CONFIDENCE_NONE
        },
        format!("define the missing function `{name}({params})`"),
        def_file,
        at,
        &insert,
    ))
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

/// Where Python says what a call returns: a condition, a loop, a statement of its own, an
/// operand beside a literal; `None` when nothing does.
pub(crate) const PYTHON_PLACEHOLDERS: PlaceholderGrammar = PlaceholderGrammar {
    words: ShapeWords {
        boolean: "False",
        int: "0",
        float: "0.0",
        text: "\"\"",
        unknown: "None",
    },
    empty_list: "[]",
    conditions: &["if_statement", "while_statement", "elif_clause"],
    condition_wrapper: None,
    boolean_operators: &[("not_operator", ""), ("boolean_operator", "")],
    loops: &["for_statement", "for_in_clause"],
    statement: "expression_statement",
    binary_operations: &[
        "binary_operator",
        "augmented_assignment",
        "comparison_operator",
    ],
    literals: &[
        ("integer", NamedShape::Int),
        ("float", NamedShape::Float),
        ("string", NamedShape::Text),
    ],
};

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

    /// What the call's place says the function returns, for names that say nothing.
    #[test]
    fn the_use_says_what_the_function_returns() {
        for (case, body, at, name, value) in [
            (
                "negated loop condition",
                "    while not probe(x):\n        x += 1\n",
                (2, 15),
                "probe",
                "False",
            ),
            (
                "iterated",
                "    for y in source(x):\n        print(y)\n",
                (2, 14),
                "source",
                "[]",
            ),
            (
                "a statement of its own",
                "    step(x)\n",
                (2, 5),
                "step",
                "None",
            ),
            (
                "beside a float",
                "    return part(x) * 2.5\n",
                (2, 12),
                "part",
                "0.0",
            ),
            (
                "beside a string",
                "    return piece(x) + \"!\"\n",
                (2, 12),
                "piece",
                "\"\"",
            ),
            (
                "beside an integer",
                "    y = other(x) + 1\n    return y\n",
                (2, 9),
                "other",
                "0",
            ),
        ] {
            let text = format!("def main(x):\n{body}");
            let msg = format!("name '{name}' is not defined");
            assert_eq!(
                heal(&text, at, &msg),
                [format!("def {name}(x):\n    return {value}\n\n\n{text}")],
                "{case}"
            );
        }
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
