//! Tests of the syntax rules and the text toolkit they use.

use super::*;
use super::{
    assignment_comparison::*, comments::*, delimiters::*, foreign_syntax::*, missing_colon::*,
    separators::*, unterminated_string::*,
};
use crate::fix::text::testing::*;
#[allow(unused_imports)]
use crate::fix::text::*;
use crate::fix::FixStrategy;
use crate::types::Location;

fn run(
    f: fn(&str, &CodeError, &Program) -> Vec<Fix>,
    lang: TargetLanguage,
    file: &str,
    text: &str,
    e: &CodeError,
) -> Vec<String> {
    let p = program(lang, file, text);
    let mut fixes = f("t", e, &p);
    fixes.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
    results(&fixes, text)
}

const PY: TargetLanguage = TargetLanguage::Python;
const JS: TargetLanguage = TargetLanguage::JavaScript;
const SYN: ErrorType = ErrorType::SyntaxError;

#[test]
fn lexer_skips_strings_comments_and_templates() {
    let src = "let a = '(' + `x${f({y: 1})}(` + /[(]/.source; // (\n/* ( */ b(\"]\")";
    let opens: Vec<&str> = lex(JS, src)
        .iter()
        .filter(|t| t.kind == Kind::Open || t.kind == Kind::Close)
        .map(|t| t.text(src))
        .collect();
    assert_eq!(opens, ["(", ")"]);
    let py = "s = '''(\n'''; t = r'\\'' # (\nu = f\"{x}(\"";
    let kinds: Vec<Kind> = lex(PY, py).iter().map(|t| t.kind).collect();
    assert_eq!(
        kinds,
        [
            Kind::Ident,
            Kind::Punct,
            Kind::Str,
            Kind::Punct,
            Kind::Ident,
            Kind::Punct,
            Kind::Str,
            Kind::Comment,
            Kind::Ident,
            Kind::Punct,
            Kind::Str
        ]
    );
    let rs =
        "fn f<'a>(c: char) -> &'a str { let r = r#\"(\"#; if c == '(' { \"}\" } else { \"\" } }";
    let braces: Vec<&str> = lex(TargetLanguage::Rust, rs)
        .iter()
        .filter(|t| matches!(t.kind, Kind::Open | Kind::Close))
        .map(|t| t.text(rs))
        .collect();
    assert_eq!(
        braces,
        ["<", ">", "(", ")", "{", "{", "}", "{", "}", "}"]
            .iter()
            .filter(|s| !matches!(**s, "<" | ">"))
            .copied()
            .collect::<Vec<_>>()
    );
    let go = "s := `(\n` + \"(\" + string('(')";
    let parens = lex(TargetLanguage::Go, go)
        .iter()
        .filter(|t| t.kind == Kind::Open)
        .count();
    assert_eq!(parens, 1);
    let unterminated = lex(PY, "x = 'abc\ny = 1");
    assert!(!unterminated[2].terminated);
    assert_eq!(unterminated[3].text("x = 'abc\ny = 1"), "y");
}

#[test]
fn python_mismatched_paren_closes_where_precedence_needs_it() {
    let text = "def f(j, n):\n    return d[(j - 1 + n % n]\n";
    let e = err(
        SYN,
        "SyntaxError",
        "closing parenthesis ']' does not match opening parenthesis '('",
        "main.py",
        2,
        29,
    );
    let out = run(delimiters, PY, "main.py", text, &e);
    assert_eq!(out[0], "def f(j, n):\n    return d[(j - 1 + n) % n]\n");
    assert!(out.contains(&"def f(j, n):\n    return d[(j - 1 + n % n)]\n".to_string()));
    assert!(out.contains(&"def f(j, n):\n    return d[j - 1 + n % n]\n".to_string()));
}

#[test]
fn js_missing_paren_after_argument_list_closes_after_the_error_token() {
    // V8 points at the last argument's last token (`0`), not at the `;`.
    let text = "function total(items) {\n  return items.reduce((a, b) => a + b, 0;\n}\nmodule.exports = { total };\n";
    let e = err(
        SYN,
        "SyntaxError",
        "missing ) after argument list",
        "main.js",
        2,
        40,
    );
    let out = run(delimiters, JS, "main.js", text, &e);
    assert_eq!(out[0], "function total(items) {\n  return items.reduce((a, b) => a + b, 0);\n}\nmodule.exports = { total };\n");
    // Never closed at all, the error token a call of its own.
    let text = "const x = foo(a, bar(1, 2)\n";
    let e = err(
        SYN,
        "SyntaxError",
        "missing ) after argument list",
        "main.js",
        1,
        26,
    );
    let out = run(delimiters, JS, "main.js", text, &e);
    assert_eq!(out[0], "const x = foo(a, bar(1, 2))\n");
    // Earlier positions in the argument list stay candidates, ranked below.
    let early = out
        .iter()
        .position(|o| o == "const x = foo(a), bar(1, 2)\n");
    assert!(early.is_some_and(|k| k > 0), "{out:?}");
}

#[test]
fn python_never_closed_bracket_closes_at_end_of_line() {
    let text = "def f(d, j, n):\n    x = d[0][(j + 1) % n\n\n    return x\n";
    let e = err(SYN, "SyntaxError", "'[' was never closed", "main.py", 2, 13);
    let out = run(delimiters, PY, "main.py", text, &e);
    assert_eq!(
        out[0],
        "def f(d, j, n):\n    x = d[0][(j + 1) % n]\n\n    return x\n"
    );
}

#[test]
fn js_subscript_closes_before_assignment() {
    let text = "function f(u, p) {\n    for (let i = 1; i < 3; i++) {\n        pre[i = u[p[i-1]];\n    }\n}\n";
    let e = err(SYN, "SyntaxError", "Unexpected token ';'", "main.js", 3, 26);
    let out = run(delimiters, JS, "main.js", text, &e);
    assert_eq!(out[0], "function f(u, p) {\n    for (let i = 1; i < 3; i++) {\n        pre[i] = u[p[i-1]];\n    }\n}\n");
}

#[test]
fn js_condition_paren_closes_at_the_error() {
    let text = "function f(s, e) {\n  while (s < e) {\n    while (!ok(s[e]) && s < e e--;\n    s++;\n  }\n}\n";
    let e = err(
        SYN,
        "SyntaxError",
        "Unexpected identifier 'e'",
        "main.js",
        3,
        30,
    );
    let out = run(delimiters, JS, "main.js", text, &e);
    assert_eq!(out[0], "function f(s, e) {\n  while (s < e) {\n    while (!ok(s[e]) && s < e) e--;\n    s++;\n  }\n}\n");
}

#[test]
fn js_missing_brace_goes_where_indentation_ends_the_block() {
    let text = "function f(c, d)\n{\n    for (let i = 0; i < c; i++) {\n        if (i) continue;\n        return i;\n    return -1;\n}\n\nmodule.exports = { f };\n";
    let e = CodeError::new(SYN, "Unexpected end of input").with_code("SyntaxError");
    let out = run(delimiters, JS, "main.js", text, &e);
    assert_eq!(out[0], "function f(c, d)\n{\n    for (let i = 0; i < c; i++) {\n        if (i) continue;\n        return i;\n    }\n    return -1;\n}\n\nmodule.exports = { f };\n");
    let text2 = "function f(x)\n{\n    let n = 0;\n    return n;\n\nmodule.exports = { f };\n";
    let out = run(delimiters, JS, "main.js", text2, &e);
    assert_eq!(
        out[0],
        "function f(x)\n{\n    let n = 0;\n    return n;\n\n}\nmodule.exports = { f };\n"
    );
}

#[test]
fn rust_parameter_lists() {
    let rs = TargetLanguage::Rust;
    let text = "fn f(numbers: Vec<f32> -> f32 {\n    0.0\n}\n";
    let e = err(
        SYN,
        "E0000",
        "this file contains an unclosed delimiter",
        "lib.rs",
        1,
        5,
    );
    assert_eq!(
        run(delimiters, rs, "lib.rs", text, &e)[0],
        "fn f(numbers: Vec<f32>) -> f32 {\n    0.0\n}\n"
    );
    let text = "fn area x1: f32, y1: f32) -> f32\n{\n    x1 * y1\n}\n";
    let e = err(
        SYN,
        "E0000",
        "unexpected closing delimiter: `)`",
        "lib.rs",
        1,
        25,
    );
    assert_eq!(
        run(delimiters, rs, "lib.rs", text, &e)[0],
        "fn area(x1: f32, y1: f32) -> f32\n{\n    x1 * y1\n}\n"
    );
    let text = "fn f(c: char) -> i32 {\n    if c == '({\n        1\n    } else if c == )' {\n        2\n    } else { 0 }\n}\n";
    let e = err(
        SYN,
        "E0762",
        "unterminated character literal",
        "lib.rs",
        4,
        20,
    );
    assert_eq!(run(unterminated_string, rs, "lib.rs", text, &e)[0], "fn f(c: char) -> i32 {\n    if c == '({\n        1\n    } else if c == ')' {\n        2\n    } else { 0 }\n}\n");
    let e = err(
        SYN,
        "E0762",
        "unterminated character literal",
        "lib.rs",
        2,
        13,
    );
    assert_eq!(run(unterminated_string, rs, "lib.rs", text, &e)[0], "fn f(c: char) -> i32 {\n    if c == '('{\n        1\n    } else if c == )' {\n        2\n    } else { 0 }\n}\n");
}

#[test]
fn stray_closer_is_deleted() {
    let text = "x = f(1))\n";
    let e = err(SYN, "SyntaxError", "unmatched ')'", "main.py", 1, 9);
    assert_eq!(run(delimiters, PY, "main.py", text, &e)[0], "x = f(1)\n");
}

#[test]
fn missing_commas_between_operands() {
    let e = err(SYN, "SyntaxError", "invalid syntax", "main.py", 2, 7);
    let text = "def f(point):\n    x y = point\n";
    assert_eq!(
        run(separators, PY, "main.py", text, &e)[0],
        "def f(point):\n    x, y = point\n"
    );
    let text = "def f(a):\n    return ' '.join(a) ' '.join(a)\n";
    let e = err(SYN, "SyntaxError", "invalid syntax", "main.py", 2, 24);
    assert_eq!(
        run(separators, PY, "main.py", text, &e)[0],
        "def f(a):\n    return ' '.join(a), ' '.join(a)\n"
    );
    let text = "f(a; b);\n";
    let e = err(SYN, "SyntaxError", "Unexpected token ';'", "main.js", 1, 4);
    assert_eq!(run(separators, JS, "main.js", text, &e)[0], "f(a, b);\n");
}

#[test]
fn python_headers_get_their_colon() {
    let text = "def f(xs):\n    for i, x in enumerate(xs)  # loop\n        print(i)\n";
    let e = err(SYN, "SyntaxError", "expected ':'", "main.py", 2, 30);
    assert_eq!(
        run(missing_colon, PY, "main.py", text, &e),
        ["def f(xs):\n    for i, x in enumerate(xs):  # loop\n        print(i)\n"]
    );
    let text = "def f(key: str) -> str\n    return key\n";
    let e = err(SYN, "SyntaxError", "expected ':'", "main.py", 1, 23);
    assert_eq!(
        run(missing_colon, PY, "main.py", text, &e),
        ["def f(key: str) -> str:\n    return key\n"]
    );
}

#[test]
fn unterminated_strings_close_before_code() {
    let text = "function f(c) {\n    n[c.charCodeAt(0) - \"a.charCodeAt(0)]++;\n}\n";
    let e = err(
        SYN,
        "SyntaxError",
        "Invalid or unexpected token",
        "main.js",
        2,
        25,
    );
    let out = run(unterminated_string, JS, "main.js", text, &e);
    assert_eq!(
        out[0],
        "function f(c) {\n    n[c.charCodeAt(0) - \"a\".charCodeAt(0)]++;\n}\n"
    );
    let text = "x = 'ABC\"\ny = 1\n";
    let e = err(
        SYN,
        "SyntaxError",
        "unterminated string literal (detected at line 1)",
        "main.py",
        1,
        5,
    );
    assert_eq!(
        run(unterminated_string, PY, "main.py", text, &e)[0],
        "x = 'ABC'\ny = 1\n"
    );
    let text = "def f(c):\n    if c == \"(:\n        pass\n";
    let e = err(
        SYN,
        "SyntaxError",
        "unterminated string literal (detected at line 2)",
        "main.py",
        2,
        13,
    );
    assert_eq!(
        run(unterminated_string, PY, "main.py", text, &e)[0],
        "def f(c):\n    if c == \"(\":\n        pass\n"
    );
    let text = "def f(c):\n    if c == )\" and c:\n        pass\n";
    let e = err(
        SYN,
        "SyntaxError",
        "unterminated string literal (detected at line 2)",
        "main.py",
        2,
        14,
    );
    assert_eq!(
        run(unterminated_string, PY, "main.py", text, &e)[0],
        "def f(c):\n    if c == \")\" and c:\n        pass\n"
    );
    let text = "def f(a, b):\n    return f\"{a}/{b}\n";
    let e = err(
        SYN,
        "SyntaxError",
        "unterminated string literal (detected at line 2)",
        "main.py",
        2,
        12,
    );
    assert_eq!(
        run(unterminated_string, PY, "main.py", text, &e)[0],
        "def f(a, b):\n    return f\"{a}/{b}\"\n"
    );
}

#[test]
fn string_that_closed_too_late_is_split() {
    let text = "if (c >= 'A.charCodeAt(0) && c <= 'Z'.charCodeAt(0)) {}\n";
    let e = err(
        SYN,
        "SyntaxError",
        "Unexpected identifier 'Z'",
        "main.js",
        1,
        36,
    );
    assert_eq!(
        run(unterminated_string, JS, "main.js", text, &e)[0],
        "if (c >= 'A'.charCodeAt(0) && c <= 'Z'.charCodeAt(0)) {}\n"
    );
}

#[test]
fn comments_in_the_wrong_language() {
    let text = "function f(s) {\n    / Return 'A'\n    return s;\n}\n";
    let e = err(
        SYN,
        "SyntaxError",
        "Invalid regular expression: missing /",
        "main.js",
        2,
        5,
    );
    assert_eq!(
        run(comments, JS, "main.js", text, &e),
        ["function f(s) {\n    // Return 'A'\n    return s;\n}\n"]
    );
    let text = "fn main() {\n    # note\n}\n";
    let e = err(
        SYN,
        "E0000",
        "expected one of `!` or `[`, found `note`",
        "main.rs",
        2,
        5,
    );
    assert_eq!(
        run(comments, TargetLanguage::Rust, "main.rs", text, &e),
        ["fn main() {\n    // note\n}\n"]
    );
    let text = "x = 1\n// note\n";
    let e = err(SYN, "SyntaxError", "invalid syntax", "main.py", 2, 1);
    assert_eq!(run(comments, PY, "main.py", text, &e), ["x = 1\n# note\n"]);
    let text = "function f(n) {\n    /* if (n) {\n        return 1;\n    }\n    return 2;\n}\n";
    let e = err(
        SYN,
        "SyntaxError",
        "Invalid or unexpected token",
        "main.js",
        2,
        0,
    );
    assert_eq!(
        run(comments, JS, "main.js", text, &e)[0],
        "function f(n) {\n     if (n) {\n        return 1;\n    }\n    return 2;\n}\n"
    );
}

#[test]
fn assignment_in_conditions_becomes_comparison() {
    let text = "for c in s:\n    if c = \"(\":\n        pass\n";
    let e = CodeError::new(
        SYN,
        "invalid syntax. Maybe you meant '==' or ':=' instead of '='?",
    )
    .with_code("SyntaxError")
    .with_location(Location::new("main.py", 2, 8).with_end(2, 15));
    assert_eq!(
        run(assignment_comparison, PY, "main.py", text, &e),
        ["for c in s:\n    if c == \"(\":\n        pass\n"]
    );
    let text = "if (x % 2 = 0) { y(); }\n";
    let e = err(
        SYN,
        "SyntaxError",
        "Invalid left-hand side in assignment",
        "main.js",
        1,
        5,
    );
    assert_eq!(
        run(assignment_comparison, JS, "main.js", text, &e),
        ["if (x % 2 === 0) { y(); }\n", "if (x % 2 == 0) { y(); }\n"]
    );
    let text = "let f == 1;\n";
    let e = err(SYN, "SyntaxError", "Unexpected token '=='", "main.js", 1, 7);
    assert_eq!(
        run(assignment_comparison, JS, "main.js", text, &e),
        ["let f = 1;\n"]
    );
}

#[test]
fn foreign_operators_and_keywords() {
    let text = "if a && !b:\n    pass\n";
    let e = err(SYN, "SyntaxError", "invalid syntax", "main.py", 1, 6);
    let out = run(foreign_syntax, PY, "main.py", text, &e);
    assert_eq!(
        out,
        ["if a and !b:\n    pass\n", "if a && not b:\n    pass\n"]
    );
    let text = "if (a) {\n} elif (b) {\n}\n";
    let e = err(
        SYN,
        "SyntaxError",
        "Unexpected identifier 'elif'",
        "main.js",
        2,
        3,
    );
    assert_eq!(
        run(foreign_syntax, JS, "main.js", text, &e),
        ["if (a) {\n} else if (b) {\n}\n"]
    );
}

#[test]
fn protected_files_are_never_edited() {
    let p = program(PY, "test_main.py", "x y = 1\n")
        .with_protected(["test_main.py".to_string()])
        .unwrap();
    let e = err(SYN, "SyntaxError", "invalid syntax", "test_main.py", 1, 3);
    assert!(separators("t", &e, &p).is_empty());
}

#[test]
fn strategies_never_panic_on_odd_input() {
    let texts = [
        "x = 'é(\r\n  y = [1, 2\r\n",
        "é = \"ü\" + `${a(}` + /[/ + 'x\n#",
        "fn f<'a>(s: &'a str) { let c = '\\u{1F600}'; r#\"(\"# }",
        "\t\tif x = 1:\n  ü.push(1)\n/*",
        "",
        "(((\n]]]\n}}}",
    ];
    let messages = [
        ("SyntaxError", "invalid syntax"),
        ("SyntaxError", "Unexpected end of input"),
        ("SyntaxError", "missing ) after argument list"),
        ("TypeError", "can only concatenate str (not \"int\") to str"),
        (
            "TypeError",
            "list indices must be integers or slices, not float",
        ),
        ("IndentationError", "unexpected indent"),
        (
            "IndentationError",
            "expected an indented block after 'if' statement on line 1",
        ),
        (
            "TabError",
            "inconsistent use of tabs and spaces in indentation",
        ),
        ("NameError", "name 'ü' is not defined"),
        ("ReferenceError", "x is not defined"),
        ("TypeError", "ü.push is not a function"),
        ("TypeError", "Assignment to constant variable."),
        ("AttributeError", "'str' object has no attribute 'lenght'"),
        ("ValueError", "invalid literal"),
        ("IndexError", "list index out of range"),
        (
            "TypeError",
            "f() missing 1 required positional argument: 'x'",
        ),
    ];
    let mut all: Vec<std::sync::Arc<dyn FixStrategy>> = crate::fix::registry::builtin()
        .into_iter()
        .filter(|s| {
            s.id().starts_with("any.")
                && !matches!(s.id(), "any.compiler-suggestion" | "any.similar-name")
        })
        .collect();
    all.extend(
        crate::fix::registry::builtin()
            .into_iter()
            .filter(|s| s.id().starts_with("python.")),
    );
    all.extend(
        crate::fix::registry::builtin()
            .into_iter()
            .filter(|s| s.id().starts_with("javascript.")),
    );
    for lang in TargetLanguage::ALL {
        for text in texts {
            let text = if text.trim().is_empty() { "x" } else { text };
            let file = match lang {
                TargetLanguage::Rust => "main.rs",
                TargetLanguage::Python => "main.py",
                TargetLanguage::JavaScript => "main.js",
                TargetLanguage::Go => "main.go",
            };
            let p = program(lang, file, text);
            for (code, msg) in messages {
                for ty in [
                    ErrorType::SyntaxError,
                    ErrorType::UndefinedVariable,
                    ErrorType::TestFailure,
                ] {
                    for line in 0..5 {
                        for col in [0, 1, 3, 7, 200] {
                            let e = err(ty.clone(), code, msg, file, line, col);
                            for s in &all {
                                for fix in s.suggest(&e, &p) {
                                    let _ = apply(text, &fix);
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn similarity_prefers_prefixes_and_case() {
    assert!(name_similarity("char", "char_value") >= 0.65);
    assert!(name_similarity("modal", "MOD") > name_similarity("modal", "m"));
    assert_eq!(
        closest("word3", ["word1", "word2", "id"], 0.5)
            .iter()
            .map(|c| c.0)
            .collect::<Vec<_>>(),
        ["word1", "word2"]
    );
}
