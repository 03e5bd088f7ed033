//! Node: `node --check FILE` and uncaught errors from `node FILE` (CommonJS or ESM).
//!
//! Node prints an uncaught error as a block: `/work/main.js:3` (where it was thrown), the source
//! line, a caret line, a blank line, `ReferenceError: x is not defined`, then the stack
//! (`    at f (/work/main.js:3:5)`), sometimes followed by `{ code: 'MODULE_NOT_FOUND', ... }`.
//!
//! Mapping: `SyntaxError` (and V8's runtime "Invalid left-hand side in assignment"
//! ReferenceError) → [`ErrorType::SyntaxError`]; `ReferenceError` → `UndefinedVariable`;
//! `TypeError` for a missing function or member (`x is not a function`, `Cannot read properties
//! of undefined`) → `UndefinedVariable`, any other `TypeError` → `TypeMismatch`; node:assert's
//! `AssertionError`, and plain `Error`s thrown from a test file (the corpus's `console.assert`
//! helpers) → `TestFailure`; `Cannot find module` → `MissingImport` (code `MODULE_NOT_FOUND`);
//! anything else → `CompilerError("runtime")` with the class as code. Limits and exits without
//! a stack are handled as for Python.

use super::findings::Finding;
use super::python::{command_script, exit_error, is_test_path, limit_error};
use super::{program_path, ParseInput};
use crate::types::{CodeError, ErrorType, Location, TargetLanguage, Termination};

/// The static pass (`javascript_check.cjs`), written to the support directory and run with
/// `node --expose-internals` (it parses with the acorn parser node bundles).
pub const CHECK_SCRIPT: &str = include_str!("javascript_check.cjs");

/// Parses the static pass: `NAME is not defined` as `UndefinedVariable`, or `MissingImport`
/// when NAME is a Node built-in module used without `require`/`import` (code `ReferenceError`,
/// what node would throw when the line runs). Output on stderr with a failing status means the
/// pass itself broke.
pub fn parse_static(input: &ParseInput<'_>) -> Vec<CodeError> {
    if let Some(error) = limit_error(input) {
        return vec![error];
    }
    let mut errors: Vec<CodeError> = Finding::all(input.stdout)
        .map(|finding| finding_error(finding, input.program))
        .collect();
    if errors.is_empty()
        && !(input.termination == Termination::Exited && input.exit_code == Some(0))
    {
        let last = input
            .stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("no output");
        errors.push(CodeError::new(
            ErrorType::CompilerError("node".into()),
            format!("the JavaScript static check failed: {}", last.trim()),
        ));
    }
    errors
}

fn finding_error(finding: Finding, program: &crate::program::Program) -> CodeError {
    let error_type = match finding.kind.as_str() {
        "missing_import" => ErrorType::MissingImport,
        _ => ErrorType::UndefinedVariable,
    };
    let location = finding.location();
    let mut error = CodeError::new(error_type.clone(), finding.message).with_code("ReferenceError");
    match (&finding.name, &finding.suggestion) {
        (Some(name), _) if error_type == ErrorType::MissingImport => error.notes.push(format!(
            "`{name}` is a Node built-in module: add `const {name} = require('{name}');` \
             (or `import {name} from 'node:{name}';`)"
        )),
        (Some(name), Some(suggestion)) => error.suggestions.push(super::python::rename_suggestion(
            program, &location, name, suggestion,
        )),
        _ => {}
    }
    error.with_location(location)
}

/// Parses `node --check FILE`: a SyntaxError with the position V8 reports.
pub fn parse_check(input: &ParseInput<'_>) -> Vec<CodeError> {
    if let Some(error) = limit_error(input) {
        return vec![error];
    }
    if input.termination == Termination::Exited && input.exit_code == Some(0) {
        return Vec::new();
    }
    match parse_error_block(input.stderr) {
        Some(block) => vec![block_error(&block, input)],
        None => {
            let mut error = exit_error(input);
            error.error_type = ErrorType::CompilerError("node".into());
            error.test_name = None;
            vec![error]
        }
    }
}

/// Parses what `node FILE` printed when it failed: the uncaught error and its stack.
pub fn parse_run(input: &ParseInput<'_>) -> Vec<CodeError> {
    if let Some(error) = limit_error(input) {
        return vec![error];
    }
    if input.stderr.contains("JavaScript heap out of memory") {
        // V8's own heap limit: the same limit as the sandbox's memory cap.
        let mut error =
            super::limits::limit_error_in(input.step, super::limits::codes::OUT_OF_MEMORY);
        if let Some(script) = command_script(input, TargetLanguage::JavaScript) {
            error
                .notes
                .push(format!("{script}: JavaScript heap out of memory"));
        }
        return vec![error];
    }
    if input.termination == Termination::Exited && input.exit_code == Some(0) {
        return Vec::new();
    }
    match parse_error_block(input.stderr) {
        Some(block) => vec![block_error(&block, input)],
        None => vec![exit_error(input)],
    }
}

/// The stack frames in `text` that run through the program's own files, outermost first
/// (the judge's per-test evidence).
pub(crate) fn stack_locations(text: &str, program: &crate::program::Program) -> Vec<Location> {
    let mut frames: Vec<Location> = text
        .lines()
        .filter_map(stack_frame)
        .filter(|f| program.files().contains_key(program_path(f.file)))
        .map(|f| Location::new(program_path(f.file), f.line, f.column))
        .collect();
    frames.reverse();
    frames
}

/// One `    at f (/work/main.js:3:5)` line.
#[derive(Debug, Clone, PartialEq)]
struct StackFrame<'a> {
    function: Option<&'a str>,
    file: &'a str,
    line: u32,
    column: u32,
}

/// An uncaught error as node printed it.
#[derive(Debug, Default)]
struct ErrorBlock<'a> {
    /// `/work/main.js:3` → ("/work/main.js", 3).
    header: Option<(&'a str, u32)>,
    source: Option<&'a str>,
    carets: Option<&'a str>,
    /// `TypeError`; None when a non-Error value was thrown.
    class: Option<&'a str>,
    /// The bracketed code of `AssertionError [ERR_ASSERTION]: ...`.
    bracket_code: Option<&'a str>,
    message: String,
    frames: Vec<StackFrame<'a>>,
    /// `  code: 'MODULE_NOT_FOUND',` properties printed after the stack.
    properties: Vec<(&'a str, &'a str)>,
}

fn parse_error_block(stderr: &str) -> Option<ErrorBlock<'_>> {
    let lines: Vec<&str> = stderr.lines().collect();
    // The error is printed last; program output may come before it.
    for index in (0..lines.len()).rev() {
        if let Some(header) = header_line(lines[index]) {
            if let Some(block) = parse_after_header(&lines, index, header) {
                return Some(block);
            }
        }
    }
    // No `file:line` header (rare): the last `SomethingError: ...` followed by a stack.
    let index = (0..lines.len()).rev().find(|&i| {
        class_line(lines[i]).is_some_and(|(class, _, _)| class.ends_with("Error"))
            && lines[i + 1..]
                .iter()
                .find(|l| !l.trim().is_empty())
                .is_some_and(|l| stack_frame(l).is_some())
    })?;
    let mut block = ErrorBlock::default();
    read_error_and_stack(&lines[index..], &mut block);
    Some(block)
}

/// `/work/main.js:12`, `node:internal/modules/cjs/loader:1228`, `file:///work/a.mjs:3`.
fn header_line(line: &str) -> Option<(&str, u32)> {
    let (path, number) = line.trim_end().rsplit_once(':')?;
    let number = number.parse().ok()?;
    let looks_like_path = path.starts_with('/')
        || path.starts_with("node:")
        || path.starts_with("file://")
        || path.ends_with(".js")
        || path.ends_with(".mjs")
        || path.ends_with(".cjs");
    (looks_like_path && !path.contains(' ')).then_some((path, number))
}

fn parse_after_header<'a>(
    lines: &[&'a str],
    index: usize,
    header: (&'a str, u32),
) -> Option<ErrorBlock<'a>> {
    let mut block = ErrorBlock {
        header: Some(header),
        ..ErrorBlock::default()
    };
    let mut i = index + 1;
    if let Some(source) = lines.get(i) {
        if !is_caret_line(source) {
            block.source = Some(source);
            i += 1;
        }
    }
    if let Some(carets) = lines.get(i).filter(|l| is_caret_line(l)) {
        block.carets = Some(carets);
        i += 1;
    }
    while lines.get(i).is_some_and(|l| l.trim().is_empty()) {
        i += 1;
    }
    let rest = lines.get(i..).filter(|rest| !rest.is_empty())?;
    if rest[0].starts_with("Node.js v") {
        return None;
    }
    read_error_and_stack(rest, &mut block);
    Some(block)
}

/// Reads `Class: message` (+ continuation lines), the stack and the properties.
fn read_error_and_stack<'a>(lines: &[&'a str], block: &mut ErrorBlock<'a>) {
    let first = lines[0].trim_end();
    let mut parts = Vec::new();
    match class_line(first) {
        Some((class, code, message)) => {
            block.class = Some(class);
            block.bracket_code = code;
            parts.push(message);
        }
        // `throw "oops"`: the value itself, with no class.
        None => parts.push(first.trim_end_matches(" {")),
    }
    let mut in_require_stack = false;
    for line in &lines[1..] {
        let trimmed = line.trim();
        if let Some(frame) = stack_frame(line) {
            block.frames.push(frame);
        } else if !block.frames.is_empty() || trimmed.starts_with("Node.js v") {
            if let Some((key, value)) = trimmed.split_once(": ") {
                if line.starts_with("  ") && !key.contains(' ') {
                    block.properties.push((key, value.trim_end_matches(',')));
                }
            }
        } else if trimmed == "Require stack:" {
            in_require_stack = true;
        } else if trimmed.starts_with("(Use `node --trace-uncaught") {
            continue;
        } else if !trimmed.is_empty() && (!in_require_stack || !trimmed.starts_with("- ")) {
            parts.push(trimmed);
        }
    }
    block.message = parts
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
}

/// `TypeError: x is not a function`, `AssertionError [ERR_ASSERTION]: msg`, `Error`.
fn class_line(line: &str) -> Option<(&str, Option<&str>, &str)> {
    let (head, message) = match line.split_once(": ") {
        Some((head, message)) => (head, message),
        None => (
            line.trim_end().strip_suffix(':').unwrap_or(line.trim_end()),
            "",
        ),
    };
    let (class, code) = match head.split_once(" [") {
        Some((class, code)) => (class, Some(code.strip_suffix(']')?)),
        None => (head, None),
    };
    let identifier = class
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && class
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    // Only names shaped like error classes: a thrown string (`oops: bad`) is not a class.
    let named_like_error = class.ends_with("Error") || class.ends_with("Exception");
    (identifier && (named_like_error || code.is_some())).then_some((
        class,
        code,
        message.trim_end(),
    ))
}

fn is_caret_line(line: &str) -> bool {
    let trimmed = line.trim();
    !trimmed.is_empty() && trimmed.chars().all(|c| c == '^')
}

/// `    at f (/work/main.js:3:5)`, `    at /work/main.js:3:5`, `    at async f (file:///...)`.
fn stack_frame(line: &str) -> Option<StackFrame<'_>> {
    let rest = line.trim_start().strip_prefix("at ")?;
    if !line.starts_with(' ') {
        return None;
    }
    let rest = rest.trim_end().trim_end_matches(" {");
    let (function, place) = match rest.strip_suffix(')').and_then(|r| r.rsplit_once(" (")) {
        Some((function, place)) => (Some(function), place),
        None => (None, rest),
    };
    let function = function.map(|f| {
        let f = f.split(" [as ").next().unwrap_or(f);
        f.strip_prefix("async ")
            .or_else(|| f.strip_prefix("new "))
            .unwrap_or(f)
    });
    let (rest, column) = place.rsplit_once(':')?;
    let (file, line_number) = rest.rsplit_once(':')?;
    let file = file.strip_prefix("file://").unwrap_or(file);
    Some(StackFrame {
        function,
        file,
        line: line_number.parse().ok()?,
        column: column.parse().ok()?,
    })
}

fn block_error(block: &ErrorBlock<'_>, input: &ParseInput<'_>) -> CodeError {
    let program = input.program;
    let in_program = |file: &str| program.files().contains_key(program_path(file));
    let program_frames: Vec<&StackFrame<'_>> =
        block.frames.iter().filter(|f| in_program(f.file)).collect();
    let header_in_program = block.header.filter(|(file, _)| in_program(file));
    // Where it was thrown: the first program frame, or the header when there is no stack.
    let thrown_in = program_frames
        .first()
        .map(|f| f.file)
        .or(header_in_program.map(|(file, _)| file));
    let thrown_in_test = thrown_in.is_some_and(|f| is_test_path(input, program_path(f)));

    let class = block.class.unwrap_or("");
    let message = block.message.as_str();
    let module_not_found = message.starts_with("Cannot find module")
        || message.starts_with("Cannot find package")
        || block.bracket_code == Some("ERR_MODULE_NOT_FOUND")
        || block
            .properties
            .iter()
            .any(|(k, v)| *k == "code" && v.contains("MODULE_NOT_FOUND"));
    let assertion = class == "AssertionError"
        || message.starts_with("Assertion failed")
        || (thrown_in_test && (class == "Error" || block.class.is_none()));
    let (error_type, code) = if module_not_found {
        (ErrorType::MissingImport, "MODULE_NOT_FOUND")
    } else {
        match class {
            "SyntaxError" => (ErrorType::SyntaxError, class),
            "ReferenceError" if message.starts_with("Invalid left-hand side") => {
                (ErrorType::SyntaxError, class)
            }
            "ReferenceError" => (ErrorType::UndefinedVariable, class),
            "TypeError" if missing_member(message) => (ErrorType::UndefinedVariable, class),
            "TypeError" => (ErrorType::TypeMismatch, class),
            _ if assertion => (
                ErrorType::TestFailure,
                if class.is_empty() { "uncaught" } else { class },
            ),
            "" => (ErrorType::CompilerError("runtime".into()), "uncaught"),
            _ => (ErrorType::CompilerError("runtime".into()), class),
        }
    };

    // A failed assertion is reported where the test called the assert helper.
    let frame = if error_type == ErrorType::TestFailure {
        program_frames
            .iter()
            .find(|f| !is_assert_helper(f.function))
            .or(program_frames.first())
    } else {
        program_frames.first()
    };
    let location = match (frame, header_in_program) {
        // A SyntaxError's stack is where the file was loaded (`require`); the header is the
        // position in the broken file.
        (_, Some((file, line))) if error_type == ErrorType::SyntaxError => {
            Some(header_location(file, line, block))
        }
        (Some(frame), header) => {
            let mut location = Location::new(program_path(frame.file), frame.line, frame.column);
            if header.is_some_and(|(file, line)| file == frame.file && line == frame.line) {
                if let Some((start, end)) = caret_span(block.carets) {
                    if start == frame.column {
                        location = location.with_end(frame.line, end);
                    }
                }
            }
            Some(location)
        }
        (None, Some((file, line))) => Some(header_location(file, line, block)),
        (None, None) => None,
    };

    let message = if message.is_empty() {
        if class.is_empty() {
            "uncaught exception".to_string()
        } else {
            class.to_string()
        }
    } else if block.class.is_none() {
        format!("uncaught exception: {message}")
    } else {
        message.to_string()
    };
    let mut error = CodeError::new(error_type.clone(), message).with_code(code);
    if let Some(location) = location {
        error = error.with_location(location);
    }
    if error_type == ErrorType::TestFailure {
        error.test_name = test_name(&program_frames, input)
            .or_else(|| command_script(input, TargetLanguage::JavaScript).map(str::to_string));
        let expected = property(block, "expected");
        let actual = property(block, "actual");
        if let (Some(expected), Some(actual)) = (expected, actual) {
            error
                .notes
                .push(format!("expected: {expected}, actual: {actual}"));
        }
    }
    let chain: Vec<String> = program_frames
        .iter()
        .rev()
        .map(|f| match f.function {
            Some(function) => format!(
                "{}:{}:{} in {}",
                program_path(f.file),
                f.line,
                f.column,
                function
            ),
            None => format!("{}:{}:{}", program_path(f.file), f.line, f.column),
        })
        .collect();
    if chain.len() > 1 {
        error.notes.push(format!("stack: {}", chain.join(" -> ")));
    }
    error
}

/// The error's position from the `file:line` header: columns from the carets, else the first
/// character of the printed line.
fn header_location(file: &str, line: u32, block: &ErrorBlock<'_>) -> Location {
    let mut location = Location::new(program_path(file), line, 1);
    if let Some((start, end)) = caret_span(block.carets) {
        location.column = start;
        location = location.with_end(line, end);
    } else if let Some(source) = block.source {
        let indent = source.chars().take_while(|c| c.is_whitespace()).count();
        if indent < source.chars().count() {
            location.column = u32::try_from(indent + 1).unwrap_or(1);
        }
    }
    location
}

/// `      ^^^` → (7, 10): the 1-based first column and the exclusive end column.
fn caret_span(carets: Option<&str>) -> Option<(u32, u32)> {
    let carets = carets?;
    let first = carets.chars().position(|c| c == '^')?;
    let count = carets.chars().filter(|c| *c == '^').count();
    let first = u32::try_from(first).ok()?;
    let count = u32::try_from(count).ok()?;
    Some((first + 1, first + 1 + count))
}

/// `x is not a function`, `Cannot read properties of undefined (reading 'y')`: a member or
/// function that does not exist, rather than a value of the wrong type.
fn missing_member(message: &str) -> bool {
    message.ends_with("is not a function")
        || message.contains("is not a function or its return value is not iterable")
        || message.starts_with("Cannot read properties of undefined")
        || message.starts_with("Cannot read properties of null")
        || message.starts_with("Cannot set properties of undefined")
        || message.starts_with("Cannot set properties of null")
        || (message.starts_with("Cannot read property") && message.ends_with("of undefined"))
}

fn is_assert_helper(function: Option<&str>) -> bool {
    function.is_some_and(|f| f.to_ascii_lowercase().contains("assert"))
}

/// The test function: the first named frame in a test file that is not the assert helper.
fn test_name(frames: &[&StackFrame<'_>], input: &ParseInput<'_>) -> Option<String> {
    frames
        .iter()
        .filter(|f| is_test_path(input, program_path(f.file)))
        .filter_map(|f| f.function)
        .find(|name| !is_assert_helper(Some(name)) && !name.contains("<anonymous>"))
        .map(|name| name.strip_prefix("Object.").unwrap_or(name).to_string())
}

fn property<'a>(block: &ErrorBlock<'a>, key: &str) -> Option<&'a str> {
    block
        .properties
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| *v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::test_support::{cmd, headline, loc};
    use crate::program::Program;
    use std::path::Path;
    use std::process::Command;

    const MAIN: &str = "function add(a, b) {\n    return a + c;\n}\n\nfunction area(shape) {\n    return shape.size.width * 2;\n}\n\nmodule.exports = { add, area };\n";
    const TEST: &str = "const { add, area } = require('./main.js');\nconsole.assert = (cond, ...msg) => { if (!cond) throw new Error('Assertion failed' + (msg.length ? ': ' + msg.join(' ') : '')); };\n\nfunction testAdd() {\n    console.assert(add(1, 2) === 3, 'Test case 1 failed');\n}\n\ntestAdd();\n";

    fn program(files: &[(&str, &str)]) -> Program {
        Program::new(
            TargetLanguage::JavaScript,
            files.iter().map(|(n, t)| (n.to_string(), t.to_string())),
        )
        .unwrap()
        .with_protected(
            files
                .iter()
                .filter(|(n, _)| n.ends_with(".test.js"))
                .map(|(n, _)| n.to_string()),
        )
        .unwrap()
    }

    fn input<'a>(
        program: &'a Program,
        step: &'a str,
        command: &'a [String],
        exit_code: i32,
        stderr: &'a str,
    ) -> ParseInput<'a> {
        ParseInput {
            language: TargetLanguage::JavaScript,
            step,
            command,
            exit_code: Some(exit_code),
            termination: Termination::Exited,
            stdout: "",
            stderr,
            program,
        }
    }

    /// The errors of the test step `node main.test.js` (exit status 1) of [`MAIN`] and
    /// [`TEST`] that printed `stderr`.
    fn run_main_test(stderr: &str) -> Vec<CodeError> {
        let p = program(&[("main.js", MAIN), ("main.test.js", TEST)]);
        let command = cmd(&["node", "main.test.js"]);
        parse_run(&input(&p, "test", &command, 1, stderr))
    }

    #[test]
    fn check_syntax_error_column_from_carets() {
        let p = program(&[(
            "main.js",
            "function f(str, end) {\n    while (str && start < end end--;\n}\n",
        )]);
        let stderr = "/work/main.js:2\n    while (str && start < end end--;\n                              ^^^\n\nSyntaxError: Unexpected identifier 'end'\n    at wrapSafe (node:internal/modules/cjs/loader:1464:18)\n    at checkSyntax (node:internal/main/check_syntax:78:3)\n\nNode.js v20.20.2\n";
        let command = cmd(&["node", "--check", "main.js"]);
        let errors = parse_check(&input(&p, "check", &command, 1, stderr));
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].error_type, ErrorType::SyntaxError);
        assert_eq!(errors[0].code.as_deref(), Some("SyntaxError"));
        assert_eq!(errors[0].message, "Unexpected identifier 'end'");
        assert_eq!(
            loc(&errors[0]),
            ("main.js".into(), 2, 31, Some(2), Some(34))
        );

        // Unexpected end of input: no source text and no carets.
        let stderr = "/work/main.js:4\n\n\n\nSyntaxError: Unexpected end of input\n    at wrapSafe (node:internal/modules/cjs/loader:1464:18)\n\nNode.js v20.20.2\n";
        let errors = parse_check(&input(&p, "check", &command, 1, stderr));
        assert_eq!(errors[0].message, "Unexpected end of input");
        assert_eq!(loc(&errors[0]), ("main.js".into(), 4, 1, None, None));

        let errors = parse_check(&input(&p, "check", &command, 0, ""));
        assert!(errors.is_empty());
    }

    #[test]
    fn run_syntax_error_while_requiring_the_program() {
        let stderr = "/work/main.js:2\n    return a + c;;\n                ^^\n\nSyntaxError: Unexpected token ';'\n    at wrapSafe (node:internal/modules/cjs/loader:1464:18)\n    at require (node:internal/modules/helpers:182:18)\n    at Object.<anonymous> (/work/main.test.js:1:30)\n    at Module._compile (node:internal/modules/cjs/loader:1521:14)\n\nNode.js v20.20.2\n";
        let errors = run_main_test(stderr);
        assert_eq!(errors[0].error_type, ErrorType::SyntaxError);
        assert_eq!(errors[0].test_name, None);
        assert_eq!(
            loc(&errors[0]),
            ("main.js".into(), 2, 17, Some(2), Some(19))
        );
    }

    #[test]
    fn run_reference_error_in_program() {
        let stderr = "/work/main.js:2\n    return a + c;\n               ^\n\nReferenceError: c is not defined\n    at add (/work/main.js:2:16)\n    at testAdd (/work/main.test.js:5:20)\n    at Object.<anonymous> (/work/main.test.js:8:1)\n    at Module._compile (node:internal/modules/cjs/loader:1521:14)\n\nNode.js v20.20.2\n";
        let errors = run_main_test(stderr);
        assert_eq!(errors.len(), 1);
        let e = &errors[0];
        assert_eq!(e.error_type, ErrorType::UndefinedVariable);
        assert_eq!(e.code.as_deref(), Some("ReferenceError"));
        assert_eq!(e.message, "c is not defined");
        assert_eq!(loc(e), ("main.js".into(), 2, 16, Some(2), Some(17)));
        assert_eq!(e.test_name, None);
        assert_eq!(
            e.notes,
            vec!["stack: main.test.js:8:1 in Object.<anonymous> -> main.test.js:5:20 in testAdd -> main.js:2:16 in add"]
        );
    }

    #[test]
    fn run_type_errors_missing_member_or_mismatch() {
        let stderr = "/work/main.js:6\n    return shape.size.width * 2;\n                      ^\n\nTypeError: Cannot read properties of undefined (reading 'width')\n    at area (/work/main.js:6:23)\n    at Object.<anonymous> (/work/main.test.js:8:1)\n\nNode.js v20.20.2\n";
        let errors = run_main_test(stderr);
        assert_eq!(errors[0].error_type, ErrorType::UndefinedVariable);
        assert_eq!(errors[0].code.as_deref(), Some("TypeError"));
        assert_eq!(
            loc(&errors[0]),
            ("main.js".into(), 6, 23, Some(6), Some(24))
        );

        let stderr = "/work/main.js:2\n    return a + c;\n           ^\n\nTypeError: Assignment to constant variable.\n    at add (/work/main.js:2:12)\n\nNode.js v20.20.2\n";
        let errors = run_main_test(stderr);
        assert_eq!(errors[0].error_type, ErrorType::TypeMismatch);
        assert_eq!(errors[0].code.as_deref(), Some("TypeError"));
        assert_eq!(errors[0].message, "Assignment to constant variable.");
    }

    #[test]
    fn run_failed_console_assert_helper_is_a_test_failure() {
        let stderr = "/work/main.test.js:2\nconsole.assert = (cond, ...msg) => { if (!cond) throw new Error('Assertion failed' + (msg.length ? ': ' + msg.join(' ') : '')); };\n                                                ^\n\nError: Assertion failed: Test case 1 failed\n    at console.assert (/work/main.test.js:2:55)\n    at testAdd (/work/main.test.js:5:13)\n    at Object.<anonymous> (/work/main.test.js:8:1)\n    at Module._compile (node:internal/modules/cjs/loader:1521:14)\n\nNode.js v20.20.2\n";
        let errors = run_main_test(stderr);
        let e = &errors[0];
        assert_eq!(
            headline(e),
            (
                ErrorType::TestFailure,
                Some("Error"),
                "Assertion failed: Test case 1 failed",
                Some("testAdd")
            )
        );
        assert_eq!(loc(e), ("main.test.js".into(), 5, 13, None, None));
    }

    #[test]
    fn run_node_assert_failure_with_expected_and_actual() {
        let stderr = "node:assert:90\n  throw new AssertionError(obj);\n  ^\n\nAssertionError [ERR_ASSERTION]: Expected values to be strictly equal:\n\n3 !== 4\n\n    at testAdd (/work/main.test.js:5:10)\n    at Object.<anonymous> (/work/main.test.js:8:1)\n    at Module._compile (node:internal/modules/cjs/loader:1521:14)\n    at node:internal/main/run_main_module:28:49 {\n  generatedMessage: true,\n  code: 'ERR_ASSERTION',\n  actual: 3,\n  expected: 4,\n  operator: 'strictEqual'\n}\n\nNode.js v20.20.2\n";
        let errors = run_main_test(stderr);
        let e = &errors[0];
        assert_eq!(
            headline(e),
            (
                ErrorType::TestFailure,
                Some("AssertionError"),
                "Expected values to be strictly equal: 3 !== 4",
                Some("testAdd")
            )
        );
        assert_eq!(loc(e), ("main.test.js".into(), 5, 10, None, None));
        assert_eq!(e.notes[0], "expected: 4, actual: 3");
    }

    #[test]
    fn run_missing_module() {
        let p = program(&[("main.js", "const _ = require('lodash');\n")]);
        let command = cmd(&["node", "main.js"]);
        let stderr = "node:internal/modules/cjs/loader:1210\n  throw err;\n  ^\n\nError: Cannot find module 'lodash'\nRequire stack:\n- /work/main.js\n    at Module._resolveFilename (node:internal/modules/cjs/loader:1207:15)\n    at require (node:internal/modules/helpers:182:18)\n    at Object.<anonymous> (/work/main.js:1:11)\n    at node:internal/main/run_main_module:28:49 {\n  code: 'MODULE_NOT_FOUND',\n  requireStack: [ '/work/main.js' ]\n}\n\nNode.js v20.20.2\n";
        let errors = parse_run(&input(&p, "run", &command, 1, stderr));
        assert_eq!(errors[0].error_type, ErrorType::MissingImport);
        assert_eq!(errors[0].code.as_deref(), Some("MODULE_NOT_FOUND"));
        assert_eq!(errors[0].message, "Cannot find module 'lodash'");
        assert_eq!(loc(&errors[0]), ("main.js".into(), 1, 11, None, None));
    }

    #[test]
    fn run_other_errors_exits_and_limits() {
        let p = program(&[
            (
                "main.js",
                "function rec(n) { return rec(n + 1); }\nrec(0);\n",
            ),
            ("main.test.js", TEST),
        ]);
        let command = cmd(&["node", "main.js"]);
        let stderr = "/work/main.js:1\nfunction rec(n) { return rec(n + 1); }\n                  ^\n\nRangeError: Maximum call stack size exceeded\n    at rec (/work/main.js:1:19)\n    at rec (/work/main.js:1:26)\n\nNode.js v20.20.2\n";
        let errors = parse_run(&input(&p, "run", &command, 1, stderr));
        assert_eq!(
            errors[0].error_type,
            ErrorType::CompilerError("runtime".into())
        );
        assert_eq!(errors[0].code.as_deref(), Some("RangeError"));
        assert_eq!(
            loc(&errors[0]),
            ("main.js".into(), 1, 19, Some(1), Some(20))
        );

        let stderr = "hi\n\n/work/main.js:2\nthrow \"oops\";\n^\noops\n(Use `node --trace-uncaught ...` to show where the exception was thrown)\n\nNode.js v20.20.2\n";
        let errors = parse_run(&input(&p, "run", &command, 1, stderr));
        assert_eq!(
            errors[0].error_type,
            ErrorType::CompilerError("runtime".into())
        );
        assert_eq!(errors[0].message, "uncaught exception: oops");
        assert_eq!(loc(&errors[0]), ("main.js".into(), 2, 1, Some(2), Some(2)));

        let errors = parse_run(&input(&p, "run", &command, 3, "bad input\n"));
        assert_eq!(
            errors[0].error_type,
            ErrorType::CompilerError("exit".into())
        );
        assert_eq!(errors[0].message, "exited with status 3: bad input");
        let test_command = cmd(&["node", "main.test.js"]);
        let errors = parse_run(&input(&p, "test", &test_command, 1, ""));
        assert_eq!(errors[0].error_type, ErrorType::TestFailure);
        assert_eq!(errors[0].test_name.as_deref(), Some("main.test.js"));

        let mut timed_out = input(&p, "test", &test_command, 0, "");
        timed_out.exit_code = None;
        timed_out.termination = Termination::WallTimeout;
        let errors = parse_run(&timed_out);
        assert_eq!(errors[0].error_type, ErrorType::TestFailure);
        assert_eq!(errors[0].code.as_deref(), Some("timeout"));
        assert_eq!(
            errors[0].message,
            crate::diagnostics::limits::limit_message("timeout")
        );
        timed_out.termination = Termination::CpuLimit;
        assert_eq!(parse_run(&timed_out)[0].code.as_deref(), Some("cpu_limit"));
        timed_out.step = "run";
        let errors = parse_run(&timed_out);
        assert_eq!(
            errors[0].error_type,
            ErrorType::CompilerError("cpu_limit".into())
        );

        // V8's own heap limit is the same limit as the sandbox's memory cap.
        let mut heap = input(
            &p,
            "test",
            &test_command,
            134,
            "\n<--- Last few GCs --->\nFATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n",
        );
        let errors = parse_run(&heap);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].error_type, ErrorType::TestFailure);
        assert_eq!(errors[0].code.as_deref(), Some("out_of_memory"));
        heap.step = "run";
        assert_eq!(
            parse_run(&heap)[0].error_type,
            ErrorType::CompilerError("out_of_memory".into())
        );
    }

    /// A real `node --check` run (when /usr/bin/node is installed) agrees with the parser.
    #[test]
    fn real_node_check_and_run() {
        let node = "/usr/bin/node";
        if !Path::new(node).exists() {
            eprintln!("skipping: {node} is not installed");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let main = "function f(x) {\n    return (x + 1;\n}\nmodule.exports = { f };\n";
        std::fs::write(dir.path().join("main.js"), main).unwrap();
        let out = Command::new(node)
            .args(["--check", "main.js"])
            .current_dir(dir.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        let p = program(&[("main.js", main)]);
        let command = cmd(&["node", "--check", "main.js"]);
        // Paths are printed absolute; rewrite the temporary directory to the sandbox's /work.
        let stderr = stderr.replace(&dir.path().display().to_string(), "/work");
        let errors = parse_check(&input(
            &p,
            "check",
            &command,
            out.status.code().unwrap(),
            &stderr,
        ));
        assert_eq!(errors.len(), 1, "{stderr}");
        assert_eq!(errors[0].error_type, ErrorType::SyntaxError);
        assert_eq!(errors[0].message, "Unexpected token ';'");
        assert_eq!(
            loc(&errors[0]),
            ("main.js".into(), 2, 18, Some(2), Some(19))
        );
    }
}
