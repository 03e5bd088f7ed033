//! Conversions between selfheal's types and the interface's, and the checks on what a plugin
//! returns (a plugin's output is untrusted input).

use super::bindings::wit;
use crate::fix::{Edit, Fix};
use crate::program::Program;
use crate::types::{CodeError, ErrorType, Location, TargetLanguage};

pub fn language_to_wit(language: TargetLanguage) -> wit::Language {
    match language {
        TargetLanguage::Rust => wit::Language::Rust,
        TargetLanguage::Python => wit::Language::Python,
        TargetLanguage::JavaScript => wit::Language::Javascript,
        TargetLanguage::Go => wit::Language::Go,
    }
}

pub fn language_from_wit(language: wit::Language) -> TargetLanguage {
    match language {
        wit::Language::Rust => TargetLanguage::Rust,
        wit::Language::Python => TargetLanguage::Python,
        wit::Language::Javascript => TargetLanguage::JavaScript,
        wit::Language::Go => TargetLanguage::Go,
    }
}

fn kind_to_wit(kind: &ErrorType) -> wit::ErrorKind {
    match kind {
        ErrorType::SyntaxError => wit::ErrorKind::SyntaxError,
        ErrorType::TypeMismatch => wit::ErrorKind::TypeMismatch,
        ErrorType::MissingImport => wit::ErrorKind::MissingImport,
        ErrorType::UndefinedVariable => wit::ErrorKind::UndefinedVariable,
        ErrorType::CompilerError(k) => wit::ErrorKind::CompilerError(k.clone()),
        ErrorType::TestFailure => wit::ErrorKind::TestFailure,
        ErrorType::TelemetryMismatch => wit::ErrorKind::TelemetryMismatch,
    }
}

fn kind_from_wit(kind: wit::ErrorKind) -> ErrorType {
    match kind {
        wit::ErrorKind::SyntaxError => ErrorType::SyntaxError,
        wit::ErrorKind::TypeMismatch => ErrorType::TypeMismatch,
        wit::ErrorKind::MissingImport => ErrorType::MissingImport,
        wit::ErrorKind::UndefinedVariable => ErrorType::UndefinedVariable,
        wit::ErrorKind::CompilerError(k) => ErrorType::CompilerError(k),
        wit::ErrorKind::TestFailure => ErrorType::TestFailure,
        wit::ErrorKind::TelemetryMismatch => ErrorType::TelemetryMismatch,
    }
}

pub fn error_to_wit(error: &CodeError) -> wit::CodeError {
    wit::CodeError {
        kind: kind_to_wit(&error.error_type),
        message: error.message.clone(),
        code: error.code.clone(),
        location: error.location.as_ref().map(|l| wit::Location {
            file: l.file.clone(),
            line: l.line,
            column: l.column,
            end_line: l.end_line,
            end_column: l.end_column,
        }),
        context: error.context.clone(),
        notes: error.notes.clone(),
        test_name: error.test_name.clone(),
        step: error.step.clone(),
    }
}

/// A plugin's error; its `step` is the step the validator called it for, whatever it says.
pub fn error_from_wit(error: wit::CodeError, step: &str) -> CodeError {
    CodeError {
        error_type: kind_from_wit(error.kind),
        message: error.message,
        code: error.code,
        location: error.location.map(|l| Location {
            file: l.file,
            line: l.line,
            column: l.column,
            end_line: l.end_line,
            end_column: l.end_column,
        }),
        // Recomputed by the host from the program, never taken from the plugin.
        context: None,
        suggestions: Vec::new(),
        notes: error.notes,
        test_name: error.test_name,
        step: step.to_string(),
    }
}

pub fn program_to_wit(program: &Program) -> wit::Program {
    wit::Program {
        language: language_to_wit(program.language()),
        files: program
            .files()
            .iter()
            .map(|(path, text)| wit::SourceFile {
                path: path.clone(),
                contents: text.clone(),
                protected: program.protected().contains(path),
            })
            .collect(),
    }
}

/// A plugin's fix as selfheal's, or why it is malformed. Confidence outside [0, 1] (or not a
/// number) is refused rather than clamped: a plugin that claims 7.0 does not follow the
/// interface, and clamping would let it outrank every built-in strategy at 1.0.
pub fn fix_from_wit(fix: wit::Fix, strategy: &str) -> Result<Fix, String> {
    if !fix.confidence.is_finite() || !(0.0..=1.0).contains(&fix.confidence) {
        return Err(format!(
            "fix \"{}\" has confidence {}; it must be a number in [0, 1]",
            fix.description, fix.confidence
        ));
    }
    let edits = fix
        .edits
        .into_iter()
        .map(|e| {
            if e.byte_start > e.byte_end {
                return Err(format!(
                    "edit of `{}` has byte-start {} after byte-end {}",
                    e.file, e.byte_start, e.byte_end
                ));
            }
            Ok(Edit {
                file: e.file,
                byte_start: e.byte_start as usize,
                byte_end: e.byte_end as usize,
                replacement: e.replacement,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Fix {
        strategy: strategy.to_string(),
        description: fix.description,
        confidence: fix.confidence,
        applicability: crate::fix::FixApplicability::Speculative,
        edits,
    })
}

/// Bytes of text in a list of fixes: what the returned-data cap counts.
pub fn fixes_size(fixes: &[wit::Fix]) -> usize {
    fixes
        .iter()
        .map(|f| {
            f.description.len()
                + f.edits
                    .iter()
                    .map(|e| e.file.len() + e.replacement.len())
                    .sum::<usize>()
        })
        .sum()
}

/// Bytes of text in a list of errors: what the returned-data cap counts.
pub fn errors_size(errors: &[wit::CodeError]) -> usize {
    errors
        .iter()
        .map(|e| {
            let kind = match &e.kind {
                wit::ErrorKind::CompilerError(k) => k.len(),
                _ => 0,
            };
            kind + e.message.len()
                + e.code.as_ref().map_or(0, String::len)
                + e.location.as_ref().map_or(0, |l| l.file.len())
                + e.context.as_ref().map_or(0, String::len)
                + e.notes.iter().map(String::len).sum::<usize>()
                + e.test_name.as_ref().map_or(0, String::len)
                + e.step.len()
        })
        .sum()
}
