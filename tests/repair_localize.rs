//! Fault localization: exact rankings on small spectra and on failing-test evidence.

// Scores are compared rounded to four places: 0.7071 is 1/sqrt(2) rounded, on purpose.
#![allow(clippy::approx_constant)]

use std::collections::BTreeSet;

use selfheal::repair::localize::{
    editable_files, from_evidence, ochiai, rank, Evidence, Spectrum, Suspicious, TestRun,
};
use selfheal::{CodeError, ErrorType, Location, Program, TargetLanguage};

fn run(name: &str, passed: bool, lines: &[u32]) -> TestRun {
    TestRun {
        name: name.into(),
        passed,
        covered: lines
            .iter()
            .map(|l| ("main.py".to_string(), *l))
            .collect::<BTreeSet<_>>(),
    }
}

/// (line, score rounded to 4 places) of a ranking in one file.
fn lines(ranking: &[Suspicious]) -> Vec<(String, u32, f64)> {
    ranking
        .iter()
        .map(|s| {
            (
                s.file.clone(),
                s.line,
                (s.score * 10_000.0).round() / 10_000.0,
            )
        })
        .collect()
}

#[test]
fn ochiai_one_failing_test() {
    let spectrum = Spectrum {
        runs: vec![
            run("t1", false, &[1, 2, 3]),
            run("t2", true, &[1, 2]),
            run("t3", true, &[1]),
        ],
    };
    assert_eq!(
        lines(&ochiai(&spectrum)),
        vec![
            ("main.py".into(), 3, 1.0),
            ("main.py".into(), 2, 0.7071), // 1/sqrt(2),
            ("main.py".into(), 1, 0.5774),
        ]
    );
}

#[test]
fn ochiai_two_failing_tests_and_no_failure() {
    let spectrum = Spectrum {
        runs: vec![
            run("t1", false, &[1, 2]),
            run("t2", false, &[2, 3]),
            run("t3", true, &[1, 4]),
        ],
    };
    // Line 4 only ran in a passing test: not ranked.
    assert_eq!(
        lines(&ochiai(&spectrum)),
        vec![
            ("main.py".into(), 2, 1.0),
            ("main.py".into(), 3, 0.7071), // 1/sqrt(2),
            ("main.py".into(), 1, 0.5),
        ]
    );
    let passing = Spectrum {
        runs: vec![run("t", true, &[1])],
    };
    assert!(ochiai(&passing).is_empty());
}

const MAIN: &str = "def helper(x):\n    return x * 2\n\ndef f(x):\n    return helper(x) + 1\n\ndef g(x):\n    return x\n";
const TEST: &str = "from main import *\nassert g(2) == 2\nassert f(1) == 2\n";

fn program() -> Program {
    Program::new(
        TargetLanguage::Python,
        [
            ("main.py".to_string(), MAIN.to_string()),
            ("test_main.py".to_string(), TEST.to_string()),
        ],
    )
    .unwrap()
    .with_protected(["test_main.py".to_string()])
    .unwrap()
}

#[test]
fn evidence_ranks_the_functions_the_failing_assertion_calls() {
    let program = program();
    assert_eq!(editable_files(&program), vec!["main.py"]);
    let evidence = Evidence {
        test: None,
        assertion: Some(Location::new("test_main.py", 3, 1)),
        frames: vec![],
    };
    // f (called on the failing line): 0.8·0.8; g (elsewhere in the test file): 0.5·0.8;
    // helper (called by f): 0.8·0.4. Blank lines and the test file are never ranked.
    assert_eq!(
        lines(&from_evidence(&program, &[evidence])),
        vec![
            ("main.py".into(), 4, 0.64),
            ("main.py".into(), 5, 0.64),
            ("main.py".into(), 7, 0.4),
            ("main.py".into(), 8, 0.4),
            ("main.py".into(), 1, 0.32),
            ("main.py".into(), 2, 0.32),
        ]
    );
}

#[test]
fn frames_in_the_program_come_first_innermost_first() {
    let program = program();
    let mut error = CodeError::new(ErrorType::CompilerError("runtime".into()), "boom")
        .with_location(Location::new("main.py", 2, 5));
    error.notes = vec![
        "test_main.py:3".to_string(),
        "main.py:5 in f".to_string(),
        "main.py:2 in helper".to_string(),
    ];
    let evidence = Evidence::from_error(&error);
    assert_eq!(
        evidence.frames,
        vec![
            Location::new("test_main.py", 3, 1),
            Location::new("main.py", 5, 1),
            Location::new("main.py", 2, 1),
        ]
    );
    let ranking = from_evidence(&program, &[evidence]);
    assert_eq!(
        lines(&ranking[..3]),
        vec![
            ("main.py".into(), 2, 1.0),
            ("main.py".into(), 5, 0.95),
            // The error's location repeats the innermost frame; then what the test file names.
            ("main.py".into(), 4, 0.4),
        ]
    );
}

#[test]
fn no_evidence_ranks_every_editable_line_low() {
    let program = program();
    let ranking = from_evidence(&program, &[Evidence::default()]);
    // The test file's names still reach f and g; with a test file naming nothing, every
    // non-blank line scores 0.1.
    assert!(ranking.iter().all(|s| s.file == "main.py"));
    let lonely = Program::new(
        TargetLanguage::Python,
        [
            ("main.py".to_string(), "x = 1\n\ny = 2\n".to_string()),
            (
                "test_main.py".to_string(),
                "import sys\nsys.exit(1)\n".to_string(),
            ),
        ],
    )
    .unwrap();
    assert_eq!(
        lines(&from_evidence(&lonely, &[Evidence::default()])),
        vec![("main.py".into(), 1, 0.1), ("main.py".into(), 3, 0.1)]
    );
}

#[test]
fn spectrum_and_evidence_combine() {
    let program = program();
    let evidence = Evidence {
        test: None,
        assertion: Some(Location::new("test_main.py", 3, 1)),
        frames: vec![],
    };
    let spectrum = Spectrum {
        runs: vec![
            run("t1", false, &[4, 5, 1, 2]),
            run("t2", true, &[7, 8, 1, 2]),
        ],
    };
    // 0.6·ochiai + 0.4·evidence: line 5 = 0.6·1 + 0.4·0.64; line 1 = 0.6·0.7071 + 0.4·0.32.
    assert_eq!(
        lines(&rank(&program, &[evidence], Some(&spectrum))),
        vec![
            ("main.py".into(), 4, 0.856),
            ("main.py".into(), 5, 0.856),
            ("main.py".into(), 1, 0.5523),
            ("main.py".into(), 2, 0.5523),
            ("main.py".into(), 7, 0.16),
            ("main.py".into(), 8, 0.16),
        ]
    );
}

#[test]
fn a_failing_line_points_at_its_loop_and_the_writes_it_reads() {
    use selfheal::repair::localize::{loop_control, slice, SLICE_HEADER, SLICE_WRITE};
    let go = "package main\n\nfunc f(a []int, k int) int {\n\tp := 1\n\tq := 0\n\tfor q = k - 1; q > p; q++ {\n\t\tif a[q] != a[p-1] {\n\t\t\tbreak\n\t\t}\n\t}\n\treturn q\n}\n";
    let mut lines = slice(TargetLanguage::Go, go, 7);
    lines.sort_by_key(|(l, _)| *l);
    lines.dedup();
    assert_eq!(
        lines,
        [
            (4, SLICE_WRITE),
            (5, SLICE_WRITE),
            (6, SLICE_HEADER),
            (6, SLICE_WRITE)
        ]
    );
    let py = "def f(n):\n    i = 0\n    while i < n:\n        i = 1\n        x = 2\n    return i\n";
    assert_eq!(
        loop_control(TargetLanguage::Python, py)
            .into_iter()
            .collect::<Vec<_>>(),
        [3, 4]
    );
}
