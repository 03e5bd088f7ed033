//! `rust.commented-code`: Uncomments code cut off by a trailing `//` comment (`if d.abs() // < t {`).
//!
//! Answers: parser errors, test failures, timeouts. Fix: uncomment code cut off by a trailing comment (`if d // < t {`).

use super::*;

/// Uncomments code cut off by a trailing `//` comment (`if d.abs() // < t {`).
pub struct CommentedCode;

impl Rule for CommentedCode {
    const META: RuleMeta = RuleMeta::new("rust.commented-code", FixApplicability::Likely)
        .language(TargetLanguage::Rust);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let relevant = matches!(
            error.error_type,
            ErrorType::SyntaxError | ErrorType::TestFailure | ErrorType::TelemetryMismatch
        );
        if program.language != TargetLanguage::Rust || !relevant {
            return Vec::new();
        }
        crate::fix::text::commented_code_fixes(Self::META.id, program, false)
    }
}
