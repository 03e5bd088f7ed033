//! Compiled components on disk, so a plugin is compiled by Cranelift once per engine
//! configuration rather than once per process.
//!
//! A file is named by blake3(component bytes ‖ the engine's precompile compatibility hash) and
//! holds `MAGIC ‖ blake3(payload) ‖ payload`, where the payload is `Component::serialize`'s
//! output. `Component::deserialize` trusts its input (it maps machine code), so only a payload
//! whose checksum matches what this host wrote is deserialized; anything else (a torn write, a
//! flipped bit, a file from another build) is removed and the component compiled again.

use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};

use wasmtime::component::Component;
use wasmtime::Engine;

use super::{CacheOutcome, PluginError};

const MAGIC: &[u8; 8] = b"SHPLGC01";

/// Where compiled components live; `None` compiles every time.
#[derive(Debug, Clone)]
pub struct CompiledCache {
    dir: Option<PathBuf>,
}

/// Feeds `std::hash::Hash` output into blake3 (the engine's compatibility hash only
/// implements `Hash`).
struct Blake3Hasher<'a>(&'a mut blake3::Hasher);

impl Hasher for Blake3Hasher<'_> {
    fn finish(&self) -> u64 {
        0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

/// A digest of everything about `engine` that decides whether compiled code fits it.
pub fn engine_fingerprint(engine: &Engine) -> [u8; 32] {
    let mut hasher = blake3::Hasher::new_derive_key("selfheal plugin engine v1");
    engine
        .precompile_compatibility_hash()
        .hash(&mut Blake3Hasher(&mut hasher));
    *hasher.finalize().as_bytes()
}

impl CompiledCache {
    pub fn new(dir: Option<PathBuf>) -> CompiledCache {
        CompiledCache { dir }
    }

    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// The cache file for `bytes` under an engine with `fingerprint`.
    pub fn path_for(&self, bytes: &[u8], fingerprint: &[u8; 32]) -> Option<PathBuf> {
        let dir = self.dir.as_ref()?;
        let mut hasher = blake3::Hasher::new_derive_key("selfheal plugin cache name v1");
        hasher.update(fingerprint);
        hasher.update(bytes);
        Some(dir.join(format!("{}.cwasm", hasher.finalize().to_hex())))
    }

    /// The compiled component for `bytes`, from the cache when a valid entry exists, else
    /// from `compile` (then stored).
    pub fn load_or_compile(
        &self,
        engine: &Engine,
        fingerprint: &[u8; 32],
        bytes: &[u8],
        compile: &dyn Fn(&[u8]) -> Result<Component, PluginError>,
    ) -> Result<(Component, CacheOutcome), PluginError> {
        let Some(path) = self.path_for(bytes, fingerprint) else {
            return Ok((compile(bytes)?, CacheOutcome::Compiled));
        };
        let mut outcome = CacheOutcome::Compiled;
        match std::fs::read(&path) {
            Ok(file) => match verified_payload(&file) {
                Some(payload) => {
                    // SAFETY: `payload` is exactly what `Component::serialize` produced for
                    // this engine configuration (the file name covers the engine's
                    // compatibility hash, the checksum covers every byte), written by this
                    // host into its own cache directory.
                    match unsafe { Component::deserialize(engine, payload) } {
                        Ok(component) => return Ok((component, CacheOutcome::Hit)),
                        Err(e) => {
                            tracing::warn!(
                                "compiled plugin {} cannot be loaded ({e}); compiling again",
                                path.display()
                            );
                            outcome = CacheOutcome::Recovered;
                        }
                    }
                }
                None => {
                    tracing::warn!(
                        "compiled plugin {} is damaged (checksum mismatch); compiling again",
                        path.display()
                    );
                    outcome = CacheOutcome::Recovered;
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => tracing::warn!("cannot read {}: {e}; compiling again", path.display()),
        }
        if outcome == CacheOutcome::Recovered {
            let _ = std::fs::remove_file(&path);
        }
        let component = compile(bytes)?;
        if let Err(e) = store(&path, &component) {
            tracing::warn!(
                "cannot cache the compiled plugin at {}: {e}",
                path.display()
            );
        }
        Ok((component, outcome))
    }
}

/// The payload of a cache file whose header and checksum are right.
fn verified_payload(file: &[u8]) -> Option<&[u8]> {
    let rest = file.strip_prefix(MAGIC.as_slice())?;
    if rest.len() < 32 {
        return None;
    }
    let (sum, payload) = rest.split_at(32);
    (blake3::hash(payload).as_bytes().as_slice() == sum).then_some(payload)
}

/// Writes the cache file atomically (temporary file, then rename), so readers never see half.
fn store(path: &Path, component: &Component) -> std::io::Result<()> {
    let payload = component.serialize().map_err(std::io::Error::other)?;
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("cache path has no directory"))?;
    std::fs::create_dir_all(dir)?;
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    temp.write_all(MAGIC)?;
    temp.write_all(blake3::hash(&payload).as_bytes())?;
    temp.write_all(&payload)?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
