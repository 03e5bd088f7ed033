//! Output: JSON as serde writes it (strings escaped by JSON itself), human text with every
//! control character made visible (`selfheal::terminal`), so that nothing a program prints can
//! rewrite the report on a terminal.

use std::io::Write;

use clap::ValueEnum;
use selfheal::terminal::escape_controls;

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
    writeln!(out)?;
    Ok(())
}

/// Human text on stdout, control characters escaped.
pub fn out(text: &str) -> Result<(), UsageError> {
    std::io::stdout()
        .lock()
        .write_all(escape_controls(text).as_bytes())?;
    Ok(())
}

/// Human text on stderr, control characters escaped.
pub fn err(text: &str) {
    let _ = std::io::stderr()
        .lock()
        .write_all(escape_controls(text).as_bytes());
}

/// `value` as JSON, or the human text `human` builds.
pub fn either<T: serde::Serialize>(
    format: Format,
    value: &T,
    human: impl FnOnce(&T) -> String,
) -> Result<(), UsageError> {
    match format {
        Format::Json => json(value),
        Format::Human => out(&human(value)),
    }
}
