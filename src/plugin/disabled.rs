//! The plugin host of a build without the `plugins` cargo feature: there is no WebAssembly
//! engine, so [`PluginHost::new`] fails with [`PluginError::Disabled`] and no host or plugin
//! value can exist (each holds a value of an empty enum). The API matches the real host's, so that
//! [`super::PluginSet`], the strategies and the validators compile unchanged and stay empty.

use std::path::{Path, PathBuf};

use super::{
    CacheOutcome, PluginError, PluginFailure, PluginHostConfig, PluginInfo, PluginKind,
    PluginLimits,
};
use crate::fix::Fix;
use crate::program::Program;
use crate::types::{CodeError, TargetLanguage};

/// No value of it exists: the private field cannot be built.
#[derive(Clone, Copy, Debug)]
enum Never {}

/// Loads plugins; without the `plugins` feature it cannot be created.
#[derive(Clone, Debug)]
pub struct PluginHost(Never);

impl PluginHost {
    /// # Errors
    /// Always [`PluginError::Disabled`]: this build has no WebAssembly engine.
    pub fn new(config: PluginHostConfig) -> Result<PluginHost, PluginError> {
        let _ = config;
        Err(PluginError::Disabled)
    }

    pub fn limits(&self) -> &PluginLimits {
        match self.0 {}
    }

    /// The compiled-component cache directory, if any.
    pub fn cache_dir(&self) -> Option<&Path> {
        match self.0 {}
    }

    /// The cache file a component's compiled form is (or would be) stored in.
    pub fn compiled_path(&self, _component: &[u8]) -> Option<PathBuf> {
        match self.0 {}
    }

    /// Loads the component in `path`.
    pub fn load_file(&self, _path: &Path) -> Result<Plugin, PluginError> {
        match self.0 {}
    }

    /// Loads a component from its bytes.
    pub fn load_bytes(&self, _bytes: &[u8]) -> Result<Plugin, PluginError> {
        match self.0 {}
    }
}

/// A loaded plugin; none can exist without the `plugins` feature.
#[derive(Clone, Debug)]
pub struct Plugin(Never);

impl Plugin {
    pub fn info(&self) -> &PluginInfo {
        match self.0 {}
    }

    pub fn kind(&self) -> PluginKind {
        match self.0 {}
    }

    /// The file it was loaded from, if any.
    pub fn path(&self) -> Option<&Path> {
        match self.0 {}
    }

    /// blake3 of the component's bytes: its identity in cache keys.
    pub fn digest(&self) -> [u8; 32] {
        match self.0 {}
    }

    /// How the compiled component was obtained at load.
    pub fn cache_outcome(&self) -> CacheOutcome {
        match self.0 {}
    }

    /// True when this plugin handles `language`.
    pub fn handles(&self, _language: TargetLanguage) -> bool {
        match self.0 {}
    }

    /// Calls made to the plugin.
    pub fn calls(&self) -> u64 {
        match self.0 {}
    }

    /// Calls that ended in a [`PluginFailure`].
    pub fn failures(&self) -> u64 {
        match self.0 {}
    }

    /// The plugin's fixes for an error.
    pub fn suggest(
        &self,
        _error: &CodeError,
        _program: &Program,
        _strategy_id: &str,
    ) -> Result<Vec<Fix>, PluginFailure> {
        match self.0 {}
    }

    /// The errors the plugin finds in one command's output.
    pub fn parse(
        &self,
        _language: TargetLanguage,
        _step: &str,
        _exit_code: Option<i32>,
        _stdout: &str,
        _stderr: &str,
    ) -> Result<Vec<CodeError>, PluginFailure> {
        match self.0 {}
    }
}
