//! The static pass: `python_check.py`'s findings as errors, with rename suggestions.

use super::*;
use crate::diagnostics::findings::Finding;

/// Parses the static pass's JSON lines. Anything on stderr means the script itself failed.
pub fn parse_check(input: &ParseInput<'_>) -> Vec<CodeError> {
    if let Some(error) = limit_error(input) {
        return vec![error];
    }
    let mut errors: Vec<CodeError> = Finding::all(input.stdout)
        .map(|finding| finding_error(finding, input.program))
        .collect();
    let stderr = input.stderr.trim();
    if !stderr.is_empty() {
        let last = stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or(stderr);
        let mut error = CodeError::new(
            ErrorType::CompilerError("python".into()),
            format!("the Python static check failed: {}", last.trim()),
        );
        error.notes.push(stderr.to_string());
        errors.push(error);
    } else if errors.is_empty() && input.exit_code != Some(0) {
        errors.push(CodeError::new(
            ErrorType::CompilerError("python".into()),
            format!(
                "the Python static check {} without reporting a finding",
                describe_exit(input)
            ),
        ));
    }
    errors
}

pub(in crate::diagnostics) fn finding_error(finding: Finding, program: &Program) -> CodeError {
    let (error_type, code) = match finding.kind.as_str() {
        "syntax" => (ErrorType::SyntaxError, "SyntaxError"),
        "tab" => (ErrorType::SyntaxError, "TabError"),
        "indentation" => (ErrorType::SyntaxError, "IndentationError"),
        "undefined_name" => (ErrorType::UndefinedVariable, "NameError"),
        "missing_module" => (ErrorType::MissingImport, "ModuleNotFoundError"),
        "import_error" => (ErrorType::MissingImport, "ImportError"),
        other => (ErrorType::CompilerError("python".into()), other),
    };
    let location = finding.location();
    let mut error = CodeError::new(error_type, finding.message).with_code(code);
    if matches!(finding.kind.as_str(), "undefined_name" | "import_error") {
        if let (Some(name), Some(suggestion)) = (&finding.name, &finding.suggestion) {
            error
                .suggestions
                .push(rename_suggestion(program, &location, name, suggestion));
        }
    }
    error.with_location(location)
}

/// "did you mean `x`?", with the replacement when the location spans exactly `name`
/// (or `obj.name`, for attributes).
pub(in crate::diagnostics) fn rename_suggestion(
    program: &Program,
    location: &Location,
    name: &str,
    suggestion: &str,
) -> CompilerSuggestion {
    let replacements = name_span(program, location, name)
        .map(|(byte_start, byte_end)| Replacement {
            file: location.file.clone(),
            byte_start,
            byte_end,
            text: suggestion.to_string(),
        })
        .into_iter()
        .collect();
    CompilerSuggestion {
        message: format!("did you mean `{suggestion}`?"),
        applicability: Applicability::MaybeIncorrect,
        replacements,
    }
}

/// Byte range of `name` at the end of the location's span, if the span is on one line and its
/// text is `name` or ends with `.name`.
pub(in crate::diagnostics) fn name_span(
    program: &Program,
    location: &Location,
    name: &str,
) -> Option<(usize, usize)> {
    let end_column = location.end_column?;
    if location.end_line != Some(location.line) || name.is_empty() {
        return None;
    }
    let text = program.files().get(&location.file)?;
    let start = byte_of_column(text, location.line, location.column)?;
    let end = byte_of_column(text, location.line, end_column)?;
    let span = text.get(start..end)?;
    if span == name || span.ends_with(&format!(".{name}")) {
        Some((end - name.len(), end))
    } else {
        None
    }
}

/// The byte offset of a 1-based character column on a 1-based line (one past the last
/// character is allowed).
pub(in crate::diagnostics) fn byte_of_column(text: &str, line: u32, column: u32) -> Option<usize> {
    let mut offset = 0;
    for (index, content) in text.split('\n').enumerate() {
        if u32::try_from(index + 1).ok()? == line {
            let wanted = usize::try_from(column.checked_sub(1)?).ok()?;
            if wanted == content.chars().count() {
                return Some(offset + content.len());
            }
            return content.char_indices().nth(wanted).map(|(i, _)| offset + i);
        }
        offset += content.len() + 1;
    }
    None
}
