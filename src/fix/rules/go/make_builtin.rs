//! `go.make-builtin`: `f([]int, n)` with `f` undefined: only `make` takes a type as its first
//! argument. Answers: `undefined: f` called as `f([]int, n)`. Fix: `make`.
//!
//! Why it is safe: the Go compiler or vet names the exact problem at this position; the fix changes
//! only what the message points at, and the heal loop validates it before keeping it.
//!
//! Example: `xs := new([]int, n)` → `xs := make([]int, n)`.

use super::*;

/// Confidence of the fix: A `new`/`alloc`-style call on a slice, map or channel type can only mean `make`.
const CONFIDENCE: f64 = 0.6;

/// `f([]int, n)` with `f` undefined: only `make` takes a type as its first argument.
pub struct MakeBuiltin;

impl Rule for MakeBuiltin {
    const META: RuleMeta = RuleMeta::new("go.make-builtin", FixApplicability::Likely)
        .language(TargetLanguage::Go)
        .codes(&["undefined"]);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let Some((loc, text, name, NameKind::Value)) = undefined_in_error_file(error, program)
        else {
            return Vec::new();
        };
        let Some(pos) = find_word_on_line(text, loc.line, loc.column, &name) else {
            return Vec::new();
        };
        let after = &text[pos + name.len()..];
        let Some(arg) = after.strip_prefix('(') else {
            return Vec::new();
        };
        if !(arg.starts_with("[]") || arg.starts_with("map[") || arg.starts_with("chan ")) {
            return Vec::new();
        }
        vec![fix(
            Self::META.id,
            format!("`{name}` takes a type: it must be `make`"),
            CONFIDENCE,
            vec![edit(&loc.file, pos, pos + name.len(), "make")],
        )]
    }
}
