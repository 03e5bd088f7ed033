//! `go.unused-variable`: fixes for a variable that is declared but never used. Answers: `x declared
//! but not used`. Fix: `:=` → `=` when `x` already exists, rename to `_`, delete the declaration,
//! or `_ = x`.
//!
//! Why it is safe: the Go compiler or vet names the exact problem at this position; the fix changes
//! only what the message points at, and the heal loop validates it before keeping it.
//!
//! Example: `x := f()` → `_ = f()`.

use super::*;

/// `x := v` in a block shadows the `x` it meant to assign.
const ASSIGN_SHADOWED: f64 = 0.75;
/// In a loop body, a shadowed total usually meant to accumulate.
const ACCUMULATE_SHADOWED: f64 = 0.5;
/// An unused `range` variable: `_` is the idiom.
const DISCARD_RANGE_VALUE: f64 = 0.7;
/// An unused one of several results: `_` discards it.
const DISCARD_VALUE: f64 = 0.6;
/// Deleting a declaration whose value is a call drops the call's effects.
const DELETE_CALL: f64 = 0.4;
/// Deleting a declaration of a plain value loses nothing else.
const DELETE_VALUE: f64 = 0.6;
/// `_ = x` silences the compiler but hides what the variable was for.
const MARK_USED: f64 = 0.45;

/// The name in `x declared but not used`, `declared and not used: x`.
pub(crate) fn unused_name(message: &str) -> Option<&str> {
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

/// Whether `name` is declared before byte `before` in the function that contains it: a
/// parameter, `var name`, `name :=` or part of `a, name :=`.
pub(crate) fn declared_before(text: &str, name: &str, before: usize) -> bool {
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

impl Rule for UnusedVariable {
    const META: RuleMeta = RuleMeta::new("go.unused-variable", FixApplicability::Likely)
        .language(TargetLanguage::Go)
        .codes(&["unused_variable"]);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let Some((loc, text, (line_start, line))) = error_line(error, program) else {
            return Vec::new();
        };
        let Some(name) = unused_name(&error.message) else {
            return Vec::new();
        };
        let Some(pos) = find_word_on_line(text, loc.line, loc.column, name) else {
            return Vec::new();
        };
        let file = loc.file.as_str();
        let id = Self::META.id;
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
                    fixes.push(fix(id, format!("assign to the existing `{name}` with `=` instead of declaring a new one with `:=`"), ASSIGN_SHADOWED, vec![edit(file, d, d + 2, "=")]));
                    if lhs_names.len() == 1 && inside_loop(text, line_start) {
                        // In a loop body, a shadowed total usually meant to accumulate.
                        fixes.push(fix(
                            id,
                            format!("accumulate into the existing `{name}` with `+=`"),
                            ACCUMULATE_SHADOWED,
                            vec![edit(file, d, d + 2, "+=")],
                        ));
                    }
                }
            }
            if lhs_names.len() > 1 {
                let conf = if stmt.contains(" range ") {
                    DISCARD_RANGE_VALUE
                } else {
                    DISCARD_VALUE
                };
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
                    if calls { DELETE_CALL } else { DELETE_VALUE },
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
                    MARK_USED,
                    vec![edit(file, at, at, format!("{indent}_ = {name}\n"))],
                ));
            }
        }
        fixes
    }
}

/// Whether the line starting at `line_start` is inside a `for` block of its function.
pub(crate) fn inside_loop(text: &str, line_start: usize) -> bool {
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
pub(crate) fn is_conversion_or_literal(rhs: &str) -> bool {
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
