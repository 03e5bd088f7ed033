//! Tests of `any.comparison-statement`: programs written the way generated code slips `==` for
//! `=`, in each language, and the comparisons it must leave alone.

use super::comparison_statement::*;
use super::*;
use crate::fix::text::testing::*;
use crate::fix::FixStrategy;

/// Every program `any.comparison-statement` proposes for a failing test of `text`, best first.
fn healed(lang: TargetLanguage, file: &str, text: &str) -> Vec<String> {
    let p = program(lang, file, text);
    let e = err(
        ErrorType::TestFailure,
        "assertion",
        "expected 6, got 0",
        file,
        1,
        1,
    );
    let mut fixes = ComparisonStatement.suggest(&e, &p);
    fixes.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
    results(&fixes, text)
}

#[test]
fn a_rust_accumulator_compared_instead_of_assigned() {
    let text = "pub fn total(xs: &[i32]) -> i32 {\n    let mut sum = 0;\n    for x in xs {\n        sum == sum + x;\n    }\n    sum\n}\n";
    assert_eq!(
        healed(TargetLanguage::Rust, "lib.rs", text),
        [text.replace("sum == sum", "sum = sum")]
    );
}

#[test]
fn places_with_fields_and_indexes_in_python_and_javascript() {
    let py = "def fill(grid, n):\n    for i in range(n):\n        grid[i][0] == i * 2\n    return grid\n";
    assert_eq!(
        healed(TargetLanguage::Python, "main.py", py),
        [py.replace("grid[i][0] ==", "grid[i][0] =")]
    );
    let js = "function bump(state) {\n  state.count === state.count + 1;\n  return state;\n}\n";
    assert_eq!(
        healed(TargetLanguage::JavaScript, "main.js", js),
        [js.replace("state.count ===", "state.count =")]
    );
}

#[test]
fn a_go_statement_without_a_semicolon_ends_at_its_line() {
    let go = "package main\n\nfunc count(xs []int) int {\n\tn := 0\n\tfor range xs {\n\t\tn == n + 1\n\t}\n\treturn n\n}\n";
    assert_eq!(
        healed(TargetLanguage::Go, "main.go", go),
        [go.replace("n == n + 1", "n = n + 1")]
    );
}

#[test]
fn the_same_slip_twice_is_also_fixed_at_once() {
    let text = "def stats(xs):\n    lo = hi = xs[0]\n    for x in xs:\n        lo == min(lo, x)\n        hi == max(hi, x)\n    return lo, hi\n";
    let out = healed(TargetLanguage::Python, "main.py", text);
    assert_eq!(out[0], text.replace(" == m", " = m"));
    assert_eq!(out.len(), 3);
}

#[test]
fn comparisons_with_a_purpose_are_left_alone() {
    let untouched = [
        // Conditions, returns, assertions, tail expressions, arguments, lambdas.
        (TargetLanguage::Rust, "fn f(a: i32, b: i32) -> bool {\n    if a == b {\n        return a == b;\n    }\n    assert!(a == b);\n    a == b\n}\n"),
        (TargetLanguage::Python, "def f(a, b):\n    assert a == b\n    key = lambda x: x == a\n    ok = (a ==\n          b)\n    return a == b\n"),
        // A short-circuit used for its effect, a ternary, a comparison continued on the next line.
        (TargetLanguage::JavaScript, "function f(a, b) {\n  a == b && go();\n  x == y ? l() : r();\n  const ok = a\n    == b;\n  return ok;\n}\n"),
        (TargetLanguage::Go, "package main\n\nfunc f(a, b int) bool {\n\tif a == b {\n\t\treturn true\n\t}\n\treturn a == b\n}\n"),
    ];
    for (lang, text) in untouched {
        let file = match lang {
            TargetLanguage::Rust => "lib.rs",
            TargetLanguage::Python => "main.py",
            TargetLanguage::JavaScript => "main.js",
            TargetLanguage::Go => "main.go",
        };
        assert_eq!(healed(lang, file, text), Vec::<String>::new(), "{text}");
    }
}

#[test]
fn only_failures_after_parsing_are_answered() {
    let text = "x = 1\nx == 2\n";
    let p = program(TargetLanguage::Python, "main.py", text);
    let syntax = err(
        ErrorType::SyntaxError,
        "SyntaxError",
        "invalid syntax",
        "main.py",
        2,
        1,
    );
    assert!(ComparisonStatement.suggest(&syntax, &p).is_empty());
}
