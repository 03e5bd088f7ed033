//! Telemetry compliance (`docs/telemetry.md`): does a program emit the spans, attributes and
//! metrics its contract asks for?
//!
//! - [`contract`]: the contract (`telemetry.toml` beside the program, or a spec's
//!   `[telemetry]`), with attribute types from a semantic-convention [`registry`] in
//!   OpenTelemetry Weaver's YAML format.
//! - Collection: the program's test step runs in the sandbox with its language's OpenTelemetry
//!   SDK (`[dependencies.telemetry-sdk]` of the toolchain file, see `sdk`) and a collector hook
//!   selfheal injects (Python: `sitecustomize` on PYTHONPATH; JavaScript: a `--require` preload
//!   in NODE_OPTIONS; Go: a test file of the package; Rust: a `#[cfg(test)]` module of the
//!   crate), which writes every finished span and every instrument as JSON Lines to
//!   [`OUTPUT_FILE`] in the work directory.
//! - [`compare`]: each difference is a `CodeError` of type `TelemetryMismatch` with a stable
//!   code ([`compare::codes`]), the expected and actual values, and the creating call's
//!   location.
//!
//! This is about the programs selfheal checks; selfheal's own tracing is `crate::telemetry`.

pub mod compare;
pub mod contract;
pub mod registry;
pub mod sdk;

use std::path::{Path, PathBuf};

pub use compare::{codes, compare, expected_actual, parse_records, Record};
pub use contract::{Contract, Parent, CONTRACT_FILE};
pub use registry::{AttrType, Registry};

use crate::program::Program;
use crate::sandbox::{Mount, WORK_DIR};
use crate::toolchain::{
    DependencyStatus, PlannedCommand, ResolvedToolchain, StepKind, TelemetryInstaller,
    TelemetrySdkDef, ToolchainEnv,
};
use crate::types::{CodeError, TargetLanguage};

/// The collectors' output, relative to the work directory.
pub const OUTPUT_FILE: &str = ".selfheal-telemetry.jsonl";

/// The test file added to a Go program's package to install the SDK with the collector.
pub const GO_HOOK_FILE: &str = "zz_selfheal_otel_test.go";

const GO_HOOK: &str = include_str!("go_hook_test.go.txt");

/// The Rust collector, a data file beside the crate root of the sandbox's copy of a program
/// with a contract; the copy's crate root declares it as a `#[cfg(test)]` module on an
/// appended line. Not a `.rs` file: it is no source of the program.
pub const RUST_HOOK_FILE: &str = "zz_selfheal_otel.rs.in";

const RUST_HOOK: &str = include_str!("rust_hook.rs.txt");

/// The rustc flag the Rust collector needs in the test build: line tables, so that a backtrace
/// names the program's file and line that created a span or instrument.
pub const RUST_LINE_TABLES: &str = "-Cdebuginfo=line-tables-only";

/// Most bytes of collected telemetry read back (the sandbox's file-size limit also applies).
pub const MAX_OUTPUT_BYTES: u64 = 16 * 1024 * 1024;

/// Why telemetry compliance could not be checked: the contract or registry is wrong, or the
/// SDK is not available. Never a property of the program's code.
#[derive(Debug, thiserror::Error)]
pub enum ComplianceError {
    /// The contract is malformed or names something the registry does not define.
    #[error("{file}:{line}: {message}")]
    Contract {
        file: String,
        line: usize,
        message: String,
    },
    /// A registry file does not parse or defines an attribute badly.
    #[error("{file}:{line}: {message}")]
    Registry {
        file: String,
        line: usize,
        message: String,
    },
    /// The language's SDK is not installed and could not be.
    #[error("the OpenTelemetry SDK for {language} is not available: {message} (fix: {fix})")]
    Sdk {
        language: TargetLanguage,
        message: String,
        fix: String,
    },
    /// The language has no telemetry SDK in its toolchain file.
    #[error("telemetry contracts are not supported for {0} yet: its toolchain file has no [dependencies.telemetry-sdk]")]
    Unsupported(TargetLanguage),
}

/// The program's contract (`telemetry.toml` at its root, a data file), if it has one.
///
/// # Errors
/// A malformed contract or registry; an attribute the registry does not define.
pub fn contract_of(program: &Program) -> Result<Option<Contract>, ComplianceError> {
    let Some(text) = program_text(program, CONTRACT_FILE) else {
        return Ok(None);
    };
    Contract::parse(CONTRACT_FILE, &text, |path| registry_files(program, path)).map(Some)
}

fn program_text(program: &Program, path: &str) -> Option<String> {
    program.files().get(path).cloned().or_else(|| {
        program
            .data_files()
            .get(path)
            .map(|b| String::from_utf8_lossy(b).into_owned())
    })
}

/// The registry files at `path` (relative to the program root): the file itself, or every
/// `*.yaml`/`*.yml` under the directory, in path order.
fn registry_files(program: &Program, path: &str) -> Result<Vec<(String, String)>, String> {
    let path = path.trim_end_matches('/');
    let is_yaml = |p: &str| p.ends_with(".yaml") || p.ends_with(".yml");
    let prefix = format!("{path}/");
    let mut out: Vec<(String, String)> = program
        .data_files()
        .iter()
        .filter(|(p, _)| p.as_str() == path || (p.starts_with(&prefix) && is_yaml(p)))
        .map(|(p, b)| (p.clone(), String::from_utf8_lossy(b).into_owned()))
        .collect();
    out.sort();
    if out.is_empty() {
        return Err(format!(
            "no registry file at `{path}` (a YAML file, or a directory of *.yaml files, beside the \
             contract)"
        ));
    }
    Ok(out)
}

/// Whether a program's sources use the OpenTelemetry API (then the SDK is put on its path even
/// without a contract).
pub fn uses_sdk(program: &Program) -> bool {
    program
        .files()
        .values()
        .any(|text| text.contains("opentelemetry"))
}

/// What the validator needs to run a program with its telemetry SDK and, when it has a
/// contract, to collect and compare its telemetry.
#[derive(Debug, Clone)]
pub struct Collection {
    language: TargetLanguage,
    contract: Option<Contract>,
    sdk_dir: PathBuf,
    hooks_dir: PathBuf,
    /// Rust with a contract: the crate root of the test build (from the planned test step).
    rust_root: Option<String>,
}

impl Collection {
    /// `None` when the program neither has a contract nor uses the SDK (or its language has no
    /// SDK and no contract asks for one). With `install`, installs the SDK if a contract needs
    /// it and it is missing (blocking; `selfheal setup` does it ahead of time).
    ///
    /// # Errors
    /// A bad contract or registry; a contract for a language without an SDK; an SDK that
    /// cannot be installed.
    pub fn prepare(
        program: &Program,
        toolchain: &ResolvedToolchain,
        env: &ToolchainEnv,
        install: bool,
    ) -> Result<Option<Collection>, ComplianceError> {
        let contract = contract_of(program)?;
        if contract.is_none() && !uses_sdk(program) {
            return Ok(None);
        }
        let Some(def) = toolchain.toolchain().telemetry_sdk() else {
            return match contract {
                Some(_) => Err(ComplianceError::Unsupported(program.language())),
                None => Ok(None),
            };
        };
        if contract.is_some()
            && program.language() == TargetLanguage::Go
            && program
                .files()
                .keys()
                .any(|p| p == "go.mod" || p.ends_with("/go.mod"))
        {
            return Err(ComplianceError::Sdk {
                language: program.language(),
                message: "the Go SDK is Debian's GOPATH package, which module mode (a go.mod) \
                          cannot import offline"
                    .into(),
                fix: "remove go.mod (GOPATH mode) to check the program's telemetry".into(),
            });
        }
        let sdk_dir = if def.installer == TelemetryInstaller::RustCrates {
            match rust_crates_dir(toolchain, def, contract.is_some() && install) {
                Ok(dir) => dir,
                Err(e) if contract.is_some() => return Err(e),
                // Using the API without a contract: the crates come with every Rust program.
                Err(_) => return Ok(None),
            }
        } else {
            sdk::sdk_dir(&env.cache_dir, program.language(), def)
        };
        if def.installer == TelemetryInstaller::RustCrates {
            // Ready (checked above).
        } else if contract.is_some() {
            let ready = if install {
                sdk::ensure(&sdk_dir, def, toolchain)
            } else if sdk::is_installed(&sdk_dir, def) {
                Ok(())
            } else {
                Err(format!("not installed in {}", sdk_dir.display()))
            };
            ready.map_err(|message| ComplianceError::Sdk {
                language: program.language(),
                message,
                fix: def.install.clone(),
            })?;
        } else if !sdk::is_installed(&sdk_dir, def) {
            // Using the API without a contract: offered when installed, never installed for it.
            return Ok(None);
        }
        let hooks_dir = sdk::hooks_dir(&env.cache_dir).map_err(|message| ComplianceError::Sdk {
            language: program.language(),
            message,
            fix: "check that the cache directory is writable".into(),
        })?;
        let rust_root = match (&contract, program.language()) {
            (Some(_), TargetLanguage::Rust) => rust_test_root(program, toolchain),
            _ => None,
        };
        Ok(Some(Collection {
            language: program.language(),
            contract,
            sdk_dir,
            hooks_dir,
            rust_root,
        }))
    }

    /// The program as the sandbox gets it: a Go program with a contract gains [`GO_HOOK_FILE`]
    /// (a test file of its root package installing the SDK with the collector); a Rust program
    /// with a contract gains [`RUST_HOOK_FILE`] beside its crate root, whose copy declares it
    /// as a `#[cfg(test)]` module on an appended line (every line of the program keeps its
    /// number); others are unchanged (`None`).
    pub fn workspace_program(&self, program: &Program) -> Option<Program> {
        self.contract.as_ref()?;
        if self.language == TargetLanguage::Rust {
            return self.rust_workspace_program(program);
        }
        if self.language != TargetLanguage::Go {
            return None;
        }
        let package = program
            .files()
            .iter()
            .filter(|(p, _)| !p.contains('/') && p.ends_with(".go"))
            .find_map(|(_, text)| {
                text.lines().find_map(|l| {
                    l.trim()
                        .strip_prefix("package ")
                        .map(|name| name.trim().to_string())
                })
            })?;
        let mut augmented = program.clone();
        if let Err(e) = augmented.set_file(GO_HOOK_FILE, GO_HOOK.replace("{{package}}", &package)) {
            tracing::warn!("cannot add the telemetry hook {GO_HOOK_FILE}: {e}");
            return None;
        }
        Some(augmented)
    }

    fn rust_workspace_program(&self, program: &Program) -> Option<Program> {
        let root = self.rust_root.as_ref()?;
        let text = program.files().get(root)?;
        let hook = match root.rsplit_once('/') {
            Some((dir, _)) => format!("{dir}/{RUST_HOOK_FILE}"),
            None => RUST_HOOK_FILE.to_string(),
        };
        let newline = if text.is_empty() || text.ends_with('\n') {
            ""
        } else {
            "\n"
        };
        let mut augmented = program.clone();
        augmented
            .set_file(
                root.clone(),
                format!(
                    "{text}{newline}#[cfg(test)] #[path = \"{RUST_HOOK_FILE}\"] mod zz_selfheal_otel;\n"
                ),
            )
            .ok()?;
        augmented
            .with_data_file(&hook, RUST_HOOK.as_bytes().to_vec())
            .ok()
    }

    /// The contract, if the program has one.
    pub fn contract(&self) -> Option<&Contract> {
        self.contract.as_ref()
    }

    /// Adds the SDK (and, in the test step of a program with a contract, the collector) to
    /// planned commands: environment variables and read-only mounts.
    pub fn instrument(&self, commands: &mut [PlannedCommand]) {
        for command in commands {
            let collect = self.contract.is_some() && command.step == StepKind::Test;
            let mut mounts = vec![self.sdk_dir.clone()];
            if self.language == TargetLanguage::Rust {
                // The crates are mounted with the rest of the set ({extern_args}).
                mounts.clear();
                if collect && self.rust_root.is_some() {
                    if let Some(at) = command.argv.iter().position(|a| a == "--test") {
                        if !command.argv.iter().any(|a| a == RUST_LINE_TABLES) {
                            command.argv.insert(at + 1, RUST_LINE_TABLES.to_string());
                        }
                    }
                }
            }
            match self.language {
                TargetLanguage::Python => {
                    let mut path = self.sdk_dir.display().to_string();
                    if collect {
                        let hook = self.hooks_dir.join("python");
                        path = format!("{}:{path}", hook.display());
                        mounts.push(self.hooks_dir.clone());
                    }
                    prepend_env(&mut command.env, "PYTHONPATH", &path);
                }
                TargetLanguage::JavaScript => {
                    let modules = self.sdk_dir.join("node_modules");
                    prepend_env(
                        &mut command.env,
                        "NODE_PATH",
                        &modules.display().to_string(),
                    );
                    if collect {
                        let hook = self.hooks_dir.join("javascript_hook.cjs");
                        prepend_env_sep(
                            &mut command.env,
                            "NODE_OPTIONS",
                            &format!("--require {}", hook.display()),
                            " ",
                        );
                        mounts.push(self.hooks_dir.clone());
                    }
                }
                TargetLanguage::Go | TargetLanguage::Rust => {}
            }
            if collect {
                set_env(
                    &mut command.env,
                    "SELFHEAL_OTEL_FILE",
                    &format!("{WORK_DIR}/{OUTPUT_FILE}"),
                );
            }
            for m in mounts {
                let mount = Mount::ReadOnly {
                    source: m.clone(),
                    target: m,
                };
                if !command.mounts.contains(&mount) {
                    command.mounts.push(mount);
                }
            }
        }
    }

    /// Reads the collected telemetry from the host side of the work directory and compares it
    /// with the contract. No contract: no errors.
    pub fn compare(&self, work_dir: &Path, program: &Program) -> Vec<CodeError> {
        let Some(contract) = &self.contract else {
            return Vec::new();
        };
        let text = read_bounded(&work_dir.join(OUTPUT_FILE));
        let (records, _) = parse_records(&text);
        compare(contract, &records, program)
    }
}

fn read_bounded(path: &Path) -> String {
    use std::io::Read;
    let mut text = String::new();
    if let Ok(file) = std::fs::File::open(path) {
        let mut bytes = Vec::new();
        let _ = file.take(MAX_OUTPUT_BYTES).read_to_end(&mut bytes);
        text = String::from_utf8_lossy(&bytes).into_owned();
    }
    text
}

fn set_env(env: &mut Vec<(String, String)>, key: &str, value: &str) {
    env.retain(|(k, _)| k != key);
    env.push((key.to_string(), value.to_string()));
}

fn prepend_env(env: &mut Vec<(String, String)>, key: &str, value: &str) {
    prepend_env_sep(env, key, value, ":");
}

fn prepend_env_sep(env: &mut Vec<(String, String)>, key: &str, value: &str, sep: &str) {
    match env.iter_mut().find(|(k, _)| k == key) {
        Some((_, old)) if !old.is_empty() => *old = format!("{value}{sep}{old}"),
        Some((_, old)) => *old = value.to_string(),
        None => env.push((key.to_string(), value.to_string())),
    }
}

/// The built rust-crates set holding the SDK crates, built first when `build` is set.
fn rust_crates_dir(
    toolchain: &ResolvedToolchain,
    def: &TelemetrySdkDef,
    build: bool,
) -> Result<PathBuf, ComplianceError> {
    let sdk_err = |message: String, fix: String| ComplianceError::Sdk {
        language: toolchain.language,
        message,
        fix,
    };
    if build {
        toolchain
            .ensure_dependencies()
            .map_err(|e| sdk_err(e.to_string(), def.install.clone()))?;
    }
    match toolchain.dependency_status() {
        DependencyStatus::Ready { path, .. } => Ok(path),
        DependencyStatus::Missing { detail, fix, .. } => Err(sdk_err(detail, fix)),
        DependencyStatus::NotNeeded => Err(sdk_err(
            format!(
                "the crates {} belong to [dependencies.rust-crates], which the toolchain file \
                 does not have",
                def.packages.join(", ")
            ),
            "add them to the toolchain file's [dependencies.rust-crates]".into(),
        )),
    }
}

/// The crate root of a Rust program's test build: the source file the planned test
/// compilation (`rustc --test`) compiles. `None` when the test step cannot be planned (no
/// tests): then nothing is collected.
fn rust_test_root(program: &Program, toolchain: &ResolvedToolchain) -> Option<String> {
    let commands = toolchain.plan(StepKind::Test, program).ok()?;
    commands
        .iter()
        .find(|c| c.argv.iter().any(|a| a == "--test"))?
        .argv
        .iter()
        .find(|a| program.files().contains_key(a.as_str()))
        .cloned()
}

/// SDK status for `doctor`: `None` when the language has no SDK; else whether it is installed,
/// where, and the command that installs it. Crates of the rust-crates set count as installed
/// here: `doctor` reports that set's state as the toolchain's dependencies.
pub fn sdk_status(
    env: &ToolchainEnv,
    language: TargetLanguage,
    def: &TelemetrySdkDef,
) -> (bool, PathBuf) {
    if def.installer == TelemetryInstaller::RustCrates {
        return (true, env.cache_dir.join("rust-deps"));
    }
    let dir = sdk::sdk_dir(&env.cache_dir, language, def);
    (sdk::is_installed(&dir, def), dir)
}

/// Installs the language's SDK if its toolchain file has one (`selfheal setup`). Returns the
/// directory, or `None` when the language has no SDK.
///
/// # Errors
/// The installer's failure.
pub fn ensure_sdk(
    toolchain: &ResolvedToolchain,
    env: &ToolchainEnv,
) -> Result<Option<PathBuf>, ComplianceError> {
    let Some(def) = toolchain.toolchain().telemetry_sdk() else {
        return Ok(None);
    };
    let language = toolchain.language;
    if def.installer == TelemetryInstaller::RustCrates {
        return rust_crates_dir(toolchain, def, true).map(Some);
    }
    let dir = sdk::sdk_dir(&env.cache_dir, language, def);
    sdk::ensure(&dir, def, toolchain).map_err(|message| ComplianceError::Sdk {
        language,
        message,
        fix: def.install.clone(),
    })?;
    Ok(Some(dir))
}

/// The registry files at `path` relative to `base` on disk (a spec's directory): the file
/// itself, or every `*.yaml`/`*.yml` in the directory tree, in path order. Names are relative
/// to `base`.
///
/// # Errors
/// Nothing there, or a file that cannot be read.
pub fn registry_files_on_disk(base: &Path, path: &str) -> Result<Vec<(String, String)>, String> {
    let root = base.join(path);
    let read = |p: &Path| std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()));
    let name = |p: &Path| {
        p.strip_prefix(base)
            .unwrap_or(p)
            .to_string_lossy()
            .into_owned()
    };
    if root.is_file() {
        return Ok(vec![(name(&root), read(&root)?)]);
    }
    let mut out = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries.flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                out.push((name(&p), read(&p)?));
            }
        }
    }
    out.sort();
    if out.is_empty() {
        return Err(format!("no registry file at {}", root.display()));
    }
    Ok(out)
}

/// Where a program carries its contract's registry subset (see [`with_contract`]).
pub const PROGRAM_REGISTRY: &str = "semconv/registry.yaml";

/// `program` with `contract` beside it: `telemetry.toml` and the registry subset the contract
/// names (`semconv/registry.yaml`), as data files, so that validating the program checks its
/// telemetry. Used by generation from a spec with `[telemetry]`.
///
/// # Errors
/// The program's limits on data files.
pub fn with_contract(
    program: Program,
    contract: &Contract,
) -> Result<Program, crate::program::ProgramError> {
    let registry = contract.registry.to_yaml(contract.attribute_ids());
    program
        .with_data_file(CONTRACT_FILE, contract.to_toml("semconv").into_bytes())?
        .with_data_file(PROGRAM_REGISTRY, registry.into_bytes())
}
