//! The workers' instruments, on the global meter (OTLP when `crate::telemetry` set it up).

use std::sync::OnceLock;

use opentelemetry::metrics::{Counter, Gauge, Histogram};

/// Per-worker metrics (attribute `selfheal.worker`) and the queue depth per tenant
/// (attribute `selfheal.tenant`).
pub(super) struct ExecutorMetrics {
    /// Jobs a worker finished, by outcome: `executed`, `already_stored`, `mismatch`,
    /// `failed`, `dead_lettered`.
    pub jobs: Counter<u64>,
    /// One executed job, from delivery to acknowledgement, in seconds.
    pub job_duration: Histogram<f64>,
    /// Jobs a worker is running.
    pub in_flight: Gauge<u64>,
    /// Jobs waiting (undelivered) plus delivered and not yet acknowledged, per tenant, as
    /// a worker last saw them.
    pub queue_depth: Gauge<u64>,
}

pub(super) fn metrics() -> &'static ExecutorMetrics {
    static METRICS: OnceLock<ExecutorMetrics> = OnceLock::new();
    METRICS.get_or_init(|| {
        let meter = opentelemetry::global::meter(crate::telemetry::SCOPE);
        ExecutorMetrics {
            jobs: meter
                .u64_counter("selfheal.executor.jobs")
                .with_unit("{job}")
                .with_description("Validation jobs a worker finished, by outcome")
                .build(),
            job_duration: meter
                .f64_histogram("selfheal.executor.job.duration")
                .with_unit("s")
                .with_description("One executed validation job, delivery to acknowledgement")
                .build(),
            in_flight: meter
                .u64_gauge("selfheal.executor.in_flight")
                .with_unit("{job}")
                .with_description("Jobs a worker is running")
                .build(),
            queue_depth: meter
                .u64_gauge("selfheal.executor.queue.depth")
                .with_unit("{job}")
                .with_description("Jobs waiting or running, per tenant")
                .build(),
        }
    })
}
