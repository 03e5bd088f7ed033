//! Error signatures: what two errors have in common when they call for the same kind of repair.

use crate::types::CodeError;

/// Longest signature kept, in characters: long messages carry detail, not kind.
const MAX_SIGNATURE_CHARS: usize = 160;

/// The signature of an error: its code (or, without one, its category label), then the first
/// line of its message with identifiers in backticks or quotes, string literals and numbers
/// masked.
///
/// `E0425` + "cannot find value `x` in this scope" → "E0425 cannot find value `_` in this scope".
pub fn signature(error: &CodeError) -> String {
    let head = error
        .code
        .clone()
        .unwrap_or_else(|| error.error_type.label());
    let first_line = error.message.lines().next().unwrap_or("").trim();
    let masked = mask_bare_identifiers(&mask(first_line));
    let mut sig = format!("{head} {masked}");
    if sig.chars().count() > MAX_SIGNATURE_CHARS {
        sig = sig.chars().take(MAX_SIGNATURE_CHARS).collect();
    }
    sig.trim_end().to_string()
}

/// Masks quoted spans (`…`, '…', "…") to `_` and free-standing digit runs to `N`.
///
/// A single quote opens a span only after a non-word character, so apostrophes in words
/// ("doesn't") are left alone.
pub fn mask(message: &str) -> String {
    let chars: Vec<char> = message.chars().collect();
    let mut out = String::with_capacity(message.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let prev_is_word = i > 0 && is_word(chars[i - 1]);
        if matches!(c, '`' | '"') || (c == '\'' && !prev_is_word) {
            if let Some(close) = closing_quote(&chars, i) {
                out.push(c);
                out.push('_');
                out.push(c);
                i = close + 1;
                continue;
            }
        }
        if c.is_ascii_digit() && !prev_is_word {
            let mut j = i;
            while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == '.') {
                j += 1;
            }
            if j >= chars.len() || !is_word(chars[j]) {
                out.push('N');
                i = j;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Go (and a few other toolchains) name identifiers without quotes in fixed phrasings.
fn mask_bare_identifiers(message: &str) -> String {
    const BEFORE: &[&str] = &["undefined: ", "declared and not used: "];
    const AFTER: &[&str] = &[
        " declared but not used",
        " declared and not used",
        " is not defined",
    ];
    for prefix in BEFORE {
        if let Some(pos) = message.find(prefix) {
            let start = pos + prefix.len();
            let end = message[start..]
                .find(|c: char| !(is_word(c) || c == '.'))
                .map_or(message.len(), |n| start + n);
            if end > start {
                return format!("{}_{}", &message[..start], &message[end..]);
            }
        }
    }
    for suffix in AFTER {
        if let Some(pos) = message.find(suffix) {
            let start = message[..pos]
                .rfind(|c: char| !(is_word(c) || c == '.'))
                .map_or(0, |n| n + 1);
            if pos > start {
                return format!("{}_{}", &message[..start], &message[pos..]);
            }
        }
    }
    message.to_string()
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The index of the quote closing the span opened at `open`, on the same line.
fn closing_quote(chars: &[char], open: usize) -> Option<usize> {
    let quote = chars[open];
    let mut j = open + 1;
    while j < chars.len() {
        let c = chars[j];
        if c == '\\' {
            j += 2;
            continue;
        }
        if c == quote {
            // A single quote closes only when no word character follows ("'a' is" vs "it's").
            if quote != '\'' || j + 1 >= chars.len() || !is_word(chars[j + 1]) {
                return Some(j);
            }
        }
        j += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::ErrorType;

    #[test]
    fn masks_identifiers_numbers_and_literals() {
        let e = CodeError::new(
            ErrorType::UndefinedVariable,
            "cannot find value `x` in this scope",
        )
        .with_code("E0425");
        assert_eq!(signature(&e), "E0425 cannot find value `_` in this scope");

        let e = CodeError::new(ErrorType::UndefinedVariable, "name 'fo_o' is not defined")
            .with_code("NameError");
        assert_eq!(signature(&e), "NameError name '_' is not defined");

        let e = CodeError::new(
            ErrorType::TypeMismatch,
            "expected 2 arguments, found 3\nmore",
        );
        assert_eq!(signature(&e), "type_mismatch expected N arguments, found N");

        let e = CodeError::new(
            ErrorType::SyntaxError,
            r#"unexpected "a \" b" near x1 and it's 4.5"#,
        );
        assert_eq!(signature(&e), r#"syntax unexpected "_" near x1 and it's N"#);
    }

    #[test]
    fn same_kind_of_error_same_signature() {
        let a = CodeError::new(ErrorType::UndefinedVariable, "undefined: countr");
        let b = CodeError::new(ErrorType::UndefinedVariable, "undefined: strings.Fileds");
        assert_eq!(signature(&a), "undefined_variable undefined: _");
        assert_eq!(signature(&a), signature(&b));
        let u = CodeError::new(
            ErrorType::CompilerError("unused".into()),
            "total declared but not used",
        );
        assert_eq!(signature(&u), "compiler:unused _ declared but not used");
        let c = CodeError::new(ErrorType::UndefinedVariable, "`foo` is not defined");
        let d = CodeError::new(ErrorType::UndefinedVariable, "`barbaz` is not defined");
        assert_eq!(signature(&c), signature(&d));
    }
}
