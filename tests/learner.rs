//! The learner: ranking follows experience, and experience survives restarts.

use selfheal::learn::{signature, Learner, LearnerEntry};
use selfheal::{CodeError, ErrorType, TargetLanguage};

const RUST: TargetLanguage = TargetLanguage::Rust;

fn sig() -> String {
    signature(
        &CodeError::new(
            ErrorType::UndefinedVariable,
            "cannot find value `countr` in this scope",
        )
        .with_code("E0425"),
    )
}

/// Strategy ids in ranking order for the signature, given each strategy's own confidence.
fn ranking(learner: &Learner, priors: &[(&str, f64)]) -> Vec<String> {
    let mut ranked: Vec<(f64, &str)> = priors
        .iter()
        .map(|(id, prior)| (learner.confidence(RUST, &sig(), id, *prior), *id))
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
    ranked.into_iter().map(|(_, id)| id.to_string()).collect()
}

#[test]
fn the_signature_masks_the_identifier() {
    assert_eq!(sig(), "E0425 cannot find value `_` in this scope");
}

#[test]
fn failures_demote_and_successes_promote() {
    let learner = Learner::in_memory();
    let priors = [("rust.compiler-suggestion", 0.9), ("any.similar-name", 0.6)];
    assert_eq!(
        ranking(&learner, &priors),
        ["rust.compiler-suggestion", "any.similar-name"]
    );

    // (0.9·4 + 0) / (4 + 3) = 0.514 < 0.6
    for _ in 0..3 {
        learner.record(RUST, &sig(), "rust.compiler-suggestion", false);
    }
    assert_eq!(
        ranking(&learner, &priors),
        ["any.similar-name", "rust.compiler-suggestion"]
    );
    let c = learner.confidence(RUST, &sig(), "rust.compiler-suggestion", 0.9);
    assert!((c - 3.6 / 7.0).abs() < 1e-12, "{c}");

    // (3.6 + 3) / (7 + 3) = 0.66 > 0.6
    for _ in 0..3 {
        learner.record(RUST, &sig(), "rust.compiler-suggestion", true);
    }
    assert_eq!(
        ranking(&learner, &priors),
        ["rust.compiler-suggestion", "any.similar-name"]
    );

    // Other languages and signatures are unaffected.
    assert_eq!(
        learner.confidence(TargetLanguage::Go, &sig(), "rust.compiler-suggestion", 0.9),
        0.9
    );
    assert_eq!(
        learner.confidence(
            RUST,
            "E0308 mismatched types",
            "rust.compiler-suggestion",
            0.9
        ),
        0.9
    );
}

#[test]
fn what_is_learned_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    {
        let learner = Learner::try_open(dir.path()).unwrap();
        assert!(learner.is_persistent());
        learner.record(RUST, &sig(), "any.similar-name", true);
        learner.record(RUST, &sig(), "any.similar-name", true);
        learner.record(RUST, &sig(), "rust.missing-import", false);
    }
    let learner = Learner::try_open(dir.path()).unwrap();
    assert_eq!(
        learner.entries(),
        vec![
            LearnerEntry {
                language: RUST,
                signature: sig(),
                strategy: "any.similar-name".into(),
                attempts: 2,
                successes: 2,
            },
            LearnerEntry {
                language: RUST,
                signature: sig(),
                strategy: "rust.missing-import".into(),
                attempts: 1,
                successes: 0,
            },
        ]
    );
    // (0.5·4 + 2) / (4 + 2)
    let c = learner.confidence(RUST, &sig(), "any.similar-name", 0.5);
    assert!((c - 4.0 / 6.0).abs() < 1e-12);
}

#[test]
fn a_locked_database_degrades_to_memory() {
    let dir = tempfile::tempdir().unwrap();
    let first = Learner::try_open(dir.path()).unwrap();
    first.record(RUST, &sig(), "any.similar-name", true);
    let err = Learner::try_open(dir.path()).unwrap_err();
    assert!(
        err.to_string()
            .contains("another selfheal process may hold it"),
        "{err}"
    );
    // `open` never fails: it learns in memory instead.
    let second = Learner::open(dir.path());
    assert!(!second.is_persistent());
    second.record(RUST, &sig(), "any.similar-name", false);
    assert_eq!(second.entries().len(), 1);
    assert_eq!(second.entries()[0].successes, 0);
    // The first keeps working.
    assert_eq!(first.entries()[0].successes, 1);
}
