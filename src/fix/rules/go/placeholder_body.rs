//! `go.placeholder-body`: fills the body of a placeholder function from its parameters when
//! the tests fail. Answers: failing tests, panics and timeouts of the test step. A placeholder
//! is a function with parameters whose whole body is one `return` of zero values (`return 0`,
//! `return 0, 0`, `return ""`, `return false`): what `go.missing-function` writes for a helper
//! the program calls but never defined, and what generated code leaves as a stub. Fix: the
//! `return` of small expressions over the parameters, typed by the function's results (a
//! parameter of the result's type, two of them combined by an arithmetic operator, one `± 1`,
//! an element of a slice parameter, a slice's length, a comparison for a `bool`), one fix per
//! combination, those that read every parameter first, then the smallest (several results
//! that only return the parameters in some order come last: they compute nothing).
//!
//! Why it is safe: it only runs when tests fail, and only rewrites a body that ignores every
//! parameter, so no logic that was written is lost; the tests decide which body is meant.
//!
//! Example: `b, a = step(a, b)` called in a loop, with `func step(a int, b int) (int, int) {
//! return 0, 0 }` → `return a % b, b` (the one the tests accept among the combinations).

use tree_sitter::Node;

use super::*;
use crate::fix::ErrorKind;

/// The first combination: every parameter read, the fewest nodes.
const CONFIDENCE_FIRST: f64 = 0.45;
/// Each later combination ranks a little lower, so that the heal tries them in this order.
const CONFIDENCE_STEP: f64 = 0.002;
/// Combinations proposed per placeholder at most (about one batched round of the heal).
const MAX_BODIES: usize = 48;
/// Expressions considered per result at most.
const PER_RESULT: usize = 16;

/// Fills a placeholder function's body from its parameters.
pub(crate) struct PlaceholderBody;

impl Rule for PlaceholderBody {
    const META: RuleMeta = RuleMeta::new("go.placeholder-body", FixApplicability::Speculative)
        .language(TargetLanguage::Go)
        .kinds(&[
            ErrorKind::TestFailure,
            ErrorKind::Compiler,
            ErrorKind::TelemetryMismatch,
        ]);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        // A behaviour failure only: the program builds and its tests run.
        if !crate::repair::rule::answers(error) {
            return Vec::new();
        }
        let mut fixes = Fixes::new(Self::META.id);
        for (file, text) in editable_sources(program) {
            if crate::lang::is_test_file(TargetLanguage::Go, file) {
                continue;
            }
            let Some(tree) = parse_tree(TargetLanguage::Go, text) else {
                continue;
            };
            for function in named_children(tree.root_node()) {
                let Some(placeholder) = Placeholder::of(function, text) else {
                    continue;
                };
                let name = field_text(function, "name", text).unwrap_or("");
                for (rank, body) in placeholder.bodies().into_iter().enumerate() {
                    let returned = format!("return {}", body.join(", "));
                    fixes.replace(
                        CONFIDENCE_FIRST - CONFIDENCE_STEP * rank as f64,
                        format!("fill the placeholder `{name}`: `{returned}`"),
                        file,
                        placeholder.ret.start_byte(),
                        placeholder.ret.end_byte(),
                        &returned,
                    );
                }
            }
        }
        fixes.done()
    }
}

/// A function whose body is one `return` of zero values.
struct Placeholder<'t> {
    /// The `return` statement.
    ret: Node<'t>,
    /// Parameters in order: name and type.
    params: Vec<(String, String)>,
    /// Result types in order.
    results: Vec<String>,
}

impl<'t> Placeholder<'t> {
    /// `function` when it is a placeholder with named parameters and results.
    fn of(function: Node<'t>, text: &str) -> Option<Placeholder<'t>> {
        if function.kind() != "function_declaration" {
            return None;
        }
        let statements = named_children(function.child_by_field_name("body")?)
            .into_iter()
            .filter(|n| n.kind() != "comment")
            .collect::<Vec<_>>();
        // A block's statements may sit in a statement_list (newer grammars).
        let statements = if statements.len() == 1 && statements[0].kind() == "statement_list" {
            named_children(statements[0])
                .into_iter()
                .filter(|n| n.kind() != "comment")
                .collect()
        } else {
            statements
        };
        let [ret] = statements.as_slice() else {
            return None;
        };
        if ret.kind() != "return_statement" {
            return None;
        }
        let values = named_children(*ret)
            .into_iter()
            .flat_map(|n| {
                if n.kind() == "expression_list" {
                    named_children(n)
                } else {
                    vec![n]
                }
            })
            .collect::<Vec<_>>();
        if values.is_empty() || !values.iter().all(|v| is_zero_value(*v, text)) {
            return None;
        }
        let results = go_results_of(function, text);
        let params = parameters(function, text)?;
        if params.is_empty() || results.len() != values.len() {
            return None;
        }
        Some(Placeholder {
            ret: *ret,
            params,
            results,
        })
    }

    /// The bodies to try, best first: combinations of one expression per result, those that
    /// read every parameter first, then by size, then by each expression's rank.
    fn bodies(&self) -> Vec<Vec<String>> {
        let per_result: Vec<Vec<Expr>> = self
            .results
            .iter()
            .map(|ty| expressions(ty, &self.params))
            .collect();
        if per_result.iter().any(Vec::is_empty) {
            return Vec::new();
        }
        // Every combination (the lists are short: at most PER_RESULT ^ results, and a function
        // returning more than three values is left alone).
        if per_result.len() > 3 {
            return Vec::new();
        }
        let mut combos: Vec<Vec<usize>> = vec![Vec::new()];
        for list in &per_result {
            combos = combos
                .into_iter()
                .flat_map(|c| {
                    (0..list.len()).map(move |i| {
                        let mut next = c.clone();
                        next.push(i);
                        next
                    })
                })
                .collect();
        }
        let exprs = |c: &[usize]| {
            c.iter()
                .zip(&per_result)
                .map(|(i, list)| &list[*i])
                .collect::<Vec<_>>()
        };
        let key = |c: &Vec<usize>| {
            let es = exprs(c.as_slice());
            let unread = self
                .params
                .iter()
                .filter(|(p, _)| !es.iter().any(|e| e.reads.contains(p)))
                .count();
            // Several results that are all bare parameters only reorder the arguments: a
            // helper is rarely written for that (and in a loop it never makes progress).
            let only_arguments = es.len() > 1 && es.iter().all(|e| e.size == 1);
            let size: usize = es.iter().map(|e| e.size).sum();
            let rank: usize = c.iter().sum();
            (unread, only_arguments, size, rank)
        };
        // Two results the same expression return one value twice: rarely meant.
        combos.retain(|c| {
            let es = exprs(c.as_slice());
            es.iter()
                .enumerate()
                .all(|(i, e)| es[..i].iter().all(|f| f.text != e.text))
        });
        combos.sort_by_key(key);
        combos
            .into_iter()
            .take(MAX_BODIES)
            .map(|c| {
                exprs(c.as_slice())
                    .into_iter()
                    .map(|e| e.text.clone())
                    .collect()
            })
            .collect()
    }
}

/// A candidate expression for one result.
struct Expr {
    text: String,
    /// Nodes it is made of (`a` 1, `a + b` 3).
    size: usize,
    /// The parameters it reads.
    reads: Vec<String>,
}

impl Expr {
    fn new(text: String, size: usize, reads: &[&str]) -> Expr {
        Expr {
            text,
            size,
            reads: reads.iter().map(|r| r.to_string()).collect(),
        }
    }
}

/// The expressions of type `ty` built from `params`, simplest first.
fn expressions(ty: &str, params: &[(String, String)]) -> Vec<Expr> {
    let of_type = |t: &str| {
        params
            .iter()
            .filter(|(_, pt)| pt == t)
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
    };
    let numeric = |t: &str| GO_NUMBERS.contains(&t);
    let integer = |t: &str| numeric(t) && !t.starts_with("float") && !t.starts_with("complex");
    let mut out = Vec::new();
    let same = of_type(ty);
    for &p in &same {
        out.push(Expr::new(p.to_string(), 1, &[p]));
    }
    if numeric(ty) {
        let ops: &[&str] = if integer(ty) {
            &["+", "-", "*", "/", "%"]
        } else {
            &["+", "-", "*", "/"]
        };
        for op in ops {
            let commutative = matches!(*op, "+" | "*");
            for (i, &p) in same.iter().enumerate() {
                for (j, &q) in same.iter().enumerate() {
                    if i == j || (commutative && j < i) {
                        continue;
                    }
                    out.push(Expr::new(format!("{p} {op} {q}"), 3, &[p, q]));
                }
            }
        }
        // An element of a slice of the result's type, at an integer parameter.
        for (s, st) in params {
            if st.strip_prefix("[]") != Some(ty) {
                continue;
            }
            for (i, it) in params {
                if integer(it.as_str()) {
                    out.push(Expr::new(format!("{s}[{i}]"), 2, &[s.as_str(), i.as_str()]));
                }
            }
        }
        if ty == "int" {
            for (s, st) in params {
                if st.starts_with("[]") || st == "string" {
                    out.push(Expr::new(format!("len({s})"), 2, &[s.as_str()]));
                }
            }
        }
        for &p in &same {
            out.push(Expr::new(format!("{p} + 1"), 3, &[p]));
            out.push(Expr::new(format!("{p} - 1"), 3, &[p]));
        }
    } else if ty == "string" {
        for (i, &p) in same.iter().enumerate() {
            for &q in &same[i + 1..] {
                out.push(Expr::new(format!("{p} + {q}"), 3, &[p, q]));
            }
        }
    } else if ty == "bool" {
        for &p in &same {
            out.push(Expr::new(format!("!{p}"), 2, &[p]));
        }
        let mut by_type: Vec<&str> = Vec::new();
        for (_, t) in params {
            if numeric(t.as_str()) && !by_type.contains(&t.as_str()) {
                by_type.push(t);
            }
        }
        for t in by_type {
            let ps = of_type(t);
            for (i, &p) in ps.iter().enumerate() {
                for &q in &ps[i + 1..] {
                    for op in ["<", ">", "==", "!=", "<=", ">="] {
                        out.push(Expr::new(format!("{p} {op} {q}"), 3, &[p, q]));
                    }
                }
            }
        }
    }
    out.truncate(PER_RESULT);
    out
}

/// The parameters of a function declaration, each with its type; `None` for a variadic or
/// unnamed parameter (nothing to read it by).
fn parameters(function: Node<'_>, text: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    for declaration in named_children(function.child_by_field_name("parameters")?) {
        if declaration.kind() != "parameter_declaration" {
            return None;
        }
        let ty = field_text(declaration, "type", text)?.to_string();
        let names = named_children(declaration)
            .into_iter()
            .filter(|n| n.kind() == "identifier")
            .map(|n| node_text(n, text).to_string())
            .collect::<Vec<_>>();
        if names.is_empty() {
            return None;
        }
        out.extend(names.into_iter().map(|n| (n, ty.clone())));
    }
    Some(out)
}

/// A zero value as the placeholder writes it: `0`, `0.0`, `""`, `false`, `nil`, `T{}`.
fn is_zero_value(node: Node<'_>, text: &str) -> bool {
    let t = node_text(node, text).trim();
    match node.kind() {
        "int_literal" | "float_literal" => t.trim_start_matches(['0', '.']).is_empty(),
        "interpreted_string_literal" | "raw_string_literal" => t.len() == 2,
        "false" | "nil" => true,
        "composite_literal" => node
            .child_by_field_name("body")
            .is_some_and(|b| named_children(b).is_empty()),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::text::testing::{err, program_with_test};
    use crate::fix::FixStrategy;
    use crate::types::ErrorType;

    const TEST: &str =
        "package main\n\nimport \"testing\"\n\nfunc TestX(t *testing.T) {\n\tt.Fatal(\"x\")\n}\n";

    fn failing_test() -> CodeError {
        let mut e = err(
            ErrorType::TestFailure,
            "test_failed",
            "wrong",
            "main_test.go",
            6,
            2,
        );
        e.step = "test".into();
        e
    }

    fn bodies(main: &str) -> Vec<String> {
        let p = program_with_test(
            TargetLanguage::Go,
            ("main.go", main),
            ("main_test.go", TEST),
        );
        PlaceholderBody
            .suggest(&failing_test(), &p)
            .into_iter()
            .map(|f| {
                assert_eq!(f.edits.len(), 1);
                assert_eq!(f.edits[0].file, "main.go");
                f.edits[0].replacement.clone()
            })
            .collect()
    }

    #[test]
    fn a_two_result_placeholder_gets_every_parameter_read_first() {
        let main = "package main\n\nfunc step(a int, b int) (int, int) {\n\treturn 0, 0\n}\n";
        let got = bodies(main);
        // Something computed first; the arguments merely reordered last.
        assert_eq!(got[0], "return a, a + b");
        assert_eq!(got.len(), MAX_BODIES);
        assert!(!got.contains(&"return a, b".to_string()), "{got:?}");
        assert!(!got.contains(&"return b, a".to_string()), "{got:?}");
        assert!(got.contains(&"return a % b, b".to_string()), "{got:?}");
        // Every body reads both parameters before any that reads one.
        let reads_both = |b: &String| {
            let words: Vec<&str> = b.split(|c: char| !c.is_alphanumeric()).collect();
            words.contains(&"a") && words.contains(&"b")
        };
        let first_partial = got.iter().position(|b| !reads_both(b)).unwrap_or(got.len());
        assert!(
            got[first_partial..].iter().all(|b| !reads_both(b)),
            "{got:?}"
        );
        assert!(first_partial > 30, "{got:?}");
        // The same expression twice is never proposed.
        assert!(!got.contains(&"return a, a".to_string()));
    }

    #[test]
    fn a_float_result_never_gets_a_remainder_and_a_slice_gives_its_elements() {
        let main = "package main\n\nfunc scale(x float64, factor float64) float64 {\n\treturn 0\n}\n\nfunc pick(xs []int, i int) int {\n\treturn 0\n}\n";
        let got = bodies(main);
        assert!(got.contains(&"return x * factor".to_string()), "{got:?}");
        assert!(!got.iter().any(|b| b.contains('%')), "{got:?}");
        assert!(got.contains(&"return xs[i]".to_string()), "{got:?}");
        assert!(got.contains(&"return len(xs)".to_string()), "{got:?}");
    }

    #[test]
    fn a_bool_result_compares_the_numeric_parameters() {
        let main = "package main\n\nfunc before(a, b int) bool {\n\treturn false\n}\n";
        let got = bodies(main);
        assert_eq!(got[0], "return a < b");
        assert!(got.contains(&"return a >= b".to_string()));
    }

    #[test]
    fn a_body_with_logic_or_reading_a_parameter_is_left_alone() {
        for main in [
            "package main\n\nfunc f(a, b int) int {\n\treturn a\n}\n",
            "package main\n\nfunc f(a, b int) int {\n\tc := a + b\n\treturn 0\n}\n",
            "package main\n\nfunc f(a, b int) int {\n\treturn 1\n}\n",
            "package main\n\nfunc f() int {\n\treturn 0\n}\n",
        ] {
            assert!(bodies(main).is_empty(), "{main}");
        }
    }

    #[test]
    fn only_behaviour_failures_are_answered() {
        let main = "package main\n\nfunc f(a, b int) int {\n\treturn 0\n}\n";
        let p = program_with_test(
            TargetLanguage::Go,
            ("main.go", main),
            ("main_test.go", TEST),
        );
        let compile = err(
            ErrorType::CompilerError("undefined".into()),
            "undefined",
            "undefined: g",
            "main.go",
            4,
            2,
        );
        assert!(PlaceholderBody.suggest(&compile, &p).is_empty());
        assert!(!PlaceholderBody.suggest(&failing_test(), &p).is_empty());
    }
}
