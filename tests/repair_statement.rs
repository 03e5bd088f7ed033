//! Statement-level edits (delete, repeat, move, `break` ↔ `continue`, early-return guards):
//! exact mutants per language, and real heals that need them, re-validated by a fresh
//! validator.

mod common;

use selfheal::heal::HealReport;
use selfheal::repair::mutate::{apply, mutate, EditKind, DEFAULT_PER_LOCATION};
use selfheal::validate::{Expect, Validator, ValidatorConfig};
use selfheal::TargetLanguage::{self, Go, JavaScript, Python, Rust};
use selfheal::{Program, TargetLanguage as Lang};

fn mutants(
    language: TargetLanguage,
    src: &str,
    line: u32,
    kind: EditKind,
) -> Vec<(String, String)> {
    mutate(language, "f", src, &[line], &[kind], DEFAULT_PER_LOCATION)
        .into_iter()
        .map(|m| (m.description.clone(), apply(src, &m)))
        .collect()
}

const PY: &str =
    "def total(xs):\n    n = 0\n    for x in xs:\n        n += x\n        n += 1\n    return n\n";

#[test]
fn python_statement_edits() {
    let got = mutants(Python, PY, 5, EditKind::Statement);
    assert_eq!(
        got,
        [
            (
                "delete `n += 1` at f:5".to_string(),
                PY.replace("        n += 1\n", "")
            ),
            (
                "repeat `n += 1` at f:5".to_string(),
                PY.replace("        n += 1\n", "        n += 1\n        n += 1\n")
            ),
        ]
    );
    let got = mutants(Python, PY, 4, EditKind::Statement);
    assert_eq!(got[2].0, "move `n += x` below `n += 1` at f:4");
    assert_eq!(
        got[2].1,
        PY.replace(
            "        n += x\n        n += 1\n",
            "        n += 1\n        n += x\n"
        )
    );
    // The only statement of a block becomes `pass`.
    let one = "def f(x):\n    if x:\n        x = 1\n    return x\n";
    assert_eq!(
        mutants(Python, one, 3, EditKind::Statement)[0],
        (
            "delete `x = 1` at f:3".to_string(),
            one.replace("        x = 1\n", "        pass\n")
        )
    );
}

#[test]
fn python_guards() {
    let src = "def average(xs):\n    s = sum(xs)\n    if s < 0:\n        return -1\n    return s / len(xs)\n";
    let got = mutants(Python, src, 2, EditKind::Guard);
    let guard = |value: &str| {
        src.replace(
            "    s = sum(xs)\n",
            &format!("    if not xs:\n        return {value}\n    s = sum(xs)\n"),
        )
    };
    assert_eq!(
        got,
        [
            (
                "guard `if not xs` → return `xs` at f:2".to_string(),
                guard("xs")
            ),
            (
                "guard `if not xs` → return `-1` at f:2".to_string(),
                guard("-1")
            ),
            (
                "guard `if not xs` → return `0` at f:2".to_string(),
                guard("0")
            ),
        ]
    );
    // Only at a function's first statement.
    assert!(mutants(Python, src, 3, EditKind::Guard).is_empty());
}

#[test]
fn javascript_go_rust_statements_and_guards() {
    let js = "function last(xs) {\n  let out = 0;\n  for (const x of xs) {\n    if (x < 0) break;\n    out = x;\n  }\n  return out;\n}\n";
    let got = mutants(JavaScript, js, 4, EditKind::Statement);
    assert!(
        got.contains(&(
            "`break` → `continue` at f:4".to_string(),
            js.replace("break;", "continue;")
        )),
        "{got:#?}"
    );
    assert_eq!(
        mutants(JavaScript, js, 2, EditKind::Guard)[0],
        (
            "guard `if (!xs || xs.length === 0)` → return `xs` at f:2".to_string(),
            js.replace(
                "  let out = 0;\n",
                "  if (!xs || xs.length === 0) return xs;\n  let out = 0;\n"
            )
        )
    );
    let go = "package main\n\nfunc Last(xs []int) int {\n\tout := 0\n\tfor _, x := range xs {\n\t\tout = x\n\t\tout++\n\t}\n\treturn out\n}\n";
    assert_eq!(
        mutants(Go, go, 7, EditKind::Statement)[0],
        (
            "delete `out++` at f:7".to_string(),
            go.replace("\t\tout++\n", "")
        )
    );
    assert_eq!(
        mutants(Go, go, 4, EditKind::Guard),
        [(
            "guard `if len(xs) == 0` → return `0` at f:4".to_string(),
            go.replace(
                "\tout := 0\n",
                "\tif len(xs) == 0 {\n\t\treturn 0\n\t}\n\tout := 0\n"
            )
        )]
    );
    let rs = "pub fn last(xs: &[i32]) -> i32 {\n    let mut out = 0;\n    for x in xs {\n        out = *x;\n    }\n    out\n}\n";
    assert_eq!(
        mutants(Rust, rs, 2, EditKind::Guard),
        [(
            "guard `if xs.is_empty()` → return `Default::default()` at f:2".to_string(),
            rs.replace(
                "    let mut out = 0;\n",
                "    if xs.is_empty() {\n        return Default::default();\n    }\n    let mut out = 0;\n"
            )
        )]
    );
    // A block's tail expression is its value: never deleted or moved.
    assert!(mutants(Rust, rs, 6, EditKind::Statement).is_empty());
}

async fn heal(program: &Program) -> HealReport {
    common::heal::heal(program).await
}

async fn assert_heals(program: &Program, file: &str, kind: &str, expected: &str) {
    let report = heal(program).await;
    assert!(report.healed, "not healed:\n{}", report.summary());
    let winner = report.attempts.iter().find(|a| a.passed).unwrap();
    assert_eq!(winner.strategy, kind, "{}", report.summary());
    assert_eq!(report.final_program.files()[file], expected);
    let fresh = Validator::new(ValidatorConfig::default()).unwrap();
    let again = fresh
        .validate(&report.final_program, Expect::Test)
        .await
        .unwrap();
    assert!(again.passed, "the healed program fails: {:?}", again.errors);
    for path in program.protected() {
        assert_eq!(report.final_program.files()[path], program.files()[path]);
    }
}

fn program(language: Lang, code: (&str, &str), test: (&str, &str)) -> Program {
    common::program(language, &[code, test])
        .with_protected([test.0.to_string()])
        .unwrap()
}

const PY_HEAD: &str = "def head(xs):\n    first = xs[0]\n    return first\n";

#[tokio::test]
async fn python_missing_guard_is_inserted() {
    let p = program(
        Python,
        ("main.py", PY_HEAD),
        (
            "test_main.py",
            "from main import head\n\n\ndef test_first():\n    assert head([3, 4]) == 3\n\n\ndef test_empty():\n    assert head([]) == 0\n",
        ),
    );
    assert_heals(
        &p,
        "main.py",
        "repair.guard",
        &PY_HEAD.replace(
            "    first = xs[0]\n",
            "    if not xs:\n        return 0\n    first = xs[0]\n",
        ),
    )
    .await;
}

const JS_TOTAL: &str = "function total(xs) {\n  let sum = 0;\n  for (const x of xs) {\n    sum += x;\n  }\n  sum = 0;\n  return sum;\n}\nmodule.exports = { total };\n";

#[tokio::test]
async fn javascript_stray_statement_is_deleted() {
    let p = program(
        JavaScript,
        ("main.js", JS_TOTAL),
        (
            "main.test.js",
            "const test = require('node:test');\nconst assert = require('node:assert');\nconst { total } = require('./main.js');\n\ntest('three', () => {\n  assert.strictEqual(total([1, 2, 3]), 6);\n});\n\ntest('none', () => {\n  assert.strictEqual(total([]), 0);\n});\n",
        ),
    );
    assert_heals(
        &p,
        "main.js",
        "repair.statement",
        &JS_TOTAL.replace("  sum = 0;\n  return", "  return"),
    )
    .await;
}
