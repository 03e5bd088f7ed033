//! Behaviour repair of Go programs that build and fail their tests: the edit kinds and the
//! ranking added for them (floating-point constants, a shift for a mask, a missing `break`,
//! the backward slice of a tested function's result), each shown on its own mutation or
//! ranking, and end to end: a real heal, re-validated alone by a fresh validator.

mod common;

use selfheal::heal::HealReport;
use selfheal::repair::backslice;
use selfheal::repair::localize::{self, Evidence};
use selfheal::repair::mutate::{apply, mutate, EditKind, DEFAULT_PER_LOCATION};
use selfheal::types::Location;
use selfheal::validate::{Expect, Validator, ValidatorConfig};
use selfheal::{Program, TargetLanguage};

/// (description, program after the edit) of every mutation of `kind` on `line`.
fn mutants(
    language: TargetLanguage,
    file: &str,
    src: &str,
    line: u32,
    kind: EditKind,
) -> Vec<(String, String)> {
    mutate(language, file, src, &[line], &[kind], DEFAULT_PER_LOCATION)
        .into_iter()
        .map(|m| (m.description.clone(), apply(src, &m)))
        .collect()
}

#[track_caller]
fn has(list: &[(String, String)], description: &str, after: &str) {
    assert!(
        list.iter().any(|(d, a)| d == description && a == after),
        "missing {description:?} -> {after:?} in {list:#?}"
    );
}

// ---- floating-point constants ----

const GO_MEAN: &str =
    "package main\n\nfunc Mean(a, b float64) float64 {\n\treturn (a + b) / 3.0\n}\n";

#[test]
fn float_constants_step_and_become_small_constants() {
    let list = mutants(
        TargetLanguage::Go,
        "main.go",
        GO_MEAN,
        4,
        EditKind::Constant,
    );
    let after: Vec<&str> = list.iter().map(|(d, _)| d.as_str()).collect();
    assert_eq!(
        after,
        [
            "`3.0` → `4.0` at main.go:4",
            "`3.0` → `2.0` at main.go:4",
            "`3.0` → `1.0` at main.go:4",
            "`3.0` → `0.0` at main.go:4",
        ]
    );
    has(
        &list,
        "`3.0` → `2.0` at main.go:4",
        &GO_MEAN.replace("3.0", "2.0"),
    );
    // Every language's float literal; Rust keeps its suffix.
    let rust = "pub fn half(x: f64) -> f64 {\n    x / 4.0f64\n}\n";
    has(
        &mutants(TargetLanguage::Rust, "lib.rs", rust, 2, EditKind::Constant),
        "`4.0f64` → `2.0f64` at lib.rs:2",
        &rust.replace("4.0f64", "2.0f64"),
    );
    let python = "def f(x):\n    return x * 0.5\n";
    has(
        &mutants(
            TargetLanguage::Python,
            "m.py",
            python,
            2,
            EditKind::Constant,
        ),
        "`0.5` → `1.0` at m.py:2",
        &python.replace("0.5", "1.0"),
    );
    let js = "function f(x) {\n  return x * 1.5;\n}\n";
    has(
        &mutants(
            TargetLanguage::JavaScript,
            "m.js",
            js,
            2,
            EditKind::Constant,
        ),
        "`1.5` → `2.0` at m.js:2",
        &js.replace("1.5", "2.0"),
    );
}

// ---- a shift written for a mask ----

#[test]
fn a_shift_becomes_a_mask_and_back() {
    let src = "package main\n\nfunc Odd(n uint) bool {\n\treturn n>>1 == 1\n}\n";
    let list = mutants(TargetLanguage::Go, "main.go", src, 4, EditKind::Operator);
    has(
        &list,
        "`>>` → `&` at main.go:4",
        &src.replace("n>>1", "n&1"),
    );
    let src = "package main\n\nfunc Half(n uint) uint {\n\treturn n & 1\n}\n";
    let list = mutants(TargetLanguage::Go, "main.go", src, 4, EditKind::Operator);
    has(
        &list,
        "`&` → `>>` at main.go:4",
        &src.replace("n & 1", "n >> 1"),
    );
}

// ---- a missing break ----

const GO_FIRST: &str = "package main

func FirstNegative(xs []int) int {
\tat := -1
\tfor i, x := range xs {
\t\tif x < 0 {
\t\t\tat = i
\t\t}
\t}
\treturn at
}
";

#[test]
fn a_break_is_added_to_an_if_inside_a_loop() {
    let list = mutants(
        TargetLanguage::Go,
        "main.go",
        GO_FIRST,
        7,
        EditKind::Statement,
    );
    has(
        &list,
        "`break` after `at = i` at main.go:7",
        &GO_FIRST.replace("\t\t\tat = i\n", "\t\t\tat = i\n\t\t\tbreak\n"),
    );
    // Not outside an `if`, not where `break` would leave a `switch`, not after a jump.
    let top = mutants(
        TargetLanguage::Go,
        "main.go",
        GO_FIRST,
        4,
        EditKind::Statement,
    );
    assert!(
        top.iter().all(|(d, _)| !d.starts_with("`break`")),
        "{top:#?}"
    );
    let switch = "package main\n\nfunc F(xs []int) int {\n\tn := 0\n\tfor _, x := range xs {\n\t\tswitch {\n\t\tcase x > 0:\n\t\t\tif x > 9 {\n\t\t\t\tn++\n\t\t\t}\n\t\t}\n\t}\n\treturn n\n}\n";
    let list = mutants(
        TargetLanguage::Go,
        "main.go",
        switch,
        9,
        EditKind::Statement,
    );
    assert!(
        list.iter().all(|(d, _)| !d.starts_with("`break`")),
        "{list:#?}"
    );
    let python = "def first(xs):\n    at = -1\n    for i, x in enumerate(xs):\n        if x < 0:\n            at = i\n    return at\n";
    has(
        &mutants(
            TargetLanguage::Python,
            "m.py",
            python,
            5,
            EditKind::Statement,
        ),
        "`break` after `at = i` at m.py:5",
        &python.replace(
            "            at = i\n",
            "            at = i\n            break\n",
        ),
    );
    let js = "function first(xs) {\n  let at = -1;\n  for (let i = 0; i < xs.length; i++) {\n    if (xs[i] < 0) {\n      at = i;\n    }\n  }\n  return at;\n}\n";
    has(
        &mutants(
            TargetLanguage::JavaScript,
            "m.js",
            js,
            5,
            EditKind::Statement,
        ),
        "`break` after `at = i;` at m.js:5",
        &js.replace("      at = i;\n", "      at = i;\n      break;\n"),
    );
}

// ---- the backward slice of a tested function's result ----

/// A function whose wrong line (`>` for `>=`, line 21) comes after a dozen lines that do not
/// compute its result: without coverage, every line of it ranked alike, in line order.
const GO_LONG: &str = "package main

func Summary(xs []int, limit int) int {
\tcount := 0
\tlargest := 0
\tsmallest := 0
\tfor i, x := range xs {
\t\tif i == 0 || x > largest {
\t\t\tlargest = x
\t\t}
\t\tif i == 0 || x < smallest {
\t\t\tsmallest = x
\t\t}
\t\tcount++
\t}
\t_ = largest
\t_ = smallest
\t_ = count
\tabove := 0
\tfor _, x := range xs {
\t\tif x > limit {
\t\t\tabove++
\t\t}
\t}
\treturn above
}
";

const GO_LONG_TEST: &str = "package main

import \"testing\"

func TestSummary(t *testing.T) {
\tif got := Summary([]int{1, 5, 7, 5}, 5); got != 3 {
\t\tt.Errorf(\"Summary = %d, want 3\", got)
\t}
\tif got := Summary([]int{2}, 3); got != 0 {
\t\tt.Errorf(\"Summary = %d, want 0\", got)
\t}
}
";

#[test]
fn a_result_depends_on_its_writes_and_their_control() {
    let slice = backslice::of_function(TargetLanguage::Go, GO_LONG, "Summary");
    assert_eq!(slice.get(&25), Some(&0), "{slice:?}"); // return above
    for line in [19, 22, 21, 20] {
        assert_eq!(slice.get(&line), Some(&1), "line {line}: {slice:?}");
    }
    for line in [5, 6, 9, 12, 14, 16] {
        assert_eq!(slice.get(&line), None, "line {line}: {slice:?}");
    }
}

#[test]
fn without_coverage_the_result_slice_ranks_first() {
    let p = go(GO_LONG, GO_LONG_TEST);
    let evidence = Evidence {
        test: Some("TestSummary".into()),
        assertion: Some(Location::new("main_test.go", 7, 1)),
        frames: Vec::new(),
    };
    let ranking = localize::rank(&p, &[evidence], None);
    let top: Vec<u32> = ranking.iter().take(5).map(|s| s.line).collect();
    assert_eq!(top, [25, 19, 20, 21, 22], "{ranking:?}");
    assert!(ranking.iter().all(|s| s.file == "main.go"));
    // Lines off the slice keep the score of the tested function's lines.
    let count = ranking.iter().find(|s| s.line == 14).unwrap();
    assert!(count.score < localize::RESULT_SLICE - 3.0 * localize::RESULT_SLICE_STEP);
}

// ---- end to end ----

fn go(main: &str, test: &str) -> Program {
    common::program(
        TargetLanguage::Go,
        &[("main.go", main), ("main_test.go", test)],
    )
    .with_protected(["main_test.go".to_string()])
    .unwrap()
}

/// Heals, then checks the claim alone: the winning strategy, the exact healed file, a fresh
/// validator without a cache passing it, and the protected test unchanged.
async fn assert_repairs(program: &Program, kind: &str, expected: &str) -> HealReport {
    let report = common::heal::heal(program).await;
    assert!(report.healed, "not healed:\n{}", report.summary());
    let winner = report
        .attempts
        .iter()
        .find(|a| a.passed)
        .expect("a passing attempt");
    assert_eq!(winner.strategy, kind, "{}", report.summary());
    assert_eq!(report.final_program.files()["main.go"], expected);
    let fresh = Validator::new(ValidatorConfig::default()).unwrap();
    assert!(fresh.cache().is_none());
    let again = fresh
        .validate(&report.final_program, Expect::Test)
        .await
        .unwrap();
    assert!(again.passed, "the healed program fails: {:?}", again.errors);
    assert!(!again.cached);
    assert_eq!(
        report.final_program.files()["main_test.go"],
        program.files()["main_test.go"]
    );
    report
}

#[tokio::test]
async fn go_float_constant_is_repaired() {
    let p = go(
        GO_MEAN,
        "package main\n\nimport \"testing\"\n\nfunc TestMean(t *testing.T) {\n\tif got := Mean(2, 4); got != 3 {\n\t\tt.Errorf(\"Mean(2, 4) = %v, want 3\", got)\n\t}\n\tif got := Mean(1, 2); got != 1.5 {\n\t\tt.Errorf(\"Mean(1, 2) = %v, want 1.5\", got)\n\t}\n}\n",
    );
    assert_repairs(&p, "repair.constant", &GO_MEAN.replace("3.0", "2.0")).await;
}

#[tokio::test]
async fn go_missing_break_is_added() {
    let p = go(
        GO_FIRST,
        "package main\n\nimport \"testing\"\n\nfunc TestFirstNegative(t *testing.T) {\n\tif got := FirstNegative([]int{3, -1, 4, -5}); got != 1 {\n\t\tt.Errorf(\"got %d, want 1\", got)\n\t}\n\tif got := FirstNegative([]int{2, 7}); got != -1 {\n\t\tt.Errorf(\"got %d, want -1\", got)\n\t}\n}\n",
    );
    assert_repairs(
        &p,
        "repair.statement",
        &GO_FIRST.replace("\t\t\tat = i\n", "\t\t\tat = i\n\t\t\tbreak\n"),
    )
    .await;
}

#[tokio::test]
async fn go_operator_far_down_a_long_function_is_reached() {
    let p = go(GO_LONG, GO_LONG_TEST);
    let report = assert_repairs(
        &p,
        "repair.operator",
        &GO_LONG.replace("x > limit", "x >= limit"),
    )
    .await;
    // Reached in the first round.
    assert_eq!(report.rounds, 1, "{}", report.summary());
}

// ---- a repeated slip on a crowded line ----

const GO_PIXELS: &str = "package main

func Mark(pixels []int, pre []int, u []int) {
\tfor i := 1; i <= len(pixels); i++ {
\t\tpre[i] = u[pixels[i]]
\t\tu[pixels[i]] = i
\t}
}
";

#[test]
fn every_single_edit_keeps_its_everywhere_version_within_the_bound() {
    // The heal's own bound per line (repair::rule::PER_LINE).
    let list: Vec<(String, String)> = mutate(
        TargetLanguage::Go,
        "main.go",
        GO_PIXELS,
        &[5],
        &[EditKind::OffByOne],
        selfheal::repair::rule::PER_LINE,
    )
    .into_iter()
    .map(|m| (m.description.clone(), apply(GO_PIXELS, &m)))
    .collect();
    has(
        &list,
        "`i` → `i - 1` at main.go:5 and at the 1 other `pixels[i]` of the function",
        &GO_PIXELS.replace("pixels[i]", "pixels[i - 1]"),
    );
    let singles = list.iter().filter(|(d, _)| !d.contains(" other ")).count();
    assert!(singles <= selfheal::repair::rule::PER_LINE, "{list:#?}");
}
