//! Tests of the javascript rules.

use super::*;
use super::{
    const_assignment::*, member::*, missing_new::*, missing_require::*, operators::*,
    test_failure::*, uncomment::*, undefined_name::*,
};
use crate::fix::text::testing::{err, program, results, tables_match_their_script};
use crate::fix::FixStrategy;

/// Every result `rule` proposes for `e` in the one-file program `main.js` holding `text`, best
/// first.
fn run(rule: &dyn FixStrategy, text: &str, e: &CodeError) -> Vec<String> {
    let p = program(JS, "main.js", text);
    let mut fixes = rule.suggest(e, &p);
    fixes.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
    results(&fixes, text)
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

fn type_error(message: &str, line: u32, col: u32) -> CodeError {
    err(
        ErrorType::UndefinedVariable,
        "TypeError",
        message,
        "main.js",
        line,
        col,
    )
}

fn syntax(message: &str, line: u32, col: u32) -> CodeError {
    err(
        ErrorType::SyntaxError,
        "SyntaxError",
        message,
        "main.js",
        line,
        col,
    )
}

/// What a case expects of the results (each the whole `main.js` after one fix, best first).
enum Want {
    /// Exactly these, in this order.
    All(Vec<String>),
    /// The best ones are these, in this order.
    First(Vec<String>),
}
use Want::{All, First};

/// `rule` on `main.js` holding `text`, for `error`.
struct Case<'a> {
    name: &'a str,
    rule: &'a dyn FixStrategy,
    text: &'a str,
    error: CodeError,
    want: Want,
}

/// Runs every case; a failure names its case.
fn check(cases: &[Case<'_>]) {
    for case in cases {
        let out = run(case.rule, case.text, &case.error);
        match &case.want {
            All(want) => assert_eq!(&out, want, "case: {}", case.name),
            First(want) => assert_eq!(
                out.get(..want.len()),
                Some(want.as_slice()),
                "case: {}",
                case.name
            ),
        }
    }
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
    check(&[
        Case {
            name: "the closest parameter",
            rule: &UndefinedName,
            text,
            error: reference("number", 6, 12),
            want: First(vec![text.replace("number +", "num +")]),
        },
        Case {
            name: "equally close parameters in order",
            rule: &UndefinedName,
            text,
            error: reference("word3", 6, 21),
            want: First(vec![
                text.replace("word3", "word1"),
                text.replace("word3", "word2"),
            ]),
        },
    ]);
}

#[test]
fn loop_variables_and_called_values() {
    let loop_text = "function f(a, k) {\n    let p = 1, q = 0;\n    for (q = k - 1; q > p; q--) {\n        if (a[q] !== a[x - 1]) break;\n    }\n    return q;\n}\n";
    let called = "function f(text) {\n    let shiftedText = '';\n    return shiftText();\n}\n";
    let in_scope = "function f(integer_value, char_value) {\n    return `${integer_value},${char.toUpperCase()}`;\n}\n";
    let constant = "function f(n, m) {\n    const MOD = 1000003;\n    return (n * m) % modal;\n}\n";
    check(&[
        Case {
            name: "a one-letter name in a loop is its variable",
            rule: &UndefinedName,
            text: loop_text,
            error: reference("x", 4, 25),
            want: First(vec![loop_text.replace("a[x - 1]", "a[q - 1]")]),
        },
        Case {
            name: "a call of a value is the value",
            rule: &UndefinedName,
            text: called,
            error: reference("shiftText", 3, 12),
            want: First(vec![
                "function f(text) {\n    let shiftedText = '';\n    return shiftedText;\n}\n"
                    .to_string(),
            ]),
        },
        Case {
            name: "a parameter in scope",
            rule: &UndefinedName,
            text: in_scope,
            error: reference("char", 2, 34),
            want: First(vec![in_scope.replace("${char.", "${char_value.")]),
        },
        Case {
            name: "a constant in another case",
            rule: &UndefinedName,
            text: constant,
            error: reference("modal", 3, 22),
            want: First(vec![constant.replace("modal", "MOD")]),
        },
    ]);
    // `char_value` is not in scope inside `f`.
    let text = "function f(a, b) {\n    return `${a},${char.toUpperCase()}`;\n}\nfunction g(char_value) { return char_value; }\n";
    assert!(run(&UndefinedName, text, &reference("char", 2, 20))
        .iter()
        .all(|r| !r.contains("${char_value")));
}

#[test]
fn requires_and_slips() {
    let required = "'use strict';\nconst path = require('path');\n\nfunction f(p) { return fs.readFileSync(p); }\n";
    let slips = "function f(x) { return True && len(x) > abs(x[0]); }\n";
    let undeclared = "function f() {\n    total = 0;\n    return total;\n}\n";
    let first = |text: &str| First(vec![text.to_string()]);
    check(&[
        Case {
            name: "a Node builtin is required",
            rule: &MissingRequire,
            text: required,
            error: reference("fs", 4, 24),
            want: All(vec!["'use strict';\nconst path = require('path');\nconst fs = require('fs');\n\nfunction f(p) { return fs.readFileSync(p); }\n".to_string()]),
        },
        Case {
            name: "Python's True",
            rule: &UndefinedName,
            text: slips,
            error: reference("True", 1, 24),
            want: first("function f(x) { return true && len(x) > abs(x[0]); }\n"),
        },
        Case {
            name: "Python's len",
            rule: &UndefinedName,
            text: slips,
            error: reference("len", 1, 32),
            want: first("function f(x) { return True && x.length > abs(x[0]); }\n"),
        },
        Case {
            name: "a bare Math function",
            rule: &UndefinedName,
            text: slips,
            error: reference("abs", 1, 41),
            want: first("function f(x) { return True && len(x) > Math.abs(x[0]); }\n"),
        },
        Case {
            name: "an assignment without let",
            rule: &UndefinedName,
            text: undeclared,
            error: reference("total", 2, 5),
            want: first("function f() {\n    let total = 0;\n    return total;\n}\n"),
        },
    ]);
}

#[test]
fn members_of_standard_objects() {
    let text = "function f(x) { return Math.flor(x) + x.length() + x.contains(1); }\n";
    let unknown = "function f(ans) {\n    return ans.someUndefinedMethod();\n}\n";
    check(&[
        Case {
            name: "a misspelt Math member",
            rule: &Member,
            text,
            error: type_error("Math.flor is not a function", 1, 20),
            want: First(vec![text.replace("flor", "floor")]),
        },
        Case {
            name: "a property called as a method",
            rule: &Member,
            text,
            error: type_error("x.length is not a function", 1, 20),
            want: First(vec![text.replace("x.length()", "x.length")]),
        },
        Case {
            name: "another language's method",
            rule: &Member,
            text,
            error: type_error("x.contains is not a function", 1, 20),
            want: First(vec![text.replace("contains", "includes")]),
        },
        Case {
            name: "an unknown method of an unknown receiver",
            rule: &Member,
            text: unknown,
            error: type_error("ans.someUndefinedMethod is not a function", 2, 16),
            want: All(vec!["function f(ans) {\n    return ans;\n}\n".to_string()]),
        },
    ]);
}

#[test]
fn const_new_and_operators() {
    let constant = "function f() {\n    const n = 1;\n    n += 2;\n    return n;\n}\n";
    let class = "class A {}\nconst a = A();\n";
    let object = "function f(a, b) {\n    return { a => b };\n}\n";
    let arrows = "function f(a) {\n    if (g(a) => 1) {\n        return 1;\n    }\n    return -1 => \"no\";\n}\n";
    let spread = "function f(a, i) {\n    return a[...a[i - 1]];\n}\n";
    let malformed = "Malformed arrow function parameter list";
    check(&[
        Case {
            name: "a reassigned const is a let",
            rule: &ConstAssignment,
            text: constant,
            error: err(
                ErrorType::TypeMismatch,
                "TypeError",
                "Assignment to constant variable.",
                "main.js",
                3,
                7,
            ),
            want: All(vec![constant.replace("const", "let")]),
        },
        Case {
            name: "a class called without new",
            rule: &MissingNew,
            text: class,
            error: err(
                ErrorType::TypeMismatch,
                "TypeError",
                "Class constructor A cannot be invoked without 'new'",
                "main.js",
                2,
                11,
            ),
            want: All(vec!["class A {}\nconst a = new A();\n".to_string()]),
        },
        Case {
            name: "an arrow in an object literal",
            rule: &Operators,
            text: object,
            error: syntax("Unexpected token '=>'", 2, 16),
            want: First(vec![object.replace("a => b", "a , b")]),
        },
        Case {
            name: "an arrow in a condition compares",
            rule: &Operators,
            text: arrows,
            error: syntax(malformed, 2, 9),
            want: First(vec![arrows.replace("g(a) => 1", "g(a) >= 1")]),
        },
        Case {
            name: "an arrow after a returned value is dropped",
            rule: &Operators,
            text: arrows,
            error: syntax(malformed, 5, 12),
            want: First(vec![arrows.replace("-1 => \"no\"", "-1")]),
        },
        Case {
            name: "a spread in an index",
            rule: &Operators,
            text: spread,
            error: syntax("Unexpected token '...'", 2, 14),
            want: All(vec![spread.replace("...", "")]),
        },
    ]);
}

#[test]
fn commented_out_declarations_and_test_failure_lints() {
    let text = "function f(n) {\n    // let total = n * 2;\n    return total;\n}\n";
    assert_eq!(
        run(&Uncomment, text, &reference("total", 3, 12)),
        ["function f(n) {\n    let total = n * 2;\n    return total;\n}\n"]
    );
    let tf = CodeError::new(ErrorType::TestFailure, "Assertion failed").with_code("Error");
    let text = "function f(n) {\n    let i;\n    for (i == 2; i <= n; ++i) {}\n    if (n = 2) { return 1; }\n    i => i + 1;\n    return [...((n > 1) ? 'A' : 'B')];\n}\n";
    let out = run(&TestFailure, text, &tf);
    assert!(out.contains(&text.replace("i == 2", "i = 2")));
    assert!(out.contains(&text.replace("n = 2", "n === 2")));
    assert!(out.contains(&text.replace("i => i + 1", "i = i + 1")));
    assert!(out.contains(&text.replace("[...((n > 1) ? 'A' : 'B')]", "((n > 1) ? 'A' : 'B')")));
    let text = "function f(n) {\n    let i;\n    for (i == 2; i <= n; ++i) {}\n    for (i == 3; i <= n; ++i) {}\n}\n";
    assert_eq!(run(&TestFailure, text, &tf)[0], text.replace("==", "="));
    let text = "function f(x) {\n    let n = 0;\n    for (let i = 0; i <= x.length; i++) { n += x[i] % 4 !== undefined; }\n    return n;\n}\n";
    let out = run(&TestFailure, text, &tf);
    assert!(out.contains(&text.replace("i <= x", "i < x")));
    assert!(out.contains(&text.replace("!== undefined", "!== 0")));
    let text = "function f(w, q) {\n    for (let j = 0; j < 2; j++) {\n        w[j][q[j] & 1];\n    }\n}\n";
    assert_eq!(run(&TestFailure, text, &tf), [text.replace("1];", "1]++;")]);
}
