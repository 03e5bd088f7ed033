//! End-to-end heals of the slips generated code makes that still parse or nearly parse: a
//! comparison written as a statement (`any.comparison-statement`, every language), a parameter
//! the function never reads next to a hard-coded value (`javascript.unused-parameter`), a
//! format string that lost its opening quote (`any.unterminated-string`) and an empty slice
//! at a Python `ValueError` (`python.test-failure`). Each heal is re-validated on its own by
//! `assert_heals`.

mod common;

use common::heal::assert_heals;
use selfheal::{Program, TargetLanguage};

fn program(lang: TargetLanguage, files: &[(&str, &str)], protected: &str) -> Program {
    common::program(lang, files)
        .with_protected([protected.to_string()])
        .unwrap()
}

fn rust(lib: &str, tests: &str) -> Program {
    let lib = format!("{lib}\n#[cfg(test)]\nmod tests;\n");
    program(
        TargetLanguage::Rust,
        &[("lib.rs", &lib), ("tests.rs", tests)],
        "tests.rs",
    )
    .with_option("edition", "2021")
}

#[tokio::test]
async fn rust_a_running_total_compared_instead_of_assigned() {
    let p = rust(
        "pub fn below_zero(ops: &[i32]) -> bool {\n    let mut balance = 0;\n    for op in ops {\n        balance == balance + op;\n        if balance < 0 {\n            return true;\n        }\n    }\n    false\n}\n",
        "use super::*;\n\n#[test]\nfn dips() {\n    assert!(below_zero(&[1, -2, 3]));\n    assert!(!below_zero(&[1, 2]));\n}\n",
    );
    let r = assert_heals(&p, "test_failure").await;
    assert!(r.final_program.files()["lib.rs"].contains("balance = balance + op;"));
    assert!(r
        .strategies_kept
        .contains(&"any.comparison-statement".to_string()));
}

#[tokio::test]
async fn python_a_field_compared_instead_of_assigned() {
    let p = program(
        TargetLanguage::Python,
        &[
            (
                "main.py",
                "class Counter:\n    def __init__(self):\n        self.n = 0\n\n    def add(self, k):\n        self.n == self.n + k\n        return self\n",
            ),
            (
                "test_main.py",
                "from main import *\n\nassert Counter().add(2).add(3).n == 5\n",
            ),
        ],
        "test_main.py",
    );
    let r = assert_heals(&p, "test_failure").await;
    assert!(r.final_program.files()["main.py"].contains("        self.n = self.n + k\n"));
}

#[tokio::test]
async fn javascript_a_hard_coded_index_becomes_the_unused_parameter() {
    let p = program(
        TargetLanguage::JavaScript,
        &[
            (
                "main.js",
                "function triangle(n) {\n  const t = [0];\n  for (let i = 1; i <= 50; i++) {\n    t[i] = t[i - 1] + i;\n  }\n  return t[50];\n}\nmodule.exports = { triangle };\n",
            ),
            (
                "main.test.js",
                "const { triangle } = require('./main');\nconst assert = require('assert');\nassert.strictEqual(triangle(3), 6);\nassert.strictEqual(triangle(4), 10);\n",
            ),
        ],
        "main.test.js",
    );
    let r = assert_heals(&p, "test_failure").await;
    assert!(r.final_program.files()["main.js"].contains("  return t[n];\n"));
    assert!(r
        .strategies_kept
        .contains(&"javascript.unused-parameter".to_string()));
}

#[tokio::test]
async fn rust_a_format_string_that_lost_its_opening_quote() {
    let p = rust(
        "pub fn point(x: f64, y: f64) -> String {\n    format!({:.1},{:.1}\", x, y)\n}\n",
        "use super::*;\n\n#[test]\nfn formats() {\n    assert_eq!(point(1.0, 2.5), \"1.0,2.5\");\n}\n",
    );
    let r = assert_heals(&p, "syntax").await;
    assert!(r.final_program.files()["lib.rs"].contains("format!(\"{:.1},{:.1}\", x, y)"));
}

#[tokio::test]
async fn python_an_empty_slice_at_a_value_error() {
    let p = program(
        TargetLanguage::Python,
        &[
            (
                "main.py",
                "def best_split(digits):\n    best = 0\n    for i in range(1, len(digits)):\n        for j in range(1, i + 1):\n            best = max(best, int(digits[j:i]) * int(digits[i:]))\n    return best\n",
            ),
            (
                "test_main.py",
                "from main import *\n\nassert best_split('123') == 36\nassert best_split('1234') == 492\n",
            ),
        ],
        "test_main.py",
    );
    let r = assert_heals(&p, "compiler:runtime").await;
    // The written line is formatted (`digits[j - 1 : i]` under ruff), so the slice is matched
    // by its lower bound.
    let main = &r.final_program.files()["main.py"];
    assert!(main.contains("int(digits[j - 1"), "{main}");
    assert_eq!(r.strategies_kept, ["python.test-failure"]);
}
