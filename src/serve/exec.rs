//! The work routes' requests and how each kind of job runs on its tenant's engine.
//!
//! A request is checked at the door ([`Request::parse`]: shape, program, limits); the job then
//! runs from the stored JSON, so a job resumed after a restart runs exactly what was accepted.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::config::TenantConfig;
use super::jobs::{JobFailure, JobKind};
use crate::api::SelfHealingGenerator;
use crate::corpus::{DataFile, HealCase};
use crate::heal::{CheckFuture, Checker, HealConfig, Healer};
use crate::program::Program;
use crate::tenant::{program_bytes, Tenant};
use crate::types::TargetLanguage;
use crate::validate::{Expect, RunOptions};

/// A program as the API takes it: the language, the files, and optionally the protected
/// paths, the toolchain options and data files (text, or `{"base64": …}`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProgramInput {
    pub language: TargetLanguage,
    pub files: BTreeMap<String, String>,
    #[serde(default)]
    pub protected: BTreeSet<String>,
    #[serde(default)]
    pub options: BTreeMap<String, String>,
    #[serde(default)]
    pub data_files: BTreeMap<String, DataFile>,
}

impl ProgramInput {
    fn program(&self) -> Result<Program, Refusal> {
        let mut data_files = BTreeMap::new();
        for (path, file) in &self.data_files {
            let bytes = file
                .bytes()
                .map_err(|why| Refusal::invalid_program(format!("data file {path}: {why}")))?;
            data_files.insert(path.clone(), bytes);
        }
        Program::from_parts(
            self.language,
            self.files.clone(),
            self.protected.clone(),
            self.options.clone(),
            data_files,
        )
        .map_err(|e| Refusal::invalid_program(e.to_string()))
    }
}

/// Budgets of a heal a request may ask (each bounded by the tenant's limits).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct HealOptions {
    /// Rounds of repair (default 5, at most 20).
    pub max_retries: Option<u32>,
    /// Wall-clock budget, in seconds (default and maximum: the tenant's `max_job_seconds`).
    pub timeout_secs: Option<f64>,
    /// Candidates per round (default 8, at most 32).
    pub beam: Option<usize>,
    /// Only these fix strategies, by id.
    #[serde(default)]
    pub strategies: Vec<String>,
}

/// `POST /v1/check`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckRequest {
    #[serde(flatten)]
    pub program: ProgramInput,
    /// `check` or `test` (default: `test` when the program has tests).
    pub expect: Option<Expect>,
}

/// `POST /v1/run`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunRequest {
    #[serde(flatten)]
    pub program: ProgramInput,
    pub timeout_secs: Option<f64>,
    pub memory_mib: Option<u64>,
    /// Text fed to the program's standard input.
    #[serde(default)]
    pub stdin: String,
}

/// `POST /v1/heal`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HealRequest {
    #[serde(flatten)]
    pub program: ProgramInput,
    pub expect: Option<Expect>,
    #[serde(flatten)]
    pub budget: HealOptions,
}

/// `POST /v1/generate`: a spec (`docs/generate.md`, TOML text) generated with the built-in
/// templates, healed, regenerated while it fails.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GenerateRequest {
    pub spec: String,
    /// Generations at most (default 3, at most 10).
    pub max_generations: Option<usize>,
    #[serde(flatten)]
    pub budget: HealOptions,
}

/// `POST /v1/eval`: corpus cases (`docs/corpus-format.md`), each healed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EvalRequest {
    pub cases: Vec<HealCase>,
    #[serde(flatten)]
    pub budget: HealOptions,
}

/// A parsed, checked request of one of the work routes.
#[derive(Debug, Clone)]
pub enum Request {
    Check(CheckRequest, Program),
    Run(RunRequest, Program),
    Heal(HealRequest, Program),
    Generate(GenerateRequest, crate::generate::Spec),
    Eval(EvalRequest),
}

/// Why the door refused a request: the HTTP status, a stable code, the sentence, and the limit
/// (name and value) when a limit refused it.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    pub limit: Option<(&'static str, serde_json::Value)>,
}

impl Refusal {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Refusal {
        Refusal {
            status,
            code,
            message: message.into(),
            limit: None,
        }
    }

    /// A refusal because `name` (whose value is `value`) was exceeded.
    pub fn limit(
        status: u16,
        code: &'static str,
        message: impl Into<String>,
        name: &'static str,
        value: impl Into<serde_json::Value>,
    ) -> Refusal {
        Refusal {
            limit: Some((name, value.into())),
            ..Refusal::new(status, code, message)
        }
    }

    fn invalid_program(message: String) -> Refusal {
        Refusal::new(422, "invalid_program", message)
    }

    fn invalid(message: String) -> Refusal {
        Refusal::new(422, "invalid_request", message)
    }
}

/// Hard ceilings on budgets a request may ask, whatever the tenant's limits.
const MAX_RETRIES: u32 = 20;
const MAX_BEAM: usize = 32;
const MAX_GENERATIONS: usize = 10;

impl Request {
    /// Parses `body` as the request of `kind` and checks it against `limits`.
    ///
    /// # Errors
    /// A [`Refusal`]: 422 for a malformed request or program or a budget over a limit, 413
    /// for a program over `max_program_bytes`.
    pub fn parse(
        kind: JobKind,
        body: &serde_json::Value,
        tenant: &TenantConfig,
    ) -> Result<Request, Refusal> {
        let limits = &tenant.limits;
        let service = &tenant.service;
        fn de<T: serde::de::DeserializeOwned>(v: &serde_json::Value) -> Result<T, Refusal> {
            T::deserialize(v).map_err(|e| Refusal::invalid(format!("request body: {e}")))
        }
        let request = match kind {
            JobKind::Check => {
                let r: CheckRequest = de(body)?;
                let p = sized(r.program.program()?, limits)?;
                Request::Check(r, p)
            }
            JobKind::Run => {
                let r: RunRequest = de(body)?;
                let p = sized(r.program.program()?, limits)?;
                timeout_within(
                    r.timeout_secs,
                    "max_run_seconds",
                    limits.max_run_time.as_secs_f64(),
                )?;
                if let Some(m) = r.memory_mib {
                    if m == 0 || m.saturating_mul(1 << 20) > limits.max_memory_bytes {
                        return Err(Refusal::limit(
                            422,
                            "limit_exceeded",
                            format!(
                                "memory_mib = {m}: give 1 to this tenant's max_memory_bytes = {} ({} MiB)",
                                limits.max_memory_bytes,
                                limits.max_memory_bytes >> 20
                            ),
                            "max_memory_bytes",
                            limits.max_memory_bytes,
                        ));
                    }
                }
                Request::Run(r, p)
            }
            JobKind::Heal => {
                let r: HealRequest = de(body)?;
                let p = sized(r.program.program()?, limits)?;
                check_budget(&r.budget, service.max_job_seconds)?;
                Request::Heal(r, p)
            }
            JobKind::Generate => {
                let r: GenerateRequest = de(body)?;
                check_budget(&r.budget, service.max_job_seconds)?;
                if let Some(n) = r.max_generations {
                    if n == 0 || n > MAX_GENERATIONS {
                        return Err(Refusal::limit(
                            422,
                            "limit_exceeded",
                            format!("max_generations = {n}: give 1 to {MAX_GENERATIONS}"),
                            "max_generations",
                            MAX_GENERATIONS,
                        ));
                    }
                }
                if r.spec.len() > limits.max_program_bytes {
                    return Err(too_large(r.spec.len(), limits));
                }
                let spec = crate::generate::Spec::parse(&r.spec, "spec")
                    .map_err(|e| Refusal::new(422, "invalid_spec", e.to_string()))?;
                Request::Generate(r, spec)
            }
            JobKind::Eval => {
                let r: EvalRequest = de(body)?;
                check_budget(&r.budget, service.max_job_seconds)?;
                if r.cases.is_empty() {
                    return Err(Refusal::invalid("cases: give at least one case".into()));
                }
                if r.cases.len() > service.max_eval_cases {
                    return Err(Refusal::limit(
                        413,
                        "too_many_cases",
                        format!(
                            "{} cases is over this tenant's max_eval_cases = {}",
                            r.cases.len(),
                            service.max_eval_cases
                        ),
                        "max_eval_cases",
                        service.max_eval_cases,
                    ));
                }
                for case in &r.cases {
                    let program = case.program().map_err(|e| {
                        Refusal::invalid_program(format!("case {:?}: {e}", case.id))
                    })?;
                    sized(program, limits)?;
                }
                Request::Eval(r)
            }
        };
        Ok(request)
    }
}

fn too_large(size: usize, limits: &crate::tenant::TenantLimits) -> Refusal {
    Refusal::limit(
        413,
        "program_too_large",
        format!(
            "the program is {size} bytes, over this tenant's max_program_bytes = {}",
            limits.max_program_bytes
        ),
        "max_program_bytes",
        limits.max_program_bytes,
    )
}

fn sized(program: Program, limits: &crate::tenant::TenantLimits) -> Result<Program, Refusal> {
    let size = program_bytes(&program);
    if size > limits.max_program_bytes {
        return Err(too_large(size, limits));
    }
    Ok(program)
}

fn positive_secs(name: &str, value: f64) -> Result<Duration, Refusal> {
    Duration::try_from_secs_f64(value)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| {
            Refusal::invalid(format!(
                "{name} = {value}: give a positive number of seconds"
            ))
        })
}

/// A request's `timeout_secs`, when it gives one, is a positive number of seconds at most the
/// tenant's limit `max` (named `limit`).
fn timeout_within(timeout_secs: Option<f64>, limit: &'static str, max: f64) -> Result<(), Refusal> {
    let Some(t) = timeout_secs else {
        return Ok(());
    };
    positive_secs("timeout_secs", t)?;
    if t > max {
        return Err(Refusal::limit(
            422,
            "limit_exceeded",
            format!("timeout_secs = {t} is over this tenant's {limit} = {max}"),
            limit,
            max,
        ));
    }
    Ok(())
}

fn check_budget(b: &HealOptions, max_job_seconds: f64) -> Result<(), Refusal> {
    timeout_within(b.timeout_secs, "max_job_seconds", max_job_seconds)?;
    if let Some(n) = b.max_retries {
        if n > MAX_RETRIES {
            return Err(Refusal::limit(
                422,
                "limit_exceeded",
                format!("max_retries = {n} is over the service's {MAX_RETRIES}"),
                "max_retries",
                MAX_RETRIES,
            ));
        }
    }
    if let Some(n) = b.beam {
        if n == 0 || n > MAX_BEAM {
            return Err(Refusal::limit(
                422,
                "limit_exceeded",
                format!("beam = {n}: give 1 to {MAX_BEAM}"),
                "beam",
                MAX_BEAM,
            ));
        }
    }
    Ok(())
}

/// Where a job's progress goes: `(event, data)`.
pub type ProgressSink = Arc<dyn Fn(&str, serde_json::Value) + Send + Sync>;

fn fail<E: std::fmt::Display>(code: &'static str) -> impl Fn(E) -> JobFailure {
    move |e| JobFailure {
        code: code.to_string(),
        message: e.to_string(),
    }
}

/// Runs a job of `tenant` (configured as `config`) to its result. Every validation goes
/// through the tenant (its sandbox slots in the host-wide scheduler, its CPU minute, its cache
/// scope, its plugins and learner).
///
/// # Errors
/// A [`JobFailure`] when the job could not be carried out (the program failing is a result,
/// not a failure).
pub async fn execute(
    tenant: &Arc<Tenant>,
    config: &TenantConfig,
    kind: JobKind,
    body: &serde_json::Value,
    progress: ProgressSink,
) -> Result<serde_json::Value, JobFailure> {
    let request = Request::parse(kind, body, config).map_err(|r| JobFailure {
        code: r.code.to_string(),
        message: r.message,
    })?;
    let max_job_seconds = config.service.max_job_seconds;
    let value = match request {
        Request::Check(r, program) => {
            let expect = r.expect.unwrap_or_else(|| Expect::for_program(&program));
            let result = tenant
                .checker()
                .check(&program, expect)
                .await
                .map_err(fail("validation"))?;
            to_value(&result)
        }
        Request::Run(r, program) => {
            let options = RunOptions {
                timeout: Some(
                    r.timeout_secs
                        .and_then(|t| Duration::try_from_secs_f64(t).ok())
                        .unwrap_or(tenant.limits().max_run_time),
                ),
                memory_bytes: Some(r.memory_mib.map_or(tenant.limits().max_memory_bytes, |m| {
                    m.saturating_mul(1 << 20)
                })),
                stdin: r.stdin.into_bytes(),
            };
            tenant.check_run(&options).map_err(fail("limit_exceeded"))?;
            let validator = tenant.validator().ok_or_else(|| JobFailure {
                code: "setup".into(),
                message: "this tenant has no sandboxed validator to run programs with".into(),
            })?;
            let mut permit = tenant.sandbox().await.map_err(fail("quota"))?;
            let report = validator.run(&program, &options).await;
            if let Ok(report) = &report {
                permit.charge(report.steps.iter().map(|s| s.cpu_time).sum());
            }
            drop(permit);
            to_value(&report.map_err(fail("validation"))?)
        }
        Request::Heal(r, program) => {
            let healer = healer(tenant, &r.budget, r.expect, max_job_seconds, progress)?;
            let report = healer.heal(&program).await.map_err(fail("heal"))?;
            healer.learner().flush();
            to_value(&report)
        }
        Request::Generate(r, spec) => {
            let generations = r.max_generations.unwrap_or(3);
            let generator = builder(tenant, &r.budget, None, max_job_seconds)
                .max_generations(generations)
                .build()
                .map_err(fail("setup"))?;
            let healer = with_progress(generator.healer(), progress);
            let report = crate::generate::driver::generate_and_heal(
                &healer,
                &**generator.generator(),
                &spec,
                generations,
            )
            .await
            .map_err(fail("generate"))?;
            healer.learner().flush();
            to_value(&report)
        }
        Request::Eval(r) => {
            let total = r.cases.len();
            let healer = healer(
                tenant,
                &r.budget,
                None,
                max_job_seconds,
                Arc::new(|_: &str, _| {}),
            )?;
            let options = crate::eval::EvalOptions {
                jobs: 2,
                keep_code: false,
            };
            let done = AtomicUsize::new(0);
            let results = crate::eval::run(r.cases, Arc::new(healer), &options, |case| {
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                progress(
                    "progress",
                    serde_json::json!({
                        "case": case.id, "healed": case.healed, "done": n, "total": total
                    }),
                );
            })
            .await;
            tenant.learner().flush();
            let summary = crate::eval::summarize(&results, &[]);
            serde_json::json!({"summary": to_value(&summary), "results": to_value(&results)})
        }
    };
    Ok(value)
}

/// The library's builder bound to `tenant`, with a request's budget.
fn builder(
    tenant: &Arc<Tenant>,
    budget: &HealOptions,
    expect: Option<Expect>,
    max_job_seconds: f64,
) -> crate::api::SelfHealingGeneratorBuilder {
    let timeout = budget.timeout_secs.unwrap_or(max_job_seconds);
    let config = HealConfig {
        max_retries: budget.max_retries.unwrap_or(5),
        timeout: Duration::try_from_secs_f64(timeout).unwrap_or(Duration::from_secs(300)),
        jobs: 2,
        beam: budget.beam.unwrap_or(8),
        expect,
        ..HealConfig::default()
    };
    SelfHealingGenerator::builder()
        .tenant(tenant.clone())
        .heal_config(config)
        .strategies(&budget.strategies)
}

/// The tenant's heal loop, reporting every validation as a progress event.
fn healer(
    tenant: &Arc<Tenant>,
    budget: &HealOptions,
    expect: Option<Expect>,
    max_job_seconds: f64,
    progress: ProgressSink,
) -> Result<Healer, JobFailure> {
    let base = builder(tenant, budget, expect, max_job_seconds)
        .build_healer()
        .map_err(fail("setup"))?;
    Ok(with_progress(&base, progress))
}

/// `healer` with its checker wrapped to report each validation.
fn with_progress(healer: &Healer, progress: ProgressSink) -> Healer {
    Healer::new(
        Arc::new(ProgressChecker {
            inner: healer.checker().clone(),
            progress,
            count: AtomicUsize::new(0),
        }),
        healer.engine().clone(),
        healer.learner().clone(),
        healer.config().clone(),
    )
}

fn to_value<T: Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or_else(
        |e| serde_json::json!({"error": format!("the result could not be serialized: {e}")}),
    )
}

/// The tenant's checker, reporting each validation as a progress event.
struct ProgressChecker {
    inner: Arc<dyn Checker>,
    progress: ProgressSink,
    count: AtomicUsize,
}

impl Checker for ProgressChecker {
    fn check<'a>(&'a self, program: &'a Program, expect: Expect) -> CheckFuture<'a> {
        Box::pin(async move {
            let result = self.inner.check(program, expect).await?;
            let n = self.count.fetch_add(1, Ordering::Relaxed) + 1;
            (self.progress)(
                "progress",
                serde_json::json!({
                    "validation": n,
                    "passed": result.passed,
                    "errors": result.errors.len(),
                    "cached": result.cached,
                }),
            );
            Ok(result)
        })
    }

    fn cached(&self, program: &Program, expect: Expect) -> Option<crate::types::ValidationResult> {
        self.inner.cached(program, expect)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> TenantConfig {
        TenantConfig {
            id: "a".into(),
            keys: Vec::new(),
            routes: Default::default(),
            limits: crate::tenant::TenantLimits {
                max_program_bytes: 100,
                ..Default::default()
            },
            service: Default::default(),
            cache: Default::default(),
            cache_max_bytes: crate::tenant::DEFAULT_TENANT_CACHE_BYTES,
            plugins: Vec::new(),
            global_prior: true,
            executor: Default::default(),
        }
    }

    #[test]
    fn requests_are_checked_at_the_door_with_the_limit_named() {
        let ok = serde_json::json!({"language": "python", "files": {"main.py": "print(1)\n"}});
        assert!(matches!(
            Request::parse(JobKind::Check, &ok, &limits()),
            Ok(Request::Check(..))
        ));
        let big = serde_json::json!({"language": "python", "files": {"main.py": "#".repeat(200)}});
        let r = Request::parse(JobKind::Check, &big, &limits()).unwrap_err();
        assert_eq!((r.status, r.code), (413, "program_too_large"));
        assert_eq!(r.limit, Some(("max_program_bytes", 100.into())));
        assert!(r.message.contains("200 bytes"), "{}", r.message);
        let bad = serde_json::json!({"language": "cobol", "files": {}});
        let r = Request::parse(JobKind::Check, &bad, &limits()).unwrap_err();
        assert_eq!((r.status, r.code), (422, "invalid_request"));
        let unsafe_path = serde_json::json!({"language": "python", "files": {"../x.py": "x\n"}});
        let r = Request::parse(JobKind::Check, &unsafe_path, &limits()).unwrap_err();
        assert_eq!(r.code, "invalid_program");
        let slow = serde_json::json!({"language": "python", "files": {"main.py": "x\n"}, "timeout_secs": 1000.0});
        let r = Request::parse(JobKind::Heal, &slow, &limits()).unwrap_err();
        assert_eq!(r.limit, Some(("max_job_seconds", 300.0.into())));
        let r = Request::parse(JobKind::Run, &slow, &limits()).unwrap_err();
        assert_eq!(r.limit, Some(("max_run_seconds", 30.0.into())));
    }
}
