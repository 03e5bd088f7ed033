//! selfheal's own helper scripts (the Python static pass), written once to the cache dir and
//! mounted read-only into the sandbox at `toolchain::SUPPORT_DIR`.

use std::path::{Path, PathBuf};

use super::ValidateError;
use crate::diagnostics::python;

/// Name → contents of every support file.
const FILES: &[(&str, &str)] = &[
    ("python_check.py", python::CHECK_SCRIPT),
    (
        "javascript_check.cjs",
        crate::diagnostics::javascript::CHECK_SCRIPT,
    ),
    // The judge's test runners (src/judge).
    ("python_runner.py", crate::judge::PYTHON_RUNNER),
    ("javascript_runner.mjs", crate::judge::JAVASCRIPT_RUNNER),
    ("javascript_hook.cjs", crate::judge::JAVASCRIPT_HOOK),
];

/// Returns a directory holding exactly the current support files. The directory name is a hash
/// of the contents, so a new selfheal version never sees an old script; it is created in a
/// temporary sibling and renamed into place, so a reader never sees a half-written file.
pub(super) fn materialize(cache_dir: &Path) -> Result<PathBuf, ValidateError> {
    let mut hasher = blake3::Hasher::new();
    for (name, text) in FILES {
        hasher.update(&(name.len() as u64).to_le_bytes());
        hasher.update(name.as_bytes());
        hasher.update(&(text.len() as u64).to_le_bytes());
        hasher.update(text.as_bytes());
    }
    let hash = hasher.finalize().to_hex();
    let root = cache_dir.join("support");
    let dir = root.join(&hash.as_str()[..16]);
    if dir.is_dir() {
        return Ok(dir);
    }
    let io = |source| ValidateError::Support {
        path: root.clone(),
        source,
    };
    std::fs::create_dir_all(&root).map_err(io)?;
    let staging = tempfile::Builder::new()
        .prefix(".staging-")
        .tempdir_in(&root)
        .map_err(io)?;
    for (name, text) in FILES {
        std::fs::write(staging.path().join(name), text).map_err(io)?;
    }
    // Readable by the sandbox user whatever the umask.
    set_mode(staging.path(), 0o755).map_err(io)?;
    for (name, _) in FILES {
        set_mode(&staging.path().join(name), 0o644).map_err(io)?;
    }
    let staged = staging.keep();
    match std::fs::rename(&staged, &dir) {
        Ok(()) => Ok(dir),
        // Another process won the race with identical contents.
        Err(_) if dir.is_dir() => {
            let _ = std::fs::remove_dir_all(&staged);
            Ok(dir)
        }
        Err(source) => Err(io(source)),
    }
}

fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}
