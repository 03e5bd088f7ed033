//! Plugins: fix strategies and validators shipped as WebAssembly components
//! (`wit/plugin.wit`, package `selfheal:plugin@0.2.0`; `docs/plugins.md`).
//!
//! A [`PluginHost`] owns one wasmtime engine and loads components: compiled once and cached
//! on disk, checked against the interface version, pre-instantiated. Every call runs in a
//! fresh store with a memory cap, an epoch deadline, bounded captured output and a cap on the
//! data returned; whatever goes wrong becomes a [`PluginFailure`] (counted, logged) and the
//! caller carries on without the plugin's answer. [`WasmFixStrategy`] and [`WasmValidator`]
//! put plugins into the heal loop and the validator; [`PluginSet`] loads a directory.
//!
//! The engine is the default-on cargo feature `plugins` (wasmtime). Without it the types stay,
//! so embedders' code compiles either way, but [`PluginHost::new`] fails with
//! [`PluginError::Disabled`], no [`Plugin`] can exist and every [`PluginSet`] is empty.

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use crate::types::TargetLanguage;

#[cfg(feature = "plugins")]
mod bindings;
#[cfg(feature = "plugins")]
mod cache;
#[cfg(feature = "plugins")]
mod compile;
#[cfg(feature = "plugins")]
mod convert;
#[cfg(not(feature = "plugins"))]
mod disabled;
#[cfg(feature = "plugins")]
mod host;
#[cfg(feature = "plugins")]
mod interface;
mod set;
mod strategy;
mod validator;

#[cfg(not(feature = "plugins"))]
pub use disabled::{Plugin, PluginHost};
#[cfg(feature = "plugins")]
pub use host::{Plugin, PluginHost};
pub use set::{PluginLoadError, PluginSet};
pub use strategy::WasmFixStrategy;
pub use validator::WasmValidator;

/// `plugin` if it is of the `expected` kind (the world a wrapper serves).
fn of_kind(plugin: Plugin, expected: PluginKind) -> Result<Plugin, PluginError> {
    if plugin.kind() != expected {
        return Err(PluginError::WrongKind {
            name: plugin.info().name.clone(),
            expected,
            found: plugin.kind(),
        });
    }
    Ok(plugin)
}

/// The interface version this host speaks.
pub const INTERFACE_VERSION: &str = "0.2.0";

/// Largest component file accepted.
pub const MAX_COMPONENT_BYTES: usize = 128 << 20;

/// Where the host keeps compiled components, and the limits of every call.
#[derive(Debug, Clone)]
pub struct PluginHostConfig {
    /// Directory of compiled components; `None` compiles at every load.
    pub cache_dir: Option<PathBuf>,
    pub limits: PluginLimits,
}

impl Default for PluginHostConfig {
    fn default() -> Self {
        PluginHostConfig {
            cache_dir: Some(crate::dirs::default_cache_dir().join("plugins")),
            limits: PluginLimits::default(),
        }
    }
}

/// How a component was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheOutcome {
    /// Deserialized from a valid cache file.
    Hit,
    /// Compiled (no file yet, or no cache dir); stored when possible.
    Compiled,
    /// The cache file was damaged: removed, compiled again and stored.
    Recovered,
}

/// Limits of every plugin call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginLimits {
    /// Linear memory a call may grow to, in bytes (default 64 MiB). Growing past it traps.
    pub memory_bytes: usize,
    /// Wall-clock budget of one call (default 100 ms), enforced by epoch interruption.
    pub timeout: Duration,
    /// Bytes of text a call may return, summed over every string of the result (default 1 MiB).
    pub max_result_bytes: usize,
    /// Bytes a call may write to stdout, and to stderr (default 64 KiB each); reaching it
    /// is a failure.
    pub max_output_bytes: usize,
    /// CPU time the compilation of a component may take at load (default 60 s; the
    /// wall-clock bound is four times this, for loaded machines); past either the load fails
    /// with [`PluginError::CompileTimeout`]. Loads from the compiled cache do not compile.
    pub compile_timeout: Duration,
    /// Memory the compilation of a component may use (default 2 GiB); past it the load fails
    /// with [`PluginError::CompileMemory`].
    pub compile_memory_bytes: usize,
}

impl Default for PluginLimits {
    fn default() -> Self {
        PluginLimits {
            memory_bytes: 64 << 20,
            timeout: Duration::from_millis(100),
            max_result_bytes: 1 << 20,
            max_output_bytes: 64 << 10,
            compile_timeout: Duration::from_secs(60),
            compile_memory_bytes: 2 << 30,
        }
    }
}

impl PluginLimits {
    #[cfg_attr(not(feature = "plugins"), allow(dead_code))]
    fn check(&self) -> Result<(), PluginError> {
        if self.memory_bytes < 64 << 10
            || self.timeout.is_zero()
            || self.max_output_bytes == 0
            || self.compile_timeout.is_zero()
            || self.compile_memory_bytes < 1 << 20
        {
            return Err(PluginError::Limits(format!(
                "memory {} bytes (at least one 64 KiB page), timeout {:?} (above zero), \
                 output {} bytes (above zero), compile timeout {:?} (above zero), compile \
                 memory {} bytes (at least 1 MiB)",
                self.memory_bytes,
                self.timeout,
                self.max_output_bytes,
                self.compile_timeout,
                self.compile_memory_bytes
            )));
        }
        Ok(())
    }
}

/// The world a plugin targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PluginKind {
    FixStrategy,
    Validator,
}

impl std::fmt::Display for PluginKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PluginKind::FixStrategy => "fix-strategy",
            PluginKind::Validator => "validator",
        })
    }
}

/// What a plugin says about itself (`info`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PluginInfo {
    pub name: String,
    pub version: String,
    pub description: String,
    /// Empty means every language.
    pub languages: Vec<TargetLanguage>,
}

impl PluginInfo {
    #[cfg_attr(not(feature = "plugins"), allow(dead_code))]
    fn check(&self) -> Result<(), String> {
        let name_ok = !self.name.is_empty()
            && self.name.len() <= 64
            && self
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !name_ok {
            return Err(format!(
                "plugin name {:?} is not 1 to 64 lowercase letters, digits and `-`",
                self.name
            ));
        }
        if self.version.trim().is_empty() {
            return Err(format!("plugin `{}` gives no version", self.name));
        }
        Ok(())
    }
}

/// How a plugin call went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// The plugin trapped (`unreachable`, out-of-bounds access, a failed host call…).
    Trap,
    /// The call ran past its deadline.
    Timeout,
    /// The plugin tried to grow its memory past the cap.
    OutOfMemory,
    /// The plugin filled its stdout or stderr buffer.
    OutputLimit,
    /// The result held more text than the cap.
    OversizedResult,
    /// The result broke the interface's rules (confidence outside [0, 1], a bad `info`).
    MalformedResult,
    /// The plugin returned `err(message)`.
    PluginError,
}

impl FailureKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Trap => "trap",
            FailureKind::Timeout => "timeout",
            FailureKind::OutOfMemory => "out_of_memory",
            FailureKind::OutputLimit => "output_limit",
            FailureKind::OversizedResult => "oversized_result",
            FailureKind::MalformedResult => "malformed_result",
            FailureKind::PluginError => "plugin_error",
        }
    }
}

impl std::fmt::Display for FailureKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A plugin call that produced nothing usable. Already counted and logged when returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("plugin `{plugin}` failed in `{function}` ({kind}): {message}")]
pub struct PluginFailure {
    pub plugin: String,
    pub function: &'static str,
    pub kind: FailureKind,
    pub message: String,
}

impl PluginFailure {
    /// The telemetry counter and the warning.
    #[cfg_attr(not(feature = "plugins"), allow(dead_code))]
    fn record(&self) {
        use crate::telemetry::{attr, kv, metrics};
        metrics().plugin_failures.add(
            1,
            &[
                kv(attr::PLUGIN, self.plugin.clone()),
                kv("selfheal.plugin.failure", self.kind.as_str()),
            ],
        );
        tracing::warn!(
            selfheal.plugin = %self.plugin,
            selfheal.plugin.function = self.function,
            selfheal.plugin.failure = self.kind.as_str(),
            "plugin `{}` failed in `{}` ({}): {}; going on without it",
            self.plugin,
            self.function,
            self.kind,
            self.message
        );
    }
}

/// Why a plugin could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    #[error("{path}: cannot read: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the component is {size} bytes, over the {limit}-byte limit")]
    TooLarge { size: u64, limit: usize },
    #[error("not a WebAssembly file (no `\\0asm` header)")]
    NotWasm,
    #[error("this is a core WebAssembly module, not a component: turn it into one with `wasm-tools component new` (or wit-component) against wit/plugin.wit")]
    CoreModule,
    #[error("cannot compile the component: {0}")]
    Compile(String),
    #[error("compiling the component took longer than {limit:?} (the plugin compile time limit): refused; a plugin this costly to compile is not loaded (raise PluginLimits::compile_timeout to allow it)")]
    CompileTimeout { limit: Duration },
    #[error("compiling the component needed more than {limit} bytes of memory (the plugin compile memory limit): refused (raise PluginLimits::compile_memory_bytes to allow it)")]
    CompileMemory { limit: usize },
    #[error("plugin was built for {found}; this selfheal speaks selfheal:plugin@{INTERFACE_VERSION}: rebuild it against wit/ of this version")]
    IncompatibleVersion { found: String },
    #[error("plugin imports `{import}`, which selfheal does not provide (plugins get WASI 0.2 with no files, network or environment, and selfheal:plugin/types): remove the import")]
    UnsupportedImport { import: String },
    #[error("the component exports {exports}: a plugin exports `info` and `suggest` (world fix-strategy) or `info` and `parse` (world validator) of selfheal:plugin@{INTERFACE_VERSION}; build it against wit/plugin.wit")]
    NotAPlugin { exports: String },
    #[error("cannot link the component: {0}")]
    Link(String),
    #[error("calling `info` failed: {0}")]
    Info(Box<PluginFailure>),
    #[error("invalid plugin limits: {0}")]
    Limits(String),
    #[error("cannot start the plugin engine: {0}")]
    Engine(String),
    #[error("plugin `{name}` is a {found}, expected a {expected}")]
    WrongKind {
        name: String,
        expected: PluginKind,
        found: PluginKind,
    },
    #[error("{path}: cannot list plugins: {source}")]
    Dir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// This selfheal was built without the `plugins` cargo feature (no WebAssembly engine).
    #[error("this selfheal was built without the `plugins` cargo feature, so it cannot load WebAssembly plugins: rebuild it with `--features plugins` (on by default)")]
    Disabled,
    #[error("two plugins are named `{name}`: {first} and {second}; names must be unique")]
    DuplicateName {
        name: String,
        first: PathBuf,
        second: PathBuf,
    },
}
