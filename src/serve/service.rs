//! The service's state and its job life cycle: accept (persist, queue), start (fair
//! scheduler), run on the tenant's engine, finish (persist, notify), cancel, drain, recover.

use std::collections::{BTreeMap, HashMap};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use tokio::sync::{broadcast, watch, Notify};

use super::auth::KeyTable;
use super::config::{ServeConfig, TenantConfig};
use super::exec::{ProgressSink, Refusal, Request};
use super::jobs::{
    new_job_id, now_ms, JobEvent, JobFailure, JobKind, JobRecord, JobState, JobStore,
};
use super::metrics::{Gauges, Metrics};
use super::scheduler::Scheduler;
use crate::tenant::{JobTicket, Limit, TenantError, TenantId, TenantRegistry};

/// The tenants and keys in force (replaced whole on reload).
#[derive(Debug, Default)]
pub struct Tenants {
    pub by_id: HashMap<String, TenantConfig>,
    pub keys: KeyTable,
}

impl Tenants {
    pub fn from_config(config: &ServeConfig) -> Tenants {
        Tenants {
            by_id: config
                .tenants
                .iter()
                .map(|t| (t.id.clone(), t.clone()))
                .collect(),
            keys: KeyTable::new(
                config
                    .tenants
                    .iter()
                    .flat_map(|t| t.keys.iter().map(|k| (k.clone(), t.id.clone()))),
            ),
        }
    }
}

/// Why a job stopped before its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    Cancel,
    Drain,
}

/// A job accepted and not finished (and, briefly, just finished, for its waiters).
pub struct ActiveJob {
    id: String,
    pub record: Mutex<JobRecord>,
    events: Mutex<Vec<JobEvent>>,
    tx: broadcast::Sender<JobEvent>,
    done: watch::Sender<bool>,
    abort: Mutex<Option<tokio::task::AbortHandle>>,
    stop: Mutex<Option<Stop>>,
    /// The tenant's admission of this job (its `max_queued_jobs`), released when it ends.
    ticket: Mutex<Option<JobTicket>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl ActiveJob {
    fn new(record: JobRecord, events: Vec<JobEvent>) -> Arc<ActiveJob> {
        let (tx, _) = broadcast::channel(256);
        let (done, _) = watch::channel(record.state.is_final());
        Arc::new(ActiveJob {
            id: record.id.clone(),
            record: Mutex::new(record),
            events: Mutex::new(events),
            tx,
            done,
            abort: Mutex::new(None),
            stop: Mutex::new(None),
            ticket: Mutex::new(None),
        })
    }

    /// A copy of the record.
    pub fn snapshot(&self) -> JobRecord {
        lock(&self.record).clone()
    }

    /// The events so far and a receiver for the next ones (no gap, no duplicate).
    pub fn subscribe(&self) -> (Vec<JobEvent>, broadcast::Receiver<JobEvent>) {
        let events = lock(&self.events);
        (events.clone(), self.tx.subscribe())
    }

    /// Events after `seq` (for a subscriber that fell behind).
    pub fn events_after(&self, seq: u64) -> Vec<JobEvent> {
        lock(&self.events)
            .iter()
            .filter(|e| e.seq > seq)
            .cloned()
            .collect()
    }

    /// Resolves when the job has reached a final state.
    pub async fn finished(&self) {
        let mut rx = self.done.subscribe();
        let _ = rx.wait_for(|d| *d).await;
    }
}

/// Outcome of a cancel request.
pub enum CancelOutcome {
    Cancelled(JobRecord),
    AlreadyFinished(JobRecord),
    NotFound,
}

/// The whole service.
pub struct Service {
    pub config: RwLock<Arc<ServeConfig>>,
    pub tenants: RwLock<Arc<Tenants>>,
    pub store: JobStore,
    pub metrics: Metrics,
    active: Mutex<HashMap<String, Arc<ActiveJob>>>,
    scheduler: Mutex<Scheduler>,
    wake: Notify,
    /// The library's tenants: limits, cache scopes, learners, plugins, the sandbox scheduler.
    pub registry: Arc<TenantRegistry>,
    rates: Mutex<HashMap<String, Bucket>>,
    draining: AtomicBool,
    ready: AtomicBool,
    /// Signalled once the service stops taking work.
    pub drained: Notify,
}

/// A token bucket of `requests_per_minute`.
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Service {
    /// The service over `config`; nothing runs until [`start`](Self::start).
    ///
    /// # Errors
    /// The jobs directory cannot be created.
    pub fn new(
        config: ServeConfig,
        registry: Arc<TenantRegistry>,
    ) -> std::io::Result<Arc<Service>> {
        let store = JobStore::open(&config.data_dir)?;
        let tenants = Tenants::from_config(&config);
        Ok(Arc::new(Service {
            config: RwLock::new(Arc::new(config)),
            tenants: RwLock::new(Arc::new(tenants)),
            store,
            metrics: Metrics::default(),
            active: Mutex::new(HashMap::new()),
            scheduler: Mutex::new(Scheduler::default()),
            wake: Notify::new(),
            registry,
            rates: Mutex::new(HashMap::new()),
            draining: AtomicBool::new(false),
            ready: AtomicBool::new(false),
            drained: Notify::new(),
        }))
    }

    pub fn config(&self) -> Arc<ServeConfig> {
        self.config
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn tenants(&self) -> Arc<Tenants> {
        self.tenants
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Replaces tenants, keys and limits (SIGHUP): keys, routes and service limits at once;
    /// a tenant whose library settings (limits, cache, plugins, prior) changed, or that is new,
    /// is set up again; a tenant no longer in the file is removed. The listen address, data
    /// dir, host limits and worker count stay as they were at start. Returns the tenants that
    /// could not be set up, with why (they refuse work until a reload fixes them).
    pub async fn reload(self: &Arc<Self>, new: ServeConfig) -> Vec<String> {
        let old = self.config();
        let mut problems = Vec::new();
        for t in &new.tenants {
            let unchanged = old.tenants.iter().any(|o| o.id == t.id && o.same_tenant(t));
            if unchanged {
                continue;
            }
            let registry = self.registry.clone();
            let config = t.clone();
            let runtime = tokio::runtime::Handle::current();
            let added = tokio::task::spawn_blocking(move || {
                let spec = config.spec()?;
                registry.remove(&spec.id);
                runtime
                    .block_on(config.executor.add_tenant(&registry, spec))
                    .map(|_| ())
            })
            .await;
            match added {
                Ok(Ok(())) => {}
                Ok(Err(e)) => problems.push(format!("tenant {}: {e}", t.id)),
                Err(e) => problems.push(format!("tenant {}: {e}", t.id)),
            }
        }
        for o in &old.tenants {
            if !new.tenants.iter().any(|t| t.id == o.id) {
                if let Ok(id) = TenantId::new(o.id.clone()) {
                    self.registry.remove(&id);
                }
            }
        }
        let tenants = Tenants::from_config(&new);
        *self.tenants.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(tenants);
        let mut config = self.config.write().unwrap_or_else(|p| p.into_inner());
        let kept = ServeConfig {
            listen: config.listen,
            data_dir: config.data_dir.clone(),
            workers: config.workers,
            audit_log: config.audit_log.clone(),
            host: config.host.clone(),
            global_prior: config.global_prior.clone(),
            cache_memory_bytes: config.cache_memory_bytes,
            ..new
        };
        *config = Arc::new(kept);
        drop(config);
        // A raised max_running_jobs may let queued jobs start now.
        self.wake.notify_one();
        problems
    }

    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }

    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst) && !self.is_draining()
    }

    /// Opens every tenant's engine, resumes the jobs a previous run left unfinished, and starts
    /// the dispatcher and the garbage collector. Returns how many jobs were resumed and failed.
    ///
    /// # Errors
    /// The jobs directory cannot be read.
    pub async fn start(self: &Arc<Self>) -> std::io::Result<(usize, usize)> {
        let config = self.config();
        let recovery = self.store.recover(config.max_job_attempts)?;
        for path in &recovery.unreadable {
            tracing::warn!(
                "{}: unreadable job record left in place; it was not resumed",
                path.display()
            );
        }
        let resumed = recovery.resumed.len();
        for record in recovery.resumed {
            let events = self.store.events(&record.id);
            let id = record.id.clone();
            let tenant = record.tenant.clone();
            let job = ActiveJob::new(record, events);
            // Counted against the tenant's queue when it can be; an accepted job runs anyway.
            if let Some(tenant) = TenantId::new(tenant.clone())
                .ok()
                .and_then(|t| self.registry.get(&t).ok())
            {
                *lock(&job.ticket) = tenant.admit().ok();
            }
            self.active_map().insert(id.clone(), job.clone());
            self.emit(
                &job,
                "notice",
                serde_json::json!({"message": "the service restarted; the job was queued again"}),
            );
            self.emit(&job, "state", serde_json::json!({"state": "queued"}));
            lock(&self.scheduler).push(&tenant, id);
        }
        for record in &recovery.failed {
            self.metrics.job(record.kind.name(), record.state.name());
        }
        let me = self.clone();
        tokio::spawn(async move { me.dispatch().await });
        let me = self.clone();
        tokio::spawn(async move {
            loop {
                let retention = me.config().job_retention;
                let store = me.store.clone();
                let _ = tokio::task::spawn_blocking(move || store.collect_garbage(retention)).await;
                tokio::time::sleep(Duration::from_secs(600)).await;
            }
        });
        self.ready.store(true, Ordering::SeqCst);
        self.wake.notify_one();
        Ok((resumed, recovery.failed.len()))
    }

    fn active_map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<ActiveJob>>> {
        lock(&self.active)
    }

    /// Counts one work request of `tenant` against its `requests_per_minute`.
    ///
    /// # Errors
    /// 429 with the seconds until the next request is allowed.
    pub fn take_rate(&self, tenant: &TenantConfig) -> Result<(), (Refusal, u64)> {
        let per_minute = f64::from(tenant.service.requests_per_minute);
        let rate = per_minute / 60.0;
        let mut rates = lock(&self.rates);
        let now = Instant::now();
        let bucket = rates.entry(tenant.id.clone()).or_insert(Bucket {
            tokens: per_minute,
            at: now,
        });
        let elapsed = now.duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(per_minute);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            return Ok(());
        }
        let wait = ((1.0 - bucket.tokens) / rate).ceil().max(1.0) as u64;
        Err((
            Refusal::limit(
                429,
                "rate_limited",
                format!(
                    "tenant {:?} made more than requests_per_minute = {} work requests; retry in {wait} s",
                    tenant.id, tenant.service.requests_per_minute
                ),
                "requests_per_minute",
                tenant.service.requests_per_minute,
            ),
            wait,
        ))
    }

    /// Accepts a parsed request: admits it as one of the tenant's jobs (its `max_queued_jobs`
    /// and CPU minute), persists the job, queues it.
    ///
    /// # Errors
    /// 503 while draining; 429 (with `Retry-After` seconds) when the tenant's queue is full or
    /// its CPU minute spent; 500 when the job cannot be persisted.
    pub fn accept(
        &self,
        tenant: &TenantConfig,
        kind: JobKind,
        body: serde_json::Value,
        _request: &Request,
    ) -> Result<Arc<ActiveJob>, (Refusal, Option<u64>)> {
        if self.is_draining() {
            return Err((
                Refusal::new(
                    503,
                    "draining",
                    "the service is shutting down and takes no new jobs; retry on another instance or after the restart",
                ),
                Some(5),
            ));
        }
        let library_tenant = TenantId::new(tenant.id.clone())
            .and_then(|id| self.registry.get(&id))
            .map_err(|e| refusal_of(&e))?;
        let ticket = library_tenant.admit().map_err(|e| refusal_of(&e))?;
        let record = JobRecord {
            id: new_job_id(),
            tenant: tenant.id.clone(),
            kind,
            state: JobState::Queued,
            created_ms: now_ms(),
            started_ms: None,
            finished_ms: None,
            attempts: 0,
            request: body,
            result: None,
            error: None,
        };
        if let Err(e) = self.store.save(&record) {
            return Err((
                Refusal::new(
                    500,
                    "storage",
                    format!("the job could not be persisted ({e}); it was not accepted"),
                ),
                None,
            ));
        }
        let id = record.id.clone();
        let job = ActiveJob::new(record, Vec::new());
        *lock(&job.ticket) = Some(ticket);
        self.active_map().insert(id.clone(), job.clone());
        self.emit(&job, "state", serde_json::json!({"state": "queued"}));
        lock(&self.scheduler).push(&tenant.id, id);
        self.wake.notify_one();
        Ok(job)
    }

    /// Appends an event to the job (memory, disk, subscribers).
    fn emit(&self, job: &ActiveJob, event: &str, data: serde_json::Value) {
        let id = &job.id;
        let mut events = lock(&job.events);
        let e = JobEvent {
            seq: events.last().map_or(1, |l| l.seq + 1),
            at_ms: now_ms(),
            event: event.to_string(),
            data,
        };
        if let Err(err) = self.store.append_event(id, &e) {
            tracing::warn!("job {id}: cannot persist an event: {err}");
        }
        events.push(e.clone());
        let _ = job.tx.send(e);
    }

    /// The job `id` if it belongs to `tenant`: active, or finished on disk.
    pub fn job(&self, tenant: &str, id: &str) -> Option<JobRecord> {
        if let Some(job) = self.active_map().get(id).cloned() {
            let record = job.snapshot();
            return (record.tenant == tenant).then_some(record);
        }
        self.store.load(id).filter(|r| r.tenant == tenant)
    }

    /// The active job `id` of `tenant`, for following its events.
    pub fn active_job(&self, tenant: &str, id: &str) -> Option<Arc<ActiveJob>> {
        let job = self.active_map().get(id).cloned()?;
        let owned = lock(&job.record).tenant == tenant;
        owned.then_some(job)
    }

    /// Cancels job `id` of `tenant`.
    pub fn cancel(&self, tenant: &str, id: &str) -> CancelOutcome {
        let Some(job) = self.active_job(tenant, id) else {
            return match self.job(tenant, id) {
                Some(record) => CancelOutcome::AlreadyFinished(record),
                None => CancelOutcome::NotFound,
            };
        };
        let mut record = lock(&job.record);
        if record.state.is_final() {
            return CancelOutcome::AlreadyFinished(record.clone());
        }
        let was_queued = lock(&self.scheduler).remove(tenant, id);
        record.state = JobState::Cancelled;
        record.finished_ms = Some(now_ms());
        record.error = Some(JobFailure {
            code: "cancelled".into(),
            message: "cancelled by the tenant (DELETE)".into(),
        });
        if let Err(e) = self.store.save(&record) {
            tracing::warn!("job {id}: cannot persist the cancellation: {e}");
        }
        let snapshot = record.clone();
        drop(record);
        *lock(&job.stop) = Some(Stop::Cancel);
        if let Some(handle) = lock(&job.abort).take() {
            handle.abort();
        }
        self.emit(&job, "state", serde_json::json!({"state": "cancelled"}));
        self.metrics.job(snapshot.kind.name(), "cancelled");
        if was_queued {
            // Never started: nothing else will finish it.
            lock(&job.ticket).take();
            self.active_map().remove(id);
            let _ = job.done.send(true);
        }
        CancelOutcome::Cancelled(snapshot)
    }

    /// Starts queued jobs whenever a slot is free.
    async fn dispatch(self: Arc<Self>) {
        loop {
            self.wake.notified().await;
            loop {
                let workers = self.config().workers;
                let tenants = self.tenants();
                let next = lock(&self.scheduler).next(workers, |t| {
                    tenants
                        .by_id
                        .get(t)
                        .map_or(1, |c| c.service.max_running_jobs)
                });
                let Some((tenant, id)) = next else {
                    break;
                };
                let Some(job) = self.active_map().get(&id).cloned() else {
                    lock(&self.scheduler).finished(&tenant);
                    continue;
                };
                let me = self.clone();
                tokio::spawn(async move { me.run(tenant, job).await });
            }
        }
    }

    /// Runs one job and records how it ended.
    async fn run(self: Arc<Self>, tenant: String, job: Arc<ActiveJob>) {
        // Under the record's lock, so that a cancel cannot slip between: disk first, then
        // the event, then memory (GET reads memory; whoever sees `running` may rely on the
        // other two).
        let (kind, body, id) = {
            let mut r = lock(&job.record);
            if r.state.is_final() {
                // Cancelled between the scheduler's pick and now.
                let id = r.id.clone();
                drop(r);
                lock(&job.ticket).take();
                self.active_map().remove(&id);
                let _ = job.done.send(true);
                lock(&self.scheduler).finished(&tenant);
                self.wake.notify_one();
                self.drained.notify_waiters();
                return;
            }
            let mut started = r.clone();
            started.state = JobState::Running;
            started.attempts += 1;
            started.started_ms = Some(now_ms());
            if let Err(e) = self.store.save(&started) {
                tracing::warn!("job {}: cannot persist its start: {e}", started.id);
            }
            self.emit(&job, "state", serde_json::json!({"state": "running"}));
            *r = started;
            (r.kind, r.request.clone(), r.id.clone())
        };
        let config = self.tenants().by_id.get(&tenant).cloned();
        let library_tenant = TenantId::new(tenant.clone())
            .ok()
            .and_then(|t| self.registry.get(&t).ok());
        let me = self.clone();
        let progress_job = job.clone();
        let progress: ProgressSink = Arc::new(move |event: &str, data| {
            me.emit(&progress_job, event, data);
        });
        let task = tokio::spawn(async move {
            let (Some(config), Some(library_tenant)) = (config, library_tenant) else {
                return Err(JobFailure {
                    code: "unknown_tenant".into(),
                    message: "the job's tenant is no longer configured".into(),
                });
            };
            AssertUnwindSafe(super::exec::execute(
                &library_tenant,
                &config,
                kind,
                &body,
                progress,
            ))
            .catch_unwind()
            .await
            .unwrap_or_else(|panic| {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown".into());
                Err(JobFailure {
                    code: "panicked".into(),
                    message: format!("the job panicked ({what}); this is a bug in selfheal"),
                })
            })
        });
        *lock(&job.abort) = Some(task.abort_handle());
        // A cancel that came between the start and now.
        if lock(&job.stop).is_some() {
            task.abort();
        }
        let outcome = task.await;
        let stop = *lock(&job.stop);
        let final_state = {
            let mut r = lock(&job.record);
            match (outcome, stop) {
                (_, Some(Stop::Cancel)) => None, // the cancel already wrote it
                (_, Some(Stop::Drain)) => {
                    // Left as it is on disk (running): the next start resumes it.
                    None
                }
                (Ok(result), None) => {
                    match result {
                        Ok(value) => {
                            r.state = JobState::Succeeded;
                            r.result = Some(value);
                        }
                        Err(failure) => {
                            r.state = JobState::Failed;
                            r.error = Some(failure);
                        }
                    }
                    r.finished_ms = Some(now_ms());
                    Some(r.state)
                }
                (Err(join), None) => {
                    r.state = JobState::Failed;
                    r.finished_ms = Some(now_ms());
                    r.error = Some(JobFailure {
                        code: "panicked".into(),
                        message: format!("the job's task ended abnormally: {join}"),
                    });
                    Some(r.state)
                }
            }
        };
        if let Some(state) = final_state {
            let record = job.snapshot();
            if let Err(e) = self.store.save(&record) {
                tracing::warn!("job {id}: cannot persist its result: {e}");
            }
            self.emit(&job, "state", serde_json::json!({"state": state}));
            self.metrics.job(kind.name(), state.name());
        }
        lock(&job.ticket).take();
        if stop != Some(Stop::Drain) {
            self.active_map().remove(&id);
            let _ = job.done.send(true);
        }
        lock(&self.scheduler).finished(&tenant);
        self.wake.notify_one();
        self.drained.notify_waiters();
    }

    /// Gauges for `/metrics`.
    pub fn gauges(&self) -> Gauges {
        let sched = lock(&self.scheduler);
        let (queued, running) = sched.totals();
        let tenants = self
            .tenants()
            .by_id
            .keys()
            .map(|t| (t.clone(), (sched.queued(t), sched.running(t))))
            .collect::<BTreeMap<_, _>>();
        drop(sched);
        let mut sandboxes = BTreeMap::new();
        let mut caches = BTreeMap::new();
        for t in tenants.keys() {
            let Ok(tenant) = TenantId::new(t.clone()).and_then(|id| self.registry.get(&id)) else {
                continue;
            };
            let usage = tenant.usage();
            sandboxes.insert(
                t.clone(),
                (usage.sandboxes_granted, usage.cpu_total.as_secs_f64()),
            );
            if let Some(cache) = tenant.cache() {
                caches.insert(t.clone(), (cache.bytes(), cache.max_bytes()));
            }
        }
        Gauges {
            queued,
            running,
            draining: self.is_draining(),
            tenants,
            sandboxes,
            caches,
        }
    }

    /// Unfinished jobs (queued and running).
    pub fn unfinished(&self) -> usize {
        let (q, r) = lock(&self.scheduler).totals();
        q + r
    }

    /// SIGTERM: takes no new jobs, waits up to `deadline` for the accepted ones, then stops
    /// what still runs (its record stays `running` or `queued` on disk, so the next start
    /// resumes it). Returns how many jobs were left for the next start.
    pub async fn drain(&self, deadline: Duration) -> usize {
        self.draining.store(true, Ordering::SeqCst);
        let until = tokio::time::Instant::now() + deadline;
        loop {
            let waiter = self.drained.notified();
            if self.unfinished() == 0 {
                return 0;
            }
            if tokio::time::timeout_at(until, waiter).await.is_err() {
                break;
            }
        }
        // Deadline: queued jobs stay queued on disk; running ones are stopped.
        let jobs: Vec<Arc<ActiveJob>> = self.active_map().values().cloned().collect();
        let mut left = 0;
        for job in jobs {
            let state = lock(&job.record).state;
            if state.is_final() {
                continue;
            }
            left += 1;
            *lock(&job.stop) = Some(Stop::Drain);
            self.emit(
                &job,
                "notice",
                serde_json::json!({"message": "the service stopped before this job finished (drain deadline); it runs again at the next start"}),
            );
            if let Some(handle) = lock(&job.abort).take() {
                handle.abort();
            }
        }
        left
    }
}

/// The configuration key of a library limit (what the operator writes in the file).
pub fn limit_key(limit: Limit) -> &'static str {
    match limit {
        Limit::ConcurrentSandboxes => "max_concurrent_sandboxes",
        Limit::QueuedJobs => "max_queued_jobs",
        Limit::CpuSecondsPerMinute => "cpu_seconds_per_minute",
        Limit::ProgramBytes => "max_program_bytes",
        Limit::RunTime => "max_run_seconds",
        Limit::MemoryBytes => "max_memory_bytes",
        Limit::HostSandboxes => "host.max_concurrent_sandboxes",
    }
}

/// A library refusal as the service answers it: status, code, the limit (its configuration key
/// and value) and the seconds to wait.
pub fn refusal_of(e: &TenantError) -> (Refusal, Option<u64>) {
    use crate::tenant::Refusal as Kind;
    let (status, code) = match (e.refusal(), e.limit()) {
        (Kind::Quota, Some(Limit::CpuSecondsPerMinute)) => (429, "cpu_quota_spent"),
        (Kind::Quota, _) => (429, "too_many_jobs"),
        (Kind::Busy, _) => (503, "host_busy"),
        (Kind::TooLarge, Some(Limit::ProgramBytes)) => (413, "program_too_large"),
        (Kind::TooLarge, _) => (422, "limit_exceeded"),
        (Kind::Unknown, _) => (403, "unknown_tenant"),
        (Kind::ShuttingDown, _) => (503, "draining"),
        (Kind::Config, _) => (500, "tenant_setup"),
    };
    let mut refusal = Refusal::new(status, code, e.to_string());
    if let (Some(limit), Some(value)) = (e.limit(), e.limit_value()) {
        let json = value
            .parse::<u64>()
            .map(serde_json::Value::from)
            .or_else(|_| {
                value
                    .trim_end_matches('s')
                    .parse::<f64>()
                    .map(serde_json::Value::from)
            })
            .unwrap_or(serde_json::Value::String(value));
        refusal.limit = Some((limit_key(limit), json));
    }
    let wait = e
        .retry_after()
        .map(|d| d.as_secs_f64().ceil().max(1.0) as u64);
    (refusal, wait)
}
