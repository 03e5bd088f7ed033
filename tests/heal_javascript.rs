//! Healing JavaScript programs: one error of each kind, then several at once.

mod common;

use std::sync::Arc;
use std::time::Duration;

use selfheal::fix::FixEngine;
use selfheal::heal::{Checker, HealConfig, HealReport, Healer};
use selfheal::learn::Learner;
use selfheal::validate::Expect;
use selfheal::{Program, TargetLanguage};

/// Heals with the built-in strategies and a fresh learner, then checks the claim
/// independently: the final program passes on its own and no protected file changed.
async fn heal(program: &Program) -> HealReport {
    let checker: Arc<dyn Checker> = common::validator();
    let healer = Healer::new(
        checker,
        FixEngine::builtin(),
        Arc::new(Learner::in_memory()),
        HealConfig {
            max_retries: 5,
            // A safety net only: the tests assert rounds and validations, never time.
            timeout: Duration::from_secs(600),
            jobs: 2,
            beam: 8,
            expect: None,
        },
    );
    healer.heal(program).await.unwrap()
}

async fn assert_heals(program: &Program, category: &str) -> HealReport {
    let report = heal(program).await;
    assert!(report.healed, "not healed:\n{}", report.summary());
    assert!(!report.initially_passing);
    assert!(
        report
            .initial_error_categories
            .iter()
            .any(|c| c == category),
        "expected a {category} error first, got {:?}",
        report.initial_error_categories
    );
    assert!(report.rounds <= 5);
    let again = common::validator()
        .validate(&report.final_program, Expect::for_program(program))
        .await
        .unwrap();
    assert!(again.passed, "the healed program fails: {:?}", again.errors);
    for path in &program.protected {
        assert_eq!(
            report.final_program.files[path], program.files[path],
            "{path} changed"
        );
    }
    assert!(!report.diff.is_empty());
    report
}

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
    assert!(r.final_program.files["main.js"].contains("  return result;\n"));
}

#[tokio::test]
async fn missing_require() {
    let p = js(
        "function base(p) {\n  return path.basename(p);\n}\nmodule.exports = { base };\n",
        "const { base } = require('./main.js');\nconst assert = require('assert');\nassert.strictEqual(base('/a/b.txt'), 'b.txt');\n",
    );
    let r = assert_heals(&p, "undefined_variable").await;
    assert!(
        r.final_program.files["main.js"].contains("require('path')")
            || r.final_program.files["main.js"].contains("require(\"path\")")
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
    assert!(r.final_program.files["main.js"].contains("items.reduce((a, b) => a + b, 0);"));
}

#[tokio::test]
async fn misspelt_method() {
    let p = js(
        "function shout(s) {\n  return s.toUppercase();\n}\nmodule.exports = { shout };\n",
        "const { shout } = require('./main.js');\nconst assert = require('assert');\nassert.strictEqual(shout('hi'), 'HI');\n",
    );
    // node reports `s.toUppercase is not a function`: a missing member.
    let r = assert_heals(&p, "undefined_variable").await;
    assert!(r.final_program.files["main.js"].contains("s.toUpperCase()"));
}

#[tokio::test]
async fn type_error_fixed_by_a_declaration_change() {
    let p = js(
        "function total(items) {\n  const result = 0;\n  for (const item of items) {\n    result += item;\n  }\n  return result;\n}\nmodule.exports = { total };\n",
        TEST,
    );
    // `TypeError: Assignment to constant variable.`
    let r = assert_heals(&p, "type_mismatch").await;
    assert!(r.final_program.files["main.js"].contains("  let result = 0;\n"));
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
