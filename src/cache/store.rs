//! Where cached values live: the [`CacheStore`] trait, an in-memory store and a sled store.
//!
//! A store keeps raw bytes under 32-byte keys, an access-time index for least-recently-used
//! eviction, and named counters. It knows nothing about what the bytes mean; checksums and
//! decoding are the cache's business (see `entry.rs`).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use super::key::CacheKey;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another process holds the store.
    #[error("the validation cache at {path} is in use by another selfheal process")]
    Locked { path: PathBuf },
    #[error("validation cache at {path}: {message}")]
    Backend { path: PathBuf, message: String },
    #[error("validation cache: {0}")]
    Io(#[from] std::io::Error),
}

/// A key-value store for cached validation results. Implementations must be safe to share
/// between threads; every method takes `&self`.
pub trait CacheStore: Send + Sync {
    /// The value under `key`, marking it as just used.
    fn get(&self, key: &CacheKey) -> Result<Option<Vec<u8>>, StoreError>;
    /// The value under `key`, leaving its last use as it was (for `stats` and `gc`).
    fn peek(&self, key: &CacheKey) -> Result<Option<Vec<u8>>, StoreError>;
    /// Stores `value` under `key` (replacing any value), marking it as just used.
    fn put(&self, key: &CacheKey, value: &[u8]) -> Result<(), StoreError>;
    fn remove(&self, key: &CacheKey) -> Result<(), StoreError>;
    /// Number of values.
    fn len(&self) -> u64;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Total bytes of the stored values.
    fn bytes(&self) -> u64;
    /// Removes every value and the access index (counters are kept).
    fn clear(&self) -> Result<(), StoreError>;
    /// Keys, least recently used first.
    fn iter_by_age(&self) -> Result<Vec<CacheKey>, StoreError>;
    /// Every key, in key order, used or not (`gc` checks each value).
    fn keys(&self) -> Result<Vec<CacheKey>, StoreError>;
    /// Adds `by` to the counter `name` (kept across runs by persistent stores).
    fn add_counter(&self, name: &str, by: u64) -> Result<(), StoreError>;
    fn counter(&self, name: &str) -> u64;
    /// Makes everything written so far durable.
    fn flush(&self) -> Result<(), StoreError>;
}

/// A strictly increasing clock in nanoseconds since the epoch, so access records never tie.
#[derive(Default)]
struct Ticks(AtomicU64);

impl Ticks {
    fn next(&self) -> u64 {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
        let mut prev = self.0.load(Ordering::Relaxed);
        loop {
            let next = now.max(prev + 1);
            match self
                .0
                .compare_exchange(prev, next, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return next,
                Err(p) => prev = p,
            }
        }
    }
}

/// A store in memory: for library users who want a per-process cache, and for tests.
#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<MemoryInner>,
    ticks: Ticks,
}

#[derive(Default)]
struct MemoryInner {
    values: HashMap<CacheKey, (Vec<u8>, u64)>,
    by_age: BTreeMap<u64, CacheKey>,
    bytes: u64,
    counters: HashMap<String, u64>,
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MemoryInner> {
        // A panic while holding the lock leaves consistent data (every update is one step).
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl CacheStore for MemoryStore {
    fn get(&self, key: &CacheKey) -> Result<Option<Vec<u8>>, StoreError> {
        let tick = self.ticks.next();
        let mut inner = self.lock();
        let inner = &mut *inner;
        let Some((value, used)) = inner.values.get_mut(key) else {
            return Ok(None);
        };
        inner.by_age.remove(used);
        *used = tick;
        inner.by_age.insert(tick, *key);
        Ok(Some(value.clone()))
    }

    fn peek(&self, key: &CacheKey) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.lock().values.get(key).map(|(value, _)| value.clone()))
    }

    fn put(&self, key: &CacheKey, value: &[u8]) -> Result<(), StoreError> {
        let tick = self.ticks.next();
        let mut inner = self.lock();
        if let Some((old, used)) = inner.values.remove(key) {
            inner.by_age.remove(&used);
            inner.bytes -= old.len() as u64;
        }
        inner.bytes += value.len() as u64;
        inner.by_age.insert(tick, *key);
        inner.values.insert(*key, (value.to_vec(), tick));
        Ok(())
    }

    fn remove(&self, key: &CacheKey) -> Result<(), StoreError> {
        let mut inner = self.lock();
        if let Some((old, used)) = inner.values.remove(key) {
            inner.by_age.remove(&used);
            inner.bytes -= old.len() as u64;
        }
        Ok(())
    }

    fn len(&self) -> u64 {
        self.lock().values.len() as u64
    }

    fn bytes(&self) -> u64 {
        self.lock().bytes
    }

    fn clear(&self) -> Result<(), StoreError> {
        let mut inner = self.lock();
        inner.values.clear();
        inner.by_age.clear();
        inner.bytes = 0;
        Ok(())
    }

    fn iter_by_age(&self) -> Result<Vec<CacheKey>, StoreError> {
        Ok(self.lock().by_age.values().copied().collect())
    }

    fn keys(&self) -> Result<Vec<CacheKey>, StoreError> {
        let mut keys: Vec<CacheKey> = self.lock().values.keys().copied().collect();
        keys.sort_unstable();
        Ok(keys)
    }

    fn add_counter(&self, name: &str, by: u64) -> Result<(), StoreError> {
        *self.lock().counters.entry(name.to_string()).or_default() += by;
        Ok(())
    }

    fn counter(&self, name: &str) -> u64 {
        self.lock().counters.get(name).copied().unwrap_or(0)
    }

    fn flush(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

/// Default bound on the memory a sled cache database keeps of its pages: 64 MiB (see
/// [`SledStore::open_db_with`]).
pub const DEFAULT_PAGE_CACHE_BYTES: u64 = 64 << 20;

/// A persistent store in a sled database.
///
/// Trees: `entries` (key → value), `atime` (key → last use, big-endian nanoseconds) and
/// `by_age` (last use ‖ key → nothing), the index eviction walks oldest first, and `meta`
/// (counters). The trees are updated one after another, not in one transaction: after a
/// crash the index may name a key that is gone or miss one that exists; eviction and `gc`
/// tolerate both, and the value's own checksum guards its content.
pub struct SledStore {
    path: PathBuf,
    db: sled::Db,
    entries: sled::Tree,
    atime: sled::Tree,
    by_age: sled::Tree,
    meta: sled::Tree,
    /// Serializes updates that touch several trees, so the byte count stays exact.
    write: Mutex<()>,
    bytes: AtomicU64,
    count: AtomicU64,
    ticks: Ticks,
}

impl SledStore {
    /// Opens (or creates) the database at `path`.
    pub fn open(path: &Path) -> Result<SledStore, StoreError> {
        let db = SledStore::open_db(path)?;
        SledStore::open_in(db, path, "")
    }

    /// Opens (or creates) the sled database at `path` that [`open_in`](Self::open_in) takes,
    /// keeping at most [`DEFAULT_PAGE_CACHE_BYTES`] of its pages in memory.
    ///
    /// # Errors
    ///
    /// [`StoreError::Locked`] when another process still holds it after a second, else what
    /// sled or the file system reported.
    pub fn open_db(path: &Path) -> Result<sled::Db, StoreError> {
        SledStore::open_db_with(path, DEFAULT_PAGE_CACHE_BYTES)
    }

    /// [`open_db`](Self::open_db), keeping at most `page_cache_bytes` of the database's pages
    /// in memory (sled's page cache): the bound on the memory the cache's reads and writes
    /// hold, whatever the database's size on disk. A smaller bound reads more pages back from
    /// disk (the operating system's file cache usually answers).
    ///
    /// # Errors
    ///
    /// As [`open_db`](Self::open_db).
    pub fn open_db_with(path: &Path, page_cache_bytes: u64) -> Result<sled::Db, StoreError> {
        std::fs::create_dir_all(path)?;
        // A handle just dropped (in this process, or by a process that is exiting) releases
        // the file lock a moment later, from sled's flusher thread: wait that moment out
        // before calling the cache busy.
        let deadline = std::time::Instant::now() + LOCK_RELEASE_WAIT;
        loop {
            let opened = sled::Config::new()
                .path(path)
                .cache_capacity(page_cache_bytes)
                .flush_every_ms(Some(500))
                .open()
                .map_err(|e| open_error(path, e));
            match opened {
                Err(StoreError::Locked { .. }) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                other => return other,
            }
        }
    }

    /// A store in the trees of `db` whose names start with `prefix` (`<prefix>entries`,
    /// `<prefix>atime`, `<prefix>by_age`, `<prefix>meta`): several stores (one per cache
    /// scope) share one database without sharing a tree, a byte count or a counter. `path`
    /// names the database in messages.
    pub fn open_in(db: sled::Db, path: &Path, prefix: &str) -> Result<SledStore, StoreError> {
        let backend = |e: sled::Error| StoreError::Backend {
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        let entries = db.open_tree(format!("{prefix}entries")).map_err(backend)?;
        let atime = db.open_tree(format!("{prefix}atime")).map_err(backend)?;
        let by_age = db.open_tree(format!("{prefix}by_age")).map_err(backend)?;
        let meta = db.open_tree(format!("{prefix}meta")).map_err(backend)?;
        let mut bytes = 0u64;
        let mut count = 0u64;
        for item in entries.iter() {
            let (_, value) = item.map_err(backend)?;
            bytes += value.len() as u64;
            count += 1;
        }
        Ok(SledStore {
            path: path.to_path_buf(),
            db,
            entries,
            atime,
            by_age,
            meta,
            write: Mutex::new(()),
            bytes: AtomicU64::new(bytes),
            count: AtomicU64::new(count),
            ticks: Ticks::default(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, e: sled::Error) -> StoreError {
        StoreError::Backend {
            path: self.path.clone(),
            message: e.to_string(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ()> {
        self.write.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records that `key` was used now (callers hold the write lock).
    fn touch(&self, key: &CacheKey) -> Result<(), StoreError> {
        let tick = self.ticks.next().to_be_bytes();
        let old = self
            .atime
            .insert(key.0, &tick[..])
            .map_err(|e| self.err(e))?;
        if let Some(old) = old {
            self.by_age
                .remove(age_key(&old, key))
                .map_err(|e| self.err(e))?;
        }
        self.by_age
            .insert(age_key(&tick, key), &[][..])
            .map_err(|e| self.err(e))?;
        Ok(())
    }
}

fn age_key(tick: &[u8], key: &CacheKey) -> Vec<u8> {
    let mut k = Vec::with_capacity(tick.len() + 32);
    k.extend_from_slice(tick);
    k.extend_from_slice(&key.0);
    k
}

fn key_from(bytes: &[u8]) -> Option<CacheKey> {
    bytes.try_into().ok().map(CacheKey)
}

/// How long opening a cache waits for its lock before it reports [`StoreError::Locked`].
const LOCK_RELEASE_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

fn open_error(path: &Path, e: sled::Error) -> StoreError {
    let message = e.to_string();
    if message.contains("could not acquire lock") {
        StoreError::Locked {
            path: path.to_path_buf(),
        }
    } else {
        StoreError::Backend {
            path: path.to_path_buf(),
            message,
        }
    }
}

impl CacheStore for SledStore {
    fn get(&self, key: &CacheKey) -> Result<Option<Vec<u8>>, StoreError> {
        let Some(value) = self.entries.get(key.0).map_err(|e| self.err(e))? else {
            return Ok(None);
        };
        let _guard = self.lock();
        self.touch(key)?;
        Ok(Some(value.to_vec()))
    }

    fn peek(&self, key: &CacheKey) -> Result<Option<Vec<u8>>, StoreError> {
        let value = self.entries.get(key.0).map_err(|e| self.err(e))?;
        Ok(value.map(|v| v.to_vec()))
    }

    fn put(&self, key: &CacheKey, value: &[u8]) -> Result<(), StoreError> {
        let _guard = self.lock();
        let old = self.entries.insert(key.0, value).map_err(|e| self.err(e))?;
        match old {
            Some(old) => {
                self.bytes.fetch_sub(old.len() as u64, Ordering::Relaxed);
            }
            None => {
                self.count.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.bytes.fetch_add(value.len() as u64, Ordering::Relaxed);
        self.touch(key)
    }

    fn remove(&self, key: &CacheKey) -> Result<(), StoreError> {
        let _guard = self.lock();
        if let Some(old) = self.entries.remove(key.0).map_err(|e| self.err(e))? {
            self.bytes.fetch_sub(old.len() as u64, Ordering::Relaxed);
            self.count.fetch_sub(1, Ordering::Relaxed);
        }
        if let Some(tick) = self.atime.remove(key.0).map_err(|e| self.err(e))? {
            self.by_age
                .remove(age_key(&tick, key))
                .map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    fn len(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    fn clear(&self) -> Result<(), StoreError> {
        let _guard = self.lock();
        for tree in [&self.entries, &self.atime, &self.by_age] {
            tree.clear().map_err(|e| self.err(e))?;
        }
        self.bytes.store(0, Ordering::Relaxed);
        self.count.store(0, Ordering::Relaxed);
        self.flush()
    }

    fn iter_by_age(&self) -> Result<Vec<CacheKey>, StoreError> {
        let mut keys = Vec::new();
        for item in self.by_age.iter() {
            let (k, _) = item.map_err(|e| self.err(e))?;
            if let Some(key) = k.get(8..).and_then(key_from) {
                keys.push(key);
            }
        }
        Ok(keys)
    }

    fn keys(&self) -> Result<Vec<CacheKey>, StoreError> {
        let mut keys = Vec::new();
        for item in self.entries.iter() {
            let (k, _) = item.map_err(|e| self.err(e))?;
            match key_from(&k) {
                Some(key) => keys.push(key),
                // Not a key this cache wrote: drop it so it cannot be mistaken for one.
                None => {
                    let _guard = self.lock();
                    if let Some(old) = self.entries.remove(&k).map_err(|e| self.err(e))? {
                        self.bytes.fetch_sub(old.len() as u64, Ordering::Relaxed);
                        self.count.fetch_sub(1, Ordering::Relaxed);
                    }
                }
            }
        }
        Ok(keys)
    }

    fn add_counter(&self, name: &str, by: u64) -> Result<(), StoreError> {
        self.meta
            .update_and_fetch(name.as_bytes(), |old| {
                let current = old
                    .and_then(|b| <[u8; 8]>::try_from(b).ok())
                    .map_or(0, u64::from_le_bytes);
                Some(current.saturating_add(by).to_le_bytes().to_vec())
            })
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    fn counter(&self, name: &str) -> u64 {
        self.meta
            .get(name.as_bytes())
            .ok()
            .flatten()
            .and_then(|b| <[u8; 8]>::try_from(b.as_ref()).ok())
            .map_or(0, u64::from_le_bytes)
    }

    fn flush(&self) -> Result<(), StoreError> {
        self.db.flush().map_err(|e| self.err(e))?;
        Ok(())
    }
}
