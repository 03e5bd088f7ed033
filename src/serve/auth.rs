//! API keys: made at random, stored only as hashes, looked up by the hash of what a client
//! presents.
//!
//! A key is `sh_` and 64 hex digits (256 random bits). Its stored form is `blake3:` and the
//! 64-hex-digit BLAKE3 hash of the whole key. A fast hash is enough here: the keys are random
//! and long, not passwords, so nobody can search the key space from a leaked hash; and the
//! lookup is of the hash, so comparing it leaks nothing about any stored key.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

/// The prefix of every key this service makes.
pub const KEY_PREFIX: &str = "sh_";

/// The stored form of a key: its BLAKE3 hash.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyHash([u8; 32]);

impl fmt::Debug for KeyHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyHash({self})")
    }
}

impl fmt::Display for KeyHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "blake3:{}", hex(&self.0))
    }
}

/// Why a stored key hash was refused.
#[derive(Debug, thiserror::Error)]
#[error("{0:?} is not a key hash; write `blake3:` and 64 hex digits (`selfheal serve hash-key` prints one)")]
pub struct KeyHashError(String);

impl FromStr for KeyHash {
    type Err = KeyHashError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || KeyHashError(shorten(s));
        let digits = s.strip_prefix("blake3:").ok_or_else(bad)?;
        if digits.len() != 64 {
            return Err(bad());
        }
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&digits[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
        }
        Ok(KeyHash(out))
    }
}

/// The start of something that was meant to be a hash, for an error message (a key pasted by
/// mistake must not end up whole in a log).
fn shorten(s: &str) -> String {
    let head: String = s.chars().take(10).collect();
    if head.len() < s.len() {
        format!("{head}…")
    } else {
        head
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The stored form of `key`.
pub fn hash_key(key: &str) -> KeyHash {
    KeyHash(*blake3::hash(key.as_bytes()).as_bytes())
}

/// A new random key (`sh_` and 64 hex digits).
pub fn generate_key() -> String {
    let bytes: [u8; 32] = rand::random();
    format!("{KEY_PREFIX}{}", hex(&bytes))
}

/// Key hash → tenant id.
#[derive(Debug, Clone, Default)]
pub struct KeyTable {
    by_hash: HashMap<KeyHash, String>,
}

impl KeyTable {
    pub fn new(entries: impl IntoIterator<Item = (KeyHash, String)>) -> KeyTable {
        KeyTable {
            by_hash: entries.into_iter().collect(),
        }
    }

    /// The tenant whose key `presented` is.
    pub fn tenant_of(&self, presented: &str) -> Option<&str> {
        self.by_hash.get(&hash_key(presented)).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_key_hashes_to_its_stored_form_and_back() {
        let key = generate_key();
        assert!(key.starts_with(KEY_PREFIX));
        assert_eq!(key.len(), 3 + 64);
        let stored = hash_key(&key).to_string();
        assert!(stored.starts_with("blake3:"));
        let parsed: KeyHash = stored.parse().unwrap();
        let table = KeyTable::new([(parsed, "acme".to_string())]);
        assert_eq!(table.tenant_of(&key), Some("acme"));
        assert_eq!(table.tenant_of(&generate_key()), None);
        assert_ne!(generate_key(), key);
    }

    #[test]
    fn a_key_pasted_as_a_hash_is_refused_without_echoing_it() {
        let key = generate_key();
        let e = key.parse::<KeyHash>().unwrap_err().to_string();
        assert!(!e.contains(&key[10..]), "{e}");
        assert!(e.contains("blake3:"));
        assert!("blake3:zz".parse::<KeyHash>().is_err());
    }
}
