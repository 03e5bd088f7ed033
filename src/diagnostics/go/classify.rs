//! The category and code of one Go compiler message (the module table).

use super::*;

/// The category and code of one compiler message (see the module table).
pub(super) fn classify_line(
    message: &str,
    location: Option<&Location>,
    program: &Program,
    analyzer: bool,
) -> CodeError {
    let message = strip_more_errors(message);
    let (error_type, code) = classify(message, location, program, analyzer);
    CodeError::new(error_type, message).with_code(code)
}

/// go/types appends ` (and N more errors)` to the first error it reports.
pub(super) fn strip_more_errors(message: &str) -> &str {
    match message.rfind(" (and ") {
        Some(i) if message.ends_with(" more errors)") || message.ends_with(" more error)") => {
            &message[..i]
        }
        _ => message,
    }
}

/// How a message is matched: it starts with the text, contains it, or contains both texts.
enum Pattern {
    Starts(&'static str),
    Has(&'static str),
    HasBoth(&'static str, &'static str),
}

impl Pattern {
    fn matches(&self, message: &str) -> bool {
        match self {
            Pattern::Starts(start) => message.starts_with(start),
            Pattern::Has(part) => message.contains(part),
            Pattern::HasBoth(a, b) => message.contains(a) && message.contains(b),
        }
    }
}

/// A category of the module table; `Compiler` is `CompilerError` named by the code.
#[derive(Clone, Copy)]
enum Category {
    Compiler,
    Syntax,
    MissingImport,
    Undefined,
    Mismatch,
}

impl Category {
    fn with_code(self, code: &'static str) -> (ErrorType, &'static str) {
        let error_type = match self {
            Category::Compiler => ErrorType::CompilerError(code.to_string()),
            Category::Syntax => ErrorType::SyntaxError,
            Category::MissingImport => ErrorType::MissingImport,
            Category::Undefined => ErrorType::UndefinedVariable,
            Category::Mismatch => ErrorType::TypeMismatch,
        };
        (error_type, code)
    }
}

/// One row of the module table: a message any of `patterns` matches has `category` and `code`.
type Row = (Category, &'static str, &'static [Pattern]);

use Category::*;
use Pattern::*;

/// The rows tried, in order, before `undefined: NAME` (which needs the program to decide).
const BEFORE_UNDEFINED: &[Row] = &[
    (
        Compiler,
        "assignment",
        &[
            Has("on left side of :="),
            Starts("assignment mismatch"),
            Starts("cannot assign to "),
        ],
    ),
    (
        Syntax,
        "syntax",
        &[
            Starts("syntax error"),
            Starts("expected "),
            Starts("newline in string"),
            Has("literal not terminated"),
            Starts("comment not terminated"),
            Starts("invalid character"),
            Starts("illegal character"),
            Starts("non-declaration statement outside function body"),
            Starts("missing ',' "),
            Starts("illegal UTF-8"),
        ],
    ),
    (
        Compiler,
        "unused_import",
        &[Has("imported but not used"), Has("imported and not used")],
    ),
    (
        Compiler,
        "unused_variable",
        &[Has("declared but not used"), Has("declared and not used")],
    ),
    (Compiler, "missing_return", &[Starts("missing return")]),
    (
        MissingImport,
        "missing_package",
        &[
            Has("cannot find package"),
            Has("could not import"),
            Has("is not in GOROOT"),
            Has("is not in std"),
            Has("no required module provides package"),
        ],
    ),
];

/// The rows tried, in order, after `undefined: NAME`; a message none matches is a `go vet`
/// finding or `go`.
const AFTER_UNDEFINED: &[Row] = &[
    (
        Undefined,
        "undefined_member",
        &[
            Has("has no field or method"),
            Has(" undefined (type "),
            Has(" not declared by package "),
            Starts("cannot refer to unexported"),
            Has("has no method "),
        ],
    ),
    (Mismatch, "mismatched_types", &[Has("(mismatched types ")]),
    (Mismatch, "cannot_use", &[Starts("cannot use ")]),
    (
        Mismatch,
        "invalid_operation",
        &[Starts("invalid operation")],
    ),
    (Mismatch, "cannot_convert", &[Starts("cannot convert")]),
    (
        Mismatch,
        "argument_count",
        &[Starts("too many arguments"), Starts("not enough arguments")],
    ),
    (
        Mismatch,
        "return_count",
        &[
            Starts("too many return values"),
            Starts("not enough return values"),
        ],
    ),
    (
        Mismatch,
        "type_mismatch",
        &[
            Starts("invalid argument"),
            Starts("cannot range over"),
            Starts("non-boolean condition"),
            Starts("cannot index"),
            Starts("cannot call non-function"),
            Starts("invalid composite literal type"),
            Has("is not a type"),
            HasBoth("(untyped ", "overflows"),
        ],
    ),
    (Compiler, "redeclared", &[Has("redeclared")]),
    (
        Compiler,
        "missing_main",
        &[Has("function main is undeclared")],
    ),
];

/// The category and code of the first row of `rows` that matches `message`.
fn lookup(rows: &[Row], message: &str) -> Option<(ErrorType, &'static str)> {
    rows.iter()
        .find(|(_, _, patterns)| patterns.iter().any(|p| p.matches(message)))
        .map(|&(category, code, _)| category.with_code(code))
}

pub(super) fn classify(
    message: &str,
    location: Option<&Location>,
    program: &Program,
    analyzer: bool,
) -> (ErrorType, &'static str) {
    let m = message;
    if let Some(found) = lookup(BEFORE_UNDEFINED, m) {
        return found;
    }
    if let Some(name) = m
        .strip_prefix("undefined: ")
        .or_else(|| m.strip_prefix("undeclared name: "))
    {
        let name = name.trim();
        if name.contains('.') {
            return Undefined.with_code("undefined_member");
        }
        if STD_PACKAGE_NAMES.contains(&name) && used_as_package(name, location, program) {
            return MissingImport.with_code("missing_import");
        }
        return Undefined.with_code("undefined");
    }
    if let Some(found) = lookup(AFTER_UNDEFINED, m) {
        return found;
    }
    if analyzer || VET_PREFIXES.iter().any(|p| m.starts_with(p)) || m.contains("format %") {
        return Compiler.with_code("vet");
    }
    Compiler.with_code("go")
}

/// True when the source at the error location reads `NAME.` (a package selector), or when
/// the source is not available to check.
pub(super) fn used_as_package(name: &str, location: Option<&Location>, program: &Program) -> bool {
    let Some(loc) = location else {
        return true;
    };
    let Some(text) = source_line(program, &loc.file, loc.line) else {
        return true;
    };
    let start = usize::try_from(loc.column.saturating_sub(1)).unwrap_or(0);
    let rest: String = text.chars().skip(start).collect();
    rest.strip_prefix(name)
        .is_some_and(|after| after.trim_start().starts_with('.'))
}
