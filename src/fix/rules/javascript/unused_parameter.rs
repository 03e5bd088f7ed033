//! `javascript.unused-parameter`: a failing function that never reads one of its parameters
//! returns a constant where the parameter belonged (`return table[10001];` in
//! `function lookup(n)`): the literal in its `return` becomes the parameter.
//!
//! Why it is safe: a parameter nobody reads is the one sign in the code of where the slip is;
//! the literals of the function's `return` statements are where generated code most often
//! hard-codes a value (a bound, a last index) instead of the argument. Each candidate is kept
//! only if the tests then pass.
//!
//! Example: `function f(n) { …; return factorials[10001]; }` → `return factorials[n];`.

use super::*;

/// A parameter never read and a number in a `return` of the same function: the strongest sign
/// a failing run leaves in the code short of a stack trace. Above the behaviour repairs' generic
/// constant and variable edits (at most 0.35), which try every name at every suspicious line.
const PARAMETER_FOR_LITERAL: f64 = 0.45;

/// A function's parameters (name, token index) and its body's token range (the braces).
struct Function {
    params: Vec<String>,
    body: (usize, usize),
}

/// Every `function name(…) { … }`, `function (…) { … }` and `(…) => { … }` of the file.
fn functions(src: &str, tokens: &[Token], pairs: &[Option<usize>]) -> Vec<Function> {
    let text = |k: usize| tokens.get(k).map_or("", |t| t.text(src));
    let mut out = Vec::new();
    for k in 0..tokens.len() {
        if text(k) != "(" {
            continue;
        }
        let is_function = (k >= 1 && text(k - 1) == "function")
            || (k >= 2 && text(k - 2) == "function" && tokens[k - 1].kind == Kind::Ident);
        let Some(close) = pairs[k] else {
            continue;
        };
        let open_body = if is_function {
            close + 1
        } else if text(close + 1) == "=>" {
            close + 2
        } else {
            continue;
        };
        if text(open_body) != "{" {
            continue;
        }
        let Some(end) = pairs.get(open_body).copied().flatten() else {
            continue;
        };
        // Parameters: names right after `(` or `,` at the list's own depth (defaults skipped).
        let mut params = Vec::new();
        let mut depth = 0;
        for (j, tok) in tokens.iter().enumerate().take(close).skip(k + 1) {
            match tok.kind {
                Kind::Open => depth += 1,
                Kind::Close => depth -= 1,
                Kind::Ident if depth == 0 && matches!(text(j - 1), "(" | ",") => {
                    params.push(tok.text(src).to_string());
                }
                _ => {}
            }
        }
        out.push(Function {
            params,
            body: (open_body, end),
        });
    }
    out
}

/// For every function with a parameter its body never reads: each number literal of its
/// `return` statements replaced by that parameter.
pub(crate) fn unused_parameter(id: &str, program: &Program) -> Vec<Fix> {
    let mut fixes = Fixes::new(id);
    for (file, src) in editable_sources(program) {
        let tokens = code_tokens(JS, src);
        let pairs = matches(src, &tokens);
        let lines = LineIndex::new(src);
        let text = |k: usize| tokens.get(k).map_or("", |t| t.text(src));
        for f in functions(src, &tokens, &pairs) {
            let (open, close) = f.body;
            let read = |name: &str| {
                (open + 1..close).any(|j| text(j) == name && !matches!(text(j - 1), "." | "?."))
            };
            let unused: Vec<&String> = f.params.iter().filter(|p| !read(p)).collect();
            if unused.is_empty() {
                continue;
            }
            for r in (open + 1..close).filter(|&j| text(j) == "return") {
                // The returned expression: up to `;` or the end of a block at its depth.
                let mut depth = 0i32;
                let mut j = r + 1;
                while j < close {
                    match tokens[j].kind {
                        Kind::Open => depth += 1,
                        Kind::Close if depth == 0 => break,
                        Kind::Close => depth -= 1,
                        _ if depth == 0 && text(j) == ";" => break,
                        Kind::Number => {
                            for p in &unused {
                                fixes.replace(
                                    PARAMETER_FOR_LITERAL,
                                    format!(
                                        "use the unused parameter `{p}` for `{}` on line {}",
                                        text(j),
                                        lines.line_of(tokens[j].start)
                                    ),
                                    file,
                                    tokens[j].start,
                                    tokens[j].end,
                                    p,
                                );
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
            }
        }
    }
    fixes.done()
}

/// The `javascript.unused-parameter` rule.
pub(crate) struct UnusedParameter;

impl Rule for UnusedParameter {
    const META: RuleMeta =
        RuleMeta::new("javascript.unused-parameter", FixApplicability::Speculative)
            .language(TargetLanguage::JavaScript);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        if !super::test_failure::is_test_or_runtime(error) {
            return Vec::new();
        }
        unused_parameter(Self::META.id, program)
    }
}
