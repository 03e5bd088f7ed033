//! rustc JSON diagnostics (`--error-format=json`) and libtest output (a `rustc --test` binary).
//!
//! # Error codes → categories ([`classify`])
//!
//! | codes | category | why |
//! |---|---|---|
//! | E0432 unresolved import, E0583 file for module not found, E0463 can't find crate | `MissingImport` | a module or crate is missing |
//! | E0433 failed to resolve, when the path names an undeclared/unlinked crate or module, or rustc suggests a `use` line for it | `MissingImport` | |
//! | E0433 failed to resolve, otherwise (undeclared type or value in a path, no import suggested) | `UndefinedVariable` | |
//! | E0425 value/function, E0412 type, E0405 trait, E0422 struct, E0531 tuple struct, E0423 expected value found type, E0424 `self`, E0411 `Self`, E0599 no method/associated item, E0609 no field, E0560 struct has no field; without a code: `cannot find macro`, `cannot find attribute` | `UndefinedVariable` | a name that does not exist where it is used |
//! | E0308 mismatched types, E0277 trait bound not satisfied (`i32: Index<…>`, `f32 + &str`), E0061/E0060/E0057 wrong argument count, E0369/E0368 binary operator not applicable, E0600 unary operator not applicable, E0604/E0605/E0606 invalid cast, E0614 deref of non-pointer, E0608 index into non-indexable, E0620 cast to unsized, E0070 invalid assignment target, E0689 method on ambiguous numeric type, E0282/E0283 type annotations needed, E0107 wrong number of generic args, E0050/E0053 trait method signature mismatch, E0607/E0610/E0618 | `TypeMismatch` | a value or expression of the wrong type |
//! | E0384 assign twice to immutable, E0596/E0594 borrow/assign through immutable, E0499/E0502 conflicting borrows, E0382 use after move, E0505/E0506/E0507/E0508/E0509 move/assign while borrowed, E0597/E0716 value dropped while borrowed, E0373 closure may outlive, E0381 used before init, E0503/E0501/E0713 | `CompilerError("borrow")` | mutability and the borrow checker |
//! | E0106/E0261/E0621/E0623 | `CompilerError("lifetime")` | |
//! | E0765/E0766/E0758/E0762/E0763 unterminated literals and comments | `SyntaxError` | lexer errors that carry a code |
//! | no code, parser messages (`expected …`, `unexpected …`, `… delimiter`, `unterminated …`, `missing … in …`, `lifetimes cannot start with a number`, …) | `SyntaxError` | |
//! | lint codes (`unused_variables`, … under `deny`) | `CompilerError("lint")` | |
//! | anything else | `CompilerError(kind)` (a few named kinds, else `rustc`) | |
//!
//! Every error keeps rustc's own code (`E0308`, or the lint name) in `code`.

use std::collections::BTreeSet;

use serde::Deserialize;

use super::{program_path, ParseInput, Parsed};
use crate::program::Program;
use crate::types::{
    Applicability, CodeError, CompilerSuggestion, ErrorType, Location, Replacement, Termination,
    TestOutcome, TestReport,
};

/// Most non-JSON lines kept as notes on the fallback error.
const MAX_FALLBACK_NOTES: usize = 20;

// ---------------------------------------------------------------------------------------------
// rustc JSON

#[derive(Debug, Deserialize)]
struct Diagnostic {
    #[serde(rename = "$message_type", default)]
    message_type: Option<String>,
    #[serde(default)]
    message: String,
    #[serde(default)]
    code: Option<DiagnosticCode>,
    #[serde(default)]
    level: String,
    #[serde(default)]
    spans: Vec<Span>,
    #[serde(default)]
    children: Vec<Diagnostic>,
}

#[derive(Debug, Deserialize)]
struct DiagnosticCode {
    code: String,
}

#[derive(Debug, Deserialize)]
struct Span {
    file_name: String,
    byte_start: usize,
    byte_end: usize,
    line_start: u32,
    line_end: u32,
    column_start: u32,
    column_end: u32,
    #[serde(default)]
    is_primary: bool,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    suggested_replacement: Option<String>,
    #[serde(default)]
    suggestion_applicability: Option<String>,
    #[serde(default)]
    expansion: Option<Box<Expansion>>,
}

#[derive(Debug, Deserialize)]
struct Expansion {
    span: Span,
}

impl Span {
    fn location(&self) -> Location {
        Location::new(
            program_path(&self.file_name),
            self.line_start,
            self.column_start,
        )
        .with_end(self.line_end, self.column_end)
    }
}

/// Parses rustc's `--error-format=json` diagnostics (one JSON object per stderr line).
///
/// Only `error`-level diagnostics become errors (warnings do not fail a build); rustc's closing
/// summaries ("aborting due to …") are skipped. If the command failed but printed no JSON error
/// (rustc crashed, could not read the file, was killed), one fallback error carries what it said.
pub fn parse_rustc_json(input: &ParseInput<'_>) -> Vec<CodeError> {
    let mut errors = Vec::new();
    let mut other_lines = Vec::new();
    for line in input.stderr.lines().chain(input.stdout.lines()) {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        let diagnostic = if trimmed.starts_with('{') {
            serde_json::from_str::<Diagnostic>(trimmed).ok()
        } else {
            None
        };
        match diagnostic {
            Some(d) => {
                if let Some(error) = convert_diagnostic(&d, input.program) {
                    errors.push(error);
                }
            }
            None => other_lines.push(trimmed.to_string()),
        }
    }
    if let Some(killed) = super::limits::limit_error(input) {
        errors.push(killed);
        return errors;
    }
    let failed =
        input.exit_code.is_some_and(|c| c != 0) || input.termination != Termination::Exited;
    if errors.is_empty() && failed {
        errors.push(fallback_error(input, &other_lines, "rustc"));
    }
    errors
}

fn convert_diagnostic(d: &Diagnostic, program: &Program) -> Option<CodeError> {
    if d.message_type.as_deref().is_some_and(|t| t != "diagnostic") {
        return None;
    }
    let ice = d.level.starts_with("error: internal compiler error");
    if d.level != "error" && !ice {
        return None;
    }
    if is_summary(&d.message) {
        return None;
    }
    let code = d.code.as_ref().map(|c| c.code.clone());
    let error_type = if ice {
        ErrorType::CompilerError("ice".into())
    } else {
        classify(
            code.as_deref(),
            &d.message,
            d.spans.iter().filter_map(|s| s.label.as_deref()),
            suggests_import(&d.children),
        )
    };
    let mut error = CodeError::new(error_type, d.message.clone());
    error.code = code;
    let primary = primary_span(&d.spans, program);
    error.location = primary.map(Span::location);

    // Labels say what the headline does not ("expected `i32`, found `String`").
    for span in &d.spans {
        if let Some(label) = span.label.as_deref().filter(|l| !l.is_empty()) {
            if primary.is_some_and(|p| std::ptr::eq(p, span)) {
                error.notes.insert(0, label.to_string());
            } else {
                let loc = span.location();
                error
                    .notes
                    .push(format!("{}:{}:{}: {label}", loc.file, loc.line, loc.column));
            }
        }
    }
    if let Some(suggestion) = suggestion_from(&d.message, &d.spans) {
        error.suggestions.push(suggestion);
    }
    collect_children(&d.children, &mut error);
    Some(error)
}

/// rustc's closing lines, which repeat what the real diagnostics already said.
fn is_summary(message: &str) -> bool {
    message.starts_with("aborting due to")
        || message.starts_with("Some errors have detailed explanations")
        || message.starts_with("For more information about")
}

/// The span the error is "at": the first primary span in a program file, following macro
/// expansions back to the call site when the primary span lies inside a macro definition
/// outside the program (std's `assert_eq!`, `vec!`, …).
fn primary_span<'a>(spans: &'a [Span], program: &Program) -> Option<&'a Span> {
    let in_program = |s: &Span| {
        program.files.is_empty() || program.files.contains_key(program_path(&s.file_name))
    };
    let primaries: Vec<&Span> = spans.iter().filter(|s| s.is_primary).collect();
    if let Some(s) = primaries.iter().copied().find(|s| in_program(s)) {
        return Some(s);
    }
    for s in &primaries {
        let mut current: &Span = s;
        while let Some(expansion) = &current.expansion {
            current = &expansion.span;
            if in_program(current) {
                return Some(current);
            }
        }
    }
    spans
        .iter()
        .find(|s| in_program(s))
        .or_else(|| primaries.first().copied())
        .or_else(|| spans.first())
}

fn collect_children(children: &[Diagnostic], error: &mut CodeError) {
    for child in children {
        if !child.message.is_empty() {
            let level = if child.level.is_empty() {
                "note"
            } else {
                child.level.as_str()
            };
            error.notes.push(format!("{level}: {}", child.message));
        }
        if let Some(suggestion) = suggestion_from(&child.message, &child.spans) {
            error.suggestions.push(suggestion);
        }
        collect_children(&child.children, error);
    }
}

/// One suggestion from every span of a diagnostic that carries a replacement.
fn suggestion_from(message: &str, spans: &[Span]) -> Option<CompilerSuggestion> {
    let mut replacements = Vec::new();
    let mut applicability = Applicability::Unspecified;
    for span in spans {
        let Some(text) = &span.suggested_replacement else {
            continue;
        };
        if replacements.is_empty() {
            applicability = map_applicability(span.suggestion_applicability.as_deref());
        }
        replacements.push(Replacement {
            file: program_path(&span.file_name).to_string(),
            byte_start: span.byte_start,
            byte_end: span.byte_end,
            text: text.clone(),
        });
    }
    (!replacements.is_empty()).then(|| CompilerSuggestion {
        message: message.to_string(),
        applicability,
        replacements,
    })
}

fn map_applicability(level: Option<&str>) -> Applicability {
    match level {
        Some("MachineApplicable") => Applicability::MachineApplicable,
        Some("MaybeIncorrect") => Applicability::MaybeIncorrect,
        Some("HasPlaceholders") => Applicability::HasPlaceholders,
        _ => Applicability::Unspecified,
    }
}

/// Codes for a name that does not exist where it is used (see the module table).
const UNDEFINED_CODES: &[&str] = &[
    "E0425", "E0412", "E0405", "E0422", "E0531", "E0423", "E0424", "E0411", "E0599", "E0609",
    "E0560", "E0433",
];
/// Codes for a module or crate that cannot be found.
const MISSING_IMPORT_CODES: &[&str] = &["E0432", "E0583", "E0463"];
/// Codes for a value of the wrong type (see the module table).
const TYPE_CODES: &[&str] = &[
    "E0308", "E0277", "E0061", "E0060", "E0057", "E0369", "E0368", "E0600", "E0604", "E0605",
    "E0606", "E0607", "E0614", "E0608", "E0620", "E0070", "E0689", "E0282", "E0283", "E0107",
    "E0050", "E0053", "E0610", "E0618",
];
/// Mutability and borrow-checker codes.
const BORROW_CODES: &[&str] = &[
    "E0384", "E0596", "E0594", "E0502", "E0499", "E0382", "E0505", "E0506", "E0507", "E0508",
    "E0509", "E0597", "E0716", "E0373", "E0381", "E0503", "E0501", "E0713", "E0515",
];
const LIFETIME_CODES: &[&str] = &["E0106", "E0261", "E0621", "E0623"];
/// Lexer errors that rustc gives a code.
const SYNTAX_CODES: &[&str] = &["E0765", "E0766", "E0758", "E0762", "E0763"];

/// Parser messages, which carry no code. Matched at the start of the message.
const SYNTAX_PREFIXES: &[&str] = &[
    "expected ",
    "unexpected ",
    "unterminated ",
    "unclosed ",
    "mismatched closing delimiter",
    "this file contains an unclosed delimiter",
    "unknown start of token",
    "missing `",
    "missing type for",
    "lifetimes cannot start with a number",
    "comparison operators cannot be chained",
    "incorrect use of `await`",
    "invalid ",
    "found ",
    "keyword `",
    "character literal may only contain one codepoint",
    "prefix `",
    "unknown character escape",
    "float literals must have an integer part",
    "leading `+` is not supported",
    "Rust has no ",
    "`else if` is not",
    "attribute without generic parameters",
    "an inner attribute is not permitted",
    "return types are denoted using `->`",
    "visibility `pub` is not followed by an item",
    "functions are not allowed in",
];

/// True when a help of the diagnostic suggests a `use` line ("consider importing this
/// struct: `use std::collections::HashMap;`").
fn suggests_import(children: &[Diagnostic]) -> bool {
    children.iter().any(|child| {
        child.spans.iter().any(|s| {
            s.suggested_replacement
                .as_deref()
                .is_some_and(|r| r.trim_start().starts_with("use "))
        }) || suggests_import(&child.children)
    })
}

/// The category of one rustc diagnostic; `labels` are its span labels (E0433 needs them), and
/// `suggests_import` says whether rustc suggested a `use` line for it.
fn classify<'a>(
    code: Option<&str>,
    message: &str,
    mut labels: impl Iterator<Item = &'a str>,
    suggests_import: bool,
) -> ErrorType {
    let Some(code) = code else {
        if message.starts_with("cannot find macro") || message.starts_with("cannot find attribute")
        {
            return ErrorType::UndefinedVariable;
        }
        if SYNTAX_PREFIXES.iter().any(|p| message.starts_with(p)) {
            return ErrorType::SyntaxError;
        }
        return ErrorType::CompilerError("rustc".into());
    };
    if code == "E0433" {
        // "failed to resolve: use of undeclared crate or module `foo`" (older rustc) or
        // "use of unresolved module or unlinked crate `foo`" (newer) name a missing import;
        // "use of undeclared type `Foo`" names an undefined item, unless rustc suggests the
        // `use` line that brings it in: then the import is what is missing.
        let text = |t: &str| t.contains("crate") || t.contains("module");
        if suggests_import || text(message) || labels.any(text) {
            return ErrorType::MissingImport;
        }
        return ErrorType::UndefinedVariable;
    }
    if MISSING_IMPORT_CODES.contains(&code) {
        ErrorType::MissingImport
    } else if UNDEFINED_CODES.contains(&code) {
        ErrorType::UndefinedVariable
    } else if TYPE_CODES.contains(&code) {
        ErrorType::TypeMismatch
    } else if BORROW_CODES.contains(&code) {
        ErrorType::CompilerError("borrow".into())
    } else if LIFETIME_CODES.contains(&code) {
        ErrorType::CompilerError("lifetime".into())
    } else if SYNTAX_CODES.contains(&code) {
        ErrorType::SyntaxError
    } else if !code.starts_with('E') {
        // Lint names (`unused_variables`, `dead_code`, …) when a lint is set to deny.
        ErrorType::CompilerError("lint".into())
    } else {
        ErrorType::CompilerError(
            match code {
                "E0004" | "E0005" => "non_exhaustive",
                "E0428" | "E0201" | "E0124" | "E0415" | "E0416" => "duplicate",
                "E0601" => "missing_main",
                "E0603" | "E0616" | "E0624" => "privacy",
                "E0015" | "E0658" => "unsupported",
                "E0046" => "missing_trait_item",
                "E0117" | "E0119" | "E0120" => "trait_impl",
                _ => "rustc",
            }
            .into(),
        )
    }
}

/// One error for a command that failed without output this parser understands.
fn fallback_error(input: &ParseInput<'_>, lines: &[String], kind: &str) -> CodeError {
    let headline = lines
        .iter()
        .find(|l| l.starts_with("error"))
        .or_else(|| lines.first())
        .cloned();
    let message = match (headline, input.exit_code) {
        (Some(line), _) => line,
        (None, Some(code)) => format!(
            "`{}` failed with exit status {code} and printed no diagnostics",
            input.command.join(" ")
        ),
        (None, None) => format!(
            "`{}` was killed by a signal and printed no diagnostics",
            input.command.join(" ")
        ),
    };
    let mut error = CodeError::new(ErrorType::CompilerError(kind.into()), message);
    error.notes = lines.iter().take(MAX_FALLBACK_NOTES).cloned().collect();
    error
}

// ---------------------------------------------------------------------------------------------
// libtest

/// One panic found in libtest output.
#[derive(Debug, Default)]
struct Panic {
    thread: String,
    location: Option<Location>,
    message: Vec<String>,
}

/// Parses the output of a test binary built with `rustc --test`.
///
/// Every `test NAME ... FAILED` becomes a `TestFailure` named `NAME`, with the panic message of
/// its `---- NAME stdout ----` block and the location of `panicked at FILE:LINE:COL:`. A panic on
/// a thread that is not a test (`main`, the harness) becomes `CompilerError("panic")`; a binary the
/// sandbox stopped becomes a limit error ([`super::limits`]), naming the tests still running.
pub fn parse_libtest(input: &ParseInput<'_>) -> Vec<CodeError> {
    let text = format!("{}\n{}", input.stdout, input.stderr);
    let lines: Vec<&str> = text.lines().collect();

    let mut failed: Vec<String> = Vec::new();
    let mut finished: BTreeSet<String> = BTreeSet::new();
    let mut started: Vec<String> = Vec::new();
    let mut long_running: Vec<String> = Vec::new();
    for line in &lines {
        if let Some((name, result)) = test_result_line(line) {
            match result {
                Some(result) => {
                    finished.insert(name.clone());
                    if result.starts_with("FAILED") && !failed.contains(&name) {
                        failed.push(name);
                    }
                }
                None => started.push(name),
            }
        } else if let Some(rest) = line.strip_prefix("test ") {
            if let Some(name) = rest.strip_suffix(" has been running for over 60 seconds") {
                long_running.push(name.trim().to_string());
            }
        }
    }

    let blocks = stdout_blocks(&lines);
    let panics = find_panics(&lines);

    let mut errors = Vec::new();
    for name in &failed {
        let mut error = CodeError::new(ErrorType::TestFailure, String::new());
        error.test_name = Some(name.clone());
        let block = blocks
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b.as_slice());
        let panic = panics.iter().find(|p| &p.thread == name);
        match (panic, block) {
            (Some(p), _) => {
                error.message = p.message.join("\n");
                error.location = p.location.clone();
            }
            (None, Some(block)) => {
                let useful: Vec<&str> = block
                    .iter()
                    .map(|l| l.trim_end())
                    .filter(|l| !l.is_empty() && !l.starts_with("note: run with"))
                    .collect();
                error.message = useful.join("\n");
            }
            (None, None) => {}
        }
        if error.message.is_empty() {
            error.message = format!("test {name} failed");
        }
        errors.push(error);
    }

    // Panics on threads that are not failed tests: `main` (a harness failure) or threads a
    // test spawned. A panic in a spawned thread inside a failed test is already reported.
    for p in &panics {
        if failed.contains(&p.thread) || finished.contains(&p.thread) {
            continue;
        }
        let mut error = CodeError::new(
            ErrorType::CompilerError("panic".into()),
            format!("thread '{}' panicked: {}", p.thread, p.message.join("\n")),
        )
        .with_code("panic");
        error.location = p.location.clone();
        errors.push(error);
    }

    let running: Vec<String> = started
        .iter()
        .filter(|n| !finished.contains(*n))
        .chain(long_running.iter())
        .fold(Vec::new(), |mut acc, n| {
            if !acc.contains(n) {
                acc.push(n.clone());
            }
            acc
        });
    if let Some(killed) = super::limits::limit_error_running(input, &running) {
        errors.push(killed);
        return errors;
    }

    if input.termination == Termination::Signaled
        || lines.iter().any(|l| l.starts_with("fatal runtime error"))
    {
        // Stack overflow and aborts kill the whole harness; name the thread if libtest did.
        let overflow = lines.iter().find_map(|l| {
            l.strip_prefix("thread '")
                .and_then(|r| r.split_once('\''))
                .filter(|(_, rest)| rest.contains("has overflowed its stack"))
                .map(|(name, _)| name.to_string())
        });
        let fatal = lines
            .iter()
            .find(|l| l.starts_with("fatal runtime error"))
            .map(|l| l.to_string());
        let message = match (&overflow, fatal) {
            (Some(thread), _) => format!("thread '{thread}' has overflowed its stack"),
            (None, Some(line)) => line,
            (None, None) => "the test harness was killed by a signal".to_string(),
        };
        let mut error =
            CodeError::new(ErrorType::CompilerError("crash".into()), message).with_code("crash");
        error.test_name = overflow.or_else(|| (running.len() == 1).then(|| running[0].clone()));
        errors.push(error);
        return errors;
    }

    if errors.is_empty() && input.exit_code.is_some_and(|c| c != 0) {
        let other: Vec<String> = lines
            .iter()
            .map(|l| l.trim())
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        errors.push(fallback_error(input, &other, "test_harness"));
    }
    errors
}

// ---------------------------------------------------------------------------------------------
// libtest, judged

pub use super::codes::{TESTS_INCOMPLETE, TESTS_SUMMARY_MISMATCH, TEST_EXITED};

/// Parses a test step's run of a libtest binary into errors and per-test evidence, and judges
/// whether the run proves that every announced test ran to its end.
///
/// The step passes only if: libtest announced `running N tests`; N result lines followed (each
/// test once); the `test result:` summary is there and its passed/failed/ignored counts equal
/// the result lines'; and the exit status agrees with the summary. Anything else is a
/// `TestFailure` with code [`TESTS_INCOMPLETE`] or [`TESTS_SUMMARY_MISMATCH`]. With
/// `-Zpanic-abort-tests` (see `toolchains/rust.toml`) each test runs in its own process whose
/// output libtest captures, so a test that exits reports [`TEST_EXITED`] and a test's own
/// printing never reaches the harness output.
///
/// Outside the `test` step (a program's own run) this is [`parse_libtest`].
pub fn parse_test_run(input: &ParseInput<'_>) -> Parsed {
    if input.step != "test" {
        return parse_libtest(input).into();
    }
    let text = format!("{}\n{}", input.stdout, input.stderr);
    let lines: Vec<&str> = text.lines().collect();
    let run = HarnessRun::read(&lines);
    let blocks = merged_blocks(&lines);

    let mut errors = Vec::new();
    let mut reports = Vec::new();
    for result in &run.results {
        let mut report = TestReport::new(result.name.clone(), result.outcome);
        report.duration = result.duration;
        let block = blocks
            .iter()
            .find(|(n, _)| *n == result.name)
            .map(|(_, b)| b.as_slice())
            .unwrap_or_default();
        // In-process runs name the panicking thread after the test; per-process runs call it
        // `main` and put it in the test's own block.
        let panics = find_panics(block);
        let panic = panics
            .first()
            .or_else(|| run.panics_outside.iter().find(|p| p.thread == result.name));
        if result.outcome == TestOutcome::Failed {
            let exited = block.iter().find_map(|l| {
                l.trim()
                    .strip_prefix("note: got unexpected return code ")
                    .map(str::to_string)
            });
            let mut error = CodeError::new(ErrorType::TestFailure, String::new());
            error.test_name = Some(result.name.clone());
            if let Some(status) = &exited {
                report.outcome = TestOutcome::Incomplete;
                error.message = format!(
                    "test {} exited with status {status} before it finished (a process exit \
                     inside the test); its result is unknown",
                    result.name
                );
                error.code = Some(TEST_EXITED.to_string());
                report.message = Some(error.message.clone());
            } else if let Some(p) = panic {
                error.message = p.message.join("\n");
                error.location = p.location.clone();
            } else {
                let useful: Vec<&str> = block
                    .iter()
                    .map(|l| l.trim_end())
                    .filter(|l| !l.is_empty() && !l.starts_with("note: run with"))
                    .collect();
                error.message = useful.join("\n");
            }
            if error.message.is_empty() {
                error.message = format!("test {} failed", result.name);
            }
            if exited.is_none() {
                if let Some(p) = panic {
                    let (expected, actual) = assert_values(&p.message);
                    report.expected = expected;
                    report.actual = actual;
                    report.assertion = p.location.clone();
                    report.message = p.message.first().cloned();
                } else {
                    report.message = error.message.lines().next().map(str::to_string);
                }
            }
            errors.push(error);
        }
        report.frames = report
            .assertion
            .iter()
            .filter(|l| input.program.files.contains_key(&l.file))
            .cloned()
            .collect();
        report.file = defining_file(input.program, &result.name, report.assertion.as_ref());
        reports.push(report);
    }
    let running = run.pending.clone();
    if let Some(name) = &running {
        let mut report = TestReport::new(name.clone(), TestOutcome::Incomplete);
        report.file = defining_file(input.program, name, None);
        reports.push(report);
    }

    let still_running: Vec<String> = running.iter().cloned().collect();
    if let Some(killed) = super::limits::limit_error_running(input, &still_running) {
        errors.push(killed);
        return Parsed::new(errors, reports);
    }
    if input.termination == Termination::Signaled
        || lines.iter().any(|l| l.starts_with("fatal runtime error"))
    {
        let fatal = lines
            .iter()
            .find(|l| l.starts_with("fatal runtime error"))
            .map(|l| l.to_string());
        let message = fatal.unwrap_or_else(|| {
            format!(
                "the test harness was killed by signal {}",
                input.exit_code.unwrap_or_default()
            )
        });
        let mut error =
            CodeError::new(ErrorType::CompilerError("crash".into()), message).with_code("crash");
        error.test_name = running.clone();
        errors.push(error);
        return Parsed::new(errors, reports);
    }

    if let Some(problem) = run.integrity(input.exit_code) {
        let (code, message) = problem;
        let mut error = CodeError::new(ErrorType::TestFailure, message).with_code(code);
        error.test_name = running;
        errors.push(error);
    } else if errors.is_empty() && input.exit_code != Some(0) {
        let other: Vec<String> = lines
            .iter()
            .map(|l| l.trim())
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        errors.push(fallback_error(input, &other, "test_harness"));
    }
    Parsed::new(errors, reports)
}

/// One `test NAME ... RESULT` line.
#[derive(Debug)]
struct TestLine {
    name: String,
    outcome: TestOutcome,
    duration: Option<std::time::Duration>,
}

/// libtest's `test result:` line.
#[derive(Debug, PartialEq, Eq)]
struct Summary {
    ok: bool,
    passed: usize,
    failed: usize,
    ignored: usize,
}

/// What the harness said about the run as a whole.
#[derive(Debug, Default)]
struct HarnessRun {
    /// `running N tests`.
    announced: Option<usize>,
    results: Vec<TestLine>,
    /// A test whose `test NAME ... ` line never got its result.
    pending: Option<String>,
    summary: Option<Summary>,
    /// Result lines for a name already reported.
    duplicates: Vec<String>,
    /// Panics outside the failure blocks (in-process runs print them there too).
    panics_outside: Vec<Panic>,
}

impl HarnessRun {
    fn read(lines: &[&str]) -> HarnessRun {
        let mut run = HarnessRun::default();
        let mut in_run = false;
        for line in lines {
            if run.announced.is_none() {
                if let Some(n) = running_line(line) {
                    run.announced = Some(n);
                    in_run = true;
                }
                continue;
            }
            if let Some(summary) = summary_line(line) {
                if run.summary.is_none() {
                    run.summary = Some(summary);
                }
                in_run = false;
                continue;
            }
            // Result lines end at the failure blocks (which hold the tests' own output).
            if line.trim_end() == "failures:" {
                in_run = false;
            }
            if !in_run {
                continue;
            }
            let Some((name, result)) = test_result_line(line) else {
                continue;
            };
            let Some(result) = result else {
                run.pending = Some(name);
                continue;
            };
            if run.pending.as_deref() == Some(name.as_str()) {
                run.pending = None;
            }
            let (word, rest) = result
                .split_once([' ', ','])
                .unwrap_or((result.as_str(), ""));
            let outcome = match word {
                "ok" => TestOutcome::Passed,
                "FAILED" => TestOutcome::Failed,
                "ignored" => TestOutcome::Skipped,
                // Anything else is not a result libtest writes.
                _ => continue,
            };
            if run.results.iter().any(|r| r.name == name) {
                run.duplicates.push(name);
                continue;
            }
            run.results.push(TestLine {
                name,
                outcome,
                duration: report_time(rest),
            });
        }
        run.panics_outside = find_panics(lines);
        run
    }

    /// The reason this run does not prove its tests ran to the end, if there is one.
    fn integrity(&self, exit_code: Option<i32>) -> Option<(&'static str, String)> {
        let Some(announced) = self.announced else {
            return Some((
                TESTS_INCOMPLETE,
                format!(
                    "the test binary exited with status {} before libtest announced its tests \
                     (no `running N tests` line)",
                    exit_code.map_or("unknown".into(), |c| c.to_string())
                ),
            ));
        };
        let finished = self.results.len();
        let Some(summary) = &self.summary else {
            let during = self
                .pending
                .as_ref()
                .map(|n| format!(", during test {n}"))
                .unwrap_or_default();
            return Some((
                TESTS_INCOMPLETE,
                format!(
                    "the test run ended before libtest's summary (exit status {}{during}): \
                     {announced} tests announced, {finished} finished",
                    exit_code.map_or("unknown".into(), |c| c.to_string())
                ),
            ));
        };
        if finished < announced {
            return Some((
                TESTS_INCOMPLETE,
                format!(
                    "libtest announced {announced} tests but reported {finished}: the others \
                     never ran to the end"
                ),
            ));
        }
        let count = |o: TestOutcome| self.results.iter().filter(|r| r.outcome == o).count();
        let seen = Summary {
            ok: count(TestOutcome::Failed) == 0,
            passed: count(TestOutcome::Passed),
            failed: count(TestOutcome::Failed),
            ignored: count(TestOutcome::Skipped),
        };
        if !self.duplicates.is_empty() || finished > announced || *summary != seen {
            return Some((
                TESTS_SUMMARY_MISMATCH,
                format!(
                    "libtest's summary does not agree with its test lines ({announced} \
                     announced; summary: {} passed, {} failed, {} ignored; lines: {} passed, {} \
                     failed, {} ignored{}): the output holds lines the harness did not write",
                    summary.passed,
                    summary.failed,
                    summary.ignored,
                    seen.passed,
                    seen.failed,
                    seen.ignored,
                    if self.duplicates.is_empty() {
                        String::new()
                    } else {
                        format!("; reported twice: {}", self.duplicates.join(", "))
                    }
                ),
            ));
        }
        if summary.ok != (exit_code == Some(0)) {
            return Some((
                TESTS_SUMMARY_MISMATCH,
                format!(
                    "libtest's summary says {} but the test binary exited with status {}",
                    if summary.ok { "ok" } else { "FAILED" },
                    exit_code.map_or("unknown".into(), |c| c.to_string())
                ),
            ));
        }
        None
    }
}

/// `running 3 tests` / `running 1 test` → the count.
fn running_line(line: &str) -> Option<usize> {
    let rest = line.trim_end().strip_prefix("running ")?;
    let n = rest
        .strip_suffix(" tests")
        .or_else(|| rest.strip_suffix(" test"))?;
    n.parse().ok()
}

/// `test result: ok. 2 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.00s`.
fn summary_line(line: &str) -> Option<Summary> {
    let rest = line.trim_end().strip_prefix("test result: ")?;
    let (verdict, counts) = rest.split_once(". ")?;
    let ok = match verdict {
        "ok" => true,
        "FAILED" => false,
        _ => return None,
    };
    let count = |what: &str| -> Option<usize> {
        counts.split(';').find_map(|part| {
            part.trim()
                .strip_suffix(what)
                .and_then(|n| n.trim().parse().ok())
        })
    };
    Some(Summary {
        ok,
        passed: count(" passed").or_else(|| count("passed"))?,
        failed: count(" failed").or_else(|| count("failed"))?,
        ignored: count(" ignored").or_else(|| count("ignored"))?,
    })
}

/// `<0.004s>` (libtest's `--report-time`) → the duration.
fn report_time(rest: &str) -> Option<std::time::Duration> {
    let inner = rest.trim().strip_prefix('<')?.strip_suffix("s>")?;
    let secs: f64 = inner.parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| std::time::Duration::from_secs_f64(secs))
}

/// The failure blocks, with a test's `stdout` and `stderr` blocks joined.
fn merged_blocks<'a>(lines: &[&'a str]) -> Vec<(String, Vec<&'a str>)> {
    let mut merged: Vec<(String, Vec<&'a str>)> = Vec::new();
    for (name, body) in stdout_blocks(lines) {
        match merged.iter_mut().find(|(n, _)| *n == name) {
            Some((_, all)) => all.extend(body),
            None => merged.push((name, body)),
        }
    }
    merged
}

/// `assert_eq!`/`assert_ne!`'s `left:`/`right:` values, as (expected, actual): by the common
/// convention `assert_eq!(actual, expected)`, `right` is the expected value.
fn assert_values(message: &[String]) -> (Option<String>, Option<String>) {
    let mut left: Option<String> = None;
    let mut right: Option<String> = None;
    // Which value the following lines continue (a multi-line `{:#?}` value), if any.
    let mut continuing_left = None;
    for line in message {
        if let Some(v) = line.strip_prefix("  left: ") {
            left = Some(v.to_string());
            continuing_left = Some(true);
        } else if let Some(v) = line.strip_prefix(" right: ") {
            right = Some(v.to_string());
            continuing_left = Some(false);
        } else if let Some(is_left) = continuing_left {
            let slot = if is_left { &mut left } else { &mut right };
            if let Some(text) = slot.as_mut() {
                text.push('\n');
                text.push_str(line);
            }
        }
    }
    (right, left)
}

/// The program file that defines test `name` (`tests::adds` → the file with `fn adds`),
/// preferring the file of the failing assertion.
fn defining_file(program: &Program, name: &str, assertion: Option<&Location>) -> Option<String> {
    let function = name.rsplit("::").next().unwrap_or(name);
    let pattern = format!("fn {function}(");
    if let Some(loc) = assertion {
        if program
            .files
            .get(&loc.file)
            .is_some_and(|t| t.contains(&pattern))
        {
            return Some(loc.file.clone());
        }
    }
    program
        .files
        .iter()
        .find(|(_, text)| text.contains(&pattern))
        .map(|(path, _)| path.clone())
}

/// `test NAME ... RESULT` → (NAME, Some(RESULT)); `test NAME ... ` (result still pending,
/// single-threaded runs) → (NAME, None).
fn test_result_line(line: &str) -> Option<(String, Option<String>)> {
    let rest = line.strip_prefix("test ")?;
    let (name, result) = rest.split_once(" ... ")?;
    let name = name.trim_end_matches(" - should panic").trim();
    let name = name.split(" - ").next().unwrap_or(name).to_string();
    let result = result.trim();
    Some((name, (!result.is_empty()).then(|| result.to_string())))
}

/// The `---- NAME stdout ----` blocks, each up to the next block or the `failures:` list.
fn stdout_blocks<'a>(lines: &[&'a str]) -> Vec<(String, Vec<&'a str>)> {
    let mut blocks: Vec<(String, Vec<&'a str>)> = Vec::new();
    let mut current: Option<(String, Vec<&'a str>)> = None;
    for line in lines {
        if let Some(name) = line
            .strip_prefix("---- ")
            .and_then(|r| r.strip_suffix(" ----"))
            .and_then(|r| {
                r.strip_suffix(" stdout")
                    .or_else(|| r.strip_suffix(" stderr"))
            })
        {
            blocks.extend(current.take());
            current = Some((name.trim().to_string(), Vec::new()));
        } else if line.trim_end() == "failures:" || line.starts_with("test result:") {
            blocks.extend(current.take());
        } else if let Some((_, body)) = current.as_mut() {
            body.push(line);
        }
    }
    blocks.extend(current);
    blocks
}

/// Every `thread 'NAME' (ID) panicked at FILE:LINE:COL:` with the message lines after it.
/// Also reads the pre-1.73 form `thread 'NAME' panicked at 'MESSAGE', FILE:LINE:COL`.
fn find_panics(lines: &[&str]) -> Vec<Panic> {
    let mut panics = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some((thread, rest)) = lines[i]
            .strip_prefix("thread '")
            .and_then(|r| r.split_once('\''))
        else {
            i += 1;
            continue;
        };
        let Some(at) = rest.find("panicked at ") else {
            i += 1;
            continue;
        };
        let after = &rest[at + "panicked at ".len()..];
        let mut panic = Panic {
            thread: thread.to_string(),
            ..Panic::default()
        };
        i += 1;
        if let Some(old) = after.strip_prefix('\'') {
            // Old form: the message is quoted on the same line, the location follows it.
            if let Some((message, loc)) = old.rsplit_once("', ") {
                panic.message.push(message.to_string());
                panic.location = parse_file_line_col(loc.trim_end_matches(':'));
            }
        } else {
            panic.location = parse_file_line_col(after.trim_end().trim_end_matches(':'));
        }
        while i < lines.len() {
            let line = lines[i];
            if line.starts_with("note: run with `RUST_BACKTRACE")
                || line.starts_with("stack backtrace:")
                || line.starts_with("thread '")
                || line.starts_with("---- ")
                || line.trim_end() == "failures:"
                || line.starts_with("test ")
            {
                break;
            }
            panic.message.push(line.trim_end().to_string());
            i += 1;
        }
        while panic.message.last().is_some_and(|l| l.is_empty()) {
            panic.message.pop();
        }
        if panic.message.is_empty() {
            panic.message.push("explicit panic".to_string());
        }
        panics.push(panic);
    }
    panics
}

/// `FILE:LINE:COL` (the file may itself contain `:`) as a program-relative location.
fn parse_file_line_col(text: &str) -> Option<Location> {
    let (rest, col) = text.rsplit_once(':')?;
    let (file, line) = rest.rsplit_once(':')?;
    let line: u32 = line.parse().ok()?;
    let col: u32 = col.parse().ok()?;
    Some(Location::new(program_path(file), line, col))
}

#[cfg(test)]
mod tests {
    use super::*;
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

    #[test]
    fn undefined_name_e0425() {
        let errors = check(&fixture("e0425_cannot_find_value.jsonl"));
        assert_eq!(errors.len(), 1);
        let e = &errors[0];
        assert_eq!(e.error_type, ErrorType::UndefinedVariable);
        assert_eq!(e.code.as_deref(), Some("E0425"));
        assert_eq!(e.message, "cannot find value `totl` in this scope");
        assert_eq!(at(e), ("lib.rs".into(), 4, 5));
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
        let errors = check(&fixture("e0308_mismatched_types.jsonl"));
        assert_eq!(errors.len(), 1);
        let e = &errors[0];
        assert_eq!(e.error_type, ErrorType::TypeMismatch);
        assert_eq!(e.code.as_deref(), Some("E0308"));
        assert_eq!(e.message, "mismatched types");
        assert_eq!(at(e), ("lib.rs".into(), 2, 18));
        assert_eq!(e.notes[0], "expected `i32`, found `&str`");
    }

    #[test]
    fn unresolved_import_e0432_and_undeclared_crate_e0433() {
        let errors = check(&fixture("e0432_e0433_unresolved.jsonl"));
        let summary: Vec<_> = errors
            .iter()
            .map(|e| (e.error_type.clone(), e.code.clone().unwrap(), at(e)))
            .collect();
        assert_eq!(
            summary,
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
        let errors = check(&fixture("e0433_import_suggestion.jsonl"));
        assert_eq!(errors.len(), 1);
        let e = &errors[0];
        assert_eq!(e.error_type, ErrorType::MissingImport);
        assert_eq!(e.code.as_deref(), Some("E0433"));
        assert_eq!(e.message, "cannot find type `HashMap` in this scope");
        assert_eq!(at(e), ("lib.rs".into(), 2, 17));
        assert_eq!(e.suggestions.len(), 1);
        assert_eq!(
            e.suggestions[0].replacements[0].text,
            "use std::collections::HashMap;\n\n"
        );
    }

    #[test]
    fn syntax_error_with_machine_applicable_fix() {
        let errors = check(&fixture("syntax_expected_semicolon.jsonl"));
        assert_eq!(errors.len(), 1);
        let e = &errors[0];
        assert_eq!(e.error_type, ErrorType::SyntaxError);
        assert_eq!(e.code, None);
        assert_eq!(e.message, "expected `;`, found keyword `return`");
        assert_eq!(at(e), ("lib.rs".into(), 2, 14));
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
        let summary: Vec<_> = errors
            .iter()
            .map(|e| (e.error_type.clone(), e.code.clone().unwrap(), at(e)))
            .collect();
        let borrow = ErrorType::CompilerError("borrow".into());
        assert_eq!(
            summary,
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
        assert_eq!(e.error_type, ErrorType::TestFailure);
        assert_eq!(e.code.as_deref(), Some("timeout"));
        assert_eq!(e.test_name.as_deref(), Some("tests::spins"));
        assert_eq!(
            e.message,
            crate::diagnostics::limits::limit_message("timeout")
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
        let stderr = "\nthread 'tests::recurse' has overflowed its stack\nfatal runtime error: stack overflow\n";
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

        let parsed = judge("", Some(0));
        assert_eq!(codes(&parsed), [Some(TESTS_INCOMPLETE)]);
        let parsed = judge(
            "\nrunning 2 tests\ntest tests::a ... ok\n\ntest result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s\n",
            Some(0),
        );
        assert_eq!(codes(&parsed), [Some(TESTS_INCOMPLETE)]);
    }

    #[test]
    fn a_summary_that_disagrees_with_the_test_lines_fails() {
        let summary = "test result: ok. 2 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s";
        // A forged second result for the same test.
        let parsed = judge(
            &format!(
                "\nrunning 2 tests\ntest tests::a ... ok\ntest tests::a ... ok\n\n{summary}\n"
            ),
            Some(0),
        );
        assert_eq!(codes(&parsed), [Some(TESTS_INCOMPLETE)]);
        let parsed = judge(
            &format!(
                "\nrunning 2 tests\ntest tests::a ... ok\ntest tests::b ... FAILED\n\n{summary}\n"
            ),
            Some(0),
        );
        assert_eq!(codes(&parsed), [None, Some(TESTS_SUMMARY_MISMATCH)]);
        let parsed = judge(
            &format!(
                "\nrunning 2 tests\ntest tests::a ... ok\ntest tests::b ... ok\n\n{summary}\n"
            ),
            Some(101),
        );
        assert_eq!(codes(&parsed), [Some(TESTS_SUMMARY_MISMATCH)]);
        let parsed = judge(
            &format!("\nrunning 2 tests\ntest tests::a ... ok <0.002s>\ntest tests::b ... ok\n\n{summary}\n"),
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
}
