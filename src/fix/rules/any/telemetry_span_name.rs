//! `any.telemetry-span-name`: a span (or metric instrument) emitted under another name than
//! the telemetry contract's gets the contract's name.
//!
//! Why it is likely right: the comparison paired the actual name with the expected one only
//! because they look alike (or the span carries the expected attributes), and the error points
//! at the string literal of the call that created it (`crate::compliance`).
//!
//! Example: `tracer.start_as_current_span("chekout")` → `tracer.start_as_current_span("checkout")`.

use super::*;
use crate::compliance::{codes, expected_actual};
use crate::fix::ErrorKind;

/// Confidence: the literal is the creating call's, and the name is the contract's.
const CONFIDENCE: f64 = 0.9;

/// The `any.telemetry-span-name` rule.
pub(crate) struct TelemetrySpanName;

impl Rule for TelemetrySpanName {
    const META: RuleMeta = RuleMeta::new("any.telemetry-span-name", FixApplicability::Likely)
        .kinds(&[ErrorKind::TelemetryMismatch])
        .codes(&[codes::SPAN_MISNAMED, codes::METRIC_MISNAMED]);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let Some((expected, actual)) = expected_actual(error) else {
            return Vec::new();
        };
        replace_literal_on_line(Self::META.id, error, program, actual, expected, CONFIDENCE)
    }
}

/// Replaces the string literal `"from"` (any quote) on the error's line with `to`.
pub(crate) fn replace_literal_on_line(
    id: &str,
    error: &CodeError,
    program: &Program,
    from: &str,
    to: &str,
    confidence: f64,
) -> Vec<Fix> {
    let Some(t) = target(error, program) else {
        return Vec::new();
    };
    let (start, end) = t.lines.range(t.text, t.line);
    let line = &t.text[start..end];
    let mut fixes = Fixes::new(id);
    for quote in ['"', '\'', '`'] {
        let literal = format!("{quote}{from}{quote}");
        if let Some(at) = line.find(&literal) {
            let begin = start + at + 1;
            fixes.replace(
                confidence,
                format!("rename `{from}` to `{to}` on line {}", t.line),
                t.file,
                begin,
                begin + from.len(),
                to,
            );
            break;
        }
    }
    fixes.done()
}
