//! Validation: run a program's toolchain steps in the sandbox and collect structured errors.
//!
//! A [`Validator`] owns one [`Sandbox`], the toolchain set, and the toolchains it has resolved
//! (each resolved once per validator, because resolution runs probes). It is `Send + Sync`;
//! share it behind an `Arc` and validate many programs concurrently.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;
use tracing::Instrument;

use crate::cache::{CacheKey, ValidationCache};
use crate::diagnostics::{self, ParseInput};
use crate::program::{Program, ProgramError};
use crate::sandbox::{Sandbox, SandboxCommand, SandboxError};
use crate::toolchain::{
    PlannedCommand, ResolvedToolchain, StepKind, ToolchainEnv, ToolchainError, ToolchainSet,
};
use crate::types::{
    CodeError, ErrorType, StepOutcome, TargetLanguage, Termination, TestReport, ValidationResult,
};
use crate::workspace::{Workspace, WorkspaceError};

mod support;

/// What "passing" means for a program (defined beside `StepKind`, which the cache uses too).
pub use crate::toolchain::Expect;

impl Expect {
    /// `Test` when the program has tests, else `Check`: by default a program that has tests
    /// is tested. "Has tests" is what the language's toolchain file declares (`[files] tests`
    /// globs, and `test_marker` in a source, e.g. Rust's inline `#[test]`), read from the
    /// toolchain files compiled into selfheal.
    pub fn for_program(program: &Program) -> Expect {
        if has_tests(program) {
            Expect::Test
        } else {
            Expect::Check
        }
    }

    fn steps(self) -> &'static [StepKind] {
        match self {
            Expect::Check => &[StepKind::Check],
            Expect::Test => &[StepKind::Check, StepKind::Test],
        }
    }
}

impl std::str::FromStr for Expect {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "check" => Ok(Expect::Check),
            "test" => Ok(Expect::Test),
            other => Err(format!(
                "unknown expectation `{other}`: use `check` or `test`"
            )),
        }
    }
}

/// Whether `program` has tests by its language's embedded toolchain file: a file matching the
/// `tests` globs, or a source holding the `test_marker`. Falls back to the file-name
/// conventions of [`crate::program::is_test_file`] if the embedded files cannot be read.
pub fn has_tests(program: &Program) -> bool {
    static EMBEDDED: std::sync::OnceLock<Option<ToolchainSet>> = std::sync::OnceLock::new();
    let set = EMBEDDED.get_or_init(|| ToolchainSet::embedded().ok());
    match set
        .as_ref()
        .and_then(|set| set.get(program.language()).ok())
    {
        Some(toolchain) => toolchain_has_tests(toolchain, program),
        None => program.test_files().next().is_some(),
    }
}

/// The planner's rule (`requires = "tests"`): a test file, or a source with the test marker.
fn toolchain_has_tests(toolchain: &crate::toolchain::Toolchain, program: &Program) -> bool {
    let def = &toolchain.def;
    program.files().iter().any(|(path, text)| {
        def.tests.is_match(path)
            || (def.sources.is_match(path)
                && def
                    .test_marker
                    .as_deref()
                    .is_some_and(|marker| text.contains(marker)))
    })
}

/// Everything a validator needs to know about the host.
#[derive(Debug, Clone)]
pub struct ValidatorConfig {
    /// A directory of toolchain files; `None` uses the ones compiled into selfheal.
    pub toolchain_dir: Option<PathBuf>,
    /// Where dependency sets and support files live (see [`crate::dirs::default_cache_dir`]).
    pub cache_dir: PathBuf,
    /// Where work directories are created; `None` uses the system temp dir.
    pub work_root: Option<PathBuf>,
}

impl Default for ValidatorConfig {
    fn default() -> Self {
        ValidatorConfig {
            toolchain_dir: None,
            cache_dir: crate::dirs::default_cache_dir(),
            work_root: None,
        }
    }
}

/// Overrides for the limits of the command that runs the program itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunOptions {
    pub timeout: Option<Duration>,
    pub memory_bytes: Option<u64>,
    pub stdin: Vec<u8>,
}

/// What `selfheal run` reports: the program's own run, and any build errors before it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// The program ran and exited with status 0.
    pub success: bool,
    pub language: TargetLanguage,
    /// The program's own command (the last one), if the build got that far.
    pub program: Option<StepOutcome>,
    pub errors: Vec<CodeError>,
    /// Every command, build steps included.
    pub steps: Vec<StepOutcome>,
}

/// Why validation could not be carried out (as opposed to the program failing it).
#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    #[error(transparent)]
    Program(#[from] ProgramError),
    #[error(transparent)]
    Toolchain(#[from] ToolchainError),
    #[error(transparent)]
    Sandbox(#[from] SandboxError),
    #[error(transparent)]
    Workspace(#[from] WorkspaceError),
    #[error("diagnostics: {0}")]
    Diagnostics(#[from] diagnostics::DiagnosticsError),
    #[error("cannot write support files to {path}: {source}")]
    Support {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("toolchain resolution was interrupted: {0}")]
    Interrupted(String),
    /// The telemetry contract or registry is wrong, or the SDK is missing (`crate::compliance`).
    #[error("telemetry contract: {0}")]
    Telemetry(#[from] crate::compliance::ComplianceError),
}

/// Runs toolchain steps in the sandbox and parses what they say.
pub struct Validator {
    sandbox: Sandbox,
    toolchains: ToolchainSet,
    env: ToolchainEnv,
    work_root: Option<PathBuf>,
    resolved: Mutex<HashMap<TargetLanguage, Arc<ResolvedToolchain>>>,
    /// Answers validations already done (see [`crate::cache`]); `None` validates every time.
    cache: Option<Arc<ValidationCache>>,
    /// Validator plugins, asked after the built-in parser of every command.
    plugins: Option<Arc<crate::plugin::PluginSet>>,
    /// Upper bounds on every planned command's limits (a tenant's per-run maximums).
    cap: LimitCap,
}

/// Upper bounds on the limits of every command a [`Validator`] plans (validation steps and
/// runs alike): a multi-tenant host lowers the toolchain's limits to a tenant's maximums. A
/// field left `None` keeps the toolchain's value; a bound never raises a limit. The bounded
/// limits are what the cache key sees.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LimitCap {
    /// Wall-clock time of one command.
    pub wall_time: Option<Duration>,
    /// CPU time of one command.
    pub cpu_time: Option<Duration>,
    /// Address space of one process.
    pub memory_bytes: Option<u64>,
}

impl LimitCap {
    /// Lowers every command's limits to these bounds.
    pub fn apply(&self, commands: &mut [PlannedCommand]) {
        for command in commands {
            let limits = &mut command.limits;
            if let Some(wall) = self.wall_time {
                limits.wall_time = limits.wall_time.min(wall);
            }
            if let Some(cpu) = self.cpu_time {
                limits.cpu_time = limits.cpu_time.min(cpu);
            }
            if let Some(memory) = self.memory_bytes {
                limits.memory_bytes = limits.memory_bytes.min(memory);
            }
        }
    }
}

impl Validator {
    /// Checks that the sandbox can run here, loads the toolchain files and writes the support
    /// files. Toolchains themselves are resolved lazily, on first use of each language.
    pub fn new(config: ValidatorConfig) -> Result<Validator, ValidateError> {
        let sandbox = Sandbox::new()?;
        let toolchains = match &config.toolchain_dir {
            Some(dir) => ToolchainSet::load_dir(dir)?,
            None => ToolchainSet::embedded()?,
        };
        let support_dir = support::materialize(&config.cache_dir)?;
        Ok(Validator {
            sandbox,
            toolchains,
            env: ToolchainEnv {
                cache_dir: config.cache_dir,
                support_dir,
            },
            work_root: config.work_root,
            resolved: Mutex::new(HashMap::new()),
            cache: None,
            plugins: None,
            cap: LimitCap::default(),
        })
    }

    /// Uses `cache` for every [`validate`](Self::validate) (the heal loop's candidates too).
    pub fn with_cache(mut self, cache: Arc<ValidationCache>) -> Validator {
        self.cache = Some(cache);
        self
    }

    /// Asks the validator plugins of `plugins` about every command's output, after the
    /// built-in parser: their errors are added to the step's (and make it fail). Their
    /// identities enter the cache key.
    pub fn with_plugins(mut self, plugins: Arc<crate::plugin::PluginSet>) -> Validator {
        self.plugins = Some(plugins);
        self
    }

    /// Lowers every planned command's limits to `cap` (see [`LimitCap`]).
    pub fn with_limit_cap(mut self, cap: LimitCap) -> Validator {
        self.cap = cap;
        self
    }

    /// The bounds on planned commands' limits.
    pub fn limit_cap(&self) -> LimitCap {
        self.cap
    }

    pub fn plugins(&self) -> Option<&Arc<crate::plugin::PluginSet>> {
        self.plugins.as_ref()
    }

    /// Sets or removes the cache.
    pub fn set_cache(&mut self, cache: Option<Arc<ValidationCache>>) {
        self.cache = cache;
    }

    pub fn cache(&self) -> Option<&Arc<ValidationCache>> {
        self.cache.as_ref()
    }

    /// The cache key of validating `program` for `expect`: plans every step's commands
    /// without running anything. `Err` when a step cannot be planned.
    pub async fn cache_key(
        &self,
        program: &Program,
        expect: Expect,
    ) -> Result<CacheKey, ValidateError> {
        program.check()?;
        let toolchain = self.toolchain(program.language()).await?;
        let collection = self.telemetry(program, &toolchain).await?;
        let augmented = collection
            .as_ref()
            .and_then(|c| c.workspace_program(program));
        Ok(self.planned_key(
            &toolchain,
            augmented.as_ref().unwrap_or(program),
            expect,
            collection.as_ref(),
        )?)
    }

    pub fn toolchains(&self) -> &ToolchainSet {
        &self.toolchains
    }

    pub fn toolchain_env(&self) -> &ToolchainEnv {
        &self.env
    }

    /// The resolved toolchain for a language, with its dependency set ready. Resolved once.
    pub async fn toolchain(
        &self,
        language: TargetLanguage,
    ) -> Result<Arc<ResolvedToolchain>, ValidateError> {
        let mut resolved = self.resolved.lock().await;
        if let Some(tc) = resolved.get(&language) {
            return Ok(Arc::clone(tc));
        }
        let toolchain = self.toolchains.get(language)?.clone();
        let env = self.env.clone();
        let tc = tokio::task::spawn_blocking(move || -> Result<_, ToolchainError> {
            let tc = toolchain.resolve(&env)?;
            tc.ensure_dependencies()?;
            Ok(tc)
        })
        .await
        .map_err(|e| ValidateError::Interrupted(e.to_string()))??;
        let tc = Arc::new(tc);
        resolved.insert(language, Arc::clone(&tc));
        Ok(tc)
    }

    /// Validates a program: its `check` step, then (for [`Expect::Test`]) its `test` step.
    /// The test step runs only if the check step passed.
    pub async fn validate(
        &self,
        program: &Program,
        expect: Expect,
    ) -> Result<ValidationResult, ValidateError> {
        let span = tracing::info_span!(
            "validate",
            selfheal.language = %program.language(),
            selfheal.expect = ?expect,
            selfheal.passed = tracing::field::Empty,
            selfheal.errors = tracing::field::Empty,
            selfheal.cache.hit = tracing::field::Empty,
            error.type = tracing::field::Empty,
            selfheal.error.code = tracing::field::Empty,
        );
        let started = Instant::now();
        let result = self
            .validate_uninstrumented(program, expect)
            .instrument(span.clone())
            .await;
        record_validation(
            &span,
            program.language(),
            &result,
            self.cache.is_some(),
            started.elapsed(),
        );
        // Per-test evidence for the repair rules' localization (never affects a verdict).
        if let Ok(r) = &result {
            crate::repair::evidence::remember(program, r);
        }
        result
    }

    /// The cached verdict on `program`, found without running anything; `None` when there is
    /// no cache, the language's toolchain has not been resolved yet, or nothing is stored.
    pub fn cached(&self, program: &Program, expect: Expect) -> Option<ValidationResult> {
        let cache = self.cache.as_ref()?;
        let toolchain = self
            .resolved
            .try_lock()
            .ok()?
            .get(&program.language())
            .cloned()?;
        let collection =
            crate::compliance::Collection::prepare(program, &toolchain, &self.env, false).ok()?;
        let augmented = collection
            .as_ref()
            .and_then(|c| c.workspace_program(program));
        let key = self
            .planned_key(
                &toolchain,
                augmented.as_ref().unwrap_or(program),
                expect,
                collection.as_ref(),
            )
            .ok()?;
        let result = cache.probe(&key)?;
        crate::repair::evidence::remember(program, &result);
        Some(result)
    }

    async fn validate_uninstrumented(
        &self,
        program: &Program,
        expect: Expect,
    ) -> Result<ValidationResult, ValidateError> {
        program.check()?;
        let started = Instant::now();
        let toolchain = self.toolchain(program.language()).await?;
        // The telemetry SDK and, with a contract, the collector (crate::compliance); a Go
        // program gains the collector's test file in the sandbox (and in the cache key).
        let collection = self.telemetry(program, &toolchain).await?;
        let augmented = collection
            .as_ref()
            .and_then(|c| c.workspace_program(program));
        let sandboxed = augmented.as_ref().unwrap_or(program);
        // A step that cannot be planned up front (e.g. a test step after a failing check)
        // is left to the uncached path, which reports exactly what it did before.
        let key = match &self.cache {
            Some(cache) => {
                match self.planned_key(&toolchain, sandboxed, expect, collection.as_ref()) {
                    Ok(key) => {
                        let span = tracing::info_span!(
                            "cache.get",
                            selfheal.cache.hit = tracing::field::Empty
                        );
                        let found = span.in_scope(|| cache.get(&key));
                        span.record("selfheal.cache.hit", found.is_some());
                        if let Some(mut hit) = found {
                            hit.duration = started.elapsed();
                            return Ok(hit);
                        }
                        Some(key)
                    }
                    Err(_) => None,
                }
            }
            None => None,
        };
        let workspace = self.workspace(sandboxed)?;
        let mut run = StepRun::default();
        for step in expect.steps() {
            let mut commands = toolchain.plan(*step, sandboxed)?;
            if let Some(collection) = &collection {
                collection.instrument(&mut commands);
            }
            self.cap.apply(&mut commands);
            let mut ok = self
                .run_step(&commands, program, &workspace, &mut run, None)
                .await?;
            // Telemetry is judged once the tests pass: a failing test's spans prove nothing.
            if let (true, StepKind::Test, Some(collection)) = (ok, *step, &collection) {
                for error in collection.compare(workspace.host_path(), program) {
                    ok = false;
                    run.errors.push(error);
                }
            }
            if !ok {
                break;
            }
        }
        // A work directory that cannot be removed is an error, never silently left behind.
        workspace.remove()?;
        let result = run.into_result(program.language(), started.elapsed());
        if let (Some(cache), Some(key)) = (&self.cache, key) {
            let span =
                tracing::info_span!("cache.put", selfheal.cache.stored = tracing::field::Empty);
            let stored = span.in_scope(|| cache.put(&key, &result));
            span.record("selfheal.cache.stored", stored);
        }
        Ok(result)
    }

    /// Builds the program if its toolchain needs to, then runs it with the given input and
    /// limits: the "run untrusted code safely" use.
    pub async fn run(
        &self,
        program: &Program,
        options: &RunOptions,
    ) -> Result<RunReport, ValidateError> {
        program.check()?;
        let toolchain = self.toolchain(program.language()).await?;
        let collection = self.telemetry(program, &toolchain).await?;
        let workspace = self.workspace(program)?;
        let mut commands = toolchain.plan(StepKind::Run, program)?;
        if let Some(collection) = &collection {
            collection.instrument(&mut commands);
        }
        if let Some(last) = commands.last_mut() {
            if let Some(timeout) = options.timeout {
                last.limits.wall_time = timeout;
                last.limits.cpu_time = timeout;
            }
            if let Some(memory) = options.memory_bytes {
                last.limits.memory_bytes = memory;
            }
        }
        self.cap.apply(&mut commands);
        let mut run = StepRun::default();
        let ran_all = self
            .run_step(
                &commands,
                program,
                &workspace,
                &mut run,
                Some(&options.stdin),
            )
            .await?;
        workspace.remove()?;
        let program_outcome = (ran_all || run.steps.len() == commands.len())
            .then(|| run.steps.last().cloned())
            .flatten();
        let success = program_outcome.as_ref().is_some_and(StepOutcome::succeeded);
        Ok(RunReport {
            success,
            language: program.language(),
            program: program_outcome,
            errors: run.errors,
            steps: run.steps,
        })
    }

    /// The program's telemetry set-up (`crate::compliance::Collection::prepare`), off the async
    /// threads: installing a missing SDK runs pip or npm.
    async fn telemetry(
        &self,
        program: &Program,
        toolchain: &Arc<ResolvedToolchain>,
    ) -> Result<Option<crate::compliance::Collection>, ValidateError> {
        if program_may_use_telemetry(program) {
            let program = program.clone();
            let toolchain = Arc::clone(toolchain);
            let env = self.env.clone();
            tokio::task::spawn_blocking(move || {
                crate::compliance::Collection::prepare(&program, &toolchain, &env, true)
            })
            .await
            .map_err(|e| ValidateError::Interrupted(e.to_string()))?
            .map_err(ValidateError::from)
        } else {
            Ok(None)
        }
    }

    /// The sandbox every command of this validator runs in (the formatter's too:
    /// `crate::format`).
    pub(crate) fn sandbox(&self) -> &Sandbox {
        &self.sandbox
    }

    /// A fresh work directory holding `program`, as a validation gets one.
    pub(crate) fn workspace_for(&self, program: &Program) -> Result<Workspace, ValidateError> {
        self.workspace(program)
    }

    fn workspace(&self, program: &Program) -> Result<Workspace, ValidateError> {
        Ok(Workspace::create(
            self.work_root.as_deref(),
            program,
            self.sandbox.work_dir_owner(),
        )?)
    }

    /// Runs one step's commands. A failing command ends the step, except that a command
    /// repeated per file (same shape, another file) still runs for the remaining files, so
    /// every file's errors are reported at once. Returns whether every command succeeded.
    async fn run_step(
        &self,
        commands: &[PlannedCommand],
        program: &Program,
        workspace: &Workspace,
        run: &mut StepRun,
        stdin_for_last: Option<&[u8]>,
    ) -> Result<bool, ValidateError> {
        let mut all_ok = true;
        let mut failed: Option<&PlannedCommand> = None;
        for (index, command) in commands.iter().enumerate() {
            if let Some(prev) = failed {
                if !same_shape(prev, command) {
                    break;
                }
            }
            // The judge's test runners get a fresh secret on stdin (src/judge).
            let secret = crate::judge::is_judge(&command.parser).then(crate::judge::new_secret);
            let stdin = match (&secret, stdin_for_last) {
                (Some(secret), _) => format!("{secret}\n").into_bytes(),
                (None, Some(input)) if index + 1 == commands.len() => input.to_vec(),
                _ => Vec::new(),
            };
            let outcome = self
                .sandbox
                .run(&SandboxCommand {
                    argv: command.argv.clone(),
                    env: command.env.clone(),
                    mounts: command.mounts.clone(),
                    work_dir: workspace.host_path().to_path_buf(),
                    cwd: command.cwd.clone(),
                    stdin,
                    limits: command.limits.clone(),
                })
                .await?;
            let step = StepOutcome {
                step: command.step.name().to_string(),
                command: command.argv.clone(),
                exit_code: outcome.exit_code,
                signal: outcome.signal,
                termination: outcome.termination,
                wall_time: outcome.wall_time,
                cpu_time: outcome.cpu_time,
                peak_memory_bytes: outcome.peak_memory_bytes,
                stdout: String::from_utf8_lossy(&outcome.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&outcome.stderr).into_owned(),
                stdout_truncated: outcome.stdout_truncated,
                stderr_truncated: outcome.stderr_truncated,
            };
            let input = ParseInput {
                language: program.language(),
                step: command.step.name(),
                command: &command.argv,
                exit_code: step.exit_code,
                termination: step.termination,
                stdout: &step.stdout,
                stderr: &step.stderr,
                program,
            };
            let diagnostics::Parsed { mut errors, tests } = match &secret {
                Some(secret) => crate::judge::judge(&command.parser, &input, Some(secret)),
                None => diagnostics::parse_step(&command.parser, &input)?,
            };
            run.tests.extend(tests);
            if let Some(plugins) = &self.plugins {
                for validator in plugins.validators() {
                    errors.extend(validator.errors(program, &step));
                }
            }
            let ok = step.succeeded() && errors.is_empty();
            if !step.succeeded() && errors.is_empty() {
                errors.push(unexplained_failure(&step));
            }
            for error in errors {
                if !run.errors.contains(&error) {
                    run.errors.push(error);
                }
            }
            run.steps.push(step);
            if !ok {
                all_ok = false;
                failed = Some(command);
            }
        }
        Ok(all_ok)
    }
}

/// Whether a program might have a contract or use the SDK (cheap: no parsing).
fn program_may_use_telemetry(program: &Program) -> bool {
    program
        .data_files()
        .contains_key(crate::compliance::CONTRACT_FILE)
        || program
            .files()
            .contains_key(crate::compliance::CONTRACT_FILE)
        || crate::compliance::uses_sdk(program)
}

impl Validator {
    /// The cache key over every command of every step of `expect` (as instrumented for
    /// telemetry by `collection`, capped by this validator's limits), and this validator's
    /// plugins. `program` is the one the sandbox gets (with the collector's files, if any).
    fn planned_key(
        &self,
        toolchain: &ResolvedToolchain,
        program: &Program,
        expect: Expect,
        collection: Option<&crate::compliance::Collection>,
    ) -> Result<CacheKey, ToolchainError> {
        let mut commands = Vec::new();
        for step in expect.steps() {
            commands.extend(toolchain.plan(*step, program)?);
        }
        if let Some(collection) = collection {
            collection.instrument(&mut commands);
        }
        self.cap.apply(&mut commands);
        let key = CacheKey::compute(toolchain.fingerprint(), program, expect, &commands);
        Ok(match self.plugins.as_deref() {
            Some(plugins) => key.with_plugins(&plugins.validator_digests()),
            None => key,
        })
    }
}

/// A validation's outcome on its span and in the metrics.
fn record_validation(
    span: &tracing::Span,
    language: TargetLanguage,
    result: &Result<ValidationResult, ValidateError>,
    cache_enabled: bool,
    elapsed: Duration,
) {
    use crate::telemetry::{attr, kv, metrics};
    let metrics = metrics();
    let lang = kv(attr::LANGUAGE, language.to_string());
    match result {
        Ok(r) => {
            span.record("selfheal.passed", r.passed);
            span.record("selfheal.errors", r.errors.len() as i64);
            if let Some(first) = r.errors.first() {
                span.record("error.type", first.error_type.label().as_str());
                if let Some(code) = &first.code {
                    span.record("selfheal.error.code", code.as_str());
                }
            }
            if cache_enabled {
                span.record("selfheal.cache.hit", r.cached);
                let counter = if r.cached {
                    &metrics.cache_hits
                } else {
                    &metrics.cache_misses
                };
                counter.add(1, std::slice::from_ref(&lang));
            }
            metrics.validation_duration.record(
                elapsed.as_secs_f64(),
                &[lang, kv(attr::CACHE_HIT, r.cached)],
            );
        }
        Err(_) => {
            span.record("error.type", "validation_error");
        }
    }
}

/// Commands repeated per file share everything but the one argument naming the file.
fn same_shape(a: &PlannedCommand, b: &PlannedCommand) -> bool {
    a.parser == b.parser
        && a.argv.len() == b.argv.len()
        && a.argv.iter().zip(&b.argv).filter(|(x, y)| x != y).count() == 1
}

/// An error for a command that failed without saying anything a parser understood (also how
/// the Rust batch judges a candidate's run: `repair::batch`).
pub(crate) fn unexplained_failure(step: &StepOutcome) -> CodeError {
    let tail: String = {
        let text = if step.stderr.trim().is_empty() {
            &step.stdout
        } else {
            &step.stderr
        };
        let lines: Vec<&str> = text.lines().rev().take(5).collect();
        lines.into_iter().rev().collect::<Vec<_>>().join("\n")
    };
    let program = step
        .command
        .first()
        .map(String::as_str)
        .unwrap_or("command");
    if let Some(code) = crate::diagnostics::limits::limit_code(step.termination) {
        // One code per limit in every language (`diagnostics::limits`).
        let mut error = crate::diagnostics::limits::limit_error_in(&step.step, code);
        error.notes.push(format!(
            "command: {} (stopped after {:.1}s)",
            step.command.join(" "),
            step.wall_time.as_secs_f64()
        ));
        return error;
    }
    let (error_type, message) = match step.termination {
        Termination::Signaled => (
            if step.step == "test" {
                ErrorType::TestFailure
            } else {
                ErrorType::CompilerError("signal".into())
            },
            format!(
                "{program} was killed by signal {}",
                step.signal.unwrap_or_default()
            ),
        ),
        Termination::Exited
        | Termination::WallTimeout
        | Termination::CpuLimit
        | Termination::OutOfMemory
        | Termination::FileSizeLimit => (
            if step.step == "test" {
                ErrorType::TestFailure
            } else {
                ErrorType::CompilerError("exit".into())
            },
            if tail.is_empty() {
                format!(
                    "{program} exited with status {}",
                    step.exit_code.unwrap_or_default()
                )
            } else {
                tail
            },
        ),
    };
    let mut error = CodeError::new(error_type, message);
    error.step = step.step.clone();
    error
}

#[derive(Default)]
struct StepRun {
    steps: Vec<StepOutcome>,
    errors: Vec<CodeError>,
    /// Per-test evidence of every test-runner command, in command order.
    tests: Vec<TestReport>,
}

impl StepRun {
    fn into_result(self, language: TargetLanguage, duration: Duration) -> ValidationResult {
        let mut output = String::new();
        for step in &self.steps {
            output.push_str(&format!("$ {}\n", step.command.join(" ")));
            output.push_str(&step.stdout);
            output.push_str(&step.stderr);
        }
        let passed = self.errors.is_empty() && self.steps.iter().all(StepOutcome::succeeded);
        ValidationResult {
            passed,
            language,
            errors: self.errors,
            duration,
            output,
            steps: self.steps,
            cached: false,
            tests: self.tests,
        }
    }
}
