//! The validation cache: the same heal run twice (cold cache, then warm), and one cache hit.
//!
//! Uses the on-disk sled store, as the command line does. Each heal gets a fresh in-memory
//! learner, so the second run differs from the first only by the cache.

use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

use selfheal::cache::{CacheConfig, ValidationCache};
use selfheal::fix::FixEngine;
use selfheal::heal::{Checker, HealConfig, Healer};
use selfheal::learn::Learner;
use selfheal::validate::{Expect, Validator, ValidatorConfig};
use selfheal::{Program, TargetLanguage};

const BROKEN: &str = "pub fn total(items: &[i32]) -> i32 {\n    let mut result = 0;\n    for item in items {\n        result += item;\n    }\n    reslt\n}\n";

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cache = Arc::new(ValidationCache::open(&CacheConfig::in_data_dir(dir.path())).unwrap());
    let validator = Arc::new(
        Validator::new(ValidatorConfig::default())
            .unwrap()
            .with_cache(Arc::clone(&cache)),
    );
    let checker: Arc<dyn Checker> = validator.clone();
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
    let healer = || {
        Healer::new(
            Arc::clone(&checker),
            FixEngine::builtin(),
            Arc::new(Learner::in_memory()),
            config.clone(),
        )
    };
    // Warm up the toolchain, and check that the heal works at all.
    let report = runtime.block_on(healer().heal(&program)).unwrap();
    assert!(report.healed, "{}", report.summary());

    let mut group = c.benchmark_group("cache");
    group.sample_size(10);
    group.bench_function("heal rust single error: first run (empty cache)", |b| {
        b.to_async(&runtime).iter_batched(
            || {
                cache.clear().unwrap();
                healer()
            },
            |healer| {
                let program = &program;
                async move {
                    let report = healer.heal(program).await.unwrap();
                    assert!(report.healed);
                }
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();

    // The heal above left the cache warm.
    let mut group = c.benchmark_group("cache");
    group.bench_function("heal rust single error: second run (warm cache)", |b| {
        b.to_async(&runtime).iter_batched(
            healer,
            |healer| {
                let program = &program;
                async move {
                    let report = healer.heal(program).await.unwrap();
                    assert!(report.healed);
                }
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function("validate: cache hit", |b| {
        b.to_async(&runtime).iter(|| async {
            let result = validator.validate(&program, Expect::Check).await.unwrap();
            assert!(result.cached);
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
