//! rustc's JSON diagnostics: the serde model, one `CodeError` per error with its location,
//! notes and suggestions.

use super::*;

/// Most non-JSON lines kept as notes on the fallback error.
pub(super) const MAX_FALLBACK_NOTES: usize = 20;

// ---------------------------------------------------------------------------------------------
// rustc JSON

#[derive(Debug, Deserialize)]
pub(super) struct Diagnostic {
    #[serde(rename = "$message_type", default)]
    message_type: Option<String>,
    #[serde(default)]
    message: String,
    #[serde(default)]
    code: Option<DiagnosticCode>,
    #[serde(default)]
    level: String,
    #[serde(default)]
    spans: Vec<Span>,
    #[serde(default)]
    children: Vec<Diagnostic>,
}

#[derive(Debug, Deserialize)]
pub(super) struct DiagnosticCode {
    code: String,
}

#[derive(Debug, Deserialize)]
pub(super) struct Span {
    file_name: String,
    byte_start: usize,
    byte_end: usize,
    line_start: u32,
    line_end: u32,
    column_start: u32,
    column_end: u32,
    #[serde(default)]
    is_primary: bool,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    suggested_replacement: Option<String>,
    #[serde(default)]
    suggestion_applicability: Option<String>,
    #[serde(default)]
    expansion: Option<Box<Expansion>>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Expansion {
    span: Span,
}

impl Span {
    fn location(&self) -> Location {
        Location::new(
            program_path(&self.file_name),
            self.line_start,
            self.column_start,
        )
        .with_end(self.line_end, self.column_end)
    }
}

/// Parses rustc's `--error-format=json` diagnostics (one JSON object per stderr line).
///
/// Only `error`-level diagnostics become errors (warnings do not fail a build); rustc's closing
/// summaries ("aborting due to …") are skipped. If the command failed but printed no JSON error
/// (rustc crashed, could not read the file, was killed), one fallback error carries what it said.
pub fn parse_rustc_json(input: &ParseInput<'_>) -> Vec<CodeError> {
    let mut errors = Vec::new();
    let mut other_lines = Vec::new();
    for line in input.stderr.lines().chain(input.stdout.lines()) {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        let diagnostic = if trimmed.starts_with('{') {
            serde_json::from_str::<Diagnostic>(trimmed).ok()
        } else {
            None
        };
        match diagnostic {
            Some(d) => {
                if let Some(error) = convert_diagnostic(&d, input.program) {
                    errors.push(error);
                }
            }
            None => other_lines.push(trimmed.to_string()),
        }
    }
    if let Some(killed) = limits::limit_error(input) {
        errors.push(killed);
        return errors;
    }
    let failed =
        input.exit_code.is_some_and(|c| c != 0) || input.termination != Termination::Exited;
    if errors.is_empty() && failed {
        errors.push(fallback_error(input, &other_lines, "rustc"));
    }
    errors
}

pub(super) fn convert_diagnostic(d: &Diagnostic, program: &Program) -> Option<CodeError> {
    if d.message_type.as_deref().is_some_and(|t| t != "diagnostic") {
        return None;
    }
    let ice = d.level.starts_with("error: internal compiler error");
    if d.level != "error" && !ice {
        return None;
    }
    if is_summary(&d.message) {
        return None;
    }
    let code = d.code.as_ref().map(|c| c.code.clone());
    let error_type = if ice {
        ErrorType::CompilerError("ice".into())
    } else {
        classify(
            code.as_deref(),
            &d.message,
            d.spans.iter().filter_map(|s| s.label.as_deref()),
            suggests_import(&d.children),
        )
    };
    let mut error = CodeError::new(error_type, d.message.clone());
    error.code = code;
    let primary = primary_span(&d.spans, program);
    error.location = primary.map(Span::location);

    // Labels say what the headline does not ("expected `i32`, found `String`").
    for span in &d.spans {
        if let Some(label) = span.label.as_deref().filter(|l| !l.is_empty()) {
            if primary.is_some_and(|p| std::ptr::eq(p, span)) {
                error.notes.insert(0, label.to_string());
            } else {
                let loc = span.location();
                error
                    .notes
                    .push(format!("{}:{}:{}: {label}", loc.file, loc.line, loc.column));
            }
        }
    }
    if let Some(suggestion) = suggestion_from(&d.message, &d.spans) {
        error.suggestions.push(suggestion);
    }
    collect_children(&d.children, &mut error);
    Some(error)
}

/// rustc's closing lines, which repeat what the real diagnostics already said.
pub(super) fn is_summary(message: &str) -> bool {
    message.starts_with("aborting due to")
        || message.starts_with("Some errors have detailed explanations")
        || message.starts_with("For more information about")
}

/// The span the error is "at": the first primary span in a program file, following macro
/// expansions back to the call site when the primary span lies inside a macro definition
/// outside the program (std's `assert_eq!`, `vec!`, …).
pub(super) fn primary_span<'a>(spans: &'a [Span], program: &Program) -> Option<&'a Span> {
    let in_program = |s: &Span| {
        program.files().is_empty() || program.files().contains_key(program_path(&s.file_name))
    };
    let primaries: Vec<&Span> = spans.iter().filter(|s| s.is_primary).collect();
    if let Some(s) = primaries.iter().copied().find(|s| in_program(s)) {
        return Some(s);
    }
    for s in &primaries {
        let mut current: &Span = s;
        while let Some(expansion) = &current.expansion {
            current = &expansion.span;
            if in_program(current) {
                return Some(current);
            }
        }
    }
    spans
        .iter()
        .find(|s| in_program(s))
        .or_else(|| primaries.first().copied())
        .or_else(|| spans.first())
}

pub(super) fn collect_children(children: &[Diagnostic], error: &mut CodeError) {
    for child in children {
        if !child.message.is_empty() {
            let level = if child.level.is_empty() {
                "note"
            } else {
                child.level.as_str()
            };
            error.notes.push(format!("{level}: {}", child.message));
        }
        if let Some(suggestion) = suggestion_from(&child.message, &child.spans) {
            error.suggestions.push(suggestion);
        }
        collect_children(&child.children, error);
    }
}

/// One suggestion from every span of a diagnostic that carries a replacement.
pub(super) fn suggestion_from(message: &str, spans: &[Span]) -> Option<CompilerSuggestion> {
    let mut replacements = Vec::new();
    let mut applicability = Applicability::Unspecified;
    for span in spans {
        let Some(text) = &span.suggested_replacement else {
            continue;
        };
        if replacements.is_empty() {
            applicability = map_applicability(span.suggestion_applicability.as_deref());
        }
        replacements.push(Replacement {
            file: program_path(&span.file_name).to_string(),
            byte_start: span.byte_start,
            byte_end: span.byte_end,
            text: text.clone(),
        });
    }
    (!replacements.is_empty()).then(|| CompilerSuggestion {
        message: message.to_string(),
        applicability,
        replacements,
    })
}

pub(super) fn map_applicability(level: Option<&str>) -> Applicability {
    match level {
        Some("MachineApplicable") => Applicability::MachineApplicable,
        Some("MaybeIncorrect") => Applicability::MaybeIncorrect,
        Some("HasPlaceholders") => Applicability::HasPlaceholders,
        _ => Applicability::Unspecified,
    }
}

/// True when a help of the diagnostic suggests a `use` line ("consider importing this
/// struct: `use std::collections::HashMap;`").
pub(super) fn suggests_import(children: &[Diagnostic]) -> bool {
    children.iter().any(|child| {
        child.spans.iter().any(|s| {
            s.suggested_replacement
                .as_deref()
                .is_some_and(|r| r.trim_start().starts_with("use "))
        }) || suggests_import(&child.children)
    })
}
