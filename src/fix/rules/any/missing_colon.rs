//! `any.missing-colon`: a Python block header (`if`, `for`, `def`, `class`…) without its trailing
//! `:`.
//!
//! Why it is safe: Python requires the colon and the line is already a header, so adding it only
//! makes the statement parse.
//!
//! Example: `def area(r)` → `def area(r):`.

use super::*;

/// The parser said `expected ':'`: the colon is the fix.
const EXPLICIT: f64 = 0.7;
/// A block header on the error's line without its `:`.
const ON_ERROR_LINE: f64 = 0.5;
/// A header on an earlier line: the error may be elsewhere.
const ON_EARLIER_LINE: f64 = 0.4;

pub(crate) const PY_HEADERS: &[&str] = &[
    "def", "if", "elif", "else", "for", "while", "try", "except", "finally", "with", "class",
    "async", "match", "case",
];

pub(crate) fn missing_colon(id: &str, error: &CodeError, program: &Program) -> Vec<Fix> {
    let Some(t) = syntax_target(error, program) else {
        return Vec::new();
    };
    let msg = message(error);
    let explicit = msg.contains("expected ':'");
    let mut fixes = Fixes::new(id);
    // The header is the error's line, or the nearest header above it (a multi-line header, or
    // an error reported on the body's first line).
    for line in (t.line.saturating_sub(3).max(1)..=t.line).rev() {
        let (ls, le) = t.lines.range(t.text, line);
        let toks = lex(TargetLanguage::Python, &t.text[ls..le]);
        let code: Vec<&Token> = toks.iter().filter(|k| k.kind != Kind::Comment).collect();
        let (Some(first), Some(last)) = (code.first(), code.last()) else {
            continue;
        };
        let head = first.text(&t.text[ls..le]);
        if !PY_HEADERS.contains(&head) || last.text(&t.text[ls..le]) == ":" {
            continue;
        }
        // Balanced line only: a header still inside brackets continues below.
        let line_text = &t.text[ls..le];
        if !imbalances(line_text, &code.iter().map(|t| **t).collect::<Vec<_>>()).is_empty() {
            continue;
        }
        let at = ls + last.end;
        let conf = if explicit {
            EXPLICIT
        } else if line == t.line {
            ON_ERROR_LINE
        } else {
            ON_EARLIER_LINE
        };
        fixes.push(
            conf,
            format!("add the missing `:` after the `{head}` header on line {line}"),
            vec![edit(t.file, at, at, ":")],
        );
        break;
    }
    fixes.done()
}

/// The `any.missing-colon` rule.
pub(crate) struct MissingColon;

impl Rule for MissingColon {
    const META: RuleMeta = RuleMeta::new("any.missing-colon", FixApplicability::Likely);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        missing_colon(Self::META.id, error, program)
    }
}
