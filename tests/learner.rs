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

// ---------------------------------------------------------------------------------------
// Learning from truth (issue 16, item 4): a fix is a success only when it is on the path of
// a heal that ends passing, a failure when the loop rejects it; kept fixes off that path, and
// the fixes of a heal that fails, count for nothing.

mod truth {
    use std::sync::Arc;
    use std::time::Duration;

    use selfheal::fix::{Edit, Fix, FixApplicability, FixEngine, FixStrategy};
    use selfheal::heal::{CheckFuture, Checker, HealConfig, Healer};
    use selfheal::learn::{signature, Learner};
    use selfheal::validate::Expect;
    use selfheal::{CodeError, ErrorType, Location, Program, TargetLanguage, ValidationResult};

    const PY: TargetLanguage = TargetLanguage::Python;

    /// `BUGn` is an undefined name, `LOGIC` a failing test (no strategy fixes it).
    struct Markers;

    fn scan(program: &Program) -> Vec<CodeError> {
        let mut errors = Vec::new();
        for (file, text) in program.files() {
            for (i, line) in text.lines().enumerate() {
                for word in line.split(|c: char| !c.is_alphanumeric()) {
                    let (t, msg) = if word.starts_with("BUG") {
                        (
                            ErrorType::UndefinedVariable,
                            format!("name `{word}` is not defined"),
                        )
                    } else if word == "LOGIC" {
                        (ErrorType::TestFailure, "assertion failed".to_string())
                    } else {
                        continue;
                    };
                    errors.push(CodeError::new(t, msg).with_location(Location::new(
                        file.clone(),
                        i as u32 + 1,
                        1,
                    )));
                }
            }
        }
        errors
    }

    impl Checker for Markers {
        fn check<'a>(&'a self, program: &'a Program, _expect: Expect) -> CheckFuture<'a> {
            Box::pin(async move {
                let errors = scan(program);
                Ok(ValidationResult {
                    passed: errors.is_empty(),
                    language: program.language(),
                    errors,
                    duration: Duration::ZERO,
                    output: String::new(),
                    steps: Vec::new(),
                    cached: false,
                    tests: Vec::new(),
                })
            })
        }
    }

    /// Replaces the `BUG…` word on the error's line with `with`.
    struct Replace {
        id: &'static str,
        with: &'static str,
        confidence: f64,
    }

    impl FixStrategy for Replace {
        fn id(&self) -> &str {
            self.id
        }

        fn suggest(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
            let Some(loc) = &error.location else {
                return Vec::new();
            };
            let text = &program.files()[&loc.file];
            let line_start: usize = text
                .split_inclusive('\n')
                .take(loc.line as usize - 1)
                .map(str::len)
                .sum();
            let line = text[line_start..].lines().next().unwrap_or("");
            let Some(col) = line.find("BUG") else {
                return Vec::new();
            };
            let start = line_start + col;
            let len = line[col..]
                .find(|c: char| !c.is_alphanumeric())
                .unwrap_or(line.len() - col);
            vec![Fix {
                strategy: self.id.into(),
                description: format!("replace with {}", self.with),
                confidence: self.confidence,
                applicability: FixApplicability::Speculative,
                edits: vec![Edit {
                    file: loc.file.clone(),
                    byte_start: start,
                    byte_end: start + len,
                    replacement: self.with.into(),
                }],
            }]
        }
    }

    fn healer(learner: Arc<Learner>) -> Healer {
        let mut engine = FixEngine::empty();
        // The more confident one is wrong: its name is undefined too.
        engine.add(Arc::new(Replace {
            id: "fake.wrong",
            with: "BUGX",
            confidence: 0.9,
        }));
        engine.add(Arc::new(Replace {
            id: "fake.right",
            with: "ok",
            confidence: 0.6,
        }));
        Healer::new(
            Arc::new(Markers),
            engine,
            learner,
            HealConfig {
                max_retries: 5,
                timeout: Duration::from_secs(600),
                jobs: 1,
                beam: 8,
                expect: Some(Expect::Check),
                ..HealConfig::default()
            },
        )
    }

    fn program(text: &str) -> Program {
        Program::new(PY, [("main.py".to_string(), text.to_string())]).unwrap()
    }

    fn sig() -> String {
        signature(&CodeError::new(
            ErrorType::UndefinedVariable,
            "name `BUG1` is not defined",
        ))
    }

    /// (attempts, successes) of a strategy on the signature; `None` when never recorded.
    fn counts(learner: &Learner, strategy: &str) -> Option<(u64, u64)> {
        learner
            .entries()
            .into_iter()
            .find(|e| e.strategy == strategy && e.signature == sig())
            .map(|e| (e.attempts, e.successes))
    }

    #[tokio::test]
    async fn a_heal_that_passes_credits_the_fixes_on_its_path_and_rejected_ones_fail() {
        let learner = Arc::new(Learner::in_memory());
        let report = healer(learner.clone())
            .heal(&program("a = BUG1\nb = BUG2\n"))
            .await
            .unwrap();
        assert!(report.healed, "{}", report.summary());
        assert_eq!(report.final_program.files()["main.py"], "a = ok\nb = ok\n");
        // Round 1: the wrong fix of each error is rejected (two failures); the right ones
        // are kept, then merged into the passing program: the path's two fixes succeed. The
        // right fixes kept on their own are off that path and count for nothing.
        assert_eq!(counts(&learner, "fake.wrong"), Some((2, 0)));
        assert_eq!(counts(&learner, "fake.right"), Some((2, 2)));
        assert_eq!(
            report.strategies_kept,
            ["fake.right", "fake.right"],
            "{}",
            report.summary()
        );
    }

    #[tokio::test]
    async fn a_heal_that_fails_credits_no_kept_fix() {
        let learner = Arc::new(Learner::in_memory());
        let report = healer(learner.clone())
            .heal(&program("a = BUG1\nb = LOGIC\n"))
            .await
            .unwrap();
        assert!(!report.healed);
        // The right fix was kept (progress), but the heal did not pass: no success, no
        // attempt. The wrong one was rejected: a failure.
        assert!(report
            .attempts
            .iter()
            .any(|a| a.kept && a.strategy == "fake.right"));
        assert_eq!(counts(&learner, "fake.right"), None);
        assert_eq!(counts(&learner, "fake.wrong"), Some((1, 0)));
    }
}

/// `selfheal stats` shows successes and failures of every (signature, strategy).
#[test]
fn stats_shows_successes_and_failures() {
    let dir = tempfile::tempdir().unwrap();
    {
        let learner = Learner::try_open(dir.path()).unwrap();
        learner.record(RUST, &sig(), "any.similar-name", true);
        learner.record(RUST, &sig(), "any.similar-name", false);
        learner.record(RUST, &sig(), "any.similar-name", false);
    }
    let data = dir.path().to_str().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_selfheal"))
        .args(["stats", "--data-dir", data, "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let row = &json["learner"][0];
    assert_eq!(row["strategy"], "any.similar-name");
    assert_eq!(
        (&row["attempts"], &row["successes"], &row["failures"]),
        (
            &serde_json::json!(3),
            &serde_json::json!(1),
            &serde_json::json!(2)
        )
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_selfheal"))
        .args(["stats", "--data-dir", data])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let header = text
        .lines()
        .find(|l| l.starts_with("language"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        header.contains("attempts successes failures confidence"),
        "{header}"
    );
    let line = text
        .lines()
        .find(|l| l.contains("any.similar-name"))
        .unwrap_or_else(|| panic!("{text}"));
    let numbers: Vec<&str> = line.split_whitespace().rev().take(4).collect();
    // confidence (0.5·4 + 1) / (4 + 3), failures, successes, attempts
    assert_eq!(numbers, ["0.429", "2", "1", "3"], "{line}");
}
