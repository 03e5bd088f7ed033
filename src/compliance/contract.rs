//! The telemetry contract: which spans and metrics a program must emit (TOML).
//!
//! ```toml
//! registry = "semconv"              # Weaver YAML: a file, or a directory of *.yaml/*.yml,
//!                                   # relative to the contract; a list is allowed
//! [[spans]]
//! name = "checkout"
//! kind = "internal"                 # optional: internal | server | client | producer | consumer
//! parent = "handle_request"         # optional: the parent span's name; "" = a root span;
//!                                   # absent = any parent
//! required = ["order.id"]           # attributes that must be present (types: the registry's)
//! optional = ["order.total"]        # attributes that may be present; any other is extra
//! status_on_error = "error"         # optional: a span that recorded an exception has status ERROR
//!
//! [[metrics]]
//! name = "orders.processed"
//! instrument = "counter"            # counter | up_down_counter | histogram | gauge
//! unit = "{order}"
//! attributes = ["order.kind"]       # attributes every data point carries
//! ```
//!
//! The same table is the `[telemetry]` section of a spec (`[[telemetry.spans]]`, …). Every
//! attribute must be defined by the registry; an unknown one is an error naming the file and
//! line.

use std::collections::BTreeSet;
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use super::registry::{AttrType, Registry};
use super::ComplianceError;

/// The name of the contract file beside a program's sources.
pub const CONTRACT_FILE: &str = "telemetry.toml";

/// A span kinds a contract may name.
pub const SPAN_KINDS: &[&str] = &["internal", "server", "client", "producer", "consumer"];

/// Instruments a contract may name.
pub const INSTRUMENTS: &[&str] = &["counter", "up_down_counter", "histogram", "gauge"];

/// A checked contract with its attribute types resolved from the registry.
#[derive(Debug, Clone, PartialEq)]
pub struct Contract {
    /// The file it was read from (`telemetry.toml`, a spec's path).
    pub file: String,
    pub spans: Vec<SpanRule>,
    pub metrics: Vec<MetricRule>,
    /// The registry paths as written (relative to the contract).
    pub registry_paths: Vec<String>,
    /// The registry the attributes were resolved against.
    pub registry: Registry,
}

/// What a span must look like.
#[derive(Debug, Clone, PartialEq)]
pub struct SpanRule {
    pub name: String,
    pub kind: Option<String>,
    pub parent: Parent,
    pub required: Vec<AttrRule>,
    pub optional: Vec<AttrRule>,
    /// `Some("error")`: a span that recorded an exception must end with status ERROR.
    pub status_on_error: Option<String>,
    /// The function whose execution the span measures (OpenTelemetry's `code.function.name`),
    /// when the contract says: where a missing span is added (`any.telemetry-wrap-span`).
    pub function: Option<String>,
    /// Line of the `[[spans]]` entry in the contract file.
    pub line: usize,
}

/// The parent a span must have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parent {
    /// Not constrained.
    Any,
    /// No parent.
    Root,
    /// A span of this name.
    Named(String),
}

/// An attribute the contract names, typed by the registry.
#[derive(Debug, Clone, PartialEq)]
pub struct AttrRule {
    pub id: String,
    pub ty: AttrType,
}

/// What a metric must look like.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricRule {
    pub name: String,
    pub instrument: String,
    pub unit: String,
    pub attributes: Vec<AttrRule>,
    pub line: usize,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RegistryPaths {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawContract {
    #[serde(default)]
    registry: Option<Spanned<RegistryPaths>>,
    #[serde(default)]
    spans: Vec<Spanned<RawSpan>>,
    #[serde(default)]
    metrics: Vec<Spanned<RawMetric>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpan {
    name: Spanned<String>,
    #[serde(default)]
    kind: Option<Spanned<String>>,
    #[serde(default)]
    parent: Option<String>,
    #[serde(default)]
    required: Vec<Spanned<String>>,
    #[serde(default)]
    optional: Vec<Spanned<String>>,
    #[serde(default)]
    status_on_error: Option<Spanned<String>>,
    #[serde(default)]
    function: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMetric {
    name: Spanned<String>,
    instrument: Spanned<String>,
    unit: String,
    #[serde(default)]
    attributes: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
struct RawSpecDoc {
    #[serde(default)]
    telemetry: Option<RawContract>,
}

impl Contract {
    /// Parses a contract file (`telemetry.toml`). `load_registry(path)` returns the registry
    /// files (name, YAML text) at a path relative to the contract.
    ///
    /// # Errors
    /// Bad TOML, an unknown key, a bad kind or instrument, a duplicate span, no registry, or an
    /// attribute the registry does not define: each names the file and line.
    pub fn parse(
        file: &str,
        text: &str,
        load_registry: impl Fn(&str) -> Result<Vec<(String, String)>, String>,
    ) -> Result<Contract, ComplianceError> {
        let raw: RawContract = toml::from_str(text).map_err(|e| toml_error(file, text, &e))?;
        Self::from_raw(file, text, raw, load_registry)
    }

    /// The `[telemetry]` section of a spec, if it has one (same checks as [`Contract::parse`]).
    ///
    /// # Errors
    /// As [`Contract::parse`].
    pub fn from_spec(
        file: &str,
        text: &str,
        load_registry: impl Fn(&str) -> Result<Vec<(String, String)>, String>,
    ) -> Result<Option<Contract>, ComplianceError> {
        let doc: RawSpecDoc = toml::from_str(text).map_err(|e| toml_error(file, text, &e))?;
        match doc.telemetry {
            None => Ok(None),
            Some(raw) => Self::from_raw(file, text, raw, load_registry).map(Some),
        }
    }

    fn from_raw(
        file: &str,
        text: &str,
        raw: RawContract,
        load_registry: impl Fn(&str) -> Result<Vec<(String, String)>, String>,
    ) -> Result<Contract, ComplianceError> {
        let err = |span: Range<usize>, message: String| ComplianceError::Contract {
            file: file.to_string(),
            line: line_of(text, span.start),
            message,
        };
        let Some(registry_spec) = raw.registry else {
            return Err(ComplianceError::Contract {
                file: file.to_string(),
                line: 1,
                message: "no `registry`: name the semantic-convention registry (Weaver YAML) \
                          that defines the contract's attributes"
                    .into(),
            });
        };
        let registry_span = registry_spec.span();
        let registry_paths = match registry_spec.into_inner() {
            RegistryPaths::One(p) => vec![p],
            RegistryPaths::Many(p) => p,
        };
        let mut registry_files = Vec::new();
        for path in &registry_paths {
            let files = load_registry(path)
                .map_err(|why| err(registry_span.clone(), format!("registry `{path}`: {why}")))?;
            registry_files.extend(files);
        }
        let registry =
            Registry::from_files(registry_files.iter().map(|(n, t)| (n.as_str(), t.as_str())))?;
        let describe = registry_paths.join(", ");
        let resolve = |id: &Spanned<String>| -> Result<AttrRule, ComplianceError> {
            match registry.get(id.get_ref()) {
                Some(def) => Ok(AttrRule {
                    id: def.id.clone(),
                    ty: def.ty.clone(),
                }),
                None => Err(err(
                    id.span(),
                    format!(
                        "attribute `{}` is not defined by the registry ({describe}: {} \
                         attributes); define it there or correct the name",
                        id.get_ref(),
                        registry.len()
                    ),
                )),
            }
        };
        let mut spans = Vec::new();
        let mut names = BTreeSet::new();
        for spanned in raw.spans {
            let line = line_of(text, spanned.span().start);
            let s = spanned.into_inner();
            let name = s.name.get_ref().trim().to_string();
            if name.is_empty() {
                return Err(err(s.name.span(), "a span needs a non-empty `name`".into()));
            }
            if !names.insert(name.clone()) {
                return Err(err(s.name.span(), format!("span `{name}` is listed twice")));
            }
            if let Some(kind) = &s.kind {
                if !SPAN_KINDS.contains(&kind.get_ref().as_str()) {
                    return Err(err(
                        kind.span(),
                        format!(
                            "unknown span kind `{}`: use one of {}",
                            kind.get_ref(),
                            SPAN_KINDS.join(", ")
                        ),
                    ));
                }
            }
            if let Some(status) = &s.status_on_error {
                if status.get_ref() != "error" {
                    return Err(err(
                        status.span(),
                        format!(
                            "status_on_error = `{}`: the only status a contract can ask for is \
                             \"error\"",
                            status.get_ref()
                        ),
                    ));
                }
            }
            if let Some(function) = &s.function {
                let f = function.get_ref().trim();
                let valid = !f.is_empty()
                    && f.split("::").flat_map(|p| p.split('.')).all(|p| {
                        !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || c == '_')
                    });
                if !valid {
                    return Err(err(
                        function.span(),
                        format!(
                            "function = `{}`: not a function name (`name`, `Type.name` or \
                             `Type::name`)",
                            function.get_ref()
                        ),
                    ));
                }
            }
            let required = s.required.iter().map(&resolve).collect::<Result<_, _>>()?;
            let optional = s.optional.iter().map(&resolve).collect::<Result<_, _>>()?;
            spans.push(SpanRule {
                name,
                kind: s.kind.map(Spanned::into_inner),
                parent: match s.parent {
                    None => Parent::Any,
                    Some(p) if p.trim().is_empty() => Parent::Root,
                    Some(p) => Parent::Named(p.trim().to_string()),
                },
                required,
                optional,
                status_on_error: s.status_on_error.map(Spanned::into_inner),
                function: s.function.map(|f| f.into_inner().trim().to_string()),
                line,
            });
        }
        let mut metrics = Vec::new();
        let mut metric_names = BTreeSet::new();
        for spanned in raw.metrics {
            let line = line_of(text, spanned.span().start);
            let m = spanned.into_inner();
            let name = m.name.get_ref().trim().to_string();
            if name.is_empty() || !metric_names.insert(name.clone()) {
                return Err(err(
                    m.name.span(),
                    format!("metric `{name}` is empty or listed twice"),
                ));
            }
            if !INSTRUMENTS.contains(&m.instrument.get_ref().as_str()) {
                return Err(err(
                    m.instrument.span(),
                    format!(
                        "unknown instrument `{}`: use one of {}",
                        m.instrument.get_ref(),
                        INSTRUMENTS.join(", ")
                    ),
                ));
            }
            let attributes = m
                .attributes
                .iter()
                .map(&resolve)
                .collect::<Result<_, _>>()?;
            metrics.push(MetricRule {
                name,
                instrument: m.instrument.into_inner(),
                unit: m.unit,
                attributes,
                line,
            });
        }
        for span in &spans {
            if let Parent::Named(parent) = &span.parent {
                if !names.contains(parent) {
                    return Err(ComplianceError::Contract {
                        file: file.to_string(),
                        line: span.line,
                        message: format!(
                            "span `{}` names parent `{parent}`, which the contract does not list",
                            span.name
                        ),
                    });
                }
            }
        }
        Ok(Contract {
            file: file.to_string(),
            spans,
            metrics,
            registry_paths,
            registry,
        })
    }

    /// Every attribute id the contract names, in first-use order, without repeats.
    pub fn attribute_ids(&self) -> Vec<&str> {
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        let all = self
            .spans
            .iter()
            .flat_map(|s| s.required.iter().chain(&s.optional))
            .chain(self.metrics.iter().flat_map(|m| &m.attributes));
        for a in all {
            if seen.insert(a.id.as_str()) {
                out.push(a.id.as_str());
            }
        }
        out
    }

    /// The contract in words, for a model's prompt (generation and `heal --model`): each span
    /// with its kind, parent and attributes (typed by the registry), each metric with its
    /// instrument, unit and data-point attributes, one line each.
    pub fn describe(&self) -> String {
        let attrs = |rules: &[AttrRule]| {
            rules
                .iter()
                .map(|a| match &a.ty {
                    AttrType::Enum { members, .. } => {
                        format!(
                            "`{}` ({}: one of {})",
                            a.id,
                            a.ty.wire(),
                            members.join(", ")
                        )
                    }
                    ty => format!("`{}` ({ty})", a.id),
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut out = String::from(
            "The program must emit this telemetry through the OpenTelemetry API (names exact; \
             attribute values of the given types):\n",
        );
        for s in &self.spans {
            let mut parts = Vec::new();
            if let Some(kind) = &s.kind {
                parts.push(format!("kind {kind}"));
            }
            match &s.parent {
                Parent::Any => {}
                Parent::Root => parts.push("a root span".to_string()),
                Parent::Named(p) => parts.push(format!("a child of span `{p}`")),
            }
            if !s.required.is_empty() {
                parts.push(format!("required attributes {}", attrs(&s.required)));
            }
            if !s.optional.is_empty() {
                parts.push(format!(
                    "optional attributes {} (no others)",
                    attrs(&s.optional)
                ));
            }
            if s.status_on_error.is_some() {
                parts.push("status ERROR when it records an exception".to_string());
            }
            if let Some(function) = &s.function {
                parts.push(format!("measures function `{function}`"));
            }
            out.push_str(&format!("- span `{}`: {}\n", s.name, parts.join("; ")));
        }
        for m in &self.metrics {
            let mut line = format!(
                "- metric `{}`: a {}, unit `{}`",
                m.name, m.instrument, m.unit
            );
            if !m.attributes.is_empty() {
                line.push_str(&format!(", every data point with {}", attrs(&m.attributes)));
            }
            out.push_str(&line);
            out.push('\n');
        }
        out
    }

    /// The contract as a standalone `telemetry.toml` whose registry is `registry_path`.
    pub fn to_toml(&self, registry_path: &str) -> String {
        let q = |s: &str| toml::Value::String(s.to_string()).to_string();
        let list = |attrs: &[AttrRule]| {
            attrs
                .iter()
                .map(|a| q(&a.id))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut out = format!("registry = {}\n", q(registry_path));
        for s in &self.spans {
            out.push_str(&format!("\n[[spans]]\nname = {}\n", q(&s.name)));
            if let Some(kind) = &s.kind {
                out.push_str(&format!("kind = {}\n", q(kind)));
            }
            match &s.parent {
                Parent::Any => {}
                Parent::Root => out.push_str("parent = \"\"\n"),
                Parent::Named(p) => out.push_str(&format!("parent = {}\n", q(p))),
            }
            out.push_str(&format!("required = [{}]\n", list(&s.required)));
            if !s.optional.is_empty() {
                out.push_str(&format!("optional = [{}]\n", list(&s.optional)));
            }
            if let Some(status) = &s.status_on_error {
                out.push_str(&format!("status_on_error = {}\n", q(status)));
            }
            if let Some(function) = &s.function {
                out.push_str(&format!("function = {}\n", q(function)));
            }
        }
        for m in &self.metrics {
            out.push_str(&format!(
                "\n[[metrics]]\nname = {}\ninstrument = {}\nunit = {}\nattributes = [{}]\n",
                q(&m.name),
                q(&m.instrument),
                q(&m.unit),
                list(&m.attributes)
            ));
        }
        out
    }
}

/// 1-based line of a byte offset.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset.min(text.len()))
        .map(|t| t.bytes().filter(|&b| b == b'\n').count() + 1)
        .unwrap_or(1)
}

fn toml_error(file: &str, text: &str, e: &toml::de::Error) -> ComplianceError {
    ComplianceError::Contract {
        file: file.to_string(),
        line: e.span().map(|s| line_of(text, s.start)).unwrap_or(1),
        message: e.message().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) const REGISTRY: &str = "groups:\n  - id: registry.shop\n    type: attribute_group\n    attributes:\n      - id: order.id\n        type: string\n        requirement_level: required\n      - id: order.total\n        type: double\n      - id: order.kind\n        type: string\n";

    fn load(path: &str) -> Result<Vec<(String, String)>, String> {
        if path == "semconv" {
            Ok(vec![("semconv/shop.yaml".into(), REGISTRY.into())])
        } else {
            Err("no registry files there".into())
        }
    }

    #[test]
    fn parses_spans_and_metrics() {
        let text = "registry = \"semconv\"\n\n[[spans]]\nname = \"checkout\"\nkind = \"internal\"\nrequired = [\"order.id\"]\noptional = [\"order.total\"]\n\n[[spans]]\nname = \"charge\"\nparent = \"checkout\"\n\n[[metrics]]\nname = \"orders\"\ninstrument = \"counter\"\nunit = \"{order}\"\nattributes = [\"order.kind\"]\n";
        let c = Contract::parse("telemetry.toml", text, load).unwrap();
        assert_eq!(c.spans.len(), 2);
        assert_eq!(c.spans[0].required[0].ty, AttrType::String);
        assert_eq!(c.spans[0].optional[0].ty, AttrType::Double);
        assert_eq!(c.spans[0].line, 3);
        assert_eq!(c.spans[1].parent, Parent::Named("checkout".into()));
        assert_eq!(c.metrics[0].unit, "{order}");
        assert_eq!(c.attribute_ids(), ["order.id", "order.total", "order.kind"]);
        // The serialized form reads back to the same contract.
        let mut again = Contract::parse("telemetry.toml", &c.to_toml("semconv"), load).unwrap();
        // Lines differ between the two texts; everything else is the same.
        for (a, b) in again.spans.iter_mut().zip(&c.spans) {
            a.line = b.line;
        }
        for (a, b) in again.metrics.iter_mut().zip(&c.metrics) {
            a.line = b.line;
        }
        assert_eq!((again.spans, again.metrics), (c.spans, c.metrics));
    }

    #[test]
    fn unknown_attribute_names_file_and_line() {
        let text = "registry = \"semconv\"\n[[spans]]\nname = \"checkout\"\nrequired = [\n  \"order.id\",\n  \"order.idd\",\n]\n";
        let e = Contract::parse("telemetry.toml", text, load).unwrap_err();
        assert_eq!(
            e.to_string(),
            "telemetry.toml:6: attribute `order.idd` is not defined by the registry (semconv: 3 \
             attributes); define it there or correct the name"
        );
    }

    #[test]
    fn spec_section_and_other_errors() {
        let spec = "name = \"x\"\nlanguage = \"python\"\n\n[telemetry]\nregistry = \"semconv\"\n[[telemetry.spans]]\nname = \"a\"\nkind = \"srv\"\n";
        let e = Contract::from_spec("shop.toml", spec, load).unwrap_err();
        assert_eq!(
            e.to_string(),
            "shop.toml:8: unknown span kind `srv`: use one of internal, server, client, producer, consumer"
        );
        assert!(Contract::from_spec("s.toml", "name = \"x\"\n", load)
            .unwrap()
            .is_none());
        let e = Contract::parse("t.toml", "[[spans]]\nname = \"a\"\n", load).unwrap_err();
        assert!(e.to_string().starts_with("t.toml:1: no `registry`"), "{e}");
        let e = Contract::parse("t.toml", "registry = \"other\"\n", load).unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.toml:1: registry `other`: no registry files there"
        );
        let e = Contract::parse("t.toml", "registry = \"semconv\"\nspans = 3\n", load).unwrap_err();
        assert!(e.to_string().starts_with("t.toml:2: "), "{e}");
    }

    #[test]
    fn function_names_the_measured_function() {
        let text = "registry = \"semconv\"\n[[spans]]\nname = \"checkout\"\nfunction = \"Shop::checkout\"\n";
        let c = Contract::parse("telemetry.toml", text, load).unwrap();
        assert_eq!(c.spans[0].function.as_deref(), Some("Shop::checkout"));
        assert!(c
            .to_toml("semconv")
            .contains("function = \"Shop::checkout\"\n"));
        let bad =
            "registry = \"semconv\"\n[[spans]]\nname = \"checkout\"\nfunction = \"check out()\"\n";
        let e = Contract::parse("telemetry.toml", bad, load).unwrap_err();
        assert_eq!(
            e.to_string(),
            "telemetry.toml:4: function = `check out()`: not a function name (`name`, `Type.name` \
             or `Type::name`)"
        );
    }
}
