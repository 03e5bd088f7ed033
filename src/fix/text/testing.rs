//! Test helpers shared by the rules' tests.

use crate::fix::Fix;
use crate::program::Program;
use crate::types::{CodeError, ErrorType, Location, TargetLanguage};

/// Applies a fix's edits (non-overlapping) to one file's text.
pub(crate) fn apply(text: &str, fix: &Fix) -> String {
    let mut edits = fix.edits.clone();
    edits.sort_by_key(|e| std::cmp::Reverse(e.byte_start));
    let mut out = text.to_string();
    for e in edits {
        out.replace_range(e.byte_start..e.byte_end, &e.replacement);
    }
    out
}

pub(crate) fn program(lang: TargetLanguage, file: &str, text: &str) -> Program {
    Program::new(lang, vec![(file.to_string(), text.to_string())]).unwrap()
}

/// A program of one source and one protected test file (`(path, text)` each).
pub(crate) fn program_with_test(
    lang: TargetLanguage,
    (source, source_text): (&str, &str),
    (test, test_text): (&str, &str),
) -> Program {
    Program::new(
        lang,
        [
            (source.to_string(), source_text.to_string()),
            (test.to_string(), test_text.to_string()),
        ],
    )
    .unwrap()
    .with_protected([test.to_string()])
    .unwrap()
}

pub(crate) fn err(
    ty: ErrorType,
    code: &str,
    msg: &str,
    file: &str,
    line: u32,
    col: u32,
) -> CodeError {
    CodeError::new(ty, msg)
        .with_code(code)
        .with_location(Location::new(file, line, col))
}

/// Every result text `strategy` proposes for an undefined-name error with compiler `code` at
/// `line`:`col` of a one-file Rust program `main.rs`, best first.
pub(crate) fn rust_undefined(
    strategy: &dyn crate::fix::FixStrategy,
    code: &str,
    text: &str,
    at: (u32, u32),
    msg: &str,
) -> Vec<String> {
    let rust = (TargetLanguage::Rust, "main.rs");
    undefined_results(strategy, rust, code, text, at, msg)
}

/// Every result text `strategy` proposes for an undefined-name error with `code` at
/// `line`:`col` of the one-file program `file` of `lang`, best first.
pub(crate) fn undefined_results(
    strategy: &dyn crate::fix::FixStrategy,
    (lang, file): (TargetLanguage, &str),
    code: &str,
    text: &str,
    (line, col): (u32, u32),
    msg: &str,
) -> Vec<String> {
    let p = program(lang, file, text);
    let e = err(ErrorType::UndefinedVariable, code, msg, file, line, col);
    results(&strategy.suggest(&e, &p), text)
}

/// Every result text the strategies propose, best first.
pub(crate) fn results(fixes: &[Fix], text: &str) -> Vec<String> {
    fixes.iter().map(|f| apply(text, f)).collect()
}

/// Runs `script` (under the repository root) with `interpreter` into a temporary folder and
/// asserts that each of `tables` it writes is the committed `src/lang/tables/<table>`. False,
/// and nothing checked, when `interpreter` is not installed.
pub(crate) fn tables_match_their_script(interpreter: &str, script: &str, tables: &[&str]) -> bool {
    let interpreter = std::path::Path::new(interpreter);
    if !interpreter.exists() {
        eprintln!("skipped: {} is not installed", interpreter.display());
        return false;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = env!("CARGO_MANIFEST_DIR");
    let status = std::process::Command::new(interpreter)
        .arg(format!("{root}/{script}"))
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    for name in tables {
        let live = std::fs::read_to_string(dir.path().join(name)).unwrap();
        let committed = std::fs::read_to_string(format!("{root}/src/lang/tables/{name}")).unwrap();
        assert!(
            live == committed,
            "src/lang/tables/{name} is stale: re-run {script}"
        );
    }
    true
}
