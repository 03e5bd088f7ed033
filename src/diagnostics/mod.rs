//! Turns what a toolchain printed into structured [`CodeError`]s.
//!
//! Each toolchain step names its parser (`parser = "rustc-json"` in `toolchains/*.toml`);
//! [`parse`] dispatches on that name, stamps the step on every error and adds source context.

use crate::program::Program;
use crate::types::{CodeError, TargetLanguage, Termination, TestReport};

mod context;
mod findings;
pub mod go;
pub mod javascript;
pub mod limits;
pub mod python;
pub mod rust;
#[cfg(test)]
mod test_support;

pub use context::{add_context, context_lines};

/// Everything a parser may look at: the command's output and the program it ran on.
#[derive(Debug, Clone, Copy)]
pub struct ParseInput<'a> {
    pub language: TargetLanguage,
    /// `check`, `test` or `run`.
    pub step: &'a str,
    pub command: &'a [String],
    pub exit_code: Option<i32>,
    pub termination: Termination,
    pub stdout: &'a str,
    pub stderr: &'a str,
    pub program: &'a Program,
}

/// The parser names toolchain files may use.
pub const PARSERS: &[&str] = &[
    "rustc-json",
    "libtest",
    "go-build",
    "go-test",
    "python-check",
    "python-run",
    "node-check",
    "node-run",
    "python-judge",
    "node-judge",
    "node-static",
];

#[derive(Debug, thiserror::Error)]
pub enum DiagnosticsError {
    #[error("unknown diagnostics parser `{0}`; known parsers: {known}", known = PARSERS.join(", "))]
    UnknownParser(String),
}

/// What a parser read from one command's output: the errors, and for a test runner the
/// per-test evidence (empty for compilers and linters).
///
/// A test-runner parser returns both: one [`TestReport`] per test the runner announced or
/// reported (passed ones included), and the errors that make the step fail. The validator
/// appends `tests` to [`crate::ValidationResult::tests`] in command order; the heal loop judges
/// by `errors` only, so every failing or incomplete test must also yield an error.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed {
    pub errors: Vec<CodeError>,
    pub tests: Vec<TestReport>,
}

impl Parsed {
    /// Errors and per-test evidence together.
    pub fn new(errors: Vec<CodeError>, tests: Vec<TestReport>) -> Parsed {
        Parsed { errors, tests }
    }
}

/// A parser that reports no per-test evidence (compilers, linters).
impl From<Vec<CodeError>> for Parsed {
    fn from(errors: Vec<CodeError>) -> Parsed {
        Parsed {
            errors,
            tests: Vec::new(),
        }
    }
}

/// Parses one command's output with the named parser: its errors only (see [`parse_step`]
/// for the per-test evidence too).
///
/// # Errors
/// [`DiagnosticsError::UnknownParser`] when `parser` is not one of [`PARSERS`].
pub fn parse(parser: &str, input: &ParseInput<'_>) -> Result<Vec<CodeError>, DiagnosticsError> {
    parse_step(parser, input).map(|parsed| parsed.errors)
}

/// Parses one command's output with the named parser: its errors and its per-test evidence.
///
/// # Errors
/// [`DiagnosticsError::UnknownParser`] when `parser` is not one of [`PARSERS`].
pub fn parse_step(parser: &str, input: &ParseInput<'_>) -> Result<Parsed, DiagnosticsError> {
    let span = tracing::info_span!(
        "parse",
        selfheal.language = %input.language,
        selfheal.step = input.step,
        selfheal.parser = parser,
        process.exit.code = input.exit_code.map(i64::from),
        selfheal.errors = tracing::field::Empty,
        error.type = tracing::field::Empty,
        selfheal.error.code = tracing::field::Empty,
        code.filepath = tracing::field::Empty,
        code.lineno = tracing::field::Empty,
    );
    let _entered = span.enter();
    // Test-runner parsers return `Parsed` (errors and per-test reports); the others return
    // their errors, converted with `.into()`.
    let Parsed { mut errors, tests } = match parser {
        "rustc-json" => rust::parse_rustc_json(input).into(),
        "libtest" => rust::parse_test_run(input),
        "go-build" => go::parse_build(input).into(),
        "go-test" => go::parse_test_run(input),
        "python-check" => python::parse_check(input).into(),
        "python-run" => python::parse_run(input).into(),
        "node-check" => javascript::parse_check(input).into(),
        "node-run" => javascript::parse_run(input).into(),
        "node-static" => javascript::parse_static(input).into(),
        // Without the run's secret nothing a runner printed can be trusted: the validator calls
        // `judge::judge` with it; here the run is judged incomplete.
        "python-judge" | "node-judge" => crate::judge::judge(parser, input, None),
        other => return Err(DiagnosticsError::UnknownParser(other.to_string())),
    };
    for error in &mut errors {
        error.step = input.step.to_string();
    }
    add_context(&mut errors, input.program);
    span.record("selfheal.errors", errors.len() as i64);
    // The first error stands for the command's outcome (its category, code and place).
    if let Some(first) = errors.first() {
        span.record("error.type", first.error_type.label().as_str());
        if let Some(code) = &first.code {
            span.record("selfheal.error.code", code.as_str());
        }
        if let Some(location) = &first.location {
            span.record("code.filepath", location.file.as_str());
            span.record("code.lineno", i64::from(location.line));
        }
    }
    Ok(Parsed { errors, tests })
}

/// Error codes the judge gives a test step that does not prove its tests ran to the end, the
/// same in every language.
pub mod codes {
    /// The run ended before the runner's summary, or fewer tests finished than were announced
    /// or found in the test files: an early exit (`os.Exit` in `init`, `process.exit` at module
    /// top, `std::process::exit` ending a harness), a crash or a forged end.
    pub const TESTS_INCOMPLETE: &str = "tests_incomplete";
    /// The runner's summary or exit status disagrees with its per-test results, or a test is
    /// reported twice: the output holds lines the runner did not write.
    pub const TESTS_SUMMARY_MISMATCH: &str = "tests_summary_mismatch";
    /// A test's process exited (any status) before the test returned.
    pub const TEST_EXITED: &str = "test_exited";
}

/// Strips the sandbox work directory prefix from a path the toolchain printed, giving the
/// program-relative path (`/work/pkg/a.py` → `pkg/a.py`). Paths outside the work directory are
/// returned unchanged.
pub fn program_path(printed: &str) -> &str {
    let work = crate::sandbox::WORK_DIR;
    printed
        .strip_prefix(work)
        .and_then(|rest| rest.strip_prefix('/'))
        .or_else(|| printed.strip_prefix("./"))
        .unwrap_or(printed)
}
