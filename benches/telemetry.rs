//! The cost of instrumentation: the same heal with telemetry off (no subscriber, no-op
//! meter: what the CLI does when no OTEL_* variable is set) and on (every span recorded by
//! the OpenTelemetry layer and exported, metrics aggregated and exported).
//!
//! Two heals: one with a fake checker (the heal loop, fix strategies and learner alone, so the
//! instrumentation's share is as large as it gets) and a real sandboxed Python heal.
//! Run with `cargo bench --bench telemetry`.

use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
use tracing_subscriber::layer::SubscriberExt;

use selfheal::fix::FixEngine;
use selfheal::heal::{CheckFuture, Checker, HealConfig, Healer};
use selfheal::learn::Learner;
use selfheal::validate::{Expect, Validator, ValidatorConfig};
use selfheal::{CodeError, ErrorType, Location, Program, TargetLanguage, ValidationResult};

const BROKEN: &str = "def total(items):\n    result = 0\n    for item in items:\n        result += item\n    return reslt\n\nprint(total([1, 2]))\n";

/// NameError for `reslt`, without a sandbox.
struct Fake;

impl Checker for Fake {
    fn check<'a>(&'a self, program: &'a Program, _expect: Expect) -> CheckFuture<'a> {
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
                steps: Vec::new(),
                cached: false,
                tests: Vec::new(),
            })
        })
    }
}

fn healer(checker: Arc<dyn Checker>) -> Healer {
    Healer::new(
        checker,
        FixEngine::builtin(),
        Arc::new(Learner::in_memory()),
        HealConfig {
            max_retries: 3,
            timeout: Duration::from_secs(600),
            jobs: 2,
            beam: 4,
            expect: None,
            ..HealConfig::default()
        },
    )
}

fn bench(c: &mut Criterion) {
    // One thread: the thread-local subscriber sees every span of the heal.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let program = Program::new(
        TargetLanguage::Python,
        [("main.py".to_string(), BROKEN.to_string())],
    )
    .unwrap();
    let validator: Arc<dyn Checker> = Arc::new(Validator::new(ValidatorConfig::default()).unwrap());
    let fake: Arc<dyn Checker> = Arc::new(Fake);
    // Resolve the Python toolchain before measuring.
    runtime.block_on(async {
        assert!(
            healer(Arc::clone(&validator))
                .heal(&program)
                .await
                .unwrap()
                .healed
        );
    });

    let heal = |checker: &Arc<dyn Checker>| {
        let report = runtime.block_on(healer(Arc::clone(checker)).heal(&program));
        assert!(report.unwrap().healed);
    };

    let mut group = c.benchmark_group("heal_fake_checker");
    group.bench_function("telemetry_off", |b| b.iter(|| heal(&fake)));

    // Telemetry on: spans through the OpenTelemetry layer to an exporter, metrics through an
    // SDK meter provider with a reader.
    let spans = InMemorySpanExporter::default();
    let tracer_provider = SdkTracerProvider::builder()
        .with_batch_exporter(spans.clone())
        .build();
    let meter_provider = SdkMeterProvider::builder()
        .with_reader(PeriodicReader::builder(InMemoryMetricExporter::default()).build())
        .build();
    let subscriber =
        tracing_subscriber::registry().with(selfheal::telemetry::layer(&tracer_provider));
    let dispatch = tracing::Dispatch::new(subscriber);

    let on = |checker: &Arc<dyn Checker>| {
        tracing::dispatcher::with_default(&dispatch, || heal(checker));
        spans.reset();
    };
    opentelemetry::global::set_meter_provider(meter_provider.clone());
    selfheal::telemetry::refresh_metrics();
    group.bench_function("telemetry_on", |b| b.iter(|| on(&fake)));
    group.finish();

    // The sandboxed heal: off again first (no-op meter), then on.
    opentelemetry::global::set_meter_provider(
        opentelemetry::metrics::noop::NoopMeterProvider::default(),
    );
    selfheal::telemetry::refresh_metrics();
    let mut group = c.benchmark_group("heal_python_sandboxed");
    group.sample_size(20);
    group.bench_function("telemetry_off", |b| b.iter(|| heal(&validator)));
    opentelemetry::global::set_meter_provider(meter_provider.clone());
    selfheal::telemetry::refresh_metrics();
    group.bench_function("telemetry_on", |b| b.iter(|| on(&validator)));
    group.finish();
    let _ = tracer_provider.shutdown();
    let _ = meter_provider.shutdown();
}

criterion_group!(benches, bench);
criterion_main!(benches);
