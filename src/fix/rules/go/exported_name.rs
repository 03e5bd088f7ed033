//! `go.exported-name`: `math.sqrt` → `math.Sqrt`: package members are exported, so capitalised.
//! Answers: `sqrt not declared by package math`. Fix: `math.Sqrt`.
//!
//! Why it is safe: the Go compiler or vet names the exact problem at this position; the fix changes
//! only what the message points at, and the heal loop validates it before keeping it.
//!
//! Example: `math.sqrt(x)` → `math.Sqrt(x)`.

use super::*;

/// Confidence of the fix: The package does export the capitalised name; the lower-case one cannot be reached.
const CONFIDENCE: f64 = 0.75;

/// `math.sqrt` → `math.Sqrt`: package members are exported, so capitalised.
pub struct ExportedName;

impl Rule for ExportedName {
    const META: RuleMeta = RuleMeta::new("go.exported-name", FixApplicability::Likely)
        .language(TargetLanguage::Go)
        .codes(&["undefined_member", "undefined"]);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let Some((loc, text)) = error_file(error, program) else {
            return Vec::new();
        };
        let msg = &error.message;
        let Some((name, _)) = undefined_name(msg).or_else(|| {
            msg.rsplit_once("unexported name ")
                .and_then(|(_, r)| r.rsplit_once('.'))
                .map(|(_, n)| (n.to_string(), crate::fix::text::NameKind::Member))
        }) else {
            return Vec::new();
        };
        let package_member = msg.contains("not declared by package")
            || msg.contains("unexported name")
            || msg.starts_with("undefined: ") && msg.contains('.');
        if !package_member || !name.starts_with(|c: char| c.is_ascii_lowercase()) {
            return Vec::new();
        }
        let Some(pos) = find_word_on_line(text, loc.line, loc.column, &name) else {
            return Vec::new();
        };
        if !text[..pos].ends_with('.') {
            return Vec::new();
        }
        let mut chars = name.chars();
        let capital: String = chars
            .next()
            .map(|c| c.to_ascii_uppercase())
            .into_iter()
            .chain(chars)
            .collect();
        // Every use of the same `pkg.name` in the file: the compiler may report only the first.
        let qualifier: String = text[..pos - 1]
            .chars()
            .rev()
            .take_while(|c| is_ident_char(*c))
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let edits: Vec<Edit> = identifiers(text, TargetLanguage::Go)
            .into_iter()
            .filter(|(p, w)| *w == name && text[..*p].ends_with(&format!("{qualifier}.")))
            .map(|(p, _)| edit(&loc.file, p, p + name.len(), capital.clone()))
            .collect();
        vec![fix(
            Self::META.id,
            format!("package members are exported: `{qualifier}.{capital}`"),
            CONFIDENCE,
            edits,
        )]
    }
}
