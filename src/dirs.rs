//! Where selfheal keeps its files on the host, following the XDG base directory spec.

use std::path::PathBuf;

fn xdg(var: &str, fallback: &str) -> PathBuf {
    match std::env::var_os(var) {
        Some(dir) if !dir.is_empty() && PathBuf::from(&dir).is_absolute() => PathBuf::from(dir),
        _ => home().join(fallback),
    }
}

fn home() -> PathBuf {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
}

/// Rebuildable files: dependency sets, warm build caches, support scripts.
/// `$SELFHEAL_CACHE_DIR`, else `$XDG_CACHE_HOME/selfheal`, else `~/.cache/selfheal`.
pub fn default_cache_dir() -> PathBuf {
    match std::env::var_os("SELFHEAL_CACHE_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => xdg("XDG_CACHE_HOME", ".cache").join("selfheal"),
    }
}

/// State worth keeping: what the learner learned, outcome logs.
/// `$SELFHEAL_DATA_DIR`, else `$XDG_DATA_HOME/selfheal`, else `~/.local/share/selfheal`.
pub fn default_data_dir() -> PathBuf {
    match std::env::var_os("SELFHEAL_DATA_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => xdg("XDG_DATA_HOME", ".local/share").join("selfheal"),
    }
}
