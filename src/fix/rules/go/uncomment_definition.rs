//! `go.uncomment-definition`: uncomments a definition of an undefined name written earlier in a
//! comment. Answers: `undefined: x` with `// x := …` or `/* … */` defining it earlier. Fix:
//! uncomment it.
//!
//! Why it is safe: the Go compiler or vet names the exact problem at this position; the fix changes
//! only what the message points at, and the heal loop validates it before keeping it.
//!
//! Example:
//!
//! ```text
//! // total := 0
//! total += x
//! ```
//!
//! becomes
//!
//! ```text
//! total := 0
//! total += x
//! ```

use super::*;

/// A commented-out line defining the missing name: uncommenting restores it.
const UNCOMMENT_DEFINITION: f64 = 0.6;
/// A commented-out block defining it: more lines, more that may be stale.
const UNCOMMENT_BLOCK: f64 = 0.55;

/// Uncomments a definition of an undefined name written earlier in a comment.
pub struct UncommentDefinition;

impl Rule for UncommentDefinition {
    const META: RuleMeta = RuleMeta::new("go.uncomment-definition", FixApplicability::Likely)
        .language(TargetLanguage::Go)
        .codes(&["undefined", "missing_import"]);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let Some((loc, text, name, NameKind::Value)) = undefined_in_error_file(error, program)
        else {
            return Vec::new();
        };
        let patterns: Vec<String> = ["var ", "const ", "func ", "type "]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let mut fixes: Vec<Fix> =
            uncomment_definitions(text, &loc.file, &name, loc.line, &patterns)
                .into_iter()
                .take(1)
                .map(|e| {
                    fix(
                        Self::META.id,
                        format!("uncomment the definition of `{name}`"),
                        UNCOMMENT_DEFINITION,
                        vec![e],
                    )
                })
                .collect();
        // `/* … x := … */` before the use: remove both markers.
        let before = line_bounds(text, loc.line).map_or(0, |(s, _)| s);
        let mut search = 0;
        while let Some(open) = text[search..before].find("/*").map(|i| search + i) {
            let Some(close) = text[open + 2..].find("*/").map(|i| open + 2 + i) else {
                break;
            };
            let body = &text[open + 2..close];
            let defines = body.lines().any(|l| {
                let l = l.trim();
                patterns.iter().any(|p| {
                    l.strip_prefix(p.as_str()).is_some_and(|r| {
                        r.starts_with(name.as_str()) && is_word_at(r, 0, name.len())
                    })
                }) || l.strip_prefix(name.as_str()).is_some_and(|r| {
                    r.trim_start().starts_with(":=") || r.trim_start().starts_with(',')
                })
            });
            if defines && close < before {
                fixes.push(fix(
                    Self::META.id,
                    format!("uncomment the block that defines `{name}`"),
                    UNCOMMENT_BLOCK,
                    vec![
                        edit(&loc.file, open, open + 2, ""),
                        edit(&loc.file, close, close + 2, ""),
                    ],
                ));
            }
            search = close + 2;
        }
        fixes
    }
}
