//! Tracebacks from running tests or the program: the last traceback (or each unittest failure
//! block), its frames, and its category and code (the module's mapping).

use super::*;

/// Parses what `python3 FILE` printed: the last traceback (or each unittest failure block).
pub fn parse_run(input: &ParseInput<'_>) -> Vec<CodeError> {
    if let Some(error) = limit_error(input) {
        return vec![error];
    }
    if input.termination == Termination::Exited && input.exit_code == Some(0) {
        return Vec::new();
    }
    let lines: Vec<&str> = input.stderr.lines().collect();
    let unittest = unittest_failures(&lines, input);
    if !unittest.is_empty() {
        return unittest;
    }
    match last_traceback(&lines) {
        Some(traceback) => vec![traceback_error(&traceback, None, input)],
        None => vec![exit_error(input)],
    }
}

/// The frames of the last traceback in `text` that run through the program's own files,
/// outermost first, with the columns Python 3.11+ carets give (the judge's per-test evidence).
pub(crate) fn traceback_locations(text: &str, program: &Program) -> Vec<Location> {
    let lines: Vec<&str> = text.lines().collect();
    let Some(traceback) = last_traceback(&lines) else {
        return Vec::new();
    };
    traceback
        .frames
        .iter()
        .filter(|f| program.files().contains_key(program_path(f.file)))
        .map(|f| frame_location(f, program))
        .collect()
}

/// One `File "...", line N, in f` entry with its source and caret lines as printed.
#[derive(Debug)]
pub(super) struct Frame<'a> {
    file: &'a str,
    line: u32,
    /// None for the pseudo-frame of a SyntaxError.
    function: Option<&'a str>,
    source: Option<&'a str>,
    carets: Option<&'a str>,
}

#[derive(Debug)]
pub(super) struct Traceback<'a> {
    frames: Vec<Frame<'a>>,
    /// As printed, possibly dotted (`json.decoder.JSONDecodeError`).
    class: &'a str,
    message: &'a str,
}

impl Traceback<'_> {
    fn short_class(&self) -> &str {
        self.class.rsplit('.').next().unwrap_or(self.class)
    }
}

pub(super) const TRACEBACK_HEADER: &str = "Traceback (most recent call last):";

/// The last traceback in the output; a SyntaxError in the script itself has no header, only
/// its `File "...", line N` pseudo-frame.
pub(in crate::diagnostics) fn last_traceback<'a>(lines: &[&'a str]) -> Option<Traceback<'a>> {
    let start = lines
        .iter()
        .rposition(|l| l.trim_end() == TRACEBACK_HEADER)
        .or_else(|| {
            lines
                .iter()
                .rposition(|l| frame_header(l).is_some_and(|(_, _, function)| function.is_none()))
        })?;
    parse_traceback(&lines[start..])
}

pub(in crate::diagnostics) fn parse_traceback<'a>(lines: &[&'a str]) -> Option<Traceback<'a>> {
    let mut frames = Vec::new();
    let mut i = usize::from(lines.first()?.trim_end() == TRACEBACK_HEADER);
    while i < lines.len() {
        let line = lines[i];
        i += 1;
        if let Some((file, number, function)) = frame_header(line) {
            let mut frame = Frame {
                file,
                line: number,
                function,
                source: None,
                carets: None,
            };
            if let Some(next) = lines.get(i) {
                if next.starts_with("    ") && !is_caret_line(next) {
                    frame.source = Some(next);
                    i += 1;
                }
            }
            if let Some(next) = lines.get(i) {
                if is_caret_line(next) {
                    frame.carets = Some(next);
                    i += 1;
                }
            }
            frames.push(frame);
        } else if line.starts_with(' ') || line.trim().is_empty() {
            // `[Previous line repeated 996 more times]` and the like.
            continue;
        } else if let Some((class, message)) = exception_line(line) {
            return Some(Traceback {
                frames,
                class,
                message,
            });
        }
    }
    None
}

/// `  File "/work/main.py", line 3, in f` → (path, 3, Some("f")); the `, in f` part is absent
/// for a SyntaxError's location.
pub(in crate::diagnostics) fn frame_header(line: &str) -> Option<(&str, u32, Option<&str>)> {
    let rest = line.strip_prefix("  File \"")?;
    let (file, rest) = rest.split_once("\", line ")?;
    let digits = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let number = rest[..digits].parse().ok()?;
    let tail = rest[digits..].trim_end();
    let function = if tail.is_empty() {
        None
    } else {
        Some(tail.strip_prefix(", in ")?)
    };
    Some((file, number, function))
}

pub(in crate::diagnostics) fn is_caret_line(line: &str) -> bool {
    let trimmed = line.trim();
    !trimmed.is_empty() && trimmed.chars().all(|c| matches!(c, '^' | '~' | ' '))
}

/// `ValueError: bad value` → ("ValueError", "bad value"); `AssertionError` → (.., "").
pub(in crate::diagnostics) fn exception_line(line: &str) -> Option<(&str, &str)> {
    let (class, message) = match line.split_once(": ") {
        Some((class, message)) => (class, message.trim_end()),
        None => (
            line.trim_end().strip_suffix(':').unwrap_or(line.trim_end()),
            "",
        ),
    };
    let valid = class.split('.').all(|part| {
        part.chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
            && part.chars().all(|c| c.is_alphanumeric() || c == '_')
    });
    valid.then_some((class, message))
}

/// `FAIL: test_add (test_main.TestAdd.test_add)` blocks of a unittest run, one error each.
pub(in crate::diagnostics) fn unittest_failures(
    lines: &[&str],
    input: &ParseInput<'_>,
) -> Vec<CodeError> {
    let mut errors = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let Some((kind, rest)) = line
            .strip_prefix("FAIL: ")
            .map(|rest| ("FAIL", rest))
            .or_else(|| line.strip_prefix("ERROR: ").map(|rest| ("ERROR", rest)))
        else {
            continue;
        };
        if !lines.get(index + 1).is_some_and(|l| is_rule(l, '-')) {
            continue;
        }
        let name = rest.split(" (").next().unwrap_or(rest).trim();
        let body_start = index + 2;
        let body_end = lines[body_start..]
            .iter()
            .position(|l| is_rule(l, '=') || is_rule(l, '-'))
            .map_or(lines.len(), |p| body_start + p);
        let body = &lines[body_start..body_end];
        let Some(start) = body.iter().rposition(|l| l.trim_end() == TRACEBACK_HEADER) else {
            continue;
        };
        if let Some(traceback) = parse_traceback(&body[start..]) {
            let mut error = traceback_error(&traceback, Some(name), input);
            if kind == "FAIL" && error.error_type != ErrorType::TestFailure {
                // unittest's FAIL means an assertion (failureException) failed.
                error.error_type = ErrorType::TestFailure;
                error.test_name = Some(name.to_string());
            }
            errors.push(error);
        }
    }
    errors
}

pub(in crate::diagnostics) fn is_rule(line: &str, c: char) -> bool {
    let line = line.trim_end();
    line.len() >= 10 && line.chars().all(|x| x == c)
}

pub(in crate::diagnostics) fn traceback_error(
    traceback: &Traceback<'_>,
    test_name: Option<&str>,
    input: &ParseInput<'_>,
) -> CodeError {
    let program = input.program;
    let in_program = |frame: &&Frame<'_>| program.files().contains_key(program_path(frame.file));
    let frame = traceback.frames.iter().rev().find(in_program).or_else(|| {
        let work = format!("{}/", crate::sandbox::WORK_DIR);
        traceback
            .frames
            .iter()
            .rev()
            .find(|f| f.file.starts_with(&work))
    });
    let class = traceback.short_class();
    let raised_in_test = frame.is_some_and(|f| is_test_path(input, program_path(f.file)));
    let (error_type, code) = match class {
        "SyntaxError" | "IndentationError" | "TabError" => (ErrorType::SyntaxError, class),
        "NameError" | "UnboundLocalError" => (ErrorType::UndefinedVariable, "NameError"),
        "AttributeError" => (ErrorType::UndefinedVariable, class),
        "ModuleNotFoundError" | "ImportError" => (ErrorType::MissingImport, class),
        "TypeError" => (ErrorType::TypeMismatch, class),
        "AssertionError" => (ErrorType::TestFailure, class),
        "MemoryError" => (
            limits::limit_error_type(input.step, limits::codes::OUT_OF_MEMORY),
            limits::codes::OUT_OF_MEMORY,
        ),
        _ if raised_in_test => (ErrorType::TestFailure, class),
        _ => (ErrorType::CompilerError("runtime".into()), class),
    };
    let message = if class == "AssertionError" {
        if !traceback.message.is_empty() {
            traceback.message.to_string()
        } else {
            frame
                .and_then(|f| f.source)
                .map(|s| s.trim().to_string())
                .unwrap_or_else(|| "AssertionError".to_string())
        }
    } else if error_type == ErrorType::TestFailure || traceback.message.is_empty() {
        if traceback.message.is_empty() {
            traceback.class.to_string()
        } else {
            format!("{}: {}", traceback.class, traceback.message)
        }
    } else {
        traceback.message.to_string()
    };
    let mut error = CodeError::new(error_type.clone(), message).with_code(code);
    if class == "MemoryError" {
        // The runtime's own out-of-memory: the limit's words, Python's as a note.
        error.message = limits::limit_message(code).to_string();
        error.notes.push(if traceback.message.is_empty() {
            class.to_string()
        } else {
            format!("{class}: {}", traceback.message)
        });
    }
    if let Some(frame) = frame {
        error = error.with_location(frame_location(frame, program));
    }
    if error_type == ErrorType::TestFailure {
        error.test_name = test_name
            .map(str::to_string)
            .or_else(|| traceback_test_name(&traceback.frames, input));
    }
    if matches!(class, "NameError" | "AttributeError") {
        if let (Some(suggestion), Some(location)) =
            (did_you_mean(traceback.message), &error.location)
        {
            if let Some(name) = quoted_name(traceback.message, class) {
                let fix = rename_suggestion(program, location, name, suggestion);
                error.suggestions.push(fix);
            }
        }
    }
    let chain: Vec<String> = traceback
        .frames
        .iter()
        .filter(|f| program.files().contains_key(program_path(f.file)))
        .map(|f| match f.function {
            Some(function) => format!("{}:{} in {}", program_path(f.file), f.line, function),
            None => format!("{}:{}", program_path(f.file), f.line),
        })
        .collect();
    if chain.len() > 1 {
        error
            .notes
            .push(format!("traceback: {}", chain.join(" -> ")));
    }
    error
}

/// The failing test: the innermost `test*` function in a test file, else the outermost
/// function there (`check` in `check()`-style scripts), else the test file itself.
pub(in crate::diagnostics) fn traceback_test_name(
    frames: &[Frame<'_>],
    input: &ParseInput<'_>,
) -> Option<String> {
    let test_frames: Vec<&Frame<'_>> = frames
        .iter()
        .filter(|f| {
            let path = program_path(f.file);
            input.program.files().contains_key(path) && is_test_path(input, path)
        })
        .collect();
    let named = |f: &&&Frame<'_>| f.function.is_some_and(|name| !name.starts_with('<'));
    if let Some(frame) = test_frames
        .iter()
        .rev()
        .find(|f| named(f) && f.function.is_some_and(|n| n.starts_with("test")))
        .or_else(|| test_frames.iter().find(named))
    {
        return frame.function.map(str::to_string);
    }
    test_frames
        .first()
        .map(|f| program_path(f.file).to_string())
        .or_else(|| command_script(input, TargetLanguage::Python).map(str::to_string))
}

/// The frame's location; Python 3.11+ carets (`^^^^`, `~~~^^^`) give the columns. Printed
/// source lines are dedented, so columns are rebuilt against the program's own text.
pub(in crate::diagnostics) fn frame_location(frame: &Frame<'_>, program: &Program) -> Location {
    let path = program_path(frame.file);
    let original = program.files().get(path).and_then(|text| {
        let index = usize::try_from(frame.line).ok()?.checked_sub(1)?;
        text.lines().nth(index)
    });
    let displayed = frame
        .source
        .map(|s| s.strip_prefix("    ").unwrap_or(s.trim_start()).trim_end());
    // Characters the printer stripped from the front of the line.
    let base = match (original, displayed) {
        (Some(original), Some(displayed)) if !displayed.is_empty() => original
            .find(displayed)
            .map(|at| original[..at].chars().count()),
        _ => None,
    }
    .or_else(|| original.map(|o| o.chars().take_while(|c| c.is_whitespace()).count()))
    .unwrap_or(0);
    let base = u32::try_from(base).unwrap_or(0);
    let mut location = Location::new(path, frame.line, base + 1);
    if let Some(carets) = frame.carets {
        let first = carets.find(|c: char| c != ' ');
        let last = carets.rfind(|c: char| c != ' ');
        if let (Some(first), Some(last)) = (first, last) {
            let first = u32::try_from(first.saturating_sub(4)).unwrap_or(0);
            let last = u32::try_from(last.saturating_sub(4)).unwrap_or(0);
            location.column = base + first + 1;
            location = location.with_end(frame.line, base + last + 2);
        }
    }
    location
}

/// `... Did you mean: 'True'?` → `True`.
pub(in crate::diagnostics) fn did_you_mean(message: &str) -> Option<&str> {
    let rest = message.split("Did you mean: '").nth(1)?;
    rest.split('\'').next().filter(|s| !s.is_empty())
}

/// The name a NameError (`name 'x' is not defined`, `cannot access local variable 'x'`) or
/// AttributeError (`... has no attribute 'x'`) is about.
pub(in crate::diagnostics) fn quoted_name<'a>(message: &'a str, class: &str) -> Option<&'a str> {
    let marker = if class == "AttributeError" {
        "attribute '"
    } else if message.starts_with("cannot access") {
        "variable '"
    } else {
        "name '"
    };
    message.split(marker).nth(1)?.split('\'').next()
}
