//! The data model every stage shares: languages, errors, locations and validation results.
//!
//! These names are the public contract (see `docs/ARCHITECTURE.md`); everything is plain data,
//! serialisable with serde, `Send + Sync`.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// A language selfheal can validate. Each has a toolchain file `toolchains/<name>.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetLanguage {
    Rust,
    Python,
    JavaScript,
    Go,
}

impl TargetLanguage {
    pub const ALL: [TargetLanguage; 4] = [
        TargetLanguage::Rust,
        TargetLanguage::Python,
        TargetLanguage::JavaScript,
        TargetLanguage::Go,
    ];

    /// The lowercase name used in toolchain file names, corpora and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            TargetLanguage::Rust => "rust",
            TargetLanguage::Python => "python",
            TargetLanguage::JavaScript => "javascript",
            TargetLanguage::Go => "go",
        }
    }

    /// The language a source file extension belongs to, if any.
    pub fn from_extension(ext: &str) -> Option<TargetLanguage> {
        match ext {
            "rs" => Some(TargetLanguage::Rust),
            "py" => Some(TargetLanguage::Python),
            "js" | "cjs" | "mjs" => Some(TargetLanguage::JavaScript),
            "go" => Some(TargetLanguage::Go),
            _ => None,
        }
    }
}

impl fmt::Display for TargetLanguage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Returned when a language name is not one selfheal knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown language `{0}`: expected one of rust, python, javascript, go")]
pub struct UnknownLanguage(pub String);

impl FromStr for TargetLanguage {
    type Err = UnknownLanguage;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "rust" | "rs" => Ok(TargetLanguage::Rust),
            "python" | "py" | "python3" => Ok(TargetLanguage::Python),
            "javascript" | "js" | "node" => Ok(TargetLanguage::JavaScript),
            "go" | "golang" => Ok(TargetLanguage::Go),
            _ => Err(UnknownLanguage(s.to_string())),
        }
    }
}

/// The category of an error: what kind of repair it calls for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ErrorType {
    /// The program does not parse: delimiters, separators, indentation, unterminated literals.
    SyntaxError,
    /// A value of one type where another is required (including wrong argument counts).
    TypeMismatch,
    /// A module, crate or package that cannot be found or is not imported.
    MissingImport,
    /// A name (variable, function, method, field, type) that is not defined in scope.
    UndefinedVariable,
    /// Any other compiler or runtime error; the string is a short kind, e.g. `borrow` or `unused`.
    CompilerError(String),
    /// A test failed: the program builds but does the wrong thing.
    TestFailure,
    /// The program's telemetry (spans, attributes, metrics) differs from its telemetry
    /// contract. Telemetry only: a run stopped by a time, memory or file-size limit is a
    /// `TestFailure` in the test step and a `CompilerError` otherwise, with the limit's code
    /// (`timeout`, `cpu_limit`, `out_of_memory`, `file_size_limit`; see
    /// [`crate::diagnostics::limits`]).
    TelemetryMismatch,
}

impl ErrorType {
    /// A short stable label, used in reports, signatures and metrics.
    pub fn label(&self) -> String {
        match self {
            ErrorType::SyntaxError => "syntax".into(),
            ErrorType::TypeMismatch => "type_mismatch".into(),
            ErrorType::MissingImport => "missing_import".into(),
            ErrorType::UndefinedVariable => "undefined_variable".into(),
            ErrorType::CompilerError(kind) => format!("compiler:{kind}"),
            ErrorType::TestFailure => "test_failure".into(),
            ErrorType::TelemetryMismatch => "telemetry_mismatch".into(),
        }
    }
}

impl fmt::Display for ErrorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// A position in a program file. Lines and columns are 1-based; columns count characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Location {
    /// Path relative to the program root, as in [`crate::Program::files`].
    pub file: String,
    pub line: u32,
    pub column: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_line: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_column: Option<u32>,
}

impl Location {
    pub fn new(file: impl Into<String>, line: u32, column: u32) -> Self {
        Location {
            file: file.into(),
            line,
            column,
            end_line: None,
            end_column: None,
        }
    }

    pub fn with_end(mut self, end_line: u32, end_column: u32) -> Self {
        self.end_line = Some(end_line);
        self.end_column = Some(end_column);
        self
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// How sure the compiler is that a suggested replacement is right (rustc's levels; other
/// toolchains' "did you mean" hints are `MaybeIncorrect`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Applicability {
    MachineApplicable,
    MaybeIncorrect,
    HasPlaceholders,
    Unspecified,
}

/// One text replacement a compiler proposed. Byte offsets index the file's UTF-8 text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Replacement {
    pub file: String,
    pub byte_start: usize,
    pub byte_end: usize,
    pub text: String,
}

/// A fix the toolchain itself suggested: a message and zero or more replacements.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CompilerSuggestion {
    pub message: String,
    pub applicability: Applicability,
    #[serde(default)]
    pub replacements: Vec<Replacement>,
}

/// One structured error found in a program.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CodeError {
    pub error_type: ErrorType,
    /// The toolchain's message, first line, without the location prefix.
    pub message: String,
    /// The toolchain's error code (`E0425`, `NameError`, `TS2304`, …), if it gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// The source lines around the location, each prefixed by its line number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// Replacements the toolchain proposed for this error.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suggestions: Vec<CompilerSuggestion>,
    /// Further notes and help lines from the toolchain.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// For test failures: the failing test's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_name: Option<String>,
    /// The step that reported it (`check`, `test`, `run`).
    #[serde(default)]
    pub step: String,
}

impl CodeError {
    pub fn new(error_type: ErrorType, message: impl Into<String>) -> Self {
        CodeError {
            error_type,
            message: message.into(),
            code: None,
            location: None,
            context: None,
            suggestions: Vec::new(),
            notes: Vec::new(),
            test_name: None,
            step: String::new(),
        }
    }

    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    pub fn with_location(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }
}

impl fmt::Display for CodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(loc) = &self.location {
            write!(f, "{loc}: ")?;
        }
        write!(f, "[{}]", self.error_type)?;
        if let Some(code) = &self.code {
            write!(f, "[{code}]")?;
        }
        write!(f, " {}", self.message)
    }
}

/// Why the sandbox stopped a command, if it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Termination {
    /// The command exited by itself (with any status).
    Exited,
    /// Killed by a signal it did not catch (not one the sandbox sent for a limit).
    Signaled,
    /// Killed at the wall-clock deadline.
    WallTimeout,
    /// Killed for exceeding its CPU time limit.
    CpuLimit,
    /// Ran out of memory under the sandbox's memory limit.
    OutOfMemory,
    /// Exceeded the file size limit.
    FileSizeLimit,
}

/// What one sandboxed command did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepOutcome {
    /// The step this command belongs to (`check`, `test`, `run`).
    pub step: String,
    /// The command line, as run inside the sandbox.
    pub command: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<i32>,
    pub termination: Termination,
    #[serde(with = "duration_ms")]
    pub wall_time: Duration,
    #[serde(with = "duration_ms")]
    pub cpu_time: Duration,
    /// Peak resident memory of the command's processes, in bytes.
    pub peak_memory_bytes: u64,
    pub stdout: String,
    pub stderr: String,
    pub stdout_truncated: bool,
    pub stderr_truncated: bool,
}

impl StepOutcome {
    /// True when the command exited with status 0.
    pub fn succeeded(&self) -> bool {
        self.termination == Termination::Exited && self.exit_code == Some(0)
    }
}

/// How one test ended, as the runner proved it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestOutcome {
    /// The runner saw the test run to its end and pass.
    Passed,
    /// The test ran and failed (an assertion, a panic, an exception).
    Failed,
    /// The runner skipped or ignored it on purpose (`#[ignore]`, `t.Skip`, `unittest.skip`).
    Skipped,
    /// The test started (or was discovered) but never finished: the program exited early,
    /// crashed, or was stopped by a limit. Never counts as a pass.
    Incomplete,
}

/// One test's evidence: what the judge knows about a single test after a test step.
///
/// Filled by the language's test runner parser; the heal loop, the learner, reports and model
/// prompts read it. Fields a runner cannot show are `None`/empty, never guessed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestReport {
    /// The name as the ecosystem writes it: `tests::adds_two` (Rust), `TestAdd/negative` (Go),
    /// `test_calc.py::test_add` or `test_calc.CalcTest.test_add` (Python), `adds > two` (JS).
    pub name: String,
    /// The program file that defines the test, relative to the program root, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    pub outcome: TestOutcome,
    /// How long the test ran, when the runner reports it.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "optional_duration_ms"
    )]
    pub duration: Option<Duration>,
    /// Where the failing assertion (or panic, or exception) is, in the program's files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assertion: Option<Location>,
    /// The failure message, first line (`assertion failed: left == right`, `AssertionError: …`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The expected value, as the assertion printed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// The actual value, as the assertion printed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual: Option<String>,
    /// The stack frames that run through the program's own files, outermost first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub frames: Vec<Location>,
    /// Lines of the program's files this test executed, when the runner collects per-test
    /// coverage (Python); empty otherwise. Bounded by the runner (see docs/repair.md).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub covered: Vec<FileCoverage>,
}

/// The lines of one program file a test executed (1-based, ascending).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileCoverage {
    pub file: String,
    pub lines: Vec<u32>,
}

impl TestReport {
    /// A report with only a name and an outcome; the runner parsers fill in the rest.
    pub fn new(name: impl Into<String>, outcome: TestOutcome) -> Self {
        TestReport {
            name: name.into(),
            file: None,
            outcome,
            duration: None,
            assertion: None,
            message: None,
            expected: None,
            actual: None,
            frames: Vec::new(),
            covered: Vec::new(),
        }
    }
}

/// The verdict on a program: did every step pass, and if not, what is wrong.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidationResult {
    pub passed: bool,
    pub language: TargetLanguage,
    pub errors: Vec<CodeError>,
    #[serde(with = "duration_ms")]
    pub duration: Duration,
    /// The steps' combined output (stdout then stderr of each command), as captured.
    pub output: String,
    /// Every command that ran, in order.
    pub steps: Vec<StepOutcome>,
    /// True when the result came from the validation cache.
    #[serde(default)]
    pub cached: bool,
    /// Per-test evidence from the test step, in the order the runner reported the tests
    /// (empty when no test step ran).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tests: Vec<TestReport>,
}

/// Durations serialise as fractional milliseconds, which reads well in JSON reports.
pub mod duration_ms {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64() * 1000.0)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let ms = f64::deserialize(d)?;
        if !ms.is_finite() || ms < 0.0 {
            return Err(serde::de::Error::custom(
                "duration must be a non-negative number of ms",
            ));
        }
        Ok(Duration::from_secs_f64(ms / 1000.0))
    }
}

/// `Option<Duration>` as fractional milliseconds (see [`duration_ms`]).
pub mod optional_duration_ms {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => super::duration_ms::serialize(d, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        let ms = Option::<f64>::deserialize(d)?;
        match ms {
            None => Ok(None),
            Some(ms) if ms.is_finite() && ms >= 0.0 => {
                Ok(Some(Duration::from_secs_f64(ms / 1000.0)))
            }
            Some(_) => Err(serde::de::Error::custom(
                "duration must be a non-negative number of ms",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_names_round_trip() {
        for lang in TargetLanguage::ALL {
            assert_eq!(lang.name().parse::<TargetLanguage>(), Ok(lang));
            let json = serde_json::to_string(&lang).unwrap();
            assert_eq!(json, format!("\"{}\"", lang.name()));
        }
        assert!("cobol".parse::<TargetLanguage>().is_err());
    }

    #[test]
    fn code_error_serialises_with_user_names() {
        let e = CodeError::new(ErrorType::CompilerError("borrow".into()), "cannot borrow")
            .with_code("E0596")
            .with_location(Location::new("main.rs", 3, 5).with_end(3, 9));
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["error_type"]["CompilerError"], "borrow");
        assert_eq!(v["location"]["line"], 3);
        assert_eq!(v["location"]["end_column"], 9);
        let back: CodeError = serde_json::from_value(v).unwrap();
        assert_eq!(back, e);
        assert_eq!(
            e.to_string(),
            "main.rs:3:5: [compiler:borrow][E0596] cannot borrow"
        );
    }
}
