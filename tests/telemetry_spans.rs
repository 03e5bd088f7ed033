//! One real Python heal, recorded by an in-memory OpenTelemetry exporter: the span tree
//! (heal > attempt > validate > sandbox.run, parse; heal > suggest > suggest.strategy;
//! heal > apply) and its attributes, and the metrics it produces.

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use opentelemetry::trace::SpanId;
use opentelemetry::Value;
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use tracing_subscriber::layer::SubscriberExt;

use selfheal::fix::FixEngine;
use selfheal::heal::{Checker, HealConfig, Healer};
use selfheal::learn::Learner;
use selfheal::TargetLanguage;

fn attr<'a>(span: &'a SpanData, key: &str) -> Option<&'a Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| &kv.value)
}

fn string(span: &SpanData, key: &str) -> String {
    match attr(span, key) {
        Some(v) => v.as_str().into_owned(),
        None => panic!("span {} has no attribute {key}", span.name),
    }
}

fn int(span: &SpanData, key: &str) -> i64 {
    match attr(span, key) {
        Some(Value::I64(v)) => *v,
        other => panic!("span {}: {key} is {other:?}, not an integer", span.name),
    }
}

fn boolean(span: &SpanData, key: &str) -> bool {
    match attr(span, key) {
        Some(Value::Bool(v)) => *v,
        other => panic!("span {}: {key} is {other:?}, not a bool", span.name),
    }
}

fn children<'a>(spans: &'a [SpanData], parent: &SpanData, name: &str) -> Vec<&'a SpanData> {
    spans
        .iter()
        .filter(|s| s.parent_span_id == parent.span_context.span_id() && s.name == name)
        .collect()
}

#[test]
fn a_python_heal_produces_the_expected_span_tree_and_metrics() {
    let spans = InMemorySpanExporter::default();
    let tracer_provider = SdkTracerProvider::builder()
        .with_simple_exporter(spans.clone())
        .build();
    let metric_exporter = InMemoryMetricExporter::default();
    let meter_provider = SdkMeterProvider::builder()
        .with_reader(PeriodicReader::builder(metric_exporter.clone()).build())
        .build();
    opentelemetry::global::set_meter_provider(meter_provider.clone());
    selfheal::telemetry::refresh_metrics();
    // Global, so that the heal's tasks on the runtime's worker threads are recorded too.
    tracing::subscriber::set_global_default(
        tracing_subscriber::registry().with(selfheal::telemetry::layer(&tracer_provider)),
    )
    .unwrap();

    let program = common::program(
        TargetLanguage::Python,
        &[(
            "main.py",
            "def total(items):\n    result = 0\n    for item in items:\n        result += item\n    return reslt\n\nprint(total([1, 2]))\n",
        )],
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let report = runtime.block_on(async {
        let checker: Arc<dyn Checker> = common::validator();
        let healer = Healer::new(
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
        );
        healer.heal(&program).await.unwrap()
    });
    assert!(report.healed, "{}", report.summary());
    tracer_provider.force_flush().unwrap();
    meter_provider.force_flush().unwrap();

    let spans = spans.get_finished_spans().unwrap();
    let heals: Vec<&SpanData> = spans.iter().filter(|s| s.name == "heal").collect();
    assert_eq!(heals.len(), 1);
    let heal = heals[0];
    assert_eq!(heal.parent_span_id, SpanId::INVALID);
    assert!(spans
        .iter()
        .all(|s| s.span_context.trace_id() == heal.span_context.trace_id()));
    assert_eq!(string(heal, "selfheal.language"), "python");
    assert!(boolean(heal, "selfheal.healed"));
    assert_eq!(string(heal, "selfheal.stop_reason"), "healed");
    assert_eq!(int(heal, "selfheal.repairs"), report.repairs() as i64);
    assert_eq!(int(heal, "selfheal.validations"), report.validations as i64);

    // The original's validation: its check fails with the NameError, parsed in place.
    let first = children(&spans, heal, "validate");
    assert_eq!(first.len(), 1);
    assert!(!boolean(first[0], "selfheal.passed"));
    assert_eq!(string(first[0], "error.type"), "undefined_variable");
    assert_eq!(string(first[0], "selfheal.error.code"), "NameError");
    let run = children(&spans, first[0], "sandbox.run");
    assert_eq!(run.len(), 1);
    assert_eq!(int(run[0], "process.exit.code"), 1);
    assert_eq!(string(run[0], "selfheal.termination"), "exited");
    assert!(attr(run[0], "selfheal.overhead_ms").is_some());
    let parse = children(&spans, first[0], "parse");
    assert_eq!(parse.len(), 1);
    assert_eq!(string(parse[0], "selfheal.step"), "check");
    assert_eq!(string(parse[0], "error.type"), "undefined_variable");
    assert_eq!(string(parse[0], "code.filepath"), "main.py");
    assert_eq!(int(parse[0], "code.lineno"), 5);

    // Fixes were asked for the error, strategy by strategy, and applied.
    let suggest = children(&spans, heal, "suggest");
    assert!(!suggest.is_empty());
    assert_eq!(string(suggest[0], "selfheal.error.code"), "NameError");
    assert_eq!(int(suggest[0], "code.lineno"), 5);
    let per_strategy = children(&spans, suggest[0], "suggest.strategy");
    assert_eq!(
        per_strategy.len(),
        FixEngine::builtin().strategy_ids().len()
    );
    assert!(!children(&spans, heal, "apply").is_empty());

    // The passing attempt: heal > attempt > validate > sandbox.run (exit 0).
    let attempts = children(&spans, heal, "attempt");
    assert_eq!(attempts.len(), report.attempts.len() - refused(&report));
    let passing: Vec<&&SpanData> = attempts
        .iter()
        .filter(|a| attr(a, "selfheal.passed") == Some(&Value::Bool(true)))
        .collect();
    assert_eq!(passing.len(), 1);
    let winner = passing[0];
    let kept = report.attempts.iter().find(|a| a.passed).unwrap();
    assert_eq!(string(winner, "selfheal.strategy"), kept.strategy);
    match attr(winner, "selfheal.confidence") {
        Some(Value::F64(c)) => assert_eq!(*c, kept.confidence),
        other => panic!("selfheal.confidence is {other:?}"),
    }
    assert!(boolean(winner, "selfheal.kept"));
    assert_eq!(int(winner, "selfheal.round"), 1);
    let validate = children(&spans, winner, "validate");
    assert_eq!(validate.len(), 1);
    assert!(boolean(validate[0], "selfheal.passed"));
    let run = children(&spans, validate[0], "sandbox.run");
    assert_eq!(run.len(), 1);
    assert_eq!(int(run[0], "process.exit.code"), 0);

    // Metrics: one heal, healed, with the fixes proposed counted per strategy.
    let mut sums: HashMap<String, u64> = HashMap::new();
    let mut histograms: HashMap<String, u64> = HashMap::new();
    let mut strategies_proposed = Vec::new();
    for rm in metric_exporter.get_finished_metrics().unwrap() {
        for sm in rm.scope_metrics() {
            for m in sm.metrics() {
                use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData};
                match m.data() {
                    AggregatedMetrics::U64(MetricData::Sum(sum)) => {
                        for p in sum.data_points() {
                            *sums.entry(m.name().to_string()).or_default() += p.value();
                            if m.name() == "selfheal.fixes.proposed" {
                                strategies_proposed.extend(
                                    p.attributes()
                                        .filter(|kv| kv.key.as_str() == "selfheal.strategy")
                                        .map(|kv| kv.value.as_str().into_owned()),
                                );
                            }
                        }
                    }
                    AggregatedMetrics::F64(MetricData::Histogram(h)) => {
                        for p in h.data_points() {
                            *histograms.entry(m.name().to_string()).or_default() += p.count();
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    assert_eq!(sums.get("selfheal.heals"), Some(&1));
    assert_eq!(sums.get("selfheal.healed"), Some(&1));
    assert_eq!(
        sums.get("selfheal.repairs.applied"),
        Some(&(report.repairs() as u64))
    );
    assert!(strategies_proposed.contains(&kept.strategy));
    assert_eq!(histograms.get("selfheal.heal.duration"), Some(&1));
    assert_eq!(histograms.get("selfheal.time_to_heal"), Some(&1));
    assert_eq!(
        histograms.get("selfheal.validation.duration"),
        Some(&(report.validations as u64))
    );
    assert!(
        histograms
            .get("selfheal.sandbox.overhead")
            .copied()
            .unwrap_or(0)
            >= 2
    );
}

/// Attempts refused before validation (no attempt span: nothing was validated).
fn refused(report: &selfheal::heal::HealReport) -> usize {
    report
        .attempts
        .iter()
        .filter(|a| {
            a.reason
                .as_deref()
                .is_some_and(|r| r.starts_with("refused") || r.starts_with("could not apply"))
        })
        .count()
}
