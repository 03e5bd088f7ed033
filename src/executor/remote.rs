//! The submitting side: a [`Checker`] whose validations run on the workers.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::{self, message::PublishMessage};
use futures_util::StreamExt;
use serde::Serialize;

use crate::cache::{decode, CacheKey, CacheScope};
use crate::heal::{CheckError, CheckFuture, Checker, FormatFuture};
use crate::program::Program;
use crate::tenant::TenantId;
use crate::types::ValidationResult;
use crate::validate::{Expect, Validator};

use super::job::{Job, JobScope, JOB_VERSION};
use super::topology::{self, Objects, Topology, NOTICE_HEADER};
use super::ExecutorError;

/// How a submitter waits.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteOptions {
    /// Settings for objects this submitter creates when they do not exist yet.
    pub topology: Topology,
    /// Longest wait for one job's result. Default 30 min.
    pub wait: Duration,
    /// Between checks of the shared cache while waiting (notices can be missed across a
    /// server restart). Default 2 s.
    pub poll: Duration,
}

impl Default for RemoteOptions {
    fn default() -> RemoteOptions {
        RemoteOptions {
            topology: Topology::default(),
            wait: Duration::from_secs(30 * 60),
            poll: Duration::from_secs(2),
        }
    }
}

/// What a submitter did, since it was created.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ExecutorStats {
    /// Jobs answered from the shared cache without being queued.
    pub cache_hits: u64,
    /// Jobs queued (the server accepted them).
    pub submitted: u64,
    /// Of those, the ones the server recognised as identical to a job already in flight.
    pub deduplicated: u64,
    /// Results received for queued jobs.
    pub completed: u64,
    /// Jobs the fleet gave up.
    pub dead_lettered: u64,
}

#[derive(Default)]
struct Counters {
    cache_hits: AtomicU64,
    submitted: AtomicU64,
    deduplicated: AtomicU64,
    completed: AtomicU64,
    dead_lettered: AtomicU64,
}

/// Validations on the fleet. Plans each program with a local [`Validator`] (the cache key and
/// the toolchain fingerprint: nothing runs here), answers from the shared cache when it can,
/// else queues a [`Job`] and waits for the worker's notice. `Send + Sync`; clone it per
/// tenant with [`for_tenant`](Self::for_tenant).
#[derive(Clone)]
pub struct NatsExecutor {
    url: String,
    client: async_nats::Client,
    js: jetstream::Context,
    objects: Objects,
    validator: Arc<Validator>,
    options: RemoteOptions,
    tenant: Option<TenantId>,
    scope: Option<CacheScope>,
    cache: bool,
    counters: Arc<Counters>,
}

impl std::fmt::Debug for NatsExecutor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NatsExecutor")
            .field("url", &self.url)
            .field("tenant", &self.tenant)
            .finish()
    }
}

fn transport(e: impl std::fmt::Display) -> ExecutorError {
    ExecutorError::Transport(e.to_string())
}

impl NatsExecutor {
    /// Connects to the NATS server at `url` and opens (or creates) the JetStream objects.
    ///
    /// # Errors
    ///
    /// [`ExecutorError::Connect`] when the server cannot be reached; [`ExecutorError::Setup`]
    /// when JetStream refuses the objects; [`ExecutorError::Job`] when `validator` has
    /// validator plugins (they run inside a local validator, not on the workers).
    pub async fn connect(
        url: &str,
        validator: Arc<Validator>,
        options: RemoteOptions,
    ) -> Result<NatsExecutor, ExecutorError> {
        if validator
            .plugins()
            .is_some_and(|p| !p.validators().is_empty())
        {
            return Err(ExecutorError::Job(
                "validator plugins run inside a local validator; a remote executor cannot use \
                 them (drop --plugins validators or use --executor local)"
                    .into(),
            ));
        }
        let client = connect(url).await?;
        let js = jetstream::new(client.clone());
        let objects = options.topology.open(&js, false).await?;
        Ok(NatsExecutor {
            url: url.to_string(),
            client,
            js,
            objects,
            validator,
            options,
            tenant: None,
            scope: None,
            cache: true,
            counters: Arc::default(),
        })
    }

    /// This executor submitting as `tenant`: its own queue (fair share, its own pending
    /// bound), results stored under `scope` ([`CacheKey::scoped`]); `None` is a tenant whose
    /// cache is off (its jobs always run and their results are not shared). Counters are
    /// shared with `self`.
    pub fn for_tenant(&self, tenant: TenantId, scope: Option<CacheScope>) -> NatsExecutor {
        NatsExecutor {
            cache: scope.is_some(),
            tenant: Some(tenant),
            scope,
            ..self.clone()
        }
    }

    /// Counters since this executor (or the one it was made from) was created.
    pub fn stats(&self) -> ExecutorStats {
        let c = &self.counters;
        ExecutorStats {
            cache_hits: c.cache_hits.load(Ordering::Relaxed),
            submitted: c.submitted.load(Ordering::Relaxed),
            deduplicated: c.deduplicated.load(Ordering::Relaxed),
            completed: c.completed.load(Ordering::Relaxed),
            dead_lettered: c.dead_lettered.load(Ordering::Relaxed),
        }
    }

    /// The job of validating `program` for `expect`, planned locally.
    ///
    /// # Errors
    ///
    /// [`ExecutorError::Validate`] when the program is refused or its toolchain cannot be
    /// resolved here.
    pub async fn job(&self, program: &Program, expect: Expect) -> Result<Job, ExecutorError> {
        let key = self.validator.cache_key(program, expect).await?;
        let toolchain = self.validator.toolchain(program.language()).await?;
        Ok(Job {
            version: JOB_VERSION,
            key: key.hex(),
            tenant: self.tenant.clone(),
            scope: self.scope.as_ref().map(JobScope::from),
            cache: self.cache,
            fingerprint: toolchain.fingerprint().to_string(),
            expect,
            limits: self.validator.limit_cap().into(),
            program: program.clone(),
        })
    }

    /// Validates `program` on the fleet.
    ///
    /// # Errors
    ///
    /// As [`job`](Self::job) and [`run_job`](Self::run_job).
    pub async fn validate(
        &self,
        program: &Program,
        expect: Expect,
    ) -> Result<ValidationResult, ExecutorError> {
        let job = self.job(program, expect).await?;
        self.run_job(&job).await
    }

    /// Runs `job` on the fleet: answered from the shared cache if its result is there, else
    /// queued (once: identical jobs in flight are one message) and awaited.
    ///
    /// # Errors
    ///
    /// [`ExecutorError::QueueFull`] (back-pressure), [`ExecutorError::DeadLettered`] (with
    /// the workers' reason), [`ExecutorError::TimedOut`], [`ExecutorError::Transport`].
    pub async fn run_job(&self, job: &Job) -> Result<ValidationResult, ExecutorError> {
        let key = job
            .result_key()
            .map_err(|e| ExecutorError::Job(e.to_string()))?;
        let hex = key.hex();
        // Subscribed before anything else: a notice sent while we look or publish is not lost.
        let mut notices = self
            .client
            .subscribe(topology::done_subject(&hex))
            .await
            .map_err(transport)?;
        if job.cache {
            if let Some(mut hit) = self.stored(&key).await? {
                self.counters.cache_hits.fetch_add(1, Ordering::Relaxed);
                hit.cached = true;
                return Ok(hit);
            }
        }
        let mut ack = self.publish(job, &hex).await?;
        if ack.duplicate && !self.still_queued(ack.sequence).await? {
            // The identical job already ran, and left nothing that answers this one: its
            // result went to its own submitter alone (a tenant whose cache is off, or a result
            // that is not cacheable). Queue it again under an id of its own.
            if let Some(answer) = self.settled(&key).await? {
                return self.finish(&hex, answer);
            }
            let fresh = format!("{hex}.{:016x}", rand::random::<u64>());
            ack = self.publish(job, &fresh).await?;
        }
        self.counters.submitted.fetch_add(1, Ordering::Relaxed);
        if ack.duplicate {
            self.counters.deduplicated.fetch_add(1, Ordering::Relaxed);
        }
        let deadline = tokio::time::Instant::now() + self.options.wait;
        let mut poll = tokio::time::interval(self.options.poll);
        poll.tick().await;
        loop {
            tokio::select! {
                notice = notices.next() => {
                    let Some(notice) = notice else {
                        return Err(ExecutorError::Transport("the notice subscription ended".into()));
                    };
                    if let Some(answer) = self.answer(&key, &notice).await? {
                        return self.finish(&hex, answer);
                    }
                }
                _ = poll.tick() => {
                    if let Some(answer) = self.settled(&key).await? {
                        return self.finish(&hex, answer);
                    }
                }
                _ = tokio::time::sleep_until(deadline) => {
                    return Err(ExecutorError::TimedOut { key: hex, waited: self.options.wait });
                }
            }
        }
    }

    fn finish(
        &self,
        hex: &str,
        answer: Result<ValidationResult, String>,
    ) -> Result<ValidationResult, ExecutorError> {
        match answer {
            Ok(result) => {
                self.counters.completed.fetch_add(1, Ordering::Relaxed);
                Ok(result)
            }
            Err(reason) => {
                self.counters.dead_lettered.fetch_add(1, Ordering::Relaxed);
                Err(ExecutorError::DeadLettered {
                    key: hex.to_string(),
                    reason,
                })
            }
        }
    }

    /// Queues `job` with the message id `id` (the server drops a second message with the same
    /// id within the duplicate window, and says so in the ack).
    async fn publish(
        &self,
        job: &Job,
        id: &str,
    ) -> Result<jetstream::publish::PublishAck, ExecutorError> {
        self.js
            .send_publish(
                topology::job_subject(job.queue_token()),
                PublishMessage::build()
                    .payload(job.encode().into())
                    .message_id(id),
            )
            .await
            .map_err(transport)?
            .await
            .map_err(|e| self.publish_error(job, e))
    }

    /// Whether the job at `sequence` is still in the work queue (waiting or running); a
    /// job leaves it when a worker acknowledges it.
    async fn still_queued(&self, sequence: u64) -> Result<bool, ExecutorError> {
        use async_nats::jetstream::stream::RawMessageErrorKind;
        match self.objects.jobs.get_raw_message(sequence).await {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == RawMessageErrorKind::NoMessageFound => Ok(false),
            Err(e) => Err(transport(e)),
        }
    }

    /// A full tenant queue is back-pressure; anything else a transport failure.
    fn publish_error(&self, job: &Job, e: impl std::fmt::Display) -> ExecutorError {
        let text = e.to_string();
        if text.contains("maximum messages per subject")
            || text.contains("maximum messages exceeded")
        {
            ExecutorError::QueueFull {
                tenant: job.queue_token().to_string(),
                limit: self.options.topology.pending_per_tenant,
                retry_after: Duration::from_secs(1),
            }
        } else {
            ExecutorError::Transport(format!("queueing the job: {text}"))
        }
    }

    /// The stored result for `key`, if any (a value that fails its checksum is a miss).
    async fn stored(&self, key: &CacheKey) -> Result<Option<ValidationResult>, ExecutorError> {
        let Some(value) = self
            .objects
            .results
            .get(key.hex())
            .await
            .map_err(transport)?
        else {
            return Ok(None);
        };
        match decode(key, &value) {
            Ok((result, _)) => Ok(Some(result)),
            Err(e) => {
                tracing::warn!(key = %key.hex(), error = %e, "corrupt shared cache entry; ignoring it");
                Ok(None)
            }
        }
    }

    /// The job's outcome if it is settled: its stored result, or its dead letter's reason.
    async fn settled(
        &self,
        key: &CacheKey,
    ) -> Result<Option<Result<ValidationResult, String>>, ExecutorError> {
        if let Some(result) = self.stored(key).await? {
            return Ok(Some(Ok(result)));
        }
        let failure = self
            .objects
            .failures
            .get(key.hex())
            .await
            .map_err(transport)?;
        Ok(failure.map(|reason| Err(String::from_utf8_lossy(&reason).into_owned())))
    }

    /// What a done notice says.
    async fn answer(
        &self,
        key: &CacheKey,
        notice: &async_nats::Message,
    ) -> Result<Option<Result<ValidationResult, String>>, ExecutorError> {
        let kind = notice
            .headers
            .as_ref()
            .and_then(|h| h.get(NOTICE_HEADER))
            .map(|v| v.as_str().to_string())
            .unwrap_or_default();
        match kind.as_str() {
            "stored" => self.settled(key).await,
            "result" => match decode(key, &notice.payload) {
                Ok((result, _)) => Ok(Some(Ok(result))),
                Err(e) => {
                    tracing::warn!(key = %key.hex(), error = %e, "a worker's result does not check; waiting");
                    Ok(None)
                }
            },
            "dead" => Ok(Some(Err(
                String::from_utf8_lossy(&notice.payload).into_owned()
            ))),
            _ => Ok(None),
        }
    }
}

/// Connects, naming the server in the error.
pub(super) async fn connect(url: &str) -> Result<async_nats::Client, ExecutorError> {
    async_nats::ConnectOptions::new()
        .max_reconnects(None)
        .connection_timeout(Duration::from_secs(5))
        .connect(url)
        .await
        .map_err(|e| ExecutorError::Connect {
            url: url.to_string(),
            message: e.to_string(),
        })
}

/// Validations run on the fleet. Two things run here, in the planning validator's local
/// sandbox, so that a heal on the fleet makes exactly the attempts and writes exactly the
/// program a local heal does: formatting the lines a heal wrote (one formatter run, after the
/// heal), and the batch filter of behaviour-repair candidates ([`Checker::batch`]: one run
/// judging a round's candidates; a pass there is validated again alone, on the fleet).
impl Checker for NatsExecutor {
    fn check<'a>(&'a self, program: &'a Program, expect: Expect) -> CheckFuture<'a> {
        Box::pin(async move {
            self.validate(program, expect)
                .await
                .map_err(|e| CheckError(e.to_string()))
        })
    }

    fn format<'a>(&'a self, original: &'a Program, healed: &'a Program) -> FormatFuture<'a> {
        Checker::format(self.validator.as_ref(), original, healed)
    }

    fn batches(&self, language: crate::types::TargetLanguage) -> bool {
        self.validator.batches(language)
    }

    fn batch<'a>(&'a self, candidates: &'a [Program]) -> crate::heal::BatchFuture<'a> {
        self.validator.batch(candidates)
    }

    fn runs_a_formatter<'a>(
        &'a self,
        original: &'a Program,
        healed: &'a Program,
    ) -> Pin<Box<dyn Future<Output = bool> + Send + 'a>> {
        self.validator.runs_a_formatter(original, healed)
    }
}
