//! The built-in fix strategies. Each submodule exposes `strategies()`.

use std::sync::Arc;

use super::{Edit, Fix, FixStrategy};
use crate::types::CodeError;

pub mod compiler;
pub mod go;
pub mod javascript;
pub mod names;
pub mod python;
pub mod rust;
pub mod syntax;

/// Every built-in strategy (kept for callers of the old path; the list is
/// [`crate::fix::registry::builtin`]).
pub fn builtin() -> Vec<Arc<dyn FixStrategy>> {
    crate::fix::registry::builtin()
}

/// The error's code, or "" when the toolchain gave none.
pub(crate) fn code(error: &CodeError) -> &str {
    error.code.as_deref().unwrap_or("")
}

pub(crate) fn fix(id: &str, description: String, confidence: f64, edits: Vec<Edit>) -> Fix {
    Fix {
        strategy: id.to_string(),
        description,
        confidence,
        applicability: crate::fix::FixApplicability::Safe,
        edits,
    }
}

pub(crate) fn edit(file: &str, start: usize, end: usize, replacement: impl Into<String>) -> Edit {
    Edit {
        file: file.to_string(),
        byte_start: start,
        byte_end: end,
        replacement: replacement.into(),
    }
}
