//! Rules for every language: the compiler's own suggestions, similar names and syntax repairs
//! (delimiters, separators, unterminated strings, comments, other languages' syntax).

use crate::fix::{Edit, Fix};
use crate::program::Program;
use crate::types::{CodeError, ErrorType, TargetLanguage};
use std::collections::BTreeMap;

#[allow(unused_imports)]
use crate::fix::text::*;
use crate::fix::{FixApplicability, Rule, RuleMeta};
use crate::lang::builtins::{builtin_members, builtin_values};

pub(crate) mod assignment_comparison;
pub(crate) mod comments;
pub(crate) mod comparison_statement;
#[cfg(test)]
mod comparison_statement_tests;
pub(crate) mod compiler_suggestion;
pub(crate) mod delimiters;
pub(crate) mod foreign_syntax;
pub(crate) mod missing_colon;
#[cfg(test)]
mod name_tests;
pub(crate) mod separators;
pub(crate) mod similar_name;
pub(crate) mod telemetry_attribute;
pub(crate) mod telemetry_span_name;
pub(crate) mod telemetry_unit;
pub(crate) mod telemetry_wrap_span;
#[cfg(test)]
mod tests;
pub(crate) mod unterminated_string;
