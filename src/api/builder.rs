//! [`SelfHealingGeneratorBuilder`]: assembles a [`SelfHealingGenerator`] (validator or
//! checker, learner, fix engine, plugins, tenant, generator) from its settings.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::fix::{FixEngine, FixStrategy};
use crate::generate::{driver, Generator, TemplateGenerator};
use crate::heal::{Checker, HealConfig, Healer};
use crate::learn::Learner;
use crate::tenant::Tenant;
use crate::validate::{Expect, Validator, ValidatorConfig};

use super::{ApiError, OutcomeLog, SelfHealingGenerator};

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
