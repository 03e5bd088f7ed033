//! One error vocabulary for runs stopped at a limit, in every language: a program that loops
//! forever under a short deadline is reported with code `timeout`, as `TestFailure` in the test
//! step and as `CompilerError("timeout")` when it runs as a program (`selfheal run`). Never as
//! `TelemetryMismatch`, which is for telemetry only.
//!
//! The loops sleep, so that the wall-clock deadline (not the CPU limit) is what stops them.

mod common;

use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use selfheal::validate::{Expect, RunOptions, Validator, ValidatorConfig};
use selfheal::{CodeError, ErrorType, TargetLanguage};

use TargetLanguage::{Go, JavaScript, Python, Rust};

/// The wall-clock limit of the command that runs the tests, in the test toolchains.
const TEST_WALL_SECONDS: u64 = 6;

/// A validator whose toolchains are the project's, except that the command running the tests
/// has a short wall-clock limit (so that a test that never ends is stopped in seconds).
fn short_test_deadline() -> Arc<Validator> {
    static VALIDATOR: OnceLock<(tempfile::TempDir, Arc<Validator>)> = OnceLock::new();
    VALIDATOR
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("toolchains");
            for entry in std::fs::read_dir(&source).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "toml") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    let patched = with_short_test_deadline(&text);
                    std::fs::write(dir.path().join(path.file_name().unwrap()), patched).unwrap();
                }
            }
            let validator = Validator::new(ValidatorConfig {
                toolchain_dir: Some(dir.path().to_path_buf()),
                ..ValidatorConfig::default()
            })
            .unwrap_or_else(|e| panic!("cannot create a validator: {e}"));
            (dir, Arc::new(validator))
        })
        .1
        .clone()
}

/// The toolchain text with the last `[[test]]` command limited to [`TEST_WALL_SECONDS`] of
/// wall-clock time (its other limits as before).
fn with_short_test_deadline(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let tests: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].trim() == "[[test]]")
        .collect();
    let last = *tests.last().expect("a [[test]] step");
    // The command's table ends at the next table header.
    let end = (last + 1..lines.len())
        .find(|&i| lines[i].starts_with('['))
        .unwrap_or(lines.len());
    let limit = format!("wall_time = {TEST_WALL_SECONDS}");
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    match (last + 1..end).find(|&i| lines[i].starts_with("limits = {")) {
        Some(i) => {
            let rest = lines[i]
                .trim_start_matches("limits = {")
                .split(',')
                .filter(|field| !field.contains("wall_time"))
                .collect::<Vec<_>>()
                .join(",");
            out[i] = format!("limits = {{ {limit},{rest}");
        }
        None => {
            let parser = (last + 1..end)
                .find(|&i| lines[i].starts_with("parser = "))
                .expect("a parser line");
            out.insert(parser + 1, format!("limits = {{ {limit} }}"));
        }
    }
    let mut patched = out.join("\n");
    patched.push('\n');
    patched
}

fn assert_limit(errors: &[CodeError], error_type: ErrorType, code: &str, step: &str, out: &str) {
    let first = errors
        .first()
        .unwrap_or_else(|| panic!("no errors from:\n{out}"));
    assert_eq!(first.error_type, error_type, "{first:?}\n{out}");
    assert_eq!(first.code.as_deref(), Some(code), "{first:?}");
    assert_eq!(first.step, step, "{first:?}");
    assert!(
        errors
            .iter()
            .all(|e| e.error_type != ErrorType::TelemetryMismatch),
        "{errors:?}"
    );
}

/// Test files whose one test never ends, per language.
fn endless_test(language: TargetLanguage) -> Vec<(&'static str, &'static str)> {
    match language {
        Rust => vec![
            ("lib.rs", "pub fn wait() {\n    loop {\n        std::thread::sleep(std::time::Duration::from_millis(50));\n    }\n}\n\n#[cfg(test)]\nmod tests;\n"),
            ("tests.rs", "use super::*;\n\n#[test]\nfn never_ends() {\n    wait();\n}\n"),
        ],
        Python => vec![
            ("main.py", "import time\n\n\ndef wait():\n    while True:\n        time.sleep(0.05)\n"),
            ("test_main.py", "from main import wait\n\n\ndef test_never_ends():\n    wait()\n"),
        ],
        JavaScript => vec![
            ("main.js", "function wait() {\n  const until = new Int32Array(new SharedArrayBuffer(4));\n  for (;;) {\n    Atomics.wait(until, 0, 0, 50);\n  }\n}\nmodule.exports = { wait };\n"),
            ("main.test.js", "const { test } = require('node:test');\nconst { wait } = require('./main.js');\n\ntest('never ends', () => {\n  wait();\n});\n"),
        ],
        Go => vec![
            ("main.go", "package main\n\nimport \"time\"\n\nfunc Wait() {\n\tfor {\n\t\ttime.Sleep(50 * time.Millisecond)\n\t}\n}\n\nfunc main() {}\n"),
            ("main_test.go", "package main\n\nimport \"testing\"\n\nfunc TestNeverEnds(t *testing.T) {\n\tWait()\n}\n"),
        ],
    }
}

/// Programs whose `main` never ends, per language.
fn endless_main(language: TargetLanguage) -> Vec<(&'static str, &'static str)> {
    match language {
        Rust => vec![("main.rs", "fn main() {\n    loop {\n        std::thread::sleep(std::time::Duration::from_millis(50));\n    }\n}\n")],
        Python => vec![("main.py", "import time\n\nwhile True:\n    time.sleep(0.05)\n")],
        JavaScript => vec![("main.js", "setInterval(() => {}, 50);\n")],
        Go => vec![("main.go", "package main\n\nimport \"time\"\n\nfunc main() {\n\tfor {\n\t\ttime.Sleep(50 * time.Millisecond)\n\t}\n}\n")],
    }
}

async fn test_step_times_out(language: TargetLanguage) {
    let program = common::program(language, &endless_test(language));
    let r = short_test_deadline()
        .validate(&program, Expect::Test)
        .await
        .unwrap_or_else(|e| panic!("validation could not run: {e}"));
    assert!(!r.passed, "{}", r.output);
    assert_limit(
        &r.errors,
        ErrorType::TestFailure,
        "timeout",
        "test",
        &r.output,
    );
    let first = &r.errors[0];
    assert_eq!(
        first.message,
        "stopped at the wall-clock time limit (an infinite loop, a deadlock or very slow code?)"
    );
    // Runners that announce each test say which one was still running.
    let running = match language {
        Rust => Some("tests::never_ends"),
        Go => Some("TestNeverEnds"),
        Python | JavaScript => None,
    };
    if let Some(name) = running {
        assert_eq!(first.test_name.as_deref(), Some(name), "{first:?}");
        assert!(
            first.notes.contains(&format!("still running: {name}")),
            "{first:?}"
        );
    }
}

async fn run_times_out(language: TargetLanguage) {
    let program = common::program(language, &endless_main(language));
    let options = RunOptions {
        timeout: Some(Duration::from_secs(2)),
        ..RunOptions::default()
    };
    let report = common::validator()
        .run(&program, &options)
        .await
        .unwrap_or_else(|e| panic!("the run could not be carried out: {e}"));
    assert!(!report.success);
    let out = format!("{:?}", report.steps);
    assert_limit(
        &report.errors,
        ErrorType::CompilerError("timeout".into()),
        "timeout",
        "run",
        &out,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_test_that_never_ends_is_a_test_failure_with_code_timeout() {
    test_step_times_out(Rust).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_test_that_never_ends_is_a_test_failure_with_code_timeout() {
    test_step_times_out(Python).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn javascript_test_that_never_ends_is_a_test_failure_with_code_timeout() {
    test_step_times_out(JavaScript).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn go_test_that_never_ends_is_a_test_failure_with_code_timeout() {
    test_step_times_out(Go).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_program_that_never_ends_is_a_compiler_error_timeout() {
    run_times_out(Rust).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_program_that_never_ends_is_a_compiler_error_timeout() {
    run_times_out(Python).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn javascript_program_that_never_ends_is_a_compiler_error_timeout() {
    run_times_out(JavaScript).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn go_program_that_never_ends_is_a_compiler_error_timeout() {
    run_times_out(Go).await;
}

/// The learner keys its statistics by code and the masked first line of the message: a
/// timeout reads the same in every language, so the statistics do not split by parser.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_has_one_learner_signature_in_every_language() {
    let mut signatures = Vec::new();
    for language in [Rust, Python, JavaScript, Go] {
        let program = common::program(language, &endless_main(language));
        let options = RunOptions {
            timeout: Some(Duration::from_secs(2)),
            ..RunOptions::default()
        };
        let report = common::validator().run(&program, &options).await.unwrap();
        let first = report.errors.first().expect("an error");
        signatures.push(selfheal::learn::signature(first));
    }
    signatures.dedup();
    assert_eq!(
        signatures,
        ["timeout stopped at the wall-clock time limit (an infinite loop, a deadlock or very slow code?)"]
    );
}
