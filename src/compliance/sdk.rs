//! The OpenTelemetry SDKs programs run with (`[dependencies.telemetry-sdk]` of a toolchain file)
//! and selfheal's collector hooks, kept in the cache directory.
//!
//! - `pip`: `python -m pip install --no-deps --target DIR` of the exact closure; `DIR` goes on
//!   PYTHONPATH.
//! - `npm`: `npm install --prefix DIR` of exact versions; `DIR/node_modules` goes on NODE_PATH.
//! - `system`: installed by the system's package manager; the listed paths must exist.
//! - `rust-crates`: crates of the toolchain's rust-crates set, built with it (`super` handles
//!   them through the resolved toolchain, not here).
//!
//! `DIR` is `<cache>/telemetry-sdk/<language>-<hash of installer and packages>`: built in a
//! temporary sibling and renamed into place (a reader sees a complete set or none), under an
//! exclusive lock so that two processes never install at once.

use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::toolchain::{ResolvedToolchain, TelemetryInstaller, TelemetrySdkDef};
use crate::types::TargetLanguage;

const MARKER: &str = ".selfheal-installed";

/// The collector hooks, by file name (written beside each other in one directory).
const HOOKS: &[(&str, &str)] = &[
    (
        "python/sitecustomize.py",
        include_str!("python_sitecustomize.py"),
    ),
    ("javascript_hook.cjs", include_str!("javascript_hook.cjs")),
];

/// Where the SDK of `def` lives (or would live) under `cache_dir`.
pub fn sdk_dir(cache_dir: &Path, language: TargetLanguage, def: &TelemetrySdkDef) -> PathBuf {
    if def.installer == TelemetryInstaller::System {
        return def
            .paths
            .first()
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/nonexistent"));
    }
    let mut h = blake3::Hasher::new();
    h.update(format!("{:?}", def.installer).as_bytes());
    for p in &def.packages {
        h.update(&(p.len() as u64).to_le_bytes());
        h.update(p.as_bytes());
    }
    let hash = h.finalize().to_hex();
    cache_dir
        .join("telemetry-sdk")
        .join(format!("{}-{}", language.name(), &hash.as_str()[..16]))
}

/// Whether the SDK is installed and complete.
pub fn is_installed(dir: &Path, def: &TelemetrySdkDef) -> bool {
    match def.installer {
        TelemetryInstaller::System => def.paths.iter().all(|p| Path::new(p).exists()),
        _ => dir.join(MARKER).is_file(),
    }
}

/// Installs the SDK unless it is there. Blocking (runs pip or npm; needs the package registry
/// the first time).
///
/// # Errors
/// The installer's failure, with its last lines, or a `system` path that does not exist.
pub fn ensure(
    dir: &Path,
    def: &TelemetrySdkDef,
    toolchain: &ResolvedToolchain,
) -> Result<(), String> {
    if is_installed(dir, def) {
        return Ok(());
    }
    if def.installer == TelemetryInstaller::System {
        let missing: Vec<&str> = def
            .paths
            .iter()
            .filter(|p| !Path::new(p).exists())
            .map(String::as_str)
            .collect();
        return Err(format!(
            "{} not found (install: {})",
            missing.join(", "),
            def.install
        ));
    }
    let parent = dir
        .parent()
        .ok_or_else(|| format!("{}: no parent directory", dir.display()))?;
    std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    let lock_path = dir.with_extension("lock");
    let lock =
        std::fs::File::create(&lock_path).map_err(|e| format!("{}: {e}", lock_path.display()))?;
    // SAFETY: flock on a descriptor we own; released when `lock` is dropped.
    if unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX) } != 0 {
        return Err(format!(
            "{}: cannot lock: {}",
            lock_path.display(),
            std::io::Error::last_os_error()
        ));
    }
    if is_installed(dir, def) {
        return Ok(());
    }
    let staging = tempfile::Builder::new()
        .prefix(".staging-")
        .tempdir_in(parent)
        .map_err(|e| format!("{}: {e}", parent.display()))?;
    let binary = toolchain
        .binary(&def.binary)
        .ok_or_else(|| format!("no binary `{}` resolved", def.binary))?;
    let mut cmd = match def.installer {
        TelemetryInstaller::Pip => {
            let mut c = Command::new(&binary.path);
            c.args([
                "-m",
                "pip",
                "install",
                "--no-deps",
                "--no-compile",
                "--disable-pip-version-check",
                "--quiet",
                "--target",
            ])
            .arg(staging.path())
            .args(&def.packages);
            c
        }
        TelemetryInstaller::Npm => {
            let beside = binary.path.parent().map(|d| d.join("npm"));
            let npm = match beside {
                Some(p) if p.exists() => p,
                _ => PathBuf::from("npm"),
            };
            let mut c = Command::new(npm);
            c.args([
                "install",
                "--no-audit",
                "--no-fund",
                "--silent",
                "--save-exact",
                "--prefix",
            ])
            .arg(staging.path())
            .args(&def.packages);
            if let Some(dir) = binary.path.parent() {
                // npm is a node script: it must find this node first.
                let path = std::env::var("PATH").unwrap_or_default();
                c.env("PATH", format!("{}:{path}", dir.display()));
            }
            c
        }
        TelemetryInstaller::System => {
            return Err("system SDKs are not installed by selfheal".into())
        }
        TelemetryInstaller::RustCrates => {
            return Err(
                "Rust SDK crates are built with the rust-crates set (`selfheal setup`)".into(),
            )
        }
    };
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("`{:?}`: {e}", cmd.get_program()))?;
    if !out.status.success() {
        let text = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = text.lines().rev().take(12).collect();
        return Err(format!(
            "installing {} failed ({}):\n{}",
            def.packages.join(" "),
            out.status,
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        ));
    }
    std::fs::write(staging.path().join(MARKER), def.packages.join("\n"))
        .map_err(|e| format!("{}: {e}", staging.path().display()))?;
    make_readable(staging.path()).map_err(|e| format!("{}: {e}", staging.path().display()))?;
    let staged = staging.keep();
    if let Err(e) = std::fs::rename(&staged, dir) {
        let _ = std::fs::remove_dir_all(&staged);
        if !is_installed(dir, def) {
            return Err(format!("{}: {e}", dir.display()));
        }
    }
    Ok(())
}

/// Everything readable (and directories searchable) by the sandbox user.
fn make_readable(root: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755))?;
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            if kind.is_dir() {
                stack.push(entry.path());
            } else if kind.is_file() {
                let mode = entry.metadata()?.permissions().mode();
                std::fs::set_permissions(
                    entry.path(),
                    std::fs::Permissions::from_mode(mode | 0o444),
                )?;
            }
        }
    }
    Ok(())
}

/// The directory holding the current collector hooks (content-hashed, written once).
pub fn hooks_dir(cache_dir: &Path) -> Result<PathBuf, String> {
    let mut h = blake3::Hasher::new();
    for (name, text) in HOOKS {
        h.update(&(name.len() as u64).to_le_bytes());
        h.update(name.as_bytes());
        h.update(&(text.len() as u64).to_le_bytes());
        h.update(text.as_bytes());
    }
    let hash = h.finalize().to_hex();
    let root = cache_dir.join("telemetry-hooks");
    let dir = root.join(&hash.as_str()[..16]);
    if dir.is_dir() {
        return Ok(dir);
    }
    let io = |e: std::io::Error| format!("{}: {e}", root.display());
    std::fs::create_dir_all(&root).map_err(io)?;
    let staging = tempfile::Builder::new()
        .prefix(".staging-")
        .tempdir_in(&root)
        .map_err(io)?;
    for (name, text) in HOOKS {
        let path = staging.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        std::fs::write(&path, text).map_err(io)?;
    }
    make_readable(staging.path()).map_err(io)?;
    let staged = staging.keep();
    match std::fs::rename(&staged, &dir) {
        Ok(()) => Ok(dir),
        Err(_) if dir.is_dir() => {
            let _ = std::fs::remove_dir_all(&staged);
            Ok(dir)
        }
        Err(e) => Err(io(e)),
    }
}
