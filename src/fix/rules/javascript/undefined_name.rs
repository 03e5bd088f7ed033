//! `javascript.undefined-name`: `x is not defined`: the closest name declared in a scope that
//! reaches the use (or a known global), with a scope-aware scan of the declarations.
//!
//! Why it is safe: the name is undefined where it is used; every candidate is a name visible there,
//! validated before it is kept.
//!
//! Example: `console.log(totl);` → `console.log(total);`.

use super::*;

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

pub(crate) fn undefined_name(id: &str, error: &CodeError, program: &Program) -> Vec<Fix> {
    let Some(name) = not_defined(error) else {
        return Vec::new();
    };
    let Some(t) = target(error, program) else {
        return Vec::new();
    };
    let src = t.text;
    let tokens = code_tokens(JS, src);
    // The name as a token, or inside a template literal (`${name}`), found in the raw text.
    let k = ident_at(&t, &tokens, &name);
    let tok = match k {
        Some(k) => tokens[k],
        None => {
            let Some((start, end)) = word_on_line(src, &t.lines, t.line, &name, t.offset) else {
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
    let mut fixes = Fixes::new(id);
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
            0.55,
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
                0.6,
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
            0.55,
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
                0.6,
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
    let called_empty = next == Some("(") && tokens.get(k + 2).is_some_and(|n| n.text(src) == ")");
    let propose = |fixes: &mut Fixes<'_>, d: &Decl, conf: f64| {
        if called_empty && !d.function {
            // `shiftText()` where the value `shiftedText` was meant.
            fixes.replace(
                conf + 0.05,
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
    let ranked = closest(&name, names.iter().map(|d| d.name.as_str()), 0.5);
    for (n, (cand, score)) in ranked.iter().take(4).enumerate() {
        let Some(d) = names.iter().find(|d| d.name == *cand) else {
            continue;
        };
        let bonus = if on_line(cand) { 0.0 } else { 0.03 };
        propose(&mut fixes, d, 0.25 + 0.45 * score + bonus - 0.02 * n as f64);
    }
    let globals = closest(&name, GLOBALS.iter().copied(), 0.6);
    for (cand, score) in globals.into_iter().take(2) {
        fixes.replace(
            0.2 + 0.4 * score,
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
                0.55,
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
                0.25,
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
            propose(&mut fixes, d, 0.2 - 0.02 * n as f64);
        }
    }
    fixes.done()
}

/// The `javascript.undefined-name` rule.
pub(crate) struct UndefinedName;

impl Rule for UndefinedName {
    const META: RuleMeta =
        RuleMeta::new("javascript.undefined-name", FixApplicability::Speculative)
            .language(TargetLanguage::JavaScript);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        undefined_name(Self::META.id, error, program)
    }
}
