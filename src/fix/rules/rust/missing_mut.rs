//! `rust.missing-mut`: `let x` → `let mut x` (and `&T` → `&mut T` for a parameter borrowed
//! mutably). Answers: E0384/E0596/E0594. Fix: `mut` at the binding (or `&mut` in a parameter type).
//!
//! Why it is safe: rustc reports that the binding is mutated; adding `mut` lets it compile and
//! changes no behaviour.
//!
//! Example: `let v = Vec::new(); v.push(1);` → `let mut v = Vec::new(); v.push(1);`.

use super::*;

/// Confidence of `mut` on a `let` binding: what rustc asks for.
const BINDING: f64 = 0.85;
/// Confidence of `mut` on a parameter taken by value.
const PARAMETER: f64 = 0.8;
/// Confidence of `&mut` for a parameter taken by shared reference (changes the signature).
const MUT_REFERENCE: f64 = 0.75;

/// `let x` → `let mut x` (and `&T` → `&mut T` for a parameter borrowed mutably).
pub struct MissingMut;

impl Rule for MissingMut {
    const META: RuleMeta = RuleMeta::new("rust.missing-mut", FixApplicability::Safe)
        .language(TargetLanguage::Rust)
        .codes(&["E0384", "E0596", "E0594"]);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        declare_mutable(error, program).unwrap_or_default()
    }
}

/// The fixes making the binding the error names mutable.
fn declare_mutable(error: &CodeError, program: &Program) -> Option<Vec<Fix>> {
    let (loc, text) = error_file(error, program)?;
    let raw = error.message.split('`').nth(1)?;
    let deref = raw.starts_with('*');
    let name: String = raw
        .trim_start_matches('*')
        .chars()
        .take_while(|c| is_ident_char(*c))
        .collect();
    if !is_identifier(&name) {
        return None;
    }
    let before = line_col_to_byte(text, loc.line, loc.column)?;
    let binding = find_binding(text, &name, before)?;
    let mut fixes = Vec::new();
    match binding {
        Binding::Let(pos) | Binding::Pattern(pos) => {
            if !deref {
                fixes.push(fix(
                    MissingMut::META.id,
                    format!("declare `{name}` as mutable: `mut {name}`"),
                    BINDING,
                    vec![edit(&loc.file, pos, pos, "mut ")],
                ));
            }
        }
        Binding::Param { name_pos, type_pos } => {
            let ty = &text[type_pos..];
            if ty.starts_with('&') && !ty.starts_with("&mut ") {
                fixes.push(fix(
                    MissingMut::META.id,
                    format!("take parameter `{name}` by mutable reference: `&mut`"),
                    MUT_REFERENCE,
                    vec![edit(&loc.file, type_pos, type_pos + 1, "&mut ")],
                ));
            } else if !deref {
                fixes.push(fix(
                    MissingMut::META.id,
                    format!("make parameter `{name}` mutable: `mut {name}`"),
                    PARAMETER,
                    vec![edit(&loc.file, name_pos, name_pos, "mut ")],
                ));
            }
        }
    }
    Some(fixes)
}

pub(crate) enum Binding {
    /// `let x` / `let (a, x)`: where `mut ` goes.
    Let(usize),
    /// `for x in`, `|x|`, `Some(x) =>`.
    Pattern(usize),
    /// A function parameter `x: T`.
    Param { name_pos: usize, type_pos: usize },
}

/// The nearest binding of `name` before byte `before` that is not already `mut`.
pub(crate) fn find_binding(text: &str, name: &str, before: usize) -> Option<Binding> {
    let idents = identifiers(text, TargetLanguage::Rust);
    let end = idents.partition_point(|(p, _)| *p < before);
    for n in (0..end).rev() {
        let (pos, word) = idents[n];
        if word != name {
            continue;
        }
        let prev = n.checked_sub(1).map(|p| idents[p]);
        if prev.is_some_and(|(_, w)| w == "mut") {
            // Already mutable: the error is about something else.
            return None;
        }
        let between = prev.map_or("", |(p, w)| &text[p + w.len()..pos]);
        let prev_word = prev.map(|(_, w)| w);
        let after = text[pos + name.len()..].trim_start();
        // `let x`, `let (a, x)`, `let [x, ..]`.
        if let Some(k) = (0..n).rev().take(6).find(|k| idents[*k].1 == "let") {
            let span = &text[idents[k].0 + 3..pos];
            let simple = span.trim().is_empty();
            let in_pattern = !span.contains(['=', ';', '{', '}']);
            if simple || in_pattern {
                return Some(Binding::Let(pos));
            }
        }
        if prev_word == Some("for") && between.trim().is_empty() {
            return Some(Binding::Pattern(pos));
        }
        // A parameter: `name: Type` with `fn` earlier on the signature (before any `{`).
        if after.starts_with(':') && !after.starts_with("::") {
            let line_start = text[..pos].rfind('\n').map_or(0, |i| i + 1);
            let sig = text[..pos]
                .rfind("fn ")
                .filter(|f| !text[*f..pos].contains(['{', ';']));
            if sig.is_some() || text[line_start..pos].trim_start().starts_with("fn ") {
                let colon = pos + name.len() + (text[pos + name.len()..].len() - after.len());
                let type_pos =
                    colon + 1 + (text[colon + 1..].len() - text[colon + 1..].trim_start().len());
                return Some(Binding::Param {
                    name_pos: pos,
                    type_pos,
                });
            }
        }
        if between.trim_end().ends_with('|') || between.trim_end().ends_with("|&") {
            return Some(Binding::Pattern(pos));
        }
    }
    None
}
