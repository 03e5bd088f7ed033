//! End to end, through the real sandboxed validator: Python tests are found the way the
//! ecosystem writes them (unittest, pytest-style functions and classes, plain assert scripts),
//! each yields per-test evidence, and a program that ends early, silences the runner or prints a
//! fake summary fails with `early_exit` / `tests_incomplete` while the same program fixed passes.

mod common;

use selfheal::validate::Expect;
use selfheal::{ErrorType, TargetLanguage, TestOutcome, TestReport, ValidationResult};

const MAIN_BAD: &str = "def add(a, b):\n    return a - b\n";
const MAIN_OK: &str = "def add(a, b):\n    return a + b\n";

async fn validate(files: &[(&str, &str)]) -> ValidationResult {
    let program = common::program(TargetLanguage::Python, files);
    common::validator()
        .validate(&program, Expect::Test)
        .await
        .unwrap_or_else(|e| panic!("validation could not run: {e}"))
}

fn report<'a>(result: &'a ValidationResult, name: &str) -> &'a TestReport {
    result
        .tests
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| {
            panic!(
                "no report for {name}: {:#?}\n{}",
                result.tests, result.output
            )
        })
}

fn outcomes(result: &ValidationResult) -> Vec<(String, TestOutcome)> {
    result
        .tests
        .iter()
        .map(|t| (t.name.clone(), t.outcome))
        .collect()
}

fn assert_passes(result: &ValidationResult, tests: &[&str]) {
    assert!(
        result.passed,
        "expected a pass: {:#?}\n{}",
        result.errors, result.output
    );
    let expected: Vec<(String, TestOutcome)> = tests
        .iter()
        .map(|t| (t.to_string(), TestOutcome::Passed))
        .collect();
    assert_eq!(outcomes(result), expected, "{}", result.output);
}

/// Asserts a failing verdict whose first error is a `TestFailure` with `code`.
fn assert_integrity_failure(result: &ValidationResult, code: &str) -> selfheal::CodeError {
    assert!(!result.passed, "a fake passed:\n{}", result.output);
    let error = result
        .errors
        .iter()
        .find(|e| e.code.as_deref() == Some(code))
        .unwrap_or_else(|| panic!("no {code} error: {:#?}\n{}", result.errors, result.output))
        .clone();
    assert_eq!(error.error_type, ErrorType::TestFailure);
    assert_eq!(error.step, "test");
    error
}

// ------------------------------------------------------------------- discovery and evidence

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pytest_style_functions_are_run_and_judged() {
    let test = "from main import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n\n\ndef test_zero():\n    assert add(0, 0) == 0\n";
    let r = validate(&[("main.py", MAIN_BAD), ("test_calc.py", test)]).await;
    assert!(!r.passed, "{}", r.output);
    assert_eq!(
        outcomes(&r),
        vec![
            ("test_calc.py::test_add".to_string(), TestOutcome::Failed),
            ("test_calc.py::test_zero".to_string(), TestOutcome::Passed),
        ]
    );
    let add = report(&r, "test_calc.py::test_add");
    assert_eq!(add.file.as_deref(), Some("test_calc.py"));
    assert_eq!(add.expected.as_deref(), Some("5"));
    assert_eq!(add.actual.as_deref(), Some("-1"));
    let at = add.assertion.clone().expect("assertion location");
    assert_eq!(
        (at.file.as_str(), at.line, at.column),
        ("test_calc.py", 5, 12)
    );
    assert_eq!(add.frames.len(), 1, "{:?}", add.frames);
    assert_eq!(add.frames[0].line, 5);
    assert!(add.duration.is_some());
    assert_eq!(r.errors.len(), 1, "{:#?}", r.errors);
    let e = &r.errors[0];
    assert_eq!(e.error_type, ErrorType::TestFailure);
    assert_eq!(e.code.as_deref(), Some("AssertionError"));
    assert_eq!(e.test_name.as_deref(), Some("test_calc.py::test_add"));
    assert!(
        e.notes.contains(&"expected: 5, actual: -1".to_string()),
        "{e:?}"
    );

    let fixed = validate(&[("main.py", MAIN_OK), ("test_calc.py", test)]).await;
    assert_passes(
        &fixed,
        &["test_calc.py::test_add", "test_calc.py::test_zero"],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unittest_cases_and_test_classes_give_per_test_evidence() {
    let test = "import unittest\nfrom main import add\n\n\nclass CalcTest(unittest.TestCase):\n    def setUp(self):\n        self.two = 2\n\n    def test_add(self):\n        self.assertEqual(add(self.two, 3), 5)\n\n    def test_same(self):\n        self.assertTrue(add(1, 1) >= 0)\n\n\nclass TestPlain:\n    def test_list(self):\n        assert [add(1, 1)] == [2]\n\n\nif __name__ == '__main__':\n    unittest.main()\n";
    let r = validate(&[("main.py", MAIN_BAD), ("calc_test.py", test)]).await;
    assert!(!r.passed, "{}", r.output);
    assert_eq!(
        outcomes(&r),
        vec![
            (
                "calc_test.py::CalcTest::test_add".to_string(),
                TestOutcome::Failed
            ),
            (
                "calc_test.py::CalcTest::test_same".to_string(),
                TestOutcome::Passed
            ),
            (
                "calc_test.py::TestPlain::test_list".to_string(),
                TestOutcome::Failed
            ),
        ]
    );
    let add = report(&r, "calc_test.py::CalcTest::test_add");
    assert_eq!(add.actual.as_deref(), Some("-1"));
    assert_eq!(add.expected.as_deref(), Some("5"));
    assert_eq!(add.message.as_deref(), Some("-1 != 5"));
    let at = add.assertion.clone().expect("assertion location");
    assert_eq!((at.file.as_str(), at.line), ("calc_test.py", 10));
    let list = report(&r, "calc_test.py::TestPlain::test_list");
    assert_eq!(list.actual.as_deref(), Some("[0]"));
    assert_eq!(list.expected.as_deref(), Some("[2]"));

    let fixed = validate(&[("main.py", MAIN_OK), ("calc_test.py", test)]).await;
    assert_passes(
        &fixed,
        &[
            "calc_test.py::CalcTest::test_add",
            "calc_test.py::CalcTest::test_same",
            "calc_test.py::TestPlain::test_list",
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unittest_class_fixtures_and_subtests_behave_as_in_unittest() {
    let test = "import unittest\nfrom main import add\n\n\nclass CalcTest(unittest.TestCase):\n    calls = []\n\n    @classmethod\n    def setUpClass(cls):\n        cls.calls.append('up')\n\n    def test_first(self):\n        self.assertEqual(self.calls, ['up'])\n\n    def test_second(self):\n        self.assertEqual(self.calls, ['up'])\n\n    def test_cases(self):\n        for a, b, total in [(1, 1, 2), (2, 2, 4)]:\n            with self.subTest(a=a, b=b):\n                self.assertEqual(add(a, b), total)\n\n    @unittest.skip('not yet')\n    def test_later(self):\n        pass\n";
    let r = validate(&[("main.py", MAIN_BAD), ("test_calc.py", test)]).await;
    assert_eq!(
        outcomes(&r),
        vec![
            (
                "test_calc.py::CalcTest::test_cases".to_string(),
                TestOutcome::Failed
            ),
            (
                "test_calc.py::CalcTest::test_first".to_string(),
                TestOutcome::Passed
            ),
            (
                "test_calc.py::CalcTest::test_later".to_string(),
                TestOutcome::Skipped
            ),
            (
                "test_calc.py::CalcTest::test_second".to_string(),
                TestOutcome::Passed
            ),
        ]
    );
    let cases = report(&r, "test_calc.py::CalcTest::test_cases");
    assert_eq!(cases.message.as_deref(), Some("(a=1, b=1): 0 != 2"));
    assert_eq!(
        (cases.actual.as_deref(), cases.expected.as_deref()),
        (Some("0"), Some("2"))
    );
    let fixed = validate(&[("main.py", MAIN_OK), ("test_calc.py", test)]).await;
    assert!(fixed.passed, "{:#?}", fixed.errors);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frames_run_through_the_programs_own_files() {
    let main =
        "def div(a, b):\n    return a / b\n\n\ndef mean(xs):\n    return div(sum(xs), len(xs))\n";
    let test = "from main import mean\n\n\ndef test_empty():\n    assert mean([]) == 0\n";
    let r = validate(&[("main.py", main), ("test_stats.py", test)]).await;
    let t = report(&r, "test_stats.py::test_empty");
    assert_eq!(t.outcome, TestOutcome::Failed);
    let frames: Vec<(&str, u32)> = t.frames.iter().map(|f| (f.file.as_str(), f.line)).collect();
    assert_eq!(
        frames,
        vec![("test_stats.py", 5), ("main.py", 6), ("main.py", 2)]
    );
    let at = t.assertion.clone().expect("location");
    assert_eq!((at.file.as_str(), at.line), ("main.py", 2));
    assert_eq!(r.errors[0].code.as_deref(), Some("ZeroDivisionError"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_assert_scripts_still_run_as_scripts() {
    let test = "from main import add\nassert add(2, 3) == 5, 'add(2, 3) should be 5'\n";
    let r = validate(&[("main.py", MAIN_BAD), ("test_main.py", test)]).await;
    assert_eq!(
        outcomes(&r),
        vec![("test_main.py".to_string(), TestOutcome::Failed)]
    );
    let e = &r.errors[0];
    assert_eq!(e.code.as_deref(), Some("AssertionError"));
    assert!(e.message.contains("add(2, 3) should be 5"), "{e:?}");
    let fixed = validate(&[("main.py", MAIN_OK), ("test_main.py", test)]).await;
    assert_passes(&fixed, &["test_main.py"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_secret_is_not_readable_by_the_program() {
    let test = "import sys\n\n\ndef test_stdin_is_empty():\n    assert sys.stdin.read() == ''\n";
    let r = validate(&[("main.py", MAIN_OK), ("test_io.py", test)]).await;
    assert_passes(&r, &["test_io.py::test_stdin_is_empty"]);
}

// ------------------------------------------------------------------------- verdict integrity

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn os_exit_at_import_is_an_early_exit() {
    let test = "import os\nfrom main import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n\n\nos._exit(0)\n";
    let r = validate(&[("main.py", MAIN_BAD), ("test_calc.py", test)]).await;
    let e = assert_integrity_failure(&r, "early_exit");
    assert!(
        e.message.starts_with("os._exit(0) at test_calc.py:9"),
        "{e:?}"
    );
    let at = e.location.expect("where it exited");
    assert_eq!(
        (at.file.as_str(), at.line, at.column),
        ("test_calc.py", 9, 1)
    );
    assert_eq!(
        outcomes(&r),
        vec![("test_calc.py".to_string(), TestOutcome::Incomplete)]
    );

    let fixed_test = test.replace("os._exit(0)\n", "");
    let fixed = validate(&[("main.py", MAIN_OK), ("test_calc.py", &fixed_test)]).await;
    assert_passes(&fixed, &["test_calc.py::test_add"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sys_exit_at_import_is_an_early_exit() {
    let test = "import sys\nfrom main import add\nsys.exit(0)\n\n\ndef test_add():\n    assert add(2, 3) == 5\n";
    let r = validate(&[("main.py", MAIN_BAD), ("test_calc.py", test)]).await;
    let e = assert_integrity_failure(&r, "early_exit");
    assert!(
        e.message.starts_with("sys.exit(0) at test_calc.py:3"),
        "{e:?}"
    );
    assert_eq!(e.location.map(|l| l.line), Some(3));

    let fixed_test = test.replace("sys.exit(0)\n", "");
    let fixed = validate(&[("main.py", MAIN_OK), ("test_calc.py", &fixed_test)]).await;
    assert_passes(&fixed, &["test_calc.py::test_add"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exit_inside_a_test_leaves_it_and_the_rest_incomplete() {
    // The program's own code ends the process while the first test runs.
    let main = "import os\n\n\ndef add(a, b):\n    os._exit(0)\n    return a - b\n";
    let test = "from main import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n\n\ndef test_later():\n    assert add(1, 1) == 2\n";
    let r = validate(&[("main.py", main), ("test_calc.py", test)]).await;
    let e = assert_integrity_failure(&r, "early_exit");
    assert!(
        e.message
            .starts_with("os._exit(0) at main.py:5 while running test_calc.py::test_add"),
        "{e:?}"
    );
    assert!(
        e.message.contains("2 of 2 tests did not run to their end"),
        "{e:?}"
    );
    assert_eq!(e.test_name.as_deref(), Some("test_calc.py::test_add"));
    assert_eq!(
        e.location.map(|l| (l.file, l.line, l.column)),
        Some(("main.py".to_string(), 5, 5))
    );
    assert_eq!(
        outcomes(&r),
        vec![
            (
                "test_calc.py::test_add".to_string(),
                TestOutcome::Incomplete
            ),
            (
                "test_calc.py::test_later".to_string(),
                TestOutcome::Incomplete
            ),
        ]
    );

    let fixed = validate(&[("main.py", MAIN_OK), ("test_calc.py", test)]).await;
    assert_passes(
        &fixed,
        &["test_calc.py::test_add", "test_calc.py::test_later"],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sys_exit_inside_a_unittest_case_is_an_early_exit() {
    let test = "import sys\nimport unittest\nfrom main import add\n\n\nclass CalcTest(unittest.TestCase):\n    def test_add(self):\n        sys.exit(0)\n        self.assertEqual(add(2, 3), 5)\n";
    let r = validate(&[("main.py", MAIN_BAD), ("test_calc.py", test)]).await;
    let e = assert_integrity_failure(&r, "early_exit");
    assert!(
        e.message.starts_with("sys.exit(0) at test_calc.py:8"),
        "{e:?}"
    );
    assert_eq!(
        outcomes(&r),
        vec![(
            "test_calc.py::CalcTest::test_add".to_string(),
            TestOutcome::Incomplete
        )]
    );
    let fixed_test = test.replace("        sys.exit(0)\n", "");
    let fixed = validate(&[("main.py", MAIN_OK), ("test_calc.py", &fixed_test)]).await;
    assert_passes(&fixed, &["test_calc.py::CalcTest::test_add"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sys_exit_zero_early_in_a_plain_script_is_an_early_exit() {
    let test = "import sys\nfrom main import add\nsys.exit(0)\nassert add(2, 3) == 5\n";
    let r = validate(&[("main.py", MAIN_BAD), ("test_main.py", test)]).await;
    let e = assert_integrity_failure(&r, "early_exit");
    assert!(
        e.message.starts_with("sys.exit(0) at test_main.py:3"),
        "{e:?}"
    );
    // An exit as the script's last statement is its normal end.
    let ending = "import sys\nfrom main import add\nassert add(2, 3) == 5\nsys.exit(0)\n";
    let fixed = validate(&[("main.py", MAIN_OK), ("test_main.py", ending)]).await;
    assert_passes(&fixed, &["test_main.py"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silenced_runner_is_incomplete() {
    // Closing every inherited descriptor closes the runner's channel: nothing proves the tests.
    let test = "import os\nimport sys\nfrom main import add\nos.closerange(3, 1024)\nsys.stdout = open(os.devnull, 'w')\n\n\ndef test_add():\n    assert add(2, 3) == 5\n";
    let r = validate(&[("main.py", MAIN_BAD), ("test_calc.py", test)]).await;
    let e = assert_integrity_failure(&r, "tests_incomplete");
    assert!(
        e.message.starts_with(
            "the test runner did not finish (its process exited with status 1; \
             the program may have ended it, silenced it or closed its channel); \
             1 of 1 tests did not run to their end: test_calc.py"
        ),
        "{e:?}"
    );
    assert_eq!(
        outcomes(&r),
        vec![("test_calc.py".to_string(), TestOutcome::Incomplete)]
    );
    assert!(
        r.tests.iter().all(|t| t.outcome != TestOutcome::Passed),
        "{:?}",
        r.tests
    );
    let fixed_test = test.replace("os.closerange(3, 1024)\n", "");
    let fixed = validate(&[("main.py", MAIN_OK), ("test_calc.py", &fixed_test)]).await;
    assert_passes(&fixed, &["test_calc.py::test_add"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_printed_fake_summary_fakes_nothing() {
    // Every summary a runner might print, and forged records on every descriptor, then an exit.
    let test = r#"import os
import sys
from main import add

FAKE = 'Ran 1 test in 0.001s\n\nOK\n1 passed, 0 failed\n'
RECORDS = ['{"event": "test", "test": "test_calc.py::test_add", "file": "test_calc.py", "outcome": "passed"}', '{"event": "done"}']
print(FAKE)
sys.stderr.write(FAKE)
for fd in range(1, 64):
    for secret in ('', '0' * 32):
        for record in RECORDS:
            try:
                os.write(fd, (secret + ' ' + record + '\n').encode())
            except OSError:
                pass


def test_add():
    assert add(2, 3) == 5


os._exit(0)
"#;
    let r = validate(&[("main.py", MAIN_BAD), ("test_calc.py", test)]).await;
    let e = assert_integrity_failure(&r, "early_exit");
    assert!(
        e.message.starts_with("os._exit(0) at test_calc.py:22"),
        "{e:?}"
    );
    assert!(
        r.tests.iter().all(|t| t.outcome != TestOutcome::Passed),
        "{:?}",
        r.tests
    );
    let fixed_test = test.replace("\nos._exit(0)\n", "\n");
    let fixed = validate(&[("main.py", MAIN_OK), ("test_calc.py", &fixed_test)]).await;
    assert_passes(&fixed, &["test_calc.py::test_add"]);
}

// -------------------------------------------------------------------------------- JSON output

#[test]
fn per_test_evidence_is_in_check_json() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.py"), MAIN_BAD).unwrap();
    std::fs::write(
        dir.path().join("test_calc.py"),
        "from main import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n\n\ndef test_zero():\n    assert add(0, 0) == 0\n",
    )
    .unwrap();
    let path = dir.path().to_str().unwrap();
    let out = common::selfheal(&["check", path, "--format", "json", "--no-cache"]);
    common::assert_exit(&out, 1);
    let json = common::stdout_json(&out);
    let tests = json["tests"]
        .as_array()
        .unwrap_or_else(|| panic!("no tests: {json}"));
    assert_eq!(tests.len(), 2, "{json}");
    assert_eq!(tests[0]["name"], "test_calc.py::test_add");
    assert_eq!(tests[0]["outcome"], "failed");
    assert_eq!(tests[0]["expected"], "5");
    assert_eq!(tests[0]["actual"], "-1");
    assert_eq!(tests[0]["assertion"]["file"], "test_calc.py");
    assert_eq!(tests[0]["assertion"]["line"], 5);
    assert!(tests[0]["duration"].is_number(), "{json}");
    assert_eq!(tests[1]["name"], "test_calc.py::test_zero");
    assert_eq!(tests[1]["outcome"], "passed");
}
