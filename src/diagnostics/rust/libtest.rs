//! libtest's text output: failed tests, panics, runs the sandbox stopped.

use super::*;

// ---------------------------------------------------------------------------------------------
// libtest

/// One panic found in libtest output.
#[derive(Debug, Default)]
pub(super) struct Panic {
    pub(super) thread: String,
    pub(super) location: Option<Location>,
    pub(super) message: Vec<String>,
}

/// Parses the output of a test binary built with `rustc --test`.
///
/// Every `test NAME ... FAILED` becomes a `TestFailure` named `NAME`, with the panic message of
/// its `---- NAME stdout ----` block and the location of `panicked at FILE:LINE:COL:`. A panic on
/// a thread that is not a test (`main`, the harness) becomes `CompilerError("panic")`; a binary the
/// sandbox stopped becomes a limit error ([`limits`]), naming the tests still running.
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
            (None, Some(block)) => error.message = block_message(block),
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
    if let Some(killed) = limits::limit_error_running(input, &running) {
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
        errors.push(harness_fallback(input, &lines));
    }
    errors
}

/// `test NAME ... RESULT` → (NAME, Some(RESULT)); `test NAME ... ` (result still pending,
/// single-threaded runs) → (NAME, None).
pub(super) fn test_result_line(line: &str) -> Option<(String, Option<String>)> {
    let rest = line.strip_prefix("test ")?;
    let (name, result) = rest.split_once(" ... ")?;
    let name = name.trim_end_matches(" - should panic").trim();
    let name = name.split(" - ").next().unwrap_or(name).to_string();
    let result = result.trim();
    Some((name, (!result.is_empty()).then(|| result.to_string())))
}

/// The message of a failure block without a panic: its non-blank lines, less libtest's
/// `note: run with …` hint.
pub(super) fn block_message(block: &[&str]) -> String {
    let useful: Vec<&str> = block
        .iter()
        .map(|l| l.trim_end())
        .filter(|l| !l.is_empty() && !l.starts_with("note: run with"))
        .collect();
    useful.join("\n")
}

/// The `---- NAME stdout ----` blocks, each up to the next block or the `failures:` list.
pub(super) fn stdout_blocks<'a>(lines: &[&'a str]) -> Vec<(String, Vec<&'a str>)> {
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
pub(super) fn find_panics(lines: &[&str]) -> Vec<Panic> {
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
pub(super) fn parse_file_line_col(text: &str) -> Option<Location> {
    let (rest, col) = text.rsplit_once(':')?;
    let (file, line) = rest.rsplit_once(':')?;
    let line: u32 = line.parse().ok()?;
    let col: u32 = col.parse().ok()?;
    Some(Location::new(program_path(file), line, col))
}
