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
//! [dependencies.telemetry-sdk]       # the OpenTelemetry SDK (crate::compliance, docs/telemetry.md)
//! installer = "pip"                  # pip | npm | system
//! binary = "python"                  # runs the installer
//! packages = ["opentelemetry-sdk==1.45.2", …]   # exact versions, the whole closure
//! paths = []                         # system: host paths that must exist
//! install = "selfheal setup"
//!
//! [[format]]                         # optional, in order of preference: the first one found
//! name = "rustfmt"                   # formats a heal's changed lines (docs/healing.md)
//! candidates = ["{rustc.dir}/rustfmt"]   # bare names (PATH) or absolute paths; binaries and
//!                                    # probes allowed; none found: heals stay unformatted
//! version = ["--version"]            # optional version probe argv (gofmt has none)
//! args = ["--edition", "{edition}"]  # after the formatter's path; the file on stdin, the
//!                                    # formatted text on stdout; {bin:…} {NAME.PROBE} {file}
//!                                    # {edition} {work}
//! install = "rustup component add rustfmt"
//! limits = { wall_time = 10 }        # optional, over the file's [limits]
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

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use globset::GlobSet;
use serde::Deserialize;

pub(crate) use super::compile::check_edition;
use super::compile::{compile, describe_parse_error, Ctx};
use super::raw::RawFile;
use super::template::{Template, Var};
use super::{StepKind, ToolchainError};
use crate::sandbox::Limits;
use crate::types::TargetLanguage;

/// Rust editions `{edition}` accepts.
pub const EDITIONS: &[&str] = &["2015", "2018", "2021", "2024"];

pub(super) const DEFAULT_EDITION: &str = "2021";

/// Probe names every binary has without declaring them.
pub(super) const BUILTIN_PROBES: &[&str] = &["dir", "path"];

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

    /// The language this toolchain file is for.
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

    /// The `[dependencies.telemetry-sdk]` table, if the file has one.
    pub fn telemetry_sdk(&self) -> Option<&TelemetrySdkDef> {
        self.def.telemetry_sdk.as_ref()
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
    pub(crate) telemetry_sdk: Option<TelemetrySdkDef>,
    /// `[[format]]`: formatters of a heal's changed lines, in order of preference.
    pub(crate) formatters: Vec<super::format::FormatterDef>,
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

/// `[dependencies.telemetry-sdk]`: the language's OpenTelemetry SDK, offered to programs that
/// use it and to telemetry-compliance runs (`crate::compliance`). Installed by `selfheal setup`
/// (or on the first validation that needs it) into the cache directory; `system` packages are
/// only checked for (`paths` must exist).
#[derive(Debug, Clone)]
pub struct TelemetrySdkDef {
    /// How the packages are installed.
    pub installer: TelemetryInstaller,
    /// The `[binaries]` entry that runs the installer (`python -m pip`, npm beside `node`).
    pub binary: String,
    /// Exact package specifications (`opentelemetry-sdk==1.45.2`, `@opentelemetry/api@1.9.1`,
    /// a Debian package name for `system`).
    pub packages: Vec<String>,
    /// For `system`: absolute host paths that must exist (and are mounted read-only).
    pub paths: Vec<String>,
    /// The command that installs the SDK, shown by `doctor`.
    pub install: String,
}

/// How a telemetry SDK is installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TelemetryInstaller {
    /// `python -m pip install --target DIR`: pure-Python packages, any interpreter.
    Pip,
    /// `npm install --prefix DIR`: `DIR/node_modules`.
    Npm,
    /// Installed by the system's package manager; selfheal only checks `paths`.
    System,
    /// Crates of the toolchain's `[dependencies.rust-crates]` set (`packages` names them), built
    /// with it by `selfheal setup`.
    RustCrates,
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    use crate::toolchain::compile::parse_size;
    use crate::toolchain::raw::RawSize;

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

    /// What a refusal's message must say: its beginning, or a part of it.
    #[derive(Debug)]
    enum Says {
        Starts(&'static str),
        Has(&'static str),
    }

    /// `[[check]]` bodies that are refused, each with what its refusal [`Says`]: unknown or
    /// misplaced templates, then typos and values of the wrong type.
    const REFUSED_CHECKS: &[(&str, Says)] = &[
        (
            "argv = [\"{bin:python}\", \"{main}\"]\nparser = \"python-run\"",
            Says::Starts("line 10, `check[0].argv[1]`: unknown template `{main}`"),
        ),
        (
            "argv = [\"{bin:py}\"]\nparser = \"python-run\"",
            Says::Has("`check[0].argv[0]`: {bin:py}: no binary `py` in [binaries]"),
        ),
        (
            "argv = [\"{bin:python}\", \"{python.prefix}\"]\nparser = \"python-run\"",
            Says::Has("binary `python` has no probe `prefix`"),
        ),
        (
            "argv = [\"{bin:python}\", \"{file}\"]\nparser = \"python-run\"",
            Says::Has("{file} needs `for_each"),
        ),
        (
            "argv = [\"{bin:python}\", \"{extern_args}\"]\nparser = \"python-run\"",
            Says::Has("{extern_args} needs a [dependencies.rust-crates] table"),
        ),
        (
            "argv = [\"python3\"]\nparser = \"python-run\"",
            Says::Has("must be an absolute path"),
        ),
        (
            "argv = [\"{bin:python}\"]\nparser = \"python-run\"\npasrer = 1",
            Says::Starts("line 12, column 1, field `pasrer`: unknown field `pasrer`"),
        ),
        (
            "argv = [\"{bin:python}\"]\nparser = 7",
            Says::Starts("line 11, column 10, field `parser`:"),
        ),
        (
            "argv = [\"{bin:python}\"]\nparser = \"python-run\"\nlimits = { memory_bytes = \"lots\" }",
            Says::Has("`check[0].limits.memory_bytes`: must be a positive byte count"),
        ),
        (
            "argv = [\"{bin:python}\"]\nparser = \"python-run\"\nfor_each = \"files\"",
            Says::Has("`check[0].for_each`: `files`: expected \"sources\" or \"tests\""),
        ),
    ];

    #[test]
    fn refused_checks_name_the_line_field_and_problem() {
        for (check, says) in REFUSED_CHECKS {
            let msg = invalid(&with_check(check));
            let ok = match says {
                Says::Starts(start) => msg.starts_with(start),
                Says::Has(part) => msg.contains(part),
            };
            assert!(ok, "check {check:?}: expected {says:?}, got {msg}");
        }
    }

    #[test]
    fn environment_values_refuse_file_templates() {
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
