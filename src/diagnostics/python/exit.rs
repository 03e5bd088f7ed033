//! Shared with `javascript.rs`: limits, exit statuses, which file is a test.

use super::*;

// ---- shared with javascript.rs: limits, exit statuses, which file is a test ----------------

/// The limit error when the sandbox stopped the command (shared with `javascript.rs` and the
/// judge).
pub(crate) use crate::diagnostics::limits::limit_error;

/// The error for a command that failed without printing an error we could parse.
pub(in crate::diagnostics) fn exit_error(input: &ParseInput<'_>) -> CodeError {
    let script = command_script(input, input.language);
    let last = input
        .stderr
        .lines()
        .chain(input.stdout.lines())
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("Node.js v"));
    let mut message = describe_exit(input);
    if let Some(last) = last {
        message = format!("{message}: {last}");
    }
    let test_run = match script {
        Some(script) => is_test_path(input, script),
        None => input.step == "test",
    };
    if test_run {
        let mut error = CodeError::new(ErrorType::TestFailure, message);
        error.test_name = script.map(str::to_string);
        error
    } else {
        let mut error = CodeError::new(ErrorType::CompilerError("exit".into()), message);
        if let Some(script) = script {
            error.notes.push(format!("while running {script}"));
        }
        error
    }
}

pub(in crate::diagnostics) fn describe_exit(input: &ParseInput<'_>) -> String {
    match (input.termination, input.exit_code) {
        (Termination::Signaled, _) => "was killed by a signal".to_string(),
        (_, Some(code)) => format!("exited with status {code}"),
        (_, None) => "stopped without an exit status".to_string(),
    }
}

/// The program file the command runs (`python3 test_main.py` → `test_main.py`).
pub(in crate::diagnostics) fn command_script<'a>(
    input: &ParseInput<'a>,
    language: TargetLanguage,
) -> Option<&'a str> {
    input.command.iter().skip(1).find_map(|arg| {
        let path = program_path(arg);
        let ext = path.rsplit_once('.')?.1;
        (!arg.starts_with('-') && TargetLanguage::from_extension(ext) == Some(language))
            .then_some(path)
    })
}

/// Test files: protected files, files named like tests, and the script a `test` step runs.
pub(in crate::diagnostics) fn is_test_path(input: &ParseInput<'_>, path: &str) -> bool {
    input.program.protected().contains(path)
        || is_test_file(input.language, path)
        || (input.step == "test" && command_script(input, input.language) == Some(path))
}
