//! Tests of the API as a user drives it: a generator over a checker, outcomes, strategies.

use std::sync::Arc;

use super::*;
use crate::fix::FixEngine;
use crate::heal::{Checker, Healer};
use crate::learn::Learner;
use crate::program::Program;
use crate::types::{CodeError, TargetLanguage};
use crate::validate::Expect;

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn public_types_are_send_and_sync() {
    assert_send_sync::<SelfHealingGenerator>();
    assert_send_sync::<HealthMetrics>();
    assert_send_sync::<Learner>();
    assert_send_sync::<Healer>();
}

/// Fails while `reslt` is in the program, like Python's NameError would.
struct NameCheck;

impl Checker for NameCheck {
    fn check<'a>(&'a self, program: &'a Program, _expect: Expect) -> crate::heal::CheckFuture<'a> {
        Box::pin(async move {
            let mut errors = Vec::new();
            for (file, text) in program.files() {
                for (i, line) in text.lines().enumerate() {
                    if let Some(col) = line.find("reslt") {
                        let mut e = CodeError::new(
                            crate::ErrorType::UndefinedVariable,
                            "name 'reslt' is not defined",
                        )
                        .with_code("NameError")
                        .with_location(crate::Location::new(
                            file.clone(),
                            i as u32 + 1,
                            col as u32 + 1,
                        ));
                        e.step = "check".into();
                        errors.push(e);
                    }
                }
            }
            Ok(crate::heal::testing::verdict(program, errors))
        })
    }
}

#[tokio::test]
async fn generate_and_heal_records_outcomes_that_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let code = "def total(items):\n    result = 0\n    for item in items:\n        result += item\n    return reslt\n";
    {
        let g = SelfHealingGenerator::builder()
            .checker(Arc::new(NameCheck))
            .data_dir(dir.path())
            .max_retries(3)
            .build()
            .unwrap();
        let errors = g
            .detect_errors((code, TargetLanguage::Python))
            .await
            .unwrap();
        assert_eq!(errors.len(), 1);
        let program = (code, TargetLanguage::Python).into_program().unwrap();
        let fixes = g.suggest_fixes(&errors[0], &program);
        assert!(!fixes.is_empty());
        assert!(fixes.windows(2).all(|w| w[0].confidence >= w[1].confidence));

        let report = g
            .generate_and_heal(code, TargetLanguage::Python)
            .await
            .unwrap();
        assert!(report.healed, "{}", report.summary());
        assert!(report.final_program.files()["main.py"].contains("return result\n"));
        let passing = g.heal(&report.final_program).await.unwrap();
        assert!(passing.initially_passing);
        let m = g.get_health_metrics();
        assert_eq!(
            (
                m.total_generations,
                m.successful_generations,
                m.total_repairs
            ),
            (2, 2, 1)
        );
        assert_eq!(m.generation_success_rate, 1.0);
        assert_eq!(m.confidence_score, 3.0 / 4.0);
        assert!(g.learner().entries().iter().any(|e| e.successes == 1));
    }
    let g = SelfHealingGenerator::builder()
        .checker(Arc::new(NameCheck))
        .data_dir(dir.path())
        .build()
        .unwrap();
    assert_eq!(g.get_health_metrics().total_generations, 2);
    assert!(g.learner().is_persistent());
    assert!(g.learner().entries().iter().any(|e| e.successes == 1));
}

#[test]
fn strategies_select_by_id_in_order_and_unknown_ids_are_named() {
    let healer = SelfHealingGenerator::builder()
        .checker(Arc::new(NameCheck))
        .in_memory()
        .strategies(&[" rust.machine-applicable", "python.undefined-name"])
        .build_healer()
        .unwrap();
    assert_eq!(
        healer.engine().strategy_ids(),
        ["rust.machine-applicable", "python.undefined-name"]
    );
    let all = SelfHealingGenerator::builder()
        .checker(Arc::new(NameCheck))
        .in_memory()
        .build_healer()
        .unwrap();
    assert_eq!(
        all.engine().strategy_ids(),
        FixEngine::builtin().strategy_ids()
    );
    let Err(error) = SelfHealingGenerator::builder()
        .checker(Arc::new(NameCheck))
        .in_memory()
        .strategies(&["python.undefined-name", "no.such-rule"])
        .build_healer()
    else {
        panic!("an unknown id was accepted");
    };
    let ApiError::UnknownStrategy { id, known } = &error else {
        panic!("{error}");
    };
    assert_eq!(id, "no.such-rule");
    assert!(known.windows(2).all(|w| w[0] < w[1]));
    assert!(known.iter().any(|k| k == "rust.machine-applicable"));
    assert!(error
        .to_string()
        .starts_with("unknown strategy `no.such-rule`; known: "));
}

#[test]
fn the_given_learner_is_the_healers() {
    let learner = Arc::new(Learner::in_memory());
    let g = SelfHealingGenerator::builder()
        .checker(Arc::new(NameCheck))
        .learner(learner.clone())
        .in_memory()
        .build()
        .unwrap();
    assert!(Arc::ptr_eq(g.learner(), &learner));
}

#[test]
fn code_becomes_a_one_file_program() {
    let p = ("print(1)\n", TargetLanguage::Python)
        .into_program()
        .unwrap();
    assert_eq!(p.files().keys().collect::<Vec<_>>(), ["main.py"]);
    assert!(("  ", TargetLanguage::Go).into_program().is_err());
}
