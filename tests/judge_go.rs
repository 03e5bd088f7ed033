//! The Go judge, end to end through the sandboxed validator: modules with sub-packages build
//! and test, `go test -json` events give per-test evidence, and a run that does not prove every
//! test found in the test files passed (an exit in `init`, `os.Exit` in a test, a printed
//! summary) fails with its own code.

mod common;

use selfheal::validate::Expect;
use selfheal::{ErrorType, TargetLanguage, TestOutcome, TestReport, ValidationResult};

async fn validate(files: &[(&str, &str)]) -> ValidationResult {
    let program = common::program(TargetLanguage::Go, files);
    assert_eq!(Expect::for_program(&program), Expect::Test);
    common::validator()
        .validate(&program, Expect::for_program(&program))
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

fn outcomes(result: &ValidationResult) -> Vec<(&str, TestOutcome)> {
    result
        .tests
        .iter()
        .map(|t| (t.name.as_str(), t.outcome))
        .collect()
}

const GO_MOD: &str = "module example.com/calc\n\ngo 1.19\n";
const MATHX: &str = "package mathx\n\n// Add adds.\nfunc Add(a, b int) int {\n\treturn a + b\n}\n";
const MATHX_TEST: &str = "package mathx

import \"testing\"

func TestAdd(t *testing.T) {
\tif got := Add(2, 3); got != 5 {
\t\tt.Errorf(\"Add(2, 3) = %d, want 5\", got)
\t}
}
";
const ROOT: &str = "package main

import (
\t\"fmt\"

\t\"example.com/calc/mathx\"
)

func Double(x int) int {
\treturn mathx.Add(x, x)
}

func main() {
\tfmt.Println(Double(2))
}
";
const ROOT_TEST: &str = "package main

import \"testing\"

func TestDouble(t *testing.T) {
\tif got := Double(4); got != 8 {
\t\tt.Errorf(\"Double(4) = %d, want 8\", got)
\t}
}
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_module_with_a_sub_package_builds_and_tests() {
    let files = [
        ("go.mod", GO_MOD),
        ("main.go", ROOT),
        ("main_test.go", ROOT_TEST),
        ("mathx/mathx.go", MATHX),
        ("mathx/mathx_test.go", MATHX_TEST),
    ];
    let r = validate(&files).await;
    assert!(r.passed, "{:#?}\n{}", r.errors, r.output);
    // Packages are tested in parallel: their order in the events varies.
    let mut seen = outcomes(&r);
    seen.sort_by_key(|(name, _)| *name);
    assert_eq!(
        seen,
        [
            ("TestAdd", TestOutcome::Passed),
            ("TestDouble", TestOutcome::Passed)
        ]
    );
    assert_eq!(
        report(&r, "TestAdd").file.as_deref(),
        Some("mathx/mathx_test.go")
    );
    assert_eq!(
        report(&r, "TestDouble").file.as_deref(),
        Some("main_test.go")
    );

    // A bug in the sub-package is its own test failure, at its own line, not a missing package.
    let broken = MATHX.replace("a + b", "a - b");
    let files = [
        ("go.mod", GO_MOD),
        ("main.go", ROOT),
        ("main_test.go", ROOT_TEST),
        ("mathx/mathx.go", broken.as_str()),
        ("mathx/mathx_test.go", MATHX_TEST),
    ];
    let r = validate(&files).await;
    assert!(!r.passed);
    assert!(!r.output.contains("cannot find package"), "{}", r.output);
    let add = report(&r, "TestAdd");
    assert_eq!(add.outcome, TestOutcome::Failed);
    let at = add.assertion.as_ref().expect("location of t.Errorf");
    assert_eq!((at.file.as_str(), at.line), ("mathx/mathx_test.go", 7));
    assert_eq!(add.message.as_deref(), Some("Add(2, 3) = -1, want 5"));
    assert!(r.errors.iter().any(
        |e| e.error_type == ErrorType::TestFailure && e.test_name.as_deref() == Some("TestAdd")
    ));

    // A compile error in the sub-package is reported there.
    let files = [
        ("go.mod", GO_MOD),
        ("main.go", ROOT),
        ("main_test.go", ROOT_TEST),
        (
            "mathx/mathx.go",
            "package mathx\n\nfunc Add(a, b int) int {\n\treturn a + c\n}\n",
        ),
        ("mathx/mathx_test.go", MATHX_TEST),
    ];
    let r = validate(&files).await;
    assert!(!r.passed);
    let e = &r.errors[0];
    assert_eq!(
        e.error_type,
        ErrorType::UndefinedVariable,
        "{e:?}\n{}",
        r.output
    );
    let at = e.location.as_ref().unwrap();
    assert_eq!((at.file.as_str(), at.line), ("mathx/mathx.go", 4));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_test_evidence() {
    let main = "package main

func Add(a, b int) int {
\treturn a - b
}
";
    let test = "package main

import (
\t\"testing\"

\t\"github.com/stretchr/testify/assert\"
)

func TestAdd(t *testing.T) {
\tassert.Equal(t, 5, Add(2, 3))
}

func TestSigns(t *testing.T) {
\tt.Run(\"zero\", func(t *testing.T) {
\t\tif Add(0, 0) != 0 {
\t\t\tt.Errorf(\"Add(0, 0) = %d\", Add(0, 0))
\t\t}
\t})
\tt.Run(\"negative\", func(t *testing.T) {
\t\tif got := Add(-1, -1); got != -2 {
\t\t\tt.Errorf(\"Add(-1, -1) = %d, want -2\", got)
\t\t}
\t})
}

func TestLater(t *testing.T) {
\tt.Skip(\"not yet\")
}
";
    let r = validate(&[("main.go", main), ("main_test.go", test)]).await;
    assert!(!r.passed);
    assert_eq!(
        outcomes(&r),
        [
            ("TestAdd", TestOutcome::Failed),
            ("TestSigns", TestOutcome::Failed),
            ("TestSigns/zero", TestOutcome::Passed),
            ("TestSigns/negative", TestOutcome::Failed),
            ("TestLater", TestOutcome::Skipped),
        ]
    );
    let add = report(&r, "TestAdd");
    assert_eq!(add.expected.as_deref(), Some("5"));
    assert_eq!(add.actual.as_deref(), Some("-1"));
    assert_eq!(add.message.as_deref(), Some("Not equal:"));
    let at = add.assertion.as_ref().unwrap();
    assert_eq!((at.file.as_str(), at.line), ("main_test.go", 10));
    assert_eq!(add.frames, vec![at.clone()]);
    assert!(add.duration.is_some());
    assert_eq!(add.file.as_deref(), Some("main_test.go"));

    let negative = report(&r, "TestSigns/negative");
    assert_eq!(
        negative.message.as_deref(),
        Some("Add(-1, -1) = 0, want -2")
    );
    assert_eq!(negative.assertion.as_ref().map(|l| l.line), Some(21));
    assert_eq!(negative.expected, None);
}

const EXIT_IN_INIT: &str = "package main

import (
\t\"fmt\"
\t\"os\"
)

func init() {
\tfmt.Println(\"=== RUN   TestAdd\")
\tfmt.Println(\"PASS\")
\tfmt.Println(\"ok  \\tcalc\\t0.001s\")
\tfmt.Println(\"test result: ok. 2 passed\")
\tos.Exit(0)
}

func Add(a, b int) int {
\treturn a - b
}
";
const ADD_TEST: &str = "package main

import \"testing\"

func TestAdd(t *testing.T) {
\tif Add(2, 3) != 5 {
\t\tt.Error(\"wrong sum\")
\t}
}

func TestZero(t *testing.T) {
\tif Add(0, 0) != 0 {
\t\tt.Error(\"wrong zero\")
\t}
}
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_in_init_is_incomplete_and_the_fixed_program_passes() {
    let r = validate(&[("main.go", EXIT_IN_INIT), ("main_test.go", ADD_TEST)]).await;
    assert!(!r.passed, "os.Exit(0) in init passed:\n{}", r.output);
    let e = r
        .errors
        .iter()
        .find(|e| e.code.as_deref() == Some("tests_incomplete"))
        .unwrap_or_else(|| panic!("{:#?}\n{}", r.errors, r.output));
    assert_eq!(e.error_type, ErrorType::TestFailure);
    assert_eq!(e.test_name.as_deref(), Some("TestAdd"));
    // The printed `=== RUN   TestAdd` becomes a start event (Go 1.19's test2json reads the
    // binary's text); no end event follows it, and TestZero never ran.
    assert!(
        e.message.contains("TestAdd started but never ended"),
        "{}",
        e.message
    );
    assert!(
        e.message
            .contains("TestZero (main_test.go) never reported a result"),
        "{}",
        e.message
    );
    let at = e.location.as_ref().unwrap();
    assert_eq!((at.file.as_str(), at.line), ("main_test.go", 5));
    assert_eq!(
        outcomes(&r),
        [
            ("TestAdd", TestOutcome::Incomplete),
            ("TestZero", TestOutcome::Incomplete)
        ]
    );

    let fixed = EXIT_IN_INIT
        .replace("\tos.Exit(0)\n", "")
        .replace("\t\"os\"\n", "")
        .replace("a - b", "a + b");
    let r = validate(&[("main.go", &fixed), ("main_test.go", ADD_TEST)]).await;
    assert!(r.passed, "{:#?}\n{}", r.errors, r.output);
    assert_eq!(
        outcomes(&r),
        [
            ("TestAdd", TestOutcome::Passed),
            ("TestZero", TestOutcome::Passed)
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_inside_a_test_and_printed_summaries_fail() {
    let main = "package main

import (
\t\"fmt\"
\t\"os\"
)

func Add(a, b int) int {
\tif a == 2 {
\t\tfmt.Println(\"--- PASS: TestAdd (0.00s)\\nPASS\\nok  \\tcalc\\t0.001s\")
\t\tos.Exit(0)
\t}
\treturn a + b
}
";
    let r = validate(&[("main.go", main), ("main_test.go", ADD_TEST)]).await;
    assert!(!r.passed, "os.Exit(0) inside a test passed:\n{}", r.output);
    let e = r
        .errors
        .iter()
        .find(|e| e.code.as_deref() == Some("test_exited"))
        .unwrap_or_else(|| panic!("{:#?}\n{}", r.errors, r.output));
    assert_eq!(e.error_type, ErrorType::TestFailure);
    assert_eq!(e.test_name.as_deref(), Some("TestAdd"));
    assert_eq!(report(&r, "TestAdd").outcome, TestOutcome::Incomplete);

    // A failing test that prints a passing run's lines still fails.
    let main = "package main

import \"fmt\"

func Add(a, b int) int {
\tfmt.Println(\"ok  \\tcalc\\t0.001s\\nPASS\\ntest result: ok. 2 passed\")
\treturn a - b
}
";
    let r = validate(&[("main.go", main), ("main_test.go", ADD_TEST)]).await;
    assert!(!r.passed, "{}", r.output);
    assert_eq!(report(&r, "TestAdd").outcome, TestOutcome::Failed);
}
