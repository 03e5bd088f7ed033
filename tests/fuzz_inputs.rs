//! Fuzz targets for the inputs selfheal takes from outside: `apply_fix` (edits with any
//! offsets and text), `Program` loading (from strings, from JSON, from a directory tree of any
//! names and bytes) and the corpus reader (mutated real corpus lines). Properties: no panic;
//! whatever is accepted passes `Program::check`; a fix applies all-or-nothing.
//!
//! `SELFHEAL_FUZZ_CASES=1000000 cargo test --release --test fuzz_inputs` runs at length; the
//! directory target writes files, so it runs a tenth of the cases (`docs/fuzzing.md`).

#[path = "data/fuzz/harness.rs"]
mod harness;

use proptest::prelude::*;

use harness::{cases, fuzz, mutated, seeds, TOKENS};
use selfheal::corpus::Corpus;
use selfheal::fix::{apply_fix, Edit, Fix};
use selfheal::program::{check_relative_path, detect_language, is_test_file};
use selfheal::{Program, TargetLanguage};

/// File names: ordinary, nested, hostile (`..`, absolute, NUL, backslash, empty parts).
fn path() -> impl Strategy<Value = String> {
    let part = prop_oneof![
        4 => proptest::sample::select(vec![
            "main.rs", "main.py", "main.go", "main.js", "lib.rs", "go.mod", "test_main.py",
            "main_test.go", "a.test.js", "tests", "src", "pkg", "é.py", "😀.rs",
        ])
        .prop_map(str::to_string),
        1 => proptest::sample::select(vec![
            "..", ".", "", "/", "\\", "\u{0}", "CON", ".git", "a:b", " ", "\u{202e}",
        ])
        .prop_map(str::to_string),
        1 => proptest::collection::vec(any::<char>(), 0..6).prop_map(String::from_iter),
    ];
    proptest::collection::vec(part, 1..4).prop_map(|parts| parts.join("/"))
}

/// File text: source-like lines, tokens, multi-byte and control characters.
fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            3 => proptest::sample::select(TOKENS).prop_map(str::to_string),
            2 => proptest::sample::select(vec![
                "fn main() {}\n", "print('hi')\n", "package main\n", "console.log(1)\n",
                "    x = 1\n",
            ])
            .prop_map(str::to_string),
            1 => proptest::collection::vec(any::<char>(), 0..8).prop_map(String::from_iter),
        ],
        0..12,
    )
    .prop_map(|t| t.concat())
}

fn language() -> impl Strategy<Value = TargetLanguage> {
    proptest::sample::select(TargetLanguage::ALL.to_vec())
}

fn files() -> impl Strategy<Value = Vec<(String, String)>> {
    proptest::collection::vec((path(), text()), 0..5)
}

/// An offset near the interesting places of a file of `len` bytes, or anywhere.
fn offset() -> impl Strategy<Value = (u8, usize)> {
    (0u8..4, any::<usize>())
}

fn resolve_offset((kind, raw): (u8, usize), len: usize) -> usize {
    match kind {
        0 => raw % (len + 1),
        1 => len.saturating_add(raw % 4),
        2 => raw % 4,
        _ => raw,
    }
}

#[test]
fn fuzz_program_new() {
    fuzz(
        "program-new",
        cases(),
        (language(), files(), proptest::collection::vec(path(), 0..3)),
        |(language, files, protected)| {
            let _ = detect_language(&files.iter().cloned().collect());
            for (name, _) in &files {
                let _ = check_relative_path(name);
                let _ = is_test_file(language, name);
            }
            if let Ok(program) = Program::new(language, files) {
                prop_assert!(program.check().is_ok());
                if let Ok(program) = program.with_protected(protected) {
                    prop_assert!(program.check().is_ok());
                }
            }
            Ok(())
        },
    );
}

#[test]
fn fuzz_program_json() {
    // Programs as the corpus and the API carry them, mutated.
    let seeds: Vec<String> = seeds("corpus")
        .iter()
        .flat_map(|f| f.lines().map(str::to_string).collect::<Vec<_>>())
        .filter_map(|line| {
            let case: serde_json::Value = serde_json::from_str(&line).ok()?;
            Some(
                serde_json::json!({
                    "language": case["language"],
                    "files": case["files"],
                    "protected": case["protected"],
                })
                .to_string(),
            )
        })
        .collect();
    fuzz(
        "program-json",
        cases(),
        mutated(seeds.clone(), seeds, 8),
        |json| {
            if let Ok(program) = serde_json::from_str::<Program>(&json) {
                // Deserialized programs are checked before use; the check must not panic.
                let _ = program.check();
            }
            Ok(())
        },
    );
}

#[test]
fn fuzz_apply_fix() {
    let strategy = (
        language(),
        proptest::collection::vec((path(), text()), 1..4),
        any::<bool>(),
        proptest::collection::vec((0usize..6, offset(), offset(), text()), 0..5),
    );
    fuzz(
        "apply-fix",
        cases(),
        strategy,
        |(language, files, protect_first, edits)| {
            let Ok(program) = Program::new(language, files) else {
                return Ok(());
            };
            let names: Vec<String> = program.files().keys().cloned().collect();
            let program = if protect_first {
                program.with_protected([names[0].clone()]).unwrap()
            } else {
                program
            };
            let edits: Vec<Edit> = edits
                .into_iter()
                .map(|(file, start, end, replacement)| {
                    let file = names
                        .get(file)
                        .cloned()
                        .unwrap_or_else(|| "missing.py".to_string());
                    let len = program.files().get(&file).map_or(0, String::len);
                    let (a, b) = (resolve_offset(start, len), resolve_offset(end, len));
                    Edit {
                        file,
                        byte_start: a,
                        byte_end: b,
                        replacement,
                    }
                })
                .collect();
            let fix = Fix {
                strategy: "fuzz".into(),
                description: "fuzzed edits".into(),
                confidence: 0.5,
                applicability: Default::default(),
                edits: edits.clone(),
            };
            if let Ok(fixed) = apply_fix(&program, &fix) {
                prop_assert!(fixed.check().is_ok());
                prop_assert_eq!(fixed.protected(), program.protected());
                // Files no edit names are untouched.
                for (name, text) in program.files() {
                    if !edits.iter().any(|e| &e.file == name) {
                        prop_assert_eq!(fixed.files().get(name), Some(text));
                    }
                }
            }
            Ok(())
        },
    );
}

#[test]
fn fuzz_program_load_dir() {
    let root = tempfile::tempdir().unwrap();
    let counter = std::cell::Cell::new(0u64);
    let entry = (
        path(),
        prop_oneof![
            4 => text().prop_map(String::into_bytes),
            1 => proptest::collection::vec(any::<u8>(), 0..64),
        ],
    );
    let strategy = (
        proptest::option::of(language()),
        proptest::collection::vec(entry, 0..6),
    );
    fuzz(
        "program-load-dir",
        (cases() / 10).max(100),
        strategy,
        |(language, entries)| {
            counter.set(counter.get() + 1);
            let dir = root.path().join(counter.get().to_string());
            std::fs::create_dir_all(&dir).unwrap();
            for (name, bytes) in &entries {
                // Names the file system refuses (NUL, absolute, `..` past the root) are skipped:
                // the target is the loader, not the file system.
                if name.contains('\0') || name.starts_with('/') || name.contains("..") {
                    continue;
                }
                let path = dir.join(name);
                if let Some(parent) = path.parent() {
                    if std::fs::create_dir_all(parent).is_err() {
                        continue;
                    }
                }
                let _ = std::fs::write(&path, bytes);
            }
            if let Ok(program) = Program::load(&dir, language) {
                prop_assert!(program.check().is_ok());
            }
            // A single file too.
            if let Some((name, _)) = entries.first() {
                let _ = Program::load(&dir.join(name), language);
            }
            let _ = std::fs::remove_dir_all(&dir);
            Ok(())
        },
    );
}

#[test]
fn fuzz_corpus_read() {
    let seeds: Vec<String> = seeds("corpus")
        .iter()
        .flat_map(|f| f.lines().map(str::to_string).collect::<Vec<_>>())
        .collect();
    let file = tempfile::NamedTempFile::new().unwrap();
    let strategy = proptest::collection::vec(mutated(seeds.clone(), seeds, 8), 0..4);
    fuzz("corpus-read", cases(), strategy, |lines| {
        std::fs::write(file.path(), lines.join("\n")).unwrap();
        let corpus = Corpus::read(file.path()).expect("the file is readable");
        for case in &corpus.cases {
            // Accepted cases give a valid program.
            let program = case.program();
            prop_assert!(program.is_ok(), "{:?}", program.err());
            prop_assert!(program.unwrap().check().is_ok());
            let _ = case.category();
        }
        Ok(())
    });
}
