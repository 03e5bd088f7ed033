//! `rust.uncomment-definition`: uncomments `// let x = …` when `x` is used later and undefined.
//! Answers: E0425. Fix: uncomment `// let x = …` written before the use.
//!
//! Why it is safe: rustc names the exact problem at this position; the fix changes only what the
//! message points at, and the heal loop validates it before keeping it.
//!
//! Example:
//!
//! ```text
//! // let total = 0;
//! total += x;
//! ```
//!
//! becomes
//!
//! ```text
//! let total = 0;
//! total += x;
//! ```

use super::*;

/// Confidence of the fix: the commented-out code defines the missing name, but may have been
/// commented out on purpose.
const CONFIDENCE: f64 = 0.6;

/// Uncomments `// let x = …` when `x` is used later and undefined.
pub struct UncommentDefinition;

impl Rule for UncommentDefinition {
    const META: RuleMeta = RuleMeta::new("rust.uncomment-definition", FixApplicability::Likely)
        .language(TargetLanguage::Rust)
        .codes(&["E0425", "E0412", "E0433", "E0422"]);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let Some((loc, text, name, _)) = undefined_in_error_file(error, program) else {
            return Vec::new();
        };
        let patterns: Vec<String> = [
            "let ", "let mut ", "fn ", "const ", "static ", "struct ", "enum ", "type ", "use ",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut edits = uncomment_definitions(text, &loc.file, &name, loc.line, &patterns);
        edits.truncate(1);
        edits
            .into_iter()
            .map(|e| {
                fix(
                    Self::META.id,
                    format!("uncomment the definition of `{name}`"),
                    CONFIDENCE,
                    vec![e],
                )
            })
            .collect()
    }
}
