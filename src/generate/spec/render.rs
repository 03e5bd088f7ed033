//! Literals and tests: example values rendered in the target language, and the test file
//! the examples become.

use super::*;

/// A TOML value as a literal of `language`; `ty` (the declared type, when there is one)
/// picks the form where the language needs it (`vec![]` vs `&[]`, `[]int{}`, `String`).
pub fn render_literal(
    language: TargetLanguage,
    value: &toml::Value,
    ty: Option<&str>,
) -> Result<String, String> {
    use toml::Value as V;
    let ty = ty.map(str::trim);
    Ok(match (language, value) {
        (_, V::Datetime(_)) => return Err("dates are not supported in examples".into()),
        (TargetLanguage::Python, V::Boolean(b)) => if *b { "True" } else { "False" }.into(),
        (_, V::Boolean(b)) => b.to_string(),
        (TargetLanguage::Rust, V::Integer(i)) if ty.is_some_and(is_float_type) => format!("{i}.0"),
        (TargetLanguage::Rust, V::Integer(i))
            if ty.is_some_and(|t| t.contains("String") || t.contains("str")) =>
        {
            return Err(format!(
                "the integer {i} does not fit the type `{}`",
                ty.unwrap_or_default()
            ))
        }
        (_, V::Integer(i)) => i.to_string(),
        (_, V::Float(f)) => {
            if !f.is_finite() {
                return Err(format!("{f} has no literal; use a finite number"));
            }
            let s = format!("{f:?}");
            if language == TargetLanguage::Rust
                && ty.is_some_and(|t| !is_float_type(t) && !t.contains('[') && !t.contains('<'))
            {
                return Err(format!(
                    "the float {s} does not fit the type `{}`",
                    ty.unwrap_or_default()
                ));
            }
            s
        }
        (TargetLanguage::Rust, V::String(s)) => match ty {
            Some("String") => format!("String::from({s:?})"),
            Some("char") => {
                let mut chars = s.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => format!("{c:?}"),
                    _ => return Err(format!("{s:?} is not one `char`")),
                }
            }
            _ => format!("{s:?}"),
        },
        (TargetLanguage::Go, V::String(s)) if ty == Some("rune") => {
            let mut chars = s.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => format!("'{}'", c.escape_default()),
                _ => return Err(format!("{s:?} is not one `rune`")),
            }
        }
        // JSON string syntax is valid Python, JavaScript and Go.
        (_, V::String(s)) => serde_json::to_string(s).map_err(|e| e.to_string())?,
        (TargetLanguage::Python | TargetLanguage::JavaScript, V::Array(items)) => {
            let inner: Result<Vec<_>, _> = items
                .iter()
                .map(|v| render_literal(language, v, None))
                .collect();
            format!("[{}]", inner?.join(", "))
        }
        (TargetLanguage::Rust, V::Array(items)) => {
            let (open, elem, close) = match ty {
                Some(t) if t.starts_with("&[") || t.starts_with("&mut [") => {
                    let inner = t.trim_start_matches("&mut ").trim_start_matches('&');
                    ("&[", slice_elem(inner), "]")
                }
                Some(t) if t.starts_with('[') => ("[", slice_elem(t), "]"),
                Some(t) if t.starts_with("&Vec<") => ("&vec![", generic_arg(&t[1..]), "]"),
                Some(t) if t.starts_with("Vec<") => ("vec![", generic_arg(t), "]"),
                Some(t) if t.starts_with("impl ") || t.starts_with("&impl") => ("vec![", None, "]"),
                Some(t) => return Err(format!("an array does not fit the type `{t}`")),
                None => ("vec![", None, "]"),
            };
            let inner: Result<Vec<_>, _> = items
                .iter()
                .map(|v| render_literal(language, v, elem.as_deref()))
                .collect();
            format!("{open}{}{close}", inner?.join(", "))
        }
        (TargetLanguage::Go, V::Array(items)) => {
            let t = ty.ok_or("an array needs a declared type in Go (e.g. `xs []int`)")?;
            let elem = t
                .strip_prefix("[]")
                .ok_or_else(|| format!("an array does not fit the type `{t}`; use a slice type"))?;
            let inner: Result<Vec<_>, _> = items
                .iter()
                .map(|v| {
                    // Go lets composite elements drop their type: `[][]int{{1}, {2}}`.
                    render_literal(language, v, Some(elem))
                        .map(|s| s.strip_prefix(elem).map(str::to_string).unwrap_or(s))
                })
                .collect();
            format!("{t}{{{}}}", inner?.join(", "))
        }
        (TargetLanguage::Python | TargetLanguage::JavaScript, V::Table(table)) => {
            let mut parts = Vec::new();
            for (k, v) in table {
                let key = serde_json::to_string(k).map_err(|e| e.to_string())?;
                parts.push(format!("{key}: {}", render_literal(language, v, None)?));
            }
            format!("{{{}}}", parts.join(", "))
        }
        (_, V::Table(_)) => {
            return Err(format!(
                "tables are not supported in {language} examples; use arrays or scalars"
            ))
        }
    })
}

pub(super) fn is_float_type(t: &str) -> bool {
    matches!(t, "f64" | "f32" | "float64" | "float32" | "float")
}

/// `[T]` / `[T; N]` → `T`.
pub(super) fn slice_elem(t: &str) -> Option<String> {
    let inner = t.strip_prefix('[')?.strip_suffix(']')?;
    Some(inner.split(';').next().unwrap_or(inner).trim().to_string())
}

/// `Vec<T>` → `T`.
pub(super) fn generic_arg(t: &str) -> Option<String> {
    let start = t.find('<')?;
    let inner = t[start + 1..].strip_suffix('>')?;
    Some(inner.trim().to_string())
}

/// (`add(1, 2)`, `3`) for an example.
pub(super) fn render_example_call(
    language: TargetLanguage,
    sig: &FunctionSig,
    example: &Example,
) -> Result<(String, String), String> {
    let mut args = Vec::new();
    for (i, v) in example.args.iter().enumerate() {
        let ty = sig
            .params
            .get(i)
            .or(sig.params.last())
            .and_then(|p| p.ty.as_deref());
        let ty = if sig.variadic && i >= sig.params.len() {
            None
        } else {
            ty
        };
        args.push(
            render_literal(language, v, ty)
                .map_err(|why| format!("argument {} (`{v}`): {why}", i + 1))?,
        );
    }
    let ret = sig.returns.as_deref();
    if language == TargetLanguage::Go && ret.is_some_and(|r| r.starts_with('(')) {
        return Err(format!(
            "`{}` returns several values, which examples cannot compare; return one value",
            sig.text
        ));
    }
    let expected = render_literal(language, &example.expected, ret)
        .map_err(|why| format!("expected (`{}`): {why}", example.expected))?;
    Ok((format!("{}({})", sig.name, args.join(", ")), expected))
}

/// The examples as a test file in the spec's language.
pub(super) fn render_tests(spec: &Spec) -> String {
    let mut cases = Vec::new();
    for (i, ex) in spec.examples.iter().enumerate() {
        let Some(sig) = spec.functions.iter().find(|f| f.name == ex.call) else {
            continue;
        };
        // Validated at parse time; an error here cannot happen for a parsed spec.
        let Ok((call, expected)) = render_example_call(spec.language, sig, ex) else {
            continue;
        };
        let float = matches!(ex.expected, toml::Value::Float(_));
        let slice = matches!(ex.expected, toml::Value::Array(_) | toml::Value::Table(_));
        cases.push((i + 1, call, expected, float, slice));
    }
    let names: Vec<&str> = spec.functions.iter().map(|f| f.name.as_str()).collect();
    let mut out = String::new();
    match spec.language {
        TargetLanguage::Rust => {
            out.push_str("use super::*;\n");
            for (n, call, expected, float, _) in &cases {
                out.push_str(&format!("\n#[test]\nfn example_{n}() {{\n"));
                if *float {
                    out.push_str(&format!(
                        "    let got = {call};\n    assert!((got - {expected}).abs() < 1e-9, \"{} = {{got}}, want {}\");\n",
                        rust_escape(call),
                        rust_escape(expected)
                    ));
                } else {
                    out.push_str(&format!("    assert_eq!({call}, {expected});\n"));
                }
                out.push_str("}\n");
            }
        }
        TargetLanguage::Python => {
            out.push_str("import unittest\n\n");
            out.push_str(&format!("from main import {}\n\n\n", names.join(", ")));
            out.push_str("class ExamplesTest(unittest.TestCase):\n");
            for (n, call, expected, float, _) in &cases {
                let assert = if *float {
                    "assertAlmostEqual"
                } else {
                    "assertEqual"
                };
                out.push_str(&format!(
                    "    def test_example_{n}(self):\n        self.{assert}({call}, {expected})\n\n"
                ));
            }
            out.push_str("\nif __name__ == \"__main__\":\n    unittest.main()\n");
        }
        TargetLanguage::JavaScript => {
            out.push_str("const assert = require('assert');\n");
            out.push_str(&format!(
                "const {{ {} }} = require('./main.js');\n\n",
                names.join(", ")
            ));
            for (n, call, expected, float, _) in &cases {
                let label = serde_json::to_string(&format!("example {n}: {call}"))
                    .unwrap_or_else(|_| "\"example\"".into());
                if *float {
                    out.push_str(&format!(
                        "{{\n  const got = {call};\n  assert.ok(Math.abs(got - {expected}) < 1e-9, {label} + ' = ' + got + ', want {expected}');\n}}\n"
                    ));
                } else {
                    out.push_str(&format!(
                        "assert.deepStrictEqual({call}, {expected}, {label});\n"
                    ));
                }
            }
        }
        TargetLanguage::Go => {
            let mut imports = vec!["\"testing\""];
            if cases.iter().any(|c| c.3) {
                imports.insert(0, "\"math\"");
            }
            if cases.iter().any(|c| c.4) {
                imports.insert(0, "\"reflect\"");
            }
            out.push_str("package main\n\nimport (\n");
            for i in imports {
                out.push_str(&format!("\t{i}\n"));
            }
            out.push_str(")\n");
            for (n, call, expected, float, slice) in &cases {
                let quoted = serde_json::to_string(call).unwrap_or_default();
                let cond = if *float {
                    format!("math.Abs(got-{expected}) > 1e-9")
                } else if *slice {
                    format!("!reflect.DeepEqual(got, {expected})")
                } else {
                    format!("got != {expected}")
                };
                out.push_str(&format!(
                    "\nfunc TestExample{n}(t *testing.T) {{\n\tgot := {call}\n\tif {cond} {{\n\t\tt.Errorf(\"%s = %v, want %v\", {quoted}, got, {expected})\n\t}}\n}}\n"
                ));
            }
        }
    }
    out
}

pub(super) fn rust_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('{', "{{")
        .replace('}', "}}")
}
