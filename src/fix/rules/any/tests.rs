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

/// A rule's proposals for a syntax error, as the file's text after each fix, best first.
enum Want {
    /// Exactly these texts.
    All(&'static [&'static str]),
    /// This text first.
    First(&'static str),
}

/// One file of one language: the program a case runs in.
type File = (TargetLanguage, &'static str);
const MAIN_PY: File = (PY, "main.py");
const MAIN_JS: File = (JS, "main.js");
const LIB_RS: File = (TargetLanguage::Rust, "lib.rs");
const MAIN_RS: File = (TargetLanguage::Rust, "main.rs");

/// A syntax error as the parser reports it: code, message, 1-based line and column.
type Syntax = (&'static str, &'static str, u32, u32);

/// One case: what it shows, the file and its text, the error, what the rule must propose.
type Case = (&'static str, File, &'static str, Syntax, Want);

/// Checks every case of `rule`; a failure names its case.
fn check_all(rule: fn(&str, &CodeError, &Program) -> Vec<Fix>, cases: &[Case]) {
    for (case, (lang, file), text, (code, msg, line, col), want) in cases {
        let e = err(SYN, code, msg, file, *line, *col);
        let out = run(rule, *lang, file, text, &e);
        match want {
            Want::All(texts) => assert_eq!(out, *texts, "{case}"),
            Want::First(first) => {
                assert_eq!(
                    out.first().map(String::as_str),
                    Some(*first),
                    "{case}: {out:?}"
                )
            }
        }
    }
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
fn js_paren_never_closed_before_a_call_closes_after_it() {
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
fn delimiters_close_where_the_code_says() {
    use Want::*;
    check_all(
        delimiters,
        &[
            (
                "javascript: V8 points at the last argument's last token (`0`), not at the `;`",
                MAIN_JS,
                "function total(items) {\n  return items.reduce((a, b) => a + b, 0;\n}\nmodule.exports = { total };\n",
                ("SyntaxError", "missing ) after argument list", 2, 40),
                First("function total(items) {\n  return items.reduce((a, b) => a + b, 0);\n}\nmodule.exports = { total };\n"),
            ),
            (
                "python: a never-closed bracket closes at the end of its line",
                MAIN_PY,
                "def f(d, j, n):\n    x = d[0][(j + 1) % n\n\n    return x\n",
                ("SyntaxError", "'[' was never closed", 2, 13),
                First("def f(d, j, n):\n    x = d[0][(j + 1) % n]\n\n    return x\n"),
            ),
            (
                "javascript: a subscript closes before the assignment",
                MAIN_JS,
                "function f(u, p) {\n    for (let i = 1; i < 3; i++) {\n        pre[i = u[p[i-1]];\n    }\n}\n",
                ("SyntaxError", "Unexpected token ';'", 3, 26),
                First("function f(u, p) {\n    for (let i = 1; i < 3; i++) {\n        pre[i] = u[p[i-1]];\n    }\n}\n"),
            ),
            (
                "javascript: a condition's paren closes at the error",
                MAIN_JS,
                "function f(s, e) {\n  while (s < e) {\n    while (!ok(s[e]) && s < e e--;\n    s++;\n  }\n}\n",
                ("SyntaxError", "Unexpected identifier 'e'", 3, 30),
                First("function f(s, e) {\n  while (s < e) {\n    while (!ok(s[e]) && s < e) e--;\n    s++;\n  }\n}\n"),
            ),
            (
                "rust: a parameter list closes before `->`",
                LIB_RS,
                "fn f(numbers: Vec<f32> -> f32 {\n    0.0\n}\n",
                ("E0000", "this file contains an unclosed delimiter", 1, 5),
                First("fn f(numbers: Vec<f32>) -> f32 {\n    0.0\n}\n"),
            ),
            (
                "rust: a parameter list that lost its `(` is opened",
                LIB_RS,
                "fn area x1: f32, y1: f32) -> f32\n{\n    x1 * y1\n}\n",
                ("E0000", "unexpected closing delimiter: `)`", 1, 25),
                First("fn area(x1: f32, y1: f32) -> f32\n{\n    x1 * y1\n}\n"),
            ),
            (
                "python: a stray closer is deleted",
                MAIN_PY,
                "x = f(1))\n",
                ("SyntaxError", "unmatched ')'", 1, 9),
                First("x = f(1)\n"),
            ),
        ],
    );
}

#[test]
fn unterminated_literals_close_where_the_code_says() {
    use Want::*;
    check_all(
        unterminated_string,
        &[
            (
                "rust: a char literal missing its opening quote",
                LIB_RS,
                "fn f(c: char) -> i32 {\n    if c == '({\n        1\n    } else if c == )' {\n        2\n    } else { 0 }\n}\n",
                ("E0762", "unterminated character literal", 4, 20),
                First("fn f(c: char) -> i32 {\n    if c == '({\n        1\n    } else if c == ')' {\n        2\n    } else { 0 }\n}\n"),
            ),
            (
                "rust: a char literal missing its closing quote",
                LIB_RS,
                "fn f(c: char) -> i32 {\n    if c == '({\n        1\n    } else if c == )' {\n        2\n    } else { 0 }\n}\n",
                ("E0762", "unterminated character literal", 2, 13),
                First("fn f(c: char) -> i32 {\n    if c == '('{\n        1\n    } else if c == )' {\n        2\n    } else { 0 }\n}\n"),
            ),
            (
                "javascript: a string closes before the method called on it",
                MAIN_JS,
                "function f(c) {\n    n[c.charCodeAt(0) - \"a.charCodeAt(0)]++;\n}\n",
                ("SyntaxError", "Invalid or unexpected token", 2, 25),
                First("function f(c) {\n    n[c.charCodeAt(0) - \"a\".charCodeAt(0)]++;\n}\n"),
            ),
            (
                "python: the closing quote of the other kind is matched",
                MAIN_PY,
                "x = 'ABC\"\ny = 1\n",
                ("SyntaxError", "unterminated string literal (detected at line 1)", 1, 5),
                First("x = 'ABC'\ny = 1\n"),
            ),
            (
                "python: a string closes before the header's `:`",
                MAIN_PY,
                "def f(c):\n    if c == \"(:\n        pass\n",
                ("SyntaxError", "unterminated string literal (detected at line 2)", 2, 13),
                First("def f(c):\n    if c == \"(\":\n        pass\n"),
            ),
            (
                "python: a string missing its opening quote is opened before the punctuation",
                MAIN_PY,
                "def f(c):\n    if c == )\" and c:\n        pass\n",
                ("SyntaxError", "unterminated string literal (detected at line 2)", 2, 14),
                First("def f(c):\n    if c == \")\" and c:\n        pass\n"),
            ),
            (
                "python: an f-string closes at the end of its line",
                MAIN_PY,
                "def f(a, b):\n    return f\"{a}/{b}\n",
                ("SyntaxError", "unterminated string literal (detected at line 2)", 2, 12),
                First("def f(a, b):\n    return f\"{a}/{b}\"\n"),
            ),
            (
                "javascript: a string that closed too late is split",
                MAIN_JS,
                "if (c >= 'A.charCodeAt(0) && c <= 'Z'.charCodeAt(0)) {}\n",
                ("SyntaxError", "Unexpected identifier 'Z'", 1, 36),
                First("if (c >= 'A'.charCodeAt(0) && c <= 'Z'.charCodeAt(0)) {}\n"),
            ),
            (
                "rust: a format string lost its opening quote",
                LIB_RS,
                "fn show(a: f64, b: f64) -> String {\n    format!({:.2},{:.2}\", a, b)\n}\n",
                ("unterminated_string", "unterminated double quote string", 2, 24),
                First("fn show(a: f64, b: f64) -> String {\n    format!(\"{:.2},{:.2}\", a, b)\n}\n"),
            ),
            (
                "python: a %-format string lost its opening quote",
                MAIN_PY,
                "def line(n, total):\n    return (%d/%d done\" % (n, total))\n",
                ("SyntaxError", "unterminated string literal (detected at line 2)", 2, 23),
                First("def line(n, total):\n    return (\"%d/%d done\" % (n, total))\n"),
            ),
        ],
    );
}

#[test]
fn missing_commas_between_operands() {
    use Want::*;
    check_all(
        separators,
        &[
            (
                "python: two names side by side in a target list",
                MAIN_PY,
                "def f(point):\n    x y = point\n",
                ("SyntaxError", "invalid syntax", 2, 7),
                First("def f(point):\n    x, y = point\n"),
            ),
            (
                "python: two calls side by side in a return",
                MAIN_PY,
                "def f(a):\n    return ' '.join(a) ' '.join(a)\n",
                ("SyntaxError", "invalid syntax", 2, 24),
                First("def f(a):\n    return ' '.join(a), ' '.join(a)\n"),
            ),
            (
                "javascript: a `;` between arguments",
                MAIN_JS,
                "f(a; b);\n",
                ("SyntaxError", "Unexpected token ';'", 1, 4),
                First("f(a, b);\n"),
            ),
        ],
    );
}

#[test]
fn python_headers_get_their_colon() {
    use Want::*;
    check_all(
        missing_colon,
        &[
            (
                "a `for` header with a comment after it",
                MAIN_PY,
                "def f(xs):\n    for i, x in enumerate(xs)  # loop\n        print(i)\n",
                ("SyntaxError", "expected ':'", 2, 30),
                All(&["def f(xs):\n    for i, x in enumerate(xs):  # loop\n        print(i)\n"]),
            ),
            (
                "a `def` header with a return type",
                MAIN_PY,
                "def f(key: str) -> str\n    return key\n",
                ("SyntaxError", "expected ':'", 1, 23),
                All(&["def f(key: str) -> str:\n    return key\n"]),
            ),
        ],
    );
}

#[test]
fn comments_in_the_wrong_language() {
    use Want::*;
    check_all(
        comments,
        &[
            (
                "javascript: a comment that lost a slash",
                MAIN_JS,
                "function f(s) {\n    / Return 'A'\n    return s;\n}\n",
                ("SyntaxError", "Invalid regular expression: missing /", 2, 5),
                All(&["function f(s) {\n    // Return 'A'\n    return s;\n}\n"]),
            ),
            (
                "rust: a `#` comment",
                MAIN_RS,
                "fn main() {\n    # note\n}\n",
                ("E0000", "expected one of `!` or `[`, found `note`", 2, 5),
                All(&["fn main() {\n    // note\n}\n"]),
            ),
            (
                "python: a `//` comment",
                MAIN_PY,
                "x = 1\n// note\n",
                ("SyntaxError", "invalid syntax", 2, 1),
                All(&["x = 1\n# note\n"]),
            ),
            (
                "javascript: an unterminated `/*` is deleted",
                MAIN_JS,
                "function f(n) {\n    /* if (n) {\n        return 1;\n    }\n    return 2;\n}\n",
                ("SyntaxError", "Invalid or unexpected token", 2, 0),
                First(
                    "function f(n) {\n     if (n) {\n        return 1;\n    }\n    return 2;\n}\n",
                ),
            ),
        ],
    );
}

#[test]
fn python_assignment_in_a_condition_becomes_comparison() {
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
}

#[test]
fn assignment_and_comparison_swap_where_the_parser_stopped() {
    use Want::*;
    check_all(
        assignment_comparison,
        &[
            (
                "javascript: `=` in a condition compares, strictly first",
                MAIN_JS,
                "if (x % 2 = 0) { y(); }\n",
                ("SyntaxError", "Invalid left-hand side in assignment", 1, 5),
                All(&["if (x % 2 === 0) { y(); }\n", "if (x % 2 == 0) { y(); }\n"]),
            ),
            (
                "javascript: `==` in a declaration assigns",
                MAIN_JS,
                "let f == 1;\n",
                ("SyntaxError", "Unexpected token '=='", 1, 7),
                All(&["let f = 1;\n"]),
            ),
        ],
    );
}

#[test]
fn foreign_operators_and_keywords() {
    use Want::*;
    check_all(
        foreign_syntax,
        &[
            (
                "python: `&&` and `!`",
                MAIN_PY,
                "if a && !b:\n    pass\n",
                ("SyntaxError", "invalid syntax", 1, 6),
                All(&["if a and !b:\n    pass\n", "if a && not b:\n    pass\n"]),
            ),
            (
                "javascript: `elif`",
                MAIN_JS,
                "if (a) {\n} elif (b) {\n}\n",
                ("SyntaxError", "Unexpected identifier 'elif'", 2, 3),
                All(&["if (a) {\n} else if (b) {\n}\n"]),
            ),
        ],
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

#[test]
fn matching_char_skips_nested_pairs() {
    assert_eq!(matching_char("[string][]int", '[', ']'), Some(7));
    assert_eq!(matching_char("[map[int]bool]x", '[', ']'), Some(13));
    assert_eq!(matching_char("(a, (b, c))", '(', ')'), Some(10));
    assert_eq!(matching_char("[never", '[', ']'), None);
    assert_eq!(matching_char("s[int]", '[', ']'), None);
}
