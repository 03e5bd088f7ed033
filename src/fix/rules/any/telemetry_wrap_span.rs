//! `any.telemetry-wrap-span`: a span the telemetry contract requires and the program never
//! emits (`telemetry.span_missing`: no span of that name, nor one that looks like it) is added
//! by wrapping the body of the function it measures in a span of that name, made with the
//! language's OpenTelemetry API (Python, JavaScript, Go, Rust).
//!
//! Which function (`docs/telemetry.md`, "Repairs"):
//! 1. the contract's `function = "name"` for the span (what OpenTelemetry's
//!    `code.function.name` names; `Type.name` and `Type::name` are compared by `name`);
//! 2. else a function whose name, read as words (`snake_case`, `camelCase`, `PascalCase`), is
//!    the span's name read as words (split at `.`, `_`, `-`, `/`, spaces and case changes):
//!    span `checkout` ↔ `checkout`/`Checkout`, `charge.order` ↔ `chargeOrder`/`charge_order`;
//! 3. else, less sure, a function named like the span name's last `.` segment
//!    (`shop.checkout` ↔ `checkout`).
//!
//! Only the program's editable sources; several functions that match equally are each a
//! candidate (less sure), and the heal loop's re-check keeps the one that emits the span.
//!
//! The span is made the way the program already makes spans: its module-level tracer (`tracer
//! = trace.get_tracer(…)`, `const tracer = trace.getTracer(…)`, `var tracer = otel.Tracer(…)`,
//! Rust's `global::tracer("…")` name), else the API's global tracer, importing what is missing.
//! The span is the active one (children nest under it), has the contract's kind, and gets each
//! required attribute the function has a parameter for (named as `any.telemetry-attribute`
//! finds values: `order_total`, `orderTotal`, then `total`); without one the candidate is less
//! sure (the attribute rule cannot help: the re-check would see the attribute missing).
//!
//! - Python: the body (after a docstring) goes under `with tracer.start_as_current_span("X")
//!   as span:`, indented one level (lines inside multi-line strings stay as they are).
//! - JavaScript: `return tracer.startActiveSpan('X', (span) => { try { … } finally {
//!   span.end(); } });` (an `async` function gets an `async` callback); generators are left
//!   alone.
//! - Go: `ctx, span := tracer.Start(ctx, "X")` and `defer span.End()` first in the body, the
//!   context from a `context.Context` parameter (else `context.Background()`).
//! - Rust: `let _span = opentelemetry::trace::mark_span_as_active(…Tracer::start(&tracer,
//!   "X"));` first in the body: the span is active until the function returns and ends when
//!   the guard drops. `async fn` is left alone (the guard cannot cross an `.await`).
//!
//! Why it is likely right: the contract names the span and (by `function`, or by the span's
//! own name) the function whose work it measures; wrapping a whole body changes no value the
//! function computes. A guess all the same, hence `Likely`.
//!
//! Example (Python, span `charge` required, `def charge(total):` emits none):
//! `def charge(total):\n    return total * 2` →
//! `def charge(total):\n    with tracer.start_as_current_span("charge") as span:\n        return total * 2`.

use super::telemetry_attribute::{go_constructor, value_for};
use super::*;
use crate::compliance::{codes, expected_actual, AttrType};
use crate::fix::ErrorKind;
use crate::repair::syntax;
use tree_sitter::Node;

/// Confidence when the contract names the function.
const CONFIDENCE_NAMED: f64 = 0.8;
/// Confidence when the function's name is the span's name.
const CONFIDENCE_SAME_WORDS: f64 = 0.75;
/// Confidence when the function's name is the span name's last `.` segment.
const CONFIDENCE_LAST_SEGMENT: f64 = 0.6;
/// Less sure for each other function that matches as well.
const AMBIGUITY_PENALTY: f64 = 0.1;
/// Less sure for each required attribute the function has no value for.
const MISSING_VALUE_PENALTY: f64 = 0.2;

/// The `any.telemetry-wrap-span` rule.
pub(crate) struct TelemetryWrapSpan;

impl Rule for TelemetryWrapSpan {
    const META: RuleMeta = RuleMeta::new("any.telemetry-wrap-span", FixApplicability::Likely)
        .kinds(&[ErrorKind::TelemetryMismatch])
        .codes(&[codes::SPAN_MISSING]);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let Some((expected, _)) = expected_actual(error) else {
            return Vec::new();
        };
        let contract = crate::compliance::contract_of(program).ok().flatten();
        let rule = contract
            .as_ref()
            .and_then(|c| c.spans.iter().find(|s| s.name == expected));
        let want = Want {
            name: expected.to_string(),
            kind: rule
                .and_then(|r| r.kind.clone())
                .filter(|k| k != "internal"),
            required: rule
                .map(|r| {
                    r.required
                        .iter()
                        .map(|a| (a.id.clone(), a.ty.clone()))
                        .collect()
                })
                .unwrap_or_default(),
            function: rule.and_then(|r| r.function.clone()),
        };
        let lang = program.language();
        let mut found: Vec<(&str, &str, Function, f64)> = Vec::new();
        for (file, text) in editable_sources(program) {
            let Some(tree) = syntax::parse(lang, text) else {
                continue;
            };
            for f in functions(lang, tree.root_node(), text) {
                if let Some(confidence) = want.matches(&f.name) {
                    found.push((file, text, f, confidence));
                }
            }
        }
        let best = found.iter().map(|c| c.3).fold(0.0, f64::max);
        found.retain(|c| c.3 >= best);
        let penalty = AMBIGUITY_PENALTY * (found.len().saturating_sub(1)) as f64;
        let mut fixes = Fixes::new(Self::META.id);
        for (file, text, f, confidence) in found {
            let built = match lang {
                TargetLanguage::Python => python(file, text, &f, &want),
                TargetLanguage::JavaScript => javascript(file, text, &f, &want),
                TargetLanguage::Go => go(program, file, text, &f, &want),
                TargetLanguage::Rust => rust(program, file, text, &f, &want),
            };
            let Some(Built { edits, unset }) = built else {
                continue;
            };
            let line = text[..f.start].matches('\n').count() + 1;
            fixes.push(
                confidence - penalty - MISSING_VALUE_PENALTY * unset as f64,
                format!(
                    "wrap the body of `{}` (line {line}) in a span `{}`",
                    f.name, want.name
                ),
                edits,
            );
        }
        fixes.done()
    }
}

/// What the contract asks of the missing span.
struct Want {
    name: String,
    /// The span kind, unless internal (every API's default).
    kind: Option<String>,
    required: Vec<(String, AttrType)>,
    function: Option<String>,
}

impl Want {
    /// How sure a function of this name is the one the span measures; `None` when it is not.
    fn matches(&self, function: &str) -> Option<f64> {
        if let Some(named) = &self.function {
            let last = named.rsplit(['.', ':']).next().unwrap_or(named);
            return (last == function).then_some(CONFIDENCE_NAMED);
        }
        let own = words(function);
        if own.is_empty() {
            return None;
        }
        if words(&self.name) == own {
            return Some(CONFIDENCE_SAME_WORDS);
        }
        let (_, last) = self.name.rsplit_once('.')?;
        (words(last) == own).then_some(CONFIDENCE_LAST_SEGMENT)
    }
}

/// A name's words, lower case: split at every character that is not a letter or digit and
/// where a lower-case letter or digit is followed by an upper-case one.
fn words(name: &str) -> Vec<String> {
    words_split_at(name, |c| !c.is_alphanumeric())
}

/// A function definition, as byte offsets into its file.
struct Function {
    name: String,
    /// The whole definition.
    start: usize,
    /// The body: a block, or (JavaScript arrow functions) an expression.
    body: (usize, usize),
    /// Python: where the first statement after a docstring starts (`None`: nothing to wrap).
    first: Option<usize>,
    /// Parameters: name and type text (empty when untyped).
    params: Vec<(String, String)>,
    is_async: bool,
    /// A JavaScript generator, whose `yield`s cannot move into a callback.
    generator: bool,
    /// A JavaScript arrow function whose body is an expression.
    expression_body: bool,
    /// Byte ranges of string literals spanning several lines (never re-indented).
    strings: Vec<(usize, usize)>,
}

/// Every function definition of a file, in source order.
fn functions(lang: TargetLanguage, root: Node<'_>, text: &str) -> Vec<Function> {
    let strings: Vec<(usize, usize)> = all_nodes(root)
        .into_iter()
        .filter(|n| {
            matches!(
                n.kind(),
                "string" | "template_string" | "string_literal" | "raw_string_literal"
            ) && n.start_position().row != n.end_position().row
        })
        .map(|n| (n.start_byte(), n.end_byte()))
        .collect();
    let mut out = Vec::new();
    for node in all_nodes(root) {
        let (name, def) = match (lang, node.kind()) {
            (TargetLanguage::Python, "function_definition")
            | (TargetLanguage::Go, "function_declaration" | "method_declaration")
            | (TargetLanguage::Rust, "function_item")
            | (
                TargetLanguage::JavaScript,
                "function_declaration" | "generator_function_declaration" | "method_definition",
            ) => (node.child_by_field_name("name"), node),
            (TargetLanguage::JavaScript, "variable_declarator") => {
                match node.child_by_field_name("value") {
                    Some(v) if matches!(v.kind(), "arrow_function" | "function_expression") => {
                        (node.child_by_field_name("name"), v)
                    }
                    _ => continue,
                }
            }
            _ => continue,
        };
        let (Some(name), Some(body)) = (name, def.child_by_field_name("body")) else {
            continue;
        };
        let def_text = syntax::text(def, text);
        let head = &text[def.start_byte()..body.start_byte()];
        let first = if lang == TargetLanguage::Python {
            python_first_statement(body)
        } else {
            None
        };
        out.push(Function {
            name: syntax::text(name, text).to_string(),
            start: node.start_byte(),
            body: (body.start_byte(), body.end_byte()),
            first,
            params: parameters(lang, def, text),
            is_async: def_text.starts_with("async")
                || (lang == TargetLanguage::Rust && head.split_whitespace().any(|w| w == "async")),
            generator: def.kind().contains("generator")
                || head
                    .trim_start()
                    .trim_start_matches("async")
                    .trim_start()
                    .starts_with('*')
                || head.contains("function*"),
            expression_body: body.kind() != "statement_block" && lang == TargetLanguage::JavaScript,
            strings: strings.clone(),
        });
    }
    out
}

/// Python: the first statement of a body that is not its docstring.
fn python_first_statement(body: Node<'_>) -> Option<usize> {
    let mut cursor = body.walk();
    let statements: Vec<Node<'_>> = body
        .named_children(&mut cursor)
        .filter(|n| n.kind() != "comment")
        .collect();
    let docstring = statements.first().is_some_and(|s| {
        s.kind() == "expression_statement"
            && s.named_child_count() == 1
            && s.named_child(0).is_some_and(|c| c.kind() == "string")
    });
    statements
        .get(usize::from(docstring))
        .map(|s| s.start_byte())
}

/// A definition's parameters: name and type text.
fn parameters(lang: TargetLanguage, def: Node<'_>, text: &str) -> Vec<(String, String)> {
    let Some(list) = def
        .child_by_field_name("parameters")
        .or_else(|| def.child_by_field_name("parameter"))
    else {
        return Vec::new();
    };
    let ty = |n: Node<'_>| field_text(n, "type", text).unwrap_or("").to_string();
    let mut out = Vec::new();
    if list.kind() == "identifier" {
        out.push((syntax::text(list, text).to_string(), String::new()));
        return out;
    }
    let mut cursor = list.walk();
    for p in list.named_children(&mut cursor) {
        match lang {
            TargetLanguage::Go => {
                let mut c = p.walk();
                for name in p.children_by_field_name("name", &mut c) {
                    out.push((syntax::text(name, text).to_string(), ty(p)));
                }
            }
            TargetLanguage::Rust => {
                if let Some(pattern) = field_text(p, "pattern", text) {
                    let name = pattern.trim_start_matches("mut ").trim();
                    out.push((name.to_string(), ty(p)));
                }
            }
            _ => {
                let name = if p.kind() == "identifier" {
                    Some(syntax::text(p, text))
                } else {
                    field_text(p, "name", text)
                        .or_else(|| field_text(p, "left", text))
                        .or_else(|| {
                            let mut c = p.walk();
                            let first = p
                                .named_children(&mut c)
                                .find(|c| c.kind() == "identifier")
                                .map(|c| syntax::text(c, text));
                            first
                        })
                };
                if let Some(name) = name.filter(|n| is_identifier(n)) {
                    out.push((name.to_string(), ty(p)));
                }
            }
        }
    }
    out
}

/// A fix's edits, and how many required attributes it could not set.
struct Built {
    edits: Vec<Edit>,
    unset: usize,
}

/// The required attributes the function has a value for: (id, type, parameter, its type).
fn attribute_values<'a>(
    want: &'a Want,
    f: &'a Function,
) -> (Vec<(&'a str, &'a AttrType, String, String)>, usize) {
    let names: Vec<String> = f.params.iter().map(|(n, _)| n.clone()).collect();
    let mut set = Vec::new();
    let mut unset = 0;
    for (id, ty) in &want.required {
        match value_for(id, &names) {
            Some((value, _)) => {
                let param_type = f
                    .params
                    .iter()
                    .find(|(n, _)| *n == value)
                    .map(|(_, t)| t.clone())
                    .unwrap_or_default();
                set.push((id.as_str(), ty, value, param_type));
            }
            None => unset += 1,
        }
    }
    (set, unset)
}

/// Whether `word` occurs as a whole word in `text`.
fn has_word(text: &str, word: &str) -> bool {
    text.match_indices(word)
        .any(|(at, _)| is_word_at(text, at, word.len()))
}

/// `span`, or another name when the body already uses it.
fn span_variable(body: &str, alternative: &'static str) -> &'static str {
    if has_word(body, "span") {
        alternative
    } else {
        "span"
    }
}

fn indent_at(text: &str, at: usize) -> &str {
    let start = start_of_line(text, at);
    let line = &text[start..];
    &line[..line.len() - line.trim_start_matches([' ', '\t']).len()]
}

/// `lines` with `extra` before each line that is not blank and does not start inside a
/// multi-line string (`base` is the byte offset of `lines` in the file).
fn indent_lines(lines: &str, base: usize, extra: &str, strings: &[(usize, usize)]) -> String {
    let mut out = String::with_capacity(lines.len() + 64);
    let mut at = base;
    for line in lines.split_inclusive('\n') {
        let inside = strings.iter().any(|&(s, e)| s < at && at < e);
        if !line.trim().is_empty() && !inside {
            out.push_str(extra);
        }
        out.push_str(line);
        at += line.len();
    }
    out
}

/// The file's stem: a tracer's name when the program names none.
fn stem(file: &str) -> &str {
    let name = file.rsplit('/').next().unwrap_or(file);
    name.split('.').next().unwrap_or(name)
}

/// `NAME` of a top-level `NAME = <…>get_tracer(` / `const NAME = <…>getTracer(` /
/// `var NAME = <…>.Tracer(` in `text` (`call` is the tracer factory).
fn module_tracer(text: &str, call: &str, max_indent: usize) -> Option<String> {
    text.lines().find_map(|line| {
        let trimmed = line.trim_start();
        if line.len() - trimmed.len() > max_indent || !trimmed.contains(call) {
            return None;
        }
        let (left, _) = trimmed.split_once('=')?;
        let left = left.trim().trim_end_matches(':');
        let name = ["const ", "let ", "var "]
            .iter()
            .find_map(|k| left.strip_prefix(k))
            .unwrap_or(left)
            .trim();
        let name = name.split(':').next().unwrap_or(name).trim();
        is_identifier(name).then(|| name.to_string())
    })
}

// ---------------------------------------------------------------- Python

fn python(file: &str, text: &str, f: &Function, want: &Want) -> Option<Built> {
    let first = f.first?;
    let start = start_of_line(text, first);
    if !text[start..first].trim().is_empty() {
        // `def f(): return 1`: one line, nothing to indent under a `with`.
        return None;
    }
    let region = &text[start..f.body.1];
    let indent = indent_at(text, first).to_string();
    let def_indent = indent_at(text, f.start);
    let unit = indent
        .strip_prefix(def_indent)
        .filter(|u| !u.is_empty())
        .unwrap_or("    ")
        .to_string();
    let imports_trace = text.lines().any(|l| {
        l.trim_start()
            .strip_prefix("from opentelemetry import ")
            .is_some_and(|names| {
                names
                    .split([',', ' ', '(', ')'])
                    .any(|n| n.trim() == "trace")
            })
    });
    let tracer = module_tracer(text, "get_tracer(", 0);
    let needs_trace = tracer.is_none() || want.kind.is_some();
    let tracer = tracer.unwrap_or_else(|| "trace.get_tracer(__name__)".to_string());
    let kind = want
        .kind
        .as_ref()
        .map(|k| format!(", kind=trace.SpanKind.{}", k.to_uppercase()))
        .unwrap_or_default();
    let var = span_variable(region, "telemetry_span");
    let (values, unset) = attribute_values(want, f);
    let mut new = format!(
        "{indent}with {tracer}.start_as_current_span(\"{}\"{kind}) as {var}:\n",
        want.name
    );
    for (id, _, value, _) in &values {
        new.push_str(&format!(
            "{indent}{unit}{var}.set_attribute(\"{id}\", {value})\n"
        ));
    }
    new.push_str(&indent_lines(region, start, &unit, &f.strings));
    let mut edits = vec![edit(file, start, f.body.1, new)];
    if needs_trace && !imports_trace {
        let at = text
            .lines()
            .scan(0usize, |offset, l| {
                let here = *offset;
                *offset += l.len() + 1;
                Some((here, l))
            })
            .find(|(_, l)| {
                (l.starts_with("import ") || l.starts_with("from "))
                    && !l.starts_with("from __future__")
            })
            .map_or(0, |(at, _)| at);
        edits.insert(0, edit(file, at, at, "from opentelemetry import trace\n"));
    }
    Some(Built { edits, unset })
}

// ---------------------------------------------------------------- JavaScript

fn javascript(file: &str, text: &str, f: &Function, want: &Want) -> Option<Built> {
    if f.generator {
        return None;
    }
    let body = &text[f.body.0..f.body.1];
    let esm = text
        .lines()
        .any(|l| l.starts_with("import ") || l.starts_with("export "));
    // The API's `trace`/`SpanKind` as the file has them, else through `require`.
    let api_names: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("@opentelemetry/api"))
        .flat_map(|l| {
            l.split_once('{')
                .and_then(|(_, r)| r.split_once('}'))
                .map(|(names, _)| names.split(',').map(str::trim).collect::<Vec<_>>())
                .unwrap_or_default()
        })
        .collect();
    let api = |name: &str| -> Option<String> {
        if api_names.contains(&name) {
            Some(name.to_string())
        } else if esm {
            None
        } else {
            Some(format!("require('@opentelemetry/api').{name}"))
        }
    };
    let tracer = match module_tracer(text, "getTracer(", 0) {
        Some(t) => t,
        None => format!("{}.getTracer('{}')", api("trace")?, stem(file)),
    };
    let options = match &want.kind {
        Some(k) => format!("{{ kind: {}.{} }}, ", api("SpanKind")?, k.to_uppercase()),
        None => String::new(),
    };
    let var = span_variable(body, "telemetrySpan");
    let (values, unset) = attribute_values(want, f);
    let callback = if f.is_async { "async " } else { "" };
    let open = format!(
        "{tracer}.startActiveSpan('{}', {options}{callback}({var}) => {{",
        want.name
    );
    let mut sets = String::new();
    for (id, _, value, _) in &values {
        sets.push_str(&format!("{var}.setAttribute('{id}', {value}); "));
    }
    if f.expression_body {
        let replacement =
            format!("{open} try {{ {sets}return {body}; }} finally {{ {var}.end(); }} }})");
        return Some(Built {
            edits: vec![edit(file, f.body.0, f.body.1, replacement)],
            unset,
        });
    }
    let inner = &body[1..body.len() - 1];
    let base = indent_at(text, f.body.0).to_string();
    let first_line = inner.trim_start_matches([' ', '\t', '\r']);
    let multi = first_line.starts_with('\n');
    let unit = if multi {
        let first_stmt = f.body.0 + 1 + (inner.len() - inner.trim_start().len());
        indent_at(text, first_stmt)
            .strip_prefix(base.as_str())
            .filter(|u| !u.is_empty())
            .unwrap_or("  ")
            .to_string()
    } else {
        "  ".to_string()
    };
    let (u, uu, uuu) = (unit.clone(), unit.repeat(2), unit.repeat(3));
    let mut out = format!("{{\n{base}{u}return {open}\n{base}{uu}try {{\n");
    for (id, _, value, _) in &values {
        out.push_str(&format!(
            "{base}{uuu}{var}.setAttribute('{id}', {value});\n"
        ));
    }
    if multi {
        let from = inner.find('\n').map_or(0, |i| i + 1);
        let lines = inner[from..].trim_end();
        let offset = f.body.0 + 1 + from;
        out.push_str(&indent_lines(lines, offset, &uu, &f.strings));
        out.push('\n');
    } else if !inner.trim().is_empty() {
        out.push_str(&format!("{base}{uuu}{}\n", inner.trim()));
    }
    out.push_str(&format!(
        "{base}{uu}}} finally {{\n{base}{uuu}{var}.end();\n{base}{uu}}}\n{base}{u}}});\n{base}}}"
    ));
    Some(Built {
        edits: vec![edit(file, f.body.0, f.body.1, out)],
        unset,
    })
}

// ---------------------------------------------------------------- Go

fn go(program: &Program, file: &str, text: &str, f: &Function, want: &Want) -> Option<Built> {
    let body = &text[f.body.0..f.body.1];
    let dir = file.rsplit_once('/').map_or("", |(d, _)| d);
    let package_files = program.files().iter().filter(|(p, _)| {
        p.ends_with(".go")
            && !p.ends_with("_test.go")
            && p.rsplit_once('/').map_or("", |(d, _)| d) == dir
    });
    let mut imports: Vec<&str> = Vec::new();
    let tracer = package_files
        .filter_map(|(_, t)| module_tracer(t, ".Tracer(", 1))
        .next()
        .unwrap_or_else(|| {
            imports.push("go.opentelemetry.io/otel");
            let package = text
                .lines()
                .find_map(|l| l.trim().strip_prefix("package "))
                .unwrap_or("main")
                .trim();
            format!("otel.Tracer(\"{package}\")")
        });
    let ctx = f
        .params
        .iter()
        .find(|(_, t)| t.trim() == "context.Context")
        .map(|(n, _)| n.clone());
    let (left, arg) = match ctx {
        Some(name) if has_word(&body[1..], &name) => (name.clone(), name),
        Some(name) => ("_".to_string(), name),
        None => {
            imports.push("context");
            ("_".to_string(), "context.Background()".to_string())
        }
    };
    let kind = match &want.kind {
        Some(k) => {
            imports.push("go.opentelemetry.io/otel/trace");
            format!(", trace.WithSpanKind(trace.SpanKind{})", capitalized(k))
        }
        None => String::new(),
    };
    let var = span_variable(body, "telemetrySpan");
    let (values, unset) = attribute_values(want, f);
    let inner = &body[1..];
    let first_stmt = f.body.0 + 1 + (inner.len() - inner.trim_start().len());
    let indent = if inner.trim_start().starts_with('}')
        || !inner.trim_start_matches([' ', '\t']).starts_with('\n')
    {
        format!("{}\t", indent_at(text, f.start))
    } else {
        indent_at(text, first_stmt).to_string()
    };
    let mut new = format!(
        "\n{indent}{left}, {var} := {tracer}.Start({arg}, \"{}\"{kind})\n{indent}defer {var}.End()",
        want.name
    );
    for (id, ty, value, param_type) in &values {
        let (ctor, converted) = match (go_constructor(ty.wire())?, param_type.trim()) {
            ("Int", "int") | ("Float64", "float64") => (ctor_of(ty)?, value.clone()),
            ("Int", _) => ("Int64", format!("int64({value})")),
            ("Float64", _) => ("Float64", format!("float64({value})")),
            (ctor, _) => (ctor, value.clone()),
        };
        new.push_str(&format!(
            "\n{indent}{var}.SetAttributes(attribute.{ctor}(\"{id}\", {converted}))"
        ));
        imports.push("go.opentelemetry.io/otel/attribute");
    }
    let mut edits = Vec::new();
    if let Some(e) = go_imports(file, text, &imports) {
        edits.push(e);
    }
    edits.push(edit(file, f.body.0 + 1, f.body.0 + 1, new));
    Some(Built { edits, unset })
}

fn ctor_of(ty: &AttrType) -> Option<&'static str> {
    go_constructor(ty.wire())
}

/// One edit adding the imports `text` lacks: into its `import (` block, else after its
/// package clause.
fn go_imports(file: &str, text: &str, paths: &[&str]) -> Option<Edit> {
    let mut missing: Vec<&str> = paths
        .iter()
        .copied()
        .filter(|p| !text.contains(&format!("\"{p}\"")))
        .collect();
    missing.sort_unstable();
    missing.dedup();
    if missing.is_empty() {
        return None;
    }
    if let Some(at) = text.find("import (\n") {
        let at = at + "import (\n".len();
        let lines: String = missing.iter().map(|p| format!("\t\"{p}\"\n")).collect();
        return Some(edit(file, at, at, lines));
    }
    let package = text.find("package ")?;
    let end = text[package..]
        .find('\n')
        .map_or(text.len(), |i| package + i);
    let lines: String = missing
        .iter()
        .map(|p| format!("\nimport \"{p}\""))
        .collect();
    Some(edit(file, end, end, format!("\n{lines}")))
}

// ---------------------------------------------------------------- Rust

fn rust(program: &Program, file: &str, text: &str, f: &Function, want: &Want) -> Option<Built> {
    if f.is_async {
        return None;
    }
    let name = program
        .files()
        .values()
        .find_map(|t| {
            let at = t.find("global::tracer(\"")? + "global::tracer(\"".len();
            let end = t[at..].find('"')?;
            Some(t[at..at + end].to_string())
        })
        .unwrap_or_else(|| stem(file).to_string());
    let tracer = format!("opentelemetry::global::tracer(\"{name}\")");
    let start = match &want.kind {
        None => format!(
            "opentelemetry::trace::Tracer::start(&{tracer}, \"{}\")",
            want.name
        ),
        Some(k) => format!(
            "opentelemetry::trace::Tracer::build(&{tracer}, \
             opentelemetry::trace::SpanBuilder::from_name(\"{}\")\
             .with_kind(opentelemetry::trace::SpanKind::{}))",
            want.name,
            capitalized(k)
        ),
    };
    let (values, unset) = attribute_values(want, f);
    let inner = &text[f.body.0 + 1..f.body.1];
    let first_stmt = f.body.0 + 1 + (inner.len() - inner.trim_start().len());
    let indent = if inner.trim_start_matches([' ', '\t']).starts_with('\n')
        && !inner.trim_start().starts_with('}')
    {
        indent_at(text, first_stmt).to_string()
    } else {
        format!("{}    ", indent_at(text, f.start))
    };
    let mut new =
        format!("\n{indent}let _span = opentelemetry::trace::mark_span_as_active({start});");
    for (id, ty, value, param_type) in &values {
        let value = if param_type.starts_with('&') && !param_type.contains("str") {
            format!("*{value}")
        } else {
            value.clone()
        };
        let converted = match ty.wire() {
            "string" => format!("{value}.to_string()"),
            "int" => format!("{value} as i64"),
            "double" => format!("{value} as f64"),
            "boolean" => value,
            _ => return None,
        };
        new.push_str(&format!(
            "\n{indent}opentelemetry::trace::get_active_span(|span| \
             span.set_attribute(opentelemetry::KeyValue::new(\"{id}\", {converted})));"
        ));
    }
    Some(Built {
        edits: vec![edit(file, f.body.0 + 1, f.body.0 + 1, new)],
        unset,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::text::testing::{self, program_with_test};
    use crate::fix::FixStrategy;
    use crate::types::ErrorType;

    const REGISTRY: &str = "groups:\n  - id: registry.shop\n    type: attribute_group\n    attributes:\n      - id: order.id\n        type: string\n      - id: order.total\n        type: double\n";

    fn missing(name: &str) -> CodeError {
        let mut e = CodeError::new(
            ErrorType::TelemetryMismatch,
            format!("no span `{name}` was emitted (contract telemetry.toml:2)"),
        )
        .with_code(codes::SPAN_MISSING);
        e.notes.push(format!("expected: {name}"));
        e.notes.push("actual: (none)".into());
        e
    }

    fn with_contract(p: Program, contract: &str) -> Program {
        p.with_data_file("telemetry.toml", contract.as_bytes())
            .unwrap()
            .with_data_file("semconv/shop.yaml", REGISTRY.as_bytes())
            .unwrap()
    }

    const CONTRACT: &str =
        "registry = \"semconv\"\n[[spans]]\nname = \"charge\"\nrequired = [\"order.total\"]\n";

    /// Every result text for a missing span `span`, best first.
    fn results_for(
        span: &str,
        lang: TargetLanguage,
        file: &str,
        text: &str,
        contract: &str,
    ) -> Vec<String> {
        let p = with_contract(
            program_with_test(lang, (file, text), ("test_x", "test\n")),
            contract,
        );
        testing::results(&TelemetryWrapSpan.suggest(&missing(span), &p), text)
    }

    /// Every result text for a missing `charge` span, best first.
    fn results(lang: TargetLanguage, file: &str, text: &str, contract: &str) -> Vec<String> {
        results_for("charge", lang, file, text, contract)
    }

    #[test]
    fn words_split_cases_and_separators() {
        assert_eq!(words("chargeOrder"), ["charge", "order"]);
        assert_eq!(words("ChargeOrder"), ["charge", "order"]);
        assert_eq!(words("charge_order"), ["charge", "order"]);
        assert_eq!(words("charge.order"), ["charge", "order"]);
        assert_eq!(words("HTTPGet"), ["httpget"]);
    }

    /// Each language's wrapping: (case, missing span, language, file, its text, contract, the one
    /// result text).
    #[test]
    fn each_language_wraps_the_body_in_its_api() {
        use TargetLanguage::*;
        for (case, span, lang, file, text, contract, want) in [
            (
                "python: the body goes under a `with` after the docstring",
                "charge",
                Python,
                "shop.py",
                "from opentelemetry import trace\n\ntracer = trace.get_tracer(\"shop\")\n\n\ndef charge(total):\n    \"\"\"Adds tax.\n\n    Twenty percent.\n    \"\"\"\n    text = \"\"\"a\nb\"\"\"\n    return round(total * 1.2, 2)\n",
                CONTRACT,
                "from opentelemetry import trace\n\ntracer = trace.get_tracer(\"shop\")\n\n\ndef charge(total):\n    \"\"\"Adds tax.\n\n    Twenty percent.\n    \"\"\"\n    with tracer.start_as_current_span(\"charge\") as span:\n        span.set_attribute(\"order.total\", total)\n        text = \"\"\"a\nb\"\"\"\n        return round(total * 1.2, 2)\n",
            ),
            (
                "python: without a tracer the API is imported",
                "charge",
                Python,
                "shop.py",
                "import math\n\n\ndef charge(amount):\n    return math.ceil(amount)\n",
                "registry = \"semconv\"\n[[spans]]\nname = \"charge\"\nkind = \"server\"\n",
                "from opentelemetry import trace\nimport math\n\n\ndef charge(amount):\n    with trace.get_tracer(__name__).start_as_current_span(\"charge\", kind=trace.SpanKind.SERVER) as span:\n        return math.ceil(amount)\n",
            ),
            (
                "javascript: the body goes into startActiveSpan",
                "charge",
                JavaScript,
                "shop.js",
                "const { trace } = require('@opentelemetry/api');\n\nconst tracer = trace.getTracer('shop');\n\nfunction charge(total) {\n  const result = total * 2;\n  return result;\n}\n\nconst twice = async (n) => n * 2;\n",
                CONTRACT,
                "const { trace } = require('@opentelemetry/api');\n\nconst tracer = trace.getTracer('shop');\n\nfunction charge(total) {\n  return tracer.startActiveSpan('charge', (span) => {\n    try {\n      span.setAttribute('order.total', total);\n      const result = total * 2;\n      return result;\n    } finally {\n      span.end();\n    }\n  });\n}\n\nconst twice = async (n) => n * 2;\n",
            ),
            (
                "javascript: an expression arrow, found by the span name's words",
                "charge.order",
                JavaScript,
                "shop.js",
                "const chargeOrder = (total) => total * 2;\n",
                "registry = \"semconv\"\n[[spans]]\nname = \"charge.order\"\n",
                "const chargeOrder = (total) => require('@opentelemetry/api').trace.getTracer('shop').startActiveSpan('charge.order', (span) => { try { return total * 2; } finally { span.end(); } });\n",
            ),
            (
                "go: the span starts from the context parameter",
                "charge",
                Go,
                "shop.go",
                "package main\n\nimport (\n\t\"context\"\n\n\t\"go.opentelemetry.io/otel\"\n)\n\nvar tracer = otel.Tracer(\"shop\")\n\nfunc Charge(ctx context.Context, total float64) float64 {\n\treturn total * 2\n}\n",
                CONTRACT,
                "package main\n\nimport (\n\t\"go.opentelemetry.io/otel/attribute\"\n\t\"context\"\n\n\t\"go.opentelemetry.io/otel\"\n)\n\nvar tracer = otel.Tracer(\"shop\")\n\nfunc Charge(ctx context.Context, total float64) float64 {\n\t_, span := tracer.Start(ctx, \"charge\")\n\tdefer span.End()\n\tspan.SetAttributes(attribute.Float64(\"order.total\", total))\n\treturn total * 2\n}\n",
            ),
            (
                "go: without a context the background one",
                "charge",
                Go,
                "shop.go",
                "package shop\n\nfunc charge(total int) int {\n\treturn total * 2\n}\n",
                "registry = \"semconv\"\n[[spans]]\nname = \"charge\"\n",
                "package shop\n\nimport \"context\"\nimport \"go.opentelemetry.io/otel\"\n\nfunc charge(total int) int {\n\t_, span := otel.Tracer(\"shop\").Start(context.Background(), \"charge\")\n\tdefer span.End()\n\treturn total * 2\n}\n",
            ),
            (
                "rust: a new span is marked active for the body (async fn left alone)",
                "charge",
                Rust,
                "lib.rs",
                "pub fn charge(total: f32) -> f32 {\n    total * 2.0\n}\n\npub async fn later() {}\n",
                CONTRACT,
                "pub fn charge(total: f32) -> f32 {\n    let _span = opentelemetry::trace::mark_span_as_active(opentelemetry::trace::Tracer::start(&opentelemetry::global::tracer(\"lib\"), \"charge\"));\n    opentelemetry::trace::get_active_span(|span| span.set_attribute(opentelemetry::KeyValue::new(\"order.total\", total as f64)));\n    total * 2.0\n}\n\npub async fn later() {}\n",
            ),
        ] {
            assert_eq!(
                results_for(span, lang, file, text, contract),
                [want],
                "{case}"
            );
        }
    }

    #[test]
    fn the_contract_function_wins_and_nothing_else_matches() {
        let text = "def charge(total):\n    return total\n\n\ndef bill(total):\n    return total\n";
        let contract =
            "registry = \"semconv\"\n[[spans]]\nname = \"charge\"\nfunction = \"Shop.bill\"\n";
        let got = results(TargetLanguage::Python, "shop.py", text, contract);
        assert_eq!(got.len(), 1);
        assert!(got[0].contains("def bill(total):\n    with trace.get_tracer(__name__).start_as_current_span(\"charge\") as span:\n        return total\n"), "{}", got[0]);
        let none = "def refund(total):\n    return total\n";
        assert!(results(TargetLanguage::Python, "shop.py", none, CONTRACT).is_empty());
    }
}
