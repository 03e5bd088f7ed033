//! `any.telemetry-attribute`: a span that lacks an attribute the telemetry contract requires
//! gets it, set from a value in scope whose name matches the attribute (Python, JavaScript,
//! Go, Rust).
//!
//! The error points at the call that created the span; the span's variable comes from that
//! call (`with … as span:`, `(span) => {`, `const span = …`, `ctx, span := tracer.Start(…)`,
//! `let mut span = tracer.start(…)`, `tracer.in_span(…, |cx| {` → `cx.span()`),
//! the value from the enclosing
//! function's parameters and the names assigned before the span starts: for `order.total`,
//! `order_total`, `orderTotal`, then `total`.
//!
//! Why it is likely right: the registry names the attribute, and a value of that name in the
//! function is what the author had at hand; a guess all the same, hence `Likely`.
//!
//! Example: `with tracer.start_as_current_span("charge") as span:` gains
//! `span.set_attribute("order.total", total)` as its first statement.

use super::*;
use crate::compliance::{codes, expected_actual};
use crate::fix::ErrorKind;

/// Confidence for a value named exactly like the whole attribute (`order_total`).
const CONFIDENCE_FULL: f64 = 0.8;
/// Confidence for a value named like the attribute's last segment (`total`).
const CONFIDENCE_LAST: f64 = 0.65;

/// The `any.telemetry-attribute` rule.
pub(crate) struct TelemetryAttribute;

impl Rule for TelemetryAttribute {
    const META: RuleMeta = RuleMeta::new("any.telemetry-attribute", FixApplicability::Likely)
        .kinds(&[ErrorKind::TelemetryMismatch])
        .codes(&[codes::ATTRIBUTE_MISSING]);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let Some((expected, _)) = expected_actual(error) else {
            return Vec::new();
        };
        let id = expected.split(" (").next().unwrap_or(expected).trim();
        let Some(t) = target(error, program) else {
            return Vec::new();
        };
        // Only spans: a metric's data points get their attributes at the recording call.
        if !message(error).starts_with("span ") {
            return Vec::new();
        }
        let lang = t.lang;
        if !matches!(
            lang,
            TargetLanguage::Python
                | TargetLanguage::JavaScript
                | TargetLanguage::Go
                | TargetLanguage::Rust
        ) {
            return Vec::new();
        }
        let python = lang == TargetLanguage::Python;
        let wire = expected
            .split(" (")
            .nth(1)
            .map(|t| t.trim_end_matches(')'))
            .unwrap_or("string");
        let (start, end) = t.lines.range(t.text, t.line);
        let line = &t.text[start..end];
        let var = if lang == TargetLanguage::Go {
            go_span_variable(line)
        } else if lang == TargetLanguage::Rust {
            rust_span_variable(line)
        } else {
            span_variable(line, python)
        };
        let Some(var) = var else {
            return Vec::new();
        };
        let scope = names_in_scope(t.text, &t.lines, t.line, lang);
        let choice = value_for(id, &scope);
        let Some((value, confidence)) = choice else {
            return Vec::new();
        };
        // Opening a block (`:` / `{`): the first statement inside it; else the next line.
        let opens =
            lang != TargetLanguage::Go && line.trim_end().ends_with(if python { ':' } else { '{' });
        let indent = if opens {
            next_indent(t.text, &t.lines, t.line)
                .unwrap_or_else(|| format!("{}    ", indent_of(t.text, &t.lines, t.line)))
        } else {
            indent_of(t.text, &t.lines, t.line)
        };
        if lang == TargetLanguage::Rust {
            return rust_fixes(&t, id, wire, &var, &value, confidence, &indent, end);
        }
        let statement = match lang {
            TargetLanguage::Python => {
                format!("{indent}{var}.set_attribute(\"{id}\", {value})\n")
            }
            TargetLanguage::Go => {
                // go.opentelemetry.io/otel/attribute's typed constructors.
                let Some(ctor) = go_constructor(wire) else {
                    return Vec::new();
                };
                if !t.text.contains("\"go.opentelemetry.io/otel/attribute\"") {
                    return Vec::new();
                }
                format!("{indent}{var}.SetAttributes(attribute.{ctor}(\"{id}\", {value}))\n")
            }
            _ => format!("{indent}{var}.setAttribute('{id}', {value});\n"),
        };
        let at = if end < t.text.len() { end + 1 } else { end };
        let statement = if at == end {
            format!("\n{statement}")
        } else {
            statement
        };
        let mut fixes = Fixes::new(Self::META.id);
        fixes.replace(
            confidence,
            format!("set `{id}` on the span from `{value}` (line {})", t.line),
            t.file,
            at,
            at,
            &statement,
        );
        fixes.done()
    }
}

/// The value in `scope` for attribute `id`, with the fix's confidence: named like the whole
/// attribute (`order_total`, `orderTotal`), then like its last segment (`total`).
pub(super) fn value_for(id: &str, scope: &[String]) -> Option<(String, f64)> {
    let segments: Vec<&str> = id.split('.').collect();
    let snake = segments.join("_");
    let camel: String = segments
        .iter()
        .enumerate()
        .map(|(i, s)| {
            if i == 0 {
                s.to_string()
            } else {
                capitalized(s)
            }
        })
        .collect();
    let last = segments.last().copied().unwrap_or(id).to_string();
    [
        (snake, CONFIDENCE_FULL),
        (camel, CONFIDENCE_FULL),
        (last, CONFIDENCE_LAST),
    ]
    .into_iter()
    .find(|(name, _)| scope.iter().any(|n| n == name))
}

/// Rust: `span.set_attribute(KeyValue::new("id", value))` after the creating line, the value
/// converted to what `opentelemetry::Value` is made from (`String`, `i64`, `f64`, `bool`).
/// Plain first (a value of that very type), then with a conversion (an `i32`, an `f32`).
#[allow(clippy::too_many_arguments)]
fn rust_fixes(
    t: &Target<'_>,
    id: &str,
    wire: &str,
    var: &str,
    value: &str,
    confidence: f64,
    indent: &str,
    end: usize,
) -> Vec<Fix> {
    let imported = |name: &str| {
        t.text.lines().any(|l| {
            let l = l.trim_start();
            l.starts_with("use opentelemetry")
                && l.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .any(|word| word == name)
        })
    };
    let key_value = if imported("KeyValue") {
        "KeyValue"
    } else {
        "opentelemetry::KeyValue"
    };
    let values: Vec<(String, f64)> = match wire {
        "string" => vec![(format!("{value}.to_string()"), confidence)],
        "int" => vec![
            (value.to_string(), confidence),
            (format!("{value} as i64"), confidence - 0.05),
        ],
        "double" => vec![
            (value.to_string(), confidence),
            (format!("{value} as f64"), confidence - 0.05),
        ],
        "boolean" => vec![(value.to_string(), confidence)],
        _ => return Vec::new(),
    };
    // `cx.span()` (a closure's context) has the method itself; a span variable needs the
    // `Span` trait in scope, else the qualified call.
    let call = |kv: &str| {
        if var == ACTIVE_SPAN {
            format!("opentelemetry::trace::get_active_span(|span| span.set_attribute({kv}));")
        } else if var.ends_with("()") || imported("Span") {
            format!("{var}.set_attribute({kv});")
        } else {
            format!("opentelemetry::trace::Span::set_attribute(&mut {var}, {kv});")
        }
    };
    let at = if end < t.text.len() { end + 1 } else { end };
    let mut fixes = Fixes::new(TelemetryAttribute::META.id);
    for (converted, confidence) in values {
        let kv = format!("{key_value}::new(\"{id}\", {converted})");
        let mut statement = format!("{indent}{}\n", call(&kv));
        if at == end {
            statement.insert(0, '\n');
        }
        fixes.replace(
            confidence,
            format!(
                "set `{id}` on the span from `{converted}` (line {})",
                t.line
            ),
            t.file,
            at,
            at,
            &statement,
        );
    }
    fixes.done()
}

/// The span variable of a line that made its span the active one (Rust).
const ACTIVE_SPAN: &str = "(active span)";

/// `let mut span = tracer.start("name");` → `span`; a `mark_span_as_active` guard → the
/// active span; `tracer.in_span("name", |cx| {` →
/// `cx.span()`.
fn rust_span_variable(line: &str) -> Option<String> {
    if line.contains("mark_span_as_active(") {
        // `let _span = mark_span_as_active(…)` (`any.telemetry-wrap-span`): a guard, not a
        // span; the span is the active one.
        return Some(ACTIVE_SPAN.to_string());
    }
    if let Some((_, rest)) = line.split_once('|') {
        let name = rest.split('|').next()?.trim();
        let name = name.split(':').next()?.trim();
        if is_ident(name) && name != "_" && !line.trim_start().starts_with("let ") {
            return Some(format!("{name}.span()"));
        }
    }
    let rest = line.trim_start().strip_prefix("let ")?;
    let (left, _) = rest.split_once('=')?;
    let left = left.trim().strip_prefix("mut ").unwrap_or(left.trim());
    let name = left.split(':').next()?.trim();
    (is_ident(name) && name != "_").then(|| name.to_string())
}

/// The attribute package's constructor for a registry type.
pub(super) fn go_constructor(wire: &str) -> Option<&'static str> {
    Some(match wire {
        "string" => "String",
        "int" => "Int",
        "double" => "Float64",
        "boolean" => "Bool",
        "string[]" => "StringSlice",
        "int[]" => "IntSlice",
        "double[]" => "Float64Slice",
        "boolean[]" => "BoolSlice",
        _ => return None,
    })
}

/// `ctx, span := tracer.Start(ctx, "name")` → `span`.
fn go_span_variable(line: &str) -> Option<String> {
    let (left, _) = line.split_once(":=").or_else(|| line.split_once('='))?;
    let name = left.rsplit(',').next()?.trim();
    (is_ident(name) && name != "_").then(|| name.to_string())
}

fn is_ident(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '$')
}

/// The span's variable on its creating line.
fn span_variable(line: &str, python: bool) -> Option<String> {
    if python {
        if let Some(at) = line.rfind(" as ") {
            let name = line[at + 4..].trim().trim_end_matches(':').trim();
            if is_ident(name) {
                return Some(name.to_string());
            }
        }
    } else if let Some(arrow) = line.find("=>") {
        let head = line[..arrow].trim_end();
        let head = head.strip_suffix(')').unwrap_or(head);
        let name = head.rsplit(['(', ',', ' ']).next().unwrap_or("").trim();
        if is_ident(name) {
            return Some(name.to_string());
        }
    } else if let Some(at) = line.find("function") {
        let rest = &line[at + "function".len()..];
        let inner = rest.split('(').nth(1)?.split([')', ',']).next()?.trim();
        if is_ident(inner) {
            return Some(inner.to_string());
        }
    }
    // `span = tracer.start_span(...)` / `const span = tracer.startSpan(...)`.
    let left = line.split('=').next()?.trim();
    let name = left
        .strip_prefix("const ")
        .or_else(|| left.strip_prefix("let "))
        .or_else(|| left.strip_prefix("var "))
        .unwrap_or(left)
        .trim();
    (line.contains('=') && is_ident(name)).then(|| name.to_string())
}

/// Indentation of the first non-blank line after `line`.
fn next_indent(text: &str, lines: &LineIndex, line: usize) -> Option<String> {
    (line + 1..=lines.count()).find_map(|l| {
        let (s, e) = lines.range(text, l);
        let body = &text[s..e];
        (!body.trim().is_empty()).then(|| indent_of(text, lines, l))
    })
}

/// Parameters of the function enclosing `line` and names assigned in it before `line`.
fn names_in_scope(text: &str, lines: &LineIndex, line: usize, lang: TargetLanguage) -> Vec<String> {
    let python = lang == TargetLanguage::Python;
    let go = lang == TargetLanguage::Go;
    let rust = lang == TargetLanguage::Rust;
    let own = indent_of(text, lines, line).len();
    let mut names = Vec::new();
    for l in (1..line).rev() {
        let (s, e) = lines.range(text, l);
        let body = &text[s..e];
        let trimmed = body.trim_start();
        if trimmed.is_empty() {
            continue;
        }
        let indent = body.len() - trimmed.len();
        let header = if python {
            trimmed.starts_with("def ") || trimmed.starts_with("async def ")
        } else if go {
            trimmed.starts_with("func ")
        } else if rust {
            trimmed.starts_with("fn ")
                || trimmed.contains(" fn ")
                || (trimmed.contains('|') && !trimmed.starts_with("let "))
        } else {
            trimmed.contains("function") || trimmed.contains("=>")
        };
        if header && indent < own {
            if let Some(params) = trimmed.split_once('(').map(|(_, r)| r) {
                let params = params.split(')').next().unwrap_or("");
                for p in params.split(',') {
                    let p = if go {
                        p.split_whitespace().next().unwrap_or("")
                    } else if rust {
                        let p = p.split(':').next().unwrap_or("").trim();
                        p.strip_prefix("mut ").unwrap_or(p).trim()
                    } else {
                        p.split([':', '=']).next().unwrap_or("").trim()
                    };
                    let p = p.trim_start_matches("...").trim_start_matches('*');
                    if is_ident(p) {
                        names.push(p.to_string());
                    }
                }
            }
            if rust && trimmed.contains('|') && !trimmed.contains("fn ") {
                // A closure's parameters: `|cx|` in `tracer.in_span("name", |cx| {`.
                let inner = trimmed.split('|').nth(1).unwrap_or("");
                for p in inner.split(',') {
                    let p = p.split(':').next().unwrap_or("").trim();
                    if is_ident(p) {
                        names.push(p.to_string());
                    }
                }
                continue;
            }
            if python || go || rust || trimmed.starts_with("function") {
                break;
            }
            continue;
        }
        // `name = …` / `const name = …` / `name := …` before the span.
        let left = trimmed.split('=').next().unwrap_or("");
        let left = left.trim_end().trim_end_matches(':');
        if trimmed.contains('=') && !trimmed.contains("==") {
            let left = left
                .trim()
                .trim_start_matches("const ")
                .trim_start_matches("let ")
                .trim_start_matches("mut ")
                .trim_start_matches("var ")
                .trim();
            // `let total: f64 = …`.
            let left = if rust {
                left.split(':').next().unwrap_or(left).trim()
            } else {
                left
            };
            if is_ident(left) {
                names.push(left.to_string());
            }
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::text::testing::{err, program, results};
    use crate::fix::FixStrategy;

    #[test]
    fn rust_active_span_of_a_wrapped_function_gets_the_attribute() {
        let text = "pub fn charge(total: f64) -> f64 {\n    let _span = opentelemetry::trace::mark_span_as_active(opentelemetry::trace::Tracer::start(&opentelemetry::global::tracer(\"shop\"), \"charge\"));\n    total * 2.0\n}\n";
        let p = program(TargetLanguage::Rust, "lib.rs", text);
        let mut e = err(
            ErrorType::TelemetryMismatch,
            codes::ATTRIBUTE_MISSING,
            "span `charge` lacks the required attribute `order.total` (double)",
            "lib.rs",
            2,
            1,
        );
        e.notes.push("expected: order.total (double)".into());
        e.notes.push("actual: (absent)".into());
        let got = results(&TelemetryAttribute.suggest(&e, &p), text);
        assert_eq!(
            got[0],
            text.replace(
                "    total * 2.0\n",
                "    opentelemetry::trace::get_active_span(|span| span.set_attribute(opentelemetry::KeyValue::new(\"order.total\", total)));\n    total * 2.0\n"
            )
        );
    }
}
