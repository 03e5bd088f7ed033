//! Tenant limits at the library's entry points: each refused with its own typed error naming
//! the limit and its value; limits above the host's are clamped; a tenant-bound generator
//! heals through the tenant's scheduler, learner and CPU accounting.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use selfheal::api::ApiError;
use selfheal::heal::{CheckFuture, Checker};
use selfheal::tenant::{
    HostConfig, HostLimits, Limit, Refusal, Tenant, TenantError, TenantId, TenantLimits,
    TenantRegistry, TenantSpec,
};
use selfheal::validate::{Expect, RunOptions};
use selfheal::{
    CodeError, ErrorType, Location, Program, SelfHealingGenerator, StepOutcome, TargetLanguage,
    Termination, ValidationResult,
};

fn id(s: &str) -> TenantId {
    TenantId::new(s).unwrap()
}

fn host() -> HostLimits {
    HostLimits {
        max_concurrent_sandboxes: 4,
        max_queued_jobs: 100,
        cpu_per_minute: Duration::from_secs(120),
        max_program_bytes: 1 << 20,
        max_run_time: Duration::from_secs(20),
        max_memory_bytes: 1 << 30,
    }
}

fn registry(limits: HostLimits) -> TenantRegistry {
    TenantRegistry::open(HostConfig {
        limits,
        data_dir: None,
        validator: None,
        ..HostConfig::default()
    })
    .unwrap()
}

/// Fails while `reslt` is in the program (like Python's NameError), counting its calls and
/// reporting 250 ms of CPU time per validation.
#[derive(Default)]
struct NameCheck {
    calls: AtomicUsize,
}

impl Checker for NameCheck {
    fn check<'a>(&'a self, program: &'a Program, _expect: Expect) -> CheckFuture<'a> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move {
            let mut errors = Vec::new();
            for (file, text) in program.files() {
                for (i, line) in text.lines().enumerate() {
                    if let Some(col) = line.find("reslt") {
                        let mut e = CodeError::new(
                            ErrorType::UndefinedVariable,
                            "name 'reslt' is not defined",
                        )
                        .with_code("NameError")
                        .with_location(Location::new(
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
                language: program.language(),
                errors,
                duration: Duration::ZERO,
                output: String::new(),
                steps: vec![StepOutcome {
                    step: "check".into(),
                    command: vec!["python3".into()],
                    exit_code: Some(0),
                    signal: None,
                    termination: Termination::Exited,
                    wall_time: Duration::from_millis(300),
                    cpu_time: Duration::from_millis(250),
                    peak_memory_bytes: 1,
                    stdout: String::new(),
                    stderr: String::new(),
                    stdout_truncated: false,
                    stderr_truncated: false,
                }],
                cached: false,
                tests: Vec::new(),
            })
        })
    }
}

const CODE: &str = "def total(items):\n    result = 0\n    for item in items:\n        result += item\n    return reslt\n";

/// Limits within [`host`]'s.
fn modest() -> TenantLimits {
    TenantLimits {
        max_concurrent_sandboxes: 2,
        max_queued_jobs: 5,
        cpu_per_minute: Duration::from_secs(60),
        max_program_bytes: 1 << 20,
        max_run_time: Duration::from_secs(10),
        max_memory_bytes: 1 << 30,
    }
}

fn tenant(registry: &TenantRegistry, name: &str, limits: TenantLimits) -> Arc<Tenant> {
    registry
        .add_with_checker(
            TenantSpec::new(id(name)).limits(limits),
            Arc::new(NameCheck::default()),
        )
        .unwrap()
}

fn generator(tenant: &Arc<Tenant>) -> SelfHealingGenerator {
    SelfHealingGenerator::builder()
        .tenant(Arc::clone(tenant))
        .expect(Expect::Check)
        .max_retries(3)
        .build()
        .unwrap()
}

#[test]
fn limits_above_the_hosts_are_clamped_and_reported() {
    let r = registry(host());
    let t = tenant(
        &r,
        "greedy",
        TenantLimits {
            max_concurrent_sandboxes: 64,
            max_queued_jobs: 10,
            cpu_per_minute: Duration::from_secs(600),
            max_program_bytes: 8 << 20,
            max_run_time: Duration::from_secs(30),
            max_memory_bytes: 4 << 30,
        },
    );
    assert_eq!(
        *t.limits(),
        TenantLimits {
            max_concurrent_sandboxes: 4,
            max_queued_jobs: 10,
            cpu_per_minute: Duration::from_secs(120),
            max_program_bytes: 1 << 20,
            max_run_time: Duration::from_secs(20),
            max_memory_bytes: 1 << 30,
        }
    );
    let notes: Vec<String> = t.clamped().iter().map(ToString::to_string).collect();
    assert_eq!(
        notes,
        [
            "concurrent_sandboxes 64 is above the host's 4; using 4",
            "program_bytes 8388608 is above the host's 1048576; using 1048576",
            "memory_bytes 4294967296 is above the host's 1073741824; using 1073741824",
            "cpu_seconds_per_minute 600s is above the host's 120s; using 120s",
            "run_time 30s is above the host's 20s; using 20s",
        ]
    );
    // Within the host's limits: nothing changes.
    let modest = tenant(&r, "modest", modest());
    assert!(modest.clamped().is_empty());
}

#[test]
fn zero_limits_and_bad_ids_are_configuration_errors() {
    let r = registry(host());
    let err = r
        .add_with_checker(
            TenantSpec::new(id("z")).limits(TenantLimits {
                max_concurrent_sandboxes: 0,
                ..TenantLimits::default()
            }),
            Arc::new(NameCheck::default()),
        )
        .unwrap_err();
    assert_eq!(err.limit(), Some(Limit::ConcurrentSandboxes));
    assert_eq!(err.refusal(), Refusal::Config);
    assert!(TenantId::new("../etc").is_err());
    let err = TenantRegistry::open(HostConfig {
        limits: HostLimits {
            max_program_bytes: 64 << 20,
            ..host()
        },
        data_dir: None,
        validator: None,
        ..HostConfig::default()
    })
    .unwrap_err();
    assert_eq!(err.limit(), Some(Limit::ProgramBytes));
    assert!(
        err.to_string().contains("above the library's own limit"),
        "{err}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_program_over_the_size_limit_is_refused_before_anything_runs() {
    let r = registry(host());
    let checker = Arc::new(NameCheck::default());
    let t = r
        .add_with_checker(
            TenantSpec::new(id("small")).limits(TenantLimits {
                max_program_bytes: 100,
                ..modest()
            }),
            checker.clone(),
        )
        .unwrap();
    let g = generator(&t);
    let big = format!("x = 1\n{}", "# pad\n".repeat(20));
    for result in [
        g.validate_code((big.as_str(), TargetLanguage::Python))
            .await
            .map(|_| ()),
        g.heal((big.as_str(), TargetLanguage::Python))
            .await
            .map(|_| ()),
    ] {
        let Err(ApiError::Tenant(err)) = result else {
            panic!("not refused: {result:?}");
        };
        assert!(
            matches!(
                err,
                TenantError::ProgramTooLarge {
                    size: 126,
                    limit: 100,
                    ..
                }
            ),
            "{err}"
        );
        assert_eq!(err.refusal(), Refusal::TooLarge);
        assert_eq!(
            err.to_string(),
            "tenant small: the program is 126 bytes, over the program_bytes limit of 100 bytes"
        );
    }
    assert_eq!(checker.calls.load(Ordering::SeqCst), 0);
    // Data files count too.
    let program = Program::new(
        TargetLanguage::Python,
        [("main.py".to_string(), "x = 1\n".to_string())],
    )
    .unwrap()
    .with_data_file("data.bin", vec![0u8; 95])
    .unwrap();
    assert!(matches!(
        t.check_program(&program),
        Err(TenantError::ProgramTooLarge { size: 101, .. })
    ));
}

#[tokio::test(flavor = "current_thread")]
async fn runs_over_the_time_or_memory_limit_are_refused() {
    let r = registry(host());
    let t = tenant(&r, "runner", modest());
    let g = generator(&t);
    let code = ("print(1)\n", TargetLanguage::Python);
    let err = g
        .run(
            code,
            &RunOptions {
                timeout: Some(Duration::from_secs(11)),
                ..RunOptions::default()
            },
        )
        .await
        .unwrap_err();
    let ApiError::Tenant(err) = err else {
        panic!("{err}")
    };
    assert!(matches!(err, TenantError::RunTimeTooLong { .. }), "{err}");
    assert_eq!(err.limit(), Some(Limit::RunTime));
    assert_eq!(err.limit_value().as_deref(), Some("10s"));
    assert_eq!(
        err.to_string(),
        "tenant runner: a run of 11s asked, over the run_time limit of 10s"
    );
    let err = g
        .run(
            code,
            &RunOptions {
                memory_bytes: Some((1 << 30) + 1),
                ..RunOptions::default()
            },
        )
        .await
        .unwrap_err();
    let ApiError::Tenant(err) = err else {
        panic!("{err}")
    };
    assert!(
        matches!(
            err,
            TenantError::MemoryTooLarge {
                requested: 1073741825,
                limit: 1073741824,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(err.limit(), Some(Limit::MemoryBytes));
    // Within the limits, a tenant on a custom checker has no sandbox to run in.
    let err = g.run(code, &RunOptions::default()).await.unwrap_err();
    assert!(matches!(err, ApiError::NoValidator), "{err}");
}

#[tokio::test(flavor = "current_thread")]
async fn a_tenant_heal_goes_through_its_scheduler_learner_and_cpu_minute() {
    let r = registry(host());
    let t = tenant(
        &r,
        "healer",
        TenantLimits {
            cpu_per_minute: Duration::from_millis(500),
            ..modest()
        },
    );
    let other = tenant(&r, "other", modest());
    let g = generator(&t);
    let job = t.admit().unwrap();
    let report = g.heal((CODE, TargetLanguage::Python)).await.unwrap();
    drop(job);
    assert!(report.healed, "{}", report.summary());
    let usage = t.usage();
    // Every validation took a sandbox slot of this tenant and was charged 250 ms; so did the
    // formatter, only if one ran (none is installed for Python on a bare machine).
    let formatter_ran = report
        .format
        .as_ref()
        .is_some_and(|f| f.formatter.is_some());
    assert_eq!(
        usage.sandboxes_granted as usize,
        report.validations + usize::from(formatter_ran)
    );
    assert_eq!(
        usage.cpu_total,
        Duration::from_millis(250) * report.validations as u32
    );
    assert_eq!((usage.running_sandboxes, usage.jobs), (0, 0));
    assert!(t.learner().entries().iter().any(|e| e.successes == 1));
    assert!(other.learner().entries().is_empty());
    assert_eq!(other.usage().sandboxes_granted, 0);
    // Its CPU minute (0.5 s) is now spent: the next job is refused, naming the limit.
    assert!(report.validations >= 2, "{}", report.validations);
    let err = t.admit().unwrap_err();
    assert!(matches!(err, TenantError::CpuQuotaSpent { .. }), "{err}");
    assert_eq!(err.refusal(), Refusal::Quota);
    let retry = err.retry_after().unwrap();
    assert!(
        retry > Duration::ZERO && retry <= Duration::from_secs(60),
        "{retry:?}"
    );
    // The other tenant is not affected.
    let _job = other.admit().unwrap();
}

#[test]
fn a_tenant_brings_its_own_parts() {
    let r = registry(host());
    let t = tenant(&r, "t", modest());
    let conflicts: Vec<(&str, selfheal::api::SelfHealingGeneratorBuilder)> = vec![
        (
            "a checker",
            SelfHealingGenerator::builder().checker(Arc::new(NameCheck::default())),
        ),
        (
            "a learner",
            SelfHealingGenerator::builder()
                .learner(Arc::new(selfheal::learn::Learner::in_memory())),
        ),
        (
            "a data dir",
            SelfHealingGenerator::builder().data_dir("/tmp"),
        ),
        (
            "plugins",
            SelfHealingGenerator::builder().plugins_dir("/tmp"),
        ),
    ];
    for (what, builder) in conflicts {
        let err = builder
            .tenant(Arc::clone(&t))
            .build()
            .map(|_| ())
            .unwrap_err();
        assert!(
            matches!(err, ApiError::TenantConflict(w) if w == what),
            "{err}"
        );
    }
    let g = generator(&t);
    assert!(Arc::ptr_eq(g.learner(), t.learner()));
    assert_eq!(g.tenant().unwrap().id(), t.id());
}

#[test]
fn an_unknown_tenant_is_named() {
    let r = registry(host());
    let err = r.get(&id("ghost")).unwrap_err();
    assert_eq!(err.to_string(), "no tenant `ghost`");
    assert_eq!(err.refusal(), Refusal::Unknown);
    let t = tenant(&r, "gone", modest());
    assert!(r.remove(&id("gone")).is_some());
    assert!(matches!(
        t.admit().unwrap_err(),
        TenantError::UnknownTenant { .. }
    ));
    assert_eq!(r.ids(), Vec::<TenantId>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tenants_run_time_bounds_every_sandboxed_command() {
    // A real sandbox: a program that needs about 4 s is stopped at the tenant's 1 s, although
    // the toolchain would give it longer; a tenant with the defaults lets it finish.
    let registry = TenantRegistry::open(HostConfig {
        limits: host(),
        data_dir: None,
        ..HostConfig::default()
    })
    .unwrap();
    let tight = registry
        .add(TenantSpec::new(id("tight")).limits(TenantLimits {
            max_run_time: Duration::from_secs(1),
            ..modest()
        }))
        .unwrap();
    let roomy = registry
        .add(TenantSpec::new(id("roomy")).limits(modest()))
        .unwrap();
    let slow = "import time\nfor i in range(40):\n    print(i, flush=True)\n    time.sleep(0.1)\n";
    let run = |tenant: &Arc<Tenant>| {
        let g = generator(tenant);
        async move {
            g.run((slow, TargetLanguage::Python), &RunOptions::default())
                .await
                .unwrap()
        }
    };
    let stopped = run(&tight).await;
    assert!(!stopped.success);
    let outcome = stopped.program.expect("the program ran");
    assert_eq!(outcome.termination, Termination::WallTimeout, "{outcome:?}");
    assert!(!outcome.stdout.contains("39\n"), "{}", outcome.stdout);
    assert_eq!(tight.usage().sandboxes_granted, 1);
    let finished = run(&roomy).await;
    assert!(finished.success, "{finished:?}");
    assert!(finished.program.unwrap().stdout.ends_with("39\n"));
    // Asking for more than the tenant may is refused, not silently lowered.
    let g = generator(&tight);
    let err = g
        .run(
            (slow, TargetLanguage::Python),
            &RunOptions {
                timeout: Some(Duration::from_secs(5)),
                ..RunOptions::default()
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Tenant(TenantError::RunTimeTooLong { .. })),
        "{err}"
    );
}
