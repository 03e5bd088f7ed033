//! The raw (serde) form of a toolchain file, as read from TOML before validation (see
//! `compile`). Spans let validation errors name the line.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::file::SingleSourceCrateType;
use super::StepKind;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFile {
    pub(super) language: Spanned<String>,
    #[serde(default)]
    pub(super) install: Option<String>,
    pub(super) files: RawFiles,
    pub(super) binaries: Spanned<BTreeMap<String, Spanned<RawBinary>>>,
    #[serde(default)]
    pub(super) env: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    pub(super) mounts: RawMounts,
    #[serde(default)]
    pub(super) limits: RawLimits,
    #[serde(default)]
    pub(super) options: RawOptions,
    #[serde(default)]
    pub(super) dependencies: RawDependencies,
    #[serde(default)]
    pub(super) check: Vec<Spanned<RawCommand>>,
    #[serde(default)]
    pub(super) test: Vec<Spanned<RawCommand>>,
    #[serde(default)]
    pub(super) run: Vec<Spanned<RawCommand>>,
    #[serde(default)]
    pub(super) format: Vec<Spanned<RawFormat>>,
}

/// `[[format]]`: one formatter of a heal's changed lines (see `format.rs`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFormat {
    pub(super) name: String,
    pub(super) candidates: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) version: Vec<String>,
    #[serde(default)]
    pub(super) args: Vec<Spanned<String>>,
    pub(super) install: String,
    #[serde(default)]
    pub(super) limits: Option<RawLimits>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFiles {
    pub(super) sources: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) tests: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) test_marker: Option<String>,
    #[serde(default)]
    pub(super) roots: Vec<Spanned<RawRoot>>,
    #[serde(default)]
    pub(super) single_source_root: bool,
    #[serde(default)]
    pub(super) single_source_crate_type: Option<SingleSourceCrateType>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRoot {
    pub(super) path: String,
    #[serde(default)]
    pub(super) crate_type: Option<String>,
    #[serde(default)]
    pub(super) steps: Option<Vec<StepKind>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBinary {
    pub(super) candidates: Vec<String>,
    #[serde(default)]
    pub(super) resolve: Option<RawResolve>,
    pub(super) version: Vec<String>,
    #[serde(default)]
    pub(super) probes: BTreeMap<String, Vec<String>>,
    pub(super) install: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawResolve {
    pub(super) args: Vec<String>,
    #[serde(default)]
    pub(super) path: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMounts {
    #[serde(default)]
    pub(super) required: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) optional: Vec<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLimits {
    pub(super) wall_time: Option<Spanned<f64>>,
    pub(super) cpu_time: Option<Spanned<f64>>,
    pub(super) memory_bytes: Option<Spanned<RawSize>>,
    pub(super) file_size_bytes: Option<Spanned<RawSize>>,
    pub(super) open_files: Option<Spanned<u64>>,
    pub(super) processes: Option<Spanned<u64>>,
    pub(super) output_bytes: Option<Spanned<RawSize>>,
    pub(super) tmp_bytes: Option<Spanned<RawSize>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum RawSize {
    Bytes(u64),
    Text(String),
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOptions {
    pub(super) edition: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawDependencies {
    pub(super) rust_crates: Option<Spanned<RawRustCrates>>,
    pub(super) warm_cache: Option<Spanned<RawWarmCache>>,
    pub(super) telemetry_sdk: Option<Spanned<RawTelemetrySdk>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTelemetrySdk {
    pub(super) installer: String,
    pub(super) binary: String,
    pub(super) packages: Vec<String>,
    #[serde(default)]
    pub(super) paths: Vec<String>,
    pub(super) install: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRustCrates {
    pub(super) binary: String,
    pub(super) crates: Vec<String>,
    pub(super) manifest: String,
    #[serde(default)]
    pub(super) lockfile: Option<String>,
    pub(super) install: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWarmCache {
    pub(super) variable: String,
    pub(super) target: String,
    pub(super) files: BTreeMap<String, String>,
    pub(super) commands: Vec<Vec<Spanned<String>>>,
    #[serde(default)]
    pub(super) fingerprint_paths: Vec<String>,
    pub(super) install: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCommand {
    pub(super) argv: Vec<Spanned<String>>,
    pub(super) parser: Spanned<String>,
    #[serde(default)]
    pub(super) for_each: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) cwd: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) requires: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) limits: Option<RawLimits>,
}
