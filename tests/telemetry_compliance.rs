//! Telemetry compliance end to end (docs/telemetry.md): programs run their tests with their
//! language's OpenTelemetry SDK in the sandbox; what they emit is compared with the contract
//! beside them (`telemetry.toml`, attribute types from a Weaver-format registry).
//!
//! Per language: a program whose `checkout` span is misnamed (`chekout`) and whose `charge`
//! span lacks `order.total` is reported with exactly those two mismatches; `selfheal heal`
//! repairs both; the compliant program passes; a contract naming an attribute the registry does
//! not define is an error naming the file and line. Metrics: a wrong unit is reported at the
//! instrument's creation and healed (Go, Python); a metric never created is `metric_missing`
//! (Go: its collector records metrics through the otel 1.1.0 metric API).

mod common;

use selfheal::compliance::{codes, expected_actual};
use selfheal::validate::{Expect, ValidateError};
use selfheal::{ErrorType, Program, TargetLanguage};

const REGISTRY: &str = "groups:
  - id: registry.shop
    type: attribute_group
    brief: A shop's order attributes.
    attributes:
      - id: order.id
        type: string
        requirement_level: required
        brief: The order's identifier.
      - id: order.total
        type: double
        requirement_level: required
      - id: order.kind
        type:
          members:
            - id: web
              value: \"web\"
            - id: store
              value: \"store\"
        requirement_level: recommended
";

const CONTRACT: &str = "registry = \"semconv\"

[[spans]]
name = \"checkout\"
kind = \"internal\"
parent = \"\"
required = [\"order.id\"]

[[spans]]
name = \"charge\"
parent = \"checkout\"
required = [\"order.total\"]

[[metrics]]
name = \"orders.processed\"
instrument = \"counter\"
unit = \"{order}\"
attributes = [\"order.kind\"]
";

const PY_BROKEN: &str = "from opentelemetry import metrics, trace

tracer = trace.get_tracer(\"shop\")
orders = metrics.get_meter(\"shop\").create_counter(\"orders.processed\", unit=\"{order}\")


def checkout(order_id, total):
    \"\"\"Charges an order and counts it.\"\"\"
    with tracer.start_as_current_span(\"chekout\") as span:
        span.set_attribute(\"order.id\", order_id)
        result = charge(total)
        orders.add(1, {\"order.kind\": \"web\"})
        return result


def charge(total):
    with tracer.start_as_current_span(\"charge\") as span:
        return round(total * 1.2, 2)
";

const PY_TEST: &str = "from shop import checkout


def test_checkout():
    assert checkout(\"a1\", 10.0) == 12.0
";

const JS_BROKEN: &str = "const { trace, metrics } = require('@opentelemetry/api');

const tracer = trace.getTracer('shop');
const orders = metrics.getMeter('shop').createCounter('orders.processed', { unit: '{order}' });

function checkout(orderId, total) {
  return tracer.startActiveSpan('chekout', (span) => {
    span.setAttribute('order.id', orderId);
    const result = charge(total);
    orders.add(1, { 'order.kind': 'web' });
    span.end();
    return result;
  });
}

function charge(total) {
  return tracer.startActiveSpan('charge', (span) => {
    const result = Math.round(total * 120) / 100;
    span.end();
    return result;
  });
}

module.exports = { checkout, charge };
";

const JS_TEST: &str = "const test = require('node:test');
const assert = require('node:assert');
const { checkout } = require('./shop');

test('checkout', () => {
  assert.strictEqual(checkout('a1', 10.5), 12.6);
});
";

const GO_BROKEN: &str = "package main

import (
	\"context\"
	\"math\"

	\"go.opentelemetry.io/otel\"
	\"go.opentelemetry.io/otel/attribute\"
	\"go.opentelemetry.io/otel/metric\"
	\"go.opentelemetry.io/otel/metric/global\"
)

var tracer = otel.Tracer(\"shop\")

var orders = metric.Must(global.Meter(\"shop\")).NewInt64Counter(\"orders.processed\", metric.WithUnit(\"{order}\"))

func Checkout(ctx context.Context, orderID string, total float64) float64 {
	ctx, span := tracer.Start(ctx, \"chekout\")
	defer span.End()
	span.SetAttributes(attribute.String(\"order.id\", orderID))
	orders.Add(ctx, 1, attribute.String(\"order.kind\", \"web\"))
	return Charge(ctx, total)
}

func Charge(ctx context.Context, total float64) float64 {
	_, span := tracer.Start(ctx, \"charge\")
	defer span.End()
	return math.Round(total*120) / 100
}
";

const GO_TEST: &str = "package main

import (
	\"context\"
	\"testing\"
)

func TestCheckout(t *testing.T) {
	if got := Checkout(context.Background(), \"a1\", 10.5); got != 12.6 {
		t.Fatalf(\"got %v\", got)
	}
}
";

const RS_BROKEN: &str = "use opentelemetry::global;
use opentelemetry::trace::{Span, TraceContextExt, Tracer};
use opentelemetry::KeyValue;

pub fn checkout(order_id: &str, total: f64) -> f64 {
    let tracer = global::tracer(\"shop\");
    tracer.in_span(\"chekout\", |cx| {
        cx.span().set_attribute(KeyValue::new(\"order.id\", order_id.to_string()));
        let result = charge(total);
        let meter = global::meter(\"shop\");
        let orders = meter.u64_counter(\"orders.processed\").with_unit(\"{order}\").build();
        orders.add(1, &[KeyValue::new(\"order.kind\", \"web\")]);
        result
    })
}

pub fn charge(total: f64) -> f64 {
    let mut span = global::tracer(\"shop\").start(\"charge\");
    let result = (total * 120.0).round() / 100.0;
    span.end();
    result
}

#[cfg(test)]
mod tests;
";

const RS_TEST: &str = "use super::*;

#[test]
fn checkout_charges_the_total() {
    assert_eq!(checkout(\"a1\", 10.5), 12.6);
}
";

struct Case {
    language: TargetLanguage,
    source: &'static str,
    broken: &'static str,
    test: &'static str,
    test_name: &'static str,
    /// Line of the misnamed span's creation, of the `charge` span's creation.
    lines: (u32, u32),
    /// The repaired lines: the span's name, the added attribute.
    renamed: &'static str,
    added: &'static str,
    /// Line of the metric's unit (`{order}`, the file's first).
    unit_line: u32,
}

const PYTHON: Case = Case {
    language: TargetLanguage::Python,
    source: "shop.py",
    broken: PY_BROKEN,
    test: PY_TEST,
    test_name: "test_shop.py",
    lines: (9, 17),
    renamed: "    with tracer.start_as_current_span(\"checkout\") as span:\n",
    added: "        span.set_attribute(\"order.total\", total)\n",
    unit_line: 4,
};

const JAVASCRIPT: Case = Case {
    language: TargetLanguage::JavaScript,
    source: "shop.js",
    broken: JS_BROKEN,
    test: JS_TEST,
    test_name: "shop.test.js",
    lines: (7, 17),
    renamed: "  return tracer.startActiveSpan('checkout', (span) => {\n",
    added: "    span.setAttribute('order.total', total);\n",
    unit_line: 4,
};

const GO: Case = Case {
    language: TargetLanguage::Go,
    source: "shop.go",
    broken: GO_BROKEN,
    test: GO_TEST,
    test_name: "shop_test.go",
    lines: (18, 26),
    renamed: "\tctx, span := tracer.Start(ctx, \"checkout\")\n",
    added: "\tspan.SetAttributes(attribute.Float64(\"order.total\", total))\n",
    unit_line: 15,
};

const RUST: Case = Case {
    language: TargetLanguage::Rust,
    source: "lib.rs",
    broken: RS_BROKEN,
    test: RS_TEST,
    test_name: "tests.rs",
    lines: (7, 18),
    renamed: "    tracer.in_span(\"checkout\", |cx| {\n",
    added: "    span.set_attribute(KeyValue::new(\"order.total\", total));\n",
    unit_line: 11,
};

/// The contract: every language's collector records spans and metrics.
fn contract(_case: &Case) -> String {
    CONTRACT.to_string()
}

fn compliant(case: &Case) -> String {
    let creation = creation_line(case);
    case.broken.replacen("chekout", "checkout", 1).replacen(
        &creation,
        &format!("{creation}{}", case.added),
        1,
    )
}

/// The line creating the `charge` span (the attribute goes right after it).
fn creation_line(case: &Case) -> String {
    let lines: Vec<&str> = case.broken.lines().collect();
    format!("{}\n", lines[case.lines.1 as usize - 1])
}

fn program(case: &Case, source: &str, contract: &str) -> Program {
    Program::new(
        case.language,
        [
            (case.source.to_string(), source.to_string()),
            (case.test_name.to_string(), case.test.to_string()),
        ],
    )
    .unwrap()
    .with_data_file("telemetry.toml", contract.as_bytes())
    .unwrap()
    .with_data_file("semconv/shop.yaml", REGISTRY.as_bytes())
    .unwrap()
    .with_protected([case.test_name.to_string()])
    .unwrap()
}

async fn reports_exactly_two_mismatches(case: &Case) {
    let p = program(case, case.broken, &contract(case));
    let r = common::validator()
        .validate(&p, Expect::Test)
        .await
        .unwrap();
    assert!(!r.passed);
    let got: Vec<_> = r
        .errors
        .iter()
        .map(|e| {
            (
                e.error_type.clone(),
                e.code.clone().unwrap_or_default(),
                expected_actual(e).map(|(x, y)| (x.to_string(), y.to_string())),
                e.location.as_ref().map(|l| (l.file.clone(), l.line)),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                ErrorType::TelemetryMismatch,
                codes::SPAN_MISNAMED.to_string(),
                Some(("checkout".to_string(), "chekout".to_string())),
                Some((case.source.to_string(), case.lines.0)),
            ),
            (
                ErrorType::TelemetryMismatch,
                codes::ATTRIBUTE_MISSING.to_string(),
                Some(("order.total (double)".to_string(), "(absent)".to_string())),
                Some((case.source.to_string(), case.lines.1)),
            ),
        ],
        "{:#?}",
        r.errors
    );
    // The tests themselves passed: only telemetry fails.
    assert!(
        r.tests
            .iter()
            .all(|t| t.outcome == selfheal::types::TestOutcome::Passed),
        "{:?}",
        r.tests
    );
}

async fn compliant_passes(case: &Case) {
    let fixed = compliant(case);
    assert!(fixed.contains(case.added), "{fixed}");
    let p = program(case, &fixed, &contract(case));
    let r = common::validator()
        .validate(&p, Expect::Test)
        .await
        .unwrap();
    assert!(r.passed, "{:#?}\n{}", r.errors, r.output);
}

async fn unknown_attribute_is_an_error(case: &Case) {
    let contract = contract(case).replace(
        "required = [\"order.total\"]",
        "required = [\"order.totl\"]",
    );
    let p = program(case, case.broken, &contract);
    match common::validator().validate(&p, Expect::Test).await {
        Err(ValidateError::Telemetry(e)) => assert_eq!(
            e.to_string(),
            "telemetry.toml:12: attribute `order.totl` is not defined by the registry (semconv: \
             3 attributes); define it there or correct the name"
        ),
        other => panic!("{other:?}"),
    }
}

/// `selfheal heal` on the program's directory: both mismatches repaired, written back.
fn heal_repairs_both(case: &Case) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("semconv")).unwrap();
    std::fs::write(root.join(case.source), case.broken).unwrap();
    std::fs::write(root.join(case.test_name), case.test).unwrap();
    std::fs::write(root.join("telemetry.toml"), contract(case)).unwrap();
    std::fs::write(root.join("semconv/shop.yaml"), REGISTRY).unwrap();
    // The rules' own text (a formatter would requote JavaScript's strings).
    let out = common::selfheal(&[
        "heal",
        "--format",
        "json",
        "--no-format",
        "--write",
        root.to_str().unwrap(),
    ]);
    let report = common::stdout_json(&out);
    common::assert_exit(&out, 0);
    assert_eq!(report["healed"], true, "{report:#}");
    let healed = std::fs::read_to_string(root.join(case.source)).unwrap();
    assert!(healed.contains(case.renamed), "{healed}");
    assert!(healed.contains(case.added), "{healed}");
    assert_eq!(
        std::fs::read_to_string(root.join(case.test_name)).unwrap(),
        case.test
    );
}

/// The compliant program with the metric's unit `1` instead of `{order}`: exactly one
/// `metric_unit` mismatch at the instrument's creation (Go: a package variable, located by its
/// name in the source); `selfheal heal` puts the contract's unit back.
async fn wrong_unit_is_reported_and_healed(case: &Case) {
    let right = compliant(case);
    let wrong = right.replacen("{order}", "1", 1);
    let r = common::validator()
        .validate(&program(case, &wrong, &contract(case)), Expect::Test)
        .await
        .unwrap();
    let got: Vec<_> = r
        .errors
        .iter()
        .map(|e| {
            (
                e.code.clone().unwrap_or_default(),
                expected_actual(e).map(|(x, y)| (x.to_string(), y.to_string())),
                e.location.as_ref().map(|l| (l.file.clone(), l.line)),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![(
            codes::METRIC_UNIT.to_string(),
            Some(("{order}".to_string(), "1".to_string())),
            Some((case.source.to_string(), case.unit_line)),
        )],
        "{:#?}",
        r.errors
    );
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("semconv")).unwrap();
    std::fs::write(root.join(case.source), &wrong).unwrap();
    std::fs::write(root.join(case.test_name), case.test).unwrap();
    std::fs::write(root.join("telemetry.toml"), contract(case)).unwrap();
    std::fs::write(root.join("semconv/shop.yaml"), REGISTRY).unwrap();
    let out = common::selfheal(&[
        "heal",
        "--format",
        "json",
        "--no-format",
        "--write",
        root.to_str().unwrap(),
    ]);
    let report = common::stdout_json(&out);
    common::assert_exit(&out, 0);
    assert_eq!(report["healed"], true, "{report:#}");
    assert_eq!(
        std::fs::read_to_string(root.join(case.source)).unwrap(),
        right
    );
}

/// A metric the program never creates is `metric_missing`.
async fn missing_metric_is_reported(case: &Case) {
    let right = compliant(case);
    let renamed = right.replacen("orders.processed", "totally.unrelated", 1);
    let r = common::validator()
        .validate(&program(case, &renamed, &contract(case)), Expect::Test)
        .await
        .unwrap();
    let got: Vec<_> = r
        .errors
        .iter()
        .map(|e| {
            (
                e.code.clone().unwrap_or_default(),
                expected_actual(e).map(|(x, y)| (x.to_string(), y.to_string())),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![(
            codes::METRIC_MISSING.to_string(),
            Some(("orders.processed".to_string(), "(none)".to_string())),
        )],
        "{:#?}",
        r.errors
    );
}

#[tokio::test]
async fn go_wrong_unit_is_reported_and_healed() {
    wrong_unit_is_reported_and_healed(&GO).await;
}

#[tokio::test]
async fn go_missing_metric_is_reported() {
    missing_metric_is_reported(&GO).await;
}

#[tokio::test]
async fn python_wrong_unit_is_reported_and_healed() {
    wrong_unit_is_reported_and_healed(&PYTHON).await;
}

#[tokio::test]
async fn python_misnamed_span_and_missing_attribute() {
    reports_exactly_two_mismatches(&PYTHON).await;
}

#[tokio::test]
async fn python_compliant_program_passes() {
    compliant_passes(&PYTHON).await;
}

#[tokio::test]
async fn python_unknown_registry_attribute_is_an_error() {
    unknown_attribute_is_an_error(&PYTHON).await;
}

#[test]
fn python_heal_repairs_both() {
    heal_repairs_both(&PYTHON);
}

#[tokio::test]
async fn javascript_misnamed_span_and_missing_attribute() {
    reports_exactly_two_mismatches(&JAVASCRIPT).await;
}

#[tokio::test]
async fn javascript_compliant_program_passes() {
    compliant_passes(&JAVASCRIPT).await;
}

#[tokio::test]
async fn javascript_unknown_registry_attribute_is_an_error() {
    unknown_attribute_is_an_error(&JAVASCRIPT).await;
}

#[test]
fn javascript_heal_repairs_both() {
    heal_repairs_both(&JAVASCRIPT);
}

#[tokio::test]
async fn go_misnamed_span_and_missing_attribute() {
    reports_exactly_two_mismatches(&GO).await;
}

#[tokio::test]
async fn go_compliant_program_passes() {
    compliant_passes(&GO).await;
}

#[tokio::test]
async fn go_unknown_registry_attribute_is_an_error() {
    unknown_attribute_is_an_error(&GO).await;
}

#[test]
fn go_heal_repairs_both() {
    heal_repairs_both(&GO);
}

#[tokio::test]
async fn rust_misnamed_span_and_missing_attribute() {
    reports_exactly_two_mismatches(&RUST).await;
}

#[tokio::test]
async fn rust_compliant_program_passes() {
    compliant_passes(&RUST).await;
}

#[tokio::test]
async fn rust_unknown_registry_attribute_is_an_error() {
    unknown_attribute_is_an_error(&RUST).await;
}

#[test]
fn rust_heal_repairs_both() {
    heal_repairs_both(&RUST);
}
