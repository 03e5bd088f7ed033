//! The cache over its stores: what is cached, LRU eviction at the bound, persisted counters,
//! a locked store, sharing one handle between many threads.

use std::sync::Arc;
use std::time::Duration;

use selfheal::cache::{
    is_cacheable, CacheConfig, CacheError, CacheKey, CacheStore, MemoryStore, StoreError,
    ValidationCache,
};
use selfheal::{StepOutcome, TargetLanguage, Termination, ValidationResult};

fn key(i: u64) -> CacheKey {
    CacheKey(*blake3::hash(&i.to_le_bytes()).as_bytes())
}

fn result(i: u64, termination: Termination) -> ValidationResult {
    ValidationResult {
        passed: termination == Termination::Exited,
        language: TargetLanguage::Python,
        errors: vec![],
        duration: Duration::from_millis(i),
        output: "x".repeat(1000),
        steps: vec![StepOutcome {
            step: "check".into(),
            command: vec!["/usr/bin/python3".into(), i.to_string()],
            exit_code: (termination == Termination::Exited).then_some(0),
            signal: None,
            termination,
            wall_time: Duration::from_millis(i),
            cpu_time: Duration::from_millis(i),
            peak_memory_bytes: 1,
            stdout: String::new(),
            stderr: String::new(),
            stdout_truncated: false,
            stderr_truncated: false,
        }],
        cached: false,
        tests: Vec::new(),
    }
}

fn config(dir: &std::path::Path, max_bytes: u64) -> CacheConfig {
    CacheConfig {
        path: dir.join("validation-cache"),
        max_bytes,
    }
}

#[test]
fn a_hit_returns_the_stored_result_marked_cached() {
    let cache = ValidationCache::in_memory(1 << 20);
    assert!(cache.get(&key(1)).is_none());
    assert!(cache.put(&key(1), &result(1, Termination::Exited)));
    let mut hit = cache.get(&key(1)).unwrap();
    assert!(hit.cached);
    hit.cached = false;
    assert_eq!(hit, result(1, Termination::Exited));
    assert_eq!(cache.session_counts(), (1, 1));
}

#[test]
fn results_that_say_nothing_about_the_program_are_not_cached() {
    let cache = ValidationCache::in_memory(1 << 20);
    // A wall-clock timeout depends on the host's load, not only on the program.
    let timed_out = result(1, Termination::WallTimeout);
    assert!(!is_cacheable(&timed_out));
    assert!(!cache.put(&key(1), &timed_out));
    assert!(cache.get(&key(1)).is_none());
    // A result that came from the cache is not stored again.
    let mut replayed = result(2, Termination::Exited);
    replayed.cached = true;
    assert!(!cache.put(&key(2), &replayed));
    // Limits the program hits by itself are properties of the program (and in the key).
    for t in [
        Termination::CpuLimit,
        Termination::OutOfMemory,
        Termination::FileSizeLimit,
        Termination::Signaled,
    ] {
        assert!(is_cacheable(&result(3, t)), "{t:?}");
    }
    assert_eq!(cache.stats().entries, 0);
}

fn lru_eviction_keeps_the_recently_used(cache: &ValidationCache) {
    let one = ValidationResult::clone(&result(0, Termination::Exited));
    let size = selfheal::cache::encode(&key(0), &one, 0).len() as u64;
    assert!(cache.max_bytes() >= 3 * size && cache.max_bytes() < 4 * size);
    for i in 0..3 {
        assert!(cache.put(&key(i), &result(i, Termination::Exited)));
    }
    // Use 0: now 1 is the least recently used, and goes first.
    assert!(cache.get(&key(0)).is_some());
    assert!(cache.put(&key(3), &result(3, Termination::Exited)));
    let stats = cache.stats();
    assert_eq!(stats.entries, 3);
    assert!(stats.bytes <= cache.max_bytes());
    assert!(cache.get(&key(1)).is_none(), "the LRU entry was kept");
    for i in [0, 2, 3] {
        assert!(cache.get(&key(i)).is_some(), "entry {i} was evicted");
    }
}

#[test]
fn eviction_is_least_recently_used_in_memory() {
    let size = selfheal::cache::encode(&key(0), &result(0, Termination::Exited), 0).len() as u64;
    lru_eviction_keeps_the_recently_used(&ValidationCache::in_memory(3 * size + size / 2));
}

#[test]
fn eviction_is_least_recently_used_in_sled() {
    let dir = tempfile::tempdir().unwrap();
    let size = selfheal::cache::encode(&key(0), &result(0, Termination::Exited), 0).len() as u64;
    let cache = ValidationCache::open(&config(dir.path(), 3 * size + size / 2)).unwrap();
    lru_eviction_keeps_the_recently_used(&cache);
}

#[test]
fn a_value_larger_than_the_bound_is_not_stored() {
    let cache = ValidationCache::in_memory(100);
    assert!(!cache.put(&key(1), &result(1, Termination::Exited)));
    assert_eq!(cache.stats().entries, 0);
}

#[test]
fn counters_and_entries_persist_across_opens() {
    let dir = tempfile::tempdir().unwrap();
    {
        let cache = ValidationCache::open(&config(dir.path(), 1 << 20)).unwrap();
        assert!(cache.get(&key(1)).is_none());
        assert!(cache.put(&key(1), &result(1, Termination::Exited)));
        assert!(cache.get(&key(1)).is_some());
        cache.flush();
    }
    let cache = ValidationCache::open(&config(dir.path(), 1 << 20)).unwrap();
    assert!(cache.get(&key(1)).is_some());
    let stats = cache.stats();
    assert_eq!((stats.entries, stats.hits, stats.misses), (1, 2, 1));
    assert_eq!(stats.hit_rate, Some(2.0 / 3.0));
    assert!(stats.oldest_entry_unix.is_some());
    assert_eq!(cache.session_counts(), (1, 0));

    cache.clear().unwrap();
    let stats = cache.stats();
    assert_eq!((stats.entries, stats.bytes), (0, 0));
    assert!(cache.get(&key(1)).is_none());
}

#[test]
fn a_locked_store_is_reported_and_the_caller_runs_uncached() {
    let dir = tempfile::tempdir().unwrap();
    let first = ValidationCache::open(&config(dir.path(), 1 << 20)).unwrap();
    // sled locks its files with flock: a second open fails like another process's would.
    match ValidationCache::open(&config(dir.path(), 1 << 20)) {
        Err(CacheError::Store(StoreError::Locked { path })) => {
            assert_eq!(path, dir.path().join("validation-cache"));
            let message = StoreError::Locked { path }.to_string();
            assert!(
                message.contains("in use by another selfheal process"),
                "{message}"
            );
        }
        Err(e) => panic!("expected Locked, got {e}"),
        Ok(_) => panic!("opened a locked store"),
    }
    assert!(ValidationCache::open_or_warn(&config(dir.path(), 1 << 20)).is_none());
    // Nothing was moved aside: the holder's store is intact.
    assert!(first.put(&key(1), &result(1, Termination::Exited)));
    assert!(first.get(&key(1)).is_some());
}

#[test]
fn gc_drops_corrupt_entries_and_evicts_to_the_bound() {
    let store = MemoryStore::new();
    let good = selfheal::cache::encode(&key(1), &result(1, Termination::Exited), 0);
    store.put(&key(1), &good).unwrap();
    store.put(&key(2), b"not a cache value").unwrap();
    let mut flipped = selfheal::cache::encode(&key(3), &result(3, Termination::Exited), 0);
    flipped[60] ^= 1;
    store.put(&key(3), &flipped).unwrap();
    let cache = ValidationCache::with_store(Box::new(store), 1 << 20);
    let report = cache.gc().unwrap();
    assert_eq!(
        (report.checked, report.corrupt_removed, report.entries),
        (3, 2, 1)
    );
    assert!(cache.get(&key(1)).is_some());
}

#[test]
fn one_handle_serves_many_threads() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Arc::new(ValidationCache::open(&config(dir.path(), 1 << 30)).unwrap());
    let threads: Vec<_> = (0..8u64)
        .map(|_| {
            let cache = Arc::clone(&cache);
            std::thread::spawn(move || {
                for i in 0..50u64 {
                    let k = key(i % 20);
                    let want = result(i % 20, Termination::Exited);
                    match cache.get(&k) {
                        Some(mut got) => {
                            got.cached = false;
                            assert_eq!(got, want);
                        }
                        None => {
                            assert!(cache.put(&k, &want));
                        }
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let stats = cache.stats();
    assert_eq!(stats.entries, 20);
    assert_eq!(stats.hits + stats.misses, 400);
}
