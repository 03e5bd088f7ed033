//! `go.commented-code`: uncomments code cut off by a trailing `//` comment (`x := order[i] // +
//! 1`). Answers: syntax errors, test failures, timeouts, panics. Fix: uncomment code cut off by a
//! trailing comment (`x := o[i] // + 1`).
//!
//! Why it is safe: the Go compiler or vet names the exact problem at this position; the fix changes
//! only what the message points at, and the heal loop validates it before keeping it.
//!
//! Example: `x := order[i] // + 1` → `x := order[i] + 1`.

use super::*;

/// Uncomments code cut off by a trailing `//` comment (`x := order[i] // + 1`).
pub struct CommentedCode;

impl Rule for CommentedCode {
    const META: RuleMeta = RuleMeta::new("go.commented-code", FixApplicability::Likely)
        .language(TargetLanguage::Go)
        .codes(&["syntax", "test_failed", "timeout", "panic"]);

    fn fixes(&self, _error: &CodeError, program: &Program) -> Vec<Fix> {
        crate::fix::text::commented_code_fixes(Self::META.id, program, false)
    }
}
