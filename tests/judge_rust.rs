//! The Rust judge, end to end through the sandboxed validator: inline and module tests run by
//! default, each test yields evidence, and a run that does not prove every test ran to its end
//! (a process exit inside a test, a forged summary) fails with its own code.

mod common;

use selfheal::validate::Expect;
use selfheal::{ErrorType, TargetLanguage, TestOutcome, TestReport, ValidationResult};

async fn validate(files: &[(&str, &str)], expect: Expect) -> ValidationResult {
    let program = common::program(TargetLanguage::Rust, files);
    common::validator()
        .validate(&program, expect)
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

fn names(result: &ValidationResult) -> Vec<(&str, TestOutcome)> {
    result
        .tests
        .iter()
        .map(|t| (t.name.as_str(), t.outcome))
        .collect()
}

const INLINE_FAILING: &str = "pub fn add(a: i32, b: i32) -> i32 {
    a - b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds() {
        assert_eq!(add(2, 3), 5);
    }
}
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inline_tests_run_by_default_and_check_skips_them() {
    let files = [("lib.rs", INLINE_FAILING)];
    let program = common::program(TargetLanguage::Rust, &files);
    assert_eq!(Expect::for_program(&program), Expect::Test);

    let r = validate(&files, Expect::for_program(&program)).await;
    assert!(!r.passed, "{}", r.output);
    assert_eq!(r.errors[0].error_type, ErrorType::TestFailure);
    assert_eq!(r.errors[0].test_name.as_deref(), Some("tests::adds"));
    assert_eq!(names(&r), [("tests::adds", TestOutcome::Failed)]);

    let r = validate(&files, Expect::Check).await;
    assert!(r.passed, "{:#?}", r.errors);
    assert!(r.tests.is_empty());
    assert!(r.steps.iter().all(|s| s.step == "check"));

    // The same through the command line: tested by default, `--expect check` skips the tests.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("lib.rs"), INLINE_FAILING).unwrap();
    let path = dir.path().to_str().unwrap();
    common::assert_exit(&common::selfheal(&["check", path, "--no-cache"]), 1);
    common::assert_exit(
        &common::selfheal(&["check", path, "--no-cache", "--expect", "check"]),
        0,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tests_rs_module_runs_by_default() {
    let files = [
        (
            "lib.rs",
            "pub fn double(x: i32) -> i32 {\n    x * 2\n}\n\n#[cfg(test)]\nmod tests;\n",
        ),
        (
            "tests.rs",
            "use super::*;\n\n#[test]\nfn doubles() {\n    assert_eq!(double(4), 8);\n}\n",
        ),
    ];
    let program = common::program(TargetLanguage::Rust, &files);
    assert_eq!(Expect::for_program(&program), Expect::Test);
    let r = validate(&files, Expect::for_program(&program)).await;
    assert!(r.passed, "{:#?}\n{}", r.errors, r.output);
    assert_eq!(names(&r), [("tests::doubles", TestOutcome::Passed)]);
    let t = report(&r, "tests::doubles");
    assert_eq!(t.file.as_deref(), Some("tests.rs"));
    assert!(t.duration.is_some(), "{t:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_test_evidence() {
    let lib = "pub fn add(a: i32, b: i32) -> i32 {
    a + b + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds() {
        assert_eq!(add(2, 2), 4);
    }

    #[test]
    fn custom() {
        assert!(add(1, 1) == 2, \"sum was {}\", add(1, 1));
    }

    #[test]
    fn zero() {
        assert_ne!(add(0, 0), 5);
    }

    #[test]
    #[ignore]
    fn slow() {}

    #[test]
    #[should_panic(expected = \"boom\")]
    fn panics() {
        panic!(\"boom\");
    }
}
";
    let r = validate(&[("lib.rs", lib)], Expect::Test).await;
    assert!(!r.passed);
    assert_eq!(
        names(&r),
        [
            ("tests::adds", TestOutcome::Failed),
            ("tests::custom", TestOutcome::Failed),
            ("tests::panics", TestOutcome::Passed),
            ("tests::slow", TestOutcome::Skipped),
            ("tests::zero", TestOutcome::Passed),
        ]
    );
    let adds = report(&r, "tests::adds");
    assert_eq!(adds.file.as_deref(), Some("lib.rs"));
    assert_eq!(
        adds.message.as_deref(),
        Some("assertion `left == right` failed")
    );
    assert_eq!(adds.expected.as_deref(), Some("4"));
    assert_eq!(adds.actual.as_deref(), Some("5"));
    let at = adds.assertion.as_ref().expect("assertion location");
    assert_eq!((at.file.as_str(), at.line, at.column), ("lib.rs", 11, 9));
    assert_eq!(adds.frames, vec![at.clone()]);
    assert!(adds.duration.is_some());

    let custom = report(&r, "tests::custom");
    assert_eq!(custom.message.as_deref(), Some("sum was 3"));
    assert_eq!(custom.expected, None);
    let at = custom.assertion.as_ref().unwrap();
    assert_eq!((at.line, at.column), (16, 9));
    assert_eq!(report(&r, "tests::slow").duration, None);

    // One error per failing test, at the assertion.
    let failing: Vec<_> = r
        .errors
        .iter()
        .map(|e| {
            (
                e.error_type.clone(),
                e.test_name.as_deref(),
                e.location.as_ref().map(|l| l.line),
            )
        })
        .collect();
    assert_eq!(
        failing,
        [
            (ErrorType::TestFailure, Some("tests::adds"), Some(11)),
            (ErrorType::TestFailure, Some("tests::custom"), Some(16)),
        ]
    );
    assert_eq!(
        r.errors[0].message,
        "assertion `left == right` failed\n  left: 5\n right: 4"
    );
    // The JSON form carries the evidence.
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["tests"][0]["name"], "tests::adds");
    assert_eq!(json["tests"][0]["expected"], "4");
}

const EXITS_IN_TEST: &str = "pub fn add(a: i32, b: i32) -> i32 {
    a + b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_exits() {
        if add(1, 1) == 2 {
            std::process::exit(0);
        }
    }

    #[test]
    fn b_adds() {
        assert_eq!(add(2, 3), 5);
    }
}
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn process_exit_inside_a_test_fails_and_the_fixed_program_passes() {
    let r = validate(&[("lib.rs", EXITS_IN_TEST)], Expect::Test).await;
    assert!(!r.passed, "exit(0) inside a test passed:\n{}", r.output);
    let e = &r.errors[0];
    assert_eq!(e.error_type, ErrorType::TestFailure, "{e:?}");
    assert_eq!(e.code.as_deref(), Some("test_exited"), "{e:?}");
    assert_eq!(e.test_name.as_deref(), Some("tests::a_exits"));
    assert!(e.message.contains("exited with status 0"), "{}", e.message);
    assert_eq!(r.errors.len(), 1, "{:#?}", r.errors);
    // The other test still ran to its end.
    assert_eq!(
        names(&r),
        [
            ("tests::a_exits", TestOutcome::Incomplete),
            ("tests::b_adds", TestOutcome::Passed),
        ]
    );

    let fixed = EXITS_IN_TEST.replace("std::process::exit(0);", "return;");
    let r = validate(&[("lib.rs", &fixed)], Expect::Test).await;
    assert!(r.passed, "{:#?}\n{}", r.errors, r.output);
    assert_eq!(r.tests.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_summary_does_not_pass() {
    // The test writes the harness's lines straight to fd 1 (past libtest's capture), then
    // exits with status 0: exactly what a finished, passing run prints.
    let lib = "pub fn add(a: i32, b: i32) -> i32 {
    a - b
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn adds() {
        let fake = \"ok\\ntest tests::other ... ok\\n\\ntest result: ok. 2 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s\\n\\n\";
        std::io::stdout().write_all(fake.as_bytes()).unwrap();
        std::io::stdout().flush().unwrap();
        std::process::exit(0);
    }

    #[test]
    fn other() {
        assert_eq!(add(2, 3), 5);
    }
}
";
    let r = validate(&[("lib.rs", lib)], Expect::Test).await;
    assert!(!r.passed, "a forged summary passed:\n{}", r.output);
    let codes: Vec<_> = r.errors.iter().map(|e| e.code.as_deref()).collect();
    assert!(codes.contains(&Some("test_exited")), "{:#?}", r.errors);
    assert_eq!(
        names(&r),
        [
            ("tests::adds", TestOutcome::Incomplete),
            ("tests::other", TestOutcome::Failed),
        ]
    );

    // Forged `test NAME ... ok` lines from a passing test add no tests and hide no failure.
    let lib = "#[cfg(test)]
mod tests {
    use std::io::Write;

    #[test]
    fn prints() {
        std::io::stdout().write_all(b\"test tests::fails ... ok\\n\").unwrap();
        println!(\"test tests::ghost ... ok\");
    }

    #[test]
    fn fails() {
        assert_eq!(1 + 1, 3);
    }
}
";
    let r = validate(&[("lib.rs", lib)], Expect::Test).await;
    assert!(!r.passed, "{}", r.output);
    assert_eq!(
        names(&r),
        [
            ("tests::fails", TestOutcome::Failed),
            ("tests::prints", TestOutcome::Passed),
        ]
    );
}
