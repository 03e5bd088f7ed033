//! `go.builtin-helper`: defines `min`/`max`/`abs` for integers when they are used but undefined.
//! Answers: `undefined: min` / `max` / `abs` (Go before 1.21). Fix: define the helper function.
//!
//! Why it is safe: the Go compiler or vet names the exact problem at this position; the fix changes
//! only what the message points at, and the heal loop validates it before keeping it.
//!
//! Example:
//!
//! ```text
//! x := abs(a - b)
//! ```
//!
//! becomes
//!
//! ```text
//! x := abs(a - b)
//! func abs(x int) int { if x < 0 { return -x }; return x }
//! ```

use super::*;

/// Confidence of the fix: The helper is the common definition of the name, but the program may have meant another.
const CONFIDENCE: f64 = 0.6;

/// Helpers that became builtins only in Go 1.21 (or never did).
pub(crate) const HELPERS: &[(&str, &str)] = &[
    (
        "min",
        "func min(a, b int) int {\n\tif a < b {\n\t\treturn a\n\t}\n\treturn b\n}\n",
    ),
    (
        "max",
        "func max(a, b int) int {\n\tif a > b {\n\t\treturn a\n\t}\n\treturn b\n}\n",
    ),
    (
        "abs",
        "func abs(a int) int {\n\tif a < 0 {\n\t\treturn -a\n\t}\n\treturn a\n}\n",
    ),
];

/// Defines `min`/`max`/`abs` for integers when they are used but undefined.
pub struct BuiltinHelper;

impl Rule for BuiltinHelper {
    const META: RuleMeta = RuleMeta::new("go.builtin-helper", FixApplicability::Likely)
        .language(TargetLanguage::Go)
        .codes(&["undefined"]);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let Some((loc, text, name, NameKind::Value)) = undefined_in_error_file(error, program)
        else {
            return Vec::new();
        };
        let Some((_, body)) = HELPERS.iter().find(|(n, _)| *n == name) else {
            return Vec::new();
        };
        let end = text.len();
        let sep = if text.ends_with('\n') { "\n" } else { "\n\n" };
        vec![fix(
            Self::META.id,
            format!("define the integer helper `{name}`"),
            CONFIDENCE,
            vec![edit(&loc.file, end, end, format!("{sep}{body}"))],
        )]
    }
}
