//! `go.keyword-name`: renames a keyword used as a variable (`var := make([]int, n)`) everywhere it
//! is one. Answers: syntax errors at `var := …`. Fix: rename the keyword used as a variable.
//!
//! Why it is safe: the Go compiler or vet names the exact problem at this position; the fix changes
//! only what the message points at, and the heal loop validates it before keeping it.
//!
//! Example: `var := make([]int, n)` → `var_ := make([]int, n)`.

use super::*;

/// Confidence of the fix: The new name is a guess, but every use of the variable is renamed together.
const CONFIDENCE: f64 = 0.6;

/// Go keywords that programs from other languages use as variable names.
pub(crate) const KEYWORD_NAMES: &[(&str, &str)] = &[
    ("var", "vals"),
    ("type", "typ"),
    ("func", "fn"),
    ("range", "rng"),
    ("map", "m"),
    ("chan", "ch"),
    ("default", "def"),
    ("select", "sel"),
    ("package", "pkg"),
    ("interface", "iface"),
    ("go", "g"),
];

/// Renames a keyword used as a variable (`var := make([]int, n)`) everywhere it is one.
pub struct KeywordName;

impl Rule for KeywordName {
    const META: RuleMeta = RuleMeta::new("go.keyword-name", FixApplicability::Likely)
        .language(TargetLanguage::Go)
        .codes(&["syntax"]);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let Some((loc, text, (_, line))) = error_line(error, program) else {
            return Vec::new();
        };
        let idents = identifiers(text, TargetLanguage::Go);
        let mut fixes = Vec::new();
        for (keyword, replacement) in KEYWORD_NAMES {
            // Used as a value on the error's line: followed by `:=`, `=`, `[`, `)`, `,`, `++`…
            let as_name = |after: &str| {
                let a = after.trim_start_matches([' ', '\t']);
                [":=", "[", ")", ",", "++", "--", "+=", "-=", "]", "."]
                    .iter()
                    .any(|p| a.starts_with(p))
                    || (a.starts_with('=') && !a.starts_with("=="))
            };
            let on_line = line.match_indices(keyword).any(|(i, _)| {
                is_word_at(line, i, keyword.len()) && as_name(&line[i + keyword.len()..])
            });
            if !on_line || idents.iter().any(|(_, w)| w == replacement) {
                continue;
            }
            let edits: Vec<Edit> = idents
                .iter()
                .filter(|(p, w)| {
                    w == keyword
                        && (as_name(&text[p + w.len()..])
                            || text[..*p]
                                .trim_end()
                                .ends_with(['(', '[', ',', '=', '+', '-', '*', '/']))
                })
                .map(|(p, w)| edit(&loc.file, *p, p + w.len(), *replacement))
                .collect();
            if !edits.is_empty() {
                fixes.push(fix(
                    Self::META.id,
                    format!("`{keyword}` is a keyword: rename the variable to `{replacement}`"),
                    CONFIDENCE,
                    edits,
                ));
            }
        }
        fixes
    }
}
