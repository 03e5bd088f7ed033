//! Behaviour repair end to end: programs that build but fail their tests, healed by the
//! built-in engine (no model), each heal re-validated by a fresh validator without a cache.

mod common;

use selfheal::heal::HealReport;
use selfheal::validate::{Expect, Validator, ValidatorConfig};
use selfheal::{Program, TargetLanguage};

async fn heal(program: &Program) -> HealReport {
    common::heal::heal(program).await
}

/// Heals, then checks the claim independently: a fresh validator (no cache) passes the final
/// program, the protected files are unchanged, the winning fix is of strategy `kind`, and
/// the final code file is exactly `expected` (or, where two single edits are equally right and
/// the first to pass wins, one of `also`).
async fn assert_repairs(program: &Program, file: &str, kind: &str, expected: &str) {
    assert_repairs_any(program, file, kind, &[expected]).await
}

async fn assert_repairs_any(program: &Program, file: &str, kind: &str, expected: &[&str]) {
    let report = heal(program).await;
    assert!(report.healed, "not healed:\n{}", report.summary());
    assert!(!report.initially_passing);
    let winner = report
        .attempts
        .iter()
        .find(|a| a.passed)
        .expect("a passing attempt");
    assert_eq!(winner.strategy, kind, "{}", report.summary());
    let healed = &report.final_program.files()[file];
    assert!(
        expected.contains(&healed.as_str()),
        "unexpected repair:\n{healed}\n{}",
        report.summary()
    );
    let fresh = Validator::new(ValidatorConfig::default()).unwrap();
    assert!(fresh.cache().is_none());
    let again = fresh
        .validate(&report.final_program, Expect::Test)
        .await
        .unwrap();
    assert!(again.passed, "the healed program fails: {:?}", again.errors);
    assert!(!again.cached);
    for path in program.protected() {
        assert_eq!(
            report.final_program.files()[path],
            program.files()[path],
            "{path} changed"
        );
    }
}

fn program(language: TargetLanguage, code: (&str, &str), test: (&str, &str)) -> Program {
    common::program(language, &[code, test])
        .with_protected([test.0.to_string()])
        .unwrap()
}

// ---- Python ----

fn py(main: &str, test: &str) -> Program {
    program(
        TargetLanguage::Python,
        ("main.py", main),
        ("test_main.py", test),
    )
}

const PY_AT_MOST: &str = "def count_at_most(xs, limit):\n    n = 0\n    for x in xs:\n        if x < limit:\n            n += 1\n    return n\n";

#[tokio::test]
async fn python_comparison_operator() {
    let p = py(
        PY_AT_MOST,
        "from main import *\n\nassert count_at_most([1, 2, 2.5, 3], 2.5) == 3\nassert count_at_most([], 1) == 0\n",
    );
    assert_repairs(
        &p,
        "main.py",
        "repair.operator",
        &PY_AT_MOST.replace("x < limit", "x <= limit"),
    )
    .await;
}

const PY_SUM_TO: &str =
    "def sum_to(n):\n    total = 0\n    for i in range(n):\n        total += i\n    return total\n";

#[tokio::test]
async fn python_off_by_one_range() {
    let p = py(
        PY_SUM_TO,
        "from main import *\n\nassert sum_to(4) == 10\nassert sum_to(1) == 1\n",
    );
    assert_repairs(
        &p,
        "main.py",
        "repair.off-by-one",
        &PY_SUM_TO.replace("range(n)", "range(n + 1)"),
    )
    .await;
}

const PY_SCALE: &str = "def scale(values, factor):\n    out = []\n    for v in values:\n        out.append(v * v)\n    return out\n";

#[tokio::test]
async fn python_wrong_variable() {
    let p = py(
        PY_SCALE,
        "from main import *\n\nassert scale([1, 2], 3) == [3, 6]\n",
    );
    assert_repairs_any(
        &p,
        "main.py",
        "repair.variable",
        &[
            &PY_SCALE.replace("v * v", "factor * v"),
            &PY_SCALE.replace("v * v", "v * factor"),
        ],
    )
    .await;
}

#[tokio::test]
async fn python_fix_only_in_the_protected_test_is_refused() {
    let main = "def add(a, b):\n    return a + b\n";
    let test = "from main import *\n\nassert add(2, 2) == 5\n";
    let p = py(main, test);
    let report = heal(&p).await;
    assert!(!report.healed, "{}", report.summary());
    assert_eq!(report.final_program.files()["test_main.py"], test);
    // No candidate ever changed the test: every diff tried is of main.py only.
    for attempt in &report.attempts {
        assert!(!attempt.diff.contains("test_main.py"), "{}", attempt.diff);
    }
    // Repair did try the program (and no edit of it passes).
    assert!(report
        .attempts
        .iter()
        .any(|a| a.strategy.starts_with("repair.")));
}

#[tokio::test]
async fn python_looping_candidates_cost_one_limit_each() {
    // `i += 2` should be `i += 1`; several candidates before the right one never end
    // (`i -= 2`, `i *= 2`, `i != n`): each is stopped at the test limit and the heal goes on.
    let main = "def steps(n):\n    count = 0\n    i = 0\n    while i < n:\n        i += 2\n        count += 1\n    return count\n";
    let p = py(
        main,
        "from main import *\n\nassert steps(3) == 3\nassert steps(0) == 0\n",
    );
    let report = heal(&p).await;
    assert!(report.healed, "{}", report.summary());
    assert_eq!(
        report.final_program.files()["main.py"],
        main.replace("i += 2", "i += 1")
    );
    let stopped = report
        .attempts
        .iter()
        .filter(|a| {
            a.errors_after
                .as_ref()
                .is_some_and(|e| e.iter().any(|s| s.contains("time") || s.contains("CPU")))
        })
        .count();
    assert!(stopped >= 1, "{}", report.summary());
}

// ---- JavaScript ----

fn js(main: &str, test: &str) -> Program {
    program(
        TargetLanguage::JavaScript,
        ("main.js", main),
        ("main.test.js", test),
    )
}

const JS_AT_MOST: &str = "function countAtMost(xs, limit) {\n  let n = 0;\n  for (const x of xs) {\n    if (x < limit) {\n      n += 1;\n    }\n  }\n  return n;\n}\n\nmodule.exports = { countAtMost };\n";

#[tokio::test]
async fn javascript_comparison_operator() {
    let p = js(
        JS_AT_MOST,
        "const assert = require('assert');\nconst { countAtMost } = require('./main.js');\n\nassert.strictEqual(countAtMost([1, 2, 2.5, 3], 2.5), 3);\nassert.strictEqual(countAtMost([], 1), 0);\n",
    );
    assert_repairs(
        &p,
        "main.js",
        "repair.operator",
        &JS_AT_MOST.replace("x < limit", "x <= limit"),
    )
    .await;
}

const JS_LAST: &str =
    "function lastItem(xs) {\n  return xs[xs.length];\n}\n\nmodule.exports = { lastItem };\n";

#[tokio::test]
async fn javascript_off_by_one_index() {
    let p = js(
        JS_LAST,
        "const assert = require('assert');\nconst { lastItem } = require('./main.js');\n\nassert.strictEqual(lastItem([1, 2, 3]), 3);\nassert.strictEqual(lastItem([7]), 7);\n",
    );
    assert_repairs(
        &p,
        "main.js",
        "repair.off-by-one",
        &JS_LAST.replace("xs[xs.length]", "xs[xs.length - 1]"),
    )
    .await;
}

const JS_SCALE: &str = "function scale(values, factor) {\n  const out = [];\n  for (const v of values) {\n    out.push(v * v);\n  }\n  return out;\n}\n\nmodule.exports = { scale };\n";

#[tokio::test]
async fn javascript_wrong_variable() {
    let p = js(
        JS_SCALE,
        "const assert = require('assert');\nconst { scale } = require('./main.js');\n\nassert.deepStrictEqual(scale([1, 2], 3), [3, 6]);\n",
    );
    assert_repairs_any(
        &p,
        "main.js",
        "repair.variable",
        &[
            &JS_SCALE.replace("v * v", "factor * v"),
            &JS_SCALE.replace("v * v", "v * factor"),
        ],
    )
    .await;
}

// ---- Go ----

fn go(main: &str, test: &str) -> Program {
    program(
        TargetLanguage::Go,
        ("main.go", main),
        ("main_test.go", test),
    )
}

const GO_AT_MOST: &str = "package main\n\nfunc CountAtMost(xs []float64, limit float64) int {\n\tn := 0\n\tfor _, x := range xs {\n\t\tif x < limit {\n\t\t\tn++\n\t\t}\n\t}\n\treturn n\n}\n\nfunc main() {}\n";

#[tokio::test]
async fn go_comparison_operator() {
    let p = go(
        GO_AT_MOST,
        "package main\n\nimport \"testing\"\n\nfunc TestCountAtMost(t *testing.T) {\n\tif got := CountAtMost([]float64{1, 2, 2.5, 3}, 2.5); got != 3 {\n\t\tt.Errorf(\"got %d, want 3\", got)\n\t}\n}\n",
    );
    assert_repairs(
        &p,
        "main.go",
        "repair.operator",
        &GO_AT_MOST.replace("x < limit", "x <= limit"),
    )
    .await;
}

const GO_LAST: &str =
    "package main\n\nfunc LastItem(xs []int) int {\n\treturn xs[len(xs)]\n}\n\nfunc main() {}\n";

#[tokio::test]
async fn go_off_by_one_index() {
    let p = go(
        GO_LAST,
        "package main\n\nimport \"testing\"\n\nfunc TestLastItem(t *testing.T) {\n\tif got := LastItem([]int{1, 2, 3}); got != 3 {\n\t\tt.Errorf(\"got %d, want 3\", got)\n\t}\n}\n",
    );
    assert_repairs(
        &p,
        "main.go",
        "repair.off-by-one",
        // gofmt writes the index without spaces.
        &GO_LAST.replace("xs[len(xs)]", "xs[len(xs)-1]"),
    )
    .await;
}

const GO_SCALE: &str = "package main\n\nfunc Scale(values []int, factor int) []int {\n\tout := []int{}\n\tfor _, v := range values {\n\t\tout = append(out, v*v)\n\t}\n\treturn out\n}\n\nfunc main() {}\n";

#[tokio::test]
async fn go_wrong_variable() {
    let p = go(
        GO_SCALE,
        "package main\n\nimport \"testing\"\n\nfunc TestScale(t *testing.T) {\n\tgot := Scale([]int{1, 2}, 3)\n\tif len(got) != 2 || got[0] != 3 || got[1] != 6 {\n\t\tt.Errorf(\"got %v, want [3 6]\", got)\n\t}\n}\n",
    );
    assert_repairs_any(
        &p,
        "main.go",
        "repair.variable",
        &[
            &GO_SCALE.replace("v*v", "factor*v"),
            &GO_SCALE.replace("v*v", "v*factor"),
        ],
    )
    .await;
}

// ---- Rust ----

fn rs(lib: &str, tests: &str) -> Program {
    program(TargetLanguage::Rust, ("lib.rs", lib), ("tests.rs", tests))
        .with_option("edition", "2021")
}

const RS_AT_MOST: &str = "pub fn count_at_most(xs: &[f64], limit: f64) -> usize {\n    let mut n = 0;\n    for &x in xs {\n        if x < limit {\n            n += 1;\n        }\n    }\n    n\n}\n\n#[cfg(test)]\nmod tests;\n";

#[tokio::test]
async fn rust_comparison_operator() {
    let p = rs(
        RS_AT_MOST,
        "use super::*;\n\n#[test]\nfn counts() {\n    assert_eq!(count_at_most(&[1.0, 2.0, 2.5, 3.0], 2.5), 3);\n}\n",
    );
    assert_repairs(
        &p,
        "lib.rs",
        "repair.operator",
        &RS_AT_MOST.replace("x < limit", "x <= limit"),
    )
    .await;
}

const RS_LAST: &str =
    "pub fn last_item(xs: &[i32]) -> i32 {\n    xs[xs.len()]\n}\n\n#[cfg(test)]\nmod tests;\n";

#[tokio::test]
async fn rust_off_by_one_index() {
    let p = rs(
        RS_LAST,
        "use super::*;\n\n#[test]\nfn last() {\n    assert_eq!(last_item(&[1, 2, 3]), 3);\n}\n",
    );
    assert_repairs(
        &p,
        "lib.rs",
        "repair.off-by-one",
        &RS_LAST.replace("xs[xs.len()]", "xs[xs.len() - 1]"),
    )
    .await;
}

const RS_SCALE: &str = "pub fn scale(values: &[i32], factor: i32) -> Vec<i32> {\n    let mut out = Vec::new();\n    for &v in values {\n        out.push(v * v);\n    }\n    out\n}\n\n#[cfg(test)]\nmod tests;\n";

#[tokio::test]
async fn rust_wrong_variable() {
    let p = rs(
        RS_SCALE,
        "use super::*;\n\n#[test]\nfn scales() {\n    assert_eq!(scale(&[1, 2], 3), vec![3, 6]);\n}\n",
    );
    assert_repairs_any(
        &p,
        "lib.rs",
        "repair.variable",
        &[
            &RS_SCALE.replace("v * v", "factor * v"),
            &RS_SCALE.replace("v * v", "v * factor"),
        ],
    )
    .await;
}

// ---- Capabilities beyond single operator edits ----

const GO_TRAILING: &str = "package main\n\n// TrailingRepeats counts how many times the last element repeats at the end of xs.\nfunc TrailingRepeats(xs []int) int {\n\tn := len(xs)\n\tif n == 0 {\n\t\treturn 0\n\t}\n\tcount := 0\n\tfor i := n - 1; i >= 0; i++ {\n\t\tif xs[i] != xs[n-1] {\n\t\t\tbreak\n\t\t}\n\t\tcount++\n\t}\n\treturn count\n}\n\nfunc main() {}\n";

#[tokio::test]
async fn go_runaway_loop_is_turned_around() {
    let p = go(
        GO_TRAILING,
        "package main\n\nimport \"testing\"\n\nfunc TestTrailingRepeats(t *testing.T) {\n\tif got := TrailingRepeats([]int{1, 2, 2, 2}); got != 3 {\n\t\tt.Errorf(\"got %d, want 3\", got)\n\t}\n\tif got := TrailingRepeats([]int{4}); got != 1 {\n\t\tt.Errorf(\"got %d, want 1\", got)\n\t}\n}\n",
    );
    assert_repairs(
        &p,
        "main.go",
        "repair.loop-direction",
        &GO_TRAILING.replace("i >= 0; i++", "i >= 0; i--"),
    )
    .await;
}

const RS_ANY_NEGATIVE: &str = "pub fn goes_negative(steps: &[i32]) -> bool {\n    let mut level = 0;\n    for s in steps {\n        level += s;\n        if level < 0 {\n            true;\n        }\n    }\n    false\n}\n\n#[cfg(test)]\nmod tests;\n";

#[tokio::test]
async fn rust_dropped_value_is_returned() {
    let p = rs(
        RS_ANY_NEGATIVE,
        "use super::*;\n\n#[test]\nfn dips() {\n    assert!(goes_negative(&[1, -3, 5]));\n    assert!(!goes_negative(&[2, -1, 4]));\n}\n",
    );
    assert_repairs(
        &p,
        "lib.rs",
        "repair.unused-value",
        &RS_ANY_NEGATIVE.replace("true;", "return true;"),
    )
    .await;
}

const PY_MIDPOINT: &str = "def midpoint(a, b):\n    return a + b / 2\n";

#[tokio::test]
async fn python_regrouped_expression_is_synthesized() {
    let p = py(
        PY_MIDPOINT,
        "from main import *\n\nassert midpoint(2, 4) == 3\nassert midpoint(0, 10) == 5\n",
    );
    assert_repairs(
        &p,
        "main.py",
        "repair.synthesis",
        &PY_MIDPOINT.replace("a + b / 2", "(a + b) / 2"),
    )
    .await;
}

const JS_TOTAL_PRICE: &str = "function totalPrice(prices) {\n  let total = 0;\n  for (const p of prices) {\n    total = p;\n  }\n  return total;\n}\n\nmodule.exports = { totalPrice };\n";

#[tokio::test]
async fn javascript_assignment_accumulates() {
    let p = js(
        JS_TOTAL_PRICE,
        "const assert = require('assert');\nconst { totalPrice } = require('./main.js');\n\nassert.strictEqual(totalPrice([3, 4, 5]), 12);\nassert.strictEqual(totalPrice([]), 0);\n",
    );
    assert_repairs(
        &p,
        "main.js",
        "repair.assignment",
        &JS_TOTAL_PRICE.replace("total = p;", "total += p;"),
    )
    .await;
}
