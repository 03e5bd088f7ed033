//! Strategies for Go compiler and vet errors (codes from `diagnostics::go`).
//!
//! | id | errors | fix |
//! |---|---|---|
//! | `go.missing-import` | `undefined: strings` for a std package name used as `strings.X` | add the import (to the block; a single import becomes a block; one is created) |
//! | `go.import-path` | `cannot find package "unicoder"` | the closest std or GOPATH package path |
//! | `go.unused-import` | `"os" imported but not used` | remove the import line |
//! | `go.unused-variable` | `x declared but not used` | `:=` → `=` when `x` already exists, rename to `_`, delete the declaration, or `_ = x` |
//! | `go.define-assign` | `no new variables on left side of :=`, `non-name … on left side of :=`, `undefined: x` at `x = …` | `:=` ↔ `=`, `:=` → `==` in conditions |
//! | `go.missing-return` | `missing return` | `return` of the result types' zero values |
//! | `go.type-conversion` | `cannot use x (… type S) as T value`, `(mismatched types S and T)` | `T(x)`, `string(r)`, `strconv.Itoa(x)` |
//! | `go.exported-name` | `sqrt not declared by package math` | `math.Sqrt` |
//! | `go.foreign-type` | `undefined: double` (and `long`, `boolean`, `String`, `char`, …) | the Go type |
//! | `go.builtin-helper` | `undefined: min` / `max` / `abs` (Go before 1.21) | define the helper function |
//! | `go.make-builtin` | `undefined: f` called as `f([]int, n)` | `make` |
//! | `go.expected-token` | `expected 'X', found 'Y'`, `syntax error: unexpected Y, expecting X` | substitute or insert X |
//! | `go.uncomment-definition` | `undefined: x` with `// x := …` or `/* … */` defining it earlier | uncomment it |
//! | `go.keyword-name` | syntax errors at `var := …` | rename the keyword used as a variable |
//! | `go.commented-code` | syntax errors, test failures, timeouts, panics | uncomment code cut off by a trailing comment (`x := o[i] // + 1`) |

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use super::names::{
    find_word_on_line, identifiers, is_ident_char, is_identifier, is_word_at, line_bounds,
    line_col_to_byte, osa_distance, uncomment_definitions, undefined_name,
};
use super::{code, edit, fix};
use crate::fix::{Edit, Fix, FixStrategy};
use crate::program::Program;
use crate::types::{CodeError, Location, TargetLanguage};

pub fn strategies() -> Vec<Arc<dyn FixStrategy>> {
    vec![
        Arc::new(MissingImport),
        Arc::new(ImportPath),
        Arc::new(UnusedImport),
        Arc::new(UnusedVariable),
        Arc::new(DefineAssign),
        Arc::new(MissingReturn),
        Arc::new(TypeConversion),
        Arc::new(ExportedName),
        Arc::new(ForeignType),
        Arc::new(BuiltinHelper),
        Arc::new(MakeBuiltin),
        Arc::new(ExpectedToken),
        Arc::new(UncommentDefinition),
        Arc::new(KeywordName),
        Arc::new(CommentedCode),
    ]
}

const STD_TABLE: &str = include_str!("../tables/go_std.txt");

/// Packages outside std that Go programs here may import (the toolchain's GOPATH).
const GOPATH_PACKAGES: &[&str] = &[
    "github.com/stretchr/testify/assert",
    "github.com/stretchr/testify/require",
    "github.com/stretchr/testify/mock",
    "github.com/stretchr/testify/suite",
];

/// Package name → import paths, the usual one first.
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

fn std_paths() -> impl Iterator<Item = &'static str> {
    std_table().values().flatten().copied()
}

/// The location and text of a Go error in a file fixes may edit.
fn go_file<'a>(error: &'a CodeError, program: &'a Program) -> Option<(&'a Location, &'a str)> {
    if program.language != TargetLanguage::Go {
        return None;
    }
    let loc = error.location.as_ref()?;
    if program.protected.contains(&loc.file) {
        return None;
    }
    Some((loc, program.files.get(&loc.file)?.as_str()))
}

/// The text of line `line` and where it starts.
fn line_text(text: &str, line: u32) -> Option<(usize, &str)> {
    let (s, e) = line_bounds(text, line)?;
    Some((s, &text[s..e]))
}

/// The whole line `line` including its newline, as a byte range (for deletion).
fn full_line(text: &str, line: u32) -> Option<(usize, usize)> {
    let (s, e) = line_bounds(text, line)?;
    let end = if text[e..].starts_with("\r\n") {
        e + 2
    } else if text[e..].starts_with('\n') {
        e + 1
    } else {
        e
    };
    Some((s, end))
}

fn indentation(line: &str) -> &str {
    &line[..line.len() - line.trim_start().len()]
}

// ---------------------------------------------------------------------------------------------
// Imports

/// The edit that imports `path` into a Go file.
pub(crate) fn add_import(text: &str, file: &str, path: &str) -> Option<Edit> {
    let quoted = format!("\"{path}\"");
    let mut offset = 0usize;
    let mut package_end = None;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if t.starts_with("package ") && package_end.is_none() {
            package_end = Some(offset + line.len());
        }
        if t.starts_with("import (") || t == "import(" {
            // At the end of the block: just before the line holding its `)`.
            let open_end = offset + line.len();
            let mut at = open_end;
            for l in text[open_end..].split_inclusive('\n') {
                if l.trim() == ")" {
                    return Some(edit(file, at, at, format!("\t{quoted}\n")));
                }
                at += l.len();
            }
            return Some(edit(file, open_end, open_end, format!("\t{quoted}\n")));
        }
        if let Some(rest) = t.strip_prefix("import ") {
            // `import "fmt"` or `import f "fmt"`: becomes a block holding both.
            let body = rest.trim();
            let line_end = offset + line.trim_end_matches(['\n', '\r']).len();
            let start = offset + indentation(line).len();
            return Some(edit(
                file,
                start,
                line_end,
                format!("import (\n\t{body}\n\t{quoted}\n)"),
            ));
        }
        if t.starts_with("func ")
            || t.starts_with("type ")
            || t.starts_with("var ")
            || t.starts_with("const ")
        {
            break;
        }
        offset += line.len();
    }
    let at = package_end?;
    Some(edit(file, at, at, format!("\nimport (\n\t{quoted}\n)\n")))
}

/// Imports a std package whose name is used but not imported.
pub struct MissingImport;

impl FixStrategy for MissingImport {
    fn id(&self) -> &str {
        "go.missing-import"
    }

    fn suggest(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        if !matches!(code(error), "missing_import" | "undefined") {
            return Vec::new();
        }
        let Some((loc, text)) = go_file(error, program) else {
            return Vec::new();
        };
        let Some((name, _)) = undefined_name(&error.message) else {
            return Vec::new();
        };
        let Some(paths) = std_table().get(name.as_str()) else {
            return Vec::new();
        };
        // Only a package when used as `name.Member`.
        let Some(pos) = find_word_on_line(text, loc.line, loc.column, &name) else {
            return Vec::new();
        };
        if !text[pos + name.len()..].starts_with('.') {
            return Vec::new();
        }
        paths
            .iter()
            .enumerate()
            .filter_map(|(rank, path)| {
                let e = add_import(text, &loc.file, path)?;
                let conf = if paths.len() == 1 {
                    0.85
                } else {
                    0.7 - 0.15 * rank as f64
                };
                Some(fix(self.id(), format!("import \"{path}\""), conf, vec![e]))
            })
            .collect()
    }
}

/// Corrects a misspelled import path.
pub struct ImportPath;

impl FixStrategy for ImportPath {
    fn id(&self) -> &str {
        "go.import-path"
    }

    fn suggest(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        if code(error) != "missing_package" {
            return Vec::new();
        }
        let Some((loc, text)) = go_file(error, program) else {
            return Vec::new();
        };
        let msg = &error.message;
        let bad = msg
            .split('"')
            .nth(1)
            .or_else(|| {
                msg.strip_prefix("package ")
                    .and_then(|r| r.split_whitespace().next())
            })
            .unwrap_or("");
        if bad.is_empty() {
            return Vec::new();
        }
        let quoted = format!("\"{bad}\"");
        let Some(pos) = text.find(&quoted) else {
            return Vec::new();
        };
        let last = |p: &str| p.rsplit('/').next().unwrap_or(p).to_string();
        let bad_name = last(bad);
        let used = |name: &str| {
            identifiers(text, TargetLanguage::Go)
                .iter()
                .any(|(p, w)| *w == name && text[p + w.len()..].starts_with('.'))
        };
        let line_range = full_line(text, super::names::line_of(text, pos));
        let mut fixes = Vec::new();
        let mut scored: Vec<(usize, &str)> = std_paths()
            .chain(GOPATH_PACKAGES.iter().copied())
            .map(|p| (osa_distance(bad, p), p))
            .filter(|(d, p)| *d > 0 && *d <= (p.len() / 4).max(2))
            .collect();
        scored.sort();
        scored.truncate(3);
        let any_used = used(&bad_name) || scored.iter().any(|(_, p)| used(&last(p)));
        if !any_used {
            // Nothing in this file uses the package: the import itself is the mistake (a
            // corrected path would only be "imported and not used").
            if let Some((ls, le)) = line_range.filter(|(ls, le)| text[*ls..*le].trim() == quoted) {
                fixes.push(fix(
                    self.id(),
                    format!("remove the import of the unknown, unused package \"{bad}\""),
                    0.75,
                    vec![edit(&loc.file, ls, le, "")],
                ));
            }
        }
        for (rank, (d, path)) in scored.into_iter().enumerate() {
            let scale = if any_used { 0.8 } else { 0.5 };
            let conf = scale * (1.0 - d as f64 / path.len().max(1) as f64) - 0.1 * rank as f64;
            let mut edits = vec![edit(&loc.file, pos + 1, pos + 1 + bad.len(), path)];
            // `unicoder.IsLetter` → `unicode.IsLetter`: the qualifier follows the package name.
            let new_name = last(path);
            if new_name != bad_name {
                edits.extend(
                    identifiers(text, TargetLanguage::Go)
                        .into_iter()
                        .filter(|(p, w)| *w == bad_name && text[p + w.len()..].starts_with('.'))
                        .map(|(p, w)| edit(&loc.file, p, p + w.len(), new_name.clone())),
                );
            }
            fixes.push(fix(
                self.id(),
                format!("import \"{path}\" instead of the unknown \"{bad}\""),
                conf,
                edits,
            ));
        }
        fixes
    }
}

/// Removes an import that is not used.
pub struct UnusedImport;

impl FixStrategy for UnusedImport {
    fn id(&self) -> &str {
        "go.unused-import"
    }

    fn suggest(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        if code(error) != "unused_import" {
            return Vec::new();
        }
        let Some((loc, text)) = go_file(error, program) else {
            return Vec::new();
        };
        let Some(path) = error.message.split('"').nth(1) else {
            return Vec::new();
        };
        let quoted = format!("\"{path}\"");
        let Some((start, line)) = line_text(text, loc.line) else {
            return Vec::new();
        };
        if !line.contains(&quoted) {
            return Vec::new();
        }
        let Some((ls, le)) = full_line(text, loc.line) else {
            return Vec::new();
        };
        let t = line.trim();
        let edit = if t.starts_with("import (") && t.ends_with(')') {
            // `import ("os")` on one line: drop just the path.
            let p = start + line.find(&quoted).unwrap_or(0);
            edit(&loc.file, p, p + quoted.len(), "")
        } else {
            edit(&loc.file, ls, le, "")
        };
        vec![fix(
            self.id(),
            format!("remove the unused import \"{path}\""),
            0.9,
            vec![edit],
        )]
    }
}

// ---------------------------------------------------------------------------------------------
// Variables and `:=`

/// The name in `x declared but not used`, `declared and not used: x`.
fn unused_name(message: &str) -> Option<&str> {
    let m = message.lines().next()?.trim();
    let name = if let Some(rest) = m
        .strip_prefix("declared and not used: ")
        .or_else(|| m.strip_prefix("declared but not used: "))
    {
        rest.trim()
    } else {
        m.split_once(" declared")?.0.trim()
    };
    is_identifier(name).then_some(name)
}

/// Byte offset of the `:=` on a line (outside strings), if any.
fn define_op(line: &str) -> Option<usize> {
    let mut in_str = None;
    let bytes = line.as_bytes();
    let mut i = 0;
    while i + 1 < bytes.len() {
        match (in_str, bytes[i]) {
            (Some(q), b) if b == q => in_str = None,
            (Some(_), b'\\') => i += 1,
            (Some(_), _) => {}
            (None, b'"' | b'\'' | b'`') => in_str = Some(bytes[i]),
            (None, b'/') if bytes[i + 1] == b'/' => return None,
            (None, b':') if bytes[i + 1] == b'=' => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

/// Whether `name` is declared before byte `before` in the function that contains it: a
/// parameter, `var name`, `name :=` or part of `a, name :=`.
fn declared_before(text: &str, name: &str, before: usize) -> bool {
    let func_start = text[..before].rfind("\nfunc ").map_or(0, |i| i + 1);
    let idents = identifiers(&text[func_start..before], TargetLanguage::Go);
    let scope = &text[func_start..before];
    idents.iter().enumerate().any(|(n, (pos, word))| {
        if *word != name {
            return false;
        }
        let after = scope[pos + word.len()..].trim_start_matches([' ', '\t']);
        let prev = n.checked_sub(1).map(|p| idents[p].1);
        let on_sig_line = !scope[..*pos].contains('\n');
        prev == Some("var")
            || after.starts_with(":=")
            || (after.starts_with(',')
                && scope[pos + word.len()..]
                    .lines()
                    .next()
                    .is_some_and(|l| l.contains(":=")))
            || (on_sig_line && !after.starts_with('(') && !after.starts_with('.'))
    })
}

/// Fixes for a variable that is declared but never used.
pub struct UnusedVariable;

impl FixStrategy for UnusedVariable {
    fn id(&self) -> &str {
        "go.unused-variable"
    }

    fn suggest(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        if code(error) != "unused_variable" {
            return Vec::new();
        }
        let Some((loc, text)) = go_file(error, program) else {
            return Vec::new();
        };
        let Some(name) = unused_name(&error.message) else {
            return Vec::new();
        };
        let Some(pos) = find_word_on_line(text, loc.line, loc.column, name) else {
            return Vec::new();
        };
        let Some((line_start, line)) = line_text(text, loc.line) else {
            return Vec::new();
        };
        let file = loc.file.as_str();
        let id = self.id();
        let mut fixes = Vec::new();
        let stmt = line.trim();
        let define = define_op(line).map(|d| line_start + d);
        let lhs_names: Vec<&str> = define
            .map(|d| {
                let lhs = &text[line_start..d];
                let lhs = lhs
                    .trim()
                    .trim_start_matches("for ")
                    .trim_start_matches("if ")
                    .trim();
                lhs.split(',').map(str::trim).collect()
            })
            .unwrap_or_default();
        if let Some(d) = define.filter(|d| pos < *d) {
            let others_new = lhs_names
                .iter()
                .any(|n| *n != name && *n != "_" && !declared_before(text, n, line_start));
            if declared_before(text, name, line_start) {
                // `x := v` inside a block shadows the `x` it meant to assign.
                if others_new {
                    // Keep `:=` for the new names: nothing simple to do here.
                } else {
                    fixes.push(fix(id, format!("assign to the existing `{name}` with `=` instead of declaring a new one with `:=`"), 0.75, vec![edit(file, d, d + 2, "=")]));
                    if lhs_names.len() == 1 && inside_loop(text, line_start) {
                        // In a loop body, a shadowed total usually meant to accumulate.
                        fixes.push(fix(
                            id,
                            format!("accumulate into the existing `{name}` with `+=`"),
                            0.5,
                            vec![edit(file, d, d + 2, "+=")],
                        ));
                    }
                }
            }
            if lhs_names.len() > 1 {
                let conf = if stmt.contains(" range ") { 0.7 } else { 0.6 };
                if others_new
                    || lhs_names.iter().all(|n| *n == name || *n != "_")
                        && lhs_names
                            .iter()
                            .filter(|n| **n != "_" && **n != name)
                            .count()
                            > 0
                {
                    fixes.push(fix(
                        id,
                        format!("discard the unused `{name}` with `_`"),
                        conf,
                        vec![edit(file, pos, pos + name.len(), "_")],
                    ));
                }
            }
        }
        // Delete a simple single-variable declaration.
        let single_define = lhs_names.len() == 1 && stmt.starts_with(name) && define.is_some();
        let single_var = stmt.starts_with("var ")
            && stmt[4..].trim_start().starts_with(name)
            && !stmt[4..].contains(',');
        let opens_block = stmt.ends_with('{') || stmt.ends_with('(');
        if (single_define || single_var)
            && !opens_block
            && !stmt.starts_with("for ")
            && !stmt.starts_with("if ")
        {
            let rhs = stmt.split_once('=').map_or("", |(_, r)| r);
            let calls = rhs.contains('(') && !is_conversion_or_literal(rhs);
            if let Some((ls, le)) = full_line(text, loc.line) {
                fixes.push(fix(
                    id,
                    format!("delete the unused variable `{name}`"),
                    if calls { 0.4 } else { 0.6 },
                    vec![edit(file, ls, le, "")],
                ));
            }
        }
        // `_ = x` after the declaration (inside the block when the line opens one).
        if let Some((_, le)) = full_line(text, loc.line) {
            let indent = indentation(line);
            let (indent, at) = if opens_block {
                (format!("{indent}\t"), le)
            } else {
                (indent.to_string(), le)
            };
            if !stmt.ends_with('(') {
                fixes.push(fix(
                    id,
                    format!("mark `{name}` as used with `_ = {name}`"),
                    0.45,
                    vec![edit(file, at, at, format!("{indent}_ = {name}\n"))],
                ));
            }
        }
        fixes
    }
}

/// Whether the line starting at `line_start` is inside a `for` block of its function.
fn inside_loop(text: &str, line_start: usize) -> bool {
    let func_start = text[..line_start].rfind("\nfunc ").map_or(0, |i| i + 1);
    let mut open_blocks: Vec<bool> = Vec::new();
    for line in text[func_start..line_start].lines() {
        let t = line.trim();
        for c in t.chars() {
            match c {
                '{' => open_blocks.push(t.starts_with("for ") || t == "for {"),
                '}' => {
                    open_blocks.pop();
                }
                _ => {}
            }
        }
    }
    open_blocks.contains(&true)
}

/// True for right-hand sides whose only calls are builtins without side effects.
fn is_conversion_or_literal(rhs: &str) -> bool {
    const PURE: &[&str] = &[
        "make", "len", "cap", "new", "int", "int64", "int32", "float64", "float32", "string",
        "byte", "rune", "uint", "uint64", "bool", "append",
    ];
    identifiers(rhs, TargetLanguage::Go)
        .iter()
        .all(|(pos, word)| {
            let after = rhs[pos + word.len()..].trim_start();
            !after.starts_with('(') || PURE.contains(word)
        })
}

/// `:=` / `=` / `==` confusions.
pub struct DefineAssign;

impl FixStrategy for DefineAssign {
    fn id(&self) -> &str {
        "go.define-assign"
    }

    fn suggest(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let Some((loc, text)) = go_file(error, program) else {
            return Vec::new();
        };
        let Some((line_start, line)) = line_text(text, loc.line) else {
            return Vec::new();
        };
        let file = loc.file.as_str();
        let id = self.id();
        let msg = error.message.as_str();
        let mut fixes = Vec::new();
        let stmt = line.trim_start();
        let in_condition = stmt.starts_with("if ")
            || stmt.starts_with("} else if ")
            || stmt.starts_with("for ") && stmt.matches(';').count() < 2
            || stmt.starts_with("switch ")
            || stmt.starts_with("return ");
        let condition_misuse = msg.contains("unexpected =, expecting {")
            || msg.contains("expected '==', found '='")
            || (msg.contains(":=") && msg.ends_with("as value"));
        if condition_misuse && in_condition {
            // `if a = 0 || b = 1 {` / `if x := y {`: every assignment in the condition meant `==`.
            let cond_end = line.rfind('{').unwrap_or(line.len());
            let cond = &line[..cond_end];
            let bytes = cond.as_bytes();
            let mut edits = Vec::new();
            let mut i = 0;
            while i < bytes.len() {
                let prev = if i > 0 { bytes[i - 1] } else { b' ' };
                if bytes[i] == b':' && bytes.get(i + 1) == Some(&b'=') {
                    edits.push(edit(file, line_start + i, line_start + i + 2, "=="));
                    i += 2;
                    continue;
                }
                if bytes[i] == b'='
                    && bytes.get(i + 1) != Some(&b'=')
                    && !b"=!<>:+-*/%&|^".contains(&prev)
                {
                    edits.push(edit(file, line_start + i, line_start + i + 1, "=="));
                }
                if bytes[i] == b'=' && bytes.get(i + 1) == Some(&b'=') {
                    i += 2;
                    continue;
                }
                i += 1;
            }
            if !edits.is_empty() {
                fixes.push(fix(
                    id,
                    "compare with `==` in the condition".into(),
                    0.7,
                    edits,
                ));
            }
        }
        if msg.contains("no new variables on left side of :=") {
            if let Some(d) = define_op(line) {
                let d = line_start + d;
                fixes.push(fix(
                    id,
                    "assign with `=`: every name on the left already exists".into(),
                    0.7,
                    vec![edit(file, d, d + 2, "=")],
                ));
                if let Some((ls, le)) = full_line(text, loc.line) {
                    if !stmt.starts_with("for ") && !stmt.starts_with("if ") && !stmt.ends_with('{')
                    {
                        fixes.push(fix(
                            id,
                            "delete the redundant redeclaration".into(),
                            0.35,
                            vec![edit(file, ls, le, "")],
                        ));
                    }
                }
            }
        } else if msg.contains("on left side of :=") {
            // `a[i] := v`, `p.x := v` (needs `=`) or `if a := b {` (meant `==`).
            if let Some(d) = define_op(line) {
                let d = line_start + d;
                let (assign, compare) = if in_condition {
                    (0.35, 0.65)
                } else {
                    (0.65, 0.3)
                };
                fixes.push(fix(
                    id,
                    "assign with `=`: the left side is not a new name".into(),
                    assign,
                    vec![edit(file, d, d + 2, "=")],
                ));
                fixes.push(fix(
                    id,
                    "compare with `==`".into(),
                    compare,
                    vec![edit(file, d, d + 2, "==")],
                ));
            }
        } else if code(error) == "undefined" {
            // `x = v` (or `for x = 0; …`) where `x` was never declared: declare it with `:=`.
            let Some((name, super::names::NameKind::Value)) = undefined_name(msg) else {
                return fixes;
            };
            let Some(pos) = find_word_on_line(text, loc.line, loc.column, &name) else {
                return fixes;
            };
            let before = text[line_start..pos].trim();
            let starts_stmt = before.is_empty()
                || before == "for"
                || before.ends_with(',') && !before.contains('(');
            let rest = &text[pos + name.len()..];
            let rest_trim = rest.trim_start_matches([' ', '\t']);
            let eq_offset = if rest_trim.starts_with('=') && !rest_trim.starts_with("==") {
                Some(rest.len() - rest_trim.len())
            } else if rest_trim.starts_with(',') {
                // `x, y = …`: find the `=` of this statement on the line.
                let line_rest = &text[pos..line_start + line.len()];
                line_rest.find(" = ").map(|i| i + 1 - name.len())
            } else {
                None
            };
            if let (true, Some(off)) = (starts_stmt, eq_offset) {
                let eq = pos + name.len() + off;
                fixes.push(fix(
                    id,
                    format!("declare `{name}` with `:=`"),
                    0.6,
                    vec![edit(file, eq, eq + 1, ":=")],
                ));
            }
        }
        fixes
    }
}

// ---------------------------------------------------------------------------------------------
// Missing return

/// The zero value of a Go type, as source.
fn zero_value(ty: &str) -> String {
    let ty = ty.trim();
    let numeric = [
        "int",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
        "uintptr",
        "float32",
        "float64",
        "byte",
        "rune",
        "complex64",
        "complex128",
    ];
    if numeric.contains(&ty) {
        "0".into()
    } else if ty == "string" {
        "\"\"".into()
    } else if ty == "bool" {
        "false".into()
    } else if ty.starts_with('*')
        || ty.starts_with("[]")
        || ty.starts_with("map[")
        || ty.starts_with("chan ")
        || ty.starts_with("func")
        || ty == "error"
        || ty == "any"
        || ty.starts_with("interface")
    {
        "nil".into()
    } else {
        // Arrays and structs: a composite literal.
        format!("{ty}{{}}")
    }
}

/// The result types of the function signature `sig` (`func f(a int) (int, error) {`).
fn result_types(sig: &str) -> Option<Vec<String>> {
    let sig = sig.trim().trim_end_matches('{').trim();
    // Skip the receiver and the parameters: find the parameter list's closing paren.
    let after_func = sig.strip_prefix("func")?.trim_start();
    let mut rest = after_func;
    if rest.starts_with('(') {
        rest = &rest[matching_paren(rest)? + 1..];
    }
    let open = rest.find('(')?;
    let close = open + matching_paren(&rest[open..])?;
    let results = rest[close + 1..].trim();
    if results.is_empty() {
        return Some(Vec::new());
    }
    let inner = results
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .unwrap_or(results);
    Some(
        inner
            .split(',')
            .map(|part| {
                let part = part.trim();
                // Named results: `n int` → `int`.
                part.rsplit_once(' ').map_or(part, |(_, t)| t).to_string()
            })
            .collect(),
    )
}

/// Index of the `)` matching the `(` at the start of `s`.
fn matching_paren(s: &str) -> Option<usize> {
    let mut depth = 0i32;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Adds `return <zero values>` at the end of a function that lacks one.
pub struct MissingReturn;

impl FixStrategy for MissingReturn {
    fn id(&self) -> &str {
        "go.missing-return"
    }

    fn suggest(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        if code(error) != "missing_return" && error.message != "missing return" {
            return Vec::new();
        }
        let Some((loc, text)) = go_file(error, program) else {
            return Vec::new();
        };
        let Some((line_start, line)) = line_text(text, loc.line) else {
            return Vec::new();
        };
        // The closing brace is on the error's line; the signature is the nearest `func` above.
        let Some(sig_start) = text[..line_start].rfind("func ") else {
            return Vec::new();
        };
        let sig_line_end = text[sig_start..]
            .find('{')
            .map_or(text.len(), |i| sig_start + i + 1);
        let Some(types) = result_types(&text[sig_start..sig_line_end]) else {
            return Vec::new();
        };
        if types.is_empty() {
            return Vec::new();
        }
        let values: Vec<String> = types.iter().map(|t| zero_value(t)).collect();
        let indent = format!("{}\t", indentation(line));
        let brace = line_start + line.find('}').unwrap_or(0);
        let at = if text[line_start..brace].trim().is_empty() {
            line_start
        } else {
            brace
        };
        let stmt = format!("{indent}return {}\n", values.join(", "));
        vec![fix(
            self.id(),
            format!("return the zero value: `return {}`", values.join(", ")),
            0.5,
            vec![edit(&loc.file, at, at, stmt)],
        )]
    }
}

// ---------------------------------------------------------------------------------------------
// Type conversions

const GO_NUMERIC: &[&str] = &[
    "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64",
    "float32", "float64", "byte", "rune", "uintptr",
];

/// Conversions for `cannot use` and `mismatched types` errors.
pub struct TypeConversion;

/// `cannot use X (variable of type S) as T value in …` → (X, S, T); also the older
/// `… as type T in …` and untyped constants (`(untyped float constant 2.5)` → S = `float64`).
fn cannot_use(message: &str) -> Option<(&str, String, &str)> {
    let rest = message.strip_prefix("cannot use ")?;
    let open = rest.rfind(" (")?;
    let expr = &rest[..open];
    let paren = &rest[open + 2..];
    let close = paren.find(") as ")?;
    let desc = &paren[..close];
    let source = if let Some(t) = desc.rsplit_once("of type ") {
        t.1.to_string()
    } else if desc.starts_with("untyped float") {
        "float64".to_string()
    } else if desc.starts_with("untyped int") {
        "int".to_string()
    } else if desc.starts_with("untyped rune") {
        "rune".to_string()
    } else if desc.starts_with("untyped string") {
        "string".to_string()
    } else {
        return None;
    };
    let target_part = &paren[close + 5..];
    let target_part = target_part.strip_prefix("type ").unwrap_or(target_part);
    let target = target_part.split(' ').next()?;
    Some((expr, source, target))
}

impl FixStrategy for TypeConversion {
    fn id(&self) -> &str {
        "go.type-conversion"
    }

    fn suggest(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let Some((loc, text)) = go_file(error, program) else {
            return Vec::new();
        };
        let Some((line_start, line)) = line_text(text, loc.line) else {
            return Vec::new();
        };
        let file = loc.file.as_str();
        let id = self.id();
        let col = line_col_to_byte(text, loc.line, loc.column).unwrap_or(line_start);
        let mut fixes = Vec::new();
        if let Some((expr, source, target)) = cannot_use(&error.message) {
            let Some(pos) = find_text_near(text, line_start, line, col, expr) else {
                return fixes;
            };
            let end = pos + expr.len();
            let source = source.as_str();
            let mut conversions: Vec<(String, f64, Option<&str>)> = Vec::new();
            if GO_NUMERIC.contains(&target) && GO_NUMERIC.contains(&source) {
                conversions.push((format!("{target}({expr})"), 0.65, None));
            } else if target == "string"
                && (source == "rune"
                    || source == "byte"
                    || source == "[]byte"
                    || source == "[]rune")
            {
                conversions.push((format!("string({expr})"), 0.7, None));
            } else if target == "string" && GO_NUMERIC.contains(&source) {
                if source == "int" {
                    conversions.push((format!("strconv.Itoa({expr})"), 0.6, Some("strconv")));
                }
                conversions.push((format!("fmt.Sprint({expr})"), 0.5, Some("fmt")));
            } else if (target == "[]rune" || target == "[]byte") && source == "string" {
                conversions.push((format!("{target}({expr})"), 0.65, None));
            }
            for (replacement, conf, import) in conversions {
                let mut edits = vec![edit(file, pos, end, replacement.clone())];
                if let Some(pkg) = import {
                    if !has_import(text, pkg) {
                        match add_import(text, file, pkg) {
                            Some(e) => edits.push(e),
                            None => continue,
                        }
                    }
                }
                fixes.push(fix(id, format!("convert: `{replacement}`"), conf, edits));
            }
        } else if let Some(idx) = error.message.find("(mismatched types ") {
            // `invalid operation: a + b (mismatched types int and float64)`.
            let types = &error.message[idx + "(mismatched types ".len()..];
            let Some((left_t, right_t)) = types.trim_end_matches(')').split_once(" and ") else {
                return fixes;
            };
            let Some(expr) = error.message[..idx]
                .trim()
                .rsplit_once(": ")
                .map(|(_, e)| e.trim())
            else {
                return fixes;
            };
            let Some((left, op, right)) = split_binary(expr) else {
                return fixes;
            };
            if !(GO_NUMERIC.contains(&left_t) && GO_NUMERIC.contains(&right_t)) {
                return fixes;
            }
            let Some(lpos) = find_text_near(text, line_start, line, col, left) else {
                return fixes;
            };
            let after_left = &text[lpos + left.len()..];
            let trimmed = after_left.trim_start();
            let Some(after_op) = trimmed.strip_prefix(op) else {
                return fixes;
            };
            let rpos = lpos + left.len() + (after_left.len() - after_op.trim_start().len());
            if !text[rpos..].starts_with(right) {
                return fixes;
            }
            fixes.push(fix(
                id,
                format!("convert `{left}` to {right_t}"),
                0.55,
                vec![edit(
                    file,
                    lpos,
                    lpos + left.len(),
                    format!("{right_t}({left})"),
                )],
            ));
            fixes.push(fix(
                id,
                format!("convert `{right}` to {left_t}"),
                0.55,
                vec![edit(
                    file,
                    rpos,
                    rpos + right.len(),
                    format!("{left_t}({right})"),
                )],
            ));
        }
        fixes
    }
}

/// Whether the file imports `path`.
fn has_import(text: &str, path: &str) -> bool {
    text.contains(&format!("\"{path}\""))
}

/// Splits `a + b` at its top-level binary operator.
fn split_binary(expr: &str) -> Option<(&str, &str, &str)> {
    const OPS: &[&str] = &[
        " == ", " != ", " <= ", " >= ", " < ", " > ", " + ", " - ", " * ", " / ", " % ",
    ];
    let mut depth = 0i32;
    for (i, c) in expr.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ' ' if depth == 0 => {
                if let Some(op) = OPS.iter().find(|op| expr[i..].starts_with(**op)) {
                    return Some((&expr[..i], op.trim(), &expr[i + op.len()..]));
                }
            }
            _ => {}
        }
    }
    None
}

/// Byte offset of `needle` on the line, at `col` if it starts there, else the occurrence
/// nearest to it.
fn find_text_near(
    text: &str,
    line_start: usize,
    line: &str,
    col: usize,
    needle: &str,
) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    if text[col..].starts_with(needle) {
        return Some(col);
    }
    line.match_indices(needle)
        .map(|(i, _)| line_start + i)
        .min_by_key(|p| p.abs_diff(col))
}

// ---------------------------------------------------------------------------------------------
// Names

/// `math.sqrt` → `math.Sqrt`: package members are exported, so capitalised.
pub struct ExportedName;

impl FixStrategy for ExportedName {
    fn id(&self) -> &str {
        "go.exported-name"
    }

    fn suggest(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        if !matches!(code(error), "undefined_member" | "undefined") {
            return Vec::new();
        }
        let Some((loc, text)) = go_file(error, program) else {
            return Vec::new();
        };
        let msg = &error.message;
        let Some((name, _)) = undefined_name(msg).or_else(|| {
            msg.rsplit_once("unexported name ")
                .and_then(|(_, r)| r.rsplit_once('.'))
                .map(|(_, n)| (n.to_string(), super::names::NameKind::Member))
        }) else {
            return Vec::new();
        };
        let package_member = msg.contains("not declared by package")
            || msg.contains("unexported name")
            || msg.starts_with("undefined: ") && msg.contains('.');
        if !package_member || !name.starts_with(|c: char| c.is_ascii_lowercase()) {
            return Vec::new();
        }
        let Some(pos) = find_word_on_line(text, loc.line, loc.column, &name) else {
            return Vec::new();
        };
        if !text[..pos].ends_with('.') {
            return Vec::new();
        }
        let mut chars = name.chars();
        let capital: String = chars
            .next()
            .map(|c| c.to_ascii_uppercase())
            .into_iter()
            .chain(chars)
            .collect();
        // Every use of the same `pkg.name` in the file: the compiler may report only the first.
        let qualifier: String = text[..pos - 1]
            .chars()
            .rev()
            .take_while(|c| is_ident_char(*c))
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let edits: Vec<Edit> = identifiers(text, TargetLanguage::Go)
            .into_iter()
            .filter(|(p, w)| *w == name && text[..*p].ends_with(&format!("{qualifier}.")))
            .map(|(p, _)| edit(&loc.file, p, p + name.len(), capital.clone()))
            .collect();
        vec![fix(
            self.id(),
            format!("package members are exported: `{qualifier}.{capital}`"),
            0.75,
            edits,
        )]
    }
}

/// Type names from other languages and their Go equivalents, most likely first.
const FOREIGN_TYPES: &[(&str, &[&str])] = &[
    ("double", &["float64", "int"]),
    ("float", &["float64", "float32"]),
    ("Float", &["float64"]),
    ("Double", &["float64"]),
    ("long", &["int64", "int"]),
    ("Long", &["int64"]),
    ("short", &["int16", "int"]),
    ("integer", &["int"]),
    ("Integer", &["int"]),
    ("Int", &["int"]),
    ("boolean", &["bool"]),
    ("Boolean", &["bool"]),
    ("Bool", &["bool"]),
    ("String", &["string"]),
    ("str", &["string"]),
    ("char", &["rune", "byte"]),
    ("character", &["rune"]),
    ("void", &[""]),
    ("size_t", &["int"]),
    ("unsigned", &["uint"]),
    ("dict", &["map[string]int"]),
    ("List", &["[]int"]),
];

/// Replaces a type name from another language everywhere in the file.
pub struct ForeignType;

impl FixStrategy for ForeignType {
    fn id(&self) -> &str {
        "go.foreign-type"
    }

    fn suggest(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        if code(error) != "undefined" {
            return Vec::new();
        }
        let Some((loc, text)) = go_file(error, program) else {
            return Vec::new();
        };
        let Some((name, _)) = undefined_name(&error.message) else {
            return Vec::new();
        };
        let Some((_, targets)) = FOREIGN_TYPES.iter().find(|(n, _)| *n == name) else {
            return Vec::new();
        };
        let positions: Vec<usize> = identifiers(text, TargetLanguage::Go)
            .into_iter()
            .filter(|(p, w)| *w == name && !text[..*p].ends_with('.'))
            .map(|(p, _)| p)
            .collect();
        targets
            .iter()
            .filter(|t| !t.is_empty())
            .enumerate()
            .map(|(rank, target)| {
                let edits = positions
                    .iter()
                    .map(|p| edit(&loc.file, *p, p + name.len(), *target))
                    .collect();
                fix(
                    self.id(),
                    format!("Go's type for `{name}` is `{target}`"),
                    0.65 - 0.15 * rank as f64,
                    edits,
                )
            })
            .collect()
    }
}

/// Helpers that became builtins only in Go 1.21 (or never did).
const HELPERS: &[(&str, &str)] = &[
    (
        "min",
        "func min(a, b int) int {\n\tif a < b {\n\t\treturn a\n\t}\n\treturn b\n}\n",
    ),
    (
        "max",
        "func max(a, b int) int {\n\tif a > b {\n\t\treturn a\n\t}\n\treturn b\n}\n",
    ),
    (
        "abs",
        "func abs(a int) int {\n\tif a < 0 {\n\t\treturn -a\n\t}\n\treturn a\n}\n",
    ),
];

/// Defines `min`/`max`/`abs` for integers when they are used but undefined.
pub struct BuiltinHelper;

impl FixStrategy for BuiltinHelper {
    fn id(&self) -> &str {
        "go.builtin-helper"
    }

    fn suggest(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        if code(error) != "undefined" {
            return Vec::new();
        }
        let Some((loc, text)) = go_file(error, program) else {
            return Vec::new();
        };
        let Some((name, super::names::NameKind::Value)) = undefined_name(&error.message) else {
            return Vec::new();
        };
        let Some((_, body)) = HELPERS.iter().find(|(n, _)| *n == name) else {
            return Vec::new();
        };
        let end = text.len();
        let sep = if text.ends_with('\n') { "\n" } else { "\n\n" };
        vec![fix(
            self.id(),
            format!("define the integer helper `{name}`"),
            0.6,
            vec![edit(&loc.file, end, end, format!("{sep}{body}"))],
        )]
    }
}

/// `f([]int, n)` with `f` undefined: only `make` takes a type as its first argument.
pub struct MakeBuiltin;

impl FixStrategy for MakeBuiltin {
    fn id(&self) -> &str {
        "go.make-builtin"
    }

    fn suggest(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        if code(error) != "undefined" {
            return Vec::new();
        }
        let Some((loc, text)) = go_file(error, program) else {
            return Vec::new();
        };
        let Some((name, super::names::NameKind::Value)) = undefined_name(&error.message) else {
            return Vec::new();
        };
        let Some(pos) = find_word_on_line(text, loc.line, loc.column, &name) else {
            return Vec::new();
        };
        let after = &text[pos + name.len()..];
        let Some(arg) = after.strip_prefix('(') else {
            return Vec::new();
        };
        if !(arg.starts_with("[]") || arg.starts_with("map[") || arg.starts_with("chan ")) {
            return Vec::new();
        }
        vec![fix(
            self.id(),
            format!("`{name}` takes a type: it must be `make`"),
            0.6,
            vec![edit(&loc.file, pos, pos + name.len(), "make")],
        )]
    }
}

/// Substitutes or inserts the token a Go syntax error expected.
pub struct ExpectedToken;

/// (expected, found) from `expected 'X', found 'Y'` or `syntax error: unexpected Y, expecting X`.
fn go_expected(message: &str) -> Option<(String, String)> {
    let unquote = |s: &str| s.trim().trim_matches(|c| c == '\'' || c == '"').to_string();
    if let Some(rest) = message.strip_prefix("expected ") {
        let (e, f) = rest.split_once(", found ")?;
        let f = f.split(" (and ").next().unwrap_or(f);
        return Some((unquote(e), unquote(f)));
    }
    let rest = message.strip_prefix("syntax error: unexpected ")?;
    let (f, e) = rest.split_once(", expecting ")?;
    let f = f.split_whitespace().last().unwrap_or(f);
    Some((unquote(e.split(" or ").next().unwrap_or(e)), unquote(f)))
}

impl FixStrategy for ExpectedToken {
    fn id(&self) -> &str {
        "go.expected-token"
    }

    fn suggest(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        if code(error) != "syntax" {
            return Vec::new();
        }
        let Some((loc, text)) = go_file(error, program) else {
            return Vec::new();
        };
        let Some((expected, found)) = go_expected(&error.message) else {
            return Vec::new();
        };
        let tokens = [";", ":", ",", ")", "]", "}", "{", "(", "==", "=", ":="];
        if !tokens.contains(&expected.as_str()) {
            return Vec::new();
        }
        let Some(at) = line_col_to_byte(text, loc.line, loc.column) else {
            return Vec::new();
        };
        let mut fixes = Vec::new();
        let punct = !found.is_empty() && !found.chars().next().is_some_and(is_ident_char);
        if punct && text[at..].starts_with(found.as_str()) {
            fixes.push(fix(
                self.id(),
                format!("replace `{found}` by the expected `{expected}`"),
                0.55,
                vec![edit(&loc.file, at, at + found.len(), expected.clone())],
            ));
        }
        fixes.push(fix(
            self.id(),
            format!("insert the expected `{expected}`"),
            0.35,
            vec![edit(&loc.file, at, at, expected.clone())],
        ));
        fixes
    }
}

/// Uncomments a definition of an undefined name written earlier in a comment.
pub struct UncommentDefinition;

impl FixStrategy for UncommentDefinition {
    fn id(&self) -> &str {
        "go.uncomment-definition"
    }

    fn suggest(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        if !matches!(code(error), "undefined" | "missing_import") {
            return Vec::new();
        }
        let Some((loc, text)) = go_file(error, program) else {
            return Vec::new();
        };
        let Some((name, super::names::NameKind::Value)) = undefined_name(&error.message) else {
            return Vec::new();
        };
        let patterns: Vec<String> = ["var ", "const ", "func ", "type "]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let mut fixes: Vec<Fix> =
            uncomment_definitions(text, &loc.file, &name, loc.line, &patterns)
                .into_iter()
                .take(1)
                .map(|e| {
                    fix(
                        self.id(),
                        format!("uncomment the definition of `{name}`"),
                        0.6,
                        vec![e],
                    )
                })
                .collect();
        // `/* … x := … */` before the use: remove both markers.
        let before = line_bounds(text, loc.line).map_or(0, |(s, _)| s);
        let mut search = 0;
        while let Some(open) = text[search..before].find("/*").map(|i| search + i) {
            let Some(close) = text[open + 2..].find("*/").map(|i| open + 2 + i) else {
                break;
            };
            let body = &text[open + 2..close];
            let defines = body.lines().any(|l| {
                let l = l.trim();
                patterns.iter().any(|p| {
                    l.strip_prefix(p.as_str()).is_some_and(|r| {
                        r.starts_with(name.as_str()) && is_word_at(r, 0, name.len())
                    })
                }) || l.strip_prefix(name.as_str()).is_some_and(|r| {
                    r.trim_start().starts_with(":=") || r.trim_start().starts_with(',')
                })
            });
            if defines && close < before {
                fixes.push(fix(
                    self.id(),
                    format!("uncomment the block that defines `{name}`"),
                    0.55,
                    vec![
                        edit(&loc.file, open, open + 2, ""),
                        edit(&loc.file, close, close + 2, ""),
                    ],
                ));
            }
            search = close + 2;
        }
        fixes
    }
}

/// Go keywords that programs from other languages use as variable names.
const KEYWORD_NAMES: &[(&str, &str)] = &[
    ("var", "vals"),
    ("type", "typ"),
    ("func", "fn"),
    ("range", "rng"),
    ("map", "m"),
    ("chan", "ch"),
    ("default", "def"),
    ("select", "sel"),
    ("package", "pkg"),
    ("interface", "iface"),
    ("go", "g"),
];

/// Renames a keyword used as a variable (`var := make([]int, n)`) everywhere it is one.
pub struct KeywordName;

impl FixStrategy for KeywordName {
    fn id(&self) -> &str {
        "go.keyword-name"
    }

    fn suggest(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        if code(error) != "syntax" {
            return Vec::new();
        }
        let Some((loc, text)) = go_file(error, program) else {
            return Vec::new();
        };
        let Some((_, line)) = line_text(text, loc.line) else {
            return Vec::new();
        };
        let idents = identifiers(text, TargetLanguage::Go);
        let mut fixes = Vec::new();
        for (keyword, replacement) in KEYWORD_NAMES {
            // Used as a value on the error's line: followed by `:=`, `=`, `[`, `)`, `,`, `++`…
            let as_name = |after: &str| {
                let a = after.trim_start_matches([' ', '\t']);
                [":=", "[", ")", ",", "++", "--", "+=", "-=", "]", "."]
                    .iter()
                    .any(|p| a.starts_with(p))
                    || (a.starts_with('=') && !a.starts_with("=="))
            };
            let on_line = line.match_indices(keyword).any(|(i, _)| {
                is_word_at(line, i, keyword.len()) && as_name(&line[i + keyword.len()..])
            });
            if !on_line || idents.iter().any(|(_, w)| w == replacement) {
                continue;
            }
            let edits: Vec<Edit> = idents
                .iter()
                .filter(|(p, w)| {
                    w == keyword
                        && (as_name(&text[p + w.len()..])
                            || text[..*p]
                                .trim_end()
                                .ends_with(['(', '[', ',', '=', '+', '-', '*', '/']))
                })
                .map(|(p, w)| edit(&loc.file, *p, p + w.len(), *replacement))
                .collect();
            if !edits.is_empty() {
                fixes.push(fix(
                    self.id(),
                    format!("`{keyword}` is a keyword: rename the variable to `{replacement}`"),
                    0.6,
                    edits,
                ));
            }
        }
        fixes
    }
}

/// Uncomments code cut off by a trailing `//` comment (`x := order[i] // + 1`).
pub struct CommentedCode;

impl FixStrategy for CommentedCode {
    fn id(&self) -> &str {
        "go.commented-code"
    }

    fn suggest(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        if program.language != TargetLanguage::Go
            || !matches!(code(error), "syntax" | "test_failed" | "timeout" | "panic")
        {
            return Vec::new();
        }
        super::names::commented_code_fixes(self.id(), program, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::apply_fix;
    use crate::types::ErrorType;

    fn program(text: &str) -> Program {
        Program::new(
            TargetLanguage::Go,
            [
                ("main.go".to_string(), text.to_string()),
                ("main_test.go".to_string(), "package main\n".to_string()),
            ],
        )
        .unwrap()
        .with_protected(["main_test.go".to_string()])
        .unwrap()
    }

    fn err(error_type: ErrorType, code: &str, message: &str, line: u32, col: u32) -> CodeError {
        CodeError::new(error_type, message)
            .with_code(code)
            .with_location(Location::new("main.go", line, col))
    }

    fn results(strategy: &dyn FixStrategy, e: &CodeError, p: &Program) -> Vec<String> {
        strategy
            .suggest(e, p)
            .iter()
            .map(|f| apply_fix(p, f).unwrap().files["main.go"].clone())
            .collect()
    }

    #[test]
    fn table_has_std_packages() {
        let t = std_table();
        assert_eq!(t["strings"], ["strings"]);
        assert_eq!(t["rand"], ["math/rand", "crypto/rand"]);
        assert!(!t.values().flatten().any(|p| p.contains("internal")));
    }

    /// Every package in the generated table exists in the installed Go's `go list std`.
    #[test]
    fn table_matches_go_list_std() {
        let Ok(out) = std::process::Command::new("go")
            .args(["list", "std"])
            .env("GO111MODULE", "off")
            .output()
        else {
            return;
        };
        if !out.status.success() {
            return;
        }
        let live: std::collections::BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect();
        for path in std_paths() {
            assert!(
                live.contains(path),
                "{path} is not in `go list std`; rerun scripts/gen-go-std.sh"
            );
        }
    }

    #[test]
    fn adds_imports_to_blocks_single_imports_and_files_without() {
        let undefined = |line| {
            err(
                ErrorType::MissingImport,
                "missing_import",
                "undefined: strings",
                line,
                9,
            )
        };
        let p = program("package main\n\nimport (\n\t\"fmt\"\n)\n\nfunc f() string {\n\treturn strings.ToUpper(fmt.Sprint(1))\n}\n");
        assert_eq!(
            results(&MissingImport, &undefined(8), &p),
            ["package main\n\nimport (\n\t\"fmt\"\n\t\"strings\"\n)\n\nfunc f() string {\n\treturn strings.ToUpper(fmt.Sprint(1))\n}\n"]
        );
        let p = program("package main\n\nimport \"fmt\"\n\nfunc f() string {\n\treturn strings.ToUpper(fmt.Sprint(1))\n}\n");
        assert_eq!(
            results(&MissingImport, &undefined(6), &p),
            ["package main\n\nimport (\n\t\"fmt\"\n\t\"strings\"\n)\n\nfunc f() string {\n\treturn strings.ToUpper(fmt.Sprint(1))\n}\n"]
        );
        let p = program("package main\n\nfunc f() string {\n\treturn strings.ToUpper(\"a\")\n}\n");
        assert_eq!(
            results(&MissingImport, &undefined(4), &p),
            ["package main\n\nimport (\n\t\"strings\"\n)\n\nfunc f() string {\n\treturn strings.ToUpper(\"a\")\n}\n"]
        );
        // Ambiguous: math/rand first, then crypto/rand.
        let p = program("package main\n\nfunc f() int {\n\treturn rand.Intn(3)\n}\n");
        let e = err(
            ErrorType::MissingImport,
            "missing_import",
            "undefined: rand",
            4,
            9,
        );
        let fixes = MissingImport.suggest(&e, &p);
        assert_eq!(fixes.len(), 2);
        assert!(fixes[0].description.contains("math/rand"));
        assert!(fixes[0].confidence > fixes[1].confidence);
    }

    #[test]
    fn corrects_import_paths() {
        let p = program("package main\n\nimport (\n\t\"unicoder\"\n)\n\nfunc f() bool {\n\treturn unicode.IsUpper('A')\n}\n");
        let e = err(
            ErrorType::MissingImport,
            "missing_package",
            "cannot find package \"unicoder\" in any of:",
            4,
            2,
        );
        assert_eq!(
            results(&ImportPath, &e, &p)[0],
            "package main\n\nimport (\n\t\"unicode\"\n)\n\nfunc f() bool {\n\treturn unicode.IsUpper('A')\n}\n"
        );
        // The qualifier is renamed with the path; an unused unknown import is removed instead.
        let p = program("package main\n\nimport (\n\t\"unicoder\"\n)\n\nfunc f() bool {\n\treturn unicoder.IsUpper('A')\n}\n");
        assert_eq!(
            results(&ImportPath, &e, &p)[0],
            "package main\n\nimport (\n\t\"unicode\"\n)\n\nfunc f() bool {\n\treturn unicode.IsUpper('A')\n}\n"
        );
        let p = program("package main\n\nimport (\n\t\"strings\"\n\t\"github.com/stringetchr/testify/assert\"\n)\n\nfunc f() string {\n\treturn strings.ToLower(\"A\")\n}\n");
        let e = err(
            ErrorType::MissingImport,
            "missing_package",
            "cannot find package \"github.com/stringetchr/testify/assert\" in any of:",
            5,
            2,
        );
        let out = results(&ImportPath, &e, &p);
        assert_eq!(out[0], "package main\n\nimport (\n\t\"strings\"\n)\n\nfunc f() string {\n\treturn strings.ToLower(\"A\")\n}\n");
        assert!(out[1].contains("\"github.com/stretchr/testify/assert\""));
    }

    #[test]
    fn removes_unused_imports() {
        let p = program(
            "package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n\nfunc f() { fmt.Println() }\n",
        );
        let e = err(
            ErrorType::CompilerError("unused_import".into()),
            "unused_import",
            "\"os\" imported but not used",
            5,
            2,
        );
        assert_eq!(
            results(&UnusedImport, &e, &p),
            ["package main\n\nimport (\n\t\"fmt\"\n)\n\nfunc f() { fmt.Println() }\n"]
        );
        let p = program("package main\n\nimport \"os\"\n\nfunc f() {}\n");
        let e = err(
            ErrorType::CompilerError("unused_import".into()),
            "unused_import",
            "\"os\" imported and not used",
            3,
            8,
        );
        assert_eq!(
            results(&UnusedImport, &e, &p),
            ["package main\n\n\nfunc f() {}\n"]
        );
    }

    #[test]
    fn unused_variables() {
        let unused = |name: &str, line, col| {
            err(
                ErrorType::CompilerError("unused_variable".into()),
                "unused_variable",
                &format!("{name} declared but not used"),
                line,
                col,
            )
        };
        // Shadowing in an inner block: the fix is `=`.
        let p = program("package main\n\nfunc f(a int) int {\n\tvar m int\n\tif a > 0 {\n\t\tm := a\n\t}\n\treturn m\n}\n");
        let out = results(&UnusedVariable, &unused("m", 6, 3), &p);
        assert_eq!(out[0], "package main\n\nfunc f(a int) int {\n\tvar m int\n\tif a > 0 {\n\t\tm = a\n\t}\n\treturn m\n}\n");
        // A plain unused declaration: delete it, or mark it used.
        let p = program("package main\n\nfunc f() int {\n\tunused := 42\n\treturn 1\n}\n");
        assert_eq!(
            results(&UnusedVariable, &unused("unused", 4, 2), &p),
            [
                "package main\n\nfunc f() int {\n\treturn 1\n}\n",
                "package main\n\nfunc f() int {\n\tunused := 42\n\t_ = unused\n\treturn 1\n}\n"
            ]
        );
        // One of several names: discard it with `_`.
        let p = program("package main\n\nfunc f(xs []int) int {\n\ts := 0\n\tfor i, x := range xs {\n\t\ts += x\n\t}\n\treturn s\n}\n");
        let out = results(&UnusedVariable, &unused("i", 5, 6), &p);
        assert_eq!(out[0], "package main\n\nfunc f(xs []int) int {\n\ts := 0\n\tfor _, x := range xs {\n\t\ts += x\n\t}\n\treturn s\n}\n");
        // Go 1.20+ wording.
        let e = err(
            ErrorType::CompilerError("unused_variable".into()),
            "unused_variable",
            "declared and not used: i",
            5,
            6,
        );
        assert_eq!(results(&UnusedVariable, &e, &p)[0], out[0]);
    }

    #[test]
    fn define_and_assign() {
        let p = program("package main\n\nfunc f(c rune) int {\n\tc := 'B'\n\treturn int(c)\n}\n");
        let e = err(
            ErrorType::CompilerError("assignment".into()),
            "assignment",
            "no new variables on left side of :=",
            4,
            4,
        );
        assert_eq!(
            results(&DefineAssign, &e, &p),
            [
                "package main\n\nfunc f(c rune) int {\n\tc = 'B'\n\treturn int(c)\n}\n",
                "package main\n\nfunc f(c rune) int {\n\treturn int(c)\n}\n"
            ]
        );
        let p = program("package main\n\nfunc f(a []int) {\n\ta[3] := 1\n}\n");
        let e = err(
            ErrorType::CompilerError("assignment".into()),
            "assignment",
            "expected identifier on left side of :=",
            4,
            2,
        );
        assert_eq!(
            results(&DefineAssign, &e, &p)[0],
            "package main\n\nfunc f(a []int) {\n\ta[3] = 1\n}\n"
        );
        let p = program("package main\n\nfunc f(a int) int {\n\tif a*a := 4 {\n\t\treturn 1\n\t}\n\treturn 0\n}\n");
        let e = err(
            ErrorType::CompilerError("assignment".into()),
            "assignment",
            "expected identifier on left side of :=",
            4,
            5,
        );
        let fixes = DefineAssign.suggest(&e, &p);
        let best = fixes
            .iter()
            .max_by(|a, b| a.confidence.total_cmp(&b.confidence))
            .unwrap();
        assert_eq!(apply_fix(&p, best).unwrap().files["main.go"], "package main\n\nfunc f(a int) int {\n\tif a*a == 4 {\n\t\treturn 1\n\t}\n\treturn 0\n}\n");
        // `for p = 1; …` with `p` undefined.
        let p = program(
            "package main\n\nfunc f(k int) int {\n\tfor p = 1; p < k; p++ {\n\t}\n\treturn 0\n}\n",
        );
        let e = err(
            ErrorType::UndefinedVariable,
            "undefined",
            "undefined: p",
            4,
            6,
        );
        assert_eq!(results(&DefineAssign, &e, &p), ["package main\n\nfunc f(k int) int {\n\tfor p := 1; p < k; p++ {\n\t}\n\treturn 0\n}\n"]);
    }

    #[test]
    fn assignments_in_conditions() {
        let p = program("package main\n\nfunc f(n int) int {\n\tif n = 0 || n = 1 {\n\t\treturn 1\n\t}\n\treturn 0\n}\n");
        let e = err(
            ErrorType::SyntaxError,
            "syntax",
            "syntax error: unexpected =, expecting {",
            4,
            7,
        );
        assert_eq!(
            results(&DefineAssign, &e, &p),
            ["package main\n\nfunc f(n int) int {\n\tif n == 0 || n == 1 {\n\t\treturn 1\n\t}\n\treturn 0\n}\n"]
        );
    }

    #[test]
    fn keyword_used_as_a_name() {
        let p = program("package main\n\nfunc f(n int) int {\n\tvar := make([]int, n)\n\tvar[0] = 1\n\treturn len(var)\n}\n");
        let e = err(
            ErrorType::SyntaxError,
            "syntax",
            "syntax error: unexpected :=, expecting name",
            4,
            6,
        );
        assert_eq!(
            results(&KeywordName, &e, &p),
            ["package main\n\nfunc f(n int) int {\n\tvals := make([]int, n)\n\tvals[0] = 1\n\treturn len(vals)\n}\n"]
        );
    }

    #[test]
    fn commented_code_and_accumulation() {
        let p = program("package main\n\nfunc f(o []int) int {\n\tx := o[0] // + 1 // 1-indexed\n\treturn x\n}\n");
        let e = err(ErrorType::TestFailure, "test_failed", "Not equal", 4, 2);
        assert_eq!(
            results(&CommentedCode, &e, &p),
            ["package main\n\nfunc f(o []int) int {\n\tx := o[0]  + 1 // 1-indexed\n\treturn x\n}\n"]
        );
        let p = program("package main\n\nfunc f(s []int) int {\n\tans := 0\n\tfor i := 0; i < len(s); i++ {\n\t\tans := s[i]\n\t}\n\treturn ans\n}\n");
        let e = err(
            ErrorType::CompilerError("unused_variable".into()),
            "unused_variable",
            "ans declared but not used",
            6,
            3,
        );
        let out = results(&UnusedVariable, &e, &p);
        assert_eq!(out[1], "package main\n\nfunc f(s []int) int {\n\tans := 0\n\tfor i := 0; i < len(s); i++ {\n\t\tans += s[i]\n\t}\n\treturn ans\n}\n");
    }

    #[test]
    fn missing_return() {
        let p = program("package main\n\nfunc f(a int) (int, error) {\n\tif a > 0 {\n\t\treturn a, nil\n\t}\n}\n");
        let e = err(
            ErrorType::CompilerError("missing_return".into()),
            "missing_return",
            "missing return",
            7,
            1,
        );
        assert_eq!(
            results(&MissingReturn, &e, &p),
            ["package main\n\nfunc f(a int) (int, error) {\n\tif a > 0 {\n\t\treturn a, nil\n\t}\n\treturn 0, nil\n}\n"]
        );
    }

    #[test]
    fn conversions() {
        let p = program("package main\n\nimport \"math\"\n\nfunc f(n int) float64 {\n\treturn math.Sqrt(n)\n}\n");
        let e = err(
            ErrorType::TypeMismatch,
            "cannot_use",
            "cannot use n (variable of type int) as type float64 in argument to math.Sqrt",
            6,
            19,
        );
        assert_eq!(results(&TypeConversion, &e, &p), ["package main\n\nimport \"math\"\n\nfunc f(n int) float64 {\n\treturn math.Sqrt(float64(n))\n}\n"]);

        let p = program("package main\n\nfunc f(n int) string {\n\treturn n\n}\n");
        let e = err(
            ErrorType::TypeMismatch,
            "cannot_use",
            "cannot use n (variable of type int) as string value in return statement",
            4,
            9,
        );
        assert_eq!(
            results(&TypeConversion, &e, &p)[0],
            "package main\n\nimport (\n\t\"strconv\"\n)\n\nfunc f(n int) string {\n\treturn strconv.Itoa(n)\n}\n"
        );

        let p = program("package main\n\nfunc f(a int, b float64) float64 {\n\treturn a * b\n}\n");
        let e = err(
            ErrorType::TypeMismatch,
            "mismatched_types",
            "invalid operation: a * b (mismatched types int and float64)",
            4,
            9,
        );
        assert_eq!(
            results(&TypeConversion, &e, &p),
            [
                "package main\n\nfunc f(a int, b float64) float64 {\n\treturn float64(a) * b\n}\n",
                "package main\n\nfunc f(a int, b float64) float64 {\n\treturn a * int(b)\n}\n"
            ]
        );
    }

    #[test]
    fn names() {
        let p = program("package main\n\nimport \"math\"\n\nfunc f(x float64) float64 {\n\treturn math.sqrt(x)\n}\n");
        let e = err(
            ErrorType::UndefinedVariable,
            "undefined_member",
            "sqrt not declared by package math",
            6,
            14,
        );
        assert_eq!(results(&ExportedName, &e, &p), ["package main\n\nimport \"math\"\n\nfunc f(x float64) float64 {\n\treturn math.Sqrt(x)\n}\n"]);

        let p = program("package main\n\nfunc min(a, b double) double {\n\treturn a\n}\n");
        let e = err(
            ErrorType::UndefinedVariable,
            "undefined",
            "undefined: double",
            3,
            16,
        );
        assert_eq!(
            results(&ForeignType, &e, &p)[0],
            "package main\n\nfunc min(a, b float64) float64 {\n\treturn a\n}\n"
        );

        let p = program("package main\n\nfunc f(a, b int) int {\n\treturn min(a, b)\n}\n");
        let e = err(
            ErrorType::UndefinedVariable,
            "undefined",
            "undefined: min",
            4,
            9,
        );
        assert_eq!(
            results(&BuiltinHelper, &e, &p),
            ["package main\n\nfunc f(a, b int) int {\n\treturn min(a, b)\n}\n\nfunc min(a, b int) int {\n\tif a < b {\n\t\treturn a\n\t}\n\treturn b\n}\n"]
        );

        let p = program("package main\n\nfunc f() []int {\n\treturn find([]int, 10)\n}\n");
        let e = err(
            ErrorType::UndefinedVariable,
            "undefined",
            "undefined: find",
            4,
            9,
        );
        assert_eq!(
            results(&MakeBuiltin, &e, &p),
            ["package main\n\nfunc f() []int {\n\treturn make([]int, 10)\n}\n"]
        );
    }

    #[test]
    fn expected_tokens() {
        let p = program(
            "package main\n\nfunc f(n int) int {\n\tif n = 0 {\n\t\treturn 1\n\t}\n\treturn 0\n}\n",
        );
        let e = err(
            ErrorType::SyntaxError,
            "syntax",
            "expected '==', found '='",
            4,
            7,
        );
        assert_eq!(results(&ExpectedToken, &e, &p)[0], "package main\n\nfunc f(n int) int {\n\tif n == 0 {\n\t\treturn 1\n\t}\n\treturn 0\n}\n");
    }

    #[test]
    fn uncomments_definitions() {
        let p = program("package main\n\nfunc f() int {\n\t// total := 3\n\treturn total\n}\n");
        let e = err(
            ErrorType::UndefinedVariable,
            "undefined",
            "undefined: total",
            5,
            9,
        );
        assert_eq!(
            results(&UncommentDefinition, &e, &p),
            ["package main\n\nfunc f() int {\n\ttotal := 3\n\treturn total\n}\n"]
        );
        let p = program(
            "package main\n\nfunc f() int {\n\t/*\n\ttotal := 3\n\t*/\n\treturn total\n}\n",
        );
        let e = err(
            ErrorType::UndefinedVariable,
            "undefined",
            "undefined: total",
            7,
            9,
        );
        assert_eq!(
            results(&UncommentDefinition, &e, &p),
            ["package main\n\nfunc f() int {\n\t\n\ttotal := 3\n\t\n\treturn total\n}\n"]
        );
    }
}
