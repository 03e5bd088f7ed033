//! `any.delimiters`: unbalanced `(`, `[`, `{`: a missing closer inserted where the statement or
//! block ends, a stray closer removed, a wrong closer replaced.
//!
//! Why it is safe: a program whose delimiters do not balance does not parse; only delimiters
//! change, and candidate positions come from the lexer, which skips strings and comments.
//!
//! Example: `print(len(xs)` → `print(len(xs))`.

use super::*;

/// `(a: T -> R {`: a parameter list ends before its return type.
const BEFORE_RETURN_TYPE: f64 = 0.55;
/// The closer at the end of what remains: right for a call cut short.
const AT_END: f64 = 0.5;
/// `a[i = 1`: a subscript ends before the assignment that uses it.
const BEFORE_ASSIGNMENT_IN_SUBSCRIPT: f64 = 0.6;
/// A grouping paren closes before an operator that binds looser than those inside.
const BY_PRECEDENCE: f64 = 0.55;
/// Before an assignment, `;`, `,` or `:`: a statement boundary, often right.
const BEFORE_SEPARATOR: f64 = 0.4;
/// After any other operand: one guess among several.
const AFTER_OPERAND: f64 = 0.3;
/// Indentation says where a block's `}` is missing far better than nesting does.
const BLOCK_CLOSER: f64 = 0.6;
/// Deleting the opener loses what the author opened it for.
const DELETE_OPENER: f64 = 0.35;
/// A wrong closer replaced: right when the kinds were mixed up, rare.
const REPLACE_CLOSER: f64 = 0.3;
/// Closing the last open block at the end of the file: where it ends is a guess.
const CLOSE_LAST_BLOCK: f64 = 0.4;
/// `fn name x: T)`: the parameter list lost its `(`.
const OPEN_PARAMETERS: f64 = 0.6;
/// A stray closer where the parser stopped: deleting it is the likely fix.
const DELETE_STRAY_AT_ERROR: f64 = 0.55;
/// A stray closer elsewhere: the opener may be what is missing.
const DELETE_STRAY: f64 = 0.4;

/// Where the closer for `tokens[open]` could go, between the opener and byte `limit`, with a
/// confidence for each: `(offset, confidence)`.
pub(crate) fn closing_positions(
    src: &str,
    tokens: &[Token],
    open: usize,
    limit: usize,
) -> Vec<(usize, f64)> {
    let opener = tokens[open].text(src);
    let prev = open.checked_sub(1).map(|p| &tokens[p]);
    // A grouping paren (not a call, not a condition) is where precedence tells us most.
    let grouping = opener == "("
        && prev.is_none_or(|p| {
            !p.ends_operand(src)
                && !matches!(p.text(src), "if" | "while" | "for" | "switch" | "elif")
        });
    let subscript = opener == "[" && prev.is_some_and(|p| p.ends_operand(src));
    let mut out: Vec<(usize, f64)> = Vec::new();
    let mut depth = 0i32;
    let mut min_inside: Option<u8> = None;
    let mut i = open + 1;
    while i < tokens.len() && tokens[i].end <= limit {
        let t = &tokens[i];
        match t.kind {
            Kind::Open => depth += 1,
            Kind::Close => depth -= 1,
            _ => {}
        }
        if depth < 0 {
            break;
        }
        if depth == 0 {
            // A parameter list ends before a return type: `(a: Vec<f32> -> f32 {`.
            if t.text(src) == "->" && i > open + 1 {
                out.push((tokens[i - 1].end, BEFORE_RETURN_TYPE));
            }
            if let Some(p) = precedence(t.text(src)).filter(|_| t.kind != Kind::Str) {
                // Binary use only: an operator right after an operand.
                if i > open + 1 && tokens[i - 1].ends_operand(src) {
                    min_inside = Some(min_inside.map_or(p, |m| m.min(p)));
                }
            }
            if t.ends_operand(src) && !(t.kind == Kind::Open) {
                let next = tokens.get(i + 1).filter(|n| n.start < limit);
                let attached = next.is_some_and(|n| {
                    (n.kind == Kind::Open && n.start == t.end && n.text(src) != "{")
                        || matches!(n.text(src), "." | "?." | "::")
                });
                if !attached {
                    let conf = match next {
                        None => AT_END,
                        Some(n) => {
                            let op = n.text(src);
                            if subscript && is_assignment(op) {
                                BEFORE_ASSIGNMENT_IN_SUBSCRIPT
                            } else if grouping
                                && precedence(op).is_some_and(|p| min_inside.is_some_and(|m| p > m))
                            {
                                BY_PRECEDENCE
                            } else if is_assignment(op) || matches!(op, ";" | "," | ":") {
                                BEFORE_SEPARATOR
                            } else {
                                AFTER_OPERAND
                            }
                        }
                    };
                    out.push((t.end, conf));
                }
            }
        }
        i += 1;
    }
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.0.cmp(&a.0)));
    out.truncate(5);
    out
}

/// End of the code on the line holding `offset`: before a trailing comment, whitespace, and
/// (for headers and statements) a final `:`, `;` or `{`.
pub(crate) fn code_end_of_line(
    lang: TargetLanguage,
    src: &str,
    lines: &LineIndex,
    offset: usize,
) -> usize {
    let line = lines.line_of(offset);
    let (ls, le) = lines.range(src, line);
    let toks = lex(lang, &src[ls..le]);
    let mut end = toks
        .iter()
        .rev()
        .find(|t| t.kind != Kind::Comment)
        .map_or(le, |t| ls + t.end);
    if let Some(last) = toks.iter().rev().find(|t| t.kind != Kind::Comment) {
        if matches!(last.text(&src[ls..le]), ":" | ";" | "{") && ls + last.start > offset {
            end = ls + last.start;
            // Keep `x) {` → insert before the space too.
            while end > offset && src.as_bytes()[end - 1] == b' ' {
                end -= 1;
            }
        }
    }
    end.max(offset.min(le))
}

pub(crate) fn delimiters(id: &str, error: &CodeError, program: &Program) -> Vec<Fix> {
    if !is_syntax(error) {
        return Vec::new();
    }
    let mut fixes = Fixes::new(id);
    let after = closer_after_error(error);
    let targets: Vec<(&str, &str, Option<usize>)> = match target(error, program) {
        Some(t) if after => {
            let at = end_of_token_at(&code_tokens(program.language(), t.text), t.offset);
            vec![(t.file, t.text, Some(at))]
        }
        Some(t) => vec![(t.file, t.text, Some(t.offset))],
        None if error.location.is_none() => editable_sources(program)
            .into_iter()
            .map(|(f, t)| (f, t, None))
            .collect(),
        None => Vec::new(),
    };
    for (file, src, at) in targets {
        delimiter_fixes(&mut fixes, program.language(), file, src, at);
    }
    fixes.done()
}

/// V8's `missing ) after argument list` points at the last token before the missing closer
/// (`f(a, b;` → `b`), not at the token that cannot follow it: the closer belongs after it.
pub(crate) fn closer_after_error(error: &CodeError) -> bool {
    let msg = message(error);
    msg.starts_with("missing ") && msg.contains(" after ")
}

/// The end of the token that contains `offset`, or `offset` when it is between tokens.
pub(crate) fn end_of_token_at(tokens: &[Token], offset: usize) -> usize {
    tokens
        .get(token_at(tokens, offset))
        .filter(|t| t.start <= offset)
        .map_or(offset, |t| t.end)
}

pub(crate) fn delimiter_fixes(
    fixes: &mut Fixes<'_>,
    lang: TargetLanguage,
    file: &str,
    src: &str,
    at: Option<usize>,
) {
    let tokens = code_tokens(lang, src);
    let lines = LineIndex::new(src);
    let found = imbalances(src, &tokens);
    if found.is_empty() {
        return;
    }
    // Block braces first: indentation says where a `}` is missing far better than nesting does.
    if lang != TargetLanguage::Python {
        for (offset, insert) in missing_block_closers(src, &tokens, &lines) {
            fixes.push(
                BLOCK_CLOSER,
                format!("insert the missing `}}` at line {}", lines.line_of(offset)),
                vec![edit(file, offset, offset, &insert)],
            );
        }
    }
    // Nearest problem to the error first.
    let mut ordered = found.clone();
    if let Some(at) = at {
        let dist = |im: &Imbalance| {
            let k = match im {
                Imbalance::Mismatch { open, .. } | Imbalance::Unclosed { open } => *open,
                Imbalance::Stray { close } => *close,
            };
            let off = tokens[k].start;
            if off <= at {
                at - off
            } else {
                (off - at) * 2
            }
        };
        ordered.sort_by_key(dist);
    }
    let delete = |fixes: &mut Fixes<'_>, confidence: f64, unmatched: Token| {
        fixes.push(
            confidence,
            format!(
                "delete the unmatched `{}` at line {}",
                unmatched.text(src),
                lines.line_of(unmatched.start)
            ),
            vec![edit(file, unmatched.start, unmatched.end, "")],
        );
    };
    for im in ordered.into_iter().take(3) {
        match im {
            Imbalance::Mismatch { open, close } => {
                let o = tokens[open];
                let c = tokens[close];
                let want = closer_for(o.text(src));
                let limit = match at {
                    Some(a) if a > o.end && a <= c.start => a,
                    _ => c.start,
                };
                // A brace block that never closed is handled by the indentation pass; here
                // only statement-level delimiters.
                if o.text(src) != "{" {
                    let limit = limit.min(if lang == TargetLanguage::Python {
                        c.start
                    } else {
                        statement_end(src, &tokens, open, limit)
                    });
                    for (pos, conf) in closing_positions(src, &tokens, open, limit) {
                        fixes.push(
                            conf,
                            format!(
                                "close `{}` from line {} with `{want}` at line {}",
                                o.text(src),
                                lines.line_of(o.start),
                                lines.line_of(pos)
                            ),
                            vec![edit(file, pos, pos, want)],
                        );
                    }
                    delete(fixes, DELETE_OPENER, o);
                }
                fixes.push(
                    REPLACE_CLOSER,
                    format!(
                        "replace `{}` with `{want}` at line {}",
                        c.text(src),
                        lines.line_of(c.start)
                    ),
                    vec![edit(file, c.start, c.end, want)],
                );
            }
            Imbalance::Unclosed { open } => {
                let o = tokens[open];
                let want = closer_for(o.text(src));
                if o.text(src) == "{" && lang != TargetLanguage::Python {
                    let end = src.trim_end().len();
                    let indent = indent_of(src, &lines, lines.line_of(o.start));
                    fixes.push(
                        CLOSE_LAST_BLOCK,
                        "close the last open block at the end of the file",
                        vec![edit(file, end, end, format!("\n{indent}}}"))],
                    );
                    continue;
                }
                let limit = match at {
                    Some(a) if a > o.end && lines.line_of(a) == lines.line_of(o.start) => a,
                    _ => code_end_of_line(lang, src, &lines, o.end),
                };
                let limit = limit.max(o.end);
                let mut positions = closing_positions(src, &tokens, open, limit);
                if positions.is_empty() {
                    positions.push((limit, AT_END));
                }
                for (pos, conf) in positions {
                    fixes.push(
                        conf,
                        format!(
                            "close `{}` from line {} with `{want}`",
                            o.text(src),
                            lines.line_of(o.start)
                        ),
                        vec![edit(file, pos, pos, want)],
                    );
                }
            }
            Imbalance::Stray { close } => {
                let c = tokens[close];
                // `fn name x: T)`: the parameter list lost its `(`.
                let line_start = lines.range(src, lines.line_of(c.start)).0;
                let head = token_at(&tokens, line_start);
                let def = (head..close)
                    .find(|&k| matches!(tokens[k].text(src), "fn" | "def" | "function" | "func"));
                if let Some(k) = def.filter(|_| c.text(src) == ")") {
                    let name = tokens.get(k + 1).filter(|n| n.kind == Kind::Ident);
                    if let Some(n) = name.filter(|_| {
                        tokens
                            .get(k + 2)
                            .is_some_and(|p| p.text(src) != "(" && p.text(src) != "<")
                    }) {
                        fixes.push(
                            OPEN_PARAMETERS,
                            format!("open the parameter list of `{}`", n.text(src)),
                            vec![edit(file, n.end, tokens[k + 2].start, "(")],
                        );
                    }
                }
                let conf = if at.is_some_and(|a| a >= c.start && a <= c.end) {
                    DELETE_STRAY_AT_ERROR
                } else {
                    DELETE_STRAY
                };
                delete(fixes, conf, c);
            }
        }
    }
}

/// For brace languages, the end of the statement an opener belongs to: the first `;` at the
/// opener's depth, or `limit`.
pub(crate) fn statement_end(src: &str, tokens: &[Token], open: usize, limit: usize) -> usize {
    let mut depth = 0i32;
    for t in &tokens[open + 1..] {
        if t.start >= limit {
            break;
        }
        match t.kind {
            Kind::Open => depth += 1,
            Kind::Close => depth -= 1,
            Kind::Punct if depth == 0 && t.text(src) == ";" => return t.start,
            _ => {}
        }
    }
    limit
}

/// Where indentation says a block's `}` is missing: a `{` ending its line opens a block whose
/// body is indented deeper; the first later line at or left of the opener's indentation that
/// does not start with a closer ends the block without one. Returns (offset, text to insert).
pub(crate) fn missing_block_closers(
    src: &str,
    tokens: &[Token],
    lines: &LineIndex,
) -> Vec<(usize, String)> {
    let mut stack: Vec<(usize, usize, String)> = Vec::new(); // (token, indent width, indent)
    let mut out = Vec::new();
    let mut last_line = 0;
    for (i, t) in tokens.iter().enumerate() {
        let line = lines.line_of(t.start);
        if line != last_line {
            last_line = line;
            let indent = indent_of(src, lines, line);
            let width = indent_width(&indent);
            if t.kind != Kind::Close {
                while let Some((_, w, ind)) = stack.last() {
                    if *w >= width && tokens[stack.last().map_or(0, |s| s.0)].text(src) == "{" {
                        out.push((lines.range(src, line).0, format!("{ind}}}\n")));
                        stack.pop();
                    } else {
                        break;
                    }
                }
            }
        }
        match t.kind {
            Kind::Open => {
                let ends_line = tokens
                    .get(i + 1)
                    .is_none_or(|n| lines.line_of(n.start) != line);
                // Only block openers take part; others are tracked with an infinite width.
                let indent = indent_of(src, lines, line);
                let width = if ends_line && t.text(src) == "{" {
                    indent_width(&indent)
                } else {
                    usize::MAX
                };
                stack.push((i, width, indent));
            }
            Kind::Close => {
                // Pop through unclosed statement-level openers to the matching one.
                let want = opener_for(t.text(src));
                while let Some((k, _, _)) = stack.pop() {
                    if tokens[k].text(src) == want {
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    // Blocks still open at the end of the file close there, innermost first.
    let end = src.trim_end().len();
    for (_, w, ind) in stack.into_iter().rev() {
        if w != usize::MAX {
            out.push((end, format!("\n{ind}}}")));
        }
    }
    out
}

/// The `any.delimiters` rule.
pub(crate) struct Delimiters;

impl Rule for Delimiters {
    const META: RuleMeta = RuleMeta::new("any.delimiters", FixApplicability::Likely);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        delimiters(Self::META.id, error, program)
    }
}
