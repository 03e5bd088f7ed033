//! `any.separators`: a missing or extra `,` or `;` between list items, arguments or statements.
//!
//! Why it is safe: the parser stopped exactly at the separator; the fix adds or removes one
//! separator and nothing else.
//!
//! Example: `[1, 2 3]` → `[1, 2, 3]`.

use super::*;

/// Two operands side by side in Python: a lost `,` (`for i c in`, `f(a b)`).
const COMMA_BETWEEN_OPERANDS_PYTHON: f64 = 0.5;
/// Elsewhere an operator or a `;` may be what is missing.
const COMMA_BETWEEN_OPERANDS: f64 = 0.4;
/// A statement that ran into the next: the `;` the parser wanted.
const SEMICOLON_AFTER_OPERAND: f64 = 0.45;
/// The wrong separator inside brackets or a statement: the first wanted one.
const REPLACE_SEPARATOR: f64 = 0.45;
/// The other separator the context allows: clearly less likely.
const RANK_STEP: f64 = 0.1;

pub(crate) fn separators(id: &str, error: &CodeError, program: &Program) -> Vec<Fix> {
    let Some(t) = syntax_target(error, program) else {
        return Vec::new();
    };
    let msg = message(error);
    let mut fixes = Fixes::new(id);
    let tokens = code_tokens(t.lang, t.text);
    let i = token_at(&tokens, t.offset);
    let (Some(cur), Some(prev)) = (tokens.get(i), i.checked_sub(1).and_then(|p| tokens.get(p)))
    else {
        return Vec::new();
    };
    let src = t.text;
    let same_line = t.lines.line_of(prev.start) == t.lines.line_of(cur.start);
    // Two operands side by side: a missing `,` (`x y = p`, `for i c in`, `f(a b)`).
    if prev.ends_operand(src) && cur.starts_operand(src) && same_line {
        let conf = if t.lang == TargetLanguage::Python {
            COMMA_BETWEEN_OPERANDS_PYTHON
        } else {
            COMMA_BETWEEN_OPERANDS
        };
        fixes.push(
            conf,
            format!(
                "insert `,` between `{}` and `{}`",
                prev.text(src),
                cur.text(src)
            ),
            vec![edit(t.file, prev.end, prev.end, ",")],
        );
    }
    // A statement that ran into the next one: a missing `;`.
    if t.lang != TargetLanguage::Python
        && prev.ends_operand(src)
        && (!same_line || msg.contains("expected `;`") || msg.contains("expected ';'"))
    {
        fixes.push(
            SEMICOLON_AFTER_OPERAND,
            format!("insert `;` after `{}`", prev.text(src)),
            vec![edit(t.file, prev.end, prev.end, ";")],
        );
    }
    // A separator of the wrong kind: `;` inside a call or list, `,` ending a statement.
    let sep = |tok: &Token| matches!(tok.text(src), ";" | "," | ":") && tok.kind == Kind::Punct;
    for tok in [cur, prev] {
        if !sep(tok) || lines_differ(&t.lines, tok, cur) {
            continue;
        }
        let inside = enclosing_open(src, &tokens, token_at(&tokens, tok.start));
        let wanted: &[&str] = match (tok.text(src), inside) {
            (";", Some("(" | "[")) => &[","],
            (";", Some("{")) if t.lang == TargetLanguage::Python => &[",", ":"],
            (";", _) => &[",", ":"],
            (",", None) => &[";", ":"],
            (",", Some(_)) => &[":", ";"],
            (_, Some("(" | "[")) => &[","],
            _ => &[",", ";"],
        };
        for (k, w) in wanted.iter().enumerate() {
            fixes.replace(
                REPLACE_SEPARATOR - RANK_STEP * k as f64,
                format!("replace `{}` with `{w}`", tok.text(src)),
                t.file,
                tok.start,
                tok.end,
                w,
            );
        }
    }
    fixes.done()
}

pub(crate) fn lines_differ(lines: &LineIndex, a: &Token, b: &Token) -> bool {
    lines.line_of(a.start) != lines.line_of(b.start)
}

/// The `any.separators` rule.
pub(crate) struct Separators;

impl Rule for Separators {
    const META: RuleMeta = RuleMeta::new("any.separators", FixApplicability::Likely);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        separators(Self::META.id, error, program)
    }
}
