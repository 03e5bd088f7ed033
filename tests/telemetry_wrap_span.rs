//! A span the contract requires and the program never emits (docs/telemetry.md, "Repairs"):
//! the program's `charge` function makes no span at all, the contract asks for a `charge` span
//! (child of `checkout`, with `order.total`). Validation reports exactly that one mismatch;
//! `selfheal heal` wraps `charge`'s body in a span of that name (rule
//! `any.telemetry-wrap-span`), setting `order.total` from its parameter; a re-check of the
//! written program finds its spans, parents and attributes as the contract says.

mod common;

use selfheal::compliance::{codes, expected_actual};
use selfheal::validate::Expect;
use selfheal::{ErrorType, Program, TargetLanguage};

const REGISTRY: &str = "groups:
  - id: registry.shop
    type: attribute_group
    attributes:
      - id: order.id
        type: string
      - id: order.total
        type: double
      - id: order.kind
        type: string
";

const CONTRACT: &str = "registry = \"semconv\"

[[spans]]
name = \"checkout\"
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

struct Case {
    language: TargetLanguage,
    source: &'static str,
    broken: &'static str,
    test_name: &'static str,
    test: &'static str,
    /// `charge` as the heal must write it.
    healed: &'static str,
}

const PYTHON: Case = Case {
    language: TargetLanguage::Python,
    source: "shop.py",
    broken: "from opentelemetry import metrics, trace

tracer = trace.get_tracer(\"shop\")
orders = metrics.get_meter(\"shop\").create_counter(\"orders.processed\", unit=\"{order}\")


def checkout(order_id, total):
    with tracer.start_as_current_span(\"checkout\") as span:
        span.set_attribute(\"order.id\", order_id)
        result = charge(total)
        orders.add(1, {\"order.kind\": \"web\"})
        return result


def charge(total):
    \"\"\"Adds the tax.\"\"\"
    return round(total * 1.2, 2)
",
    test_name: "test_shop.py",
    test: "from shop import checkout


def test_checkout():
    assert checkout(\"a1\", 10.0) == 12.0
",
    healed: "def charge(total):
    \"\"\"Adds the tax.\"\"\"
    with tracer.start_as_current_span(\"charge\") as span:
        span.set_attribute(\"order.total\", total)
        return round(total * 1.2, 2)
",
};

const JAVASCRIPT: Case = Case {
    language: TargetLanguage::JavaScript,
    source: "shop.js",
    broken: "const { trace, metrics } = require('@opentelemetry/api');

const tracer = trace.getTracer('shop');
const orders = metrics.getMeter('shop').createCounter('orders.processed', { unit: '{order}' });

function checkout(orderId, total) {
  return tracer.startActiveSpan('checkout', (span) => {
    span.setAttribute('order.id', orderId);
    const result = charge(total);
    orders.add(1, { 'order.kind': 'web' });
    span.end();
    return result;
  });
}

function charge(total) {
  const result = Math.round(total * 120) / 100;
  return result;
}

module.exports = { checkout, charge };
",
    test_name: "shop.test.js",
    test: "const test = require('node:test');
const assert = require('node:assert');
const { checkout } = require('./shop');

test('checkout', () => {
  assert.strictEqual(checkout('a1', 10.5), 12.6);
});
",
    healed: "function charge(total) {
  return tracer.startActiveSpan('charge', (span) => {
    try {
      span.setAttribute('order.total', total);
      const result = Math.round(total * 120) / 100;
      return result;
    } finally {
      span.end();
    }
  });
}
",
};

const GO: Case = Case {
    language: TargetLanguage::Go,
    source: "shop.go",
    broken: "package main

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
	ctx, span := tracer.Start(ctx, \"checkout\")
	defer span.End()
	span.SetAttributes(attribute.String(\"order.id\", orderID))
	orders.Add(ctx, 1, attribute.String(\"order.kind\", \"web\"))
	return Charge(ctx, total)
}

func Charge(ctx context.Context, total float64) float64 {
	return math.Round(total*120) / 100
}
",
    test_name: "shop_test.go",
    test: "package main

import (
	\"context\"
	\"testing\"
)

func TestCheckout(t *testing.T) {
	if got := Checkout(context.Background(), \"a1\", 10.5); got != 12.6 {
		t.Fatalf(\"got %v\", got)
	}
}
",
    healed: "func Charge(ctx context.Context, total float64) float64 {
	_, span := tracer.Start(ctx, \"charge\")
	defer span.End()
	span.SetAttributes(attribute.Float64(\"order.total\", total))
	return math.Round(total*120) / 100
}
",
};

const RUST: Case = Case {
    language: TargetLanguage::Rust,
    source: "lib.rs",
    broken: "use opentelemetry::global;
use opentelemetry::trace::{Span, TraceContextExt, Tracer};
use opentelemetry::KeyValue;

pub fn checkout(order_id: &str, total: f64) -> f64 {
    let tracer = global::tracer(\"shop\");
    tracer.in_span(\"checkout\", |cx| {
        cx.span().set_attribute(KeyValue::new(\"order.id\", order_id.to_string()));
        let result = charge(total);
        let meter = global::meter(\"shop\");
        let orders = meter.u64_counter(\"orders.processed\").with_unit(\"{order}\").build();
        orders.add(1, &[KeyValue::new(\"order.kind\", \"web\")]);
        result
    })
}

pub fn charge(total: f64) -> f64 {
    (total * 120.0).round() / 100.0
}

#[cfg(test)]
mod tests;
",
    test_name: "tests.rs",
    test: "use super::*;

#[test]
fn checkout_charges_the_total() {
    assert_eq!(checkout(\"a1\", 10.5), 12.6);
}
",
    healed: "pub fn charge(total: f64) -> f64 {
    let _span = opentelemetry::trace::mark_span_as_active(opentelemetry::trace::Tracer::start(&opentelemetry::global::tracer(\"shop\"), \"charge\"));
    opentelemetry::trace::get_active_span(|span| span.set_attribute(opentelemetry::KeyValue::new(\"order.total\", total as f64)));
    (total * 120.0).round() / 100.0
}
",
};

fn program(case: &Case, source: &str) -> Program {
    Program::new(
        case.language,
        [
            (case.source.to_string(), source.to_string()),
            (case.test_name.to_string(), case.test.to_string()),
        ],
    )
    .unwrap()
    .with_data_file("telemetry.toml", CONTRACT.as_bytes())
    .unwrap()
    .with_data_file("semconv/shop.yaml", REGISTRY.as_bytes())
    .unwrap()
    .with_protected([case.test_name.to_string()])
    .unwrap()
}

/// The broken program has exactly one mismatch: no `charge` span.
async fn reports_the_missing_span(case: &Case) {
    let r = common::validator()
        .validate(&program(case, case.broken), Expect::Test)
        .await
        .unwrap();
    let got: Vec<_> = r
        .errors
        .iter()
        .map(|e| {
            (
                e.error_type.clone(),
                e.code.clone().unwrap_or_default(),
                expected_actual(e).map(|(x, y)| (x.to_string(), y.to_string())),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![(
            ErrorType::TelemetryMismatch,
            codes::SPAN_MISSING.to_string(),
            Some(("charge".to_string(), "(none)".to_string())),
        )],
        "{:#?}",
        r.errors
    );
}

/// `selfheal heal --write` wraps `charge`; the written program passes a re-check: every
/// contract span (name, parent, attributes) and metric as the contract says.
async fn heal_wraps_the_function(case: &Case) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("semconv")).unwrap();
    std::fs::write(root.join(case.source), case.broken).unwrap();
    std::fs::write(root.join(case.test_name), case.test).unwrap();
    std::fs::write(root.join("telemetry.toml"), CONTRACT).unwrap();
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
    let healed = std::fs::read_to_string(root.join(case.source)).unwrap();
    assert!(healed.contains(case.healed), "{healed}");
    assert!(
        report.to_string().contains("any.telemetry-wrap-span"),
        "{report:#}"
    );
    let r = common::validator()
        .validate(&program(case, &healed), Expect::Test)
        .await
        .unwrap();
    assert!(r.passed, "{:#?}\n{}", r.errors, r.output);
    assert_eq!(r.errors, vec![]);
}

#[tokio::test]
async fn python_missing_span_is_reported() {
    reports_the_missing_span(&PYTHON).await;
}

#[tokio::test]
async fn python_heal_wraps_the_function_in_the_span() {
    heal_wraps_the_function(&PYTHON).await;
}

#[tokio::test]
async fn javascript_missing_span_is_reported() {
    reports_the_missing_span(&JAVASCRIPT).await;
}

#[tokio::test]
async fn javascript_heal_wraps_the_function_in_the_span() {
    heal_wraps_the_function(&JAVASCRIPT).await;
}

#[tokio::test]
async fn go_missing_span_is_reported() {
    reports_the_missing_span(&GO).await;
}

#[tokio::test]
async fn go_heal_wraps_the_function_in_the_span() {
    heal_wraps_the_function(&GO).await;
}

#[tokio::test]
async fn rust_missing_span_is_reported() {
    reports_the_missing_span(&RUST).await;
}

#[tokio::test]
async fn rust_heal_wraps_the_function_in_the_span() {
    heal_wraps_the_function(&RUST).await;
}
