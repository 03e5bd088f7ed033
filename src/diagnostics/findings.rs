//! The static passes' output (`python_check.py`, `javascript_check.cjs`): one JSON finding a
//! line.

use super::program_path;
use crate::types::Location;

/// One finding of a static pass.
#[derive(Debug, serde::Deserialize)]
pub(super) struct Finding {
    /// What was found (`undefined_name`, `missing_import`, `syntax`…); each pass names its own.
    pub(super) kind: String,
    pub(super) file: String,
    pub(super) line: u32,
    pub(super) column: u32,
    pub(super) end_line: Option<u32>,
    pub(super) end_column: Option<u32>,
    pub(super) message: String,
    /// The name the finding is about, when it is about one.
    pub(super) name: Option<String>,
    /// A name the pass suggests instead.
    pub(super) suggestion: Option<String>,
}

impl Finding {
    /// Every finding in a pass's standard output: the lines that parse as one; any other line
    /// is passed over.
    pub(super) fn all(stdout: &str) -> impl Iterator<Item = Finding> + '_ {
        stdout
            .lines()
            .map(str::trim)
            .filter(|line| line.starts_with('{'))
            .filter_map(|line| serde_json::from_str::<Finding>(line).ok())
    }

    /// Where the finding points, in the program's paths, with its end when the pass gave one.
    pub(super) fn location(&self) -> Location {
        let location = Location::new(program_path(&self.file), self.line, self.column);
        match (self.end_line, self.end_column) {
            (Some(end_line), Some(end_column)) => location.with_end(end_line, end_column),
            _ => location,
        }
    }
}
