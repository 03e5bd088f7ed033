//! The work routes' requests and how each kind of job runs on its tenant's engine.
//!
//! A request is checked at the door ([`Request::parse`]: shape, program, limits); the job then
//! runs from the stored JSON, so a job resumed after a restart runs exactly what was accepted.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::config::TenantLimits;
use super::jobs::{JobFailure, JobKind};
use crate::api::SelfHealingGenerator;
use crate::cache::{CacheConfig, ValidationCache};
use crate::corpus::{DataFile, HealCase};
use crate::heal::{CheckFuture, Checker, HealConfig};
use crate::learn::Learner;
use crate::program::Program;
use crate::types::TargetLanguage;
use crate::validate::{Expect, RunOptions, Validator, ValidatorConfig};

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
        let program = Program {
            language: self.language,
            files: self.files.clone(),
            protected: self.protected.clone(),
            options: self.options.clone(),
            data_files,
        };
        program
            .check()
            .map_err(|e| Refusal::invalid_program(e.to_string()))?;
        Ok(program)
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
        limits: &TenantLimits,
    ) -> Result<Request, Refusal> {
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
                if let Some(t) = r.timeout_secs {
                    positive_secs("timeout_secs", t)?;
                    if t > limits.max_run_seconds {
                        return Err(Refusal::limit(
                            422,
                            "limit_exceeded",
                            format!(
                                "timeout_secs = {t} is over this tenant's max_run_seconds = {}",
                                limits.max_run_seconds
                            ),
                            "max_run_seconds",
                            limits.max_run_seconds,
                        ));
                    }
                }
                if let Some(m) = r.memory_mib {
                    if m == 0 || m > limits.max_run_memory_mib {
                        return Err(Refusal::limit(
                            422,
                            "limit_exceeded",
                            format!(
                                "memory_mib = {m}: give 1 to this tenant's max_run_memory_mib = {}",
                                limits.max_run_memory_mib
                            ),
                            "max_run_memory_mib",
                            limits.max_run_memory_mib,
                        ));
                    }
                }
                Request::Run(r, p)
            }
            JobKind::Heal => {
                let r: HealRequest = de(body)?;
                let p = sized(r.program.program()?, limits)?;
                check_budget(&r.budget, limits)?;
                Request::Heal(r, p)
            }
            JobKind::Generate => {
                let r: GenerateRequest = de(body)?;
                check_budget(&r.budget, limits)?;
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
                check_budget(&r.budget, limits)?;
                if r.cases.is_empty() {
                    return Err(Refusal::invalid("cases: give at least one case".into()));
                }
                if r.cases.len() > limits.max_eval_cases {
                    return Err(Refusal::limit(
                        413,
                        "too_many_cases",
                        format!(
                            "{} cases is over this tenant's max_eval_cases = {}",
                            r.cases.len(),
                            limits.max_eval_cases
                        ),
                        "max_eval_cases",
                        limits.max_eval_cases,
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

fn too_large(size: usize, limits: &TenantLimits) -> Refusal {
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

fn sized(program: Program, limits: &TenantLimits) -> Result<Program, Refusal> {
    let size = program.size_bytes() + program.data_files.values().map(Vec::len).sum::<usize>();
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

fn check_budget(b: &HealOptions, limits: &TenantLimits) -> Result<(), Refusal> {
    if let Some(t) = b.timeout_secs {
        positive_secs("timeout_secs", t)?;
        if t > limits.max_job_seconds {
            return Err(Refusal::limit(
                422,
                "limit_exceeded",
                format!(
                    "timeout_secs = {t} is over this tenant's max_job_seconds = {}",
                    limits.max_job_seconds
                ),
                "max_job_seconds",
                limits.max_job_seconds,
            ));
        }
    }
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

/// One tenant's engine: its validator (with its own validation cache), its learner and its
/// data dir. Nothing in it is shared with another tenant.
pub struct TenantEngine {
    pub validator: Arc<Validator>,
    pub learner: Arc<Learner>,
    pub data_dir: PathBuf,
}

impl TenantEngine {
    /// Opens the engine of tenant `id` in `<data_dir>/tenants/<id>`: a validator whose cache
    /// is `<…>/validation-cache`, the learner `<…>/learner.sled`.
    ///
    /// # Errors
    /// The sandbox or the toolchains cannot be set up here.
    pub fn open(
        id: &str,
        data_dir: &Path,
        validator: ValidatorConfig,
    ) -> Result<TenantEngine, crate::validate::ValidateError> {
        let dir = data_dir.join("tenants").join(id);
        let mut v = Validator::new(validator)?;
        v.set_cache(ValidationCache::open_or_warn(&CacheConfig::in_data_dir(
            &dir,
        )));
        Ok(TenantEngine {
            validator: Arc::new(v),
            learner: Arc::new(Learner::open(&dir)),
            data_dir: dir,
        })
    }

    /// Runs a job to its result.
    ///
    /// # Errors
    /// A [`JobFailure`] when the job could not be carried out (the program failing is a
    /// result, not a failure).
    pub async fn execute(
        &self,
        kind: JobKind,
        body: &serde_json::Value,
        limits: &TenantLimits,
        progress: ProgressSink,
    ) -> Result<serde_json::Value, JobFailure> {
        let request = Request::parse(kind, body, limits).map_err(|r| JobFailure {
            code: r.code.to_string(),
            message: r.message,
        })?;
        fn fail<E: std::fmt::Display>(code: &'static str) -> impl Fn(E) -> JobFailure {
            move |e| JobFailure {
                code: code.to_string(),
                message: e.to_string(),
            }
        }
        let value = match request {
            Request::Check(r, program) => {
                let expect = r.expect.unwrap_or_else(|| Expect::for_program(&program));
                let result = self
                    .validator
                    .validate(&program, expect)
                    .await
                    .map_err(fail("validation"))?;
                to_value(&result)
            }
            Request::Run(r, program) => {
                let options = RunOptions {
                    timeout: Some(Duration::from_secs_f64(
                        r.timeout_secs.unwrap_or(limits.max_run_seconds),
                    )),
                    memory_bytes: Some(
                        r.memory_mib
                            .unwrap_or(limits.max_run_memory_mib)
                            .saturating_mul(1 << 20),
                    ),
                    stdin: r.stdin.into_bytes(),
                };
                let report = self
                    .validator
                    .run(&program, &options)
                    .await
                    .map_err(fail("validation"))?;
                to_value(&report)
            }
            Request::Heal(r, program) => {
                let healer = self
                    .builder(&r.budget, r.expect, limits, progress)
                    .build_healer()
                    .map_err(fail("setup"))?;
                let report = healer.heal(&program).await.map_err(fail("heal"))?;
                healer.learner().flush();
                to_value(&report)
            }
            Request::Generate(r, spec) => {
                let generator = self
                    .builder(&r.budget, None, limits, progress)
                    .data_dir(&self.data_dir)
                    .max_generations(r.max_generations.unwrap_or(3))
                    .build()
                    .map_err(fail("setup"))?;
                let report = generator
                    .generate_and_heal_spec(&spec)
                    .await
                    .map_err(fail("generate"))?;
                to_value(&report)
            }
            Request::Eval(r) => {
                let total = r.cases.len();
                let healer = self
                    .builder(&r.budget, None, limits, Arc::new(|_, _| {}))
                    .build_healer()
                    .map_err(fail("setup"))?;
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
                let summary = crate::eval::summarize(&results, &[]);
                serde_json::json!({"summary": to_value(&summary), "results": to_value(&results)})
            }
        };
        Ok(value)
    }

    /// A heal loop on this tenant's validator and learner, reporting every validation.
    fn builder(
        &self,
        budget: &HealOptions,
        expect: Option<Expect>,
        limits: &TenantLimits,
        progress: ProgressSink,
    ) -> crate::api::SelfHealingGeneratorBuilder {
        let timeout = budget.timeout_secs.unwrap_or(limits.max_job_seconds);
        let config = HealConfig {
            max_retries: budget.max_retries.unwrap_or(5),
            timeout: Duration::try_from_secs_f64(timeout).unwrap_or(Duration::from_secs(300)),
            jobs: 2,
            beam: budget.beam.unwrap_or(8),
            expect,
        };
        SelfHealingGenerator::builder()
            .checker(Arc::new(ProgressChecker {
                inner: self.validator.clone(),
                progress,
                count: AtomicUsize::new(0),
            }))
            .learner(self.learner.clone())
            .heal_config(config)
            .strategies(&budget.strategies)
    }
}

fn to_value<T: Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or_else(
        |e| serde_json::json!({"error": format!("the result could not be serialized: {e}")}),
    )
}

/// The tenant's validator, reporting each validation as a progress event.
struct ProgressChecker {
    inner: Arc<Validator>,
    progress: ProgressSink,
    count: AtomicUsize,
}

impl Checker for ProgressChecker {
    fn check<'a>(&'a self, program: &'a Program, expect: Expect) -> CheckFuture<'a> {
        Box::pin(async move {
            let result = self.inner.validate(program, expect).await?;
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

    fn limits() -> TenantLimits {
        TenantLimits {
            max_program_bytes: 100,
            ..TenantLimits::default()
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
        assert_eq!(r.limit, Some(("max_run_seconds", 60.0.into())));
    }
}
