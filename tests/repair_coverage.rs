//! Per-test line coverage collected by the judge's Python runner, and the fault localization
//! it feeds: exact covered lines per test, the event bound, the Ochiai ranking over a real
//! run, and the `localization` field of `selfheal check --format json`.

mod common;

use selfheal::repair::localize::{failing_evidence, for_tests, from_evidence};
use selfheal::types::{FileCoverage, TestOutcome, ValidationResult};
use selfheal::validate::Expect;
use selfheal::{Program, TargetLanguage};

const MAIN: &str = "def classify(n):
    if n < 0:
        return \"negative\"
    if n == 0:
        return \"zero\"
    if n > 100:
        return \"big\"
    return \"small\"


def spin(k):
    total = 0
    for i in range(k):
        total += i
    return total


def after():
    return 1
";

const TESTS: &str = "from main import classify, spin, after


def test_negative():
    assert classify(-1) == \"negative\"


def test_zero():
    assert classify(0) == \"zero\"


def test_small():
    assert classify(5) == \"small\"


def test_big():
    assert classify(100) == \"big\"


def test_long_loop():
    assert spin(150000) == 11249925000
    assert after() == 1
";

fn program() -> Program {
    common::program(
        TargetLanguage::Python,
        &[("main.py", MAIN), ("test_main.py", TESTS)],
    )
    .with_protected(["test_main.py".to_string()])
    .unwrap()
}

async fn validate(program: &Program) -> ValidationResult {
    common::validator()
        .validate(program, Expect::Test)
        .await
        .unwrap()
}

fn covered(result: &ValidationResult, test: &str) -> Vec<(String, Vec<u32>)> {
    let report = result
        .tests
        .iter()
        .find(|t| t.name == test)
        .unwrap_or_else(|| panic!("no test {test}: {:?}", result.tests));
    report
        .covered
        .iter()
        .map(|FileCoverage { file, lines }| (file.clone(), lines.clone()))
        .collect()
}

fn cov(main: &[u32], test: &[u32]) -> Vec<(String, Vec<u32>)> {
    vec![
        ("main.py".to_string(), main.to_vec()),
        ("test_main.py".to_string(), test.to_vec()),
    ]
}

#[tokio::test]
async fn python_tests_report_the_lines_each_ran() {
    let result = validate(&program()).await;
    assert!(!result.passed);
    let outcomes: Vec<(&str, TestOutcome)> = result
        .tests
        .iter()
        .map(|t| (t.name.as_str(), t.outcome))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("test_main.py::test_negative", TestOutcome::Passed),
            ("test_main.py::test_zero", TestOutcome::Passed),
            ("test_main.py::test_small", TestOutcome::Passed),
            ("test_main.py::test_big", TestOutcome::Failed),
            ("test_main.py::test_long_loop", TestOutcome::Passed),
        ]
    );
    assert_eq!(
        covered(&result, "test_main.py::test_negative"),
        cov(&[2, 3], &[5])
    );
    assert_eq!(
        covered(&result, "test_main.py::test_zero"),
        cov(&[2, 4, 5], &[9])
    );
    assert_eq!(
        covered(&result, "test_main.py::test_small"),
        cov(&[2, 4, 6, 8], &[13])
    );
    assert_eq!(
        covered(&result, "test_main.py::test_big"),
        cov(&[2, 4, 6, 8], &[17])
    );
    // One failing test: the verdict is the tests' own, coverage or not.
    assert_eq!(result.errors.len(), 1, "{:?}", result.errors);
    assert_eq!(
        result.errors[0].test_name.as_deref(),
        Some("test_main.py::test_big")
    );
}

#[tokio::test]
async fn python_coverage_stops_at_its_event_bound_without_changing_the_verdict() {
    let result = validate(&program()).await;
    // 300 000 line events in `spin`: tracing stops after 200 000, so neither `return total`
    // (line 15), the test's next line (22) nor `after` (19) is recorded, yet the test ran to
    // its end and passed.
    assert_eq!(
        covered(&result, "test_main.py::test_long_loop"),
        cov(&[12, 13, 14], &[21])
    );
    let report = result
        .tests
        .iter()
        .find(|t| t.name == "test_main.py::test_long_loop")
        .unwrap();
    assert_eq!(report.outcome, TestOutcome::Passed);
}

#[tokio::test]
async fn coverage_ranks_the_lines_only_failing_tests_share() {
    let p = program();
    let result = validate(&p).await;
    let ranking: Vec<(String, u32, f64)> = for_tests(&p, &result.tests)
        .into_iter()
        .map(|s| (s.file, s.line, (s.score * 10_000.0).round() / 10_000.0))
        .collect();
    // Ochiai over 5 runs (1 failing): lines 6 and 8 ran in test_big and test_small only
    // (1/sqrt(2)), line 4 in two passing tests too, line 2 in three; the evidence (the
    // assertion names `classify`) scores its lines 0.64; combined 0.6·ochiai + 0.4·evidence.
    let main = |line: u32, score: f64| ("main.py".to_string(), line, score);
    assert_eq!(
        ranking[..5],
        [
            main(6, 0.6803),
            main(8, 0.6803),
            main(4, 0.6024),
            main(2, 0.556),
            main(1, 0.256),
        ]
    );
    // The evidence alone cannot tell the lines of `classify` apart.
    let alone = from_evidence(&p, &failing_evidence(&result.tests));
    assert_eq!(
        alone[..2]
            .iter()
            .map(|s| (s.line, (s.score * 10_000.0).round() / 10_000.0))
            .collect::<Vec<_>>(),
        [(1, 0.64), (2, 0.64)]
    );
}

#[test]
fn check_json_reports_the_localization() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.py"), MAIN).unwrap();
    std::fs::write(dir.path().join("test_main.py"), TESTS).unwrap();
    let out = common::selfheal(&[
        "--format",
        "json",
        "check",
        dir.path().to_str().unwrap(),
        "--no-cache",
    ]);
    common::assert_exit(&out, 1);
    let json = common::stdout_json(&out);
    assert_eq!(json["passed"], false);
    let first: Vec<(String, u64)> = json["localization"]
        .as_array()
        .expect("a localization array")
        .iter()
        .take(3)
        .map(|s| {
            (
                s["file"].as_str().unwrap().to_string(),
                s["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        first,
        [
            ("main.py".to_string(), 6),
            ("main.py".to_string(), 8),
            ("main.py".to_string(), 4)
        ]
    );
    // The per-test coverage is in the tests' evidence too.
    let big = json["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "test_main.py::test_big")
        .unwrap();
    assert_eq!(
        big["covered"],
        serde_json::json!([
            {"file": "main.py", "lines": [2, 4, 6, 8]},
            {"file": "test_main.py", "lines": [17]}
        ])
    );
}
