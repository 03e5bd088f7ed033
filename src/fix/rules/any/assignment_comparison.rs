//! `any.assignment-comparison`: `=` written for `==` (or `==` for `=`) where the parser or a test
//! shows the slip: in an `if`/`while` condition, or a comparison used as a statement.
//!
//! Why it is safe: it changes one operator where the language requires the other or the statement
//! has no effect; each candidate is validated before it is kept.
//!
//! Example: `if (x = 3) {` → `if (x == 3) {`.

use super::*;

/// `if (a = b)`: a condition compares.
const COMPARE_IN_CONDITION: f64 = 0.6;
/// JavaScript's `==` as well as `===`: the looser comparison, less often meant.
const LOOSE_COMPARE: f64 = 0.45;
/// `x == 1` where the parser wanted a statement: an assignment.
const ASSIGN_NOT_COMPARE: f64 = 0.55;
/// `let x == 1`: a declaration assigns.
const ASSIGN_IN_DECLARATION: f64 = 0.6;

pub(crate) fn assignment_comparison(id: &str, error: &CodeError, program: &Program) -> Vec<Fix> {
    let assignment_error = message(error).contains("left-hand side");
    let Some(t) = target_if(is_syntax(error) || assignment_error, error, program) else {
        return Vec::new();
    };
    let src = t.text;
    let mut fixes = Fixes::new(id);
    let tokens = code_tokens(t.lang, src);
    let eq = if t.lang == TargetLanguage::JavaScript {
        "==="
    } else {
        "=="
    };
    let on_line = t.tokens_on_line(&tokens);
    // `=` inside a condition: after if/elif/while, or anywhere in the error's span.
    let cond_start = on_line
        .iter()
        .position(|&k| matches!(tokens[k].text(src), "if" | "elif" | "while"));
    for (n, &k) in on_line.iter().enumerate() {
        let tok = &tokens[k];
        let in_span = t.end.is_some_and(|e| tok.start >= t.offset && tok.end <= e);
        if tok.text(src) == "="
            && tok.kind == Kind::Punct
            && (cond_start.is_some_and(|c| n > c) || in_span)
        {
            fixes.replace(
                COMPARE_IN_CONDITION,
                format!("compare with `{eq}` instead of assigning with `=`"),
                t.file,
                tok.start,
                tok.end,
                eq,
            );
            if t.lang == TargetLanguage::JavaScript {
                fixes.replace(
                    LOOSE_COMPARE,
                    "compare with `==` instead of assigning with `=`",
                    t.file,
                    tok.start,
                    tok.end,
                    "==",
                );
            }
        }
        // `let x == 1` / `x == 1;` as a statement: an assignment was meant.
        if matches!(tok.text(src), "==" | "===")
            && tok.start >= t.offset.saturating_sub(1)
            && tok.start <= t.end.unwrap_or(t.offset) + 1
        {
            fixes.replace(
                ASSIGN_NOT_COMPARE,
                "assign with `=` instead of comparing",
                t.file,
                tok.start,
                tok.end,
                "=",
            );
        }
        if matches!(tok.text(src), "==" | "===")
            && n >= 2
            && matches!(tokens[on_line[n - 2]].text(src), "let" | "const" | "var")
        {
            fixes.replace(
                ASSIGN_IN_DECLARATION,
                "assign with `=` in the declaration",
                t.file,
                tok.start,
                tok.end,
                "=",
            );
        }
    }
    fixes.done()
}

/// The `any.assignment-comparison` rule.
pub(crate) struct AssignmentComparison;

impl Rule for AssignmentComparison {
    const META: RuleMeta =
        RuleMeta::new("any.assignment-comparison", FixApplicability::Speculative);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        assignment_comparison(Self::META.id, error, program)
    }
}
