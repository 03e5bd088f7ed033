//! `go.untyped-parameters`: gives types to parameters written without one, and adds the
//! parameters the body uses but the list forgot. Answers: `undefined: a` where `a` is a bare
//! word of a parameter list (`func area(a, b) float64`: Go reads `a` and `b` as types). Fix: the
//! list rewritten with each parameter typed from the arguments of the function's calls in the
//! program and its tests (an untyped constant takes the type of the others: `3` beside `10.5`
//! is a `float64`, and parameters whose calls pass only numbers share one type), else from the function's single numeric result, else `int`; when the calls
//! pass more arguments than the list has words, the body's undeclared names (in order of first
//! use) become the missing parameters.
//!
//! Why it is safe: the list could not compile (its words are undefined types); the body and the
//! calls are not changed, and the heal loop validates the result.
//!
//! Example: `func area(a, b) float64 { … a + b + c … }` called as `area(3, 4.5, 5)` becomes
//! `func area(a, b, c float64) float64`.

use tree_sitter::Node;

use super::scope::{function_names, package_names, undeclared_in, UndefinedUse};
use super::*;
use crate::fix::ErrorKind;

/// The calls say the types.
const CONFIDENCE_FROM_CALLS: f64 = 0.55;
/// The function's result or `int` says them.
const CONFIDENCE_GUESSED: f64 = 0.4;

/// Gives types to parameters written without one, and adds the ones the body uses.
pub(crate) struct UntypedParameters;

impl Rule for UntypedParameters {
    const META: RuleMeta = RuleMeta::new("go.untyped-parameters", FixApplicability::Speculative)
        .language(TargetLanguage::Go)
        .kinds(&[ErrorKind::UndefinedVariable, ErrorKind::Compiler]);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let Some(undefined) = UndefinedUse::of(error, program) else {
            return Vec::new();
        };
        let (site, text) = (&undefined.site, undefined.site.text);
        let Some(list) = site
            .name_node(undefined.name)
            .filter(|n| n.kind() == "type_identifier")
            .and_then(|n| n.parent())
            .filter(|d| d.kind() == "parameter_declaration")
            .and_then(|d| d.parent())
            .filter(|l| l.kind() == "parameter_list")
        else {
            return Vec::new();
        };
        let Some(function) = list.parent().filter(|f| {
            matches!(f.kind(), "function_declaration" | "method_declaration")
                && f.child_by_field_name("parameters")
                    .is_some_and(|p| p.id() == list.id())
        }) else {
            return Vec::new();
        };
        let Some(words) = bare_words(list, text) else {
            return Vec::new();
        };
        let package = package_names(program);
        if words.iter().any(|w| package.contains(w)) {
            // A real type among them: `func f(int, string)` is legal Go.
            return Vec::new();
        }
        let Some(fname) = function
            .child_by_field_name("name")
            .map(|n| node_text(n, text))
        else {
            return Vec::new();
        };
        let calls = call_argument_types(program, fname, function.kind() == "method_declaration");
        let mut params = words.clone();
        let arity = calls.iter().map(Vec::len).max().unwrap_or(params.len());
        if arity > params.len() {
            let Some(body) = function.child_by_field_name("body") else {
                return Vec::new();
            };
            let mut declared = function_names(function, text);
            declared.extend(package);
            declared.extend(words.iter().cloned());
            let missing = undeclared_in(body, text, &declared);
            if missing.len() < arity - params.len() {
                return Vec::new();
            }
            params.extend(missing.into_iter().take(arity - words.len()));
        }
        let fallback = result_fallback(function, text);
        let mut from_calls = true;
        let mut types: Vec<String> = (0..params.len())
            .map(|i| {
                position_type(&calls, i).unwrap_or_else(|| {
                    from_calls = false;
                    fallback.clone()
                })
            })
            .collect();
        // Numbers written as one group are one type: `area(3, 4.5, 5)` is three floats.
        if from_calls
            && types.iter().all(|t| t == "int" || t == "float64")
            && types.iter().any(|t| t == "float64")
        {
            types.iter_mut().for_each(|t| *t = "float64".into());
        }
        let written = format!("({})", typed_list(&params, &types));
        let confidence = if from_calls {
            CONFIDENCE_FROM_CALLS
        } else {
            CONFIDENCE_GUESSED
        };
        let mut fixes = Fixes::new(Self::META.id);
        fixes.replace(
            confidence,
            format!("type the parameters of `{fname}`: `{written}`"),
            site.file,
            list.start_byte(),
            list.end_byte(),
            &written,
        );
        fixes.done()
    }
}

/// The words of a parameter list whose every entry is a bare word (no name, a plain type
/// name): `(a, b)`. `None` otherwise.
fn bare_words(list: Node<'_>, text: &str) -> Option<Vec<String>> {
    let decls: Vec<Node<'_>> = named_children(list)
        .into_iter()
        .filter(|n| !n.kind().contains("comment"))
        .collect();
    if decls.is_empty() {
        return None;
    }
    decls
        .iter()
        .map(|d| {
            let ty = d.child_by_field_name("type")?;
            (d.kind() == "parameter_declaration"
                && d.child_by_field_name("name").is_none()
                && ty.kind() == "type_identifier")
                .then(|| node_text(ty, text).to_string())
        })
        .collect()
}

/// The argument types of every call of function `name` in the program's files (tests too),
/// one list per call; `None` where the text does not say. Methods are called as `x.name(…)`.
fn call_argument_types(program: &Program, name: &str, method: bool) -> Vec<Vec<Option<String>>> {
    let mut out = Vec::new();
    for text in program.files().values() {
        let Some(tree) = parse_tree(TargetLanguage::Go, text) else {
            continue;
        };
        for call in all_nodes(tree.root_node())
            .into_iter()
            .filter(|n| n.kind() == "call_expression")
        {
            let Some(f) = call.child_by_field_name("function") else {
                continue;
            };
            let callee = match (f.kind(), method) {
                ("identifier", false) => Some(f),
                ("selector_expression", true) => f.child_by_field_name("field"),
                _ => None,
            };
            if callee.is_some_and(|c| node_text(c, text) == name) {
                out.push(
                    call_arguments(call)
                        .into_iter()
                        .map(|a| go_expr_type(a, text))
                        .collect(),
                );
            }
        }
    }
    out
}

/// The one type the calls agree on at position `i`: untyped numeric constants widen to
/// `float64` beside a float. `None` when no call says, or they disagree.
fn position_type(calls: &[Vec<Option<String>>], i: usize) -> Option<String> {
    let mut seen: Vec<&str> = calls
        .iter()
        .filter_map(|c| c.get(i).and_then(|t| t.as_deref()))
        .collect();
    seen.sort_unstable();
    seen.dedup();
    match seen.as_slice() {
        [one] => Some(one.to_string()),
        ["float64", "int"] => Some("float64".into()),
        _ => None,
    }
}

/// The function's single numeric result type, else `int`.
fn result_fallback(function: Node<'_>, text: &str) -> String {
    match go_results_of(function, text).as_slice() {
        [one] if GO_NUMBERS.contains(&one.as_str()) => one.clone(),
        _ => "int".into(),
    }
}

/// `a, b float64, s string`: consecutive parameters of one type share it.
fn typed_list(params: &[String], types: &[String]) -> String {
    let mut groups: Vec<(Vec<&str>, &str)> = Vec::new();
    for (p, t) in params.iter().zip(types) {
        match groups.last_mut() {
            Some((names, ty)) if *ty == t.as_str() => names.push(p),
            _ => groups.push((vec![p], t)),
        }
    }
    groups
        .iter()
        .map(|(names, ty)| format!("{} {ty}", names.join(", ")))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::super::testing::{undefined_fixes, undefined_in, undefined_results};
    use super::*;
    use crate::fix::text::testing::{program, program_with_test, results};
    use crate::fix::FixStrategy;

    #[test]
    fn types_from_the_calls_and_the_missing_parameter_from_the_body() {
        let main = "package main\n\nfunc volume(w, h) float64 {\n\treturn w * h * d\n}\n";
        let test = "package main\n\nimport \"testing\"\n\nfunc TestVolume(t *testing.T) {\n\tif volume(2, 3, 4) != 24 || volume(0.5, 2, 2) != 2 {\n\t\tt.Fatal(\"wrong\")\n\t}\n}\n";
        let p = program_with_test(
            TargetLanguage::Go,
            ("main.go", main),
            ("main_test.go", test),
        );
        let fixes = UntypedParameters.suggest(&undefined_in("w", "main.go", (3, 13)), &p);
        assert_eq!(
            results(&fixes, main),
            ["package main\n\nfunc volume(w, h, d float64) float64 {\n\treturn w * h * d\n}\n"]
        );
        assert_eq!(fixes[0].confidence, CONFIDENCE_FROM_CALLS);
        // The error at a use in the body is not this rule's.
        assert!(undefined_fixes(&UntypedParameters, &p, "w", (4, 9)).is_empty());
    }

    #[test]
    fn each_position_takes_its_own_type_and_the_result_is_the_fallback() {
        let text = "package main\n\nfunc label(n, s) string {\n\treturn s\n}\n\nfunc scale(x, k) int64 {\n\treturn x * k\n}\n\nfunc main() {\n\t_ = label(3, \"x\")\n}\n";
        let p = program(TargetLanguage::Go, "main.go", text);
        assert_eq!(
            undefined_results(&UntypedParameters, &p, text, "n", (3, 12)),
            [text.replace("label(n, s)", "label(n int, s string)")]
        );
        // Never called: the single numeric result.
        let fixes = undefined_fixes(&UntypedParameters, &p, "k", (7, 15));
        assert_eq!(
            results(&fixes, text),
            [text.replace("scale(x, k)", "scale(x, k int64)")]
        );
        assert_eq!(fixes[0].confidence, CONFIDENCE_GUESSED);
    }

    #[test]
    fn a_list_of_real_types_is_left_alone() {
        let text = "package main\n\ntype Point struct{}\n\nfunc use(int, Point) {}\n\nfunc f(a, nope) {}\n";
        let p = program(TargetLanguage::Go, "main.go", text);
        // `nope` is undefined but `a`… is not a type either: both bare words, so typed.
        assert_eq!(
            undefined_results(&UntypedParameters, &p, text, "nope", (7, 11)),
            [text.replace("f(a, nope)", "f(a, nope int)")]
        );
        // `func use(int, Point)` names types: no error there, and nothing proposed if asked.
        assert!(undefined_fixes(&UntypedParameters, &p, "Point", (5, 15)).is_empty());
    }
}
