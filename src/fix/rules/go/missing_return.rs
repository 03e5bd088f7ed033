//! `go.missing-return`: adds `return <zero values>` at the end of a function that lacks one.
//! Answers: `missing return`. Fix: `return` of the result types' zero values.
//!
//! Why it is safe: the Go compiler or vet names the exact problem at this position; the fix changes
//! only what the message points at, and the heal loop validates it before keeping it.
//!
//! Example: `func f() int { if x { return 1 } }` → `func f() int { if x { return 1 }; return 0 }`.

use super::*;

/// Confidence of the fix: The zero value makes the function compile; whether it is the right value is unknown.
const CONFIDENCE: f64 = 0.5;

/// The zero value of a Go type, as source.
pub(crate) fn zero_value(ty: &str) -> String {
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
pub(crate) fn result_types(sig: &str) -> Option<Vec<String>> {
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
pub(crate) fn matching_paren(s: &str) -> Option<usize> {
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

impl Rule for MissingReturn {
    const META: RuleMeta =
        RuleMeta::new("go.missing-return", FixApplicability::Likely).language(TargetLanguage::Go);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        if code(error) != "missing_return" && error.message != "missing return" {
            return Vec::new();
        }
        let Some((loc, text, (line_start, line))) = error_line(error, program) else {
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
            Self::META.id,
            format!("return the zero value: `return {}`", values.join(", ")),
            CONFIDENCE,
            vec![edit(&loc.file, at, at, stmt)],
        )]
    }
}
