//! `javascript.missing-method`: writes a method the program calls on an instance of one of its
//! own classes. Answers: `TypeError: x.m is not a function` where `x` was made by `new C(…)` and
//! `class C` is declared in a file fixes may edit. Fix: `m(a, b) { return <placeholder>; }` at
//! the end of the class body, returning what the use or the name suggests (like
//! `javascript.missing-function`).
//!
//! Why it is safe: only the call and the variable's declaration are read and a method is added
//! to a class the program declares; nothing existing changes.
//!
//! Example: `s.push(3)` on `const s = new Stack();` gains `push(arg1) { return undefined; }` in
//! `class Stack`.

use super::missing_function::js_placeholder;
use super::*;
use crate::fix::ErrorKind;
use tree_sitter::Node;

/// Writes a method the program calls on an instance of its own class.
pub(crate) struct MissingMethod;

impl Rule for MissingMethod {
    const META: RuleMeta =
        RuleMeta::new("javascript.missing-method", FixApplicability::Speculative)
            .language(TargetLanguage::JavaScript)
            .kinds(&[ErrorKind::UndefinedVariable])
            .codes(&["TypeError"]);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let Some(expr) = message(error).strip_suffix(" is not a function") else {
            return Vec::new();
        };
        let Some((object, name)) = expr.rsplit_once('.') else {
            return Vec::new();
        };
        if !is_identifier(object) || !is_identifier(name) {
            return Vec::new();
        }
        let Some(site) = UseSite::of(error, program, TargetLanguage::JavaScript) else {
            return Vec::new();
        };
        let use_text = site.text;
        let Some(call) = site.call(name) else {
            return Vec::new();
        };
        let Some(class) =
            constructed_class(site.tree.root_node(), use_text, object, call.start_byte())
        else {
            return Vec::new();
        };
        let params = parameter_names(&call_arguments(call), use_text).join(", ");
        let (value, confidence) = js_placeholder(call, use_text, name);
        let kinds = ["class_declaration", "class"];
        in_class_body(
            program,
            TargetLanguage::JavaScript,
            &kinds,
            &class,
            |def_file, text, body| {
                let close = body.end_byte().saturating_sub(1);
                let line_start = start_of_line(text, close);
                let class_indent: String = text[start_of_line(text, body.start_byte())..]
                    .chars()
                    .take_while(|c| *c == ' ' || *c == '\t')
                    .collect();
                let indent = format!("{class_indent}  ");
                let method =
                    format!("{indent}{name}({params}) {{\n{indent}  return {value};\n{indent}}}\n");
                let (at, insert) = if text[line_start..close].trim().is_empty() {
                    let sep = if named_children(body).is_empty() {
                        ""
                    } else {
                        "\n"
                    };
                    (line_start, format!("{sep}{method}"))
                } else {
                    (close, format!("\n{method}{class_indent}"))
                };
                Some(insert_definition(
                    Self::META.id,
                    confidence,
                    format!("define the method `{class}.{name}({params})`"),
                    def_file,
                    at,
                    &insert,
                ))
            },
        )
        .unwrap_or_default()
    }
}

/// The class `object` was constructed from (`const object = new C(…)`) in a declaration
/// before `before`.
fn constructed_class(root: Node<'_>, src: &str, object: &str, before: usize) -> Option<String> {
    all_nodes(root)
        .into_iter()
        .filter(|n| n.kind() == "variable_declarator" && n.start_byte() < before)
        .filter(|n| {
            n.child_by_field_name("name")
                .is_some_and(|x| node_text(x, src) == object)
        })
        .filter_map(|n| n.child_by_field_name("value"))
        .filter(|v| v.kind() == "new_expression")
        .filter_map(|v| v.child_by_field_name("constructor"))
        .map(|c| node_text(c, src).to_string())
        .rfind(|c| is_identifier(c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::text::testing::{err, program_with_test, results};
    use crate::fix::FixStrategy;

    #[test]
    fn method_at_the_end_of_the_class_from_a_protected_test() {
        let main = "class Stack {\n  constructor() {\n    this.items = [];\n  }\n}\n\nmodule.exports = { Stack };\n";
        let test = "const { Stack } = require('./main');\nconst s = new Stack();\ns.push(3);\nif (s.size() !== 1) throw new Error('x');\n";
        let p = program_with_test(
            TargetLanguage::JavaScript,
            ("main.js", main),
            ("main.test.js", test),
        );
        // Every result (in `main.js`) for `message` at `line`:`col` of the test.
        let heal = |message: &str, line, col| {
            let e = err(
                ErrorType::UndefinedVariable,
                "TypeError",
                message,
                "main.test.js",
                line,
                col,
            );
            results(&MissingMethod.suggest(&e, &p), main)
        };
        let at_the_end = |method: &str| {
            main.replace(
                "    this.items = [];\n  }\n}",
                &format!("    this.items = [];\n  }}\n\n{method}}}"),
            )
        };
        assert_eq!(
            heal("s.push is not a function", 3, 3),
            [at_the_end("  push(arg1) {\n    return undefined;\n  }\n")]
        );
        assert_eq!(
            heal("s.size is not a function", 4, 7)[0],
            at_the_end("  size() {\n    return 0;\n  }\n")
        );
    }
}
