//! The learner: which strategies fix which errors, remembered across runs.
//!
//! CONTRACT: [`Learner`] with `open(dir)` (never fails: falls back to memory with a warning),
//! `try_open(dir)`, `in_memory()`, `record(language, signature, strategy, success)`,
//! `confidence(language, signature, strategy, prior)`, `entries()`, `flush()`;
//! [`signature`] (re-exported from `signature.rs`); [`LearnerEntry`].
//!
//! # Lessons for generators
//!
//! Besides fix outcomes, the learner counts the errors generated programs start with, per
//! (language, spec kind, signature) (`record_generated`), so a model generator can tell the
//! next model what this language and kind of program keep getting wrong
//! (`frequent_generated_signatures`). `frequent_signatures` ranks the signatures the heal loop
//! has worked on most for a language, whatever produced them.
//!
//! # Confidence
//!
//! For each (language, error signature, strategy id) the learner counts attempts `n` and
//! successes `s` (a fix succeeds when the heal loop keeps its candidate). The strategy's own
//! confidence `c` for a fix is turned into a Beta prior of strength `k` ([`PRIOR_STRENGTH`],
//! 4 pseudo-attempts): `a = c·k`, `b = (1 − c)·k`. The confidence used for ranking is the
//! posterior mean
//!
//! ```text
//!     confidence = (a + s) / (a + b + n) = (c·k + s) / (k + n)
//! ```
//!
//! With no history it is exactly `c`; every failure pulls it towards 0 and every success
//! towards 1, and after many attempts it approaches the observed success rate `s / n`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::types::TargetLanguage;

mod signature;

pub use signature::{mask, signature};

/// The prior's weight, in pseudo-attempts: how much evidence outweighs a strategy's own claim.
pub const PRIOR_STRENGTH: f64 = 4.0;

/// The file (a sled database directory) inside the data dir.
pub const LEARNER_DB: &str = "learner.sled";

/// What the learner knows about one strategy on one kind of error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LearnerEntry {
    pub language: TargetLanguage,
    pub signature: String,
    pub strategy: String,
    pub attempts: u64,
    pub successes: u64,
}

impl LearnerEntry {
    /// The posterior mean for a strategy whose own confidence is `prior` (see the module docs).
    pub fn confidence(&self, prior: f64) -> f64 {
        posterior_mean(prior, self.attempts, self.successes)
    }
}

/// `(c·k + s) / (k + n)`, with `c` clamped to [0, 1] and `s <= n`.
pub fn posterior_mean(prior: f64, attempts: u64, successes: u64) -> f64 {
    let c = if prior.is_finite() {
        prior.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let n = attempts as f64;
    let s = successes.min(attempts) as f64;
    (c * PRIOR_STRENGTH + s) / (PRIOR_STRENGTH + n)
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
struct Stats {
    attempts: u64,
    successes: u64,
}

type Key = (TargetLanguage, String, String);

/// (language, spec kind, error signature) of an error a generated program started with.
type GeneratedKey = (TargetLanguage, String, String);

/// The sled tree holding [`GeneratedKey`] counts (the default tree holds fix outcomes).
const GENERATED_TREE: &str = "generated";

/// Why a learner database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum LearnError {
    #[error("cannot create the data directory {path}: {source}")]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "cannot open the learner database {path}: {source} (another selfheal process may hold it; \
         pass a different --data-dir to run both)"
    )]
    Open {
        path: PathBuf,
        #[source]
        source: sled::Error,
    },
    #[error("learner database {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: sled::Error,
    },
}

/// Attempt and success counts per (language, error signature, strategy). `Send + Sync`.
pub struct Learner {
    stats: Mutex<HashMap<Key, Stats>>,
    generated: Mutex<HashMap<GeneratedKey, u64>>,
    generated_tree: Option<sled::Tree>,
    /// Where fix outcomes are written: the database's default tree, or a tenant's own tree.
    stats_tree: Option<sled::Tree>,
    db: Option<sled::Db>,
    path: Option<PathBuf>,
    /// Read-only: its posterior is this learner's prior (see [`Learner::with_prior`]).
    prior: Option<Arc<Learner>>,
}

impl std::fmt::Debug for Learner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Learner")
            .field("path", &self.path)
            .field("persistent", &self.db.is_some())
            .finish()
    }
}

impl Learner {
    /// A learner that forgets everything when dropped.
    pub fn in_memory() -> Learner {
        Learner {
            stats: Mutex::new(HashMap::new()),
            generated: Mutex::new(HashMap::new()),
            generated_tree: None,
            stats_tree: None,
            db: None,
            path: None,
            prior: None,
        }
    }

    /// Opens (or creates) the learner database in `data_dir`. When that fails (most often
    /// because another process holds its lock) the learner works in memory and says so in a
    /// warning: learning is an optimisation, never a reason to fail a heal.
    pub fn open(data_dir: &Path) -> Learner {
        match Learner::try_open(data_dir) {
            Ok(learner) => learner,
            Err(e) => {
                tracing::warn!("{e}; learning in memory for this run");
                Learner::in_memory()
            }
        }
    }

    /// Opens (or creates) the learner database in `data_dir`, or says why it cannot.
    pub fn try_open(data_dir: &Path) -> Result<Learner, LearnError> {
        std::fs::create_dir_all(data_dir).map_err(|source| LearnError::CreateDir {
            path: data_dir.to_path_buf(),
            source,
        })?;
        let path = data_dir.join(LEARNER_DB);
        let db = open_waiting_for_lock(&path).map_err(|source| LearnError::Open {
            path: path.clone(),
            source,
        })?;
        let stats_tree: sled::Tree = (*db).clone();
        let generated_tree = db
            .open_tree(GENERATED_TREE)
            .map_err(|source| LearnError::Read {
                path: path.clone(),
                source,
            })?;
        Learner::from_trees(db, stats_tree, generated_tree, path)
    }

    /// The learner of one scope (a tenant) inside a shared database: its fix outcomes live in
    /// the tree `<scope>/outcomes` and its generated-error counts in `<scope>/generated`, so
    /// it neither reads nor writes another scope's. `path` names the database in messages.
    /// Open the database with [`open_shared_db`].
    ///
    /// # Errors
    ///
    /// [`LearnError::Read`] when a tree cannot be opened or read.
    pub fn open_scoped(db: &sled::Db, path: &Path, scope: &str) -> Result<Learner, LearnError> {
        let read = |source| LearnError::Read {
            path: path.to_path_buf(),
            source,
        };
        let stats_tree = db.open_tree(format!("{scope}/outcomes")).map_err(read)?;
        let generated_tree = db.open_tree(format!("{scope}/generated")).map_err(read)?;
        Learner::from_trees(db.clone(), stats_tree, generated_tree, path.to_path_buf())
    }

    /// A copy in memory of the learner database in `data_dir`, read once and closed again
    /// (so the database stays free for the process that owns it): a global prior for
    /// [`with_prior`](Self::with_prior).
    ///
    /// # Errors
    ///
    /// [`LearnError::Open`] when there is no learner database in `data_dir` or it cannot be
    /// opened (another process holds it longer than the wait), [`LearnError::Read`].
    pub fn snapshot(data_dir: &Path) -> Result<Learner, LearnError> {
        let path = data_dir.join(LEARNER_DB);
        if !path.is_dir() {
            return Err(LearnError::Open {
                path,
                source: sled::Error::Io(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no learner database here",
                )),
            });
        }
        let source = Learner::try_open(data_dir)?;
        let copy = Learner::in_memory();
        *copy.lock() = source.lock().clone();
        *lock(&copy.generated) = lock(&source.generated).clone();
        Ok(copy)
    }

    /// This learner with a global prior: the confidence of a (language, signature, strategy)
    /// starts from `prior`'s posterior instead of the strategy's own confidence, and this
    /// learner's own attempts update it from there. Nothing is ever written to `prior`: what
    /// one tenant learns does not reach another through it.
    pub fn with_prior(mut self, prior: Arc<Learner>) -> Learner {
        self.prior = Some(prior);
        self
    }

    /// The global prior, if any.
    pub fn prior(&self) -> Option<&Arc<Learner>> {
        self.prior.as_ref()
    }

    fn from_trees(
        db: sled::Db,
        stats_tree: sled::Tree,
        generated_tree: sled::Tree,
        path: PathBuf,
    ) -> Result<Learner, LearnError> {
        let stats: HashMap<Key, Stats> = read_tree(&stats_tree, &path)?;
        let generated: HashMap<Key, u64> = read_tree(&generated_tree, &path)?;
        Ok(Learner {
            stats: Mutex::new(stats),
            generated: Mutex::new(generated),
            generated_tree: Some(generated_tree),
            stats_tree: Some(stats_tree),
            db: Some(db),
            path: Some(path),
            prior: None,
        })
    }

    /// True when what is learned is written to disk.
    pub fn is_persistent(&self) -> bool {
        self.db.is_some()
    }

    /// Where the database lives, when persistent.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Records one attempt of `strategy` on an error with this signature.
    pub fn record(&self, language: TargetLanguage, signature: &str, strategy: &str, success: bool) {
        let key = (language, signature.to_string(), strategy.to_string());
        let updated = update(&self.stats, &key, |entry| {
            entry.attempts += 1;
            if success {
                entry.successes += 1;
            }
        });
        write_through(self.stats_tree.as_ref(), &key, &updated);
    }

    /// The confidence to rank a fix by (the posterior mean; see the module docs). With a
    /// global prior ([`with_prior`](Self::with_prior)) the prior's confidence replaces
    /// `prior`.
    pub fn confidence(
        &self,
        language: TargetLanguage,
        signature: &str,
        strategy: &str,
        prior: f64,
    ) -> f64 {
        let prior = match &self.prior {
            Some(global) => global.confidence(language, signature, strategy, prior),
            None => prior,
        };
        let stats = self
            .lock()
            .get(&(language, signature.to_string(), strategy.to_string()))
            .copied()
            .unwrap_or_default();
        posterior_mean(prior, stats.attempts, stats.successes)
    }

    /// Everything learned, sorted by language, signature, strategy.
    pub fn entries(&self) -> Vec<LearnerEntry> {
        let mut entries: Vec<LearnerEntry> = self
            .lock()
            .iter()
            .map(|((language, signature, strategy), s)| LearnerEntry {
                language: *language,
                signature: signature.clone(),
                strategy: strategy.clone(),
                attempts: s.attempts,
                successes: s.successes,
            })
            .collect();
        entries.sort_by(|a, b| {
            (a.language, &a.signature, &a.strategy).cmp(&(b.language, &b.signature, &b.strategy))
        });
        entries
    }

    /// The error signatures the heal loop has worked on most for `language` (fix attempts
    /// summed over strategies), most frequent first (ties by signature), at most `limit`.
    pub fn frequent_signatures(
        &self,
        language: TargetLanguage,
        limit: usize,
    ) -> Vec<(String, u64)> {
        let mut counts: HashMap<String, u64> = HashMap::new();
        for ((lang, signature, _), stats) in self.lock().iter() {
            if *lang == language && stats.attempts > 0 {
                *counts.entry(signature.clone()).or_default() += stats.attempts;
            }
        }
        top(counts, limit)
    }

    /// Counts the errors a generated program of `language` and spec `kind` started with (one
    /// per signature and program: a program with five identical errors made one mistake).
    pub fn record_generated(&self, language: TargetLanguage, kind: &str, signatures: &[String]) {
        let mut seen: Vec<&String> = Vec::new();
        for signature in signatures {
            if seen.contains(&signature) {
                continue;
            }
            seen.push(signature);
            let key = (language, kind.to_string(), signature.clone());
            let count = update(&self.generated, &key, |count| *count += 1);
            write_through(self.generated_tree.as_ref(), &key, &count);
        }
    }

    /// The error signatures generated programs of `language` and spec `kind` most often
    /// started with, most frequent first (ties by signature), at most `limit`.
    pub fn frequent_generated_signatures(
        &self,
        language: TargetLanguage,
        kind: &str,
        limit: usize,
    ) -> Vec<(String, u64)> {
        let counts: HashMap<String, u64> = lock(&self.generated)
            .iter()
            .filter(|((lang, k, _), _)| *lang == language && k == kind)
            .map(|((_, _, signature), count)| (signature.clone(), *count))
            .collect();
        top(counts, limit)
    }

    /// Writes pending entries to disk (also done in the background and on drop).
    pub fn flush(&self) {
        if let Some(db) = &self.db {
            if let Err(e) = db.flush() {
                tracing::warn!("cannot flush the learner database: {e}");
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Stats>> {
        lock(&self.stats)
    }
}

/// How long opening waits for a learner database whose lock is still held: sled releases its
/// file lock only when its background flusher ends, shortly after the last handle is dropped,
/// so a learner reopened right after another closed (in this process or a previous `selfheal`)
/// would otherwise fall back to memory.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Opens (or creates) a sled database holding several scopes' learners (see
/// [`Learner::open_scoped`]), waiting briefly for a lock a closing handle still holds.
///
/// # Errors
///
/// [`LearnError::CreateDir`], or [`LearnError::Open`] when sled cannot open it.
pub fn open_shared_db(path: &Path) -> Result<sled::Db, LearnError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|source| LearnError::CreateDir {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    open_waiting_for_lock(path).map_err(|source| LearnError::Open {
        path: path.to_path_buf(),
        source,
    })
}

/// The learner database's page cache: its records are a few counters per fix and error kind,
/// so a small bound holds them all, where sled's default (1 GiB) would let a long-running
/// service's memory grow with every tree it touches.
pub const LEARNER_PAGE_CACHE_BYTES: u64 = 8 * 1024 * 1024;

fn open_waiting_for_lock(path: &Path) -> sled::Result<sled::Db> {
    let deadline = std::time::Instant::now() + LOCK_WAIT;
    loop {
        let config = sled::Config::new()
            .path(path)
            .cache_capacity(LEARNER_PAGE_CACHE_BYTES);
        match config.open() {
            // sled reports a held lock as an `Other` I/O error with this message.
            Err(sled::Error::Io(e))
                if e.to_string().starts_with("could not acquire lock")
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(25));
            }
            other => return other,
        }
    }
}

/// Changes the value under `key` (the default value when there is none yet) and returns the
/// changed value.
fn update<V: Default + Copy>(
    map: &Mutex<HashMap<Key, V>>,
    key: &Key,
    change: impl FnOnce(&mut V),
) -> V {
    let mut map = lock(map);
    let value = map.entry(key.clone()).or_default();
    change(value);
    *value
}

/// Writes one learned value to `tree`, when the learner has a database; a failure is logged
/// and the value stays learned in memory.
fn write_through<V: Serialize>(tree: Option<&sled::Tree>, key: &Key, value: &V) {
    let Some(tree) = tree else {
        return;
    };
    let value = match serde_json::to_vec(value) {
        Ok(v) => v,
        Err(e) => {
            tracing::warn!("cannot encode a learner entry: {e}");
            return;
        }
    };
    if let Err(e) = tree.insert(encode_key(key), value) {
        tracing::warn!("cannot store a learner entry: {e}");
    }
}

/// Every entry of `tree` (a learner database at `path`). An entry this version cannot read is
/// skipped, not fatal: it is only a hint.
fn read_tree<V: serde::de::DeserializeOwned>(
    tree: &sled::Tree,
    path: &Path,
) -> Result<HashMap<Key, V>, LearnError> {
    let mut out = HashMap::new();
    for item in tree.iter() {
        let (key, value) = item.map_err(|source| LearnError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        match (decode_key(&key), serde_json::from_slice::<V>(&value)) {
            (Some(key), Ok(value)) => {
                out.insert(key, value);
            }
            _ => tracing::debug!("skipping an unreadable learner entry in {}", path.display()),
        }
    }
    Ok(out)
}

/// The maps hold plain counters: a panic elsewhere cannot leave them inconsistent.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The `limit` largest counts, largest first, ties by signature.
fn top(counts: HashMap<String, u64>, limit: usize) -> Vec<(String, u64)> {
    let mut ranked: Vec<(String, u64)> = counts.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    ranked.truncate(limit);
    ranked
}

impl Drop for Learner {
    fn drop(&mut self) {
        self.flush();
    }
}

/// Keys are `language \x1f signature \x1f strategy`: the unit separator never occurs in either.
fn encode_key((language, signature, strategy): &Key) -> Vec<u8> {
    format!("{}\u{1f}{signature}\u{1f}{strategy}", language.name()).into_bytes()
}

fn decode_key(bytes: &[u8]) -> Option<Key> {
    let text = std::str::from_utf8(bytes).ok()?;
    let mut parts = text.splitn(3, '\u{1f}');
    let language = parts.next()?.parse().ok()?;
    let signature = parts.next()?.to_string();
    let strategy = parts.next()?.to_string();
    Some((language, signature, strategy))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posterior_starts_at_the_prior_and_follows_evidence() {
        assert!((posterior_mean(0.8, 0, 0) - 0.8).abs() < 1e-12);
        // (0.8·4 + 0) / (4 + 4)
        assert!((posterior_mean(0.8, 4, 0) - 0.4).abs() < 1e-12);
        // (0.5·4 + 6) / (4 + 6)
        assert!((posterior_mean(0.5, 6, 6) - 0.8).abs() < 1e-12);
        assert_eq!(posterior_mean(f64::NAN, 0, 0), 0.0);
        assert_eq!(posterior_mean(7.0, 0, 0), 1.0);
    }

    #[test]
    fn records_and_lists_entries() {
        let l = Learner::in_memory();
        l.record(TargetLanguage::Go, "sig", "go.a", true);
        l.record(TargetLanguage::Go, "sig", "go.a", false);
        l.record(TargetLanguage::Go, "sig", "go.b", false);
        let e = l.entries();
        assert_eq!(e.len(), 2);
        assert_eq!(
            (e[0].strategy.as_str(), e[0].attempts, e[0].successes),
            ("go.a", 2, 1)
        );
        assert_eq!(
            (e[1].strategy.as_str(), e[1].attempts, e[1].successes),
            ("go.b", 1, 0)
        );
        assert!((l.confidence(TargetLanguage::Go, "sig", "go.a", 0.5) - 0.5).abs() < 1e-12);
        assert!((l.confidence(TargetLanguage::Rust, "sig", "go.a", 0.7) - 0.7).abs() < 1e-12);
    }

    #[test]
    fn frequent_signatures_rank_by_attempts_and_generated_errors_by_kind() {
        let l = Learner::in_memory();
        for _ in 0..3 {
            l.record(TargetLanguage::Python, "NameError a", "py.x", false);
        }
        l.record(TargetLanguage::Python, "NameError a", "py.y", true);
        l.record(TargetLanguage::Python, "syntax b", "py.x", true);
        l.record(TargetLanguage::Python, "syntax c", "py.x", false);
        l.record(TargetLanguage::Go, "undefined: _", "go.x", true);
        assert_eq!(
            l.frequent_signatures(TargetLanguage::Python, 2),
            vec![("NameError a".to_string(), 4), ("syntax b".to_string(), 1)]
        );
        assert!(l.frequent_signatures(TargetLanguage::Rust, 5).is_empty());

        let sigs = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        l.record_generated(TargetLanguage::Go, "function", &sigs(&["u", "u", "v"]));
        l.record_generated(TargetLanguage::Go, "function", &sigs(&["v"]));
        l.record_generated(TargetLanguage::Go, "cli", &sigs(&["w"]));
        assert_eq!(
            l.frequent_generated_signatures(TargetLanguage::Go, "function", 10),
            vec![("v".to_string(), 2), ("u".to_string(), 1)]
        );
        assert_eq!(
            l.frequent_generated_signatures(TargetLanguage::Go, "cli", 10),
            vec![("w".to_string(), 1)]
        );
    }

    #[test]
    fn generated_counts_survive_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        {
            let l = Learner::try_open(dir.path()).unwrap();
            l.record_generated(TargetLanguage::Rust, "function", &["E0425 x".to_string()]);
            l.record_generated(TargetLanguage::Rust, "function", &["E0425 x".to_string()]);
            l.record(TargetLanguage::Rust, "E0425 x", "rust.a", true);
        }
        let l = Learner::try_open(dir.path()).unwrap();
        assert_eq!(
            l.frequent_generated_signatures(TargetLanguage::Rust, "function", 3),
            vec![("E0425 x".to_string(), 2)]
        );
        assert_eq!(l.entries().len(), 1, "the counts live in their own tree");
    }

    #[test]
    fn keys_round_trip() {
        let key = (
            TargetLanguage::JavaScript,
            "E1 a `_` b".to_string(),
            "js.x".to_string(),
        );
        assert_eq!(decode_key(&encode_key(&key)), Some(key));
        assert_eq!(decode_key(b"cobol\x1fa\x1fb"), None);
    }
}
