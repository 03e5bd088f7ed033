//! Test helpers of the Go rules that answer `undefined: NAME`.

use crate::fix::text::testing::{err, results};
use crate::fix::{Fix, FixStrategy};
use crate::program::Program;
use crate::types::{CodeError, ErrorType};

/// `undefined: NAME` at `line`:`col` of `file`.
pub(crate) fn undefined_in(name: &str, file: &str, (line, col): (u32, u32)) -> CodeError {
    err(
        ErrorType::UndefinedVariable,
        "undefined",
        &format!("undefined: {name}"),
        file,
        line,
        col,
    )
}

/// The fixes `rule` proposes for `undefined: NAME` at `at` (line, column) of `main.go`.
pub(crate) fn undefined_fixes(
    rule: &dyn FixStrategy,
    program: &Program,
    name: &str,
    at: (u32, u32),
) -> Vec<Fix> {
    rule.suggest(&undefined_in(name, "main.go", at), program)
}

/// [`undefined_fixes`] applied to `text`, the text of `main.go`: every result, in the rule's
/// order.
pub(crate) fn undefined_results(
    rule: &dyn FixStrategy,
    program: &Program,
    text: &str,
    name: &str,
    at: (u32, u32),
) -> Vec<String> {
    results(&undefined_fixes(rule, program, name, at), text)
}
