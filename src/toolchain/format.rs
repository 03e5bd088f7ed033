//! Formatters (`[[format]]` in a toolchain file): found on the host like binaries, but optional.
//! A toolchain without one, or a host where none of them is installed, still validates programs;
//! only the formatting of healed programs (`crate::format`) is skipped, with the reason.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::file::BinaryDef;
use super::probe_cache::ProbeCache;
use super::resolve::{find_on_path, is_executable, resolve_binary, ResolvedToolchain};
use super::template::{Template, Var};
use super::{ToolchainEnv, ToolchainError};
use crate::program::Program;
use crate::sandbox::{Limits, Mount, WORK_DIR};

/// The validated form of one `[[format]]` entry.
#[derive(Debug)]
pub(crate) struct FormatterDef {
    pub(crate) name: String,
    /// Bare names (searched on PATH) or absolute paths, possibly built from binaries and probes.
    pub(crate) candidates: Vec<Template>,
    pub(crate) version: Vec<String>,
    /// Arguments after the formatter's path.
    pub(crate) args: Vec<Template>,
    pub(crate) install: String,
    pub(crate) limits: Limits,
}

/// A formatter found on this host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResolvedFormatter {
    /// The `name` of its `[[format]]` entry (`rustfmt`, `gofmt`, `ruff`, `black`, `prettier`).
    pub name: String,
    /// Absolute, canonical path of the executable.
    pub path: PathBuf,
    /// First line of its version probe (empty for an entry without one).
    pub version: String,
    /// Which `[[format]]` entry it is.
    #[serde(skip)]
    index: usize,
}

/// Why a toolchain has no formatter to offer on this host.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatterError {
    /// The toolchain file has no `[[format]]` entry.
    #[error("the {language} toolchain file names no formatter (add a [[format]] entry)")]
    NotConfigured { language: String },
    /// No entry's candidates exist (or every one found failed its version probe).
    #[error("no {language} formatter installed (tried {tried}); install one: {install}")]
    NotFound {
        language: String,
        tried: String,
        install: String,
    },
}

/// One formatter run, ready for the sandbox: the file's text goes to stdin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatCommand {
    /// Absolute argv[0] (the formatter), then its arguments with every template expanded.
    pub argv: Vec<String>,
    /// The toolchain's complete environment.
    pub env: Vec<(String, String)>,
    /// The toolchain's mounts plus the formatter's installation.
    pub mounts: Vec<Mount>,
    /// The `[[format]]` entry's limits (over the file's `[limits]`).
    pub limits: Limits,
}

impl ResolvedToolchain {
    /// The first `[[format]]` entry found on this host (version probed once per executable and
    /// cached across processes, like the toolchain's binaries).
    ///
    /// # Errors
    /// [`FormatterError::NotConfigured`] when the file names none, [`FormatterError::NotFound`]
    /// when none is installed (with every candidate tried and how to install them).
    pub fn formatter(&self, env: &ToolchainEnv) -> Result<ResolvedFormatter, FormatterError> {
        let language = self.language.name();
        let defs = &self.toolchain.def.formatters;
        if defs.is_empty() {
            return Err(FormatterError::NotConfigured {
                language: language.to_string(),
            });
        }
        let cache = ProbeCache::new(&env.cache_dir);
        let mut tried = Vec::new();
        for (index, def) in defs.iter().enumerate() {
            let candidates: Vec<String> = def
                .candidates
                .iter()
                .map(|t| self.expand_host(t))
                .filter(|c| !c.is_empty())
                .collect();
            let binary = BinaryDef {
                name: def.name.clone(),
                candidates: candidates.clone(),
                resolve: None,
                version: def.version.clone(),
                probes: Vec::new(),
                install: def.install.clone(),
            };
            let found = if def.version.is_empty() {
                find_unprobed(&binary)
            } else {
                resolve_binary(language, &binary, &cache)
            };
            match found {
                Ok(found) => {
                    return Ok(ResolvedFormatter {
                        name: def.name.clone(),
                        path: found.path,
                        version: found.version,
                        index,
                    })
                }
                Err(ToolchainError::BinaryNotFound { .. }) => {
                    tried.push(format!("{} ({})", def.name, candidates.join(", ")));
                }
                Err(other) => tried.push(format!("{} ({other})", def.name)),
            }
        }
        Err(FormatterError::NotFound {
            language: language.to_string(),
            tried: tried.join("; "),
            install: defs
                .iter()
                .map(|d| d.install.as_str())
                .collect::<Vec<_>>()
                .join(", or "),
        })
    }

    /// Whether the toolchain formats this file of a program: one of its sources or tests.
    pub fn formats_file(&self, path: &str) -> bool {
        let def = &self.toolchain.def;
        def.sources.is_match(path) || def.tests.is_match(path)
    }

    /// The sandboxed command that formats `file` of `program` with `formatter`.
    pub fn format_command(
        &self,
        formatter: &ResolvedFormatter,
        program: &Program,
        file: &str,
    ) -> FormatCommand {
        let def = &self.toolchain.def;
        let edition = program
            .options()
            .get("edition")
            .map(|e| e.trim().to_string())
            .unwrap_or_else(|| def.default_edition.clone());
        let (args, limits) = match def.formatters.get(formatter.index) {
            Some(d) => (d.args.as_slice(), d.limits.clone()),
            None => (&[][..], Limits::default()),
        };
        let value = |var: &Var| -> Result<String, ()> {
            Ok(match var {
                Var::Bin(_) | Var::Probe(..) => self.binary_value(var),
                Var::File => file.to_string(),
                Var::Edition => edition.clone(),
                Var::Work => WORK_DIR.to_string(),
                // Load-time validation keeps every other template out of formatter arguments.
                _ => String::new(),
            })
        };
        let mut argv = vec![formatter.path.display().to_string()];
        argv.extend(args.iter().map(|t| t.expand(value).unwrap_or_default()));
        let mut mounts = self.mounts.clone();
        for dir in install_dirs(&formatter.path) {
            let covered = mounts.iter().any(|m| match m {
                Mount::ReadOnly { source, .. } => dir.starts_with(source),
                Mount::Overlay { .. } => false,
            });
            if !covered {
                mounts.push(Mount::ReadOnly {
                    source: dir.clone(),
                    target: dir,
                });
            }
        }
        FormatCommand {
            argv,
            env: self.env.clone(),
            mounts,
            limits,
        }
    }
}

/// A formatter without a version probe (`gofmt` has no `--version`): found and canonicalized.
fn find_unprobed(binary: &BinaryDef) -> Result<super::ResolvedBinary, ToolchainError> {
    let not_found = || ToolchainError::BinaryNotFound {
        language: String::new(),
        binary: binary.name.clone(),
        tried: binary.candidates.join(", "),
        install: binary.install.clone(),
    };
    let found_as =
        find_on_path(&binary.candidates, std::env::var_os("PATH")).ok_or_else(not_found)?;
    let path = std::fs::canonicalize(&found_as).map_err(|_| not_found())?;
    if !is_executable(&path) {
        return Err(not_found());
    }
    Ok(super::ResolvedBinary {
        name: binary.name.clone(),
        path,
        found_as,
        version: String::new(),
        version_output: String::new(),
        probes: Default::default(),
    })
}

/// What a formatter installed outside the toolchain needs to see: its directory, and when that
/// is a `bin/` directory, the installation around it (a virtualenv, an npm package).
fn install_dirs(path: &Path) -> Vec<PathBuf> {
    let Some(dir) = path.parent() else {
        return Vec::new();
    };
    match dir.parent() {
        Some(prefix) if dir.file_name().is_some_and(|n| n == "bin") && prefix != Path::new("/") => {
            vec![prefix.to_path_buf()]
        }
        _ => vec![dir.to_path_buf()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::toolchain::Toolchain;

    const BASE: &str = r#"
language = "go"
[files]
sources = ["**/*.go"]
[binaries.go]
candidates = ["/bin/sh"]
version = ["-c", "echo go1"]
install = "apt-get install -y golang-go"
[[check]]
argv = ["{bin:go}", "build"]
parser = "go-build"
"#;

    fn load(extra: &str) -> Result<Toolchain, ToolchainError> {
        Toolchain::from_toml("t.toml", &format!("{BASE}{extra}"))
    }

    #[test]
    fn a_format_entry_loads_with_its_limits() {
        let t = load(
            r#"
[[format]]
name = "fmt"
candidates = ["{go.dir}/gofmt", "gofmt"]
version = ["--help"]
args = ["--file", "{file}"]
install = "apt-get install -y golang-go"
limits = { wall_time = 3 }
"#,
        )
        .expect("loads");
        let f = &t.def.formatters[0];
        assert_eq!(f.name, "fmt");
        assert_eq!(f.candidates.len(), 2);
        assert_eq!(f.limits.wall_time, std::time::Duration::from_secs(3));
    }

    #[test]
    fn bad_formatter_entries_are_refused_naming_the_field() {
        // Each row: what it shows, a `[[format]]` entry, and what the refusal must name.
        let cases: [(&str, &str, &[&str]); 2] = [
            (
                "formatter arguments refuse program-wide templates",
                r#"
[[format]]
name = "fmt"
candidates = ["gofmt"]
version = ["--help"]
args = ["{sources}"]
install = "x"
"#,
                &["format[0].args", "{sources}"],
            ),
            (
                "relative candidates are refused",
                r#"
[[format]]
name = "fmt"
candidates = ["bin/gofmt"]
version = ["--help"]
install = "x"
"#,
                &["format[0].candidates"],
            ),
        ];
        for (case, entry, names) in cases {
            let err = load(entry).expect_err(case).to_string();
            for name in names {
                assert!(err.contains(name), "{case}: {err}");
            }
        }
    }

    #[test]
    fn install_dirs_take_the_prefix_of_a_bin_directory() {
        assert_eq!(
            install_dirs(Path::new("/opt/venv/bin/black")),
            vec![PathBuf::from("/opt/venv")]
        );
        assert_eq!(
            install_dirs(Path::new("/opt/prettier/prettier.cjs")),
            vec![PathBuf::from("/opt/prettier")]
        );
        assert_eq!(
            install_dirs(Path::new("/bin/gofmt")),
            vec![PathBuf::from("/bin")]
        );
    }
}
