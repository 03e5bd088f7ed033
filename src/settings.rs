//! A front end's choices turned into library objects: what the `selfheal` command's options
//! mean, for any program that offers the same choices. The binary only parses arguments and
//! renders; this module checks the values and builds validators, caches, heal budgets,
//! generators and plugin sets (ripgrep's `HiArgs` in spirit). Errors name the option they
//! come from, as the command line spells it (`--jobs 0: give at least 1`).
//!
//! ```
//! use selfheal::settings::Budget;
//! let budget = Budget { max_retries: 5, timeout_secs: 120.0, beam: 8, jobs: Some(2) };
//! let config = budget.heal_config(None).unwrap();
//! assert_eq!((config.jobs, config.beam, config.timeout.as_secs()), (2, 8, 120));
//! assert!(Budget { jobs: Some(0), ..budget }.heal_config(None).is_err());
//! ```

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use crate::cache::{CacheConfig, ValidationCache};
use crate::eval::CaseResult;
use crate::fix::Fix;
use crate::generate::{
    Generator, OpenAiConfig, OpenAiGenerator, Prelude, TemplateGenerator, TemplateSet,
};
use crate::heal::HealConfig;
use crate::learn::Learner;
use crate::plugin::{
    Plugin, PluginError, PluginHost, PluginHostConfig, PluginLoadError, PluginSet, WasmFixStrategy,
};
use crate::program::Program;
use crate::toolchain::{DoctorEntry, ToolchainEnv, ToolchainSet};
use crate::types::{CodeError, TargetLanguage};
use crate::validate::{Expect, ValidateError, Validator, ValidatorConfig};

/// A value a front end was given that selfheal cannot use; the message names the option and
/// what to give instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SettingsError(pub String);

/// Where selfheal finds its toolchain files and keeps its caches (`--toolchains`,
/// `--cache-dir`). Both default to the built-in toolchains and `$XDG_CACHE_HOME/selfheal`.
#[derive(Debug, Clone, Default)]
pub struct Dirs {
    /// A directory of toolchain files; `None` uses the ones compiled into selfheal.
    pub toolchains: Option<PathBuf>,
    /// Dependency sets, support files and compiled plugins; `None` is the default cache dir.
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

/// The budgets of one heal, as given (`--max-retries`, `--timeout`, `--beam`, `--jobs`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budget {
    /// Rounds of repair.
    pub max_retries: u32,
    /// Wall-clock budget of one heal, in seconds.
    pub timeout_secs: f64,
    /// Candidates tried per round (at least 1).
    pub beam: usize,
    /// Validations at the same time (at least 1); `None` is the number of CPUs (2 if unknown).
    pub jobs: Option<usize>,
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

/// Which generator `generate` uses, and its options (`--generator`, `--model`,
/// `--base-url`, `--api-key-env`, `--templates`, `--prelude-threshold`).
#[derive(Debug, Clone, Default)]
pub struct GeneratorSettings {
    /// An OpenAI-compatible chat model; otherwise the language's templates.
    pub openai: bool,
    /// The model (default: `SELFHEAL_OPENAI_MODEL`, docs/generate.md).
    pub model: Option<String>,
    /// The API's base URL (default: `SELFHEAL_OPENAI_BASE_URL`).
    pub base_url: Option<String>,
    /// The environment variable holding the API key.
    pub api_key_env: Option<String>,
    /// A directory of templates (`<language>/*.j2`) replacing the built-in ones.
    pub templates: Option<PathBuf>,
    /// Heals that must insert the same header line before the template prelude learns it.
    pub prelude_threshold: u32,
}

impl GeneratorSettings {
    /// The generator, its learned state in `data_dir`; the model generator learns from (and
    /// takes lessons out of) `learner`, the healer's.
    ///
    /// # Errors
    /// Options of the other generator, a threshold of 0, templates or environment that do not
    /// load, or no API key for OpenAI itself (local servers need none).
    pub fn generator(
        &self,
        data_dir: &Path,
        learner: Arc<Learner>,
    ) -> Result<Arc<dyn Generator>, SettingsError> {
        if self.openai {
            if self.templates.is_some() {
                return Err(SettingsError(
                    "--templates is for --generator template".into(),
                ));
            }
            let mut config = OpenAiConfig::from_env().map_err(message)?;
            config.model = self.model.clone().unwrap_or(config.model);
            config.base_url = self.base_url.clone().unwrap_or(config.base_url);
            config.api_key_env = self.api_key_env.clone().unwrap_or(config.api_key_env);
            let generator = OpenAiGenerator::new(config).map_err(message)?;
            if !generator.has_api_key() && generator.config().base_url.contains("api.openai.com") {
                return Err(SettingsError(format!(
                    "no API key: set ${} (or name another variable with --api-key-env), or pass --base-url for a local server",
                    generator.config().api_key_env
                )));
            }
            return Ok(Arc::new(generator.with_learner(learner)));
        }
        if self.model.is_some() || self.base_url.is_some() || self.api_key_env.is_some() {
            return Err(SettingsError(
                "--model, --base-url and --api-key-env are for --generator openai".into(),
            ));
        }
        let templates = match &self.templates {
            Some(dir) => TemplateSet::with_overrides(dir).map_err(message)?,
            None => TemplateSet::builtin(),
        };
        if self.prelude_threshold == 0 {
            return Err(SettingsError(
                "--prelude-threshold 0: give at least 1".into(),
            ));
        }
        let prelude = Prelude::open(data_dir).with_threshold(self.prelude_threshold);
        Ok(Arc::new(TemplateGenerator::new(
            templates,
            Arc::new(prelude),
        )))
    }
}

fn message(e: impl std::fmt::Display) -> SettingsError {
    SettingsError(e.to_string())
}

/// `--out RESULTS.jsonl` of `eval`: one JSON line per case, flushed as each case ends, so that
/// an interrupted run keeps what it finished. A write error is kept, and reported by
/// [`ResultsFile::finish`], without stopping the run.
#[derive(Debug)]
pub struct ResultsFile {
    out: std::io::BufWriter<std::fs::File>,
    error: Option<std::io::Error>,
}

impl ResultsFile {
    /// Creates (or truncates) `path`.
    ///
    /// # Errors
    /// The file cannot be created.
    pub fn create(path: &Path) -> Result<ResultsFile, SettingsError> {
        let file = std::fs::File::create(path)
            .map_err(|e| SettingsError(format!("--out {}: cannot create: {e}", path.display())))?;
        Ok(ResultsFile {
            out: std::io::BufWriter::new(file),
            error: None,
        })
    }

    /// Appends `result` as one line.
    pub fn write(&mut self, result: &CaseResult) {
        let line = serde_json::to_string(result)
            .map_err(std::io::Error::other)
            .and_then(|line| writeln!(self.out, "{line}").and_then(|()| self.out.flush()));
        if let Err(e) = line {
            self.error.get_or_insert(e);
        }
    }

    /// # Errors
    /// The first write that failed.
    pub fn finish(self) -> Result<(), SettingsError> {
        match self.error {
            Some(e) => Err(SettingsError(format!("--out: cannot write results: {e}"))),
            None => Ok(()),
        }
    }
}

/// `eval` as the command runs it: [`crate::eval::run`] over `cases`, with a progress bar on
/// stderr when stderr is a terminal (cases done, how many healed), each case whose heal failed
/// named on stderr, every outcome recorded in `outcomes` (a data dir's health metrics) and
/// every result appended to `out`.
///
/// # Errors
/// A result line could not be written to `out` (the run itself goes on to the end).
pub async fn eval_with_progress(
    cases: Vec<crate::corpus::HealCase>,
    healer: Arc<crate::heal::Healer>,
    options: &crate::eval::EvalOptions,
    mut out: Option<ResultsFile>,
    outcomes: Option<crate::api::OutcomeLog>,
) -> Result<Vec<CaseResult>, SettingsError> {
    use std::io::IsTerminal;
    let bar = match std::io::stderr().is_terminal() {
        true => indicatif::ProgressBar::new(cases.len() as u64),
        false => indicatif::ProgressBar::hidden(),
    };
    let style = "{bar:40} {pos}/{len} healed {msg} [{elapsed_precise} eta {eta}]";
    bar.set_style(
        indicatif::ProgressStyle::with_template(style)
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut healed = 0usize;
    let results = crate::eval::run(cases, healer, options, |result| {
        healed += usize::from(result.repaired());
        bar.set_message(healed.to_string());
        bar.inc(1);
        if let Some(error) = &result.error {
            let line = format!("case {}: heal failed: {error}\n", result.id);
            bar.suspend(|| crate::terminal::eprint_escaped(&line));
        }
        let outcome = crate::api::Outcome::from_case(result);
        if let (Some(log), Some(outcome)) = (&outcomes, outcome) {
            log.record(outcome);
        }
        if let Some(out) = out.as_mut() {
            out.write(result);
        }
    })
    .await;
    bar.finish_and_clear();
    out.map(ResultsFile::finish).transpose()?;
    Ok(results)
}

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
            jobs: Some(2),
        }
    }

    #[test]
    fn a_budget_becomes_a_heal_config() {
        let config = budget().heal_config(Some(Expect::Check)).unwrap();
        assert_eq!(config.max_retries, 3);
        assert_eq!(config.timeout, Duration::from_millis(1500));
        assert_eq!((config.beam, config.jobs), (4, 2));
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
    fn generator_options_of_the_other_generator_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let learner = Arc::new(Learner::in_memory());
        let template = GeneratorSettings {
            model: Some("m".into()),
            prelude_threshold: 3,
            ..GeneratorSettings::default()
        };
        assert_eq!(
            template.generator(dir.path(), learner.clone()).err(),
            Some(SettingsError(
                "--model, --base-url and --api-key-env are for --generator openai".into()
            ))
        );
        let openai = GeneratorSettings {
            openai: true,
            templates: Some(dir.path().into()),
            ..GeneratorSettings::default()
        };
        assert_eq!(
            openai.generator(dir.path(), learner.clone()).err(),
            Some(SettingsError(
                "--templates is for --generator template".into()
            ))
        );
        let zero = GeneratorSettings::default();
        assert_eq!(
            zero.generator(dir.path(), learner.clone()).err(),
            Some(SettingsError(
                "--prelude-threshold 0: give at least 1".into()
            ))
        );
        let ok = GeneratorSettings {
            prelude_threshold: 3,
            ..GeneratorSettings::default()
        };
        assert!(ok.generator(dir.path(), learner).is_ok());
    }

    #[test]
    fn results_file_writes_one_line_per_case_and_names_a_bad_path() {
        let dir = tempfile::tempdir().unwrap();
        let case: CaseResult = serde_json::from_value(serde_json::json!({
            "id": "c1", "language": "python", "healed": true, "initially_passing": false,
            "attempts": 2, "rounds": 1, "validations": 3, "duration_ms": 1.5,
            "initial_error_categories": ["Syntax"], "strategies_kept": ["s"], "meta": {}
        }))
        .unwrap();
        let path = dir.path().join("out.jsonl");
        let mut out = ResultsFile::create(&path).unwrap();
        out.write(&case);
        out.write(&case);
        out.finish().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<CaseResult> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines, vec![case.clone(), case]);
        let bad = dir.path().join("no/such/dir/out.jsonl");
        let message = ResultsFile::create(&bad).unwrap_err().0;
        assert!(
            message.starts_with(&format!("--out {}: cannot create: ", bad.display())),
            "{message}"
        );
    }

    #[test]
    fn cache_config_lives_in_the_data_dir() {
        let config = cache_config(Some(Path::new("/d")), 1234);
        assert_eq!(config.max_bytes, 1234);
        assert!(config.path.starts_with("/d"), "{}", config.path.display());
    }
}
