//! `go.unused-import`: removes an import that is not used. Answers: `"os" imported but not used`.
//! Fix: remove the import line.
//!
//! Why it is safe: Go refuses to compile an unused import, and removing it cannot change what the
//! program does.
//!
//! Example: `import "os"` → `(the line removed)`.

use super::*;

/// Confidence of the fix: Go refuses to compile an unused import, and removing it changes nothing else.
const CONFIDENCE: f64 = 0.9;

/// Removes an import that is not used.
pub struct UnusedImport;

impl Rule for UnusedImport {
    const META: RuleMeta = RuleMeta::new("go.unused-import", FixApplicability::Safe)
        .language(TargetLanguage::Go)
        .codes(&["unused_import"]);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let Some((loc, text, (start, line))) = error_line(error, program) else {
            return Vec::new();
        };
        let Some(path) = error.message.split('"').nth(1) else {
            return Vec::new();
        };
        let quoted = format!("\"{path}\"");
        if !line.contains(&quoted) {
            return Vec::new();
        }
        let Some((ls, le)) = full_line(text, loc.line) else {
            return Vec::new();
        };
        let t = line.trim();
        let edit = if t.starts_with("import (") && t.ends_with(')') {
            // `import ("os")` on one line: drop just the path.
            let p = start + line.find(&quoted).unwrap_or(0);
            edit(&loc.file, p, p + quoted.len(), "")
        } else {
            edit(&loc.file, ls, le, "")
        };
        vec![fix(
            Self::META.id,
            format!("remove the unused import \"{path}\""),
            CONFIDENCE,
            vec![edit],
        )]
    }
}
