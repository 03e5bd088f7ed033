//! Candidates judged per second: batched (`selfheal::repair::batch::judge`, one sandbox run for
//! all of them) versus one at a time (`Validator::validate`, a sandbox run per candidate, as the
//! heal loop validates a candidate alone: its check step, then its test step). Eight failing
//! behaviour-repair candidates of a small function, so the batch driver judges every one.
//!
//! Python and JavaScript batch by running each candidate's copy in turn; Go and Rust by a mutant
//! schema (one compile of every candidate's edit behind a runtime switch, the test binary run
//! once per candidate).
//!
//! Run: `cargo bench --bench batch`. Reported as elements (candidates) per second.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use selfheal::repair::batch;
use selfheal::validate::{Expect, Validator, ValidatorConfig};
use selfheal::{Program, TargetLanguage};

const CANDIDATES: usize = 8;

/// Builds the `i`-th candidate of a language.
type MakeCandidate = fn(usize) -> Program;

fn python(i: usize) -> Program {
    let main = format!(
        "def count_at_most(xs, limit):\n    n = {i}\n    for x in xs:\n        if x < limit:\n            n += 1\n    return n\n"
    );
    Program::new(
        TargetLanguage::Python,
        [
            ("main.py".to_string(), main),
            (
                "test_main.py".to_string(),
                "from main import *\n\ndef test_count():\n    assert count_at_most([1, 2, 2.5, 3], 2.5) == 3\n"
                    .to_string(),
            ),
        ],
    )
    .expect("a valid program")
}

fn javascript(i: usize) -> Program {
    let main = format!(
        "function countAtMost(xs, limit) {{\n  let n = {i};\n  for (const x of xs) {{\n    if (x < limit) {{\n      n += 1;\n    }}\n  }}\n  return n;\n}}\n\nmodule.exports = {{ countAtMost }};\n"
    );
    Program::new(
        TargetLanguage::JavaScript,
        [
            ("main.js".to_string(), main),
            (
                "main.test.js".to_string(),
                "const assert = require('assert');\nconst { countAtMost } = require('./main.js');\n\nassert.strictEqual(countAtMost([1, 2, 2.5, 3], 2.5), 3);\n"
                    .to_string(),
            ),
        ],
    )
    .expect("a valid program")
}

fn go(i: usize) -> Program {
    let main = format!(
        "package main\n\nfunc countAtMost(xs []float64, limit float64) int {{\n\tn := {i}\n\tfor _, x := range xs {{\n\t\tif x < limit {{\n\t\t\tn += 1\n\t\t}}\n\t}}\n\treturn n\n}}\n"
    );
    Program::new(
        TargetLanguage::Go,
        [
            ("main.go".to_string(), main),
            (
                "main_test.go".to_string(),
                "package main\n\nimport \"testing\"\n\nfunc TestCount(t *testing.T) {\n\tif got := countAtMost([]float64{1, 2, 2.5, 3}, 2.5); got != 3 {\n\t\tt.Errorf(\"got %d, want 3\", got)\n\t}\n}\n"
                    .to_string(),
            ),
        ],
    )
    .expect("a valid program")
}

fn rust(i: usize) -> Program {
    let lib = format!(
        "pub fn count_at_most(xs: &[f64], limit: f64) -> usize {{\n    let mut n = {i};\n    for &x in xs {{\n        if x < limit {{\n            n += 1;\n        }}\n    }}\n    n\n}}\n\n#[cfg(test)]\nmod tests;\n"
    );
    Program::new(
        TargetLanguage::Rust,
        [
            ("lib.rs".to_string(), lib),
            (
                "tests.rs".to_string(),
                "use super::*;\n\n#[test]\nfn counts() {\n    assert_eq!(count_at_most(&[1.0, 2.0, 2.5, 3.0], 2.5), 3);\n}\n"
                    .to_string(),
            ),
        ],
    )
    .expect("a valid program")
}

fn bench(c: &mut Criterion) {
    let validator = match Validator::new(ValidatorConfig::default()) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("skipping the batch benchmark: {e}");
            return;
        }
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let languages: [(&str, MakeCandidate); 4] = [
        ("python", python),
        ("javascript", javascript),
        ("go", go),
        ("rust", rust),
    ];
    for (name, make) in languages {
        // Every candidate fails (n starts at 2 or more), so the batch judges all eight.
        let candidates: Vec<Program> = (2..CANDIDATES + 2).map(make).collect();
        let probe = rt.block_on(batch::judge(&validator, &candidates));
        match probe {
            Ok(v) if v.iter().all(|r| r.as_ref().is_some_and(|r| !r.passed)) => {}
            other => {
                eprintln!("skipping {name}: the batch did not judge every candidate: {other:?}");
                continue;
            }
        }
        let mut group = c.benchmark_group(format!("judge_{name}"));
        group.sample_size(10);
        group.measurement_time(Duration::from_secs(10));
        group.throughput(Throughput::Elements(CANDIDATES as u64));
        group.bench_function("batched", |b| {
            b.iter(|| {
                let verdicts = rt
                    .block_on(batch::judge(&validator, &candidates))
                    .expect("a batched run");
                assert!(verdicts.iter().all(Option::is_some));
            })
        });
        group.bench_function("one_at_a_time", |b| {
            b.iter(|| {
                for program in &candidates {
                    let result = rt
                        .block_on(validator.validate(program, Expect::Test))
                        .expect("a validation");
                    assert!(!result.passed);
                }
            })
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
