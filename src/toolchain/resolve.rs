//! Resolution: binaries to absolute real paths (through shims), versions and probes (cached
//! across processes by the binaries' identity, see `probe_cache`), mounts, fingerprint.
//! Planning a step with the result is in `plan`.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use serde::Serialize;

use super::deps::RustDeps;
use super::file::{BinaryDef, Definition, Toolchain};
use super::probe_cache::{FileIdentity, ProbeCache, ProbedBinary};
use super::process;
use super::template::{Template, Var};
use super::{ToolchainEnv, ToolchainError, SUPPORT_DIR};
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
    /// Built and usable: `detail` says what (and how long it took), `path` where it is.
    Ready { detail: String, path: PathBuf },
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
    /// The language of the toolchain file.
    pub language: TargetLanguage,
    /// Every binary of the toolchain file, in its order, found and probed.
    pub binaries: Vec<ResolvedBinary>,
    /// blake3 (hex) over the toolchain file, each binary's path, version and probes, the mounts,
    /// the environment and the dependency set's identity. Changes whenever a result could.
    pub fingerprint: String,
    pub(super) toolchain: Toolchain,
    pub(super) env: Vec<(String, String)>,
    pub(super) mounts: Vec<Mount>,
    pub(super) support_dir: PathBuf,
    pub(super) rust_deps_dir: Option<PathBuf>,
    pub(super) warm_cache_dir: Option<PathBuf>,
    /// Set once the Rust crates are known to be built.
    pub(super) rust_deps: Arc<OnceLock<RustDeps>>,
}

impl Toolchain {
    /// Finds every binary (absolute real paths: shims are seen through), probes versions,
    /// computes the mounts and the fingerprint. Blocking: runs each probe once.
    pub fn resolve(&self, env: &ToolchainEnv) -> Result<ResolvedToolchain, ToolchainError> {
        let def = &self.def;
        let language = self.language.name();
        let probe_cache = ProbeCache::new(&env.cache_dir);
        let binaries = def
            .binaries
            .iter()
            .map(|b| resolve_binary(language, b, &probe_cache))
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

pub(super) fn probe_value(b: &ResolvedBinary, probe: &str) -> String {
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

pub(super) fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The first candidate that exists: absolute candidates as given, names in PATH order.
pub(super) fn find_on_path(candidates: &[String], path_var: Option<OsString>) -> Option<PathBuf> {
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

/// Finds one binary and probes it, or takes what an earlier process found out about the same
/// executable (see [`ProbeCache`]): a start without running anything.
pub(super) fn resolve_binary(
    language: &str,
    b: &BinaryDef,
    cache: &ProbeCache,
) -> Result<ResolvedBinary, ToolchainError> {
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
    let key = cache.key(b, &found_as);
    if let Some(hit) = key.as_ref().and_then(|k| cache.get(k)) {
        if is_executable(&hit.path) {
            return Ok(ResolvedBinary {
                name: b.name.clone(),
                path: hit.path,
                found_as,
                version: first_line(&hit.version_output),
                version_output: hit.version_output,
                probes: hit.probes,
            });
        }
    }
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
    // Taken before probing: a binary replaced while it is probed then misses next time.
    let identity = FileIdentity::of(&path);
    let version_output = run_probe(language, &path, &b.version)?;
    let mut probes = BTreeMap::new();
    for (name, args) in &b.probes {
        let out = first_line(&run_probe(language, &path, args)?);
        probes.insert(name.clone(), out);
    }
    if let (Some(key), Some(identity)) = (&key, identity) {
        cache.put(
            key,
            &ProbedBinary {
                path: path.clone(),
                identity,
                version_output: version_output.clone(),
                probes: probes.clone(),
            },
        );
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

#[cfg(test)]
mod tests;
