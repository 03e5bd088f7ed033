//! The text toolkit every rule shares: one line index, one lexer for comments and strings,
//! one edit distance, one `Fixes` builder, one `is_identifier`.

mod error_file;
mod fixes;
mod infer_go;
mod infer_rust;
mod lex;
mod lines;
mod names;
mod operands;
mod placeholder;
mod similar;
mod synth;
#[cfg(test)]
pub(crate) mod testing;
mod written;

pub(crate) use error_file::*;
pub(crate) use fixes::*;
pub(crate) use infer_go::*;
pub(crate) use infer_rust::*;
pub(crate) use lex::*;
pub(crate) use lines::*;
pub(crate) use names::*;
pub(crate) use operands::*;
pub(crate) use placeholder::*;
pub(crate) use similar::*;
pub(crate) use synth::*;
pub(crate) use written::*;
