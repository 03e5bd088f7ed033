//! The library's front door: [`SelfHealingGenerator`].
//!
//! CONTRACT: [`SelfHealingGenerator`] (`builder()`, `new(max_retries)`, `validate_code`,
//! `detect_errors`, `suggest_fixes`, `apply_fix`, `heal`, `generate_and_heal`,
//! `generate_and_heal_spec`, `get_health_metrics`), [`SelfHealingGeneratorBuilder`],
//! [`HealthMetrics`], [`IntoProgram`], [`ApiError`]. [`Generator`], [`PassThrough`] and
//! [`GenerateError`] live in [`crate::generate`] and are re-exported here.
//!
//! ```no_run
//! # async fn demo() -> Result<(), selfheal::api::ApiError> {
//! use selfheal::{SelfHealingGenerator, TargetLanguage};
//! let healer = SelfHealingGenerator::new(5)?;
//! let report = healer
//!     .generate_and_heal("def add(a, b):\n    return a + c\n", TargetLanguage::Python)
//!     .await?;
//! println!("{}", report.diff);
//! # Ok(()) }
//! ```

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::fix::{ApplyError, Fix, FixEngine, FixStrategy};
use crate::generate::{driver, GenerationReport, Spec, TemplateGenerator};
pub use crate::generate::{GenerateError, GenerateFuture, Generator, PassThrough};
use crate::heal::{CheckError, Checker, HealConfig, HealError, HealReport, Healer};
use crate::learn::Learner;
use crate::program::{Program, ProgramError};
use crate::tenant::{Tenant, TenantError};
use crate::types::{CodeError, TargetLanguage, ValidationResult};
use crate::validate::{Expect, RunOptions, RunReport, ValidateError, Validator, ValidatorConfig};

/// The outcome log inside the data dir (JSON Lines, one [`Outcome`] per heal).
pub const OUTCOME_LOG: &str = "outcomes.jsonl";

/// Errors of the library API.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("cannot set up validation: {0}")]
    Setup(#[from] ValidateError),
    #[error(transparent)]
    Program(#[from] ProgramError),
    #[error(transparent)]
    Check(#[from] CheckError),
    #[error(transparent)]
    Heal(#[from] HealError),
    #[error(transparent)]
    Apply(#[from] ApplyError),
    #[error(transparent)]
    Generate(#[from] GenerateError),
    #[error("plugins: {0}")]
    Plugin(String),
    /// A strategy id given to [`SelfHealingGeneratorBuilder::strategies`] that no built-in
    /// strategy or plugin has.
    #[error("unknown strategy `{id}`; known: {}", known.join(", "))]
    UnknownStrategy {
        id: String,
        /// Every id that can be selected, sorted.
        known: Vec<String>,
    },
    /// A tenant's limit refused the request, or the tenant is unknown (see
    /// [`TenantError::limit`], [`TenantError::retry_after`]).
    #[error(transparent)]
    Tenant(#[from] TenantError),
    /// A builder setting that a tenant brings itself (see
    /// [`SelfHealingGeneratorBuilder::tenant`]).
    #[error("{0} cannot be combined with a tenant: the tenant brings its own")]
    TenantConflict(&'static str),
    /// [`SelfHealingGenerator::run`] needs the built-in sandboxed validator.
    #[error(
        "running a program needs the built-in sandboxed validator; this generator was built \
         with a custom checker"
    )]
    NoValidator,
}

impl From<driver::DriverError> for ApiError {
    fn from(e: driver::DriverError) -> ApiError {
        match e {
            driver::DriverError::Generate(e) => ApiError::Generate(e),
            driver::DriverError::Heal(e) => ApiError::Heal(e),
        }
    }
}

/// The file a single piece of code is validated as.
pub fn default_file_name(language: TargetLanguage) -> &'static str {
    match language {
        TargetLanguage::Rust => "main.rs",
        TargetLanguage::Python => "main.py",
        TargetLanguage::JavaScript => "main.js",
        TargetLanguage::Go => "main.go",
    }
}

/// What the API accepts as a program: a [`Program`], or code and its language (one file,
/// named by [`default_file_name`]).
pub trait IntoProgram {
    fn into_program(self) -> Result<Program, ProgramError>;
}

impl IntoProgram for Program {
    fn into_program(self) -> Result<Program, ProgramError> {
        self.check()?;
        Ok(self)
    }
}

impl IntoProgram for &Program {
    fn into_program(self) -> Result<Program, ProgramError> {
        self.clone().into_program()
    }
}

impl IntoProgram for (&str, TargetLanguage) {
    fn into_program(self) -> Result<Program, ProgramError> {
        let (code, language) = self;
        Program::new(
            language,
            [(default_file_name(language).to_string(), code.to_string())],
        )
    }
}

impl IntoProgram for (String, TargetLanguage) {
    fn into_program(self) -> Result<Program, ProgramError> {
        (self.0.as_str(), self.1).into_program()
    }
}

/// One recorded heal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// Milliseconds since the Unix epoch.
    pub at_ms: u64,
    pub language: TargetLanguage,
    pub healed: bool,
    pub initially_passing: bool,
    /// Fixes in the final program.
    pub repairs: usize,
    pub duration_ms: f64,
    pub validations: usize,
}

/// How well healing has gone, computed from the recorded outcomes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthMetrics {
    /// `successful_generations / total_generations` (0 when there are none).
    pub generation_success_rate: f64,
    /// `total_repairs / total_generations` (0 when there are none).
    pub average_repairs_per_generation: f64,
    /// Mean heal duration, in milliseconds (0 when there are none).
    pub average_heal_time_ms: f64,
    /// The probability that the next generation ends passing, as the posterior mean of a
    /// Beta(1, 1) (uniform) prior updated with the outcomes (Laplace's rule of succession):
    /// `(successful_generations + 1) / (total_generations + 2)`. 0.5 with no history; unlike
    /// the raw rate it never claims certainty from a handful of outcomes.
    pub confidence_score: f64,
    pub total_generations: u64,
    /// Generations whose final program passes (healed, or passing from the start).
    pub successful_generations: u64,
    /// Fixes kept in final programs, over all generations.
    pub total_repairs: u64,
}

impl HealthMetrics {
    pub fn from_outcomes(outcomes: &[Outcome]) -> HealthMetrics {
        let total = outcomes.len() as u64;
        let successful = outcomes.iter().filter(|o| o.healed).count() as u64;
        let repairs: u64 = outcomes.iter().map(|o| o.repairs as u64).sum();
        let time: f64 = outcomes.iter().map(|o| o.duration_ms).sum();
        let per = |x: f64| if total == 0 { 0.0 } else { x / total as f64 };
        HealthMetrics {
            generation_success_rate: per(successful as f64),
            average_repairs_per_generation: per(repairs as f64),
            average_heal_time_ms: per(time),
            confidence_score: (successful as f64 + 1.0) / (total as f64 + 2.0),
            total_generations: total,
            successful_generations: successful,
            total_repairs: repairs,
        }
    }
}

impl Outcome {
    /// The outcome of one heal, stamped now.
    pub fn from_report(report: &HealReport, language: TargetLanguage) -> Outcome {
        Outcome {
            at_ms: now_ms(),
            language,
            healed: report.healed,
            initially_passing: report.initially_passing,
            repairs: report.repairs(),
            duration_ms: report.duration_ms,
            validations: report.validations,
        }
    }
}

impl Outcome {
    /// The outcome of one case of `selfheal eval`, stamped now; `None` for a case whose heal
    /// failed to run or whose language is unknown.
    pub fn from_case(result: &crate::eval::CaseResult) -> Option<Outcome> {
        if result.error.is_some() {
            return None;
        }
        Some(Outcome {
            at_ms: now_ms(),
            language: result.language.parse().ok()?,
            healed: result.healed,
            initially_passing: result.initially_passing,
            repairs: result.strategies_kept.len(),
            duration_ms: result.duration_ms,
            validations: result.validations,
        })
    }
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Outcomes in memory, appended to `outcomes.jsonl` in the data dir when it is writable. The
/// generator, `selfheal heal`, `selfheal eval --data-dir` and `selfheal stats` share it.
pub struct OutcomeLog {
    path: Option<PathBuf>,
    outcomes: Mutex<Vec<Outcome>>,
}

impl OutcomeLog {
    /// The log of `data_dir` with every outcome recorded there so far (`None`: in memory).
    pub fn open(data_dir: Option<&Path>) -> OutcomeLog {
        let Some(dir) = data_dir else {
            return OutcomeLog {
                path: None,
                outcomes: Mutex::new(Vec::new()),
            };
        };
        let path = dir.join(OUTCOME_LOG);
        let outcomes = match std::fs::read_to_string(&path) {
            // A line this version cannot read (or a torn last line) is skipped.
            Ok(text) => text
                .lines()
                .filter_map(|line| serde_json::from_str(line).ok())
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => {
                tracing::warn!(
                    "cannot read {}: {e}; starting a new outcome history",
                    path.display()
                );
                Vec::new()
            }
        };
        OutcomeLog {
            path: Some(path),
            outcomes: Mutex::new(outcomes),
        }
    }

    /// Appends one outcome (a write failure is logged; the outcome is still counted in memory).
    pub fn record(&self, outcome: Outcome) {
        if let Some(path) = &self.path {
            if let Err(e) = append_line(path, &outcome) {
                tracing::warn!("cannot append to {}: {e}", path.display());
            }
        }
        self.lock().push(outcome);
    }

    /// Every outcome, oldest first.
    pub fn outcomes(&self) -> Vec<Outcome> {
        self.lock().clone()
    }

    /// Metrics over every outcome.
    pub fn health(&self) -> HealthMetrics {
        HealthMetrics::from_outcomes(&self.lock())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Outcome>> {
        self.outcomes.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn append_line(path: &Path, outcome: &Outcome) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut line = serde_json::to_vec(outcome).map_err(std::io::Error::other)?;
    line.push(b'\n');
    // One write of a whole line with O_APPEND: concurrent writers never interleave within it.
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(&line)
}

/// Configures a [`SelfHealingGenerator`].
pub struct SelfHealingGeneratorBuilder {
    config: HealConfig,
    data_dir: Option<PathBuf>,
    persist: bool,
    toolchain_dir: Option<PathBuf>,
    cache_dir: Option<PathBuf>,
    strategies: Vec<Arc<dyn FixStrategy>>,
    generator: Option<Arc<dyn Generator>>,
    max_generations: usize,
    checker: Option<Arc<dyn Checker>>,
    validator: Option<Validator>,
    learner: Option<Arc<Learner>>,
    only_strategies: Vec<String>,
    plugin_dirs: Vec<PathBuf>,
    plugins: Vec<crate::plugin::Plugin>,
    tenant: Option<Arc<Tenant>>,
}

impl Default for SelfHealingGeneratorBuilder {
    fn default() -> Self {
        SelfHealingGeneratorBuilder {
            config: HealConfig::default(),
            data_dir: None,
            persist: true,
            toolchain_dir: None,
            cache_dir: None,
            strategies: Vec::new(),
            generator: None,
            max_generations: driver::DEFAULT_MAX_GENERATIONS,
            checker: None,
            validator: None,
            learner: None,
            only_strategies: Vec::new(),
            plugin_dirs: Vec::new(),
            plugins: Vec::new(),
            tenant: None,
        }
    }
}

impl SelfHealingGeneratorBuilder {
    /// Every budget of a heal at once (default [`HealConfig::default`]), replacing what
    /// [`max_retries`](Self::max_retries), [`timeout`](Self::timeout), [`jobs`](Self::jobs),
    /// [`beam`](Self::beam) and [`expect`](Self::expect) set before.
    pub fn heal_config(mut self, config: HealConfig) -> Self {
        self.config = config;
        self
    }

    /// Rounds of repair per heal (default 5).
    pub fn max_retries(mut self, rounds: u32) -> Self {
        self.config.max_retries = rounds;
        self
    }

    /// Wall-clock budget per heal (default 120 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.config.timeout = timeout;
        self
    }

    /// Validations at the same time (default: the number of CPUs).
    pub fn jobs(mut self, jobs: usize) -> Self {
        self.config.jobs = jobs.max(1);
        self
    }

    /// Candidates per round (default 8).
    pub fn beam(mut self, beam: usize) -> Self {
        self.config.beam = beam.max(1);
        self
    }

    /// What passing means (default: `test` when the program has test files, else `check`).
    pub fn expect(mut self, expect: Expect) -> Self {
        self.config.expect = Some(expect);
        self
    }

    /// Where the learner and the outcome log live (default [`crate::dirs::default_data_dir`]).
    pub fn data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.data_dir = Some(dir.into());
        self
    }

    /// Keep what is learned and the outcomes in memory only.
    pub fn in_memory(mut self) -> Self {
        self.persist = false;
        self
    }

    /// A directory of toolchain files instead of the built-in ones.
    pub fn toolchain_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.toolchain_dir = Some(dir.into());
        self
    }

    /// Where dependency sets and support files are kept.
    pub fn cache_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cache_dir = Some(dir.into());
        self
    }

    /// Adds a fix strategy to the built-in ones.
    pub fn strategy(mut self, strategy: Arc<dyn FixStrategy>) -> Self {
        self.strategies.push(strategy);
        self
    }

    /// Uses only the strategies with these ids (default, or with an empty list: every
    /// built-in strategy, those added with [`strategy`](Self::strategy) and the plugins'),
    /// in this order. An id may name a built-in strategy, the opt-in
    /// `rust.machine-applicable` (only machine-applicable compiler suggestions), a strategy
    /// added with [`strategy`](Self::strategy), or a plugin's `plugin.<name>`. Surrounding
    /// whitespace is ignored.
    ///
    /// [`build`](Self::build) fails with [`ApiError::UnknownStrategy`], listing the known
    /// ids, for an id none of them has.
    pub fn strategies<S: AsRef<str>>(mut self, ids: &[S]) -> Self {
        self.only_strategies = ids
            .iter()
            .map(|id| id.as_ref().trim().to_string())
            .collect();
        self
    }

    /// Validates with this [`Validator`] (e.g. one with a validation cache) instead of one
    /// built from [`toolchain_dir`](Self::toolchain_dir) and [`cache_dir`](Self::cache_dir).
    /// Validator plugins are attached to it at build.
    pub fn validator(mut self, validator: Validator) -> Self {
        self.validator = Some(validator);
        self
    }

    /// Learns into this learner instead of opening the one in the data dir (or, with
    /// [`in_memory`](Self::in_memory), a new one in memory). Give the same learner to a
    /// generator that learns from heals (`OpenAiGenerator::with_learner`), so that both see
    /// the same history.
    pub fn learner(mut self, learner: Arc<Learner>) -> Self {
        self.learner = Some(learner);
        self
    }

    /// Adds every plugin of a set already loaded (see [`plugin`](Self::plugin)).
    pub fn plugin_set(mut self, set: &crate::plugin::PluginSet) -> Self {
        self.plugins.extend(set.plugins().cloned());
        self
    }

    /// The generator `generate_and_heal_spec` uses (default: the built-in templates with the
    /// prelude learned in the data dir).
    pub fn generator(mut self, generator: Arc<dyn Generator>) -> Self {
        self.generator = Some(generator);
        self
    }

    /// Generations `generate_and_heal_spec` may run (default 3, at least 1).
    pub fn max_generations(mut self, generations: usize) -> Self {
        self.max_generations = generations.max(1);
        self
    }

    /// Loads every plugin (`*.wasm`) of `dir` at [`build`](Self::build): fix strategies join
    /// the built-in ones, validator plugins join the validator (`docs/plugins.md`). A file
    /// that does not load fails the build, naming the file.
    pub fn plugins_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.plugin_dirs.push(dir.into());
        self
    }

    /// Adds one loaded plugin (see [`crate::plugin::PluginHost`]).
    pub fn plugin(mut self, plugin: crate::plugin::Plugin) -> Self {
        self.plugins.push(plugin);
        self
    }

    /// Validates with this checker instead of a sandboxed [`Validator`].
    pub fn checker(mut self, checker: Arc<dyn Checker>) -> Self {
        self.checker = Some(checker);
        self
    }

    /// Works as `tenant` (`docs/tenants.md`): every validation goes through the tenant's
    /// checker (a sandbox slot from the host-wide fair scheduler, CPU time charged to the
    /// tenant, the tenant's cache scope and validator plugins), fixes are ranked by the
    /// tenant's learner, the tenant's plugin strategies join the built-in ones, outcomes and
    /// the learned prelude live in the tenant's data directory, and programs and runs over
    /// the tenant's limits are refused with [`ApiError::Tenant`].
    ///
    /// The tenant brings its own validator, checker, learner, plugins and data directory:
    /// [`build`](Self::build) fails with [`ApiError::TenantConflict`] when any of
    /// [`validator`](Self::validator), [`checker`](Self::checker),
    /// [`learner`](Self::learner), [`plugin`](Self::plugin), [`plugin_set`](Self::plugin_set),
    /// [`plugins_dir`](Self::plugins_dir) or [`data_dir`](Self::data_dir) was set too.
    /// Budgets ([`max_retries`](Self::max_retries), [`timeout`](Self::timeout), …),
    /// [`strategies`](Self::strategies) and [`generator`](Self::generator) still apply.
    ///
    /// Job admission ([`Tenant::admit`], the `max_queued_jobs` limit) is the caller's: hold a
    /// ticket for the length of a job; a service takes it when it accepts the job.
    pub fn tenant(mut self, tenant: Arc<Tenant>) -> Self {
        self.tenant = Some(tenant);
        self
    }

    /// Builds the generator: the validator (or checker), the learner, the fix engine and the
    /// generator as configured.
    ///
    /// # Errors
    ///
    /// [`ApiError::Setup`] when the validator cannot be set up, [`ApiError::Plugin`] when a
    /// plugin does not load (or validator plugins meet a custom checker),
    /// [`ApiError::UnknownStrategy`], and [`ApiError::Generate`] when the default generator's
    /// templates cannot be opened.
    pub fn build(mut self) -> Result<SelfHealingGenerator, ApiError> {
        let generator = self.generator.take();
        let max_generations = self.max_generations;
        let tenant = self.tenant.clone();
        let Assembled {
            healer,
            data_dir,
            runner,
        } = self.assemble()?;
        let generator = match generator {
            Some(generator) => generator,
            None => Arc::new(TemplateGenerator::open(None, data_dir.as_deref())?),
        };
        Ok(SelfHealingGenerator {
            healer,
            generator,
            max_generations,
            outcomes: OutcomeLog::open(data_dir.as_deref()),
            tenant,
            runner,
        })
    }

    /// Builds only the heal loop (validator or checker, learner, fix engine, budgets), for
    /// callers that drive heals themselves (e.g. [`crate::eval::run`]). Nothing is recorded
    /// in the outcome log.
    ///
    /// # Errors
    ///
    /// As [`build`](Self::build), but for the generator.
    pub fn build_healer(self) -> Result<Healer, ApiError> {
        Ok(self.assemble()?.healer)
    }

    /// The healer of a tenant-bound builder: the tenant's checker, learner, plugins and data
    /// directory.
    fn assemble_tenant(self, tenant: Arc<Tenant>) -> Result<Assembled, ApiError> {
        let conflict = [
            (self.validator.is_some(), "a validator"),
            (self.checker.is_some(), "a checker"),
            (self.learner.is_some(), "a learner"),
            (
                !self.plugins.is_empty() || !self.plugin_dirs.is_empty(),
                "plugins",
            ),
            (self.data_dir.is_some(), "a data dir"),
        ]
        .into_iter()
        .find_map(|(set, what)| set.then_some(what));
        if let Some(what) = conflict {
            return Err(ApiError::TenantConflict(what));
        }
        let engine = select_strategies(&self.only_strategies, self.strategies, tenant.plugins())?;
        let data_dir = if self.persist {
            tenant.data_dir().map(Path::to_path_buf)
        } else {
            None
        };
        let healer = Healer::new(
            tenant.checker(),
            engine,
            Arc::clone(tenant.learner()),
            self.config,
        );
        Ok(Assembled {
            healer,
            data_dir,
            runner: tenant.validator().cloned(),
        })
    }

    /// The healer, the data dir when one is used, and the validator when there is one.
    fn assemble(mut self) -> Result<Assembled, ApiError> {
        if let Some(tenant) = self.tenant.take() {
            return self.assemble_tenant(tenant);
        }
        let plugins = self.load_plugins()?;
        let mut runner = None;
        let checker: Arc<dyn Checker> = match self.checker {
            Some(_) if !plugins.validators().is_empty() => {
                return Err(ApiError::Plugin(
                    "validator plugins run inside the built-in Validator; with a custom \
                     checker, attach them yourself (Validator::with_plugins)"
                        .into(),
                ))
            }
            Some(checker) => checker,
            None => {
                let validator = match self.validator {
                    Some(validator) => validator,
                    None => {
                        let mut config = ValidatorConfig {
                            toolchain_dir: self.toolchain_dir,
                            ..ValidatorConfig::default()
                        };
                        if let Some(dir) = self.cache_dir {
                            config.cache_dir = dir;
                        }
                        Validator::new(config)?
                    }
                };
                let validator = Arc::new(if plugins.validators().is_empty() {
                    validator
                } else {
                    validator.with_plugins(Arc::new(plugins.clone()))
                });
                runner = Some(Arc::clone(&validator));
                validator
            }
        };
        let data_dir = self
            .persist
            .then(|| self.data_dir.unwrap_or_else(crate::dirs::default_data_dir));
        let learner = match (self.learner, &data_dir) {
            (Some(learner), _) => learner,
            (None, Some(dir)) => Arc::new(Learner::open(dir)),
            (None, None) => Arc::new(Learner::in_memory()),
        };
        let engine = select_strategies(&self.only_strategies, self.strategies, &plugins)?;
        Ok(Assembled {
            healer: Healer::new(checker, engine, learner, self.config),
            data_dir,
            runner,
        })
    }
}

/// What a builder puts together.
struct Assembled {
    healer: Healer,
    data_dir: Option<PathBuf>,
    /// The sandboxed validator [`SelfHealingGenerator::run`] uses, when there is one.
    runner: Option<Arc<Validator>>,
}

/// The engine: every built-in strategy, `added` and the plugins' when `ids` is empty, else
/// exactly the strategies named, in that order.
fn select_strategies(
    ids: &[String],
    added: Vec<Arc<dyn FixStrategy>>,
    plugins: &crate::plugin::PluginSet,
) -> Result<FixEngine, ApiError> {
    if ids.is_empty() {
        let mut engine = FixEngine::builtin();
        for strategy in added {
            engine.add(strategy);
        }
        plugins.add_strategies_to(&mut engine);
        return Ok(engine);
    }
    let mut available = crate::fix::strategies::builtin();
    available.push(crate::fix::strategies::compiler::machine_applicable_only());
    available.extend(added);
    available.extend(
        plugins
            .strategies()
            .iter()
            .map(|s| Arc::clone(s) as Arc<dyn FixStrategy>),
    );
    let mut engine = FixEngine::empty();
    for id in ids {
        match available.iter().find(|s| s.id() == id) {
            Some(strategy) => engine.add(Arc::clone(strategy)),
            None => {
                let mut known: Vec<String> = available.iter().map(|s| s.id().to_string()).collect();
                known.sort_unstable();
                known.dedup();
                return Err(ApiError::UnknownStrategy {
                    id: id.clone(),
                    known,
                });
            }
        }
    }
    Ok(engine)
}

impl SelfHealingGeneratorBuilder {
    /// The plugins given one by one and those of the plugin directories.
    fn load_plugins(&self) -> Result<crate::plugin::PluginSet, ApiError> {
        use crate::plugin::{PluginHost, PluginHostConfig, PluginSet};
        let mut set = PluginSet::new();
        for plugin in &self.plugins {
            set.add(plugin.clone())
                .map_err(|e| ApiError::Plugin(e.to_string()))?;
        }
        if self.plugin_dirs.is_empty() {
            return Ok(set);
        }
        let cache_dir = self
            .cache_dir
            .clone()
            .unwrap_or_else(crate::dirs::default_cache_dir);
        let host = PluginHost::new(PluginHostConfig {
            cache_dir: Some(cache_dir.join("plugins")),
            ..PluginHostConfig::default()
        })
        .map_err(|e| ApiError::Plugin(e.to_string()))?;
        for dir in &self.plugin_dirs {
            let (loaded, errors) =
                PluginSet::load_dir(dir, &host).map_err(|e| ApiError::Plugin(e.to_string()))?;
            if let Some(first) = errors.first() {
                return Err(ApiError::Plugin(first.to_string()));
            }
            for plugin in loaded.plugins() {
                set.add(plugin.clone())
                    .map_err(|e| ApiError::Plugin(e.to_string()))?;
            }
        }
        Ok(set)
    }
}

/// Validates, repairs and learns. `Send + Sync`; share it behind an `Arc`.
pub struct SelfHealingGenerator {
    healer: Healer,
    generator: Arc<dyn Generator>,
    max_generations: usize,
    outcomes: OutcomeLog,
    /// The tenant this generator works for (`builder().tenant(..)`).
    tenant: Option<Arc<Tenant>>,
    runner: Option<Arc<Validator>>,
}

impl SelfHealingGenerator {
    pub fn builder() -> SelfHealingGeneratorBuilder {
        SelfHealingGeneratorBuilder::default()
    }

    /// Defaults everywhere but the number of repair rounds.
    pub fn new(max_retries: u32) -> Result<SelfHealingGenerator, ApiError> {
        SelfHealingGenerator::builder()
            .max_retries(max_retries)
            .build()
    }

    /// The heal loop this generator runs (its learner, engine, configuration).
    pub fn healer(&self) -> &Healer {
        &self.healer
    }

    pub fn learner(&self) -> &Arc<Learner> {
        self.healer.learner()
    }

    /// The tenant this generator works for, if any.
    pub fn tenant(&self) -> Option<&Arc<Tenant>> {
        self.tenant.as_ref()
    }

    /// The program, refused when over the tenant's size limit.
    fn admitted_program(&self, code: impl IntoProgram) -> Result<Program, ApiError> {
        let program = code.into_program()?;
        if let Some(tenant) = &self.tenant {
            tenant.check_program(&program)?;
        }
        Ok(program)
    }

    /// Validates a program (or `(code, language)`): compile, then the tests if it has any.
    ///
    /// # Errors
    ///
    /// [`ApiError::Program`] for input that is not a program, [`ApiError::Tenant`] for a
    /// program over the tenant's size limit, [`ApiError::Check`] when validation could not run.
    pub async fn validate_code(
        &self,
        code: impl IntoProgram,
    ) -> Result<ValidationResult, ApiError> {
        let program = self.admitted_program(code)?;
        let expect = self
            .healer
            .config()
            .expect
            .unwrap_or_else(|| Expect::for_program(&program));
        Ok(self.healer.validate(&program, expect).await?)
    }

    /// The errors of a program (empty when it passes).
    pub async fn detect_errors(&self, code: impl IntoProgram) -> Result<Vec<CodeError>, ApiError> {
        Ok(self.validate_code(code).await?.errors)
    }

    /// Fixes for one error, most promising first (confidence as learned).
    pub fn suggest_fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        self.healer.ranked_fixes(error, program)
    }

    /// The program with the fix applied; refuses fixes that touch protected files.
    pub fn apply_fix(&self, program: &Program, fix: &Fix) -> Result<Program, ApiError> {
        Ok(crate::fix::apply_fix(program, fix)?)
    }

    /// Runs a program (built first if its toolchain builds) in the sandbox with `options`'
    /// input and limits: the "run untrusted code safely" use. For a tenant: the program and
    /// the options must be within its limits, the run waits for one of its sandbox slots, and
    /// its CPU time is charged to it.
    ///
    /// # Errors
    ///
    /// [`ApiError::Program`], [`ApiError::Tenant`] ([`TenantError::ProgramTooLarge`],
    /// [`TenantError::RunTimeTooLong`], [`TenantError::MemoryTooLarge`]),
    /// [`ApiError::NoValidator`] for a generator built on a custom checker, and
    /// [`ApiError::Setup`] when the sandbox or toolchain fails.
    pub async fn run(
        &self,
        code: impl IntoProgram,
        options: &RunOptions,
    ) -> Result<RunReport, ApiError> {
        let program = self.admitted_program(code)?;
        if let Some(tenant) = &self.tenant {
            tenant.check_run(options)?;
        }
        let validator = self.runner.as_ref().ok_or(ApiError::NoValidator)?;
        let Some(tenant) = &self.tenant else {
            return Ok(validator.run(&program, options).await?);
        };
        let mut permit = tenant.sandbox().await?;
        let report = validator.run(&program, options).await;
        if let Ok(report) = &report {
            permit.charge(report.steps.iter().map(|s| s.cpu_time).sum());
        }
        drop(permit);
        Ok(report?)
    }

    /// Heals a program and records the outcome.
    pub async fn heal(&self, code: impl IntoProgram) -> Result<HealReport, ApiError> {
        let program = self.admitted_program(code)?;
        let report = self.healer.heal(&program).await?;
        self.record(&report, program.language);
        Ok(report)
    }

    /// Heals code a generator already wrote (the pass-through generation) and records the
    /// outcome.
    pub async fn generate_and_heal(
        &self,
        code: &str,
        language: TargetLanguage,
    ) -> Result<HealReport, ApiError> {
        self.heal((code, language)).await
    }

    /// Generates a program for `spec` with this generator's [`Generator`], heals it, and
    /// while it still fails regenerates with the feedback, up to `max_generations`
    /// (`crate::generate::driver`). Records the final heal's outcome.
    pub async fn generate_and_heal_spec(&self, spec: &Spec) -> Result<GenerationReport, ApiError> {
        let report =
            driver::generate_and_heal(&self.healer, &*self.generator, spec, self.max_generations)
                .await?;
        if let Some(last) = report.generations.last() {
            let mut outcome = Outcome::from_report(&last.heal, spec.language);
            outcome.healed = report.passed;
            outcome.repairs = report.repairs();
            self.outcomes.record(outcome);
            self.healer.learner().flush();
        }
        Ok(report)
    }

    /// The generator `generate_and_heal_spec` uses.
    pub fn generator(&self) -> &Arc<dyn Generator> {
        &self.generator
    }

    /// Metrics over every outcome recorded in this generator's data dir (or, in memory, by
    /// this generator).
    pub fn get_health_metrics(&self) -> HealthMetrics {
        HealthMetrics::from_outcomes(&self.outcomes.lock())
    }

    fn record(&self, report: &HealReport, language: TargetLanguage) {
        self.outcomes.record(Outcome::from_report(report, language));
        self.healer.learner().flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn public_types_are_send_and_sync() {
        assert_send_sync::<SelfHealingGenerator>();
        assert_send_sync::<HealthMetrics>();
        assert_send_sync::<Learner>();
        assert_send_sync::<Healer>();
    }

    #[test]
    fn metrics_follow_the_documented_formulas() {
        let empty = HealthMetrics::from_outcomes(&[]);
        assert_eq!(empty.confidence_score, 0.5);
        assert_eq!(empty.generation_success_rate, 0.0);
        let o = |healed, repairs, ms| Outcome {
            at_ms: 0,
            language: TargetLanguage::Go,
            healed,
            initially_passing: false,
            repairs,
            duration_ms: ms,
            validations: 1,
        };
        let m =
            HealthMetrics::from_outcomes(&[o(true, 2, 100.0), o(true, 1, 50.0), o(false, 0, 30.0)]);
        assert_eq!(m.total_generations, 3);
        assert_eq!(m.successful_generations, 2);
        assert_eq!(m.total_repairs, 3);
        assert!((m.generation_success_rate - 2.0 / 3.0).abs() < 1e-12);
        assert!((m.average_repairs_per_generation - 1.0).abs() < 1e-12);
        assert!((m.average_heal_time_ms - 60.0).abs() < 1e-12);
        assert!((m.confidence_score - 3.0 / 5.0).abs() < 1e-12);
    }

    #[test]
    fn outcome_log_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let log = OutcomeLog::open(Some(dir.path()));
        log.record(Outcome {
            at_ms: 1,
            language: TargetLanguage::Rust,
            healed: true,
            initially_passing: false,
            repairs: 1,
            duration_ms: 5.0,
            validations: 2,
        });
        drop(log);
        std::fs::OpenOptions::new()
            .append(true)
            .open(dir.path().join(OUTCOME_LOG))
            .unwrap()
            .write_all(b"{torn line\n")
            .unwrap();
        let log = OutcomeLog::open(Some(dir.path()));
        assert_eq!(log.lock().len(), 1);
        assert_eq!(log.lock()[0].repairs, 1);
    }

    /// Fails while `reslt` is in the program, like Python's NameError would.
    struct NameCheck;

    impl Checker for NameCheck {
        fn check<'a>(
            &'a self,
            program: &'a Program,
            _expect: Expect,
        ) -> crate::heal::CheckFuture<'a> {
            Box::pin(async move {
                let mut errors = Vec::new();
                for (file, text) in &program.files {
                    for (i, line) in text.lines().enumerate() {
                        if let Some(col) = line.find("reslt") {
                            let mut e = CodeError::new(
                                crate::ErrorType::UndefinedVariable,
                                "name 'reslt' is not defined",
                            )
                            .with_code("NameError")
                            .with_location(crate::Location::new(
                                file.clone(),
                                i as u32 + 1,
                                col as u32 + 1,
                            ));
                            e.step = "check".into();
                            errors.push(e);
                        }
                    }
                }
                Ok(ValidationResult {
                    passed: errors.is_empty(),
                    language: program.language,
                    errors,
                    duration: Duration::ZERO,
                    output: String::new(),
                    steps: Vec::new(),
                    cached: false,
                    tests: Vec::new(),
                })
            })
        }
    }

    #[tokio::test]
    async fn generate_and_heal_records_outcomes_that_survive_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let code = "def total(items):\n    result = 0\n    for item in items:\n        result += item\n    return reslt\n";
        {
            let g = SelfHealingGenerator::builder()
                .checker(Arc::new(NameCheck))
                .data_dir(dir.path())
                .max_retries(3)
                .build()
                .unwrap();
            let errors = g
                .detect_errors((code, TargetLanguage::Python))
                .await
                .unwrap();
            assert_eq!(errors.len(), 1);
            let program = (code, TargetLanguage::Python).into_program().unwrap();
            let fixes = g.suggest_fixes(&errors[0], &program);
            assert!(!fixes.is_empty());
            assert!(fixes.windows(2).all(|w| w[0].confidence >= w[1].confidence));

            let report = g
                .generate_and_heal(code, TargetLanguage::Python)
                .await
                .unwrap();
            assert!(report.healed, "{}", report.summary());
            assert!(report.final_program.files["main.py"].contains("return result\n"));
            let passing = g.heal(&report.final_program).await.unwrap();
            assert!(passing.initially_passing);
            let m = g.get_health_metrics();
            assert_eq!(
                (
                    m.total_generations,
                    m.successful_generations,
                    m.total_repairs
                ),
                (2, 2, 1)
            );
            assert_eq!(m.generation_success_rate, 1.0);
            assert_eq!(m.confidence_score, 3.0 / 4.0);
            assert!(g.learner().entries().iter().any(|e| e.successes == 1));
        }
        let g = SelfHealingGenerator::builder()
            .checker(Arc::new(NameCheck))
            .data_dir(dir.path())
            .build()
            .unwrap();
        assert_eq!(g.get_health_metrics().total_generations, 2);
        assert!(g.learner().is_persistent());
        assert!(g.learner().entries().iter().any(|e| e.successes == 1));
    }

    #[test]
    fn strategies_select_by_id_in_order_and_unknown_ids_are_named() {
        let healer = SelfHealingGenerator::builder()
            .checker(Arc::new(NameCheck))
            .in_memory()
            .strategies(&[" rust.machine-applicable", "python.undefined-name"])
            .build_healer()
            .unwrap();
        assert_eq!(
            healer.engine().strategy_ids(),
            ["rust.machine-applicable", "python.undefined-name"]
        );
        let all = SelfHealingGenerator::builder()
            .checker(Arc::new(NameCheck))
            .in_memory()
            .build_healer()
            .unwrap();
        assert_eq!(
            all.engine().strategy_ids(),
            FixEngine::builtin().strategy_ids()
        );
        let Err(error) = SelfHealingGenerator::builder()
            .checker(Arc::new(NameCheck))
            .in_memory()
            .strategies(&["python.undefined-name", "no.such-rule"])
            .build_healer()
        else {
            panic!("an unknown id was accepted");
        };
        let ApiError::UnknownStrategy { id, known } = &error else {
            panic!("{error}");
        };
        assert_eq!(id, "no.such-rule");
        assert!(known.windows(2).all(|w| w[0] < w[1]));
        assert!(known.iter().any(|k| k == "rust.machine-applicable"));
        assert!(error
            .to_string()
            .starts_with("unknown strategy `no.such-rule`; known: "));
    }

    #[test]
    fn the_given_learner_is_the_healers() {
        let learner = Arc::new(Learner::in_memory());
        let g = SelfHealingGenerator::builder()
            .checker(Arc::new(NameCheck))
            .learner(learner.clone())
            .in_memory()
            .build()
            .unwrap();
        assert!(Arc::ptr_eq(g.learner(), &learner));
    }

    #[test]
    fn code_becomes_a_one_file_program() {
        let p = ("print(1)\n", TargetLanguage::Python)
            .into_program()
            .unwrap();
        assert_eq!(p.files.keys().collect::<Vec<_>>(), ["main.py"]);
        assert!(("  ", TargetLanguage::Go).into_program().is_err());
    }
}
