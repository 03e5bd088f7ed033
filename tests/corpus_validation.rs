//! Validation agrees with the corpora: every buggy MDEVAL program fails, every reference passes.

mod common;

use std::sync::Arc;

use selfheal::corpus::Corpus;
use tokio::sync::Semaphore;

/// Validates every case of a corpus; returns the ids whose verdict differs from `should_pass`.
async fn disagreements(name: &str, should_pass: bool) -> (usize, Vec<String>) {
    let corpus = Corpus::read(&common::corpus_path(name)).unwrap();
    assert!(corpus.malformed.is_empty(), "{:?}", corpus.malformed);
    let validator = common::validator();
    let jobs = std::thread::available_parallelism().map_or(2, |n| n.get());
    let permits = Arc::new(Semaphore::new(jobs));
    let mut tasks = Vec::new();
    for case in corpus.cases.clone() {
        let validator = validator.clone();
        let permits = permits.clone();
        tasks.push(tokio::spawn(async move {
            let _permit = permits.acquire_owned().await.unwrap();
            let program = case.program().unwrap();
            let result = validator.validate(&program, case.expect).await;
            (case.id, result)
        }));
    }
    let mut wrong = Vec::new();
    for task in tasks {
        let (id, result) = task.await.unwrap();
        let result = result.unwrap_or_else(|e| panic!("{id}: validation could not run: {e}"));
        if result.passed != should_pass {
            wrong.push(format!(
                "{id}: passed={} errors={:?}",
                result.passed, result.errors
            ));
        } else if !should_pass && result.errors.is_empty() {
            wrong.push(format!("{id}: failed without any error"));
        }
    }
    (corpus.cases.len(), wrong)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_buggy_mdeval_case_fails() {
    let (count, wrong) = disagreements("mdeval.jsonl", false).await;
    assert_eq!(count, 288);
    assert!(
        wrong.is_empty(),
        "{} disagreements:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_reference_mdeval_case_passes() {
    let (count, wrong) = disagreements("mdeval.reference.jsonl", true).await;
    assert_eq!(count, 288);
    assert!(
        wrong.is_empty(),
        "{} disagreements:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
