//! Tests of `javascript.unused-parameter`: generated functions that hard-code the value their
//! parameter should give.

use super::unused_parameter::*;
use super::*;
use crate::fix::text::testing::{err, program, results};
use crate::fix::FixStrategy;

fn failing_test() -> CodeError {
    err(
        ErrorType::TestFailure,
        "assertion",
        "Assertion failed: lookup(5) should be 120",
        "main.test.js",
        3,
        1,
    )
}

fn healed(text: &str) -> Vec<String> {
    let p = program(JS, "main.js", text);
    let mut fixes = UnusedParameter.suggest(&failing_test(), &p);
    fixes.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
    results(&fixes, text)
}

#[test]
fn a_hard_coded_last_index_becomes_the_parameter() {
    let text = "function lookup(n) {\n  const table = [1];\n  for (let i = 1; i <= 20; i++) {\n    table[i] = table[i - 1] * i;\n  }\n  return table[20];\n}\n";
    assert_eq!(healed(text), [text.replace("table[20]", "table[n]")]);
}

#[test]
fn arrow_functions_and_several_literals() {
    let text = "const scale = (x, factor) => {\n  return x * 2 + 1;\n};\n";
    assert_eq!(
        healed(text),
        [
            text.replace("x * 2", "x * factor"),
            text.replace("2 + 1", "2 + factor")
        ]
    );
}

#[test]
fn functions_that_read_every_parameter_are_left_alone() {
    let text = "function area(w, h) {\n  return w * h * 1;\n}\nfunction label(obj) {\n  return obj.n + 1;\n}\n";
    assert_eq!(healed(text), Vec::<String>::new());
    // A member named like the parameter is not a read of it.
    let text = "function pick(n) {\n  return data.n + 3;\n}\n";
    assert_eq!(healed(text), [text.replace("+ 3", "+ n")]);
}

#[test]
fn only_programs_that_run_are_answered() {
    let text = "function lookup(n) {\n  return 20;\n}\n";
    let p = program(JS, "main.js", text);
    let syntax = err(
        ErrorType::SyntaxError,
        "SyntaxError",
        "Unexpected token",
        "main.js",
        1,
        1,
    );
    assert!(UnusedParameter.suggest(&syntax, &p).is_empty());
}
