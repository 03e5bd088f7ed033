//! The plugin host: one shared wasmtime [`Engine`], the linker with WASI, loading (compiled
//! cache, interface check, pre-instantiation) and the sandboxed call.
//!
//! Each call gets a fresh [`Store`] from the plugin's `InstancePre`: nothing a call leaves in
//! its memory reaches the next one, and a call that breaks its instance breaks nothing else.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Config, Engine, ResourceLimiter, Store, Trap};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use super::bindings::strategy::FixStrategyPre;
use super::bindings::validator::ValidatorPre;
use super::cache::{engine_fingerprint, CompiledCache};
use super::compile::{compile_bounded, CompileBounds};
use super::{
    convert, interface, CacheOutcome, FailureKind, PluginError, PluginFailure, PluginHostConfig,
    PluginInfo, PluginKind, PluginLimits, MAX_COMPONENT_BYTES,
};
use crate::fix::Fix;
use crate::program::Program;
use crate::types::{CodeError, TargetLanguage};

/// How often the epoch advances; a call's deadline is its timeout in ticks (rounded up).
const EPOCH_TICK: Duration = Duration::from_millis(2);
/// Most table elements a plugin may grow its tables to.
const MAX_TABLE_ELEMENTS: usize = 100_000;
/// Most bytes of a plugin's stdout/stderr copied into the log after a call.
const LOGGED_OUTPUT_BYTES: usize = 4096;

/// Loads plugins and runs their calls. Cheap to clone (one shared engine); `Send + Sync`.
#[derive(Clone)]
pub struct PluginHost {
    inner: Arc<HostInner>,
}

struct HostInner {
    engine: Engine,
    /// `engine`'s configuration with serial compilation: compiles in the bounded child.
    compiler: Engine,
    linker: Linker<CallState>,
    cache: CompiledCache,
    fingerprint: [u8; 32],
    limits: PluginLimits,
    ticker_stop: Arc<AtomicBool>,
}

impl Drop for HostInner {
    fn drop(&mut self) {
        self.ticker_stop.store(true, Ordering::Relaxed);
    }
}

impl PluginHost {
    /// A host with its engine, linker and epoch ticker thread.
    pub fn new(config: PluginHostConfig) -> Result<PluginHost, PluginError> {
        config.limits.check()?;
        // Async calls (`*_async`, async WASI): every call runs on a fiber, so a call blocked in
        // a WASI host call (a clock sleep, a poll) is abandoned at its deadline like one
        // spinning in wasm.
        runtime()?;
        let mut wasm = Config::new();
        wasm.epoch_interruption(true);
        let engine = Engine::new(&wasm).map_err(|e| PluginError::Engine(e.to_string()))?;
        wasm.parallel_compilation(false);
        let compiler = Engine::new(&wasm).map_err(|e| PluginError::Engine(e.to_string()))?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)
            .map_err(|e| PluginError::Engine(e.to_string()))?;
        // The types interface has no functions; a component importing it needs the instance.
        linker
            .instance(&format!(
                "selfheal:plugin/types@{}",
                super::INTERFACE_VERSION
            ))
            .map_err(|e| PluginError::Engine(e.to_string()))?;
        let ticker_stop = Arc::new(AtomicBool::new(false));
        {
            let engine = engine.clone();
            let stop = Arc::clone(&ticker_stop);
            std::thread::Builder::new()
                .name("selfheal-plugin-epoch".into())
                .spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        std::thread::sleep(EPOCH_TICK);
                        engine.increment_epoch();
                    }
                })
                .map_err(|e| PluginError::Engine(format!("cannot start the epoch thread: {e}")))?;
        }
        let fingerprint = engine_fingerprint(&engine);
        Ok(PluginHost {
            inner: Arc::new(HostInner {
                engine,
                compiler,
                linker,
                cache: CompiledCache::new(config.cache_dir),
                fingerprint,
                limits: config.limits,
                ticker_stop,
            }),
        })
    }

    pub fn limits(&self) -> &PluginLimits {
        &self.inner.limits
    }

    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// The compiled-component cache directory, if any.
    pub fn cache_dir(&self) -> Option<&Path> {
        self.inner.cache.dir()
    }

    /// The cache file a component's compiled form is (or would be) stored in.
    pub fn compiled_path(&self, component: &[u8]) -> Option<PathBuf> {
        self.inner
            .cache
            .path_for(component, &self.inner.fingerprint)
    }

    /// Loads the component in `path`.
    pub fn load_file(&self, path: &Path) -> Result<Plugin, PluginError> {
        let size = std::fs::metadata(path)
            .map_err(|source| PluginError::Read {
                path: path.to_path_buf(),
                source,
            })?
            .len();
        if size > MAX_COMPONENT_BYTES as u64 {
            return Err(PluginError::TooLarge {
                size,
                limit: MAX_COMPONENT_BYTES,
            });
        }
        let bytes = std::fs::read(path).map_err(|source| PluginError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        self.load(&bytes, Some(path.to_path_buf()))
    }

    /// Loads a component from its bytes.
    pub fn load_bytes(&self, bytes: &[u8]) -> Result<Plugin, PluginError> {
        self.load(bytes, None)
    }

    fn load(&self, bytes: &[u8], path: Option<PathBuf>) -> Result<Plugin, PluginError> {
        if bytes.len() > MAX_COMPONENT_BYTES {
            return Err(PluginError::TooLarge {
                size: bytes.len() as u64,
                limit: MAX_COMPONENT_BYTES,
            });
        }
        match bytes.get(..8) {
            Some([0, b'a', b's', b'm', 1, 0, 0, 0]) => return Err(PluginError::CoreModule),
            Some([0, b'a', b's', b'm', ..]) => {}
            _ => return Err(PluginError::NotWasm),
        }
        let host = &self.inner;
        let bounds = CompileBounds {
            timeout: host.limits.compile_timeout,
            memory_bytes: host.limits.compile_memory_bytes,
        };
        let compile = |bytes: &[u8]| compile_bounded(&host.engine, &host.compiler, bytes, bounds);
        let (component, cache) =
            host.cache
                .load_or_compile(&host.engine, &host.fingerprint, bytes, &compile)?;
        let kind = interface::inspect(&host.engine, &component)?;
        let pre = link(&host.linker, &component, kind)?;
        let digest = *blake3::hash(bytes).as_bytes();
        let mut plugin = PluginInner {
            host: self.clone(),
            info: PluginInfo {
                name: String::new(),
                version: String::new(),
                description: String::new(),
                languages: Vec::new(),
            },
            kind,
            path,
            digest,
            cache,
            pre,
            calls: AtomicU64::new(0),
            failures: AtomicU64::new(0),
        };
        let info = plugin
            .call_info()
            .map_err(|failure| PluginError::Info(Box::new(failure)))?;
        plugin.info = info;
        Ok(Plugin {
            inner: Arc::new(plugin),
        })
    }
}

fn link(
    linker: &Linker<CallState>,
    component: &Component,
    kind: PluginKind,
) -> Result<Pre, PluginError> {
    let link_error = |e: wasmtime::Error| PluginError::Link(format!("{e:#}"));
    let pre = linker.instantiate_pre(component).map_err(link_error)?;
    Ok(match kind {
        PluginKind::FixStrategy => Pre::Strategy(FixStrategyPre::new(pre).map_err(link_error)?),
        PluginKind::Validator => Pre::Validator(ValidatorPre::new(pre).map_err(link_error)?),
    })
}

enum Pre {
    Strategy(FixStrategyPre<CallState>),
    Validator(ValidatorPre<CallState>),
}

/// A loaded plugin, pre-instantiated. Cheap to clone; `Send + Sync`.
#[derive(Clone)]
pub struct Plugin {
    inner: Arc<PluginInner>,
}

struct PluginInner {
    host: PluginHost,
    info: PluginInfo,
    kind: PluginKind,
    path: Option<PathBuf>,
    digest: [u8; 32],
    cache: CacheOutcome,
    pre: Pre,
    calls: AtomicU64,
    failures: AtomicU64,
}

impl std::fmt::Debug for Plugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plugin")
            .field("info", &self.inner.info)
            .field("kind", &self.inner.kind)
            .field("path", &self.inner.path)
            .finish()
    }
}

impl Plugin {
    pub fn info(&self) -> &PluginInfo {
        &self.inner.info
    }

    pub fn kind(&self) -> PluginKind {
        self.inner.kind
    }

    /// The file it was loaded from, if any.
    pub fn path(&self) -> Option<&Path> {
        self.inner.path.as_deref()
    }

    /// blake3 of the component's bytes: its identity in cache keys.
    pub fn digest(&self) -> [u8; 32] {
        self.inner.digest
    }

    /// How the compiled component was obtained at load.
    pub fn cache_outcome(&self) -> CacheOutcome {
        self.inner.cache
    }

    /// True when this plugin handles `language` (an empty language list means all).
    pub fn handles(&self, language: TargetLanguage) -> bool {
        self.inner.info.languages.is_empty() || self.inner.info.languages.contains(&language)
    }

    /// Calls made to the plugin (`info` at load included).
    pub fn calls(&self) -> u64 {
        self.inner.calls.load(Ordering::Relaxed)
    }

    /// Calls that ended in a [`PluginFailure`].
    pub fn failures(&self) -> u64 {
        self.inner.failures.load(Ordering::Relaxed)
    }

    /// The plugin's fixes for `error`, attributed to `strategy_id`.
    pub fn suggest(
        &self,
        error: &CodeError,
        program: &Program,
        strategy_id: &str,
    ) -> Result<Vec<Fix>, PluginFailure> {
        let Pre::Strategy(pre) = &self.inner.pre else {
            return Err(self.inner.wrong_kind("suggest"));
        };
        let (error, program) = (
            convert::error_to_wit(error),
            convert::program_to_wit(program),
        );
        self.inner.traced("suggest", |inner| {
            let returned = inner.call("suggest", |mut store| async move {
                pre.instantiate_async(&mut store)
                    .await?
                    .call_suggest(&mut store, &error, &program)
                    .await
            })?;
            let fixes = returned
                .map_err(|message| inner.failure("suggest", FailureKind::PluginError, message))?;
            let size = convert::fixes_size(&fixes);
            inner.check_size("suggest", size)?;
            fixes
                .into_iter()
                .map(|f| convert::fix_from_wit(f, strategy_id))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|message| inner.failure("suggest", FailureKind::MalformedResult, message))
        })
    }

    /// The errors the plugin finds in one command's output, step-stamped, without context.
    pub fn parse(
        &self,
        language: TargetLanguage,
        step: &str,
        exit_code: Option<i32>,
        stdout: &str,
        stderr: &str,
    ) -> Result<Vec<CodeError>, PluginFailure> {
        let Pre::Validator(pre) = &self.inner.pre else {
            return Err(self.inner.wrong_kind("parse"));
        };
        let lang = convert::language_to_wit(language);
        self.inner.traced("parse", |inner| {
            let returned = inner.call("parse", |mut store| async move {
                pre.instantiate_async(&mut store)
                    .await?
                    .call_parse(&mut store, lang, step, exit_code, stdout, stderr)
                    .await
            })?;
            let errors = returned
                .map_err(|message| inner.failure("parse", FailureKind::PluginError, message))?;
            inner.check_size("parse", convert::errors_size(&errors))?;
            Ok(errors
                .into_iter()
                .map(|e| convert::error_from_wit(e, step))
                .collect())
        })
    }
}

impl PluginInner {
    fn name(&self) -> &str {
        if self.info.name.is_empty() {
            self.path
                .as_deref()
                .and_then(|p| p.file_name())
                .and_then(|n| n.to_str())
                .unwrap_or("(unnamed plugin)")
        } else {
            &self.info.name
        }
    }

    fn call_info(&self) -> Result<PluginInfo, PluginFailure> {
        let info = self.traced("info", |inner| {
            let info = inner.call("info", |mut store| async move {
                match &inner.pre {
                    Pre::Strategy(pre) => {
                        pre.instantiate_async(&mut store)
                            .await?
                            .call_info(&mut store)
                            .await
                    }
                    Pre::Validator(pre) => {
                        pre.instantiate_async(&mut store)
                            .await?
                            .call_info(&mut store)
                            .await
                    }
                }
            })?;
            let size = info.name.len() + info.version.len() + info.description.len();
            inner.check_size("info", size)?;
            Ok(info)
        })?;
        let info = PluginInfo {
            name: info.name,
            version: info.version,
            description: info.description,
            languages: info
                .languages
                .into_iter()
                .map(convert::language_from_wit)
                .collect(),
        };
        info.check()
            .map_err(|message| self.failure("info", FailureKind::MalformedResult, message))?;
        Ok(info)
    }

    fn wrong_kind(&self, function: &'static str) -> PluginFailure {
        PluginFailure {
            plugin: self.name().to_string(),
            function,
            kind: FailureKind::MalformedResult,
            message: format!("the plugin is a {}, it has no `{function}`", self.kind),
        }
    }

    fn failure(&self, function: &'static str, kind: FailureKind, message: String) -> PluginFailure {
        PluginFailure {
            plugin: self.name().to_string(),
            function,
            kind,
            message,
        }
    }

    fn check_size(&self, function: &'static str, size: usize) -> Result<(), PluginFailure> {
        let limit = self.host.inner.limits.max_result_bytes;
        if size > limit {
            return Err(self.failure(
                function,
                FailureKind::OversizedResult,
                format!("returned {size} bytes of text, over the {limit}-byte limit"),
            ));
        }
        Ok(())
    }

    /// Runs `body` in a `plugin.call` span; counts the call and records a failure.
    fn traced<R>(
        &self,
        function: &'static str,
        body: impl FnOnce(&Self) -> Result<R, PluginFailure>,
    ) -> Result<R, PluginFailure> {
        let span = tracing::info_span!(
            "plugin.call",
            selfheal.plugin = self.name(),
            selfheal.plugin.function = function,
            selfheal.plugin.outcome = tracing::field::Empty,
            selfheal.plugin.duration_ms = tracing::field::Empty,
        );
        let _entered = span.enter();
        let started = Instant::now();
        self.calls.fetch_add(1, Ordering::Relaxed);
        let result = body(self);
        span.record(
            "selfheal.plugin.duration_ms",
            started.elapsed().as_secs_f64() * 1000.0,
        );
        match &result {
            Ok(_) => {
                span.record("selfheal.plugin.outcome", "ok");
            }
            Err(failure) => {
                span.record("selfheal.plugin.outcome", failure.kind.as_str());
                self.failures.fetch_add(1, Ordering::Relaxed);
                failure.record();
            }
        }
        result
    }

    /// One call in a fresh store under the limits; a trap, timeout, memory or output overrun
    /// becomes a [`PluginFailure`].
    ///
    /// The deadline holds two ways: the epoch deadline traps wasm that runs past it, and the
    /// wall-clock timeout around the whole call drops it (unwinding its fiber) when the plugin
    /// is blocked in a host call, where no epoch check runs.
    fn call<R: Send, F>(
        &self,
        function: &'static str,
        body: impl FnOnce(Store<CallState>) -> F + Send,
    ) -> Result<R, PluginFailure>
    where
        F: std::future::Future<Output = wasmtime::Result<R>> + Send,
    {
        let host = &self.host.inner;
        let limits = &host.limits;
        let stdout = MemoryOutputPipe::new(limits.max_output_bytes);
        let stderr = MemoryOutputPipe::new(limits.max_output_bytes);
        // Shared with the limiter: the store is gone when a timed-out call is dropped.
        let memory_denied = Arc::new(AtomicBool::new(false));
        let state = CallState {
            // No preopens, no env, no args, no network, no inherited stdio.
            wasi: WasiCtxBuilder::new()
                .stdout(stdout.clone())
                .stderr(stderr.clone())
                .build(),
            table: ResourceTable::new(),
            limiter: CallLimiter::new(limits.memory_bytes, Arc::clone(&memory_denied)),
        };
        let ticks = limits.timeout.as_nanos().div_ceil(EPOCH_TICK.as_nanos()) as u64 + 1;
        let timeout = limits.timeout;
        let run = move || {
            let mut store = Store::new(&host.engine, state);
            store.limiter(|s| &mut s.limiter);
            store.set_epoch_deadline(ticks);
            store.epoch_deadline_trap();
            match runtime() {
                Ok(runtime) => runtime
                    .block_on(async { tokio::time::timeout(timeout, body(store)).await })
                    .unwrap_or(Err(wasmtime::Error::new(Trap::Interrupt))),
                Err(e) => Err(wasmtime::Error::msg(e.to_string())),
            }
        };
        let result = off_runtime(run);
        let memory_denied = memory_denied.load(Ordering::Relaxed);
        let (out, err) = (stdout.contents(), stderr.contents());
        self.log_output("stdout", &out);
        self.log_output("stderr", &err);
        let flooded = out.len() >= limits.max_output_bytes || err.len() >= limits.max_output_bytes;
        match result {
            _ if memory_denied => Err(self.failure(
                function,
                FailureKind::OutOfMemory,
                format!(
                    "exceeded the memory limit of {} bytes (all its memories and tables together)",
                    limits.memory_bytes
                ),
            )),
            _ if flooded => Err(self.failure(
                function,
                FailureKind::OutputLimit,
                format!(
                    "wrote {} bytes to stdout and {} to stderr; the limit is {} bytes each",
                    out.len(),
                    err.len(),
                    limits.max_output_bytes
                ),
            )),
            Ok(value) => Ok(value),
            Err(e) => Err(match e.downcast_ref::<Trap>() {
                Some(Trap::Interrupt) => self.failure(
                    function,
                    FailureKind::Timeout,
                    format!("ran longer than {} ms", limits.timeout.as_millis()),
                ),
                _ => self.failure(function, FailureKind::Trap, e.root_cause().to_string()),
            }),
        }
    }

    fn log_output(&self, stream: &'static str, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let shown = &bytes[..bytes.len().min(LOGGED_OUTPUT_BYTES)];
        tracing::debug!(
            selfheal.plugin = self.name(),
            stream,
            bytes = bytes.len(),
            "plugin output: {}",
            String::from_utf8_lossy(shown)
        );
    }
}

/// The runtime that drives plugin calls: its timer ends calls at their deadline and serves
/// WASI's clocks and streams. One per process, never dropped (dropping a runtime from async
/// code panics); a call is polled on the calling thread, the worker only drives the timer.
fn runtime() -> Result<&'static tokio::runtime::Runtime, PluginError> {
    static RUNTIME: std::sync::OnceLock<Result<tokio::runtime::Runtime, String>> =
        std::sync::OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name("selfheal-plugin-io")
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| PluginError::Engine(format!("cannot start the plugin runtime: {e}")))
}

/// `block_on` panics on a thread already inside a Tokio runtime; such calls move to a scoped
/// thread.
fn off_runtime<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    if tokio::runtime::Handle::try_current().is_err() {
        return f();
    }
    std::thread::scope(|scope| match scope.spawn(f).join() {
        Ok(value) => value,
        Err(panic) => std::panic::resume_unwind(panic),
    })
}

/// A store's data: the call's WASI context and its limiter.
pub(crate) struct CallState {
    wasi: WasiCtx,
    table: ResourceTable,
    limiter: CallLimiter,
}

impl WasiView for CallState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// Bytes a table element is counted as (a pointer: wasmtime stores funcrefs and externrefs
/// as one word each).
const TABLE_ELEMENT_BYTES: usize = 8;
/// Most memories, tables and core instances one call's store may create.
const MAX_MEMORIES: usize = 100;
const MAX_TABLES: usize = 1_000;
const MAX_INSTANCES: usize = 1_000;

/// Caps the bytes of every memory and table of the store together (a component holds several
/// core instances, each may have memories and tables): growth that would take the total past
/// the cap traps, and the limiter remembers it so the call is reported as out of memory
/// rather than as a generic trap.
struct CallLimiter {
    cap: usize,
    /// Bytes of all memories and tables (elements × [`TABLE_ELEMENT_BYTES`]) so far.
    used: usize,
    denied: Arc<AtomicBool>,
}

impl CallLimiter {
    fn new(cap: usize, denied: Arc<AtomicBool>) -> CallLimiter {
        CallLimiter {
            cap,
            used: 0,
            denied,
        }
    }

    /// Accounts growth from `current` to `desired` bytes, or refuses it.
    fn grow(&mut self, what: &str, current: usize, desired: usize) -> wasmtime::Result<bool> {
        let total = self.used.saturating_sub(current).saturating_add(desired);
        if total > self.cap {
            self.denied.store(true, Ordering::Relaxed);
            wasmtime::bail!(
                "plugin memory limit of {} bytes reached: growing a {what} to {desired} bytes \
                 would make {total} bytes of memories and tables",
                self.cap
            );
        }
        self.used = total;
        Ok(true)
    }
}

impl ResourceLimiter for CallLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.grow("memory", current, desired)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > MAX_TABLE_ELEMENTS {
            wasmtime::bail!("plugin table limit of {MAX_TABLE_ELEMENTS} elements reached");
        }
        self.grow(
            "table",
            current.saturating_mul(TABLE_ELEMENT_BYTES),
            desired.saturating_mul(TABLE_ELEMENT_BYTES),
        )
    }

    fn instances(&self) -> usize {
        MAX_INSTANCES
    }

    fn tables(&self) -> usize {
        MAX_TABLES
    }

    fn memories(&self) -> usize {
        MAX_MEMORIES
    }
}
