//! `rust.typed-conversion`: the conversions that are right for the expected/found pair of an
//! E0308, ranked per pair. Answers: E0308 `expected `E`, found `F``. Fix, by pair:
//! - number expected, string found: a string literal that spells a number becomes the number
//!   (`"3"` → `3`); otherwise `s.trim().parse::<E>()` with the error handled: `?` when the
//!   enclosing function returns a `Result` whose error a parse error converts into
//!   (`Box<dyn Error>`), `.ok()?` when it returns an `Option`, else `.unwrap_or_default()`;
//! - `E` expected, `Result<E, _>`/`Option<E>` found: `?` when the enclosing function returns the
//!   same kind;
//! - an owned type expected, a reference to it found (`String`/`&String`, `Vec<T>`/`&Vec<T>`,
//!   `Vec<T>`/`&[T]`): `.clone()`/`.to_vec()`/`.to_owned()` (a deref only moves `Copy` types);
//! - `String` expected, a number or `char` found: `.to_string()`.
//!
//! Why it is safe: each conversion is one the types allow; the heal loop validates it before
//! keeping it. The confidence says how often the conversion is what was meant for that pair.
//!
//! Example: `let total: i32 = "3";` → `let total: i32 = 3;`; `let n: i32 = line;` in a function
//! returning `Result<_, Box<dyn Error>>` → `let n: i32 = line.trim().parse::<i32>()?;`.

use super::*;
use crate::fix::ErrorKind;

/// A string literal that spells a number of the expected type: the number was meant.
const CONFIDENCE_LITERAL: f64 = 0.8;
/// Parsing with `?` where the function's error type takes a parse error.
const CONFIDENCE_PARSE_TRY: f64 = 0.7;
/// Parsing with `.ok()?` in a function returning an `Option`.
const CONFIDENCE_PARSE_OPTION: f64 = 0.6;
/// Parsing with a default for input that does not parse.
const CONFIDENCE_PARSE_DEFAULT: f64 = 0.5;
/// Propagating a `Result`/`Option` with `?` where the function returns the same kind.
const CONFIDENCE_TRY: f64 = 0.7;
/// Cloning a borrowed owned value (`String`, `Vec`, a struct): a deref would not compile.
const CONFIDENCE_CLONE: f64 = 0.7;
/// `.to_vec()` for a slice where a `Vec` is expected.
const CONFIDENCE_TO_VEC: f64 = 0.7;
/// `.to_string()` for a number or character where a `String` is expected.
const CONFIDENCE_TO_STRING: f64 = 0.7;

/// The conversions that are right for an expected/found pair.
pub(crate) struct TypedConversion;

impl Rule for TypedConversion {
    const META: RuleMeta = RuleMeta::new("rust.typed-conversion", FixApplicability::Speculative)
        .language(TargetLanguage::Rust)
        .kinds(&[ErrorKind::TypeMismatch, ErrorKind::Compiler])
        .codes(&["E0308"]);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        typed_conversions(error, program).unwrap_or_default()
    }
}

/// The conversions between the expected and the found type the error names.
fn typed_conversions(error: &CodeError, program: &Program) -> Option<Vec<Fix>> {
    let (expected, found) = super::type_conversion::expected_found(error)?;
    let t = target(error, program)?;
    let end = t.end.filter(|e| *e > t.offset)?;
    let expr = &t.text[t.offset..end];
    let tree = parse_tree(TargetLanguage::Rust, t.text)?;
    let node = tree
        .root_node()
        .named_descendant_for_byte_range(t.offset, end);
    let returns = node.map_or(Expected::Unknown, |n| enclosing_return(n, t.text));
    let returns = match &returns {
        Expected::Type(r) => r.as_str(),
        _ => "",
    };
    let simple = node.is_some_and(|n| {
        matches!(
            n.kind(),
            "identifier"
                | "field_expression"
                | "call_expression"
                | "string_literal"
                | "index_expression"
                | "parenthesized_expression"
                | "macro_invocation"
        )
    });
    let paren = if simple {
        expr.to_string()
    } else {
        format!("({expr})")
    };
    let exp = expected.as_str();
    let fnd = found.as_str();
    let mut out: Vec<(f64, String, String)> = Vec::new();
    let stringy = matches!(fnd, "&str" | "String" | "&String" | "&&str");
    if is_rust_number(exp) && stringy {
        let literal = expr
            .strip_prefix('"')
            .and_then(|e| e.strip_suffix('"'))
            .map(str::trim);
        if let Some(lit) = literal {
            let int_ok = RUST_INTEGERS.contains(&exp) && lit.parse::<i128>().is_ok();
            let float_ok = RUST_FLOATS.contains(&exp) && lit.parse::<f64>().is_ok();
            if int_ok || float_ok {
                let number = if float_ok && !lit.contains(['.', 'e', 'E']) {
                    format!("{lit}.0")
                } else {
                    lit.to_string()
                };
                out.push((CONFIDENCE_LITERAL, "write the number".into(), number));
            }
        }
        let parse = format!("{paren}.trim().parse::<{exp}>()");
        if result_takes_parse_errors(returns) {
            out.push((
                CONFIDENCE_PARSE_TRY,
                "parse, returning the error".into(),
                format!("{parse}?"),
            ));
        } else if returns.starts_with("Option<") {
            out.push((
                CONFIDENCE_PARSE_OPTION,
                "parse, returning `None` on failure".into(),
                format!("{parse}.ok()?"),
            ));
        }
        out.push((
            CONFIDENCE_PARSE_DEFAULT,
            "parse, defaulting on failure".into(),
            format!("{parse}.unwrap_or_default()"),
        ));
    }
    let inner_of = |ty: &str, kind: &str| {
        ty.strip_prefix(kind)
            .and_then(|r| r.strip_suffix('>'))
            .and_then(|r| split_top_level(r).first().map(|s| s.to_string()))
    };
    // `Result<_, _>`: rustc leaves the inner type to inference.
    let same = |inner: Option<String>| inner.is_some_and(|i| i == exp || i == "_");
    if same(inner_of(fnd, "Result<")) && returns.starts_with("Result<") {
        out.push((
            CONFIDENCE_TRY,
            "propagate the error with `?`".into(),
            format!("{paren}?"),
        ));
    }
    if same(inner_of(fnd, "Option<")) && returns.starts_with("Option<") {
        out.push((
            CONFIDENCE_TRY,
            "propagate `None` with `?`".into(),
            format!("{paren}?"),
        ));
    }
    if let Some(inner) = fnd.strip_prefix('&').map(|i| i.trim_start_matches("mut ")) {
        let owned = !is_rust_number(inner) && !matches!(inner, "bool" | "char" | "str");
        if inner == exp && owned {
            out.push((
                CONFIDENCE_CLONE,
                "clone the borrowed value".into(),
                format!("{paren}.clone()"),
            ));
        }
        if let (Some(elem), Some(want)) = (
            inner.strip_prefix('[').and_then(|r| r.strip_suffix(']')),
            inner_of(exp, "Vec<"),
        ) {
            if elem == want {
                out.push((
                    CONFIDENCE_TO_VEC,
                    "copy the slice into a `Vec`".into(),
                    format!("{paren}.to_vec()"),
                ));
            }
        }
    }
    if exp == "String"
        && (is_rust_number(fnd)
            || matches!(
                fnd,
                "integer" | "floating-point number" | "{integer}" | "{float}"
            ))
    {
        out.push((
            CONFIDENCE_TO_STRING,
            "format the number as a `String`".into(),
            format!("{paren}.to_string()"),
        ));
    }
    let mut fixes = Fixes::new(TypedConversion::META.id);
    for (confidence, why, replacement) in out {
        fixes.replace(
            confidence,
            format!("{why}: `{replacement}` (expected `{exp}`, found `{fnd}`)"),
            t.file,
            t.offset,
            end,
            &replacement,
        );
    }
    Some(fixes.done())
}

/// True when a function returning `returns` can use `?` on a parse error: its error type is a
/// boxed error (or `anyhow`'s).
fn result_takes_parse_errors(returns: &str) -> bool {
    let Some(args) = returns
        .strip_prefix("Result<")
        .and_then(|r| r.strip_suffix('>'))
    else {
        return returns.starts_with("anyhow::Result<");
    };
    split_top_level(args).get(1).is_some_and(|e| {
        e.starts_with("Box<dyn") && e.contains("Error") || e.starts_with("anyhow::Error")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::text::testing::{program, results};
    use crate::fix::FixStrategy;

    fn heal(text: &str, line: u32, col: u32, end: u32, exp: &str, fnd: &str) -> Vec<String> {
        let mut loc = Location::new("main.rs", line, col);
        loc.end_line = Some(line);
        loc.end_column = Some(end);
        let mut e = CodeError::new(ErrorType::TypeMismatch, "mismatched types")
            .with_code("E0308")
            .with_location(loc);
        e.notes.push(format!("expected `{exp}`, found `{fnd}`"));
        let p = program(TargetLanguage::Rust, "main.rs", text);
        results(&TypedConversion.suggest(&e, &p), text)
    }

    #[test]
    fn numeric_string_literal_becomes_the_number_then_a_parse() {
        let text = "fn main() {\n    let total: i32 = \"3\";\n}\n";
        let out = heal(text, 2, 22, 25, "i32", "&str");
        assert_eq!(out[0], text.replace("\"3\"", "3"));
        assert_eq!(
            out[1],
            text.replace("\"3\"", "\"3\".trim().parse::<i32>().unwrap_or_default()")
        );
    }

    #[test]
    fn parse_propagates_with_question_mark_in_a_boxed_error_function() {
        let text = "fn read(line: &str) -> Result<i64, Box<dyn std::error::Error>> {\n    let n: i64 = line;\n    Ok(n)\n}\n";
        let out = heal(text, 2, 18, 22, "i64", "&str");
        assert_eq!(
            out[0],
            text.replace("= line;", "= line.trim().parse::<i64>()?;")
        );
    }

    #[test]
    fn result_found_is_propagated_and_borrowed_owned_values_cloned() {
        let text = "fn f(s: &String, r: Result<u8, String>) -> Result<String, String> {\n    let a: u8 = r;\n    let b: String = s;\n    Ok(b)\n}\n";
        assert_eq!(
            heal(text, 2, 17, 18, "u8", "Result<u8, String>"),
            [text.replace("= r;", "= r?;")]
        );
        assert_eq!(
            heal(text, 3, 21, 22, "String", "&String"),
            [text.replace("= s;", "= s.clone();")]
        );
    }
}
