//! JavaScript-specific repairs: undefined names (a scope-aware scan of the declarations that
//! reach the use), missing `require`s for Node builtins, misspelt members of the standard
//! objects, `const` reassignment, missing `new`, misused `=>` and `...`, commented-out
//! declarations, and candidate edits for failing tests.
//!
//! The tables in `src/fix/tables/javascript_*.txt` come from `scripts/gen-node-builtins.js`; a
//! test below re-runs it against /usr/bin/node and checks they still match.

use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};

use super::syntax::{
    closest, code_tokens, edit, editable_sources, is_syntax, lex, message, target, token_at,
    word_on_line, Fixes, FnStrategy, Kind, LineIndex, Target, Token,
};
use crate::fix::{Fix, FixStrategy};
use crate::program::Program;
use crate::types::{CodeError, ErrorType, TargetLanguage};

const JS: TargetLanguage = TargetLanguage::JavaScript;

pub fn strategies() -> Vec<Arc<dyn FixStrategy>> {
    vec![
        FnStrategy::arc("javascript.undefined-name", undefined_name),
        FnStrategy::arc("javascript.missing-require", missing_require),
        FnStrategy::arc("javascript.member", member),
        FnStrategy::arc("javascript.const-assignment", const_assignment),
        FnStrategy::arc("javascript.missing-new", missing_new),
        FnStrategy::arc("javascript.operators", operators),
        FnStrategy::arc("javascript.uncomment", uncomment),
        FnStrategy::arc("javascript.test-failure", test_failure),
    ]
}

// ---------------------------------------------------------------------------------------------
// Tables.

struct Tables {
    builtins: BTreeSet<&'static str>,
    /// `Math` → its members, `String.prototype` → the methods of strings…
    members: Vec<(&'static str, Vec<&'static str>)>,
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let rows = |text: &'static str| {
            text.lines()
                .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        };
        let builtins = rows(include_str!("../tables/javascript_node_builtins.txt"))
            .map(str::trim)
            .collect();
        let members = rows(include_str!("../tables/javascript_members.txt"))
            .filter_map(|line| {
                let mut words = line.split_whitespace();
                Some((words.next()?, words.collect()))
            })
            .collect();
        Tables { builtins, members }
    })
}

fn members_of(object: &str) -> Option<&'static [&'static str]> {
    tables()
        .members
        .iter()
        .find(|(o, _)| *o == object)
        .map(|(_, m)| m.as_slice())
}

/// Globals every script can use without declaring them.
const GLOBALS: &[&str] = &[
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

// ---------------------------------------------------------------------------------------------
// Declarations and scopes.

#[derive(Debug, Clone, PartialEq, Eq)]
struct Decl {
    name: String,
    /// Byte offset of the declaring identifier.
    at: usize,
    /// The byte range where the name is visible.
    scope: (usize, usize),
    function: bool,
}

/// Matching closer index for each opener index.
fn matches(src: &str, tokens: &[Token]) -> Vec<Option<usize>> {
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
fn enclosing_block(
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
fn declarations(src: &str, tokens: &[Token]) -> Vec<Decl> {
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
fn visible(decls: &[Decl], at: usize) -> Vec<&Decl> {
    decls
        .iter()
        .filter(|d| d.scope.0 <= at && at < d.scope.1)
        .collect()
}

/// The variable of the innermost `for (…)` loop whose body contains byte `at`.
fn loop_variable(src: &str, tokens: &[Token], at: usize) -> Option<String> {
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

// ---------------------------------------------------------------------------------------------
// Shared helpers.

/// The name of a `ReferenceError: x is not defined`.
fn not_defined(error: &CodeError) -> Option<String> {
    let msg = message(error);
    let name = msg.strip_suffix(" is not defined")?;
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '$');
    ok.then(|| name.to_string())
}

/// The token of identifier `name` at or nearest the error position on its line.
fn ident_at(t: &Target<'_>, tokens: &[Token], name: &str) -> Option<usize> {
    let (ls, le) = t.lines.range(t.text, t.line);
    (0..tokens.len())
        .filter(|&k| tokens[k].start >= ls && tokens[k].end <= le && tokens[k].text(t.text) == name)
        .min_by_key(|&k| tokens[k].start.abs_diff(t.offset))
}

/// Where a new `require` goes: after a `'use strict'` line and existing top-level requires.
fn require_offset(src: &str) -> usize {
    let mut offset = 0;
    let mut pos = 0;
    for line in src.split_inclusive('\n') {
        let l = line.trim();
        let is_head = l.starts_with("'use strict'")
            || l.starts_with("\"use strict\"")
            || l.starts_with("#!")
            || (matches!(
                l.split_whitespace().next(),
                Some("const" | "let" | "var" | "import")
            ) && l.contains("require("))
            || l.starts_with("import ");
        pos += line.len();
        if is_head {
            offset = pos;
        } else if !l.is_empty() && !l.starts_with("//") {
            break;
        }
    }
    offset
}

fn is_test_or_runtime(error: &CodeError) -> bool {
    matches!(
        error.error_type,
        ErrorType::TestFailure
            | ErrorType::CompilerError(_)
            | ErrorType::TypeMismatch
            | ErrorType::TelemetryMismatch
    )
}

// ---------------------------------------------------------------------------------------------
// javascript.undefined-name

/// Names from other languages and what JavaScript calls them.
const NAME_SLIPS: &[(&str, &str)] = &[
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

fn undefined_name(id: &str, error: &CodeError, program: &Program) -> Vec<Fix> {
    if program.language != JS {
        return Vec::new();
    }
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

// ---------------------------------------------------------------------------------------------
// javascript.missing-require

fn missing_require(id: &str, error: &CodeError, program: &Program) -> Vec<Fix> {
    if program.language != JS {
        return Vec::new();
    }
    let Some(name) = not_defined(error) else {
        return Vec::new();
    };
    let Some(t) = target(error, program) else {
        return Vec::new();
    };
    let mut fixes = Fixes::new(id);
    let module = match name.as_str() {
        "EventEmitter" => Some(("events", "{ EventEmitter }")),
        "promisify" | "inspect" | "format" => Some(("util", "")),
        "readFileSync" | "writeFileSync" | "existsSync" => Some(("fs", "")),
        "execSync" | "spawnSync" => Some(("child_process", "")),
        _ => None,
    };
    let at = require_offset(t.text);
    if tables().builtins.contains(name.as_str()) {
        fixes.push(
            0.6,
            format!("require the Node module `{name}`"),
            vec![edit(
                t.file,
                at,
                at,
                &format!("const {name} = require('{name}');\n"),
            )],
        );
    } else if let Some((module, binding)) = module {
        let binding = if binding.is_empty() {
            format!("{{ {name} }}")
        } else {
            binding.to_string()
        };
        fixes.push(
            0.55,
            format!("require `{name}` from `{module}`"),
            vec![edit(
                t.file,
                at,
                at,
                &format!("const {binding} = require('{module}');\n"),
            )],
        );
    }
    fixes.done()
}

// ---------------------------------------------------------------------------------------------
// javascript.member

/// Methods other languages have under another name: (wrong, right); `right` without `()`
/// means a property (`.length()` → `.length`).
const MEMBER_SLIPS: &[(&str, &str)] = &[
    ("length", "length"),
    ("size", "length"),
    ("len", "length"),
    ("count", "length"),
    ("append", "push()"),
    ("add", "push()"),
    ("push_back", "push()"),
    ("contains", "includes()"),
    ("has", "includes()"),
    ("upper", "toUpperCase()"),
    ("toUpper", "toUpperCase()"),
    ("lower", "toLowerCase()"),
    ("toLower", "toLowerCase()"),
    ("strip", "trim()"),
    ("lstrip", "trimStart()"),
    ("rstrip", "trimEnd()"),
    ("startswith", "startsWith()"),
    ("endswith", "endsWith()"),
    ("each", "forEach()"),
    ("get", "at()"),
    ("remove", "splice()"),
    ("index", "indexOf()"),
    ("find_index", "findIndex()"),
    ("toString", "toString()"),
    ("to_string", "toString()"),
    ("str", "toString()"),
];

/// Methods that take one numeric argument, for a call like `s.badName(0)`.
const INDEX_METHODS: &[&str] = &["charCodeAt", "charAt", "codePointAt", "at"];

fn member(id: &str, error: &CodeError, program: &Program) -> Vec<Fix> {
    if program.language != JS {
        return Vec::new();
    }
    let msg = message(error);
    let Some(expr) = msg.strip_suffix(" is not a function") else {
        return Vec::new();
    };
    let Some((receiver, name)) = expr.rsplit_once('.') else {
        return Vec::new();
    };
    let Some(t) = target(error, program) else {
        return Vec::new();
    };
    let src = t.text;
    let tokens = code_tokens(JS, src);
    let (ls, le) = t.lines.range(src, t.line);
    let Some(k) = (1..tokens.len())
        .filter(|&k| {
            tokens[k].start >= ls
                && tokens[k].end <= le
                && tokens[k].text(src) == name
                && matches!(tokens[k - 1].text(src), "." | "?.")
        })
        .min_by_key(|&k| tokens[k].start.abs_diff(t.offset))
    else {
        return Vec::new();
    };
    let tok = tokens[k];
    let file = t.file;
    let mut fixes = Fixes::new(id);
    // The call's argument list, if the member is called.
    let call = (tokens.get(k + 1).is_some_and(|n| n.text(src) == "("))
        .then(|| super::syntax::matching_close(&tokens, k + 1))
        .flatten();
    let receiver_name = receiver.rsplit('.').next().unwrap_or(receiver);
    let candidates: Vec<&str> = match members_of(receiver_name) {
        Some(m) => m.to_vec(),
        None => [
            "String.prototype",
            "Array.prototype",
            "Number.prototype",
            "Object.prototype",
            "Map.prototype",
            "Set.prototype",
        ]
        .iter()
        .filter_map(|o| members_of(o))
        .flatten()
        .copied()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect(),
    };
    for (wrong, right) in MEMBER_SLIPS {
        if *wrong != name {
            continue;
        }
        match (right.strip_suffix("()"), call) {
            (Some(method), _) => fixes.replace(
                0.6,
                format!("use `.{method}`"),
                file,
                tok.start,
                tok.end,
                method,
            ),
            (None, Some(close)) if close == k + 2 => {
                fixes.replace(
                    0.65,
                    format!("`{right}` is a property: drop the call"),
                    file,
                    tok.start,
                    tokens[close].end,
                    right,
                );
            }
            (None, _) => fixes.replace(
                0.5,
                format!("use `.{right}`"),
                file,
                tok.start,
                tok.end,
                right,
            ),
        }
    }
    for (n, (cand, score)) in closest(name, candidates.iter().copied(), 0.5)
        .into_iter()
        .take(3)
        .enumerate()
    {
        fixes.replace(
            0.25 + 0.45 * score - 0.03 * n as f64,
            format!("use `.{cand}`"),
            file,
            tok.start,
            tok.end,
            cand,
        );
    }
    if let Some(close) = call {
        // `x.unknownMethod()` where `x` itself was the value wanted.
        fixes.replace(
            0.3,
            format!("drop the call to `.{name}`"),
            file,
            tokens[k - 1].start,
            tokens[close].end,
            "",
        );
        let one_number = close == k + 3 && tokens[k + 2].kind == Kind::Number;
        if one_number && members_of(receiver_name).is_none() {
            for m in INDEX_METHODS {
                fixes.replace(0.2, format!("use `.{m}`"), file, tok.start, tok.end, m);
            }
        }
    }
    fixes.done()
}

// ---------------------------------------------------------------------------------------------
// javascript.const-assignment and javascript.missing-new

fn const_assignment(id: &str, error: &CodeError, program: &Program) -> Vec<Fix> {
    if program.language != JS || !message(error).starts_with("Assignment to constant variable") {
        return Vec::new();
    }
    let Some(t) = target(error, program) else {
        return Vec::new();
    };
    let src = t.text;
    let tokens = code_tokens(JS, src);
    let (ls, le) = t.lines.range(src, t.line);
    let mut fixes = Fixes::new(id);
    let decls = declarations(src, &tokens);
    // The assigned names on the error line: `x = `, `x += `, `x++`, `++x`.
    for k in 0..tokens.len() {
        let tk = tokens[k];
        if tk.start < ls || tk.end > le || tk.kind != Kind::Ident {
            continue;
        }
        let next = tokens.get(k + 1).map_or("", |n| n.text(src));
        let prev = k.checked_sub(1).map_or("", |p| tokens[p].text(src));
        let assigned = (next.ends_with('=')
            && !matches!(next, "==" | "===" | "!=" | "!==" | "<=" | ">="))
            || matches!(next, "++" | "--")
            || matches!(prev, "++" | "--");
        if !assigned || prev == "." {
            continue;
        }
        let name = tk.text(src);
        let Some(d) = visible(&decls, tk.start)
            .into_iter()
            .rev()
            .find(|d| d.name == name)
        else {
            continue;
        };
        // The `const` keyword of that declaration.
        let di = token_at(&tokens, d.at);
        if let Some(c) = (0..di)
            .rev()
            .take(64)
            .find(|&j| matches!(tokens[j].text(src), "const" | "let" | "var"))
        {
            if tokens[c].text(src) == "const" {
                fixes.replace(
                    0.7,
                    format!("declare `{name}` with `let` so it can be reassigned"),
                    t.file,
                    tokens[c].start,
                    tokens[c].end,
                    "let",
                );
            }
        }
    }
    fixes.done()
}

fn missing_new(id: &str, error: &CodeError, program: &Program) -> Vec<Fix> {
    if program.language != JS {
        return Vec::new();
    }
    let msg = message(error);
    // `Class constructor Foo cannot be invoked without 'new'`, `Constructor Map requires 'new'`.
    let class = msg
        .strip_prefix("Class constructor ")
        .and_then(|r| r.split_whitespace().next())
        .or_else(|| {
            msg.strip_prefix("Constructor ")
                .and_then(|r| r.strip_suffix(" requires 'new'"))
        });
    let Some(class) = class else {
        return Vec::new();
    };
    let Some(t) = target(error, program) else {
        return Vec::new();
    };
    let tokens = code_tokens(JS, t.text);
    let mut fixes = Fixes::new(id);
    if let Some(k) = ident_at(&t, &tokens, class) {
        let prev_new = k > 0 && tokens[k - 1].text(t.text) == "new";
        if !prev_new {
            fixes.replace(
                0.7,
                format!("construct `{class}` with `new`"),
                t.file,
                tokens[k].start,
                tokens[k].start,
                "new ",
            );
        }
    }
    fixes.done()
}

// ---------------------------------------------------------------------------------------------
// javascript.operators: `=>` and `...` where they do not belong.

fn operators(id: &str, error: &CodeError, program: &Program) -> Vec<Fix> {
    if program.language != JS || !is_syntax(error) {
        return Vec::new();
    }
    let Some(t) = target(error, program) else {
        return Vec::new();
    };
    let src = t.text;
    let tokens = code_tokens(JS, src);
    let mut fixes = Fixes::new(id);
    let msg = message(error);
    let (ls, le) = t.lines.range(src, t.line);
    let on_line: Vec<usize> = (0..tokens.len())
        .filter(|&k| tokens[k].start >= ls && tokens[k].end <= le)
        .collect();
    if msg.contains("'...'") {
        for &k in &on_line {
            if tokens[k].text(src) == "..." {
                fixes.replace(
                    0.6,
                    "delete the misplaced spread `...`",
                    t.file,
                    tokens[k].start,
                    tokens[k].end,
                    "",
                );
            }
        }
    }
    if msg.contains("arrow function") || msg.contains("'=>'") {
        for &k in &on_line {
            if tokens[k].text(src) != "=>" {
                continue;
            }
            let arrow = tokens[k];
            let first = tokens[on_line[0]].text(src);
            let in_object = super::syntax::enclosing_open(src, &tokens, k) == Some("{")
                && !matches!(first, "if" | "while" | "return" | "for")
                || (first == "return"
                    && on_line.get(1).is_some_and(|&j| tokens[j].text(src) == "{"));
            let in_condition =
                matches!(first, "if" | "while" | "}") && src[ls..arrow.start].contains('(');
            let options: &[(&str, f64)] = if in_object {
                &[(",", 0.55), (":", 0.45)]
            } else if in_condition {
                &[(">=", 0.5), ("===", 0.45), ("==", 0.4), (">", 0.35)]
            } else {
                &[(">=", 0.35), ("=", 0.3), ("===", 0.3)]
            };
            for (rep, conf) in options {
                fixes.replace(
                    *conf,
                    format!("replace `=>` with `{rep}`"),
                    t.file,
                    arrow.start,
                    arrow.end,
                    rep,
                );
            }
            // `return -1 => "text";`: drop the arrow and what follows it in the statement.
            let end = on_line
                .iter()
                .copied()
                .filter(|&j| j > k)
                .find(|&j| matches!(tokens[j].text(src), ";" | ")" | "}" | ","));
            let end = end.map_or(le, |j| tokens[j].start);
            let start = if k > 0 {
                tokens[k - 1].end
            } else {
                arrow.start
            };
            let conf = if first == "return" && !in_object {
                0.5
            } else {
                0.3
            };
            fixes.replace(conf, "delete the stray `=> …`", t.file, start, end, "");
        }
    }
    fixes.done()
}

// ---------------------------------------------------------------------------------------------
// javascript.uncomment

/// Whether `//` comment text reads as code rather than prose.
fn looks_like_code(text: &str) -> bool {
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

fn uncomment(id: &str, error: &CodeError, program: &Program) -> Vec<Fix> {
    if program.language != JS {
        return Vec::new();
    }
    let Some(name) = not_defined(error) else {
        return Vec::new();
    };
    let Some(t) = target(error, program) else {
        return Vec::new();
    };
    let src = t.text;
    let mut fixes = Fixes::new(id);
    for c in lex(JS, src)
        .iter()
        .filter(|k| k.kind == Kind::Comment && src[k.start..].starts_with("//"))
    {
        let body = &src[c.start + 2..c.end];
        let trimmed = body.trim_start();
        let defines = [
            format!("let {name}"),
            format!("const {name}"),
            format!("var {name}"),
            format!("function {name}"),
            format!("{name} ="),
        ]
        .iter()
        .any(|p| trimmed.starts_with(p.as_str()));
        if defines && looks_like_code(trimmed) {
            let end = c.start + 2 + (body.len() - trimmed.len());
            fixes.replace(
                0.55,
                format!("uncomment the declaration of `{name}`"),
                t.file,
                c.start,
                end,
                "",
            );
        }
    }
    fixes.done()
}

// ---------------------------------------------------------------------------------------------
// javascript.test-failure

/// Candidate edits when the program runs but does the wrong thing: the classic slips that
/// still parse (`if (a = b)`, `i == 0;` as a statement, `x => x + 1;` as a statement, `[...x]`
/// around a scalar, `<= a.length`, comparisons with `undefined`, commented-out code).
fn test_failure(id: &str, error: &CodeError, program: &Program) -> Vec<Fix> {
    if program.language != JS || !is_test_or_runtime(error) {
        return Vec::new();
    }
    let mut fixes = Fixes::new(id);
    for (file, src) in editable_sources(program) {
        let before = fixes.list.len();
        lint(&mut fixes, file, src);
        super::syntax::combine_repeated(&mut fixes, before);
    }
    fixes.done()
}

fn lint(fixes: &mut Fixes<'_>, file: &str, src: &str) {
    let tokens = code_tokens(JS, src);
    let pairs = matches(src, &tokens);
    let lines = LineIndex::new(src);
    let text = |k: usize| tokens.get(k).map_or("", |t| t.text(src));
    let line = |k: usize| lines.line_of(tokens[k].start);
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
                        fixes.replace(
                            0.35,
                            format!("compare with `===` on line {}", line(j)),
                            file,
                            tokens[j].start,
                            tokens[j].end,
                            "===",
                        );
                        fixes.replace(
                            0.3,
                            format!("compare with `==` on line {}", line(j)),
                            file,
                            tokens[j].start,
                            tokens[j].end,
                            "==",
                        );
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
                fixes.replace(
                    0.4,
                    format!("assign with `=` on line {}", line(k)),
                    file,
                    tk.start,
                    tk.end,
                    "=",
                );
            }
        }
        // `count => count + 1;` as a statement.
        if word == "=>"
            && k >= 1
            && tokens[k - 1].kind == Kind::Ident
            && (k < 2 || matches!(text(k - 2), ";" | "{" | "}") || line(k - 2) != line(k))
        {
            fixes.replace(
                0.35,
                format!("assign with `=` instead of `=>` on line {}", line(k)),
                file,
                tk.start,
                tk.end,
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
                        0.3,
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
            fixes.replace(
                0.3,
                format!("stop before `.length` on line {}", line(k)),
                file,
                tk.start,
                tk.end,
                "<",
            );
        }
        // Arithmetic or comparison with `undefined`.
        if word == "undefined"
            && k >= 1
            && tokens[k - 1].kind == Kind::Punct
            && !matches!(text(k - 1), "=" | "," | "return" | "(" | "?" | ":")
        {
            fixes.replace(
                0.3,
                format!("use `0` instead of `undefined` on line {}", line(k)),
                file,
                tk.start,
                tk.end,
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
                        0.2,
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
                    0.25,
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
                0.25,
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
fn stmt_start_of_for(tokens: &[Token], src: &str, k: usize) -> bool {
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

#[cfg(test)]
mod tests {
    use super::super::syntax::tests::{err, program, results};
    use super::*;

    fn run(
        f: fn(&str, &CodeError, &Program) -> Vec<Fix>,
        text: &str,
        e: &CodeError,
    ) -> Vec<String> {
        let p = program(JS, "main.js", text);
        let mut fixes = f("t", e, &p);
        fixes.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
        results(&fixes, text)
    }

    fn reference(name: &str, line: u32, col: u32) -> CodeError {
        err(
            ErrorType::UndefinedVariable,
            "ReferenceError",
            &format!("{name} is not defined"),
            "main.js",
            line,
            col,
        )
    }

    #[test]
    fn tables_match_the_live_node() {
        let node = std::path::Path::new("/usr/bin/node");
        if !node.exists() {
            eprintln!("skipped: /usr/bin/node is not installed");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let root = env!("CARGO_MANIFEST_DIR");
        let status = std::process::Command::new(node)
            .arg(format!("{root}/scripts/gen-node-builtins.js"))
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(status.success());
        for name in ["javascript_node_builtins.txt", "javascript_members.txt"] {
            let live = std::fs::read_to_string(dir.path().join(name)).unwrap();
            let committed =
                std::fs::read_to_string(format!("{root}/src/fix/tables/{name}")).unwrap();
            assert!(
                live == committed,
                "src/fix/tables/{name} is stale: re-run scripts/gen-node-builtins.js"
            );
        }
        assert!(tables().builtins.contains("fs"));
        assert!(members_of("Math").unwrap().contains(&"floor"));
        assert!(members_of("String.prototype")
            .unwrap()
            .contains(&"toUpperCase"));
    }

    #[test]
    fn scope_scan_finds_declared_names() {
        let text = "function f(num, word1, word2) {\n    let sum = 0, k;\n    for (let i = 0; i < 3; i++) {\n        sum += i;\n    }\n    return number + word3 + i;\n}\n";
        let tokens = code_tokens(JS, text);
        let decls = declarations(text, &tokens);
        let at = text.find("number").unwrap();
        let names: Vec<&str> = visible(&decls, at)
            .iter()
            .map(|d| d.name.as_str())
            .collect();
        assert_eq!(names, ["f", "num", "word1", "word2", "sum", "k"]);
        assert_eq!(
            run(undefined_name, text, &reference("number", 6, 12))[0],
            text.replace("number +", "num +")
        );
        let out = run(undefined_name, text, &reference("word3", 6, 21));
        assert_eq!(
            out[..2],
            [
                text.replace("word3", "word1"),
                text.replace("word3", "word2")
            ]
        );
    }

    #[test]
    fn loop_variables_and_called_values() {
        let text = "function f(a, k) {\n    let p = 1, q = 0;\n    for (q = k - 1; q > p; q--) {\n        if (a[q] !== a[x - 1]) break;\n    }\n    return q;\n}\n";
        assert_eq!(
            run(undefined_name, text, &reference("x", 4, 25))[0],
            text.replace("a[x - 1]", "a[q - 1]")
        );
        let text = "function f(text) {\n    let shiftedText = '';\n    return shiftText();\n}\n";
        assert_eq!(
            run(undefined_name, text, &reference("shiftText", 3, 12))[0],
            "function f(text) {\n    let shiftedText = '';\n    return shiftedText;\n}\n"
        );
        let text = "function f(a, b) {\n    return `${a},${char.toUpperCase()}`;\n}\nfunction g(char_value) { return char_value; }\n";
        let e = reference("char", 2, 20);
        // `char_value` is not in scope inside `f`.
        assert!(run(undefined_name, text, &e)
            .iter()
            .all(|r| !r.contains("${char_value")));
        let text = "function f(integer_value, char_value) {\n    return `${integer_value},${char.toUpperCase()}`;\n}\n";
        assert_eq!(
            run(undefined_name, text, &reference("char", 2, 34))[0],
            text.replace("${char.", "${char_value.")
        );
        let text = "function f(n, m) {\n    const MOD = 1000003;\n    return (n * m) % modal;\n}\n";
        assert_eq!(
            run(undefined_name, text, &reference("modal", 3, 22))[0],
            text.replace("modal", "MOD")
        );
    }

    #[test]
    fn requires_and_slips() {
        let text = "'use strict';\nconst path = require('path');\n\nfunction f(p) { return fs.readFileSync(p); }\n";
        assert_eq!(run(missing_require, text, &reference("fs", 4, 24)), ["'use strict';\nconst path = require('path');\nconst fs = require('fs');\n\nfunction f(p) { return fs.readFileSync(p); }\n"]);
        let text = "function f(x) { return True && len(x) > abs(x[0]); }\n";
        assert_eq!(
            run(undefined_name, text, &reference("True", 1, 24))[0],
            "function f(x) { return true && len(x) > abs(x[0]); }\n"
        );
        assert_eq!(
            run(undefined_name, text, &reference("len", 1, 32))[0],
            "function f(x) { return True && x.length > abs(x[0]); }\n"
        );
        assert_eq!(
            run(undefined_name, text, &reference("abs", 1, 41))[0],
            "function f(x) { return True && len(x) > Math.abs(x[0]); }\n"
        );
        let text = "function f() {\n    total = 0;\n    return total;\n}\n";
        assert_eq!(
            run(undefined_name, text, &reference("total", 2, 5))[0],
            "function f() {\n    let total = 0;\n    return total;\n}\n"
        );
    }

    #[test]
    fn members_of_standard_objects() {
        let e = |m: &str| {
            err(
                ErrorType::UndefinedVariable,
                "TypeError",
                m,
                "main.js",
                1,
                20,
            )
        };
        let text = "function f(x) { return Math.flor(x) + x.length() + x.contains(1); }\n";
        assert_eq!(
            run(member, text, &e("Math.flor is not a function"))[0],
            text.replace("flor", "floor")
        );
        assert_eq!(
            run(member, text, &e("x.length is not a function"))[0],
            text.replace("x.length()", "x.length")
        );
        assert_eq!(
            run(member, text, &e("x.contains is not a function"))[0],
            text.replace("contains", "includes")
        );
        let text = "function f(ans) {\n    return ans.someUndefinedMethod();\n}\n";
        let e2 = err(
            ErrorType::UndefinedVariable,
            "TypeError",
            "ans.someUndefinedMethod is not a function",
            "main.js",
            2,
            16,
        );
        assert_eq!(
            run(member, text, &e2),
            ["function f(ans) {\n    return ans;\n}\n"]
        );
    }

    #[test]
    fn const_new_and_operators() {
        let text = "function f() {\n    const n = 1;\n    n += 2;\n    return n;\n}\n";
        let e = err(
            ErrorType::TypeMismatch,
            "TypeError",
            "Assignment to constant variable.",
            "main.js",
            3,
            7,
        );
        assert_eq!(
            run(const_assignment, text, &e),
            [text.replace("const", "let")]
        );
        let text = "class A {}\nconst a = A();\n";
        let e = err(
            ErrorType::TypeMismatch,
            "TypeError",
            "Class constructor A cannot be invoked without 'new'",
            "main.js",
            2,
            11,
        );
        assert_eq!(
            run(missing_new, text, &e),
            ["class A {}\nconst a = new A();\n"]
        );
        let syn = |m: &str, line, col| {
            err(
                ErrorType::SyntaxError,
                "SyntaxError",
                m,
                "main.js",
                line,
                col,
            )
        };
        let text = "function f(a, b) {\n    return { a => b };\n}\n";
        assert_eq!(
            run(operators, text, &syn("Unexpected token '=>'", 2, 16))[0],
            text.replace("a => b", "a , b")
        );
        let text = "function f(a) {\n    if (g(a) => 1) {\n        return 1;\n    }\n    return -1 => \"no\";\n}\n";
        assert_eq!(
            run(
                operators,
                text,
                &syn("Malformed arrow function parameter list", 2, 9)
            )[0],
            text.replace("g(a) => 1", "g(a) >= 1")
        );
        assert_eq!(
            run(
                operators,
                text,
                &syn("Malformed arrow function parameter list", 5, 12)
            )[0],
            text.replace("-1 => \"no\"", "-1")
        );
        let text = "function f(a, i) {\n    return a[...a[i - 1]];\n}\n";
        assert_eq!(
            run(operators, text, &syn("Unexpected token '...'", 2, 14)),
            [text.replace("...", "")]
        );
    }

    #[test]
    fn commented_out_declarations_and_test_failure_lints() {
        let text = "function f(n) {\n    // let total = n * 2;\n    return total;\n}\n";
        assert_eq!(
            run(uncomment, text, &reference("total", 3, 12)),
            ["function f(n) {\n    let total = n * 2;\n    return total;\n}\n"]
        );
        let tf = CodeError::new(ErrorType::TestFailure, "Assertion failed").with_code("Error");
        let text = "function f(n) {\n    let i;\n    for (i == 2; i <= n; ++i) {}\n    if (n = 2) { return 1; }\n    i => i + 1;\n    return [...((n > 1) ? 'A' : 'B')];\n}\n";
        let out = run(test_failure, text, &tf);
        assert!(out.contains(&text.replace("i == 2", "i = 2")));
        assert!(out.contains(&text.replace("n = 2", "n === 2")));
        assert!(out.contains(&text.replace("i => i + 1", "i = i + 1")));
        assert!(out.contains(&text.replace("[...((n > 1) ? 'A' : 'B')]", "((n > 1) ? 'A' : 'B')")));
        let text = "function f(n) {\n    let i;\n    for (i == 2; i <= n; ++i) {}\n    for (i == 3; i <= n; ++i) {}\n}\n";
        assert_eq!(run(test_failure, text, &tf)[0], text.replace("==", "="));
        let text = "function f(x) {\n    let n = 0;\n    for (let i = 0; i <= x.length; i++) { n += x[i] % 4 !== undefined; }\n    return n;\n}\n";
        let out = run(test_failure, text, &tf);
        assert!(out.contains(&text.replace("i <= x", "i < x")));
        assert!(out.contains(&text.replace("!== undefined", "!== 0")));
        let text = "function f(w, q) {\n    for (let j = 0; j < 2; j++) {\n        w[j][q[j] & 1];\n    }\n}\n";
        assert_eq!(run(test_failure, text, &tf), [text.replace("1];", "1]++;")]);
    }
}
