//! Output: JSON as serde writes it (strings escaped by JSON itself), human text with every
//! control character made visible (`selfheal::terminal`), so that nothing a program prints can
//! rewrite the report on a terminal.

use std::io::Write;

use clap::ValueEnum;
pub use selfheal::terminal::{eprint_escaped as err, print_escaped as out};

use super::UsageError;

/// Output format.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
}

/// `value` as pretty JSON on stdout.
pub fn json<T: serde::Serialize>(value: &T) -> Result<(), UsageError> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    Ok(writeln!(out)?)
}

/// `value` as JSON, or the human text `human` builds.
pub fn either<T: serde::Serialize>(
    format: Format,
    value: &T,
    human: impl FnOnce(&T) -> String,
) -> Result<(), UsageError> {
    match format {
        Format::Json => json(value),
        Format::Human => Ok(out(&human(value))?),
    }
}
