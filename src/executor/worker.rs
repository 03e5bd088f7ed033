//! The running side: `selfheal worker` takes jobs from the queue, runs them in its own
//! sandbox, stores the results in the shared cache and only then acknowledges.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use async_nats::jetstream::{self, consumer::pull, message::AckKind, Message};
use async_nats::HeaderMap;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::cache::{encode, is_cacheable, CacheKey};
use crate::telemetry::kv;
use crate::validate::{LimitCap, Validator, ValidatorConfig};

use super::job::Job;
use super::metrics::metrics;
use super::remote::connect;
use super::topology::{self, Objects, Topology};
use super::ExecutorError;

/// How a worker runs.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerConfig {
    /// Jobs at the same time; never more. Default: the number of CPUs.
    pub concurrency: usize,
    /// The JetStream settings this worker applies.
    pub topology: Topology,
    /// Between looks at the queue while it is empty. Default 20 ms.
    pub idle_poll: Duration,
    /// Before a job that failed here (or found a toolchain it does not match) is offered
    /// again. Default 1 s.
    pub retry_delay: Duration,
}

impl Default for WorkerConfig {
    fn default() -> WorkerConfig {
        WorkerConfig {
            concurrency: std::thread::available_parallelism().map_or(1, |n| n.get()),
            topology: Topology::default(),
            idle_poll: Duration::from_millis(20),
            retry_delay: Duration::from_secs(1),
        }
    }
}

/// A worker's heartbeat (the `selfheal-workers` bucket, key: the worker id) and counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkerStatus {
    pub id: String,
    pub pid: u32,
    pub concurrency: usize,
    /// Jobs running now.
    pub in_flight: u64,
    /// Jobs run here and their results stored.
    pub executed: u64,
    /// Jobs acknowledged without running: their result was already stored (a redelivery
    /// after another worker stored it).
    pub already_stored: u64,
    /// Deliveries refused because the job's toolchain fingerprint (or plan) is not this
    /// worker's; requeued for another worker.
    pub mismatched: u64,
    /// Deliveries that failed here (validation could not be carried out); requeued.
    pub failed: u64,
    /// Jobs this worker moved to the dead-letter subject.
    pub dead_lettered: u64,
    /// The worker stopped taking jobs and is finishing the running ones.
    pub draining: bool,
    /// Unix seconds of this heartbeat.
    pub updated_unix: u64,
}

/// The counters as a sentence: `3 executed, 1 already stored, 0 mismatched, 0 failed,
/// 0 dead-lettered`.
impl std::fmt::Display for WorkerStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} executed, {} already stored, {} mismatched, {} failed, {} dead-lettered",
            self.executed, self.already_stored, self.mismatched, self.failed, self.dead_lettered
        )
    }
}

#[derive(Default)]
struct Counters {
    in_flight: AtomicU64,
    executed: AtomicU64,
    already_stored: AtomicU64,
    mismatched: AtomicU64,
    failed: AtomicU64,
    dead_lettered: AtomicU64,
    draining: AtomicBool,
}

/// A worker connected to the server. Share it behind an `Arc`; [`run`](Self::run) until
/// shutdown.
pub struct Worker {
    id: String,
    client: async_nats::Client,
    js: jetstream::Context,
    objects: Objects,
    config: WorkerConfig,
    validator_config: ValidatorConfig,
    /// One validator per limit cap the jobs asked for (toolchains resolved once each).
    validators: Mutex<Vec<(LimitCap, Arc<Validator>)>>,
    counters: Counters,
}

/// Why a delivery is not answered by this worker.
enum Refused {
    /// Another worker may do it: requeue.
    Mismatch(String),
    /// It failed here; requeue (it may be this host).
    Failed(String),
}

fn transport(e: impl std::fmt::Display) -> ExecutorError {
    ExecutorError::Transport(e.to_string())
}

fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A header value on one line (header values cannot hold line breaks).
fn one_line(text: &str) -> String {
    let line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    line.chars().take(2000).collect()
}

impl Worker {
    /// Connects to the server at `url`, applies `config.topology` to the jobs stream and
    /// checks that the sandbox works here (a [`Validator`] from `validator_config`).
    ///
    /// # Errors
    ///
    /// [`ExecutorError::Connect`], [`ExecutorError::Setup`], or [`ExecutorError::Validate`]
    /// when this host cannot validate.
    pub async fn connect(
        url: &str,
        validator_config: ValidatorConfig,
        config: WorkerConfig,
    ) -> Result<Worker, ExecutorError> {
        let first = Validator::new(validator_config.clone())?;
        let client = connect(url).await?;
        let js = jetstream::new(client.clone());
        let objects = config.topology.open(&js, true).await?;
        let id = format!(
            "{}-{}-{}",
            hostname(),
            std::process::id(),
            &blake3::hash(format!("{:?}", SystemTime::now()).as_bytes()).to_hex()[..8]
        );
        Ok(Worker {
            id,
            client,
            js,
            objects,
            config: WorkerConfig {
                concurrency: config.concurrency.max(1),
                ..config
            },
            validator_config,
            validators: Mutex::new(vec![(LimitCap::default(), Arc::new(first))]),
            counters: Counters::default(),
        })
    }

    /// This worker's id (host, pid, a random suffix): its heartbeat key.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The counters now.
    pub fn status(&self) -> WorkerStatus {
        let c = &self.counters;
        WorkerStatus {
            id: self.id.clone(),
            pid: std::process::id(),
            concurrency: self.config.concurrency,
            in_flight: c.in_flight.load(Ordering::Relaxed),
            executed: c.executed.load(Ordering::Relaxed),
            already_stored: c.already_stored.load(Ordering::Relaxed),
            mismatched: c.mismatched.load(Ordering::Relaxed),
            failed: c.failed.load(Ordering::Relaxed),
            dead_lettered: c.dead_lettered.load(Ordering::Relaxed),
            draining: c.draining.load(Ordering::Relaxed),
            updated_unix: now_unix(),
        }
    }

    /// Takes jobs until `shutdown` completes, then drains: takes no more, finishes (stores
    /// and acknowledges) the running ones, removes its heartbeat, and returns its counters.
    ///
    /// # Errors
    ///
    /// [`ExecutorError::Transport`] when the server fails for longer than the client's
    /// reconnection covers (a running job is then redelivered elsewhere after the ack wait).
    pub async fn run(
        self: Arc<Self>,
        shutdown: impl Future<Output = ()>,
    ) -> Result<WorkerStatus, ExecutorError> {
        let heartbeat = tokio::spawn(Arc::clone(&self).heartbeat());
        let permits = Arc::new(Semaphore::new(self.config.concurrency));
        let mut tasks = JoinSet::new();
        let mut queues = Queues::default();
        tokio::pin!(shutdown);
        let outcome = loop {
            while tasks.try_join_next().is_some() {}
            let permit = tokio::select! {
                _ = &mut shutdown => break Ok(()),
                permit = Arc::clone(&permits).acquire_owned() => match permit {
                    Ok(permit) => permit,
                    Err(e) => break Err(transport(e)),
                },
            };
            let next = tokio::select! {
                _ = &mut shutdown => break Ok(()),
                next = self.next_job(&mut queues) => next,
            };
            match next {
                Ok(Some(message)) => {
                    let worker = Arc::clone(&self);
                    tasks.spawn(async move {
                        worker.handle(message).await;
                        drop(permit);
                    });
                }
                Ok(None) => {
                    drop(permit);
                    tokio::select! {
                        _ = &mut shutdown => break Ok(()),
                        _ = tokio::time::sleep(self.config.idle_poll) => {}
                    }
                }
                Err(e) => {
                    drop(permit);
                    tracing::warn!(worker = %self.id, error = %e, "taking a job failed; retrying");
                    tokio::select! {
                        _ = &mut shutdown => break Ok(()),
                        _ = tokio::time::sleep(self.config.retry_delay) => {}
                    }
                }
            }
        };
        self.counters.draining.store(true, Ordering::Relaxed);
        self.beat().await;
        tracing::info!(worker = %self.id, running = tasks.len(), "draining");
        while tasks.join_next().await.is_some() {}
        heartbeat.abort();
        // Gone: its heartbeat goes with it (a worker killed instead expires with max_age).
        let _ = self.objects.workers.delete(&self.id).await;
        let _ = self.client.flush().await;
        outcome.map(|()| self.status())
    }

    async fn heartbeat(self: Arc<Self>) {
        let mut every = tokio::time::interval(self.config.topology.heartbeat);
        loop {
            every.tick().await;
            self.beat().await;
        }
    }

    async fn beat(&self) {
        let status = self.status();
        metrics()
            .in_flight
            .record(status.in_flight, &[kv("selfheal.worker", self.id.clone())]);
        let value = serde_json::to_vec(&status).unwrap_or_default();
        if let Err(e) = self.objects.workers.put(&self.id, value.into()).await {
            tracing::warn!(worker = %self.id, error = %e, "heartbeat failed");
        }
    }

    /// The next job, taken fairly: round-robin over the tenants that have jobs waiting.
    async fn next_job(&self, queues: &mut Queues) -> Result<Option<Message>, ExecutorError> {
        let waiting = self.waiting(queues).await?;
        if waiting.is_empty() {
            return Ok(None);
        }
        let start = queues.cursor % waiting.len();
        for offset in 0..waiting.len() {
            let token = &waiting[(start + offset) % waiting.len()];
            let consumer = self.consumer(queues, token).await?;
            let mut batch = consumer
                .fetch()
                .max_messages(1)
                .expires(Duration::from_millis(200))
                .messages()
                .await
                .map_err(transport)?;
            if let Some(message) = batch.next().await {
                queues.cursor = start + offset + 1;
                return message.map(Some).map_err(transport);
            }
        }
        Ok(None)
    }

    /// The tenants with jobs waiting or unacknowledged, in name order; creates the consumers of queues
    /// that have none yet. Records the queue depth per tenant.
    async fn waiting(&self, queues: &mut Queues) -> Result<Vec<String>, ExecutorError> {
        let mut depth: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        let mut consumers = self.objects.jobs.consumers();
        while let Some(info) = consumers.next().await {
            let info = info.map_err(transport)?;
            if let Some(token) = topology::token_of_consumer(&info.name) {
                depth.insert(
                    token.to_string(),
                    (info.num_pending, info.num_ack_pending as u64),
                );
            }
        }
        // Queues nobody consumes yet (a tenant's first job): look at the stream's subjects
        // now and then, and create their consumers.
        if queues
            .discovered
            .is_none_or(|at| at.elapsed() > Duration::from_secs(1))
        {
            queues.discovered = Some(Instant::now());
            let stream = self.objects.jobs.clone();
            let info = stream
                .info_with_subjects(topology::job_subject(">"))
                .await
                .map_err(transport)?;
            let subjects: Vec<(String, usize)> =
                info.filter_map(|s| async move { s.ok() }).collect().await;
            for (subject, count) in subjects {
                let Some(token) = subject.strip_prefix("selfheal.jobs.") else {
                    continue;
                };
                if !depth.contains_key(token) {
                    self.consumer(queues, token).await?;
                    depth.insert(token.to_string(), (count as u64, 0));
                }
            }
        }
        let gauge = &metrics().queue_depth;
        for (token, (pending, acking)) in &depth {
            gauge.record(pending + acking, &[kv("selfheal.tenant", token.clone())]);
        }
        Ok(depth
            .into_iter()
            // Unacknowledged jobs count too: a job requeued (nak) or whose worker died is
            // redelivered from them, and is not in `num_pending`.
            .filter(|(_, (pending, acking))| *pending > 0 || *acking > 0)
            .map(|(token, _)| token)
            .collect())
    }

    async fn consumer(
        &self,
        queues: &mut Queues,
        token: &str,
    ) -> Result<jetstream::consumer::Consumer<pull::Config>, ExecutorError> {
        if let Some(consumer) = queues.consumers.get(token) {
            return Ok(consumer.clone());
        }
        let consumer = self
            .objects
            .jobs
            .get_or_create_consumer(
                &topology::consumer_name(token),
                self.config.topology.consumer_config(token),
            )
            .await
            .map_err(|e| {
                ExecutorError::Setup(format!("consumer {}: {e}", topology::consumer_name(token)))
            })?;
        queues.consumers.insert(token.to_string(), consumer.clone());
        Ok(consumer)
    }

    /// Runs one delivery to its end: stored and acknowledged, requeued, or dead-lettered.
    async fn handle(&self, message: Message) {
        let started = Instant::now();
        self.counters.in_flight.fetch_add(1, Ordering::Relaxed);
        let delivered = message.info().map_or(1, |i| i.delivered.max(1) as u64);
        let max_deliver = u64::from(self.config.topology.max_deliver.max(1));
        let outcome = match Job::decode(&message.payload) {
            // Nobody could ever read it: no point in offering it again.
            Err(e) => {
                self.dead_letter(&message, None, &e.to_string(), delivered)
                    .await;
                "dead_lettered"
            }
            Ok(job) if delivered > max_deliver => {
                let reason = format!(
                    "delivered {delivered} times without a stored result (workers died or \
                     failed on it; max_deliver is {max_deliver})"
                );
                self.dead_letter(&message, Some(&job), &reason, delivered)
                    .await;
                "dead_lettered"
            }
            Ok(job) => self.run_job(&message, &job, delivered, max_deliver).await,
        };
        self.counters.in_flight.fetch_sub(1, Ordering::Relaxed);
        let m = metrics();
        let worker = kv("selfheal.worker", self.id.clone());
        m.jobs.add(1, &[worker.clone(), kv("outcome", outcome)]);
        if outcome == "executed" {
            m.job_duration
                .record(started.elapsed().as_secs_f64(), &[worker]);
        }
    }

    async fn run_job(
        &self,
        message: &Message,
        job: &Job,
        delivered: u64,
        max_deliver: u64,
    ) -> &'static str {
        let key = match job.result_key() {
            Ok(key) => key,
            Err(e) => {
                self.dead_letter(message, Some(job), &e.to_string(), delivered)
                    .await;
                return "dead_lettered";
            }
        };
        // Idempotence: a redelivered job whose result another worker stored is answered.
        if job.cache {
            if let Ok(Some(_)) = self.objects.results.get(key.hex()).await {
                self.notify(&key, "stored", Vec::new()).await;
                let _ = message.double_ack().await;
                self.counters.already_stored.fetch_add(1, Ordering::Relaxed);
                return "already_stored";
            }
        }
        let run = self.execute(message, job);
        let refused = match run.await {
            Ok(result) => {
                let stored = self.store(&key, job, &result).await;
                match stored {
                    Ok(()) => match message.double_ack().await {
                        Ok(()) => {
                            self.counters.executed.fetch_add(1, Ordering::Relaxed);
                            return "executed";
                        }
                        // Stored but not acknowledged: the redelivery finds it stored.
                        Err(e) => Refused::Failed(format!("acknowledging: {e}")),
                    },
                    Err(e) => Refused::Failed(format!("storing the result: {e}")),
                }
            }
            Err(refused) => refused,
        };
        let (reason, outcome) = match refused {
            Refused::Mismatch(reason) => {
                self.counters.mismatched.fetch_add(1, Ordering::Relaxed);
                (reason, "mismatch")
            }
            Refused::Failed(reason) => {
                self.counters.failed.fetch_add(1, Ordering::Relaxed);
                (reason, "failed")
            }
        };
        tracing::warn!(worker = %self.id, key = %job.key, delivered, %reason, "job not answered here");
        if delivered >= max_deliver {
            let reason = format!("{reason} (on delivery {delivered} of {max_deliver})");
            self.dead_letter(message, Some(job), &reason, delivered)
                .await;
            return "dead_lettered";
        }
        let _ = message
            .ack_with(AckKind::Nak(Some(self.config.retry_delay)))
            .await;
        outcome
    }

    /// Checks the job against this worker's toolchain and plan, then validates, telling the
    /// server the job is alive every third of the ack wait.
    async fn execute(
        &self,
        message: &Message,
        job: &Job,
    ) -> Result<crate::types::ValidationResult, Refused> {
        let validator = self
            .validator(job.limits.into())
            .map_err(|e| Refused::Failed(e.to_string()))?;
        let work = async {
            let toolchain = validator
                .toolchain(job.program.language())
                .await
                .map_err(|e| Refused::Failed(format!("toolchain: {e}")))?;
            if toolchain.fingerprint() != job.fingerprint {
                return Err(Refused::Mismatch(format!(
                    "toolchain fingerprint mismatch: the job was planned with `{}`, worker {} \
                     has `{}`",
                    job.fingerprint,
                    self.id,
                    toolchain.fingerprint()
                )));
            }
            let key = validator
                .cache_key(&job.program, job.expect)
                .await
                .map_err(|e| Refused::Failed(e.to_string()))?;
            if key.hex() != job.key {
                return Err(Refused::Mismatch(format!(
                    "plan mismatch: worker {} plans this job with key {}, the job says {} \
                     (different toolchain files, limits or dependency paths)",
                    self.id,
                    key.hex(),
                    job.key
                )));
            }
            validator
                .validate(&job.program, job.expect)
                .await
                .map_err(|e| Refused::Failed(e.to_string()))
        };
        tokio::pin!(work);
        let every = (self.config.topology.ack_wait / 3).max(Duration::from_millis(100));
        let mut alive = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        loop {
            tokio::select! {
                result = &mut work => return result,
                _ = alive.tick() => { let _ = message.ack_with(AckKind::Progress).await; }
            }
        }
    }

    fn validator(&self, cap: LimitCap) -> Result<Arc<Validator>, ExecutorError> {
        let mut validators = self.validators.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, v)) = validators.iter().find(|(c, _)| *c == cap) {
            return Ok(Arc::clone(v));
        }
        let validator =
            Arc::new(Validator::new(self.validator_config.clone())?.with_limit_cap(cap));
        validators.push((cap, Arc::clone(&validator)));
        Ok(validator)
    }

    /// Stores a result for everyone (cacheable results of cached jobs), or hands it to the
    /// submitter alone; either way the submitter is notified.
    async fn store(
        &self,
        key: &CacheKey,
        job: &Job,
        result: &crate::types::ValidationResult,
    ) -> Result<(), ExecutorError> {
        let entry = encode(key, result, now_unix());
        if job.cache && is_cacheable(result) {
            self.objects
                .results
                .put(key.hex(), entry.into())
                .await
                .map_err(transport)?;
            self.notify(key, "stored", Vec::new()).await;
        } else {
            self.notify(key, "result", entry).await;
        }
        Ok(())
    }

    async fn notify(&self, key: &CacheKey, kind: &str, payload: Vec<u8>) {
        let mut headers = HeaderMap::new();
        headers.insert(topology::NOTICE_HEADER, kind);
        headers.insert(topology::WORKER_HEADER, self.id.as_str());
        let subject = topology::done_subject(&key.hex());
        if let Err(e) = self
            .client
            .publish_with_headers(subject, headers, payload.into())
            .await
        {
            tracing::warn!(worker = %self.id, error = %e, "done notice failed (the submitter polls)");
        }
    }

    /// Gives a job up: the job to the dead-letter stream with the reason, the reason to the
    /// failures bucket and the submitter, then acknowledged (it is handled: moved).
    async fn dead_letter(
        &self,
        message: &Message,
        job: Option<&Job>,
        reason: &str,
        delivered: u64,
    ) {
        let token = job.map_or("_unreadable", Job::queue_token);
        let key = job.and_then(|j| j.result_key().ok());
        let mut headers = HeaderMap::new();
        headers.insert(topology::REASON_HEADER, one_line(reason).as_str());
        headers.insert(topology::DELIVERIES_HEADER, delivered.to_string().as_str());
        headers.insert(topology::WORKER_HEADER, self.id.as_str());
        if let Some(key) = &key {
            headers.insert(topology::KEY_HEADER, key.hex().as_str());
        }
        let published = match self
            .js
            .publish_with_headers(
                topology::dead_subject(token),
                headers,
                message.payload.clone(),
            )
            .await
        {
            Ok(ack) => ack.await.map(|_| ()).map_err(transport),
            Err(e) => Err(transport(e)),
        };
        if let Err(e) = published {
            // Not moved: leave it to be redelivered (and dead-lettered) later.
            tracing::warn!(worker = %self.id, error = %e, "dead-lettering failed");
            let _ = message
                .ack_with(AckKind::Nak(Some(self.config.retry_delay)))
                .await;
            return;
        }
        if let Some(key) = &key {
            let _ = self
                .objects
                .failures
                .put(key.hex(), reason.to_string().into_bytes().into())
                .await;
            self.notify(key, "dead", reason.as_bytes().to_vec()).await;
        }
        let _ = message.double_ack().await;
        self.counters.dead_lettered.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(worker = %self.id, %reason, "job dead-lettered");
    }
}

/// What the taking loop remembers between jobs.
#[derive(Default)]
struct Queues {
    consumers: HashMap<String, jetstream::consumer::Consumer<pull::Config>>,
    /// Where the round-robin goes on from.
    cursor: usize,
    discovered: Option<Instant>,
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".into())
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Completes on the first SIGINT or SIGTERM: what `selfheal worker` drains on.
pub async fn until_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        // No signal handling here: only Ctrl-C through tokio's portable handler.
        _ => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
