//! Observability: OpenTelemetry traces and metrics.
//!
//! The library only *emits*: every stage is a [`tracing`] span (`heal`, `attempt`, `validate`,
//! `sandbox.run`, `parse`, `suggest`, `suggest.strategy`, `apply`, `cache.get`/`cache.put`) and
//! every count or duration goes to the [`Metrics`] instruments, which come from the global
//! OpenTelemetry meter provider. Nothing is exported, and the cost is a disabled span and a
//! no-op instrument call, until someone installs a subscriber and providers: the CLI does it
//! with [`init`]; an embedder may call [`init`] too, or put [`layer`] into its own subscriber.
//!
//! Attribute names follow the OpenTelemetry semantic conventions where one exists
//! (`process.exit.code`, `error.type`, `code.filepath`, `code.lineno`) and use the
//! `selfheal.*` namespace otherwise (see [`attr`]). `docs/observability.md` lists them all.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use opentelemetry::metrics::{Counter, Histogram, Meter};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry::KeyValue;
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::SdkTracerProvider;
use opentelemetry_sdk::Resource;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

/// The instrumentation scope of every span and instrument.
pub const SCOPE: &str = "selfheal";
/// The service name when `OTEL_SERVICE_NAME` is not set.
pub const DEFAULT_SERVICE_NAME: &str = "selfheal";

/// Attribute keys used on metrics (spans use the same names as field names).
pub mod attr {
    pub const LANGUAGE: &str = "selfheal.language";
    pub const STEP: &str = "selfheal.step";
    pub const STRATEGY: &str = "selfheal.strategy";
    pub const CONFIDENCE: &str = "selfheal.confidence";
    pub const CACHE_HIT: &str = "selfheal.cache.hit";
    pub const STOP_REASON: &str = "selfheal.stop_reason";
    pub const KILL_REASON: &str = "selfheal.kill.reason";
    pub const PLUGIN: &str = "selfheal.plugin";
    pub const ERROR_TYPE: &str = "error.type";
    pub const EXIT_CODE: &str = "process.exit.code";
}

/// What [`init`] sets up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TelemetryConfig {
    /// Export traces over OTLP/HTTP (endpoint and options from the `OTEL_EXPORTER_OTLP_*`
    /// variables).
    pub otlp_traces: bool,
    /// Export metrics over OTLP/HTTP (interval from `OTEL_METRIC_EXPORT_INTERVAL`).
    pub otlp_metrics: bool,
    /// Print every finished span to stdout.
    pub stdout: bool,
    /// `service.name`; `None` uses `OTEL_SERVICE_NAME`, else [`DEFAULT_SERVICE_NAME`].
    pub service_name: Option<String>,
    /// The filter of the human log on stderr (`EnvFilter` syntax); `None` means `warn`.
    pub log_filter: Option<String>,
}

impl TelemetryConfig {
    /// Export exactly what the standard OpenTelemetry environment asks for: traces when
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set, metrics
    /// when `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` is set;
    /// `OTEL_SDK_DISABLED=true` or `OTEL_{TRACES,METRICS}_EXPORTER=none` turn export off. The
    /// human log's filter comes from `SELFHEAL_LOG`.
    pub fn from_env() -> TelemetryConfig {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// [`TelemetryConfig::from_env`] over any variable lookup (tests use a map).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> TelemetryConfig {
        let set = |name: &str| var(name).is_some_and(|v| !v.trim().is_empty());
        let disabled = var("OTEL_SDK_DISABLED").is_some_and(|v| v.trim() == "true");
        let off = |name: &str| var(name).is_some_and(|v| v.trim() == "none");
        let generic = set("OTEL_EXPORTER_OTLP_ENDPOINT");
        TelemetryConfig {
            otlp_traces: !disabled
                && !off("OTEL_TRACES_EXPORTER")
                && (generic || set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")),
            otlp_metrics: !disabled
                && !off("OTEL_METRICS_EXPORTER")
                && (generic || set("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT")),
            stdout: false,
            service_name: None,
            log_filter: var("SELFHEAL_LOG"),
        }
    }

    /// Whether any span is recorded (and so whether spans cost more than a disabled callsite).
    pub fn traces_enabled(&self) -> bool {
        self.otlp_traces || self.stdout
    }
}

/// Why telemetry could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    #[error("cannot build the OTLP {signal} exporter: {source} (check the OTEL_EXPORTER_OTLP_* variables; only the http/protobuf protocol is built in)")]
    Exporter {
        signal: &'static str,
        #[source]
        source: opentelemetry_otlp::ExporterBuildError,
    },
    #[error("a global tracing subscriber is already installed; use telemetry::layer in it instead of telemetry::init")]
    SubscriberTaken,
}

/// Keeps the providers alive; dropping it flushes and shuts them down (spans and metrics still
/// buffered are exported then).
#[must_use = "dropping the guard shuts telemetry down"]
pub struct TelemetryGuard {
    tracer_provider: Option<SdkTracerProvider>,
    meter_provider: Option<SdkMeterProvider>,
}

impl TelemetryGuard {
    /// The tracer provider, when traces are recorded.
    pub fn tracer_provider(&self) -> Option<&SdkTracerProvider> {
        self.tracer_provider.as_ref()
    }

    /// Exports everything buffered now.
    pub fn flush(&self) {
        if let Some(p) = &self.tracer_provider {
            if let Err(e) = p.force_flush() {
                eprintln!("selfheal: cannot flush traces: {e}");
            }
        }
        if let Some(p) = &self.meter_provider {
            if let Err(e) = p.force_flush() {
                eprintln!("selfheal: cannot flush metrics: {e}");
            }
        }
    }
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        // shutdown() flushes first; the tracing subscriber stays installed but its OTel layer
        // then drops spans, which is what a process on its way out wants.
        if let Some(p) = self.tracer_provider.take() {
            if let Err(e) = p.shutdown() {
                eprintln!("selfheal: cannot export the last traces: {e}");
            }
        }
        if let Some(p) = self.meter_provider.take() {
            if let Err(e) = p.shutdown() {
                eprintln!("selfheal: cannot export the last metrics: {e}");
            }
        }
    }
}

/// The `service.name` resource: the config's, else `OTEL_SERVICE_NAME`, else "selfheal".
/// (`OTEL_RESOURCE_ATTRIBUTES` is read too.)
pub fn resource(config: &TelemetryConfig) -> Resource {
    let name = config
        .service_name
        .clone()
        .or_else(|| {
            std::env::var("OTEL_SERVICE_NAME")
                .ok()
                .filter(|s| !s.trim().is_empty())
        })
        .unwrap_or_else(|| DEFAULT_SERVICE_NAME.to_string());
    Resource::builder().with_service_name(name).build()
}

/// The OpenTelemetry layer for a `tracing` subscriber: selfheal's spans (at `info` and
/// above) go to `provider`; everything else (the HTTP client's own spans among them) is
/// left out, so exporting never traces itself.
pub fn layer<S>(provider: &SdkTracerProvider) -> impl Layer<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    tracing_opentelemetry::layer()
        .with_tracer(provider.tracer(SCOPE))
        // The callsite location would be selfheal's own source, and `code.filepath` is used for
        // the location of the program error a span is about.
        .with_location(false)
        .with_threads(false)
        .with_filter(Targets::new().with_target(SCOPE, LevelFilter::INFO))
}

/// Sets up what `config` asks for and installs the global `tracing` subscriber (the human
/// log on stderr, plus the OpenTelemetry layer when traces are recorded) and the global
/// meter provider. Call it once, before the first heal, outside any async runtime (the
/// OTLP/HTTP client is a blocking one on its own threads). Keep the guard until exit.
pub fn init(config: &TelemetryConfig) -> Result<TelemetryGuard, TelemetryError> {
    // The OTLP/HTTP client is a rustls one: it needs the crypto provider (`crate::tls`).
    crate::tls::ensure_crypto_provider();
    let resource = resource(config);
    let tracer_provider = if config.traces_enabled() {
        let mut builder = SdkTracerProvider::builder().with_resource(resource.clone());
        if config.otlp_traces {
            let exporter = opentelemetry_otlp::SpanExporter::builder()
                .with_http()
                .build()
                .map_err(|source| TelemetryError::Exporter {
                    signal: "trace",
                    source,
                })?;
            builder = builder.with_batch_exporter(exporter);
        }
        if config.stdout {
            builder = builder.with_simple_exporter(opentelemetry_stdout::SpanExporter::default());
        }
        Some(builder.build())
    } else {
        None
    };
    let meter_provider = if config.otlp_metrics {
        let exporter = opentelemetry_otlp::MetricExporter::builder()
            .with_http()
            .build()
            .map_err(|source| TelemetryError::Exporter {
                signal: "metric",
                source,
            })?;
        // The interval comes from OTEL_METRIC_EXPORT_INTERVAL (default 60 s); whatever is left
        // is exported when the guard is dropped.
        let reader = PeriodicReader::builder(exporter).build();
        Some(
            SdkMeterProvider::builder()
                .with_resource(resource)
                .with_reader(reader)
                .build(),
        )
    } else {
        None
    };

    let log_filter =
        tracing_subscriber::EnvFilter::try_new(config.log_filter.as_deref().unwrap_or("warn"))
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let log = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_filter(log_filter);
    let otel = tracer_provider.as_ref().map(layer);
    tracing_subscriber::registry()
        .with(log)
        .with(otel)
        .try_init()
        .map_err(|_| TelemetryError::SubscriberTaken)?;

    if let Some(provider) = &tracer_provider {
        opentelemetry::global::set_tracer_provider(provider.clone());
    }
    if let Some(provider) = &meter_provider {
        opentelemetry::global::set_meter_provider(provider.clone());
        // Instruments made before now came from the no-op provider.
        refresh_metrics();
    }
    Ok(TelemetryGuard {
        tracer_provider,
        meter_provider,
    })
}

/// selfheal's instruments. Get them with [`metrics`].
pub struct Metrics {
    /// Heals started and finished (attributes: language, stop reason).
    pub heals: Counter<u64>,
    /// Heals that ended passing after at least one repair (attribute: language).
    pub healed: Counter<u64>,
    /// Fixes in final programs.
    pub repairs_applied: Counter<u64>,
    /// Fixes proposed to the heal loop (attribute: strategy).
    pub fixes_proposed: Counter<u64>,
    /// Validation cache lookups that found / did not find a result.
    pub cache_hits: Counter<u64>,
    pub cache_misses: Counter<u64>,
    /// Fix strategy plugins that failed (attribute: plugin).
    pub plugin_failures: Counter<u64>,
    /// Commands the sandbox killed (attribute reason: wall_timeout, cpu_limit, out_of_memory,
    /// file_size_limit).
    pub sandbox_kills: Counter<u64>,
    /// Whole heal, in seconds.
    pub heal_duration: Histogram<f64>,
    /// One validation (every step of one program), in seconds.
    pub validation_duration: Histogram<f64>,
    /// What a sandbox run costs beyond the command itself: the wall time of `Sandbox::run`
    /// minus the wall time from spawn to reaping the command's namespace, in seconds.
    pub sandbox_overhead: Histogram<f64>,
    /// From the start of a heal to a passing program, for heals that needed repairs, in
    /// seconds.
    pub time_to_heal: Histogram<f64>,
}

impl Metrics {
    /// The instruments of `meter`.
    pub fn new(meter: &Meter) -> Metrics {
        let counter = |name: &'static str, unit: &'static str, description: &'static str| {
            meter
                .u64_counter(name)
                .with_unit(unit)
                .with_description(description)
                .build()
        };
        let seconds = |name: &'static str, description: &'static str| {
            meter
                .f64_histogram(name)
                .with_unit("s")
                .with_description(description)
                .build()
        };
        Metrics {
            heals: counter("selfheal.heals", "{heal}", "Heals run"),
            healed: counter(
                "selfheal.healed",
                "{heal}",
                "Heals that ended passing after repairs",
            ),
            repairs_applied: counter(
                "selfheal.repairs.applied",
                "{fix}",
                "Fixes in final programs",
            ),
            fixes_proposed: counter(
                "selfheal.fixes.proposed",
                "{fix}",
                "Fixes proposed by strategies",
            ),
            cache_hits: counter("selfheal.cache.hits", "{lookup}", "Validation cache hits"),
            cache_misses: counter(
                "selfheal.cache.misses",
                "{lookup}",
                "Validation cache misses",
            ),
            plugin_failures: counter(
                "selfheal.plugin.failures",
                "{failure}",
                "Fix strategy plugins that failed",
            ),
            sandbox_kills: counter(
                "selfheal.sandbox.kills",
                "{kill}",
                "Commands killed by a sandbox limit",
            ),
            heal_duration: seconds("selfheal.heal.duration", "Duration of a heal"),
            validation_duration: seconds(
                "selfheal.validation.duration",
                "Duration of one validation",
            ),
            sandbox_overhead: seconds(
                "selfheal.sandbox.overhead",
                "Sandbox set-up and tear-down time of one command",
            ),
            time_to_heal: seconds(
                "selfheal.time_to_heal",
                "Time from the start of a heal to a passing program",
            ),
        }
    }
}

static METRICS: RwLock<Option<Arc<Metrics>>> = RwLock::new(None);

/// The instruments, made from the global meter provider on first use (no-op ones until a
/// provider is installed; [`init`] and [`refresh_metrics`] remake them).
pub fn metrics() -> Arc<Metrics> {
    if let Some(m) = METRICS.read().unwrap_or_else(|p| p.into_inner()).as_ref() {
        return Arc::clone(m);
    }
    let mut slot = METRICS.write().unwrap_or_else(|p| p.into_inner());
    Arc::clone(slot.get_or_insert_with(|| Arc::new(Metrics::new(&meter()))))
}

/// Remakes the instruments from the current global meter provider: call it after installing
/// a provider yourself (embedders that do not use [`init`]).
pub fn refresh_metrics() {
    *METRICS.write().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(Metrics::new(&meter())));
}

fn meter() -> Meter {
    opentelemetry::global::meter(SCOPE)
}

/// A duration as the seconds histograms record.
pub fn seconds(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// One attribute, for metric calls.
pub fn kv(key: &'static str, value: impl Into<opentelemetry::Value>) -> KeyValue {
    KeyValue::new(key, value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> TelemetryConfig {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        TelemetryConfig::from_vars(|k| map.get(k).cloned())
    }

    #[test]
    fn nothing_is_exported_without_an_endpoint() {
        let c = config(&[]);
        assert!(!c.otlp_traces && !c.otlp_metrics && !c.traces_enabled());
    }

    #[test]
    fn the_generic_endpoint_exports_both_signals() {
        let c = config(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")]);
        assert!(c.otlp_traces && c.otlp_metrics);
    }

    #[test]
    fn signal_endpoints_and_switches_are_honoured() {
        let c = config(&[("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://x/v1/traces")]);
        assert!(c.otlp_traces && !c.otlp_metrics);
        let c = config(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://x"),
            ("OTEL_METRICS_EXPORTER", "none"),
        ]);
        assert!(c.otlp_traces && !c.otlp_metrics);
        let c = config(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://x"),
            ("OTEL_SDK_DISABLED", "true"),
        ]);
        assert!(!c.otlp_traces && !c.otlp_metrics);
    }
}
