//! Helpers the parsers' unit tests share.

use crate::types::{CodeError, ErrorType};

/// A command line of string literals.
pub(crate) fn cmd(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

/// The file, line, column, end line and end column of `error`, which must have a location.
pub(crate) fn loc(error: &CodeError) -> (String, u32, u32, Option<u32>, Option<u32>) {
    let l = error.location.as_ref().expect("location");
    (l.file.clone(), l.line, l.column, l.end_line, l.end_column)
}

/// The category, code, message and test name of `error`, to check in one assertion.
pub(crate) fn headline(error: &CodeError) -> (ErrorType, Option<&str>, &str, Option<&str>) {
    (
        error.error_type.clone(),
        error.code.as_deref(),
        error.message.as_str(),
        error.test_name.as_deref(),
    )
}
