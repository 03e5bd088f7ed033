//! `go.missing-import`: imports a std package whose name is used but not imported. Answers:
//! `undefined: strings` for a std package name used as `strings.X`. Fix: add the import (to the
//! block; a single import becomes a block; one is created).
//!
//! Why it is safe: the Go compiler or vet names the exact problem at this position; the fix changes
//! only what the message points at, and the heal loop validates it before keeping it.
//!
//! Example: `strings.ToUpper(s)` → `import "strings"`.

use super::*;

/// The one standard package with that name: importing it is the fix.
const ONLY_PACKAGE: f64 = 0.85;
/// One of several packages with that name (`rand`): a choice.
const ONE_OF_PACKAGES: f64 = 0.7;
/// Each later package clearly less likely.
const RANK_STEP: f64 = 0.15;

/// Imports a std package whose name is used but not imported.
pub struct MissingImport;

impl Rule for MissingImport {
    const META: RuleMeta = RuleMeta::new("go.missing-import", FixApplicability::Likely)
        .language(TargetLanguage::Go)
        .codes(&["missing_import", "undefined"]);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let Some((loc, text, name, _)) = undefined_in_error_file(error, program) else {
            return Vec::new();
        };
        let Some(paths) = std_table().get(name.as_str()) else {
            return Vec::new();
        };
        // Only a package when used as `name.Member`.
        let Some(pos) = find_word_on_line(text, loc.line, loc.column, &name) else {
            return Vec::new();
        };
        if !text[pos + name.len()..].starts_with('.') {
            return Vec::new();
        }
        paths
            .iter()
            .enumerate()
            .filter_map(|(rank, path)| {
                let e = add_import(text, &loc.file, path)?;
                let conf = if paths.len() == 1 {
                    ONLY_PACKAGE
                } else {
                    ONE_OF_PACKAGES - RANK_STEP * rank as f64
                };
                Some(fix(
                    Self::META.id,
                    format!("import \"{path}\""),
                    conf,
                    vec![e],
                ))
            })
            .collect()
    }
}
