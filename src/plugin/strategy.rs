//! A fix strategy plugin as a [`FixStrategy`]: its fixes enter the engine, the ranking and the
//! learner like any built-in strategy's, under the id `plugin.<name>`.

use crate::fix::{Fix, FixStrategy};
use crate::program::Program;
use crate::types::CodeError;

use super::{Plugin, PluginError, PluginKind};

/// A loaded fix strategy plugin.
#[derive(Debug, Clone)]
pub struct WasmFixStrategy {
    plugin: Plugin,
    id: String,
}

impl WasmFixStrategy {
    /// Wraps a plugin of world `fix-strategy`.
    pub fn new(plugin: Plugin) -> Result<WasmFixStrategy, PluginError> {
        let plugin = super::of_kind(plugin, PluginKind::FixStrategy)?;
        let id = format!("plugin.{}", plugin.info().name);
        Ok(WasmFixStrategy { plugin, id })
    }

    pub fn plugin(&self) -> &Plugin {
        &self.plugin
    }
}

impl FixStrategy for WasmFixStrategy {
    fn id(&self) -> &str {
        &self.id
    }

    /// The plugin's fixes; none for a language it does not handle, and none when the call
    /// fails (the failure is counted and logged by the host).
    fn suggest(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        if !self.plugin.handles(program.language()) {
            return Vec::new();
        }
        self.plugin
            .suggest(error, program, &self.id)
            .unwrap_or_default()
    }
}
