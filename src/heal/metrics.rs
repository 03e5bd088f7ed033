//! Heal metrics: a candidate's verdict and a heal's end on their tracing spans and in the
//! metric instruments (`docs/observability.md`).

use super::{Attempt, HealReport, StopReason};
use crate::telemetry;

/// Records a candidate's verdict on its span.
pub(super) fn record_attempt(span: &tracing::Span, attempt: &Attempt, first_error: Option<&str>) {
    span.record("selfheal.passed", attempt.passed);
    span.record("selfheal.kept", attempt.kept);
    if let Some(reason) = &attempt.reason {
        span.record("selfheal.reason", reason.as_str());
    }
    if let Some(after) = &attempt.errors_after {
        span.record("selfheal.errors_after", after.len() as i64);
    }
    if let Some(category) = first_error {
        span.record("error.type", category);
    }
}

/// The end of a heal, on its span and in the metrics.
pub(super) fn record_heal(
    span: &tracing::Span,
    language: crate::types::TargetLanguage,
    report: &HealReport,
) {
    let stop = stop_label(report.stop_reason);
    span.record("selfheal.healed", report.healed);
    span.record("selfheal.stop_reason", stop);
    span.record("selfheal.rounds", i64::from(report.rounds));
    span.record("selfheal.validations", report.validations as i64);
    span.record("selfheal.repairs", report.repairs() as i64);
    span.record("selfheal.duration_ms", report.duration_ms);
    if let Some(e) = report.final_errors.first() {
        span.record("error.type", e.error_type.label().as_str());
    }
    let metrics = telemetry::metrics();
    let lang = telemetry::kv(telemetry::attr::LANGUAGE, language.to_string());
    metrics.heals.add(
        1,
        &[
            lang.clone(),
            telemetry::kv(telemetry::attr::STOP_REASON, stop),
        ],
    );
    let seconds = report.duration_ms / 1000.0;
    metrics
        .heal_duration
        .record(seconds, std::slice::from_ref(&lang));
    if report.healed && !report.initially_passing {
        metrics.healed.add(1, std::slice::from_ref(&lang));
        metrics
            .time_to_heal
            .record(seconds, std::slice::from_ref(&lang));
    }
    metrics
        .repairs_applied
        .add(report.repairs() as u64, std::slice::from_ref(&lang));
}

/// The `snake_case` name of a stop reason (as in the JSON report).
pub fn stop_label(stop: StopReason) -> &'static str {
    match stop {
        StopReason::AlreadyPassing => "already_passing",
        StopReason::Healed => "healed",
        StopReason::NoCandidates => "no_candidates",
        StopReason::MaxRetries => "max_retries",
        StopReason::Timeout => "timeout",
    }
}
