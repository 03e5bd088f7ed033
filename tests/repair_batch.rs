//! Batched validation of behaviour-repair candidates (Python, JavaScript, and Go and Rust by
//! mutant schemata): several candidates judged in one sandbox run as a filter, a pass there
//! validated again alone.

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
/// `filtered`, better-ranked candidates failed in the batch and were never validated alone;
/// `unjudged` better-ranked candidates the batch could not judge were validated alone.
async fn assert_found_by_the_batch(
    program: &Program,
    file: &str,
    expected: &str,
    filtered: bool,
    unjudged: usize,
) {
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
    assert_eq!(
        report.validations,
        2 + unjudged,
        "the original, the unjudged and the winner alone:\n{}",
        report.summary()
    );
    let winner_index = report.attempts.iter().position(|a| a.passed).unwrap();
    let alone_before = report.attempts[..winner_index]
        .iter()
        .filter(|a| a.batch.is_none())
        .count();
    assert_eq!(alone_before, unjudged, "{}", report.summary());
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
        0,
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
        0,
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

// ---------------------------------------------------------------------------------------------
// Go: mutant schemata (one compile, the test binary run once per candidate)

/// Whether Go is installed; the Go tests print why they skip otherwise.
fn go_available(test: &str) -> bool {
    let found = std::process::Command::new("go")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("skipping {test}: `go` is not installed");
    }
    found
}

/// A validator whose commands stop after 10 s (a looping candidate costs that, not 30 s).
fn capped_validator() -> Arc<Validator> {
    static VALIDATOR: std::sync::OnceLock<Arc<Validator>> = std::sync::OnceLock::new();
    VALIDATOR
        .get_or_init(|| {
            let limit = Some(std::time::Duration::from_secs(10));
            Arc::new(
                Validator::new(ValidatorConfig::default())
                    .unwrap()
                    .with_limit_cap(selfheal::validate::LimitCap {
                        wall_time: limit,
                        cpu_time: limit,
                        memory_bytes: None,
                    }),
            )
        })
        .clone()
}

const GO_AT_MOST: &str = "package main\n\nfunc countAtMost(xs []int, limit int) int {\n\tn := 0\n\tfor i := 0; i < len(xs); i++ {\n\t\tif xs[i] < limit {\n\t\t\tn += 1\n\t\t}\n\t}\n\treturn n\n}\n";

const GO_AT_MOST_TEST: &str = "package main\n\nimport \"testing\"\n\nfunc TestCountAtMost(t *testing.T) {\n\tif got := countAtMost([]int{1, 2, 3, 4}, 3); got != 3 {\n\t\tt.Errorf(\"countAtMost = %d, want 3\", got)\n\t}\n}\n\nfunc TestEmpty(t *testing.T) {\n\tif got := countAtMost(nil, 1); got != 0 {\n\t\tt.Errorf(\"countAtMost(nil) = %d, want 0\", got)\n\t}\n}\n";

/// `GO_AT_MOST` with each (from, to) replacement, as a candidate with the protected test.
fn go_candidates(edits: &[(&str, &str)]) -> Vec<Program> {
    edits
        .iter()
        .map(|(from, to)| {
            assert!(GO_AT_MOST.contains(from), "{from}");
            program(
                TargetLanguage::Go,
                ("main.go", &GO_AT_MOST.replacen(from, to, 1)),
                ("main_test.go", GO_AT_MOST_TEST),
            )
        })
        .collect()
}

fn described(errors: &[selfheal::types::CodeError]) -> Vec<String> {
    errors
        .iter()
        .map(|e| {
            format!(
                "{:?} {:?} {} {:?} {:?}",
                e.error_type, e.code, e.message, e.location, e.test_name
            )
        })
        .collect()
}

/// Exactly one candidate passes: only it passes in the batch; the failures carry the same
/// test errors (messages, places, per-test outcomes) as the test step alone gives them, a
/// panic's place included; the driver stops after the pass (the
/// candidate ranked after it is not judged); and the pass passes alone too.
#[tokio::test]
async fn go_only_the_passing_candidate_passes_in_the_batch() {
    if !go_available("go_only_the_passing_candidate_passes_in_the_batch") {
        return;
    }
    let candidates = go_candidates(&[
        ("xs[i] < limit", "xs[i] > limit"),
        ("n += 1", "n += 2"),
        ("i++", "i += 2"),
        // Panics (index out of range): the panic's place is the candidate's line.
        ("xs[i] < limit", "xs[i+1] < limit"),
        ("xs[i] < limit", "xs[i] <= limit"),
        ("return n", "return n + 1"),
    ]);
    let validator = capped_validator();
    let verdicts = batch::judge(&validator, &candidates).await.unwrap();
    assert_eq!(verdicts.len(), 6);
    for (index, verdict) in verdicts.iter().enumerate().take(4) {
        let verdict = verdict.as_ref().expect("judged");
        assert!(!verdict.passed, "candidate {index} passed");
        let alone = validator
            .validate(&candidates[index], Expect::Test)
            .await
            .unwrap();
        assert!(!alone.passed);
        assert_eq!(described(&verdict.errors), described(&alone.errors));
        let outcomes = |r: &ValidationResult| {
            r.tests
                .iter()
                .map(|t| (t.name.clone(), t.outcome, t.assertion.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(outcomes(verdict), outcomes(&alone));
    }
    let panic = &verdicts[3].as_ref().unwrap().errors[0];
    assert_eq!(panic.code.as_deref(), Some("panic"), "{panic:?}");
    assert_eq!(
        panic.location.as_ref().map(|l| (l.file.as_str(), l.line)),
        Some(("main.go", 6))
    );
    let pass = verdicts[4].as_ref().expect("judged");
    assert!(pass.passed, "{:?}", pass.errors);
    assert_eq!(pass.tests.len(), 2);
    assert!(verdicts[5].is_none(), "judged after the pass");
    let alone = Validator::new(ValidatorConfig::default())
        .unwrap()
        .validate(&candidates[4], Expect::Test)
        .await
        .unwrap();
    assert!(alone.passed, "{:?}", alone.errors);
}

/// A looping candidate is stopped at the per-candidate limit (a time or CPU limit error), and
/// the candidates after it are still judged.
#[tokio::test]
async fn go_a_looping_candidate_costs_one_limit_not_the_batch() {
    if !go_available("go_a_looping_candidate_costs_one_limit_not_the_batch") {
        return;
    }
    let candidates = go_candidates(&[
        ("i++", "i += 0"),
        ("n += 1", "n += 2"),
        ("xs[i] < limit", "xs[i] <= limit"),
    ]);
    let verdicts = batch::judge(&capped_validator(), &candidates)
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
    let pass = verdicts[2].as_ref().expect("judged");
    assert!(pass.passed, "{:?}", pass.errors);
}

/// A candidate that does not compile in the schema is left out (validated alone); the others
/// are judged by the schema compiled again without it.
#[tokio::test]
async fn go_a_candidate_that_does_not_compile_does_not_sink_the_others() {
    if !go_available("go_a_candidate_that_does_not_compile_does_not_sink_the_others") {
        return;
    }
    let candidates = go_candidates(&[
        ("n += 1", "n += \"one\""),
        ("return n", "return n - 1"),
        ("xs[i] < limit", "xs[i] <= limit"),
    ]);
    let verdicts = batch::judge(&capped_validator(), &candidates)
        .await
        .unwrap();
    assert!(verdicts[0].is_none(), "{:?}", verdicts[0]);
    assert!(!verdicts[1].as_ref().expect("judged").passed);
    let pass = verdicts[2].as_ref().expect("judged");
    assert!(pass.passed, "{:?}", pass.errors);
}

/// The heal loop heals a Go operator bug through the batch: the winner passed there and was
/// validated again alone. The best-ranked candidate (`i < len(xs)` → `i <= len(xs)`) shares
/// its condition's switch with `i` → `xs`, which does not compile: the compile without line
/// directives names `i` → `xs` alone, so the better-ranked candidate is still judged (and
/// filtered) by the batch.
#[tokio::test]
async fn go_a_fix_found_by_the_batch_is_validated_again_alone() {
    if !go_available("go_a_fix_found_by_the_batch_is_validated_again_alone") {
        return;
    }
    let p = program(
        TargetLanguage::Go,
        ("main.go", GO_AT_MOST),
        ("main_test.go", GO_AT_MOST_TEST),
    );
    assert_found_by_the_batch(
        &p,
        "main.go",
        &GO_AT_MOST.replace("xs[i] < limit", "xs[i] <= limit"),
        true,
        0,
    )
    .await;
}

// ---------------------------------------------------------------------------------------------
// Rust: mutant schemata (one `rustc --test` compile, the test binary run once per candidate)

const RS_AT_MOST: &str = "pub fn count_at_most(xs: &[i32], limit: i32) -> usize {\n    let mut n = 0;\n    let mut i = 0;\n    while i < xs.len() {\n        if xs[i] < limit {\n            n += 1;\n        }\n        i += 1;\n    }\n    n\n}\n\n#[cfg(test)]\nmod tests;\n";

const RS_AT_MOST_TEST: &str = "use super::*;\n\n#[test]\nfn counts() {\n    assert_eq!(count_at_most(&[1, 2, 3, 4], 3), 3);\n}\n\n#[test]\nfn empty() {\n    assert_eq!(count_at_most(&[], 1), 0);\n}\n";

fn rust_program(lib: &str) -> Program {
    program(
        TargetLanguage::Rust,
        ("lib.rs", lib),
        ("tests.rs", RS_AT_MOST_TEST),
    )
    .with_option("edition", "2021")
}

/// `RS_AT_MOST` with each (from, to) replacement, as a candidate with the protected test.
fn rust_candidates(edits: &[(&str, &str)]) -> Vec<Program> {
    edits
        .iter()
        .map(|(from, to)| {
            assert!(RS_AT_MOST.contains(from), "{from}");
            rust_program(&RS_AT_MOST.replacen(from, to, 1))
        })
        .collect()
}

/// Exactly one candidate passes: only it passes in the batch; the failures carry the same
/// errors (messages, places: a panic's place is the candidate's own line) and per-test
/// outcomes as the test step alone gives them; the driver stops after the pass (the candidate
/// ranked after it is not judged); and the pass passes alone too.
#[tokio::test]
async fn rust_only_the_passing_candidate_passes_in_the_batch() {
    let candidates = rust_candidates(&[
        ("xs[i] < limit", "xs[i] > limit"),
        ("n += 1;", "n += 2;"),
        ("i += 1;", "i += 2;"),
        // Panics (index out of bounds) on the candidate's line 5.
        ("xs[i] < limit", "xs[i + 1] < limit"),
        // Declares a name: the switch takes the rest of the body.
        (
            "let mut i = 0;",
            "let mut i = 0;\n    let skip = 1;\n    n += skip;",
        ),
        ("xs[i] < limit", "xs[i] <= limit"),
        ("    n\n}", "    n + 1\n}"),
    ]);
    let validator = capped_validator();
    let verdicts = batch::judge(&validator, &candidates).await.unwrap();
    assert_eq!(verdicts.len(), 7);
    for (index, verdict) in verdicts.iter().enumerate().take(5) {
        let verdict = verdict.as_ref().expect("judged");
        assert!(!verdict.passed, "candidate {index} passed");
        let alone = validator
            .validate(&candidates[index], Expect::Test)
            .await
            .unwrap();
        assert!(!alone.passed);
        assert_eq!(
            described(&verdict.errors),
            described(&alone.errors),
            "candidate {index}"
        );
        let outcomes = |r: &ValidationResult| {
            r.tests
                .iter()
                .map(|t| (t.name.clone(), t.outcome, t.assertion.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(outcomes(verdict), outcomes(&alone), "candidate {index}");
    }
    let panic = &verdicts[3].as_ref().unwrap().errors[0];
    assert!(panic.message.contains("index out of bounds"), "{panic:?}");
    assert_eq!(
        panic.location.as_ref().map(|l| (l.file.as_str(), l.line)),
        Some(("lib.rs", 5))
    );
    let pass = verdicts[5].as_ref().expect("judged");
    assert!(pass.passed, "{:?}", pass.errors);
    assert_eq!(pass.tests.len(), 2);
    assert!(verdicts[6].is_none(), "judged after the pass");
    let alone = Validator::new(ValidatorConfig::default())
        .unwrap()
        .validate(&candidates[5], Expect::Test)
        .await
        .unwrap();
    assert!(alone.passed, "{:?}", alone.errors);
}

/// A looping candidate is stopped at the per-candidate limit (a time or CPU limit error), and
/// the candidates after it are still judged.
#[tokio::test]
async fn rust_a_looping_candidate_costs_one_limit_not_the_batch() {
    let candidates = rust_candidates(&[
        ("i += 1;", "i += 0;"),
        ("n += 1;", "n += 2;"),
        ("xs[i] < limit", "xs[i] <= limit"),
    ]);
    let verdicts = batch::judge(&capped_validator(), &candidates)
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
    let pass = verdicts[2].as_ref().expect("judged");
    assert!(pass.passed, "{:?}", pass.errors);
}

/// A candidate that does not compile in the schema (its branch's type is not the original's)
/// is left out (validated alone); the others are judged by the schema compiled again without
/// it.
#[tokio::test]
async fn rust_a_candidate_that_does_not_compile_does_not_sink_the_others() {
    let candidates = rust_candidates(&[
        ("n += 1;", "n += \"one\";"),
        ("    n\n}", "    n * 2\n}"),
        ("xs[i] < limit", "xs[i] <= limit"),
    ]);
    let verdicts = batch::judge(&capped_validator(), &candidates)
        .await
        .unwrap();
    assert!(verdicts[0].is_none(), "{:?}", verdicts[0]);
    assert!(!verdicts[1].as_ref().expect("judged").passed);
    let pass = verdicts[2].as_ref().expect("judged");
    assert!(pass.passed, "{:?}", pass.errors);
}

/// The heal loop heals a Rust operator bug through the batch: the winner passed there and was
/// validated again alone.
#[tokio::test]
async fn rust_a_fix_found_by_the_batch_is_validated_again_alone() {
    let p = rust_program(RS_AT_MOST);
    assert_found_by_the_batch(
        &p,
        "lib.rs",
        &RS_AT_MOST.replace("xs[i] < limit", "xs[i] <= limit"),
        true,
        0,
    )
    .await;
}
