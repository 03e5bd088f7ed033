//! Heal helpers shared by the per-language heal tests.

use std::sync::Arc;
use std::time::Duration;

use selfheal::fix::FixEngine;
use selfheal::heal::{Checker, HealConfig, HealReport, Healer};
use selfheal::learn::Learner;
use selfheal::validate::Expect;
use selfheal::Program;

/// Heals with the built-in strategies and a fresh learner, then checks the claim
/// independently: the final program passes on its own and no protected file changed.
pub async fn heal(program: &Program) -> HealReport {
    heal_with(super::validator(), program).await
}

/// Heals through `checker` with the built-in strategies, a fresh learner and the tests'
/// budget: 5 rounds, 2 jobs, a beam of 8, and a 600 s timeout that is only a safety net (the
/// tests assert what healed, rounds and validations, never time).
pub async fn heal_with(checker: Arc<dyn Checker>, program: &Program) -> HealReport {
    let healer = Healer::new(
        checker,
        FixEngine::builtin(),
        Arc::new(Learner::in_memory()),
        HealConfig {
            max_retries: 5,
            timeout: Duration::from_secs(600),
            jobs: 2,
            beam: 8,
            expect: None,
            ..HealConfig::default()
        },
    );
    healer.heal(program).await.unwrap()
}

pub async fn assert_heals(program: &Program, category: &str) -> HealReport {
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
    let again = super::validator()
        .validate(&report.final_program, Expect::for_program(program))
        .await
        .unwrap();
    assert!(again.passed, "the healed program fails: {:?}", again.errors);
    for path in program.protected() {
        assert_eq!(
            report.final_program.files()[path],
            program.files()[path],
            "{path} changed"
        );
    }
    assert!(!report.diff.is_empty());
    report
}
