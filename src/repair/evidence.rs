//! The per-test evidence of the latest validations, for the repair rules.
//!
//! Fix strategies are asked about one error of one program at a time
//! ([`crate::fix::FixStrategy::suggest`]) and see neither the other failing tests nor their
//! coverage. The validator therefore records each validated program's per-test reports here,
//! keyed by the program's content hash; a repair rule asked about that program recalls them to
//! rank lines by every failing test's frames and by the coverage spectrum. The store is
//! process-wide, bounded ([`CAPACITY`] programs, oldest dropped first), and only ever informs
//! the ranking of candidates: verdicts come from validating each candidate.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use super::localize::{Spectrum, TestRun};
use crate::heal::program_hash;
use crate::program::Program;
use crate::types::{TestOutcome, TestReport, ValidationResult};

/// Programs whose reports are kept.
pub const CAPACITY: usize = 64;

type Entry = ([u8; 32], Arc<Vec<TestReport>>);

static STORE: Mutex<VecDeque<Entry>> = Mutex::new(VecDeque::new());

/// Records the per-test reports of a validation of `program` (only when a test failed or did
/// not finish: a passing program needs no repair).
pub fn remember(program: &Program, result: &ValidationResult) {
    let failing = result
        .tests
        .iter()
        .any(|t| matches!(t.outcome, TestOutcome::Failed | TestOutcome::Incomplete));
    if result.passed || !failing {
        return;
    }
    let key = program_hash(program);
    let tests = Arc::new(result.tests.clone());
    let Ok(mut store) = STORE.lock() else {
        return;
    };
    store.retain(|(k, _)| *k != key);
    if store.len() >= CAPACITY {
        store.pop_front();
    }
    store.push_back((key, tests));
}

/// The per-test reports last recorded for exactly this program, if any.
pub fn recall(program: &Program) -> Option<Arc<Vec<TestReport>>> {
    let key = program_hash(program);
    let store = STORE.lock().ok()?;
    store
        .iter()
        .rev()
        .find(|(k, _)| *k == key)
        .map(|(_, tests)| Arc::clone(tests))
}

/// The coverage spectrum of a test step: one run per test that reported coverage (skipped
/// tests left out). `None` unless some failing test reported coverage.
pub fn spectrum(tests: &[TestReport]) -> Option<Spectrum> {
    let runs: Vec<TestRun> = tests
        .iter()
        .filter(|t| !t.covered.is_empty() && t.outcome != TestOutcome::Skipped)
        .map(|t| TestRun {
            name: t.name.clone(),
            passed: t.outcome == TestOutcome::Passed,
            covered: t
                .covered
                .iter()
                .flat_map(|c| c.lines.iter().map(|l| (c.file.clone(), *l)))
                .collect(),
        })
        .collect();
    runs.iter().any(|r| !r.passed).then_some(Spectrum { runs })
}
