//! `go build`, `go vet` and `go test -v` output (Go 1.19+, GOPATH or module mode).
//!
//! Go prints no error codes, so every error gets a short stable code of ours:
//!
//! | message (gc compiler / `go vet` type checker) | category | code |
//! |---|---|---|
//! | `syntax error: …`, scanner errors (`newline in string`, `string literal not terminated`, `invalid character …`), go/parser's `expected …` | `SyntaxError` | `syntax` |
//! | `undefined: x`, `undeclared name: x` | `UndefinedVariable` | `undefined` |
//! | `x.Y undefined (type T has no field or method Y)`, `undefined: pkg.Name`, `Name not declared by package pkg`, `cannot refer to unexported name` | `UndefinedVariable` | `undefined_member` |
//! | `undefined: strings` where `strings` is a standard-library package name used as `strings.X` | `MissingImport` | `missing_import` |
//! | `cannot find package …`, `could not import …`, `… is not in GOROOT`, `no required module provides package …` | `MissingImport` | `missing_package` |
//! | `"os" imported but not used` / `imported and not used` | `CompilerError("unused_import")` | `unused_import` |
//! | `x declared but not used` / `declared and not used: x` | `CompilerError("unused_variable")` | `unused_variable` |
//! | `cannot use … as … value` | `TypeMismatch` | `cannot_use` |
//! | `… (mismatched types A and B)` | `TypeMismatch` | `mismatched_types` |
//! | other `invalid operation: …` | `TypeMismatch` | `invalid_operation` |
//! | `cannot convert …` | `TypeMismatch` | `cannot_convert` |
//! | `too many arguments` / `not enough arguments` | `TypeMismatch` | `argument_count` |
//! | `too many return values` / `not enough return values` | `TypeMismatch` | `return_count` |
//! | `invalid argument: …`, `cannot range over …`, `non-boolean condition …`, `cannot index …`, `cannot call non-function …` | `TypeMismatch` | `type_mismatch` |
//! | `non-name … on left side of :=`, `no new variables on left side of :=`, `expected identifier on left side of :=`, `assignment mismatch: …`, `cannot assign to …` | `CompilerError("assignment")` | `assignment` |
//! | `missing return` | `CompilerError("missing_return")` | `missing_return` |
//! | `x redeclared in this block` | `CompilerError("redeclared")` | `redeclared` |
//! | `function main is undeclared in the main package` (linker) | `CompilerError("missing_main")` | `missing_main` |
//! | a `go vet` analyzer finding (`redundant or: …`, printf checks, …) | `CompilerError("vet")` | `vet` |
//! | anything else | `CompilerError("go")` | `go` |
//!
//! `go test`: a failing test is `TestFailure` (code `test_failed`) named by its `--- FAIL:` line,
//! with the message and line of its first failing assertion (`t.Errorf` or testify); a panic is
//! `CompilerError("panic")` (code `panic`) at the first stack frame in a program file; a run the
//! sandbox stopped, or `go test`'s own deadline, is a limit error (`super::limits`: code
//! `timeout`, `cpu_limit`, `out_of_memory` or `file_size_limit`; `TestFailure` in the test step).
//!
//! Go reports byte columns; locations here count characters, converted with the program text.
//! Test log lines carry no column: the column is that of the line's first non-blank character.

use super::codes::{TESTS_INCOMPLETE, TESTS_SUMMARY_MISMATCH, TEST_EXITED};
use super::{program_path, ParseInput, Parsed};
use crate::program::Program;
use crate::types::{CodeError, ErrorType, Location, Termination, TestOutcome, TestReport};

/// Last path segments of the standard library's importable packages (`go list std` of Go 1.19,
/// without `internal` and `vendor` packages). `undefined: NAME` with one of these names, used as
/// `NAME.X`, is a missing import: Go 1.19 says nothing more specific.
const STD_PACKAGE_NAMES: &[&str] = &[
    "adler32",
    "aes",
    "ascii85",
    "asn1",
    "ast",
    "atomic",
    "base32",
    "base64",
    "big",
    "binary",
    "bits",
    "bufio",
    "build",
    "buildinfo",
    "bytes",
    "bzip2",
    "cgi",
    "cgo",
    "cipher",
    "cmplx",
    "color",
    "comment",
    "constant",
    "constraint",
    "context",
    "cookiejar",
    "crc32",
    "crc64",
    "crypto",
    "csv",
    "debug",
    "des",
    "doc",
    "draw",
    "driver",
    "dsa",
    "dwarf",
    "ecdsa",
    "ed25519",
    "elf",
    "elliptic",
    "embed",
    "encoding",
    "errors",
    "exec",
    "expvar",
    "fcgi",
    "filepath",
    "flag",
    "flate",
    "fmt",
    "fnv",
    "format",
    "fs",
    "fstest",
    "gif",
    "gob",
    "gosym",
    "gzip",
    "hash",
    "heap",
    "hex",
    "hmac",
    "html",
    "http",
    "httptest",
    "httptrace",
    "httputil",
    "image",
    "importer",
    "io",
    "iotest",
    "ioutil",
    "jpeg",
    "json",
    "jsonrpc",
    "list",
    "log",
    "lzw",
    "macho",
    "mail",
    "maphash",
    "math",
    "md5",
    "metrics",
    "mime",
    "multipart",
    "net",
    "netip",
    "os",
    "palette",
    "parse",
    "parser",
    "path",
    "pe",
    "pem",
    "pkix",
    "plan9obj",
    "plugin",
    "png",
    "pprof",
    "printer",
    "quick",
    "quotedprintable",
    "race",
    "rand",
    "rc4",
    "reflect",
    "regexp",
    "ring",
    "rpc",
    "rsa",
    "runtime",
    "scanner",
    "sha1",
    "sha256",
    "sha512",
    "signal",
    "smtp",
    "sort",
    "strconv",
    "strings",
    "subtle",
    "suffixarray",
    "sync",
    "syntax",
    "syscall",
    "syslog",
    "tabwriter",
    "tar",
    "template",
    "testing",
    "textproto",
    "time",
    "tls",
    "token",
    "trace",
    "types",
    "tzdata",
    "unicode",
    "unsafe",
    "url",
    "user",
    "utf16",
    "utf8",
    "x509",
    "xml",
    "zip",
    "zlib",
];

/// Message starts of `go vet` analyzers (they also run inside `go test`).
const VET_PREFIXES: &[&str] = &[
    "redundant or:",
    "redundant and:",
    "suspect or:",
    "suspect and:",
    "self-assignment of",
    "unreachable code",
    "result of ",
    "possible formatting directive",
    "conversion from ",
    "possible misuse of",
    "unusedresult",
    "loop variable ",
    "the cancel function",
];

/// Most unrecognised lines kept as notes on a fallback error.
const MAX_FALLBACK_NOTES: usize = 20;

/// Parses `go build` or `go vet` output.
pub fn parse_build(input: &ParseInput<'_>) -> Vec<CodeError> {
    let is_vet = input.command.iter().any(|a| a == "vet");
    let text = format!("{}\n{}", input.stderr, input.stdout);
    let mut other = Vec::new();
    let mut errors = compile_errors(&text, input.program, is_vet, &mut other);
    if let Some(killed) = super::limits::limit_error(input) {
        errors.push(killed);
        return errors;
    }
    if errors.is_empty() && command_failed(input) {
        errors.push(fallback_error(input, &other));
    }
    errors
}

fn command_failed(input: &ParseInput<'_>) -> bool {
    input.exit_code.is_some_and(|c| c != 0) || input.termination != Termination::Exited
}

/// Every `FILE.go:LINE:COL: MESSAGE` line (optionally `vet: `-prefixed) as an error;
/// tab-indented lines after one become its notes. Lines this does not understand go to `other`.
fn compile_errors(
    text: &str,
    program: &Program,
    is_vet: bool,
    other: &mut Vec<String>,
) -> Vec<CodeError> {
    let mut errors: Vec<CodeError> = Vec::new();
    let mut last_was_error = false;
    for line in text.lines() {
        if line.trim().is_empty() {
            last_was_error = false;
            continue;
        }
        if line.starts_with('\t') {
            if last_was_error {
                if let Some(e) = errors.last_mut() {
                    e.notes.push(line.trim().to_string());
                }
            }
            continue;
        }
        let (from_vet_checker, rest) = match line.strip_prefix("vet: ") {
            Some(rest) => (true, rest),
            None => (false, line),
        };
        if let Some((location, message)) = located_line(rest, program) {
            last_was_error = true;
            if message == "too many errors" {
                continue;
            }
            // Plain lines from `go vet` that are not type-checker errors come from analyzers.
            let analyzer = is_vet && !from_vet_checker;
            let mut error = classify_line(message, Some(&location), program, analyzer);
            error.location = Some(location);
            if !errors.contains(&error) {
                errors.push(error);
            }
        } else if let Some(at) = line.find("function main is undeclared") {
            // The linker's `runtime.main_main·f: function main is undeclared in the main
            // package`: a `package main` without `func main`, which has no source location.
            last_was_error = true;
            let message = &line[at..];
            errors.push(
                CodeError::new(ErrorType::CompilerError("missing_main".into()), message)
                    .with_code("missing_main"),
            );
        } else {
            last_was_error = false;
            let skip = line.starts_with("# ")
                || line.starts_with("FAIL")
                || line.starts_with("ok ")
                || line.starts_with("=== ")
                || line.starts_with("--- ")
                || line.starts_with("PASS");
            if !skip {
                other.push(line.trim().to_string());
            }
        }
    }
    errors
}

/// `PATH.go:LINE:COL: MESSAGE` or `PATH.go:LINE: MESSAGE` → (location, message).
fn located_line<'a>(line: &'a str, program: &Program) -> Option<(Location, &'a str)> {
    let go = line.find(".go:")?;
    let path = &line[..go + 3];
    if path.is_empty() || path.starts_with(char::is_whitespace) || path.contains(' ') {
        return None;
    }
    let rest = &line[go + 4..];
    let (line_no, rest) = rest.split_once(':')?;
    let line_no: u32 = line_no.parse().ok()?;
    let (column, message) = match rest.split_once(": ") {
        Some((col, msg)) if !col.is_empty() && col.bytes().all(|b| b.is_ascii_digit()) => {
            (col.parse::<u32>().ok(), msg)
        }
        _ => (None, rest.strip_prefix(' ')?),
    };
    let file = resolve_file(program_path(path), program);
    let column = match column {
        Some(byte_col) => char_column(program, &file, line_no, byte_col),
        None => first_code_column(program, &file, line_no),
    };
    Some((Location::new(file, line_no, column), message.trim_end()))
}

/// A printed path as a program file: Go test logs print only the base name (`main_test.go`),
/// which is matched against the program's files when exactly one has that name.
fn resolve_file(printed: &str, program: &Program) -> String {
    if program.files.contains_key(printed) || printed.contains('/') {
        return printed.to_string();
    }
    let mut matches = program
        .files
        .keys()
        .filter(|k| k.rsplit('/').next() == Some(printed));
    match (matches.next(), matches.next()) {
        (Some(only), None) => only.clone(),
        _ => printed.to_string(),
    }
}

fn source_line<'a>(program: &'a Program, file: &str, line: u32) -> Option<&'a str> {
    let index = usize::try_from(line.checked_sub(1)?).ok()?;
    program.files.get(file)?.lines().nth(index)
}

/// Go's byte column as a character column (they differ after non-ASCII text).
fn char_column(program: &Program, file: &str, line: u32, byte_col: u32) -> u32 {
    let Some(text) = source_line(program, file, line) else {
        return byte_col;
    };
    let Ok(offset) = usize::try_from(byte_col.saturating_sub(1)) else {
        return byte_col;
    };
    match text.get(..offset) {
        Some(prefix) => u32::try_from(prefix.chars().count() + 1).unwrap_or(byte_col),
        None => byte_col,
    }
}

/// The column of the first non-blank character of a line (1 if unknown).
fn first_code_column(program: &Program, file: &str, line: u32) -> u32 {
    source_line(program, file, line)
        .and_then(|text| text.chars().position(|c| !c.is_whitespace()))
        .and_then(|i| u32::try_from(i + 1).ok())
        .unwrap_or(1)
}

/// The category and code of one compiler message (see the module table).
fn classify_line(
    message: &str,
    location: Option<&Location>,
    program: &Program,
    analyzer: bool,
) -> CodeError {
    let message = strip_more_errors(message);
    let (error_type, code) = classify(message, location, program, analyzer);
    CodeError::new(error_type, message).with_code(code)
}

/// go/types appends ` (and N more errors)` to the first error it reports.
fn strip_more_errors(message: &str) -> &str {
    match message.rfind(" (and ") {
        Some(i) if message.ends_with(" more errors)") || message.ends_with(" more error)") => {
            &message[..i]
        }
        _ => message,
    }
}

fn classify(
    message: &str,
    location: Option<&Location>,
    program: &Program,
    analyzer: bool,
) -> (ErrorType, &'static str) {
    use ErrorType::*;
    let compiler = |kind: &'static str| (CompilerError(kind.to_string()), kind);
    let m = message;
    if m.contains("on left side of :=")
        || m.starts_with("assignment mismatch")
        || m.starts_with("cannot assign to ")
    {
        return compiler("assignment");
    }
    if m.starts_with("syntax error")
        || m.starts_with("expected ")
        || m.starts_with("newline in string")
        || m.contains("literal not terminated")
        || m.starts_with("comment not terminated")
        || m.starts_with("invalid character")
        || m.starts_with("illegal character")
        || m.starts_with("non-declaration statement outside function body")
        || m.starts_with("missing ',' ")
        || m.starts_with("illegal UTF-8")
    {
        return (SyntaxError, "syntax");
    }
    if m.contains("imported but not used") || m.contains("imported and not used") {
        return compiler("unused_import");
    }
    if m.contains("declared but not used") || m.contains("declared and not used") {
        return compiler("unused_variable");
    }
    if m.starts_with("missing return") {
        return compiler("missing_return");
    }
    if m.contains("cannot find package")
        || m.contains("could not import")
        || m.contains("is not in GOROOT")
        || m.contains("is not in std")
        || m.contains("no required module provides package")
    {
        return (MissingImport, "missing_package");
    }
    if let Some(name) = m
        .strip_prefix("undefined: ")
        .or_else(|| m.strip_prefix("undeclared name: "))
    {
        let name = name.trim();
        if name.contains('.') {
            return (UndefinedVariable, "undefined_member");
        }
        if STD_PACKAGE_NAMES.contains(&name) && used_as_package(name, location, program) {
            return (MissingImport, "missing_import");
        }
        return (UndefinedVariable, "undefined");
    }
    if m.contains("has no field or method")
        || m.contains(" undefined (type ")
        || m.contains(" not declared by package ")
        || m.starts_with("cannot refer to unexported")
        || m.contains("has no method ")
    {
        return (UndefinedVariable, "undefined_member");
    }
    if m.contains("(mismatched types ") {
        return (TypeMismatch, "mismatched_types");
    }
    if m.starts_with("cannot use ") {
        return (TypeMismatch, "cannot_use");
    }
    if m.starts_with("invalid operation") {
        return (TypeMismatch, "invalid_operation");
    }
    if m.starts_with("cannot convert") {
        return (TypeMismatch, "cannot_convert");
    }
    if m.starts_with("too many arguments") || m.starts_with("not enough arguments") {
        return (TypeMismatch, "argument_count");
    }
    if m.starts_with("too many return values") || m.starts_with("not enough return values") {
        return (TypeMismatch, "return_count");
    }
    if m.starts_with("invalid argument")
        || m.starts_with("cannot range over")
        || m.starts_with("non-boolean condition")
        || m.starts_with("cannot index")
        || m.starts_with("cannot call non-function")
        || m.starts_with("invalid composite literal type")
        || m.contains("is not a type")
        || m.contains("(untyped ") && m.contains("overflows")
    {
        return (TypeMismatch, "type_mismatch");
    }
    if m.contains("redeclared") {
        return compiler("redeclared");
    }
    if m.contains("function main is undeclared") {
        return compiler("missing_main");
    }
    if analyzer || VET_PREFIXES.iter().any(|p| m.starts_with(p)) || m.contains("format %") {
        return compiler("vet");
    }
    compiler("go")
}

/// True when the source at the error location reads `NAME.` (a package selector), or when
/// the source is not available to check.
fn used_as_package(name: &str, location: Option<&Location>, program: &Program) -> bool {
    let Some(loc) = location else {
        return true;
    };
    let Some(text) = source_line(program, &loc.file, loc.line) else {
        return true;
    };
    let start = usize::try_from(loc.column.saturating_sub(1)).unwrap_or(0);
    let rest: String = text.chars().skip(start).collect();
    rest.strip_prefix(name)
        .is_some_and(|after| after.trim_start().starts_with('.'))
}

fn fallback_error(input: &ParseInput<'_>, lines: &[String]) -> CodeError {
    let message = lines
        .first()
        .cloned()
        .unwrap_or_else(|| match input.exit_code {
            Some(code) => format!(
                "`{}` failed with exit status {code} and printed no diagnostics",
                input.command.join(" ")
            ),
            None => format!(
                "`{}` was killed by a signal and printed no diagnostics",
                input.command.join(" ")
            ),
        });
    let mut error = CodeError::new(ErrorType::CompilerError("go".into()), message).with_code("go");
    error.notes = lines.iter().take(MAX_FALLBACK_NOTES).cloned().collect();
    error
}

// ---------------------------------------------------------------------------------------------
// go test

/// One `file_test.go:LINE: message` log entry of a test, with its continuation lines.
#[derive(Debug)]
struct LogEntry {
    test: String,
    location: Location,
    lines: Vec<String>,
}

/// Parses `go test -v` output: build errors (as [`parse_build`]), failed tests, panics, and
/// runs the sandbox stopped.
pub fn parse_test(input: &ParseInput<'_>) -> Vec<CodeError> {
    let text = format!("{}\n{}", input.stdout, input.stderr);
    let lines: Vec<&str> = text.lines().collect();
    let program = input.program;

    let mut build_other = Vec::new();
    let build_errors = compile_errors(&build_section(&lines), program, false, &mut build_other);

    let mut failed: Vec<String> = Vec::new();
    let mut started: Vec<String> = Vec::new();
    let mut finished: Vec<String> = Vec::new();
    let mut entries: Vec<LogEntry> = Vec::new();
    let mut current: Option<String> = None;
    let mut panic_start = None;
    let mut open_entry: Option<(usize, usize)> = None; // (entry index, indent)
    for (i, line) in lines.iter().enumerate() {
        if let Some(name) = line
            .strip_prefix("=== RUN")
            .or_else(|| line.strip_prefix("=== CONT"))
        {
            let name = name.trim().to_string();
            if !started.contains(&name) {
                started.push(name.clone());
            }
            current = Some(name);
            open_entry = None;
            continue;
        }
        let trimmed = line.trim_start();
        if let Some(result) = trimmed
            .strip_prefix("--- FAIL: ")
            .map(|r| (true, r))
            .or_else(|| trimmed.strip_prefix("--- PASS: ").map(|r| (false, r)))
            .or_else(|| trimmed.strip_prefix("--- SKIP: ").map(|r| (false, r)))
        {
            let (is_fail, rest) = result;
            let name = rest.split(" (").next().unwrap_or(rest).trim().to_string();
            finished.push(name.clone());
            if is_fail && !failed.contains(&name) {
                failed.push(name.clone());
            }
            // Without -v, a test's log follows its result line.
            current = Some(name);
            open_entry = None;
            continue;
        }
        if panic_start.is_none()
            && (line.starts_with("panic: ") || line.starts_with("fatal error: "))
        {
            panic_start = Some(i);
            break;
        }
        let indent = line.len() - trimmed.len();
        if indent >= 4 && line.starts_with("    ") {
            if let Some((index, entry_indent)) = open_entry {
                if indent >= entry_indent + 4
                    || line
                        .get(entry_indent..)
                        .is_some_and(|rest| rest.starts_with('\t'))
                {
                    entries[index]
                        .lines
                        .push(line.trim_start_matches(' ').trim_end().to_string());
                    continue;
                }
            }
            if let (Some(test), Some((location, message))) =
                (current.as_ref(), located_line(trimmed, program))
            {
                entries.push(LogEntry {
                    test: test.clone(),
                    location,
                    lines: vec![message.trim().to_string()],
                });
                open_entry = Some((entries.len() - 1, indent));
                continue;
            }
        }
        open_entry = None;
    }

    let mut errors = build_errors;
    if !errors.is_empty() {
        return errors;
    }

    let mut panic_test = None;
    if let Some(start) = panic_start {
        // The test that was running: the last one started and not passed, or the last failed.
        let test = started
            .iter()
            .rev()
            .find(|t| !finished.contains(t) || failed.contains(t))
            .cloned();
        let error = panic_error(&lines[start..], input, test.clone());
        panic_test = test;
        errors.push(error);
    }

    for name in &failed {
        // A parent fails when a subtest fails; report the subtest unless the parent logged too.
        let prefix = format!("{name}/");
        let own: Vec<&LogEntry> = entries.iter().filter(|e| &e.test == name).collect();
        if own.is_empty() && failed.iter().any(|f| f.starts_with(&prefix)) {
            continue;
        }
        if own.is_empty() && panic_test.as_ref() == Some(name) {
            continue;
        }
        errors.push(test_failure(name, &own));
    }

    let running: Vec<String> = started
        .iter()
        .filter(|t| !finished.contains(t))
        .cloned()
        .collect();
    if let Some(killed) = super::limits::limit_error_running(input, &running) {
        errors.push(killed);
        return errors;
    }
    if errors.is_empty() && command_failed(input) {
        errors.push(fallback_error(input, &build_other));
    }
    errors
}

// ---------------------------------------------------------------------------------------------
// go test -json, judged

/// One `go test -json` (test2json) event.
#[derive(Debug, serde::Deserialize)]
struct TestEvent {
    #[serde(rename = "Action")]
    action: String,
    #[serde(rename = "Package", default)]
    package: String,
    #[serde(rename = "Test", default)]
    test: Option<String>,
    #[serde(rename = "Elapsed", default)]
    elapsed: Option<f64>,
    #[serde(rename = "Output", default)]
    output: Option<String>,
}

/// What the events said about one test.
#[derive(Debug, Default)]
struct EventTest {
    package: String,
    name: String,
    outcome: Option<TestOutcome>,
    elapsed: Option<f64>,
    output: Vec<String>,
}

/// What the events said about one package.
#[derive(Debug, Default)]
struct EventPackage {
    name: String,
    /// `pass`, `fail` or `skip` (no test files), once the package ended.
    end: Option<String>,
    output: Vec<String>,
}

/// Parses a test step's `go test -json` run into errors and per-test evidence, and judges
/// whether the events prove that every test ran to its end.
///
/// Only the runner's events count, never text a program printed. The step passes only if every
/// test function found in the `_test.go` files (`func TestXxx(t *testing.T)`, files without
/// build constraints) has a `pass` (or `skip`) event, every test that started ended, and every
/// package ended cleanly. A test binary that exits in `init` or a `TestMain` that never calls
/// `m.Run` is [`TESTS_INCOMPLETE`]; `os.Exit` inside a test is [`TEST_EXITED`]. Errors and their
/// locations come from the same text parser as `go test -v` ([`parse_test`]), run over the
/// events' output.
///
/// Outside the `test` step (a program's own run) this is [`parse_test`].
pub fn parse_test_run(input: &ParseInput<'_>) -> Parsed {
    if input.step != "test" {
        return parse_test(input).into();
    }
    let program = input.program;
    let mut text = String::new();
    let mut events = Vec::new();
    for line in input.stdout.lines() {
        match line
            .starts_with('{')
            .then(|| serde_json::from_str::<TestEvent>(line).ok())
            .flatten()
        {
            Some(event) => {
                if let Some(output) = &event.output {
                    text.push_str(output);
                }
                events.push(event);
            }
            None => {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    let text_input = ParseInput {
        stdout: &text,
        ..*input
    };
    let mut errors = parse_test(&text_input);
    for error in &mut errors {
        // Go 1.16+: the testing package turns `os.Exit(0)` inside a test into a panic.
        if error.code.as_deref() == Some("panic")
            && error
                .message
                .starts_with("unexpected call to os.Exit(0) during test")
        {
            error.error_type = ErrorType::TestFailure;
            error.code = Some(TEST_EXITED.to_string());
            error.message = format!(
                "test {} called os.Exit(0) before it finished; its result is unknown",
                error.test_name.as_deref().unwrap_or("(unknown)")
            );
        }
    }

    let mut tests: Vec<EventTest> = Vec::new();
    let mut packages: Vec<EventPackage> = Vec::new();
    for event in &events {
        if !packages.iter().any(|p| p.name == event.package) {
            packages.push(EventPackage {
                name: event.package.clone(),
                ..EventPackage::default()
            });
        }
        let Some(name) = &event.test else {
            if let Some(package) = packages.iter_mut().find(|p| p.name == event.package) {
                match event.action.as_str() {
                    "pass" | "fail" | "skip" => package.end = Some(event.action.clone()),
                    "output" => package.output.extend(event.output.clone()),
                    _ => {}
                }
            }
            continue;
        };
        let index = match tests
            .iter()
            .position(|t| t.package == event.package && &t.name == name)
        {
            Some(i) => i,
            None => {
                tests.push(EventTest {
                    package: event.package.clone(),
                    name: name.clone(),
                    ..EventTest::default()
                });
                tests.len() - 1
            }
        };
        let test = &mut tests[index];
        match event.action.as_str() {
            "pass" => test.outcome = Some(TestOutcome::Passed),
            "fail" => test.outcome = Some(TestOutcome::Failed),
            "skip" => test.outcome = Some(TestOutcome::Skipped),
            "output" => test.output.extend(event.output.clone()),
            _ => {}
        }
        if matches!(event.action.as_str(), "pass" | "fail" | "skip") {
            test.elapsed = event.elapsed;
        }
    }

    let module = module_path(program);
    let discovered = discover_tests(program);
    let mut reports: Vec<TestReport> = Vec::new();
    for test in &tests {
        let dir = package_dir(&test.package, module.as_deref());
        let top = test.name.split('/').next().unwrap_or(&test.name);
        let mut report = TestReport::new(
            test.name.clone(),
            test.outcome.unwrap_or(TestOutcome::Incomplete),
        );
        report.duration = test
            .elapsed
            .filter(|e| e.is_finite() && *e >= 0.0)
            .map(std::time::Duration::from_secs_f64);
        report.file = discovered
            .iter()
            .find(|d| Some(d.dir.as_str()) == dir.as_deref() && d.name == top)
            .map(|d| d.file.clone());
        if test.outcome == Some(TestOutcome::Failed) {
            read_failure(&mut report, &test.output, dir.as_deref(), program);
        }
        if let Some(exited) = errors.iter().find(|e| {
            e.code.as_deref() == Some(TEST_EXITED) && e.test_name.as_deref() == Some(&test.name)
        }) {
            report.outcome = TestOutcome::Incomplete;
            report.message = Some(exited.message.clone());
        }
        reports.push(report);
    }

    // Judge: every package ended, every test that started ended, every test found ran.
    let build_failed = |package: &EventPackage| {
        package
            .output
            .iter()
            .any(|l| l.contains("[build failed]") || l.contains("[setup failed]"))
    };
    let mut missing: Vec<String> = Vec::new();
    for package in &packages {
        if build_failed(package) {
            continue;
        }
        if package.end.is_none() {
            missing.push(format!("package {} never ended", package.name));
        }
        let failed_test = tests
            .iter()
            .any(|t| t.package == package.name && t.outcome == Some(TestOutcome::Failed));
        if package.end.as_deref() == Some("pass") && failed_test {
            let mut error = CodeError::new(
                ErrorType::TestFailure,
                format!(
                    "go test reported package {} as passing although a test failed",
                    package.name
                ),
            )
            .with_code(TESTS_SUMMARY_MISMATCH);
            error.test_name = None;
            errors.push(error);
        }
    }
    for test in tests.iter().filter(|t| t.outcome.is_none()) {
        missing.push(format!("{} started but never ended", test.name));
    }
    let mut never_ran: Vec<&DiscoveredTest> = Vec::new();
    for found in &discovered {
        let package = packages
            .iter()
            .find(|p| package_dir(&p.name, module.as_deref()).as_deref() == Some(&found.dir));
        if package.is_some_and(build_failed) {
            continue;
        }
        let ran = package.is_some_and(|p| {
            tests
                .iter()
                .any(|t| t.package == p.name && t.name == found.name && t.outcome.is_some())
        });
        if !ran
            && !tests
                .iter()
                .any(|t| t.name == found.name && t.outcome.is_none())
        {
            never_ran.push(found);
            let mut report = TestReport::new(found.name.clone(), TestOutcome::Incomplete);
            report.file = Some(found.file.clone());
            reports.push(report);
        }
    }
    if !never_ran.is_empty() {
        let names: Vec<String> = never_ran
            .iter()
            .map(|d| format!("{} ({})", d.name, d.file))
            .collect();
        missing.push(format!(
            "{} never reported a result (did the test binary exit in `init`, or a `TestMain` \
             not call `m.Run`?)",
            names.join(", ")
        ));
    }
    if events.is_empty() && errors.is_empty() {
        missing.push("go test printed no `-json` events".to_string());
    }
    let killed = !matches!(input.termination, Termination::Exited);
    if !missing.is_empty() && !killed {
        let mut error = CodeError::new(
            ErrorType::TestFailure,
            format!(
                "the Go test run did not prove that every test ran to its end: {}",
                missing.join("; ")
            ),
        )
        .with_code(TESTS_INCOMPLETE);
        // The test that was running when the run ended, else the first that never ran.
        error.test_name = tests
            .iter()
            .find(|t| t.outcome.is_none())
            .map(|t| t.name.clone())
            .or_else(|| never_ran.first().map(|d| d.name.clone()));
        error.location = error.test_name.as_ref().and_then(|name| {
            discovered
                .iter()
                .find(|d| &d.name == name)
                .map(|d| Location::new(d.file.clone(), d.line, 1))
        });
        errors.push(error);
    }
    let all_passed = !packages.is_empty()
        && packages
            .iter()
            .all(|p| matches!(p.end.as_deref(), Some("pass") | Some("skip")));
    if input.exit_code == Some(0) && !all_passed && errors.is_empty() {
        errors.push(
            CodeError::new(
                ErrorType::TestFailure,
                "go test exited with status 0 but not every package passed",
            )
            .with_code(TESTS_SUMMARY_MISMATCH),
        );
    }
    Parsed::new(errors, reports)
}

/// A `func TestXxx(t *testing.T)` in a program's test file.
#[derive(Debug)]
struct DiscoveredTest {
    /// The package directory, relative to the program root (`""` for the root).
    dir: String,
    file: String,
    line: u32,
    name: String,
}

/// GOOS and GOARCH names: a `_test.go` file ending in one of them (`x_windows_test.go`) is only
/// built there.
const GO_PLATFORM_SUFFIXES: &[&str] = &[
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "illumos",
    "ios",
    "js",
    "netbsd",
    "openbsd",
    "plan9",
    "solaris",
    "wasip1",
    "windows",
    "386",
    "arm",
    "arm64",
    "mips",
    "mipsle",
    "mips64",
    "mips64le",
    "ppc64",
    "ppc64le",
    "riscv64",
    "s390x",
    "wasm",
    "loong64",
];

/// The test functions of every `_test.go` file that is always built (no build constraint, no
/// platform suffix, not under `testdata/` or a `_`/`.` directory): what `go test` must run.
fn discover_tests(program: &Program) -> Vec<DiscoveredTest> {
    let mut found = Vec::new();
    for (path, text) in &program.files {
        let Some(stem) = path.strip_suffix("_test.go") else {
            continue;
        };
        let (dir, base) = path.rsplit_once('/').unwrap_or(("", path));
        if dir
            .split('/')
            .any(|c| c == "testdata" || c.starts_with('_') || c.starts_with('.'))
            || base.starts_with('_')
            || base.starts_with('.')
        {
            continue;
        }
        let stem_base = stem.rsplit('/').next().unwrap_or(stem);
        if stem_base
            .rsplit('_')
            .next()
            .is_some_and(|s| stem_base.contains('_') && GO_PLATFORM_SUFFIXES.contains(&s))
        {
            continue;
        }
        let header: Vec<&str> = text
            .lines()
            .take_while(|l| !l.trim_start().starts_with("package "))
            .collect();
        if header
            .iter()
            .any(|l| l.starts_with("//go:build") || l.starts_with("// +build"))
        {
            continue;
        }
        for (i, line) in text.lines().enumerate() {
            let Some(rest) = line.strip_prefix("func Test") else {
                continue;
            };
            let Some((suffix, params)) = rest.split_once('(') else {
                continue;
            };
            // `TestXxx`: the rest of the name must not start with a lower-case letter.
            if suffix.starts_with(|c: char| c.is_lowercase())
                || !suffix.chars().all(|c| c.is_alphanumeric() || c == '_')
            {
                continue;
            }
            let params = params.split(')').next().unwrap_or("");
            let mut words = params.split_whitespace();
            let (Some(_), Some("*testing.T"), None) = (words.next(), words.next(), words.next())
            else {
                continue;
            };
            found.push(DiscoveredTest {
                dir: dir.to_string(),
                file: path.clone(),
                line: u32::try_from(i + 1).unwrap_or(u32::MAX),
                name: format!("Test{suffix}"),
            });
        }
    }
    found
}

/// The `module` path of the program's `go.mod`, if it has one.
fn module_path(program: &Program) -> Option<String> {
    let text = program.files.get("go.mod")?;
    text.lines().find_map(|l| {
        l.trim()
            .strip_prefix("module ")
            .map(|m| m.trim().trim_matches('"').to_string())
    })
}

/// The program directory of a package import path: the module's (`example.com/calc/mathx` →
/// `mathx`) or, in GOPATH mode, the work directory's (`_/work/mathx` → `mathx`).
fn package_dir(package: &str, module: Option<&str>) -> Option<String> {
    let local = format!("_{}", crate::sandbox::WORK_DIR);
    for root in module.into_iter().chain(std::iter::once(local.as_str())) {
        if package == root {
            return Some(String::new());
        }
        if let Some(rest) = package.strip_prefix(root).and_then(|r| r.strip_prefix('/')) {
            return Some(rest.to_string());
        }
    }
    None
}

/// The failing assertion of a test from its output: the first `file.go:LINE: message` log line
/// (in the test's package), testify's `expected:`/`actual  :` fields, and the program frames of
/// testify's `Error Trace`.
fn read_failure(report: &mut TestReport, output: &[String], dir: Option<&str>, program: &Program) {
    let in_program = |printed: &str, line: u32| -> Option<Location> {
        let printed = program_path(printed);
        let candidates = [
            dir.filter(|d| !d.is_empty())
                .map(|d| format!("{d}/{printed}")),
            Some(printed.to_string()),
        ];
        candidates
            .into_iter()
            .flatten()
            .find(|f| program.files.contains_key(f))
            .map(|f| {
                let column = first_code_column(program, &f, line);
                Location::new(f, line, column)
            })
    };
    let lines: Vec<&str> = output.iter().flat_map(|o| o.lines()).collect();
    for line in &lines {
        let trimmed = line.trim();
        if report.assertion.is_none() {
            let located = trimmed
                .split_once(": ")
                .or_else(|| trimmed.strip_suffix(':').map(|place| (place, "")));
            if let Some((place, message)) = located {
                if let Some((file, no)) = place.rsplit_once(':') {
                    if let (true, Ok(no)) = (file.ends_with(".go"), no.parse::<u32>()) {
                        if let Some(location) = in_program(file, no) {
                            report.assertion = Some(location);
                            let message = message.trim();
                            report.message = (!message.is_empty()).then(|| message.to_string());
                            continue;
                        }
                    }
                }
            }
        }
        // testify: `\tLabel:\tvalue` fields.
        let fields: Vec<&str> = trimmed
            .split('\t')
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .collect();
        match fields.as_slice() {
            ["Error Trace:", traces @ ..] => {
                for trace in traces {
                    if let Some((file, no)) = trace.rsplit_once(':') {
                        if let Some(location) = no.parse().ok().and_then(|n| in_program(file, n)) {
                            if !report.frames.contains(&location) {
                                report.frames.push(location);
                            }
                        }
                    }
                }
            }
            ["Error:", message] if report.message.as_deref().is_none_or(str::is_empty) => {
                report.message = Some(message.to_string());
            }
            [single] => {
                if let Some(v) = single.strip_prefix("expected: ") {
                    report.expected.get_or_insert_with(|| v.to_string());
                } else if let Some(v) = single.strip_prefix("actual  : ") {
                    report.actual.get_or_insert_with(|| v.to_string());
                }
            }
            _ => {}
        }
    }
    if report.frames.is_empty() {
        report.frames.extend(report.assertion.clone());
    }
}

/// The lines that can hold build errors: everything before the first test output.
fn build_section(lines: &[&str]) -> String {
    let mut out = String::new();
    for line in lines {
        if line.starts_with("=== RUN") || line.starts_with("--- ") || line.starts_with("panic: ") {
            break;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn test_failure(name: &str, entries: &[&LogEntry]) -> CodeError {
    let mut error = CodeError::new(ErrorType::TestFailure, format!("test {name} failed"))
        .with_code("test_failed");
    error.test_name = Some(name.to_string());
    if let Some((first, rest)) = entries.split_first() {
        error.message = entry_message(first);
        error.location = Some(first.location.clone());
        for entry in rest {
            let loc = &entry.location;
            error.notes.push(format!(
                "{}:{}: {}",
                loc.file,
                loc.line,
                entry_message(entry).replace('\n', " ")
            ));
        }
    }
    error
}

/// A log entry's message: testify's `Error:` (and `Messages:`) fields, or the logged text.
fn entry_message(entry: &LogEntry) -> String {
    let mut fields: Vec<(String, Vec<String>)> = Vec::new();
    for line in entry.lines.iter().skip(1) {
        // Testify lines are `\tLabel:  \tvalue`; continuation lines have an empty label.
        let body = line.trim_start_matches('\t');
        let Some((label, value)) = body.split_once('\t') else {
            continue;
        };
        let label = label.trim();
        let value = value.trim_end().to_string();
        if label.is_empty() {
            if let Some((_, values)) = fields.last_mut() {
                values.push(value);
            }
        } else {
            fields.push((label.trim_end_matches(':').to_string(), vec![value]));
        }
    }
    let field = |name: &str| {
        fields
            .iter()
            .find(|(label, _)| label == name)
            .map(|(_, v)| v.clone())
    };
    if let Some(error_lines) = field("Error") {
        let mut parts: Vec<String> = error_lines
            .iter()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect();
        if let Some(messages) = field("Messages") {
            parts.push(format!("messages: {}", messages.join(" ").trim()));
        }
        return parts.join("\n");
    }
    entry
        .lines
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// `panic: MESSAGE [recovered]` and its goroutine trace → an error at the first program frame.
fn panic_error(lines: &[&str], input: &ParseInput<'_>, test: Option<String>) -> CodeError {
    let program = input.program;
    let first = lines.first().copied().unwrap_or("panic");
    let (message, fatal) = match first.strip_prefix("panic: ") {
        Some(m) => (m.trim_end_matches(" [recovered]").to_string(), false),
        None => (first.to_string(), true),
    };
    if message.starts_with("test timed out after") {
        // `go test`'s own deadline: the same limit as the sandbox's, Go's words as a note.
        let mut error = super::limits::limit_error_in(input.step, super::limits::codes::TIMEOUT);
        error.notes.push(message);
        error.test_name = test;
        return error;
    }
    let mut error = CodeError::new(ErrorType::CompilerError("panic".into()), message)
        .with_code(if fatal { "fatal" } else { "panic" });
    error.test_name = test;
    // Frames: `pkg.func(args)` then `\t/path/file.go:LINE +0xOFF`.
    for line in lines.iter().skip(1) {
        let Some(frame) = line.strip_prefix('\t') else {
            continue;
        };
        let frame = frame.split(" +0x").next().unwrap_or(frame).trim();
        let Some((path, line_no)) = frame.rsplit_once(':') else {
            continue;
        };
        let Ok(line_no) = line_no.parse::<u32>() else {
            continue;
        };
        let file = program_path(path);
        if program.files.contains_key(file) {
            let column = first_code_column(program, file, line_no);
            error.location = Some(Location::new(file, line_no, column));
            break;
        }
    }
    error
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::TargetLanguage;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/diagnostics/go");

    fn fixture(name: &str) -> String {
        std::fs::read_to_string(format!("{FIXTURES}/{name}")).unwrap()
    }

    /// The program a fixture was captured from (`<case>/main.go`, `<case>/main_test.go`).
    fn program(case: &str) -> Program {
        let dir = format!("{FIXTURES}/{case}");
        let mut files = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "go") {
                let name = path.file_name().unwrap().to_string_lossy().to_string();
                files.push((name, std::fs::read_to_string(&path).unwrap()));
            }
        }
        Program::new(TargetLanguage::Go, files).unwrap()
    }

    fn run(
        parser: fn(&ParseInput<'_>) -> Vec<CodeError>,
        case: &str,
        command: &[&str],
        output: &str,
        termination: Termination,
    ) -> Vec<CodeError> {
        let program = program(case);
        let command: Vec<String> = command.iter().map(|s| s.to_string()).collect();
        let (stdout, stderr) = output.split_once("<<STDERR>>\n").unwrap_or((output, ""));
        let step = if command.get(1).is_some_and(|c| c == "test") {
            "test"
        } else {
            "check"
        };
        let input = ParseInput {
            language: TargetLanguage::Go,
            step,
            command: &command,
            exit_code: (termination == Termination::Exited).then_some(1),
            termination,
            stdout,
            stderr,
            program: &program,
        };
        parser(&input)
    }

    const BUILD: &[&str] = &["go", "build", "-o", "/dev/null", "."];
    const VET: &[&str] = &["go", "vet", "."];
    const TEST: &[&str] = &["go", "test", "-count=1", "-v", "."];

    fn summary(errors: &[CodeError]) -> Vec<(ErrorType, String, u32, u32)> {
        errors
            .iter()
            .map(|e| {
                let l = e.location.as_ref().unwrap();
                assert_eq!(l.file, "main.go");
                (
                    e.error_type.clone(),
                    e.code.clone().unwrap(),
                    l.line,
                    l.column,
                )
            })
            .collect()
    }

    #[test]
    fn syntax_error() {
        let errors = run(
            parse_build,
            "syntax",
            BUILD,
            &fixture("syntax/build.txt"),
            Termination::Exited,
        );
        assert_eq!(
            summary(&errors),
            vec![(ErrorType::SyntaxError, "syntax".into(), 4, 17)]
        );
        assert_eq!(
            errors[0].message,
            "syntax error: unexpected newline in argument list; possibly missing comma or )"
        );
        // go vet reports the same file through go/parser, with its own wording.
        let errors = run(
            parse_build,
            "syntax",
            VET,
            &fixture("syntax/vet.txt"),
            Termination::Exited,
        );
        assert_eq!(
            summary(&errors),
            vec![(ErrorType::SyntaxError, "syntax".into(), 4, 17)]
        );
        assert_eq!(
            errors[0].message,
            "missing ',' before newline in argument list"
        );
    }

    #[test]
    fn undefined_names_members_and_missing_imports() {
        let errors = run(
            parse_build,
            "undefined",
            BUILD,
            &fixture("undefined/build.txt"),
            Termination::Exited,
        );
        assert_eq!(
            summary(&errors),
            vec![
                (ErrorType::UndefinedVariable, "undefined".into(), 4, 9),
                (
                    ErrorType::UndefinedVariable,
                    "undefined_member".into(),
                    6,
                    30
                ),
                (ErrorType::MissingImport, "missing_import".into(), 7, 35),
            ]
        );
        assert_eq!(errors[0].message, "undefined: totl");
        assert_eq!(
            errors[1].message,
            "s.Lenn undefined (type T has no field or method Lenn)"
        );
        assert_eq!(errors[2].message, "undefined: strings");
    }

    #[test]
    fn unused_import_and_variable() {
        let errors = run(
            parse_build,
            "unused",
            BUILD,
            &fixture("unused/build.txt"),
            Termination::Exited,
        );
        let unused_import = ErrorType::CompilerError("unused_import".into());
        let unused_var = ErrorType::CompilerError("unused_variable".into());
        assert_eq!(
            summary(&errors),
            vec![
                (unused_import, "unused_import".into(), 3, 8),
                (unused_var, "unused_variable".into(), 6, 2),
            ]
        );
        assert_eq!(errors[0].message, "imported and not used: \"os\"");
        assert_eq!(errors[1].message, "x declared but not used");
    }

    #[test]
    fn type_mismatches() {
        let errors = run(
            parse_build,
            "types",
            BUILD,
            &fixture("types/build.txt"),
            Termination::Exited,
        );
        assert_eq!(
            summary(&errors),
            vec![
                (ErrorType::TypeMismatch, "cannot_use".into(), 4, 9),
                (ErrorType::TypeMismatch, "mismatched_types".into(), 8, 14),
                (ErrorType::TypeMismatch, "argument_count".into(), 12, 8),
            ]
        );
        // The have/want lines after "not enough arguments" become notes.
        assert_eq!(errors[2].notes, vec!["have (number)", "want (int, int64)"]);
    }

    #[test]
    fn assignment_errors() {
        let errors = run(
            parse_build,
            "assign",
            BUILD,
            &fixture("assign/build.txt"),
            Termination::Exited,
        );
        let assign = ErrorType::CompilerError("assignment".into());
        assert_eq!(
            summary(&errors),
            vec![
                (assign.clone(), "assignment".into(), 5, 2),
                (assign, "assignment".into(), 6, 10),
            ]
        );
    }

    #[test]
    fn failed_test_with_t_errorf() {
        let errors = run(
            parse_test,
            "errorf",
            TEST,
            &fixture("errorf/test.txt"),
            Termination::Exited,
        );
        assert_eq!(errors.len(), 1, "{errors:#?}");
        let e = &errors[0];
        assert_eq!(e.error_type, ErrorType::TestFailure);
        assert_eq!(e.code.as_deref(), Some("test_failed"));
        assert_eq!(e.test_name.as_deref(), Some("TestAdd"));
        assert_eq!(e.message, "add(2, 2) = 5, want 4");
        let l = e.location.as_ref().unwrap();
        assert_eq!((l.file.as_str(), l.line, l.column), ("main_test.go", 7, 3));
    }

    #[test]
    fn failed_test_with_testify() {
        let errors = run(
            parse_test,
            "testify",
            TEST,
            &fixture("testify/test.txt"),
            Termination::Exited,
        );
        assert_eq!(errors.len(), 2, "{errors:#?}");
        let e = &errors[0];
        assert_eq!(e.error_type, ErrorType::TestFailure);
        assert_eq!(e.test_name.as_deref(), Some("TestAdd"));
        assert_eq!(e.message, "Not equal:\nexpected: 4\nactual  : 5");
        let l = e.location.as_ref().unwrap();
        assert_eq!((l.file.as_str(), l.line, l.column), ("main_test.go", 10, 2));
        // The second failing assertion of the same test is kept as a note.
        assert_eq!(e.notes.len(), 1);
        assert!(
            e.notes[0].starts_with("main_test.go:11: Not equal:"),
            "{:?}",
            e.notes
        );
        let e = &errors[1];
        assert_eq!(e.test_name.as_deref(), Some("TestTable/zero"));
        assert_eq!(e.message, "Should be true\nmessages: add(0, 0) should be 0");
        let l = e.location.as_ref().unwrap();
        assert_eq!((l.file.as_str(), l.line, l.column), ("main_test.go", 16, 3));
    }

    #[test]
    fn panic_in_test() {
        // Captured outside the sandbox: frames point into the capture directory; the
        // sandbox shows them under /work, which is what the parser maps to program files.
        let output = fixture("panic/test.txt").replace("/tmp/gofx/panic", "/work");
        let errors = run(parse_test, "panic", TEST, &output, Termination::Exited);
        assert_eq!(errors.len(), 1, "{errors:#?}");
        let e = &errors[0];
        assert_eq!(e.error_type, ErrorType::CompilerError("panic".into()));
        assert_eq!(e.code.as_deref(), Some("panic"));
        assert_eq!(e.test_name.as_deref(), Some("TestAt"));
        assert_eq!(
            e.message,
            "runtime error: index out of range [5] with length 3"
        );
        let l = e.location.as_ref().unwrap();
        assert_eq!((l.file.as_str(), l.line, l.column), ("main.go", 4, 2));
    }

    #[test]
    fn build_errors_inside_go_test() {
        let errors = run(
            parse_test,
            "undefined",
            TEST,
            &fixture("undefined/test.txt"),
            Termination::Exited,
        );
        assert_eq!(
            summary(&errors),
            vec![
                (ErrorType::UndefinedVariable, "undefined".into(), 4, 9),
                (
                    ErrorType::UndefinedVariable,
                    "undefined_member".into(),
                    6,
                    30
                ),
                (ErrorType::MissingImport, "missing_import".into(), 7, 35),
            ]
        );
    }

    #[test]
    fn missing_main_and_missing_package() {
        let output = "\n<<STDERR>>\n# _/work\nruntime.main_main·f: function main is undeclared in the main package\n";
        let errors = run(parse_build, "errorf", BUILD, output, Termination::Exited);
        assert_eq!(errors.len(), 1);
        assert_eq!(
            errors[0].error_type,
            ErrorType::CompilerError("missing_main".into())
        );
        assert_eq!(
            errors[0].message,
            "function main is undeclared in the main package"
        );

        let output = "main.go:3:8: cannot find package \"unicoder\" in any of:\n\t/usr/lib/go-1.19/src/unicoder (from $GOROOT)\n\t/usr/share/gocode/src/unicoder (from $GOPATH)\n";
        let errors = run(parse_build, "errorf", BUILD, output, Termination::Exited);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].error_type, ErrorType::MissingImport);
        assert_eq!(errors[0].code.as_deref(), Some("missing_package"));
        assert_eq!(errors[0].notes.len(), 2);
    }

    #[test]
    fn timeout_names_the_running_test() {
        let output = "=== RUN   TestAdd\n--- PASS: TestAdd (0.00s)\n=== RUN   TestLoop\n";
        let errors = run(parse_test, "errorf", TEST, output, Termination::WallTimeout);
        assert_eq!(errors.len(), 1);
        let e = &errors[0];
        assert_eq!(e.error_type, ErrorType::TestFailure);
        assert_eq!(e.code.as_deref(), Some("timeout"));
        assert_eq!(e.test_name.as_deref(), Some("TestLoop"));
        assert_eq!(
            e.message,
            crate::diagnostics::limits::limit_message("timeout")
        );
        assert_eq!(
            e.notes,
            ["command: go test -count=1 -v .", "still running: TestLoop"]
        );
        let errors = run(parse_test, "errorf", TEST, "", Termination::OutOfMemory);
        assert_eq!(errors[0].error_type, ErrorType::TestFailure);
        assert_eq!(errors[0].code.as_deref(), Some("out_of_memory"));
        // CPU time is its own limit (it used to share `timeout` in Go and Rust).
        let errors = run(parse_test, "errorf", TEST, output, Termination::CpuLimit);
        assert_eq!(errors[0].error_type, ErrorType::TestFailure);
        assert_eq!(errors[0].code.as_deref(), Some("cpu_limit"));
        // A build stopped at a limit is a compiler error of that kind.
        let errors = run(parse_build, "errorf", BUILD, "", Termination::WallTimeout);
        assert_eq!(errors.len(), 1);
        assert_eq!(
            errors[0].error_type,
            ErrorType::CompilerError("timeout".into())
        );
        assert_eq!(errors[0].code.as_deref(), Some("timeout"));
    }

    #[test]
    fn passing_run_gives_no_errors() {
        let program = program("errorf");
        let command: Vec<String> = TEST.iter().map(|s| s.to_string()).collect();
        let input = ParseInput {
            language: TargetLanguage::Go,
            step: "test",
            command: &command,
            exit_code: Some(0),
            termination: Termination::Exited,
            stdout: "=== RUN   TestAdd\n--- PASS: TestAdd (0.00s)\nPASS\nok  \t_/work\t0.002s\n",
            stderr: "",
            program: &program,
        };
        assert!(parse_test(&input).is_empty());
    }
}
