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
use super::exec::{ProgressSink, Refusal, Request, TenantEngine};
use super::jobs::{
    new_job_id, now_ms, JobEvent, JobFailure, JobKind, JobRecord, JobState, JobStore,
};
use super::metrics::{Gauges, Metrics};
use super::scheduler::Scheduler;
use crate::validate::ValidatorConfig;

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
    engines: Mutex<HashMap<String, Arc<TenantEngine>>>,
    validator_config: ValidatorConfig,
    rates: Mutex<HashMap<String, Bucket>>,
    /// tenant → mean seconds a job of its ran (for `Retry-After` when its queue is full).
    job_seconds: Mutex<HashMap<String, f64>>,
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
        validator_config: ValidatorConfig,
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
            engines: Mutex::new(HashMap::new()),
            validator_config,
            rates: Mutex::new(HashMap::new()),
            job_seconds: Mutex::new(HashMap::new()),
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

    /// Replaces tenants, keys and limits (SIGHUP). The listen address, data dir and worker
    /// count stay as they were at start.
    pub fn reload(&self, new: ServeConfig) {
        let tenants = Tenants::from_config(&new);
        *self.tenants.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(tenants);
        let mut config = self.config.write().unwrap_or_else(|p| p.into_inner());
        let kept = ServeConfig {
            listen: config.listen,
            data_dir: config.data_dir.clone(),
            workers: config.workers,
            audit_log: config.audit_log.clone(),
            ..new
        };
        *config = Arc::new(kept);
        // A raised max_running_jobs may let queued jobs start now.
        self.wake.notify_one();
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
        for t in &config.tenants {
            if let Err(e) = self.engine(&t.id).await {
                tracing::warn!("tenant {}: {}", t.id, e.message);
            }
        }
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

    /// The engine of `tenant`, opened on first use.
    async fn engine(&self, tenant: &str) -> Result<Arc<TenantEngine>, JobFailure> {
        if let Some(e) = lock(&self.engines).get(tenant) {
            return Ok(e.clone());
        }
        let data_dir = self.config().data_dir.clone();
        let id = tenant.to_string();
        let vc = self.validator_config.clone();
        let engine = tokio::task::spawn_blocking(move || TenantEngine::open(&id, &data_dir, vc))
            .await
            .map_err(|e| JobFailure {
                code: "setup".into(),
                message: format!("opening the tenant's engine panicked: {e}"),
            })?
            .map_err(|e| JobFailure {
                code: "setup".into(),
                message: format!("cannot set up validation: {e}"),
            })?;
        let engine = Arc::new(engine);
        Ok(lock(&self.engines)
            .entry(tenant.to_string())
            .or_insert(engine)
            .clone())
    }

    /// Counts one work request of `tenant` against its `requests_per_minute`.
    ///
    /// # Errors
    /// 429 with the seconds until the next request is allowed.
    pub fn take_rate(&self, tenant: &TenantConfig) -> Result<(), (Refusal, u64)> {
        let per_minute = f64::from(tenant.limits.requests_per_minute);
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
                    tenant.id, tenant.limits.requests_per_minute
                ),
                "requests_per_minute",
                tenant.limits.requests_per_minute,
            ),
            wait,
        ))
    }

    /// Accepts a parsed request: checks the tenant's queue, persists the job, queues it.
    ///
    /// # Errors
    /// 503 while draining; 429 (with `Retry-After` seconds) when the tenant has
    /// `max_queued_jobs` unfinished jobs; 500 when the job cannot be persisted.
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
        // The check and the queueing under one lock: two requests cannot both take the last
        // place.
        let mut sched = lock(&self.scheduler);
        let unfinished = sched.queued(&tenant.id) + sched.running(&tenant.id);
        if unfinished >= tenant.limits.max_queued_jobs {
            let mean = lock(&self.job_seconds)
                .get(&tenant.id)
                .copied()
                .unwrap_or(1.0);
            let wait = mean.ceil().clamp(1.0, 3600.0) as u64;
            return Err((
                Refusal::limit(
                    429,
                    "too_many_jobs",
                    format!(
                        "tenant {:?} has {unfinished} unfinished jobs, its max_queued_jobs = {}; retry in about {wait} s (one job's mean time) or cancel one",
                        tenant.id, tenant.limits.max_queued_jobs
                    ),
                    "max_queued_jobs",
                    tenant.limits.max_queued_jobs,
                ),
                Some(wait),
            ));
        }
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
        self.active_map().insert(id.clone(), job.clone());
        self.emit(&job, "state", serde_json::json!({"state": "queued"}));
        sched.push(&tenant.id, id);
        drop(sched);
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
                        .map_or(1, |c| c.limits.max_running_jobs)
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
        let started = Instant::now();
        // Under the record's lock, so that a cancel cannot slip between: disk first, then
        // the event, then memory (GET reads memory; whoever sees `running` may rely on the
        // other two).
        let (kind, body, id) = {
            let mut r = lock(&job.record);
            if r.state.is_final() {
                // Cancelled between the scheduler's pick and now.
                let id = r.id.clone();
                drop(r);
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
        let limits = self
            .tenants()
            .by_id
            .get(&tenant)
            .map(|t| t.limits.clone())
            .unwrap_or_default();
        let me = self.clone();
        let progress_job = job.clone();
        let progress: ProgressSink = Arc::new(move |event: &str, data| {
            me.emit(&progress_job, event, data);
        });
        let me = self.clone();
        let tenant_for_task = tenant.clone();
        let task = tokio::spawn(async move {
            let engine = me.engine(&tenant_for_task).await?;
            AssertUnwindSafe(engine.execute(kind, &body, &limits, progress))
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
            let secs = started.elapsed().as_secs_f64();
            let mut means = lock(&self.job_seconds);
            let mean = means.entry(tenant.clone()).or_insert(secs);
            *mean = 0.8 * *mean + 0.2 * secs;
        }
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
        Gauges {
            queued,
            running,
            draining: self.is_draining(),
            tenants,
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
