//! Dependency sets, built once on the host into the cache directory.
//!
//! - `rust-crates`: a scratch cargo project with the toolchain file's exact manifest and lock
//!   file, built by the host's cargo with the very rustc that compiles programs; programs get
//!   the rlibs through `--extern`. It is selfheal's own fixed manifest, so it runs on the host,
//!   not in the sandbox.
//! - `warm-cache`: a build cache (GOCACHE) filled by building a fixed program with the same
//!   toolchain paths and environment as in the sandbox; commands get it as an overlay.
//!
//! Both are built in a temporary directory and renamed into place, so a reader sees a complete
//! set or none; an exclusive `flock` on `<dir>.lock` keeps two processes from building at once.

use std::collections::BTreeMap;
use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::file::{RustCratesDef, WarmCacheDef};
use super::process;

/// Version of the on-disk layout below; bump to rebuild everywhere.
const LAYOUT: u32 = 1;
const MANIFEST: &str = "manifest.json";
const CARGO_TIMEOUT: Duration = Duration::from_secs(30 * 60);
const WARM_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// What `ensure_rust_crates` leaves next to the rlibs.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CratesManifest {
    layout: u32,
    rustc: PathBuf,
    rustc_version: String,
    /// Crate name → rlib file name inside `deps/`.
    crates: BTreeMap<String, String>,
    build_seconds: f64,
}

/// A built crate set, ready for `--extern`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RustDeps {
    /// The directory holding every rlib (mounted read-only at the same path).
    pub(crate) deps_dir: PathBuf,
    /// (crate name, absolute rlib path), in the toolchain file's order.
    pub(crate) externs: Vec<(String, PathBuf)>,
    pub(crate) build_seconds: f64,
}

impl RustDeps {
    /// `--extern rand=/abs/librand-….rlib … -L dependency=/abs/deps`.
    pub(crate) fn args(&self) -> Vec<String> {
        let mut args = Vec::new();
        for (name, path) in &self.externs {
            args.push("--extern".to_string());
            args.push(format!("{}={}", name.replace('-', "_"), path.display()));
        }
        args.push("-L".to_string());
        args.push(format!("dependency={}", self.deps_dir.display()));
        args
    }
}

/// Reads a built crate set; `Err` says what is missing.
pub(crate) fn load_rust_crates(dir: &Path, def: &RustCratesDef) -> Result<RustDeps, String> {
    let manifest_path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&manifest_path)
        .map_err(|e| format!("{}: {e}", manifest_path.display()))?;
    let manifest: CratesManifest = serde_json::from_str(&text)
        .map_err(|e| format!("{}: unreadable ({e})", manifest_path.display()))?;
    if manifest.layout != LAYOUT {
        return Err(format!(
            "{}: built by another selfheal version",
            manifest_path.display()
        ));
    }
    let deps_dir = dir.join("deps");
    let mut externs = Vec::new();
    for name in &def.crates {
        let file = manifest
            .crates
            .get(name)
            .ok_or_else(|| format!("{}: no rlib recorded for `{name}`", manifest_path.display()))?;
        let path = deps_dir.join(file);
        if !path.is_file() {
            return Err(format!("{} is missing", path.display()));
        }
        externs.push((name.clone(), path));
    }
    Ok(RustDeps {
        deps_dir,
        externs,
        build_seconds: manifest.build_seconds,
    })
}

/// Builds the crate set into `dir` unless it is already there.
pub(crate) fn ensure_rust_crates(
    dir: &Path,
    def: &RustCratesDef,
    rustc: &Path,
    rustc_version: &str,
) -> Result<RustDeps, String> {
    if let Ok(deps) = load_rust_crates(dir, def) {
        return Ok(deps);
    }
    let _lock = lock(dir)?;
    // Another process may have finished while we waited for the lock.
    if let Ok(deps) = load_rust_crates(dir, def) {
        return Ok(deps);
    }
    let scratch = Scratch::new(dir)?;
    let project = scratch.path.join("project");
    let target = scratch.path.join("target");
    std::fs::create_dir_all(project.join("src")).map_err(|e| io_msg(&project, e))?;
    write(&project.join("Cargo.toml"), &def.manifest)?;
    write(
        &project.join("src/lib.rs"),
        "// selfheal dependency set: built only for its dependencies.\n",
    )?;
    if let Some(lock) = &def.lockfile {
        write(&project.join("Cargo.lock"), lock)?;
    }
    let cargo = find_cargo(rustc);
    let started = Instant::now();
    let build = |offline: bool| -> Result<process::Output, String> {
        let mut cmd = Command::new(&cargo);
        cmd.arg("build")
            .arg("--release")
            .arg("--message-format=json-render-diagnostics")
            .arg("--manifest-path")
            .arg(project.join("Cargo.toml"));
        if def.lockfile.is_some() {
            cmd.arg("--locked");
        }
        if offline {
            cmd.arg("--offline");
        }
        // The host's cargo configuration may not change how the crates are compiled: they must
        // link with programs compiled by the plain `rustc` below.
        for var in [
            "CARGO_ENCODED_RUSTFLAGS",
            "RUSTC_WRAPPER",
            "RUSTC_WORKSPACE_WRAPPER",
            "CARGO_BUILD_TARGET",
            "CARGO_BUILD_RUSTFLAGS",
            "RUSTDOCFLAGS",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("RUSTC", rustc)
            .env("RUSTFLAGS", "")
            .env("CARGO_TARGET_DIR", &target)
            .env("CARGO_INCREMENTAL", "0")
            .env("CARGO_TERM_COLOR", "never")
            .current_dir(&project);
        let what = process::describe(&cmd);
        let out = process::run(&mut cmd, CARGO_TIMEOUT).map_err(|e| format!("`{what}`: {e}"))?;
        if out.status.success() {
            Ok(out)
        } else {
            Err(format!(
                "`{what}` failed ({}):\n{}",
                out.status,
                out.tail(15)
            ))
        }
    };
    // Offline first: the crates are usually in cargo's local registry cache already.
    let out = match build(true) {
        Ok(out) => out,
        Err(offline_err) => build(false).map_err(|online_err| {
            format!(
                "{online_err}\n(the offline attempt failed too: {})",
                first_line(&offline_err)
            )
        })?,
    };
    let build_seconds = started.elapsed().as_secs_f64();
    let rlibs = rlib_paths(&out.stdout, &def.crates, &pinned_versions(&def.manifest))?;
    let deps_dir = rlibs
        .values()
        .next()
        .and_then(|p| p.parent())
        .map(Path::to_path_buf)
        .ok_or_else(|| "cargo reported no rlib".to_string())?;
    if rlibs
        .values()
        .any(|p| p.parent() != Some(deps_dir.as_path()))
    {
        return Err(format!(
            "cargo put the rlibs in different directories: {rlibs:?}"
        ));
    }
    let out_dir = scratch.path.join("out");
    std::fs::create_dir_all(&out_dir).map_err(|e| io_msg(&out_dir, e))?;
    std::fs::rename(&deps_dir, out_dir.join("deps")).map_err(|e| io_msg(&deps_dir, e))?;
    let manifest = CratesManifest {
        layout: LAYOUT,
        rustc: rustc.to_path_buf(),
        rustc_version: rustc_version.to_string(),
        crates: rlibs
            .iter()
            .filter_map(|(name, path)| {
                path.file_name()
                    .map(|f| (name.clone(), f.to_string_lossy().into_owned()))
            })
            .collect(),
        build_seconds,
    };
    let json = serde_json::to_string_pretty(&manifest).map_err(|e| e.to_string())?;
    write(&out_dir.join(MANIFEST), &json)?;
    std::fs::rename(&out_dir, dir).map_err(|e| io_msg(dir, e))?;
    tracing::info!(dir = %dir.display(), build_seconds, "built the Rust dependency set");
    load_rust_crates(dir, def)
}

/// `name → version` of the manifest's `[dependencies]` pinned with `=` (`rand = "=0.8.8"`).
fn pinned_versions(manifest: &str) -> BTreeMap<String, String> {
    let Ok(doc) = manifest.parse::<toml::Table>() else {
        return BTreeMap::new();
    };
    let Some(deps) = doc.get("dependencies").and_then(toml::Value::as_table) else {
        return BTreeMap::new();
    };
    deps.iter()
        .filter_map(|(name, spec)| {
            let version = match spec {
                toml::Value::String(v) => Some(v.as_str()),
                toml::Value::Table(t) => t.get("version").and_then(toml::Value::as_str),
                _ => None,
            }?;
            let pinned = version.trim().strip_prefix('=')?.trim();
            Some((name.replace('-', "_"), pinned.to_string()))
        })
        .collect()
}

/// The rlib of each wanted crate, from cargo's JSON messages. When the set holds two versions
/// of a crate (`rand` 0.8 wanted, 0.9 pulled in by another crate), the manifest's pinned
/// version (`pins`, by crate name) picks the one programs get.
fn rlib_paths(
    messages: &str,
    crates: &[String],
    pins: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, PathBuf>, String> {
    #[derive(Deserialize)]
    struct Artifact {
        reason: String,
        #[serde(default)]
        package_id: String,
        #[serde(default)]
        target: Option<Target>,
        #[serde(default)]
        filenames: Vec<PathBuf>,
    }
    #[derive(Deserialize)]
    struct Target {
        name: String,
    }
    let mut found = BTreeMap::new();
    for line in messages.lines() {
        let Ok(msg) = serde_json::from_str::<Artifact>(line) else {
            continue;
        };
        if msg.reason != "compiler-artifact" {
            continue;
        }
        let Some(target) = msg.target else { continue };
        // `registry+https://…#rand@0.8.8` (older cargo: `rand 0.8.8 (registry+…)`).
        let version = msg
            .package_id
            .rsplit_once('@')
            .map(|(_, v)| v)
            .or_else(|| msg.package_id.split(' ').nth(1))
            .unwrap_or("");
        for name in crates {
            let crate_name = name.replace('-', "_");
            let wanted = pins.get(&crate_name).is_none_or(|pin| pin == version);
            if target.name == crate_name && wanted {
                if let Some(rlib) = msg
                    .filenames
                    .iter()
                    .find(|f| f.extension().is_some_and(|e| e == "rlib"))
                {
                    found.insert(name.clone(), rlib.clone());
                }
            }
        }
    }
    let missing: Vec<&str> = crates
        .iter()
        .filter(|c| !found.contains_key(*c))
        .map(String::as_str)
        .collect();
    if missing.is_empty() {
        Ok(found)
    } else {
        Err(format!(
            "cargo built no rlib for {}; does the manifest depend on them?",
            missing.join(", ")
        ))
    }
}

/// cargo next to the resolved rustc (rustup sysroots and Debian both put it there), else PATH.
fn find_cargo(rustc: &Path) -> PathBuf {
    rustc
        .parent()
        .map(|dir| dir.join("cargo"))
        .filter(|p| p.is_file())
        .unwrap_or_else(|| PathBuf::from("cargo"))
}

/// Whether a warm cache is in place.
pub(crate) fn warm_cache_ready(dir: &Path) -> bool {
    dir.is_dir()
}

/// Warms the cache into `dir` unless it is already there. `commands` are expanded argvs;
/// `env` is the sandbox environment, in which `def.variable` is pointed at the new cache.
pub(crate) fn ensure_warm_cache(
    dir: &Path,
    def: &WarmCacheDef,
    commands: &[Vec<String>],
    env: &[(String, String)],
) -> Result<(), String> {
    if warm_cache_ready(dir) {
        return Ok(());
    }
    let _lock = lock(dir)?;
    if warm_cache_ready(dir) {
        return Ok(());
    }
    let scratch = Scratch::new(dir)?;
    let cache = scratch.path.join("cache");
    let src = scratch.path.join("src");
    std::fs::create_dir_all(&cache).map_err(|e| io_msg(&cache, e))?;
    for (name, text) in &def.files {
        let path = src.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io_msg(parent, e))?;
        }
        write(&path, text)?;
    }
    let started = Instant::now();
    for argv in commands {
        let Some((program, args)) = argv.split_first() else {
            continue;
        };
        let mut cmd = Command::new(program);
        cmd.args(args).env_clear().current_dir(&src);
        for (key, value) in env {
            if *key == def.variable {
                cmd.env(key, &cache);
            } else {
                cmd.env(key, value);
            }
        }
        let what = process::describe(&cmd);
        let out = process::run(&mut cmd, WARM_TIMEOUT).map_err(|e| format!("`{what}`: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "`{what}` failed ({}):\n{}",
                out.status,
                out.tail(15)
            ));
        }
    }
    std::fs::rename(&cache, dir).map_err(|e| io_msg(dir, e))?;
    tracing::info!(
        dir = %dir.display(),
        seconds = started.elapsed().as_secs_f64(),
        "warmed the build cache"
    );
    Ok(())
}

/// A scratch directory next to `dir` (same file system, so the final rename is atomic),
/// removed on drop. Leftovers of crashed builds are removed first: the caller holds the lock.
struct Scratch {
    path: PathBuf,
}

impl Scratch {
    fn new(dir: &Path) -> Result<Scratch, String> {
        let (parent, name) = split(dir)?;
        let prefix = format!(".build-{name}-");
        if let Ok(entries) = std::fs::read_dir(parent) {
            for entry in entries.flatten() {
                if entry.file_name().to_string_lossy().starts_with(&prefix) {
                    // Best effort: a leftover we cannot remove only wastes space.
                    let _ = std::fs::remove_dir_all(entry.path());
                }
            }
        }
        let path = parent.join(format!("{prefix}{}", std::process::id()));
        std::fs::create_dir_all(&path).map_err(|e| io_msg(&path, e))?;
        Ok(Scratch { path })
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // Best effort: nothing useful to do if cleanup fails.
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// An exclusive lock on `<dir>.lock`, held until dropped (closing the file releases it).
struct Lock {
    _file: File,
}

fn lock(dir: &Path) -> Result<Lock, String> {
    let (parent, name) = split(dir)?;
    std::fs::create_dir_all(parent).map_err(|e| io_msg(parent, e))?;
    let path = parent.join(format!("{name}.lock"));
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| io_msg(&path, e))?;
    loop {
        // SAFETY: flock only reads the descriptor, which `file` keeps open for the call.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
        if rc == 0 {
            return Ok(Lock { _file: file });
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Err(io_msg(&path, err));
        }
    }
}

fn split(dir: &Path) -> Result<(&Path, String), String> {
    match (dir.parent(), dir.file_name()) {
        (Some(parent), Some(name)) => Ok((parent, name.to_string_lossy().into_owned())),
        _ => Err(format!("{}: not a usable cache directory", dir.display())),
    }
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| io_msg(path, e))
}

fn io_msg(path: &Path, e: std::io::Error) -> String {
    format!("{}: {e}", path.display())
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_rlibs_in_cargo_messages() {
        let messages = concat!(
            r#"{"reason":"compiler-artifact","target":{"name":"rand_core"},"filenames":["/t/deps/librand_core-1.rlib","/t/deps/librand_core-1.rmeta"]}"#,
            "\n",
            r#"{"reason":"compiler-artifact","target":{"name":"rand"},"filenames":["/t/deps/librand-2.rlib","/t/deps/librand-2.rmeta"]}"#,
            "\n",
            r#"{"reason":"build-finished","success":true}"#,
            "\n"
        );
        let none = BTreeMap::new();
        let found = rlib_paths(messages, &["rand".to_string()], &none).unwrap();
        assert_eq!(found["rand"], PathBuf::from("/t/deps/librand-2.rlib"));
        let err =
            rlib_paths(messages, &["rand".to_string(), "md5".to_string()], &none).unwrap_err();
        assert!(err.contains("no rlib for md5"), "{err}");
    }

    #[test]
    fn the_pinned_version_wins_when_two_are_built() {
        let messages = concat!(
            r#"{"reason":"compiler-artifact","package_id":"registry+https://x#rand@0.8.8","target":{"name":"rand"},"filenames":["/t/deps/librand-8.rlib"]}"#,
            "\n",
            r#"{"reason":"compiler-artifact","package_id":"registry+https://x#rand@0.9.5","target":{"name":"rand"},"filenames":["/t/deps/librand-9.rlib"]}"#,
            "\n",
        );
        let manifest = "[dependencies]\nrand = \"=0.8.8\"\nmd5 = { version = \"=0.7.0\" }\n";
        let pins = pinned_versions(manifest);
        assert_eq!(pins["rand"], "0.8.8");
        assert_eq!(pins["md5"], "0.7.0");
        let found = rlib_paths(messages, &["rand".to_string()], &pins).unwrap();
        assert_eq!(found["rand"], PathBuf::from("/t/deps/librand-8.rlib"));
    }

    #[test]
    fn extern_args_shape() {
        let deps = RustDeps {
            deps_dir: PathBuf::from("/c/deps"),
            externs: vec![
                ("rand".into(), PathBuf::from("/c/deps/librand-1.rlib")),
                ("md5".into(), PathBuf::from("/c/deps/libmd5-2.rlib")),
            ],
            build_seconds: 1.0,
        };
        assert_eq!(
            deps.args(),
            [
                "--extern",
                "rand=/c/deps/librand-1.rlib",
                "--extern",
                "md5=/c/deps/libmd5-2.rlib",
                "-L",
                "dependency=/c/deps"
            ]
        );
    }

    #[test]
    fn lock_is_exclusive_between_descriptors() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("set");
        let held = lock(&target).unwrap();
        let path = dir.path().join("set.lock");
        let other = File::open(&path).unwrap();
        // SAFETY: plain flock on an open descriptor.
        let rc = unsafe { libc::flock(other.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        assert_eq!(
            rc, -1,
            "a second lock must not be granted while the first is held"
        );
        drop(held);
        // SAFETY: as above.
        let rc = unsafe { libc::flock(other.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        assert_eq!(rc, 0);
    }
}
