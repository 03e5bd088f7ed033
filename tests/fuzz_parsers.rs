//! Fuzz targets: every diagnostics parser (`selfheal::diagnostics::PARSERS`), called the way
//! the validator calls it (`parse_step`: parse, stamp the step, add source context), on real
//! toolchain output from `tests/data/fuzz/<parser>/` mutated, spliced and mixed with random
//! text, in stdout and stderr, with any exit code and termination. Property: no panic, and
//! every error located in the program points at one of its files.
//!
//! `SELFHEAL_FUZZ_CASES=1000000 cargo test --release --test fuzz_parsers` runs at length
//! (`docs/fuzzing.md`).

#[path = "data/fuzz/harness.rs"]
mod harness;

use proptest::prelude::*;

use harness::{cases, fuzz, mutated, seeds};
use selfheal::diagnostics::{parse_step, ParseInput, PARSERS};
use selfheal::{Program, TargetLanguage, Termination};

/// The seed directories (every parser's own, then the others for splicing).
const SEED_DIRS: &[&str] = &[
    "rustc-json",
    "libtest",
    "go-build",
    "go-test",
    "python-check",
    "python-run",
    "node-check",
    "node-run",
    "node-static",
];

/// A program of `language` holding the files the seeds name, with multi-byte text, a long
/// line and a last line without a newline, so context extraction meets its edge cases.
fn program(language: TargetLanguage) -> Program {
    let text = |lines: &[&str]| lines.join("\n");
    let files: Vec<(&str, String)> = match language {
        TargetLanguage::Rust => vec![
            (
                "main.rs",
                text(&[
                    "fn main() {",
                    "    let x: i32 = \"é😀\";",
                    "    println!(\"{}\", y);",
                    "}",
                ]),
            ),
            (
                "tests.rs",
                text(&["#[test]", "fn adds() { assert_eq!(1, 2); }"]),
            ),
            ("src/lib.rs", "pub fn f() -> u8 { 0 }".repeat(40)),
        ],
        TargetLanguage::Python => vec![
            (
                "main.py",
                text(&["import os", "def f(:", "    return naïve", "print(f())"]),
            ),
            ("names.py", text(&["x = undefined_name", "\u{202e}y = 1"])),
            ("run1.py", text(&["def g(d):", "    return d['k']"])),
            (
                "test_main.py",
                text(&["def test_x():", "    assert 1 == 2"]),
            ),
        ],
        TargetLanguage::JavaScript => vec![
            (
                "main.js",
                text(&["function f( {", "  return missing + 1;", "}"]),
            ),
            ("run.js", text(&["null.foo;", "// ﬁ"])),
            (
                "static.js",
                text(&["const a = 1;", "console.log(undefinedName + a);"]),
            ),
            ("main.test.js", "test('x', () => {});".to_string()),
        ],
        TargetLanguage::Go => vec![
            (
                "main.go",
                text(&[
                    "package main",
                    "",
                    "func main() {",
                    "\tprintln(undefinedThing)",
                    "}",
                ]),
            ),
            (
                "main_test.go",
                text(&[
                    "package main",
                    "import \"testing\"",
                    "func TestAdd(t *testing.T) {}",
                ]),
            ),
            ("go.mod", text(&["module example.com/m", "", "go 1.19"])),
        ],
    };
    Program::new(language, files.into_iter().map(|(n, t)| (n.to_string(), t)))
        .expect("the fuzz program is valid")
}

/// The language whose toolchain uses `parser`.
fn language_of(parser: &str) -> TargetLanguage {
    match parser {
        "rustc-json" | "libtest" => TargetLanguage::Rust,
        "go-build" | "go-test" => TargetLanguage::Go,
        "python-check" | "python-run" | "python-judge" => TargetLanguage::Python,
        "node-check" | "node-run" | "node-static" | "node-judge" => TargetLanguage::JavaScript,
        other => panic!("no language for parser {other}: add it to this target"),
    }
}

fn termination() -> impl Strategy<Value = Termination> {
    proptest::sample::select(vec![
        Termination::Exited,
        Termination::Signaled,
        Termination::WallTimeout,
        Termination::CpuLimit,
        Termination::OutOfMemory,
        Termination::FileSizeLimit,
    ])
}

fn exit_code() -> impl Strategy<Value = Option<i32>> {
    prop_oneof![
        Just(None),
        Just(Some(0)),
        Just(Some(1)),
        Just(Some(2)),
        any::<i32>().prop_map(Some),
    ]
}

/// Fuzzes `parser` with its own seeds (the judges, which have none of their own, with the
/// run and test outputs of their language) and every other seed for splicing.
fn fuzz_parser(parser: &'static str) {
    let own_dir = match parser {
        "python-judge" => "python-run",
        "node-judge" => "node-run",
        other => other,
    };
    let own = seeds(own_dir);
    let all: Vec<String> = SEED_DIRS.iter().flat_map(|d| seeds(d)).collect();
    let language = language_of(parser);
    let program = program(language);
    let step = proptest::sample::select(vec!["check", "test", "run"]);
    let command = vec!["tool".to_string(), "main".to_string()];
    let strategy = (
        mutated(own.clone(), all.clone(), 12),
        mutated(own, all, 4),
        any::<bool>(),
        exit_code(),
        termination(),
        step,
    );
    fuzz(
        parser,
        cases(),
        strategy,
        |(main, other, swap, exit_code, termination, step)| {
            // The toolchain's stream gets the mutated seed; the other stream gets a lighter one.
            let (stdout, stderr) = if swap {
                (&main, &other)
            } else {
                (&other, &main)
            };
            let input = ParseInput {
                language,
                step,
                command: &command,
                exit_code,
                termination,
                stdout,
                stderr,
                program: &program,
            };
            let parsed = parse_step(parser, &input).expect("a known parser");
            for error in &parsed.errors {
                prop_assert_eq!(&error.step, step);
                if let Some(location) = &error.location {
                    if error.context.is_some() {
                        prop_assert!(
                            program.files().contains_key(&location.file),
                            "context for a file the program does not have: {:?}",
                            location
                        );
                    }
                }
            }
            Ok(())
        },
    );
}

#[test]
fn every_parser_has_a_target() {
    let targets = [
        "rustc-json",
        "libtest",
        "go-build",
        "go-test",
        "python-check",
        "python-run",
        "node-check",
        "node-run",
        "python-judge",
        "node-judge",
        "node-static",
    ];
    assert_eq!(
        PARSERS, targets,
        "a parser was added: give it a fuzz target"
    );
}

#[test]
fn fuzz_rustc_json() {
    fuzz_parser("rustc-json");
}

#[test]
fn fuzz_libtest() {
    fuzz_parser("libtest");
}

#[test]
fn fuzz_go_build() {
    fuzz_parser("go-build");
}

#[test]
fn fuzz_go_test() {
    fuzz_parser("go-test");
}

#[test]
fn fuzz_python_check() {
    fuzz_parser("python-check");
}

#[test]
fn fuzz_python_run() {
    fuzz_parser("python-run");
}

#[test]
fn fuzz_node_check() {
    fuzz_parser("node-check");
}

#[test]
fn fuzz_node_run() {
    fuzz_parser("node-run");
}

#[test]
fn fuzz_python_judge() {
    fuzz_parser("python-judge");
}

#[test]
fn fuzz_node_static() {
    fuzz_parser("node-static");
}

#[test]
fn fuzz_node_judge() {
    fuzz_parser("node-judge");
}

/// Found by the million-case run: a test duration over `u64::MAX` seconds (`"Elapsed":1.8e20`
/// in `go test -json`, `<1e30s>` from libtest's `--report-time`) panicked in
/// `Duration::from_secs_f64`. Such a figure is no duration; the rest of the run is still read.
#[test]
fn durations_too_large_for_a_duration_do_not_panic() {
    let go = "{\"Action\":\"run\",\"Package\":\"example.com/m\",\"Test\":\"TestAdd\"}\n\
              {\"Action\":\"fail\",\"Package\":\"example.com/m\",\"Test\":\"TestAdd\",\
              \"Elapsed\":184467440737095516160}\n\
              {\"Action\":\"fail\",\"Package\":\"example.com/m\",\"Elapsed\":1e300}\n";
    let libtest = "\nrunning 1 test\ntest adds ... FAILED <1e30s>\n\nfailures:\n\n\
                   ---- adds stdout ----\n\nfailures:\n    adds\n\n\
                   test result: FAILED. 0 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out\n";
    for (parser, stdout) in [("go-test", go), ("libtest", libtest)] {
        let language = language_of(parser);
        let program = program(language);
        let command = vec!["tool".to_string(), "test".to_string()];
        let input = ParseInput {
            language,
            step: "test",
            command: &command,
            exit_code: Some(1),
            termination: Termination::Exited,
            stdout,
            stderr: "",
            program: &program,
        };
        let parsed = parse_step(parser, &input).expect("a known parser");
        assert!(
            !parsed.errors.is_empty(),
            "{parser}: the failing test is reported"
        );
    }
}
