//! A validator plugin: parses a command's output alongside selfheal's own parser.

use crate::program::Program;
use crate::types::{CodeError, StepOutcome};

use super::{Plugin, PluginError, PluginKind};

/// A loaded validator plugin.
#[derive(Debug, Clone)]
pub struct WasmValidator {
    plugin: Plugin,
}

impl WasmValidator {
    /// Wraps a plugin of world `validator`.
    pub fn new(plugin: Plugin) -> Result<WasmValidator, PluginError> {
        let plugin = super::of_kind(plugin, PluginKind::Validator)?;
        Ok(WasmValidator { plugin })
    }

    pub fn plugin(&self) -> &Plugin {
        &self.plugin
    }

    /// The plugin's errors for one command of `program`, with source context; none when the
    /// plugin does not handle the language or the call fails (counted and logged).
    pub fn errors(&self, program: &Program, outcome: &StepOutcome) -> Vec<CodeError> {
        if !self.plugin.handles(program.language()) {
            return Vec::new();
        }
        let mut errors = self
            .plugin
            .parse(
                program.language(),
                &outcome.step,
                outcome.exit_code,
                &outcome.stdout,
                &outcome.stderr,
            )
            .unwrap_or_default();
        crate::diagnostics::add_context(&mut errors, program);
        errors
    }
}
