//! Shared pieces of the fuzz targets (`tests/fuzz_*.rs`): the case count, the proptest
//! configuration, seeds from `tests/data/fuzz/` and seed mutations.
//!
//! Each target runs `SELFHEAL_FUZZ_CASES` cases (default 1000: seconds in the normal
//! suite); `SELFHEAL_FUZZ_CASES=1000000 cargo test --release --test fuzz_parsers` runs at
//! length. A failing case is shrunk and printed; nothing is persisted.

#![allow(dead_code)]

use std::path::Path;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// Cases per target: `SELFHEAL_FUZZ_CASES`, default 1000.
pub fn cases() -> u32 {
    std::env::var("SELFHEAL_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000)
}

/// A runner for `cases` cases, deterministic unless `SELFHEAL_FUZZ_SEED` gives another seed.
pub fn runner(cases: u32) -> TestRunner {
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 4096,
        ..Config::default()
    };
    let seed: u64 = std::env::var("SELFHEAL_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5e1f_4ea1);
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    TestRunner::new_with_rng(
        config,
        proptest::test_runner::TestRng::from_seed(
            proptest::test_runner::RngAlgorithm::ChaCha,
            &bytes,
        ),
    )
}

/// Runs `test` on `strategy`'s values and panics with the shrunk failing input, if any.
pub fn fuzz<S: Strategy>(
    name: &str,
    cases: u32,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) where
    S::Value: std::fmt::Debug,
{
    let mut runner = runner(cases);
    if let Err(e) = runner.run(&strategy, test) {
        panic!("fuzz target {name}: {e:?}");
    }
    eprintln!("fuzz target {name}: {cases} cases, no failure");
}

/// The seed texts of `tests/data/fuzz/<dir>/`, sorted by file name.
pub fn seeds(dir: &str) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/fuzz")
        .join(dir);
    let mut files: Vec<_> = std::fs::read_dir(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let seeds: Vec<String> = files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    assert!(!seeds.is_empty(), "no seeds in {}", path.display());
    seeds
}

/// Pieces that steer parsers into their branches: delimiters, markers of the toolchains'
/// formats, numbers at the edges of integer types, multi-byte and control characters.
pub const TOKENS: &[&str] = &[
    "\n",
    "\r\n",
    "\t",
    " ",
    "\"",
    "\\",
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    ":",
    ",",
    "^",
    "~",
    "-->",
    " at ",
    "/work/",
    "main.rs:",
    "main.py",
    "main.go:",
    "main.js:",
    "line ",
    "File \"",
    "0",
    "1",
    "-1",
    "4294967295",
    "4294967296",
    "18446744073709551616",
    "99999999999999999999999",
    "null",
    "true",
    "{\"",
    "\":",
    "\"spans\":[",
    "\"level\":\"error\"",
    "\"line_start\":",
    "\"byte_start\":",
    "\"rendered\":\"",
    "\"Action\":\"fail\"",
    "\"Output\":\"",
    "error[E0308]: ",
    "error: ",
    "warning: ",
    "--- FAIL: ",
    "--- PASS: ",
    "=== RUN   ",
    "panic: ",
    "goroutine 1 [running]:",
    "Traceback (most recent call last):",
    "SyntaxError: ",
    "NameError: name 'x' is not defined",
    "    at ",
    "test result: ",
    "thread '",
    "' panicked at ",
    "running 1 test",
    "FAILED",
    "ok",
    "\u{0}",
    "é",
    "😀",
    "\u{202e}",
    "\u{feff}",
    "\u{1b}[31m",
    "\u{7f}",
    "ﬁ",
    "İ",
    "𝔘",
];

/// One edit of a seed. Positions are fractions of the text's length, so a mutation shrinks
/// towards the start and stays meaningful whatever the text's length.
#[derive(Debug, Clone)]
pub enum Mutation {
    Delete {
        at: f64,
        len: usize,
    },
    Insert {
        at: f64,
        text: String,
    },
    Duplicate {
        from: f64,
        len: usize,
        to: f64,
    },
    Splice {
        at: f64,
        other: usize,
        from: f64,
        len: usize,
    },
    Truncate {
        at: f64,
    },
}

fn token_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::sample::select(TOKENS).prop_map(str::to_string),
        1 => proptest::collection::vec(any::<char>(), 0..8).prop_map(String::from_iter),
        1 => proptest::collection::vec(proptest::sample::select(TOKENS), 1..6)
            .prop_map(|t| t.concat()),
    ]
}

pub fn mutation() -> impl Strategy<Value = Mutation> {
    let at = 0.0..1.0f64;
    prop_oneof![
        1 => (at.clone(), 0..64usize).prop_map(|(at, len)| Mutation::Delete { at, len }),
        3 => (at.clone(), token_text()).prop_map(|(at, text)| Mutation::Insert { at, text }),
        1 => (at.clone(), 0..256usize, at.clone())
            .prop_map(|(from, len, to)| Mutation::Duplicate { from, len, to }),
        1 => (at.clone(), any::<usize>(), at.clone(), 0..512usize).prop_map(
            |(at, other, from, len)| Mutation::Splice {
                at,
                other,
                from,
                len
            }
        ),
        1 => (0.5..1.0f64).prop_map(|at| Mutation::Truncate { at }),
    ]
}

/// The char boundary at or before `fraction` of `text`.
fn boundary(text: &str, fraction: f64) -> usize {
    let mut i = ((text.len() as f64) * fraction) as usize;
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The char boundary at or before byte `i` (clamped to the text).
fn floor(text: &str, i: usize) -> usize {
    let mut i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// `seed` with `mutations` applied in order (`others` feeds splices).
pub fn mutate(seed: &str, mutations: &[Mutation], others: &[String]) -> String {
    let mut text = seed.to_string();
    for m in mutations {
        match m {
            Mutation::Delete { at, len } => {
                let start = boundary(&text, *at);
                let end = floor(&text, start + len);
                text.replace_range(start..end, "");
            }
            Mutation::Insert { at, text: piece } => {
                let at = boundary(&text, *at);
                text.insert_str(at, piece);
            }
            Mutation::Duplicate { from, len, to } => {
                let start = boundary(&text, *from);
                let end = floor(&text, start + len);
                let piece = text[start..end].to_string();
                let to = boundary(&text, *to);
                text.insert_str(to, &piece);
            }
            Mutation::Splice {
                at,
                other,
                from,
                len,
            } => {
                if others.is_empty() {
                    continue;
                }
                let source = &others[other % others.len()];
                let start = boundary(source, *from);
                let end = floor(source, start + len);
                let at = boundary(&text, *at);
                text.insert_str(at, &source[start..end]);
            }
            Mutation::Truncate { at } => {
                let at = boundary(&text, *at);
                text.truncate(at);
            }
        }
    }
    text
}

/// A seed of `seeds` (or random text, one time in eight) with up to `max` mutations.
pub fn mutated(seeds: Vec<String>, others: Vec<String>, max: usize) -> BoxedStrategy<String> {
    let n = seeds.len();
    prop_oneof![
        7 => (0..n, proptest::collection::vec(mutation(), 0..max)).prop_map(
            move |(i, ms)| mutate(&seeds[i], &ms, &others)
        ),
        1 => proptest::collection::vec(token_text(), 0..40).prop_map(|t| t.concat()),
    ]
    .boxed()
}
