//! Tests of the javascript rules.

use super::undefined_name::undefined_name;
use super::*;
use super::{
    const_assignment::*, member::*, missing_new::*, missing_require::*, operators::*,
    test_failure::*, uncomment::*,
};
use crate::fix::text::testing::{err, program, results, tables_match_their_script};

fn run(f: fn(&str, &CodeError, &Program) -> Vec<Fix>, text: &str, e: &CodeError) -> Vec<String> {
    let p = program(JS, "main.js", text);
    let mut fixes = f("t", e, &p);
    fixes.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
    results(&fixes, text)
}

/// Asserts the best of `f`'s fixes for `e` in `text` gives `want`.
fn best(f: fn(&str, &CodeError, &Program) -> Vec<Fix>, text: &str, e: &CodeError, want: &str) {
    assert_eq!(run(f, text, e)[0], want, "{text}");
}

fn reference(name: &str, line: u32, col: u32) -> CodeError {
    err(
        ErrorType::UndefinedVariable,
        "ReferenceError",
        &format!("{name} is not defined"),
        "main.js",
        line,
        col,
    )
}

#[test]
fn tables_match_the_live_node() {
    let names = ["javascript_node_builtins.txt", "javascript_members.txt"];
    if !tables_match_their_script("/usr/bin/node", "scripts/gen-node-builtins.js", &names) {
        return;
    }
    assert!(tables().builtins.contains("fs"));
    assert!(members_of("Math").unwrap().contains(&"floor"));
    assert!(members_of("String.prototype")
        .unwrap()
        .contains(&"toUpperCase"));
}

#[test]
fn scope_scan_finds_declared_names() {
    let text = "function f(num, word1, word2) {\n    let sum = 0, k;\n    for (let i = 0; i < 3; i++) {\n        sum += i;\n    }\n    return number + word3 + i;\n}\n";
    let tokens = code_tokens(JS, text);
    let decls = declarations(text, &tokens);
    let at = text.find("number").unwrap();
    let names: Vec<&str> = visible(&decls, at)
        .iter()
        .map(|d| d.name.as_str())
        .collect();
    assert_eq!(names, ["f", "num", "word1", "word2", "sum", "k"]);
    best(
        undefined_name,
        text,
        &reference("number", 6, 12),
        &text.replace("number +", "num +"),
    );
    let out = run(undefined_name, text, &reference("word3", 6, 21));
    assert_eq!(
        out[..2],
        [
            text.replace("word3", "word1"),
            text.replace("word3", "word2")
        ]
    );
}

#[test]
fn loop_variables_and_called_values() {
    let text = "function f(a, k) {\n    let p = 1, q = 0;\n    for (q = k - 1; q > p; q--) {\n        if (a[q] !== a[x - 1]) break;\n    }\n    return q;\n}\n";
    best(
        undefined_name,
        text,
        &reference("x", 4, 25),
        &text.replace("a[x - 1]", "a[q - 1]"),
    );
    let text = "function f(text) {\n    let shiftedText = '';\n    return shiftText();\n}\n";
    best(
        undefined_name,
        text,
        &reference("shiftText", 3, 12),
        "function f(text) {\n    let shiftedText = '';\n    return shiftedText;\n}\n",
    );
    let text = "function f(a, b) {\n    return `${a},${char.toUpperCase()}`;\n}\nfunction g(char_value) { return char_value; }\n";
    let e = reference("char", 2, 20);
    // `char_value` is not in scope inside `f`.
    assert!(run(undefined_name, text, &e)
        .iter()
        .all(|r| !r.contains("${char_value")));
    let text = "function f(integer_value, char_value) {\n    return `${integer_value},${char.toUpperCase()}`;\n}\n";
    best(
        undefined_name,
        text,
        &reference("char", 2, 34),
        &text.replace("${char.", "${char_value."),
    );
    let text = "function f(n, m) {\n    const MOD = 1000003;\n    return (n * m) % modal;\n}\n";
    best(
        undefined_name,
        text,
        &reference("modal", 3, 22),
        &text.replace("modal", "MOD"),
    );
}

#[test]
fn requires_and_slips() {
    let text = "'use strict';\nconst path = require('path');\n\nfunction f(p) { return fs.readFileSync(p); }\n";
    assert_eq!(run(missing_require, text, &reference("fs", 4, 24)), ["'use strict';\nconst path = require('path');\nconst fs = require('fs');\n\nfunction f(p) { return fs.readFileSync(p); }\n"]);
    let text = "function f(x) { return True && len(x) > abs(x[0]); }\n";
    best(
        undefined_name,
        text,
        &reference("True", 1, 24),
        "function f(x) { return true && len(x) > abs(x[0]); }\n",
    );
    best(
        undefined_name,
        text,
        &reference("len", 1, 32),
        "function f(x) { return True && x.length > abs(x[0]); }\n",
    );
    best(
        undefined_name,
        text,
        &reference("abs", 1, 41),
        "function f(x) { return True && len(x) > Math.abs(x[0]); }\n",
    );
    let text = "function f() {\n    total = 0;\n    return total;\n}\n";
    best(
        undefined_name,
        text,
        &reference("total", 2, 5),
        "function f() {\n    let total = 0;\n    return total;\n}\n",
    );
}

#[test]
fn members_of_standard_objects() {
    let e = |m: &str| {
        err(
            ErrorType::UndefinedVariable,
            "TypeError",
            m,
            "main.js",
            1,
            20,
        )
    };
    let text = "function f(x) { return Math.flor(x) + x.length() + x.contains(1); }\n";
    assert_eq!(
        run(member, text, &e("Math.flor is not a function"))[0],
        text.replace("flor", "floor")
    );
    assert_eq!(
        run(member, text, &e("x.length is not a function"))[0],
        text.replace("x.length()", "x.length")
    );
    assert_eq!(
        run(member, text, &e("x.contains is not a function"))[0],
        text.replace("contains", "includes")
    );
    let text = "function f(ans) {\n    return ans.someUndefinedMethod();\n}\n";
    let e2 = err(
        ErrorType::UndefinedVariable,
        "TypeError",
        "ans.someUndefinedMethod is not a function",
        "main.js",
        2,
        16,
    );
    assert_eq!(
        run(member, text, &e2),
        ["function f(ans) {\n    return ans;\n}\n"]
    );
}

#[test]
fn const_new_and_operators() {
    let text = "function f() {\n    const n = 1;\n    n += 2;\n    return n;\n}\n";
    let e = err(
        ErrorType::TypeMismatch,
        "TypeError",
        "Assignment to constant variable.",
        "main.js",
        3,
        7,
    );
    assert_eq!(
        run(const_assignment, text, &e),
        [text.replace("const", "let")]
    );
    let text = "class A {}\nconst a = A();\n";
    let e = err(
        ErrorType::TypeMismatch,
        "TypeError",
        "Class constructor A cannot be invoked without 'new'",
        "main.js",
        2,
        11,
    );
    assert_eq!(
        run(missing_new, text, &e),
        ["class A {}\nconst a = new A();\n"]
    );
    let syn = |m: &str, line, col| {
        err(
            ErrorType::SyntaxError,
            "SyntaxError",
            m,
            "main.js",
            line,
            col,
        )
    };
    let text = "function f(a, b) {\n    return { a => b };\n}\n";
    assert_eq!(
        run(operators, text, &syn("Unexpected token '=>'", 2, 16))[0],
        text.replace("a => b", "a , b")
    );
    let text = "function f(a) {\n    if (g(a) => 1) {\n        return 1;\n    }\n    return -1 => \"no\";\n}\n";
    assert_eq!(
        run(
            operators,
            text,
            &syn("Malformed arrow function parameter list", 2, 9)
        )[0],
        text.replace("g(a) => 1", "g(a) >= 1")
    );
    assert_eq!(
        run(
            operators,
            text,
            &syn("Malformed arrow function parameter list", 5, 12)
        )[0],
        text.replace("-1 => \"no\"", "-1")
    );
    let text = "function f(a, i) {\n    return a[...a[i - 1]];\n}\n";
    assert_eq!(
        run(operators, text, &syn("Unexpected token '...'", 2, 14)),
        [text.replace("...", "")]
    );
}

#[test]
fn commented_out_declarations_and_test_failure_lints() {
    let text = "function f(n) {\n    // let total = n * 2;\n    return total;\n}\n";
    assert_eq!(
        run(uncomment, text, &reference("total", 3, 12)),
        ["function f(n) {\n    let total = n * 2;\n    return total;\n}\n"]
    );
    let tf = CodeError::new(ErrorType::TestFailure, "Assertion failed").with_code("Error");
    let text = "function f(n) {\n    let i;\n    for (i == 2; i <= n; ++i) {}\n    if (n = 2) { return 1; }\n    i => i + 1;\n    return [...((n > 1) ? 'A' : 'B')];\n}\n";
    let out = run(test_failure, text, &tf);
    assert!(out.contains(&text.replace("i == 2", "i = 2")));
    assert!(out.contains(&text.replace("n = 2", "n === 2")));
    assert!(out.contains(&text.replace("i => i + 1", "i = i + 1")));
    assert!(out.contains(&text.replace("[...((n > 1) ? 'A' : 'B')]", "((n > 1) ? 'A' : 'B')")));
    let text = "function f(n) {\n    let i;\n    for (i == 2; i <= n; ++i) {}\n    for (i == 3; i <= n; ++i) {}\n}\n";
    assert_eq!(run(test_failure, text, &tf)[0], text.replace("==", "="));
    let text = "function f(x) {\n    let n = 0;\n    for (let i = 0; i <= x.length; i++) { n += x[i] % 4 !== undefined; }\n    return n;\n}\n";
    let out = run(test_failure, text, &tf);
    assert!(out.contains(&text.replace("i <= x", "i < x")));
    assert!(out.contains(&text.replace("!== undefined", "!== 0")));
    let text = "function f(w, q) {\n    for (let j = 0; j < 2; j++) {\n        w[j][q[j] & 1];\n    }\n}\n";
    assert_eq!(run(test_failure, text, &tf), [text.replace("1];", "1]++;")]);
}
