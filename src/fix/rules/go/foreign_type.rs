//! `go.foreign-type`: replaces a type name from another language everywhere in the file. Answers:
//! `undefined: double` (and `long`, `boolean`, `String`, `char`, …). Fix: the Go type.
//!
//! Why it is safe: the Go compiler or vet names the exact problem at this position; the fix changes
//! only what the message points at, and the heal loop validates it before keeping it.
//!
//! Example: `var s String` → `var s string`.

use super::*;

/// Another language's type name (`double`, `float`…) with a Go equivalent.
const FOREIGN_TYPE: f64 = 0.65;
/// Each later equivalent clearly less likely.
const RANK_STEP: f64 = 0.15;

/// Type names from other languages and their Go equivalents, most likely first.
pub(crate) const FOREIGN_TYPES: &[(&str, &[&str])] = &[
    ("double", &["float64", "int"]),
    ("float", &["float64", "float32"]),
    ("Float", &["float64"]),
    ("Double", &["float64"]),
    ("long", &["int64", "int"]),
    ("Long", &["int64"]),
    ("short", &["int16", "int"]),
    ("integer", &["int"]),
    ("Integer", &["int"]),
    ("Int", &["int"]),
    ("boolean", &["bool"]),
    ("Boolean", &["bool"]),
    ("Bool", &["bool"]),
    ("String", &["string"]),
    ("str", &["string"]),
    ("char", &["rune", "byte"]),
    ("character", &["rune"]),
    ("void", &[""]),
    ("size_t", &["int"]),
    ("unsigned", &["uint"]),
    ("dict", &["map[string]int"]),
    ("List", &["[]int"]),
];

/// Replaces a type name from another language everywhere in the file.
pub struct ForeignType;

impl Rule for ForeignType {
    const META: RuleMeta = RuleMeta::new("go.foreign-type", FixApplicability::Likely)
        .language(TargetLanguage::Go)
        .codes(&["undefined"]);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let Some((loc, text)) = error_file(error, program) else {
            return Vec::new();
        };
        let Some((name, _)) = undefined_name(&error.message) else {
            return Vec::new();
        };
        let Some((_, targets)) = FOREIGN_TYPES.iter().find(|(n, _)| *n == name) else {
            return Vec::new();
        };
        let positions: Vec<usize> = identifiers(text, TargetLanguage::Go)
            .into_iter()
            .filter(|(p, w)| *w == name && !text[..*p].ends_with('.'))
            .map(|(p, _)| p)
            .collect();
        targets
            .iter()
            .filter(|t| !t.is_empty())
            .enumerate()
            .map(|(rank, target)| {
                let edits = positions
                    .iter()
                    .map(|p| edit(&loc.file, *p, p + name.len(), *target))
                    .collect();
                fix(
                    Self::META.id,
                    format!("Go's type for `{name}` is `{target}`"),
                    FOREIGN_TYPE - RANK_STEP * rank as f64,
                    edits,
                )
            })
            .collect()
    }
}
