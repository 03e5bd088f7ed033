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

pub(super) fn classify(
    message: &str,
    location: Option<&Location>,
    program: &Program,
    analyzer: bool,
) -> (ErrorType, &'static str) {
    use ErrorType::*;
    let compiler = |kind: &'static str| (CompilerError(kind.to_string()), kind);
    let m = message;
    if m.contains("on left side of :=")
        || m.starts_with("assignment mismatch")
        || m.starts_with("cannot assign to ")
    {
        return compiler("assignment");
    }
    if m.starts_with("syntax error")
        || m.starts_with("expected ")
        || m.starts_with("newline in string")
        || m.contains("literal not terminated")
        || m.starts_with("comment not terminated")
        || m.starts_with("invalid character")
        || m.starts_with("illegal character")
        || m.starts_with("non-declaration statement outside function body")
        || m.starts_with("missing ',' ")
        || m.starts_with("illegal UTF-8")
    {
        return (SyntaxError, "syntax");
    }
    if m.contains("imported but not used") || m.contains("imported and not used") {
        return compiler("unused_import");
    }
    if m.contains("declared but not used") || m.contains("declared and not used") {
        return compiler("unused_variable");
    }
    if m.starts_with("missing return") {
        return compiler("missing_return");
    }
    if m.contains("cannot find package")
        || m.contains("could not import")
        || m.contains("is not in GOROOT")
        || m.contains("is not in std")
        || m.contains("no required module provides package")
    {
        return (MissingImport, "missing_package");
    }
    if let Some(name) = m
        .strip_prefix("undefined: ")
        .or_else(|| m.strip_prefix("undeclared name: "))
    {
        let name = name.trim();
        if name.contains('.') {
            return (UndefinedVariable, "undefined_member");
        }
        if STD_PACKAGE_NAMES.contains(&name) && used_as_package(name, location, program) {
            return (MissingImport, "missing_import");
        }
        return (UndefinedVariable, "undefined");
    }
    if m.contains("has no field or method")
        || m.contains(" undefined (type ")
        || m.contains(" not declared by package ")
        || m.starts_with("cannot refer to unexported")
        || m.contains("has no method ")
    {
        return (UndefinedVariable, "undefined_member");
    }
    if m.contains("(mismatched types ") {
        return (TypeMismatch, "mismatched_types");
    }
    if m.starts_with("cannot use ") {
        return (TypeMismatch, "cannot_use");
    }
    if m.starts_with("invalid operation") {
        return (TypeMismatch, "invalid_operation");
    }
    if m.starts_with("cannot convert") {
        return (TypeMismatch, "cannot_convert");
    }
    if m.starts_with("too many arguments") || m.starts_with("not enough arguments") {
        return (TypeMismatch, "argument_count");
    }
    if m.starts_with("too many return values") || m.starts_with("not enough return values") {
        return (TypeMismatch, "return_count");
    }
    if m.starts_with("invalid argument")
        || m.starts_with("cannot range over")
        || m.starts_with("non-boolean condition")
        || m.starts_with("cannot index")
        || m.starts_with("cannot call non-function")
        || m.starts_with("invalid composite literal type")
        || m.contains("is not a type")
        || m.contains("(untyped ") && m.contains("overflows")
    {
        return (TypeMismatch, "type_mismatch");
    }
    if m.contains("redeclared") {
        return compiler("redeclared");
    }
    if m.contains("function main is undeclared") {
        return compiler("missing_main");
    }
    if analyzer || VET_PREFIXES.iter().any(|p| m.starts_with(p)) || m.contains("format %") {
        return compiler("vet");
    }
    compiler("go")
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
