//! `selfheal check` of a small Rust file against plain `rustc` on the same file.
//!
//! Both compile the same crate to metadata; the difference is selfheal's overhead: workspace,
//! sandbox, JSON diagnostics parsing. Target: at most 1.2× plain rustc.

use std::process::Command;

use criterion::{criterion_group, criterion_main, Criterion};
use selfheal::validate::{Expect, Validator, ValidatorConfig};
use selfheal::{Program, TargetLanguage};

const SOURCE: &str = "use std::collections::HashMap;\n\npub fn word_counts(text: &str) -> HashMap<&str, usize> {\n    let mut counts = HashMap::new();\n    for word in text.split_whitespace() {\n        *counts.entry(word).or_insert(0) += 1;\n    }\n    counts\n}\n";

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let validator = Validator::new(ValidatorConfig::default()).expect("validator");
    let program = Program::new(
        TargetLanguage::Rust,
        [("lib.rs".to_string(), SOURCE.to_string())],
    )
    .expect("program");
    let toolchain = runtime
        .block_on(validator.toolchain(TargetLanguage::Rust))
        .expect("rust toolchain");
    let rustc = toolchain.binary("rustc").expect("rustc").path.clone();
    let result = runtime
        .block_on(validator.validate(&program, Expect::Check))
        .expect("validate");
    assert!(result.passed, "{:?}", result.errors);

    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("lib.rs"), SOURCE).expect("write");

    let mut group = c.benchmark_group("check_small_rust_file");
    group.sample_size(20);
    group.bench_function("plain_rustc", |b| {
        b.iter(|| {
            let status = Command::new(&rustc)
                .current_dir(dir.path())
                .args([
                    "--edition",
                    "2021",
                    "--crate-type",
                    "lib",
                    "--crate-name",
                    "main",
                    "--error-format=json",
                    "--emit=metadata",
                    "-o",
                ])
                .arg(dir.path().join("out.rmeta"))
                .arg("lib.rs")
                .status()
                .expect("rustc");
            assert!(status.success());
        })
    });
    group.bench_function("selfheal_check", |b| {
        b.to_async(&runtime).iter(|| async {
            let result = validator
                .validate(&program, Expect::Check)
                .await
                .expect("validate");
            assert!(result.passed);
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
