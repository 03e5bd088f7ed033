//! `python.test-failure`: candidate edits when the program runs but does the wrong thing:
//! commented-out code, a `return` indented into a loop, off-by-one subscripts at an IndexError.
//!
//! Why it is safe: the program parses and runs, so these are guesses: each candidate is kept only
//! if the tests then pass.
//!
//! Example: `for i in range(n + 1):` → `for i in range(n):`.

use super::*;

/// Commented-out code in a failing program: it may be the missing step.
const UNCOMMENT_CODE: f64 = 0.3;
/// A `return` at the end of a loop body returns on the first pass: meant after the loop.
const RETURN_AFTER_LOOP: f64 = 0.3;
/// A slice bound one off: which bound is a guess.
const SLICE_BOUND: f64 = 0.25;
/// The slice is the very expression the error's span points at and the error says the value
/// was empty (`int('')`): one of its bounds is off, the strongest evidence a failing run gives,
/// so it ranks above the behaviour repairs' generic edits of the suspicious lines.
const EMPTY_SLICE_IN_SPAN: f64 = 0.4;
/// `a[n]` indexed one past the end: 1-based counting.
const INDEX_MINUS_ONE: f64 = 0.3;
/// `range(n + 1)` one too many, or a 1-based start: the usual off-by-one.
const LOOP_BOUND: f64 = 0.3;

pub(crate) fn is_runtime_or_test(error: &CodeError) -> bool {
    !is_syntax(error)
        && !is_name_error(error)
        && !matches!(error.error_type, ErrorType::MissingImport)
}

/// Candidate edits when the program runs but does the wrong thing: commented-out code,
/// a `return` indented into a loop, off-by-one subscripts at an IndexError.
pub(crate) fn test_failure(id: &str, error: &CodeError, program: &Program) -> Vec<Fix> {
    if !is_runtime_or_test(error) {
        return Vec::new();
    }
    let mut fixes = Fixes::new(id);
    let msg = message(error);
    if error.code.as_deref() == Some("IndexError") || msg.contains("index out of range") {
        if let Some(t) = target(error, program) {
            index_fixes(&mut fixes, &t);
        }
    }
    // A value error from an empty or shifted slice (`int(s[j:i])` with `j == i`).
    if matches!(error.code.as_deref(), Some("ValueError" | "IndexError")) {
        if let Some(t) = target(error, program) {
            slice_fixes(&mut fixes, &t, reports_empty_value(msg));
        }
    }
    for (file, src) in editable_sources(program) {
        let before = fixes.list.len();
        commented_code(&mut fixes, file, src);
        crate::fix::text::combine_repeated(&mut fixes, before);
        return_in_loop(&mut fixes, file, src);
    }
    fixes.done()
}

/// The message quotes an empty value as what failed: `…: ''` (`int('')`, `float("")`).
fn reports_empty_value(msg: &str) -> bool {
    let m = msg.trim_end();
    m.ends_with(": ''") || m.ends_with(": \"\"")
}

pub(crate) fn commented_code(fixes: &mut Fixes<'_>, file: &str, src: &str) {
    let lines = LineIndex::new(src);
    for tok in lex(PY, src).iter().filter(|k| k.kind == Kind::Comment) {
        let (ls, _) = lines.range(src, lines.line_of(tok.start));
        if !src[ls..tok.start].trim().is_empty() {
            continue; // a trailing comment, not a commented-out line
        }
        let body = tok.text(src).trim_start_matches('#');
        let lead = body.len() - body.trim_start().len();
        if looks_like_code(body) {
            let end = tok.start + (tok.text(src).len() - body.len()) + lead;
            fixes.replace(
                UNCOMMENT_CODE,
                format!("uncomment the code on line {}", lines.line_of(tok.start)),
                file,
                tok.start,
                end,
                "",
            );
        }
    }
}

/// A `return` that ends a loop body at the end of a function usually belongs after the loop.
pub(crate) fn return_in_loop(fixes: &mut Fixes<'_>, file: &str, src: &str) {
    let lines = LineIndex::new(src);
    let code: Vec<usize> = (1..=lines.count())
        .filter(|&l| is_code_line(src, &lines, l))
        .collect();
    for (n, &l) in code.iter().enumerate() {
        let (s, e) = lines.range(src, l);
        if !src[s..e].trim_start().starts_with("return") {
            continue;
        }
        let ind = indent_of(src, &lines, l);
        let w = indent_width(&ind);
        // Last statement of its function: the next code line is shallower than the loop.
        let next_w = code
            .get(n + 1)
            .map_or(0, |&nl| indent_width(&indent_of(src, &lines, nl)));
        // The innermost enclosing header above.
        let Some(&header) = code[..n]
            .iter()
            .rev()
            .find(|&&h| indent_width(&indent_of(src, &lines, h)) < w)
        else {
            continue;
        };
        let (hs, he) = lines.range(src, header);
        let head = src[hs..he].trim_start();
        if !(head.starts_with("for ") || head.starts_with("while ")) {
            continue;
        }
        let hind = indent_of(src, &lines, header);
        if next_w <= indent_width(&hind)
            && next_w < w
            && code
                .get(n + 1)
                .is_none_or(|_| next_w < indent_width(&hind) || next_w == 0)
        {
            fixes.replace(
                RETURN_AFTER_LOOP,
                format!("move the `return` on line {l} out of the loop"),
                file,
                s,
                s + ind.len(),
                &hind,
            );
        }
    }
}

/// Slices on the error line, one bound moved by one: `s[j:i]` → `s[j - 1:i]`, `s[j:i + 1]`;
/// surer when the slice lies in the error's span and `empty_value` (the error reports an empty
/// value, `invalid literal for int() with base 10: ''`).
pub(crate) fn slice_fixes(fixes: &mut Fixes<'_>, t: &Target<'_>, empty_value: bool) {
    let src = t.text;
    let tokens = code_tokens(PY, src);
    let (ls, le) = t.lines.range(src, t.line);
    for k in 1..tokens.len() {
        let o = tokens[k];
        if o.start < ls || o.end > le || o.text(src) != "[" || !tokens[k - 1].ends_operand(src) {
            continue;
        }
        let Some(close) = crate::fix::text::matching_close(&tokens, k) else {
            continue;
        };
        let in_span = t
            .end
            .is_some_and(|end| o.start >= t.offset && tokens[close].end <= end);
        let confidence = if in_span && empty_value {
            EMPTY_SLICE_IN_SPAN
        } else {
            SLICE_BOUND
        };
        let inner = &tokens[k + 1..close];
        let colons: Vec<usize> = (0..inner.len())
            .filter(|&j| inner[j].text(src) == ":")
            .collect();
        if colons.len() != 1
            || inner
                .iter()
                .any(|t| matches!(t.kind, Kind::Open | Kind::Close))
        {
            continue;
        }
        let c = colons[0];
        if c > 0 {
            let (s, e) = (inner[0].start, inner[c - 1].end);
            let lower = &src[s..e];
            fixes.replace(
                confidence,
                format!("start the slice at `{lower} - 1`"),
                t.file,
                s,
                e,
                &format!("{lower} - 1"),
            );
        }
        if c + 1 < inner.len() {
            let (s, e) = (inner[c + 1].start, inner[inner.len() - 1].end);
            let upper = &src[s..e];
            fixes.replace(
                confidence,
                format!("end the slice at `{upper} + 1`"),
                t.file,
                s,
                e,
                &format!("{upper} + 1"),
            );
        }
    }
}

/// At an IndexError: `a[i]` → `a[i - 1]`, and the loop bound `range(n, …)` → `range(n - 1, …)`.
pub(crate) fn index_fixes(fixes: &mut Fixes<'_>, t: &Target<'_>) {
    let src = t.text;
    let tokens = code_tokens(PY, src);
    let (ls, le) = t.lines.range(src, t.line);
    let mut subscripts = Vec::new();
    for k in 1..tokens.len() {
        let o = tokens[k];
        if o.start < ls || o.end > le || o.text(src) != "[" || !tokens[k - 1].ends_operand(src) {
            continue;
        }
        // The index expression, when it is a single name or `name ± number`.
        let Some(close) = (k + 1..tokens.len()).find(|&j| tokens[j].text(src) == "]") else {
            continue;
        };
        let inner = &tokens[k + 1..close];
        if inner.is_empty()
            || inner
                .iter()
                .any(|t| matches!(t.kind, Kind::Open | Kind::Close) || t.text(src) == ":")
        {
            continue;
        }
        let expr = &src[inner[0].start..inner[inner.len() - 1].end];
        subscripts.push((inner[0].start, inner[inner.len() - 1].end, expr.to_string()));
    }
    for (s, e, expr) in &subscripts {
        let lowered = if let Some(base) = expr
            .strip_suffix(" + 1")
            .or_else(|| expr.strip_suffix("+1"))
        {
            base.to_string()
        } else {
            format!("{expr} - 1")
        };
        fixes.replace(
            INDEX_MINUS_ONE,
            format!("index with `{lowered}`"),
            t.file,
            *s,
            *e,
            &lowered,
        );
    }
    // Loop headers above whose variable indexes here: `range(n, ...)`, `range(len(x) + 1)`.
    let names: BTreeSet<&str> = subscripts
        .iter()
        .map(|(_, _, e)| e.as_str())
        .filter(|e| e.chars().all(|c| c.is_alphanumeric() || c == '_'))
        .collect();
    for l in (1..t.line).rev() {
        let (hs, he) = t.lines.range(src, l);
        let head = src[hs..he].trim();
        let Some(rest) = head.strip_prefix("for ") else {
            continue;
        };
        let var = rest.split_whitespace().next().unwrap_or("");
        if !names.contains(var) {
            continue;
        }
        let Some(p) = src[hs..he].find("range(") else {
            continue;
        };
        let args_start = hs + p + "range(".len();
        let first_end = src[args_start..he].find([',', ')']).map(|q| args_start + q);
        if let Some(fe) = first_end {
            let first = src[args_start..fe].trim();
            if let Some(base) = first
                .strip_suffix(" + 1")
                .or_else(|| first.strip_suffix("+1"))
            {
                fixes.replace(
                    LOOP_BOUND,
                    format!("loop to `{base}`"),
                    t.file,
                    args_start,
                    fe,
                    base,
                );
            } else if src[fe..].starts_with(',') && !first.is_empty() {
                fixes.replace(
                    LOOP_BOUND,
                    format!("start the loop at `{first} - 1`"),
                    t.file,
                    args_start,
                    fe,
                    &format!("{first} - 1"),
                );
            }
        }
        break;
    }
}

/// The `python.test-failure` rule.
pub(crate) struct TestFailure;

impl Rule for TestFailure {
    const META: RuleMeta = RuleMeta::new("python.test-failure", FixApplicability::Speculative)
        .language(TargetLanguage::Python);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        test_failure(Self::META.id, error, program)
    }
}
