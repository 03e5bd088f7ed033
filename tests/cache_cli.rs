//! The cache on the command line: `check` twice hits, `--no-cache` bypasses, `cache stats`,
//! `cache gc`, `cache clear`, and a second process finding the cache locked runs uncached.

use std::path::Path;
use std::process::{Command, Output};

fn selfheal(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_selfheal"))
        .args(args)
        .output()
        .expect("run selfheal")
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}):\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

const BROKEN: &str = "def f(:\n    pass\n";

fn check(data: &Path, file: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec![
        "check",
        "--format",
        "json",
        "--data-dir",
        data.to_str().unwrap(),
        file.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let out = selfheal(&args);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    json(&out)
}

fn cache(data: &Path, action: &str) -> serde_json::Value {
    let out = selfheal(&[
        "cache",
        action,
        "--format",
        "json",
        "--data-dir",
        data.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    json(&out)
}

#[test]
fn check_twice_hits_the_cache_and_no_cache_bypasses_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("broken.py");
    std::fs::write(&file, BROKEN).unwrap();

    let first = check(&data, &file, &[]);
    assert_eq!(first["cached"], false);
    let second = check(&data, &file, &[]);
    assert_eq!(second["cached"], true);
    assert_eq!(second["errors"], first["errors"]);
    assert_eq!(second["steps"], first["steps"]);
    let bypass = check(&data, &file, &["--no-cache"]);
    assert_eq!(bypass["cached"], false);
    assert_eq!(bypass["errors"], first["errors"]);

    let stats = cache(&data, "stats");
    assert_eq!(stats["entries"], 1);
    assert_eq!(stats["hits"], 1);
    assert_eq!(stats["misses"], 1);
    assert_eq!(stats["hit_rate"], 0.5);
    assert!(stats["oldest_entry_unix"].as_u64().is_some());

    let gc = cache(&data, "gc");
    assert_eq!(gc["checked"], 1);
    assert_eq!(gc["corrupt_removed"], 0);
    assert_eq!(gc["entries"], 1);

    let cleared = cache(&data, "clear");
    assert_eq!(cleared["removed"], 1);
    assert_eq!(cache(&data, "stats")["entries"], 0);
    assert_eq!(check(&data, &file, &[])["cached"], false);
}

#[test]
fn a_locked_cache_is_a_warning_and_the_check_runs_uncached() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("broken.py");
    std::fs::write(&file, BROKEN).unwrap();
    // This process holds the cache, as a concurrent selfheal would.
    let _holder =
        selfheal::cache::ValidationCache::open(&selfheal::cache::CacheConfig::in_data_dir(&data))
            .unwrap();
    let out = selfheal(&[
        "check",
        "--format",
        "json",
        "--data-dir",
        data.to_str().unwrap(),
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("in use by another selfheal process; running without the cache"),
        "{stderr}"
    );
    assert_eq!(json(&out)["cached"], false);
    assert!(!json(&out)["errors"].as_array().unwrap().is_empty());
}
