//! Healing JavaScript programs: one error of each kind, then several at once.

mod common;

use common::heal::assert_heals;
use selfheal::{Program, TargetLanguage};

const TEST: &str = "const { total } = require('./main.js');\nconst assert = require('assert');\nassert.strictEqual(total([1, 2, 3]), 6);\nassert.strictEqual(total([]), 0);\n";

fn js(main: &str, test: &str) -> Program {
    common::program(
        TargetLanguage::JavaScript,
        &[("main.js", main), ("main.test.js", test)],
    )
    .with_protected(["main.test.js".to_string()])
    .unwrap()
}

#[tokio::test]
async fn undefined_name_typo() {
    let p = js(
        "function total(items) {\n  let result = 0;\n  for (const item of items) {\n    result += item;\n  }\n  return reslt;\n}\nmodule.exports = { total };\n",
        TEST,
    );
    let r = assert_heals(&p, "undefined_variable").await;
    assert!(r.final_program.files()["main.js"].contains("  return result;\n"));
}

#[tokio::test]
async fn missing_require() {
    let p = js(
        "function base(p) {\n  return path.basename(p);\n}\nmodule.exports = { base };\n",
        "const { base } = require('./main.js');\nconst assert = require('assert');\nassert.strictEqual(base('/a/b.txt'), 'b.txt');\n",
    );
    // The static pass names it before anything runs: a Node module used without `require`.
    let r = assert_heals(&p, "missing_import").await;
    assert!(
        r.final_program.files()["main.js"].contains("require('path')")
            || r.final_program.files()["main.js"].contains("require(\"path\")")
    );
}

#[tokio::test]
async fn missing_closing_brace() {
    let p = js(
        "function total(items) {\n  let result = 0;\n  for (const item of items) {\n    result += item;\n  return result;\n}\nmodule.exports = { total };\n",
        TEST,
    );
    assert_heals(&p, "syntax").await;
}

#[tokio::test]
async fn missing_closing_paren() {
    let p = js(
        "function total(items) {\n  return items.reduce((a, b) => a + b, 0;\n}\nmodule.exports = { total };\n",
        TEST,
    );
    let r = assert_heals(&p, "syntax").await;
    assert!(r.final_program.files()["main.js"].contains("items.reduce((a, b) => a + b, 0);"));
}

#[tokio::test]
async fn misspelt_method() {
    let p = js(
        "function shout(s) {\n  return s.toUppercase();\n}\nmodule.exports = { shout };\n",
        "const { shout } = require('./main.js');\nconst assert = require('assert');\nassert.strictEqual(shout('hi'), 'HI');\n",
    );
    // node reports `s.toUppercase is not a function`: a missing member.
    let r = assert_heals(&p, "undefined_variable").await;
    assert!(r.final_program.files()["main.js"].contains("s.toUpperCase()"));
}

#[tokio::test]
async fn type_error_fixed_by_a_declaration_change() {
    let p = js(
        "function total(items) {\n  const result = 0;\n  for (const item of items) {\n    result += item;\n  }\n  return result;\n}\nmodule.exports = { total };\n",
        TEST,
    );
    // `TypeError: Assignment to constant variable.`
    let r = assert_heals(&p, "type_mismatch").await;
    assert!(r.final_program.files()["main.js"].contains("  let result = 0;\n"));
}

#[tokio::test]
async fn several_errors_of_different_kinds() {
    let p = js(
        "function total(items) {\n  let result = 0;\n  for (const item of items) {\n    result += item;\n  }\n  return reslt;\n}\nfunction base(p) {\n  return path.basename(p;\n}\nmodule.exports = { total, base };\n",
        "const { total, base } = require('./main.js');\nconst assert = require('assert');\nassert.strictEqual(total([1, 2, 3]), 6);\nassert.strictEqual(base('/a/b.txt'), 'b.txt');\n",
    );
    let r = assert_heals(&p, "syntax").await;
    assert!(r.strategies_kept.len() >= 3, "{:?}", r.strategies_kept);
}
