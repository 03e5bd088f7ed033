//! Python-specific repairs: indentation, missing imports (from tables generated from the
//! interpreter), misspelt modules and attributes, slips from other languages, commented-out
//! definitions, and a few candidate edits for failing tests.
//!
//! The tables in `src/fix/tables/python_*.txt` come from `scripts/gen-python-stdlib.py`; a test
//! below re-runs it against /usr/bin/python3 and checks they still match.

use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};

use super::syntax::{
    balanced, closest, code_tokens, edit, editable_sources, indent_of, indent_width, is_assignment,
    is_syntax, lex, matching_close, message, precedence, quoted, target, token_at, Fixes,
    FnStrategy, Kind, LineIndex, Target, Token,
};
use crate::fix::{Fix, FixStrategy};
use crate::program::Program;
use crate::types::{CodeError, ErrorType, TargetLanguage};

const PY: TargetLanguage = TargetLanguage::Python;

pub fn strategies() -> Vec<Arc<dyn FixStrategy>> {
    vec![
        FnStrategy::arc("python.indentation", indentation),
        FnStrategy::arc("python.missing-import", missing_import),
        FnStrategy::arc("python.module-name", module_name),
        FnStrategy::arc("python.attribute", attribute),
        FnStrategy::arc("python.undefined-name", undefined_name),
        FnStrategy::arc("python.uncomment", uncomment),
        FnStrategy::arc("python.missing-argument", missing_argument),
        FnStrategy::arc("python.test-failure", test_failure),
        FnStrategy::arc("python.type-conversion", type_conversion),
    ]
}

// ---------------------------------------------------------------------------------------------
// Tables.

struct Tables {
    stdlib: BTreeSet<&'static str>,
    /// Curated modules and their public names, in the generator's (preference) order.
    modules: Vec<(&'static str, Vec<&'static str>)>,
    /// Builtin types and their attributes.
    types: Vec<(&'static str, Vec<&'static str>)>,
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let rows = |text: &'static str| {
            text.lines()
                .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        };
        let stdlib = rows(include_str!("../tables/python_stdlib.txt"))
            .map(str::trim)
            .collect();
        let mut modules = Vec::new();
        let mut types = Vec::new();
        for line in rows(include_str!("../tables/python_members.txt")) {
            let mut words = line.split_whitespace();
            let (Some(kind), Some(name)) = (words.next(), words.next()) else {
                continue;
            };
            let members: Vec<&str> = words.collect();
            match kind {
                "module" => modules.push((name, members)),
                "type" => types.push((name, members)),
                _ => {}
            }
        }
        Tables {
            stdlib,
            modules,
            types,
        }
    })
}

fn module_members(module: &str) -> Option<&'static [&'static str]> {
    tables()
        .modules
        .iter()
        .find(|(m, _)| *m == module)
        .map(|(_, v)| v.as_slice())
}

fn is_builtin(name: &str) -> bool {
    module_members("builtins").is_some_and(|m| m.contains(&name))
}

/// Modules (other than builtins) that export `name`, most commonly wanted first.
fn modules_exporting(name: &str) -> Vec<&'static str> {
    let mut found: Vec<&str> = tables()
        .modules
        .iter()
        .filter(|(m, members)| *m != "builtins" && members.contains(&name))
        .map(|(m, _)| *m)
        .collect();
    // `typing` re-exports nothing useful for capitalised generics, but its names are the ones
    // people forget; `collections.abc` style duplicates go last.
    let preferred = [
        "typing",
        "math",
        "collections",
        "itertools",
        "functools",
        "heapq",
        "bisect",
        "random",
        "datetime",
        "string",
        "re",
    ];
    found.sort_by_key(|m| {
        preferred
            .iter()
            .position(|p| p == m)
            .unwrap_or(preferred.len())
    });
    found
}

// ---------------------------------------------------------------------------------------------
// Helpers.

fn is_name_error(error: &CodeError) -> bool {
    error.error_type == ErrorType::UndefinedVariable
        || error.code.as_deref() == Some("NameError")
        || message(error).contains("is not defined")
}

/// The undefined name of a NameError (`name 'x' is not defined`).
fn undefined(error: &CodeError) -> Option<String> {
    let msg = message(error);
    let name = msg
        .strip_prefix("name ")
        .and_then(quoted)
        .or_else(|| quoted(msg))?;
    is_identifier(name).then(|| name.to_string())
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

/// Byte range of the identifier `name` at or nearest the error position on its line.
fn name_at(t: &Target<'_>, name: &str) -> Option<(usize, usize)> {
    let (ls, le) = t.lines.range(t.text, t.line);
    let tokens = code_tokens(PY, t.text);
    tokens
        .iter()
        .filter(|k| k.kind == Kind::Ident && k.start >= ls && k.end <= le && k.text(t.text) == name)
        .min_by_key(|k| k.start.abs_diff(t.offset))
        .map(|k| (k.start, k.end))
}

/// Where a new top-level import goes: after the docstring, `__future__` imports and the
/// existing import block at the head of the file.
fn import_offset(src: &str) -> usize {
    let tokens = lex(PY, src);
    let lines = LineIndex::new(src);
    let mut offset = 0;
    let mut i = 0;
    // A module docstring.
    while i < tokens.len() && tokens[i].kind == Kind::Comment {
        i += 1;
    }
    if tokens.get(i).is_some_and(|t| t.kind == Kind::Str) {
        offset = line_after(src, &lines, tokens[i].end);
        i += 1;
    }
    let mut line = 0;
    for t in &tokens[i..] {
        let l = lines.line_of(t.start);
        if l == line || t.kind == Kind::Comment {
            continue;
        }
        line = l;
        let (ls, _) = lines.range(src, l);
        if t.start != ls {
            // Indented: part of the previous statement (a parenthesised import list).
            continue;
        }
        match t.text(src) {
            "import" | "from" => {
                offset = line_after(src, &lines, statement_end(src, &tokens, t.start))
            }
            _ => break,
        }
    }
    offset
}

/// Offset of the start of the line after the one holding `offset`.
fn line_after(src: &str, lines: &LineIndex, offset: usize) -> usize {
    let (_, le) = lines.range(src, lines.line_of(offset));
    src[le..].find('\n').map_or(src.len(), |k| le + k + 1)
}

/// End of the (possibly parenthesised) statement starting at `start`.
fn statement_end(src: &str, tokens: &[Token], start: usize) -> usize {
    let mut depth = 0i32;
    let lines = LineIndex::new(src);
    let first_line = lines.line_of(start);
    let mut end = start;
    for t in tokens.iter().filter(|t| t.start >= start) {
        if depth == 0 && lines.line_of(t.start) != first_line && t.kind != Kind::Comment {
            break;
        }
        match t.kind {
            Kind::Open => depth += 1,
            Kind::Close => depth -= 1,
            _ => {}
        }
        end = t.end;
    }
    end
}

fn import_fix(fixes: &mut Fixes<'_>, conf: f64, file: &str, src: &str, line: &str) {
    let at = import_offset(src);
    let mut text = format!("{line}\n");
    if at == src.len() && !src.is_empty() && !src.ends_with('\n') {
        text.insert(0, '\n');
    }
    fixes.push(
        conf,
        format!("add `{line}`"),
        vec![edit(file, at, at, &text)],
    );
}

/// Whether the name at `end` is called: `name(`.
fn is_called(src: &str, end: usize) -> bool {
    src[end..].trim_start_matches([' ', '\t']).starts_with('(')
}

// ---------------------------------------------------------------------------------------------
// python.indentation

fn indentation(id: &str, error: &CodeError, program: &Program) -> Vec<Fix> {
    if program.language != PY {
        return Vec::new();
    }
    let msg = message(error);
    let code = error.code.as_deref().unwrap_or("");
    let tab = code == "TabError" || msg.contains("inconsistent use of tabs");
    if !(code == "IndentationError" || tab || msg.contains("indent")) {
        return Vec::new();
    }
    let Some(t) = target(error, program) else {
        return Vec::new();
    };
    let mut fixes = Fixes::new(id);
    let src = t.text;
    if tab {
        for width in [4usize, 8] {
            let fixed = expand_leading_tabs(src, width);
            if fixed != src {
                fixes.replace(
                    if width == 4 { 0.55 } else { 0.45 },
                    format!("indent with spaces (a tab as {width})"),
                    t.file,
                    0,
                    src.len(),
                    &fixed,
                );
            }
        }
        return fixes.done();
    }
    let unit = indent_unit(src);
    let lines = &t.lines;
    let line = t.line;
    let (ls, _) = lines.range(src, line);
    let cur = indent_of(src, lines, line);
    let prev = (1..line).rev().find(|&l| is_code_line(src, lines, l));
    if msg.contains("expected an indented block") {
        // The header is on the named line or the previous code line; its body goes one level in.
        let header = header_line(msg)
            .or(prev)
            .unwrap_or(line.saturating_sub(1).max(1));
        let want = format!("{}{unit}", indent_of(src, lines, header));
        if indent_width(&cur) < indent_width(&want) {
            fixes.replace(
                0.6,
                format!("indent line {line} into the block"),
                t.file,
                ls,
                ls + cur.len(),
                &want,
            );
            // The whole run of lines at the same indentation, when the block had several.
            let mut edits = Vec::new();
            for l in line..=lines.count() {
                if !is_code_line(src, lines, l) {
                    continue;
                }
                let ind = indent_of(src, lines, l);
                if indent_width(&ind) < indent_width(&cur) || (l > line && ind != cur) {
                    break;
                }
                let (s, _) = lines.range(src, l);
                edits.push(edit(t.file, s, s + ind.len(), &want));
            }
            if edits.len() > 1 {
                fixes.push(0.45, format!("indent lines {line}.. into the block"), edits);
            }
        }
        // A header with nothing to put in it.
        let (_, he) = lines.range(src, header);
        fixes.push(
            0.3,
            format!("give the block on line {header} a `pass` body"),
            vec![edit(t.file, he, he, &format!("\n{want}pass"))],
        );
    } else if msg.contains("unexpected indent") {
        let levels = enclosing_levels(src, lines, line);
        if let Some(p) = prev {
            let want = indent_of(src, lines, p);
            fixes.replace(
                0.55,
                format!("dedent line {line} to the previous line's level"),
                t.file,
                ls,
                ls + cur.len(),
                &want,
            );
            // The following lines that share the wrong indentation move with it.
            let mut edits = Vec::new();
            for l in line..=lines.count() {
                if !is_code_line(src, lines, l) {
                    continue;
                }
                let ind = indent_of(src, lines, l);
                if indent_width(&ind) < indent_width(&cur) {
                    break;
                }
                let (s, _) = lines.range(src, l);
                let keep = &ind[cur.len().min(ind.len())..];
                edits.push(edit(t.file, s, s + ind.len(), &format!("{want}{keep}")));
            }
            if edits.len() > 1 {
                fixes.push(
                    0.45,
                    format!("dedent the block starting at line {line}"),
                    edits,
                );
            }
        }
        for level in levels.iter().rev().take(2) {
            fixes.replace(
                0.35,
                format!("dedent line {line}"),
                t.file,
                ls,
                ls + cur.len(),
                level,
            );
        }
    } else if msg.contains("unindent does not match") || msg.contains("does not match any outer") {
        let levels = enclosing_levels(src, lines, line);
        let width = indent_width(&cur);
        let mut ranked: Vec<&String> = levels.iter().collect();
        // An unindent goes left: levels below the current width first, nearest first.
        ranked.sort_by_key(|l| {
            (
                indent_width(l) > width,
                indent_width(l).abs_diff(width),
                usize::MAX - indent_width(l),
            )
        });
        for (k, level) in ranked.into_iter().take(2).enumerate() {
            fixes.replace(
                0.55 - 0.15 * k as f64,
                format!("align line {line} with the enclosing block"),
                t.file,
                ls,
                ls + cur.len(),
                level,
            );
        }
    }
    fixes.done()
}

fn header_line(msg: &str) -> Option<usize> {
    let rest = &msg[msg.find("on line ")? + "on line ".len()..];
    rest.split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

fn is_code_line(src: &str, lines: &LineIndex, line: usize) -> bool {
    let (s, e) = lines.range(src, line);
    let body = src[s..e].trim();
    !body.is_empty() && !body.starts_with('#')
}

/// The indentation levels open at `line`: each previous code line less indented than the
/// levels after it.
fn enclosing_levels(src: &str, lines: &LineIndex, line: usize) -> Vec<String> {
    let mut levels: Vec<String> = Vec::new();
    let mut min = usize::MAX;
    for l in (1..line).rev() {
        if !is_code_line(src, lines, l) {
            continue;
        }
        let ind = indent_of(src, lines, l);
        let w = indent_width(&ind);
        if w < min {
            min = w;
            levels.push(ind);
        }
        if w == 0 {
            break;
        }
    }
    levels.reverse();
    levels
}

/// The file's indentation step (the most common increase between code lines), or 4 spaces.
fn indent_unit(src: &str) -> String {
    let lines = LineIndex::new(src);
    let mut counts = std::collections::BTreeMap::new();
    let mut last: Option<String> = None;
    for l in 1..=lines.count() {
        if !is_code_line(src, &lines, l) {
            continue;
        }
        let ind = indent_of(src, &lines, l);
        if let Some(prev) = &last {
            if ind.len() > prev.len() && ind.starts_with(prev.as_str()) {
                *counts
                    .entry(ind[prev.len()..].to_string())
                    .or_insert(0usize) += 1;
            }
        }
        last = Some(ind);
    }
    counts
        .into_iter()
        .max_by_key(|(unit, n)| (*n, unit.len()))
        .map_or_else(|| "    ".to_string(), |(unit, _)| unit)
}

fn expand_leading_tabs(src: &str, width: usize) -> String {
    let mut out = String::with_capacity(src.len());
    for line in src.split_inclusive('\n') {
        let body = line.trim_start_matches([' ', '\t']);
        let lead = &line[..line.len() - body.len()];
        let mut col = 0;
        for c in lead.chars() {
            col = if c == '\t' {
                (col / width + 1) * width
            } else {
                col + 1
            };
        }
        out.push_str(&" ".repeat(col));
        out.push_str(body);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// python.missing-import

fn missing_import(id: &str, error: &CodeError, program: &Program) -> Vec<Fix> {
    if program.language != PY || !is_name_error(error) {
        return Vec::new();
    }
    let Some(name) = undefined(error) else {
        return Vec::new();
    };
    let Some(t) = target(error, program) else {
        return Vec::new();
    };
    let mut fixes = Fixes::new(id);
    let called = name_at(&t, &name).is_some_and(|(_, e)| is_called(t.text, e));
    if tables().stdlib.contains(name.as_str()) {
        // A module is never called; `string(x)` wants `str(x)`, not `import string`.
        import_fix(
            &mut fixes,
            if called { 0.3 } else { 0.65 },
            t.file,
            t.text,
            &format!("import {name}"),
        );
    }
    for (k, module) in modules_exporting(&name).into_iter().take(3).enumerate() {
        let conf = 0.6 - 0.1 * k as f64;
        import_fix(
            &mut fixes,
            conf,
            t.file,
            t.text,
            &format!("from {module} import {name}"),
        );
        // The module may be imported already: qualify the name instead.
        let imported = t
            .text
            .lines()
            .any(|l| l.trim() == format!("import {module}"));
        if imported {
            if let Some((s, e)) = name_at(&t, &name) {
                fixes.replace(
                    conf + 0.05,
                    format!("use `{module}.{name}`"),
                    t.file,
                    s,
                    e,
                    &format!("{module}.{name}"),
                );
            }
        }
    }
    fixes.done()
}

// ---------------------------------------------------------------------------------------------
// python.module-name

fn module_name(id: &str, error: &CodeError, program: &Program) -> Vec<Fix> {
    if program.language != PY {
        return Vec::new();
    }
    let msg = message(error);
    let mut fixes = Fixes::new(id);
    let Some(t) = target(error, program) else {
        return Vec::new();
    };
    let tokens = code_tokens(PY, t.text);
    let (ls, le) = t.lines.range(t.text, t.line);
    let on_line = |word: &str| {
        tokens
            .iter()
            .find(|k| k.start >= ls && k.end <= le && k.text(t.text) == word)
            .copied()
    };
    if let Some(rest) = msg.strip_prefix("No module named ") {
        let Some(missing) = quoted(rest) else {
            return Vec::new();
        };
        let top = missing.split('.').next().unwrap_or(missing);
        if tables().stdlib.contains(top) {
            return Vec::new();
        }
        let Some(tok) = on_line(top) else {
            return Vec::new();
        };
        for (k, (candidate, score)) in closest(top, tables().stdlib.iter().copied(), 0.6)
            .into_iter()
            .take(3)
            .enumerate()
        {
            fixes.replace(
                0.3 + 0.4 * score - 0.05 * k as f64,
                format!("import the standard module `{candidate}`"),
                t.file,
                tok.start,
                tok.end,
                candidate,
            );
        }
    } else if msg.starts_with("cannot import name ") {
        // `cannot import name 'X' from 'M' (...)`
        let mut parts = msg.split('\'');
        let (Some(name), Some(module)) = (parts.nth(1), parts.nth(1)) else {
            return Vec::new();
        };
        let Some(tok) = on_line(name) else {
            return Vec::new();
        };
        if let Some(members) = module_members(module) {
            for (k, (candidate, score)) in closest(name, members.iter().copied(), 0.5)
                .into_iter()
                .take(3)
                .enumerate()
            {
                fixes.replace(
                    0.3 + 0.4 * score - 0.05 * k as f64,
                    format!("import `{candidate}` from `{module}`"),
                    t.file,
                    tok.start,
                    tok.end,
                    candidate,
                );
            }
        }
        if let Some(mtok) = on_line(module) {
            for other in modules_exporting(name).into_iter().take(2) {
                fixes.replace(
                    0.5,
                    format!("import `{name}` from `{other}`"),
                    t.file,
                    mtok.start,
                    mtok.end,
                    other,
                );
            }
        }
    }
    fixes.done()
}

// ---------------------------------------------------------------------------------------------
// python.attribute

/// Methods other languages have under another name: (wrong, right) — `right` is a method name,
/// or `len()` for the builtin function.
const ATTRIBUTE_SLIPS: &[(&str, &str)] = &[
    ("push", "append"),
    ("add", "append"),
    ("length", "len()"),
    ("size", "len()"),
    ("len", "len()"),
    ("count", "len()"),
    ("toUpperCase", "upper"),
    ("toLowerCase", "lower"),
    ("toUpper", "upper"),
    ("toLower", "lower"),
    ("uppercase", "upper"),
    ("lowercase", "lower"),
    ("trim", "strip"),
    ("trimStart", "lstrip"),
    ("trimEnd", "rstrip"),
    ("indexOf", "index"),
    ("contains", "__contains__"),
    ("includes", "__contains__"),
    ("startsWith", "startswith"),
    ("endsWith", "endswith"),
    ("substring", "__getitem__"),
    ("charAt", "__getitem__"),
    ("remove_at", "pop"),
    ("shift", "pop"),
    ("keySet", "keys"),
    ("has_key", "__contains__"),
    ("isEmpty", "len()"),
    ("forEach", "__iter__"),
    ("equals", "__eq__"),
    ("toString", "__str__"),
    ("splitlines", "splitlines"),
];

fn attribute(id: &str, error: &CodeError, program: &Program) -> Vec<Fix> {
    if program.language != PY {
        return Vec::new();
    }
    let msg = message(error);
    if !msg.contains("has no attribute") {
        return Vec::new();
    }
    let Some(t) = target(error, program) else {
        return Vec::new();
    };
    // `'str' object has no attribute 'x'` / `module 'math' has no attribute 'x'`
    let mut parts = msg.split('\'');
    let (Some(owner), Some(attr)) = (parts.nth(1), parts.nth(1)) else {
        return Vec::new();
    };
    let module = msg.starts_with("module ");
    let src = t.text;
    let tokens = code_tokens(PY, src);
    let (ls, le) = t.lines.range(src, t.line);
    let Some(k) = (0..tokens.len())
        .filter(|&k| tokens[k].start >= ls && tokens[k].end <= le)
        .find(|&k| tokens[k].text(src) == attr && k > 0 && tokens[k - 1].text(src) == ".")
    else {
        return Vec::new();
    };
    let tok = tokens[k];
    let mut fixes = Fixes::new(id);
    let members: Vec<&str> = if module {
        module_members(owner)
            .map(|m| m.to_vec())
            .unwrap_or_default()
    } else {
        tables()
            .types
            .iter()
            .find(|(n, _)| *n == owner)
            .map(|(_, m)| m.clone())
            .unwrap_or_default()
    };
    for (wrong, right) in ATTRIBUTE_SLIPS {
        // The slip itself or a typo of it (`lenght`).
        if module || (*wrong != attr && super::syntax::name_similarity(attr, wrong) < 0.75) {
            continue;
        }
        match *right {
            "len()" => {
                // `x.length` / `x.size()` → `len(x)`.
                if let Some(start) = receiver_start(src, &tokens, k - 1) {
                    let mut end = tok.end;
                    if src[end..].starts_with("()") {
                        end += 2;
                    }
                    let recv = &src[start..tokens[k - 1].start];
                    let text = if *wrong == "isEmpty" {
                        format!("len({recv}) == 0")
                    } else {
                        format!("len({recv})")
                    };
                    fixes.replace(0.6, format!("use `len({recv})`"), t.file, start, end, &text);
                }
            }
            "__contains__" | "__getitem__" | "__iter__" | "__eq__" | "__str__" => {}
            m if members.is_empty() || members.contains(&m) => {
                fixes.replace(
                    0.6,
                    format!("use `.{m}`, the Python name for `.{attr}`"),
                    t.file,
                    tok.start,
                    tok.end,
                    m,
                );
            }
            _ => {}
        }
    }
    for (n, (candidate, score)) in closest(attr, members.iter().copied(), 0.5)
        .into_iter()
        .take(3)
        .enumerate()
    {
        fixes.replace(
            0.25 + 0.45 * score - 0.05 * n as f64,
            format!("use the attribute `{candidate}` of `{owner}`"),
            t.file,
            tok.start,
            tok.end,
            candidate,
        );
    }
    fixes.done()
}

/// Start of the receiver expression ending just before token `dot`: a name followed by any
/// number of `.name`, `(...)` and `[...]`.
fn receiver_start(src: &str, tokens: &[Token], dot: usize) -> Option<usize> {
    let mut k = dot.checked_sub(1)?;
    loop {
        let t = tokens[k];
        match t.kind {
            Kind::Close => {
                let mut depth = 0;
                loop {
                    match tokens[k].kind {
                        Kind::Close => depth += 1,
                        Kind::Open => depth -= 1,
                        _ => {}
                    }
                    if depth == 0 {
                        break;
                    }
                    k = k.checked_sub(1)?;
                }
                k = k.checked_sub(1)?;
                if tokens[k].kind != Kind::Ident
                    && tokens[k].kind != Kind::Close
                    && tokens[k].kind != Kind::Str
                {
                    return Some(tokens[k + 1].start);
                }
            }
            Kind::Ident | Kind::Str | Kind::Number => {
                if k >= 2 && tokens[k - 1].text(src) == "." {
                    k -= 2;
                    continue;
                }
                return Some(t.start);
            }
            _ => return None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// python.undefined-name

/// Names from other languages (or misremembered builtins) and what Python calls them.
const NAME_SLIPS: &[(&str, &str)] = &[
    ("true", "True"),
    ("false", "False"),
    ("null", "None"),
    ("nil", "None"),
    ("undefined", "None"),
    ("none", "None"),
    ("this", "self"),
    ("string", "str"),
    ("String", "str"),
    ("integer", "int"),
    ("Integer", "int"),
    ("boolean", "bool"),
    ("Boolean", "bool"),
    ("double", "float"),
    ("Array", "list"),
    ("array", "list"),
    ("length", "len"),
    ("size", "len"),
    ("count", "len"),
    ("strlen", "len"),
    ("println", "print"),
    ("printf", "print"),
    ("echo", "print"),
    ("Math", "math"),
    ("parseInt", "int"),
    ("parseFloat", "float"),
    ("Infinity", "float('inf')"),
    ("NaN", "float('nan')"),
];

/// Conventional constants generated code uses without defining, with common values.
const CONSTANTS: &[(&str, &[&str])] = &[
    ("MOD", &["10**9 + 7", "998244353", "10**6 + 7"]),
    ("MODULO", &["10**9 + 7", "998244353"]),
    ("INF", &["float('inf')", "10**18"]),
    ("INFINITY", &["float('inf')"]),
    ("EPS", &["1e-9", "1e-6"]),
    ("EPSILON", &["1e-9"]),
];

fn undefined_name(id: &str, error: &CodeError, program: &Program) -> Vec<Fix> {
    if program.language != PY || !is_name_error(error) {
        return Vec::new();
    }
    let Some(name) = undefined(error) else {
        return Vec::new();
    };
    let Some(t) = target(error, program) else {
        return Vec::new();
    };
    let Some((start, end)) = name_at(&t, &name) else {
        return Vec::new();
    };
    let src = t.text;
    let mut fixes = Fixes::new(id);
    for (wrong, right) in NAME_SLIPS {
        if *wrong == name {
            fixes.replace(
                0.65,
                format!("use `{right}`, Python's name for `{name}`"),
                t.file,
                start,
                end,
                right,
            );
            if *right == "math" {
                import_fix(&mut fixes, 0.4, t.file, src, "import math");
            }
        }
    }
    // `get_len` → `len`, `my_sum` → `sum`: a builtin wrapped in a prefix.
    for part in name.split('_').filter(|p| p.len() >= 3) {
        if part != name && is_builtin(part) {
            fixes.replace(
                0.5,
                format!("use the builtin `{part}`"),
                t.file,
                start,
                end,
                part,
            );
        }
    }
    // Builtins that are one slip away (`lenght`, `pritn`).
    let builtins = module_members("builtins").unwrap_or(&[]);
    for (k, (candidate, score)) in closest(
        &name,
        builtins
            .iter()
            .copied()
            .filter(|b| b.chars().next().is_some_and(char::is_lowercase)),
        0.6,
    )
    .into_iter()
    .take(2)
    .enumerate()
    {
        fixes.replace(
            (0.2 + 0.45 * score - 0.05 * k as f64).min(0.55),
            format!("use the builtin `{candidate}`"),
            t.file,
            start,
            end,
            candidate,
        );
    }
    for (constant, values) in CONSTANTS {
        if *constant != name {
            continue;
        }
        // Defined once at module level, before the first use.
        let at = import_offset(src);
        for (k, value) in values.iter().enumerate() {
            fixes.push(
                0.3 - 0.05 * k as f64,
                format!("define `{name} = {value}`"),
                vec![edit(t.file, at, at, &format!("{name} = {value}\n"))],
            );
        }
    }
    fixes.done()
}

// ---------------------------------------------------------------------------------------------
// python.uncomment

/// Whether comment text reads as Python code rather than prose.
fn looks_like_code(text: &str) -> bool {
    let text = text.trim();
    if text.is_empty() || text.ends_with('.') && !text.ends_with("..") {
        return false;
    }
    let toks = code_tokens(PY, text);
    if toks.is_empty() {
        return false;
    }
    let has_op = toks.iter().any(|t| {
        matches!(
            t.text(text),
            "=" | "+="
                | "-="
                | "*="
                | "/="
                | "%="
                | "//="
                | "("
                | "["
                | "return"
                | "import"
                | "yield"
                | "break"
                | "continue"
        )
    });
    // Prose: several bare words in a row.
    let mut run = 0;
    let mut max_run = 0;
    for t in &toks {
        if t.kind == Kind::Ident {
            run += 1;
            max_run = max_run.max(run);
        } else {
            run = 0;
        }
    }
    has_op && max_run <= 2 && balanced(PY, text)
}

/// Comments that define `name`: `# x = 1` (uncomment), `# Store the result x = []` (the code
/// after the prose goes on its own line).
fn uncomment(id: &str, error: &CodeError, program: &Program) -> Vec<Fix> {
    if program.language != PY || !is_name_error(error) {
        return Vec::new();
    }
    let Some(name) = undefined(error) else {
        return Vec::new();
    };
    let Some(t) = target(error, program) else {
        return Vec::new();
    };
    let mut fixes = Fixes::new(id);
    comment_definitions(&mut fixes, t.file, t.text, &name);
    fixes.done()
}

fn comment_definitions(fixes: &mut Fixes<'_>, file: &str, src: &str, name: &str) {
    for tok in lex(PY, src).iter().filter(|k| k.kind == Kind::Comment) {
        let body = tok.text(src).trim_start_matches('#');
        let lead = body.len() - body.trim_start().len();
        let body_start = tok.start + (tok.text(src).len() - body.len()) + lead;
        let code = body.trim();
        // Where `name` is bound in the comment: `name =`, `def name(`, `for name in`, `import name`.
        let bound = code.match_indices(name).find(|(k, _)| {
            let before = &code[..*k];
            let after = code[k + name.len()..].trim_start();
            let boundary = before
                .chars()
                .last()
                .is_none_or(|c| !c.is_alphanumeric() && c != '_')
                && code[k + name.len()..]
                    .chars()
                    .next()
                    .is_none_or(|c| !c.is_alphanumeric() && c != '_');
            boundary
                && ((after.starts_with('=') && !after.starts_with("=="))
                    || before.ends_with("def ")
                    || before.ends_with("import ")
                    || (before.ends_with("for ") && after.starts_with("in "))
                    || after.starts_with(", ") && after.contains('='))
        });
        let Some((k, _)) = bound else {
            continue;
        };
        let stmt_start = statement_start(code, k);
        let stmt = &code[stmt_start..];
        if !looks_like_code(stmt) {
            continue;
        }
        let line_start = src[..tok.start].rfind('\n').map_or(0, |p| p + 1);
        let indent = &src[line_start..tok.start];
        let indent_ok = indent.chars().all(|c| c == ' ' || c == '\t');
        if stmt_start == 0 && indent_ok {
            fixes.replace(
                0.55,
                format!("uncomment the definition of `{name}`"),
                file,
                tok.start,
                body_start,
                "",
            );
        } else if indent_ok {
            // Prose then code: keep the prose as a comment, the code on the next line.
            let at = tok.start + (body_start - tok.start) + stmt_start;
            let prose_end =
                tok.start + (body_start - tok.start) + code[..stmt_start].trim_end().len();
            fixes.push(
                0.5,
                format!("move the definition of `{name}` out of the comment"),
                vec![edit(file, prose_end, at, &format!("\n{indent}"))],
            );
        }
    }
}

/// Start of the statement that binds a name at byte `k` of `code`: back over a `def`/`for`/
/// `import` keyword or a tuple target (`a, b = …`).
fn statement_start(code: &str, k: usize) -> usize {
    let before = &code[..k];
    for kw in ["def ", "for ", "import ", "from "] {
        if let Some(p) = before.rfind(kw) {
            if before[p + kw.len()..].trim().is_empty() || kw == "import " || kw == "from " {
                return p;
            }
        }
    }
    // Tuple targets: `a, b = ...` — walk back over `ident, `.
    let mut start = k;
    let mut rest = before;
    while let Some(stripped) = rest.trim_end().strip_suffix(',') {
        let word_start = stripped
            .trim_end()
            .rfind(|c: char| !c.is_alphanumeric() && c != '_')
            .map_or(0, |p| p + 1);
        if word_start >= stripped.trim_end().len() {
            break;
        }
        start = word_start;
        rest = &stripped[..word_start];
    }
    start
}

// ---------------------------------------------------------------------------------------------
// python.missing-argument

/// `f() missing 1 required positional argument: 'x'` / `heappush expected 2 arguments, got 1`:
/// pass a variable of that name, or one of the names assigned last before the call.
fn missing_argument(id: &str, error: &CodeError, program: &Program) -> Vec<Fix> {
    if program.language != PY {
        return Vec::new();
    }
    let msg = message(error);
    let wanted: Option<&str> = msg
        .split("required positional argument")
        .nth(1)
        .and_then(quoted);
    let counted = msg.contains(" arguments, got ") || msg.contains(" argument, got ");
    if wanted.is_none() && !counted {
        return Vec::new();
    }
    let Some(t) = target(error, program) else {
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
    let Some(close) = super::syntax::matching_close(&tokens, k + 1) else {
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
            0.5
        } else {
            0.3 - 0.03 * n as f64
        };
        fixes.push(
            conf,
            format!("pass `{name}` as the missing argument"),
            vec![edit(t.file, at, at, &format!("{sep}{name}"))],
        );
    }
    fixes.done()
}

// ---------------------------------------------------------------------------------------------
// python.test-failure

fn is_runtime_or_test(error: &CodeError) -> bool {
    !is_syntax(error)
        && !is_name_error(error)
        && !matches!(error.error_type, ErrorType::MissingImport)
}

/// Candidate edits when the program runs but does the wrong thing: commented-out code,
/// a `return` indented into a loop, off-by-one subscripts at an IndexError.
fn test_failure(id: &str, error: &CodeError, program: &Program) -> Vec<Fix> {
    if program.language != PY || !is_runtime_or_test(error) {
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
            slice_fixes(&mut fixes, &t);
        }
    }
    for (file, src) in editable_sources(program) {
        let before = fixes.list.len();
        commented_code(&mut fixes, file, src);
        super::syntax::combine_repeated(&mut fixes, before);
        return_in_loop(&mut fixes, file, src);
    }
    fixes.done()
}

fn commented_code(fixes: &mut Fixes<'_>, file: &str, src: &str) {
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
                0.3,
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
fn return_in_loop(fixes: &mut Fixes<'_>, file: &str, src: &str) {
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
                0.3,
                format!("move the `return` on line {l} out of the loop"),
                file,
                s,
                s + ind.len(),
                &hind,
            );
        }
    }
}

/// Slices on the error line, one bound moved by one: `s[j:i]` → `s[j - 1:i]`, `s[j:i + 1]`.
fn slice_fixes(fixes: &mut Fixes<'_>, t: &Target<'_>) {
    let src = t.text;
    let tokens = code_tokens(PY, src);
    let (ls, le) = t.lines.range(src, t.line);
    for k in 1..tokens.len() {
        let o = tokens[k];
        if o.start < ls || o.end > le || o.text(src) != "[" || !tokens[k - 1].ends_operand(src) {
            continue;
        }
        let Some(close) = super::syntax::matching_close(&tokens, k) else {
            continue;
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
                0.25,
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
                0.25,
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
fn index_fixes(fixes: &mut Fixes<'_>, t: &Target<'_>) {
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
            0.3,
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
                    0.3,
                    format!("loop to `{base}`"),
                    t.file,
                    args_start,
                    fe,
                    base,
                );
            } else if src[fe..].starts_with(',') && !first.is_empty() {
                fixes.replace(
                    0.3,
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

// ---------------------------------------------------------------------------------------------
// python.type-conversion

/// A TypeError that one conversion removes: `"n: " + n` → `"n: " + str(n)`, `range(s)` →
/// `range(int(s))`, `a[n / 2]` → `a[n // 2]`, `len(n)` → `len(str(n))`, `for i in n` →
/// `for i in range(n)`. The operands come from the error's span (Python 3.11+ carets give the
/// failing expression exactly; without them, the whole statement on the line).
fn type_conversion(id: &str, error: &CodeError, program: &Program) -> Vec<Fix> {
    if program.language != PY
        || !(error.error_type == ErrorType::TypeMismatch
            || error.code.as_deref() == Some("TypeError"))
    {
        return Vec::new();
    }
    let Some(t) = target(error, program) else {
        return Vec::new();
    };
    let tokens = code_tokens(PY, t.text);
    let Some((lo, hi)) = error_span(&t, &tokens) else {
        return Vec::new();
    };
    let c = Conversion {
        t: &t,
        tokens: &tokens,
        lo,
        hi,
    };
    let mut fixes = Fixes::new(id);
    let msg = message(error);
    if let Some((seq, other)) = concatenate_types(msg) {
        c.concatenation(&mut fixes, seq, other);
    } else if let Some((op, left, right)) = unsupported_operands(msg) {
        c.mixed_operands(&mut fixes, op, left, right);
    } else if let Some(ty) = msg
        .strip_suffix(" object cannot be interpreted as an integer")
        .and_then(quoted)
    {
        if matches!(ty, "str" | "float") {
            c.integer_arguments(&mut fixes, ty == "float");
        }
    } else if let Some(rest) = msg.strip_prefix("can't multiply sequence by non-int of type ") {
        if let Some(ty @ ("str" | "float")) = quoted(rest) {
            c.sequence_repeat(&mut fixes, ty == "float");
        }
    } else if let Some(ty) = index_type(msg) {
        c.integer_index(&mut fixes, ty);
    } else if let Some(ty) = msg
        .strip_prefix("object of type ")
        .filter(|rest| rest.ends_with(" has no len()"))
        .and_then(quoted)
    {
        if matches!(ty, "int" | "float" | "bool") {
            c.length_of_number(&mut fixes);
        }
    } else if let Some(ty) = msg.strip_suffix(" object is not iterable").and_then(quoted) {
        if ty == "int" {
            c.range_over_number(&mut fixes);
        }
    }
    fixes.done()
}

/// `can only concatenate str (not "int") to str` → (`str`, `int`).
fn concatenate_types(msg: &str) -> Option<(&str, &str)> {
    let rest = msg.strip_prefix("can only concatenate ")?;
    let (seq, rest) = rest.split_once(" (not \"")?;
    let (other, _) = rest.split_once('"')?;
    Some((seq, other))
}

/// `unsupported operand type(s) for +: 'int' and 'str'` → (`+`, `int`, `str`).
fn unsupported_operands(msg: &str) -> Option<(&str, &str, &str)> {
    let rest = msg.strip_prefix("unsupported operand type(s) for ")?;
    let (op, rest) = rest.split_once(": ")?;
    let (left, right) = rest.split_once(" and ")?;
    Some((op, quoted(left)?, quoted(right)?))
}

/// `list indices must be integers or slices, not float` → `float` (3.11 quotes the type for
/// strings: `string indices must be integers, not 'str'`).
fn index_type(msg: &str) -> Option<&str> {
    let (head, ty) = msg.split_once(" indices must be integers")?;
    if !matches!(head, "list" | "tuple" | "string" | "str") {
        return None;
    }
    let ty = ty.rsplit_once("not ")?.1.trim().trim_matches('\'');
    Some(ty)
}

fn is_number_type(ty: &str) -> bool {
    matches!(ty, "int" | "float" | "bool")
}

/// Token range `[lo, hi)` of the expression the error points at: the caret span, else the
/// line's code; continued onto later lines while the expression clearly goes on.
fn error_span(t: &Target<'_>, tokens: &[Token]) -> Option<(usize, usize)> {
    let src = t.text;
    let (ls, le) = t.lines.range(src, t.line);
    let start = t.offset.clamp(ls, le);
    let end = t.end.filter(|&e| e > start).unwrap_or(le).min(le);
    let lo = token_at(tokens, start);
    let mut hi = lo;
    while hi < tokens.len() && tokens[hi].end <= end {
        hi += 1;
    }
    if hi == lo {
        return None;
    }
    let reaches_line_end = tokens.get(hi).is_none_or(|n| n.start >= le);
    let mut depth: i32 = tokens[lo..hi]
        .iter()
        .map(|k| match k.kind {
            Kind::Open => 1,
            Kind::Close => -1,
            _ => 0,
        })
        .sum();
    if reaches_line_end && (depth > 0 || !tokens[hi - 1].ends_operand(src)) {
        // Carets stop at the end of the first line of a multi-line expression.
        while hi < tokens.len() {
            let k = tokens[hi];
            let new_statement = t.lines.line_of(k.start) != t.lines.line_of(tokens[hi - 1].end)
                && tokens[hi - 1].ends_operand(src);
            if depth <= 0 && (k.kind == Kind::Close || new_statement) {
                break;
            }
            match k.kind {
                Kind::Open => depth += 1,
                Kind::Close => depth -= 1,
                _ => {}
            }
            hi += 1;
        }
    }
    Some((lo, hi))
}

/// Whether token `j`, at the operand's own nesting level, ends an operand of an operator of
/// precedence `prec`: separators, assignments, keywords and looser binary operators (and, on
/// the right, equally loose ones: Python's binary operators associate left).
fn ends_operand_at(src: &str, tokens: &[Token], j: usize, prec: u8, left: bool) -> bool {
    let k = tokens[j];
    let text = k.text(src);
    match k.kind {
        Kind::Punct if matches!(text, "," | ":" | ";" | "->" | ":=") || is_assignment(text) => {
            return true
        }
        Kind::Ident
            if matches!(
                text,
                "if" | "else"
                    | "elif"
                    | "for"
                    | "while"
                    | "in"
                    | "is"
                    | "and"
                    | "or"
                    | "not"
                    | "lambda"
                    | "return"
                    | "yield"
                    | "assert"
                    | "del"
                    | "raise"
                    | "from"
                    | "as"
                    | "with"
                    | "import"
            ) =>
        {
            return true
        }
        _ => {}
    }
    let binary = j > 0 && tokens[j - 1].ends_operand(src) && k.kind == Kind::Punct;
    binary && precedence(text).is_some_and(|p| p < prec || (!left && p == prec))
}

/// Token range of the operand right of the operator at `k`, within `..hi`.
fn right_operand(
    src: &str,
    tokens: &[Token],
    k: usize,
    hi: usize,
    prec: u8,
) -> Option<(usize, usize)> {
    let lines = LineIndex::new(src);
    let mut depth = 0i32;
    let mut j = k + 1;
    while j < hi {
        let tok = tokens[j];
        if depth == 0 && j > k + 1 {
            let new_line = lines.line_of(tok.start) != lines.line_of(tokens[j - 1].end);
            if (new_line && tokens[j - 1].ends_operand(src) && tok.kind != Kind::Close)
                || (tok.kind != Kind::Open && ends_operand_at(src, tokens, j, prec, false))
            {
                break;
            }
        }
        match tok.kind {
            Kind::Open => depth += 1,
            Kind::Close if depth == 0 => break,
            Kind::Close => depth -= 1,
            _ => {}
        }
        j += 1;
    }
    (j > k + 1 && depth == 0).then_some((k + 1, j))
}

/// Token range of the operand left of the operator at `k`, within `lo..`.
fn left_operand(
    src: &str,
    tokens: &[Token],
    lo: usize,
    k: usize,
    prec: u8,
) -> Option<(usize, usize)> {
    let mut depth = 0i32;
    let mut j = k;
    while j > lo {
        let tok = tokens[j - 1];
        match tok.kind {
            Kind::Close => depth += 1,
            Kind::Open if depth == 0 => break,
            Kind::Open => depth -= 1,
            _ if depth == 0 && ends_operand_at(src, tokens, j - 1, prec, true) => break,
            _ => {}
        }
        j -= 1;
    }
    (j < k && depth == 0).then_some((j, k))
}

/// The failing binary operator in `lo..hi`: one of `ops`, used as a binary operator, the
/// shallowest and (operators associate left) the last of those.
fn binary_operator(
    src: &str,
    tokens: &[Token],
    lo: usize,
    hi: usize,
    ops: &[&str],
) -> Option<usize> {
    let mut depth = 0i32;
    let mut best: Option<(i32, usize)> = None;
    for j in lo..hi {
        let k = tokens[j];
        match k.kind {
            Kind::Open => depth += 1,
            Kind::Close => depth -= 1,
            Kind::Punct
                if ops.contains(&k.text(src))
                    && j > lo
                    && tokens[j - 1].ends_operand(src)
                    && best.is_none_or(|(d, _)| depth <= d) =>
            {
                best = Some((depth, j));
            }
            _ => {}
        }
    }
    best.map(|(_, j)| j)
}

/// Arguments of the call whose `(` is token `open`: token ranges of each value (after `key=`).
fn call_arguments(src: &str, tokens: &[Token], open: usize, close: usize) -> Vec<(usize, usize)> {
    let mut args = Vec::new();
    let mut depth = 0i32;
    let mut start = open + 1;
    for j in open + 1..=close {
        let k = tokens[j];
        let at_end = j == close;
        if !at_end {
            match k.kind {
                Kind::Open => depth += 1,
                Kind::Close => depth -= 1,
                _ => {}
            }
        }
        if at_end || (depth == 0 && k.text(src) == ",") {
            let mut s = start;
            if s + 1 < j && tokens[s].kind == Kind::Ident && tokens[s + 1].text(src) == "=" {
                s += 2;
            }
            let starred = s < j && matches!(tokens[s].text(src), "*" | "**");
            if s < j && !starred {
                args.push((s, j));
            }
            start = j + 1;
        }
    }
    args
}

/// A token index range `[start, end)`.
type Tokens = (usize, usize);

struct Conversion<'a> {
    t: &'a Target<'a>,
    tokens: &'a [Token],
    lo: usize,
    hi: usize,
}

impl Conversion<'_> {
    fn src(&self) -> &str {
        self.t.text
    }

    fn text(&self, (a, b): (usize, usize)) -> &str {
        &self.t.text[self.tokens[a].start..self.tokens[b - 1].end]
    }

    /// `func(operand)`; a parenthesised operand keeps its parentheses as the call's.
    fn wrapped(&self, (a, b): (usize, usize), func: &str) -> Option<String> {
        let src = self.src();
        let inner = self.text((a, b));
        let call_of = |name: &str| {
            b - a >= 3
                && self.tokens[a].text(src) == name
                && self.tokens[a + 1].text(src) == "("
                && matching_close(self.tokens, a + 1) == Some(b - 1)
        };
        if call_of(func) {
            return None;
        }
        let group = self.tokens[a].text(src) == "("
            && matching_close(self.tokens, a) == Some(b - 1)
            && !self.tokens[a + 1..b - 1]
                .iter()
                .any(|k| matches!(k.text(src), "," | "for"));
        Some(if group {
            format!("{func}{inner}")
        } else {
            format!("{func}({inner})")
        })
    }

    fn wrap(&self, fixes: &mut Fixes<'_>, conf: f64, range: (usize, usize), func: &str) {
        let Some(text) = self.wrapped(range, func) else {
            return;
        };
        let (s, e) = (self.tokens[range.0].start, self.tokens[range.1 - 1].end);
        fixes.replace(
            conf,
            format!("convert `{}` with `{func}(…)`", short(&self.src()[s..e])),
            self.t.file,
            s,
            e,
            &text,
        );
    }

    /// `/` → `//` everywhere in the token range (integer division keeps an int).
    fn floor_division(&self, fixes: &mut Fixes<'_>, conf: f64, (a, b): (usize, usize)) {
        let src = self.src();
        let edits: Vec<_> = self.tokens[a..b]
            .iter()
            .filter(|k| k.kind == Kind::Punct && k.text(src) == "/")
            .map(|k| edit(self.t.file, k.start, k.end, "//"))
            .collect();
        if !edits.is_empty() {
            fixes.push(
                conf,
                format!("divide with `//` in `{}`", short(self.text((a, b)))),
                edits,
            );
        }
    }

    /// The operands of the failing binary operator (one of `ops`); the left one is None for an
    /// augmented assignment, whose target cannot be wrapped.
    fn operands(&self, ops: &[&str]) -> Option<(Option<Tokens>, Tokens)> {
        let src = self.src();
        let k = binary_operator(src, self.tokens, self.lo, self.hi, ops)?;
        let op = self.tokens[k].text(src);
        let augmented = is_assignment(op);
        let prec = if augmented {
            0
        } else {
            precedence(op).unwrap_or(0)
        };
        let right = right_operand(src, self.tokens, k, self.hi, prec)?;
        let left = if augmented {
            None
        } else {
            left_operand(src, self.tokens, self.lo, k, prec)
        };
        Some((left, right))
    }

    /// `str + int`: the right operand (the one that is not a `seq`) becomes one.
    fn concatenation(&self, fixes: &mut Fixes<'_>, seq: &str, other: &str) {
        let Some((_, right)) = self.operands(&["+", "+="]) else {
            return;
        };
        match seq {
            "str" => {
                let conf = if is_number_type(other) { 0.6 } else { 0.35 };
                self.wrap(fixes, conf, right, "str");
            }
            "list" | "tuple" => {
                let iterable = matches!(other, "tuple" | "list" | "range" | "set" | "str")
                    || other.starts_with("dict_");
                if iterable {
                    self.wrap(fixes, 0.5, right, seq);
                } else {
                    let (s, e) = (self.tokens[right.0].start, self.tokens[right.1 - 1].end);
                    let inner = &self.src()[s..e];
                    let text = if seq == "list" {
                        format!("[{inner}]")
                    } else {
                        format!("({inner},)")
                    };
                    fixes.replace(
                        0.45,
                        format!("make `{}` a one-element {seq}", short(inner)),
                        self.t.file,
                        s,
                        e,
                        &text,
                    );
                }
            }
            _ => {}
        }
    }

    /// A number and a str: the str becomes a number, or (for `+`) the number a str.
    fn mixed_operands(&self, fixes: &mut Fixes<'_>, op: &str, left_ty: &str, right_ty: &str) {
        let (str_left, number) = match (left_ty, right_ty) {
            ("str", n) if is_number_type(n) => (true, n),
            (n, "str") if is_number_type(n) => (false, n),
            _ => return,
        };
        let base = op.strip_suffix('=').filter(|b| !b.is_empty()).unwrap_or(op);
        let ops = [base, op];
        let Some((left, right)) = self.operands(&ops) else {
            return;
        };
        let (str_side, number_side) = if str_left {
            (left, Some(right))
        } else {
            (Some(right), left)
        };
        let to_number = if number == "float" { "float" } else { "int" };
        let src = self.src();
        // A literal that does not hold a number cannot become one.
        let literal = str_side.filter(|&(a, b)| b - a == 1 && self.tokens[a].kind == Kind::Str);
        let numeric_literal = literal.is_some_and(|(a, _)| {
            let text = self.tokens[a].text(src);
            let inner = text.trim_matches(|c| c == '"' || c == '\'');
            inner.trim().parse::<f64>().is_ok()
        });
        if let Some(side) = str_side {
            if literal.is_none() || numeric_literal {
                self.wrap(fixes, 0.5, side, to_number);
            }
        }
        if base == "+" {
            if let Some(side) = number_side {
                let conf = if literal.is_some() && !numeric_literal {
                    0.55
                } else {
                    0.45
                };
                self.wrap(fixes, conf, side, "str");
            }
        }
    }

    /// `range(s)` with a str or float argument: `int(…)` around it (and `//` for a float).
    fn integer_arguments(&self, fixes: &mut Fixes<'_>, float: bool) {
        let src = self.src();
        let calls: Vec<(usize, usize)> = (self.lo..self.hi)
            .filter(|&k| self.tokens[k].text(src) == "(" && k > self.lo)
            .filter(|&k| self.tokens[k - 1].kind == Kind::Ident)
            .filter_map(|k| Some((k, matching_close(self.tokens, k).filter(|&c| c < self.hi)?)))
            .collect();
        // With carets the span is the call itself: the outermost one ending the span.
        let chosen: Vec<(usize, usize)> = match calls.iter().find(|&&(_, c)| c + 1 == self.hi) {
            Some(&call) if self.t.end.is_some() => vec![call],
            _ => calls
                .iter()
                .copied()
                .filter(|&(k, _)| self.tokens[k - 1].text(src) == "range")
                .collect(),
        };
        for (open, close) in chosen {
            let args = call_arguments(src, self.tokens, open, close);
            let convertible: Vec<(usize, usize)> = args
                .into_iter()
                .filter(|&(a, b)| !(b - a == 1 && self.tokens[a].kind == Kind::Number))
                .collect();
            let conf = if convertible.len() == 1 { 0.55 } else { 0.45 };
            for &arg in &convertible {
                if float {
                    self.floor_division(fixes, conf + 0.02, arg);
                }
                self.wrap(fixes, conf, arg, "int");
            }
            if convertible.len() > 1 {
                let edits: Vec<_> = convertible
                    .iter()
                    .filter_map(|&(a, b)| {
                        let text = self.wrapped((a, b), "int")?;
                        Some(edit(
                            self.t.file,
                            self.tokens[a].start,
                            self.tokens[b - 1].end,
                            &text,
                        ))
                    })
                    .collect();
                fixes.push(0.4, "convert every argument with `int(…)`", edits);
            }
        }
    }

    /// `[0] * (n / 2)`: the operand that is not the sequence becomes an int.
    fn sequence_repeat(&self, fixes: &mut Fixes<'_>, float: bool) {
        let Some((left, right)) = self.operands(&["*", "*="]) else {
            return;
        };
        let src = self.src();
        let is_sequence = |(a, b): (usize, usize)| {
            let first = self.tokens[a];
            first.kind == Kind::Str
                || (first.text(src) == "[" && matching_close(self.tokens, a) == Some(b - 1))
        };
        let mut sides: Vec<((usize, usize), f64)> = Vec::new();
        match left {
            Some(l) if is_sequence(l) => sides.push((right, 0.55)),
            Some(l) if is_sequence(right) => sides.push((l, 0.55)),
            Some(l) => {
                sides.push((right, 0.45));
                sides.push((l, 0.4));
            }
            None => sides.push((right, 0.55)),
        }
        for (side, conf) in sides {
            if float {
                self.floor_division(fixes, conf + 0.02, side);
            }
            self.wrap(fixes, conf, side, "int");
        }
    }

    /// `a[n / 2]`: `//` in the index, or `int(…)` around it.
    fn integer_index(&self, fixes: &mut Fixes<'_>, ty: &str) {
        let src = self.src();
        let subscripts: Vec<(usize, usize)> = (self.lo + 1..self.hi)
            .filter(|&k| self.tokens[k].text(src) == "[" && self.tokens[k - 1].ends_operand(src))
            .filter_map(|k| Some((k, matching_close(self.tokens, k).filter(|&c| c < self.hi)?)))
            .filter(|&(k, c)| c > k + 1)
            .collect();
        // With carets the span is the subscript itself, ending with its `]`.
        let chosen: Vec<(usize, usize)> = match subscripts.iter().find(|&&(_, c)| c + 1 == self.hi)
        {
            Some(&s) if self.t.end.is_some() => vec![s],
            _ => subscripts,
        };
        for (open, close) in chosen {
            let index = (open + 1, close);
            if self.tokens[open + 1..close]
                .iter()
                .any(|k| k.text(src) == ":")
            {
                continue;
            }
            match ty {
                "float" => {
                    self.floor_division(fixes, 0.55, index);
                    self.wrap(fixes, 0.5, index, "int");
                }
                "str" => self.wrap(fixes, 0.4, index, "int"),
                _ => {}
            }
        }
    }

    /// `len(n)` of a number: the length of its digits, `len(str(n))`.
    fn length_of_number(&self, fixes: &mut Fixes<'_>) {
        let src = self.src();
        for k in self.lo..self.hi {
            if self.tokens[k].text(src) != "len"
                || self.tokens.get(k + 1).is_none_or(|n| n.text(src) != "(")
            {
                continue;
            }
            let Some(close) = matching_close(self.tokens, k + 1).filter(|&c| c < self.hi) else {
                continue;
            };
            if let [arg] = call_arguments(src, self.tokens, k + 1, close)[..] {
                self.wrap(fixes, 0.5, arg, "str");
            }
        }
    }

    /// `for i in n:` over an int: `range(n)`.
    fn range_over_number(&self, fixes: &mut Fixes<'_>) {
        let src = self.src();
        for k in self.lo..self.hi {
            if self.tokens[k].text(src) != "for" {
                continue;
            }
            // The loop variables, then `in`, at the `for`'s own level.
            let mut depth = 0i32;
            let Some(in_at) = (k + 1..self.hi).find(|&j| {
                match self.tokens[j].kind {
                    Kind::Open => depth += 1,
                    Kind::Close => depth -= 1,
                    _ => {}
                }
                depth == 0 && self.tokens[j].text(src) == "in"
            }) else {
                continue;
            };
            if let Some(iterable) = right_operand(src, self.tokens, in_at, self.hi, 0) {
                self.wrap(fixes, 0.5, iterable, "range");
            }
        }
    }
}

/// A short form of an expression for a description.
fn short(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 40 {
        let cut: String = one_line.chars().take(37).collect();
        format!("{cut}...")
    } else {
        one_line
    }
}

#[cfg(test)]
mod tests {
    use super::super::syntax::tests::{err, program, results};
    use super::*;
    use crate::types::Location;

    fn run(
        f: fn(&str, &CodeError, &Program) -> Vec<Fix>,
        text: &str,
        e: &CodeError,
    ) -> Vec<String> {
        let p = program(PY, "main.py", text);
        let mut fixes = f("t", e, &p);
        fixes.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
        results(&fixes, text)
    }

    fn name_error(name: &str, line: u32, col: u32) -> CodeError {
        err(
            ErrorType::UndefinedVariable,
            "NameError",
            &format!("name '{name}' is not defined"),
            "main.py",
            line,
            col,
        )
    }

    #[test]
    fn tables_match_the_live_interpreter() {
        let python = std::path::Path::new("/usr/bin/python3");
        if !python.exists() {
            eprintln!("skipped: /usr/bin/python3 is not installed");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let root = env!("CARGO_MANIFEST_DIR");
        let status = std::process::Command::new(python)
            .arg(format!("{root}/scripts/gen-python-stdlib.py"))
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(status.success());
        for name in ["python_stdlib.txt", "python_members.txt"] {
            let live = std::fs::read_to_string(dir.path().join(name)).unwrap();
            let committed =
                std::fs::read_to_string(format!("{root}/src/fix/tables/{name}")).unwrap();
            assert!(
                live == committed,
                "src/fix/tables/{name} is stale: re-run scripts/gen-python-stdlib.py"
            );
        }
        assert!(tables().stdlib.contains("collections"));
        assert_eq!(modules_exporting("defaultdict"), ["collections"]);
        assert_eq!(modules_exporting("List")[0], "typing");
        assert!(tables()
            .types
            .iter()
            .any(|(t, m)| *t == "list" && m.contains(&"append")));
    }

    #[test]
    fn expected_indented_block_indents_the_body() {
        let text =
            "def f(xs):\n    for x in xs:\n        if x:\n        print(x)\n\n    return 1\n";
        let e = err(
            ErrorType::SyntaxError,
            "IndentationError",
            "expected an indented block after 'if' statement on line 3",
            "main.py",
            4,
            9,
        );
        assert_eq!(
            run(indentation, text, &e)[0],
            "def f(xs):\n    for x in xs:\n        if x:\n            print(x)\n\n    return 1\n"
        );
    }

    #[test]
    fn unexpected_indent_and_unindent_align() {
        let text = "def f():\n    x = 1\n        y = 2\n    return x\n";
        let e = err(
            ErrorType::SyntaxError,
            "IndentationError",
            "unexpected indent",
            "main.py",
            3,
            9,
        );
        assert_eq!(
            run(indentation, text, &e)[0],
            "def f():\n    x = 1\n    y = 2\n    return x\n"
        );
        let text = "def f():\n    if x:\n        y = 2\n      return y\n";
        let e = err(
            ErrorType::SyntaxError,
            "IndentationError",
            "unindent does not match any outer indentation level",
            "main.py",
            4,
            7,
        );
        assert_eq!(
            run(indentation, text, &e)[0],
            "def f():\n    if x:\n        y = 2\n    return y\n"
        );
        let text = "def f():\n\tif x:\n\t    return 1\n        return 2\n";
        let e = err(
            ErrorType::SyntaxError,
            "TabError",
            "inconsistent use of tabs and spaces in indentation",
            "main.py",
            4,
            9,
        );
        assert_eq!(
            run(indentation, text, &e)[0],
            "def f():\n    if x:\n        return 1\n        return 2\n"
        );
    }

    #[test]
    fn imports_modules_and_members() {
        let text = "\"\"\"Doc.\"\"\"\nfrom typing import List\n\ndef f(xs):\n    return sqrt(len(xs)), string.digits\n";
        assert_eq!(
            run(missing_import, text, &name_error("sqrt", 5, 12)),
            ["\"\"\"Doc.\"\"\"\nfrom typing import List\nfrom math import sqrt\n\ndef f(xs):\n    return sqrt(len(xs)), string.digits\n", "\"\"\"Doc.\"\"\"\nfrom typing import List\nfrom cmath import sqrt\n\ndef f(xs):\n    return sqrt(len(xs)), string.digits\n"]
        );
        assert_eq!(
            run(missing_import, text, &name_error("string", 5, 27))[0],
            "\"\"\"Doc.\"\"\"\nfrom typing import List\nimport string\n\ndef f(xs):\n    return sqrt(len(xs)), string.digits\n"
        );
        let text = "import heapq\n\ndef f(xs):\n    heapify(xs)\n";
        assert_eq!(
            run(missing_import, text, &name_error("heapify", 4, 5))[0],
            "import heapq\n\ndef f(xs):\n    heapq.heapify(xs)\n"
        );
        let text = "def f(xs: List[int]) -> Tuple[int]:\n    pass\n";
        assert_eq!(
            run(missing_import, text, &name_error("List", 1, 11))[0],
            "from typing import List\ndef f(xs: List[int]) -> Tuple[int]:\n    pass\n"
        );
    }

    #[test]
    fn misspelt_modules_and_attributes() {
        let text = "import colections\n";
        let e = err(
            ErrorType::MissingImport,
            "ModuleNotFoundError",
            "No module named 'colections'",
            "main.py",
            1,
            1,
        );
        assert_eq!(run(module_name, text, &e)[0], "import collections\n");
        let text = "def f(s, xs):\n    xs.push(s.lenght)\n";
        let e = err(
            ErrorType::UndefinedVariable,
            "AttributeError",
            "'str' object has no attribute 'lenght'",
            "main.py",
            2,
            5,
        );
        assert_eq!(
            run(attribute, text, &e)[0],
            "def f(s, xs):\n    xs.push(len(s))\n"
        );
        let e = err(
            ErrorType::UndefinedVariable,
            "AttributeError",
            "AttributeError: 'list' object has no attribute 'push'",
            "main.py",
            2,
            5,
        );
        assert_eq!(
            run(attribute, text, &e)[0],
            "def f(s, xs):\n    xs.append(s.lenght)\n"
        );
        let text = "def f(xs):\n    return xs.length\n";
        let e = err(
            ErrorType::UndefinedVariable,
            "AttributeError",
            "'list' object has no attribute 'length'",
            "main.py",
            2,
            12,
        );
        assert_eq!(
            run(attribute, text, &e)[0],
            "def f(xs):\n    return len(xs)\n"
        );
    }

    #[test]
    fn names_from_other_languages_and_wrapped_builtins() {
        let text = "def f(xs):\n    n = get_len(xs)\n    return true, string(n)\n";
        assert_eq!(
            run(undefined_name, text, &name_error("get_len", 2, 9))[0],
            "def f(xs):\n    n = len(xs)\n    return true, string(n)\n"
        );
        assert_eq!(
            run(undefined_name, text, &name_error("true", 3, 12))[0],
            "def f(xs):\n    n = get_len(xs)\n    return True, string(n)\n"
        );
        assert_eq!(
            run(undefined_name, text, &name_error("string", 3, 18))[0],
            "def f(xs):\n    n = get_len(xs)\n    return true, str(n)\n"
        );
        // `import string` would not make `string(n)` work.
        let p = program(PY, "main.py", text);
        let imports = missing_import("t", &name_error("string", 3, 18), &p);
        assert!(imports.iter().all(|f| f.confidence <= 0.3));
        let text = "def f(n):\n    return n % MOD\n";
        assert_eq!(
            run(undefined_name, text, &name_error("MOD", 2, 16))[0],
            "MOD = 10**9 + 7\ndef f(n):\n    return n % MOD\n"
        );
    }

    #[test]
    fn commented_out_definitions_come_back() {
        let text = "def f():\n    # Store the results results = []\n    results.append(1)\n    return results\n";
        assert_eq!(run(uncomment, text, &name_error("results", 3, 5)), ["def f():\n    # Store the results\n    results = []\n    results.append(1)\n    return results\n"]);
        let text = "def f():\n    # total = 0\n    total += 1\n";
        assert_eq!(
            run(uncomment, text, &name_error("total", 3, 5)),
            ["def f():\n    total = 0\n    total += 1\n"]
        );
    }

    #[test]
    fn missing_arguments_and_slices() {
        let text = "import heapq\n\ndef f(xs):\n    while xs:\n        a = heapq.heappop(xs)\n        cost = a * 2\n        heapq.heappush(xs)\n";
        let e = err(
            ErrorType::TypeMismatch,
            "TypeError",
            "heappush expected 2 arguments, got 1",
            "main.py",
            7,
            9,
        );
        assert_eq!(
            run(missing_argument, text, &e)[0],
            text.replace("heappush(xs)", "heappush(xs, cost)")
        );
        let text = "def f(s, i, j):\n    return int(s[j:i])\n";
        let e = err(
            ErrorType::CompilerError("runtime".into()),
            "ValueError",
            "invalid literal for int() with base 10: ''",
            "main.py",
            2,
            12,
        );
        assert_eq!(
            run(test_failure, text, &e),
            [
                text.replace("[j:i]", "[j - 1:i]"),
                text.replace("[j:i]", "[j:i + 1]")
            ]
        );
    }

    fn type_error(msg: &str, line: u32, col: u32, end: Option<u32>) -> CodeError {
        let mut location = Location::new("main.py", line, col);
        if let Some(end) = end {
            location = location.with_end(line, end);
        }
        CodeError::new(ErrorType::TypeMismatch, msg)
            .with_code("TypeError")
            .with_location(location)
    }

    #[test]
    fn concatenation_converts_the_other_operand_to_str() {
        let concat = "can only concatenate str (not \"int\") to str";
        // Columns as Python 3.11's carets give them: `~~~~~~~~~~^~~` under the whole BinOp.
        let text = "def label(n):\n    return \"count: \" + n\n";
        let e = type_error(concat, 2, 12, Some(25));
        assert_eq!(
            run(type_conversion, text, &e),
            ["def label(n):\n    return \"count: \" + str(n)\n"]
        );
        // The failing node of a chain is its left part.
        let text = "def f(n):\n    x = \"a\" + n + \"b\"\n    return x\n";
        let e = type_error(concat, 2, 9, Some(16));
        assert_eq!(
            run(type_conversion, text, &e),
            ["def f(n):\n    x = \"a\" + str(n) + \"b\"\n    return x\n"]
        );
        // No carets for an augmented assignment: the whole line.
        let text = "def f(n):\n    s = \"a\"\n    s += n * 2\n    return s\n";
        let e = type_error(concat, 3, 5, None);
        assert_eq!(
            run(type_conversion, text, &e),
            ["def f(n):\n    s = \"a\"\n    s += str(n * 2)\n    return s\n"]
        );
        // Carets stop at the end of the first line of a multi-line expression.
        let text = "def f(n):\n    return (\"count: \" +\n        n.total)\n";
        let e = type_error(concat, 2, 13, Some(24));
        assert_eq!(
            run(type_conversion, text, &e),
            ["def f(n):\n    return (\"count: \" +\n        str(n.total))\n"]
        );
        // A parenthesised operand keeps its parentheses; lists get a one-element list.
        let text = "x = \"a\" + (n - 1)\ny = xs + n\n";
        let e = type_error(concat, 1, 5, Some(18));
        assert_eq!(
            run(type_conversion, text, &e),
            ["x = \"a\" + str(n - 1)\ny = xs + n\n"]
        );
        let e = type_error(
            "can only concatenate list (not \"int\") to list",
            2,
            5,
            Some(11),
        );
        assert_eq!(
            run(type_conversion, text, &e),
            ["x = \"a\" + (n - 1)\ny = xs + [n]\n"]
        );
    }

    #[test]
    fn mixed_str_and_number_operands_convert_either_side() {
        let msg = "unsupported operand type(s) for +: 'int' and 'str'";
        // A str literal that holds no number can only make the number a str.
        let text = "def f(n):\n    return n * 2 + \" items\"\n";
        let e = type_error(msg, 2, 12, Some(28));
        assert_eq!(
            run(type_conversion, text, &e),
            ["def f(n):\n    return str(n * 2) + \" items\"\n"]
        );
        let text = "def f(total, line):\n    return total + line.strip()\n";
        let e = type_error(msg, 2, 12, Some(32));
        assert_eq!(
            run(type_conversion, text, &e),
            [
                "def f(total, line):\n    return total + int(line.strip())\n",
                "def f(total, line):\n    return str(total) + line.strip()\n",
            ]
        );
        let text = "def f(n):\n    return \"5\" - n\n";
        let e = type_error(
            "unsupported operand type(s) for -: 'str' and 'float'",
            2,
            12,
            Some(19),
        );
        assert_eq!(
            run(type_conversion, text, &e),
            ["def f(n):\n    return float(\"5\") - n\n"]
        );
        let text = "def f(xs):\n    total = 0\n    for x in xs:\n        total += x\n";
        let e = type_error(
            "unsupported operand type(s) for +=: 'int' and 'str'",
            4,
            9,
            None,
        );
        assert_eq!(
            run(type_conversion, text, &e),
            ["def f(xs):\n    total = 0\n    for x in xs:\n        total += int(x)\n"]
        );
        // Types no conversion helps.
        let e = type_error(
            "unsupported operand type(s) for +: 'int' and 'NoneType'",
            2,
            12,
            Some(19),
        );
        assert!(run(type_conversion, text, &e).is_empty());
    }

    #[test]
    fn integer_arguments_subscripts_and_repeats() {
        let text = "def f(s):\n    for i in range(s):\n        print(i)\n";
        let e = type_error(
            "'str' object cannot be interpreted as an integer",
            2,
            14,
            Some(22),
        );
        assert_eq!(
            run(type_conversion, text, &e),
            ["def f(s):\n    for i in range(int(s)):\n        print(i)\n"]
        );
        let text = "def f(n):\n    return range(1, n / 2)\n";
        let e = type_error(
            "'float' object cannot be interpreted as an integer",
            2,
            12,
            Some(27),
        );
        assert_eq!(
            run(type_conversion, text, &e),
            [
                "def f(n):\n    return range(1, n // 2)\n",
                "def f(n):\n    return range(1, int(n / 2))\n",
            ]
        );
        let msg = "can't multiply sequence by non-int of type 'float'";
        let text = "def f(n):\n    return [0] * (n / 2)\n";
        let e = type_error(msg, 2, 12, Some(25));
        assert_eq!(
            run(type_conversion, text, &e),
            [
                "def f(n):\n    return [0] * (n // 2)\n",
                "def f(n):\n    return [0] * int(n / 2)\n",
            ]
        );
        let text = "def f(w):\n    return w * \"-\"\n";
        let e = type_error(
            "can't multiply sequence by non-int of type 'str'",
            2,
            12,
            Some(19),
        );
        assert_eq!(
            run(type_conversion, text, &e),
            ["def f(w):\n    return int(w) * \"-\"\n"]
        );
        let msg = "list indices must be integers or slices, not float";
        let text = "def f(a):\n    x = a[len(a) / 2] + a[0]\n    return x\n";
        let e = type_error(msg, 2, 9, Some(22));
        assert_eq!(
            run(type_conversion, text, &e),
            [
                "def f(a):\n    x = a[len(a) // 2] + a[0]\n    return x\n",
                "def f(a):\n    x = a[int(len(a) / 2)] + a[0]\n    return x\n",
            ]
        );
    }

    #[test]
    fn lengths_and_loops_over_numbers() {
        let text = "def digits(n):\n    return len(n)\n";
        let e = type_error("object of type 'int' has no len()", 2, 12, Some(18));
        assert_eq!(
            run(type_conversion, text, &e),
            ["def digits(n):\n    return len(str(n))\n"]
        );
        // The whole line is the call: no carets.
        let text = "def f(n):\n    len(n + 1)\n";
        let e = type_error("object of type 'int' has no len()", 2, 5, None);
        assert_eq!(
            run(type_conversion, text, &e),
            ["def f(n):\n    len(str(n + 1))\n"]
        );
        let text = "def f(xs):\n    for i in len(xs):\n        print(i)\n";
        let e = type_error("'int' object is not iterable", 2, 5, None);
        assert_eq!(
            run(type_conversion, text, &e),
            ["def f(xs):\n    for i in range(len(xs)):\n        print(i)\n"]
        );
    }

    #[test]
    fn type_conversion_survives_odd_input() {
        let texts = [
            "x",
            "+",
            "return (\n",
            "a[",
            "x = ] + ) * [\n",
            "é = 'ü' + n\r\n  len(\n",
            "for in :\n",
            "range(,)\n",
            "a[/]\n",
        ];
        let messages = [
            "can only concatenate str (not \"int\") to str",
            "can only concatenate list (not \"int\") to list",
            "can only concatenate",
            "unsupported operand type(s) for +: 'int' and 'str'",
            "unsupported operand type(s) for +=: 'str' and 'int'",
            "unsupported operand type(s) for : 'str'",
            "'str' object cannot be interpreted as an integer",
            "can't multiply sequence by non-int of type 'float'",
            "list indices must be integers or slices, not float",
            "string indices must be integers, not 'str'",
            "object of type 'int' has no len()",
            "'int' object is not iterable",
        ];
        for text in texts {
            let p = program(PY, "main.py", text);
            for msg in messages {
                for line in 0..4 {
                    for col in [0, 1, 2, 5, 200] {
                        for end in [None, Some(0), Some(1), Some(3), Some(300)] {
                            let e = type_error(msg, line, col, end);
                            for fix in type_conversion("t", &e, &p) {
                                let _ = super::super::syntax::tests::apply(text, &fix);
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn failing_tests_get_candidate_edits() {
        let text = "def f(a):\n    for i in range(3):\n        # a[i] += 1\n        a[i] *= 2\n    return a\n";
        let e = CodeError::new(ErrorType::TestFailure, "AssertionError: wrong")
            .with_code("AssertionError");
        assert_eq!(run(test_failure, text, &e), ["def f(a):\n    for i in range(3):\n        a[i] += 1\n        a[i] *= 2\n    return a\n"]);
        let text = "def f(xs):\n    out = []\n    for x in xs:\n        out.append(x)\n        return out\n";
        assert_eq!(run(test_failure, text, &e), ["def f(xs):\n    out = []\n    for x in xs:\n        out.append(x)\n    return out\n"]);
        let text = "def f(n, c):\n    for i in range(n, -1, -1):\n        a = c[i]\n    return a\n";
        let e = CodeError::new(
            ErrorType::CompilerError("runtime".into()),
            "list index out of range",
        )
        .with_code("IndexError")
        .with_location(Location::new("main.py", 3, 13));
        let out = run(test_failure, text, &e);
        assert!(out.contains(
            &"def f(n, c):\n    for i in range(n - 1, -1, -1):\n        a = c[i]\n    return a\n"
                .to_string()
        ));
        assert!(out.contains(
            &"def f(n, c):\n    for i in range(n, -1, -1):\n        a = c[i - 1]\n    return a\n"
                .to_string()
        ));
    }
}
