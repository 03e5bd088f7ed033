//! Crash safety of the sled cache: a writer killed mid-stream, and store files overwritten
//! with garbage. In both cases every entry is either absent or exactly what was written.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use selfheal::cache::{CacheConfig, CacheKey, ValidationCache};
use selfheal::{CodeError, ErrorType, StepOutcome, TargetLanguage, Termination, ValidationResult};

const WRITER_ENV: &str = "SELFHEAL_CACHE_CRASH_WRITER_DIR";

fn key(i: u64) -> CacheKey {
    CacheKey(*blake3::hash(&i.to_le_bytes()).as_bytes())
}

/// The deterministic value of entry `i`, of varying size (some large enough for sled blobs).
fn expected(i: u64) -> ValidationResult {
    let stderr = format!("error[E{i:04}]: entry {i}\n").repeat(1 + (i as usize % 7) * 40);
    ValidationResult {
        passed: i % 3 == 0,
        language: TargetLanguage::Rust,
        errors: vec![CodeError::new(
            ErrorType::CompilerError("entry".into()),
            format!("entry {i}"),
        )
        .with_code(format!("E{i:04}"))],
        duration: Duration::from_millis(i),
        output: stderr.clone(),
        steps: vec![StepOutcome {
            step: "check".into(),
            command: vec!["/usr/bin/rustc".into(), format!("{i}")],
            exit_code: Some((i % 2) as i32),
            signal: None,
            termination: Termination::Exited,
            wall_time: Duration::from_millis(i),
            cpu_time: Duration::from_millis(i / 2),
            peak_memory_bytes: i * 1000,
            stdout: String::new(),
            stderr,
            stdout_truncated: false,
            stderr_truncated: false,
        }],
        cached: false,
        tests: Vec::new(),
    }
}

fn config(dir: &Path) -> CacheConfig {
    CacheConfig {
        path: dir.join("validation-cache"),
        max_bytes: 1 << 30,
    }
}

/// Every entry in `0..upto` is absent or equal to its expected value. Returns how many were
/// present.
fn assert_absent_or_correct(cache: &ValidationCache, upto: u64) -> u64 {
    let mut present = 0;
    for i in 0..upto {
        if let Some(mut got) = cache.get(&key(i)) {
            assert!(got.cached);
            got.cached = false;
            assert_eq!(got, expected(i), "entry {i} came back wrong");
            present += 1;
        }
    }
    present
}

/// The writer role: runs only when the crash test starts this binary with [`WRITER_ENV`].
/// Writes entries forever, reporting after each flush how many are durable.
#[test]
fn writer_role() {
    let Some(dir) = std::env::var_os(WRITER_ENV) else {
        return;
    };
    let cache = ValidationCache::open(&config(Path::new(&dir))).unwrap();
    for i in 0.. {
        assert!(cache.put(&key(i), &expected(i)));
        if i % 25 == 24 {
            cache.flush();
            println!("flushed {}", i + 1);
        }
    }
}

#[test]
fn a_writer_killed_mid_stream_leaves_only_correct_entries() {
    for round in 0..3u64 {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "writer_role",
                "--nocapture",
                "--test-threads",
                "1",
            ])
            .env(WRITER_ENV, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        // Let it write a different amount each round, then kill it without warning.
        let wanted = 100 + round * 75;
        let mut durable = 0u64;
        for line in lines.by_ref() {
            let line = line.unwrap();
            if let Some(n) = line.strip_prefix("flushed ") {
                durable = n.trim().parse().unwrap();
                if durable >= wanted {
                    break;
                }
            }
        }
        // SIGKILL: no destructors, no final flush, possibly in the middle of a write.
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(durable >= wanted, "the writer stopped early");

        let cache = ValidationCache::open(&config(dir.path())).unwrap();
        let present = assert_absent_or_correct(&cache, durable + 1000);
        // Everything flushed before the kill survived.
        for i in 0..durable {
            assert!(cache.get(&key(i)).is_some(), "flushed entry {i} was lost");
        }
        assert!(present >= durable);
        // The reopened store keeps working.
        assert!(cache.put(&key(1_000_000), &expected(1_000_000)));
        assert_eq!(
            cache.get(&key(1_000_000)).map(|mut r| {
                r.cached = false;
                r
            }),
            Some(expected(1_000_000))
        );
    }
}

fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// Overwrites 64 bytes at `fraction` of each store file's length.
fn damage(dir: &Path, fractions: &[f64], byte: u8) -> usize {
    use std::io::{Seek, SeekFrom, Write};
    let mut damaged = 0;
    for file in files_under(dir) {
        let len = std::fs::metadata(&file).unwrap().len();
        if len == 0 {
            continue;
        }
        let mut f = std::fs::OpenOptions::new().write(true).open(&file).unwrap();
        for fraction in fractions {
            let offset = ((len as f64 * fraction) as u64).min(len.saturating_sub(1));
            let n = 64.min(len - offset) as usize;
            f.seek(SeekFrom::Start(offset)).unwrap();
            f.write_all(&vec![byte; n]).unwrap();
            damaged += 1;
        }
        f.sync_all().unwrap();
    }
    damaged
}

#[test]
fn damaged_store_files_never_give_wrong_answers() {
    const ENTRIES: u64 = 300;
    let patterns: &[(&[f64], u8)] = &[
        (&[0.0], 0xFF),
        (&[0.01], 0x00),
        (&[0.25, 0.5, 0.75], 0xA5),
        (&[0.5], 0x00),
        (&[0.9, 0.99], 0x5A),
        (&[0.1, 0.3, 0.6, 0.95], 0xFF),
        (&[0.999], 0x01),
    ];
    for (round, (fractions, byte)) in patterns.iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        {
            let cache = ValidationCache::open(&config(dir.path())).unwrap();
            for i in 0..ENTRIES {
                assert!(cache.put(&key(i), &expected(i)));
            }
            cache.flush();
        }
        let damaged = damage(&dir.path().join("validation-cache"), fractions, *byte);
        assert!(damaged > 0);

        // Opening never fails for damage: a database sled refuses is moved aside.
        let cache = ValidationCache::open(&config(dir.path()))
            .unwrap_or_else(|e| panic!("round {round}: cannot reopen: {e}"));
        let present = assert_absent_or_correct(&cache, ENTRIES);
        let moved_aside = std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .contains(".corrupt-")
            })
            .count();
        eprintln!(
            "round {round}: {present}/{ENTRIES} entries survived; moved aside: {moved_aside}; \
             cache disabled: {}",
            cache.is_disabled()
        );
        // Misses are recomputed and stored; afterwards every entry answers correctly —
        // unless the store engine failed and the cache turned itself off, in which case it
        // answers nothing (never something wrong).
        for i in 0..ENTRIES {
            if cache.get(&key(i)).is_none() {
                cache.put(&key(i), &expected(i));
            }
        }
        let after = assert_absent_or_correct(&cache, ENTRIES);
        if !cache.is_disabled() {
            assert_eq!(after, ENTRIES, "round {round}: recomputed entries missing");
        }
        // gc never panics and never keeps a corrupt entry.
        if !cache.is_disabled() {
            let report = cache.gc().unwrap();
            assert_eq!(report.corrupt_removed, 0);
        }
    }
}

#[test]
fn a_corrupt_value_is_a_miss_and_is_deleted() {
    // The damage is inside a value sled reads back faithfully: only the checksum sees it.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("validation-cache");
    {
        let cache = ValidationCache::open(&config(dir.path())).unwrap();
        assert!(cache.put(&key(1), &expected(1)));
        assert!(cache.put(&key(2), &expected(2)));
        cache.flush();
    }
    {
        let db = sled::open(&path).unwrap();
        let entries = db.open_tree("entries").unwrap();
        let mut value = entries.get(key(1).0).unwrap().unwrap().to_vec();
        let last = value.len() - 3;
        value[last] ^= 0x20;
        entries.insert(key(1).0, value).unwrap();
        // A sound value moved under another key is rejected too.
        let moved = entries.get(key(2).0).unwrap().unwrap();
        entries.insert(key(3).0, moved).unwrap();
        db.flush().unwrap();
    }
    let cache = ValidationCache::open(&config(dir.path())).unwrap();
    assert_eq!(cache.stats().entries, 3);
    assert!(cache.get(&key(1)).is_none());
    assert!(cache.get(&key(3)).is_none());
    assert!(cache.get(&key(2)).is_some());
    assert_eq!(cache.stats().entries, 1, "corrupt entries were not deleted");
}
