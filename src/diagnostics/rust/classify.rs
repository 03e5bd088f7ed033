//! The category of one rustc diagnostic (the module table), and the fallback error.

use super::*;

/// Codes for a name that does not exist where it is used (see the module table).
pub(super) const UNDEFINED_CODES: &[&str] = &[
    "E0425", "E0412", "E0405", "E0422", "E0531", "E0423", "E0424", "E0411", "E0599", "E0609",
    "E0560", "E0433",
];
/// Codes for a module or crate that cannot be found.
pub(super) const MISSING_IMPORT_CODES: &[&str] = &["E0432", "E0583", "E0463"];
/// Codes for a value of the wrong type (see the module table).
pub(super) const TYPE_CODES: &[&str] = &[
    "E0308", "E0277", "E0061", "E0060", "E0057", "E0369", "E0368", "E0600", "E0604", "E0605",
    "E0606", "E0607", "E0614", "E0608", "E0620", "E0070", "E0689", "E0282", "E0283", "E0107",
    "E0050", "E0053", "E0610", "E0618",
];
/// Mutability and borrow-checker codes.
pub(super) const BORROW_CODES: &[&str] = &[
    "E0384", "E0596", "E0594", "E0502", "E0499", "E0382", "E0505", "E0506", "E0507", "E0508",
    "E0509", "E0597", "E0716", "E0373", "E0381", "E0503", "E0501", "E0713", "E0515",
];
pub(super) const LIFETIME_CODES: &[&str] = &["E0106", "E0261", "E0621", "E0623"];
/// Lexer errors that rustc gives a code.
pub(super) const SYNTAX_CODES: &[&str] = &["E0765", "E0766", "E0758", "E0762", "E0763"];

/// Parser messages, which carry no code. Matched at the start of the message.
pub(super) const SYNTAX_PREFIXES: &[&str] = &[
    "expected ",
    "unexpected ",
    "unterminated ",
    "unclosed ",
    "mismatched closing delimiter",
    "this file contains an unclosed delimiter",
    "unknown start of token",
    "missing `",
    "missing type for",
    "lifetimes cannot start with a number",
    "comparison operators cannot be chained",
    "incorrect use of `await`",
    "invalid ",
    "found ",
    "keyword `",
    "character literal may only contain one codepoint",
    "prefix `",
    "unknown character escape",
    "float literals must have an integer part",
    "leading `+` is not supported",
    "Rust has no ",
    "`else if` is not",
    "attribute without generic parameters",
    "an inner attribute is not permitted",
    "return types are denoted using `->`",
    "visibility `pub` is not followed by an item",
    "functions are not allowed in",
];

/// The category of one rustc diagnostic; `labels` are its span labels (E0433 needs them), and
/// `suggests_import` says whether rustc suggested a `use` line for it.
pub(super) fn classify<'a>(
    code: Option<&str>,
    message: &str,
    mut labels: impl Iterator<Item = &'a str>,
    suggests_import: bool,
) -> ErrorType {
    let Some(code) = code else {
        if message.starts_with("cannot find macro") || message.starts_with("cannot find attribute")
        {
            return ErrorType::UndefinedVariable;
        }
        if SYNTAX_PREFIXES.iter().any(|p| message.starts_with(p)) {
            return ErrorType::SyntaxError;
        }
        return ErrorType::CompilerError("rustc".into());
    };
    if code == "E0433" {
        // "failed to resolve: use of undeclared crate or module `foo`" (older rustc) or
        // "use of unresolved module or unlinked crate `foo`" (newer) name a missing import;
        // "use of undeclared type `Foo`" names an undefined item, unless rustc suggests the
        // `use` line that brings it in: then the import is what is missing.
        let text = |t: &str| t.contains("crate") || t.contains("module");
        if suggests_import || text(message) || labels.any(text) {
            return ErrorType::MissingImport;
        }
        return ErrorType::UndefinedVariable;
    }
    if MISSING_IMPORT_CODES.contains(&code) {
        ErrorType::MissingImport
    } else if UNDEFINED_CODES.contains(&code) {
        ErrorType::UndefinedVariable
    } else if TYPE_CODES.contains(&code) {
        ErrorType::TypeMismatch
    } else if BORROW_CODES.contains(&code) {
        ErrorType::CompilerError("borrow".into())
    } else if LIFETIME_CODES.contains(&code) {
        ErrorType::CompilerError("lifetime".into())
    } else if SYNTAX_CODES.contains(&code) {
        ErrorType::SyntaxError
    } else if !code.starts_with('E') {
        // Lint names (`unused_variables`, `dead_code`, …) when a lint is set to deny.
        ErrorType::CompilerError("lint".into())
    } else {
        ErrorType::CompilerError(
            match code {
                "E0004" | "E0005" => "non_exhaustive",
                "E0428" | "E0201" | "E0124" | "E0415" | "E0416" => "duplicate",
                "E0601" => "missing_main",
                "E0603" | "E0616" | "E0624" => "privacy",
                "E0015" | "E0658" => "unsupported",
                "E0046" => "missing_trait_item",
                "E0117" | "E0119" | "E0120" => "trait_impl",
                _ => "rustc",
            }
            .into(),
        )
    }
}

/// A test harness that failed without a recognised error: its non-empty output lines as one
/// `test_harness` fallback error.
pub(super) fn harness_fallback(input: &ParseInput<'_>, lines: &[&str]) -> CodeError {
    let other: Vec<String> = lines
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    fallback_error(input, &other, "test_harness")
}

/// One error for a command that failed without output this parser understands.
pub(super) fn fallback_error(input: &ParseInput<'_>, lines: &[String], kind: &str) -> CodeError {
    let headline = lines
        .iter()
        .find(|l| l.starts_with("error"))
        .or_else(|| lines.first())
        .cloned();
    let message = match (headline, input.exit_code) {
        (Some(line), _) => line,
        (None, Some(code)) => format!(
            "`{}` failed with exit status {code} and printed no diagnostics",
            input.command.join(" ")
        ),
        (None, None) => format!(
            "`{}` was killed by a signal and printed no diagnostics",
            input.command.join(" ")
        ),
    };
    let mut error = CodeError::new(ErrorType::CompilerError(kind.into()), message);
    error.notes = lines.iter().take(MAX_FALLBACK_NOTES).cloned().collect();
    error
}
