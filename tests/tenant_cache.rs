//! Tenant cache isolation: tenant B is never answered from A's entries, its lookups never
//! touch A's store (so nothing A stored can change B's answer, timing or counts), and the
//! shared scope an operator opts tenants into does share.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use selfheal::cache::{CacheKey, CacheScope, CacheSet, CacheStore, MemoryStore, StoreError};
use selfheal::tenant::{CacheMode, HostConfig, TenantId, TenantRegistry, TenantSpec};
use selfheal::validate::Expect;
use selfheal::{SelfHealingGenerator, StepOutcome, TargetLanguage, Termination, ValidationResult};

/// Every access a store sees, by scope.
#[derive(Default)]
struct Log {
    touched: Mutex<Vec<(String, &'static str, CacheKey)>>,
}

struct Recording {
    scope: String,
    inner: MemoryStore,
    log: Arc<Log>,
}

impl Recording {
    fn note(&self, op: &'static str, key: &CacheKey) {
        self.log
            .touched
            .lock()
            .unwrap()
            .push((self.scope.clone(), op, *key));
    }
}

impl CacheStore for Recording {
    fn get(&self, key: &CacheKey) -> Result<Option<Vec<u8>>, StoreError> {
        self.note("get", key);
        self.inner.get(key)
    }
    fn peek(&self, key: &CacheKey) -> Result<Option<Vec<u8>>, StoreError> {
        self.note("peek", key);
        self.inner.peek(key)
    }
    fn put(&self, key: &CacheKey, value: &[u8]) -> Result<(), StoreError> {
        self.note("put", key);
        self.inner.put(key, value)
    }
    fn remove(&self, key: &CacheKey) -> Result<(), StoreError> {
        self.note("remove", key);
        self.inner.remove(key)
    }
    fn len(&self) -> u64 {
        self.inner.len()
    }
    fn bytes(&self) -> u64 {
        self.inner.bytes()
    }
    fn clear(&self) -> Result<(), StoreError> {
        self.inner.clear()
    }
    fn iter_by_age(&self) -> Result<Vec<CacheKey>, StoreError> {
        self.inner.iter_by_age()
    }
    fn keys(&self) -> Result<Vec<CacheKey>, StoreError> {
        self.inner.keys()
    }
    fn add_counter(&self, name: &str, by: u64) -> Result<(), StoreError> {
        self.inner.add_counter(name, by)
    }
    fn counter(&self, name: &str) -> u64 {
        self.inner.counter(name)
    }
    fn flush(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

fn result(passed: bool) -> ValidationResult {
    ValidationResult {
        passed,
        language: TargetLanguage::Python,
        errors: vec![],
        duration: Duration::from_millis(5),
        output: String::new(),
        steps: vec![StepOutcome {
            step: "check".into(),
            command: vec!["python3".into()],
            exit_code: Some(0),
            signal: None,
            termination: Termination::Exited,
            wall_time: Duration::from_millis(5),
            cpu_time: Duration::from_millis(3),
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

fn recording_set() -> (CacheSet, Arc<Log>) {
    let log = Arc::new(Log::default());
    let for_set = Arc::clone(&log);
    let set = CacheSet::with_stores(move |scope| {
        Box::new(Recording {
            scope: scope.to_string(),
            inner: MemoryStore::new(),
            log: Arc::clone(&for_set),
        })
    });
    (set, log)
}

#[test]
fn a_lookup_in_one_scope_never_touches_another_scopes_keys() {
    let (set, log) = recording_set();
    let a = set.cache(&CacheScope::Tenant("a".into()), 1 << 20).unwrap();
    let b = set.cache(&CacheScope::Tenant("b".into()), 1 << 20).unwrap();
    let key = CacheKey([42; 32]);
    assert!(a.put(&key, &result(true)));
    assert!(a.get(&key).unwrap().cached);
    let a_keys: HashSet<CacheKey> = log.touched.lock().unwrap().iter().map(|t| t.2).collect();
    log.touched.lock().unwrap().clear();

    // B looks up the same validation: a miss, seen only by B's store, under a key A never used.
    assert!(b.get(&key).is_none());
    assert!(b.probe(&key).is_none());
    let touched = log.touched.lock().unwrap().clone();
    assert_eq!(touched.len(), 2, "{touched:?}");
    for (scope, op, k) in &touched {
        assert_eq!(scope, "tenant:b");
        assert_eq!(*op, "get");
        assert!(!a_keys.contains(k), "B's lookup used A's key");
        assert_ne!(*k, key, "the unscoped key reached a store");
    }
    // Counts are per scope: B's stats know nothing of A's entry or A's hit.
    let (sa, sb) = (a.stats(), b.stats());
    assert_eq!((sa.entries, sa.hits, sa.misses), (1, 1, 0));
    assert_eq!((sb.entries, sb.hits, sb.misses, sb.bytes), (0, 0, 1, 0));
    // The same scope always gets the same cache.
    assert!(Arc::ptr_eq(
        &a,
        &set.cache(&CacheScope::Tenant("a".into()), 1 << 20).unwrap()
    ));
}

#[test]
fn one_scopes_eviction_never_evicts_another_scopes_entries() {
    let (set, _log) = recording_set();
    let a = set.cache(&CacheScope::Tenant("a".into()), 1 << 20).unwrap();
    let b = set.cache(&CacheScope::Tenant("b".into()), 3000).unwrap();
    let a_key = CacheKey([1; 32]);
    assert!(a.put(&a_key, &result(true)));
    // B fills and overflows its own bound many times over.
    for i in 0..50u8 {
        b.put(&CacheKey([i + 10; 32]), &result(i % 2 == 0));
    }
    assert!(b.stats().bytes <= 3000);
    assert!(a.get(&a_key).is_some(), "B's evictions reached A");
}

#[test]
fn an_entry_copied_between_scopes_fails_its_checksum() {
    // The same sled database, two scopes: copy A's stored bytes under B's key for the same
    // validation and B still misses (the checksum covers the scoped key).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("caches");
    let key = CacheKey([9; 32]);
    let (a_scope, b_scope) = (
        CacheScope::Tenant("a".into()),
        CacheScope::Tenant("b".into()),
    );
    {
        let set = CacheSet::open(&path).unwrap();
        assert!(set
            .cache(&a_scope, 1 << 20)
            .unwrap()
            .put(&key, &result(true)));
        set.flush();
    }
    // sled lets go of its lock shortly after the last handle.
    let db = (0..100)
        .find_map(|_| {
            sled::open(&path).ok().or_else(|| {
                std::thread::sleep(Duration::from_millis(20));
                None
            })
        })
        .expect("the cache database stayed locked for 2 s");
    let a_entries = db.open_tree("tenant/a/entries").unwrap();
    let b_entries = db.open_tree("tenant/b/entries").unwrap();
    let (stored_key, value) = a_entries.iter().next().unwrap().unwrap();
    assert_eq!(&stored_key[..], &key.scoped(&a_scope).0[..]);
    b_entries.insert(key.scoped(&b_scope).0, value).unwrap();
    db.flush().unwrap();
    drop((a_entries, b_entries, db));
    // sled lets go of its lock shortly after the last handle.
    let set = (0..100)
        .find_map(|_| {
            CacheSet::open(&path).ok().or_else(|| {
                std::thread::sleep(Duration::from_millis(20));
                None
            })
        })
        .unwrap();
    let b = set.cache(&b_scope, 1 << 20).unwrap();
    assert!(b.get(&key).is_none());
    assert_eq!(b.stats().entries, 0, "the forged entry was not deleted");
    assert!(set.cache(&a_scope, 1 << 20).unwrap().get(&key).is_some());
}

const PROGRAM: &str = "def add(a, b):\n    return a + b\n\nprint(add(1, 2))\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenants_are_never_answered_from_each_others_validations_unless_shared() {
    let data = tempfile::tempdir().unwrap();
    let open = || {
        TenantRegistry::open(HostConfig {
            data_dir: Some(data.path().to_path_buf()),
            ..HostConfig::default()
        })
        .unwrap()
    };
    let registry = open();
    let id = |s: &str| TenantId::new(s).unwrap();
    let a = registry.add(TenantSpec::new(id("a"))).unwrap();
    let b = registry.add(TenantSpec::new(id("b"))).unwrap();
    let c = registry
        .add(TenantSpec::new(id("c")).cache(CacheMode::Shared("team".into())))
        .unwrap();
    let d = registry
        .add(TenantSpec::new(id("d")).cache(CacheMode::Shared("team".into())))
        .unwrap();
    let off = registry
        .add(TenantSpec::new(id("off")).cache(CacheMode::Off))
        .unwrap();
    let check = |tenant: &Arc<selfheal::tenant::Tenant>| {
        let g = SelfHealingGenerator::builder()
            .tenant(Arc::clone(tenant))
            .expect(Expect::Check)
            .build()
            .unwrap();
        async move {
            g.validate_code((PROGRAM, TargetLanguage::Python))
                .await
                .unwrap()
        }
    };

    let first = check(&a).await;
    assert!(first.passed, "{first:?}");
    assert!(!first.cached);
    assert!(check(&a).await.cached, "A is answered from its own entry");
    // B validates the same program: it runs (its CPU time is charged to B), A's entry is not
    // used, and B's cache saw one miss and nothing of A's.
    let for_b = check(&b).await;
    assert!(!for_b.cached, "B was answered from A's entry");
    assert!(b.usage().cpu_total > Duration::ZERO);
    let stats = b.cache().unwrap().stats();
    assert_eq!((stats.entries, stats.hits, stats.misses), (1, 0, 1));
    assert!(check(&b).await.cached);

    // The shared scope the operator set up: D is answered from C's validation.
    assert!(!check(&c).await.cached);
    assert!(check(&d).await.cached, "the shared scope did not share");
    assert!(Arc::ptr_eq(c.cache().unwrap(), d.cache().unwrap()));
    // ... but not from A's or B's, and they are not answered from it.
    let stats = c.cache().unwrap().stats();
    assert_eq!((stats.entries, stats.hits, stats.misses), (1, 1, 1));
    // A tenant without a cache validates every time.
    assert!(off.cache().is_none());
    assert!(!check(&off).await.cached);
    assert!(!check(&off).await.cached);
    drop((a, b, c, d, off));
    registry.flush();
    drop(registry);

    // After a restart each scope still has its own entries, and only its own.
    let registry = (0..100)
        .find_map(|_| {
            TenantRegistry::open(HostConfig {
                data_dir: Some(data.path().to_path_buf()),
                ..HostConfig::default()
            })
            .ok()
            .or_else(|| {
                std::thread::sleep(Duration::from_millis(20));
                None
            })
        })
        .unwrap();
    let a = registry.add(TenantSpec::new(id("a"))).unwrap();
    let e = registry.add(TenantSpec::new(id("e"))).unwrap();
    assert!(check(&a).await.cached);
    assert!(!check(&e).await.cached, "a new tenant found an old entry");
}

/// A tenant's first request for a language after a restart is answered from its cache without
/// a sandbox slot: the toolchain the cache key needs is resolved without one. Were the probe to
/// wait for the toolchain the first validation resolves, the cached answer would come through a
/// slot and `sandboxes_granted` would be 1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cached_answer_takes_no_sandbox_slot_even_before_the_toolchain_is_resolved() {
    let data = tempfile::tempdir().unwrap();
    let open = || {
        (0..100)
            .find_map(|_| {
                TenantRegistry::open(HostConfig {
                    data_dir: Some(data.path().to_path_buf()),
                    ..HostConfig::default()
                })
                .ok()
                .or_else(|| {
                    std::thread::sleep(Duration::from_millis(20));
                    None
                })
            })
            .unwrap()
    };
    let id = TenantId::new("a").unwrap();
    let python = |text: &str| {
        selfheal::Program::new(
            TargetLanguage::Python,
            [("main.py".to_string(), text.to_string())],
        )
        .unwrap()
    };
    let program = python(PROGRAM);

    let registry = open();
    let a = registry.add(TenantSpec::new(id.clone())).unwrap();
    let first = a.checker().check(&program, Expect::Check).await.unwrap();
    assert!(first.passed && !first.cached, "{first:?}");
    assert_eq!(a.usage().sandboxes_granted, 1, "a validation takes a slot");
    drop(a);
    registry.flush();
    drop(registry);

    // A new process: the tenant's validator has resolved no toolchain yet.
    let registry = open();
    let a = registry.add(TenantSpec::new(id)).unwrap();
    let checker = a.checker();
    assert!(
        checker.cached(&program, Expect::Check).is_none(),
        "the synchronous probe cannot know the key before the toolchain is resolved"
    );
    let again = checker.check(&program, Expect::Check).await.unwrap();
    assert!(again.cached, "not answered from the cache: {again:?}");
    assert_eq!(again.errors, first.errors);
    assert_eq!(
        a.usage().sandboxes_granted,
        0,
        "the cached answer waited for a sandbox slot"
    );
    // The toolchain is resolved now: the synchronous probe answers too.
    assert!(checker.cached(&program, Expect::Check).is_some());
    // A program nobody validated still takes its slot.
    let other = python("def add(a, b):\n    return b + a\n\nprint(add(2, 1))\n");
    assert!(!checker.check(&other, Expect::Check).await.unwrap().cached);
    assert_eq!(a.usage().sandboxes_granted, 1);
}
