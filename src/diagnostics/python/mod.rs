//! Python: the static check pass (`python_check.py`) and tracebacks from running tests or the
//! program.
//!
//! Mapping (both parsers):
//! - `SyntaxError` / `IndentationError` / `TabError` → [`ErrorType::SyntaxError`], code = class;
//! - `NameError` / `UnboundLocalError` → `UndefinedVariable` (code `NameError`), `AttributeError`
//!   → `UndefinedVariable` (code `AttributeError`);
//! - `ModuleNotFoundError` / `ImportError` → `MissingImport` (code = class);
//! - `TypeError` → `TypeMismatch`; `AssertionError` → `TestFailure`; `MemoryError` and the
//!   sandbox's limits → a limit error ([`super::limits`]: code `out_of_memory`, `timeout`, …,
//!   `TestFailure` in the test step, else `CompilerError(code)`);
//! - any other exception → `CompilerError("runtime")` (code = class), or `TestFailure` when a test
//!   file raised it; a non-zero exit without a traceback → `TestFailure` for test scripts, else
//!   `CompilerError("exit")`.

use super::{limits, program_path, ParseInput};
use crate::program::{is_test_file, Program};
use crate::types::{
    Applicability, CodeError, CompilerSuggestion, ErrorType, Location, Replacement, TargetLanguage,
    Termination,
};

/// The static pass, run inside the sandbox by the toolchain's `check` step as
/// `python3 /selfheal/python_check.py FILE...` with the program directory as cwd.
pub const CHECK_SCRIPT: &str = include_str!("../python_check.py");

mod check;
mod exit;
mod traceback;

use exit::*;

pub use check::parse_check;
pub(super) use check::rename_suggestion;
pub(crate) use exit::limit_error;
pub(super) use exit::{command_script, exit_error, is_test_path};
pub use traceback::parse_run;
pub(crate) use traceback::traceback_locations;

#[cfg(test)]
mod tests;
