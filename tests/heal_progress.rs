//! Progress through revealed errors (issue 16, item 3): a candidate that fixes its target and
//! only reveals errors that were hidden behind it is kept, the report says "fixed X; revealed
//! Y", and the heal goes on to fix what was revealed. Real toolchains, real sandbox; each heal
//! re-validated independently by `common::heal::assert_heals`.

mod common;

use selfheal::heal::{Attempt, HealReport};
use selfheal::TargetLanguage;

/// The kept attempt whose reason says it fixed `fixed` and revealed `revealed`.
fn revealing<'a>(report: &'a HealReport, fixed: &str, revealed: &str) -> &'a Attempt {
    report
        .attempts
        .iter()
        .find(|a| {
            a.kept
                && a.reason.as_deref().is_some_and(|r| {
                    r.starts_with(&format!("fixed `{fixed}`; revealed `")) && r.contains(revealed)
                })
        })
        .unwrap_or_else(|| {
            panic!(
                "no kept attempt fixed `{fixed}` and revealed `{revealed}`:\n{}",
                report.summary()
            )
        })
}

/// rustc checks borrows only once a function type-checks: fixing the type error reveals the
/// use after move, and the heal fixes that next.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_a_type_fix_reveals_the_borrow_error_behind_it() {
    let program = common::program(
        TargetLanguage::Rust,
        &[(
            "lib.rs",
            "pub fn describe(names: Vec<String>) -> String {\n    let count: i32 = names.len();\n    let joined = join_all(names);\n    format!(\"{} of {}: {}\", count, names.len(), joined)\n}\n\nfn join_all(names: Vec<String>) -> String {\n    names.join(\", \")\n}\n",
        )],
    );
    let report = common::heal::assert_heals(&program, "type_mismatch").await;
    let attempt = revealing(
        &report,
        "mismatched types",
        "borrow of moved value: `names`",
    );
    assert_eq!(attempt.revealed.len(), 1, "{:?}", attempt.revealed);
    assert!(
        attempt.revealed[0].starts_with("lib.rs:4:"),
        "{:?}",
        attempt.revealed
    );
    assert!(
        report
            .summary()
            .contains(": kept: fixed `mismatched types`; revealed `"),
        "{}",
        report.summary()
    );
    // Both fixes are in the healed program.
    let lib = &report.final_program.files()["lib.rs"];
    assert!(!lib.contains("let count: i32 = names.len();"), "{lib}");
    assert!(report.repairs() >= 2, "{}", report.summary());
}

/// The example: `.push` → `.append` lets the program run on to
/// `'str' object has no attribute 'uppercase'`, which is then fixed too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_append_reveals_uppercase_further_on() {
    let program = common::program(
        TargetLanguage::Python,
        &[
            (
                "main.py",
                "def shout_all(words):\n    out = []\n    for w in words:\n        out.push(w)\n    return [w.uppercase() for w in out]\n",
            ),
            (
                "test_main.py",
                "from main import shout_all\n\nassert shout_all([\"a\", \"bc\"]) == [\"A\", \"BC\"]\n",
            ),
        ],
    )
    .with_protected(["test_main.py".to_string()])
    .unwrap();
    let report = common::heal::assert_heals(&program, "undefined_variable").await;
    let attempt = revealing(
        &report,
        "'list' object has no attribute 'push'",
        "'str' object has no attribute 'uppercase'",
    );
    assert_eq!(attempt.revealed.len(), 1);
    assert!(
        attempt.revealed[0].starts_with("main.py:5:"),
        "{:?}",
        attempt.revealed
    );
    assert_eq!(
        report.final_program.files()["main.py"],
        "def shout_all(words):\n    out = []\n    for w in words:\n        out.append(w)\n    return [w.upper() for w in out]\n"
    );
}

/// The same statement, further on: node stops at `toUppercase`; once that is fixed it stops
/// at `startswith` on the same line, a later column.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn javascript_the_same_statement_further_on() {
    let program = common::program(
        TargetLanguage::JavaScript,
        &[
            (
                "main.js",
                "function isLoud(line) {\n    return line.toUppercase().startswith('!');\n}\n\nmodule.exports = { isLoud };\n",
            ),
            (
                "main.test.js",
                "const assert = require('assert');\nconst { isLoud } = require('./main.js');\n\nassert.strictEqual(isLoud('!go'), true);\nassert.strictEqual(isLoud('go'), false);\n",
            ),
        ],
    )
    .with_protected(["main.test.js".to_string()])
    .unwrap();
    let report = common::heal::assert_heals(&program, "undefined_variable").await;
    let attempt = revealing(
        &report,
        "line.toUppercase is not a function",
        "startswith is not a function",
    );
    assert!(
        attempt.revealed[0].starts_with("main.js:2:"),
        "{:?}",
        attempt.revealed
    );
    // As the fixes left it, or with the line they wrote in the formatter's layout when one
    // is installed (prettier: two spaces, double quotes).
    let healed = &report.final_program.files()["main.js"];
    assert!(
        [
            "function isLoud(line) {\n    return line.toUpperCase().startsWith('!');\n}\n\nmodule.exports = { isLoud };\n",
            "function isLoud(line) {\n  return line.toUpperCase().startsWith(\"!\");\n}\n\nmodule.exports = { isLoud };\n",
        ]
        .contains(&healed.as_str()),
        "{healed}"
    );
}

/// `go vet` runs only once the package builds: removing the unused variable reveals the
/// vet error behind it. The attempt is kept (whether vet's error is then healed depends on
/// the conversion rules, not on this judgement).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn go_a_build_fix_reveals_the_vet_error_behind_it() {
    let program = common::program(
        TargetLanguage::Go,
        &[(
            "main.go",
            "package main\n\nimport \"fmt\"\n\nfunc label(n int) string {\n\tunused := 1\n\treturn \"item-\" + string(rune(n)) + string(n)\n}\n\nfunc main() {\n\tfmt.Println(label(4))\n}\n",
        )],
    );
    let report = common::heal::heal(&program).await;
    let attempt = revealing(
        &report,
        "unused declared but not used",
        "conversion from int to string yields a string of one rune",
    );
    assert!(
        attempt.revealed[0].starts_with("main.go:6:"),
        "{:?}",
        attempt.revealed
    );
    assert!(!report.final_program.files()["main.go"].contains("unused := 1"));
}
