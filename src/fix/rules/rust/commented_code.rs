//! `rust.commented-code`: uncomments code cut off by a trailing `//` comment (`if d.abs() // < t
//! {`). Answers: parser errors, test failures, timeouts. Fix: uncomment code cut off by a trailing
//! comment (`if d // < t {`).
//!
//! Why it is safe: rustc names the exact problem at this position; the fix changes only what the
//! message points at, and the heal loop validates it before keeping it.
//!
//! Example: `if d.abs() // < t {` → `if d.abs() < t {`.

use super::*;

/// Uncomments code cut off by a trailing `//` comment (`if d.abs() // < t {`).
pub struct CommentedCode;

impl Rule for CommentedCode {
    const META: RuleMeta = RuleMeta::new("rust.commented-code", FixApplicability::Likely)
        .language(TargetLanguage::Rust);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let relevant = matches!(
            error.error_type,
            ErrorType::SyntaxError | ErrorType::TestFailure
        ) || crate::diagnostics::limits::is_limit(error);
        if !relevant {
            return Vec::new();
        }
        crate::fix::text::commented_code_fixes(Self::META.id, program, false)
    }
}
