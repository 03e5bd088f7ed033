//! The spec: what a generated program must do, as TOML (`docs/generate.md`).
//!
//! A spec names the program, its language and its functions (signatures in the target
//! language); its examples (`args` → `expected`, TOML values) become tests in that language,
//! protected from repair, so "passing" means "does what the spec says". An optional
//! `[implementation]` gives the function bodies the template generator renders.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::generate::GenerateError;
use crate::program::Program;
use crate::types::{CodeError, ErrorType, Location, TargetLanguage};

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
    pub telemetry: Option<crate::compliance::Contract>,
    /// The parsed signatures, in order.
    #[serde(skip)]
    functions: Vec<FunctionSig>,
    /// Where the spec came from (for messages).
    #[serde(skip)]
    origin: String,
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
    fn arity(&self) -> (usize, Option<usize>) {
        let required = self.params.iter().filter(|p| !p.has_default).count();
        let max = (!self.variadic).then_some(self.params.len());
        (required, max)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpec {
    name: Option<String>,
    language: Option<String>,
    description: Option<String>,
    kind: Option<String>,
    #[serde(default)]
    signatures: Vec<String>,
    #[serde(default)]
    examples: Vec<RawExample>,
    test_file: Option<RawTestFile>,
    #[serde(default)]
    constraints: Constraints,
    implementation: Option<Implementation>,
    /// Read by `crate::compliance::Contract::from_spec` (with line numbers).
    #[serde(default)]
    #[allow(dead_code)]
    telemetry: Option<toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExample {
    call: Option<String>,
    #[serde(default)]
    args: Vec<toml::Value>,
    expected: Option<toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTestFile {
    path: Option<String>,
    contents: Option<String>,
    /// A file next to the spec to read the contents from.
    source: Option<String>,
}

impl Spec {
    /// Reads and validates a spec file.
    pub fn load(path: &Path) -> Result<Spec, SpecError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| SpecError {
            file: origin.clone(),
            message: format!("cannot read the spec: {e}"),
        })?;
        Spec::parse_with_base(&text, &origin, path.parent())
    }

    /// Parses and validates spec text; `origin` names it in errors. A `test_file.source`
    /// cannot be read without a directory: use [`Spec::load`] for those.
    pub fn parse(text: &str, origin: &str) -> Result<Spec, SpecError> {
        Spec::parse_with_base(text, origin, None)
    }

    fn parse_with_base(text: &str, origin: &str, base: Option<&Path>) -> Result<Spec, SpecError> {
        let err = |message: String| SpecError {
            file: origin.to_string(),
            message,
        };
        let raw: RawSpec = toml::from_str(text).map_err(|e| err(toml_message(&e, text)))?;

        let name = raw
            .name
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
            .ok_or_else(|| err("missing `name`; add e.g. `name = \"word_count\"`".into()))?;
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            || !name.starts_with(|c: char| c.is_ascii_alphabetic())
        {
            return Err(err(format!(
                "`name = {name:?}` must start with a letter and hold only letters, digits, `_` and `-`"
            )));
        }
        let language = match raw.language.as_deref() {
            None => {
                return Err(err(
                    "missing `language`; add one of `rust`, `python`, `javascript`, `go`".into(),
                ))
            }
            Some(l) => parse_language(l).ok_or_else(|| {
                err(format!(
                    "unknown `language = {l:?}`; use one of `rust`, `python`, `javascript`, `go`"
                ))
            })?,
        };
        let description = raw.description.unwrap_or_default().trim().to_string();
        if description.is_empty() {
            return Err(err(
                "missing `description`; say in prose what the program does".into(),
            ));
        }
        let kind = raw.kind.unwrap_or_else(|| "function".into());
        if kind.trim().is_empty() || kind.contains(char::is_whitespace) {
            return Err(err(format!(
                "`kind = {kind:?}` must be one word, e.g. `function`"
            )));
        }

        let mut functions = Vec::new();
        for (i, text) in raw.signatures.iter().enumerate() {
            let sig = parse_signature(language, text).map_err(|why| {
                err(format!(
                    "signatures[{i}] `{text}` is not a {language} function signature: {why}"
                ))
            })?;
            if functions.iter().any(|f: &FunctionSig| f.name == sig.name) {
                return Err(err(format!(
                    "signatures[{i}]: function `{}` is declared twice; keep one",
                    sig.name
                )));
            }
            functions.push(sig);
        }

        let mut examples = Vec::new();
        for (i, ex) in raw.examples.into_iter().enumerate() {
            let n = i + 1;
            let expected = ex.expected.ok_or_else(|| {
                err(format!(
                    "example {n} has no `expected`; add the value the call returns"
                ))
            })?;
            let call = match (ex.call, functions.as_slice()) {
                (Some(call), _) => call,
                (None, [only]) => only.name.clone(),
                (None, []) => {
                    return Err(err(format!(
                        "example {n} needs a function to call: add `signatures = [...]` to the spec"
                    )))
                }
                (None, _) => {
                    return Err(err(format!(
                        "example {n} has no `call` and the spec has {} functions; add `call = \"NAME\"`",
                        functions.len()
                    )))
                }
            };
            let Some(sig) = functions.iter().find(|f| f.name == call) else {
                return Err(err(format!(
                    "example {n} calls `{call}`, which no signature declares; add its signature or fix the name"
                )));
            };
            let (min, max) = sig.arity();
            let got = ex.args.len();
            if got < min || max.is_some_and(|max| got > max) {
                let want = match max {
                    Some(max) if max == min => format!("{min}"),
                    Some(max) => format!("{min} to {max}"),
                    None => format!("at least {min}"),
                };
                return Err(err(format!(
                    "example {n} gives {got} argument{} but `{}` takes {want}; fix `args` or the signature",
                    if got == 1 { "" } else { "s" },
                    sig.text
                )));
            }
            let example = Example {
                call,
                args: ex.args,
                expected,
            };
            // Render now so an unrepresentable value is reported here, not in a template.
            render_example_call(language, sig, &example)
                .map_err(|why| err(format!("example {n}: {why}")))?;
            examples.push(example);
        }

        let test_file = match raw.test_file {
            None => None,
            Some(t) => Some(resolve_test_file(language, t, base).map_err(err)?),
        };
        if examples.is_empty() && test_file.is_none() {
            return Err(err(
                "the spec has no `[[examples]]` and no `[test_file]`, so nothing could show the program works; add at least one example".into(),
            ));
        }

        if let Some(imp) = &raw.implementation {
            for f in &functions {
                if !imp.bodies.contains_key(&f.name) {
                    return Err(err(format!(
                        "[implementation.bodies] has no body for `{}`; add `{} = \"...\"`",
                        f.name, f.name
                    )));
                }
            }
            if let Some(extra) = imp
                .bodies
                .keys()
                .find(|b| !functions.iter().any(|f| &&f.name == b))
            {
                return Err(err(format!(
                    "[implementation.bodies] has a body for `{extra}`, which no signature declares; add its signature or remove the body"
                )));
            }
            for line in &imp.imports {
                if let Some(dep) = third_party_import(language, line) {
                    if !raw
                        .constraints
                        .allowed_dependencies
                        .iter()
                        .any(|a| a == &dep)
                    {
                        return Err(err(format!(
                            "[implementation] imports `{dep}` (`{}`), which is not allowed; add it to `[constraints] allowed_dependencies` or use the standard library",
                            line.trim()
                        )));
                    }
                }
            }
        }

        let telemetry = crate::compliance::Contract::from_spec(origin, text, |path| match base {
            Some(base) => crate::compliance::registry_files_on_disk(base, path),
            None => Err(
                "a registry is read relative to the spec's directory: load the spec \
                         from a file"
                    .into(),
            ),
        })
        .map_err(|e| match e {
            crate::compliance::ComplianceError::Contract { line, message, .. } => {
                err(format!("line {line}: [telemetry]: {message}"))
            }
            other => err(format!("[telemetry]: {other}")),
        })?;

        Ok(Spec {
            name,
            language,
            description,
            kind,
            signatures: functions.iter().map(|f| f.text.clone()).collect(),
            examples,
            test_file,
            constraints: raw.constraints,
            implementation: raw.implementation,
            telemetry,
            functions,
            origin: origin.to_string(),
        })
    }

    /// The parsed signatures, in the spec's order.
    pub fn functions(&self) -> &[FunctionSig] {
        &self.functions
    }

    /// Where the spec came from.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The file the implementation goes into.
    pub fn source_file(&self) -> &'static str {
        source_file(self.language)
    }

    /// The examples as `call → expected` lines in the target language, for prompts.
    pub fn examples_text(&self) -> String {
        let mut out = String::new();
        for ex in &self.examples {
            let Some(sig) = self.functions.iter().find(|f| f.name == ex.call) else {
                continue;
            };
            if let Ok((call, expected)) = render_example_call(self.language, sig, ex) {
                out.push_str(&format!("{call} → {expected}\n"));
            }
        }
        out
    }

    /// The test files the spec implies (examples rendered as tests, plus the test file), as
    /// (path, contents); the program marks them protected.
    pub fn test_program_files(&self) -> Vec<(String, String)> {
        let mut files = Vec::new();
        let examples = if self.examples.is_empty() {
            None
        } else {
            Some(render_tests(self))
        };
        match (self.language, examples, &self.test_file) {
            // Rust's tests are one module (`tests.rs`): the hand-written tests join it.
            (TargetLanguage::Rust, ex, Some(t)) => {
                let mut text = ex.unwrap_or_else(|| "use super::*;\n".to_string());
                text.push('\n');
                text.push_str(&t.contents);
                if !text.ends_with('\n') {
                    text.push('\n');
                }
                files.push((t.path.clone(), text));
            }
            (_, ex, t) => {
                if let Some(ex) = ex {
                    files.push((test_file_name(self.language).to_string(), ex));
                }
                if let Some(t) = t {
                    files.push((t.path.clone(), t.contents.clone()));
                }
            }
        }
        files
    }

    /// Imports in `program`'s own (unprotected) source files of third-party packages the
    /// constraints do not allow, one error each, located at the import.
    pub fn dependency_violations(&self, program: &Program) -> Vec<CodeError> {
        let mut errors = Vec::new();
        for (path, text) in &program.files {
            let ext = path.rsplit('.').next().unwrap_or("");
            if program.protected.contains(path)
                || TargetLanguage::from_extension(ext) != Some(self.language)
            {
                continue;
            }
            for (i, line) in import_lines(self.language, text) {
                let Some(dep) = third_party_import(self.language, line) else {
                    continue;
                };
                if self.constraints.allowed_dependencies.contains(&dep) {
                    continue;
                }
                let allowed = if self.constraints.allowed_dependencies.is_empty() {
                    "none besides the standard library".to_string()
                } else {
                    self.constraints.allowed_dependencies.join(", ")
                };
                let mut e = CodeError::new(
                    ErrorType::CompilerError("constraint".into()),
                    format!(
                        "`{dep}` is not an allowed dependency (allowed: {allowed}); use the standard library instead"
                    ),
                )
                .with_code("disallowed-dependency")
                .with_location(Location::new(path.clone(), i as u32 + 1, 1));
                e.step = "constraints".into();
                errors.push(e);
            }
        }
        errors
    }

    /// A program from the implementation's source text and the spec's tests (protected).
    /// Adds what the tests need when the source lacks it: Rust's `mod tests;`, JavaScript's
    /// `module.exports`, Go's `func main`.
    pub fn assemble(&self, source: &str) -> Result<Program, GenerateError> {
        let mut source = source.to_string();
        if !source.ends_with('\n') {
            source.push('\n');
        }
        match self.language {
            TargetLanguage::Rust => {
                if !source.contains("mod tests") {
                    source.push_str("\n#[cfg(test)]\nmod tests;\n");
                }
            }
            TargetLanguage::JavaScript => {
                if !source.contains("module.exports") && !self.functions.is_empty() {
                    let names: Vec<&str> = self.functions.iter().map(|f| f.name.as_str()).collect();
                    source.push_str(&format!("\nmodule.exports = {{ {} }};\n", names.join(", ")));
                }
            }
            TargetLanguage::Go => {
                if source.contains("package main") && !source.contains("func main(") {
                    source.push_str("\nfunc main() {}\n");
                }
            }
            TargetLanguage::Python => {}
        }
        let tests = self.test_program_files();
        let protected: Vec<String> = tests.iter().map(|(p, _)| p.clone()).collect();
        let mut files = vec![(self.source_file().to_string(), source)];
        files.extend(tests);
        Program::new(self.language, files)
            .and_then(|p| p.with_protected(protected))
            .and_then(|p| self.with_contract(p))
            .map_err(|e| GenerateError::Other(format!("cannot assemble the program: {e}")))
    }

    /// `program` with the spec's telemetry contract beside it, if it has one.
    pub fn with_contract(&self, program: Program) -> Result<Program, crate::program::ProgramError> {
        match &self.telemetry {
            Some(contract) => crate::compliance::with_contract(program, contract),
            None => Ok(program),
        }
    }
}

/// The file a language's implementation goes into.
pub fn source_file(language: TargetLanguage) -> &'static str {
    match language {
        TargetLanguage::Rust => "lib.rs",
        TargetLanguage::Python => "main.py",
        TargetLanguage::JavaScript => "main.js",
        TargetLanguage::Go => "main.go",
    }
}

/// The file the examples' tests go into (each matches the toolchain's test globs).
pub fn test_file_name(language: TargetLanguage) -> &'static str {
    match language {
        TargetLanguage::Rust => "tests.rs",
        TargetLanguage::Python => "test_main.py",
        TargetLanguage::JavaScript => "main.test.js",
        TargetLanguage::Go => "main_test.go",
    }
}

fn parse_language(s: &str) -> Option<TargetLanguage> {
    match s.trim().to_ascii_lowercase().as_str() {
        "rust" | "rs" => Some(TargetLanguage::Rust),
        "python" | "py" => Some(TargetLanguage::Python),
        "javascript" | "js" | "node" => Some(TargetLanguage::JavaScript),
        "go" | "golang" => Some(TargetLanguage::Go),
        _ => None,
    }
}

/// toml's message, with the fix for the usual mistake spelled out.
fn toml_message(e: &toml::de::Error, text: &str) -> String {
    let msg = e.message().trim().to_string();
    let at = e
        .span()
        .map(|s| {
            let before = text.get(..s.start).unwrap_or(text);
            let line = before.matches('\n').count() + 1;
            format!("line {line}: ")
        })
        .unwrap_or_default();
    if msg.starts_with("unknown field") {
        format!("{at}{msg}; remove it or fix its spelling")
    } else {
        format!("{at}{msg}")
    }
}

fn resolve_test_file(
    language: TargetLanguage,
    raw: RawTestFile,
    base: Option<&Path>,
) -> Result<TestFile, String> {
    let contents = match (raw.contents, raw.source) {
        (Some(_), Some(_)) => {
            return Err("[test_file] has both `contents` and `source`; keep one".into())
        }
        (Some(c), None) => c,
        (None, Some(src)) => {
            let Some(base) = base else {
                return Err(format!(
                    "[test_file] source = {src:?} needs the spec's directory; load the spec from a file"
                ));
            };
            let path = base.join(&src);
            std::fs::read_to_string(&path)
                .map_err(|e| format!("[test_file] cannot read source {}: {e}", path.display()))?
        }
        (None, None) => {
            return Err(
                "[test_file] needs `contents = \"\"\"...\"\"\"` or `source = \"FILE\"`".into(),
            )
        }
    };
    if contents.trim().is_empty() {
        return Err("[test_file] is empty; give it tests or remove it".into());
    }
    let default = match language {
        TargetLanguage::Rust => "tests.rs",
        TargetLanguage::Python => "test_spec.py",
        TargetLanguage::JavaScript => "spec.test.js",
        TargetLanguage::Go => "spec_test.go",
    };
    let path = raw.path.unwrap_or_else(|| default.to_string());
    let ok = match language {
        TargetLanguage::Rust => path == "tests.rs",
        TargetLanguage::Python => {
            let file = path.rsplit('/').next().unwrap_or(&path);
            file.ends_with(".py") && (file.starts_with("test_") || file.ends_with("_test.py"))
        }
        TargetLanguage::JavaScript => path.ends_with(".test.js") || path.ends_with(".spec.js"),
        TargetLanguage::Go => !path.contains('/') && path.ends_with("_test.go"),
    };
    if !ok {
        let want = match language {
            TargetLanguage::Rust => "`tests.rs` (its tests join the example tests' module)",
            TargetLanguage::Python => "`test_*.py` or `*_test.py`",
            TargetLanguage::JavaScript => "`*.test.js` or `*.spec.js`",
            TargetLanguage::Go => "`*_test.go` in the top directory",
        };
        return Err(format!(
            "[test_file] path = {path:?} is not a {language} test file; name it {want}"
        ));
    }
    if language != TargetLanguage::Rust
        && (path == test_file_name(language) || path == source_file(language))
    {
        return Err(format!(
            "[test_file] path = {path:?} is a file selfheal generates; choose another name"
        ));
    }
    Ok(TestFile { path, contents })
}

// ---- Imports and dependencies ----

/// The (0-based index, line) pairs of `text` that are imports: for Go only the lines of import
/// declarations, elsewhere any line [`third_party_import`] understands.
fn import_lines(language: TargetLanguage, text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut in_block = false;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if language != TargetLanguage::Go {
            out.push((i, line));
            continue;
        }
        if in_block {
            if t.starts_with(')') {
                in_block = false;
            } else {
                out.push((i, line));
            }
        } else if t == "import (" || t.starts_with("import (") {
            in_block = true;
        } else if t.starts_with("import ") {
            out.push((i, line));
        }
    }
    out
}

/// The third-party package an import line uses, `None` for the standard library (or a line
/// that is not an import).
pub fn third_party_import(language: TargetLanguage, line: &str) -> Option<String> {
    let line = line.trim();
    match language {
        TargetLanguage::Rust => {
            let rest = line
                .strip_prefix("pub use ")
                .or_else(|| line.strip_prefix("use "))
                .or_else(|| line.strip_prefix("extern crate "))?;
            let root = rest
                .trim_start_matches("::")
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .next()?;
            (!["std", "core", "alloc", "crate", "self", "super"].contains(&root))
                .then(|| root.to_string())
        }
        TargetLanguage::Python => {
            let module = if let Some(rest) = line.strip_prefix("import ") {
                rest.split([',', ' ']).next()?
            } else {
                line.strip_prefix("from ")?.split_whitespace().next()?
            };
            let root = module.split('.').next()?;
            (!root.is_empty() && !in_table(PYTHON_STDLIB, root)).then(|| root.to_string())
        }
        TargetLanguage::JavaScript => {
            let start = line
                .find("require(")
                .map(|i| i + "require(".len())
                .or_else(|| line.find(" from ").map(|i| i + " from ".len()))?;
            let quoted = line[start..].trim_start();
            let q = quoted.chars().next().filter(|c| "'\"`".contains(*c))?;
            let name = quoted[1..].split(q).next()?;
            if name.starts_with('.') || name.starts_with('/') || name.starts_with("node:") {
                return None;
            }
            let root = if name.starts_with('@') {
                name.splitn(3, '/').take(2).collect::<Vec<_>>().join("/")
            } else {
                name.split('/').next()?.to_string()
            };
            (!in_table(NODE_BUILTINS, &root)).then_some(root)
        }
        TargetLanguage::Go => {
            let path = line.split('"').nth(1)?;
            // Standard packages have no dot in their first element.
            path.split('/')
                .next()
                .filter(|first| first.contains('.'))
                .map(|_| path.to_string())
        }
    }
}

/// Whether `name` is a row of one of the tables generated from the toolchains (`src/lang/tables`).
fn in_table(table: &'static str, name: &str) -> bool {
    table
        .lines()
        .filter(|l| !l.starts_with('#'))
        .any(|l| l.trim() == name)
}

const NODE_BUILTINS: &str = include_str!("../lang/tables/javascript_node_builtins.txt");
const PYTHON_STDLIB: &str = include_str!("../lang/tables/python_stdlib.txt");

// ---- Signatures ----

/// Parses one function signature of `language`.
pub fn parse_signature(language: TargetLanguage, text: &str) -> Result<FunctionSig, String> {
    let text = text
        .trim()
        .trim_end_matches('{')
        .trim_end()
        .trim_end_matches(';')
        .trim_end()
        .to_string();
    let text = if language == TargetLanguage::Python {
        text.trim_end_matches(':').trim_end().to_string()
    } else {
        text
    };
    let (name, params_text, rest) = match language {
        TargetLanguage::Rust => {
            let mut s = text.as_str();
            for prefix in ["pub(crate) ", "pub ", "const ", "async ", "unsafe "] {
                s = s.strip_prefix(prefix).unwrap_or(s).trim_start();
            }
            let s = s
                .strip_prefix("fn ")
                .ok_or("it should start with `fn NAME(` (or `pub fn`)")?;
            let (name, after) = split_name(s)?;
            let after = if after.starts_with('<') {
                let end = matching(after, '<', '>').ok_or("unbalanced `<` in the generics")?;
                &after[end + 1..]
            } else {
                after
            };
            let (params, rest) = paren_group(after)?;
            (name, params, rest)
        }
        TargetLanguage::Python => {
            let s = text.strip_prefix("async ").unwrap_or(&text);
            let s = s
                .strip_prefix("def ")
                .ok_or("it should start with `def NAME(`")?;
            let (name, after) = split_name(s)?;
            let (params, rest) = paren_group(after)?;
            (name, params, rest)
        }
        TargetLanguage::JavaScript => {
            let s = text.strip_prefix("export ").unwrap_or(&text);
            let s = s.strip_prefix("async ").unwrap_or(s);
            let s = s.strip_prefix("function ").unwrap_or(s).trim_start();
            let (name, after) = split_name(s)?;
            let (params, rest) = paren_group(after)?;
            (name, params, rest)
        }
        TargetLanguage::Go => {
            let s = text
                .strip_prefix("func ")
                .ok_or("it should start with `func Name(`")?;
            if s.trim_start().starts_with('(') {
                return Err("methods are not supported; declare a plain function".into());
            }
            let (name, after) = split_name(s)?;
            let (params, rest) = paren_group(after)?;
            (name, params, rest)
        }
    };
    let items: Vec<String> = split_top_level(params_text)
        .into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let mut params = Vec::new();
    let mut variadic = false;
    match language {
        TargetLanguage::Rust => {
            for item in items {
                if matches!(item.as_str(), "self" | "&self" | "&mut self" | "mut self") {
                    continue;
                }
                let (n, ty) = item
                    .split_once(':')
                    .ok_or_else(|| format!("parameter `{item}` has no type; write `name: Type`"))?;
                params.push(Param {
                    name: n.trim().trim_start_matches("mut ").trim().to_string(),
                    ty: Some(ty.trim().to_string()),
                    has_default: false,
                });
            }
        }
        TargetLanguage::Python => {
            for item in items {
                if item == "self" || item == "cls" || item == "/" || item == "*" {
                    continue;
                }
                if item.starts_with('*') {
                    variadic = true;
                    continue;
                }
                let (decl, default) = match item.split_once('=') {
                    Some((d, _)) => (d.trim(), true),
                    None => (item.as_str(), false),
                };
                let (n, ty) = match decl.split_once(':') {
                    Some((n, t)) => (n.trim(), Some(t.trim().to_string())),
                    None => (decl.trim(), None),
                };
                params.push(Param {
                    name: n.to_string(),
                    ty,
                    has_default: default,
                });
            }
        }
        TargetLanguage::JavaScript => {
            for item in items {
                if item.starts_with("...") {
                    variadic = true;
                    continue;
                }
                let (n, default) = match item.split_once('=') {
                    Some((n, _)) => (n.trim(), true),
                    None => (item.as_str(), false),
                };
                params.push(Param {
                    name: n.to_string(),
                    ty: None,
                    has_default: default,
                });
            }
        }
        TargetLanguage::Go => {
            // `a, b int, s string`: a name without a type takes the next type given.
            let named = items.iter().any(|i| i.contains(' '));
            let mut pending: Vec<String> = Vec::new();
            for item in items {
                let (n, ty) = if named {
                    match item.split_once(' ') {
                        Some((n, t)) => (Some(n.trim().to_string()), Some(t.trim().to_string())),
                        None => (Some(item.clone()), None),
                    }
                } else {
                    (None, Some(item.clone()))
                };
                match ty {
                    None => pending.push(n.unwrap_or_default()),
                    Some(ty) => {
                        let is_variadic = ty.starts_with("...");
                        let ty_clean = if is_variadic {
                            format!("[]{}", &ty[3..])
                        } else {
                            ty
                        };
                        for p in pending.drain(..) {
                            params.push(Param {
                                name: p,
                                ty: Some(ty_clean.clone()),
                                has_default: false,
                            });
                        }
                        if is_variadic {
                            variadic = true;
                        } else {
                            params.push(Param {
                                name: n.unwrap_or_else(|| format!("p{}", params.len())),
                                ty: Some(ty_clean),
                                has_default: false,
                            });
                        }
                    }
                }
            }
            if !pending.is_empty() {
                return Err(format!("parameter `{}` has no type", pending.join(", ")));
            }
        }
    }
    let rest = rest.trim();
    let returns = match language {
        TargetLanguage::Rust | TargetLanguage::Python => {
            let r = rest.strip_prefix("->").map(str::trim);
            let r = r.map(|r| r.split(" where ").next().unwrap_or(r).trim());
            if r.is_none() && !rest.is_empty() && !rest.starts_with("where") {
                return Err(format!("unexpected `{rest}` after the parameters"));
            }
            r.filter(|r| !r.is_empty()).map(str::to_string)
        }
        TargetLanguage::JavaScript => {
            if !rest.is_empty() {
                return Err(format!("unexpected `{rest}` after the parameters"));
            }
            None
        }
        TargetLanguage::Go => (!rest.is_empty()).then(|| rest.to_string()),
    };
    for p in &params {
        if p.name.is_empty() || !p.name.chars().all(|c| c.is_alphanumeric() || c == '_') {
            return Err(format!("`{}` is not a parameter name", p.name));
        }
    }
    Ok(FunctionSig {
        name,
        params,
        returns,
        variadic,
        text,
    })
}

fn split_name(s: &str) -> Result<(String, &str), String> {
    let s = s.trim_start();
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
        .unwrap_or(s.len());
    if end == 0 || s.starts_with(|c: char| c.is_ascii_digit()) {
        return Err("the function has no name".into());
    }
    Ok((s[..end].to_string(), s[end..].trim_start()))
}

/// `(a, b) -> T` → (`a, b`, `-> T`).
fn paren_group(s: &str) -> Result<(&str, &str), String> {
    if !s.starts_with('(') {
        return Err("expected `(` after the name".into());
    }
    let end = matching(s, '(', ')').ok_or("unbalanced parentheses")?;
    Ok((&s[1..end], &s[end + 1..]))
}

/// The index of the bracket closing the one `s` starts with.
fn matching(s: &str, open: char, close: char) -> Option<usize> {
    let mut depth = 0usize;
    let mut prev = ' ';
    for (i, c) in s.char_indices() {
        if c == open {
            depth += 1;
        } else if c == close && !(close == '>' && prev == '-') {
            depth = depth.checked_sub(1)?;
            if depth == 0 {
                return Some(i);
            }
        }
        prev = c;
    }
    None
}

/// Splits on commas outside brackets (`HashMap<K, V>`, `dict[str, int]`, `(a, b)`).
fn split_top_level(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    let mut prev = ' ';
    for (i, c) in s.char_indices() {
        match c {
            '(' | '[' | '{' | '<' => depth += 1,
            '>' if prev == '-' => {}
            ')' | ']' | '}' | '>' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        prev = c;
    }
    out.push(&s[start..]);
    out
}

// ---- Literals and tests ----

/// A TOML value as a literal of `language`; `ty` (the declared type, when there is one)
/// picks the form where the language needs it (`vec![]` vs `&[]`, `[]int{}`, `String`).
pub fn render_literal(
    language: TargetLanguage,
    value: &toml::Value,
    ty: Option<&str>,
) -> Result<String, String> {
    use toml::Value as V;
    let ty = ty.map(str::trim);
    Ok(match (language, value) {
        (_, V::Datetime(_)) => return Err("dates are not supported in examples".into()),
        (TargetLanguage::Python, V::Boolean(b)) => if *b { "True" } else { "False" }.into(),
        (_, V::Boolean(b)) => b.to_string(),
        (TargetLanguage::Rust, V::Integer(i)) if ty.is_some_and(is_float_type) => format!("{i}.0"),
        (TargetLanguage::Rust, V::Integer(i))
            if ty.is_some_and(|t| t.contains("String") || t.contains("str")) =>
        {
            return Err(format!(
                "the integer {i} does not fit the type `{}`",
                ty.unwrap_or_default()
            ))
        }
        (_, V::Integer(i)) => i.to_string(),
        (_, V::Float(f)) => {
            if !f.is_finite() {
                return Err(format!("{f} has no literal; use a finite number"));
            }
            let s = format!("{f:?}");
            if language == TargetLanguage::Rust
                && ty.is_some_and(|t| !is_float_type(t) && !t.contains('[') && !t.contains('<'))
            {
                return Err(format!(
                    "the float {s} does not fit the type `{}`",
                    ty.unwrap_or_default()
                ));
            }
            s
        }
        (TargetLanguage::Rust, V::String(s)) => match ty {
            Some("String") => format!("String::from({s:?})"),
            Some("char") => {
                let mut chars = s.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => format!("{c:?}"),
                    _ => return Err(format!("{s:?} is not one `char`")),
                }
            }
            _ => format!("{s:?}"),
        },
        (TargetLanguage::Go, V::String(s)) if ty == Some("rune") => {
            let mut chars = s.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => format!("'{}'", c.escape_default()),
                _ => return Err(format!("{s:?} is not one `rune`")),
            }
        }
        // JSON string syntax is valid Python, JavaScript and Go.
        (_, V::String(s)) => serde_json::to_string(s).map_err(|e| e.to_string())?,
        (TargetLanguage::Python | TargetLanguage::JavaScript, V::Array(items)) => {
            let inner: Result<Vec<_>, _> = items
                .iter()
                .map(|v| render_literal(language, v, None))
                .collect();
            format!("[{}]", inner?.join(", "))
        }
        (TargetLanguage::Rust, V::Array(items)) => {
            let (open, elem, close) = match ty {
                Some(t) if t.starts_with("&[") || t.starts_with("&mut [") => {
                    let inner = t.trim_start_matches("&mut ").trim_start_matches('&');
                    ("&[", slice_elem(inner), "]")
                }
                Some(t) if t.starts_with('[') => ("[", slice_elem(t), "]"),
                Some(t) if t.starts_with("&Vec<") => ("&vec![", generic_arg(&t[1..]), "]"),
                Some(t) if t.starts_with("Vec<") => ("vec![", generic_arg(t), "]"),
                Some(t) if t.starts_with("impl ") || t.starts_with("&impl") => ("vec![", None, "]"),
                Some(t) => return Err(format!("an array does not fit the type `{t}`")),
                None => ("vec![", None, "]"),
            };
            let inner: Result<Vec<_>, _> = items
                .iter()
                .map(|v| render_literal(language, v, elem.as_deref()))
                .collect();
            format!("{open}{}{close}", inner?.join(", "))
        }
        (TargetLanguage::Go, V::Array(items)) => {
            let t = ty.ok_or("an array needs a declared type in Go (e.g. `xs []int`)")?;
            let elem = t
                .strip_prefix("[]")
                .ok_or_else(|| format!("an array does not fit the type `{t}`; use a slice type"))?;
            let inner: Result<Vec<_>, _> = items
                .iter()
                .map(|v| {
                    // Go lets composite elements drop their type: `[][]int{{1}, {2}}`.
                    render_literal(language, v, Some(elem))
                        .map(|s| s.strip_prefix(elem).map(str::to_string).unwrap_or(s))
                })
                .collect();
            format!("{t}{{{}}}", inner?.join(", "))
        }
        (TargetLanguage::Python | TargetLanguage::JavaScript, V::Table(table)) => {
            let mut parts = Vec::new();
            for (k, v) in table {
                let key = serde_json::to_string(k).map_err(|e| e.to_string())?;
                parts.push(format!("{key}: {}", render_literal(language, v, None)?));
            }
            format!("{{{}}}", parts.join(", "))
        }
        (_, V::Table(_)) => {
            return Err(format!(
                "tables are not supported in {language} examples; use arrays or scalars"
            ))
        }
    })
}

fn is_float_type(t: &str) -> bool {
    matches!(t, "f64" | "f32" | "float64" | "float32" | "float")
}

/// `[T]` / `[T; N]` → `T`.
fn slice_elem(t: &str) -> Option<String> {
    let inner = t.strip_prefix('[')?.strip_suffix(']')?;
    Some(inner.split(';').next().unwrap_or(inner).trim().to_string())
}

/// `Vec<T>` → `T`.
fn generic_arg(t: &str) -> Option<String> {
    let start = t.find('<')?;
    let inner = t[start + 1..].strip_suffix('>')?;
    Some(inner.trim().to_string())
}

/// (`add(1, 2)`, `3`) for an example.
fn render_example_call(
    language: TargetLanguage,
    sig: &FunctionSig,
    example: &Example,
) -> Result<(String, String), String> {
    let mut args = Vec::new();
    for (i, v) in example.args.iter().enumerate() {
        let ty = sig
            .params
            .get(i)
            .or(sig.params.last())
            .and_then(|p| p.ty.as_deref());
        let ty = if sig.variadic && i >= sig.params.len() {
            None
        } else {
            ty
        };
        args.push(
            render_literal(language, v, ty)
                .map_err(|why| format!("argument {} (`{v}`): {why}", i + 1))?,
        );
    }
    let ret = sig.returns.as_deref();
    if language == TargetLanguage::Go && ret.is_some_and(|r| r.starts_with('(')) {
        return Err(format!(
            "`{}` returns several values, which examples cannot compare; return one value",
            sig.text
        ));
    }
    let expected = render_literal(language, &example.expected, ret)
        .map_err(|why| format!("expected (`{}`): {why}", example.expected))?;
    Ok((format!("{}({})", sig.name, args.join(", ")), expected))
}

/// The examples as a test file in the spec's language.
fn render_tests(spec: &Spec) -> String {
    let mut cases = Vec::new();
    for (i, ex) in spec.examples.iter().enumerate() {
        let Some(sig) = spec.functions.iter().find(|f| f.name == ex.call) else {
            continue;
        };
        // Validated at parse time; an error here cannot happen for a parsed spec.
        let Ok((call, expected)) = render_example_call(spec.language, sig, ex) else {
            continue;
        };
        let float = matches!(ex.expected, toml::Value::Float(_));
        let slice = matches!(ex.expected, toml::Value::Array(_) | toml::Value::Table(_));
        cases.push((i + 1, call, expected, float, slice));
    }
    let names: Vec<&str> = spec.functions.iter().map(|f| f.name.as_str()).collect();
    let mut out = String::new();
    match spec.language {
        TargetLanguage::Rust => {
            out.push_str("use super::*;\n");
            for (n, call, expected, float, _) in &cases {
                out.push_str(&format!("\n#[test]\nfn example_{n}() {{\n"));
                if *float {
                    out.push_str(&format!(
                        "    let got = {call};\n    assert!((got - {expected}).abs() < 1e-9, \"{} = {{got}}, want {}\");\n",
                        rust_escape(call),
                        rust_escape(expected)
                    ));
                } else {
                    out.push_str(&format!("    assert_eq!({call}, {expected});\n"));
                }
                out.push_str("}\n");
            }
        }
        TargetLanguage::Python => {
            out.push_str("import unittest\n\n");
            out.push_str(&format!("from main import {}\n\n\n", names.join(", ")));
            out.push_str("class ExamplesTest(unittest.TestCase):\n");
            for (n, call, expected, float, _) in &cases {
                let assert = if *float {
                    "assertAlmostEqual"
                } else {
                    "assertEqual"
                };
                out.push_str(&format!(
                    "    def test_example_{n}(self):\n        self.{assert}({call}, {expected})\n\n"
                ));
            }
            out.push_str("\nif __name__ == \"__main__\":\n    unittest.main()\n");
        }
        TargetLanguage::JavaScript => {
            out.push_str("const assert = require('assert');\n");
            out.push_str(&format!(
                "const {{ {} }} = require('./main.js');\n\n",
                names.join(", ")
            ));
            for (n, call, expected, float, _) in &cases {
                let label = serde_json::to_string(&format!("example {n}: {call}"))
                    .unwrap_or_else(|_| "\"example\"".into());
                if *float {
                    out.push_str(&format!(
                        "{{\n  const got = {call};\n  assert.ok(Math.abs(got - {expected}) < 1e-9, {label} + ' = ' + got + ', want {expected}');\n}}\n"
                    ));
                } else {
                    out.push_str(&format!(
                        "assert.deepStrictEqual({call}, {expected}, {label});\n"
                    ));
                }
            }
        }
        TargetLanguage::Go => {
            let mut imports = vec!["\"testing\""];
            if cases.iter().any(|c| c.3) {
                imports.insert(0, "\"math\"");
            }
            if cases.iter().any(|c| c.4) {
                imports.insert(0, "\"reflect\"");
            }
            out.push_str("package main\n\nimport (\n");
            for i in imports {
                out.push_str(&format!("\t{i}\n"));
            }
            out.push_str(")\n");
            for (n, call, expected, float, slice) in &cases {
                let quoted = serde_json::to_string(call).unwrap_or_default();
                let cond = if *float {
                    format!("math.Abs(got-{expected}) > 1e-9")
                } else if *slice {
                    format!("!reflect.DeepEqual(got, {expected})")
                } else {
                    format!("got != {expected}")
                };
                out.push_str(&format!(
                    "\nfunc TestExample{n}(t *testing.T) {{\n\tgot := {call}\n\tif {cond} {{\n\t\tt.Errorf(\"%s = %v, want %v\", {quoted}, got, {expected})\n\t}}\n}}\n"
                ));
            }
        }
    }
    out
}

fn rust_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('{', "{{")
        .replace('}', "}}")
}
