//! Plugin host costs: one call to a small pre-instantiated fix strategy (fresh store, WASI
//! context, instantiation, argument copy, result checks), and loading a plugin whose compiled
//! form is in the on-disk cache (read, checksum, deserialize, link, `info` call).
//!
//! With `SELFHEAL_EXAMPLE_PLUGINS=DIR` (a directory holding `py2-idioms.wasm` and
//! `python-abc-moves.wasm`, as the examples' build scripts write them), the same two costs for
//! the example plugins of `plugins/examples/` (C, and CPython in a component).

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

/// The example plugins, when `SELFHEAL_EXAMPLE_PLUGINS` says where they were built.
fn examples(c: &mut Criterion) {
    let Some(dir) = std::env::var_os("SELFHEAL_EXAMPLE_PLUGINS") else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    let cache = tempfile::tempdir().expect("temp dir");
    let host = PluginHost::new(PluginHostConfig {
        cache_dir: Some(cache.path().to_path_buf()),
        ..PluginHostConfig::default()
    })
    .expect("host");
    let cases = [
        (
            "c_py2_idioms",
            "py2-idioms.wasm",
            "def f(n):\n    return list(xrange(n))\n",
            CodeError::new(ErrorType::UndefinedVariable, "name 'xrange' is not defined")
                .with_code("NameError")
                .with_location(Location::new("main.py", 2, 17)),
        ),
        (
            "python_abc_moves",
            "python-abc-moves.wasm",
            "import collections\n\ndef f(x):\n    return isinstance(x, collections.Iterable)\n",
            CodeError::new(
                ErrorType::UndefinedVariable,
                "module 'collections' has no attribute 'Iterable'",
            )
            .with_code("AttributeError")
            .with_location(Location::new("main.py", 4, 12)),
        ),
    ];
    for (name, file, source, error) in cases {
        let bytes = std::fs::read(dir.join(file)).expect("built example plugin");
        let plugin = host.load_bytes(&bytes).expect("example loads");
        let program = Program::new(
            TargetLanguage::Python,
            [("main.py".to_string(), source.to_string())],
        )
        .expect("program");
        let id = format!("plugin.{}", plugin.info().name);
        c.bench_function(&format!("plugin/example_{name}/call_suggest"), |b| {
            b.iter(|| {
                let fixes = plugin.suggest(&error, &program, &id).expect("fixes");
                assert_eq!(fixes.len(), 1);
            })
        });
        c.bench_function(&format!("plugin/example_{name}/load_cached"), |b| {
            b.iter(|| {
                let loaded = host.load_bytes(&bytes).expect("loads");
                assert_eq!(loaded.cache_outcome(), CacheOutcome::Hit);
            })
        });
    }
}

criterion_group!(benches, bench, examples);
criterion_main!(benches);
