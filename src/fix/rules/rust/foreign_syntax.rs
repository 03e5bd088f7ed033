//! `rust.foreign-syntax`: rewrites constructs from other languages wherever they occur in the file.
//! Answers: parser errors. Fix: other languages' keywords (`import`, `func`, `elif`, `foreach`,
//! `set`/`var`, `do`), `vec[…]`, `# comments`, `use a:b`.
//!
//! Why it is safe: rustc names the exact problem at this position; the fix changes only what the
//! message points at, and the heal loop validates it before keeping it.
//!
//! Example: `import std::io;` → `use std::io;`.

use super::*;

/// Another language's spelling of a Rust construct (`elif`, `null`, `&&=`…): one meaning.
const TRANSLATION: f64 = 0.7;
/// A stray `do` (Ruby's, Lua's): usually only a word too many.
const DROP_DO: f64 = 0.55;
/// `do` meant `return`: rarer.
const DO_AS_RETURN: f64 = 0.4;

/// Statement-starting keywords from other languages, with the Rust that replaces them.
pub(crate) const FOREIGN_KEYWORDS: &[(&str, &str)] = &[
    ("import", "use"),
    ("func", "fn"),
    ("function", "fn"),
    ("def", "fn"),
    ("foreach", "for"),
    ("elif", "else if"),
    ("elsif", "else if"),
    ("elseif", "else if"),
    ("set", "let"),
    ("var", "let"),
    ("val", "let"),
    ("auto", "let"),
    ("switch", "match"),
];

/// Rewrites constructs from other languages wherever they occur in the file.
pub struct ForeignSyntax;

impl Rule for ForeignSyntax {
    const META: RuleMeta = RuleMeta::new("rust.foreign-syntax", FixApplicability::Likely)
        .language(TargetLanguage::Rust)
        .kinds(&[ErrorKind::Syntax]);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let Some((loc, text)) = error_file(error, program) else {
            return Vec::new();
        };
        let file = loc.file.as_str();
        let idents = identifiers(text, TargetLanguage::Rust);
        let declared = declared_names(program);
        let mut fixes = Vec::new();
        for (foreign, rust) in FOREIGN_KEYWORDS {
            if declared.iter().any(|d| d == foreign) && *foreign != "import" {
                continue;
            }
            let edits: Vec<Edit> = idents
                .iter()
                .enumerate()
                .filter(|(_, (_, w))| w == foreign)
                .filter(|(n, (pos, w))| {
                    // Followed by a name or pattern (`set x =`, `foreach &s in`), or `elif cond {`.
                    let after = text[pos + w.len()..].trim_start_matches([' ', '\t']);
                    let next_is_word = idents.get(n + 1).is_some_and(|(p, _)| {
                        text[pos + w.len()..*p].trim().is_empty()
                            || text[pos + w.len()..*p].trim() == "&"
                    });
                    next_is_word || after.starts_with(['(', '&'])
                })
                .map(|(_, (pos, w))| edit(file, *pos, pos + w.len(), *rust))
                .collect();
            if !edits.is_empty() {
                fixes.push(fix(
                    Self::META.id,
                    format!("Rust writes `{rust}` where this code wrote `{foreign}`"),
                    TRANSLATION,
                    edits,
                ));
            }
        }
        // `let return x` → `return x`.
        let lets: Vec<Edit> = text
            .match_indices("let return")
            .filter(|(p, _)| is_word_at(text, *p, 10))
            .map(|(p, _)| edit(file, p, p + 4, ""))
            .collect();
        if !lets.is_empty() {
            fixes.push(fix(
                Self::META.id,
                "`return` is not a binding: drop `let`".into(),
                TRANSLATION,
                lets,
            ));
        }
        // `do expr` (not a Rust keyword): drop it, or it meant `return`.
        let dos: Vec<usize> = idents
            .iter()
            .filter(|(p, w)| *w == "do" && text[p + 2..].starts_with(' '))
            .map(|(p, _)| *p)
            .collect();
        if !dos.is_empty() {
            fixes.push(fix(
                Self::META.id,
                "drop the stray `do`".into(),
                DROP_DO,
                dos.iter().map(|p| edit(file, *p, p + 3, "")).collect(),
            ));
            fixes.push(fix(
                Self::META.id,
                "`do` meant `return`".into(),
                DO_AS_RETURN,
                dos.iter()
                    .map(|p| edit(file, *p, p + 2, "return"))
                    .collect(),
            ));
        }
        // Python-style `# comment` after code.
        let mask = code_mask(text);
        let hashes: Vec<Edit> = text
            .match_indices(" # ")
            .filter(|(p, _)| mask[*p + 1])
            .map(|(p, _)| edit(file, p + 1, p + 2, "//"))
            .collect();
        if !hashes.is_empty() {
            fixes.push(fix(
                Self::META.id,
                "Rust comments start with `//`, not `#`".into(),
                TRANSLATION,
                hashes,
            ));
        }
        // `use std:{cmp:max}` → `use std::{cmp::max}`.
        let mut colons = Vec::new();
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            if line.trim_start().starts_with("use ") {
                let b = line.as_bytes();
                for i in 1..b.len().saturating_sub(1) {
                    if b[i] == b':'
                        && b[i - 1] != b':'
                        && b[i + 1] != b':'
                        && (b[i - 1] as char).is_alphanumeric()
                    {
                        colons.push(edit(file, offset + i, offset + i + 1, "::"));
                    }
                }
            }
            offset += line.len();
        }
        if !colons.is_empty() {
            fixes.push(fix(
                Self::META.id,
                "paths are separated by `::`".into(),
                TRANSLATION,
                colons,
            ));
        }
        // `vec[…]` → `vec![…]` when `vec` is not a variable.
        if !declared.iter().any(|d| d == "vec") {
            let edits: Vec<Edit> = idents
                .iter()
                .filter(|(p, w)| {
                    *w == "vec" && text[p + 3..].starts_with('[') && !text[..*p].ends_with('.')
                })
                .map(|(p, _)| edit(file, p + 3, p + 3, "!"))
                .collect();
            if !edits.is_empty() {
                fixes.push(fix(
                    Self::META.id,
                    "`vec` is a macro: `vec![…]`".into(),
                    TRANSLATION,
                    edits,
                ));
            }
        }
        fixes
    }
}
