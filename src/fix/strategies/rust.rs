//! Strategies for rustc errors.
//!
//! | id | errors | fix |
//! |---|---|---|
//! | `rust.missing-import` | E0412/E0425/E0433/E0422/E0405/E0423/E0531 naming a std (or `rand`/`regex`) item | `use path;` after the file's `use` lines ([`tables/rust_std.txt`](../tables/rust_std.txt)) |
//! | `rust.missing-mut` | E0384/E0596/E0594 | `mut` at the binding (or `&mut` in a parameter type) |
//! | `rust.type-conversion` | E0308 | `.to_string()`, `&`, `*`, `as T`, `Some(…)`, `.unwrap()`, `.clone()`, `.into()`, float/int literals |
//! | `rust.method-misname` | E0599 | `len` for `size`/`length`, `push` for `append`, …; `.iter()` before iterator methods on collections |
//! | `rust.function-to-method` | E0425 on a known method name | `round(x)` → `x.round()` |
//! | `rust.expected-token` | parser errors "expected `X`, found `Y`", "expected one of …", "unexpected `==`", "missing `in` in `for` loop" | insert or substitute the expected token |
//! | `rust.foreign-syntax` | parser errors | other languages' keywords (`import`, `func`, `elif`, `foreach`, `set`/`var`, `do`), `vec[…]`, `# comments`, `use a:b` |
//! | `rust.clone-moved` | E0382, E0502/E0499/E0505/E0506 | `.clone()` at the move or borrow site the notes point at |
//! | `rust.uncomment-definition` | E0425 | uncomment `// let x = …` written before the use |
//! | `rust.commented-code` | parser errors, test failures, timeouts | uncomment code cut off by a trailing comment (`if d // < t {`) |

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use super::names::{
    builtin_members, declared_names, find_word_on_line, identifiers, is_ident_char, is_identifier,
    is_word_at, line_bounds, line_col_to_byte, uncomment_definitions, undefined_name,
};
use super::{code, edit, fix};
use crate::fix::{Edit, Fix, FixStrategy};
use crate::program::Program;
use crate::types::{CodeError, ErrorType, Location, TargetLanguage};

pub fn strategies() -> Vec<Arc<dyn FixStrategy>> {
    vec![
        Arc::new(MissingImport),
        Arc::new(MissingMut),
        Arc::new(TypeConversion),
        Arc::new(MethodMisname),
        Arc::new(FunctionToMethod),
        Arc::new(ExpectedToken),
        Arc::new(ForeignSyntax),
        Arc::new(CloneMoved),
        Arc::new(UncommentDefinition),
        Arc::new(CommentedCode),
    ]
}

const STD_TABLE: &str = include_str!("../tables/rust_std.txt");

/// Name → import paths, most common first.
fn std_table() -> &'static BTreeMap<&'static str, Vec<&'static str>> {
    static TABLE: OnceLock<BTreeMap<&'static str, Vec<&'static str>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut map: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for line in STD_TABLE.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some((name, path)) = line.split_once(' ') {
                map.entry(name).or_default().push(path.trim());
            }
        }
        map
    })
}

fn is_rust(error: &CodeError, program: &Program) -> bool {
    program.language == TargetLanguage::Rust && error.location.is_some()
}

/// The file and text an error points at, when fixes may edit it.
fn error_file<'a>(error: &'a CodeError, program: &'a Program) -> Option<(&'a Location, &'a str)> {
    let loc = error.location.as_ref()?;
    if program.protected.contains(&loc.file) {
        return None;
    }
    Some((loc, program.files.get(&loc.file)?.as_str()))
}

// ---------------------------------------------------------------------------------------------
// Missing imports

/// `use std::collections::HashMap;` for std names used without an import.
pub struct MissingImport;

const IMPORT_CODES: &[&str] = &[
    "E0412", "E0425", "E0433", "E0422", "E0405", "E0423", "E0531", "E0532",
];

impl FixStrategy for MissingImport {
    fn id(&self) -> &str {
        "rust.missing-import"
    }

    fn suggest(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        if !is_rust(error, program) || !IMPORT_CODES.contains(&code(error)) {
            return Vec::new();
        }
        let Some((name, _)) = undefined_name(&error.message) else {
            return Vec::new();
        };
        let Some(paths) = std_table().get(name.as_str()) else {
            return Vec::new();
        };
        let Some(file) = import_file(error, program) else {
            return Vec::new();
        };
        let Some(text) = program.files.get(&file) else {
            return Vec::new();
        };
        let at = use_insertion_point(text);
        let indent = if at > 0
            && text[..at]
                .lines()
                .last()
                .is_some_and(|l| l.starts_with(' '))
        {
            " "
        } else {
            ""
        };
        paths
            .iter()
            .enumerate()
            .filter(|(_, path)| !text.contains(&format!("use {path};")))
            .map(|(rank, path)| {
                let conf = if paths.len() == 1 {
                    0.8
                } else {
                    0.7 - 0.1 * rank as f64
                };
                fix(
                    self.id(),
                    format!("import `{name}` with `use {path};`"),
                    conf,
                    vec![edit(&file, at, at, format!("{indent}use {path};\n"))],
                )
            })
            .collect()
    }
}

/// The file to put an import in: the error's file, or the crate root when that file is
/// protected (a test module that does `use super::*` sees the root's imports).
fn import_file(error: &CodeError, program: &Program) -> Option<String> {
    let loc = error.location.as_ref()?;
    if !program.protected.contains(&loc.file) {
        return Some(loc.file.clone());
    }
    ["lib.rs", "main.rs", "src/lib.rs", "src/main.rs"]
        .iter()
        .find(|f| program.files.contains_key(**f) && !program.protected.contains(**f))
        .map(|f| f.to_string())
}

/// Just after the last top-level `use …;` statement, or after the leading inner attributes
/// and doc comments when there is none.
pub(crate) fn use_insertion_point(text: &str) -> usize {
    let mask = code_mask(text);
    let mut depth = 0i32;
    let mut last_use_end: Option<usize> = None;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if mask[i] {
            match bytes[i] {
                b'{' => depth += 1,
                b'}' => depth -= 1,
                b'u' if depth == 0
                    && text[i..].starts_with("use ")
                    && (i == 0 || !text[..i].ends_with(is_ident_char)) =>
                {
                    if let Some(semi) = (i..bytes.len()).find(|&j| mask[j] && bytes[j] == b';') {
                        let end = text[semi..].find('\n').map_or(text.len(), |n| semi + n + 1);
                        last_use_end = Some(end);
                        i = end;
                        continue;
                    }
                }
                _ => {}
            }
        }
        i += 1;
    }
    if let Some(end) = last_use_end {
        return end;
    }
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim_start();
        if t.starts_with("#![") || t.starts_with("//!") {
            pos += line.len();
        } else {
            break;
        }
    }
    pos
}

/// For each byte: true when it is code, false inside comments and string/char literals.
pub(crate) fn code_mask(text: &str) -> Vec<bool> {
    let bytes = text.as_bytes();
    let mut mask = vec![true; bytes.len()];
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let end = match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                text[i..].find('\n').map_or(bytes.len(), |n| i + n)
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => text[i + 2..]
                .find("*/")
                .map_or(bytes.len(), |n| i + 2 + n + 2),
            b'"' | b'`' => {
                let quote = bytes[i];
                let mut j = i + 1;
                while j < bytes.len() && bytes[j] != quote {
                    j += if bytes[j] == b'\\' { 2 } else { 1 };
                }
                (j + 1).min(bytes.len())
            }
            b'\'' => {
                if bytes.get(i + 1) == Some(&b'\\') {
                    text[i + 2..].find('\'').map_or(i + 1, |n| i + 2 + n + 1)
                } else {
                    let len = text[i + 1..].chars().next().map_or(0, char::len_utf8);
                    if len > 0 && bytes.get(i + 1 + len) == Some(&b'\'') {
                        i + len + 2
                    } else {
                        i + 1
                    }
                }
            }
            _ => {
                i += 1;
                continue;
            }
        };
        let end = end.max(start + 1).min(bytes.len());
        // A lifetime tick (`'a`) stays code.
        if !(bytes[start] == b'\'' && end == start + 1) {
            for m in &mut mask[start..end] {
                *m = false;
            }
        }
        i = end;
    }
    mask
}

// ---------------------------------------------------------------------------------------------
// Missing `mut`

/// `let x` → `let mut x` (and `&T` → `&mut T` for a parameter borrowed mutably).
pub struct MissingMut;

impl FixStrategy for MissingMut {
    fn id(&self) -> &str {
        "rust.missing-mut"
    }

    fn suggest(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        if !is_rust(error, program) || !matches!(code(error), "E0384" | "E0596" | "E0594") {
            return Vec::new();
        }
        let Some((loc, text)) = error_file(error, program) else {
            return Vec::new();
        };
        let Some(raw) = error.message.split('`').nth(1) else {
            return Vec::new();
        };
        let deref = raw.starts_with('*');
        let name: String = raw
            .trim_start_matches('*')
            .chars()
            .take_while(|c| is_ident_char(*c))
            .collect();
        if !is_identifier(&name) {
            return Vec::new();
        }
        let Some(before) = line_col_to_byte(text, loc.line, loc.column) else {
            return Vec::new();
        };
        let Some(binding) = find_binding(text, &name, before) else {
            return Vec::new();
        };
        let mut fixes = Vec::new();
        match binding {
            Binding::Let(pos) | Binding::Pattern(pos) => {
                if !deref {
                    fixes.push(fix(
                        self.id(),
                        format!("declare `{name}` as mutable: `mut {name}`"),
                        0.85,
                        vec![edit(&loc.file, pos, pos, "mut ")],
                    ));
                }
            }
            Binding::Param { name_pos, type_pos } => {
                let ty = &text[type_pos..];
                if ty.starts_with('&') && !ty.starts_with("&mut ") {
                    fixes.push(fix(
                        self.id(),
                        format!("take parameter `{name}` by mutable reference: `&mut`"),
                        0.75,
                        vec![edit(&loc.file, type_pos, type_pos + 1, "&mut ")],
                    ));
                } else if !deref {
                    fixes.push(fix(
                        self.id(),
                        format!("make parameter `{name}` mutable: `mut {name}`"),
                        0.8,
                        vec![edit(&loc.file, name_pos, name_pos, "mut ")],
                    ));
                }
            }
        }
        fixes
    }
}

enum Binding {
    /// `let x` / `let (a, x)`: where `mut ` goes.
    Let(usize),
    /// `for x in`, `|x|`, `Some(x) =>`.
    Pattern(usize),
    /// A function parameter `x: T`.
    Param { name_pos: usize, type_pos: usize },
}

/// The nearest binding of `name` before byte `before` that is not already `mut`.
fn find_binding(text: &str, name: &str, before: usize) -> Option<Binding> {
    let idents = identifiers(text, TargetLanguage::Rust);
    let end = idents.partition_point(|(p, _)| *p < before);
    for n in (0..end).rev() {
        let (pos, word) = idents[n];
        if word != name {
            continue;
        }
        let prev = n.checked_sub(1).map(|p| idents[p]);
        if prev.is_some_and(|(_, w)| w == "mut") {
            // Already mutable: the error is about something else.
            return None;
        }
        let between = prev.map_or("", |(p, w)| &text[p + w.len()..pos]);
        let prev_word = prev.map(|(_, w)| w);
        let after = text[pos + name.len()..].trim_start();
        // `let x`, `let (a, x)`, `let [x, ..]`.
        if let Some(k) = (0..n).rev().take(6).find(|k| idents[*k].1 == "let") {
            let span = &text[idents[k].0 + 3..pos];
            let simple = span.trim().is_empty();
            let in_pattern = !span.contains(['=', ';', '{', '}']);
            if simple || in_pattern {
                return Some(Binding::Let(pos));
            }
        }
        if prev_word == Some("for") && between.trim().is_empty() {
            return Some(Binding::Pattern(pos));
        }
        // A parameter: `name: Type` with `fn` earlier on the signature (before any `{`).
        if after.starts_with(':') && !after.starts_with("::") {
            let line_start = text[..pos].rfind('\n').map_or(0, |i| i + 1);
            let sig = text[..pos]
                .rfind("fn ")
                .filter(|f| !text[*f..pos].contains(['{', ';']));
            if sig.is_some() || text[line_start..pos].trim_start().starts_with("fn ") {
                let colon = pos + name.len() + (text[pos + name.len()..].len() - after.len());
                let type_pos =
                    colon + 1 + (text[colon + 1..].len() - text[colon + 1..].trim_start().len());
                return Some(Binding::Param {
                    name_pos: pos,
                    type_pos,
                });
            }
        }
        if between.trim_end().ends_with('|') || between.trim_end().ends_with("|&") {
            return Some(Binding::Pattern(pos));
        }
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Type conversions (E0308)

/// Conversions for "mismatched types: expected `E`, found `F`".
pub struct TypeConversion;

const INTEGERS: &[&str] = &[
    "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize",
];
const FLOATS: &[&str] = &["f32", "f64"];

/// (expected, found) from a label such as "expected `i32`, found `&str`" or
/// "expected `i32`, found floating-point number".
fn expected_found(error: &CodeError) -> Option<(String, String)> {
    let strip = |s: &str| s.trim().trim_matches('`').to_string();
    error
        .notes
        .iter()
        .chain(std::iter::once(&error.message))
        .find_map(|note| {
            let note = note
                .rsplit_once(": expected ")
                .map_or(note.as_str(), |(_, r)| r);
            let rest = note.strip_prefix("expected ").unwrap_or(note);
            let (e, f) = rest.split_once(", found ")?;
            let f = f.split(" because").next().unwrap_or(f);
            Some((
                strip(e.trim_start_matches("type ")),
                strip(f.trim_start_matches("type ")),
            ))
        })
}

impl FixStrategy for TypeConversion {
    fn id(&self) -> &str {
        "rust.type-conversion"
    }

    fn suggest(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        if !is_rust(error, program) || code(error) != "E0308" {
            return Vec::new();
        }
        let Some((loc, text)) = error_file(error, program) else {
            return Vec::new();
        };
        let (Some(start), Some(end)) = (
            line_col_to_byte(text, loc.line, loc.column),
            loc.end_line
                .zip(loc.end_column)
                .and_then(|(l, c)| line_col_to_byte(text, l, c)),
        ) else {
            return Vec::new();
        };
        if end <= start {
            return Vec::new();
        }
        let Some((expected, found)) = expected_found(error) else {
            return Vec::new();
        };
        let expr = &text[start..end];
        let string_literal = expr.len() >= 2
            && expr.starts_with('"')
            && expr.ends_with('"')
            && !expr[1..expr.len() - 1].contains('"');
        let simple = string_literal
            || expr
                .chars()
                .all(|c| is_ident_char(c) || c == '.' || c == ':')
            || (expr.ends_with(')') && !expr.contains(' '));
        let paren = |e: &str| {
            if simple {
                e.to_string()
            } else {
                format!("({e})")
            }
        };
        let mut out: Vec<(String, f64, String)> = Vec::new();
        macro_rules! add {
            ($replacement:expr, $conf:expr, $why:expr) => {{
                let replacement: String = $replacement;
                if replacement != expr {
                    out.push((replacement, $conf, $why.to_string()));
                }
            }};
        }
        let exp = expected.as_str();
        let fnd = found.as_str();
        let is_num = |t: &str| INTEGERS.contains(&t) || FLOATS.contains(&t);
        if exp == "String" && (fnd == "&str" || fnd == "&String" || fnd == "&&str" || fnd == "char")
        {
            add!(
                format!("{}.to_string()", paren(expr)),
                0.75,
                "convert to `String` with `.to_string()`"
            );
            add!(
                format!("String::from({expr})"),
                0.5,
                "convert with `String::from`"
            );
        } else if exp == "&str" && fnd == "String" {
            add!(format!("&{expr}"), 0.7, "borrow the `String` as `&str`");
            add!(
                format!("{}.as_str()", paren(expr)),
                0.55,
                "borrow with `.as_str()`"
            );
        } else if exp == "&str" && fnd == "char" {
            add!(
                format!("&{}.to_string()", paren(expr)),
                0.55,
                "turn the `char` into a string"
            );
        } else if exp == "char"
            && (fnd == "&str" || fnd == "&&str")
            && expr.starts_with('"')
            && expr.chars().count() == 3
        {
            add!(
                format!("'{}'", &expr[1..expr.len() - 1]),
                0.7,
                "use a character literal"
            );
        } else if exp.strip_prefix("&mut ") == Some(fnd) {
            add!(format!("&mut {expr}"), 0.65, "pass a mutable reference");
        } else if exp.strip_prefix('&').is_some_and(|i| {
            i == fnd
                || fnd.starts_with(&format!("{i}<"))
                || (i.starts_with('[') && fnd.starts_with("Vec<"))
        }) {
            add!(format!("&{expr}"), 0.65, "pass a reference");
        } else if fnd.strip_prefix('&').map(|i| i.trim_start_matches("mut ")) == Some(exp) {
            add!(format!("*{expr}"), 0.6, "dereference");
            add!(
                format!("{}.clone()", paren(expr)),
                0.5,
                "clone the referenced value"
            );
        } else if is_num(exp)
            && (is_num(fnd)
                || fnd == "integer"
                || fnd == "floating-point number"
                || fnd.starts_with('&') && is_num(&fnd[1..]))
        {
            let is_float_literal = expr
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c == '_')
                && expr.contains('.');
            let is_int_literal =
                !expr.is_empty() && expr.chars().all(|c| c.is_ascii_digit() || c == '_');
            if INTEGERS.contains(&exp) && is_float_literal {
                if let Some(int) = expr.strip_suffix(".0") {
                    add!(int.to_string(), 0.7, "write the number as an integer");
                }
                add!(format!("{expr} as {exp}"), 0.4, "cast to the expected type");
            } else if FLOATS.contains(&exp) && is_int_literal {
                add!(format!("{expr}.0"), 0.75, "write the number as a float");
            } else {
                let deref = if fnd.starts_with('&') { "*" } else { "" };
                add!(
                    format!("{deref}{} as {exp}", paren(expr)),
                    0.65,
                    "cast to the expected type"
                );
                add!(
                    format!("{exp}::from({deref}{expr})"),
                    0.35,
                    "convert losslessly with `From`"
                );
            }
        } else if let Some(inner) = exp
            .strip_prefix("Option<")
            .and_then(|r| r.strip_suffix('>'))
        {
            if inner == fnd
                || inner.starts_with('_')
                || fnd.starts_with('{')
                || fnd == "integer"
                || fnd == "floating-point number"
            {
                add!(format!("Some({expr})"), 0.7, "wrap the value in `Some`");
            }
        } else if let Some(inner) = fnd
            .strip_prefix("Option<")
            .and_then(|r| r.strip_suffix('>'))
        {
            if inner == exp || inner == format!("&{exp}") {
                add!(
                    format!("{}.unwrap()", paren(expr)),
                    0.55,
                    "unwrap the `Option`"
                );
            }
            if inner == format!("&{exp}") {
                add!(
                    format!("*{}.unwrap()", paren(expr)),
                    0.5,
                    "unwrap and dereference"
                );
            }
        } else if fnd.starts_with("Result<") && fnd[7..].starts_with(exp) {
            add!(
                format!("{}.unwrap()", paren(expr)),
                0.55,
                "unwrap the `Result`"
            );
        } else if exp.starts_with("Result<") && exp[7..].starts_with(fnd) {
            add!(format!("Ok({expr})"), 0.65, "wrap the value in `Ok`");
        } else if exp == "Vec<char>" && fnd.contains("Chars") {
            add!(
                format!("{}.collect()", paren(expr)),
                0.6,
                "collect the characters"
            );
        }
        // `v.append(x)` with a single element: `push`.
        let append_call = text[..start].ends_with(".append(") && exp.starts_with("&mut Vec<");
        if out.is_empty() && !exp.contains('{') && !fnd.contains("fn(") && !append_call {
            add!(
                format!("{}.into()", paren(expr)),
                0.3,
                "convert with `.into()`"
            );
            add!(format!("{}.clone()", paren(expr)), 0.2, "clone the value");
        }
        let mut fixes: Vec<Fix> = Vec::new();
        if append_call {
            let name_start = start - "append(".len();
            fixes.push(fix(
                self.id(),
                "add one element with `push`, not `append`".into(),
                0.7,
                vec![edit(&loc.file, name_start, name_start + 6, "push")],
            ));
        }
        fixes.extend(out.into_iter().map(|(replacement, conf, why)| {
            fix(
                self.id(),
                format!("{why}: `{replacement}` (expected `{expected}`, found `{found}`)"),
                conf,
                vec![edit(&loc.file, start, end, replacement)],
            )
        }));
        fixes
    }
}

// ---------------------------------------------------------------------------------------------
// Method misnames (E0599)

/// Methods other languages (or guesses) call by another name.
const METHOD_MISNAMES: &[(&str, &[&str])] = &[
    ("size", &["len"]),
    ("length", &["len"]),
    ("count", &["len"]),
    ("len", &["count"]),
    ("append", &["push", "push_str"]),
    ("add", &["push", "insert"]),
    ("push_back", &["push"]),
    ("pushBack", &["push"]),
    ("put", &["insert"]),
    ("set", &["insert"]),
    ("includes", &["contains"]),
    ("has", &["contains", "contains_key"]),
    ("contains", &["contains_key"]),
    ("has_key", &["contains_key"]),
    ("containsKey", &["contains_key"]),
    ("toUpperCase", &["to_uppercase"]),
    ("toLowerCase", &["to_lowercase"]),
    ("upper", &["to_uppercase", "to_ascii_uppercase"]),
    ("lower", &["to_lowercase", "to_ascii_lowercase"]),
    ("to_upper", &["to_uppercase", "to_ascii_uppercase"]),
    ("to_lower", &["to_lowercase", "to_ascii_lowercase"]),
    ("is_upper", &["is_uppercase"]),
    ("is_lower", &["is_lowercase"]),
    ("isupper", &["is_uppercase"]),
    ("islower", &["is_lowercase"]),
    ("is_digit", &["is_ascii_digit"]),
    ("isdigit", &["is_ascii_digit"]),
    ("is_alpha", &["is_alphabetic"]),
    ("isalpha", &["is_alphabetic"]),
    ("is_space", &["is_whitespace"]),
    ("strip", &["trim"]),
    ("toString", &["to_string"]),
    ("str", &["to_string"]),
    ("indexOf", &["find"]),
    ("index", &["find", "position"]),
    ("index_of", &["find", "position"]),
    ("find_index", &["position"]),
    ("findIndex", &["position"]),
    ("startsWith", &["starts_with"]),
    ("endsWith", &["ends_with"]),
    ("startswith", &["starts_with"]),
    ("endswith", &["ends_with"]),
    ("substr", &["get"]),
    ("reversed", &["rev"]),
    ("reverse", &["rev"]),
    ("sorted", &["sort"]),
    ("remove_at", &["remove"]),
    ("delete", &["remove"]),
    ("erase", &["remove"]),
    ("empty", &["is_empty"]),
    ("isEmpty", &["is_empty"]),
    ("copy", &["clone"]),
    ("foreach", &["for_each"]),
    ("forEach", &["for_each"]),
    ("reduce", &["fold"]),
    ("abs_diff", &["abs"]),
    ("power", &["pow"]),
    ("powf", &["powi"]),
    ("powi", &["powf"]),
    ("square_root", &["sqrt"]),
    ("smaller", &["lt", "min"]),
    ("smaller_than", &["lt"]),
    ("less", &["lt"]),
    ("less_than", &["lt"]),
    ("smaller_or_equal", &["le"]),
    ("smaller_equal", &["le"]),
    ("less_or_equal", &["le"]),
    ("less_equal", &["le"]),
    ("greater", &["gt", "max"]),
    ("greater_than", &["gt"]),
    ("bigger", &["gt"]),
    ("greater_or_equal", &["ge"]),
    ("greater_equal", &["ge"]),
    ("equals", &["eq"]),
    ("equal", &["eq"]),
    ("not_equal", &["ne"]),
    ("maximum", &["max"]),
    ("minimum", &["min"]),
    ("split_by", &["split"]),
    ("chars_count", &["len"]),
    ("add_all", &["extend"]),
    ("concat", &["extend"]),
    ("to_int", &["parse"]),
    ("parse_int", &["parse"]),
];

/// Associated functions called by another name (`Vec::create` → `Vec::new`).
const ASSOC_MISNAMES: &[(&str, &[&str])] = &[
    ("create", &["new"]),
    ("make", &["new"]),
    ("init", &["new"]),
    ("empty", &["new"]),
    ("new_empty", &["new"]),
    ("of", &["from"]),
    ("from_str", &["from"]),
    ("with_size", &["with_capacity"]),
];

/// Iterator adapters that `Vec`, slices and maps only have through `.iter()`.
const ITERATOR_METHODS: &[&str] = &[
    "map",
    "filter",
    "fold",
    "sum",
    "product",
    "enumerate",
    "zip",
    "rev",
    "any",
    "all",
    "filter_map",
    "for_each",
    "collect",
    "skip",
    "take",
    "step_by",
    "flat_map",
    "max_by_key",
    "min_by_key",
    "max_by",
    "min_by",
    "position",
    "count",
    "cloned",
    "copied",
    "chain",
    "take_while",
    "skip_while",
    "scan",
    "peekable",
    "nth",
    "last",
    "find_map",
    "partition",
];

/// Renames an unknown method to the one Rust calls it.
pub struct MethodMisname;

impl FixStrategy for MethodMisname {
    fn id(&self) -> &str {
        "rust.method-misname"
    }

    fn suggest(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        if !is_rust(error, program) || code(error) != "E0599" {
            return Vec::new();
        }
        let Some((loc, text)) = error_file(error, program) else {
            return Vec::new();
        };
        let Some((name, _)) = undefined_name(&error.message) else {
            return Vec::new();
        };
        let Some(pos) = find_word_on_line(text, loc.line, loc.column, &name) else {
            return Vec::new();
        };
        let assoc = error.message.starts_with("no function or associated item");
        let table = if assoc {
            ASSOC_MISNAMES
        } else {
            METHOD_MISNAMES
        };
        let mut fixes = Vec::new();
        if let Some((_, targets)) = table.iter().find(|(from, _)| *from == name) {
            for (rank, target) in targets.iter().enumerate() {
                let mut edits = vec![edit(&loc.file, pos, pos + name.len(), *target)];
                // The comparison methods take their argument by reference.
                let open = pos + name.len();
                if ["lt", "le", "gt", "ge", "eq", "ne", "cmp", "partial_cmp"].contains(target)
                    && text[open..].starts_with('(')
                    && !text[open + 1..].starts_with(['&', ')'])
                {
                    edits.push(edit(&loc.file, open + 1, open + 1, "&"));
                }
                fixes.push(fix(
                    self.id(),
                    format!("call `{target}` instead of `{name}`"),
                    0.7 - 0.15 * rank as f64,
                    edits,
                ));
            }
        }
        let not_iterator = error.notes.iter().any(|n| n.contains("is not an iterator"))
            || (ITERATOR_METHODS.contains(&name.as_str())
                && [
                    "Vec<",
                    "[",
                    "HashMap<",
                    "HashSet<",
                    "VecDeque<",
                    "BTreeMap<",
                    "&Vec<",
                    "&[",
                ]
                .iter()
                .any(|t| error.message.contains(&format!("`{t}"))));
        if !assoc && not_iterator && text[..pos].ends_with('.') {
            fixes.push(fix(
                self.id(),
                format!("iterate before calling `{name}`: `.iter().{name}`"),
                0.7,
                vec![edit(&loc.file, pos, pos, "iter().")],
            ));
            fixes.push(fix(
                self.id(),
                format!("iterate by value before calling `{name}`: `.into_iter().{name}`"),
                0.5,
                vec![edit(&loc.file, pos, pos, "into_iter().")],
            ));
        }
        fixes
    }
}

// ---------------------------------------------------------------------------------------------
// Free function → method

/// `round(x)` → `x.round()` when the "function" is really a method of the argument.
pub struct FunctionToMethod;

impl FixStrategy for FunctionToMethod {
    fn id(&self) -> &str {
        "rust.function-to-method"
    }

    fn suggest(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        if !is_rust(error, program)
            || code(error) != "E0425"
            || !error.message.starts_with("cannot find function")
        {
            return Vec::new();
        }
        let Some((loc, text)) = error_file(error, program) else {
            return Vec::new();
        };
        let Some((name, _)) = undefined_name(&error.message) else {
            return Vec::new();
        };
        if !builtin_members(TargetLanguage::Rust).contains(&name.as_str()) {
            return Vec::new();
        }
        let Some(pos) = find_word_on_line(text, loc.line, loc.column, &name) else {
            return Vec::new();
        };
        let open = pos + name.len();
        if text.as_bytes().get(open) != Some(&b'(') {
            return Vec::new();
        }
        let Some((args, close)) = split_call_args(text, open) else {
            return Vec::new();
        };
        let Some((receiver, rest)) = args.split_first() else {
            return Vec::new();
        };
        let receiver = receiver.trim();
        let simple = receiver.chars().all(|c| is_ident_char(c) || c == '.')
            && !receiver.starts_with(|c: char| c.is_ascii_digit());
        let receiver = if simple {
            receiver.to_string()
        } else {
            format!("({receiver})")
        };
        let rest: Vec<&str> = rest.iter().map(|a| a.trim()).collect();
        let call = format!("{receiver}.{name}({})", rest.join(", "));
        vec![fix(
            self.id(),
            format!("call `{name}` as a method: `{call}`"),
            0.6,
            vec![edit(&loc.file, pos, close + 1, call)],
        )]
    }
}

/// The top-level comma-separated arguments of the call whose `(` is at `open`, and the
/// position of its `)`.
fn split_call_args(text: &str, open: usize) -> Option<(Vec<&str>, usize)> {
    let bytes = text.as_bytes();
    let mut depth = 0i32;
    let mut args = Vec::new();
    let mut arg_start = open + 1;
    let mut i = open;
    let mut in_str = false;
    while i < bytes.len() {
        let b = bytes[i];
        if in_str {
            if b == b'\\' {
                i += 1;
            } else if b == b'"' {
                in_str = false;
            }
        } else {
            match b {
                b'"' => in_str = true,
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        let last = &text[arg_start..i];
                        if !last.trim().is_empty() {
                            args.push(last);
                        }
                        return Some((args, i));
                    }
                }
                b',' if depth == 1 => {
                    args.push(&text[arg_start..i]);
                    arg_start = i + 1;
                }
                b';' => return None,
                _ => {}
            }
        }
        i += 1;
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Expected tokens

/// Inserts or substitutes the token a parser error says it expected.
pub struct ExpectedToken;

/// Backticked tokens in order of appearance.
fn backticked(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

impl FixStrategy for ExpectedToken {
    fn id(&self) -> &str {
        "rust.expected-token"
    }

    fn suggest(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        if !is_rust(error, program) || error.error_type != ErrorType::SyntaxError {
            return Vec::new();
        }
        let Some((loc, text)) = error_file(error, program) else {
            return Vec::new();
        };
        let Some(at) = line_col_to_byte(text, loc.line, loc.column) else {
            return Vec::new();
        };
        let file = loc.file.as_str();
        let msg = error.message.as_str();
        let mut fixes = Vec::new();
        if let Some(tok) = msg
            .strip_prefix("unexpected `")
            .and_then(|r| r.strip_suffix('`'))
        {
            if tok == "==" && text[at..].starts_with("==") {
                fixes.push(fix(
                    self.id(),
                    "assign with `=` instead of comparing with `==`".into(),
                    0.65,
                    vec![edit(file, at, at + 2, "=")],
                ));
                let all = let_comparisons(text, file);
                if all.len() > 1 {
                    fixes.push(fix(
                        self.id(),
                        "assign with `=` in every `let … ==`".into(),
                        0.7,
                        all,
                    ));
                }
            }
            return fixes;
        }
        if msg.starts_with("missing `in` in `for` loop") && text[at..].starts_with(';') {
            // `for i; in 0..n`: a stray `;` (in every such loop of the file).
            let edits: Vec<Edit> = text
                .match_indices("; in ")
                .filter(|(p, _)| {
                    line_bounds(text, super::names::line_of(text, *p))
                        .is_some_and(|(ls, _)| text[ls..*p].trim_start().starts_with("for "))
                })
                .map(|(p, _)| edit(file, p, p + 1, ""))
                .collect();
            fixes.push(fix(
                self.id(),
                "remove the stray `;` before `in`".into(),
                0.7,
                edits,
            ));
            return fixes;
        }
        if msg.starts_with("missing `in` in `for` loop") {
            // `for cond {` is a `while` loop written with the wrong keyword.
            if let Some((ls, le)) = line_bounds(text, loc.line) {
                if let Some(f) = text[ls..le].find("for ") {
                    let p = ls + f;
                    fixes.push(fix(
                        self.id(),
                        "a condition loop is `while`, not `for`".into(),
                        0.6,
                        vec![edit(file, p, p + 3, "while")],
                    ));
                }
            }
            fixes.push(fix(
                self.id(),
                "insert the missing `in`".into(),
                0.3,
                vec![edit(file, at, at, " in")],
            ));
            return fixes;
        }
        let Some(rest) = msg.strip_prefix("expected ") else {
            return fixes;
        };
        let Some((expected_part, found_part)) = rest.split_once(", found ") else {
            return fixes;
        };
        let found = backticked(found_part).first().copied().unwrap_or("");
        let expected: Vec<&str> = backticked(expected_part);
        if expected.is_empty() {
            return fixes;
        }
        let found_here = !found.is_empty() && text[at..].starts_with(found);
        if found == "==" && found_here {
            let all = let_comparisons(text, file);
            if all.len() > 1 {
                fixes.push(fix(
                    self.id(),
                    "assign with `=` in every `let … ==`".into(),
                    0.7,
                    all,
                ));
            }
        }
        // `if c == '(';{` on several lines: every `;` right before a block's `{` in a condition.
        if found == ";" && expected == ["{"] && found_here {
            let mask = code_mask(text);
            let mut all = Vec::new();
            for (p, _) in text.match_indices(';') {
                let rest = &text[p + 1..];
                let line = line_bounds(text, super::names::line_of(text, p))
                    .map_or("", |(ls, le)| &text[ls..le]);
                let t = line.trim_start();
                if mask[p]
                    && rest.trim_start_matches([' ', '\t']).starts_with('{')
                    && ["if ", "while ", "} else if ", "else if "]
                        .iter()
                        .any(|k| t.starts_with(k))
                {
                    all.push(edit(file, p, p + 1, ""));
                }
            }
            if all.len() > 1 {
                fixes.push(fix(
                    self.id(),
                    "remove every stray `;` before a block".into(),
                    0.65,
                    all,
                ));
            }
        }
        // `if c == '(';{`: a stray token right before the expected one.
        if found_here
            && expected.len() == 1
            && text[at + found.len()..]
                .trim_start()
                .starts_with(expected[0])
        {
            fixes.push(fix(
                self.id(),
                format!("remove the stray `{found}`"),
                0.6,
                vec![edit(file, at, at + found.len(), "")],
            ));
        }
        // Tokens worth proposing, most plausible first.
        const ORDER: &[&str] = &[
            ";", ":", ",", "=", ")", "]", "}", "=>", "::", "in", "{", "(", "|", "->",
        ];
        let mut candidates: Vec<&str> = expected
            .iter()
            .copied()
            .filter(|t| ORDER.contains(t))
            .collect();
        candidates.sort_by_key(|t| ORDER.iter().position(|o| o == t));
        for (rank, tok) in candidates.iter().take(3).enumerate() {
            let base = if expected.len() == 1 { 0.55 } else { 0.45 } - 0.08 * rank as f64;
            let is_punct = !found.chars().next().is_some_and(is_ident_char);
            if found_here && is_punct && found != *tok {
                fixes.push(fix(
                    self.id(),
                    format!("replace `{found}` by the expected `{tok}`"),
                    base + 0.05,
                    vec![edit(file, at, at + found.len(), *tok)],
                ));
            }
            let spaced =
                if tok.chars().all(is_ident_char) || ["=", "->", "=>", ":", ","].contains(tok) {
                    format!("{tok} ")
                } else {
                    tok.to_string()
                };
            // Insert right after the previous token, so `a f64` becomes `a: f64`.
            let prev_end = text[..at].trim_end().len();
            let insert_at = if *tok == ":" || *tok == ";" || *tok == "," {
                prev_end
            } else {
                at
            };
            let replacement = if insert_at == prev_end && insert_at < at {
                tok.to_string()
            } else {
                spaced
            };
            fixes.push(fix(
                self.id(),
                format!("insert the expected `{tok}`"),
                base,
                vec![edit(file, insert_at, insert_at, replacement)],
            ));
        }
        fixes
    }
}

/// Every `let pattern == value;` (or `const`/`static`), and every statement `place == value;`
/// whose comparison result is thrown away, in the file, as `==` → `=` edits.
fn let_comparisons(text: &str, file: &str) -> Vec<Edit> {
    let mut out = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if let Some(i) = line.find(" == ") {
            let lhs = line[..i].trim();
            let declaration = ["let ", "const ", "static "]
                .iter()
                .any(|k| t.starts_with(k))
                && !lhs.contains('=');
            // `highest == highest.max(s);`: a place on the left, nothing else on the line.
            let statement = t.ends_with(';')
                && !lhs.is_empty()
                && lhs.chars().all(|c| is_ident_char(c) || "[]. *".contains(c))
                && !lhs
                    .split_whitespace()
                    .any(|w| ["if", "while", "return", "match", "let", "else"].contains(&w))
                && !line[i + 4..].contains(" == ");
            if declaration || statement {
                out.push(edit(file, offset + i + 1, offset + i + 3, "="));
            }
        }
        offset += line.len();
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Other languages' syntax

/// Statement-starting keywords from other languages, with the Rust that replaces them.
const FOREIGN_KEYWORDS: &[(&str, &str)] = &[
    ("import", "use"),
    ("func", "fn"),
    ("function", "fn"),
    ("def", "fn"),
    ("foreach", "for"),
    ("elif", "else if"),
    ("elsif", "else if"),
    ("elseif", "else if"),
    ("set", "let"),
    ("var", "let"),
    ("val", "let"),
    ("auto", "let"),
    ("switch", "match"),
];

/// Rewrites constructs from other languages wherever they occur in the file.
pub struct ForeignSyntax;

impl FixStrategy for ForeignSyntax {
    fn id(&self) -> &str {
        "rust.foreign-syntax"
    }

    fn suggest(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        if !is_rust(error, program) || error.error_type != ErrorType::SyntaxError {
            return Vec::new();
        }
        let Some((loc, text)) = error_file(error, program) else {
            return Vec::new();
        };
        let file = loc.file.as_str();
        let idents = identifiers(text, TargetLanguage::Rust);
        let declared = declared_names(program);
        let mut fixes = Vec::new();
        for (foreign, rust) in FOREIGN_KEYWORDS {
            if declared.iter().any(|d| d == foreign) && *foreign != "import" {
                continue;
            }
            let edits: Vec<Edit> = idents
                .iter()
                .enumerate()
                .filter(|(_, (_, w))| w == foreign)
                .filter(|(n, (pos, w))| {
                    // Followed by a name or pattern (`set x =`, `foreach &s in`), or `elif cond {`.
                    let after = text[pos + w.len()..].trim_start_matches([' ', '\t']);
                    let next_is_word = idents.get(n + 1).is_some_and(|(p, _)| {
                        text[pos + w.len()..*p].trim().is_empty()
                            || text[pos + w.len()..*p].trim() == "&"
                    });
                    next_is_word || after.starts_with(['(', '&'])
                })
                .map(|(_, (pos, w))| edit(file, *pos, pos + w.len(), *rust))
                .collect();
            if !edits.is_empty() {
                fixes.push(fix(
                    self.id(),
                    format!("Rust writes `{rust}` where this code wrote `{foreign}`"),
                    0.7,
                    edits,
                ));
            }
        }
        // `let return x` → `return x`.
        let lets: Vec<Edit> = text
            .match_indices("let return")
            .filter(|(p, _)| is_word_at(text, *p, 10))
            .map(|(p, _)| edit(file, p, p + 4, ""))
            .collect();
        if !lets.is_empty() {
            fixes.push(fix(
                self.id(),
                "`return` is not a binding: drop `let`".into(),
                0.7,
                lets,
            ));
        }
        // `do expr` (not a Rust keyword): drop it, or it meant `return`.
        let dos: Vec<usize> = idents
            .iter()
            .filter(|(p, w)| *w == "do" && text[p + 2..].starts_with(' '))
            .map(|(p, _)| *p)
            .collect();
        if !dos.is_empty() {
            fixes.push(fix(
                self.id(),
                "drop the stray `do`".into(),
                0.55,
                dos.iter().map(|p| edit(file, *p, p + 3, "")).collect(),
            ));
            fixes.push(fix(
                self.id(),
                "`do` meant `return`".into(),
                0.4,
                dos.iter()
                    .map(|p| edit(file, *p, p + 2, "return"))
                    .collect(),
            ));
        }
        // Python-style `# comment` after code.
        let mask = code_mask(text);
        let hashes: Vec<Edit> = text
            .match_indices(" # ")
            .filter(|(p, _)| mask[*p + 1])
            .map(|(p, _)| edit(file, p + 1, p + 2, "//"))
            .collect();
        if !hashes.is_empty() {
            fixes.push(fix(
                self.id(),
                "Rust comments start with `//`, not `#`".into(),
                0.7,
                hashes,
            ));
        }
        // `use std:{cmp:max}` → `use std::{cmp::max}`.
        let mut colons = Vec::new();
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            if line.trim_start().starts_with("use ") {
                let b = line.as_bytes();
                for i in 1..b.len().saturating_sub(1) {
                    if b[i] == b':'
                        && b[i - 1] != b':'
                        && b[i + 1] != b':'
                        && (b[i - 1] as char).is_alphanumeric()
                    {
                        colons.push(edit(file, offset + i, offset + i + 1, "::"));
                    }
                }
            }
            offset += line.len();
        }
        if !colons.is_empty() {
            fixes.push(fix(
                self.id(),
                "paths are separated by `::`".into(),
                0.7,
                colons,
            ));
        }
        // `vec[…]` → `vec![…]` when `vec` is not a variable.
        if !declared.iter().any(|d| d == "vec") {
            let edits: Vec<Edit> = idents
                .iter()
                .filter(|(p, w)| {
                    *w == "vec" && text[p + 3..].starts_with('[') && !text[..*p].ends_with('.')
                })
                .map(|(p, _)| edit(file, p + 3, p + 3, "!"))
                .collect();
            if !edits.is_empty() {
                fixes.push(fix(
                    self.id(),
                    "`vec` is a macro: `vec![…]`".into(),
                    0.7,
                    edits,
                ));
            }
        }
        fixes
    }
}

// ---------------------------------------------------------------------------------------------
// Moves and borrows

/// `.clone()` where the notes say a value was moved or borrowed.
pub struct CloneMoved;

/// Positions the error's notes point at with a label starting with one of `labels`.
fn note_positions(error: &CodeError, program: &Program, labels: &[&str]) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for note in &error.notes {
        let mut parts = note.splitn(4, ':');
        let (Some(file), Some(line), Some(col), Some(label)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        if !labels.iter().any(|l| label.trim_start().starts_with(l)) {
            continue;
        }
        let (Ok(line), Ok(col)) = (line.parse::<u32>(), col.parse::<u32>()) else {
            continue;
        };
        if program.protected.contains(file) {
            continue;
        }
        if let Some(pos) = program
            .files
            .get(file)
            .and_then(|t| line_col_to_byte(t, line, col))
        {
            out.push((file.to_string(), pos));
        }
    }
    out
}

impl FixStrategy for CloneMoved {
    fn id(&self) -> &str {
        "rust.clone-moved"
    }

    fn suggest(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        if !is_rust(error, program) {
            return Vec::new();
        }
        let (labels, conf): (&[&str], f64) = match code(error) {
            "E0382" => (&["value moved here"], 0.6),
            "E0502" | "E0499" | "E0505" | "E0506" => (
                &[
                    "immutable borrow occurs here",
                    "first mutable borrow occurs here",
                    "borrow of",
                    "`",
                ],
                0.45,
            ),
            _ => return Vec::new(),
        };
        let Some(raw) = error.message.split('`').nth(1) else {
            return Vec::new();
        };
        let name: String = raw
            .trim_start_matches(['*', '&'])
            .chars()
            .take_while(|c| is_ident_char(*c))
            .collect();
        if !is_identifier(&name) {
            return Vec::new();
        }
        let mut fixes = Vec::new();
        for (file, pos) in note_positions(error, program, labels) {
            let Some(text) = program.files.get(&file) else {
                continue;
            };
            let mut at = pos;
            if text[at..].starts_with('&') {
                at += 1;
                if text[at..].starts_with("mut ") {
                    at += 4;
                }
            }
            if !(text[at..].starts_with(name.as_str()) && is_word_at(text, at, name.len())) {
                continue;
            }
            let end = at + name.len();
            fixes.push(fix(
                self.id(),
                format!("clone `{name}` instead of moving or borrowing it"),
                conf,
                vec![edit(&file, end, end, ".clone()")],
            ));
            if code(error) == "E0382" && !text[..pos].ends_with('&') {
                fixes.push(fix(
                    self.id(),
                    format!("borrow `{name}` instead of moving it"),
                    conf - 0.15,
                    vec![edit(&file, at, at, "&")],
                ));
            }
        }
        fixes
    }
}

// ---------------------------------------------------------------------------------------------
// Commented-out definitions

/// Uncomments `// let x = …` when `x` is used later and undefined.
pub struct UncommentDefinition;

impl FixStrategy for UncommentDefinition {
    fn id(&self) -> &str {
        "rust.uncomment-definition"
    }

    fn suggest(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        if !is_rust(error, program) || !matches!(code(error), "E0425" | "E0412" | "E0433" | "E0422")
        {
            return Vec::new();
        }
        let Some((loc, text)) = error_file(error, program) else {
            return Vec::new();
        };
        let Some((name, _)) = undefined_name(&error.message) else {
            return Vec::new();
        };
        let patterns: Vec<String> = [
            "let ", "let mut ", "fn ", "const ", "static ", "struct ", "enum ", "type ", "use ",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut edits = uncomment_definitions(text, &loc.file, &name, loc.line, &patterns);
        edits.truncate(1);
        edits
            .into_iter()
            .map(|e| {
                fix(
                    self.id(),
                    format!("uncomment the definition of `{name}`"),
                    0.6,
                    vec![e],
                )
            })
            .collect()
    }
}

/// Uncomments code cut off by a trailing `//` comment (`if d.abs() // < t {`).
pub struct CommentedCode;

impl FixStrategy for CommentedCode {
    fn id(&self) -> &str {
        "rust.commented-code"
    }

    fn suggest(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let relevant = matches!(
            error.error_type,
            ErrorType::SyntaxError | ErrorType::TestFailure | ErrorType::TelemetryMismatch
        );
        if program.language != TargetLanguage::Rust || !relevant {
            return Vec::new();
        }
        super::names::commented_code_fixes(self.id(), program, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::apply_fix;

    fn program(text: &str) -> Program {
        Program::new(
            TargetLanguage::Rust,
            [
                ("lib.rs".to_string(), text.to_string()),
                (
                    "tests.rs".to_string(),
                    "use super::*;\n#[test]\nfn t() {}\n".to_string(),
                ),
            ],
        )
        .unwrap()
        .with_protected(["tests.rs".to_string()])
        .unwrap()
    }

    fn err(
        error_type: ErrorType,
        code: Option<&str>,
        message: &str,
        line: u32,
        col: u32,
    ) -> CodeError {
        let mut e =
            CodeError::new(error_type, message).with_location(Location::new("lib.rs", line, col));
        e.code = code.map(str::to_string);
        e
    }

    /// The text after applying each fix, in the order proposed.
    fn results(strategy: &dyn FixStrategy, e: &CodeError, p: &Program) -> Vec<String> {
        strategy
            .suggest(e, p)
            .iter()
            .map(|f| apply_fix(p, f).unwrap().files["lib.rs"].clone())
            .collect()
    }

    #[test]
    fn std_table_is_well_formed() {
        let table = std_table();
        assert!(table.values().map(Vec::len).sum::<usize>() >= 200);
        assert_eq!(table["HashMap"], ["std::collections::HashMap"]);
        assert_eq!(
            table["Ordering"],
            ["std::cmp::Ordering", "std::sync::atomic::Ordering"]
        );
        for (name, paths) in table {
            for path in paths {
                assert!(path.ends_with(name), "{name} {path}");
                assert!(path.split("::").all(is_identifier), "{path}");
            }
        }
    }

    /// Every table path must resolve: compile `use path as _;` for all of them (std only; the
    /// `rand`/`regex` entries need the dependency crates).
    #[test]
    fn std_table_paths_exist() {
        let Ok(rustc) = which("rustc") else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let mut src = String::from("#![allow(unused_imports, deprecated)]\n");
        for paths in std_table().values() {
            for path in paths.iter().filter(|p| p.starts_with("std::")) {
                src.push_str(&format!("use {path} as _;\n"));
            }
        }
        std::fs::write(dir.path().join("t.rs"), src).unwrap();
        let out = std::process::Command::new(rustc)
            .args([
                "--edition",
                "2021",
                "--crate-type",
                "lib",
                "--emit",
                "metadata",
                "t.rs",
            ])
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn which(bin: &str) -> Result<std::path::PathBuf, ()> {
        let path = std::env::var_os("PATH").ok_or(())?;
        std::env::split_paths(&path)
            .map(|d| d.join(bin))
            .find(|p| p.is_file())
            .ok_or(())
    }

    #[test]
    fn imports_a_std_type_after_existing_uses() {
        let p = program("use std::fmt;\n\nfn f() -> usize {\n    let m: HashMap<i32, i32> = HashMap::new();\n    m.len()\n}\n");
        let e = err(
            ErrorType::UndefinedVariable,
            Some("E0412"),
            "cannot find type `HashMap` in this scope",
            4,
            12,
        );
        assert_eq!(
            results(&MissingImport, &e, &p),
            ["use std::fmt;\nuse std::collections::HashMap;\n\nfn f() -> usize {\n    let m: HashMap<i32, i32> = HashMap::new();\n    m.len()\n}\n"]
        );
        // Ambiguous names give one fix per path, the common one first.
        let p = program("fn f(a: i32, b: i32) -> Ordering {\n    a.cmp(&b)\n}\n");
        let e = err(
            ErrorType::UndefinedVariable,
            Some("E0412"),
            "cannot find type `Ordering` in this scope",
            1,
            25,
        );
        let fixes = MissingImport.suggest(&e, &p);
        assert_eq!(fixes.len(), 2);
        assert_eq!(fixes[0].edits[0].replacement, "use std::cmp::Ordering;\n");
        assert_eq!(fixes[0].edits[0].byte_start, 0);
        assert!(fixes[0].confidence > fixes[1].confidence);
    }

    #[test]
    fn import_goes_to_the_crate_root_for_errors_in_protected_tests() {
        let p = program(" use std::fmt;\nfn f() {}\n");
        let mut e = err(
            ErrorType::UndefinedVariable,
            Some("E0425"),
            "cannot find function `max` in this scope",
            3,
            1,
        );
        e.location = Some(Location::new("tests.rs", 3, 1));
        assert_eq!(
            results(&MissingImport, &e, &p),
            [" use std::fmt;\n use std::cmp::max;\nfn f() {}\n"]
        );
    }

    #[test]
    fn use_insertion_skips_nested_uses_and_multiline_uses() {
        let text = "#![allow(dead_code)]\nuse std::{\n    fmt,\n};\nmod m {\n    use std::io;\n}\n";
        assert_eq!(use_insertion_point(text), text.find("mod m").unwrap());
        assert_eq!(use_insertion_point("//! doc\nfn f() {}\n"), 8);
    }

    #[test]
    fn adds_mut_to_let_and_params() {
        let p = program("fn f() -> i32 {\n    let x = 1;\n    x = 2;\n    x\n}\n");
        let e = err(
            ErrorType::CompilerError("borrow".into()),
            Some("E0384"),
            "cannot assign twice to immutable variable `x`",
            3,
            5,
        );
        assert_eq!(
            results(&MissingMut, &e, &p),
            ["fn f() -> i32 {\n    let mut x = 1;\n    x = 2;\n    x\n}\n"]
        );

        let p = program("fn f() {\n    let (a, v) = (1, Vec::new());\n    v.push(a);\n}\n");
        let e = err(
            ErrorType::CompilerError("borrow".into()),
            Some("E0596"),
            "cannot borrow `v` as mutable, as it is not declared as mutable",
            3,
            5,
        );
        assert_eq!(
            results(&MissingMut, &e, &p),
            ["fn f() {\n    let (a, mut v) = (1, Vec::new());\n    v.push(a);\n}\n"]
        );

        let p = program("fn f(v: &Vec<i32>) {\n    v.push(1);\n}\n");
        let e = err(
            ErrorType::CompilerError("borrow".into()),
            Some("E0596"),
            "cannot borrow `*v` as mutable, as it is behind a `&` reference",
            2,
            5,
        );
        assert_eq!(
            results(&MissingMut, &e, &p),
            ["fn f(v: &mut Vec<i32>) {\n    v.push(1);\n}\n"]
        );

        let p = program("fn f(n: i32) -> i32 {\n    n += 1;\n    n\n}\n");
        let e = err(
            ErrorType::CompilerError("borrow".into()),
            Some("E0384"),
            "cannot assign to immutable argument `n`",
            2,
            5,
        );
        assert_eq!(
            results(&MissingMut, &e, &p),
            ["fn f(mut n: i32) -> i32 {\n    n += 1;\n    n\n}\n"]
        );
    }

    fn mismatch(line: u32, col: u32, end_col: u32, label: &str) -> CodeError {
        let mut e = err(
            ErrorType::TypeMismatch,
            Some("E0308"),
            "mismatched types",
            line,
            col,
        );
        e.location = Some(Location::new("lib.rs", line, col).with_end(line, end_col));
        e.notes.push(label.to_string());
        e
    }

    #[test]
    fn type_conversions() {
        let p = program("fn f() -> String {\n    \"hi\"\n}\n");
        let e = mismatch(2, 5, 9, "expected `String`, found `&str`");
        assert_eq!(
            results(&TypeConversion, &e, &p)[0],
            "fn f() -> String {\n    \"hi\".to_string()\n}\n"
        );

        let p = program("fn f(x: usize) -> i32 {\n    x\n}\n");
        let e = mismatch(2, 5, 6, "expected `i32`, found `usize`");
        assert_eq!(
            results(&TypeConversion, &e, &p)[0],
            "fn f(x: usize) -> i32 {\n    x as i32\n}\n"
        );

        let p = program("fn f() -> i32 {\n    let x: i32 = 2.0;\n    x\n}\n");
        let e = mismatch(2, 18, 21, "expected `i32`, found floating-point number");
        assert_eq!(
            results(&TypeConversion, &e, &p)[0],
            "fn f() -> i32 {\n    let x: i32 = 2;\n    x\n}\n"
        );

        let p = program("fn f(x: i32) -> Option<i32> {\n    x\n}\n");
        let e = mismatch(2, 5, 6, "expected `Option<i32>`, found `i32`");
        assert_eq!(
            results(&TypeConversion, &e, &p),
            ["fn f(x: i32) -> Option<i32> {\n    Some(x)\n}\n"]
        );

        let p = program("fn g(s: &str) {}\nfn f(s: String) {\n    g(s)\n}\n");
        let e = mismatch(3, 7, 8, "expected `&str`, found `String`");
        assert_eq!(
            results(&TypeConversion, &e, &p)[0],
            "fn g(s: &str) {}\nfn f(s: String) {\n    g(&s)\n}\n"
        );
    }

    #[test]
    fn method_misnames_and_iterators() {
        let p = program("fn f(v: Vec<i32>) -> usize {\n    v.size()\n}\n");
        let e = err(
            ErrorType::UndefinedVariable,
            Some("E0599"),
            "no method named `size` found for struct `Vec<i32>` in the current scope",
            2,
            7,
        );
        assert_eq!(
            results(&MethodMisname, &e, &p),
            ["fn f(v: Vec<i32>) -> usize {\n    v.len()\n}\n"]
        );

        let p = program("fn f(v: Vec<f32>) -> f32 {\n    v.fold(0.0, |a, b| a + b)\n}\n");
        let mut e = err(
            ErrorType::UndefinedVariable,
            Some("E0599"),
            "no method named `fold` found for struct `Vec<f32>` in the current scope",
            2,
            7,
        );
        e.notes.push("`Vec<f32>` is not an iterator".into());
        assert_eq!(
            results(&MethodMisname, &e, &p)[0],
            "fn f(v: Vec<f32>) -> f32 {\n    v.iter().fold(0.0, |a, b| a + b)\n}\n"
        );

        let p = program("fn f() -> Vec<i32> {\n    Vec::create()\n}\n");
        let e = err(ErrorType::UndefinedVariable, Some("E0599"), "no function or associated item named `create` found for struct `Vec<_, _>` in the current scope", 2, 10);
        assert_eq!(
            results(&MethodMisname, &e, &p),
            ["fn f() -> Vec<i32> {\n    Vec::new()\n}\n"]
        );
    }

    #[test]
    fn free_function_becomes_method() {
        let p = program("fn f(a: f64) -> f64 {\n    round(a * 100.0) / 100.0\n}\n");
        let e = err(
            ErrorType::UndefinedVariable,
            Some("E0425"),
            "cannot find function `round` in this scope",
            2,
            5,
        );
        assert_eq!(
            results(&FunctionToMethod, &e, &p),
            ["fn f(a: f64) -> f64 {\n    (a * 100.0).round() / 100.0\n}\n"]
        );
        let p = program("fn f(a: i32) -> i32 {\n    pow(a, 2)\n}\n");
        let e = err(
            ErrorType::UndefinedVariable,
            Some("E0425"),
            "cannot find function `pow` in this scope",
            2,
            5,
        );
        assert_eq!(
            results(&FunctionToMethod, &e, &p),
            ["fn f(a: i32) -> i32 {\n    a.pow(2)\n}\n"]
        );
    }

    #[test]
    fn expected_tokens() {
        let p = program("fn f(a f64) -> f64 {\n    a\n}\n");
        let e = err(
            ErrorType::SyntaxError,
            None,
            "expected one of `:`, `@`, or `|`, found `f64`",
            1,
            8,
        );
        assert_eq!(
            results(&ExpectedToken, &e, &p)[0],
            "fn f(a: f64) -> f64 {\n    a\n}\n"
        );

        let p = program("fn f() -> i32 {\n    let x == 1;\n    x\n}\n");
        let e = err(ErrorType::SyntaxError, None, "unexpected `==`", 2, 11);
        assert_eq!(
            results(&ExpectedToken, &e, &p),
            ["fn f() -> i32 {\n    let x = 1;\n    x\n}\n"]
        );
        let e = err(
            ErrorType::SyntaxError,
            None,
            "expected `=`, found `==`",
            2,
            11,
        );
        assert_eq!(
            results(&ExpectedToken, &e, &p)[0],
            "fn f() -> i32 {\n    let x = 1;\n    x\n}\n"
        );

        let p = program("fn f(mut c: i32) {\n    for c >= 1 {\n        c /= 2;\n    }\n}\n");
        let e = err(
            ErrorType::SyntaxError,
            None,
            "missing `in` in `for` loop",
            2,
            10,
        );
        assert_eq!(
            results(&ExpectedToken, &e, &p)[0],
            "fn f(mut c: i32) {\n    while c >= 1 {\n        c /= 2;\n    }\n}\n"
        );
    }

    #[test]
    fn every_let_comparison_and_stray_tokens() {
        let p = program("fn f() -> i32 {\n    let mut a == 1;\n    const B: i32 == 2;\n    a == a.max(B);\n    if a == B { 1 } else { a }\n}\n");
        let e = err(ErrorType::SyntaxError, None, "unexpected `==`", 2, 15);
        assert_eq!(
            results(&ExpectedToken, &e, &p)[1],
            "fn f() -> i32 {\n    let mut a = 1;\n    const B: i32 = 2;\n    a = a.max(B);\n    if a == B { 1 } else { a }\n}\n"
        );

        let p =
            program("fn f(c: char) -> i32 {\n    if c == '(';{\n        1\n    } else { 0 }\n}\n");
        let e = err(
            ErrorType::SyntaxError,
            None,
            "expected `{`, found `;`",
            2,
            16,
        );
        assert!(results(&ExpectedToken, &e, &p).contains(
            &"fn f(c: char) -> i32 {\n    if c == '('{\n        1\n    } else { 0 }\n}\n"
                .to_string()
        ));

        let p = program(
            "fn f(n: usize) {\n    for i; in 0..n {\n        for j; in 0..i {}\n    }\n}\n",
        );
        let e = err(
            ErrorType::SyntaxError,
            None,
            "missing `in` in `for` loop",
            2,
            10,
        );
        assert_eq!(
            results(&ExpectedToken, &e, &p),
            ["fn f(n: usize) {\n    for i in 0..n {\n        for j in 0..i {}\n    }\n}\n"]
        );
    }

    #[test]
    fn every_stray_semicolon_before_a_block() {
        let p = program("fn f(c: char) -> i32 {\n    if c == 'a';{\n        1\n    } else if c == 'b'; {\n        2\n    } else { 0 }\n}\n");
        let e = err(
            ErrorType::SyntaxError,
            None,
            "expected `{`, found `;`",
            2,
            16,
        );
        assert!(results(&ExpectedToken, &e, &p).contains(
            &"fn f(c: char) -> i32 {\n    if c == 'a'{\n        1\n    } else if c == 'b' {\n        2\n    } else { 0 }\n}\n".to_string()
        ));
    }

    #[test]
    fn comparison_methods_take_references() {
        let p = program("fn f(a: u32, b: u32) -> bool {\n    a.smaller_or_equal(b)\n}\n");
        let e = err(
            ErrorType::UndefinedVariable,
            Some("E0599"),
            "no method named `smaller_or_equal` found for type `u32` in the current scope",
            2,
            7,
        );
        assert_eq!(
            results(&MethodMisname, &e, &p),
            ["fn f(a: u32, b: u32) -> bool {\n    a.le(&b)\n}\n"]
        );
    }

    #[test]
    fn append_one_element_is_push() {
        let p = program("fn f(v: &mut Vec<i32>, x: i32) {\n    v.append(x);\n}\n");
        let e = mismatch(2, 14, 15, "expected `&mut Vec<i32>`, found `i32`");
        assert_eq!(
            results(&TypeConversion, &e, &p),
            ["fn f(v: &mut Vec<i32>, x: i32) {\n    v.push(x);\n}\n"]
        );
    }

    #[test]
    fn foreign_syntax() {
        let p = program("import std::fmt;\nfunc f() -> Vec<i32> {\n    set n = 2;\n    set mut v = vec[0; n];\n    v\n}\n");
        let e = err(
            ErrorType::SyntaxError,
            None,
            "expected item, found `import`",
            1,
            1,
        );
        let out = results(&ForeignSyntax, &e, &p);
        assert!(out.contains(&"use std::fmt;\nfunc f() -> Vec<i32> {\n    set n = 2;\n    set mut v = vec[0; n];\n    v\n}\n".to_string()));
        assert!(out.contains(&"import std::fmt;\nfunc f() -> Vec<i32> {\n    let n = 2;\n    let mut v = vec[0; n];\n    v\n}\n".to_string()));
        assert!(out.contains(&"import std::fmt;\nfunc f() -> Vec<i32> {\n    set n = 2;\n    set mut v = vec![0; n];\n    v\n}\n".to_string()));

        let p = program(
            "use std:{cmp:max};\nfn f() -> i32 {\n    let a = 1; # one\n    max(a, 2)\n}\n",
        );
        let e = err(
            ErrorType::SyntaxError,
            None,
            "expected `::`, found `:`",
            1,
            8,
        );
        let out = results(&ForeignSyntax, &e, &p);
        assert!(out.contains(
            &"use std:{cmp:max};\nfn f() -> i32 {\n    let a = 1; // one\n    max(a, 2)\n}\n"
                .to_string()
        ));
        assert!(out.contains(
            &"use std::{cmp::max};\nfn f() -> i32 {\n    let a = 1; # one\n    max(a, 2)\n}\n"
                .to_string()
        ));

        let p = program("fn f(x: f64) -> f64 {\n    do x * 2.0\n}\n");
        let e = err(
            ErrorType::SyntaxError,
            None,
            "expected expression, found reserved keyword `do`",
            2,
            5,
        );
        assert_eq!(
            results(&ForeignSyntax, &e, &p)[0],
            "fn f(x: f64) -> f64 {\n    x * 2.0\n}\n"
        );
    }

    #[test]
    fn clone_at_the_move_site() {
        let p = program("fn f(s: String) -> usize {\n    let t = s;\n    s.len() + t.len()\n}\n");
        let mut e = err(
            ErrorType::CompilerError("borrow".into()),
            Some("E0382"),
            "borrow of moved value: `s`",
            3,
            5,
        );
        e.notes.push("lib.rs:2:13: value moved here".into());
        assert_eq!(
            results(&CloneMoved, &e, &p),
            [
                "fn f(s: String) -> usize {\n    let t = s.clone();\n    s.len() + t.len()\n}\n",
                "fn f(s: String) -> usize {\n    let t = &s;\n    s.len() + t.len()\n}\n"
            ]
        );
    }

    #[test]
    fn uncomments_a_definition() {
        let p = program("fn f() -> i32 {\n    // let total = 3;\n    total\n}\n");
        let e = err(
            ErrorType::UndefinedVariable,
            Some("E0425"),
            "cannot find value `total` in this scope",
            3,
            5,
        );
        assert_eq!(
            results(&UncommentDefinition, &e, &p),
            ["fn f() -> i32 {\n    let total = 3;\n    total\n}\n"]
        );
    }
}
