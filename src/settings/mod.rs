//! A front end's choices turned into library objects: what the `selfheal` command's options
//! mean, for any program that offers the same choices. The binary only parses arguments and
//! renders; this module checks the values and builds validators, caches, heal budgets,
//! generators and plugin sets (ripgrep's `HiArgs` in spirit). Errors name the option they
//! come from, as the command line spells it (`--jobs 0: give at least 1`).
//!
//! ```
//! use selfheal::settings::Budget;
//! let budget = Budget { max_retries: 5, timeout_secs: 120.0, beam: 8, batch_beam: 32, jobs: Some(2) };
//! let config = budget.heal_config(None).unwrap();
//! assert_eq!((config.jobs, config.beam, config.timeout.as_secs()), (2, 8, 120));
//! assert!(Budget { jobs: Some(0), ..budget }.heal_config(None).is_err());
//! ```

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::api::{ApiError, SelfHealingGenerator};
use crate::cache::{CacheConfig, ValidationCache};
use crate::fix::Fix;
use crate::heal::{HealConfig, Healer};
use crate::plugin::{
    Plugin, PluginError, PluginHost, PluginHostConfig, PluginLoadError, PluginSet, WasmFixStrategy,
};
use crate::program::Program;
use crate::types::{CodeError, TargetLanguage};
use crate::validate::{Expect, RunOptions, ValidateError, Validator, ValidatorConfig};

mod eval;
mod executor;
mod front_end;
mod generator;
mod healer_options;
mod output;
mod process;
mod reports;

pub use eval::{eval_with_progress, ResultsFile};
pub use executor::{ExecutorSettings, WorkerSettings};
pub use front_end::{read_corpus_or_warn, RunOutput};
pub use generator::{GeneratorKind, GeneratorSettings, ModelSettings};
pub use healer_options::HealerOptions;
pub use output::Format;
pub use process::{parse_args, run_command};
pub use reports::{
    generation_json, render_prelude_reset, reset_prelude, setup, ApiKeyHash, CacheAction,
    CacheOutcome, CheckReport, DoctorReport, PluginListing, SetupLine, MAX_KEY_BYTES,
};

/// A value a front end was given that selfheal cannot use; the message names the option and
/// what to give instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SettingsError(pub String);

/// Where selfheal finds its toolchain files and keeps its caches (`--toolchains`,
/// `--cache-dir`, options of every command). `None` is the default of each.
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
pub struct Dirs {
    /// Directory of toolchain files (default: the ones built into selfheal).
    #[arg(long, global = true, value_name = "DIR")]
    pub toolchains: Option<PathBuf>,
    /// Where dependency sets and support files are kept (default: $XDG_CACHE_HOME/selfheal).
    #[arg(long, global = true, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
}

impl Dirs {
    /// The validator configuration these directories give (other fields at their defaults).
    pub fn validator_config(&self) -> ValidatorConfig {
        let mut config = ValidatorConfig::default();
        config.toolchain_dir.clone_from(&self.toolchains);
        if let Some(dir) = &self.cache_dir {
            config.cache_dir.clone_from(dir);
        }
        config
    }

    /// A validator without the validation cache.
    ///
    /// # Errors
    /// No usable sandbox, or toolchain files that do not load.
    pub fn validator(&self) -> Result<Validator, ValidateError> {
        Validator::new(self.validator_config())
    }

    /// A validator that uses the validation cache of `data_dir` (default: the default data
    /// dir) unless `cache` is `None`. A cache that cannot be opened (another process holds
    /// it, the disk refuses) is a warning in the log: validation then runs uncached.
    ///
    /// # Errors
    /// As [`Dirs::validator`].
    pub fn cached_validator(
        &self,
        cache: Option<u64>,
        data_dir: Option<&Path>,
    ) -> Result<Validator, ValidateError> {
        let mut validator = self.validator()?;
        if let Some(max_bytes) = cache {
            validator.set_cache(ValidationCache::open_or_warn(&cache_config(
                data_dir, max_bytes,
            )));
        }
        Ok(validator)
    }

    /// The plugin host, its compiled components kept in `<cache dir>/plugins`.
    ///
    /// # Errors
    /// The engine cannot start, or selfheal was built without the `plugins` feature
    /// ([`PluginError::Disabled`]).
    pub fn plugin_host(&self) -> Result<PluginHost, PluginError> {
        PluginHost::new(PluginHostConfig {
            cache_dir: Some(self.validator_config().cache_dir.join("plugins")),
            ..PluginHostConfig::default()
        })
    }

    /// The plugins of `dir` (an empty set without one), and the files that did not load.
    ///
    /// # Errors
    /// The host cannot start, or `dir` cannot be listed.
    pub fn load_plugins(
        &self,
        dir: Option<&Path>,
    ) -> Result<(PluginSet, Vec<PluginLoadError>), PluginError> {
        match dir {
            Some(dir) => PluginSet::load_dir(dir, &self.plugin_host()?),
            None => Ok((PluginSet::new(), Vec::new())),
        }
    }
}

/// `validator`, asking the validator plugins of `plugins` too (unchanged when there are none).
pub fn with_plugins(validator: Validator, plugins: &PluginSet) -> Validator {
    if plugins.validators().is_empty() {
        validator
    } else {
        validator.with_plugins(Arc::new(plugins.clone()))
    }
}

/// The validation cache of `data_dir` (default: the default data dir), bounded to `max_bytes`.
pub fn cache_config(data_dir: Option<&Path>, max_bytes: u64) -> CacheConfig {
    let data_dir = data_dir.map_or_else(crate::dirs::default_data_dir, PathBuf::from);
    CacheConfig {
        max_bytes,
        ..CacheConfig::in_data_dir(&data_dir)
    }
}

/// The validation cache options of the commands that validate (`--no-cache`,
/// `--cache-max-bytes`); the default uses a cache of [`crate::cache::DEFAULT_MAX_BYTES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::Args)]
pub struct CacheSettings {
    /// Validate everything afresh: neither read nor write the validation cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Bound on the validation cache's stored bytes; least recently used entries go first.
    #[arg(long, value_name = "BYTES", default_value_t = crate::cache::DEFAULT_MAX_BYTES)]
    pub cache_max_bytes: u64,
}

impl Default for CacheSettings {
    fn default() -> Self {
        CacheSettings {
            no_cache: false,
            cache_max_bytes: crate::cache::DEFAULT_MAX_BYTES,
        }
    }
}

impl CacheSettings {
    /// The cache's bound, or `None` when there is no cache.
    pub fn bound(&self) -> Option<u64> {
        (!self.no_cache).then_some(self.cache_max_bytes)
    }
}

/// `--plugins DIR` of the commands that validate or heal: no plugins without a directory.
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
pub struct PluginDir {
    /// Load the WebAssembly plugins (`*.wasm`) of DIR: fix strategies join the built-in ones
    /// (as `plugin.<name>`), validators parse every command's output too.
    #[arg(long, value_name = "DIR")]
    pub plugins: Option<PathBuf>,
}

impl PluginDir {
    /// The plugins of the directory with `dirs`' plugin host, and the files that did not
    /// load (a front end warns about them).
    ///
    /// # Errors
    /// As [`Dirs::load_plugins`].
    pub fn load(&self, dirs: &Dirs) -> Result<(PluginSet, Vec<PluginLoadError>), PluginError> {
        dirs.load_plugins(self.plugins.as_deref())
    }

    /// [`PluginDir::load`] for a command line: each file that did not load is a warning on
    /// stderr (`warning: plugin not loaded: …`), the plugins that did are returned.
    ///
    /// # Errors
    /// As [`Dirs::load_plugins`].
    pub fn load_or_warn(&self, dirs: &Dirs) -> Result<PluginSet, PluginError> {
        let (set, errors) = self.load(dirs)?;
        for error in &errors {
            crate::terminal::eprint_escaped(&format!("warning: plugin not loaded: {error}\n"));
        }
        Ok(set)
    }
}

/// What a healing front end chose, assembled into a [`Healer`] by [`HealerSettings::healer`].
#[derive(Debug, Clone, Copy)]
pub struct HealerSettings<'a> {
    /// Toolchains and caches.
    pub dirs: &'a Dirs,
    /// The validation cache's bound, `None` for none ([`CacheSettings::bound`]).
    pub cache: Option<u64>,
    /// Where the learner and the validation cache live; `None` learns in memory only (the
    /// validation cache is then the default data dir's).
    pub data_dir: Option<&'a Path>,
    /// Plugins whose fix strategies and validators join the built-in ones (none by default).
    pub plugins: Option<&'a PluginSet>,
    /// Only these fix strategies (ids); every strategy when empty (the default).
    pub strategies: &'a [String],
    /// Where the validations of [`HealerSettings::healer`] and
    /// [`HealerSettings::generating`] run (default: in process).
    pub executor: &'a ExecutorSettings,
}

/// The default executor: this process's sandboxes.
const LOCAL: &ExecutorSettings = &ExecutorSettings {
    executor: crate::executor::ExecutorSpec::InProcess,
};

impl<'a> HealerSettings<'a> {
    /// Settings with this cache and data dir, no plugins, every strategy, in process.
    pub fn new(dirs: &'a Dirs, cache: Option<u64>, data_dir: Option<&'a Path>) -> Self {
        let (plugins, strategies) = (None, &[][..]);
        HealerSettings {
            dirs,
            cache,
            data_dir,
            plugins,
            strategies,
            executor: LOCAL,
        }
    }

    /// The healer: a cached validator (with the plugins' validators) run by the executor, the
    /// learner of the data dir, the chosen strategies, `config`.
    ///
    /// # Errors
    /// No usable sandbox or toolchain files, an executor that cannot be reached (an
    /// `--executor` error), or an unknown strategy id (a `--strategies` error).
    pub async fn healer(&self, config: HealConfig) -> Result<Healer, SettingsError> {
        let dirs = self.dirs;
        let validator = dirs
            .cached_validator(self.cache, self.data_dir)
            .map_err(message)?;
        let none = PluginSet::new();
        let builder = SelfHealingGenerator::builder()
            .heal_config(config)
            .plugin_set(self.plugins.unwrap_or(&none))
            .strategies(self.strategies);
        let builder = (self.executor.executor.attach(builder, validator).await)
            .map_err(|e| self.executor.error(e))?;
        let builder = match self.data_dir {
            Some(dir) => builder.data_dir(dir),
            None => builder.in_memory(),
        };
        builder.build_healer().map_err(strategies_error)
    }

    /// The generating healer of `generate`: the parts of [`HealerSettings::healer`], with the
    /// learner of the data dir (the default data dir when there is none) shared with the
    /// generator `generator` makes, at most `max_generations` generations per spec.
    ///
    /// # Errors
    /// `max_generations` of 0, and as [`HealerSettings::healer`] and
    /// [`GeneratorSettings::generator`].
    pub async fn generating(
        &self,
        generator: &GeneratorSettings,
        max_generations: usize,
        config: HealConfig,
    ) -> Result<SelfHealingGenerator, SettingsError> {
        if max_generations == 0 {
            return Err(SettingsError("--max-generations 0: give at least 1".into()));
        }
        let data_dir =
            (self.data_dir).map_or_else(crate::dirs::default_data_dir, Path::to_path_buf);
        // The model generator learns from (and takes lessons out of) the healer's learner.
        let learner = Arc::new(crate::learn::Learner::open(&data_dir));
        let generator = generator.generator(&data_dir, learner.clone())?;
        let validator =
            (self.dirs.cached_validator(self.cache, Some(&data_dir))).map_err(message)?;
        let builder = (self.executor.executor)
            .attach(SelfHealingGenerator::builder(), validator)
            .await
            .map_err(|e| self.executor.error(e))?;
        builder
            .data_dir(&data_dir)
            .learner(learner)
            .generator(generator)
            .plugin_set(self.plugins.unwrap_or(&PluginSet::new()))
            .strategies(self.strategies)
            .max_generations(max_generations)
            .heal_config(config)
            .build()
            .map_err(strategies_error)
    }
}

/// An unknown strategy id is a `--strategies` error; every other error keeps its message.
fn strategies_error(e: ApiError) -> SettingsError {
    match e {
        ApiError::UnknownStrategy { .. } => SettingsError(format!("--strategies: {e}")),
        e => message(e),
    }
}

/// A positive number of seconds given to `--timeout`.
///
/// # Errors
/// Zero, negative, not a number, or too large for a [`Duration`].
pub fn timeout(seconds: f64) -> Result<Duration, SettingsError> {
    Duration::try_from_secs_f64(seconds)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| {
            SettingsError(format!(
                "--timeout {seconds}: give a positive number of seconds"
            ))
        })
}

/// The budgets of one heal, as given (`--max-retries`, `--timeout`, `--beam`, `--jobs`);
/// the default is the command's: 5 rounds, 120 s, a beam of 8, a job per CPU.
#[derive(Debug, Clone, Copy, PartialEq, clap::Args)]
pub struct Budget {
    /// Rounds of repair (each validates up to --beam candidates).
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub max_retries: u32,
    /// Wall-clock budget of one heal, in seconds.
    #[arg(long = "timeout", value_name = "SECONDS", default_value_t = 120.0)]
    pub timeout_secs: f64,
    /// Candidates tried per round.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub beam: usize,
    /// Candidates tried per round when a batched run judges the round (a program that only
    /// fails its tests; every language batches: docs/healing.md); never below --beam.
    #[arg(long, value_name = "N", default_value_t = 32)]
    pub batch_beam: usize,
    /// Validations (and, for eval, cases) at the same time (default: the number of CPUs).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            max_retries: 5,
            timeout_secs: 120.0,
            beam: 8,
            batch_beam: 32,
            jobs: None,
        }
    }
}

impl Budget {
    /// The heal configuration of this budget, with `expect` as what passing means.
    ///
    /// # Errors
    /// `jobs` or `beam` of 0, a timeout that is not a positive number of seconds.
    pub fn heal_config(&self, expect: Option<Expect>) -> Result<HealConfig, SettingsError> {
        let jobs = match self.jobs {
            Some(0) => return Err(SettingsError("--jobs 0: give at least 1".into())),
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(2, |n| n.get()),
        };
        if self.beam == 0 {
            return Err(SettingsError("--beam 0: give at least 1".into()));
        }
        Ok(HealConfig {
            max_retries: self.max_retries,
            timeout: timeout(self.timeout_secs)?,
            jobs,
            beam: self.beam,
            batch_beam: self.batch_beam,
            expect,
        })
    }
}

/// Most bytes `--stdin` feeds a program.
pub const MAX_STDIN_BYTES: u64 = 16 << 20;

/// What `--stdin` names, read: nothing without a path, this process's stdin for `-`, else the
/// file; at most [`MAX_STDIN_BYTES`].
///
/// # Errors
/// An unreadable file or stdin, or input over the limit.
pub fn read_stdin(path: Option<&Path>) -> Result<Vec<u8>, SettingsError> {
    let mut buffer = Vec::new();
    let limit = MAX_STDIN_BYTES + 1;
    match path {
        None => {}
        Some(p) if p.as_os_str() == "-" => {
            std::io::stdin()
                .take(limit)
                .read_to_end(&mut buffer)
                .map_err(message)?;
        }
        Some(p) => {
            let file = std::fs::File::open(p)
                .map_err(|e| SettingsError(format!("--stdin {}: {e}", p.display())))?;
            file.take(limit).read_to_end(&mut buffer).map_err(message)?;
        }
    }
    if buffer.len() as u64 > MAX_STDIN_BYTES {
        return Err(SettingsError(format!(
            "--stdin: input is over the {MAX_STDIN_BYTES}-byte limit"
        )));
    }
    Ok(buffer)
}

/// `heal --write`: when `write` is set and the heal made a failing program pass, writes the
/// healed files of `report` over the program loaded from `path` (atomically, never protected
/// files: [`crate::writeback::write_back`]). Returns the files written.
///
/// # Errors
/// A file cannot be written (the message names it).
pub fn write_healed(
    write: bool,
    path: &Path,
    program: &Program,
    report: &crate::heal::HealReport,
) -> Result<Vec<PathBuf>, SettingsError> {
    if !(write && report.healed && !report.initially_passing) {
        return Ok(Vec::new());
    }
    crate::writeback::write_back(path, program, &report.final_program).map_err(message)
}

/// How `run` runs a program (`--timeout`, `--memory`, `--stdin`); no limits and no input by
/// default.
#[derive(Debug, Clone, Default, PartialEq, clap::Args)]
pub struct RunSettings {
    /// Wall-clock limit for the program, in seconds.
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<f64>,
    /// Memory (address space) limit for the program, in MiB.
    #[arg(long, value_name = "MIB")]
    pub memory: Option<u64>,
    /// File fed to the program's standard input (`-` for this process's stdin).
    #[arg(long, value_name = "FILE")]
    pub stdin: Option<PathBuf>,
}

impl RunSettings {
    /// The run options: the limits, the input read ([`read_stdin`]).
    ///
    /// # Errors
    /// A timeout that is not a positive number of seconds, or input that cannot be read.
    pub fn options(&self) -> Result<RunOptions, SettingsError> {
        Ok(RunOptions {
            timeout: self.timeout.map(timeout).transpose()?,
            memory_bytes: self.memory.map(|mib| mib.saturating_mul(1 << 20)),
            stdin: read_stdin(self.stdin.as_deref())?,
        })
    }
}

fn message(e: impl std::fmt::Display) -> SettingsError {
    SettingsError(e.to_string())
}

/// Loads the plugin `file`.
///
/// # Errors
/// The file is refused (unreadable, not a component, the wrong interface…); the message
/// names it.
pub fn load_plugin(host: &PluginHost, file: &Path) -> Result<Plugin, SettingsError> {
    host.load_file(file)
        .map_err(|e| SettingsError(format!("{}: refused: {e}", file.display())))
}

/// `plugin run`: the fixes the fix-strategy plugin `file` suggests for the error in
/// `error_file` (one JSON [`CodeError`], as `check --format json` prints them) of the program
/// at `program` (a file or a directory; `language` overrides detection).
///
/// # Errors
/// The plugin is refused or not a fix strategy, the error file is unreadable or not a
/// `CodeError`, the program does not load, or the call fails.
pub fn plugin_fixes(
    host: &PluginHost,
    file: &Path,
    error_file: &Path,
    program: &Path,
    language: Option<TargetLanguage>,
) -> Result<Vec<Fix>, SettingsError> {
    let strategy = WasmFixStrategy::new(load_plugin(host, file)?).map_err(message)?;
    let text = std::fs::read_to_string(error_file)
        .map_err(|e| SettingsError(format!("--error {}: {e}", error_file.display())))?;
    let error: CodeError = serde_json::from_str(&text).map_err(|e| {
        SettingsError(format!(
            "--error {}: not a CodeError as JSON ({e}); use one of the `errors` of \
             `selfheal check --format json`",
            error_file.display()
        ))
    })?;
    let program = Program::load(program, language).map_err(message)?;
    let id = crate::fix::FixStrategy::id(&strategy);
    (strategy.plugin().suggest(&error, &program, id)).map_err(message)
}

/// Starts the stderr log, plus trace and metric export when the `OTEL_*` environment asks for
/// it or `stdout` is set (every finished span on stdout). A broken export configuration is
/// reported on stderr and left out; the log still starts. Keep the guard until the end: its
/// drop flushes what is buffered (outside any async runtime: the OTLP client blocks).
pub fn start_telemetry(stdout: bool) -> Option<crate::telemetry::TelemetryGuard> {
    use crate::telemetry::{init, TelemetryConfig};
    let mut config = TelemetryConfig::from_env();
    config.stdout = stdout;
    match init(&config) {
        Ok(guard) => Some(guard),
        Err(e) => {
            eprintln!("warning: telemetry export is off: {e}");
            let local = TelemetryConfig {
                otlp_traces: false,
                otlp_metrics: false,
                ..config
            };
            init(&local).ok()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget() -> Budget {
        Budget {
            max_retries: 3,
            timeout_secs: 1.5,
            beam: 4,
            batch_beam: 16,
            jobs: Some(2),
        }
    }

    #[test]
    fn a_budget_becomes_a_heal_config() {
        let config = budget().heal_config(Some(Expect::Check)).unwrap();
        assert_eq!(config.max_retries, 3);
        assert_eq!(config.timeout, Duration::from_millis(1500));
        assert_eq!((config.beam, config.batch_beam, config.jobs), (4, 16, 2));
        assert_eq!(config.expect, Some(Expect::Check));
        let default_jobs = Budget {
            jobs: None,
            ..budget()
        };
        assert!(default_jobs.heal_config(None).unwrap().jobs >= 1);
    }

    #[test]
    fn a_budget_names_the_option_it_refuses() {
        let refused = |b: Budget| b.heal_config(None).unwrap_err().0;
        let zero_jobs = Budget {
            jobs: Some(0),
            ..budget()
        };
        assert_eq!(refused(zero_jobs), "--jobs 0: give at least 1");
        assert_eq!(
            refused(Budget {
                beam: 0,
                ..budget()
            }),
            "--beam 0: give at least 1"
        );
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let message = refused(Budget {
                timeout_secs: bad,
                ..budget()
            });
            assert_eq!(
                message,
                format!("--timeout {bad}: give a positive number of seconds")
            );
        }
    }

    #[test]
    fn stdin_is_read_from_a_file_up_to_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read_stdin(None).unwrap(), b"");
        let small = dir.path().join("in.txt");
        std::fs::write(&small, b"3 4\n").unwrap();
        assert_eq!(read_stdin(Some(&small)).unwrap(), b"3 4\n");
        let big = dir.path().join("big");
        std::fs::write(&big, vec![b'x'; MAX_STDIN_BYTES as usize + 1]).unwrap();
        assert_eq!(
            read_stdin(Some(&big)).unwrap_err().0,
            format!("--stdin: input is over the {MAX_STDIN_BYTES}-byte limit")
        );
        let missing = dir.path().join("missing");
        let message = read_stdin(Some(&missing)).unwrap_err().0;
        assert!(
            message.starts_with(&format!("--stdin {}: ", missing.display())),
            "{message}"
        );
    }

    #[test]
    fn run_settings_become_run_options() {
        let options = RunSettings {
            timeout: Some(2.5),
            memory: Some(64),
            stdin: None,
        }
        .options()
        .unwrap();
        assert_eq!(options.timeout, Some(Duration::from_millis(2500)));
        assert_eq!(options.memory_bytes, Some(64 << 20));
        assert!(options.stdin.is_empty());
        let zero = RunSettings {
            timeout: Some(0.0),
            ..RunSettings::default()
        };
        assert_eq!(
            zero.options().unwrap_err().0,
            "--timeout 0: give a positive number of seconds"
        );
    }

    #[test]
    fn cache_settings_bound_the_cache_or_turn_it_off() {
        let on = CacheSettings::default();
        assert_eq!(on.bound(), Some(crate::cache::DEFAULT_MAX_BYTES));
        let off = CacheSettings {
            no_cache: true,
            ..on
        };
        assert_eq!(off.bound(), None);
    }

    #[test]
    fn the_defaults_are_the_commands() {
        use clap::{Args, FromArgMatches};
        let cmd = Budget::augment_args(CacheSettings::augment_args(clap::Command::new("t")));
        let matches = cmd.try_get_matches_from(["t"]).unwrap();
        assert_eq!(
            Budget::from_arg_matches(&matches).unwrap(),
            Budget::default()
        );
        let cache = CacheSettings::from_arg_matches(&matches).unwrap();
        assert_eq!(cache, CacheSettings::default());
        let cmd = Budget::augment_args(clap::Command::new("t"));
        let given = cmd.try_get_matches_from(["t", "--timeout", "3", "--jobs", "1"]);
        let given = Budget::from_arg_matches(&given.unwrap()).unwrap();
        assert_eq!((given.timeout_secs, given.jobs), (3.0, Some(1)));
    }

    #[tokio::test]
    async fn an_unknown_strategy_is_a_strategies_error() {
        let dirs = Dirs::default();
        let strategies = ["no.such-strategy".to_string()];
        let mut settings = HealerSettings::new(&dirs, None, None);
        settings.strategies = &strategies;
        let config = Budget::default().heal_config(None).unwrap();
        match settings.healer(config).await {
            Err(e) => assert!(e.0.starts_with("--strategies: "), "{e}"),
            Ok(_) => panic!("an unknown strategy was accepted"),
        }
    }

    #[tokio::test]
    async fn an_executor_that_cannot_be_reached_is_an_executor_error() {
        let dirs = Dirs::default();
        // A port nothing listens on: bind one, then free it.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let executor = ExecutorSettings {
            executor: format!("nats://127.0.0.1:{port}").parse().unwrap(),
        };
        let settings = HealerSettings {
            executor: &executor,
            ..HealerSettings::new(&dirs, None, None)
        };
        let config = Budget::default().heal_config(None).unwrap();
        match settings.healer(config).await {
            Err(e) => assert!(
                e.0.starts_with(&format!("--executor nats://127.0.0.1:{port}: ")),
                "{e}"
            ),
            Ok(_) => panic!("a healer was built on an executor that is not there"),
        }
    }

    #[test]
    fn cache_config_lives_in_the_data_dir() {
        let config = cache_config(Some(Path::new("/d")), 1234);
        assert_eq!(config.max_bytes, 1234);
        assert!(config.path.starts_with("/d"), "{}", config.path.display());
    }
}
