//! `go test -v` output: failed tests with their log entries, panics, runs the sandbox stopped.

use super::*;

// ---------------------------------------------------------------------------------------------
// go test

/// One `file_test.go:LINE: message` log entry of a test, with its continuation lines.
#[derive(Debug)]
pub(super) struct LogEntry {
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
    if let Some(killed) = limits::limit_error_running(input, &running) {
        errors.push(killed);
        return errors;
    }
    if errors.is_empty() && command_failed(input) {
        errors.push(fallback_error(input, &build_other));
    }
    errors
}

/// The lines that can hold build errors: everything before the first test output.
pub(super) fn build_section(lines: &[&str]) -> String {
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

pub(super) fn test_failure(name: &str, entries: &[&LogEntry]) -> CodeError {
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
pub(super) fn entry_message(entry: &LogEntry) -> String {
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
pub(super) fn panic_error(
    lines: &[&str],
    input: &ParseInput<'_>,
    test: Option<String>,
) -> CodeError {
    let program = input.program;
    let first = lines.first().copied().unwrap_or("panic");
    let (message, fatal) = match first.strip_prefix("panic: ") {
        Some(m) => (m.trim_end_matches(" [recovered]").to_string(), false),
        None => (first.to_string(), true),
    };
    if message.starts_with("test timed out after") {
        // `go test`'s own deadline: the same limit as the sandbox's, Go's words as a note.
        let mut error = limits::limit_error_in(input.step, limits::codes::TIMEOUT);
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
        if program.files().contains_key(file) {
            let column = first_code_column(program, file, line_no);
            error.location = Some(Location::new(file, line_no, column));
            break;
        }
    }
    error
}
