//! `any.comparison-statement`: a comparison written as a statement (`total == total + x;`)
//! computes a value and throws it away; the author meant the assignment `=`.
//!
//! Why it is safe: a statement that is only `place == value` has no effect in any of the
//! languages (Rust and JavaScript warn at most, Python says nothing, Go refuses it as "not
//! used"), so a failing program with one never meant the comparison. Only a statement that
//! starts with an assignable place (a name, `a.b`, `a[i]`) and holds no other comparison or
//! logical operator is touched; each candidate is validated before it is kept.
//!
//! Example: `balance == balance + op;` → `balance = balance + op;`.

use super::*;

/// A discarded comparison in a failing program: an assignment was meant, and the program fails
/// (a test, a run or Go's "not used") where such a slip shows. Above the behaviour repairs'
/// generic operator edits (at most 0.35), below what the compiler itself suggests.
const ASSIGN_DISCARDED_COMPARISON: f64 = 0.5;

/// Words that start a statement without being the place compared (`return a == b`).
const STATEMENT_WORDS: &[&str] = &[
    "return", "assert", "yield", "await", "throw", "raise", "print", "if", "elif", "else", "while",
    "for", "let", "const", "var", "case", "not", "del", "in", "match", "loop", "break", "continue",
    "go", "defer", "typeof", "delete", "void", "new", "pub", "mut", "static", "lambda", "with",
];

/// The `==`/`===` tokens (byte ranges) of `src` that compare at statement level: the statement
/// starts with an assignable place, the comparison is its only comparison or logical operator,
/// and (in Rust, where an unterminated one would be a block's value) it ends with `;`.
pub(crate) fn comparison_statements(lang: TargetLanguage, src: &str) -> Vec<(usize, usize)> {
    let tokens = code_tokens(lang, src);
    let lines = LineIndex::new(src);
    let text = |k: usize| tokens.get(k).map_or("", |t| t.text(src));
    let line = |k: usize| lines.line_of(tokens[k].start);
    let mut out = Vec::new();
    for i in 0..tokens.len() {
        if !starts_statement(lang, src, &tokens, i, &line) {
            continue;
        }
        // The place: `name`, then `.field` and `[index]` any number of times.
        if tokens[i].kind != Kind::Ident || STATEMENT_WORDS.contains(&text(i)) {
            continue;
        }
        let mut j = i + 1;
        loop {
            if text(j) == "." && tokens.get(j + 1).is_some_and(|t| t.kind == Kind::Ident) {
                j += 2;
            } else if text(j) == "[" {
                match matching_close(&tokens, j) {
                    Some(close) => j = close + 1,
                    None => break,
                }
            } else {
                break;
            }
        }
        if !matches!(text(j), "==" | "===") {
            continue;
        }
        if let Some(end) = comparison_end(lang, src, &tokens, j, &line) {
            let rust_needs_semicolon = lang == TargetLanguage::Rust && text(end) != ";";
            if end > j + 1 && !rust_needs_semicolon {
                out.push((tokens[j].start, tokens[j].end));
            }
        }
    }
    out
}

/// Whether token `i` begins a statement: after `;`, `{` or `}`, or (in the languages where a
/// line ends a statement) first on its line outside any `(` or `[`.
fn starts_statement(
    lang: TargetLanguage,
    src: &str,
    tokens: &[Token],
    i: usize,
    line: &dyn Fn(usize) -> usize,
) -> bool {
    if i == 0 {
        return true;
    }
    let prev = tokens[i - 1].text(src);
    if matches!(prev, ";" | "{" | "}") {
        return true;
    }
    lang != TargetLanguage::Rust
        && line(i - 1) < line(i)
        && (tokens[i - 1].ends_operand(src) || prev == ":")
        && !matches!(enclosing_open(src, tokens, i), Some("(" | "["))
}

/// The token that ends the comparison at `op` (`;`, the first token of the next line, the
/// closing `}` of the block, or one past the last token), or `None` when the statement holds
/// another comparison, a logical or conditional operator or an assignment (it is an expression
/// with a purpose, or not a slip of one operator).
fn comparison_end(
    lang: TargetLanguage,
    src: &str,
    tokens: &[Token],
    op: usize,
    line: &dyn Fn(usize) -> usize,
) -> Option<usize> {
    let mut depth = 0usize;
    for k in op + 1..tokens.len() {
        let t = tokens[k].text(src);
        match tokens[k].kind {
            Kind::Open => depth += 1,
            Kind::Close if depth == 0 => return Some(k),
            Kind::Close => depth -= 1,
            _ if depth > 0 => {}
            _ if t == ";" => return Some(k),
            _ if lang != TargetLanguage::Rust
                && line(k) > line(k - 1)
                && tokens[k - 1].ends_operand(src) =>
            {
                return Some(k)
            }
            _ if precedence(t).is_some_and(|p| p <= 2 || p == 6 || p == 7)
                || is_assignment(t)
                || matches!(t, "?" | "=>" | "if" | "for" | "else") =>
            {
                return None
            }
            _ => {}
        }
    }
    Some(tokens.len())
}

/// Every discarded comparison of the editable sources, each made an assignment, and all of
/// them at once when there are several (the same slip in two places needs both fixed).
pub(crate) fn comparison_statement(id: &str, program: &Program) -> Vec<Fix> {
    let lang = program.language();
    let mut fixes = Fixes::new(id);
    for (file, src) in editable_sources(program) {
        let lines = LineIndex::new(src);
        let before = fixes.list.len();
        for (start, end) in comparison_statements(lang, src) {
            fixes.replace(
                ASSIGN_DISCARDED_COMPARISON,
                format!(
                    "assign with `=`: the comparison is a statement whose value is discarded on line {}",
                    lines.line_of(start)
                ),
                file,
                start,
                end,
                "=",
            );
        }
        combine_repeated(&mut fixes, before);
    }
    fixes.done()
}

/// The `any.comparison-statement` rule.
pub(crate) struct ComparisonStatement;

impl Rule for ComparisonStatement {
    const META: RuleMeta = RuleMeta::new("any.comparison-statement", FixApplicability::Speculative)
        .kinds(&[
            crate::fix::ErrorKind::TestFailure,
            crate::fix::ErrorKind::Compiler,
        ]);

    fn fixes(&self, _error: &CodeError, program: &Program) -> Vec<Fix> {
        comparison_statement(Self::META.id, program)
    }
}
