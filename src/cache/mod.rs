//! Content-addressed validation cache: a validation already done answers again in microseconds.
//!
//! CONTRACT: [`CacheKey::compute`] (what identifies a validation), [`CacheStore`] (where values
//! live; [`SledStore`] on disk, [`MemoryStore`] in memory), [`ValidationCache`] with
//! `open(&CacheConfig)`, `open_or_warn`, `with_store`, `get`, `put`, `stats`, `clear`, `gc`.
//! `Validator::with_cache` plugs a cache into validation (see `validate/mod.rs`).
//!
//! The cache never answers wrongly: each value checks its own checksum (bound to its key) and
//! a value that fails is a miss, is deleted and is logged. It never makes a validation fail
//! either: a store error, a locked store or a panic inside the store engine turns the cache
//! off for the rest of the process and validation runs uncached. Only results that describe
//! the program are stored (see [`is_cacheable`]).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

use crate::types::{Termination, ValidationResult};

mod entry;
mod key;
mod scope;
mod store;

pub use entry::{decode, encode, verify, EntryError};
pub use key::{CacheKey, SCHEMA_VERSION};
pub use scope::{check_scope_name, CacheScope, CacheSet, ScopeNameError, MAX_SCOPE_NAME};
pub use store::{CacheStore, MemoryStore, SledStore, StoreError, DEFAULT_PAGE_CACHE_BYTES};

/// Default bound on the stored bytes: 256 MiB.
pub const DEFAULT_MAX_BYTES: u64 = 256 << 20;

/// The directory of the cache database inside a data dir.
pub const CACHE_DIR_NAME: &str = "validation-cache";

const HITS: &str = "hits";
const MISSES: &str = "misses";

/// Where the cache lives and how large it may grow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheConfig {
    /// The database directory (usually `<data dir>/validation-cache`).
    pub path: PathBuf,
    /// Least recently used entries are evicted beyond this many stored bytes.
    pub max_bytes: u64,
}

impl CacheConfig {
    /// The cache inside a selfheal data dir (see [`crate::dirs::default_data_dir`]).
    pub fn in_data_dir(data_dir: &Path) -> CacheConfig {
        CacheConfig {
            path: data_dir.join(CACHE_DIR_NAME),
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }
}

/// Why the cache could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot move the damaged validation cache {path} aside: {source}")]
    MoveAside {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// What `selfheal cache stats` shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CacheStats {
    /// The store's directory; `None` for an in-memory store.
    pub path: Option<PathBuf>,
    /// Entries stored.
    pub entries: u64,
    /// Bytes the stored entries take (keys and values).
    pub bytes: u64,
    /// The bound on `bytes`; least recently used entries go first beyond it.
    pub max_bytes: u64,
    /// Hits and misses since the store was created (persisted in the store).
    pub hits: u64,
    /// Lookups that found nothing (or a corrupt entry, removed).
    pub misses: u64,
    /// `hits / (hits + misses)`, or `None` before any lookup.
    pub hit_rate: Option<f64>,
    /// Creation time (unix seconds) of the oldest entry.
    pub oldest_entry_unix: Option<u64>,
}

/// What `gc` did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GcReport {
    /// Entries whose checksum was verified.
    pub checked: u64,
    /// Entries removed because they failed verification.
    pub corrupt_removed: u64,
    /// Entries removed to bring the store under its byte bound (least recently used first).
    pub evicted: u64,
    /// Entries left.
    pub entries: u64,
    /// Bytes left.
    pub bytes: u64,
}

/// A validation cache over a [`CacheStore`]. Share it behind an `Arc`.
pub struct ValidationCache {
    store: Box<dyn CacheStore>,
    path: Option<PathBuf>,
    max_bytes: u64,
    /// Set when the store failed: the cache then answers nothing and stores nothing.
    disabled: AtomicBool,
    session_hits: AtomicU64,
    session_misses: AtomicU64,
    /// Every key is [`CacheKey::scoped`] to this scope before it reaches the store; `None`
    /// (the command line's cache) uses keys as computed.
    scope: Option<CacheScope>,
}

/// Whether a result says something about the program (and so may be cached). Results that
/// did not come back normally never reach the cache (validation errors are not results);
/// of the rest, one with a wall-clock timeout is not cached, because a command that runs out
/// of wall time on a loaded host may finish on an idle one: the timeout is a property of the
/// moment, not of the program. CPU, memory and file-size limits are deterministic enough and
/// are part of the key, so those results are cached.
pub fn is_cacheable(result: &ValidationResult) -> bool {
    !result.cached
        && result
            .steps
            .iter()
            .all(|s| s.termination != Termination::WallTimeout)
}

fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl ValidationCache {
    /// A cache over any store.
    pub fn with_store(store: Box<dyn CacheStore>, max_bytes: u64) -> ValidationCache {
        ValidationCache {
            store,
            path: None,
            max_bytes,
            disabled: AtomicBool::new(false),
            session_hits: AtomicU64::new(0),
            session_misses: AtomicU64::new(0),
            scope: None,
        }
    }

    /// This cache with every key scoped to `scope` (see [`CacheKey::scoped`]): what the
    /// [`Validator`](crate::validate::Validator) computes is turned into the scope's own key
    /// before any store access. [`CacheSet`] builds one per tenant or shared scope, each over
    /// its own store.
    pub fn with_scope(mut self, scope: CacheScope) -> ValidationCache {
        self.scope = Some(scope);
        self
    }

    /// The scope keys are confined to, if any.
    pub fn scope(&self) -> Option<&CacheScope> {
        self.scope.as_ref()
    }

    /// The key the store sees for `key`.
    fn store_key(&self, key: &CacheKey) -> CacheKey {
        match &self.scope {
            Some(scope) => key.scoped(scope),
            None => *key,
        }
    }

    /// A cache that lives only as long as this process.
    pub fn in_memory(max_bytes: u64) -> ValidationCache {
        ValidationCache::with_store(Box::new(MemoryStore::new()), max_bytes)
    }

    /// Opens the sled cache at `config.path`. A database sled cannot open (or that makes it
    /// panic) is damaged: it is logged, moved aside to `<path>.corrupt-<time>` and replaced
    /// by an empty one. A database another process holds is [`StoreError::Locked`].
    pub fn open(config: &CacheConfig) -> Result<ValidationCache, CacheError> {
        let store = match open_sled(&config.path) {
            Ok(store) => store,
            Err(StoreError::Locked { path }) => return Err(StoreError::Locked { path }.into()),
            Err(e) => {
                let aside = config
                    .path
                    .with_extension(format!("corrupt-{}", now_unix()));
                tracing::warn!(
                    path = %config.path.display(),
                    moved_to = %aside.display(),
                    error = %e,
                    "the validation cache is damaged; moving it aside and starting empty"
                );
                std::fs::rename(&config.path, &aside).map_err(|source| CacheError::MoveAside {
                    path: config.path.clone(),
                    source,
                })?;
                open_sled(&config.path)?
            }
        };
        let mut cache = ValidationCache::with_store(Box::new(store), config.max_bytes);
        cache.path = Some(config.path.clone());
        Ok(cache)
    }

    /// [`open`](Self::open), but a cache that cannot be used is a warning, not an error: the
    /// caller runs uncached. This is what the command line uses.
    pub fn open_or_warn(config: &CacheConfig) -> Option<Arc<ValidationCache>> {
        match ValidationCache::open(config) {
            Ok(cache) => Some(Arc::new(cache)),
            Err(CacheError::Store(StoreError::Locked { path })) => {
                tracing::warn!(
                    "the validation cache at {} is in use by another selfheal process; \
                     running without the cache (use a different --data-dir to cache both)",
                    path.display()
                );
                None
            }
            Err(e) => {
                tracing::warn!("{e}; running without the validation cache");
                None
            }
        }
    }

    /// The store's directory; `None` for an in-memory store.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The bound on the stored bytes (see [`CacheStats::max_bytes`]).
    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// Bytes the stored entries take now (cheap, unlike [`stats`](Self::stats)).
    pub fn bytes(&self) -> u64 {
        self.store.bytes()
    }

    /// Entries stored now (cheap, unlike [`stats`](Self::stats)).
    pub fn entries(&self) -> u64 {
        self.store.len()
    }

    /// Whether a store failure turned the cache off.
    pub fn is_disabled(&self) -> bool {
        self.disabled.load(Ordering::Relaxed)
    }

    /// Hits and misses in this process.
    pub fn session_counts(&self) -> (u64, u64) {
        (
            self.session_hits.load(Ordering::Relaxed),
            self.session_misses.load(Ordering::Relaxed),
        )
    }

    /// Runs a store operation; an error or a panic inside the store engine is logged and
    /// turns the cache off (validation goes on uncached).
    fn guarded<T>(&self, what: &str, op: impl FnOnce() -> Result<T, StoreError>) -> Option<T> {
        if self.is_disabled() {
            return None;
        }
        match catch_unwind(AssertUnwindSafe(op)) {
            Ok(Ok(value)) => Some(value),
            Ok(Err(e)) => {
                tracing::warn!(
                    "validation cache {what} failed: {e}; the cache is off for this run"
                );
                self.disabled.store(true, Ordering::Relaxed);
                None
            }
            Err(_) => {
                tracing::warn!(
                    "the validation cache store panicked during {what}; the cache is off for \
                     this run (run `selfheal cache clear` if it persists)"
                );
                self.disabled.store(true, Ordering::Relaxed);
                None
            }
        }
    }

    /// The cached result for `key`, marked `cached`. A stored value that fails its checks is
    /// a miss: it is logged and deleted.
    pub fn get(&self, key: &CacheKey) -> Option<ValidationResult> {
        self.lookup(key, true)
    }

    /// Like [`ValidationCache::get`], but a miss is not counted: for callers that look ahead
    /// (the heal loop probing candidates) and will `get` again before validating.
    pub fn probe(&self, key: &CacheKey) -> Option<ValidationResult> {
        self.lookup(key, false)
    }

    fn lookup(&self, key: &CacheKey, count_miss: bool) -> Option<ValidationResult> {
        let key = &self.store_key(key);
        let value = self.guarded("lookup", || self.store.get(key)).flatten();
        let found = value.and_then(|value| match decode(key, &value) {
            Ok((mut result, _)) => {
                result.cached = true;
                Some(result)
            }
            Err(e) => {
                tracing::warn!(key = %key.hex(), error = %e, "corrupt validation cache entry; deleting it");
                self.guarded("delete", || self.store.remove(key));
                None
            }
        });
        let (session, name) = if found.is_some() {
            (&self.session_hits, HITS)
        } else if count_miss {
            (&self.session_misses, MISSES)
        } else {
            return None;
        };
        session.fetch_add(1, Ordering::Relaxed);
        self.guarded("counter update", || self.store.add_counter(name, 1));
        found
    }

    /// Stores `result` under `key` if it is cacheable (see [`is_cacheable`]), then evicts
    /// least recently used entries beyond the bound. Returns whether it was stored.
    pub fn put(&self, key: &CacheKey, result: &ValidationResult) -> bool {
        if !is_cacheable(result) {
            return false;
        }
        let key = &self.store_key(key);
        let value = encode(key, result, now_unix());
        if value.len() as u64 > self.max_bytes {
            return false;
        }
        let stored = self
            .guarded("store", || self.store.put(key, &value))
            .is_some();
        if stored && self.store.bytes() > self.max_bytes {
            self.evict();
        }
        stored
    }

    /// Evicts least recently used entries until the stored bytes fit the bound. Returns how
    /// many were evicted.
    fn evict(&self) -> u64 {
        let Some(by_age) = self.guarded("eviction", || self.store.iter_by_age()) else {
            return 0;
        };
        let mut evicted = self.evict_in_order(by_age);
        // Entries missing from the age index (possible after a crash) go last, in key order.
        if self.store.bytes() > self.max_bytes {
            let keys = self
                .guarded("eviction", || self.store.keys())
                .unwrap_or_default();
            evicted += self.evict_in_order(keys);
        }
        evicted
    }

    /// Removes `keys` in order until the stored bytes fit the bound. Returns how many were
    /// removed.
    fn evict_in_order(&self, keys: Vec<CacheKey>) -> u64 {
        let mut evicted = 0;
        for key in keys {
            if self.store.bytes() <= self.max_bytes {
                break;
            }
            if self
                .guarded("eviction", || self.store.remove(&key))
                .is_some()
            {
                evicted += 1;
            }
        }
        evicted
    }

    /// Entries, bytes, the persisted hit rate and the oldest entry.
    pub fn stats(&self) -> CacheStats {
        let hits = self.store.counter(HITS);
        let misses = self.store.counter(MISSES);
        let mut oldest = None::<u64>;
        for key in self
            .guarded("stats", || self.store.keys())
            .unwrap_or_default()
        {
            let created = self
                .guarded("stats", || self.store.peek(&key))
                .flatten()
                .and_then(|v| verify(&key, &v).ok());
            if let Some(created) = created {
                oldest = Some(oldest.map_or(created, |o| o.min(created)));
            }
        }
        CacheStats {
            path: self.path.clone(),
            entries: self.store.len(),
            bytes: self.store.bytes(),
            max_bytes: self.max_bytes,
            hits,
            misses,
            hit_rate: (hits + misses > 0).then(|| hits as f64 / (hits + misses) as f64),
            oldest_entry_unix: oldest,
        }
    }

    /// Removes every entry.
    pub fn clear(&self) -> Result<(), StoreError> {
        self.store.clear()
    }

    /// Checks every entry (dropping the corrupt ones), then evicts down to the bound.
    pub fn gc(&self) -> Result<GcReport, StoreError> {
        let mut report = GcReport::default();
        for key in self.store.keys()? {
            // Removed meanwhile by a concurrent eviction: nothing to check.
            let Some(value) = self.store.peek(&key)? else {
                continue;
            };
            report.checked += 1;
            if decode(&key, &value).is_err() {
                tracing::warn!(key = %key.hex(), "corrupt validation cache entry; deleting it");
                self.store.remove(&key)?;
                report.corrupt_removed += 1;
            }
        }
        report.evicted = self.evict();
        self.store.flush()?;
        report.entries = self.store.len();
        report.bytes = self.store.bytes();
        Ok(report)
    }

    /// Makes everything written so far durable.
    pub fn flush(&self) {
        self.guarded("flush", || self.store.flush());
    }
}

/// Opens sled, turning a panic inside it (seen with damaged files) into an error.
fn open_sled(path: &Path) -> Result<SledStore, StoreError> {
    match catch_unwind(|| SledStore::open(path)) {
        Ok(result) => result,
        Err(_) => Err(StoreError::Backend {
            path: path.to_path_buf(),
            message: "the store engine panicked while opening it".into(),
        }),
    }
}
