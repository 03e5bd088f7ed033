//! Toolchains: declarative descriptions (`toolchains/<language>.toml`) of how to check, test and
//! run a program, resolved once to absolute binary paths.
//!
//! CONTRACT (the validator and the CLI rely on these names; keep them):
//! - `ToolchainSet::embedded() -> Result<ToolchainSet, ToolchainError>`: the files shipped in
//!   `toolchains/`, compiled into the binary.
//! - `ToolchainSet::load_dir(&Path) -> Result<ToolchainSet, ToolchainError>`: a user's directory.
//! - `ToolchainSet::get(&self, TargetLanguage) -> Result<&Toolchain, ToolchainError>`.
//! - `Toolchain::resolve(&self, &ToolchainEnv) -> Result<ResolvedToolchain, ToolchainError>`:
//!   finds binaries (absolute, real paths: never a shim), probes versions, computes the
//!   fingerprint. Blocking; callers do it once and keep the result.
//! - `ResolvedToolchain::ensure_dependencies(&self) -> Result<(), ToolchainError>`: makes the
//!   dependency set ready (builds the Rust crates once into the cache dir). Blocking.
//! - `ResolvedToolchain::plan(&self, StepKind, &Program) -> Result<Vec<PlannedCommand>, ToolchainError>`:
//!   the commands of one step, in order, ready for the sandbox.
//! - `doctor(&ToolchainSet, &ToolchainEnv) -> Vec<DoctorEntry>`.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::sandbox::{Limits, Mount};

/// Where support files (selfheal's own helper scripts) appear inside the sandbox.
pub const SUPPORT_DIR: &str = "/selfheal";

/// The steps a toolchain file defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepKind {
    /// Compile / parse / type-check without running anything of the program's.
    Check,
    /// Build and run the program's tests.
    Test,
    /// Run the program itself.
    Run,
}

impl StepKind {
    /// The lowercase name used in toolchain files, reports and error messages (`check`,
    /// `test`, `run`).
    pub fn name(self) -> &'static str {
        match self {
            StepKind::Check => "check",
            StepKind::Test => "test",
            StepKind::Run => "run",
        }
    }
}

/// What "passing" means for a program: which steps a validation runs. Defined here, beside
/// [`StepKind`], because both the validation cache (its key) and the validator use it;
/// `crate::validate` re-exports it and adds `Expect::for_program`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Expect {
    /// Compiles / parses / type-checks without errors.
    Check,
    /// Also passes its tests. The default.
    #[default]
    Test,
}

/// Host paths the toolchains need at resolution time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolchainEnv {
    /// Where dependency sets are built and kept (e.g. `~/.cache/selfheal`).
    pub cache_dir: PathBuf,
    /// Host directory holding selfheal's support files, mounted read-only at [`SUPPORT_DIR`].
    pub support_dir: PathBuf,
}

/// One sandboxed command of a step, fully resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedCommand {
    /// The step this command belongs to.
    pub step: StepKind,
    /// Absolute argv[0], then arguments, with every template substituted.
    pub argv: Vec<String>,
    /// The diagnostics parser for this command's output (see `diagnostics::PARSERS`).
    pub parser: String,
    /// The complete environment for the command.
    pub env: Vec<(String, String)>,
    /// Read-only host paths (toolchain, support files, dependency sets) and overlays the
    /// sandbox shows the command.
    pub mounts: Vec<Mount>,
    /// Resource limits of this command (the toolchain file's, else the sandbox defaults).
    pub limits: Limits,
    /// Working directory relative to the sandbox work directory.
    pub cwd: String,
}

mod compile;
mod deps;
mod doctor;
mod file;
mod format;
mod plan;
mod probe_cache;
mod process;
mod raw;
mod resolve;
mod template;

pub use doctor::{doctor, DoctorBinary, DoctorEntry};
pub use file::{TelemetryInstaller, TelemetrySdkDef, Toolchain, ToolchainSet, EDITIONS};
pub use format::{FormatCommand, FormatterError, ResolvedFormatter};
pub use resolve::{DependencyStatus, ResolvedBinary, ResolvedToolchain};

/// Why a toolchain could not be loaded, resolved or used.
#[derive(Debug, thiserror::Error)]
pub enum ToolchainError {
    /// A toolchain file that does not parse or validate; `message` names the line and field.
    #[error("{file}: invalid toolchain file: {message}")]
    Invalid { file: String, message: String },
    /// A toolchain directory that cannot be read.
    #[error("{path}: cannot read toolchain directory: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The set has no file for the language.
    #[error("no toolchain for {0}; add toolchains/{0}.toml")]
    NoToolchain(crate::types::TargetLanguage),
    /// None of a binary's candidates exists; `install` is the toolchain file's remedy.
    #[error("{language}: `{binary}` not found (tried {tried}). Install it: {install}")]
    BinaryNotFound {
        language: String,
        binary: String,
        tried: String,
        install: String,
    },
    /// A probe (version, `resolve`, a named probe) failed or printed something unusable.
    #[error("{language}: version probe `{command}` failed: {message}")]
    VersionProbe {
        language: String,
        command: String,
        message: String,
    },
    /// A required mount or dependency set (the Rust crates) is missing or cannot be built.
    #[error("{language}: dependency set not ready: {message}. Fix: {fix}")]
    Dependencies {
        language: String,
        message: String,
        fix: String,
    },
    /// A step cannot be planned for this program (no sources, no entry point, bad option).
    #[error("{language}: cannot {step}: {message}")]
    Plan {
        language: String,
        step: &'static str,
        message: String,
    },
}
