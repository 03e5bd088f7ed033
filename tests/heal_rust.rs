//! Healing Rust programs: one error of each kind, then several at once.

mod common;

use common::heal::assert_heals;
use selfheal::{Program, TargetLanguage};

const TESTS: &str = "use super::*;\n\n#[test]\nfn sums() {\n    assert_eq!(total(&[1, 2, 3]), 6);\n    assert_eq!(total(&[]), 0);\n}\n";

fn rs(lib: &str, tests: &str) -> Program {
    let lib = format!("{lib}\n#[cfg(test)]\nmod tests;\n");
    common::program(
        TargetLanguage::Rust,
        &[("lib.rs", &lib), ("tests.rs", tests)],
    )
    .with_protected(["tests.rs".to_string()])
    .unwrap()
    .with_option("edition", "2021")
}

#[tokio::test]
async fn undefined_name_typo() {
    let p = rs(
        "pub fn total(items: &[i32]) -> i32 {\n    let mut result = 0;\n    for item in items {\n        result += item;\n    }\n    reslt\n}\n",
        TESTS,
    );
    let r = assert_heals(&p, "undefined_variable").await;
    assert!(r.final_program.files()["lib.rs"].contains("    result\n}"));
}

#[tokio::test]
async fn missing_import() {
    let p = rs(
        "pub fn counts(words: &[&str]) -> HashMap<String, usize> {\n    let mut m = HashMap::new();\n    for w in words {\n        *m.entry(w.to_string()).or_insert(0) += 1;\n    }\n    m\n}\n",
        "use super::*;\n\n#[test]\nfn counts_words() {\n    assert_eq!(counts(&[\"a\", \"b\", \"a\"])[\"a\"], 2);\n}\n",
    );
    let r = assert_heals(&p, "undefined_variable").await;
    assert!(r.final_program.files()["lib.rs"].contains("use std::collections::HashMap;"));
}

#[tokio::test]
async fn missing_semicolon() {
    let p = rs(
        "pub fn total(items: &[i32]) -> i32 {\n    let mut result = 0\n    for item in items {\n        result += item;\n    }\n    result\n}\n",
        TESTS,
    );
    let r = assert_heals(&p, "syntax").await;
    assert!(r.final_program.files()["lib.rs"].contains("let mut result = 0;\n"));
}

#[tokio::test]
async fn missing_closing_delimiter() {
    let p = rs(
        "pub fn total(items: &[i32]) -> i32 {\n    items.iter().fold(0, |a, b| a + b\n}\n",
        TESTS,
    );
    let r = assert_heals(&p, "syntax").await;
    assert!(r.final_program.files()["lib.rs"].contains("items.iter().fold(0, |a, b| a + b)"));
}

#[tokio::test]
async fn type_mismatch_fixed_by_a_conversion() {
    let p = rs(
        "pub fn greeting() -> String {\n    \"hello\"\n}\n",
        "use super::*;\n\n#[test]\nfn greets() {\n    assert_eq!(greeting(), \"hello\");\n}\n",
    );
    let r = assert_heals(&p, "type_mismatch").await;
    let lib = &r.final_program.files()["lib.rs"];
    assert!(
        lib.contains("\"hello\".to_string()")
            || lib.contains("\"hello\".into()")
            || lib.contains("String::from(\"hello\")"),
        "{lib}"
    );
}

#[tokio::test]
async fn missing_mut() {
    let p = rs(
        "pub fn total(items: &[i32]) -> i32 {\n    let result = 0;\n    for item in items {\n        result += item;\n    }\n    result\n}\n",
        TESTS,
    );
    let r = assert_heals(&p, "compiler:borrow").await;
    assert!(r.final_program.files()["lib.rs"].contains("let mut result = 0;"));
}

#[tokio::test]
async fn several_errors_of_different_kinds() {
    let p = rs(
        "pub fn total(items: &[i32]) -> i32 {\n    let result = 0;\n    for item in items {\n        result += item;\n    }\n    reslt\n}\n\npub fn counts(words: &[&str]) -> HashMap<String, usize> {\n    let mut m = HashMap::new();\n    for w in words {\n        *m.entry(w.to_string()).or_insert(0) += 1;\n    }\n    m\n}\n",
        "use super::*;\n\n#[test]\nfn both() {\n    assert_eq!(total(&[1, 2, 3]), 6);\n    assert_eq!(counts(&[\"a\", \"a\"])[\"a\"], 2);\n}\n",
    );
    let r = assert_heals(&p, "undefined_variable").await;
    assert!(r.strategies_kept.len() >= 2, "{:?}", r.strategies_kept);
}
