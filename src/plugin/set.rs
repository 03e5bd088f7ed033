//! A directory of plugins: every `*.wasm` in it, sorted by file name, each classified by the
//! world it exports. A file that fails to load is reported and skipped; the others load.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::fix::{FixEngine, FixStrategy};

use super::{Plugin, PluginError, PluginHost, PluginKind, WasmFixStrategy, WasmValidator};

/// A plugin file that did not load, and why.
#[derive(Debug)]
pub struct PluginLoadError {
    pub path: PathBuf,
    pub error: PluginError,
}

impl std::fmt::Display for PluginLoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.error)
    }
}

/// Loaded fix strategies and validators.
#[derive(Debug, Default, Clone)]
pub struct PluginSet {
    strategies: Vec<Arc<WasmFixStrategy>>,
    validators: Vec<Arc<WasmValidator>>,
}

impl PluginSet {
    pub fn new() -> PluginSet {
        PluginSet::default()
    }

    /// Loads every `*.wasm` of `dir`. `Err` only when the directory cannot be listed; each
    /// file that fails (or repeats a name already loaded) is in the returned list.
    pub fn load_dir(
        dir: &Path,
        host: &PluginHost,
    ) -> Result<(PluginSet, Vec<PluginLoadError>), PluginError> {
        let entries = std::fs::read_dir(dir).map_err(|source| PluginError::Dir {
            path: dir.to_path_buf(),
            source,
        })?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "wasm") && p.is_file())
            .collect();
        files.sort();
        let mut set = PluginSet::new();
        let mut errors = Vec::new();
        let mut names: BTreeMap<String, PathBuf> = BTreeMap::new();
        for path in files {
            let loaded = host.load_file(&path).and_then(|plugin| {
                if let Some(first) = names.get(&plugin.info().name) {
                    return Err(PluginError::DuplicateName {
                        name: plugin.info().name.clone(),
                        first: first.clone(),
                        second: path.clone(),
                    });
                }
                names.insert(plugin.info().name.clone(), path.clone());
                set.add(plugin)
            });
            if let Err(error) = loaded {
                tracing::warn!("plugin {} not loaded: {error}", path.display());
                errors.push(PluginLoadError { path, error });
            }
        }
        Ok((set, errors))
    }

    /// Adds a loaded plugin as what its world makes it.
    pub fn add(&mut self, plugin: Plugin) -> Result<(), PluginError> {
        match plugin.kind() {
            PluginKind::FixStrategy => self
                .strategies
                .push(Arc::new(WasmFixStrategy::new(plugin)?)),
            PluginKind::Validator => self.validators.push(Arc::new(WasmValidator::new(plugin)?)),
        }
        Ok(())
    }

    pub fn strategies(&self) -> &[Arc<WasmFixStrategy>] {
        &self.strategies
    }

    pub fn validators(&self) -> &[Arc<WasmValidator>] {
        &self.validators
    }

    /// Every plugin, strategies first.
    pub fn plugins(&self) -> impl Iterator<Item = &Plugin> {
        self.strategies
            .iter()
            .map(|s| s.plugin())
            .chain(self.validators.iter().map(|v| v.plugin()))
    }

    pub fn is_empty(&self) -> bool {
        self.strategies.is_empty() && self.validators.is_empty()
    }

    /// Adds every fix strategy plugin to `engine`.
    pub fn add_strategies_to(&self, engine: &mut FixEngine) {
        for strategy in &self.strategies {
            engine.add(Arc::clone(strategy) as Arc<dyn FixStrategy>);
        }
    }

    /// The identity of the validator plugins (blake3 of each component, in load order):
    /// part of the validation cache key, so verdicts with and without them never mix.
    pub fn validator_digests(&self) -> Vec<[u8; 32]> {
        self.validators
            .iter()
            .map(|v| v.plugin().digest())
            .collect()
    }
}
