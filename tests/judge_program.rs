//! Programs are their files, and the judge's evidence survives the cache: per-test reports
//! round-trip through stored entries; data files reach the sandbox and the cache key; a
//! directory in several languages is refused rather than judged as one of them.

mod common;

use std::time::Duration;

use selfheal::cache::{CacheKey, ValidationCache};
use selfheal::validate::Expect;
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

// ---------------------------------------------------------------- data files

fn write(dir: &std::path::Path, files: &[(&str, &[u8])]) {
    for (path, bytes) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rust_program_reads_its_config_json() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            (
                "lib.rs",
                b"pub fn config() -> String {
    std::fs::read_to_string(\"config.json\").expect(\"config.json\")
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_config() {
        assert_eq!(super::config().trim(), \"{\\\"port\\\": 8080}\");
        assert_eq!(std::fs::read(\"data/blob.bin\").unwrap(), [0u8, 159, 146, 150]);
    }
}
",
            ),
            ("config.json", b"{\"port\": 8080}\n"),
            ("data/blob.bin", &[0, 159, 146, 150]),
        ],
    );
    let program = selfheal::Program::load(dir.path(), None).unwrap();
    assert_eq!(
        program.data_files().keys().collect::<Vec<_>>(),
        ["config.json", "data/blob.bin"]
    );
    let validator = common::validator();
    let r = validator
        .validate(&program, Expect::for_program(&program))
        .await
        .unwrap();
    assert!(r.passed, "{:#?}\n{}", r.errors, r.output);
    assert_eq!(r.tests.len(), 1);

    // The data file is part of the cache key, and of the verdict.
    let key = validator.cache_key(&program, Expect::Test).await.unwrap();
    let changed = program
        .clone()
        .with_data_file("config.json", b"{\"port\": 9090}\n".to_vec())
        .unwrap();
    let changed_key = validator.cache_key(&changed, Expect::Test).await.unwrap();
    assert_ne!(key, changed_key);
    let r = validator.validate(&changed, Expect::Test).await.unwrap();
    assert!(!r.passed, "{}", r.output);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_go_test_reads_testdata() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            (
                "main.go",
                b"package main\n\nimport \"strings\"\n\nfunc Words(s string) int {\n\treturn len(strings.Fields(s))\n}\n",
            ),
            (
                "main_test.go",
                b"package main\n\nimport (\n\t\"os\"\n\t\"testing\"\n)\n\nfunc TestWords(t *testing.T) {\n\tb, err := os.ReadFile(\"testdata/input.txt\")\n\tif err != nil {\n\t\tt.Fatal(err)\n\t}\n\tif got := Words(string(b)); got != 3 {\n\t\tt.Errorf(\"Words = %d, want 3\", got)\n\t}\n}\n",
            ),
            ("testdata/input.txt", b"one two three\n"),
        ],
    );
    // A symlink is never part of the program.
    std::os::unix::fs::symlink("/etc/hostname", dir.path().join("testdata/host.txt")).unwrap();
    let program = selfheal::Program::load(dir.path(), None).unwrap();
    assert_eq!(
        program.data_files().keys().collect::<Vec<_>>(),
        ["testdata/input.txt"]
    );
    let r = common::validator()
        .validate(&program, Expect::for_program(&program))
        .await
        .unwrap();
    assert!(r.passed, "{:#?}\n{}", r.errors, r.output);
    assert_eq!(r.tests.len(), 1);
    assert_eq!(r.tests[0].outcome, TestOutcome::Passed);
}

// ---------------------------------------------------------------- several languages

#[test]
fn a_directory_in_several_languages_is_refused_by_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            ("index.js", b"console.log(require('./util'))\n"),
            ("util.js", b"module.exports = 1\n"),
            ("tool.py", b"print(1)\n"),
        ],
    );
    let path = dir.path().to_str().unwrap();
    let out = common::selfheal(&["check", path, "--no-cache"]);
    common::assert_exit(&out, 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("holds sources in several languages (python: 1 file, javascript: 2 files); pick one with `--lang python` or `--lang javascript`"),
        "{stderr}"
    );
    // With --lang, only that language's files are sources.
    let out = common::selfheal(&[
        "check",
        path,
        "--no-cache",
        "--lang",
        "python",
        "--format",
        "json",
    ]);
    common::assert_exit(&out, 0);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["language"], "python");
    assert_eq!(json["passed"], true);
}
