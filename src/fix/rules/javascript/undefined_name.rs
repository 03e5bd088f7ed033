//! `javascript.undefined-name`: `x is not defined`: the closest name declared in a scope that
//! reaches the use (or a known global), with a scope-aware scan of the declarations.
//!
//! Why it is safe: the name is undefined where it is used; every candidate is a name visible there,
//! validated before it is kept.
//!
//! Example: `console.log(totl);` → `console.log(total);`.

use super::*;

/// `x = 1` at the start of a statement: a declaration without `let` is usual.
const DECLARE_LET: f64 = 0.55;
/// Another language's name for a JavaScript built-in (`print`, `None`…).
const NAME_SLIP: f64 = 0.6;
/// `abs(x)`: a `Math` function called bare.
const MATH_MEMBER: f64 = 0.55;
/// `len(x)`: Python's length, which JavaScript spells `.length`.
const LENGTH_PROPERTY: f64 = 0.6;
/// `shiftText()` where only a value is close: the call itself is the slip.
const VALUE_NOT_CALL_BONUS: f64 = 0.05;
/// Names less similar than this are not offered.
const MIN_SIMILARITY: f64 = 0.5;
/// A name not already on the failing line is likelier meant (the line misspelled it).
const OFF_LINE_BONUS: f64 = 0.03;
/// The base of a similar declared name; the similarity adds up to `SIMILAR_SCALE`.
const SIMILAR_BASE: f64 = 0.25;
/// How much a similar name's score adds.
const SIMILAR_SCALE: f64 = 0.45;
/// Each later candidate a little less likely, to keep the order.
const RANK_STEP: f64 = 0.02;
/// Globals must be closer: there are many and they are rarely meant.
const MIN_GLOBAL_SIMILARITY: f64 = 0.6;
/// The base of a similar global; its similarity adds up to `GLOBAL_SCALE`.
const GLOBAL_BASE: f64 = 0.2;
/// How much a similar global's score adds.
const GLOBAL_SCALE: f64 = 0.4;
/// A one-letter name inside a loop: most likely its loop variable.
const LOOP_VARIABLE: f64 = 0.55;
/// Another one-letter name in scope: a guess.
const ONE_LETTER: f64 = 0.25;
/// Any name declared before the use: the last resort.
const EARLIER_DECLARATION: f64 = 0.2;

/// Globals every script can use without declaring them.
pub(crate) const GLOBALS: &[&str] = &[
    "Math",
    "JSON",
    "Object",
    "Number",
    "String",
    "Array",
    "Boolean",
    "BigInt",
    "Map",
    "Set",
    "WeakMap",
    "Date",
    "RegExp",
    "Promise",
    "Symbol",
    "Error",
    "TypeError",
    "RangeError",
    "console",
    "parseInt",
    "parseFloat",
    "isNaN",
    "isFinite",
    "Infinity",
    "NaN",
    "undefined",
    "require",
    "module",
    "exports",
    "process",
    "Buffer",
    "setTimeout",
    "structuredClone",
];

/// The variable of the innermost `for (…)` loop whose body contains byte `at`.
pub(crate) fn loop_variable(src: &str, tokens: &[Token], at: usize) -> Option<String> {
    let pairs = matches(src, tokens);
    let mut best: Option<(usize, String)> = None;
    for i in 0..tokens.len() {
        if tokens[i].text(src) != "for" || tokens.get(i + 1).is_none_or(|t| t.text(src) != "(") {
            continue;
        }
        let Some(close) = pairs[i + 1] else {
            continue;
        };
        let body_end = match tokens.get(close + 1) {
            Some(t) if t.text(src) == "{" => pairs[close + 1].map_or(src.len(), |c| tokens[c].end),
            Some(t) => src[t.start..]
                .find(';')
                .map_or(src.len(), |k| t.start + k + 1),
            None => continue,
        };
        if !(tokens[close].end <= at && at < body_end) {
            continue;
        }
        // First identifier of the header, after any `let`/`const`/`var`.
        let mut k = i + 2;
        if matches!(
            tokens.get(k).map(|t| t.text(src)),
            Some("let" | "const" | "var")
        ) {
            k += 1;
        }
        if let Some(t) = tokens.get(k).filter(|t| t.kind == Kind::Ident) {
            if best.as_ref().is_none_or(|(s, _)| tokens[i].start > *s) {
                best = Some((tokens[i].start, t.text(src).to_string()));
            }
        }
    }
    best.map(|(_, name)| name)
}

/// Names from other languages and what JavaScript calls them.
pub(crate) const NAME_SLIPS: &[(&str, &str)] = &[
    ("True", "true"),
    ("False", "false"),
    ("None", "null"),
    ("nil", "null"),
    ("NULL", "null"),
    ("self", "this"),
    ("print", "console.log"),
    ("println", "console.log"),
    ("math", "Math"),
    ("str", "String"),
    ("int", "parseInt"),
    ("float", "parseFloat"),
    ("integer", "Number"),
    ("string", "String"),
    ("inf", "Infinity"),
    ("INF", "Infinity"),
    ("null_ptr", "null"),
];

/// The `javascript.undefined-name` rule.
pub(crate) struct UndefinedName;

impl Rule for UndefinedName {
    const META: RuleMeta =
        RuleMeta::new("javascript.undefined-name", FixApplicability::Speculative)
            .language(TargetLanguage::JavaScript);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let Some((name, t)) = not_defined_target(error, program) else {
            return Vec::new();
        };
        let src = t.text;
        let tokens = code_tokens(JS, src);
        // The name as a token, or inside a template literal (`${name}`), found in the raw text.
        let k = ident_at(&t, &tokens, &name);
        let tok = match k {
            Some(k) => tokens[k],
            None => {
                let Some((start, end)) = word_on_line(src, &t.lines, t.line, &name, t.offset)
                else {
                    return Vec::new();
                };
                Token {
                    kind: Kind::Ident,
                    start,
                    end,
                    terminated: true,
                }
            }
        };
        let mut fixes = Fixes::new(Self::META.id);
        let file = t.file;
        // An assignment to an undeclared name (strict mode, or a forgotten `let`).
        let next = k.and_then(|k| tokens.get(k + 1)).map(|n| n.text(src));
        let stmt_start = k.is_some_and(|k| {
            k == 0
                || matches!(tokens[k - 1].text(src), ";" | "{" | "}")
                || t.lines.line_of(tokens[k - 1].start) != t.line
        });
        let k = k.unwrap_or(0);
        if next == Some("=") && stmt_start {
            fixes.replace(
                DECLARE_LET,
                format!("declare `{name}` with `let`"),
                file,
                tok.start,
                tok.start,
                "let ",
            );
        }
        for (wrong, right) in NAME_SLIPS {
            if *wrong == name {
                fixes.replace(
                    NAME_SLIP,
                    format!("use `{right}`, JavaScript's name for `{name}`"),
                    file,
                    tok.start,
                    tok.end,
                    right,
                );
            }
        }
        // `abs(x)` → `Math.abs(x)`; `len(x)` → `x.length`.
        if members_of("Math").is_some_and(|m| m.contains(&name.as_str())) {
            fixes.replace(
                MATH_MEMBER,
                format!("use `Math.{name}`"),
                file,
                tok.start,
                tok.end,
                &format!("Math.{name}"),
            );
        }
        if name == "len" && next == Some("(") {
            if let Some(close) = (k + 2..tokens.len()).find(|&j| tokens[j].text(src) == ")") {
                let arg = &src[tokens[k + 1].end..tokens[close].start];
                fixes.replace(
                    LENGTH_PROPERTY,
                    "use `.length`",
                    file,
                    tok.start,
                    tokens[close].end,
                    &format!("{}.length", arg.trim()),
                );
            }
        }
        // Names that reach this use, ranked by likeness.
        let decls = declarations(src, &tokens);
        let seen = visible(&decls, tok.start);
        let mut names: Vec<&Decl> = Vec::new();
        for d in seen.iter().rev() {
            if d.name != name && !names.iter().any(|n| n.name == d.name) {
                names.push(d);
            }
        }
        let (ls, le) = t.lines.range(src, t.line);
        let line_text = &src[ls..le];
        let on_line = |n: &str| {
            code_tokens(JS, line_text)
                .iter()
                .any(|x| x.text(line_text) == n)
        };
        let called_empty =
            next == Some("(") && tokens.get(k + 2).is_some_and(|n| n.text(src) == ")");
        let propose = |fixes: &mut Fixes<'_>, d: &Decl, conf: f64| {
            if called_empty && !d.function {
                // `shiftText()` where the value `shiftedText` was meant.
                fixes.replace(
                    conf + VALUE_NOT_CALL_BONUS,
                    format!("use the value `{}`", d.name),
                    file,
                    tok.start,
                    tokens[k + 2].end,
                    &d.name,
                );
            }
            fixes.replace(
                conf,
                format!("use `{}`, declared in scope", d.name),
                file,
                tok.start,
                tok.end,
                &d.name,
            );
        };
        let ranked = closest(&name, names.iter().map(|d| d.name.as_str()), MIN_SIMILARITY);
        for (n, (cand, score)) in ranked.iter().take(4).enumerate() {
            let Some(d) = names.iter().find(|d| d.name == *cand) else {
                continue;
            };
            let bonus = if on_line(cand) { 0.0 } else { OFF_LINE_BONUS };
            propose(
                &mut fixes,
                d,
                SIMILAR_BASE + SIMILAR_SCALE * score + bonus - RANK_STEP * n as f64,
            );
        }
        let globals = closest(&name, GLOBALS.iter().copied(), MIN_GLOBAL_SIMILARITY);
        for (cand, score) in globals.into_iter().take(2) {
            fixes.replace(
                GLOBAL_BASE + GLOBAL_SCALE * score,
                format!("use the global `{cand}`"),
                file,
                tok.start,
                tok.end,
                cand,
            );
        }
        // A one-letter name: most likely the loop variable of the loop it sits in.
        if name.chars().count() == 1 {
            if let Some(var) = loop_variable(src, &tokens, tok.start).filter(|v| *v != name) {
                fixes.replace(
                    LOOP_VARIABLE,
                    format!("use the loop variable `{var}`"),
                    file,
                    tok.start,
                    tok.end,
                    &var,
                );
            }
            for d in names
                .iter()
                .filter(|d| d.name.chars().count() == 1 && !d.function)
                .take(6)
            {
                fixes.replace(
                    ONE_LETTER,
                    format!("use `{}`", d.name),
                    file,
                    tok.start,
                    tok.end,
                    &d.name,
                );
            }
        }
        // Nothing alike: any variable declared before the use, nearest first.
        if ranked.is_empty() && name.chars().count() > 1 {
            let mut before: Vec<&&Decl> = names
                .iter()
                .filter(|d| d.at < tok.start && !d.function)
                .collect();
            before.sort_by_key(|d| std::cmp::Reverse(d.at));
            for (n, d) in before.into_iter().take(5).enumerate() {
                propose(&mut fixes, d, EARLIER_DECLARATION - RANK_STEP * n as f64);
            }
        }
        fixes.done()
    }
}
