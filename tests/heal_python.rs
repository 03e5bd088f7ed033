//! Healing Python programs: one error of each kind, then several at once.

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

const TEST: &str = "from main import *\n\nassert total([1, 2, 3]) == 6\nassert total([]) == 0\n";

fn py(main: &str, test: &str) -> Program {
    common::program(
        TargetLanguage::Python,
        &[("main.py", main), ("test_main.py", test)],
    )
    .with_protected(["test_main.py".to_string()])
    .unwrap()
}

#[tokio::test]
async fn undefined_name_typo() {
    let p = py(
        "def total(items):\n    result = 0\n    for item in items:\n        result += item\n    return reslt\n",
        TEST,
    );
    let r = assert_heals(&p, "undefined_variable").await;
    assert!(r.final_program.files["main.py"].contains("    return result\n"));
}

#[tokio::test]
async fn missing_import() {
    let p = py(
        "def root(x):\n    return math.sqrt(x)\n",
        "from main import *\n\nassert root(9) == 3\n",
    );
    // Python reports the unimported module as an undefined name (NameError).
    let r = assert_heals(&p, "undefined_variable").await;
    assert!(r.final_program.files["main.py"].contains("import math\n"));
}

#[tokio::test]
async fn missing_colon() {
    let p = py(
        "def total(items)\n    result = 0\n    for item in items:\n        result += item\n    return result\n",
        TEST,
    );
    let r = assert_heals(&p, "syntax").await;
    assert!(r.final_program.files["main.py"].starts_with("def total(items):\n"));
}

#[tokio::test]
async fn missing_closing_delimiter() {
    let p = py(
        "def total(items):\n    return sum([x for x in items]\n",
        TEST,
    );
    let r = assert_heals(&p, "syntax").await;
    assert!(r.final_program.files["main.py"].contains("sum([x for x in items])"));
}

#[tokio::test]
async fn type_mismatch_fixed_by_a_conversion() {
    let p = py(
        "def label(n):\n    return \"count: \" + n\n",
        "from main import *\n\nassert label(3) == \"count: 3\"\n",
    );
    let r = assert_heals(&p, "type_mismatch").await;
    assert!(r.final_program.files["main.py"].contains("str(n)"));
}

#[tokio::test]
async fn several_errors_of_different_kinds() {
    let p = py(
        "def total(items)\n    result = 0\n    for item in items:\n        result += item\n    return reslt\n\n\ndef root(x):\n    return math.sqrt(x)\n",
        "from main import *\n\nassert total([1, 2, 3]) == 6\nassert root(16) == 4\n",
    );
    let r = assert_heals(&p, "syntax").await;
    assert!(r.strategies_kept.len() >= 3, "{:?}", r.strategies_kept);
}
