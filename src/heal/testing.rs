//! Test support shared by the unit tests of the heal loop and of the API: the verdict a fake
//! checker gives.

use std::time::Duration;

use crate::program::Program;
use crate::types::{CodeError, ValidationResult};

/// The verdict of a checker that runs no command: `errors` on `program`, passed when there are
/// none (no output, steps or per-test evidence; not cached).
pub(crate) fn verdict(program: &Program, errors: Vec<CodeError>) -> ValidationResult {
    ValidationResult {
        passed: errors.is_empty(),
        language: program.language(),
        errors,
        duration: Duration::ZERO,
        output: String::new(),
        steps: Vec::new(),
        cached: false,
        tests: Vec::new(),
    }
}
