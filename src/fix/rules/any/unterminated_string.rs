//! `any.unterminated-string`: an unterminated string or character literal: the closing quote added
//! at the end of the line (or the quotes made to match, a char literal of several characters made a
//! string).
//!
//! Why it is safe: the literal cannot end where it does; the fix only closes or re-quotes it.
//!
//! Example: `print("total)` → `print("total")`.

use super::*;

/// The error right after a string: its closing quote belonged to the next literal.
const CLOSED_TOO_LATE: f64 = 0.65;
/// `'a` with one character after it: a character literal missing its end.
const CLOSE_CHAR: f64 = 0.55;
/// `a'` with one character before it: a character literal missing its start.
const OPEN_CHAR: f64 = 0.5;
/// `'abc"`: the closing quote is the other kind.
const MATCH_QUOTES: f64 = 0.6;
/// Punctuation glued to a quote (`)"`) is text far more often than code.
const OPEN_BEFORE_PUNCTUATION: f64 = 0.6;
/// The text between the argument's `(` and the quote holds format placeholders (`{},{}`,
/// `%d`): a format string lost its opening quote; above closing it somewhere further on.
const OPEN_AT_ARGUMENT: f64 = 0.62;
/// The same with other text between (`f(a - "b)`): it may well be code, a last guess.
const OPEN_AT_ARGUMENT_GUESS: f64 = 0.3;
/// A word glued to a quote may be code: opening the string there is a guess.
const OPEN_BEFORE_CODE: f64 = 0.45;
/// `"abc.len()`: the text ends before a method called on it.
const BEFORE_METHOD_CALL: f64 = 0.6;
/// Before the closer of a delimiter opened before the string.
const BEFORE_OPEN_CLOSER: f64 = 0.55;
/// Before a `;` or `:` that ends the line.
const BEFORE_FINAL_SEPARATOR: f64 = 0.55;
/// Before other punctuation: it may be text.
const BEFORE_SEPARATOR: f64 = 0.4;
/// At the end of the line: the usual place, but the language's last token may be lost.
const AT_LINE_END: f64 = 0.45;
/// Before the `;`, `:`, `{` or `)` that end the line.
const BEFORE_LINE_TAIL: f64 = 0.45;
/// Deleting the line loses code: the last resort.
const DELETE_LINE: f64 = 0.15;

pub(crate) fn unterminated_string(id: &str, error: &CodeError, program: &Program) -> Vec<Fix> {
    let Some(t) = syntax_target(error, program) else {
        return Vec::new();
    };
    let src = t.text;
    let mut fixes = Fixes::new(id);
    let tokens = lex(t.lang, src);
    let (ls, le) = t.lines.range(src, t.line);
    // An unterminated literal on the error line (or the one the error names).
    let open = tokens.iter().find(|k| {
        k.kind == Kind::Str
            && !k.terminated
            && k.start >= ls
            && k.start <= le
            && !src[k.start..].starts_with('`')
    });
    if let Some(s) = open {
        unterminated_fixes(&mut fixes, &t, s);
    } else if matches!(t.lang, TargetLanguage::Rust | TargetLanguage::Go)
        && message(error).contains("character literal")
    {
        char_literal_fixes(&mut fixes, &t);
    }
    // A literal that closed too late: the error sits right after a string whose closing quote
    // belonged to the next literal (`'A.x() <= 'Z'` → the error is at `Z`).
    let i = token_at(&tokens, t.offset);
    if let Some(prev) = i.checked_sub(1).and_then(|p| tokens.get(p)) {
        let at_error = tokens
            .get(i)
            .is_some_and(|c| c.start == prev.end && c.kind == Kind::Ident);
        if prev.kind == Kind::Str && prev.terminated && at_error {
            let q = &src[prev.start..prev.start + 1];
            if q == "'" || q == "\"" {
                let body = &src[prev.start + 1..prev.end - 1];
                if let Some(k) = body
                    .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .filter(|k| *k > 0)
                {
                    let at = prev.start + 1 + k;
                    fixes.push(
                        CLOSED_TOO_LATE,
                        format!("close the string after `{}`", &body[..k]),
                        vec![edit(t.file, at, at, q)],
                    );
                }
            }
        }
    }
    fixes.done()
}

/// Rust and Go character literals lexed as something else: `'({` → `'('{`, `)'` → `')'`.
pub(crate) fn char_literal_fixes(fixes: &mut Fixes<'_>, t: &Target<'_>) {
    let src = t.text;
    let (ls, le) = t.lines.range(src, t.line);
    let line = &src[ls..le];
    let Some(q) = line[..(t.offset - ls).min(line.len())]
        .rfind('\'')
        .or_else(|| line.find('\''))
    else {
        return;
    };
    let at = ls + q;
    // Close after the one character that follows the quote.
    if let Some(c) = src[at + 1..le]
        .chars()
        .next()
        .filter(|c| *c != '\'' && !c.is_whitespace())
    {
        let end = at + 1 + c.len_utf8();
        fixes.push(
            CLOSE_CHAR,
            format!("close the character literal `'{c}'`"),
            vec![edit(t.file, end, end, "'")],
        );
    }
    // Or open it before the one character that precedes the quote.
    if let Some(c) = src[ls..at]
        .chars()
        .next_back()
        .filter(|c| !c.is_whitespace() && *c != '\'')
    {
        let start = at - c.len_utf8();
        fixes.push(
            OPEN_CHAR,
            format!("open the character literal `'{c}'`"),
            vec![edit(t.file, start, start, "'")],
        );
    }
}

pub(crate) fn unterminated_fixes(fixes: &mut Fixes<'_>, t: &Target<'_>, s: &Token) {
    let src = t.text;
    let lit = &src[s.start..s.end];
    // Skip a string prefix (f, r, b…) to the quote.
    let qpos = lit.find(['\'', '"']).unwrap_or(0);
    let q = &lit[qpos..qpos + 1];
    let body_start = s.start + qpos + 1;
    let body = &src[body_start..s.end];
    let body_trim = body.trim_end();
    let file = t.file;
    // Mismatched quotes: `'abc"` → `'abc'`.
    let other = if q == "'" { "\"" } else { "'" };
    if body_trim.ends_with(other) && !body_trim[..body_trim.len() - 1].contains(other) {
        let at = body_start + body_trim.len() - 1;
        fixes.replace(
            MATCH_QUOTES,
            format!("end the string with {q} to match its opening quote"),
            file,
            at,
            at + 1,
            q,
        );
    }
    // The quote opened where one was meant to close: `== )" and x` → `== ")" and x`.
    let before = &src[..s.start];
    let run = before.len()
        - before
            .trim_end_matches(|c: char| !c.is_whitespace() && !"=(,[{".contains(c))
            .len();
    if run > 0 && run <= 3 && s.start == body_start - 1 {
        let at = s.start - run;
        // Punctuation glued to a quote (`)"`) is text far more often than code.
        let punct = src[at..s.start]
            .chars()
            .all(|c| !c.is_alphanumeric() && c != '_');
        fixes.push(
            if punct {
                OPEN_BEFORE_PUNCTUATION
            } else {
                OPEN_BEFORE_CODE
            },
            format!("add the opening {q} before `{}`", &src[at..s.start]),
            vec![edit(file, at, at, q)],
        );
    }
    // The quote opened where one was meant to close, and the text runs back to the start of
    // the argument: `format!({},{}", x)` → `format!("{},{}", x)`. Text with format
    // placeholders (`{},{}`, `%d`) is not code, so the argument's start is the likelier opening.
    if s.start == body_start - 1 {
        if let Some(at) = argument_start(t.lang, src, t.lines.range(src, t.line).0, s.start) {
            let text = &src[at..s.start];
            if !text.trim().is_empty() && !text.contains(q) {
                fixes.push(
                    if looks_like_format(text) {
                        OPEN_AT_ARGUMENT
                    } else {
                        OPEN_AT_ARGUMENT_GUESS
                    },
                    format!("add the opening {q} before `{}`", text.trim_end()),
                    vec![edit(file, at, at, q)],
                );
            }
        }
    }
    // Close it before the first piece of code that follows the text: `"a.charCodeAt(0)]`
    // → `"a".charCodeAt(0)]`, `"Yes;` → `"Yes";`, `a["0]` → `a["0"]`.
    let (ls, _) = t.lines.range(src, t.line);
    let prefix = &src[ls..s.start];
    let mut open_before: Vec<&str> = Vec::new();
    for tok in code_tokens(t.lang, prefix) {
        match tok.kind {
            Kind::Open => open_before.push(tok.text(prefix)),
            Kind::Close => {
                open_before.pop();
            }
            _ => {}
        }
    }
    let fstring = lit[..qpos].to_ascii_lowercase().contains('f') || q == "`";
    let mut brace_depth = 0usize;
    let mut count = 0;
    for (k, c) in body.char_indices() {
        if fstring && c == '{' {
            brace_depth += 1;
        }
        if fstring && c == '}' {
            brace_depth = brace_depth.saturating_sub(1);
            continue;
        }
        if k == 0 || count >= 3 || brace_depth > 0 {
            continue;
        }
        let rest = &body[k + c.len_utf8()..];
        let conf = match c {
            '.' if rest.find('(').is_some_and(|p| {
                p > 0 && rest[..p].chars().all(|c| c.is_alphanumeric() || c == '_')
            }) =>
            {
                BEFORE_METHOD_CALL
            }
            ')' | ']' | '}'
                if open_before
                    .last()
                    .is_some_and(|o| closer_for(o).starts_with(c)) =>
            {
                BEFORE_OPEN_CLOSER
            }
            ';' | ':' if rest.trim().is_empty() => BEFORE_FINAL_SEPARATOR,
            ';' | ',' | ')' | ']' | '}' | ':' => BEFORE_SEPARATOR,
            _ => continue,
        };
        let at = body_start + k;
        fixes.push(
            conf,
            format!("close the string before `{c}`"),
            vec![edit(file, at, at, q)],
        );
        count += 1;
    }
    // Close it at the end of the line (before a final `;`, `:` or `{` the language needs).
    let end = body_start + body_trim.len();
    fixes.push(
        AT_LINE_END,
        format!("close the string at the end of line {}", t.line),
        vec![edit(file, end, end, q)],
    );
    let tail_trim = body_trim.trim_end_matches([';', ':', '{', ' ', ')']);
    if tail_trim.len() < body_trim.len() && !tail_trim.is_empty() {
        let at = body_start + tail_trim.len();
        fixes.push(
            BEFORE_LINE_TAIL,
            format!("close the string before the end of line {}", t.line),
            vec![edit(file, at, at, q)],
        );
    }
    // The line may be junk: drop it (a statement appending a stray string, for instance).
    let (ls, le) = t.lines.range(src, t.line);
    let whole = &src[ls..le];
    if t.lang != TargetLanguage::Python || !whole.trim_end().ends_with(':') {
        let end = if src.as_bytes().get(le) == Some(&b'\n') {
            le + 1
        } else {
            le
        };
        fixes.push(
            DELETE_LINE,
            format!("delete line {}", t.line),
            vec![edit(file, ls, end, "")],
        );
    }
}

/// The `any.unterminated-string` rule.
pub(crate) struct UnterminatedString;

impl Rule for UnterminatedString {
    const META: RuleMeta = RuleMeta::new("any.unterminated-string", FixApplicability::Likely);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        unterminated_string(Self::META.id, error, program)
    }
}

/// Where the argument holding byte `quote` starts: just after the innermost `(` or `[` of the
/// line (from `line_start`) still open at the quote, past any spaces; `None` outside one.
fn argument_start(
    lang: TargetLanguage,
    src: &str,
    line_start: usize,
    quote: usize,
) -> Option<usize> {
    let prefix = &src[line_start..quote];
    let mut open: Vec<(usize, &str)> = Vec::new();
    for tok in code_tokens(lang, prefix) {
        match tok.kind {
            Kind::Open => open.push((tok.end, tok.text(prefix))),
            Kind::Close => {
                open.pop();
            }
            _ => {}
        }
    }
    let (after, _) = open
        .into_iter()
        .rev()
        .find(|(_, o)| matches!(*o, "(" | "["))?;
    let skipped = prefix[after..].len() - prefix[after..].trim_start().len();
    Some(line_start + after + skipped)
}

/// Text that reads as a format string's: a `{}`/`{:…}` placeholder or a `%d`-style one.
fn looks_like_format(text: &str) -> bool {
    let b = text.as_bytes();
    text.contains("{}")
        || text.contains("{:")
        || b.windows(2)
            .any(|w| w[0] == b'%' && matches!(w[1], b'd' | b's' | b'f' | b'i' | b'x' | b'r' | b'.'))
}
