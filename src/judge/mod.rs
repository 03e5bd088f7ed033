//! The judge for Python and JavaScript: selfheal's own test runners and the verdict on what
//! they report.
//!
//! A test step whose parser is one of [`PARSERS`] runs a selfheal-owned runner
//! (`python_runner.py`, or `javascript_runner.mjs` with `javascript_hook.cjs` preloaded into
//! every process that runs a test file). The validator draws a fresh secret per command
//! ([`new_secret`]) and feeds it on stdin; the runner reads it before any program code runs and
//! tags every record it prints with it. [`judge`] trusts only tagged records, so a program that
//! prints a fake summary, silences or closes the runner's channel, or ends the process early
//! cannot produce a pass: the step passes only when the runner reported its own completion
//! (`done`) and every test it discovered ended and passed. The protocol and what counts as
//! passing are documented in `docs/testing.md`.
//!
//! Limits of the guarantee: the Python runner shares its process with the tests, so code that
//! deliberately searches the interpreter's memory for the secret could forge records; the
//! JavaScript runner's parent process never runs program code (test files run in children).

use std::collections::HashMap;
use std::time::Duration;

use rand::Rng;
use serde::Deserialize;

use crate::diagnostics::{self, ParseInput, Parsed};
use crate::types::{
    CodeError, ErrorType, FileCoverage, Location, TargetLanguage, Termination, TestOutcome,
    TestReport,
};

/// The Python runner, written to the support directory as `python_runner.py`.
pub const PYTHON_RUNNER: &str = include_str!("python_runner.py");
/// The JavaScript runner (the parent process), written as `javascript_runner.mjs`.
pub const JAVASCRIPT_RUNNER: &str = include_str!("javascript_runner.mjs");
/// Preloaded into each JavaScript test process; written as `javascript_hook.cjs`.
pub const JAVASCRIPT_HOOK: &str = include_str!("javascript_hook.cjs");

/// Support files of the judge: (file name, contents).
pub const SUPPORT_FILES: &[(&str, &str)] = &[
    ("python_runner.py", PYTHON_RUNNER),
    ("javascript_runner.mjs", JAVASCRIPT_RUNNER),
    ("javascript_hook.cjs", JAVASCRIPT_HOOK),
];

/// The parser names of the judged test steps (`parser = "python-judge"` in a toolchain file).
pub const PARSERS: &[&str] = &["python-judge", "node-judge"];

/// Error code: the program ended the process (or a test) before the tests ran to their end.
pub const EARLY_EXIT: &str = "early_exit";
/// Error code: the runner did not prove that every discovered test ran to its end.
pub const TESTS_INCOMPLETE: &str = "tests_incomplete";

/// True when `parser` is a judged test step (its command gets a secret on stdin).
pub fn is_judge(parser: &str) -> bool {
    PARSERS.contains(&parser)
}

/// A fresh per-run secret: 128 random bits from the thread's CSPRNG, as 32 hex digits.
pub fn new_secret() -> String {
    let bytes: [u8; 16] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Judges one runner command's output: the step's errors (one per failed test, plus one
/// `TestFailure` with code [`EARLY_EXIT`] or [`TESTS_INCOMPLETE`] when the run did not prove
/// its completion; none means passed) and one [`TestReport`] per test discovered or reported.
///
/// Only stdout lines starting with `secret` and a space are read; with `secret = None` (output
/// that cannot be authenticated) nothing is trusted and the run is incomplete. Errors are
/// stamped with the step and given source context.
pub fn judge(parser: &str, input: &ParseInput<'_>, secret: Option<&str>) -> Parsed {
    let language = if parser == "node-judge" {
        TargetLanguage::JavaScript
    } else {
        TargetLanguage::Python
    };
    let records = secret
        .map(|secret| read_records(input.stdout, secret))
        .unwrap_or_default();
    let mut verdict = assemble(language, input, &records);
    for error in &mut verdict.errors {
        error.step = input.step.to_string();
    }
    diagnostics::add_context(&mut verdict.errors, input.program);
    verdict
}

#[derive(Debug, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
enum Record {
    StartRun {
        #[serde(default)]
        files: Vec<String>,
    },
    File {
        file: String,
        #[serde(default)]
        tests: Vec<String>,
    },
    Start {
        test: String,
    },
    Test(Box<TestRecord>),
    Exit(ExitRecord),
    Unfinished {
        file: String,
        tests: Vec<String>,
    },
    Done {},
}

#[derive(Debug, Deserialize)]
struct TestRecord {
    test: String,
    file: Option<String>,
    outcome: String,
    duration_ms: Option<f64>,
    exception: Option<String>,
    message: Option<String>,
    /// Python: the formatted traceback.
    traceback: Option<String>,
    /// JavaScript: the error's class line and stack.
    stack: Option<String>,
    /// JavaScript: what a plain test script printed on stderr (node's uncaught-error block).
    stderr: Option<String>,
    expected: Option<String>,
    actual: Option<String>,
    /// Python: where a plain script called `sys.exit` with a failing status.
    exit_file: Option<String>,
    exit_line: Option<u32>,
    /// Per-test coverage: program file → lines the test executed.
    #[serde(default)]
    covered: Option<std::collections::BTreeMap<String, Vec<u32>>>,
}

#[derive(Debug, Clone, Deserialize)]
struct ExitRecord {
    how: String,
    file: Option<String>,
    line: Option<u32>,
    column: Option<u32>,
    test: Option<String>,
}

fn read_records(stdout: &str, secret: &str) -> Vec<Record> {
    let prefix = format!("{secret} ");
    stdout
        .lines()
        .filter_map(|line| line.strip_prefix(prefix.as_str()))
        .filter_map(|json| serde_json::from_str(json).ok())
        .collect()
}

fn outcome(text: &str) -> TestOutcome {
    match text {
        "passed" => TestOutcome::Passed,
        "skipped" => TestOutcome::Skipped,
        "incomplete" => TestOutcome::Incomplete,
        _ => TestOutcome::Failed,
    }
}

fn assemble(language: TargetLanguage, input: &ParseInput<'_>, records: &[Record]) -> Parsed {
    let mut tests: Vec<TestReport> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut discovered: Vec<(String, Option<String>)> = Vec::new();
    let mut exits: Vec<ExitRecord> = Vec::new();
    let mut failures: Vec<CodeError> = Vec::new();
    let mut done = false;
    let mut run_files: Vec<String> = Vec::new();
    for record in records {
        match record {
            Record::StartRun { files } => run_files.extend(files.iter().cloned()),
            Record::File { file, tests } => {
                discovered.extend(tests.iter().map(|t| (t.clone(), Some(file.clone()))));
            }
            Record::Start { test } => discovered.push((test.clone(), None)),
            Record::Unfinished { file, tests } => discovered.extend(
                tests
                    .iter()
                    .map(|t| (format!("{file} > {t}"), Some(file.clone()))),
            ),
            Record::Exit(exit) => exits.push(exit.clone()),
            Record::Done {} => done = true,
            Record::Test(record) => {
                let (report, error) = test_report(language, input, record);
                if let Some(error) = error {
                    failures.push(error);
                }
                index.insert(report.name.clone(), tests.len());
                tests.push(report);
            }
        }
    }
    for exit in &exits {
        if let Some(test) = &exit.test {
            discovered.push((test.clone(), exit.file.clone()));
        }
    }
    // A test file the run never reached (an earlier file ended the process) stands for its
    // unknown tests.
    for file in run_files {
        let reached = discovered
            .iter()
            .any(|(name, f)| f.as_deref() == Some(file.as_str()) || *name == file)
            || tests
                .iter()
                .any(|t| t.file.as_deref() == Some(file.as_str()));
        if !reached {
            discovered.push((file.clone(), Some(file)));
        }
    }
    for (name, file) in discovered {
        if let std::collections::hash_map::Entry::Vacant(slot) = index.entry(name) {
            let mut report = TestReport::new(slot.key().clone(), TestOutcome::Incomplete);
            report.file = file;
            slot.insert(tests.len());
            tests.push(report);
        }
    }

    let mut errors = Vec::new();
    if let Some(limit) = diagnostics::python::limit_error(input) {
        errors.push(limit);
    }
    errors.extend(failures);
    let incomplete: Vec<&TestReport> = tests
        .iter()
        .filter(|t| t.outcome == TestOutcome::Incomplete)
        .collect();
    if errors.is_empty() && (!done || !incomplete.is_empty() || !exits.is_empty()) {
        errors.push(integrity_error(input, &tests, &incomplete, &exits, done));
    }
    let status_ok = input.termination == Termination::Exited && input.exit_code == Some(0);
    if errors.is_empty() && !status_ok {
        // Everything reported passed, yet the runner's process failed afterwards.
        errors.push(
            CodeError::new(
                ErrorType::TestFailure,
                format!(
                    "the test runner reported every test passed but then {}",
                    describe_status(input)
                ),
            )
            .with_code(TESTS_INCOMPLETE),
        );
    }
    Parsed { errors, tests }
}

fn describe_status(input: &ParseInput<'_>) -> String {
    match (input.termination, input.exit_code) {
        (Termination::Signaled, _) => "was killed by a signal".to_string(),
        (Termination::Exited, Some(code)) => format!("exited with status {code}"),
        (_, _) => "was stopped at a limit".to_string(),
    }
}

/// The error for a run that did not prove completion: where the program exited when known.
fn integrity_error(
    input: &ParseInput<'_>,
    tests: &[TestReport],
    incomplete: &[&TestReport],
    exits: &[ExitRecord],
    done: bool,
) -> CodeError {
    let unfinished = if incomplete.is_empty() {
        String::new()
    } else {
        let names: Vec<&str> = incomplete.iter().take(5).map(|t| t.name.as_str()).collect();
        let more = incomplete.len().saturating_sub(names.len());
        format!(
            "; {} of {} tests did not run to their end: {}{}",
            incomplete.len(),
            tests.len(),
            names.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        )
    };
    let mut error = if let Some(exit) = exits.first() {
        let place = match (&exit.file, exit.line) {
            (Some(file), Some(line)) => format!(" at {file}:{line}"),
            _ => String::new(),
        };
        let during = exit
            .test
            .as_deref()
            .map(|t| format!(" while running {t}"))
            .unwrap_or_default();
        let mut error = CodeError::new(
            ErrorType::TestFailure,
            format!(
                "{}{place}{during} ended the test run early{unfinished}",
                exit.how
            ),
        )
        .with_code(EARLY_EXIT);
        if let (Some(file), Some(line)) = (&exit.file, exit.line) {
            if input.program.files().contains_key(file) {
                error = error.with_location(Location::new(
                    file.clone(),
                    line,
                    exit.column
                        .unwrap_or_else(|| first_column(input, file, line)),
                ));
            }
        }
        error
    } else if !done {
        let what = if tests.is_empty() {
            "reported no test and did not finish".to_string()
        } else {
            "did not finish".to_string()
        };
        CodeError::new(
            ErrorType::TestFailure,
            format!(
                "the test runner {what} (its process {}; the program may have ended it, \
                 silenced it or closed its channel){unfinished}",
                describe_status(input)
            ),
        )
        .with_code(TESTS_INCOMPLETE)
    } else {
        let message = incomplete
            .iter()
            .find_map(|t| t.message.clone())
            .unwrap_or_else(|| "the tests did not run to their end".to_string());
        CodeError::new(ErrorType::TestFailure, format!("{message}{unfinished}"))
            .with_code(TESTS_INCOMPLETE)
    };
    error.test_name = incomplete.first().map(|t| t.name.clone());
    if error.location.is_none() {
        if let Some(file) = incomplete.first().and_then(|t| t.file.clone()) {
            if input.program.files().contains_key(&file) {
                error = error.with_location(Location::new(file, 1, 1));
            }
        }
    }
    error
}

/// The 1-based column of the first non-blank character of a line (1 when unknown).
fn first_column(input: &ParseInput<'_>, file: &str, line: u32) -> u32 {
    input
        .program
        .files()
        .get(file)
        .and_then(|text| {
            text.lines()
                .nth(usize::try_from(line).ok()?.checked_sub(1)?)
        })
        .map(|l| l.chars().take_while(|c| c.is_whitespace()).count() + 1)
        .and_then(|c| u32::try_from(c).ok())
        .unwrap_or(1)
}

/// One test's report, and its error when it failed.
/// Most lines of per-test coverage kept per test (the runner bounds what it sends, too).
pub const MAX_COVERED_LINES: usize = 2000;

/// The runner's coverage map, kept to files of the program and real line numbers, bounded by
/// [`MAX_COVERED_LINES`]. Coverage is evidence for fault localization; it never changes the
/// verdict.
fn coverage(
    program: &crate::program::Program,
    covered: &std::collections::BTreeMap<String, Vec<u32>>,
) -> Vec<FileCoverage> {
    let mut budget = MAX_COVERED_LINES;
    let mut out = Vec::new();
    for (file, lines) in covered {
        let Some(text) = program.files().get(file) else {
            continue;
        };
        let count = u32::try_from(text.lines().count()).unwrap_or(u32::MAX);
        let mut lines: Vec<u32> = lines
            .iter()
            .copied()
            .filter(|l| (1..=count).contains(l))
            .collect();
        lines.sort_unstable();
        lines.dedup();
        lines.truncate(budget);
        budget -= lines.len();
        if !lines.is_empty() {
            out.push(FileCoverage {
                file: file.clone(),
                lines,
            });
        }
    }
    out
}

fn test_report(
    language: TargetLanguage,
    input: &ParseInput<'_>,
    record: &TestRecord,
) -> (TestReport, Option<CodeError>) {
    let mut report = TestReport::new(record.test.clone(), outcome(&record.outcome));
    report.file = record.file.clone();
    report.duration = record
        .duration_ms
        .filter(|ms| ms.is_finite() && *ms >= 0.0)
        .map(|ms| Duration::from_secs_f64(ms / 1000.0));
    report.expected = record.expected.clone();
    report.actual = record.actual.clone();
    report.message = record.message.clone().filter(|m| !m.is_empty());
    if let Some(covered) = &record.covered {
        report.covered = coverage(input.program, covered);
    }
    if report.outcome != TestOutcome::Failed {
        return (report, None);
    }
    // The file-level entry (an import or a plain script) keeps the name the traceback gives.
    let file_level = record.file.as_deref() == Some(record.test.as_str());
    let failure_text = match language {
        TargetLanguage::JavaScript => record.stderr.as_deref().or(record.stack.as_deref()),
        _ => record.traceback.as_deref(),
    };
    let mut error = failure_text.and_then(|text| {
        let script = record
            .file
            .as_deref()
            .map(|f| format!("{}/{f}", crate::sandbox::WORK_DIR))
            .unwrap_or_default();
        let command = vec![input.command.first().cloned().unwrap_or_default(), script];
        let sub = ParseInput {
            command: &command,
            exit_code: Some(1),
            termination: Termination::Exited,
            stdout: "",
            stderr: text,
            ..*input
        };
        let (error, frames) = match language {
            TargetLanguage::JavaScript => (
                diagnostics::javascript::parse_run(&sub).into_iter().next(),
                diagnostics::javascript::stack_locations(text, input.program),
            ),
            _ => (
                diagnostics::python::parse_run(&sub).into_iter().next(),
                diagnostics::python::traceback_locations(text, input.program),
            ),
        };
        report.frames = frames;
        error
    });
    if error.is_none() && record.exception.as_deref() == Some("SystemExit") {
        let mut exit = CodeError::new(
            ErrorType::TestFailure,
            format!(
                "{} {}",
                record.test,
                record.message.as_deref().unwrap_or("exited")
            ),
        )
        .with_code("exit");
        if let (Some(file), Some(line)) = (&record.exit_file, record.exit_line) {
            exit = exit.with_location(Location::new(
                file.clone(),
                line,
                first_column(input, file, line),
            ));
        }
        error = Some(exit);
    }
    let mut error = error.unwrap_or_else(|| {
        let message = match (&record.exception, &record.message) {
            (Some(class), Some(message)) if !message.is_empty() => format!("{class}: {message}"),
            (Some(class), _) => class.clone(),
            (None, Some(message)) => message.clone(),
            (None, None) => format!("{} failed", record.test),
        };
        let mut error = CodeError::new(ErrorType::TestFailure, message);
        if let Some(class) = &record.exception {
            error = error.with_code(class.clone());
        }
        error
    });
    if error.error_type == ErrorType::TestFailure && !file_level {
        error.test_name = Some(record.test.clone());
    }
    if let (Some(expected), Some(actual)) = (&record.expected, &record.actual) {
        let note = format!("expected: {expected}, actual: {actual}");
        if !error.notes.contains(&note) {
            error.notes.push(note);
        }
    }
    report.assertion = error.location.clone();
    if report.message.is_none() {
        report.message = Some(error.message.clone());
    }
    (report, Some(error))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::program::Program;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    fn run(stdout: &str, exit_code: i32, secret: Option<&str>) -> Parsed {
        let program = Program::new(
            TargetLanguage::Python,
            [
                (
                    "main.py".to_string(),
                    "def f():\n    return 1\n".to_string(),
                ),
                (
                    "test_main.py".to_string(),
                    "from main import f\n\ndef test_f():\n    assert f() == 1\n".to_string(),
                ),
            ],
        )
        .unwrap();
        let command = vec![
            "python3".to_string(),
            "/selfheal/python_runner.py".to_string(),
            "test_main.py".to_string(),
        ];
        let input = ParseInput {
            language: TargetLanguage::Python,
            step: "test",
            command: &command,
            exit_code: Some(exit_code),
            termination: Termination::Exited,
            stdout,
            stderr: "",
            program: &program,
        };
        judge("python-judge", &input, secret)
    }

    /// Each test's name and outcome, in the order reported.
    fn outcomes(parsed: &Parsed) -> Vec<(&str, TestOutcome)> {
        parsed
            .tests
            .iter()
            .map(|t| (t.name.as_str(), t.outcome))
            .collect()
    }

    fn tagged(records: &[&str]) -> String {
        records.iter().map(|r| format!("{SECRET} {r}\n")).collect()
    }

    const FILE: &str = r#"{"event": "file", "file": "test_main.py", "tests": ["test_main.py::test_f", "test_main.py::test_g"]}"#;
    const F_PASSED: &str = r#"{"event": "test", "test": "test_main.py::test_f", "file": "test_main.py", "outcome": "passed", "duration_ms": 0.5}"#;
    const G_PASSED: &str = r#"{"event": "test", "test": "test_main.py::test_g", "file": "test_main.py", "outcome": "passed"}"#;
    const DONE: &str = r#"{"event": "done"}"#;

    #[test]
    fn a_complete_run_passes_with_every_report() {
        let parsed = run(&tagged(&[FILE, F_PASSED, G_PASSED, DONE]), 0, Some(SECRET));
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        assert_eq!(
            outcomes(&parsed),
            [
                ("test_main.py::test_f", TestOutcome::Passed),
                ("test_main.py::test_g", TestOutcome::Passed)
            ]
        );
        assert_eq!(parsed.tests[0].duration, Some(Duration::from_micros(500)));
    }

    #[test]
    fn records_without_the_secret_are_not_trusted() {
        let forged: String = [FILE, F_PASSED, G_PASSED, DONE]
            .iter()
            .map(|r| format!("ffffffffffffffffffffffffffffffff {r}\n{r}\n"))
            .collect();
        for secret in [Some(SECRET), None] {
            let parsed = run(&forged, 0, secret);
            assert_eq!(parsed.errors.len(), 1, "{:?}", parsed.errors);
            assert_eq!(parsed.errors[0].code.as_deref(), Some(TESTS_INCOMPLETE));
            assert!(parsed.tests.is_empty());
        }
        // The real secret with the forged lines' content passes: only the tag differs.
        assert!(
            run(&tagged(&[FILE, F_PASSED, G_PASSED, DONE]), 0, Some(SECRET))
                .errors
                .is_empty()
        );
    }

    #[test]
    fn a_discovered_test_without_a_result_is_incomplete() {
        let parsed = run(&tagged(&[FILE, F_PASSED, DONE]), 0, Some(SECRET));
        assert_eq!(parsed.errors.len(), 1);
        let error = &parsed.errors[0];
        assert_eq!(error.code.as_deref(), Some(TESTS_INCOMPLETE));
        assert_eq!(error.test_name.as_deref(), Some("test_main.py::test_g"));
        assert!(
            error
                .message
                .ends_with("1 of 2 tests did not run to their end: test_main.py::test_g"),
            "{}",
            error.message
        );
        assert_eq!(parsed.tests[1].outcome, TestOutcome::Incomplete);
    }

    #[test]
    fn a_missing_done_record_fails_even_when_every_test_passed() {
        let parsed = run(&tagged(&[FILE, F_PASSED, G_PASSED]), 0, Some(SECRET));
        assert_eq!(parsed.errors.len(), 1);
        assert_eq!(parsed.errors[0].code.as_deref(), Some(TESTS_INCOMPLETE));
        assert!(parsed.errors[0]
            .message
            .starts_with("the test runner did not finish (its process exited with status 0"));
    }

    #[test]
    fn an_exit_record_is_an_early_exit_at_the_call() {
        let exit = r#"{"event": "exit", "how": "os._exit(0)", "file": "test_main.py", "line": 4, "test": "test_main.py::test_g"}"#;
        let parsed = run(&tagged(&[FILE, F_PASSED, exit]), 0, Some(SECRET));
        let error = &parsed.errors[0];
        assert_eq!(error.code.as_deref(), Some(EARLY_EXIT));
        assert_eq!(error.location, Some(Location::new("test_main.py", 4, 5)));
        assert!(error
            .message
            .starts_with("os._exit(0) at test_main.py:4 while running test_main.py::test_g"));
        assert!(error.context.is_some());
    }

    #[test]
    fn test_files_the_run_never_reached_are_incomplete() {
        let start = r#"{"event": "start_run", "files": ["test_main.py", "test_other.py"]}"#;
        let parsed = run(&tagged(&[start, FILE, F_PASSED, G_PASSED]), 0, Some(SECRET));
        assert_eq!(
            outcomes(&parsed),
            [
                ("test_main.py::test_f", TestOutcome::Passed),
                ("test_main.py::test_g", TestOutcome::Passed),
                ("test_other.py", TestOutcome::Incomplete)
            ]
        );
        assert_eq!(parsed.errors[0].code.as_deref(), Some(TESTS_INCOMPLETE));
    }

    #[test]
    fn a_failing_status_after_a_complete_run_fails() {
        let parsed = run(&tagged(&[FILE, F_PASSED, G_PASSED, DONE]), 3, Some(SECRET));
        assert_eq!(parsed.errors.len(), 1);
        assert_eq!(
            parsed.errors[0].message,
            "the test runner reported every test passed but then exited with status 3"
        );
    }

    #[test]
    fn secrets_are_fresh_128_bit_hex() {
        let a = new_secret();
        let b = new_secret();
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
