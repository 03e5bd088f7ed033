//! Mutation operators over real syntax trees: exact before/after per operator per language.

use selfheal::repair::mutate::{apply, mutate, EditKind, DEFAULT_PER_LOCATION};
use selfheal::TargetLanguage::{self, Go, JavaScript, Python, Rust};

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
        .map(|m| {
            assert_eq!(m.kind, kind);
            assert_eq!(m.line, line);
            (m.description.clone(), apply(src, &m))
        })
        .collect()
}

/// Asserts that one mutant has exactly this description and result.
#[track_caller]
fn has(list: &[(String, String)], description: &str, after: &str) {
    assert!(
        list.iter().any(|(d, a)| d == description && a == after),
        "missing {description:?} -> {after:?} in {list:#?}"
    );
}

const PY: &str = "def count_below(xs, limit):\n    n = 0\n    for i in range(len(xs)):\n        if xs[i] < limit and i >= 0:\n            n += 1\n    return n\n";

#[test]
fn python_operators() {
    let ops = mutants(Python, "calc.py", PY, 4, EditKind::Operator);
    has(
        &ops,
        "`<` → `<=` at calc.py:4",
        &PY.replace("xs[i] < limit", "xs[i] <= limit"),
    );
    has(
        &ops,
        "`>=` → `>` at calc.py:4",
        &PY.replace("i >= 0", "i > 0"),
    );
    has(
        &ops,
        "`and` → `or` at calc.py:4",
        &PY.replace(" and ", " or "),
    );
    // The likeliest sibling first, for each operator in source order.
    assert_eq!(ops[0].0, "`<` → `<=` at calc.py:4");
    assert_eq!(ops[1].0, "`<` → `>` at calc.py:4");
    let aug = mutants(Python, "calc.py", PY, 5, EditKind::Operator);
    assert_eq!(
        aug[0],
        (
            "`+=` → `-=` at calc.py:5".to_string(),
            PY.replace("n += 1", "n -= 1")
        )
    );
}

#[test]
fn python_off_by_one_constants_conditions() {
    let obo = mutants(Python, "calc.py", PY, 3, EditKind::OffByOne);
    has(
        &obo,
        "`len(xs)` → `len(xs) + 1` at calc.py:3",
        &PY.replace("range(len(xs))", "range(len(xs) + 1)"),
    );
    has(
        &obo,
        "`len(xs)` → `len(xs) - 1` at calc.py:3",
        &PY.replace("range(len(xs))", "range(len(xs) - 1)"),
    );
    let idx = mutants(Python, "calc.py", PY, 4, EditKind::OffByOne);
    has(
        &idx,
        "`i` → `i + 1` at calc.py:4",
        &PY.replace("xs[i]", "xs[i + 1]"),
    );
    has(
        &idx,
        "`limit` → `limit - 1` at calc.py:4",
        &PY.replace("< limit", "< limit - 1"),
    );
    let src = "def last(xs):\n    return xs[len(xs) - 1]\n";
    let drop = mutants(Python, "a.py", src, 2, EditKind::OffByOne);
    has(
        &drop,
        "`len(xs) - 1` → `len(xs)` at a.py:2",
        "def last(xs):\n    return xs[len(xs)]\n",
    );
    let consts = mutants(Python, "calc.py", PY, 5, EditKind::Constant);
    assert_eq!(
        consts,
        vec![
            (
                "`1` → `2` at calc.py:5".to_string(),
                PY.replace("n += 1", "n += 2")
            ),
            (
                "`1` → `0` at calc.py:5".to_string(),
                PY.replace("n += 1", "n += 0")
            ),
        ]
    );
    let cond = mutants(Python, "calc.py", PY, 4, EditKind::Condition);
    has(
        &cond,
        "`xs[i] < limit and i >= 0` → `not (xs[i] < limit and i >= 0)` at calc.py:4",
        &PY.replace(
            "if xs[i] < limit and i >= 0:",
            "if not (xs[i] < limit and i >= 0):",
        ),
    );
    has(
        &cond,
        "`xs[i] < limit and i >= 0` → `xs[i] < limit` at calc.py:4",
        &PY.replace(" and i >= 0", ""),
    );
    let src = "def f(x):\n    if not x:\n        return 1\n    return 2\n";
    let un = mutants(Python, "a.py", src, 2, EditKind::Condition);
    assert_eq!(
        un,
        vec![(
            "`not x` → `x` at a.py:2".to_string(),
            src.replace("not x", "x")
        )]
    );
    let src = "def f(flag):\n    return True\n";
    let b = mutants(Python, "a.py", src, 2, EditKind::Constant);
    assert_eq!(
        b,
        vec![(
            "`True` → `False` at a.py:2".to_string(),
            src.replace("True", "False")
        )]
    );
}

#[test]
fn python_variables_calls_swaps_returns() {
    let vars = mutants(Python, "calc.py", PY, 6, EditKind::Variable);
    // Bound in the function, in order: xs, limit (parameters), n, i.
    assert_eq!(
        vars.iter().map(|(d, _)| d.as_str()).collect::<Vec<_>>(),
        vec![
            "`n` → `xs` at calc.py:6",
            "`n` → `limit` at calc.py:6",
            "`n` → `i` at calc.py:6",
        ]
    );
    let ret = mutants(Python, "calc.py", PY, 6, EditKind::Return);
    has(
        &ret,
        "`n` → `i` at calc.py:6",
        &PY.replace("return n", "return i"),
    );
    let src = "import math\ndef f(a, b):\n    return max(a, b) - math.floor(a / b)\n";
    let calls = mutants(Python, "m.py", src, 3, EditKind::Call);
    has(
        &calls,
        "`max` → `min` at m.py:3",
        &src.replace("max(", "min("),
    );
    has(
        &calls,
        "`floor` → `ceil` at m.py:3",
        &src.replace("floor", "ceil"),
    );
    let swaps = mutants(Python, "m.py", src, 3, EditKind::SwapArguments);
    has(
        &swaps,
        "`a, b` → `b, a` at m.py:3",
        &src.replace("max(a, b)", "max(b, a)"),
    );
    has(
        &swaps,
        "`a / b` → `b / a` at m.py:3",
        &src.replace("a / b", "b / a"),
    );
    // The definition's own names and the callee are never replaced.
    let vars = mutants(Python, "m.py", src, 2, EditKind::Variable);
    assert!(vars.is_empty(), "{vars:?}");
}

const JS: &str = "function sumTo(n) {\n  let total = 0;\n  for (let i = 0; i < n; i++) {\n    total += i;\n  }\n  return total;\n}\n";

#[test]
fn javascript_operators_and_bounds() {
    let ops = mutants(JavaScript, "main.js", JS, 3, EditKind::Operator);
    assert_eq!(
        ops[0],
        (
            "`<` → `<=` at main.js:3".to_string(),
            JS.replace("i < n", "i <= n")
        )
    );
    let obo = mutants(JavaScript, "main.js", JS, 3, EditKind::OffByOne);
    has(
        &obo,
        "`n` → `n + 1` at main.js:3",
        &JS.replace("i < n", "i < n + 1"),
    );
    let cond = mutants(JavaScript, "main.js", JS, 3, EditKind::Condition);
    assert_eq!(
        cond,
        vec![(
            "`i < n` → `!(i < n)` at main.js:3".to_string(),
            JS.replace("i < n;", "!(i < n);")
        )]
    );
    let aug = mutants(JavaScript, "main.js", JS, 4, EditKind::Operator);
    assert_eq!(
        aug[0],
        (
            "`+=` → `-=` at main.js:4".to_string(),
            JS.replace("total += i", "total -= i")
        )
    );
    let vars = mutants(JavaScript, "main.js", JS, 6, EditKind::Variable);
    has(
        &vars,
        "`total` → `i` at main.js:6",
        &JS.replace("return total", "return i"),
    );
    has(
        &vars,
        "`total` → `n` at main.js:6",
        &JS.replace("return total", "return n"),
    );
    let src = "function f(s, a, b) {\n  if (s.startsWith(a) === true) return Math.max(a, b);\n  return s.slice(0, a);\n}\n";
    let ops = mutants(JavaScript, "m.js", src, 2, EditKind::Operator);
    has(&ops, "`===` → `!==` at m.js:2", &src.replace("===", "!=="));
    let calls = mutants(JavaScript, "m.js", src, 2, EditKind::Call);
    has(
        &calls,
        "`startsWith` → `endsWith` at m.js:2",
        &src.replace("startsWith", "endsWith"),
    );
    has(
        &calls,
        "`max` → `min` at m.js:2",
        &src.replace("Math.max", "Math.min"),
    );
    let cond = mutants(JavaScript, "m.js", src, 2, EditKind::Condition);
    has(
        &cond,
        "`s.startsWith(a) === true` → `!(s.startsWith(a) === true)` at m.js:2",
        &src.replace(
            "(s.startsWith(a) === true)",
            "(!(s.startsWith(a) === true))",
        ),
    );
    let consts = mutants(JavaScript, "m.js", src, 2, EditKind::Constant);
    has(
        &consts,
        "`true` → `false` at m.js:2",
        &src.replace("=== true", "=== false"),
    );
    let slice = mutants(JavaScript, "m.js", src, 3, EditKind::OffByOne);
    has(
        &slice,
        "`a` → `a + 1` at m.js:3",
        &src.replace("slice(0, a)", "slice(0, a + 1)"),
    );
}

const GO: &str = "package main\n\nfunc maxIndex(xs []int) int {\n\tbest := 0\n\tfor i := 1; i < len(xs); i++ {\n\t\tif xs[i] > xs[best] {\n\t\t\tbest = i\n\t\t}\n\t}\n\treturn best\n}\n";

#[test]
fn go_operators_bounds_variables() {
    let ops = mutants(Go, "main.go", GO, 6, EditKind::Operator);
    assert_eq!(
        ops[0],
        (
            "`>` → `>=` at main.go:6".to_string(),
            GO.replace("xs[i] > xs[best]", "xs[i] >= xs[best]")
        )
    );
    let obo = mutants(Go, "main.go", GO, 5, EditKind::OffByOne);
    has(
        &obo,
        "`len(xs)` → `len(xs) - 1` at main.go:5",
        &GO.replace("i < len(xs)", "i < len(xs) - 1"),
    );
    let consts = mutants(Go, "main.go", GO, 5, EditKind::Constant);
    has(
        &consts,
        "`1` → `0` at main.go:5",
        &GO.replace("i := 1", "i := 0"),
    );
    let vars = mutants(Go, "main.go", GO, 10, EditKind::Variable);
    assert_eq!(
        vars.iter().map(|(d, _)| d.as_str()).collect::<Vec<_>>(),
        vec!["`best` → `xs` at main.go:10", "`best` → `i` at main.go:10"]
    );
    let cond = mutants(Go, "main.go", GO, 6, EditKind::Condition);
    assert_eq!(
        cond,
        vec![(
            "`xs[i] > xs[best]` → `!(xs[i] > xs[best])` at main.go:6".to_string(),
            GO.replace("if xs[i] > xs[best]", "if !(xs[i] > xs[best])")
        )]
    );
    let idx = mutants(Go, "main.go", GO, 6, EditKind::OffByOne);
    has(
        &idx,
        "`best` → `best + 1` at main.go:6",
        &GO.replace("xs[best]", "xs[best + 1]"),
    );
    let src = "package main\n\nimport \"strings\"\n\nfunc f(s, p string) bool {\n\treturn strings.HasPrefix(s, p)\n}\n";
    let calls = mutants(Go, "main.go", src, 6, EditKind::Call);
    assert_eq!(
        calls,
        vec![(
            "`HasPrefix` → `HasSuffix` at main.go:6".to_string(),
            src.replace("HasPrefix", "HasSuffix")
        )]
    );
    let swaps = mutants(Go, "main.go", src, 6, EditKind::SwapArguments);
    assert_eq!(
        swaps,
        vec![(
            "`s, p` → `p, s` at main.go:6".to_string(),
            src.replace("(s, p)", "(p, s)")
        )]
    );
}

const RS: &str = "pub fn sum_range(lo: u32, hi: u32) -> u32 {\n    let mut total = 0;\n    for i in lo..hi {\n        if i % 2 == 0 && i > lo {\n            total += i;\n        }\n    }\n    total\n}\n";

#[test]
fn rust_operators_ranges_conditions() {
    let obo = mutants(Rust, "lib.rs", RS, 3, EditKind::OffByOne);
    assert_eq!(
        obo[0],
        (
            "`..` → `..=` at lib.rs:3".to_string(),
            RS.replace("lo..hi", "lo..=hi")
        )
    );
    has(
        &obo,
        "`hi` → `hi - 1` at lib.rs:3",
        &RS.replace("lo..hi", "lo..hi - 1"),
    );
    let ops = mutants(Rust, "lib.rs", RS, 4, EditKind::Operator);
    has(&ops, "`%` → `/` at lib.rs:4", &RS.replace("i % 2", "i / 2"));
    has(&ops, "`==` → `!=` at lib.rs:4", &RS.replace("== 0", "!= 0"));
    has(&ops, "`&&` → `||` at lib.rs:4", &RS.replace("&&", "||"));
    has(
        &ops,
        "`>` → `>=` at lib.rs:4",
        &RS.replace("i > lo", "i >= lo"),
    );
    let cond = mutants(Rust, "lib.rs", RS, 4, EditKind::Condition);
    has(
        &cond,
        "`i % 2 == 0 && i > lo` → `i % 2 == 0` at lib.rs:4",
        &RS.replace(" && i > lo", ""),
    );
    has(
        &cond,
        "`i % 2 == 0 && i > lo` → `!(i % 2 == 0 && i > lo)` at lib.rs:4",
        &RS.replace("if i % 2 == 0 && i > lo", "if !(i % 2 == 0 && i > lo)"),
    );
    let consts = mutants(Rust, "lib.rs", RS, 4, EditKind::Constant);
    has(
        &consts,
        "`2` → `3` at lib.rs:4",
        &RS.replace("i % 2", "i % 3"),
    );
    has(
        &consts,
        "`0` → `1` at lib.rs:4",
        &RS.replace("== 0", "== 1"),
    );
    let vars = mutants(Rust, "lib.rs", RS, 5, EditKind::Variable);
    has(
        &vars,
        "`i` → `hi` at lib.rs:5",
        &RS.replace("total += i", "total += hi"),
    );
    // `total` on the left of `+=` is a use, too (compound assignment reads it).
    let src = "fn f(a: f64, b: f64) -> f64 {\n    a.floor().min(b)\n}\n";
    let calls = mutants(Rust, "lib.rs", src, 2, EditKind::Call);
    assert_eq!(
        calls.iter().map(|(d, _)| d.as_str()).collect::<Vec<_>>(),
        vec![
            "`min` → `max` at lib.rs:2",
            "`floor` → `ceil` at lib.rs:2",
            "`floor` → `round` at lib.rs:2"
        ]
    );
}

#[test]
fn bounded_deterministic_and_line_ordered() {
    let all: Vec<EditKind> = EditKind::ALL.to_vec();
    let a = mutate(Python, "calc.py", PY, &[6, 4], &all, 5);
    let b = mutate(Python, "calc.py", PY, &[6, 4], &all, 5);
    assert_eq!(a, b);
    assert!(a.iter().filter(|m| m.line == 4).count() == 5);
    // Lines in the order asked for.
    assert_eq!(a[0].line, 6);
    assert!(a
        .iter()
        .all(|m| !m.edit.replacement.is_empty() || m.edit.byte_start < m.edit.byte_end));
    // Unparseable text gives what the tree still holds, never a panic; empty line sets give nothing.
    assert!(mutate(Python, "x.py", PY, &[], &all, 5).is_empty());
    let _ = mutate(Go, "x.go", "func (((", &[1], &all, 5);
}

/// Every kind in every language: one exact (description, result) each.
#[test]
fn every_kind_in_every_language() {
    use EditKind::*;
    let py =
        "def f(a, b):\n    if a < b and b > 0:\n        return min(a, b - 1) + 2\n    return a\n";
    let js = "function f(a, b) {\n  if (a < b && b > 0) {\n    return Math.min(a, b - 1) + 2;\n  }\n  return a;\n}\n";
    let go = "package main\n\nfunc f(a int, b int) int {\n\tif a < b && b > 0 {\n\t\treturn min(a, b-1) + 2\n\t}\n\treturn a\n}\n";
    let rs = "fn f(a: i32, b: i32) -> i32 {\n    if a < b && b > 0 {\n        return a.min(b - 1) + 2;\n    }\n    a\n}\n";
    #[rustfmt::skip]
    let table: &[(TargetLanguage, &str, u32, EditKind, &str, &str, &str)] = &[
        (Python, py, 2, Operator, "`<` → `<=`", "a < b", "a <= b"),
        (Python, py, 2, OffByOne, "`b` → `b + 1`", "a < b", "a < b + 1"),
        (Python, py, 3, OffByOne, "`b - 1` → `b`", "", ""),
        (Python, py, 3, Constant, "`2` → `3`", "+ 2", "+ 3"),
        (Python, py, 2, Condition, "`a < b and b > 0` → `not (a < b and b > 0)`", "if a < b and b > 0:", "if not (a < b and b > 0):"),
        (Python, py, 4, Variable, "`a` → `b`", "return a\n", "return b\n"),
        (Python, py, 3, SwapArguments, "`a, b - 1` → `b - 1, a`", "min(a, b - 1)", "min(b - 1, a)"),
        (Python, py, 3, Call, "`min` → `max`", "min(", "max("),
        (Python, py, 4, Return, "`a` → `b`", "return a\n", "return b\n"),
        (JavaScript, js, 2, Operator, "`&&` → `||`", "&&", "||"),
        (JavaScript, js, 2, OffByOne, "`0` → `0 + 1`", "", ""),
        (JavaScript, js, 3, OffByOne, "`b - 1` → `b`", "", ""),
        (JavaScript, js, 3, Constant, "`2` → `1`", "+ 2", "+ 1"),
        (JavaScript, js, 2, Condition, "`a < b && b > 0` → `a < b`", "a < b && b > 0", "a < b"),
        (JavaScript, js, 5, Variable, "`a` → `b`", "return a;", "return b;"),
        (JavaScript, js, 3, SwapArguments, "`a, b - 1` → `b - 1, a`", "min(a, b - 1)", "min(b - 1, a)"),
        (JavaScript, js, 3, Call, "`min` → `max`", "Math.min", "Math.max"),
        (JavaScript, js, 5, Return, "`a` → `b`", "return a;", "return b;"),
        (Go, go, 4, Operator, "`>` → `>=`", "b > 0", "b >= 0"),
        (Go, go, 4, OffByOne, "`b` → `b - 1`", "a < b", "a < b - 1"),
        (Go, go, 5, OffByOne, "`b-1` → `b`", "", ""),
        (Go, go, 5, Constant, "`2` → `1`", "+ 2", "+ 1"),
        (Go, go, 4, Condition, "`a < b && b > 0` → `b > 0`", "a < b && b > 0", "b > 0"),
        (Go, go, 7, Variable, "`a` → `b`", "return a\n", "return b\n"),
        (Go, go, 5, SwapArguments, "`a, b-1` → `b-1, a`", "min(a, b-1)", "min(b-1, a)"),
        (Go, go, 5, Call, "`min` → `max`", "min(", "max("),
        (Go, go, 7, Return, "`a` → `b`", "return a\n", "return b\n"),
        (Rust, rs, 2, Operator, "`<` → `>`", "a < b", "a > b"),
        (Rust, rs, 2, OffByOne, "`b` → `b + 1`", "a < b", "a < b + 1"),
        (Rust, rs, 3, OffByOne, "`b - 1` → `b`", "", ""),
        (Rust, rs, 3, SwapArguments, "`b - 1` → `1 - b`", "b - 1", "1 - b"),
        (Rust, rs, 3, Constant, "`1` → `2`", "b - 1", "b - 2"),
        (Rust, rs, 2, Condition, "`a < b && b > 0` → `!(a < b && b > 0)`", "if a < b && b > 0", "if !(a < b && b > 0)"),
        (Rust, rs, 5, Variable, "`a` → `b`", "    a\n}", "    b\n}"),
        (Rust, rs, 3, Call, "`min` → `max`", "a.min(", "a.max("),
        (Rust, rs, 3, Return, "`a.min(b - 1) + 2` → `a`", "return a.min(b - 1) + 2;", "return a;"),
    ];
    let file = |l: TargetLanguage| match l {
        Python => "f.py",
        JavaScript => "f.js",
        Go => "f.go",
        Rust => "f.rs",
    };
    for (language, src, line, kind, description, from, to) in table {
        let list = mutants(*language, file(*language), src, *line, *kind);
        let description = format!("{description} at {}:{line}", file(*language));
        if from.is_empty() {
            // Expected absent: `off-by-one` edits bounds, indices and comparison operands only
            // (a call argument's `b - 1` is left to `constant`; a literal operand too).
            assert!(
                list.iter().all(|(d, _)| *d != description),
                "{language}: {list:#?}"
            );
            continue;
        }
        assert!(src.contains(from), "{language}: {from:?}");
        has(&list, &description, &src.replacen(from, to, 1));
    }
}

#[test]
fn increments_and_decrements_swap() {
    let go = "package main\n\nfunc f(k int) int {\n\tq := 0\n\tfor q = k - 1; q > 0; q++ {\n\t}\n\treturn q\n}\n";
    let ops = mutants(Go, "main.go", go, 5, EditKind::Operator);
    has(&ops, "`++` → `--` at main.go:5", &go.replace("q++", "q--"));
    let js = "function f(n) {\n  let i = n;\n  i--;\n  return i;\n}\n";
    let ops = mutants(JavaScript, "main.js", js, 3, EditKind::Operator);
    assert_eq!(
        ops,
        [(
            "`--` → `++` at main.js:3".to_string(),
            js.replace("i--", "i++")
        )]
    );
}

/// A repair fix's confidence is `0.5 × suspiciousness × prior × (1 − 0.03·i)`: below a
/// compile fix of the same prior.
#[test]
fn repair_confidence_is_weighted_below_compile_fixes() {
    use selfheal::repair::localize::Evidence;
    use selfheal::repair::rule::{suggest_kind, REPAIR_WEIGHT};
    use selfheal::Location;
    let program =
        selfheal::Program::new(Python, [("calc.py".to_string(), PY.to_string())]).unwrap();
    let evidence = Evidence {
        test: None,
        assertion: Some(Location::new("calc.py", 4, 1)),
        frames: Vec::new(),
    };
    let fixes = suggest_kind(EditKind::Operator, &[evidence], &program);
    assert_eq!(REPAIR_WEIGHT, 0.5);
    assert_eq!(fixes[0].description, "`<` → `<=` at calc.py:4");
    assert!((fixes[0].confidence - 0.5 * 1.0 * 0.6).abs() < 1e-9);
    assert!((fixes[1].confidence - 0.5 * 0.6 * 0.97).abs() < 1e-9);
}

// ---- assignment, loop direction, dropped values, synthesis, repeated slips, filters ----

#[test]
fn assignments_accumulate_or_assign() {
    let rs = "pub fn skip(xs: &[u8]) -> usize {\n    let mut i = 0;\n    while i < xs.len() {\n        i = 2;\n    }\n    i\n}\n";
    let a = mutants(Rust, "lib.rs", rs, 4, EditKind::Assignment);
    assert_eq!(
        a,
        [
            (
                "`=` → `+=` at lib.rs:4".to_string(),
                rs.replace("i = 2;", "i += 2;")
            ),
            (
                "`=` → `-=` at lib.rs:4".to_string(),
                rs.replace("i = 2;", "i -= 2;")
            ),
        ]
    );
    // A declaration is not an assignment to an existing value.
    assert!(mutants(Rust, "lib.rs", rs, 2, EditKind::Assignment).is_empty());
    let py = "def total(xs):\n    t = 0\n    for x in xs:\n        t += t + x\n        t = x\n    return t\n";
    assert_eq!(
        mutants(Python, "m.py", py, 4, EditKind::Assignment),
        [(
            "`+=` → `=` at m.py:4".to_string(),
            py.replace("t += t + x", "t = t + x")
        )]
    );
    has(
        &mutants(Python, "m.py", py, 5, EditKind::Assignment),
        "`=` → `+=` at m.py:5",
        &py.replace("t = x", "t += x"),
    );
    // Python binds a name by assigning it: its first assignment, and `x = 0`, stay.
    assert!(mutants(Python, "m.py", py, 2, EditKind::Assignment).is_empty());
}

const GO_LOOPS: &str = "package main\n\nfunc Trim(a []int, k int) (int, int) {\n\tq, d := 0, 0\n\tfor q = k - 1; q > 0; q++ {\n\t\tif a[q] != a[0] {\n\t\t\tbreak\n\t\t}\n\t}\n\tfor d = k - 2; d >= 0; d += 1 {\n\t\tif a[d] != a[d+1] {\n\t\t\tbreak\n\t\t}\n\t}\n\tfor i := 0; i < k; i++ {\n\t}\n\treturn q, d\n}\n";

#[test]
fn runaway_loops_are_turned_around() {
    let turned = mutants(Go, "main.go", GO_LOOPS, 5, EditKind::LoopDirection);
    assert_eq!(
        turned,
        [
            (
                "turn the loop around: `++` → `--` at main.go:5".to_string(),
                GO_LOOPS.replace("q > 0; q++", "q > 0; q--")
            ),
            (
                "turn the loops around at main.go:5, 10".to_string(),
                GO_LOOPS
                    .replace("q > 0; q++", "q > 0; q--")
                    .replace("d >= 0; d += 1", "d >= 0; d -= 1")
            ),
        ]
    );
    assert_eq!(
        mutants(Go, "main.go", GO_LOOPS, 10, EditKind::LoopDirection),
        [(
            "turn the loop around: `+=` → `-=` at main.go:10".to_string(),
            GO_LOOPS.replace("d += 1", "d -= 1")
        )]
    );
    // A loop that counts toward its bound is left alone.
    assert!(mutants(Go, "main.go", GO_LOOPS, 15, EditKind::LoopDirection).is_empty());
    let js =
        "function f(n) {\n  let s = 0;\n  for (let i = n; i >= 0; ++i) s += i;\n  return s;\n}\n";
    assert_eq!(
        mutants(JavaScript, "m.js", js, 3, EditKind::LoopDirection),
        [(
            "turn the loop around: `++` → `--` at m.js:3".to_string(),
            js.replace("++i", "--i")
        )]
    );
}

#[test]
fn dropped_values_are_returned() {
    let rs = "pub fn below_zero(ops: Vec<i32>) -> bool {\n    let mut b = 0;\n    for op in ops {\n        b += op;\n        if b < 0 {\n            true;\n        }\n    }\n    false\n}\n";
    assert_eq!(
        mutants(Rust, "lib.rs", rs, 6, EditKind::UnusedValue),
        [(
            "return the dropped value `true` at lib.rs:6".to_string(),
            rs.replace("true;", "return true;")
        )]
    );
    // The tail expression is the function's value, not a dropped one.
    assert!(mutants(Rust, "lib.rs", rs, 9, EditKind::UnusedValue).is_empty());
    let py = "def find(xs, v):\n    for i in range(len(xs)):\n        if xs[i] == v:\n            return ++i\n    return -1\n";
    assert_eq!(
        mutants(Python, "m.py", py, 4, EditKind::UnusedValue),
        [(
            "`++i` does nothing: `i + 1` at m.py:4".to_string(),
            py.replace("++i", "i + 1")
        )]
    );
}

#[test]
fn synthesis_fills_holes_smallest_first() {
    let js = "function mid(n, m) {\n  return n + m / 2;\n}\n";
    let s = mutants(JavaScript, "m.js", js, 2, EditKind::Synthesis);
    let exprs: Vec<&str> = s
        .iter()
        .map(|(_, after)| {
            after
                .trim_start_matches("function mid(n, m) {\n  return ")
                .trim_end_matches(";\n}\n")
        })
        .collect();
    // Operands, then the other grouping, then the hole's names alone and ± 1.
    assert_eq!(
        &exprs[..6],
        ["n", "m / 2", "(n + m) / 2", "n + 1", "n - 1", "m"]
    );
    assert!(exprs.len() <= 12, "{exprs:?}");
    has(
        &s,
        "`n + m / 2` → `(n + m) / 2` at m.js:2",
        &js.replace("n + m / 2", "(n + m) / 2"),
    );
    // Python: a conversion of the hole.
    let py = "def check(code):\n    digit = code % 11\n    digit = digit\n    return digit\n";
    has(
        &mutants(Python, "m.py", py, 3, EditKind::Synthesis),
        "`digit` → `str(digit)` at m.py:3",
        &py.replace("digit = digit\n", "digit = str(digit)\n"),
    );
    // Go: only names of the hole's type join (never the string), constants as integers.
    let go = "package main\n\nfunc f(a int, s string) int {\n\tb := 2\n\treturn a\n}\n";
    let g = mutants(Go, "main.go", go, 5, EditKind::Synthesis);
    let exprs: Vec<String> = g
        .iter()
        .map(|(_, after)| after.lines().nth(4).unwrap().trim().to_string())
        .collect();
    assert_eq!(
        &exprs[..4],
        ["return a + 1", "return a - 1", "return b", "return a + b"]
    );
    assert!(exprs.iter().all(|e| !e.contains('s')), "{exprs:?}");
}

#[test]
fn a_repeated_slip_is_also_fixed_everywhere() {
    let go = "package main\n\nfunc f(pixels []int, u []int, pre []int) {\n\tfor i := 1; i < len(pixels); i++ {\n\t\tpre[i] = u[pixels[i]]\n\t\tu[pixels[i]] = i\n\t}\n}\n";
    let obo = mutants(Go, "main.go", go, 5, EditKind::OffByOne);
    has(
        &obo,
        "`i` → `i - 1` at main.go:5 and at the 1 other `pixels[i]` of the function",
        &go.replace("pixels[i]", "pixels[i - 1]"),
    );
    has(
        &obo,
        "`i` → `i - 1` at main.go:5",
        &go.replacen("pixels[i]", "pixels[i - 1]", 1),
    );
}

#[test]
fn candidates_that_cannot_build_are_dropped() {
    use selfheal::repair::filter::viable;
    let go = "package main\n\nfunc f(a int) int {\n\tb := a * 2\n\treturn b\n}\n";
    let vars = mutate(Go, "main.go", go, &[5], &[EditKind::Variable], 24);
    assert_eq!(vars.len(), 1);
    assert_eq!(vars[0].description, "`b` → `a` at main.go:5");
    // `return a` leaves `b` declared and not used: Go refuses it.
    assert!(!viable(Go, go, &vars[0]));
    let py = "def f(a):\n    return a\n";
    let synth = mutate(Python, "m.py", py, &[2], &[EditKind::Synthesis], 24);
    assert!(synth.iter().all(|m| viable(Python, py, m)));
    let mut broken = synth[0].clone();
    broken.edit.replacement = "a +".into();
    assert!(!viable(Python, py, &broken));
}
