//! Cache scopes: one validation cache per tenant (or per shared group) over one database.
//!
//! A scope confines a cache twice over. Its keys are [`CacheKey::scoped`] (blake3 over the
//! computed key, the scope's kind and its name, in the same domain-separated layout as every
//! key part), so the same validation has a different key in every scope, and a value's
//! checksum (which covers its key) fails in any other scope. And each scope has its own store:
//! in a [`CacheSet`] on disk, its own sled trees (`tenant/<name>/entries`, `…/atime`,
//! `…/by_age`, `…/meta`); in memory, its own [`MemoryStore`]. A lookup in one scope never
//! reads, touches, counts or evicts another scope's entries, so neither its answer, its
//! timing, its statistics nor its eviction order depend on what another scope stored.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::store::{CacheStore, MemoryStore, SledStore, StoreError, DEFAULT_PAGE_CACHE_BYTES};
use super::{CacheError, ValidationCache};

/// Longest scope name, in bytes.
pub const MAX_SCOPE_NAME: usize = 64;

/// Where a cache's entries live and who they answer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CacheScope {
    /// One tenant's own entries (the name is the tenant id).
    Tenant(String),
    /// A group of tenants the operator put in one shared scope: any of them may be answered
    /// with an entry another stored (and could tell from the timing that it was).
    Shared(String),
}

/// A scope name that is not `[a-z0-9][a-z0-9_-]{0,63}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{name}` is not a valid scope name: {reason} (use 1 to 64 of a-z, 0-9, `-` and `_`, \
     starting with a letter or digit)"
)]
pub struct ScopeNameError {
    pub name: String,
    pub reason: &'static str,
}

/// Checks a tenant id or shared group name: `[a-z0-9][a-z0-9_-]{0,63}`. The same rule makes
/// it safe in a sled tree name and a directory name.
pub fn check_scope_name(name: &str) -> Result<(), ScopeNameError> {
    let err = |reason| {
        Err(ScopeNameError {
            name: name.to_string(),
            reason,
        })
    };
    if name.is_empty() {
        return err("it is empty");
    }
    if name.len() > MAX_SCOPE_NAME {
        return err("it is longer than 64 bytes");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
    {
        return err("it has a character other than a-z, 0-9, `-` and `_`");
    }
    if name.starts_with(['-', '_']) {
        return err("it starts with `-` or `_`");
    }
    Ok(())
}

impl CacheScope {
    /// `tenant` or `shared`.
    pub fn kind(&self) -> &'static str {
        match self {
            CacheScope::Tenant(_) => "tenant",
            CacheScope::Shared(_) => "shared",
        }
    }

    /// The tenant id or the shared group's name.
    pub fn name(&self) -> &str {
        match self {
            CacheScope::Tenant(name) | CacheScope::Shared(name) => name,
        }
    }

    /// The prefix of this scope's sled trees: `tenant/<name>/` or `shared/<name>/`.
    pub fn tree_prefix(&self) -> String {
        format!("{}/{}/", self.kind(), self.name())
    }

    /// Checks the name (see [`check_scope_name`]).
    pub fn check(&self) -> Result<(), ScopeNameError> {
        check_scope_name(self.name())
    }
}

impl fmt::Display for CacheScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind(), self.name())
    }
}

type StoreFactory = dyn Fn(&CacheScope) -> Box<dyn CacheStore> + Send + Sync;

enum Backend {
    Sled { db: sled::Db, path: PathBuf },
    Factory(Box<StoreFactory>),
}

/// One cache per scope, all in one database: what a multi-tenant host keeps. `Send + Sync`.
///
/// [`cache`](Self::cache) returns the same `Arc` for the same scope every time, so every
/// tenant of one shared group uses one cache.
pub struct CacheSet {
    backend: Backend,
    caches: Mutex<HashMap<CacheScope, Arc<ValidationCache>>>,
}

impl fmt::Debug for CacheSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CacheSet")
            .field("path", &self.path())
            .finish()
    }
}

impl CacheSet {
    /// Opens (or creates) the database at `path`. A database sled cannot open is damaged: it
    /// is logged, moved aside to `<path>.corrupt-<time>` and replaced by an empty one (as
    /// [`ValidationCache::open`] does).
    ///
    /// # Errors
    ///
    /// [`StoreError::Locked`] when another process holds the database;
    /// [`CacheError::MoveAside`] when a damaged one cannot be moved.
    pub fn open(path: &Path) -> Result<CacheSet, CacheError> {
        CacheSet::open_with(path, DEFAULT_PAGE_CACHE_BYTES)
    }

    /// [`open`](Self::open), keeping at most `page_cache_bytes` of the database's pages in
    /// memory (see [`SledStore::open_db_with`]): with each scope's bound on stored bytes
    /// ([`cache`](Self::cache)), what bounds the memory the whole set holds.
    ///
    /// # Errors
    ///
    /// As [`open`](Self::open).
    pub fn open_with(path: &Path, page_cache_bytes: u64) -> Result<CacheSet, CacheError> {
        let open =
            || match std::panic::catch_unwind(|| SledStore::open_db_with(path, page_cache_bytes)) {
                Ok(result) => result,
                Err(_) => Err(StoreError::Backend {
                    path: path.to_path_buf(),
                    message: "the store engine panicked while opening it".into(),
                }),
            };
        let db = match open() {
            Ok(db) => db,
            Err(StoreError::Locked { path }) => return Err(StoreError::Locked { path }.into()),
            Err(e) => {
                let aside = path.with_extension(format!("corrupt-{}", super::now_unix()));
                tracing::warn!(
                    path = %path.display(),
                    moved_to = %aside.display(),
                    error = %e,
                    "the tenant cache database is damaged; moving it aside and starting empty"
                );
                std::fs::rename(path, &aside).map_err(|source| CacheError::MoveAside {
                    path: path.to_path_buf(),
                    source,
                })?;
                open()?
            }
        };
        Ok(CacheSet {
            backend: Backend::Sled {
                db,
                path: path.to_path_buf(),
            },
            caches: Mutex::new(HashMap::new()),
        })
    }

    /// Every scope in its own [`MemoryStore`], for this process only.
    pub fn in_memory() -> CacheSet {
        CacheSet::with_stores(|_| Box::new(MemoryStore::new()))
    }

    /// Every scope in the store `factory` makes for it (called once per scope).
    pub fn with_stores(
        factory: impl Fn(&CacheScope) -> Box<dyn CacheStore> + Send + Sync + 'static,
    ) -> CacheSet {
        CacheSet {
            backend: Backend::Factory(Box::new(factory)),
            caches: Mutex::new(HashMap::new()),
        }
    }

    /// The database directory; `None` in memory.
    pub fn path(&self) -> Option<&Path> {
        match &self.backend {
            Backend::Sled { path, .. } => Some(path),
            Backend::Factory(_) => None,
        }
    }

    /// The cache of `scope`, bounded to `max_bytes` of stored values (the bound of the first
    /// call for a scope holds for the life of this set). Each scope's least recently used
    /// entries are evicted within that scope only.
    ///
    /// # Errors
    ///
    /// [`CacheError::Store`] when the scope's name is not valid (see [`check_scope_name`]) or
    /// its trees cannot be opened.
    pub fn cache(
        &self,
        scope: &CacheScope,
        max_bytes: u64,
    ) -> Result<Arc<ValidationCache>, CacheError> {
        scope.check().map_err(|e| StoreError::Backend {
            path: self.path().map(Path::to_path_buf).unwrap_or_default(),
            message: e.to_string(),
        })?;
        let mut caches = self.caches.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(cache) = caches.get(scope) {
            return Ok(Arc::clone(cache));
        }
        let cache = match &self.backend {
            Backend::Sled { db, path } => {
                let store = SledStore::open_in(db.clone(), path, &scope.tree_prefix())?;
                let mut cache = ValidationCache::with_store(Box::new(store), max_bytes)
                    .with_scope(scope.clone());
                cache.path = Some(path.clone());
                cache
            }
            Backend::Factory(factory) => {
                ValidationCache::with_store(factory(scope), max_bytes).with_scope(scope.clone())
            }
        };
        let cache = Arc::new(cache);
        caches.insert(scope.clone(), Arc::clone(&cache));
        Ok(cache)
    }

    /// Makes everything written so far durable.
    pub fn flush(&self) {
        if let Backend::Sled { db, path } = &self.backend {
            if let Err(e) = db.flush() {
                tracing::warn!(
                    "cannot flush the tenant cache database {}: {e}",
                    path.display()
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::CacheKey;

    #[test]
    fn names_are_checked() {
        assert!(check_scope_name("acme").is_ok());
        assert!(check_scope_name("a-1_b").is_ok());
        for bad in ["", "-a", "_a", "A", "a/b", "a b", "é", &"x".repeat(65)] {
            assert!(check_scope_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn scopes_separate_keys() {
        let key = CacheKey([7; 32]);
        let a = key.scoped(&CacheScope::Tenant("a".into()));
        let b = key.scoped(&CacheScope::Tenant("b".into()));
        let shared_a = key.scoped(&CacheScope::Shared("a".into()));
        assert_ne!(a, b);
        assert_ne!(a, shared_a);
        assert_ne!(a, key);
        assert_eq!(a, key.scoped(&CacheScope::Tenant("a".into())));
    }
}
