//! Sibling tables for the operator and call mutations: operators and library functions often
//! written for one another, per language, the likeliest first.

use crate::types::TargetLanguage;

/// Sibling operators of `op`, likeliest first.
pub(super) fn operator_siblings(language: TargetLanguage, op: &str) -> &'static [&'static str] {
    let js = language == TargetLanguage::JavaScript;
    let py = language == TargetLanguage::Python;
    match op {
        "<" => &["<=", ">", ">=", "!=", "=="],
        "<=" => &["<", ">=", ">", "==", "!="],
        ">" => &[">=", "<", "<=", "!=", "=="],
        ">=" => &[">", "<=", "<", "==", "!="],
        "==" if js => &["!=", "===", "<=", ">="],
        "!=" if js => &["==", "!==", "<", ">"],
        "==" => &["!=", "<=", ">=", "<", ">"],
        "!=" => &["==", "<", ">", "<=", ">="],
        "===" => &["!==", "<=", ">=", "<", ">"],
        "!==" => &["===", "<", ">", "<=", ">="],
        "+" => &["-", "*"],
        "-" => &["+", "*"],
        "*" if py => &["/", "//", "+", "**"],
        "*" => &["/", "+", "-"],
        "/" if py => &["//", "*", "%"],
        "/" => &["*", "%"],
        "//" => &["/", "%", "*"],
        "%" if py => &["//", "/"],
        "%" => &["/", "*"],
        "**" => &["*"],
        "and" => &["or"],
        "or" => &["and"],
        "&&" => &["||"],
        "||" => &["&&"],
        // A shift and a mask are confused both ways: `(x >> 1) == 1` for `(x & 1) == 1`.
        "&" => &["|", "^", ">>"],
        "|" => &["&", "^"],
        "^" => &["|", "&"],
        "<<" => &[">>"],
        ">>" => &["<<", "&"],
        "+=" => &["-=", "*="],
        "-=" => &["+=", "*="],
        "*=" => &["/=", "+="],
        "/=" if py => &["//=", "*="],
        "/=" => &["*=", "%="],
        "//=" => &["/=", "*="],
        "%=" => &["/="],
        "++" => &["--"],
        "--" => &["++"],
        _ => &[],
    }
}

/// Names of functions or methods often confused with `name`, per language.
pub(super) fn call_siblings(language: TargetLanguage, name: &str) -> Vec<&'static str> {
    let groups: &[&[&str]] = match language {
        TargetLanguage::Python => &[
            &["min", "max"],
            &["floor", "ceil", "round", "int"],
            &["any", "all"],
            &["append", "extend", "insert"],
            &["sort", "reverse"],
            &["sorted", "reversed"],
            &["startswith", "endswith"],
            &["upper", "lower"],
            &["isupper", "islower"],
            &["isdigit", "isalpha", "isalnum"],
            &["strip", "lstrip", "rstrip"],
            &["find", "rfind", "index"],
            &["pop", "popleft"],
            &["remove", "discard"],
        ],
        TargetLanguage::JavaScript => &[
            &["min", "max"],
            &["floor", "ceil", "round", "trunc"],
            &["some", "every"],
            &["push", "unshift"],
            &["pop", "shift"],
            &["indexOf", "lastIndexOf"],
            &["startsWith", "endsWith"],
            &["toUpperCase", "toLowerCase"],
            &["padStart", "padEnd"],
            &["trimStart", "trimEnd", "trim"],
            &["slice", "substring"],
            &["find", "findLast", "filter"],
            &["findIndex", "findLastIndex"],
            &["parseInt", "parseFloat"],
        ],
        TargetLanguage::Go => &[
            &["min", "max"],
            &["Min", "Max"],
            &["Floor", "Ceil", "Round"],
            &["HasPrefix", "HasSuffix"],
            &["ToUpper", "ToLower"],
            &["Index", "LastIndex"],
            &["TrimLeft", "TrimRight"],
            &["TrimPrefix", "TrimSuffix"],
            &["IsUpper", "IsLower"],
            &["IsDigit", "IsLetter"],
        ],
        TargetLanguage::Rust => &[
            &["min", "max"],
            &["floor", "ceil", "round"],
            &["any", "all"],
            &["starts_with", "ends_with"],
            &["to_uppercase", "to_lowercase"],
            &["to_ascii_uppercase", "to_ascii_lowercase"],
            &["is_uppercase", "is_lowercase"],
            &["is_ascii_uppercase", "is_ascii_lowercase"],
            &["find", "rfind"],
            &["first", "last"],
            &["trim_start", "trim_end", "trim"],
            &["min_by_key", "max_by_key"],
            &["min_by", "max_by"],
            &["skip", "take"],
            &["push", "insert"],
            &["saturating_sub", "wrapping_sub"],
        ],
    };
    groups
        .iter()
        .filter(|g| g.contains(&name))
        .flat_map(|g| g.iter().copied().filter(|n| *n != name))
        .collect()
}
