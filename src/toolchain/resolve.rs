//! Resolution (binaries to absolute real paths, versions, mounts, fingerprint) and planning
//! (a step of a program → the exact sandboxed commands).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use serde::Serialize;

use super::deps::{self, RustDeps};
use super::file::{check_edition, BinaryDef, CommandDef, Definition, ForEach, Requires, Toolchain};
use super::process;
use super::template::{Template, Var};
use super::{PlannedCommand, StepKind, ToolchainEnv, ToolchainError, SUPPORT_DIR};
use crate::program::Program;
use crate::sandbox::{Mount, WORK_DIR};
use crate::types::TargetLanguage;

/// Deadline for one probe (a version query, `--print sysroot`).
const PROBE_TIMEOUT: Duration = Duration::from_secs(30);
/// Most directory entries hashed for one `fingerprint_paths` entry.
const MAX_FINGERPRINT_ENTRIES: usize = 100_000;

/// A binary found on the host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResolvedBinary {
    /// The name in the toolchain file (`{bin:NAME}`).
    pub name: String,
    /// Absolute, canonical path of the real executable (never a shim).
    pub path: PathBuf,
    /// What was found first (on PATH or as an absolute candidate); may be a shim or proxy.
    pub found_as: PathBuf,
    /// First line of the version probe's output.
    pub version: String,
    /// The version probe's whole output (part of the fingerprint).
    pub version_output: String,
    /// Probe name → first line of its output (`{NAME.PROBE}`).
    pub probes: BTreeMap<String, String>,
}

/// Whether a toolchain's dependency set is ready.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum DependencyStatus {
    /// The toolchain needs nothing beyond its own standard library.
    NotNeeded,
    Ready {
        detail: String,
        path: PathBuf,
    },
    /// Not built yet. `required`: programs fail without it (Rust crates); otherwise they are only
    /// slower (a cold build cache).
    Missing {
        detail: String,
        fix: String,
        required: bool,
    },
}

/// A toolchain resolved on this host: ready to plan commands. Cheap to clone.
#[derive(Debug, Clone)]
pub struct ResolvedToolchain {
    pub language: TargetLanguage,
    pub binaries: Vec<ResolvedBinary>,
    /// blake3 (hex) over the toolchain file, each binary's path, version and probes, the mounts,
    /// the environment and the dependency set's identity. Changes whenever a result could.
    pub fingerprint: String,
    toolchain: Toolchain,
    env: Vec<(String, String)>,
    mounts: Vec<Mount>,
    support_dir: PathBuf,
    rust_deps_dir: Option<PathBuf>,
    warm_cache_dir: Option<PathBuf>,
    /// Set once the Rust crates are known to be built.
    rust_deps: Arc<OnceLock<RustDeps>>,
}

impl Toolchain {
    /// Finds every binary (absolute real paths: shims are seen through), probes versions,
    /// computes the mounts and the fingerprint. Blocking: runs each probe once.
    pub fn resolve(&self, env: &ToolchainEnv) -> Result<ResolvedToolchain, ToolchainError> {
        let def = &self.def;
        let language = self.language.name();
        let binaries = def
            .binaries
            .iter()
            .map(|b| resolve_binary(language, b))
            .collect::<Result<Vec<_>, _>>()?;
        let by_name: BTreeMap<&str, &ResolvedBinary> =
            binaries.iter().map(|b| (b.name.as_str(), b)).collect();
        let host_value = |var: &Var| -> String {
            match var {
                Var::Bin(name) => by_name
                    .get(name.as_str())
                    .map(|b| b.path.display().to_string())
                    .unwrap_or_default(),
                Var::Probe(name, probe) => by_name
                    .get(name.as_str())
                    .map(|b| probe_value(b, probe))
                    .unwrap_or_default(),
                Var::Support => SUPPORT_DIR.to_string(),
                Var::Work => WORK_DIR.to_string(),
                // Load-time validation keeps every other template out of these places.
                _ => String::new(),
            }
        };
        let expand = |t: &Template| t.expand::<()>(|v| Ok(host_value(v))).unwrap_or_default();

        let command_env: Vec<(String, String)> = def
            .env
            .iter()
            .map(|(k, t)| (k.clone(), expand(t)))
            .collect();

        let mounts = compute_mounts(self, &binaries, &expand)?;

        let cache_dir =
            std::path::absolute(&env.cache_dir).unwrap_or_else(|_| env.cache_dir.clone());
        let rust_deps_dir = def.rust_crates.as_ref().and_then(|rc| {
            let rustc = by_name.get(rc.binary.as_str())?;
            let mut h = blake3::Hasher::new();
            for part in [
                rustc.path.display().to_string().as_str(),
                rustc.version_output.as_str(),
                rc.manifest.as_str(),
                rc.lockfile.as_deref().unwrap_or(""),
                rc.crates.join(",").as_str(),
            ] {
                hash_field(&mut h, part.as_bytes());
            }
            Some(
                cache_dir
                    .join("rust-deps")
                    .join(&h.finalize().to_hex()[..32]),
            )
        });

        let mut h = blake3::Hasher::new();
        hash_field(&mut h, b"selfheal-toolchain/1");
        hash_field(&mut h, self.text.as_bytes());
        for b in &binaries {
            hash_field(&mut h, b.name.as_bytes());
            hash_field(&mut h, b.path.as_os_str().as_encoded_bytes());
            hash_field(&mut h, b.version_output.as_bytes());
            for (k, v) in &b.probes {
                hash_field(&mut h, k.as_bytes());
                hash_field(&mut h, v.as_bytes());
            }
        }
        for (k, v) in &command_env {
            hash_field(&mut h, k.as_bytes());
            hash_field(&mut h, v.as_bytes());
        }
        for m in &mounts {
            hash_field(&mut h, format!("{m:?}").as_bytes());
        }
        if let Some(dir) = &rust_deps_dir {
            hash_field(&mut h, dir.as_os_str().as_encoded_bytes());
        }
        if let Some(wc) = &def.warm_cache {
            for path in &wc.fingerprint_paths {
                hash_tree(&mut h, Path::new(path));
            }
        }
        let fingerprint = h.finalize().to_hex().to_string();
        tracing::debug!(
            language,
            fingerprint = %fingerprint,
            binaries = ?binaries.iter().map(|b| b.path.display().to_string()).collect::<Vec<_>>(),
            "resolved toolchain"
        );
        let warm_cache_dir = def.warm_cache.as_ref().map(|_| {
            cache_dir
                .join(format!("{language}-cache"))
                .join(&fingerprint[..32])
        });
        Ok(ResolvedToolchain {
            language: self.language,
            binaries,
            fingerprint,
            toolchain: self.clone(),
            env: command_env,
            mounts,
            support_dir: env.support_dir.clone(),
            rust_deps_dir,
            warm_cache_dir,
            rust_deps: Arc::new(OnceLock::new()),
        })
    }
}

fn probe_value(b: &ResolvedBinary, probe: &str) -> String {
    match probe {
        "dir" => b
            .path
            .parent()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        "path" => b.path.display().to_string(),
        other => b.probes.get(other).cloned().unwrap_or_default(),
    }
}

fn hash_field(h: &mut blake3::Hasher, bytes: &[u8]) {
    h.update(&(bytes.len() as u64).to_le_bytes());
    h.update(bytes);
}

/// Hashes names, sizes and modification times under `root` (not contents: cheap, and any
/// package upgrade changes them).
fn hash_tree(h: &mut blake3::Hasher, root: &Path) {
    let mut stack = vec![root.to_path_buf()];
    let mut seen = 0usize;
    while let Some(path) = stack.pop() {
        seen += 1;
        if seen > MAX_FINGERPRINT_ENTRIES {
            hash_field(h, b"truncated");
            return;
        }
        hash_field(h, path.as_os_str().as_encoded_bytes());
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            hash_field(h, b"missing");
            continue;
        };
        let mtime = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        hash_field(h, &meta.len().to_le_bytes());
        hash_field(h, &mtime.to_le_bytes());
        if meta.is_dir() {
            if let Ok(entries) = std::fs::read_dir(&path) {
                let mut children: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
                children.sort();
                // Reverse so that the pop order is sorted: the hash must not depend on readdir.
                stack.extend(children.into_iter().rev());
            }
        }
    }
}

fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The first candidate that exists: absolute candidates as given, names in PATH order.
fn find_on_path(candidates: &[String], path_var: Option<OsString>) -> Option<PathBuf> {
    let dirs: Vec<PathBuf> = path_var
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    for candidate in candidates {
        if candidate.starts_with('/') {
            let p = PathBuf::from(candidate);
            if is_executable(&p) {
                return Some(p);
            }
            continue;
        }
        for dir in &dirs {
            if dir.as_os_str().is_empty() || !dir.is_absolute() {
                // A relative PATH entry would make resolution depend on the current directory.
                continue;
            }
            let p = dir.join(candidate);
            if is_executable(&p) {
                return Some(p);
            }
        }
    }
    None
}

fn run_probe(language: &str, exe: &Path, args: &[String]) -> Result<String, ToolchainError> {
    let mut cmd = Command::new(exe);
    cmd.args(args);
    let command = process::describe(&cmd);
    let fail = |message: String| ToolchainError::VersionProbe {
        language: language.to_string(),
        command: command.clone(),
        message,
    };
    let out = process::run(&mut cmd, PROBE_TIMEOUT).map_err(fail)?;
    if !out.status.success() {
        return Err(fail(format!("exited with {}: {}", out.status, out.tail(5))));
    }
    // Some tools (old Pythons, gcc) print their version on stderr.
    let text = if out.stdout.trim().is_empty() {
        out.stderr
    } else {
        out.stdout
    };
    Ok(text.trim().to_string())
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").trim().to_string()
}

fn resolve_binary(language: &str, b: &BinaryDef) -> Result<ResolvedBinary, ToolchainError> {
    let found_as = find_on_path(&b.candidates, std::env::var_os("PATH")).ok_or_else(|| {
        let names = b.candidates.join(", ");
        ToolchainError::BinaryNotFound {
            language: language.to_string(),
            binary: b.name.clone(),
            tried: if b.candidates.iter().all(|c| c.starts_with('/')) {
                names
            } else {
                format!("{names} on PATH")
            },
            install: b.install.clone(),
        }
    })?;
    let unresolved = |message: String| ToolchainError::VersionProbe {
        language: language.to_string(),
        command: format!("{} (resolving `{}`)", found_as.display(), b.name),
        message,
    };
    let real = match &b.resolve {
        // Ask the tool itself: a shim (pyenv, rustup) is a different program from what it runs.
        Some(r) => {
            let output = first_line(&run_probe(language, &found_as, &r.args)?);
            let printed = r.path.replace("{output}", &output);
            if output.is_empty() || !printed.starts_with('/') {
                return Err(unresolved(format!(
                    "the resolve probe printed `{output}`, not an absolute path"
                )));
            }
            PathBuf::from(printed)
        }
        None => found_as.clone(),
    };
    let path =
        std::fs::canonicalize(&real).map_err(|e| unresolved(format!("{}: {e}", real.display())))?;
    if !is_executable(&path) {
        return Err(unresolved(format!(
            "{} is not an executable file",
            path.display()
        )));
    }
    let version_output = run_probe(language, &path, &b.version)?;
    let mut probes = BTreeMap::new();
    for (name, args) in &b.probes {
        let out = first_line(&run_probe(language, &path, args)?);
        probes.insert(name.clone(), out);
    }
    Ok(ResolvedBinary {
        name: b.name.clone(),
        path,
        found_as,
        version: first_line(&version_output),
        version_output,
        probes,
    })
}

/// Required and optional mounts, plus each binary's directory when nothing else covers it.
/// Paths derived from binaries are canonicalized; fixed paths are kept as written (the sandbox
/// recreates symlinks such as /lib -> usr/lib as symlinks).
fn compute_mounts(
    toolchain: &Toolchain,
    binaries: &[ResolvedBinary],
    expand: &dyn Fn(&Template) -> String,
) -> Result<Vec<Mount>, ToolchainError> {
    let def: &Definition = &toolchain.def;
    let mut paths: Vec<PathBuf> = Vec::new();
    for (template, required) in def
        .required_mounts
        .iter()
        .map(|t| (t, true))
        .chain(def.optional_mounts.iter().map(|t| (t, false)))
    {
        let raw = PathBuf::from(expand(template));
        let derived = template.vars().next().is_some();
        let resolved = if derived {
            std::fs::canonicalize(&raw).ok()
        } else {
            std::fs::symlink_metadata(&raw).ok().map(|_| raw.clone())
        };
        match resolved {
            Some(p) => paths.push(p),
            None if required => {
                return Err(ToolchainError::Dependencies {
                    language: toolchain.language.name().to_string(),
                    message: format!("required path {} does not exist", raw.display()),
                    fix: mount_fix(def, template),
                })
            }
            None => {}
        }
    }
    for b in binaries {
        if let Some(dir) = b.path.parent() {
            if !paths.iter().any(|p| dir.starts_with(p)) {
                paths.push(dir.to_path_buf());
            }
        }
    }
    Ok(dedupe(paths)
        .into_iter()
        .map(|p| Mount::ReadOnly {
            source: p.clone(),
            target: p,
        })
        .collect())
}

fn mount_fix(def: &Definition, template: &Template) -> String {
    let from_binary = template.vars().find_map(|v| match v {
        Var::Bin(name) | Var::Probe(name, _) => def
            .binaries
            .iter()
            .find(|b| b.name == *name)
            .map(|b| b.install.clone()),
        _ => None,
    });
    from_binary
        .or_else(|| def.install.clone())
        .unwrap_or_else(|| "install the package that provides it".to_string())
}

/// Drops duplicates and paths inside another mounted real directory.
fn dedupe(paths: Vec<PathBuf>) -> Vec<PathBuf> {
    let mut unique: Vec<PathBuf> = Vec::new();
    for p in paths {
        if !unique.contains(&p) {
            unique.push(p);
        }
    }
    // Only a real directory (no symlink on the way) is seen identically inside the sandbox.
    let real: Vec<bool> = unique
        .iter()
        .map(|p| std::fs::canonicalize(p).is_ok_and(|c| c == *p))
        .collect();
    unique
        .iter()
        .enumerate()
        .filter(|&(i, p)| {
            !(real[i]
                && unique
                    .iter()
                    .enumerate()
                    .any(|(j, outer)| j != i && real[j] && p.starts_with(outer)))
        })
        .map(|(_, p)| p.clone())
        .collect()
}

impl ResolvedToolchain {
    /// The toolchain this was resolved from.
    pub fn toolchain(&self) -> &Toolchain {
        &self.toolchain
    }

    /// The complete environment of every command.
    pub fn env(&self) -> &[(String, String)] {
        &self.env
    }

    /// The read-only mounts every command gets (before the support dir and dependency sets).
    pub fn mounts(&self) -> &[Mount] {
        &self.mounts
    }

    /// The resolved binary of that name.
    pub fn binary(&self, name: &str) -> Option<&ResolvedBinary> {
        self.binaries.iter().find(|b| b.name == name)
    }

    /// One line naming each binary's version and real path, e.g.
    /// `rustc 1.95.0 (…) at /root/.rustup/toolchains/…/bin/rustc; cc … at /usr/bin/…`.
    pub fn version_line(&self) -> String {
        self.binaries
            .iter()
            .map(|b| format!("{} at {}", b.version, b.path.display()))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The fingerprint (see the field).
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Whether the dependency set is ready. Never builds anything.
    pub fn dependency_status(&self) -> DependencyStatus {
        let def = &self.toolchain.def;
        if let (Some(rc), Some(dir)) = (&def.rust_crates, &self.rust_deps_dir) {
            return match self.rust_deps() {
                Ok(d) => DependencyStatus::Ready {
                    detail: format!(
                        "crates {} built (in {:.1} s)",
                        rc.crates.join(", "),
                        d.build_seconds
                    ),
                    path: dir.clone(),
                },
                Err(ToolchainError::Dependencies { message, fix, .. }) => {
                    DependencyStatus::Missing {
                        detail: message,
                        fix,
                        required: true,
                    }
                }
                Err(other) => DependencyStatus::Missing {
                    detail: other.to_string(),
                    fix: rc.install.clone(),
                    required: true,
                },
            };
        }
        if let (Some(wc), Some(dir)) = (&def.warm_cache, &self.warm_cache_dir) {
            return if deps::warm_cache_ready(dir) {
                DependencyStatus::Ready {
                    detail: format!("warm {} cache", wc.variable),
                    path: dir.clone(),
                }
            } else {
                DependencyStatus::Missing {
                    detail: format!(
                        "no warm {} cache: builds start cold and take seconds longer",
                        wc.variable
                    ),
                    fix: wc.install.clone(),
                    required: false,
                }
            };
        }
        DependencyStatus::NotNeeded
    }

    /// Makes the dependency set ready: builds the Rust crates or warms the build cache once
    /// (a minute the first time, a `stat` afterwards). Blocking; safe to call from several
    /// processes at once. Fails only when a required set (the Rust crates) cannot be built; a
    /// build cache that cannot be warmed is logged and left cold (slower, still correct).
    pub fn ensure_dependencies(&self) -> Result<(), ToolchainError> {
        let def = &self.toolchain.def;
        let language = self.language.name().to_string();
        if let (Some(rc), Some(dir)) = (&def.rust_crates, &self.rust_deps_dir) {
            if self.rust_deps.get().is_some() {
                return Ok(());
            }
            let rustc = self
                .binary(&rc.binary)
                .ok_or_else(|| ToolchainError::Dependencies {
                    language: language.clone(),
                    message: format!("binary `{}` was not resolved", rc.binary),
                    fix: rc.install.clone(),
                })?;
            let built = deps::ensure_rust_crates(dir, rc, &rustc.path, &rustc.version_output)
                .map_err(|message| ToolchainError::Dependencies {
                    language: language.clone(),
                    message: format!("building crates {}: {message}", rc.crates.join(", ")),
                    fix: "check network access to crates.io (or a populated ~/.cargo/registry), then run `selfheal setup`"
                        .to_string(),
                })?;
            // Another thread may have set it meanwhile; both values are the same set.
            let _ = self.rust_deps.set(built);
        }
        if let (Some(wc), Some(dir)) = (&def.warm_cache, &self.warm_cache_dir) {
            let commands: Vec<Vec<String>> = wc
                .commands
                .iter()
                .map(|argv| argv.iter().map(|t| self.expand_host(t)).collect())
                .collect();
            // A cold cache is only slower, never wrong: a failure to warm it (say, a read-only
            // cache directory) must not make the language unusable. `doctor` reports it.
            if let Err(message) = deps::ensure_warm_cache(dir, wc, &commands, &self.env) {
                tracing::warn!(
                    language = %language,
                    "could not warm the {} cache, builds will start cold: {message}. Fix: {}",
                    wc.variable,
                    wc.install
                );
            }
        }
        Ok(())
    }

    fn expand_host(&self, t: &Template) -> String {
        t.expand::<()>(|v| {
            Ok(match v {
                Var::Bin(name) => self
                    .binary(name)
                    .map(|b| b.path.display().to_string())
                    .unwrap_or_default(),
                Var::Probe(name, probe) => self
                    .binary(name)
                    .map(|b| probe_value(b, probe))
                    .unwrap_or_default(),
                _ => String::new(),
            })
        })
        .unwrap_or_default()
    }

    fn rust_deps(&self) -> Result<&RustDeps, ToolchainError> {
        if let Some(d) = self.rust_deps.get() {
            return Ok(d);
        }
        let language = self.language.name().to_string();
        let (Some(rc), Some(dir)) = (&self.toolchain.def.rust_crates, &self.rust_deps_dir) else {
            return Err(ToolchainError::Dependencies {
                language,
                message: "the toolchain has no [dependencies.rust-crates]".into(),
                fix: "add one to the toolchain file".into(),
            });
        };
        let loaded =
            deps::load_rust_crates(dir, rc).map_err(|why| ToolchainError::Dependencies {
                language,
                message: format!(
                    "the crates {} are not built yet ({why})",
                    rc.crates.join(", ")
                ),
                fix: format!(
                    "run `{}` (or call ResolvedToolchain::ensure_dependencies)",
                    rc.install
                ),
            })?;
        Ok(self.rust_deps.get_or_init(|| loaded))
    }

    /// The commands of one step for a program, in order, with every template expanded.
    /// A step with nothing to do (no tests) is an empty list.
    pub fn plan(
        &self,
        step: StepKind,
        program: &Program,
    ) -> Result<Vec<PlannedCommand>, ToolchainError> {
        let def = &self.toolchain.def;
        let language = self.language.name();
        let plan_err = |message: String| ToolchainError::Plan {
            language: language.to_string(),
            step: step.name(),
            message,
        };
        if program.language != self.language {
            return Err(plan_err(format!(
                "the program is {}, this toolchain is for {language}",
                program.language
            )));
        }
        let tests: Vec<&str> = program
            .files
            .keys()
            .map(String::as_str)
            .filter(|f| def.tests.is_match(f))
            .collect();
        let sources: Vec<&str> = program
            .files
            .keys()
            .map(String::as_str)
            .filter(|f| def.sources.is_match(f) && !def.tests.is_match(f))
            .collect();
        if sources.is_empty() {
            return Err(plan_err(format!(
                "no source files: expected files matching {}",
                def.source_patterns.join(", ")
            )));
        }
        let has_tests = !tests.is_empty()
            || def.test_marker.as_deref().is_some_and(|marker| {
                sources.iter().any(|f| {
                    program
                        .files
                        .get(*f)
                        .is_some_and(|text| text.contains(marker))
                })
            });
        let edition = program
            .options
            .get("edition")
            .map(|e| e.trim().to_string())
            .unwrap_or_else(|| def.default_edition.clone());
        let commands = def.steps.get(&step).map(Vec::as_slice).unwrap_or_default();
        let mut planned = Vec::new();
        for command in commands {
            match command.requires {
                Some(Requires::Tests) if !has_tests => continue,
                Some(Requires::NoTests) if has_tests => continue,
                _ => {}
            }
            let needs = |pred: fn(&Var) -> bool| command.uses(pred);
            if needs(|v| matches!(v, Var::Edition)) {
                check_edition(&edition).map_err(|m| plan_err(format!("program option {m}")))?;
            }
            let entry = if needs(|v| matches!(v, Var::Entry | Var::CrateType)) {
                Some(self.entry(step, program, &sources).map_err(plan_err)?)
            } else {
                None
            };
            let extern_args = if needs(|v| matches!(v, Var::ExternArgs)) {
                Some(self.rust_deps()?)
            } else {
                None
            };
            let files: Vec<Option<&str>> = match command.for_each {
                None => vec![None],
                Some(ForEach::Sources) => sources.iter().copied().map(Some).collect(),
                Some(ForEach::Tests) => tests.iter().copied().map(Some).collect(),
            };
            for file in files {
                let value = |var: &Var| -> Result<String, ToolchainError> {
                    Ok(match var {
                        Var::Bin(name) => self
                            .binary(name)
                            .map(|b| b.path.display().to_string())
                            .unwrap_or_default(),
                        Var::Probe(name, probe) => self
                            .binary(name)
                            .map(|b| probe_value(b, probe))
                            .unwrap_or_default(),
                        Var::File => file.unwrap_or_default().to_string(),
                        Var::Entry => entry
                            .as_ref()
                            .map(|(path, _)| path.clone())
                            .unwrap_or_default(),
                        Var::CrateType => entry
                            .as_ref()
                            .and_then(|(_, kind)| kind.clone())
                            .unwrap_or_default(),
                        Var::Edition => edition.clone(),
                        Var::Support => SUPPORT_DIR.to_string(),
                        Var::Work => WORK_DIR.to_string(),
                        Var::Sources | Var::Tests | Var::ExternArgs => {
                            return Err(plan_err(format!("{var} must be a whole argument")))
                        }
                    })
                };
                let mut argv = Vec::new();
                for template in &command.argv {
                    match template.as_multi() {
                        Some(Var::Sources) => argv.extend(sources.iter().map(|s| s.to_string())),
                        Some(Var::Tests) => argv.extend(tests.iter().map(|s| s.to_string())),
                        Some(Var::ExternArgs) => {
                            argv.extend(extern_args.map(RustDeps::args).unwrap_or_default())
                        }
                        _ => argv.push(template.expand(value)?),
                    }
                }
                if !argv.first().is_some_and(|a| a.starts_with('/')) {
                    return Err(plan_err(format!(
                        "the command `{}` does not start with an absolute path",
                        argv.join(" ")
                    )));
                }
                planned.push(PlannedCommand {
                    step,
                    argv,
                    parser: command.parser.clone(),
                    env: self.env.clone(),
                    mounts: self.command_mounts(command, extern_args),
                    limits: command.limits.clone(),
                    cwd: command.cwd.clone(),
                });
            }
        }
        Ok(planned)
    }

    fn command_mounts(&self, _command: &CommandDef, rust_deps: Option<&RustDeps>) -> Vec<Mount> {
        let mut mounts = self.mounts.clone();
        mounts.push(Mount::ReadOnly {
            source: self.support_dir.clone(),
            target: PathBuf::from(SUPPORT_DIR),
        });
        if let Some(d) = rust_deps {
            mounts.push(Mount::ReadOnly {
                source: d.deps_dir.clone(),
                target: d.deps_dir.clone(),
            });
        }
        if let (Some(wc), Some(dir)) = (&self.toolchain.def.warm_cache, &self.warm_cache_dir) {
            if deps::warm_cache_ready(dir) {
                mounts.push(Mount::Overlay {
                    lower: dir.clone(),
                    target: PathBuf::from(&wc.target),
                });
            }
        }
        mounts
    }

    /// The entry file for a step and its crate type.
    fn entry(
        &self,
        step: StepKind,
        program: &Program,
        sources: &[&str],
    ) -> Result<(String, Option<String>), String> {
        let def = &self.toolchain.def;
        let allowed =
            |steps: &Option<Vec<StepKind>>| steps.as_ref().is_none_or(|s| s.contains(&step));
        if let Some(root) = def
            .roots
            .iter()
            .find(|r| allowed(&r.steps) && program.files.contains_key(&r.path))
        {
            return Ok((root.path.clone(), root.crate_type.clone()));
        }
        // A root reserved for other steps (a library has nothing to run) is not a single source.
        let reserved_root = def
            .roots
            .iter()
            .any(|r| !allowed(&r.steps) && program.files.contains_key(&r.path));
        if def.single_source_root && sources.len() == 1 && !reserved_root {
            let source = sources[0];
            let crate_type = def.single_source_crate_type.as_ref().map(|rule| {
                let text = program.files.get(source).map_or("", String::as_str);
                if text.contains(&rule.marker) {
                    rule.present.clone()
                } else {
                    rule.absent.clone()
                }
            });
            return Ok((source.to_string(), crate_type));
        }
        let candidates: Vec<&str> = def
            .roots
            .iter()
            .filter(|r| allowed(&r.steps))
            .map(|r| r.path.as_str())
            .collect();
        let mut message = format!("no entry point: expected {}", candidates.join(" or "));
        if def.single_source_root {
            message.push_str(", or a single source file");
        }
        if let Some(excluded) = def
            .roots
            .iter()
            .find(|r| !allowed(&r.steps) && program.files.contains_key(&r.path))
        {
            message.push_str(&format!(
                " ({} is only used by {})",
                excluded.path,
                excluded
                    .steps
                    .iter()
                    .flatten()
                    .map(|s| s.name())
                    .collect::<Vec<_>>()
                    .join(" and ")
            ));
        }
        Err(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::toolchain::ToolchainSet;

    /// A resolution with fixed, fake paths: plans are exact whatever the host has.
    fn fake(language: TargetLanguage, deps_ready: bool) -> ResolvedToolchain {
        let set = ToolchainSet::embedded().unwrap();
        let toolchain = set.get(language).unwrap().clone();
        let binaries: Vec<ResolvedBinary> = toolchain
            .def
            .binaries
            .iter()
            .map(|b| ResolvedBinary {
                name: b.name.clone(),
                path: PathBuf::from(format!("/opt/{0}/bin/{0}", b.name)),
                found_as: PathBuf::from(format!("/usr/bin/{}", b.name)),
                version: format!("{} 1.0", b.name),
                version_output: format!("{} 1.0", b.name),
                probes: b
                    .probes
                    .iter()
                    .map(|(p, _)| (p.clone(), format!("/opt/{}/{p}", b.name)))
                    .collect(),
            })
            .collect();
        let rust_deps = Arc::new(OnceLock::new());
        if deps_ready {
            let _ = rust_deps.set(RustDeps {
                deps_dir: PathBuf::from("/c/deps"),
                externs: vec![
                    ("rand".into(), PathBuf::from("/c/deps/librand-1.rlib")),
                    ("regex".into(), PathBuf::from("/c/deps/libregex-2.rlib")),
                    ("md5".into(), PathBuf::from("/c/deps/libmd5-3.rlib")),
                ],
                build_seconds: 1.0,
            });
        }
        let mut resolved = ResolvedToolchain {
            language,
            binaries,
            fingerprint: "f".repeat(64),
            toolchain,
            env: Vec::new(),
            mounts: vec![Mount::ReadOnly {
                source: "/usr".into(),
                target: "/usr".into(),
            }],
            support_dir: PathBuf::from("/host/support"),
            rust_deps_dir: Some(PathBuf::from("/nonexistent/selfheal-test/rust-deps/x")),
            warm_cache_dir: Some(PathBuf::from("/nonexistent/selfheal-test/go-cache/x")),
            rust_deps,
        };
        resolved.env = resolved
            .toolchain
            .def
            .env
            .iter()
            .map(|(k, t)| (k.clone(), resolved.expand_host(t)))
            .collect();
        resolved
    }

    fn program(language: TargetLanguage, files: &[(&str, &str)]) -> Program {
        Program::new(
            language,
            files.iter().map(|(a, b)| (a.to_string(), b.to_string())),
        )
        .unwrap()
    }

    fn argvs(plan: &[PlannedCommand]) -> Vec<Vec<&str>> {
        plan.iter()
            .map(|c| c.argv.iter().map(String::as_str).collect())
            .collect()
    }

    const EXTERNS: [&str; 8] = [
        "--extern",
        "rand=/c/deps/librand-1.rlib",
        "--extern",
        "regex=/c/deps/libregex-2.rlib",
        "--extern",
        "md5=/c/deps/libmd5-3.rlib",
        "-L",
        "dependency=/c/deps",
    ];

    fn with_externs<'a>(head: &[&'a str], tail: &[&'a str]) -> Vec<&'a str> {
        head.iter()
            .chain(EXTERNS.iter())
            .chain(tail)
            .copied()
            .collect()
    }

    #[test]
    fn plans_a_rust_library_with_tests() {
        let r = fake(TargetLanguage::Rust, true);
        let p = program(
            TargetLanguage::Rust,
            &[
                ("lib.rs", "pub fn f() {}\n#[cfg(test)]\nmod tests;\n"),
                ("tests.rs", "use super::*;\n#[test]\nfn t() { f() }\n"),
            ],
        )
        .with_option("edition", "2018");
        let check = r.plan(StepKind::Check, &p).unwrap();
        let rustc = "/opt/rustc/bin/rustc";
        assert_eq!(
            argvs(&check),
            [with_externs(
                &[
                    rustc,
                    "--edition",
                    "2018",
                    "--crate-type",
                    "lib",
                    "--crate-name",
                    "main",
                    "--error-format=json",
                    "--emit=metadata",
                    "-o",
                    "/tmp/selfheal-check",
                ],
                &["lib.rs"]
            )]
        );
        assert_eq!(check[0].parser, "rustc-json");
        assert_eq!(check[0].cwd, "");
        assert_eq!(check[0].limits.wall_time, Duration::from_secs(30));
        assert_eq!(check[0].limits.memory_bytes, 2 << 30);
        assert!(check[0].mounts.contains(&Mount::ReadOnly {
            source: "/host/support".into(),
            target: SUPPORT_DIR.into()
        }));
        assert!(check[0].mounts.contains(&Mount::ReadOnly {
            source: "/c/deps".into(),
            target: "/c/deps".into()
        }));
        assert!(check[0].env.contains(&(
            "PATH".to_string(),
            "/opt/rustc/bin:/usr/bin:/bin".to_string()
        )));
        assert!(check[0]
            .env
            .contains(&("HOME".to_string(), "/tmp".to_string())));

        let test = r.plan(StepKind::Test, &p).unwrap();
        assert_eq!(
            argvs(&test),
            [
                with_externs(
                    &[
                        rustc,
                        "--edition",
                        "2018",
                        "--test",
                        "--crate-name",
                        "main",
                        "--error-format=json",
                        "-o",
                        "/work/.selfheal/test-bin",
                    ],
                    &["lib.rs"]
                ),
                vec!["/work/.selfheal/test-bin", "--test-threads=1"],
            ]
        );
        assert_eq!(test[0].parser, "rustc-json");
        assert_eq!(test[1].parser, "libtest");
        assert_eq!(test[1].limits.wall_time, Duration::from_secs(30));
        assert_eq!(test[1].limits.cpu_time, Duration::from_secs(10));
        // The test binary needs no crates mounted.
        assert!(!test[1].mounts.iter().any(
            |m| matches!(m, Mount::ReadOnly { source, .. } if source == Path::new("/c/deps"))
        ));

        // A library has nothing to run.
        let err = r.plan(StepKind::Run, &p).unwrap_err().to_string();
        assert_eq!(
            err,
            "rust: cannot run: no entry point: expected main.rs or src/main.rs, or a single source file (lib.rs is only used by check and test)"
        );
    }

    #[test]
    fn plans_a_rust_binary_and_skips_tests_without_tests() {
        let r = fake(TargetLanguage::Rust, true);
        let p = program(TargetLanguage::Rust, &[("main.rs", "fn main() {}\n")]);
        assert!(r.plan(StepKind::Test, &p).unwrap().is_empty());
        let run = r.plan(StepKind::Run, &p).unwrap();
        assert_eq!(
            argvs(&run),
            [
                with_externs(
                    &[
                        "/opt/rustc/bin/rustc",
                        "--edition",
                        "2021",
                        "--crate-type",
                        "bin",
                        "--crate-name",
                        "main",
                        "--error-format=json",
                        "-o",
                        "/work/.selfheal/bin",
                    ],
                    &["main.rs"]
                ),
                vec!["/work/.selfheal/bin"],
            ]
        );
        assert_eq!(run[1].parser, "libtest");
        // Inline #[test] functions count as tests.
        let p = program(
            TargetLanguage::Rust,
            &[("main.rs", "fn main() {}\n#[test]\nfn t() {}\n")],
        );
        assert_eq!(r.plan(StepKind::Test, &p).unwrap().len(), 2);
    }

    #[test]
    fn rust_errors_name_the_problem() {
        let r = fake(TargetLanguage::Rust, true);
        let p = program(TargetLanguage::Rust, &[("lib.rs", "pub fn f() {}\n")])
            .with_option("edition", "2022");
        let err = r.plan(StepKind::Check, &p).unwrap_err().to_string();
        assert_eq!(
            err,
            "rust: cannot check: program option edition `2022` is not a Rust edition; use one of 2015, 2018, 2021, 2024"
        );
        let p = program(
            TargetLanguage::Rust,
            &[
                ("util.rs", "pub fn f() {}\n"),
                ("more.rs", "pub fn g() {}\n"),
            ],
        );
        let err = r.plan(StepKind::Check, &p).unwrap_err().to_string();
        assert_eq!(
            err,
            "rust: cannot check: no entry point: expected lib.rs or main.rs or src/lib.rs or src/main.rs, or a single source file"
        );
        // One file under any other name is its own crate: a binary when it has `fn main`.
        let p = program(TargetLanguage::Rust, &[("util.rs", "pub fn f() {}\n")]);
        let check = r.plan(StepKind::Check, &p).unwrap();
        assert!(check[0]
            .argv
            .windows(2)
            .any(|w| w == ["--crate-type", "lib"]));
        let p = program(TargetLanguage::Rust, &[("hello.rs", "fn main() {}\n")]);
        let run = r.plan(StepKind::Run, &p).unwrap();
        assert!(run[0].argv.windows(2).any(|w| w == ["--crate-type", "bin"]));
        assert_eq!(run[0].argv.last().map(String::as_str), Some("hello.rs"));
        let p = program(
            TargetLanguage::Rust,
            &[("tests.rs", "#[test]\nfn t() {}\n")],
        );
        let err = r.plan(StepKind::Check, &p).unwrap_err().to_string();
        assert_eq!(
            err,
            "rust: cannot check: no source files: expected files matching **/*.rs"
        );
        let p = program(TargetLanguage::Python, &[("main.py", "x = 1\n")]);
        let err = r.plan(StepKind::Check, &p).unwrap_err().to_string();
        assert_eq!(
            err,
            "rust: cannot check: the program is python, this toolchain is for rust"
        );

        // Crates not built: a clear error, never a silent plan without them.
        let r = fake(TargetLanguage::Rust, false);
        let p = program(TargetLanguage::Rust, &[("lib.rs", "pub fn f() {}\n")]);
        let err = r.plan(StepKind::Check, &p).unwrap_err();
        assert!(matches!(err, ToolchainError::Dependencies { .. }), "{err}");
        assert!(err.to_string().contains("run `selfheal setup`"), "{err}");
    }

    #[test]
    fn plans_a_python_program() {
        let r = fake(TargetLanguage::Python, false);
        let p = program(
            TargetLanguage::Python,
            &[
                ("main.py", "def f():\n    return 1\n"),
                ("test_main.py", "from main import f\nassert f() == 1\n"),
                ("util.py", "X = 1\n"),
            ],
        );
        let py = "/opt/python/bin/python";
        let check = r.plan(StepKind::Check, &p).unwrap();
        assert_eq!(
            argvs(&check),
            [vec![py, "/selfheal/python_check.py", "main.py", "util.py"]]
        );
        assert_eq!(check[0].parser, "python-check");
        let test = r.plan(StepKind::Test, &p).unwrap();
        assert_eq!(argvs(&test), [vec![py, "test_main.py"]]);
        assert_eq!(test[0].parser, "python-run");
        let run = r.plan(StepKind::Run, &p).unwrap();
        assert_eq!(argvs(&run), [vec![py, "main.py"]]);
        assert_eq!(run[0].parser, "python-run");
        let env: BTreeMap<&str, &str> = run[0]
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(env["PATH"], "/opt/python/bin:/usr/bin:/bin");
        assert_eq!(env["PYTHONDONTWRITEBYTECODE"], "1");
        assert_eq!(env["PYTHONHASHSEED"], "0");
        assert_eq!(env["PYTHONIOENCODING"], "utf-8");
        assert_eq!(env["LANG"], "C.UTF-8");
        assert_eq!(env["HOME"], "/tmp");
        assert!(!env.contains_key("PYTHONPATH"));

        // No tests: an empty test step. A single source is the entry point.
        let p = program(TargetLanguage::Python, &[("solve.py", "print(1)\n")]);
        assert!(r.plan(StepKind::Test, &p).unwrap().is_empty());
        assert_eq!(
            argvs(&r.plan(StepKind::Run, &p).unwrap()),
            [vec![py, "solve.py"]]
        );
        let p = program(
            TargetLanguage::Python,
            &[("a.py", "x = 1\n"), ("b.py", "y = 2\n")],
        );
        let err = r.plan(StepKind::Run, &p).unwrap_err().to_string();
        assert_eq!(
            err,
            "python: cannot run: no entry point: expected main.py or __main__.py, or a single source file"
        );
    }

    #[test]
    fn plans_a_javascript_program() {
        let r = fake(TargetLanguage::JavaScript, false);
        let p = program(
            TargetLanguage::JavaScript,
            &[
                ("main.js", "module.exports = { f: () => 1 };\n"),
                ("lib/util.js", "module.exports = 2;\n"),
                (
                    "main.test.js",
                    "const { f } = require('./main');\nconsole.assert(f() === 1);\n",
                ),
            ],
        );
        let node = "/opt/node/bin/node";
        let check = r.plan(StepKind::Check, &p).unwrap();
        assert_eq!(
            argvs(&check),
            [
                vec![node, "--check", "lib/util.js"],
                vec![node, "--check", "main.js"]
            ]
        );
        assert!(check.iter().all(|c| c.parser == "node-check"));
        assert_eq!(check[0].limits.memory_bytes, 4 << 30);
        let test = r.plan(StepKind::Test, &p).unwrap();
        assert_eq!(argvs(&test), [vec![node, "main.test.js"]]);
        assert_eq!(test[0].parser, "node-run");
        let run = r.plan(StepKind::Run, &p).unwrap();
        assert_eq!(argvs(&run), [vec![node, "main.js"]]);
        assert!(!run[0].env.iter().any(|(k, _)| k == "NODE_OPTIONS"));
    }

    #[test]
    fn plans_a_go_program() {
        let r = fake(TargetLanguage::Go, false);
        let go = "/opt/go/bin/go";
        let with_tests = program(
            TargetLanguage::Go,
            &[
                (
                    "main.go",
                    "package main\n\nfunc Add(a, b int) int { return a + b }\n",
                ),
                (
                    "main_test.go",
                    "package main\n\nimport \"testing\"\n\nfunc TestAdd(t *testing.T) {}\n",
                ),
            ],
        );
        let check = r.plan(StepKind::Check, &with_tests).unwrap();
        assert_eq!(
            argvs(&check),
            [
                vec![go, "test", "-c", "-o", "/dev/null", "-vet=off", "."],
                vec![go, "vet", "."],
            ]
        );
        assert!(check.iter().all(|c| c.parser == "go-build"));
        let test = r.plan(StepKind::Test, &with_tests).unwrap();
        assert_eq!(argvs(&test), [vec![go, "test", "-count=1", "-v", "."]]);
        assert_eq!(test[0].parser, "go-test");
        assert_eq!(test[0].limits.memory_bytes, 4 << 30);
        assert_eq!(test[0].limits.processes, 256);
        let env: BTreeMap<&str, &str> = test[0]
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(env["GOPATH"], "/usr/share/gocode");
        assert_eq!(env["GO111MODULE"], "off");
        assert_eq!(env["GOFLAGS"], "");
        assert_eq!(env["CGO_ENABLED"], "0");
        assert_eq!(env["GOCACHE"], "/tmp/gocache");
        assert_eq!(env["GOROOT"], "/opt/go/goroot");
        assert_eq!(env["HOME"], "/tmp");
        // No warm cache here: GOCACHE lives on the sandbox's tmpfs, no overlay.
        assert!(!test[0]
            .mounts
            .iter()
            .any(|m| matches!(m, Mount::Overlay { .. })));

        let program_only = program(
            TargetLanguage::Go,
            &[("main.go", "package main\n\nfunc main() {}\n")],
        );
        let check = r.plan(StepKind::Check, &program_only).unwrap();
        assert_eq!(
            argvs(&check),
            [
                vec![go, "build", "-o", "/dev/null", "."],
                vec![go, "vet", "."]
            ]
        );
        assert!(r.plan(StepKind::Test, &program_only).unwrap().is_empty());
        let run = r.plan(StepKind::Run, &program_only).unwrap();
        assert_eq!(
            argvs(&run),
            [
                vec![go, "build", "-o", "/work/.selfheal/bin", "."],
                vec!["/work/.selfheal/bin"]
            ]
        );
        assert_eq!(run[0].parser, "go-build");
        assert_eq!(run[1].parser, "go-test");
    }

    #[test]
    fn warm_cache_is_overlaid_when_present() {
        let mut r = fake(TargetLanguage::Go, false);
        let dir = tempfile::tempdir().unwrap();
        r.warm_cache_dir = Some(dir.path().to_path_buf());
        let p = program(
            TargetLanguage::Go,
            &[("main.go", "package main\n\nfunc main() {}\n")],
        );
        let check = r.plan(StepKind::Check, &p).unwrap();
        assert!(check[0].mounts.contains(&Mount::Overlay {
            lower: dir.path().to_path_buf(),
            target: "/tmp/gocache".into()
        }));
        assert!(matches!(
            r.dependency_status(),
            DependencyStatus::Ready { .. }
        ));
    }

    #[test]
    fn dedupes_mounts() {
        let tmp = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(tmp.path()).unwrap();
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        let paths = vec![
            root.join("a/b"),
            root.join("a"),
            root.join("a"),
            root.join("c"),
        ];
        assert_eq!(dedupe(paths), vec![root.join("a"), root.join("c")]);
    }

    // ---- On this host: real binaries, real resolution. ----

    fn host_env(cache: &Path) -> ToolchainEnv {
        ToolchainEnv {
            cache_dir: cache.to_path_buf(),
            support_dir: PathBuf::from("/nonexistent/support"),
        }
    }

    #[test]
    fn missing_binary_names_the_install_command() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("python.toml"),
            r#"language = "python"
[files]
sources = ["*.py"]
[binaries.python]
candidates = ["selfheal-no-such-python", "/nonexistent/bin/python9"]
version = ["--version"]
install = "apt-get install -y python9"
[[check]]
argv = ["{bin:python}", "{sources}"]
parser = "python-check"
"#,
        )
        .unwrap();
        let set = ToolchainSet::load_dir(dir.path()).unwrap();
        let err = set
            .get(TargetLanguage::Python)
            .unwrap()
            .resolve(&host_env(dir.path()))
            .unwrap_err();
        match &err {
            ToolchainError::BinaryNotFound {
                language,
                binary,
                tried,
                install,
            } => {
                assert_eq!(language, "python");
                assert_eq!(binary, "python");
                assert_eq!(
                    tried,
                    "selfheal-no-such-python, /nonexistent/bin/python9 on PATH"
                );
                assert_eq!(install, "apt-get install -y python9");
            }
            other => panic!("{other}"),
        }
        assert!(
            err.to_string()
                .ends_with("Install it: apt-get install -y python9"),
            "{err}"
        );

        let entries = crate::toolchain::doctor(&set, &host_env(dir.path()));
        let py = entries
            .iter()
            .find(|e| e.language == TargetLanguage::Python)
            .unwrap();
        assert!(!py.ok);
        assert_eq!(py.fixes, ["apt-get install -y python9"]);
        let go = entries
            .iter()
            .find(|e| e.language == TargetLanguage::Go)
            .unwrap();
        assert!(!go.ok && go.problems[0].contains("no toolchain for go"));
        serde_json::to_string(&entries).unwrap();
    }

    #[test]
    fn python_resolution_sees_through_shims() {
        let set = ToolchainSet::embedded().unwrap();
        let cache = tempfile::tempdir().unwrap();
        let resolved = match set
            .get(TargetLanguage::Python)
            .unwrap()
            .resolve(&host_env(cache.path()))
        {
            Ok(r) => r,
            Err(ToolchainError::BinaryNotFound { .. }) => return, // no Python on this machine
            Err(e) => panic!("{e}"),
        };
        let python = resolved.binary("python").unwrap();
        assert!(python.path.is_absolute());
        assert_eq!(std::fs::canonicalize(&python.path).unwrap(), python.path);
        assert!(
            !python.path.to_string_lossy().contains("/shims/"),
            "{}",
            python.path.display()
        );
        // A shim is a script; the resolved binary is the interpreter itself (an ELF file).
        let head = std::fs::read(&python.path).unwrap();
        assert_eq!(&head[..4], b"\x7fELF", "{}", python.path.display());
        if python.found_as.to_string_lossy().contains(".pyenv/shims") {
            assert!(python.path.to_string_lossy().contains(".pyenv/versions/"));
        }
        assert!(
            python.version.starts_with("Python 3."),
            "{}",
            python.version
        );
        let prefix = PathBuf::from(&python.probes["prefix"]);
        assert!(resolved
            .mounts()
            .iter()
            .any(|m| matches!(m, Mount::ReadOnly { source, .. } if prefix.starts_with(source))));
        assert_eq!(resolved.fingerprint.len(), 64);
        assert_eq!(resolved.dependency_status(), DependencyStatus::NotNeeded);
        // Resolution is deterministic.
        let again = set
            .get(TargetLanguage::Python)
            .unwrap()
            .resolve(&host_env(cache.path()))
            .unwrap();
        assert_eq!(again.fingerprint, resolved.fingerprint);
    }

    /// A persistent cache: the first run builds the crates (about a minute), later runs reuse them.
    fn shared_cache() -> PathBuf {
        std::env::temp_dir().join("selfheal-toolchain-tests-cache")
    }

    #[test]
    fn rust_crates_build_once_and_programs_use_them() {
        let set = ToolchainSet::embedded().unwrap();
        let resolved = match set
            .get(TargetLanguage::Rust)
            .unwrap()
            .resolve(&host_env(&shared_cache()))
        {
            Ok(r) => r,
            Err(ToolchainError::BinaryNotFound { .. }) => return,
            Err(e) => panic!("{e}"),
        };
        let rustc = resolved.binary("rustc").unwrap();
        assert!(
            !rustc.path.starts_with("/root/.cargo/bin"),
            "rustup proxy not seen through"
        );
        resolved.ensure_dependencies().unwrap();
        assert!(matches!(
            resolved.dependency_status(),
            DependencyStatus::Ready { .. }
        ));

        // Compile and run a test binary on the host with exactly the planned arguments.
        let work = tempfile::tempdir().unwrap();
        let lib = "use rand::Rng;\nuse regex::Regex;\n\npub fn roll() -> u32 { rand::thread_rng().gen_range(1..=6) }\n\
                   pub fn digest(s: &str) -> String { format!(\"{:x}\", md5::compute(s)) }\n\
                   pub fn is_word(s: &str) -> bool { Regex::new(r\"^\\w+$\").unwrap().is_match(s) }\n\
                   #[cfg(test)]\nmod tests;\n";
        let tests = "use super::*;\n#[test]\nfn works() {\n    assert!((1..=6).contains(&roll()));\n    \
                     assert_eq!(digest(\"\"), \"d41d8cd98f00b204e9800998ecf8427e\");\n    assert!(is_word(\"abc\"));\n}\n";
        std::fs::write(work.path().join("lib.rs"), lib).unwrap();
        std::fs::write(work.path().join("tests.rs"), tests).unwrap();
        std::fs::create_dir(work.path().join(".selfheal")).unwrap();
        let p = program(
            TargetLanguage::Rust,
            &[("lib.rs", lib), ("tests.rs", tests)],
        );
        let work_path = work.path().display().to_string();
        for command in resolved.plan(StepKind::Test, &p).unwrap() {
            let argv: Vec<String> = command
                .argv
                .iter()
                .map(|a| a.replace(WORK_DIR, &work_path))
                .collect();
            let out = Command::new(&argv[0])
                .args(&argv[1..])
                .env_clear()
                .envs(command.env.iter().map(|(k, v)| (k, v)))
                .current_dir(work.path())
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{argv:?}\n{}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }

    #[test]
    fn go_cache_warms_once() {
        let set = ToolchainSet::embedded().unwrap();
        let resolved = match set
            .get(TargetLanguage::Go)
            .unwrap()
            .resolve(&host_env(&shared_cache()))
        {
            Ok(r) => r,
            Err(ToolchainError::BinaryNotFound { .. } | ToolchainError::Dependencies { .. }) => {
                return
            }
            Err(e) => panic!("{e}"),
        };
        let go = resolved.binary("go").unwrap();
        assert!(go.path.ends_with("bin/go"));
        assert!(resolved
            .env()
            .contains(&("GOROOT".to_string(), go.probes["goroot"].clone())));
        resolved.ensure_dependencies().unwrap();
        let DependencyStatus::Ready { path, .. } = resolved.dependency_status() else {
            panic!("not warmed");
        };
        let p = program(
            TargetLanguage::Go,
            &[("main.go", "package main\n\nfunc main() {}\n")],
        );
        let check = resolved.plan(StepKind::Check, &p).unwrap();
        assert!(check[0].mounts.contains(&Mount::Overlay {
            lower: path,
            target: "/tmp/gocache".into()
        }));
    }
}
