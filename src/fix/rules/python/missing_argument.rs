//! `python.missing-argument`: `f() missing 1 required positional argument: 'x'` / `heappush
//! expected 2 arguments, got 1`: pass a variable of that name, or one of the names assigned last
//! before the call.
//!
//! Why it is safe: the call lacks exactly the argument the message names, and a variable of that
//! name is in scope.
//!
//! Example: `f()  # f(x)` → `f(x)`.

use super::*;

/// The missing parameter's own name is a variable in scope: pass it.
const NAMED_PARAMETER: f64 = 0.5;
/// Another unused variable assigned before the call: a guess.
const OTHER_VARIABLE: f64 = 0.3;
/// Each earlier assignment a little less likely.
const RANK_STEP: f64 = 0.03;

/// `f() missing 1 required positional argument: 'x'` / `heappush expected 2 arguments, got 1`:
/// pass a variable of that name, or one of the names assigned last before the call.
pub(crate) fn missing_argument(id: &str, error: &CodeError, program: &Program) -> Vec<Fix> {
    let msg = message(error);
    let wanted: Option<&str> = msg
        .split("required positional argument")
        .nth(1)
        .and_then(quoted);
    let counted = msg.contains(" arguments, got ") || msg.contains(" argument, got ");
    let Some(t) = target_if(wanted.is_some() || counted, error, program) else {
        return Vec::new();
    };
    let src = t.text;
    let tokens = code_tokens(PY, src);
    let (ls, le) = t.lines.range(src, t.line);
    // The called function: the message names it first (`f() missing…`, `heappush expected…`).
    let callee = msg
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
        .next()
        .unwrap_or("");
    let callee = callee.rsplit('.').next().unwrap_or(callee);
    let Some(k) = (0..tokens.len()).find(|&k| {
        tokens[k].start >= ls
            && tokens[k].end <= le
            && tokens[k].text(src) == callee
            && tokens.get(k + 1).is_some_and(|n| n.text(src) == "(")
    }) else {
        return Vec::new();
    };
    let Some(close) = crate::fix::text::matching_close(&tokens, k + 1) else {
        return Vec::new();
    };
    let args = &src[tokens[k + 1].end..tokens[close].start];
    let used: BTreeSet<&str> = code_tokens(PY, args).iter().map(|a| a.text(args)).collect();
    // Names assigned before the call in this file, latest first.
    let mut names: Vec<&str> = Vec::new();
    if let Some(w) = wanted {
        names.push(w);
    }
    for j in (0..k).rev() {
        let tk = tokens[j];
        if tk.kind == Kind::Ident
            && tokens
                .get(j + 1)
                .is_some_and(|n| matches!(n.text(src), "=" | "+=" | "-=" | "*="))
            && !used.contains(tk.text(src))
            && !names.contains(&tk.text(src))
        {
            names.push(tk.text(src));
        }
        if names.len() >= 4 {
            break;
        }
    }
    let mut fixes = Fixes::new(id);
    let at = tokens[close].start;
    let sep = if args.trim().is_empty() { "" } else { ", " };
    for (n, name) in names.into_iter().enumerate() {
        let conf = if Some(name) == wanted {
            NAMED_PARAMETER
        } else {
            OTHER_VARIABLE - RANK_STEP * n as f64
        };
        fixes.push(
            conf,
            format!("pass `{name}` as the missing argument"),
            vec![edit(t.file, at, at, format!("{sep}{name}"))],
        );
    }
    fixes.done()
}

/// The `python.missing-argument` rule.
pub(crate) struct MissingArgument;

impl Rule for MissingArgument {
    const META: RuleMeta = RuleMeta::new("python.missing-argument", FixApplicability::Speculative)
        .language(TargetLanguage::Python);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        missing_argument(Self::META.id, error, program)
    }
}
