use super::test_run::*;
use super::*;
use crate::diagnostics::test_support::headline;
use crate::types::TargetLanguage;

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/diagnostics/rust"
);

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}/{name}")).unwrap()
}

fn program(files: &[&str]) -> Program {
    Program::new(
        TargetLanguage::Rust,
        files
            .iter()
            .map(|f| (f.to_string(), "fn main() {}\n".to_string())),
    )
    .unwrap()
}

fn run(
    parser: fn(&ParseInput<'_>) -> Vec<CodeError>,
    stdout: &str,
    stderr: &str,
    exit_code: Option<i32>,
    termination: Termination,
) -> Vec<CodeError> {
    run_in("check", parser, stdout, stderr, exit_code, termination)
}

fn run_in(
    step: &str,
    parser: fn(&ParseInput<'_>) -> Vec<CodeError>,
    stdout: &str,
    stderr: &str,
    exit_code: Option<i32>,
    termination: Termination,
) -> Vec<CodeError> {
    let program = program(&["lib.rs", "tests.rs"]);
    let command = vec!["rustc".to_string(), "lib.rs".to_string()];
    let input = ParseInput {
        language: TargetLanguage::Rust,
        step,
        command: &command,
        exit_code,
        termination,
        stdout,
        stderr,
        program: &program,
    };
    parser(&input)
}

fn check(stderr: &str) -> Vec<CodeError> {
    run(parse_rustc_json, "", stderr, Some(1), Termination::Exited)
}

fn at(e: &CodeError) -> (String, u32, u32) {
    let l = e.location.as_ref().unwrap();
    (l.file.clone(), l.line, l.column)
}

/// The one error of rustc's JSON `fixture`, after checking its type, code, message and position
/// in `lib.rs`.
fn one_error(
    fixture_name: &str,
    error_type: ErrorType,
    code: Option<&str>,
    message: &str,
    (line, col): (u32, u32),
) -> CodeError {
    let mut errors = check(&fixture(fixture_name));
    assert_eq!(errors.len(), 1);
    let e = errors.remove(0);
    assert_eq!(e.error_type, error_type);
    assert_eq!(e.code.as_deref(), code);
    assert_eq!(e.message, message);
    assert_eq!(at(&e), ("lib.rs".into(), line, col));
    e
}

/// Each error's type, code and position.
fn summary(errors: &[CodeError]) -> Vec<(ErrorType, String, (String, u32, u32))> {
    errors
        .iter()
        .map(|e| (e.error_type.clone(), e.code.clone().unwrap(), at(e)))
        .collect()
}

#[test]
fn undefined_name_e0425() {
    let e = &one_error(
        "e0425_cannot_find_value.jsonl",
        ErrorType::UndefinedVariable,
        Some("E0425"),
        "cannot find value `totl` in this scope",
        (4, 5),
    );
    let loc = e.location.as_ref().unwrap();
    assert_eq!((loc.end_line, loc.end_column), (Some(4), Some(9)));
    // rustc proposes the similarly named local.
    let s = &e.suggestions[0];
    assert_eq!(s.applicability, Applicability::MaybeIncorrect);
    assert_eq!(s.replacements[0].text, "total");
    assert_eq!(s.replacements[0].file, "lib.rs");
    assert_eq!(
        (s.replacements[0].byte_start, s.replacements[0].byte_end),
        (89, 93)
    );
}

#[test]
fn mismatched_types_e0308() {
    let e = &one_error(
        "e0308_mismatched_types.jsonl",
        ErrorType::TypeMismatch,
        Some("E0308"),
        "mismatched types",
        (2, 18),
    );
    assert_eq!(e.notes[0], "expected `i32`, found `&str`");
}

#[test]
fn unresolved_import_e0432_and_undeclared_crate_e0433() {
    let errors = check(&fixture("e0432_e0433_unresolved.jsonl"));
    assert_eq!(
        summary(&errors),
        vec![
            (
                ErrorType::MissingImport,
                "E0432".to_string(),
                ("lib.rs".into(), 1, 5)
            ),
            (
                ErrorType::MissingImport,
                "E0433".to_string(),
                ("lib.rs".into(), 4, 13)
            ),
            (
                ErrorType::UndefinedVariable,
                "E0433".to_string(),
                ("lib.rs".into(), 5, 13)
            ),
        ]
    );
}

#[test]
fn e0433_with_an_import_suggestion_is_a_missing_import() {
    let e = &one_error(
        "e0433_import_suggestion.jsonl",
        ErrorType::MissingImport,
        Some("E0433"),
        "cannot find type `HashMap` in this scope",
        (2, 17),
    );
    assert_eq!(e.suggestions.len(), 1);
    assert_eq!(
        e.suggestions[0].replacements[0].text,
        "use std::collections::HashMap;\n\n"
    );
}

#[test]
fn syntax_error_with_machine_applicable_fix() {
    let e = &one_error(
        "syntax_expected_semicolon.jsonl",
        ErrorType::SyntaxError,
        None,
        "expected `;`, found keyword `return`",
        (2, 14),
    );
    assert_eq!(e.suggestions.len(), 1);
    let s = &e.suggestions[0];
    assert_eq!(s.message, "add `;` here");
    assert_eq!(s.applicability, Applicability::MachineApplicable);
    assert_eq!(
        s.replacements,
        vec![Replacement {
            file: "lib.rs".into(),
            byte_start: 33,
            byte_end: 33,
            text: ";".into()
        }]
    );
    assert!(e.notes.contains(&"help: add `;` here".to_string()));
}

#[test]
fn unclosed_delimiter_is_syntax() {
    let errors = check(&fixture("syntax_unclosed_delimiter.jsonl"));
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].error_type, ErrorType::SyntaxError);
    assert_eq!(
        errors[0].message,
        "this file contains an unclosed delimiter"
    );
    assert_eq!(at(&errors[0]), ("lib.rs".into(), 6, 3));
}

#[test]
fn borrow_and_mutability() {
    let errors = check(&fixture("borrow_e0596_e0384.jsonl"));
    let borrow = ErrorType::CompilerError("borrow".into());
    assert_eq!(
        summary(&errors),
        vec![
            (borrow.clone(), "E0596".to_string(), ("lib.rs".into(), 3, 5)),
            (borrow, "E0384".to_string(), ("lib.rs".into(), 5, 5)),
        ]
    );
    // Both come with rustc's "consider changing this to be mutable" fix.
    let fix = &errors[0].suggestions[0];
    assert_eq!(fix.replacements[0].text, "mut ");
    assert_eq!(fix.applicability, Applicability::MachineApplicable);
}

#[test]
fn warnings_and_summaries_are_not_errors() {
    let stderr = concat!(
        r#"{"$message_type":"diagnostic","message":"unused variable: `x`","code":{"code":"unused_variables","explanation":null},"level":"warning","spans":[],"children":[],"rendered":""}"#,
        "\n",
        r#"{"$message_type":"diagnostic","message":"aborting due to 1 previous error","code":null,"level":"error","spans":[],"children":[],"rendered":""}"#,
        "\n"
    );
    assert!(run(parse_rustc_json, "", stderr, Some(0), Termination::Exited).is_empty());
}

#[test]
fn non_json_output_is_a_fallback() {
    let stderr = "error: couldn't read `lib.rs`: No such file or directory (os error 2)\n";
    let errors = check(stderr);
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].error_type,
        ErrorType::CompilerError("rustc".into())
    );
    assert_eq!(errors[0].message, stderr.trim());
}

#[test]
fn failing_assert_eq_test() {
    let stdout = fixture("libtest_assert_eq.txt");
    let errors = run(parse_libtest, &stdout, "", Some(101), Termination::Exited);
    assert_eq!(errors.len(), 2, "{errors:#?}");
    let e = &errors[0];
    assert_eq!(e.error_type, ErrorType::TestFailure);
    assert_eq!(e.test_name.as_deref(), Some("tests::adds"));
    assert_eq!(
        e.message,
        "assertion `left == right` failed\n  left: 5\n right: 4"
    );
    assert_eq!(at(e), ("tests.rs".into(), 5, 9));
    let e = &errors[1];
    assert_eq!(e.test_name.as_deref(), Some("tests::custom_message"));
    assert_eq!(e.message, "sum was 5");
    assert_eq!(at(e), ("tests.rs".into(), 10, 9));
}

#[test]
fn panic_outside_a_test_and_timeout() {
    let stderr = "thread 'main' (123) panicked at lib.rs:3:5:\nboom\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n";
    let errors = run(parse_libtest, "", stderr, Some(101), Termination::Exited);
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].error_type,
        ErrorType::CompilerError("panic".into())
    );
    assert_eq!(errors[0].message, "thread 'main' panicked: boom");
    assert_eq!(at(&errors[0]), ("lib.rs".into(), 3, 5));

    let stdout = "\nrunning 2 tests\ntest tests::quick ... ok\ntest tests::spins has been running for over 60 seconds\n";
    let errors = run_in(
        "test",
        parse_libtest,
        stdout,
        "",
        None,
        Termination::WallTimeout,
    );
    assert_eq!(errors.len(), 1);
    let e = &errors[0];
    assert_eq!(
        headline(e),
        (
            ErrorType::TestFailure,
            Some("timeout"),
            crate::diagnostics::limits::limit_message("timeout"),
            Some("tests::spins")
        )
    );
    assert_eq!(
        e.notes,
        ["command: rustc lib.rs", "still running: tests::spins"]
    );

    let errors = run_in(
        "test",
        parse_libtest,
        "",
        "",
        None,
        Termination::OutOfMemory,
    );
    assert_eq!(errors[0].error_type, ErrorType::TestFailure);
    assert_eq!(errors[0].code.as_deref(), Some("out_of_memory"));
    let errors = run_in("test", parse_libtest, "", "", None, Termination::CpuLimit);
    assert_eq!(errors[0].error_type, ErrorType::TestFailure);
    assert_eq!(errors[0].code.as_deref(), Some("cpu_limit"));
    // The same limit while compiling is a compiler error of that kind.
    let errors = run(parse_rustc_json, "", "", None, Termination::CpuLimit);
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].error_type,
        ErrorType::CompilerError("cpu_limit".into())
    );
    assert_eq!(errors[0].code.as_deref(), Some("cpu_limit"));
}

#[test]
fn stack_overflow_kills_the_harness() {
    let stdout = "\nrunning 1 test\n";
    let stderr =
        "\nthread 'tests::recurse' has overflowed its stack\nfatal runtime error: stack overflow\n";
    let errors = run(parse_libtest, stdout, stderr, None, Termination::Signaled);
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].error_type,
        ErrorType::CompilerError("crash".into())
    );
    assert_eq!(errors[0].test_name.as_deref(), Some("tests::recurse"));
}

fn judge(stdout: &str, exit_code: Option<i32>) -> Parsed {
    let program = program(&["lib.rs"]);
    let command = vec!["/work/.selfheal/test-bin".to_string()];
    let input = ParseInput {
        language: TargetLanguage::Rust,
        step: "test",
        command: &command,
        exit_code,
        termination: Termination::Exited,
        stdout,
        stderr: "",
        program: &program,
    };
    parse_test_run(&input)
}

fn codes(parsed: &Parsed) -> Vec<Option<&str>> {
    parsed.errors.iter().map(|e| e.code.as_deref()).collect()
}

#[test]
fn a_run_that_stops_before_the_summary_is_incomplete() {
    // An in-process harness whose test called `std::process::exit(0)`.
    let parsed = judge("\nrunning 2 tests\ntest tests::a ... ", Some(0));
    assert_eq!(codes(&parsed), [Some(TESTS_INCOMPLETE)]);
    let e = &parsed.errors[0];
    assert_eq!(e.error_type, ErrorType::TestFailure);
    assert_eq!(e.test_name.as_deref(), Some("tests::a"));
    assert_eq!(
            e.message,
            "the test run ended before libtest's summary (exit status 0, during test tests::a): 2 tests announced, 0 finished"
        );
    assert_eq!(parsed.tests.len(), 1);
    assert_eq!(parsed.tests[0].outcome, TestOutcome::Incomplete);

    for stdout in [
        "",
        "\nrunning 2 tests\ntest tests::a ... ok\n\ntest result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s\n",
    ] {
        assert_eq!(codes(&judge(stdout, Some(0))), [Some(TESTS_INCOMPLETE)]);
    }
}

#[test]
fn a_summary_that_disagrees_with_the_test_lines_fails() {
    let summary = "test result: ok. 2 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s";
    for (lines, exit_code, want) in [
        // A forged second result for the same test.
        (
            "test tests::a ... ok\ntest tests::a ... ok",
            Some(0),
            &[Some(TESTS_INCOMPLETE)][..],
        ),
        (
            "test tests::a ... ok\ntest tests::b ... FAILED",
            Some(0),
            &[None, Some(TESTS_SUMMARY_MISMATCH)][..],
        ),
        (
            "test tests::a ... ok\ntest tests::b ... ok",
            Some(101),
            &[Some(TESTS_SUMMARY_MISMATCH)][..],
        ),
    ] {
        let parsed = judge(
            &format!("\nrunning 2 tests\n{lines}\n\n{summary}\n"),
            exit_code,
        );
        assert_eq!(codes(&parsed), want, "{lines}");
    }
    let parsed = judge(
        &format!(
            "\nrunning 2 tests\ntest tests::a ... ok <0.002s>\ntest tests::b ... ok\n\n{summary}\n"
        ),
        Some(0),
    );
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    assert_eq!(
        parsed.tests[0].duration,
        Some(std::time::Duration::from_millis(2))
    );
}

#[test]
fn passing_tests_give_no_errors() {
    let stdout = "\nrunning 1 test\ntest tests::adds ... ok\n\ntest result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s\n\n";
    assert!(run(parse_libtest, stdout, "", Some(0), Termination::Exited).is_empty());
}
