//! `go.type-conversion`: conversions for `cannot use` and `mismatched types` errors. Answers:
//! `cannot use x (… type S) as T value`, `(mismatched types S and T)`. Fix: `T(x)`, `string(r)`,
//! `strconv.Itoa(x)`.
//!
//! Why it is safe: the Go compiler or vet names the exact problem at this position; the fix changes
//! only what the message points at, and the heal loop validates it before keeping it.
//!
//! Example: `var f float64 = n` → `var f float64 = float64(n)`.

use super::*;

/// Between numeric types: Go wants the conversion written; it may truncate.
const NUMERIC_CONVERSION: f64 = 0.65;
/// A rune or bytes to `string`: the conversion Go asks for.
const STRING_CONVERSION: f64 = 0.7;
/// An `int` to its decimal text: `strconv.Itoa`, not `string(n)` (a rune).
const ITOA: f64 = 0.6;
/// Any number to text with `fmt.Sprint`: right, but imports `fmt` if it is not there.
const SPRINT: f64 = 0.5;
/// Mismatched operands: which one to convert is one of two guesses.
const CONVERT_OPERAND: f64 = 0.55;

pub(crate) const GO_NUMERIC: &[&str] = &[
    "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64",
    "float32", "float64", "byte", "rune", "uintptr",
];

/// Conversions for `cannot use` and `mismatched types` errors.
pub struct TypeConversion;

impl Rule for TypeConversion {
    const META: RuleMeta = RuleMeta::new("go.type-conversion", FixApplicability::Speculative)
        .language(TargetLanguage::Go);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let Some((loc, text, (line_start, line))) = error_line(error, program) else {
            return Vec::new();
        };
        let file = loc.file.as_str();
        let id = Self::META.id;
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
                conversions.push((format!("{target}({expr})"), NUMERIC_CONVERSION, None));
            } else if target == "string"
                && (source == "rune"
                    || source == "byte"
                    || source == "[]byte"
                    || source == "[]rune")
            {
                conversions.push((format!("string({expr})"), STRING_CONVERSION, None));
            } else if target == "string" && GO_NUMERIC.contains(&source) {
                if source == "int" {
                    conversions.push((format!("strconv.Itoa({expr})"), ITOA, Some("strconv")));
                }
                conversions.push((format!("fmt.Sprint({expr})"), SPRINT, Some("fmt")));
            } else if (target == "[]rune" || target == "[]byte") && source == "string" {
                conversions.push((format!("{target}({expr})"), NUMERIC_CONVERSION, None));
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
                CONVERT_OPERAND,
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
                CONVERT_OPERAND,
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

/// `cannot use X (variable of type S) as T value in …` → (X, S, T); also the older
/// `… as type T in …` and untyped constants (`(untyped float constant 2.5)` → S = `float64`).
pub(crate) fn cannot_use(message: &str) -> Option<(&str, String, &str)> {
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

/// Whether the file imports `path`.
pub(crate) fn has_import(text: &str, path: &str) -> bool {
    text.contains(&format!("\"{path}\""))
}

/// Splits `a + b` at its top-level binary operator.
pub(crate) fn split_binary(expr: &str) -> Option<(&str, &str, &str)> {
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
pub(crate) fn find_text_near(
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
