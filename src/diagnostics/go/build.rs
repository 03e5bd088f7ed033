//! `go build` and `go vet` output: compile errors with their files, lines and character columns.

use super::*;

/// Parses `go build` or `go vet` output.
pub fn parse_build(input: &ParseInput<'_>) -> Vec<CodeError> {
    let is_vet = input.command.iter().any(|a| a == "vet");
    let text = format!("{}\n{}", input.stderr, input.stdout);
    let mut other = Vec::new();
    let mut errors = compile_errors(&text, input.program, is_vet, &mut other);
    if let Some(killed) = limits::limit_error(input) {
        errors.push(killed);
        return errors;
    }
    if errors.is_empty() && command_failed(input) {
        errors.push(fallback_error(input, &other));
    }
    errors
}

pub(super) fn command_failed(input: &ParseInput<'_>) -> bool {
    input.exit_code.is_some_and(|c| c != 0) || input.termination != Termination::Exited
}

/// Every `FILE.go:LINE:COL: MESSAGE` line (optionally `vet: `-prefixed) as an error;
/// tab-indented lines after one become its notes. Lines this does not understand go to `other`.
pub(super) fn compile_errors(
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
pub(super) fn located_line<'a>(line: &'a str, program: &Program) -> Option<(Location, &'a str)> {
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
pub(super) fn resolve_file(printed: &str, program: &Program) -> String {
    if program.files().contains_key(printed) || printed.contains('/') {
        return printed.to_string();
    }
    let mut matches = program
        .files()
        .keys()
        .filter(|k| k.rsplit('/').next() == Some(printed));
    match (matches.next(), matches.next()) {
        (Some(only), None) => only.clone(),
        _ => printed.to_string(),
    }
}

pub(super) fn source_line<'a>(program: &'a Program, file: &str, line: u32) -> Option<&'a str> {
    let index = usize::try_from(line.checked_sub(1)?).ok()?;
    program.files().get(file)?.lines().nth(index)
}

/// Go's byte column as a character column (they differ after non-ASCII text).
pub(super) fn char_column(program: &Program, file: &str, line: u32, byte_col: u32) -> u32 {
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
pub(super) fn first_code_column(program: &Program, file: &str, line: u32) -> u32 {
    source_line(program, file, line)
        .and_then(|text| text.chars().position(|c| !c.is_whitespace()))
        .and_then(|i| u32::try_from(i + 1).ok())
        .unwrap_or(1)
}

pub(super) fn fallback_error(input: &ParseInput<'_>, lines: &[String]) -> CodeError {
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
