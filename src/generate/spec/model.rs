//! The spec's data model, and the raw form TOML is read into.

use super::*;

/// A spec that is wrong, with the file it came from; the message says how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {message}")]
pub struct SpecError {
    pub file: String,
    pub message: String,
}

/// What to build, validated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spec {
    pub name: String,
    pub language: TargetLanguage,
    /// What the program does, in prose (models read it; templates put it in a doc comment).
    pub description: String,
    /// A short category for learning (`function`, `cli`, …); default `function`.
    pub kind: String,
    /// Function signatures in the target language, e.g. `def mean(xs: list[float]) -> float`.
    pub signatures: Vec<String>,
    pub examples: Vec<Example>,
    pub test_file: Option<TestFile>,
    pub constraints: Constraints,
    /// The code the template generator renders (models ignore it).
    pub implementation: Option<Implementation>,
    /// The `[telemetry]` contract (docs/telemetry.md): generated programs carry it.
    #[serde(skip)]
    pub telemetry: Option<Box<crate::compliance::Contract>>,
    /// The parsed signatures, in order.
    #[serde(skip)]
    pub(super) functions: Vec<FunctionSig>,
    /// Where the spec came from (for messages).
    #[serde(skip)]
    pub(super) origin: String,
}

/// One example: calling `call` with `args` returns `expected`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Example {
    /// The function's name (resolved when the spec has one signature).
    pub call: String,
    pub args: Vec<toml::Value>,
    pub expected: toml::Value,
}

/// Hand-written tests added to the ones the examples imply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TestFile {
    /// Path in the program (for Rust: always `tests.rs`, appended to the example tests).
    pub path: String,
    pub contents: String,
}

/// Limits on what the program may use.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Constraints {
    /// Third-party packages (crates, pip/npm packages, Go import paths) the program may use;
    /// the standard library is always allowed.
    #[serde(default)]
    pub allowed_dependencies: Vec<String>,
}

/// The implementation the template generator renders.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Implementation {
    /// Import lines, verbatim (`import math`, `use std::collections::HashMap;`, `"strings"`
    /// for Go, `const fs = require('fs');`).
    #[serde(default)]
    pub imports: Vec<String>,
    /// Module-level code placed before the functions (types, constants, helpers).
    #[serde(default)]
    pub code: String,
    /// Function name → body (the statements inside the braces / the indented block).
    #[serde(default)]
    pub bodies: BTreeMap<String, String>,
}

/// A parsed signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionSig {
    pub name: String,
    pub params: Vec<Param>,
    /// The return type as written (`None`: none given).
    pub returns: Option<String>,
    /// `*args`, `...rest`, `...int`: any number of arguments past the named ones.
    pub variadic: bool,
    /// The signature text as given, without a trailing `{` or `:`.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    pub name: String,
    /// The type as written (`None` for untyped Python/JavaScript parameters).
    pub ty: Option<String>,
    pub has_default: bool,
}

impl FunctionSig {
    pub(super) fn arity(&self) -> (usize, Option<usize>) {
        let required = self.params.iter().filter(|p| !p.has_default).count();
        let max = (!self.variadic).then_some(self.params.len());
        (required, max)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSpec {
    pub(super) name: Option<String>,
    pub(super) language: Option<String>,
    pub(super) description: Option<String>,
    pub(super) kind: Option<String>,
    #[serde(default)]
    pub(super) signatures: Vec<String>,
    #[serde(default)]
    pub(super) examples: Vec<RawExample>,
    pub(super) test_file: Option<RawTestFile>,
    #[serde(default)]
    pub(super) constraints: Constraints,
    pub(super) implementation: Option<Implementation>,
    /// Read by `crate::compliance::Contract::from_spec` (with line numbers).
    #[serde(default)]
    #[allow(dead_code)]
    pub(super) telemetry: Option<toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawExample {
    pub(super) call: Option<String>,
    #[serde(default)]
    pub(super) args: Vec<toml::Value>,
    pub(super) expected: Option<toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTestFile {
    pub(super) path: Option<String>,
    pub(super) contents: Option<String>,
    /// A file next to the spec to read the contents from.
    pub(super) source: Option<String>,
}
