//! Tests of the checked program: constructors, mutators, loading and deserialization.

use super::*;

fn files(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn the_checked_constructor_wants_a_source_of_the_language() {
    let files = |names: &[&str]| -> BTreeMap<String, String> {
        names
            .iter()
            .map(|n| (n.to_string(), "x = 1\n".to_string()))
            .collect()
    };
    let parts = |language, names: &[&str]| {
        Program::from_parts(
            language,
            files(names),
            BTreeSet::new(),
            BTreeMap::new(),
            BTreeMap::new(),
        )
    };
    let err = parts(TargetLanguage::Rust, &["main.py", "util.py"]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the program has no rust source file (no .rs file among main.py, util.py); give the \
         right language or add a source"
    );
    assert!(parts(TargetLanguage::Python, &["main.py", "notes.txt"]).is_ok());
    assert!(parts(TargetLanguage::Go, &["go.mod", "main.go"]).is_ok());
    assert!(parts(TargetLanguage::JavaScript, &["index.mjs"]).is_ok());
    assert!(matches!(
        parts(TargetLanguage::Python, &["../main.py"]),
        Err(ProgramError::UnsafePath { .. })
    ));
    assert!(matches!(
        Program::new(
            TargetLanguage::Go,
            [("main.rs".into(), "fn main() {}\n".into())]
        ),
        Err(ProgramError::NoSourceOfLanguage { .. })
    ));
    let protected = Program::from_parts(
        TargetLanguage::Python,
        files(&["main.py"]),
        BTreeSet::from(["test_main.py".to_string()]),
        BTreeMap::new(),
        BTreeMap::new(),
    );
    assert!(matches!(
        protected,
        Err(ProgramError::UnknownProtectedPath(p)) if p == "test_main.py"
    ));
}

#[test]
fn test_files_are_the_toolchain_files_tests() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("calc.mjs"), "export const f = 1;\n").unwrap();
    std::fs::write(dir.path().join("calc.test.mjs"), "import './calc.mjs';\n").unwrap();
    let program = Program::load(dir.path(), None).unwrap();
    assert_eq!(program.language, TargetLanguage::JavaScript);
    assert_eq!(
        program.protected,
        BTreeSet::from(["calc.test.mjs".to_string()])
    );
    assert_eq!(program.test_files().collect::<Vec<_>>(), ["calc.test.mjs"]);
}

#[test]
fn rejects_unsafe_paths() {
    for bad in [
        "/etc/passwd",
        "../x.py",
        "a/../b.py",
        "./a.py",
        "a//b.py",
        "",
        "a\\b.py",
    ] {
        let err = Program::new(TargetLanguage::Python, files(&[(bad, "x = 1\n")])).unwrap_err();
        assert!(
            matches!(err, ProgramError::UnsafePath { .. }),
            "{bad}: {err}"
        );
    }
    assert!(Program::new(TargetLanguage::Python, files(&[("pkg/a.py", "x = 1\n")])).is_ok());
}

#[test]
fn rejects_empty_and_binary_files() {
    let err = Program::new(TargetLanguage::Python, files(&[("a.py", "  \n")])).unwrap_err();
    assert!(matches!(err, ProgramError::EmptyFile(ref p) if p == "a.py"));
    let err = Program::new(TargetLanguage::Python, files(&[("a.py", "x\0y")])).unwrap_err();
    assert!(matches!(err, ProgramError::Binary(_)));
    assert!(matches!(
        Program::new(TargetLanguage::Python, Vec::new()).unwrap_err(),
        ProgramError::Empty
    ));
}

#[test]
fn rejects_oversized_files() {
    let big = "x".repeat(MAX_FILE_BYTES + 1);
    let err = Program::new(TargetLanguage::Python, vec![("a.py".into(), big)]).unwrap_err();
    assert!(matches!(err, ProgramError::FileTooLarge { .. }));
}

#[test]
fn protected_paths_must_exist() {
    let p = Program::new(TargetLanguage::Go, files(&[("main.go", "package main\n")])).unwrap();
    assert!(p
        .clone()
        .with_protected(["main_test.go".to_string()])
        .is_err());
    assert!(p.with_protected(["main.go".to_string()]).is_ok());
}

#[test]
fn loads_directories_and_detects_language() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.py"), "print(1)\n").unwrap();
    std::fs::write(dir.path().join("test_main.py"), "import main\n").unwrap();
    std::fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
    std::fs::create_dir(dir.path().join("__pycache__")).unwrap();
    std::fs::write(dir.path().join("__pycache__/x.py"), "ignored\n").unwrap();
    let p = Program::load(dir.path(), None).unwrap();
    assert_eq!(p.language, TargetLanguage::Python);
    assert_eq!(
        p.files.keys().collect::<Vec<_>>(),
        ["main.py", "test_main.py"]
    );
    assert!(p.protected.contains("test_main.py"));
    // Other files are data files, symlinks are not followed.
    assert_eq!(p.data_files.keys().collect::<Vec<_>>(), ["notes.txt"]);
    assert_eq!(p.data_files["notes.txt"], b"ignored");
    std::os::unix::fs::symlink("/etc/passwd", dir.path().join("passwd.txt")).unwrap();
    let p = Program::load(dir.path(), None).unwrap();
    assert_eq!(p.data_files.keys().collect::<Vec<_>>(), ["notes.txt"]);
}

#[test]
fn data_files_are_bounded() {
    let p = Program::new(TargetLanguage::Python, files(&[("a.py", "x = 1\n")])).unwrap();
    let err = p
        .clone()
        .with_data_file("big.bin", vec![0u8; MAX_DATA_FILE_BYTES + 1])
        .unwrap_err();
    assert!(
        matches!(err, ProgramError::DataFileTooLarge { .. }),
        "{err}"
    );
    let mut many = p.clone();
    for i in 0..=MAX_DATA_FILES {
        many.data_files.insert(format!("d{i}.txt"), b"x".to_vec());
    }
    assert!(matches!(
        many.check().unwrap_err(),
        ProgramError::TooManyDataFiles(MAX_DATA_FILES)
    ));
    let err = p.clone().with_data_file("../x", b"x".to_vec()).unwrap_err();
    assert!(matches!(err, ProgramError::UnsafePath { .. }));
    let err = p.clone().with_data_file("a.py", b"x".to_vec()).unwrap_err();
    assert!(matches!(err, ProgramError::DataFileShadowsSource(_)));
    // Binary is fine.
    let p = p.with_data_file("img.bin", vec![0u8, 255, 1]).unwrap();
    assert_eq!(p.data_files["img.bin"], [0, 255, 1]);
}

#[test]
fn a_directory_in_several_languages_is_refused_unless_one_is_picked() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app.js"), "console.log(1)\n").unwrap();
    std::fs::write(dir.path().join("util.js"), "module.exports = 1\n").unwrap();
    std::fs::write(dir.path().join("tool.py"), "print(1)\n").unwrap();
    let err = Program::load(dir.path(), None).unwrap_err();
    assert!(matches!(err, ProgramError::MixedLanguages { .. }));
    let message = err.to_string();
    assert!(
        message.ends_with(
            "holds sources in several languages (python: 1 file, javascript: 2 files); pick one with `--lang python` or `--lang javascript` (the other files are then kept as data files)"
        ),
        "{message}"
    );
    let p = Program::load(dir.path(), Some(TargetLanguage::Python)).unwrap();
    assert_eq!(p.files.keys().collect::<Vec<_>>(), ["tool.py"]);
    assert_eq!(
        p.data_files.keys().collect::<Vec<_>>(),
        ["app.js", "util.js"]
    );
}

#[test]
fn rejects_non_utf8_and_unknown_language() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.py"), [0xff, 0xfe, b'x']).unwrap();
    assert!(matches!(
        Program::load(&dir.path().join("a.py"), None).unwrap_err(),
        ProgramError::NotUtf8(_)
    ));
    std::fs::write(dir.path().join("b.txt"), "hello").unwrap();
    assert!(matches!(
        Program::load(&dir.path().join("b.txt"), None).unwrap_err(),
        ProgramError::UnknownLanguage(_)
    ));
}

fn python() -> Program {
    Program::new(
        TargetLanguage::Python,
        files(&[("main.py", "x = 1\n"), ("test_main.py", "import main\n")]),
    )
    .unwrap()
    .with_protected(["test_main.py".to_string()])
    .unwrap()
}

#[test]
fn set_file_is_checked_and_leaves_the_program_unchanged_on_error() {
    let mut p = python();
    p.set_file("util.py", "y = 2\n").unwrap();
    assert_eq!(p.file("util.py"), Some("y = 2\n"));
    p.set_file("main.py", "x = 2\n").unwrap();
    assert_eq!(p.file("main.py"), Some("x = 2\n"));
    let before = p.clone();
    let err = p.set_file("test_main.py", "pass\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "test_main.py is protected (a test or an oracle); it cannot be changed or removed, \
         change the code under test instead"
    );
    assert!(matches!(
        p.set_file("../evil.py", "x\n"),
        Err(ProgramError::UnsafePath { .. })
    ));
    assert!(matches!(
        p.set_file("main.py", " \n"),
        Err(ProgramError::EmptyFile(f)) if f == "main.py"
    ));
    assert!(matches!(
        p.set_file("main.py", "x\0"),
        Err(ProgramError::Binary(_))
    ));
    let big = "x".repeat(MAX_FILE_BYTES + 1);
    assert!(matches!(
        p.set_file("main.py", big),
        Err(ProgramError::FileTooLarge { .. })
    ));
    let with_data = p
        .clone()
        .with_data_file("notes.txt", b"n".to_vec())
        .unwrap();
    assert!(matches!(
        with_data.with_file("notes.txt", "x\n"),
        Err(ProgramError::DataFileShadowsSource(_))
    ));
    assert_eq!(p, before);
}

#[test]
fn set_file_keeps_the_program_within_its_size_limits() {
    let mut p = python();
    let chunk = "x".repeat(MAX_FILE_BYTES);
    let mut added = 0;
    let err = loop {
        match p.set_file(format!("m{added}.py"), chunk.clone()) {
            Ok(()) => added += 1,
            Err(e) => break e,
        }
    };
    assert!(matches!(err, ProgramError::ProgramTooLarge { .. }), "{err}");
    assert!(p.size_bytes() <= MAX_PROGRAM_BYTES);
    assert_eq!(added, MAX_PROGRAM_BYTES / MAX_FILE_BYTES - 1);
}

#[test]
fn remove_file_never_removes_a_test_or_the_last_source() {
    let mut p = python();
    p.set_file("util.py", "y = 2\n").unwrap();
    assert_eq!(p.remove_file("util.py").unwrap(), "y = 2\n");
    let before = p.clone();
    assert!(matches!(
        p.remove_file("util.py"),
        Err(ProgramError::NoSuchFile(f)) if f == "util.py"
    ));
    assert!(matches!(
        p.remove_file("test_main.py"),
        Err(ProgramError::ProtectedFile(f)) if f == "test_main.py"
    ));
    assert_eq!(p, before);
    let mut only = Program::new(TargetLanguage::Go, files(&[("main.go", "package main\n")]))
        .unwrap()
        .with_file("README.txt.go.bak", "notes\n")
        .unwrap();
    let err = only.remove_file("main.go").unwrap_err();
    assert!(
        matches!(err, ProgramError::NoSourceOfLanguage { .. }),
        "{err}"
    );
    assert_eq!(only.file("main.go"), Some("package main\n"));
}

#[test]
fn a_protected_file_added_is_protected_and_keeps_an_existing_text() {
    let p = python()
        .with_protected_file("test_extra.py", "import main\n")
        .unwrap()
        .with_protected_file("main.py", "replaced = 1\n")
        .unwrap();
    assert!(p.is_protected("test_extra.py") && p.is_protected("main.py"));
    assert_eq!(p.file("main.py"), Some("x = 1\n"));
}

#[test]
fn json_programs_are_checked_like_built_ones() {
    let p = python()
        .with_option("edition", "2021")
        .with_data_file("data.bin", vec![0u8, 1])
        .unwrap();
    let json = serde_json::to_string(&p).unwrap();
    assert_eq!(
        json,
        r#"{"language":"python","files":{"main.py":"x = 1\n","test_main.py":"import main\n"},"protected":["test_main.py"],"options":{"edition":"2021"},"data_files":{"data.bin":[0,1]}}"#
    );
    assert_eq!(serde_json::from_str::<Program>(&json).unwrap(), p);
    // The defaults of the serialized form still apply.
    let minimal: Program =
        serde_json::from_str(r#"{"language":"go","files":{"main.go":"package main\n"}}"#).unwrap();
    assert!(minimal.protected().is_empty() && minimal.data_files().is_empty());

    let err =
        serde_json::from_str::<Program>(r#"{"language":"rust","files":{"main.py":"x = 1\n"}}"#)
            .unwrap_err();
    assert!(
        err.to_string().starts_with(
            "the program has no rust source file (no .rs file among main.py); give the \
             right language or add a source"
        ),
        "{err}"
    );
    let err =
        serde_json::from_str::<Program>(r#"{"language":"python","files":{"../x.py":"x = 1\n"}}"#)
            .unwrap_err();
    assert!(err.to_string().contains("unsafe file name"), "{err}");
    let err = serde_json::from_str::<Program>(
        r#"{"language":"python","files":{"a.py":"x\n"},"protected":["t.py"]}"#,
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("t.py is marked protected but is not one of the program's files"),
        "{err}"
    );
}
