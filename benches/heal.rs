//! What healing a single-error Rust program costs, next to its floor: two plain, unsandboxed
//! `rustc` runs (the failing compile and the passing one) that any repair needs at least.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};

use selfheal::fix::FixEngine;
use selfheal::heal::{Checker, HealConfig, Healer};
use selfheal::learn::Learner;
use selfheal::validate::{Expect, Validator, ValidatorConfig};
use selfheal::{Program, TargetLanguage};

const BROKEN: &str = "pub fn total(items: &[i32]) -> i32 {\n    let mut result = 0;\n    for item in items {\n        result += item;\n    }\n    reslt\n}\n";

fn rustc_check(dir: &Path, source: &str) -> bool {
    let file = dir.join("lib.rs");
    std::fs::write(&file, source).unwrap();
    Command::new("rustc")
        .args([
            "--edition",
            "2021",
            "--crate-type",
            "lib",
            "--crate-name",
            "main",
        ])
        .args(["--error-format=json", "--emit=metadata", "-o"])
        .arg(dir.join("out.rmeta"))
        .arg(&file)
        .output()
        .unwrap()
        .status
        .success()
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let validator: Arc<dyn Checker> = Arc::new(Validator::new(ValidatorConfig::default()).unwrap());
    let program = Program::new(
        TargetLanguage::Rust,
        [("lib.rs".to_string(), BROKEN.to_string())],
    )
    .unwrap();
    let config = HealConfig {
        max_retries: 5,
        timeout: Duration::from_secs(120),
        jobs: 2,
        beam: 8,
        expect: Some(Expect::Check),
        ..HealConfig::default()
    };
    // Warm up: resolve the toolchain once, and check that the heal works at all.
    let healer = Healer::new(
        Arc::clone(&validator),
        FixEngine::builtin(),
        Arc::new(Learner::in_memory()),
        config.clone(),
    );
    let report = runtime.block_on(healer.heal(&program)).unwrap();
    assert!(report.healed, "{}", report.summary());

    let mut group = c.benchmark_group("heal");
    group.sample_size(10);
    group.bench_function("rust single error: selfheal heal", |b| {
        b.to_async(&runtime).iter(|| async {
            // A fresh learner each time: measure the heal, not what an earlier one learned.
            let healer = Healer::new(
                Arc::clone(&validator),
                FixEngine::builtin(),
                Arc::new(Learner::in_memory()),
                config.clone(),
            );
            let report = healer.heal(&program).await.unwrap();
            assert!(report.healed);
        })
    });
    let dir = tempfile::tempdir().unwrap();
    let fixed = BROKEN.replace("reslt", "result");
    group.bench_function("rust single error: two plain rustc runs", |b| {
        b.iter(|| {
            assert!(!rustc_check(dir.path(), BROKEN));
            assert!(rustc_check(dir.path(), &fixed));
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
