//! The stored form of a cached result: a header that checks itself, then the result as JSON.
//!
//! Layout: `MAGIC (4) | schema version (u32 LE) | created, unix seconds (u64 LE) |
//! payload length (u64 LE) | blake3 checksum (32) | payload`. The checksum covers the key the
//! value is stored under, the version, the creation time, the length and the payload, so a
//! value that is damaged, truncated, or found under another key is rejected.

use crate::types::ValidationResult;

use super::key::{CacheKey, SCHEMA_VERSION};

const MAGIC: &[u8; 4] = b"SHVC";
const HEADER_LEN: usize = 4 + 4 + 8 + 8 + 32;

/// Why a stored value was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    #[error("value is {0} bytes, shorter than the header")]
    Short(usize),
    #[error("bad magic bytes")]
    Magic,
    #[error("schema version {0}, expected {SCHEMA_VERSION}")]
    Version(u32),
    #[error("length field says {expected} payload bytes, found {found}")]
    Length { expected: u64, found: usize },
    #[error("checksum mismatch")]
    Checksum,
    #[error("payload does not decode: {0}")]
    Decode(String),
}

fn checksum(key: &CacheKey, version: u32, created: u64, payload: &[u8]) -> [u8; 32] {
    let mut h = blake3::Hasher::new_derive_key("selfheal validation cache value v1");
    h.update(&key.0);
    h.update(&version.to_le_bytes());
    h.update(&created.to_le_bytes());
    h.update(&(payload.len() as u64).to_le_bytes());
    h.update(payload);
    *h.finalize().as_bytes()
}

/// Serializes a result for storage under `key`.
pub fn encode(key: &CacheKey, result: &ValidationResult, created: u64) -> Vec<u8> {
    // ValidationResult is plain data (strings, numbers, enums): serialization cannot fail.
    let payload = serde_json::to_vec(result).unwrap_or_default();
    let sum = checksum(key, SCHEMA_VERSION, created, &payload);
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&SCHEMA_VERSION.to_le_bytes());
    out.extend_from_slice(&created.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&sum);
    out.extend_from_slice(&payload);
    out
}

/// The creation time (unix seconds) of a value whose header and checksum are sound.
pub fn verify(key: &CacheKey, value: &[u8]) -> Result<u64, EntryError> {
    if value.len() < HEADER_LEN {
        return Err(EntryError::Short(value.len()));
    }
    if &value[0..4] != MAGIC {
        return Err(EntryError::Magic);
    }
    let version = u32::from_le_bytes(value[4..8].try_into().map_err(|_| EntryError::Magic)?);
    if version != SCHEMA_VERSION {
        return Err(EntryError::Version(version));
    }
    let created = u64::from_le_bytes(value[8..16].try_into().map_err(|_| EntryError::Magic)?);
    let len = u64::from_le_bytes(value[16..24].try_into().map_err(|_| EntryError::Magic)?);
    let payload = &value[HEADER_LEN..];
    if len != payload.len() as u64 {
        return Err(EntryError::Length {
            expected: len,
            found: payload.len(),
        });
    }
    if value[24..56] != checksum(key, version, created, payload) {
        return Err(EntryError::Checksum);
    }
    Ok(created)
}

/// The result stored in `value`, after checking it (see [`verify`]).
pub fn decode(key: &CacheKey, value: &[u8]) -> Result<(ValidationResult, u64), EntryError> {
    let created = verify(key, value)?;
    let result = serde_json::from_slice(&value[HEADER_LEN..])
        .map_err(|e| EntryError::Decode(e.to_string()))?;
    Ok((result, created))
}
