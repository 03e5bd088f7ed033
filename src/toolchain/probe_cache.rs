//! Resolved binaries remembered across processes, so that a new `selfheal` starts without
//! running a single probe (`rustc -vV`, `rustc --print sysroot`, `gcc --version`, a pyenv shim).
//!
//! An entry is keyed by what the probes' answers depend on:
//! - the binary's definition in the toolchain file (candidates, resolve, version and probe argv);
//! - the identity of the executable found on PATH: its path, size, modification and change
//!   times, inode and device (like sccache keys a compiler), following symlinks, so that an
//!   upgrade, a reinstall or a re-pointed symlink misses;
//! - the environment version managers read (`PATH`, `HOME`, `PYENV_*`, `RUSTUP_*`, …);
//! - for a binary resolved through a shim (`resolve` in the toolchain file), also the current
//!   directory and the identity of the version-selection files (`.python-version`,
//!   `rust-toolchain.toml`, `~/.pyenv/version`, …), which decide what the shim runs.
//!
//! The entry also records the real executable's identity; a hit whose real executable changed
//! since is a miss. Entries are JSON files written atomically (temporary file, then rename);
//! a directory that cannot be read or written only costs the probes, never a wrong answer.

use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::file::BinaryDef;

/// Sub-directory of the cache directory holding the entries.
pub(crate) const PROBE_DIR: &str = "toolchain-probes";
/// Bumped whenever the key or the entry layout changes: old entries then miss.
const LAYOUT: &str = "selfheal-toolchain-probe/1";

/// Variables whose value (or presence) can change which executable a shim runs or what a
/// probe prints. Exact names, then prefixes.
const ENV_NAMES: &[&str] = &[
    "PATH",
    "HOME",
    "PYTHONHOME",
    "VIRTUAL_ENV",
    "GOROOT",
    "GOTOOLCHAIN",
    "RUSTC",
];
const ENV_PREFIXES: &[&str] = &[
    "PYENV",
    "RUSTUP",
    "CARGO_HOME",
    "VOLTA",
    "ASDF",
    "NVM_",
    "NODENV",
    "GOENV",
    "CONDA",
    "MISE",
    "RTX",
];
/// Files that select a version for a shim, looked up in the current directory and each
/// ancestor.
const VERSION_FILES: &[&str] = &[
    ".python-version",
    ".tool-versions",
    "rust-toolchain",
    "rust-toolchain.toml",
    ".nvmrc",
    ".node-version",
    "go.mod",
    "go.work",
    ".mise.toml",
];
/// Version managers' global selections, relative to `$HOME` (or their `*_ROOT`/`*_HOME`).
const HOME_VERSION_FILES: &[(&str, &str, &str)] = &[
    ("PYENV_ROOT", ".pyenv", "version"),
    ("RUSTUP_HOME", ".rustup", "settings.toml"),
    ("ASDF_DATA_DIR", "", ".tool-versions"),
];

/// What identifies an executable file without reading it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FileIdentity {
    len: u64,
    mtime_ns: i128,
    ctime_ns: i128,
    inode: u64,
    dev: u64,
}

impl FileIdentity {
    /// The identity of the file `path` names (symlinks followed); `None` when it is missing.
    pub(crate) fn of(path: &Path) -> Option<FileIdentity> {
        let m = std::fs::metadata(path).ok()?;
        Some(FileIdentity {
            len: m.len(),
            mtime_ns: i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec()),
            ctime_ns: i128::from(m.ctime()) * 1_000_000_000 + i128::from(m.ctime_nsec()),
            inode: m.ino(),
            dev: m.dev(),
        })
    }

    fn hash(&self, h: &mut blake3::Hasher) {
        for part in [
            self.len.to_le_bytes().as_slice(),
            self.mtime_ns.to_le_bytes().as_slice(),
            self.ctime_ns.to_le_bytes().as_slice(),
            self.inode.to_le_bytes().as_slice(),
            self.dev.to_le_bytes().as_slice(),
        ] {
            field(h, part);
        }
    }
}

/// What resolving one binary found out: everything but the PATH lookup itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ProbedBinary {
    /// The real executable (canonical path).
    pub(crate) path: PathBuf,
    /// Its identity when it was probed.
    pub(crate) identity: FileIdentity,
    pub(crate) version_output: String,
    pub(crate) probes: BTreeMap<String, String>,
}

/// The on-disk store of [`ProbedBinary`] entries in `<cache dir>/toolchain-probes`.
#[derive(Debug, Clone)]
pub(crate) struct ProbeCache {
    dir: PathBuf,
}

/// The key of one binary's entry (blake3, hex).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ProbeKey(String);

impl ProbeCache {
    /// The store under `cache_dir`; nothing is created until the first [`put`](Self::put).
    pub(crate) fn new(cache_dir: &Path) -> ProbeCache {
        ProbeCache {
            dir: cache_dir.join(PROBE_DIR),
        }
    }

    /// The key of `def` found at `found_as`; `None` when `found_as` cannot be examined.
    pub(crate) fn key(&self, def: &BinaryDef, found_as: &Path) -> Option<ProbeKey> {
        let mut h = blake3::Hasher::new();
        field(&mut h, LAYOUT.as_bytes());
        field(&mut h, def.name.as_bytes());
        list(&mut h, &def.candidates);
        list(&mut h, &def.version);
        for (name, args) in &def.probes {
            field(&mut h, name.as_bytes());
            list(&mut h, args);
        }
        field(&mut h, found_as.as_os_str().as_encoded_bytes());
        FileIdentity::of(found_as)?.hash(&mut h);
        hash_env(&mut h, std::env::vars_os());
        match &def.resolve {
            Some(r) => {
                field(&mut h, b"resolve");
                list(&mut h, &r.args);
                field(&mut h, r.path.as_bytes());
                hash_version_selection(&mut h);
            }
            None => field(&mut h, b"direct"),
        }
        Some(ProbeKey(h.finalize().to_hex()[..32].to_string()))
    }

    fn path(&self, key: &ProbeKey) -> PathBuf {
        self.dir.join(format!("{}.json", key.0))
    }

    /// The remembered resolution, if its real executable is still the one that was probed.
    pub(crate) fn get(&self, key: &ProbeKey) -> Option<ProbedBinary> {
        let text = std::fs::read(self.path(key)).ok()?;
        let entry: ProbedBinary = serde_json::from_slice(&text).ok()?;
        (FileIdentity::of(&entry.path).as_ref() == Some(&entry.identity)).then_some(entry)
    }

    /// Remembers a resolution. Failures are logged and otherwise ignored: the next process
    /// probes again.
    pub(crate) fn put(&self, key: &ProbeKey, entry: &ProbedBinary) {
        if let Err(e) = self.write(key, entry) {
            tracing::debug!(dir = %self.dir.display(), "toolchain probe cache not written: {e}");
        }
    }

    fn write(&self, key: &ProbeKey, entry: &ProbedBinary) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir)?;
        tmp.write_all(&serde_json::to_vec(entry).map_err(std::io::Error::other)?)?;
        tmp.persist(self.path(key)).map_err(|e| e.error)?;
        Ok(())
    }
}

fn field(h: &mut blake3::Hasher, bytes: &[u8]) {
    h.update(&(bytes.len() as u64).to_le_bytes());
    h.update(bytes);
}

fn list(h: &mut blake3::Hasher, items: &[String]) {
    field(h, &(items.len() as u64).to_le_bytes());
    for item in items {
        field(h, item.as_bytes());
    }
}

/// Hashes the variables of [`ENV_NAMES`] and [`ENV_PREFIXES`], sorted by name.
fn hash_env(
    h: &mut blake3::Hasher,
    vars: impl Iterator<Item = (std::ffi::OsString, std::ffi::OsString)>,
) {
    let mut relevant: Vec<_> = vars
        .filter(|(k, _)| {
            let k = k.to_string_lossy();
            ENV_NAMES.contains(&k.as_ref()) || ENV_PREFIXES.iter().any(|p| k.starts_with(p))
        })
        .collect();
    relevant.sort();
    for (k, v) in relevant {
        field(h, k.as_encoded_bytes());
        field(h, v.as_encoded_bytes());
    }
}

/// The current directory and the identity of every version-selection file a shim may read.
fn hash_version_selection(h: &mut blake3::Hasher) {
    let cwd = std::env::current_dir().unwrap_or_default();
    field(h, cwd.as_os_str().as_encoded_bytes());
    let mut files: Vec<PathBuf> = cwd
        .ancestors()
        .flat_map(|dir| VERSION_FILES.iter().map(move |f| dir.join(f)))
        .collect();
    let home = std::env::var_os("HOME").map(PathBuf::from);
    for (var, default_dir, file) in HOME_VERSION_FILES {
        let root = std::env::var_os(var)
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(default_dir)));
        if let Some(root) = root {
            files.push(root.join(file));
        }
    }
    for f in files {
        match FileIdentity::of(&f) {
            Some(id) => {
                field(h, f.as_os_str().as_encoded_bytes());
                id.hash(h);
            }
            None => field(h, b"-"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    fn env_hash(vars: &[(&str, &str)]) -> String {
        let mut h = blake3::Hasher::new();
        hash_env(
            &mut h,
            vars.iter()
                .map(|(k, v)| (OsString::from(k), OsString::from(v))),
        );
        h.finalize().to_hex().to_string()
    }

    #[test]
    fn only_version_manager_variables_enter_the_key() {
        let base = env_hash(&[("PATH", "/usr/bin"), ("TERM", "xterm")]);
        assert_eq!(base, env_hash(&[("PATH", "/usr/bin"), ("TERM", "dumb")]));
        assert_eq!(base, env_hash(&[("TERM", "x"), ("PATH", "/usr/bin")]));
        assert_ne!(base, env_hash(&[("PATH", "/bin"), ("TERM", "xterm")]));
        assert_ne!(
            base,
            env_hash(&[("PATH", "/usr/bin"), ("PYENV_VERSION", "3.11")])
        );
        assert_ne!(
            base,
            env_hash(&[("PATH", "/usr/bin"), ("RUSTUP_TOOLCHAIN", "nightly")])
        );
    }

    #[test]
    fn identity_changes_with_content_and_replacement() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("tool");
        std::fs::write(&f, "a").unwrap();
        let first = FileIdentity::of(&f).unwrap();
        assert_eq!(FileIdentity::of(&f), Some(first.clone()));
        std::fs::write(&f, "ab").unwrap();
        assert_ne!(FileIdentity::of(&f), Some(first));
        let second = FileIdentity::of(&f).unwrap();
        // Same size, new file: another inode.
        let other = dir.path().join("other");
        std::fs::write(&other, "ab").unwrap();
        std::fs::rename(&other, &f).unwrap();
        assert_ne!(FileIdentity::of(&f), Some(second));
        assert_eq!(FileIdentity::of(&dir.path().join("missing")), None);
    }
}
