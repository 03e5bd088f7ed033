//! Tenants: many users of one selfheal host, each with its own limits, cache, learner and
//! plugins, sharing the host's sandboxes fairly (`docs/tenants.md`).
//!
//! CONTRACT: [`TenantRegistry`] (`open(HostConfig)`, `add(TenantSpec)`,
//! `add_with_checker`, `get`, `remove`, `ids`, `scheduler`), [`Tenant`] (`admit`, `sandbox`,
//! `check_program`, `check_run`, `checker`, `validator`, `learner`, `cache`, `plugins`,
//! `usage`), [`TenantId`], [`TenantSpec`], [`CacheMode`], [`HostConfig`], [`TenantLimits`],
//! [`HostLimits`], [`Limit`], [`TenantError`] (with `limit`, `limit_value`, `retry_after`,
//! `refusal`), [`Scheduler`], [`SandboxPermit`], [`JobTicket`], [`TenantChecker`].
//! `SelfHealingGenerator::builder().tenant(tenant)` runs checks, runs, heals and generations
//! as that tenant.
//!
//! Isolation: each tenant's validation cache is its own scope ([`crate::cache::CacheScope`]:
//! its own keys and its own store; a lookup never touches another tenant's entries) unless the
//! operator puts it in a shared scope ([`CacheMode::Shared`]); each has its own learner (its
//! own sled trees), optionally starting from a read-only global prior; its own plugin set; its
//! own data directory for outcomes and the learned prelude.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex, RwLock};

use serde::{Deserialize, Serialize};

use crate::cache::{CacheScope, CacheSet, ValidationCache};
use crate::heal::Checker;
use crate::learn::Learner;
use crate::plugin::PluginSet;
use crate::program::Program;
use crate::validate::{LimitCap, RunOptions, Validator, ValidatorConfig};

mod checker;
mod error;
mod limits;
mod scheduler;

pub use checker::{cpu_used, TenantChecker};
pub use error::{Refusal, TenantError};
pub use limits::{Clamped, HostLimits, Limit, TenantLimits};
pub use scheduler::{
    Clock, JobTicket, ManualClock, SandboxPermit, Scheduler, SystemClock, TenantUsage, CPU_WINDOW,
};

/// The directory of the tenants' state inside the host's data dir.
pub const TENANTS_DIR: &str = "tenants";
/// The tenants' validation caches (one sled database, a tree set per scope), in [`TENANTS_DIR`].
pub const TENANT_CACHE_DB: &str = "validation-cache";
/// The tenants' learners (one sled database, trees per tenant), in [`TENANTS_DIR`].
pub const TENANT_LEARNER_DB: &str = "learner.sled";
/// Default bound on one scope's cached bytes: 64 MiB.
pub const DEFAULT_TENANT_CACHE_BYTES: u64 = 64 << 20;

/// A tenant's name: 1 to 64 of `a-z`, `0-9`, `-`, `_`, starting with a letter or digit (safe in
/// paths, tree names, logs and URLs).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TenantId(String);

impl TenantId {
    /// Checks and wraps a tenant id.
    ///
    /// # Errors
    ///
    /// [`TenantError::InvalidId`] saying what is wrong with it.
    pub fn new(id: impl Into<String>) -> Result<TenantId, TenantError> {
        let id = id.into();
        crate::cache::check_scope_name(&id).map_err(|e| TenantError::InvalidId {
            id: id.clone(),
            reason: e.reason.to_string(),
        })?;
        Ok(TenantId(id))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for TenantId {
    type Err = TenantError;
    fn from_str(s: &str) -> Result<TenantId, TenantError> {
        TenantId::new(s)
    }
}

impl TryFrom<String> for TenantId {
    type Error = TenantError;
    fn try_from(s: String) -> Result<TenantId, TenantError> {
        TenantId::new(s)
    }
}

impl From<TenantId> for String {
    fn from(id: TenantId) -> String {
        id.0
    }
}

impl AsRef<str> for TenantId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Which validation cache a tenant uses.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CacheMode {
    /// Its own scope (the default): answered only from entries it stored itself.
    #[default]
    Private,
    /// The shared scope of this name, which every tenant the operator put in it uses: any of
    /// them may be answered from another's entry, and could tell by the timing. An operator's
    /// choice (for tenants that trust each other, e.g. one customer's environments).
    Shared(String),
    /// No cache: every validation runs.
    Off,
}

/// One tenant as the operator configured it; [`TenantRegistry::add`] turns it into a
/// [`Tenant`].
#[derive(Debug, Clone)]
pub struct TenantSpec {
    pub id: TenantId,
    /// Clamped to the host's at [`TenantRegistry::add`].
    pub limits: TenantLimits,
    /// Default [`CacheMode::Private`].
    pub cache: CacheMode,
    /// Bound on the tenant's cache scope, in bytes of stored values (for a shared scope, the
    /// first tenant added to it sets it). Default [`DEFAULT_TENANT_CACHE_BYTES`].
    pub cache_max_bytes: u64,
    /// Start the tenant's learner from the host's global prior (when the host has one,
    /// [`HostConfig::global_prior`]). Default `true`. Fixed when the tenant is first added in
    /// a process.
    pub global_prior: bool,
    /// Directories whose plugins (`*.wasm`) are this tenant's, loaded at
    /// [`TenantRegistry::add`]; a file that does not load fails the add, naming it.
    pub plugin_dirs: Vec<PathBuf>,
    /// Plugins already loaded, also this tenant's.
    pub plugins: PluginSet,
}

impl TenantSpec {
    /// A tenant with the default limits, a private cache, the global prior and no plugins.
    pub fn new(id: TenantId) -> TenantSpec {
        TenantSpec {
            id,
            limits: TenantLimits::default(),
            cache: CacheMode::Private,
            cache_max_bytes: DEFAULT_TENANT_CACHE_BYTES,
            global_prior: true,
            plugin_dirs: Vec::new(),
            plugins: PluginSet::new(),
        }
    }

    pub fn limits(mut self, limits: TenantLimits) -> TenantSpec {
        self.limits = limits;
        self
    }

    pub fn cache(mut self, cache: CacheMode) -> TenantSpec {
        self.cache = cache;
        self
    }

    pub fn plugins_dir(mut self, dir: impl Into<PathBuf>) -> TenantSpec {
        self.plugin_dirs.push(dir.into());
        self
    }

    pub fn plugins(mut self, plugins: PluginSet) -> TenantSpec {
        self.plugins = plugins;
        self
    }

    pub fn global_prior(mut self, on: bool) -> TenantSpec {
        self.global_prior = on;
        self
    }
}

/// The host every tenant shares.
#[derive(Debug, Clone)]
pub struct HostConfig {
    /// The ceiling of every tenant's limits and the host-wide sandbox slots.
    pub limits: HostLimits,
    /// Where tenants' caches, learners and outcomes live (`<data_dir>/tenants/`); `None`
    /// keeps everything in memory for this process.
    pub data_dir: Option<PathBuf>,
    /// The validator every tenant's [`Validator`] is built from (toolchains, work root);
    /// `None`: no built-in validator, tenants are added with
    /// [`TenantRegistry::add_with_checker`].
    pub validator: Option<ValidatorConfig>,
    /// A data dir whose learner (`learner.sled`) is read once, at open, as every tenant's
    /// prior (see [`Learner::with_prior`]); never written.
    pub global_prior: Option<PathBuf>,
    /// Where compiled plugin components are cached (default: the cache dir's `plugins`).
    pub plugin_cache_dir: Option<PathBuf>,
    /// The most memory the tenants' cache database keeps of its pages, over all scopes
    /// (sled's page cache; with a data dir only). Default
    /// [`DEFAULT_PAGE_CACHE_BYTES`](crate::cache::DEFAULT_PAGE_CACHE_BYTES), 64 MiB. Each
    /// scope's stored bytes are bounded apart ([`TenantSpec::cache_max_bytes`]).
    pub cache_memory_bytes: u64,
}

impl Default for HostConfig {
    fn default() -> Self {
        HostConfig {
            limits: HostLimits::default(),
            data_dir: None,
            validator: Some(ValidatorConfig::default()),
            global_prior: None,
            plugin_cache_dir: None,
            cache_memory_bytes: crate::cache::DEFAULT_PAGE_CACHE_BYTES,
        }
    }
}

/// One tenant, set up: use it through `SelfHealingGenerator::builder().tenant(..)`, or its
/// parts directly. `Send + Sync`; shared as `Arc<Tenant>`.
pub struct Tenant {
    id: TenantId,
    limits: TenantLimits,
    clamped: Vec<Clamped>,
    cache_mode: CacheMode,
    cache: Option<Arc<ValidationCache>>,
    learner: Arc<Learner>,
    plugins: Arc<PluginSet>,
    data_dir: Option<PathBuf>,
    validator: Option<Arc<Validator>>,
    checker: Arc<TenantChecker>,
    scheduler: Scheduler,
}

impl fmt::Debug for Tenant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tenant")
            .field("id", &self.id)
            .field("limits", &self.limits)
            .field("cache", &self.cache_mode)
            .field("data_dir", &self.data_dir)
            .finish()
    }
}

impl Tenant {
    pub fn id(&self) -> &TenantId {
        &self.id
    }

    /// The limits in force (the configured ones, clamped to the host's).
    pub fn limits(&self) -> &TenantLimits {
        &self.limits
    }

    /// The configured limits that were above the host's, and what they became.
    pub fn clamped(&self) -> &[Clamped] {
        &self.clamped
    }

    pub fn cache_mode(&self) -> &CacheMode {
        &self.cache_mode
    }

    /// The tenant's validation cache (its own scope, or its shared scope); `None` with
    /// [`CacheMode::Off`].
    pub fn cache(&self) -> Option<&Arc<ValidationCache>> {
        self.cache.as_ref()
    }

    /// The tenant's learner (its own trees; with the global prior when configured).
    pub fn learner(&self) -> &Arc<Learner> {
        &self.learner
    }

    /// The tenant's plugins (fix strategies and validators).
    pub fn plugins(&self) -> &Arc<PluginSet> {
        &self.plugins
    }

    /// The tenant's own data directory (outcomes, learned prelude); `None` in memory.
    pub fn data_dir(&self) -> Option<&Path> {
        self.data_dir.as_deref()
    }

    /// The tenant's sandboxed validator (its cache scope and validator plugins attached);
    /// `None` for a tenant added with a custom checker.
    pub fn validator(&self) -> Option<&Arc<Validator>> {
        self.validator.as_ref()
    }

    /// The checker heals and checks go through: scheduled, CPU-charged.
    pub fn checker(&self) -> Arc<dyn Checker> {
        Arc::clone(&self.checker) as Arc<dyn Checker>
    }

    pub fn scheduler(&self) -> &Scheduler {
        &self.scheduler
    }

    /// Admits one job: hold the ticket while the job is queued or running.
    ///
    /// # Errors
    ///
    /// As [`Scheduler::admit`]: [`TenantError::QueueFull`], [`TenantError::CpuQuotaSpent`],
    /// [`TenantError::ShuttingDown`], [`TenantError::UnknownTenant`] (removed meanwhile).
    pub fn admit(&self) -> Result<JobTicket, TenantError> {
        self.scheduler.admit(&self.id)
    }

    /// Waits for one of the tenant's sandbox slots (see [`Scheduler::acquire`]).
    ///
    /// # Errors
    ///
    /// [`TenantError::UnknownTenant`] when the tenant was removed meanwhile.
    pub async fn sandbox(&self) -> Result<SandboxPermit, TenantError> {
        self.scheduler.acquire(&self.id).await
    }

    /// What the tenant uses now.
    pub fn usage(&self) -> TenantUsage {
        self.scheduler.usage(&self.id).unwrap_or_default()
    }

    /// Refuses a program over the tenant's size limit (sources and data files together).
    ///
    /// # Errors
    ///
    /// [`TenantError::ProgramTooLarge`] with the size and the limit.
    pub fn check_program(&self, program: &Program) -> Result<(), TenantError> {
        let size = program_bytes(program);
        if size > self.limits.max_program_bytes {
            return Err(TenantError::ProgramTooLarge {
                tenant: self.id.clone(),
                size,
                limit: self.limits.max_program_bytes,
            });
        }
        Ok(())
    }

    /// Refuses run options over the tenant's run time or memory limit.
    ///
    /// # Errors
    ///
    /// [`TenantError::RunTimeTooLong`], [`TenantError::MemoryTooLarge`].
    pub fn check_run(&self, options: &RunOptions) -> Result<(), TenantError> {
        if let Some(timeout) = options.timeout {
            if timeout > self.limits.max_run_time {
                return Err(TenantError::RunTimeTooLong {
                    tenant: self.id.clone(),
                    requested: timeout,
                    limit: self.limits.max_run_time,
                });
            }
        }
        if let Some(memory) = options.memory_bytes {
            if memory > self.limits.max_memory_bytes {
                return Err(TenantError::MemoryTooLarge {
                    tenant: self.id.clone(),
                    requested: memory,
                    limit: self.limits.max_memory_bytes,
                });
            }
        }
        Ok(())
    }
}

/// The bounds a tenant's limits put on every sandboxed command: its run time (wall-clock
/// and CPU) and memory.
pub fn limit_cap(limits: &TenantLimits) -> LimitCap {
    LimitCap {
        wall_time: Some(limits.max_run_time),
        cpu_time: Some(limits.max_run_time),
        memory_bytes: Some(limits.max_memory_bytes),
    }
}

/// A program's size as the tenant limit counts it: sources and data files.
pub fn program_bytes(program: &Program) -> usize {
    program.size_bytes() + program.data_files().values().map(Vec::len).sum::<usize>()
}

/// Every tenant of a host, their shared scheduler, cache database and learner database.
/// `Send + Sync`.
pub struct TenantRegistry {
    config: HostConfig,
    scheduler: Scheduler,
    caches: CacheSet,
    learner_db: Option<(sled::Db, PathBuf)>,
    prior: Option<Arc<Learner>>,
    /// One learner per tenant for the life of the registry: two learners over the same trees
    /// would overwrite each other's counts.
    learners: Mutex<HashMap<TenantId, Arc<Learner>>>,
    tenants: RwLock<HashMap<TenantId, Arc<Tenant>>>,
}

impl fmt::Debug for TenantRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TenantRegistry")
            .field("data_dir", &self.config.data_dir)
            .field("tenants", &self.ids())
            .finish()
    }
}

fn setup_error(tenant: &TenantId, what: &'static str, e: impl fmt::Display) -> TenantError {
    TenantError::Setup {
        tenant: tenant.clone(),
        what,
        message: e.to_string(),
    }
}

impl TenantRegistry {
    /// Opens the host: checks its limits, opens the tenants' cache and learner databases in
    /// `<data_dir>/tenants/` (or memory), reads the global prior.
    ///
    /// # Errors
    ///
    /// [`TenantError::InvalidLimit`] for a zero host limit; [`TenantError::Setup`] (tenant
    /// `host`) when a database or the global prior cannot be opened, naming it.
    pub fn open(config: HostConfig) -> Result<TenantRegistry, TenantError> {
        TenantRegistry::open_with_clock(config, Arc::new(SystemClock))
    }

    /// [`open`](Self::open), with the scheduler reading the time from `clock` (tests drive
    /// CPU minutes with a [`ManualClock`]).
    ///
    /// # Errors
    ///
    /// As [`open`](Self::open).
    pub fn open_with_clock(
        config: HostConfig,
        clock: Arc<dyn Clock>,
    ) -> Result<TenantRegistry, TenantError> {
        config.limits.check()?;
        let host = TenantId("host".into());
        let scheduler = Scheduler::with_clock(config.limits.max_concurrent_sandboxes, clock);
        let (caches, learner_db) = match &config.data_dir {
            Some(dir) => {
                let root = dir.join(TENANTS_DIR);
                let caches =
                    CacheSet::open_with(&root.join(TENANT_CACHE_DB), config.cache_memory_bytes)
                        .map_err(|e| setup_error(&host, "validation cache", e))?;
                let path = root.join(TENANT_LEARNER_DB);
                let db = crate::learn::open_shared_db(&path)
                    .map_err(|e| setup_error(&host, "learner", e))?;
                (caches, Some((db, path)))
            }
            None => (CacheSet::in_memory(), None),
        };
        let prior = match &config.global_prior {
            Some(dir) => Some(Arc::new(
                Learner::snapshot(dir).map_err(|e| setup_error(&host, "global prior", e))?,
            )),
            None => None,
        };
        Ok(TenantRegistry {
            config,
            scheduler,
            caches,
            learner_db,
            prior,
            learners: Mutex::new(HashMap::new()),
            tenants: RwLock::new(HashMap::new()),
        })
    }

    /// The host's configuration.
    pub fn config(&self) -> &HostConfig {
        &self.config
    }

    pub fn host_limits(&self) -> &HostLimits {
        &self.config.limits
    }

    /// The scheduler every tenant shares.
    pub fn scheduler(&self) -> &Scheduler {
        &self.scheduler
    }

    /// The global prior, when the host has one.
    pub fn global_prior(&self) -> Option<&Arc<Learner>> {
        self.prior.as_ref()
    }

    /// Adds a tenant with a sandboxed [`Validator`] of its own (the host's
    /// [`HostConfig::validator`], the tenant's cache scope and validator plugins, every
    /// command's time and memory lowered to the tenant's maximums by [`limit_cap`]), or replaces
    /// the tenant of that id (a configuration reload: in-flight work and counters carry over,
    /// new work sees the new limits, cache mode and plugins). Limits above the host's are
    /// lowered ([`Tenant::clamped`] says which).
    ///
    /// # Errors
    ///
    /// [`TenantError::InvalidLimit`] for a zero limit; [`TenantError::Setup`] when the host
    /// has no validator configuration, or the tenant's cache, learner, plugins or validator
    /// cannot be set up.
    pub fn add(&self, spec: TenantSpec) -> Result<Arc<Tenant>, TenantError> {
        let Some(config) = self.config.validator.clone() else {
            return Err(setup_error(
                &spec.id,
                "validator",
                "the host has no validator configuration; use add_with_checker",
            ));
        };
        let (limits, clamped) = self.limits_of(&spec)?;
        let plugins = self.load_plugins(&spec)?;
        let cache = self.cache_of(&spec)?;
        let mut validator = Validator::new(config)
            .map_err(|e| setup_error(&spec.id, "validator", e))?
            .with_limit_cap(limit_cap(&limits));
        validator.set_cache(cache.clone());
        if !plugins.validators().is_empty() {
            validator = validator.with_plugins(Arc::clone(&plugins));
        }
        let validator = Arc::new(validator);
        let inner: Arc<dyn Checker> = Arc::clone(&validator) as Arc<dyn Checker>;
        self.install(
            spec,
            limits,
            clamped,
            plugins,
            cache,
            Some(validator),
            inner,
        )
    }

    /// Adds (or replaces) a tenant whose validations go through `checker` (an embedder's own
    /// validation, or a test's), still scheduled and charged per tenant. The tenant's cache
    /// scope is opened ([`Tenant::cache`]) but only `checker` decides whether to use it;
    /// validator plugins are refused (they run inside the built-in validator).
    ///
    /// # Errors
    ///
    /// As [`add`](Self::add), and [`TenantError::Setup`] for validator plugins.
    pub fn add_with_checker(
        &self,
        spec: TenantSpec,
        checker: Arc<dyn Checker>,
    ) -> Result<Arc<Tenant>, TenantError> {
        let (limits, clamped) = self.limits_of(&spec)?;
        let plugins = self.load_plugins(&spec)?;
        if !plugins.validators().is_empty() {
            return Err(setup_error(
                &spec.id,
                "plugins",
                "validator plugins run inside the built-in validator, not a custom checker",
            ));
        }
        let cache = self.cache_of(&spec)?;
        self.install(spec, limits, clamped, plugins, cache, None, checker)
    }

    /// The tenant of this id.
    ///
    /// # Errors
    ///
    /// [`TenantError::UnknownTenant`].
    pub fn get(&self, id: &TenantId) -> Result<Arc<Tenant>, TenantError> {
        self.read()
            .get(id)
            .cloned()
            .ok_or_else(|| TenantError::UnknownTenant { tenant: id.clone() })
    }

    /// Removes a tenant: its waiting sandbox requests fail, new requests are unknown. Its
    /// cache entries and learner trees stay on disk (adding it again finds them).
    pub fn remove(&self, id: &TenantId) -> Option<Arc<Tenant>> {
        let removed = self
            .tenants
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id);
        self.scheduler.unregister(id);
        removed
    }

    /// Every tenant's id, sorted.
    pub fn ids(&self) -> Vec<TenantId> {
        let mut ids: Vec<TenantId> = self.read().keys().cloned().collect();
        ids.sort();
        ids
    }

    /// Makes the caches and learners durable (also done in the background).
    pub fn flush(&self) {
        self.caches.flush();
        for learner in self
            .learners
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
        {
            learner.flush();
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<TenantId, Arc<Tenant>>> {
        self.tenants.read().unwrap_or_else(|p| p.into_inner())
    }

    fn limits_of(&self, spec: &TenantSpec) -> Result<(TenantLimits, Vec<Clamped>), TenantError> {
        spec.limits.check()?;
        let (limits, clamped) = spec.limits.clamp_to(&self.config.limits);
        for note in &clamped {
            tracing::warn!(tenant = %spec.id, "{note}");
        }
        Ok((limits, clamped))
    }

    fn cache_of(&self, spec: &TenantSpec) -> Result<Option<Arc<ValidationCache>>, TenantError> {
        let scope = match &spec.cache {
            CacheMode::Off => return Ok(None),
            CacheMode::Private => CacheScope::Tenant(spec.id.as_str().to_string()),
            CacheMode::Shared(group) => CacheScope::Shared(group.clone()),
        };
        self.caches
            .cache(&scope, spec.cache_max_bytes)
            .map(Some)
            .map_err(|e| setup_error(&spec.id, "validation cache", e))
    }

    fn learner_of(&self, spec: &TenantSpec) -> Result<Arc<Learner>, TenantError> {
        let mut learners = self.learners.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(learner) = learners.get(&spec.id) {
            return Ok(Arc::clone(learner));
        }
        let learner = match &self.learner_db {
            Some((db, path)) => Learner::open_scoped(db, path, &format!("tenant/{}", spec.id))
                .map_err(|e| setup_error(&spec.id, "learner", e))?,
            None => Learner::in_memory(),
        };
        let learner = match (&self.prior, spec.global_prior) {
            (Some(prior), true) => learner.with_prior(Arc::clone(prior)),
            _ => learner,
        };
        let learner = Arc::new(learner);
        learners.insert(spec.id.clone(), Arc::clone(&learner));
        Ok(learner)
    }

    fn load_plugins(&self, spec: &TenantSpec) -> Result<Arc<PluginSet>, TenantError> {
        use crate::plugin::{PluginHost, PluginHostConfig};
        let err = |e: &dyn fmt::Display| setup_error(&spec.id, "plugins", e);
        let mut set = spec.plugins.clone();
        if spec.plugin_dirs.is_empty() {
            return Ok(Arc::new(set));
        }
        let mut host_config = PluginHostConfig::default();
        if let Some(dir) = &self.config.plugin_cache_dir {
            host_config.cache_dir = Some(dir.clone());
        }
        let host = PluginHost::new(host_config).map_err(|e| err(&e))?;
        for dir in &spec.plugin_dirs {
            let (loaded, errors) = PluginSet::load_dir(dir, &host).map_err(|e| err(&e))?;
            if let Some(first) = errors.first() {
                return Err(err(first));
            }
            for plugin in loaded.plugins() {
                set.add(plugin.clone()).map_err(|e| err(&e))?;
            }
        }
        Ok(Arc::new(set))
    }

    #[allow(clippy::too_many_arguments)]
    fn install(
        &self,
        spec: TenantSpec,
        limits: TenantLimits,
        clamped: Vec<Clamped>,
        plugins: Arc<PluginSet>,
        cache: Option<Arc<ValidationCache>>,
        validator: Option<Arc<Validator>>,
        inner: Arc<dyn Checker>,
    ) -> Result<Arc<Tenant>, TenantError> {
        let learner = self.learner_of(&spec)?;
        let data_dir = self
            .config
            .data_dir
            .as_ref()
            .map(|dir| dir.join(TENANTS_DIR).join(spec.id.as_str()));
        if let Some(dir) = &data_dir {
            std::fs::create_dir_all(dir).map_err(|e| {
                setup_error(
                    &spec.id,
                    "data directory",
                    format!("{}: {e}", dir.display()),
                )
            })?;
        }
        self.scheduler.register(&spec.id, &limits);
        let checker = TenantChecker::new(spec.id.clone(), self.scheduler.clone(), inner);
        let checker = Arc::new(match &validator {
            Some(validator) => checker.with_resolver(Arc::clone(validator)),
            None => checker,
        });
        let tenant = Arc::new(Tenant {
            id: spec.id.clone(),
            limits,
            clamped,
            cache_mode: spec.cache,
            cache,
            learner,
            plugins,
            data_dir,
            validator,
            checker,
            scheduler: self.scheduler.clone(),
        });
        self.tenants
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(spec.id, Arc::clone(&tenant));
        Ok(tenant)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn public_types_are_send_and_sync() {
        assert_send_sync::<Tenant>();
        assert_send_sync::<TenantRegistry>();
        assert_send_sync::<Scheduler>();
        assert_send_sync::<SandboxPermit>();
        assert_send_sync::<JobTicket>();
        assert_send_sync::<TenantChecker>();
    }

    #[test]
    fn ids_are_checked_and_round_trip_through_serde() {
        assert_eq!(TenantId::new("acme-1").unwrap().as_str(), "acme-1");
        let err = TenantId::new("Acme").unwrap_err();
        assert!(matches!(err, TenantError::InvalidId { .. }));
        assert!(err.to_string().contains("`Acme`"), "{err}");
        let id: TenantId = serde_json::from_str("\"b_2\"").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"b_2\"");
        assert!(serde_json::from_str::<TenantId>("\"../x\"").is_err());
    }
}
