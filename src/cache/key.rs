//! Cache keys: blake3 over domain-separated, length-prefixed parts.
//!
//! Every part is written as `tag length, tag, value length, value`, so no two different
//! sequences of parts can produce the same byte stream (no ambiguity between, say, a file
//! named `ab` holding `c` and a file named `a` holding `bc`).

use crate::program::Program;
use crate::toolchain::{Expect, PlannedCommand};

/// Bumped whenever the key layout or the stored value format changes: old entries then miss.
/// 2: results carry per-test evidence (`ValidationResult::tests`) and the judge's stricter
/// verdicts; a version-1 verdict on a test step may have been fooled.
pub const SCHEMA_VERSION: u32 = 2;

/// The identity of one validation: equal keys mean the same result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CacheKey(pub [u8; 32]);

impl CacheKey {
    pub fn hex(&self) -> String {
        blake3::Hash::from(self.0).to_hex().to_string()
    }

    /// The key of validating `program` for `expect` with a toolchain whose fingerprint is
    /// `fingerprint`, running exactly `commands` (every planned command of every step of the
    /// expectation, in order). Nothing else goes in: not the host work directory, not the time.
    pub fn compute(
        fingerprint: &str,
        program: &Program,
        expect: Expect,
        commands: &[PlannedCommand],
    ) -> CacheKey {
        let mut k = KeyHasher::new();
        k.part("schema", &SCHEMA_VERSION.to_le_bytes());
        k.part("toolchain", fingerprint.as_bytes());
        k.part("language", program.language().name().as_bytes());
        k.part(
            "expect",
            match expect {
                Expect::Check => b"check",
                Expect::Test => b"test",
            },
        );
        k.count("options", program.options().len());
        for (name, value) in program.options() {
            k.part("option.name", name.as_bytes());
            k.part("option.value", value.as_bytes());
        }
        // BTreeMap: path order, whatever order the files were inserted in.
        k.count("files", program.files().len());
        for (path, text) in program.files() {
            k.part("file.path", path.as_bytes());
            k.part("file.text", text.as_bytes());
        }
        // Data files are inputs too: a changed `config.json` must miss.
        k.count("data_files", program.data_files().len());
        for (path, bytes) in program.data_files() {
            k.part("data.path", path.as_bytes());
            k.part("data.bytes", bytes);
        }
        k.count("commands", commands.len());
        for command in commands {
            k.part("cmd.step", command.step.name().as_bytes());
            k.count("cmd.argv", command.argv.len());
            for arg in &command.argv {
                k.part("cmd.arg", arg.as_bytes());
            }
            k.part("cmd.parser", command.parser.as_bytes());
            k.part("cmd.cwd", command.cwd.as_bytes());
            // The exact list, in order: a later duplicate overrides an earlier one.
            k.count("cmd.env", command.env.len());
            for (name, value) in &command.env {
                k.part("cmd.env.name", name.as_bytes());
                k.part("cmd.env.value", value.as_bytes());
            }
            k.count("cmd.mounts", command.mounts.len());
            for mount in &command.mounts {
                let text = serde_json::to_string(mount).unwrap_or_else(|_| format!("{mount:?}"));
                k.part("cmd.mount", text.as_bytes());
            }
            // Every limit: a result under a longer timeout must not answer a shorter one.
            let l = &command.limits;
            k.part("limit.wall_ns", &l.wall_time.as_nanos().to_le_bytes());
            k.part("limit.cpu_ns", &l.cpu_time.as_nanos().to_le_bytes());
            k.part("limit.memory", &l.memory_bytes.to_le_bytes());
            k.part("limit.file_size", &l.file_size_bytes.to_le_bytes());
            k.part("limit.open_files", &l.open_files.to_le_bytes());
            k.part("limit.processes", &l.processes.to_le_bytes());
            k.part("limit.output", &(l.output_bytes as u64).to_le_bytes());
            k.part("limit.tmp", &l.tmp_bytes.to_le_bytes());
        }
        CacheKey(*k.hasher.finalize().as_bytes())
    }

    /// This key for a validator that also runs the validator plugins whose components have
    /// these blake3 digests (in order). No plugins: the key is unchanged.
    pub fn with_plugins(self, digests: &[[u8; 32]]) -> CacheKey {
        if digests.is_empty() {
            return self;
        }
        let mut k = KeyHasher::new();
        k.part("base", &self.0);
        k.count("plugins", digests.len());
        for digest in digests {
            k.part("plugin", digest);
        }
        CacheKey(*k.hasher.finalize().as_bytes())
    }
}

impl CacheKey {
    /// This key inside a cache scope (a tenant's own, or a shared scope the operator set up).
    /// Two scopes never produce the same key for the same validation, and a value stored under
    /// one scope's key fails its checksum under any other (the checksum covers the key), so an
    /// entry copied between scopes is a miss.
    pub fn scoped(self, scope: &super::CacheScope) -> CacheKey {
        let mut k = KeyHasher::new();
        k.part("base", &self.0);
        k.part("scope.kind", scope.kind().as_bytes());
        k.part("scope.name", scope.name().as_bytes());
        CacheKey(*k.hasher.finalize().as_bytes())
    }
}

struct KeyHasher {
    hasher: blake3::Hasher,
}

impl KeyHasher {
    fn new() -> KeyHasher {
        KeyHasher {
            hasher: blake3::Hasher::new_derive_key("selfheal validation cache key v1"),
        }
    }

    fn part(&mut self, tag: &str, value: &[u8]) {
        self.hasher.update(&(tag.len() as u64).to_le_bytes());
        self.hasher.update(tag.as_bytes());
        self.hasher.update(&(value.len() as u64).to_le_bytes());
        self.hasher.update(value);
    }

    fn count(&mut self, tag: &str, n: usize) {
        self.part(tag, &(n as u64).to_le_bytes());
    }
}
