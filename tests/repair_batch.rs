//! Batched validation of behaviour-repair candidates (Python and JavaScript): several
//! candidates judged in one sandbox run as a filter, a pass there validated again alone.

mod common;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use selfheal::heal::{program_hash, BatchFuture, BatchRole, CheckFuture, Checker, HealReport};
use selfheal::repair::batch;
use selfheal::types::ValidationResult;
use selfheal::validate::{Expect, Validator, ValidatorConfig};
use selfheal::{Program, TargetLanguage};

/// The real validator, recording every program validated alone and every batch it judged.
struct Recording {
    inner: Arc<Validator>,
    alone: Mutex<HashSet<[u8; 32]>>,
    batches: Mutex<Vec<Vec<Option<ValidationResult>>>>,
}

impl Recording {
    fn new() -> Arc<Recording> {
        Arc::new(Recording {
            inner: common::validator(),
            alone: Mutex::new(HashSet::new()),
            batches: Mutex::new(Vec::new()),
        })
    }

    fn validated_alone(&self, program: &Program) -> bool {
        self.alone.lock().unwrap().contains(&program_hash(program))
    }
}

impl Checker for Recording {
    fn check<'a>(&'a self, program: &'a Program, expect: Expect) -> CheckFuture<'a> {
        self.alone.lock().unwrap().insert(program_hash(program));
        self.inner.check(program, expect)
    }

    fn batches(&self, language: TargetLanguage) -> bool {
        self.inner.batches(language)
    }

    fn batch<'a>(&'a self, candidates: &'a [Program]) -> BatchFuture<'a> {
        Box::pin(async move {
            let verdicts = self.inner.batch(candidates).await?;
            self.batches.lock().unwrap().push(verdicts.clone());
            Ok(verdicts)
        })
    }
}

async fn heal(checker: Arc<Recording>, program: &Program) -> HealReport {
    common::heal::heal_with(checker, program).await
}

fn program(language: TargetLanguage, code: (&str, &str), test: (&str, &str)) -> Program {
    common::program(language, &[code, test])
        .with_protected([test.0.to_string()])
        .unwrap()
}

/// The heal passed through a batch: the winner passed there, was validated alone (its
/// verdict), and a fresh validator without a cache passes the final program too. With
/// `filtered`, better-ranked candidates failed in the batch and were never validated alone.
async fn assert_found_by_the_batch(program: &Program, file: &str, expected: &str, filtered: bool) {
    let checker = Recording::new();
    let report = heal(Arc::clone(&checker), program).await;
    assert!(report.healed, "not healed:\n{}", report.summary());
    assert_eq!(report.final_program.files()[file], expected);
    assert!(report.batch_runs >= 1, "{}", report.summary());
    assert!(report.batch_judged >= 1, "{}", report.summary());
    let winner = report.attempts.iter().find(|a| a.passed).unwrap();
    assert_eq!(winner.batch, Some(BatchRole::Revalidated));
    assert!(
        checker.validated_alone(&report.final_program),
        "the batch's pass was not validated alone"
    );
    // The candidates ranked after the winner that the batch left unjudged never ran alone.
    assert_eq!(report.validations, 2, "the original and the winner alone");
    for attempt in &report.attempts {
        if attempt.batch == Some(BatchRole::Filtered) {
            assert!(!attempt.passed);
            assert!(
                attempt.errors_after.is_some(),
                "judged on the batch's evidence"
            );
        }
    }
    let filtered_count = report
        .attempts
        .iter()
        .filter(|a| a.batch == Some(BatchRole::Filtered))
        .count();
    assert_eq!(filtered_count > 0, filtered, "{}", report.summary());
    let fresh = Validator::new(ValidatorConfig::default()).unwrap();
    let again = fresh
        .validate(&report.final_program, Expect::Test)
        .await
        .unwrap();
    assert!(again.passed, "{:?}", again.errors);
}

const PY_AT_MOST: &str = "def count_at_most(xs, limit):\n    n = 0\n    for x in xs:\n        if x < limit:\n            n += 1\n    return n\n";

#[tokio::test]
async fn python_a_fix_found_by_the_batch_is_validated_again_alone() {
    let p = program(
        TargetLanguage::Python,
        ("main.py", PY_AT_MOST),
        (
            "test_main.py",
            "from main import *\n\nassert count_at_most([1, 2, 2.5, 3], 2.5) == 3\nassert count_at_most([], 1) == 0\n",
        ),
    );
    assert_found_by_the_batch(
        &p,
        "main.py",
        &PY_AT_MOST.replace("x < limit", "x <= limit"),
        false,
    )
    .await;
}

const JS_LAST: &str =
    "function lastItem(xs) {\n  return xs[xs.length];\n}\n\nmodule.exports = { lastItem };\n";

#[tokio::test]
async fn javascript_a_fix_found_by_the_batch_is_validated_again_alone() {
    let p = program(
        TargetLanguage::JavaScript,
        ("main.js", JS_LAST),
        (
            "main.test.js",
            "const assert = require('assert');\nconst { lastItem } = require('./main.js');\n\nassert.strictEqual(lastItem([1, 2, 3]), 3);\nassert.strictEqual(lastItem([7]), 7);\n",
        ),
    );
    assert_found_by_the_batch(
        &p,
        "main.js",
        &JS_LAST.replace("xs[xs.length]", "xs[xs.length - 1]"),
        true,
    )
    .await;
}

/// Module state is fresh per candidate: importing `main` records itself in a process-wide
/// place (`sys.modules`); the second candidate passes only if the first one's import left no
/// trace in its interpreter.
#[tokio::test]
async fn python_each_candidate_gets_fresh_module_state() {
    let main = |result: &str| {
        format!(
            "import sys\nLOADS = sys.modules.setdefault('loads', [])\nLOADS.append(1)\n\ndef value():\n    return {result}\n"
        )
    };
    let test = "from main import *\n\nassert value() == 1\n";
    let candidates: Vec<Program> = ["len(LOADS) - 1", "len(LOADS)"]
        .iter()
        .map(|result| {
            program(
                TargetLanguage::Python,
                ("main.py", &main(result)),
                ("test_main.py", test),
            )
        })
        .collect();
    let verdicts = batch::judge(&common::validator(), &candidates)
        .await
        .unwrap();
    assert!(!verdicts[0].as_ref().expect("judged").passed);
    let second = verdicts[1].as_ref().expect("judged");
    assert!(second.passed, "{:?}", second.errors);
}

/// A looping candidate in the batch is stopped at the per-candidate limit (its result is a
/// time or CPU limit error), and the candidates after it are still judged.
#[tokio::test]
async fn python_a_looping_candidate_costs_one_limit_not_the_batch() {
    let test = "from main import *\n\nassert steps(3) == 3\n";
    let body = |step: &str| {
        format!(
            "def steps(n):\n    count = 0\n    i = 0\n    while i < n:\n        {step}\n        count += 1\n    return count\n"
        )
    };
    let candidates: Vec<Program> = ["i -= 1", "i += 2", "i += 1"]
        .iter()
        .map(|step| {
            program(
                TargetLanguage::Python,
                ("main.py", &body(step)),
                ("test_main.py", test),
            )
        })
        .collect();
    let verdicts = batch::judge(&common::validator(), &candidates)
        .await
        .unwrap();
    let looping = verdicts[0]
        .as_ref()
        .expect("the looping candidate is judged");
    assert!(!looping.passed);
    assert!(
        looping
            .errors
            .iter()
            .any(|e| matches!(e.code.as_deref(), Some("timeout") | Some("cpu_limit"))),
        "{:?}",
        looping.errors
    );
    assert!(!verdicts[1].as_ref().expect("judged").passed);
    assert!(verdicts[2].as_ref().expect("judged").passed);
}

#[tokio::test]
async fn javascript_a_looping_candidate_costs_one_limit_not_the_batch() {
    let test = "const assert = require('assert');\nconst { steps } = require('./main.js');\n\nassert.strictEqual(steps(3), 3);\n";
    let body = |step: &str| {
        format!(
            "function steps(n) {{\n  let count = 0;\n  let i = 0;\n  while (i < n) {{\n    {step};\n    count += 1;\n  }}\n  return count;\n}}\n\nmodule.exports = {{ steps }};\n"
        )
    };
    let candidates: Vec<Program> = ["i -= 1", "i += 2", "i += 1"]
        .iter()
        .map(|step| {
            program(
                TargetLanguage::JavaScript,
                ("main.js", &body(step)),
                ("main.test.js", test),
            )
        })
        .collect();
    let validator = common::validator();
    let verdicts = batch::judge(&validator, &candidates).await.unwrap();
    let looping = verdicts[0]
        .as_ref()
        .expect("the looping candidate is judged");
    assert!(!looping.passed);
    // The runner runs the test file in a child, which the CPU limit stops; the batch reports
    // exactly what the test step reports for it alone.
    let alone = validator
        .validate(&candidates[0], Expect::Test)
        .await
        .unwrap();
    let messages = |errors: &[selfheal::types::CodeError]| {
        errors
            .iter()
            .map(|e| (e.error_type.clone(), e.message.clone(), e.code.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(messages(&looping.errors), messages(&alone.errors));
    assert!(!verdicts[1].as_ref().expect("judged").passed);
    assert!(verdicts[2].as_ref().expect("judged").passed);
}

/// Go and Rust do not batch: every entry is `None` (their candidates are validated alone).
#[tokio::test]
async fn go_does_not_batch() {
    let go = |body: &str| {
        program(
            TargetLanguage::Go,
            ("main.go", body),
            (
                "main_test.go",
                "package main\n\nimport \"testing\"\n\nfunc TestOne(t *testing.T) {\n\tif one() != 1 {\n\t\tt.Fatal(\"no\")\n\t}\n}\n",
            ),
        )
    };
    let candidates = [
        go("package main\n\nfunc one() int { return 1 }\n\nfunc main() {}\n"),
        go("package main\n\nfunc one() int { return 2 }\n\nfunc main() {}\n"),
    ];
    assert!(!batch::supports(TargetLanguage::Go));
    assert!(!batch::supports(TargetLanguage::Rust));
    let verdicts = batch::judge(&common::validator(), &candidates)
        .await
        .unwrap();
    assert_eq!(verdicts.len(), 2);
    assert!(verdicts.iter().all(Option::is_none));
}
