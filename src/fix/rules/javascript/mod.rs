//! JavaScript-specific repairs: undefined names (a scope-aware scan of the declarations that
//! reach the use), missing `require`s for Node builtins, misspelt members of the standard
//! objects, `const` reassignment, missing `new`, misused `=>` and `...`, commented-out
//! declarations, and candidate edits for failing tests.
//!
//! The tables in `src/fix/tables/javascript_*.txt` come from `scripts/gen-node-builtins.js`; a
//! test below re-runs it against /usr/bin/node and checks they still match.

#[allow(unused_imports)]
use crate::fix::text::*;
use crate::fix::Fix;
use crate::fix::{FixApplicability, Rule, RuleMeta};
use crate::lang::javascript::*;
use crate::program::Program;
use crate::types::{CodeError, ErrorType, TargetLanguage};
use std::collections::BTreeSet;

pub(crate) mod const_assignment;
pub(crate) mod member;
pub(crate) mod missing_function;
pub(crate) mod missing_method;
pub(crate) mod missing_new;
pub(crate) mod missing_require;
pub(crate) mod operators;
pub(crate) mod test_failure;
#[cfg(test)]
mod tests;
pub(crate) mod uncomment;
pub(crate) mod undefined_name;
pub(crate) mod unused_parameter;
#[cfg(test)]
mod unused_parameter_tests;

pub(crate) const JS: TargetLanguage = TargetLanguage::JavaScript;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Decl {
    name: String,
    /// Byte offset of the declaring identifier.
    at: usize,
    /// The byte range where the name is visible.
    scope: (usize, usize),
    function: bool,
}

/// Matching closer index for each opener index.
pub(crate) fn matches(src: &str, tokens: &[Token]) -> Vec<Option<usize>> {
    let mut out = vec![None; tokens.len()];
    let mut stack: Vec<usize> = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        match t.kind {
            Kind::Open => stack.push(i),
            Kind::Close => {
                while let Some(o) = stack.pop() {
                    let want = match t.text(src) {
                        ")" => "(",
                        "]" => "[",
                        _ => "{",
                    };
                    if tokens[o].text(src) == want {
                        out[o] = Some(i);
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// The byte range of the innermost `{}` block containing token `i` (the whole file at top level).
pub(crate) fn enclosing_block(
    src: &str,
    tokens: &[Token],
    pairs: &[Option<usize>],
    i: usize,
) -> (usize, usize) {
    let mut best = (0, src.len());
    for (o, close) in pairs.iter().enumerate() {
        if let Some(c) = close {
            if tokens[o].text(src) == "{" && o < i && *c > i && tokens[o].start >= best.0 {
                best = (tokens[o].start, tokens[*c].end);
            }
        }
    }
    best
}

/// Every declaration in the file with the range it is visible in.
pub(crate) fn declarations(src: &str, tokens: &[Token]) -> Vec<Decl> {
    let pairs = matches(src, tokens);
    let lines = LineIndex::new(src);
    let mut out = Vec::new();
    let text = |k: usize| tokens.get(k).map_or("", |t| t.text(src));
    // The body range that follows a parameter list closing at token `close`.
    let body_after = |close: usize| -> (usize, usize) {
        let mut k = close + 1;
        if text(k) == "=>" {
            k += 1;
        }
        match (tokens.get(k), pairs.get(k).copied().flatten()) {
            (Some(t), Some(end)) if t.text(src) == "{" => (t.start, tokens[end].end),
            (Some(t), _) => {
                let (_, le) = lines.range(src, lines.line_of(t.start));
                (t.start, le)
            }
            _ => (0, 0),
        }
    };
    let params = |open: usize, out: &mut Vec<Decl>| {
        let Some(close) = pairs[open] else {
            return;
        };
        let scope = body_after(close);
        let mut depth = 0;
        for (k, tok) in tokens.iter().enumerate().take(close).skip(open + 1) {
            match tok.kind {
                Kind::Open => depth += 1,
                Kind::Close => depth -= 1,
                Kind::Ident if depth == 0 || matches!(text(k - 1), "{" | "[" | ",") => {
                    let prev = text(k - 1);
                    if matches!(prev, "(" | "," | "..." | "{" | "[") && !matches!(text(k + 1), ":")
                    {
                        out.push(Decl {
                            name: text(k).to_string(),
                            at: tokens[k].start,
                            scope,
                            function: false,
                        });
                    }
                }
                _ => {}
            }
        }
    };
    for i in 0..tokens.len() {
        match text(i) {
            "let" | "const" | "var" if tokens[i].kind == Kind::Ident => {
                let block = enclosing_block(src, tokens, &pairs, i);
                // In a `for (` header the names belong to the loop: its header and body.
                let scope = if i >= 2 && text(i - 1) == "(" && text(i - 2) == "for" {
                    pairs[i - 1].map_or(block, |c| {
                        let body = body_after(c);
                        (tokens[i].start, body.1.max(tokens[c].end))
                    })
                } else {
                    block
                };
                let mut k = i + 1;
                let mut expect_name = true;
                let mut depth = 0i32;
                while k < tokens.len() {
                    let t = tokens[k];
                    match t.kind {
                        Kind::Open => depth += 1,
                        Kind::Close => {
                            depth -= 1;
                            if depth < 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    let word = t.text(src);
                    if depth == 0 && (word == ";" || word == "of" || word == "in") {
                        break;
                    }
                    if depth == 0 && word == "," {
                        expect_name = true;
                    } else if expect_name
                        && t.kind == Kind::Ident
                        && (depth == 0 || matches!(text(k - 1), "{" | "[" | ","))
                    {
                        if !matches!(text(k + 1), ":") {
                            let function = text(k + 1) == "="
                                && matches!(text(k + 2), "function" | "(" | "async")
                                && depth == 0;
                            out.push(Decl {
                                name: word.to_string(),
                                at: t.start,
                                scope,
                                function,
                            });
                        }
                        if depth == 0 {
                            expect_name = false;
                        }
                    } else if depth == 0 && t.kind != Kind::Punct {
                        expect_name = false;
                    }
                    k += 1;
                }
            }
            "function" => {
                let mut k = i + 1;
                if text(k) == "*" {
                    k += 1;
                }
                if tokens.get(k).is_some_and(|t| t.kind == Kind::Ident) {
                    let scope = enclosing_block(src, tokens, &pairs, i);
                    out.push(Decl {
                        name: text(k).to_string(),
                        at: tokens[k].start,
                        scope,
                        function: true,
                    });
                    k += 1;
                }
                if text(k) == "(" {
                    params(k, &mut out);
                }
            }
            "class" if tokens.get(i + 1).is_some_and(|t| t.kind == Kind::Ident) => {
                let scope = enclosing_block(src, tokens, &pairs, i);
                out.push(Decl {
                    name: text(i + 1).to_string(),
                    at: tokens[i + 1].start,
                    scope,
                    function: true,
                });
            }
            "catch" if text(i + 1) == "(" => params(i + 1, &mut out),
            "=>" => {
                // `x => …` or `(a, b) => …`
                if i > 0 && tokens[i - 1].kind == Kind::Ident {
                    let scope = body_after(i - 1);
                    out.push(Decl {
                        name: text(i - 1).to_string(),
                        at: tokens[i - 1].start,
                        scope,
                        function: false,
                    });
                } else if i > 0 && text(i - 1) == ")" {
                    if let Some(open) = pairs.iter().position(|c| *c == Some(i - 1)) {
                        params(open, &mut out);
                    }
                }
            }
            _ => {}
        }
    }
    // Method shorthand and object keys are not declarations; parameters of methods are
    // caught by `(`…`) {` after an identifier at the start of a class member — rare in
    // generated functions, left out.
    out
}

/// Declarations visible at byte `at` (block-scoped; functions hoist within their block).
pub(crate) fn visible(decls: &[Decl], at: usize) -> Vec<&Decl> {
    decls
        .iter()
        .filter(|d| d.scope.0 <= at && at < d.scope.1)
        .collect()
}

/// The name of a `ReferenceError: x is not defined`.
pub(crate) fn not_defined(error: &CodeError) -> Option<String> {
    let msg = message(error);
    let name = msg.strip_suffix(" is not defined")?;
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '$');
    ok.then(|| name.to_string())
}

/// The name of a `ReferenceError: x is not defined` and the editable target it points at.
pub(crate) fn not_defined_target<'a>(
    error: &CodeError,
    program: &'a Program,
) -> Option<(String, Target<'a>)> {
    Some((not_defined(error)?, target(error, program)?))
}

/// A target with its code tokens and the start and end byte of the error's line.
pub(crate) fn lexed(t: Target<'_>) -> (Target<'_>, Vec<Token>, (usize, usize)) {
    let tokens = code_tokens(JS, t.text);
    let line = t.lines.range(t.text, t.line);
    (t, tokens, line)
}

/// The editable target of `error`, [`lexed`].
pub(crate) fn lexed_target<'a>(
    error: &CodeError,
    program: &'a Program,
) -> Option<(Target<'a>, Vec<Token>, (usize, usize))> {
    target(error, program).map(lexed)
}

/// The token of identifier `name` at or nearest the error position on its line.
pub(crate) fn ident_at(t: &Target<'_>, tokens: &[Token], name: &str) -> Option<usize> {
    let (ls, le) = t.lines.range(t.text, t.line);
    (0..tokens.len())
        .filter(|&k| tokens[k].start >= ls && tokens[k].end <= le && tokens[k].text(t.text) == name)
        .min_by_key(|&k| tokens[k].start.abs_diff(t.offset))
}

/// Whether `//` comment text reads as code rather than prose.
pub(crate) fn looks_like_code(text: &str) -> bool {
    let text = text.trim();
    if text.is_empty() {
        return false;
    }
    let toks = code_tokens(JS, text);
    let Some(last) = toks.last() else {
        return false;
    };
    let ends = matches!(last.text(text), ";" | "{" | "}" | ")" | "]")
        || last.kind == Kind::Number
        || last.kind == Kind::Ident;
    let has_op = toks.iter().any(|t| {
        matches!(
            t.text(text),
            "=" | "+=" | "-=" | "*=" | "++" | "--" | "(" | "[" | "return" | "let" | "const" | "var"
        )
    });
    let mut run = 0;
    let mut max_run = 0;
    for t in &toks {
        if t.kind == Kind::Ident
            && !matches!(
                t.text(text),
                "let" | "const" | "var" | "return" | "new" | "typeof"
            )
        {
            run += 1;
            max_run = max_run.max(run);
        } else {
            run = 0;
        }
    }
    ends && has_op && max_run <= 2
}
