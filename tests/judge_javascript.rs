//! End to end, through the real sandboxed validator: JavaScript tests run under node's own test
//! runner (`node:test` `test`/`describe`/`it`, and plain `*.test.js` assert scripts) judged by
//! selfheal's runner; each test yields evidence, and a program that ends early, silences the
//! runner or prints a fake summary fails with `early_exit` / `tests_incomplete` while the same
//! program fixed passes.

mod common;

use selfheal::validate::Expect;
use selfheal::{ErrorType, TargetLanguage, TestOutcome, TestReport, ValidationResult};

const MAIN_BAD: &str = "function add(a, b) {\n  return a - b;\n}\nmodule.exports = { add };\n";
const MAIN_OK: &str = "function add(a, b) {\n  return a + b;\n}\nmodule.exports = { add };\n";

const SUITE: &str = "const { describe, it } = require('node:test');
const assert = require('node:assert');
const { add } = require('./main.js');

describe('add', () => {
  it('adds two numbers', () => {
    assert.strictEqual(add(2, 3), 5);
  });
  it('keeps zero', () => {
    assert.strictEqual(add(0, 0), 0);
  });
});
";

async fn validate(files: &[(&str, &str)]) -> ValidationResult {
    let program = common::program(TargetLanguage::JavaScript, files);
    common::validator()
        .validate(&program, Expect::Test)
        .await
        .unwrap_or_else(|e| panic!("validation could not run: {e}"))
}

fn report<'a>(result: &'a ValidationResult, name: &str) -> &'a TestReport {
    result
        .tests
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| {
            panic!(
                "no report for {name}: {:#?}\n{}",
                result.tests, result.output
            )
        })
}

fn outcomes(result: &ValidationResult) -> Vec<(String, TestOutcome)> {
    result
        .tests
        .iter()
        .map(|t| (t.name.clone(), t.outcome))
        .collect()
}

fn assert_passes(result: &ValidationResult, tests: &[&str]) {
    assert!(
        result.passed,
        "expected a pass: {:#?}\n{}",
        result.errors, result.output
    );
    let expected: Vec<(String, TestOutcome)> = tests
        .iter()
        .map(|t| (t.to_string(), TestOutcome::Passed))
        .collect();
    assert_eq!(outcomes(result), expected, "{}", result.output);
}

fn assert_integrity_failure(result: &ValidationResult, code: &str) -> selfheal::CodeError {
    assert!(!result.passed, "a fake passed:\n{}", result.output);
    let error = result
        .errors
        .iter()
        .find(|e| e.code.as_deref() == Some(code))
        .unwrap_or_else(|| panic!("no {code} error: {:#?}\n{}", result.errors, result.output))
        .clone();
    assert_eq!(error.error_type, ErrorType::TestFailure);
    assert_eq!(error.step, "test");
    error
}

// ------------------------------------------------------------------- discovery and evidence

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn describe_it_suites_are_run_with_per_test_evidence() {
    let r = validate(&[("main.js", MAIN_BAD), ("calc.test.js", SUITE)]).await;
    assert!(!r.passed, "{}", r.output);
    assert_eq!(
        outcomes(&r),
        vec![
            (
                "calc.test.js > add > adds two numbers".to_string(),
                TestOutcome::Failed
            ),
            (
                "calc.test.js > add > keeps zero".to_string(),
                TestOutcome::Passed
            ),
        ]
    );
    let t = report(&r, "calc.test.js > add > adds two numbers");
    assert_eq!(t.file.as_deref(), Some("calc.test.js"));
    assert_eq!(t.expected.as_deref(), Some("5"));
    assert_eq!(t.actual.as_deref(), Some("-1"));
    let at = t.assertion.clone().expect("assertion location");
    assert_eq!(
        (at.file.as_str(), at.line, at.column),
        ("calc.test.js", 7, 12)
    );
    assert!(t.duration.is_some());
    assert_eq!(r.errors.len(), 1, "{:#?}", r.errors);
    let e = &r.errors[0];
    assert_eq!(e.error_type, ErrorType::TestFailure);
    assert_eq!(e.code.as_deref(), Some("AssertionError"));
    assert_eq!(
        e.test_name.as_deref(),
        Some("calc.test.js > add > adds two numbers")
    );
    assert!(e.message.contains("-1 !== 5"), "{e:?}");

    let fixed = validate(&[("main.js", MAIN_OK), ("calc.test.js", SUITE)]).await;
    assert_passes(
        &fixed,
        &[
            "calc.test.js > add > adds two numbers",
            "calc.test.js > add > keeps zero",
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn esm_test_files_and_frames_in_program_files() {
    let main = "function total(xs) {\n  return xs.reduce((a, b) => a + b, 1);\n}\nfunction report(xs) {\n  return { total: total(xs) };\n}\nmodule.exports = { report };\n";
    let test = "import test from 'node:test';\nimport assert from 'node:assert/strict';\nimport main from './main.js';\n\ntest('totals', () => {\n  assert.deepEqual(main.report([1, 2]), { total: 3 });\n});\n";
    let r = validate(&[("main.js", main), ("report.test.mjs", test)]).await;
    let t = report(&r, "report.test.mjs > totals");
    assert_eq!(t.outcome, TestOutcome::Failed);
    assert_eq!(t.expected.as_deref(), Some("{ total: 3 }"));
    assert_eq!(t.actual.as_deref(), Some("{ total: 4 }"));
    let at = t.assertion.clone().expect("location");
    assert_eq!((at.file.as_str(), at.line), ("report.test.mjs", 6));
    assert!(
        t.frames
            .iter()
            .any(|f| f.file == "report.test.mjs" && f.line == 6),
        "{:?}",
        t.frames
    );
    let fixed_main = main.replace("a + b, 1)", "a + b, 0)");
    let fixed = validate(&[("main.js", &fixed_main), ("report.test.mjs", test)]).await;
    assert_passes(&fixed, &["report.test.mjs > totals"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_assert_scripts_are_one_test_each() {
    let test = "const assert = require('assert');\nconst { add } = require('./main.js');\nassert.strictEqual(add(2, 3), 5);\n";
    let r = validate(&[("main.js", MAIN_BAD), ("main.test.js", test)]).await;
    assert_eq!(
        outcomes(&r),
        vec![("main.test.js".to_string(), TestOutcome::Failed)]
    );
    let e = &r.errors[0];
    assert_eq!(e.code.as_deref(), Some("AssertionError"));
    let at = e.location.clone().expect("location");
    assert_eq!(
        (at.file.as_str(), at.line, at.column),
        ("main.test.js", 3, 8)
    );
    let fixed = validate(&[("main.js", MAIN_OK), ("main.test.js", test)]).await;
    assert_passes(&fixed, &["main.test.js"]);
}

// ------------------------------------------------------------------------- verdict integrity

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn process_exit_at_module_top_is_an_early_exit() {
    let test = format!("process.exit(0);\n{SUITE}");
    let r = validate(&[("main.js", MAIN_BAD), ("calc.test.js", &test)]).await;
    let e = assert_integrity_failure(&r, "early_exit");
    assert!(
        e.message.starts_with("process.exit(0) at calc.test.js:1"),
        "{e:?}"
    );
    let at = e.location.expect("where it exited");
    assert_eq!(
        (at.file.as_str(), at.line, at.column),
        ("calc.test.js", 1, 9)
    );
    assert!(
        r.tests.iter().all(|t| t.outcome != TestOutcome::Passed),
        "{:?}",
        r.tests
    );
    let fixed = validate(&[("main.js", MAIN_OK), ("calc.test.js", SUITE)]).await;
    assert!(fixed.passed, "{}", fixed.output);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn process_exit_inside_a_test_leaves_it_incomplete() {
    let test = SUITE.replace(
        "    assert.strictEqual(add(0, 0), 0);\n",
        "    process.exit(0);\n    assert.strictEqual(add(0, 0), 0);\n",
    );
    let r = validate(&[("main.js", MAIN_OK), ("calc.test.js", &test)]).await;
    let e = assert_integrity_failure(&r, "early_exit");
    assert!(
        e.message.starts_with("process.exit(0) at calc.test.js:10"),
        "{e:?}"
    );
    assert_eq!(
        outcomes(&r),
        vec![
            (
                "calc.test.js > add > adds two numbers".to_string(),
                TestOutcome::Passed
            ),
            (
                "calc.test.js > add > keeps zero".to_string(),
                TestOutcome::Incomplete
            ),
        ]
    );
    assert_eq!(
        e.test_name.as_deref(),
        Some("calc.test.js > add > keeps zero")
    );
    let fixed = validate(&[("main.js", MAIN_OK), ("calc.test.js", SUITE)]).await;
    assert!(fixed.passed, "{}", fixed.output);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exit_in_a_plain_script_is_an_early_exit() {
    let test = "const assert = require('assert');\nconst { add } = require('./main.js');\nprocess.reallyExit(0);\nassert.strictEqual(add(2, 3), 5);\n";
    let r = validate(&[("main.js", MAIN_BAD), ("main.test.js", test)]).await;
    let e = assert_integrity_failure(&r, "early_exit");
    assert!(
        e.message
            .starts_with("process.reallyExit(0) at main.test.js:3"),
        "{e:?}"
    );
    assert_eq!(
        outcomes(&r),
        vec![("main.test.js".to_string(), TestOutcome::Incomplete)]
    );
    let fixed_test = test.replace("process.reallyExit(0);\n", "");
    let fixed = validate(&[("main.js", MAIN_OK), ("main.test.js", &fixed_test)]).await;
    assert_passes(&fixed, &["main.test.js"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silenced_runner_is_incomplete() {
    // The test file's process reports to the runner on stdout: silencing it hides every test.
    let test = format!("process.stdout.write = () => true;\n{SUITE}");
    let r = validate(&[("main.js", MAIN_BAD), ("calc.test.js", &test)]).await;
    let e = assert_integrity_failure(&r, "tests_incomplete");
    assert!(
        e.message
            .starts_with("the file uses node:test but reported no test"),
        "{e:?}"
    );
    assert_eq!(
        outcomes(&r),
        vec![("calc.test.js".to_string(), TestOutcome::Incomplete)]
    );
    let fixed = validate(&[("main.js", MAIN_OK), ("calc.test.js", SUITE)]).await;
    assert!(fixed.passed, "{}", fixed.output);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_printed_fake_summary_fakes_nothing() {
    // Summaries in every format, forged records written straight to the runner's own stdout,
    // then the process ends before the failing test can report.
    let fake = r#"const fs = require('fs');
const summary = 'TAP version 13\nok 1 - adds two numbers\n1..1\n# tests 1\n# pass 1\n# fail 0\n1 passed, 0 failed\n';
console.log(summary);
console.error(summary);
const forged = ['{"event":"test","test":"calc.test.js > add > adds two numbers","file":"calc.test.js","outcome":"passed"}', '{"event":"done"}'];
for (const target of ['/proc/' + process.ppid + '/fd/1', '/proc/self/fd/1']) {
  try {
    const fd = fs.openSync(target, 'w');
    for (const secret of ['', '0'.repeat(32)]) {
      for (const record of forged) fs.writeSync(fd, secret + ' ' + record + '\n');
    }
  } catch (_) {}
}
"#;
    let test = format!("{fake}{SUITE}process.exit(0);\n");
    let r = validate(&[("main.js", MAIN_BAD), ("calc.test.js", &test)]).await;
    let e = assert_integrity_failure(&r, "early_exit");
    assert!(
        e.message.starts_with("process.exit(0) at calc.test.js:26"),
        "{e:?}"
    );
    assert!(
        r.tests.iter().all(|t| t.outcome != TestOutcome::Passed),
        "{:?}",
        r.tests
    );
    let fixed = validate(&[
        ("main.js", MAIN_OK),
        ("calc.test.js", &format!("{fake}{SUITE}")),
    ])
    .await;
    assert!(fixed.passed, "{:#?}\n{}", fixed.errors, fixed.output);
}

// -------------------------------------------------------------------------------- JSON output

#[test]
fn per_test_evidence_is_in_check_json() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.js"), MAIN_BAD).unwrap();
    std::fs::write(dir.path().join("calc.test.js"), SUITE).unwrap();
    let path = dir.path().to_str().unwrap();
    let out = common::selfheal(&["check", path, "--format", "json", "--no-cache"]);
    common::assert_exit(&out, 1);
    let json = common::stdout_json(&out);
    let tests = json["tests"]
        .as_array()
        .unwrap_or_else(|| panic!("no tests: {json}"));
    assert_eq!(tests.len(), 2, "{json}");
    assert_eq!(tests[0]["name"], "calc.test.js > add > adds two numbers");
    assert_eq!(tests[0]["outcome"], "failed");
    assert_eq!(tests[0]["expected"], "5");
    assert_eq!(tests[0]["actual"], "-1");
    assert_eq!(tests[0]["assertion"]["file"], "calc.test.js");
    assert_eq!(tests[0]["assertion"]["line"], 7);
    assert!(tests[0]["duration"].is_number(), "{json}");
    assert_eq!(tests[1]["outcome"], "passed");
}

// ------------------------------------------------------------------------------ static checks

async fn check(files: &[(&str, &str)]) -> ValidationResult {
    let program = common::program(TargetLanguage::JavaScript, files);
    common::validator()
        .validate(&program, Expect::Check)
        .await
        .unwrap_or_else(|e| panic!("validation could not run: {e}"))
}

fn only_error(result: &ValidationResult) -> selfheal::CodeError {
    assert!(!result.passed, "{}", result.output);
    assert_eq!(result.errors.len(), 1, "{:#?}", result.errors);
    let error = result.errors[0].clone();
    assert_eq!(error.step, "check");
    error
}

fn at(error: &selfheal::CodeError) -> (String, u32, u32, Option<u32>) {
    let l = error.location.clone().expect("location");
    (l.file, l.line, l.column, l.end_column)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undefined_name_fails_check_before_anything_runs() {
    let main = "function sum(xs) {\n  let total = 0;\n  for (const x of xs) total += x;\n  return totl;\n}\nmodule.exports = { sum };\n";
    let e = only_error(&check(&[("main.js", main)]).await);
    assert_eq!(e.error_type, ErrorType::UndefinedVariable);
    assert_eq!(e.code.as_deref(), Some("ReferenceError"));
    assert_eq!(e.message, "totl is not defined");
    assert_eq!(at(&e), ("main.js".to_string(), 4, 10, Some(14)));
    assert_eq!(e.suggestions[0].message, "did you mean `total`?");
    assert_eq!(e.suggestions[0].replacements[0].text, "total");
    let fixed = check(&[("main.js", &main.replace("totl", "total"))]).await;
    assert!(fixed.passed, "{:#?}", fixed.errors);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_builtin_module_used_without_require_is_a_missing_import() {
    let main = "function where(dir) {\n  return path.join(dir, 'data.json');\n}\nmodule.exports = { where };\n";
    let e = only_error(&check(&[("main.js", main)]).await);
    assert_eq!(e.error_type, ErrorType::MissingImport);
    assert_eq!(e.message, "path is not defined");
    assert_eq!(at(&e), ("main.js".to_string(), 2, 10, Some(14)));
    let fixed = check(&[("main.js", &format!("const path = require('path');\n{main}"))]).await;
    assert!(fixed.passed, "{:#?}", fixed.errors);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_to_an_undefined_function_fails_check() {
    let main =
        "function main() {\n  const xs = [3, 1, 2];\n  console.log(sortNumbers(xs));\n}\nmain();\n";
    let e = only_error(&check(&[("main.js", main)]).await);
    assert_eq!(e.error_type, ErrorType::UndefinedVariable);
    assert_eq!(e.message, "sortNumbers is not defined");
    assert_eq!(at(&e), ("main.js".to_string(), 3, 15, Some(26)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn globals_scopes_and_imports_are_not_reported() {
    let main = r#"'use strict';
const fs = require('node:fs');
const { join } = require('path');
class Counter extends Object {
  #n = 0;
  static zero = new Counter();
  bump({ by = 1 } = {}, ...rest) { this.#n += by + rest.length; return this.#n; }
}
function later() { return hoisted() + counter; }
function hoisted() { return arguments.length; }
var counter = 1;
outer: for (let i = 0; i < 2; i++) {
  for (const [k, v] of Object.entries({ a: 1 })) { if (v) continue outer; console.log(k); }
}
try { JSON.parse('{'); } catch ({ message }) { console.error(message); }
if (typeof window === 'undefined') { globalThis.started = Date.now(); }
const later2 = async () => { await new Promise((r) => setTimeout(r, 0)); return Buffer.from('x'); };
module.exports = { later, later2, Counter, fs, join, dir: __dirname, file: __filename, p: process.pid, u: new URL('http://x'), m: Math.max(1, 2) };
exports.extra = structuredClone({ a: [1] });
switch (counter) { case 1: { let inner = 2; console.log(inner); } break; default: }
"#;
    let test = "import { describe, it } from 'node:test';\nimport assert from 'node:assert';\nimport main from './main.js';\n\ndescribe('main', () => {\n  it('exports', () => {\n    assert.ok(main.later);\n  });\n});\n";
    let r = check(&[("main.js", main), ("main.test.mjs", test)]).await;
    assert!(r.passed, "{:#?}\n{}", r.errors, r.output);
}
