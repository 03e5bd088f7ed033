//! Programs are their files, and the judge's evidence survives the cache: per-test reports
//! round-trip through stored entries; data files reach the sandbox and the cache key; a
//! directory in several languages is refused rather than judged as one of them.

mod common;

use std::time::Duration;

use selfheal::cache::{CacheKey, ValidationCache};
use selfheal::{Location, TargetLanguage, TestOutcome, TestReport, ValidationResult};

fn evidence() -> Vec<TestReport> {
    let mut failed = TestReport::new("tests::adds", TestOutcome::Failed);
    failed.file = Some("lib.rs".into());
    failed.duration = Some(Duration::from_millis(3));
    failed.assertion = Some(Location::new("lib.rs", 9, 9));
    failed.message = Some("assertion `left == right` failed".into());
    failed.expected = Some("5".into());
    failed.actual = Some("4".into());
    failed.frames = vec![Location::new("lib.rs", 9, 9)];
    vec![
        failed,
        TestReport::new("tests::ignored", TestOutcome::Skipped),
        TestReport::new("tests::never_finished", TestOutcome::Incomplete),
    ]
}

#[test]
fn cache_entries_keep_per_test_evidence() {
    let result = ValidationResult {
        passed: false,
        language: TargetLanguage::Rust,
        errors: Vec::new(),
        duration: Duration::from_millis(12),
        output: String::new(),
        steps: Vec::new(),
        cached: false,
        tests: evidence(),
    };
    let key = CacheKey([7; 32]);
    let value = selfheal::cache::encode(&key, &result, 1);
    let (back, _) = selfheal::cache::decode(&key, &value).unwrap();
    assert_eq!(back.tests, result.tests);

    let cache = ValidationCache::in_memory(1 << 20);
    assert!(cache.put(&key, &result), "a failing result is cacheable");
    let hit = cache.get(&key).expect("stored result");
    assert!(hit.cached);
    assert_eq!(hit.tests, result.tests);
}
