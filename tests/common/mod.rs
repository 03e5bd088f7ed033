//! Shared helpers for integration tests.
#![allow(dead_code)]

pub mod heal;
pub mod model_server;
pub mod programs;

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use selfheal::validate::{Validator, ValidatorConfig};

/// The repository's copy of a development corpus.
pub fn corpus_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/corpora")
        .join(name)
}

/// One validator per test binary: toolchains are resolved (and dependency sets built) once.
pub fn validator() -> Arc<Validator> {
    static VALIDATOR: OnceLock<Arc<Validator>> = OnceLock::new();
    VALIDATOR
        .get_or_init(|| {
            Arc::new(
                Validator::new(ValidatorConfig::default())
                    .unwrap_or_else(|e| panic!("cannot create a validator: {e}")),
            )
        })
        .clone()
}

/// A program from (path, text) pairs.
pub fn program(language: selfheal::TargetLanguage, files: &[(&str, &str)]) -> selfheal::Program {
    selfheal::Program::new(
        language,
        files.iter().map(|(p, t)| (p.to_string(), t.to_string())),
    )
    .unwrap()
}

/// Runs the `selfheal` binary with its data directory (learner, cache, outcome log) in a fresh
/// temporary directory: tests never touch the user's data dir nor contend for one store.
pub fn selfheal(args: &[&str]) -> std::process::Output {
    let data_dir = tempfile::tempdir().unwrap();
    std::process::Command::new(env!("CARGO_BIN_EXE_selfheal"))
        .args(args)
        .env("SELFHEAL_DATA_DIR", data_dir.path())
        .output()
        .expect("run selfheal")
}

/// Asserts a command's exit code, showing its stderr when it differs.
pub fn assert_exit(out: &std::process::Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A command's stdout as JSON, showing both streams when it is not.
pub fn stdout_json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}):\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}
