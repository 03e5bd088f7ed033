//! Toolchain files: the schema, loading and validation.
//!
//! A toolchain file (`toolchains/<language>.toml`) says everything selfheal needs to check, test
//! and run a program of one language. Everything is validated at load, with the file, line and
//! field in the message, so that a file that loads can only fail later for reasons that belong
//! to the machine (a missing binary) or to the program (no entry point).
//!
//! # Schema
//!
//! ```toml
//! language = "rust"                  # rust | python | javascript | go
//! install = "…"                      # optional: how to install the whole toolchain
//!
//! [files]
//! sources = ["**/*.rs"]              # globs relative to the program root
//! tests = ["**/tests.rs"]            # test files; never part of {sources}
//! test_marker = "#[test]"            # optional: a source containing it also counts as tests
//! roots = [                          # entry candidates, first present wins:
//!   { path = "lib.rs", crate_type = "lib", steps = ["check", "test"] },   # {crate_root}/{entry},
//!   { path = "main.rs", crate_type = "bin" },                             # {crate_type}
//! ]
//! single_source_root = false         # if no root is present, use the only non-test source
//! single_source_crate_type = { marker = "fn main", present = "bin", absent = "lib" }
//!                                    # {crate_type} of that single source, by a marker in its text
//!
//! [binaries.rustc]                   # {bin:rustc}
//! candidates = ["rustc"]             # names searched in PATH order, or absolute paths
//! resolve = { args = ["--print", "sysroot"], path = "{output}/bin/rustc" }
//!                                    # optional: argv printing the real executable (sees through
//!                                    # shims such as rustup's or pyenv's); `path` defaults to
//!                                    # "{output}". The result is canonicalized either way.
//! version = ["-vV"]                  # version probe argv (output goes into the fingerprint)
//! probes = { sysroot = ["--print", "sysroot"] }   # {rustc.sysroot}: first output line
//! install = "…"                      # exact command that installs it
//!
//! [env]                              # the complete environment: nothing is inherited
//! PATH = "{rustc.dir}:/usr/bin:/bin"
//!
//! [mounts]                           # host paths mounted read-only at the same path
//! required = ["/usr", "{rustc.sysroot}"]      # missing: resolution fails
//! optional = ["/lib64"]                       # missing: dropped
//!
//! [limits]                           # partial override of sandbox::Limits::default()
//! wall_time = 30                     # seconds (wall_time, cpu_time)
//! memory_bytes = "2GiB"              # bytes, or a string with KiB/MiB/GiB
//!                                    # also: file_size_bytes, open_files, processes,
//!                                    #       output_bytes, tmp_bytes
//! [options]
//! edition = "2021"                   # default of the program option `edition`
//!
//! [dependencies.rust-crates]         # prebuilt crates ({extern_args}); see `deps.rs`
//! binary = "rustc"
//! crates = ["rand", "regex", "md5"]
//! manifest = '''…Cargo.toml…'''      # exact versions
//! lockfile = '''…Cargo.lock…'''      # optional; built with --locked
//! install = "selfheal setup"
//!
//! [dependencies.warm-cache]          # a build cache warmed on the host, overlaid per command
//! variable = "GOCACHE"               # [env] must set it to `target`
//! target = "/tmp/gocache"
//! files = { "main.go" = "…" }        # the fixed program that warms it
//! commands = [["{bin:go}", "build", "."]]
//! fingerprint_paths = ["/usr/share/gocode"]   # contents (names, sizes, mtimes) in the fingerprint
//! install = "…"
//!
//! [[check]]                          # also [[test]] and [[run]]: commands, in order
//! argv = ["{bin:rustc}", "{crate_root}"]
//! parser = "rustc-json"              # one of diagnostics::PARSERS
//! for_each = "sources"               # optional: once per file ("sources" | "tests"), as {file}
//! cwd = ""                           # relative to the work directory
//! requires = "tests"                 # optional: "tests" | "no-tests"
//! limits = { wall_time = 10 }        # optional, over the file's [limits]
//! ```
//!
//! Templates: `{bin:NAME}`, `{NAME.PROBE}`, `{NAME.dir}` (directory of the resolved binary),
//! `{NAME.path}`, `{file}`, `{sources}`, `{tests}`, `{crate_root}` (= `{entry}`), `{crate_type}`,
//! `{edition}`, `{extern_args}`, `{support}`, `{work}`. `{sources}`, `{tests}` and
//! `{extern_args}` expand to several arguments and must be whole arguments. Environment values
//! may use `{bin:…}`, probes, `{support}` and `{work}`; mounts and warm-cache commands only
//! binaries and probes. Program options reach commands only through `{edition}`.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use toml::Spanned;

use super::template::{Template, Var};
use super::{StepKind, ToolchainError};
use crate::diagnostics::PARSERS;
use crate::program::check_relative_path;
use crate::sandbox::Limits;
use crate::types::TargetLanguage;

/// Rust editions `{edition}` accepts.
pub const EDITIONS: &[&str] = &["2015", "2018", "2021", "2024"];

const DEFAULT_EDITION: &str = "2021";

/// Probe names every binary has without declaring them.
const BUILTIN_PROBES: &[&str] = &["dir", "path"];

const EMBEDDED: &[(&str, &str)] = &[
    (
        "toolchains/rust.toml",
        include_str!("../../toolchains/rust.toml"),
    ),
    (
        "toolchains/python.toml",
        include_str!("../../toolchains/python.toml"),
    ),
    (
        "toolchains/javascript.toml",
        include_str!("../../toolchains/javascript.toml"),
    ),
    (
        "toolchains/go.toml",
        include_str!("../../toolchains/go.toml"),
    ),
];

/// The toolchains selfheal knows, one per language.
#[derive(Debug, Clone)]
pub struct ToolchainSet {
    toolchains: BTreeMap<TargetLanguage, Toolchain>,
}

impl ToolchainSet {
    /// The toolchain files shipped in `toolchains/`, compiled into the binary.
    pub fn embedded() -> Result<ToolchainSet, ToolchainError> {
        let mut set = ToolchainSet {
            toolchains: BTreeMap::new(),
        };
        for (file, text) in EMBEDDED {
            set.insert(Toolchain::from_toml(file, text)?)?;
        }
        Ok(set)
    }

    /// Every `*.toml` file of a directory. A file that does not parse or validate is an error
    /// naming the file, line and field; two files for one language are an error too.
    pub fn load_dir(dir: &Path) -> Result<ToolchainSet, ToolchainError> {
        let io_err = |source| ToolchainError::Io {
            path: dir.to_path_buf(),
            source,
        };
        let mut paths = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(io_err)? {
            let path = entry.map_err(io_err)?.path();
            if path.extension().is_some_and(|e| e == "toml") && path.is_file() {
                paths.push(path);
            }
        }
        paths.sort();
        let mut set = ToolchainSet {
            toolchains: BTreeMap::new(),
        };
        for path in paths {
            let text = std::fs::read_to_string(&path).map_err(|source| ToolchainError::Io {
                path: path.clone(),
                source,
            })?;
            set.insert(Toolchain::from_toml(&path.display().to_string(), &text)?)?;
        }
        Ok(set)
    }

    fn insert(&mut self, toolchain: Toolchain) -> Result<(), ToolchainError> {
        if let Some(previous) = self.toolchains.get(&toolchain.language) {
            return Err(ToolchainError::Invalid {
                file: toolchain.file.clone(),
                message: format!(
                    "`language = \"{}\"` is already defined by {}; keep one file per language",
                    toolchain.language, previous.file
                ),
            });
        }
        self.toolchains.insert(toolchain.language, toolchain);
        Ok(())
    }

    /// The toolchain of a language.
    pub fn get(&self, language: TargetLanguage) -> Result<&Toolchain, ToolchainError> {
        self.toolchains
            .get(&language)
            .ok_or(ToolchainError::NoToolchain(language))
    }

    /// All toolchains, in language order.
    pub fn iter(&self) -> impl Iterator<Item = &Toolchain> {
        self.toolchains.values()
    }
}

/// One validated toolchain file.
#[derive(Debug, Clone)]
pub struct Toolchain {
    pub(crate) language: TargetLanguage,
    pub(crate) file: String,
    pub(crate) text: Arc<str>,
    pub(crate) def: Arc<Definition>,
}

impl Toolchain {
    /// Parses and validates one toolchain file. `file` names it in error messages.
    pub fn from_toml(file: &str, text: &str) -> Result<Toolchain, ToolchainError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| ToolchainError::Invalid {
            file: file.to_string(),
            message: describe_parse_error(text, &e),
        })?;
        let ctx = Ctx { file, text };
        let (language, def) = compile(&ctx, raw)?;
        Ok(Toolchain {
            language,
            file: file.to_string(),
            text: Arc::from(text),
            def: Arc::new(def),
        })
    }

    pub fn language(&self) -> TargetLanguage {
        self.language
    }

    /// Where the toolchain came from (`toolchains/rust.toml` or a user's path).
    pub fn file_name(&self) -> &str {
        &self.file
    }

    /// The file's exact text (part of the cache fingerprint).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The names of the binaries the toolchain declares.
    pub fn binary_names(&self) -> impl Iterator<Item = &str> {
        self.def.binaries.iter().map(|b| b.name.as_str())
    }

    /// The command that installs the whole toolchain, if the file says.
    pub fn install_hint(&self) -> Option<&str> {
        self.def.install.as_deref()
    }
}

// ---------------------------------------------------------------------------------------------
// The validated form.

#[derive(Debug)]
pub(crate) struct Definition {
    pub(crate) install: Option<String>,
    pub(crate) source_patterns: Vec<String>,
    pub(crate) sources: GlobSet,
    pub(crate) tests: GlobSet,
    pub(crate) test_marker: Option<String>,
    pub(crate) roots: Vec<RootDef>,
    pub(crate) single_source_root: bool,
    pub(crate) single_source_crate_type: Option<SingleSourceCrateType>,
    pub(crate) binaries: Vec<BinaryDef>,
    pub(crate) env: Vec<(String, Template)>,
    pub(crate) required_mounts: Vec<Template>,
    pub(crate) optional_mounts: Vec<Template>,
    pub(crate) default_edition: String,
    pub(crate) rust_crates: Option<RustCratesDef>,
    pub(crate) warm_cache: Option<WarmCacheDef>,
    pub(crate) steps: BTreeMap<StepKind, Vec<CommandDef>>,
}

#[derive(Debug)]
pub(crate) struct BinaryDef {
    pub(crate) name: String,
    pub(crate) candidates: Vec<String>,
    pub(crate) resolve: Option<ResolveDef>,
    pub(crate) version: Vec<String>,
    pub(crate) probes: Vec<(String, Vec<String>)>,
    pub(crate) install: String,
}

#[derive(Debug)]
pub(crate) struct ResolveDef {
    pub(crate) args: Vec<String>,
    /// Contains `{output}` (the probe's first line) at most where the file put it.
    pub(crate) path: String,
}

/// `{crate_type}` of a program that is one source file: `present` when its text contains
/// `marker`, else `absent` (Rust: `fn main` makes a binary).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SingleSourceCrateType {
    pub(crate) marker: String,
    pub(crate) present: String,
    pub(crate) absent: String,
}

#[derive(Debug)]
pub(crate) struct RootDef {
    pub(crate) path: String,
    pub(crate) crate_type: Option<String>,
    pub(crate) steps: Option<Vec<StepKind>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ForEach {
    Sources,
    Tests,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Requires {
    Tests,
    NoTests,
}

#[derive(Debug)]
pub(crate) struct CommandDef {
    pub(crate) argv: Vec<Template>,
    pub(crate) parser: String,
    pub(crate) for_each: Option<ForEach>,
    pub(crate) cwd: String,
    pub(crate) requires: Option<Requires>,
    pub(crate) limits: Limits,
}

impl CommandDef {
    pub(crate) fn uses(&self, pred: impl Fn(&Var) -> bool) -> bool {
        self.argv.iter().any(|t| t.vars().any(&pred))
    }
}

#[derive(Debug)]
pub(crate) struct RustCratesDef {
    pub(crate) binary: String,
    pub(crate) crates: Vec<String>,
    pub(crate) manifest: String,
    pub(crate) lockfile: Option<String>,
    pub(crate) install: String,
}

#[derive(Debug)]
pub(crate) struct WarmCacheDef {
    pub(crate) variable: String,
    pub(crate) target: String,
    pub(crate) files: BTreeMap<String, String>,
    pub(crate) commands: Vec<Vec<Template>>,
    pub(crate) fingerprint_paths: Vec<String>,
    pub(crate) install: String,
}

// ---------------------------------------------------------------------------------------------
// The raw (serde) form. Spans let validation errors name the line.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    language: Spanned<String>,
    #[serde(default)]
    install: Option<String>,
    files: RawFiles,
    binaries: Spanned<BTreeMap<String, Spanned<RawBinary>>>,
    #[serde(default)]
    env: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    mounts: RawMounts,
    #[serde(default)]
    limits: RawLimits,
    #[serde(default)]
    options: RawOptions,
    #[serde(default)]
    dependencies: RawDependencies,
    #[serde(default)]
    check: Vec<Spanned<RawCommand>>,
    #[serde(default)]
    test: Vec<Spanned<RawCommand>>,
    #[serde(default)]
    run: Vec<Spanned<RawCommand>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFiles {
    sources: Vec<Spanned<String>>,
    #[serde(default)]
    tests: Vec<Spanned<String>>,
    #[serde(default)]
    test_marker: Option<String>,
    #[serde(default)]
    roots: Vec<Spanned<RawRoot>>,
    #[serde(default)]
    single_source_root: bool,
    #[serde(default)]
    single_source_crate_type: Option<SingleSourceCrateType>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRoot {
    path: String,
    #[serde(default)]
    crate_type: Option<String>,
    #[serde(default)]
    steps: Option<Vec<StepKind>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBinary {
    candidates: Vec<String>,
    #[serde(default)]
    resolve: Option<RawResolve>,
    version: Vec<String>,
    #[serde(default)]
    probes: BTreeMap<String, Vec<String>>,
    install: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawResolve {
    args: Vec<String>,
    #[serde(default)]
    path: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawMounts {
    #[serde(default)]
    required: Vec<Spanned<String>>,
    #[serde(default)]
    optional: Vec<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    wall_time: Option<Spanned<f64>>,
    cpu_time: Option<Spanned<f64>>,
    memory_bytes: Option<Spanned<RawSize>>,
    file_size_bytes: Option<Spanned<RawSize>>,
    open_files: Option<Spanned<u64>>,
    processes: Option<Spanned<u64>>,
    output_bytes: Option<Spanned<RawSize>>,
    tmp_bytes: Option<Spanned<RawSize>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawSize {
    Bytes(u64),
    Text(String),
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawOptions {
    edition: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawDependencies {
    rust_crates: Option<Spanned<RawRustCrates>>,
    warm_cache: Option<Spanned<RawWarmCache>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRustCrates {
    binary: String,
    crates: Vec<String>,
    manifest: String,
    #[serde(default)]
    lockfile: Option<String>,
    install: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWarmCache {
    variable: String,
    target: String,
    files: BTreeMap<String, String>,
    commands: Vec<Vec<Spanned<String>>>,
    #[serde(default)]
    fingerprint_paths: Vec<String>,
    install: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCommand {
    argv: Vec<Spanned<String>>,
    parser: Spanned<String>,
    #[serde(default)]
    for_each: Option<Spanned<String>>,
    #[serde(default)]
    cwd: Option<Spanned<String>>,
    #[serde(default)]
    requires: Option<Spanned<String>>,
    #[serde(default)]
    limits: Option<RawLimits>,
}

// ---------------------------------------------------------------------------------------------
// Validation.

struct Ctx<'a> {
    file: &'a str,
    text: &'a str,
}

impl Ctx<'_> {
    fn err(&self, span: Range<usize>, field: &str, message: impl AsRef<str>) -> ToolchainError {
        ToolchainError::Invalid {
            file: self.file.to_string(),
            message: format!(
                "line {}, `{field}`: {}",
                line_of(self.text, span.start),
                message.as_ref()
            ),
        }
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// toml's own message names the line and column; we add the key written on that line.
fn describe_parse_error(text: &str, e: &toml::de::Error) -> String {
    let message = e.message().trim();
    let Some(span) = e.span() else {
        return message.to_string();
    };
    let line = line_of(text, span.start);
    let line_start = text[..span.start.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let column = span.start.saturating_sub(line_start) + 1;
    let line_text = text[line_start..].lines().next().unwrap_or("");
    let field = line_text
        .split_once('=')
        .map(|(k, _)| k.trim())
        .filter(|k| !k.is_empty() && !k.starts_with('['))
        .map(|k| format!(", field `{k}`"))
        .unwrap_or_default();
    format!("line {line}, column {column}{field}: {message}")
}

/// Which template names a context may use.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    /// Command argv: everything (subject to the command's own rules).
    Argv,
    /// `[env]` values: binaries, probes, `{support}`, `{work}`.
    Env,
    /// Mount paths and warm-cache commands (run on the host): binaries and probes.
    Host,
}

struct Checker<'a> {
    ctx: &'a Ctx<'a>,
    binaries: &'a BTreeMap<String, BTreeSet<String>>,
}

impl Checker<'_> {
    fn template(
        &self,
        raw: &Spanned<String>,
        field: &str,
        place: Place,
    ) -> Result<Template, ToolchainError> {
        let span = raw.span();
        let template =
            Template::parse(raw.get_ref()).map_err(|m| self.ctx.err(span.clone(), field, m))?;
        for var in template.vars() {
            let allowed = match var {
                Var::Bin(name) => {
                    if !self.binaries.contains_key(name) {
                        return Err(self.ctx.err(
                            span,
                            field,
                            format!("{var}: no binary `{name}` in [binaries]"),
                        ));
                    }
                    true
                }
                Var::Probe(bin, probe) => {
                    let Some(probes) = self.binaries.get(bin) else {
                        return Err(self.ctx.err(
                            span,
                            field,
                            format!("{var}: no binary `{bin}` in [binaries]"),
                        ));
                    };
                    if !probes.contains(probe) && !BUILTIN_PROBES.contains(&probe.as_str()) {
                        return Err(self.ctx.err(
                            span,
                            field,
                            format!(
                                "{var}: binary `{bin}` has no probe `{probe}`; add it to \
                                 [binaries.{bin}] probes (built in: dir, path)"
                            ),
                        ));
                    }
                    true
                }
                Var::Support | Var::Work => place != Place::Host,
                _ => place == Place::Argv,
            };
            if !allowed {
                let what = match place {
                    Place::Env => "an environment value",
                    Place::Host => "a host path or host command",
                    Place::Argv => "a command",
                };
                return Err(self
                    .ctx
                    .err(span, field, format!("{var} cannot be used in {what}")));
            }
        }
        Ok(template)
    }
}

fn compile(ctx: &Ctx<'_>, raw: RawFile) -> Result<(TargetLanguage, Definition), ToolchainError> {
    let language = TargetLanguage::from_str(raw.language.get_ref())
        .map_err(|e| ctx.err(raw.language.span(), "language", e.to_string()))?;

    // Binaries first: every template refers to them.
    let binaries_span = raw.binaries.span();
    let raw_binaries = raw.binaries.into_inner();
    if raw_binaries.is_empty() {
        return Err(ctx.err(binaries_span, "binaries", "declare at least one binary"));
    }
    let mut binaries = Vec::new();
    let mut probe_names = BTreeMap::new();
    for (name, spanned) in raw_binaries {
        let span = spanned.span();
        let b = spanned.into_inner();
        let field = format!("binaries.{name}");
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(ctx.err(
                span,
                &field,
                "binary names use letters, digits, `_` and `-`",
            ));
        }
        if b.candidates.is_empty() {
            return Err(ctx.err(
                span,
                &format!("{field}.candidates"),
                "list at least one name",
            ));
        }
        for c in &b.candidates {
            if c.is_empty() || (c.contains('/') && !c.starts_with('/')) {
                return Err(ctx.err(
                    span,
                    &format!("{field}.candidates"),
                    format!("`{c}`: give a bare name (searched in PATH) or an absolute path"),
                ));
            }
        }
        if b.version.is_empty() {
            return Err(ctx.err(
                span,
                &format!("{field}.version"),
                "give the version probe's arguments",
            ));
        }
        if b.install.trim().is_empty() {
            return Err(ctx.err(span, &format!("{field}.install"), "say how to install it"));
        }
        for probe in b.probes.keys() {
            if BUILTIN_PROBES.contains(&probe.as_str()) {
                return Err(ctx.err(
                    span,
                    &format!("{field}.probes.{probe}"),
                    "`dir` and `path` are built in; choose another name",
                ));
            }
            if b.probes.get(probe).is_some_and(Vec::is_empty) {
                return Err(ctx.err(
                    span,
                    &format!("{field}.probes.{probe}"),
                    "give the probe's arguments",
                ));
            }
        }
        let resolve = match b.resolve {
            None => None,
            Some(r) => {
                let path = r.path.unwrap_or_else(|| "{output}".to_string());
                let rest = path.replace("{output}", "");
                if rest.contains(['{', '}']) {
                    return Err(ctx.err(
                        span,
                        &format!("{field}.resolve.path"),
                        format!("`{path}`: only `{{output}}` may be used here"),
                    ));
                }
                if r.args.is_empty() {
                    return Err(ctx.err(
                        span,
                        &format!("{field}.resolve.args"),
                        "give the probe's arguments",
                    ));
                }
                Some(ResolveDef { args: r.args, path })
            }
        };
        probe_names.insert(
            name.clone(),
            b.probes.keys().cloned().collect::<BTreeSet<_>>(),
        );
        binaries.push(BinaryDef {
            name,
            candidates: b.candidates,
            resolve,
            version: b.version,
            probes: b.probes.into_iter().collect(),
            install: b.install,
        });
    }
    let checker = Checker {
        ctx,
        binaries: &probe_names,
    };

    // Files.
    let source_patterns: Vec<String> = raw
        .files
        .sources
        .iter()
        .map(|s| s.get_ref().clone())
        .collect();
    if raw.files.sources.is_empty() {
        return Err(ToolchainError::Invalid {
            file: ctx.file.to_string(),
            message: "`files.sources`: list at least one glob".into(),
        });
    }
    let sources = globs(ctx, &raw.files.sources, "files.sources")?;
    let tests = globs(ctx, &raw.files.tests, "files.tests")?;
    let mut roots = Vec::new();
    for (i, root) in raw.files.roots.into_iter().enumerate() {
        let span = root.span();
        let root = root.into_inner();
        check_relative_path(&root.path).map_err(|e| {
            ctx.err(
                span.clone(),
                &format!("files.roots[{i}].path"),
                e.to_string(),
            )
        })?;
        roots.push(RootDef {
            path: root.path,
            crate_type: root.crate_type,
            steps: root.steps,
        });
    }

    // Environment.
    let mut env = Vec::new();
    for (key, value) in &raw.env {
        if key.is_empty() || key.contains(['=', '\0']) {
            return Err(ctx.err(
                value.span(),
                &format!("env.{key}"),
                "not a valid variable name",
            ));
        }
        env.push((
            key.clone(),
            checker.template(value, &format!("env.{key}"), Place::Env)?,
        ));
    }

    // Mounts.
    let mount = |list: &[Spanned<String>], field: &str| -> Result<Vec<Template>, ToolchainError> {
        list.iter()
            .enumerate()
            .map(|(i, m)| {
                let field = format!("mounts.{field}[{i}]");
                let t = checker.template(m, &field, Place::Host)?;
                let absolute = match t.pieces.first() {
                    Some(super::template::Piece::Lit(s)) => s.starts_with('/'),
                    Some(super::template::Piece::Var(v)) => {
                        matches!(v, Var::Probe(..) | Var::Bin(_))
                    }
                    None => false,
                };
                if !absolute {
                    return Err(ctx.err(
                        m.span(),
                        &field,
                        format!("`{}` is not an absolute path", m.get_ref()),
                    ));
                }
                Ok(t)
            })
            .collect()
    };
    let required_mounts = mount(&raw.mounts.required, "required")?;
    let optional_mounts = mount(&raw.mounts.optional, "optional")?;

    // Limits and options.
    let limits = apply_limits(ctx, &raw.limits, Limits::default(), "limits")?;
    let default_edition = match &raw.options.edition {
        None => DEFAULT_EDITION.to_string(),
        Some(e) => {
            check_edition(e.get_ref()).map_err(|m| ctx.err(e.span(), "options.edition", m))?;
            e.get_ref().clone()
        }
    };

    // Dependency sets.
    let rust_crates = match raw.dependencies.rust_crates {
        None => None,
        Some(spanned) => {
            let span = spanned.span();
            let d = spanned.into_inner();
            let field = "dependencies.rust-crates";
            if !probe_names.contains_key(&d.binary) {
                return Err(ctx.err(
                    span,
                    &format!("{field}.binary"),
                    format!("no binary `{}` in [binaries]", d.binary),
                ));
            }
            if d.crates.is_empty() {
                return Err(ctx.err(
                    span,
                    &format!("{field}.crates"),
                    "list the crates programs may use",
                ));
            }
            for c in &d.crates {
                if c.is_empty()
                    || !c
                        .chars()
                        .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-')
                {
                    return Err(ctx.err(
                        span,
                        &format!("{field}.crates"),
                        format!("`{c}` is not a crate name"),
                    ));
                }
            }
            Some(RustCratesDef {
                binary: d.binary,
                crates: d.crates,
                manifest: d.manifest,
                lockfile: d.lockfile,
                install: d.install,
            })
        }
    };
    let warm_cache = match raw.dependencies.warm_cache {
        None => None,
        Some(spanned) => {
            let span = spanned.span();
            let d = spanned.into_inner();
            let field = "dependencies.warm-cache";
            if !d.target.starts_with('/') {
                return Err(ctx.err(
                    span,
                    &format!("{field}.target"),
                    "must be an absolute path inside the sandbox",
                ));
            }
            let env_value = raw.env.get(&d.variable).map(|v| v.get_ref().as_str());
            if env_value != Some(d.target.as_str()) {
                return Err(ctx.err(
                    span,
                    &format!("{field}.variable"),
                    format!(
                        "[env] must set {} = \"{}\" so commands find the cache",
                        d.variable, d.target
                    ),
                ));
            }
            for name in d.files.keys() {
                check_relative_path(name)
                    .map_err(|e| ctx.err(span.clone(), &format!("{field}.files"), e.to_string()))?;
            }
            for p in &d.fingerprint_paths {
                if !p.starts_with('/') {
                    return Err(ctx.err(
                        span,
                        &format!("{field}.fingerprint_paths"),
                        format!("`{p}` is not absolute"),
                    ));
                }
            }
            let mut commands = Vec::new();
            for (i, argv) in d.commands.iter().enumerate() {
                let cfield = format!("{field}.commands[{i}]");
                if argv.is_empty() {
                    return Err(ctx.err(span, &cfield, "empty command"));
                }
                let argv = argv
                    .iter()
                    .map(|a| checker.template(a, &cfield, Place::Host))
                    .collect::<Result<Vec<_>, _>>()?;
                if !matches!(
                    argv[0].pieces.as_slice(),
                    [super::template::Piece::Var(Var::Bin(_))]
                ) {
                    return Err(ctx.err(span, &cfield, "must start with {bin:NAME}"));
                }
                commands.push(argv);
            }
            Some(WarmCacheDef {
                variable: d.variable,
                target: d.target,
                files: d.files,
                commands,
                fingerprint_paths: d.fingerprint_paths,
                install: d.install,
            })
        }
    };

    let mut def = Definition {
        install: raw.install,
        source_patterns,
        sources,
        tests,
        test_marker: raw.files.test_marker,
        roots,
        single_source_root: raw.files.single_source_root,
        single_source_crate_type: raw.files.single_source_crate_type,
        binaries,
        env,
        required_mounts,
        optional_mounts,
        default_edition,
        rust_crates,
        warm_cache,
        steps: BTreeMap::new(),
    };

    // Steps.
    if raw.check.is_empty() {
        return Err(ToolchainError::Invalid {
            file: ctx.file.to_string(),
            message: "no [[check]] command; a toolchain must at least say how to check a program"
                .into(),
        });
    }
    for (kind, commands) in [
        (StepKind::Check, raw.check),
        (StepKind::Test, raw.test),
        (StepKind::Run, raw.run),
    ] {
        let mut out = Vec::new();
        for (i, command) in commands.into_iter().enumerate() {
            out.push(compile_command(&checker, &def, &limits, kind, i, command)?);
        }
        def.steps.insert(kind, out);
    }
    Ok((language, def))
}

fn compile_command(
    checker: &Checker<'_>,
    def: &Definition,
    file_limits: &Limits,
    kind: StepKind,
    index: usize,
    spanned: Spanned<RawCommand>,
) -> Result<CommandDef, ToolchainError> {
    let ctx = checker.ctx;
    let span = spanned.span();
    let c = spanned.into_inner();
    let field = format!("{}[{index}]", kind.name());
    if c.argv.is_empty() {
        return Err(ctx.err(span, &format!("{field}.argv"), "empty command"));
    }
    let parser = c.parser.get_ref();
    if !PARSERS.contains(&parser.as_str()) {
        return Err(ctx.err(
            c.parser.span(),
            &format!("{field}.parser"),
            format!(
                "unknown diagnostics parser `{parser}`; known parsers: {}",
                PARSERS.join(", ")
            ),
        ));
    }
    let for_each = match &c.for_each {
        None => None,
        Some(f) => Some(match f.get_ref().as_str() {
            "sources" => ForEach::Sources,
            "tests" => ForEach::Tests,
            other => {
                return Err(ctx.err(
                    f.span(),
                    &format!("{field}.for_each"),
                    format!("`{other}`: expected \"sources\" or \"tests\""),
                ))
            }
        }),
    };
    let requires = match &c.requires {
        None => None,
        Some(r) => Some(match r.get_ref().as_str() {
            "tests" => Requires::Tests,
            "no-tests" => Requires::NoTests,
            other => {
                return Err(ctx.err(
                    r.span(),
                    &format!("{field}.requires"),
                    format!("`{other}`: expected \"tests\" or \"no-tests\""),
                ))
            }
        }),
    };
    let cwd = match &c.cwd {
        None => String::new(),
        Some(cwd) if cwd.get_ref().is_empty() => String::new(),
        Some(cwd) => {
            check_relative_path(cwd.get_ref())
                .map_err(|e| ctx.err(cwd.span(), &format!("{field}.cwd"), e.to_string()))?;
            cwd.get_ref().clone()
        }
    };
    let mut argv = Vec::new();
    for (i, arg) in c.argv.iter().enumerate() {
        let afield = format!("{field}.argv[{i}]");
        let t = checker.template(arg, &afield, Place::Argv)?;
        for var in t.vars() {
            let problem = match var {
                Var::File if for_each.is_none() => Some("{file} needs `for_each = \"sources\"` or `\"tests\"`".to_string()),
                Var::Entry if def.roots.is_empty() && !def.single_source_root => {
                    Some(format!("{var} needs `files.roots` or `files.single_source_root = true`"))
                }
                Var::CrateType
                    if def.roots.is_empty()
                        || (def.single_source_root && def.single_source_crate_type.is_none())
                        || def.roots.iter().any(|r| r.crate_type.is_none()) =>
                {
                    Some("{crate_type} needs every `files.roots` entry to have a crate_type (and, with single_source_root, a single_source_crate_type)".to_string())
                }
                Var::ExternArgs if def.rust_crates.is_none() => {
                    Some("{extern_args} needs a [dependencies.rust-crates] table".to_string())
                }
                _ => None,
            };
            if let Some(problem) = problem {
                return Err(ctx.err(arg.span(), &afield, problem));
            }
        }
        if i == 0 {
            let absolute = match t.pieces.first() {
                Some(super::template::Piece::Lit(s)) => s.starts_with('/'),
                Some(super::template::Piece::Var(v)) => {
                    matches!(v, Var::Bin(_) | Var::Probe(..) | Var::Work | Var::Support)
                }
                None => false,
            };
            if !absolute || t.as_multi().is_some() {
                return Err(ctx.err(
                    arg.span(),
                    &afield,
                    "the program must be an absolute path: {bin:NAME}, {work}/…, {support}/… or /…",
                ));
            }
        }
        argv.push(t);
    }
    let limits = match &c.limits {
        None => file_limits.clone(),
        Some(l) => apply_limits(ctx, l, file_limits.clone(), &format!("{field}.limits"))?,
    };
    Ok(CommandDef {
        argv,
        parser: parser.clone(),
        for_each,
        cwd,
        requires,
        limits,
    })
}

fn globs(
    ctx: &Ctx<'_>,
    patterns: &[Spanned<String>],
    field: &str,
) -> Result<GlobSet, ToolchainError> {
    let mut builder = GlobSetBuilder::new();
    for p in patterns {
        let glob = GlobBuilder::new(p.get_ref())
            .literal_separator(true)
            .build()
            .map_err(|e| ctx.err(p.span(), field, e.to_string()))?;
        builder.add(glob);
    }
    builder.build().map_err(|e| ToolchainError::Invalid {
        file: ctx.file.to_string(),
        message: format!("`{field}`: {e}"),
    })
}

pub(crate) fn check_edition(edition: &str) -> Result<(), String> {
    if EDITIONS.contains(&edition) {
        Ok(())
    } else {
        Err(format!(
            "edition `{edition}` is not a Rust edition; use one of {}",
            EDITIONS.join(", ")
        ))
    }
}

fn apply_limits(
    ctx: &Ctx<'_>,
    raw: &RawLimits,
    mut limits: Limits,
    field: &str,
) -> Result<Limits, ToolchainError> {
    let secs = |v: &Option<Spanned<f64>>, name: &str| -> Result<Option<Duration>, ToolchainError> {
        v.as_ref()
            .map(|s| {
                let value = *s.get_ref();
                Duration::try_from_secs_f64(value)
                    .ok()
                    .filter(|d| !d.is_zero())
                    .ok_or_else(|| {
                        ctx.err(
                            s.span(),
                            &format!("{field}.{name}"),
                            "must be a positive number of seconds",
                        )
                    })
            })
            .transpose()
    };
    let size = |v: &Option<Spanned<RawSize>>, name: &str| -> Result<Option<u64>, ToolchainError> {
        v.as_ref()
            .map(|s| {
                parse_size(s.get_ref())
                    .filter(|n| *n > 0)
                    .ok_or_else(|| {
                        ctx.err(
                            s.span(),
                            &format!("{field}.{name}"),
                            "must be a positive byte count: an integer or a string such as \"512MiB\" or \"4GiB\"",
                        )
                    })
            })
            .transpose()
    };
    let count = |v: &Option<Spanned<u64>>, name: &str| -> Result<Option<u64>, ToolchainError> {
        v.as_ref()
            .map(|s| {
                Some(*s.get_ref()).filter(|n| *n > 0).ok_or_else(|| {
                    ctx.err(s.span(), &format!("{field}.{name}"), "must be positive")
                })
            })
            .transpose()
    };
    if let Some(v) = secs(&raw.wall_time, "wall_time")? {
        limits.wall_time = v;
    }
    if let Some(v) = secs(&raw.cpu_time, "cpu_time")? {
        limits.cpu_time = v;
    }
    if let Some(v) = size(&raw.memory_bytes, "memory_bytes")? {
        limits.memory_bytes = v;
    }
    if let Some(v) = size(&raw.file_size_bytes, "file_size_bytes")? {
        limits.file_size_bytes = v;
    }
    if let Some(v) = count(&raw.open_files, "open_files")? {
        limits.open_files = v;
    }
    if let Some(v) = count(&raw.processes, "processes")? {
        limits.processes = v;
    }
    if let Some(v) = size(&raw.output_bytes, "output_bytes")? {
        limits.output_bytes = usize::try_from(v).unwrap_or(usize::MAX);
    }
    if let Some(v) = size(&raw.tmp_bytes, "tmp_bytes")? {
        limits.tmp_bytes = v;
    }
    Ok(limits)
}

fn parse_size(raw: &RawSize) -> Option<u64> {
    match raw {
        RawSize::Bytes(n) => Some(*n),
        RawSize::Text(s) => {
            let s = s.trim();
            let (digits, unit) =
                s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
            let n: u64 = digits.parse().ok()?;
            let shift = match unit.trim() {
                "" | "B" => 0,
                "KiB" => 10,
                "MiB" => 20,
                "GiB" => 30,
                _ => return None,
            };
            n.checked_mul(1u64 << shift)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invalid(text: &str) -> String {
        match Toolchain::from_toml("t.toml", text) {
            Err(ToolchainError::Invalid { file, message }) => {
                assert_eq!(file, "t.toml");
                message
            }
            Err(e) => panic!("unexpected error {e}"),
            Ok(_) => panic!("loaded"),
        }
    }

    const BASE: &str = r#"language = "python"
[files]
sources = ["**/*.py"]
roots = [{ path = "main.py" }]
[binaries.python]
candidates = ["python3"]
version = ["--version"]
install = "apt-get install -y python3"
"#;

    fn with_check(check: &str) -> String {
        format!("{BASE}[[check]]\n{check}\n")
    }

    #[test]
    fn embedded_files_load() {
        let set = ToolchainSet::embedded().unwrap();
        for lang in TargetLanguage::ALL {
            let t = set.get(lang).unwrap();
            assert_eq!(t.language(), lang);
            assert!(t.text().contains("[[check]]"));
            assert!(!t.def.steps[&StepKind::Check].is_empty());
        }
    }

    #[test]
    fn minimal_file_loads() {
        let t = Toolchain::from_toml(
            "t.toml",
            &with_check("argv = [\"{bin:python}\", \"{entry}\"]\nparser = \"python-run\""),
        )
        .unwrap();
        assert_eq!(t.language(), TargetLanguage::Python);
        assert_eq!(t.def.steps[&StepKind::Test].len(), 0);
    }

    #[test]
    fn unknown_parser_names_file_line_and_field() {
        let msg = invalid(&with_check(
            "argv = [\"{bin:python}\"]\nparser = \"pyhton-run\"",
        ));
        assert!(
            msg.starts_with("line 11, `check[0].parser`: unknown diagnostics parser `pyhton-run`; known parsers: rustc-json"),
            "{msg}"
        );
        let err = Toolchain::from_toml(
            "t.toml",
            &with_check("argv = [\"{bin:python}\"]\nparser = \"x\""),
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("t.toml: invalid toolchain file: line 11"),
            "{err}"
        );
    }

    #[test]
    fn unknown_template_is_an_error() {
        let msg = invalid(&with_check(
            "argv = [\"{bin:python}\", \"{main}\"]\nparser = \"python-run\"",
        ));
        assert!(
            msg.starts_with("line 10, `check[0].argv[1]`: unknown template `{main}`"),
            "{msg}"
        );
        let msg = invalid(&with_check(
            "argv = [\"{bin:py}\"]\nparser = \"python-run\"",
        ));
        assert!(
            msg.contains("`check[0].argv[0]`: {bin:py}: no binary `py` in [binaries]"),
            "{msg}"
        );
        let msg = invalid(&with_check(
            "argv = [\"{bin:python}\", \"{python.prefix}\"]\nparser = \"python-run\"",
        ));
        assert!(
            msg.contains("binary `python` has no probe `prefix`"),
            "{msg}"
        );
        let msg = invalid(&with_check(
            "argv = [\"{bin:python}\", \"{file}\"]\nparser = \"python-run\"",
        ));
        assert!(msg.contains("{file} needs `for_each"), "{msg}");
        let msg = invalid(&with_check(
            "argv = [\"{bin:python}\", \"{extern_args}\"]\nparser = \"python-run\"",
        ));
        assert!(
            msg.contains("{extern_args} needs a [dependencies.rust-crates] table"),
            "{msg}"
        );
        let msg = invalid(&with_check("argv = [\"python3\"]\nparser = \"python-run\""));
        assert!(msg.contains("must be an absolute path"), "{msg}");
        let text = BASE.replace(
            "[binaries.python]",
            "[env]\nX = \"{file}\"\n[binaries.python]",
        );
        let msg = invalid(&format!(
            "{text}[[check]]\nargv = [\"{{bin:python}}\"]\nparser = \"python-run\"\n"
        ));
        assert!(
            msg.contains("`env.X`: {file} cannot be used in an environment value"),
            "{msg}"
        );
    }

    #[test]
    fn bad_edition_is_an_error() {
        let text = format!(
            "{}[options]\nedition = \"2022\"\n",
            with_check("argv = [\"{bin:python}\"]\nparser = \"python-run\"")
        );
        let msg = invalid(&text);
        assert_eq!(
            msg,
            "line 13, `options.edition`: edition `2022` is not a Rust edition; use one of 2015, 2018, 2021, 2024"
        );
    }

    #[test]
    fn typos_and_wrong_types_name_line_and_field() {
        let msg = invalid(&with_check(
            "argv = [\"{bin:python}\"]\nparser = \"python-run\"\npasrer = 1",
        ));
        assert!(
            msg.starts_with("line 12, column 1, field `pasrer`: unknown field `pasrer`"),
            "{msg}"
        );
        let msg = invalid(&with_check("argv = [\"{bin:python}\"]\nparser = 7"));
        assert!(
            msg.starts_with("line 11, column 10, field `parser`:"),
            "{msg}"
        );
        let msg = invalid(&with_check("argv = [\"{bin:python}\"]\nparser = \"python-run\"\nlimits = { memory_bytes = \"lots\" }"));
        assert!(
            msg.contains("`check[0].limits.memory_bytes`: must be a positive byte count"),
            "{msg}"
        );
        let msg = invalid(&with_check(
            "argv = [\"{bin:python}\"]\nparser = \"python-run\"\nfor_each = \"files\"",
        ));
        assert!(
            msg.contains("`check[0].for_each`: `files`: expected \"sources\" or \"tests\""),
            "{msg}"
        );
    }

    #[test]
    fn limits_merge_over_defaults() {
        let t = Toolchain::from_toml(
            "t.toml",
            &format!(
                "{}limits = {{ wall_time = 2.5 }}\n[limits]\nmemory_bytes = \"4GiB\"\nprocesses = 64\n",
                with_check("argv = [\"{bin:python}\"]\nparser = \"python-run\"")
            ),
        )
        .unwrap();
        let l = &t.def.steps[&StepKind::Check][0].limits;
        assert_eq!(l.wall_time, Duration::from_millis(2500));
        assert_eq!(l.memory_bytes, 4 << 30);
        assert_eq!(l.processes, 64);
        assert_eq!(l.cpu_time, Limits::default().cpu_time);
    }

    #[test]
    fn load_dir_reports_the_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("python.toml"),
            with_check("argv = [\"{bin:python}\"]\nparser = \"nope\""),
        )
        .unwrap();
        let err = ToolchainSet::load_dir(dir.path()).unwrap_err();
        let path = dir.path().join("python.toml").display().to_string();
        assert!(
            err.to_string()
                .starts_with(&format!("{path}: invalid toolchain file: line 11")),
            "{err}"
        );
        std::fs::write(
            dir.path().join("python.toml"),
            with_check("argv = [\"{bin:python}\"]\nparser = \"python-run\""),
        )
        .unwrap();
        let set = ToolchainSet::load_dir(dir.path()).unwrap();
        assert!(set.get(TargetLanguage::Python).is_ok());
        assert!(matches!(
            set.get(TargetLanguage::Go),
            Err(ToolchainError::NoToolchain(TargetLanguage::Go))
        ));
        std::fs::write(
            dir.path().join("py2.toml"),
            with_check("argv = [\"{bin:python}\"]\nparser = \"python-run\""),
        )
        .unwrap();
        let err = ToolchainSet::load_dir(dir.path()).unwrap_err();
        assert!(err.to_string().contains("already defined by"), "{err}");
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size(&RawSize::Text("4GiB".into())), Some(4 << 30));
        assert_eq!(
            parse_size(&RawSize::Text("512 MiB".into())),
            Some(512 << 20)
        );
        assert_eq!(parse_size(&RawSize::Text("12".into())), Some(12));
        assert_eq!(parse_size(&RawSize::Text("4GB".into())), None);
        assert_eq!(parse_size(&RawSize::Bytes(7)), Some(7));
    }
}
