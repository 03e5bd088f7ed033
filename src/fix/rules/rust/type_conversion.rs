//! `rust.type-conversion`: conversions for "mismatched types: expected `E`, found `F`". Answers:
//! E0308. Fix: `.to_string()`, `&`, `*`, `as T`, `Some(…)`, `.unwrap()`, `.clone()`, `.into()`,
//! float/int literals.
//!
//! Why it is safe: rustc names the exact problem at this position; the fix changes only what the
//! message points at, and the heal loop validates it before keeping it.
//!
//! Example: `let s: String = "a";` → `let s: String = "a".to_string();`.

use super::*;

/// `.to_string()` is the usual way from a borrowed string or a `char` to a `String`.
const TO_STRING: f64 = 0.75;
/// `String::from` does the same for fewer found types: below `.to_string()`.
const STRING_FROM: f64 = 0.5;
/// A `&String` derefs to `&str`: borrowing is all the callee asked for.
const BORROW_AS_STR: f64 = 0.7;
/// The same borrow spelled out; offered second.
const AS_STR: f64 = 0.55;
/// A one-character string from a `char`: right, but allocates where a literal may be meant.
const CHAR_TO_STR: f64 = 0.55;
/// A one-character string literal where a `char` is expected is a quoting slip.
const CHAR_LITERAL: f64 = 0.7;
/// The callee wants a mutable reference to exactly this value.
const MUT_REFERENCE: f64 = 0.65;
/// The callee wants a reference to exactly this value (or its slice).
const REFERENCE: f64 = 0.65;
/// Dereferencing to the expected type; compiles when the type is `Copy`.
const DEREFERENCE: f64 = 0.6;
/// Cloning the referenced value works when it is not `Copy`, at a cost.
const CLONE_REFERENCED: f64 = 0.5;
/// `3.0` where an integer is expected: the author meant the integer.
const INTEGER_LITERAL: f64 = 0.7;
/// An `as` cast of a float truncates: a last resort for integers.
const CAST_FLOAT_TO_INT: f64 = 0.4;
/// `3` where a float is expected: writing `3.0` changes no value.
const FLOAT_LITERAL: f64 = 0.75;
/// An `as` cast between numbers compiles, but may truncate or change the sign.
const NUMERIC_CAST: f64 = 0.65;
/// `From` exists only for widening conversions, so it often does not compile.
const FROM_LOSSLESS: f64 = 0.35;
/// A value where an `Option` of it is expected is a present value.
const WRAP_SOME: f64 = 0.7;
/// Unwrapping compiles but panics on `None`/`Err`: handling it may be meant.
const UNWRAP: f64 = 0.55;
/// Unwrap and dereference: as [`UNWRAP`], and only for `Copy` types.
const UNWRAP_DEREF: f64 = 0.5;
/// A value where a `Result` of it is expected is a success.
const WRAP_OK: f64 = 0.65;
/// `Chars` where a `Vec<char>` is expected: collecting is the usual intent.
const COLLECT_CHARS: f64 = 0.6;
/// `.into()` when nothing more specific fits: it compiles only when a `From` exists.
const INTO: f64 = 0.3;
/// A clone is the last resort: it fixes ownership, rarely a type.
const CLONE: f64 = 0.2;
/// `append` takes a whole `Vec`; one element given means `push`.
const PUSH_NOT_APPEND: f64 = 0.7;

/// Conversions for "mismatched types: expected `E`, found `F`".
pub struct TypeConversion;

impl Rule for TypeConversion {
    const META: RuleMeta = RuleMeta::new("rust.type-conversion", FixApplicability::Speculative)
        .language(TargetLanguage::Rust)
        .codes(&["E0308"]);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        conversions(error, program).unwrap_or_default()
    }
}

/// The conversions from the found to the expected type the error names, at its span.
fn conversions(error: &CodeError, program: &Program) -> Option<Vec<Fix>> {
    let (loc, text) = error_file(error, program)?;
    let start = line_col_to_byte(text, loc.line, loc.column)?;
    let end = loc
        .end_line
        .zip(loc.end_column)
        .and_then(|(l, c)| line_col_to_byte(text, l, c))?;
    if end <= start {
        return None;
    }
    let (expected, found) = expected_found(error)?;
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
    if exp == "String" && (fnd == "&str" || fnd == "&String" || fnd == "&&str" || fnd == "char") {
        add!(
            format!("{}.to_string()", paren(expr)),
            TO_STRING,
            "convert to `String` with `.to_string()`"
        );
        add!(
            format!("String::from({expr})"),
            STRING_FROM,
            "convert with `String::from`"
        );
    } else if exp == "&str" && fnd == "String" {
        add!(
            format!("&{expr}"),
            BORROW_AS_STR,
            "borrow the `String` as `&str`"
        );
        add!(
            format!("{}.as_str()", paren(expr)),
            AS_STR,
            "borrow with `.as_str()`"
        );
    } else if exp == "&str" && fnd == "char" {
        add!(
            format!("&{}.to_string()", paren(expr)),
            CHAR_TO_STR,
            "turn the `char` into a string"
        );
    } else if exp == "char"
        && (fnd == "&str" || fnd == "&&str")
        && expr.starts_with('"')
        && expr.chars().count() == 3
    {
        add!(
            format!("'{}'", &expr[1..expr.len() - 1]),
            CHAR_LITERAL,
            "use a character literal"
        );
    } else if exp.strip_prefix("&mut ") == Some(fnd) {
        add!(
            format!("&mut {expr}"),
            MUT_REFERENCE,
            "pass a mutable reference"
        );
    } else if exp.strip_prefix('&').is_some_and(|i| {
        i == fnd
            || fnd.starts_with(&format!("{i}<"))
            || (i.starts_with('[') && fnd.starts_with("Vec<"))
    }) {
        add!(format!("&{expr}"), REFERENCE, "pass a reference");
    } else if fnd.strip_prefix('&').map(|i| i.trim_start_matches("mut ")) == Some(exp) {
        add!(format!("*{expr}"), DEREFERENCE, "dereference");
        add!(
            format!("{}.clone()", paren(expr)),
            CLONE_REFERENCED,
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
                add!(
                    int.to_string(),
                    INTEGER_LITERAL,
                    "write the number as an integer"
                );
            }
            add!(
                format!("{expr} as {exp}"),
                CAST_FLOAT_TO_INT,
                "cast to the expected type"
            );
        } else if FLOATS.contains(&exp) && is_int_literal {
            add!(
                format!("{expr}.0"),
                FLOAT_LITERAL,
                "write the number as a float"
            );
        } else {
            let deref = if fnd.starts_with('&') { "*" } else { "" };
            add!(
                format!("{deref}{} as {exp}", paren(expr)),
                NUMERIC_CAST,
                "cast to the expected type"
            );
            add!(
                format!("{exp}::from({deref}{expr})"),
                FROM_LOSSLESS,
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
            add!(
                format!("Some({expr})"),
                WRAP_SOME,
                "wrap the value in `Some`"
            );
        }
    } else if let Some(inner) = fnd
        .strip_prefix("Option<")
        .and_then(|r| r.strip_suffix('>'))
    {
        if inner == exp || inner == format!("&{exp}") {
            add!(
                format!("{}.unwrap()", paren(expr)),
                UNWRAP,
                "unwrap the `Option`"
            );
        }
        if inner == format!("&{exp}") {
            add!(
                format!("*{}.unwrap()", paren(expr)),
                UNWRAP_DEREF,
                "unwrap and dereference"
            );
        }
    } else if fnd.starts_with("Result<") && fnd[7..].starts_with(exp) {
        add!(
            format!("{}.unwrap()", paren(expr)),
            UNWRAP,
            "unwrap the `Result`"
        );
    } else if exp.starts_with("Result<") && exp[7..].starts_with(fnd) {
        add!(format!("Ok({expr})"), WRAP_OK, "wrap the value in `Ok`");
    } else if exp == "Vec<char>" && fnd.contains("Chars") {
        add!(
            format!("{}.collect()", paren(expr)),
            COLLECT_CHARS,
            "collect the characters"
        );
    }
    // `v.append(x)` with a single element: `push`.
    let append_call = text[..start].ends_with(".append(") && exp.starts_with("&mut Vec<");
    if out.is_empty() && !exp.contains('{') && !fnd.contains("fn(") && !append_call {
        add!(
            format!("{}.into()", paren(expr)),
            INTO,
            "convert with `.into()`"
        );
        add!(format!("{}.clone()", paren(expr)), CLONE, "clone the value");
    }
    let mut fixes: Vec<Fix> = Vec::new();
    if append_call {
        let name_start = start - "append(".len();
        fixes.push(fix(
            TypeConversion::META.id,
            "add one element with `push`, not `append`".into(),
            PUSH_NOT_APPEND,
            vec![edit(&loc.file, name_start, name_start + 6, "push")],
        ));
    }
    fixes.extend(out.into_iter().map(|(replacement, conf, why)| {
        fix(
            TypeConversion::META.id,
            format!("{why}: `{replacement}` (expected `{expected}`, found `{found}`)"),
            conf,
            vec![edit(&loc.file, start, end, replacement)],
        )
    }));
    Some(fixes)
}

pub(crate) const INTEGERS: &[&str] = &[
    "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize",
];

pub(crate) const FLOATS: &[&str] = &["f32", "f64"];

/// (expected, found) from a label such as "expected `i32`, found `&str`" or
/// "expected `i32`, found floating-point number".
pub(crate) fn expected_found(error: &CodeError) -> Option<(String, String)> {
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
