//! `go.expected-token`: substitutes or inserts the token a Go syntax error expected. Answers:
//! `expected 'X', found 'Y'`, `syntax error: unexpected Y, expecting X`. Fix: substitute or insert
//! X.
//!
//! Why it is safe: the Go compiler or vet names the exact problem at this position; the fix changes
//! only what the message points at, and the heal loop validates it before keeping it.
//!
//! Example: `for i := 0; i < n; i++ ` → `for i := 0; i < n; i++ {`.

use super::*;

/// Punctuation where other punctuation was expected: substituting it.
const REPLACE_WITH_EXPECTED: f64 = 0.55;
/// Inserting the expected token: it may leave the unexpected one wrong.
const INSERT_EXPECTED: f64 = 0.35;

/// Substitutes or inserts the token a Go syntax error expected.
pub struct ExpectedToken;

impl Rule for ExpectedToken {
    const META: RuleMeta = RuleMeta::new("go.expected-token", FixApplicability::Likely)
        .language(TargetLanguage::Go)
        .codes(&["syntax"]);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let Some((loc, text)) = error_file(error, program) else {
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
                Self::META.id,
                format!("replace `{found}` by the expected `{expected}`"),
                REPLACE_WITH_EXPECTED,
                vec![edit(&loc.file, at, at + found.len(), expected.clone())],
            ));
        }
        fixes.push(fix(
            Self::META.id,
            format!("insert the expected `{expected}`"),
            INSERT_EXPECTED,
            vec![edit(&loc.file, at, at, expected.clone())],
        ));
        fixes
    }
}

/// (expected, found) from `expected 'X', found 'Y'` or `syntax error: unexpected Y, expecting X`.
pub(crate) fn go_expected(message: &str) -> Option<(String, String)> {
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
