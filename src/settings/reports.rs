//! What the `selfheal` commands report, as values a front end prints: each serializes to the
//! command's JSON and renders the command's human text, so that another front end (a service,
//! an editor plugin) reports exactly what the command does.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::cache::{CacheConfig, CacheStats, GcReport, ValidationCache};
use crate::generate::{GenerationReport, Prelude};
use crate::plugin::{PluginHost, PluginLoadError, PluginSet};
use crate::program::Program;
use crate::render::PluginRow;
use crate::repair::localize::Suspicious;
use crate::toolchain::{DoctorEntry, ToolchainEnv, ToolchainSet};
use crate::types::{TargetLanguage, ValidationResult};
use crate::validate::Validator;

use super::{message, Dirs, SettingsError};

/// What `doctor` finds: the sandbox, the resource control it has, each toolchain.
#[derive(Debug, Serialize)]
pub struct DoctorReport {
    /// `ok`, or why no sandbox can be created.
    pub sandbox: String,
    /// How the sandbox bounds resources on this host.
    pub sandbox_resources: &'static crate::sandbox::ResourceControl,
    /// One entry per toolchain file.
    pub toolchains: Vec<DoctorEntry>,
    #[serde(skip)]
    sandbox_ok: bool,
}

impl DoctorReport {
    /// Checks the sandbox and every toolchain of `dirs` (probes run off the async runtime).
    ///
    /// # Errors
    /// The toolchain files do not load.
    pub async fn gather(dirs: &Dirs) -> Result<DoctorReport, SettingsError> {
        let config = dirs.validator_config();
        let toolchains = match &config.toolchain_dir {
            Some(dir) => ToolchainSet::load_dir(dir),
            None => ToolchainSet::embedded(),
        }
        .map_err(message)?;
        let env = ToolchainEnv {
            support_dir: config.cache_dir.join("support"),
            cache_dir: config.cache_dir,
        };
        let sandbox = crate::sandbox::Sandbox::new();
        let entries =
            tokio::task::spawn_blocking(move || crate::toolchain::doctor(&toolchains, &env))
                .await
                .map_err(message)?;
        Ok(DoctorReport {
            sandbox: sandbox
                .as_ref()
                .err()
                .map_or_else(|| "ok".to_string(), |e| e.to_string()),
            sandbox_resources: crate::sandbox::resource_control(),
            toolchains: entries,
            sandbox_ok: sandbox.is_ok(),
        })
    }

    /// True when the sandbox works and every toolchain is ready.
    pub fn ready(&self) -> bool {
        self.sandbox_ok && self.toolchains.iter().all(DoctorEntry::ready)
    }

    /// The human text: the toolchain table, then the sandbox's resource control.
    pub fn render(&self) -> String {
        let problem = (!self.sandbox_ok).then_some(&self.sandbox as &dyn std::fmt::Display);
        format!(
            "{}sandbox resources: {}\n",
            crate::render::doctor(&self.toolchains, problem),
            self.sandbox_resources
        )
    }
}

/// `check`: the validation result and, when a test failed, the program's lines ranked by how
/// likely they hold the bug (`localization`, left out of the JSON when empty).
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    /// The validation, its fields at the top level of the JSON.
    #[serde(flatten)]
    pub result: ValidationResult,
    /// The suspicious lines, most suspicious first ([`crate::repair::localize::for_tests`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub localization: Vec<Suspicious>,
}

impl CheckReport {
    /// The report of `result`, a validation of `program`.
    pub fn new(program: &Program, result: ValidationResult) -> CheckReport {
        let localization = crate::repair::localize::for_tests(program, &result.tests);
        CheckReport {
            result,
            localization,
        }
    }

    /// The human text: the errors, then the verdict line ([`crate::render::validation`]).
    pub fn render(&self) -> String {
        crate::render::validation(&self.result)
    }
}

/// One line of `setup`: a language's toolchain or its telemetry SDK, ready or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetupLine {
    /// The toolchain is ready; its version line.
    Ready(TargetLanguage, String),
    /// The toolchain is not ready, and why.
    NotReady(TargetLanguage, String),
    /// The OpenTelemetry SDK for telemetry contracts is installed in this directory.
    SdkReady(TargetLanguage, PathBuf),
    /// The SDK could not be installed, and why.
    SdkNotReady(TargetLanguage, String),
}

impl SetupLine {
    /// True for the lines that make `setup` fail.
    pub fn failed(&self) -> bool {
        matches!(self, SetupLine::NotReady(..) | SetupLine::SdkNotReady(..))
    }
}

impl std::fmt::Display for SetupLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SetupLine::Ready(l, version) => write!(f, "{l}: ready ({version})"),
            SetupLine::NotReady(l, why) => write!(f, "{l}: not ready: {why}"),
            SetupLine::SdkReady(l, dir) => {
                write!(f, "{l}: telemetry SDK ready ({})", dir.display())
            }
            SetupLine::SdkNotReady(l, why) => write!(f, "{l}: telemetry SDK not ready: {why}"),
        }
    }
}

/// `setup`: prepares each of `languages` (every language when empty): its toolchain's
/// dependency sets, then the telemetry SDK when the language has one (docs/telemetry.md),
/// handing `each` every line as soon as it is known. Returns true when everything is ready.
///
/// # Errors
/// `each` failed (its error is returned as is), or an install task panicked.
pub async fn setup<E: From<SettingsError>>(
    validator: &Validator,
    languages: &[TargetLanguage],
    mut each: impl FnMut(&SetupLine) -> Result<(), E>,
) -> Result<bool, E> {
    let mut ready = true;
    let every = TargetLanguage::ALL;
    let languages = if languages.is_empty() {
        &every[..]
    } else {
        languages
    };
    for &language in languages {
        let tc = match validator.toolchain(language).await {
            Ok(tc) => tc,
            Err(e) => {
                ready = false;
                each(&SetupLine::NotReady(language, e.to_string()))?;
                continue;
            }
        };
        each(&SetupLine::Ready(language, tc.version_line()))?;
        let env = validator.toolchain_env().clone();
        let sdk = tokio::task::spawn_blocking(move || crate::compliance::ensure_sdk(&tc, &env))
            .await
            .map_err(message)?;
        let line = match sdk {
            Ok(Some(dir)) => SetupLine::SdkReady(language, dir),
            Ok(None) => continue,
            Err(e) => SetupLine::SdkNotReady(language, e.to_string()),
        };
        ready &= !line.failed();
        each(&line)?;
    }
    Ok(ready)
}

/// `serve hash-key`: an API key and its hash (the hash goes in the service's configuration,
/// the key to the tenant). `key` is `None` when the key was given, not made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyHash {
    /// The key made for the tenant; `None` when the caller gave the key.
    pub key: Option<String>,
    /// Its hash, as the configuration file's `keys` list holds it.
    pub hash: String,
}

/// Longest key [`ApiKeyHash::of_input`] reads.
pub const MAX_KEY_BYTES: u64 = 4096;

impl ApiKeyHash {
    /// A new random key and its hash.
    pub fn generate() -> ApiKeyHash {
        let key = crate::serve::auth::generate_key();
        let hash = crate::serve::auth::hash_key(&key).to_string();
        ApiKeyHash {
            key: Some(key),
            hash,
        }
    }

    /// The hash of the key in `input` (at most [`MAX_KEY_BYTES`], surrounding whitespace
    /// trimmed).
    ///
    /// # Errors
    /// `input` cannot be read, or holds no key.
    pub fn of_input(input: impl std::io::Read) -> Result<ApiKeyHash, SettingsError> {
        use std::io::Read as _;
        let mut text = String::new();
        (input.take(MAX_KEY_BYTES).read_to_string(&mut text))
            .map_err(|e| SettingsError(format!("--stdin: cannot read the key: {e}")))?;
        let key = text.trim();
        if key.is_empty() {
            return Err(SettingsError("--stdin: no key on standard input".into()));
        }
        let hash = crate::serve::auth::hash_key(key).to_string();
        Ok(ApiKeyHash { key: None, hash })
    }

    /// The JSON: `{"key", "hash"}`, or `{"hash"}` for a given key.
    pub fn to_json(&self) -> serde_json::Value {
        match &self.key {
            Some(key) => serde_json::json!({"key": key, "hash": self.hash}),
            None => serde_json::json!({"hash": self.hash}),
        }
    }

    /// The human text: the key, its hash and what to do with each; or the hash alone.
    pub fn render(&self) -> String {
        match &self.key {
            Some(key) => format!(
                "key:  {key}\nhash: {}\n(give the key to the tenant; put the hash in its `keys` list)\n",
                self.hash
            ),
            None => format!("{}\n", self.hash),
        }
    }
}

/// What `cache` does to the validation cache (docs/cache.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::Subcommand)]
pub enum CacheAction {
    /// Entries, bytes, hit rate (since the cache was created) and the oldest entry.
    Stats,
    /// Remove every entry.
    Clear,
    /// Drop corrupt entries and evict least recently used ones down to the bound.
    Gc,
}

/// What a [`CacheAction`] did; serializes as the command's JSON.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum CacheOutcome {
    /// The cache's statistics.
    Stats(CacheStats),
    /// Every entry removed: how many, and their bytes.
    Cleared {
        removed: u64,
        #[serde(skip)]
        bytes: u64,
    },
    /// What garbage collection dropped and evicted.
    Gc(GcReport),
}

impl CacheAction {
    /// Opens the cache of `config` and does this.
    ///
    /// # Errors
    /// The cache cannot be opened (another selfheal holds it) or written.
    pub fn run(self, config: &CacheConfig) -> Result<CacheOutcome, SettingsError> {
        let cache = ValidationCache::open(config).map_err(|e| {
            SettingsError(format!(
                "{e}; is another selfheal running? (retry when it ends)"
            ))
        })?;
        Ok(match self {
            CacheAction::Stats => CacheOutcome::Stats(cache.stats()),
            CacheAction::Clear => {
                let before = cache.stats();
                cache.clear().map_err(message)?;
                CacheOutcome::Cleared {
                    removed: before.entries,
                    bytes: before.bytes,
                }
            }
            CacheAction::Gc => CacheOutcome::Gc(cache.gc().map_err(message)?),
        })
    }
}

impl CacheOutcome {
    /// The human text; `path` is the cache's, `now_unix` the time the oldest entry's age is
    /// counted to.
    pub fn render(&self, path: &Path, now_unix: u64) -> String {
        match self {
            CacheOutcome::Stats(stats) => crate::render::cache_stats(path, stats, now_unix),
            CacheOutcome::Cleared { removed, bytes } => {
                format!("removed {removed} entries ({bytes} bytes)\n")
            }
            CacheOutcome::Gc(report) => crate::render::cache_gc(report),
        }
    }
}

/// `prelude reset`: what was forgotten of the learned template prelude of `data_dir` for
/// `language` (every language when `None`).
///
/// # Errors
/// The prelude's file cannot be rewritten.
pub fn reset_prelude(
    data_dir: &Path,
    language: Option<TargetLanguage>,
) -> Result<serde_json::Value, SettingsError> {
    let dropped = Prelude::open(data_dir).reset(language).map_err(message)?;
    let which = language.map_or("every language".to_string(), |l| l.to_string());
    Ok(serde_json::json!({ "reset": which, "lines_dropped": dropped }))
}

/// The human text of a [`reset_prelude`] value.
pub fn render_prelude_reset(value: &serde_json::Value) -> String {
    format!(
        "prelude reset for {}: {} learned line(s) dropped\n",
        value["reset"].as_str().unwrap_or_default(),
        value["lines_dropped"]
    )
}

/// `plugin list`: the plugins of a directory, and the files that did not load.
pub struct PluginListing {
    /// The plugins that loaded.
    pub set: PluginSet,
    /// The files that did not, and why.
    pub errors: Vec<PluginLoadError>,
}

impl PluginListing {
    /// The plugins of `dir`.
    ///
    /// # Errors
    /// `dir` cannot be listed.
    pub fn load(host: &PluginHost, dir: &Path) -> Result<PluginListing, SettingsError> {
        let (set, errors) = PluginSet::load_dir(dir, host).map_err(message)?;
        Ok(PluginListing { set, errors })
    }

    /// The JSON: `{"plugins": [rows], "errors": [{"file", "error"}]}`.
    pub fn to_json(&self) -> serde_json::Value {
        let rows: Vec<PluginRow<'_>> = self.set.plugins().map(PluginRow::new).collect();
        let errors: Vec<serde_json::Value> = (self.errors.iter())
            .map(|e| serde_json::json!({ "file": e.path, "error": e.error.to_string() }))
            .collect();
        serde_json::json!({ "plugins": rows, "errors": errors })
    }

    /// The human text: a table of the plugins, then the files that did not load.
    pub fn render(&self) -> String {
        let rows: Vec<PluginRow<'_>> = self.set.plugins().map(PluginRow::new).collect();
        crate::render::plugin_table(&rows, &self.errors)
    }
}

/// `generate`'s JSON: the report with the files written (`written`) beside its fields.
///
/// # Errors
/// The report does not serialize.
pub fn generation_json(
    report: &GenerationReport,
    written: &[PathBuf],
) -> Result<serde_json::Value, SettingsError> {
    let mut value = serde_json::to_value(report).map_err(message)?;
    if let Some(map) = value.as_object_mut() {
        let written = serde_json::to_value(written).map_err(message)?;
        map.insert("written".into(), written);
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_made_key_shows_key_and_hash_and_a_given_key_its_hash() {
        let made = ApiKeyHash::generate();
        let key = made.key.clone().unwrap();
        let given = ApiKeyHash::of_input(format!("  {key}\n").as_bytes()).unwrap();
        assert_eq!((given.key.as_ref(), &given.hash), (None, &made.hash));
        assert_eq!(given.render(), format!("{}\n", made.hash));
        assert_eq!(given.to_json(), serde_json::json!({ "hash": made.hash }));
        assert_eq!(made.to_json()["key"], key.as_str());
        assert!(made
            .render()
            .starts_with(&format!("key:  {key}\nhash: {}\n", made.hash)));
        let empty = ApiKeyHash::of_input(" \n".as_bytes()).unwrap_err();
        assert_eq!(empty.0, "--stdin: no key on standard input");
    }

    #[test]
    fn setup_lines_name_the_language_and_what_failed() {
        let lang = TargetLanguage::Python;
        let ready = SetupLine::Ready(lang, "Python 3.12".into());
        assert_eq!(ready.to_string(), "python: ready (Python 3.12)");
        assert!(!ready.failed());
        let sdk = SetupLine::SdkNotReady(lang, "no pip".into());
        assert_eq!(sdk.to_string(), "python: telemetry SDK not ready: no pip");
        assert!(sdk.failed() && SetupLine::NotReady(lang, String::new()).failed());
    }

    #[test]
    fn cache_actions_report_what_they_did() {
        let dir = tempfile::tempdir().unwrap();
        let config = super::super::cache_config(Some(dir.path()), 1 << 20);
        let CacheOutcome::Stats(stats) = CacheAction::Stats.run(&config).unwrap() else {
            panic!("stats");
        };
        assert_eq!(stats.entries, 0);
        let cleared = CacheAction::Clear.run(&config).unwrap();
        assert_eq!(
            cleared.render(&config.path, 0),
            "removed 0 entries (0 bytes)\n"
        );
        assert_eq!(
            serde_json::to_value(&cleared).unwrap(),
            serde_json::json!({ "removed": 0 })
        );
        assert!(matches!(
            CacheAction::Gc.run(&config).unwrap(),
            CacheOutcome::Gc(_)
        ));
    }

    #[test]
    fn a_prelude_reset_says_for_which_language() {
        let dir = tempfile::tempdir().unwrap();
        let value = reset_prelude(dir.path(), Some(TargetLanguage::Rust)).unwrap();
        assert_eq!(
            value,
            serde_json::json!({ "reset": "rust", "lines_dropped": 0 })
        );
        assert_eq!(
            render_prelude_reset(&value),
            "prelude reset for rust: 0 learned line(s) dropped\n"
        );
        let all = reset_prelude(dir.path(), None).unwrap();
        assert_eq!(all["reset"], "every language");
    }
}
