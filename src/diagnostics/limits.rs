//! Commands the sandbox stopped at a limit: one error vocabulary for every language.
//!
//! A run stopped by a limit is reported with the limit's code ([`codes`]: `timeout`,
//! `cpu_limit`, `out_of_memory`, `file_size_limit`), whatever the language and parser, and
//! with the same first line of message for the same limit, so that the learner's statistics
//! (keyed by code and masked first line) do not split by parser. The category says what the
//! limit means for the step: [`ErrorType::TestFailure`] in the `test` step (the tests did not
//! finish), [`ErrorType::CompilerError`] with the code as its kind everywhere else
//! (`compiler:timeout` for a `check` or `run` that never ended). What differs between
//! commands (the command line, the tests still running) goes into the error's notes.

use super::ParseInput;
use crate::types::{CodeError, ErrorType, Termination};

/// The codes of errors for a command stopped at a limit, the same in every language.
pub mod codes {
    /// Stopped at the wall-clock deadline.
    pub const TIMEOUT: &str = "timeout";
    /// Stopped at the CPU time limit.
    pub const CPU_LIMIT: &str = "cpu_limit";
    /// Ran out of memory under the memory limit (killed, or the runtime's own out-of-memory
    /// error: Python's `MemoryError`, Node's "heap out of memory").
    pub const OUT_OF_MEMORY: &str = "out_of_memory";
    /// Wrote a file larger than the file size limit.
    pub const FILE_SIZE_LIMIT: &str = "file_size_limit";
    /// Every limit code.
    pub const ALL: &[&str] = &[TIMEOUT, CPU_LIMIT, OUT_OF_MEMORY, FILE_SIZE_LIMIT];
}

/// The code of the limit that stopped a command, or `None` when it ended by itself (an exit or
/// a signal the sandbox did not send).
pub fn limit_code(termination: Termination) -> Option<&'static str> {
    match termination {
        Termination::WallTimeout => Some(codes::TIMEOUT),
        Termination::CpuLimit => Some(codes::CPU_LIMIT),
        Termination::OutOfMemory => Some(codes::OUT_OF_MEMORY),
        Termination::FileSizeLimit => Some(codes::FILE_SIZE_LIMIT),
        Termination::Exited | Termination::Signaled => None,
    }
}

/// True for an error of a command stopped at a limit (its code is one of [`codes::ALL`]).
pub fn is_limit(error: &CodeError) -> bool {
    error
        .code
        .as_deref()
        .is_some_and(|code| codes::ALL.contains(&code))
}

/// The category of a limit error in `step`: a test failure in the `test` step, otherwise a
/// compiler error whose kind is the limit's code.
pub fn limit_error_type(step: &str, code: &str) -> ErrorType {
    if step == "test" {
        ErrorType::TestFailure
    } else {
        ErrorType::CompilerError(code.to_string())
    }
}

/// The message of a limit error: the same for a code in every language. Unknown codes get a
/// generic message.
pub fn limit_message(code: &str) -> &'static str {
    match code {
        codes::TIMEOUT => {
            "stopped at the wall-clock time limit (an infinite loop, a deadlock or very slow code?)"
        }
        codes::CPU_LIMIT => "stopped at the CPU time limit (an infinite loop or very slow code?)",
        codes::OUT_OF_MEMORY => "ran out of memory under the sandbox's memory limit",
        codes::FILE_SIZE_LIMIT => "wrote a file larger than the sandbox's file size limit",
        _ => "stopped at a sandbox limit",
    }
}

/// The error for a limit with `code` in `step`: category, code and message as the module
/// describes, no notes.
pub fn limit_error_in(step: &str, code: &str) -> CodeError {
    let mut error =
        CodeError::new(limit_error_type(step, code), limit_message(code)).with_code(code);
    error.step = step.to_string();
    error
}

/// The error for a command the sandbox stopped at a limit, or `None` when it was not: the
/// command line as a note.
pub fn limit_error(input: &ParseInput<'_>) -> Option<CodeError> {
    let code = limit_code(input.termination)?;
    let mut error = limit_error_in(input.step, code);
    if !input.command.is_empty() {
        error
            .notes
            .push(format!("command: {}", input.command.join(" ")));
    }
    Some(error)
}

/// [`limit_error`] for a test runner: the tests still running when it was stopped as a note,
/// and the test's name when only one was.
pub fn limit_error_running(input: &ParseInput<'_>, running: &[String]) -> Option<CodeError> {
    let mut error = limit_error(input)?;
    if !running.is_empty() {
        error
            .notes
            .push(format!("still running: {}", running.join(", ")));
    }
    if let [only] = running {
        error.test_name = Some(only.clone());
    }
    Some(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_code_per_limit_and_a_category_per_step() {
        let cases = [
            (Termination::WallTimeout, "timeout"),
            (Termination::CpuLimit, "cpu_limit"),
            (Termination::OutOfMemory, "out_of_memory"),
            (Termination::FileSizeLimit, "file_size_limit"),
        ];
        for (termination, code) in cases {
            assert_eq!(limit_code(termination), Some(code));
            let test = limit_error_in("test", code);
            assert_eq!(test.error_type, ErrorType::TestFailure);
            assert_eq!(test.code.as_deref(), Some(code));
            assert_eq!(test.step, "test");
            for step in ["check", "run"] {
                let other = limit_error_in(step, code);
                assert_eq!(other.error_type, ErrorType::CompilerError(code.into()));
                assert_eq!(other.error_type.label(), format!("compiler:{code}"));
                assert_eq!(other.message, test.message);
            }
        }
        assert_eq!(limit_code(Termination::Exited), None);
        assert_eq!(limit_code(Termination::Signaled), None);
        assert_eq!(codes::ALL.len(), 4);
    }
}
