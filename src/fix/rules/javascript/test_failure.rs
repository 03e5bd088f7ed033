//! `javascript.test-failure`: candidate edits when the program runs but does the wrong thing: the
//! classic slips that still parse (`if (a = b)`, `i == 0;` as a statement, `x => x + 1;` as a
//! statement, `[...x]` around a scalar, `<= a.length`, comparisons with `undefined`, commented-out
//! code).
//!
//! Why it is safe: the program parses and runs, so these are guesses: each candidate is kept only
//! if the tests then pass.
//!
//! Example: `for (let i = 0; i <= n; i++)` → `for (let i = 0; i < n; i++)`.

use super::*;

/// `if (a = b)` in a failing test: the assignment was meant as `===`.
const STRICT_COMPARE: f64 = 0.35;
/// The same, as `==`: below `===`, JavaScript's usual comparison.
const LOOSE_COMPARE: f64 = 0.3;
/// A comparison as a statement or a `for` initializer does nothing: `=` was meant.
const ASSIGN_NOT_COMPARE: f64 = 0.4;
/// `x => 1` as a statement: an assignment spelled as an arrow.
const ASSIGN_NOT_ARROW: f64 = 0.35;
/// `[...(expr)]` around a single value: the value itself may be what the test wants.
const VALUE_NOT_ARRAY: f64 = 0.3;
/// `i <= a.length`: one past the end, the classic off-by-one.
const BEFORE_LENGTH: f64 = 0.3;
/// `undefined` in arithmetic: an uninitialized counter meant to start at `0`.
const ZERO_NOT_UNDEFINED: f64 = 0.3;
/// `undefined` where a declared, unused name may have been meant: a guess.
const DECLARED_NOT_UNDEFINED: f64 = 0.2;
/// `a[i];` does nothing: an increment was likely lost.
const INCREMENT_ELEMENT: f64 = 0.25;
/// Commented-out code in a failing program: it may be the missing step.
const UNCOMMENT_CODE: f64 = 0.25;

pub(crate) fn is_test_or_runtime(error: &CodeError) -> bool {
    matches!(
        error.error_type,
        ErrorType::TestFailure | ErrorType::CompilerError(_) | ErrorType::TypeMismatch
    )
}

/// Candidate edits when the program runs but does the wrong thing: the classic slips that
/// still parse (`if (a = b)`, `i == 0;` as a statement, `x => x + 1;` as a statement, `[...x]`
/// around a scalar, `<= a.length`, comparisons with `undefined`, commented-out code).
pub(crate) struct TestFailure;

impl Rule for TestFailure {
    const META: RuleMeta = RuleMeta::new("javascript.test-failure", FixApplicability::Speculative)
        .language(TargetLanguage::JavaScript);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        if !is_test_or_runtime(error) {
            return Vec::new();
        }
        let mut fixes = Fixes::new(Self::META.id);
        for (file, src) in editable_sources(program) {
            let before = fixes.list.len();
            lint(&mut fixes, file, src);
            crate::fix::text::combine_repeated(&mut fixes, before);
        }
        fixes.done()
    }
}

pub(crate) fn lint(fixes: &mut Fixes<'_>, file: &str, src: &str) {
    let tokens = code_tokens(JS, src);
    let pairs = matches(src, &tokens);
    let lines = LineIndex::new(src);
    let text = |k: usize| tokens.get(k).map_or("", |t| t.text(src));
    let line = |k: usize| lines.line_of(tokens[k].start);
    // Token `k` replaced by `with`, described as "`what` on line N".
    let replace_token = |fixes: &mut Fixes<'_>, confidence: f64, what: &str, k: usize, with| {
        let at = tokens[k];
        fixes.replace(
            confidence,
            format!("{what} on line {}", line(k)),
            file,
            at.start,
            at.end,
            with,
        );
    };
    let mut decls: Option<Vec<Decl>> = None;
    for k in 0..tokens.len() {
        let tk = tokens[k];
        let word = tk.text(src);
        let stmt_start = k == 0 || matches!(text(k - 1), ";" | "{" | "}") || line(k - 1) != line(k);
        // `if (a = b)` / `while (a = b)`.
        if matches!(word, "if" | "while") && text(k + 1) == "(" {
            if let Some(close) = pairs[k + 1] {
                let mut depth = 0;
                for (j, tj) in tokens.iter().enumerate().take(close).skip(k + 2) {
                    match tj.kind {
                        Kind::Open => depth += 1,
                        Kind::Close => depth -= 1,
                        _ => {}
                    }
                    if depth == 0 && text(j) == "=" {
                        replace_token(fixes, STRICT_COMPARE, "compare with `===`", j, "===");
                        replace_token(fixes, LOOSE_COMPARE, "compare with `==`", j, "==");
                    }
                }
            }
        }
        // `for (i == 2; …)` and `x == 1;` as a statement: an assignment was meant.
        if matches!(word, "==" | "===") && k >= 1 && tokens[k - 1].kind == Kind::Ident {
            let in_for_init = k >= 3 && text(k - 2) == "(" && text(k - 3) == "for";
            let statement =
                k >= 2 && (matches!(text(k - 2), ";" | "{" | "}") || line(k - 2) != line(k)) && {
                    // Ends at `;` or the line's end with no other operator role.
                    let end = (k + 1..tokens.len()).find(|&j| text(j) == ";" || line(j) != line(k));
                    end.is_some_and(|j| text(j) == ";" || line(j) != line(k))
                };
            if in_for_init || statement {
                replace_token(fixes, ASSIGN_NOT_COMPARE, "assign with `=`", k, "=");
            }
        }
        // `count => count + 1;` as a statement.
        if word == "=>"
            && k >= 1
            && tokens[k - 1].kind == Kind::Ident
            && (k < 2 || matches!(text(k - 2), ";" | "{" | "}") || line(k - 2) != line(k))
        {
            replace_token(
                fixes,
                ASSIGN_NOT_ARROW,
                "assign with `=` instead of `=>`",
                k,
                "=",
            );
        }
        // `[...(expr)]` around a single value, and `...` inside arithmetic.
        if word == "..." && k >= 1 && text(k - 1) == "[" {
            if let Some(close) = pairs[k - 1] {
                let inner_end = tokens[close].start;
                let single = pairs
                    .get(k + 1)
                    .copied()
                    .flatten()
                    .is_some_and(|c| c + 1 == close)
                    && text(k + 1) == "(";
                if single {
                    fixes.push(
                        VALUE_NOT_ARRAY,
                        format!(
                            "return the value itself, not an array of it (line {})",
                            line(k)
                        ),
                        vec![
                            edit(file, tokens[k - 1].start, tokens[k].end, ""),
                            edit(file, inner_end, tokens[close].end, ""),
                        ],
                    );
                }
            }
        }
        // `i <= a.length` in a loop condition.
        if word == "<="
            && text(k + 2) == "."
            && text(k + 3) == "length"
            && stmt_start_of_for(&tokens, src, k)
        {
            replace_token(fixes, BEFORE_LENGTH, "stop before `.length`", k, "<");
        }
        // Arithmetic or comparison with `undefined`.
        if word == "undefined"
            && k >= 1
            && tokens[k - 1].kind == Kind::Punct
            && !matches!(text(k - 1), "=" | "," | "return" | "(" | "?" | ":")
        {
            replace_token(
                fixes,
                ZERO_NOT_UNDEFINED,
                "use `0` instead of `undefined`",
                k,
                "0",
            );
            // Or a variable of the function that this statement does not use yet.
            let decls = decls.get_or_insert_with(|| declarations(src, &tokens));
            let (ls, le) = lines.range(src, line(k));
            let stmt = &src[ls..le];
            for d in visible(decls, tk.start)
                .into_iter()
                .filter(|d| !d.function)
                .take(8)
            {
                let used = code_tokens(JS, stmt).iter().any(|x| x.text(stmt) == d.name);
                if !used {
                    fixes.replace(
                        DECLARED_NOT_UNDEFINED,
                        format!("use `{}` instead of `undefined`", d.name),
                        file,
                        tk.start,
                        tk.end,
                        &d.name,
                    );
                }
            }
        }
        // `w[j][k];` alone: a statement with no effect, most likely a lost `++`.
        if stmt_start && tk.kind == Kind::Ident && text(k + 1) == "[" {
            let mut j = k + 1;
            while text(j) == "[" {
                match pairs[j] {
                    Some(c) => j = c + 1,
                    None => break,
                }
            }
            if j > k + 1 && text(j) == ";" && line(j) == line(k) {
                let at = tokens[j].start;
                fixes.push(
                    INCREMENT_ELEMENT,
                    format!(
                        "increment the element on line {} (the statement has no effect)",
                        line(k)
                    ),
                    vec![edit(file, at, at, "++")],
                );
            }
        }
    }
    // Commented-out code.
    for c in lex(JS, src)
        .iter()
        .filter(|k| k.kind == Kind::Comment && src[k.start..].starts_with("//"))
    {
        let (ls, _) = lines.range(src, lines.line_of(c.start));
        if !src[ls..c.start].trim().is_empty() {
            continue;
        }
        let body = &src[c.start + 2..c.end];
        if looks_like_code(body) {
            let end = c.start + 2 + (body.len() - body.trim_start().len());
            fixes.replace(
                UNCOMMENT_CODE,
                format!("uncomment the code on line {}", lines.line_of(c.start)),
                file,
                c.start,
                end,
                "",
            );
        }
    }
}

/// Whether token `k` sits in a `for (…)` header.
pub(crate) fn stmt_start_of_for(tokens: &[Token], src: &str, k: usize) -> bool {
    let mut depth = 0;
    for j in (0..k).rev() {
        match tokens[j].kind {
            Kind::Close => depth += 1,
            Kind::Open if depth == 0 => {
                return j > 0 && tokens[j - 1].text(src) == "for" && tokens[j].text(src) == "("
            }
            Kind::Open => depth -= 1,
            _ => {}
        }
    }
    false
}
