//! Comparing collected telemetry with a contract: every difference is a `CodeError` of type
//! `TelemetryMismatch` with a stable code, the expected and actual values (as the notes
//! `expected: …` and `actual: …`) and, when the telemetry says where, the location of the call
//! that created the span or instrument.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Deserialize;

use super::contract::{AttrRule, Contract, MetricRule, Parent, SpanRule};
use crate::program::Program;
use crate::types::{CodeError, ErrorType, Location};

/// Stable codes, one per kind of difference (docs/telemetry.md).
pub mod codes {
    pub const SPAN_MISSING: &str = "telemetry.span_missing";
    pub const SPAN_MISNAMED: &str = "telemetry.span_misnamed";
    pub const SPAN_KIND: &str = "telemetry.span_kind";
    pub const SPAN_PARENT: &str = "telemetry.span_parent";
    pub const SPAN_STATUS: &str = "telemetry.span_status";
    pub const ATTRIBUTE_MISSING: &str = "telemetry.attribute_missing";
    pub const ATTRIBUTE_EXTRA: &str = "telemetry.attribute_extra";
    pub const ATTRIBUTE_TYPE: &str = "telemetry.attribute_type";
    pub const METRIC_MISSING: &str = "telemetry.metric_missing";
    pub const METRIC_MISNAMED: &str = "telemetry.metric_misnamed";
    pub const METRIC_INSTRUMENT: &str = "telemetry.metric_instrument";
    pub const METRIC_UNIT: &str = "telemetry.metric_unit";
    /// Every code, for documentation and rule metadata.
    pub const ALL: &[&str] = &[
        SPAN_MISSING,
        SPAN_MISNAMED,
        SPAN_KIND,
        SPAN_PARENT,
        SPAN_STATUS,
        ATTRIBUTE_MISSING,
        ATTRIBUTE_EXTRA,
        ATTRIBUTE_TYPE,
        METRIC_MISSING,
        METRIC_MISNAMED,
        METRIC_INSTRUMENT,
        METRIC_UNIT,
    ];
}

/// One line the in-sandbox exporters write (JSON Lines).
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Record {
    Span(SpanRecord),
    Metric(MetricRecord),
}

/// A finished span.
#[derive(Debug, Clone, Deserialize)]
pub struct SpanRecord {
    pub name: String,
    #[serde(default)]
    pub span_id: String,
    #[serde(default)]
    pub parent_id: Option<String>,
    #[serde(default)]
    pub span_kind: Option<String>,
    /// `unset`, `ok` or `error`.
    #[serde(default)]
    pub status: Option<String>,
    /// Attribute id → wire type (`string`, `int`, `double`, `boolean`, `T[]`).
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// Whether the span recorded an exception event.
    #[serde(default)]
    pub exception: bool,
    #[serde(flatten)]
    pub site: Site,
}

/// An instrument and the attributes its data points carried.
#[derive(Debug, Clone, Deserialize)]
pub struct MetricRecord {
    pub name: String,
    pub instrument: String,
    #[serde(default)]
    pub unit: String,
    /// One map per data point: attribute id → wire type.
    #[serde(default)]
    pub points: Vec<BTreeMap<String, String>>,
    #[serde(flatten)]
    pub site: Site,
}

/// Where the program created the span or instrument (first frame in its own files).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Site {
    #[serde(default)]
    pub file: Option<String>,
    #[serde(default)]
    pub line: Option<u32>,
}

/// Reads the exporters' JSON Lines; lines that do not parse are skipped (a test may have been
/// killed mid-write), and their count returned.
pub fn parse_records(text: &str) -> (Vec<Record>, usize) {
    let mut records = Vec::new();
    let mut bad = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        match serde_json::from_str::<Record>(line) {
            Ok(r) => records.push(r),
            Err(_) => bad += 1,
        }
    }
    (records, bad)
}

/// The differences between `records` and `contract`, in contract order (spans, then metrics).
pub fn compare(contract: &Contract, records: &[Record], program: &Program) -> Vec<CodeError> {
    let spans: Vec<&SpanRecord> = records
        .iter()
        .filter_map(|r| match r {
            Record::Span(s) => Some(s),
            Record::Metric(_) => None,
        })
        .collect();
    let metrics: Vec<&MetricRecord> = records
        .iter()
        .filter_map(|r| match r {
            Record::Metric(m) => Some(m),
            Record::Span(_) => None,
        })
        .collect();
    let mut out = Out {
        errors: Vec::new(),
        seen: BTreeSet::new(),
        program,
        contract,
    };

    // Pair every expected span with the actual spans of its name, or (misnamed) with an actual
    // name the contract does not list that looks like it.
    let expected_names: BTreeSet<&str> = contract.spans.iter().map(|s| s.name.as_str()).collect();
    let mut actual_names: Vec<&str> = Vec::new();
    for s in &spans {
        if !actual_names.contains(&s.name.as_str()) {
            actual_names.push(&s.name);
        }
    }
    let mut unclaimed: Vec<&str> = actual_names
        .iter()
        .copied()
        .filter(|n| !expected_names.contains(n))
        .collect();
    // Actual name → the contract name it stands for.
    let mut renamed: HashMap<&str, &str> = HashMap::new();
    for rule in &contract.spans {
        if actual_names.contains(&rule.name.as_str()) {
            continue;
        }
        let best = unclaimed
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let instances: Vec<&SpanRecord> =
                    spans.iter().copied().filter(|s| s.name == *name).collect();
                (i, span_likeness(rule, name, &instances))
            })
            .filter(|(_, score)| *score >= 0.5)
            .max_by(|a, b| a.1.total_cmp(&b.1));
        match best {
            Some((i, _)) => {
                let actual = unclaimed.remove(i);
                renamed.insert(actual, rule.name.as_str());
                let first = spans.iter().find(|s| s.name == actual);
                out.push(
                    codes::SPAN_MISNAMED,
                    format!(
                        "span `{actual}` should be named `{}` (contract {}:{})",
                        rule.name, contract.file, rule.line
                    ),
                    &rule.name,
                    actual,
                    first.map(|s| &s.site),
                    Some(actual),
                );
            }
            None => out.push(
                codes::SPAN_MISSING,
                format!(
                    "no span `{}` was emitted (contract {}:{})",
                    rule.name, contract.file, rule.line
                ),
                &rule.name,
                "(none)",
                None,
                None,
            ),
        }
    }
    let by_id: HashMap<&str, &str> = spans
        .iter()
        .map(|s| (s.span_id.as_str(), s.name.as_str()))
        .collect();
    let canonical = |name: &str| -> String {
        renamed
            .get(name)
            .map(|n| n.to_string())
            .unwrap_or_else(|| name.to_string())
    };
    for rule in &contract.spans {
        for s in spans.iter().filter(|s| canonical(&s.name) == rule.name) {
            check_span(&mut out, rule, s, &by_id, &canonical);
        }
    }

    // Metrics.
    let expected_metrics: BTreeSet<&str> =
        contract.metrics.iter().map(|m| m.name.as_str()).collect();
    let mut unclaimed_metrics: Vec<&MetricRecord> = metrics
        .iter()
        .copied()
        .filter(|m| !expected_metrics.contains(m.name.as_str()))
        .collect();
    for rule in &contract.metrics {
        let found: Vec<&MetricRecord> = metrics
            .iter()
            .copied()
            .filter(|m| m.name == rule.name)
            .collect();
        if !found.is_empty() {
            for m in found {
                check_metric(&mut out, rule, m);
            }
            continue;
        }
        let best = unclaimed_metrics
            .iter()
            .enumerate()
            .map(|(i, m)| (i, similarity(&rule.name, &m.name)))
            .filter(|(_, score)| *score >= 0.6)
            .max_by(|a, b| a.1.total_cmp(&b.1));
        match best {
            Some((i, _)) => {
                let m = unclaimed_metrics.remove(i);
                out.push(
                    codes::METRIC_MISNAMED,
                    format!(
                        "metric `{}` should be named `{}` (contract {}:{})",
                        m.name, rule.name, contract.file, rule.line
                    ),
                    &rule.name,
                    &m.name,
                    Some(&m.site),
                    Some(&m.name),
                );
                check_metric(&mut out, rule, m);
            }
            None => out.push(
                codes::METRIC_MISSING,
                format!(
                    "no metric `{}` was recorded (contract {}:{})",
                    rule.name, contract.file, rule.line
                ),
                &rule.name,
                "(none)",
                None,
                None,
            ),
        }
    }
    out.errors
}

struct Out<'a> {
    errors: Vec<CodeError>,
    /// (code, expected, actual) already reported: one error however many instances.
    seen: BTreeSet<(String, String, String)>,
    program: &'a Program,
    contract: &'a Contract,
}

impl Out<'_> {
    fn push(
        &mut self,
        code: &str,
        message: String,
        expected: &str,
        actual: &str,
        site: Option<&Site>,
        needle: Option<&str>,
    ) {
        if !self
            .seen
            .insert((code.to_string(), expected.to_string(), actual.to_string()))
        {
            return;
        }
        let mut error = CodeError::new(ErrorType::TelemetryMismatch, message);
        error.code = Some(code.to_string());
        error.step = "test".to_string();
        error.notes.push(format!("expected: {expected}"));
        error.notes.push(format!("actual: {actual}"));
        error
            .notes
            .push(format!("contract: {}", self.contract.file));
        error.location = site
            .and_then(|s| locate(self.program, s, needle))
            .or_else(|| needle.and_then(|n| find_literal(self.program, n)));
        self.errors.push(error);
    }
}

/// Where the telemetry gave no call site (Go instruments created in package variables, before
/// the collector was installed): the one string literal `name` in the program's own (not
/// protected) files, if there is exactly one.
fn find_literal(program: &Program, name: &str) -> Option<Location> {
    let mut found = None;
    for (file, text) in program.files() {
        if program.protected().contains(file) {
            continue;
        }
        for quote in ['"', '\'', '`'] {
            let literal = format!("{quote}{name}{quote}");
            for (at, _) in text.match_indices(&literal) {
                if found.is_some() {
                    return None;
                }
                let before = &text[..at];
                let line = before.matches('\n').count() as u32 + 1;
                let column = (at - before.rfind('\n').map_or(0, |i| i + 1)) as u32 + 1;
                found = Some(Location::new(file.clone(), line, column));
            }
        }
    }
    found
}

/// The site as a location; the column is that of the name's string literal on the line when
/// `needle` is given and found there, else 1.
fn locate(program: &Program, site: &Site, needle: Option<&str>) -> Option<Location> {
    let file = site.file.as_ref()?;
    let line = site.line?;
    let column = program
        .files()
        .get(file)
        .and_then(|text| text.lines().nth(line.saturating_sub(1) as usize))
        .and_then(|l| {
            let n = needle?;
            ['"', '\'', '`']
                .iter()
                .find_map(|q| l.find(&format!("{q}{n}{q}")))
        })
        .map(|byte| byte as u32 + 1)
        .unwrap_or(1);
    Some(Location::new(file.clone(), line, column))
}

fn check_span(
    out: &mut Out<'_>,
    rule: &SpanRule,
    span: &SpanRecord,
    by_id: &HashMap<&str, &str>,
    canonical: &dyn Fn(&str) -> String,
) {
    let site = Some(&span.site);
    if let (Some(kind), Some(actual)) = (&rule.kind, &span.span_kind) {
        if kind != actual {
            out.push(
                codes::SPAN_KIND,
                format!("span `{}` has kind {actual}, not {kind}", rule.name),
                kind,
                actual,
                site,
                Some(&span.name),
            );
        }
    }
    let parent = span
        .parent_id
        .as_deref()
        .filter(|id| !id.is_empty())
        .map(|id| {
            by_id
                .get(id)
                .map(|n| canonical(n))
                .unwrap_or_else(|| "(a span of another process)".to_string())
        });
    let expected_parent = match &rule.parent {
        Parent::Any => None,
        Parent::Root => Some("(root)".to_string()),
        Parent::Named(p) => Some(p.clone()),
    };
    if let Some(expected) = expected_parent {
        let actual = parent.clone().unwrap_or_else(|| "(root)".to_string());
        if actual != expected {
            out.push(
                codes::SPAN_PARENT,
                format!(
                    "span `{}` has parent {actual}, the contract says {expected}",
                    rule.name
                ),
                &expected,
                &actual,
                site,
                Some(&span.name),
            );
        }
    }
    check_attributes(
        out,
        &format!("span `{}`", rule.name),
        &rule.required,
        &rule.optional,
        &span.attributes,
        site,
        &span.name,
    );
    if rule.status_on_error.is_some() && span.exception && span.status.as_deref() != Some("error") {
        let actual = span.status.clone().unwrap_or_else(|| "unset".into());
        out.push(
            codes::SPAN_STATUS,
            format!(
                "span `{}` recorded an exception but ended with status {actual}",
                rule.name
            ),
            "error",
            &actual,
            site,
            Some(&span.name),
        );
    }
}

fn check_metric(out: &mut Out<'_>, rule: &MetricRule, m: &MetricRecord) {
    let site = Some(&m.site);
    if m.instrument != rule.instrument {
        out.push(
            codes::METRIC_INSTRUMENT,
            format!(
                "metric `{}` is a {}, the contract says {}",
                rule.name, m.instrument, rule.instrument
            ),
            &rule.instrument,
            &m.instrument,
            site,
            Some(&m.name),
        );
    }
    if m.unit != rule.unit {
        out.push(
            codes::METRIC_UNIT,
            format!(
                "metric `{}` has unit `{}`, the contract says `{}`",
                rule.name, m.unit, rule.unit
            ),
            &rule.unit,
            &m.unit,
            site,
            Some(&m.name),
        );
    }
    for point in &m.points {
        check_attributes(
            out,
            &format!("metric `{}`", rule.name),
            &rule.attributes,
            &[],
            point,
            site,
            &m.name,
        );
    }
}

fn check_attributes(
    out: &mut Out<'_>,
    owner: &str,
    required: &[AttrRule],
    optional: &[AttrRule],
    actual: &BTreeMap<String, String>,
    site: Option<&Site>,
    needle: &str,
) {
    for a in required.iter().chain(optional) {
        let is_required = required.iter().any(|r| r.id == a.id);
        match actual.get(&a.id) {
            None if is_required => out.push(
                codes::ATTRIBUTE_MISSING,
                format!("{owner} lacks the required attribute `{}` ({})", a.id, a.ty),
                &format!("{} ({})", a.id, a.ty.wire()),
                "(absent)",
                site,
                Some(needle),
            ),
            None => {}
            Some(ty) if !a.ty.accepts(ty) => out.push(
                codes::ATTRIBUTE_TYPE,
                format!(
                    "{owner}: attribute `{}` is {ty}, the registry says {}",
                    a.id, a.ty
                ),
                &format!("{} ({})", a.id, a.ty.wire()),
                &format!("{} ({ty})", a.id),
                site,
                Some(needle),
            ),
            Some(_) => {}
        }
    }
    for (id, ty) in actual {
        if !required.iter().chain(optional).any(|a| &a.id == id) {
            out.push(
                codes::ATTRIBUTE_EXTRA,
                format!("{owner} carries attribute `{id}`, which the contract does not list"),
                "(not listed)",
                &format!("{id} ({ty})"),
                site,
                Some(needle),
            );
        }
    }
}

/// How much an actual span looks like the expected one: its name's similarity, raised when
/// it carries the expected attributes.
fn span_likeness(rule: &SpanRule, name: &str, instances: &[&SpanRecord]) -> f64 {
    let by_name = similarity(&rule.name, name);
    let wanted: Vec<&str> = rule
        .required
        .iter()
        .chain(&rule.optional)
        .map(|a| a.id.as_str())
        .collect();
    if wanted.is_empty() {
        return by_name;
    }
    let carried = wanted
        .iter()
        .filter(|id| instances.iter().any(|s| s.attributes.contains_key(**id)))
        .count();
    by_name.max(carried as f64 / wanted.len() as f64)
}

/// 1 − normalized Levenshtein distance, over characters.
pub(crate) fn similarity(a: &str, b: &str) -> f64 {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let longest = a.len().max(b.len());
    if longest == 0 {
        return 1.0;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    1.0 - prev[b.len()] as f64 / longest as f64
}

/// The `expected: …` and `actual: …` notes of a telemetry error.
pub fn expected_actual(error: &CodeError) -> Option<(&str, &str)> {
    let expected = error
        .notes
        .iter()
        .find_map(|n| n.strip_prefix("expected: "))?;
    let actual = error
        .notes
        .iter()
        .find_map(|n| n.strip_prefix("actual: "))?;
    Some((expected, actual))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::TargetLanguage;

    const REGISTRY: &str = "groups:\n  - id: registry.shop\n    type: attribute_group\n    attributes:\n      - id: order.id\n        type: string\n      - id: order.total\n        type: double\n      - id: order.kind\n        type: string\n      - id: order.count\n        type: int\n";

    fn contract() -> Contract {
        let text = "registry = \"semconv\"\n[[spans]]\nname = \"checkout\"\nparent = \"\"\nrequired = [\"order.id\"]\noptional = [\"order.total\"]\n\n[[spans]]\nname = \"charge\"\nparent = \"checkout\"\nrequired = [\"order.total\"]\nstatus_on_error = \"error\"\n\n[[metrics]]\nname = \"orders.processed\"\ninstrument = \"counter\"\nunit = \"{order}\"\nattributes = [\"order.kind\"]\n";
        Contract::parse("telemetry.toml", text, |_| {
            Ok(vec![("semconv/shop.yaml".into(), REGISTRY.into())])
        })
        .unwrap()
    }

    fn program() -> Program {
        Program::new(
            TargetLanguage::Python,
            [(
                "shop.py".to_string(),
                "x\n    with tracer.start_as_current_span(\"chekout\") as span:\n".to_string(),
            )],
        )
        .unwrap()
    }

    fn records(lines: &[&str]) -> Vec<Record> {
        let (r, bad) = parse_records(&lines.join("\n"));
        assert_eq!(bad, 0);
        r
    }

    #[test]
    fn compliant_telemetry_has_no_errors() {
        let r = records(&[
            r#"{"kind":"span","name":"charge","span_id":"b","parent_id":"a","attributes":{"order.total":"int"},"status":"unset"}"#,
            r#"{"kind":"span","name":"checkout","span_id":"a","attributes":{"order.id":"string","order.total":"double"}}"#,
            r#"{"kind":"metric","name":"orders.processed","instrument":"counter","unit":"{order}","points":[{"order.kind":"string"}]}"#,
        ]);
        assert_eq!(compare(&contract(), &r, &program()), vec![]);
    }

    #[test]
    fn misnamed_span_and_missing_attribute() {
        let r = records(&[
            r#"{"kind":"span","name":"charge","span_id":"b","parent_id":"a","attributes":{},"file":"shop.py","line":2}"#,
            r#"{"kind":"span","name":"chekout","span_id":"a","attributes":{"order.id":"string"},"file":"shop.py","line":2}"#,
            r#"{"kind":"metric","name":"orders.processed","instrument":"counter","unit":"{order}","points":[{"order.kind":"string"}]}"#,
        ]);
        let errors = compare(&contract(), &r, &program());
        let got: Vec<_> = errors
            .iter()
            .map(|e| {
                (
                    e.code.clone().unwrap(),
                    expected_actual(e).unwrap(),
                    e.location.as_ref().map(|l| (l.line, l.column)),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    codes::SPAN_MISNAMED.to_string(),
                    ("checkout", "chekout"),
                    Some((2, 39))
                ),
                (
                    codes::ATTRIBUTE_MISSING.to_string(),
                    ("order.total (double)", "(absent)"),
                    Some((2, 1))
                ),
            ]
        );
        assert!(errors
            .iter()
            .all(|e| e.error_type == ErrorType::TelemetryMismatch));
    }

    #[test]
    fn every_other_difference() {
        let r = records(&[
            r#"{"kind":"span","name":"charge","span_id":"b","attributes":{"order.total":"string","order.count":"int"},"exception":true,"status":"unset","span_kind":"client"}"#,
            r#"{"kind":"metric","name":"orders.processd","instrument":"histogram","unit":"ms","points":[{}]}"#,
        ]);
        let errors = compare(&contract(), &r, &program());
        let got: Vec<(String, (&str, &str))> = errors
            .iter()
            .map(|e| (e.code.clone().unwrap(), expected_actual(e).unwrap()))
            .collect();
        assert_eq!(
            got,
            vec![
                (codes::SPAN_MISSING.into(), ("checkout", "(none)")),
                (codes::SPAN_PARENT.into(), ("checkout", "(root)")),
                (
                    codes::ATTRIBUTE_TYPE.into(),
                    ("order.total (double)", "order.total (string)")
                ),
                (
                    codes::ATTRIBUTE_EXTRA.into(),
                    ("(not listed)", "order.count (int)")
                ),
                (codes::SPAN_STATUS.into(), ("error", "unset")),
                (
                    codes::METRIC_MISNAMED.into(),
                    ("orders.processed", "orders.processd")
                ),
                (codes::METRIC_INSTRUMENT.into(), ("counter", "histogram")),
                (codes::METRIC_UNIT.into(), ("{order}", "ms")),
                (
                    codes::ATTRIBUTE_MISSING.into(),
                    ("order.kind (string)", "(absent)")
                ),
            ]
        );
    }
}
