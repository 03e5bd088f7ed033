//! The project's own evaluation set (`tests/data/corpora/generated.jsonl`, written by
//! `generated_cases.py`): forty programs broken the way generated code breaks, ten per
//! language. Every broken case fails validation and every reference fix passes it, so the
//! healed rate `selfheal eval` reports on the set is measured against reachable targets.

mod common;

use selfheal::corpus::Corpus;

/// Validates every case; returns the number of cases and those whose verdict is not `pass`.
async fn disagreements(name: &str, pass: bool) -> (usize, Vec<String>) {
    let corpus = Corpus::read(&common::corpus_path(name)).unwrap();
    assert!(corpus.malformed.is_empty(), "{:?}", corpus.malformed);
    let validator = common::validator();
    let mut wrong = Vec::new();
    for case in &corpus.cases {
        let program = case.program().unwrap();
        let result = validator
            .validate(&program, case.expect)
            .await
            .unwrap_or_else(|e| panic!("{}: validation could not run: {e}", case.id));
        if result.passed != pass || (!pass && result.errors.is_empty()) {
            wrong.push(format!(
                "{}: passed={} {:?}",
                case.id, result.passed, result.errors
            ));
        }
    }
    (corpus.cases.len(), wrong)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_generated_case_fails_and_every_reference_fix_passes() {
    let (count, wrong) = disagreements("generated.jsonl", false).await;
    assert_eq!(count, 40);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    let (count, wrong) = disagreements("generated.reference.jsonl", true).await;
    assert_eq!(count, 40);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
