//! Plugin host costs: one call to a small pre-instantiated fix strategy (fresh store, WASI
//! context, instantiation, argument copy, result checks), and loading a plugin whose compiled
//! form is in the on-disk cache (read, checksum, deserialize, link, `info` call).

#[path = "../tests/data/plugins/componentize.rs"]
mod componentize;

use criterion::{criterion_group, criterion_main, Criterion};

use selfheal::plugin::{CacheOutcome, PluginHost, PluginHostConfig};
use selfheal::{CodeError, ErrorType, Location, Program, TargetLanguage};

fn bench(c: &mut Criterion) {
    let cache = tempfile::tempdir().expect("temp dir");
    let host = PluginHost::new(PluginHostConfig {
        cache_dir: Some(cache.path().to_path_buf()),
        ..PluginHostConfig::default()
    })
    .expect("host");
    let bytes = componentize::strategy("fixed-edit");
    let plugin = host.load_bytes(&bytes).expect("plugin loads");
    let program = Program::new(
        TargetLanguage::Python,
        [("main.py".to_string(), "print('hello'\n".to_string())],
    )
    .expect("program");
    let error = CodeError::new(ErrorType::SyntaxError, "'(' was never closed")
        .with_location(Location::new("main.py", 1, 6));

    c.bench_function("plugin/call_suggest", |b| {
        b.iter(|| {
            let fixes = plugin
                .suggest(&error, &program, "plugin.fixed-edit")
                .expect("fixes");
            assert_eq!(fixes.len(), 1);
        })
    });

    c.bench_function("plugin/load_cached", |b| {
        b.iter(|| {
            let loaded = host.load_bytes(&bytes).expect("loads");
            assert_eq!(loaded.cache_outcome(), CacheOutcome::Hit);
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
