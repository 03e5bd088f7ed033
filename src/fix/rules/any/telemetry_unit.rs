//! `any.telemetry-unit`: an instrument created with another unit than the telemetry contract's
//! gets the contract's unit.
//!
//! Why it is safe: the unit is metadata only (no value changes), the error points at the call
//! that created the instrument, and the contract is the specification of the unit.
//!
//! Example: `create_counter("orders.processed", unit="1")` →
//! `create_counter("orders.processed", unit="{order}")`.

use super::telemetry_span_name::replace_literal_on_line;
use super::*;
use crate::compliance::{codes, expected_actual};
use crate::fix::ErrorKind;

/// Confidence: the literal sits on the instrument's creating call.
const CONFIDENCE: f64 = 0.85;

/// The `any.telemetry-unit` rule.
pub(crate) struct TelemetryUnit;

impl Rule for TelemetryUnit {
    const META: RuleMeta = RuleMeta::new("any.telemetry-unit", FixApplicability::Safe)
        .kinds(&[ErrorKind::TelemetryMismatch])
        .codes(&[codes::METRIC_UNIT]);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let Some((expected, actual)) = expected_actual(error) else {
            return Vec::new();
        };
        if actual.is_empty() {
            return Vec::new();
        }
        replace_literal_on_line(Self::META.id, error, program, actual, expected, CONFIDENCE)
    }
}
