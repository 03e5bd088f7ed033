//! The JetStream objects remote validation uses, their names, and their settings.
//!
//! - Stream `SELFHEAL_JOBS` (subjects `selfheal.jobs.<tenant>`, work-queue retention, file
//!   storage): the pending jobs. A job is removed when a worker acknowledges it, which it does
//!   only after the result is stored. At most [`Topology::pending_per_tenant`] jobs per
//!   tenant (`max_msgs_per_subject` with `discard_new_per_subject`): the server refuses the
//!   next one, and the submitter answers with a quota error. `Nats-Msg-Id` is the job's result
//!   key, so an identical job published within [`Topology::duplicate_window`] is dropped.
//! - One durable pull consumer per tenant, `jobs-<tenant>`, filtered on its subject: workers
//!   take jobs round-robin over the tenants that have some (fairness across the fleet).
//!   Explicit acks, [`Topology::ack_wait`] before redelivery (workers extend it while a job
//!   runs), unlimited deliveries: the worker counts them and dead-letters the job at
//!   [`Topology::max_deliver`].
//! - Stream `SELFHEAL_DEAD` (subjects `selfheal.dead.<tenant>`): dead letters, the job as
//!   payload and the reason in headers.
//! - Key-value bucket `selfheal-results`: the shared content-addressed cache (key: the result
//!   key in hex; value: the cache entry format of [`crate::cache::encode`], checksummed and
//!   bound to its key), bounded by [`Topology::result_bytes`] (oldest first).
//! - Key-value bucket `selfheal-failures`: the reason of each dead-lettered job, kept for
//!   [`Topology::failure_ttl`], so that a resubmission (dropped as a duplicate) hears of it.
//! - Key-value bucket `selfheal-workers`: each worker's heartbeat and counters.
//! - Core subject `selfheal.done.<key>`: a worker's notice that a job finished.

use std::time::Duration;

use async_nats::jetstream::{self, consumer::pull, kv, stream};

use super::ExecutorError;

/// The jobs stream.
pub const JOBS_STREAM: &str = "SELFHEAL_JOBS";
/// The dead-letter stream.
pub const DEAD_STREAM: &str = "SELFHEAL_DEAD";
/// The shared result cache.
pub const RESULTS_BUCKET: &str = "selfheal-results";
/// Dead-lettered jobs' reasons.
pub const FAILURES_BUCKET: &str = "selfheal-failures";
/// Worker heartbeats.
pub const WORKERS_BUCKET: &str = "selfheal-workers";

/// Header of a dead letter: why the job was given up.
pub const REASON_HEADER: &str = "Selfheal-Reason";
/// Header of a dead letter: the job's result key (hex), when it could be read.
pub const KEY_HEADER: &str = "Selfheal-Key";
/// Header of a dead letter: deliveries so far.
pub const DELIVERIES_HEADER: &str = "Selfheal-Deliveries";
/// Header of a dead letter and a notice: the worker.
pub const WORKER_HEADER: &str = "Selfheal-Worker";
/// Header of a done notice: `stored`, `result` (payload: the entry) or `dead` (payload: the
/// reason).
pub const NOTICE_HEADER: &str = "Selfheal-Notice";

/// The subject of a tenant's jobs (`token`: a tenant id or [`super::job::HOST_TOKEN`]).
pub fn job_subject(token: &str) -> String {
    format!("selfheal.jobs.{token}")
}

/// The subject of a tenant's dead letters.
pub fn dead_subject(token: &str) -> String {
    format!("selfheal.dead.{token}")
}

/// The subject of a job's done notice.
pub fn done_subject(key_hex: &str) -> String {
    format!("selfheal.done.{key_hex}")
}

/// The durable consumer of a tenant's jobs.
pub fn consumer_name(token: &str) -> String {
    format!("jobs-{token}")
}

/// The tenant token of a consumer name, if it is one of ours.
pub fn token_of_consumer(name: &str) -> Option<&str> {
    name.strip_prefix("jobs-")
}

/// The settings of the JetStream objects. Workers apply theirs to the stream (the last worker
/// to start wins); submitters create the objects with theirs only if they do not exist yet.
#[derive(Debug, Clone, PartialEq)]
pub struct Topology {
    /// Before an unacknowledged job is delivered again (a worker that died). Running jobs are
    /// kept alive with progress acks every third of it. Default 30 s.
    pub ack_wait: Duration,
    /// Deliveries before a job that keeps failing (or killing its worker, or finding no
    /// worker with its toolchain) is dead-lettered. Default 5.
    pub max_deliver: u32,
    /// Jobs one tenant may have waiting or running on the fleet. Default 1000.
    pub pending_per_tenant: u64,
    /// Identical jobs published within this window run once. Default 2 min.
    pub duplicate_window: Duration,
    /// Bound on the shared cache's stored bytes. Default 1 GiB.
    pub result_bytes: i64,
    /// How long a dead-lettered job's reason answers resubmissions. Default 10 min (longer
    /// than the duplicate window, so a dropped resubmission always finds it).
    pub failure_ttl: Duration,
    /// Between a worker's heartbeats; a heartbeat expires after five of them. Default 2 s.
    pub heartbeat: Duration,
}

impl Default for Topology {
    fn default() -> Topology {
        Topology {
            ack_wait: Duration::from_secs(30),
            max_deliver: 5,
            pending_per_tenant: 1000,
            duplicate_window: Duration::from_secs(120),
            result_bytes: 1 << 30,
            failure_ttl: Duration::from_secs(600),
            heartbeat: Duration::from_secs(2),
        }
    }
}

/// Handles on the JetStream objects.
#[derive(Clone)]
pub struct Objects {
    pub jobs: stream::Stream,
    pub results: kv::Store,
    pub failures: kv::Store,
    pub workers: kv::Store,
}

fn setup(what: &str, e: impl std::fmt::Display) -> ExecutorError {
    ExecutorError::Setup(format!("{what}: {e}"))
}

impl Topology {
    fn jobs_config(&self) -> stream::Config {
        stream::Config {
            name: JOBS_STREAM.to_string(),
            subjects: vec![job_subject("*")],
            retention: stream::RetentionPolicy::WorkQueue,
            storage: stream::StorageType::File,
            max_messages_per_subject: i64::try_from(self.pending_per_tenant).unwrap_or(i64::MAX),
            discard: stream::DiscardPolicy::New,
            discard_new_per_subject: true,
            duplicate_window: self.duplicate_window,
            ..Default::default()
        }
    }

    fn dead_config(&self) -> stream::Config {
        stream::Config {
            name: DEAD_STREAM.to_string(),
            subjects: vec![dead_subject("*")],
            storage: stream::StorageType::File,
            max_age: Duration::from_secs(7 * 24 * 3600),
            ..Default::default()
        }
    }

    fn bucket(&self, name: &str) -> kv::Config {
        let mut config = kv::Config {
            bucket: name.to_string(),
            history: 1,
            storage: stream::StorageType::File,
            ..Default::default()
        };
        match name {
            RESULTS_BUCKET => config.max_bytes = self.result_bytes,
            FAILURES_BUCKET => config.max_age = self.failure_ttl,
            _ => config.max_age = self.heartbeat * 5,
        }
        config
    }

    /// The consumer of one tenant's jobs.
    pub fn consumer_config(&self, token: &str) -> pull::Config {
        pull::Config {
            durable_name: Some(consumer_name(token)),
            filter_subject: job_subject(token),
            ack_policy: jetstream::consumer::AckPolicy::Explicit,
            ack_wait: self.ack_wait,
            max_deliver: -1,
            max_ack_pending: -1,
            ..Default::default()
        }
    }

    /// Opens the objects, creating the missing ones; with `apply`, also updates the jobs
    /// stream to these settings (what a worker does).
    ///
    /// # Errors
    ///
    /// [`ExecutorError::Setup`] naming the object the server refused (is JetStream on? run
    /// `nats-server -js`).
    pub async fn open(
        &self,
        js: &jetstream::Context,
        apply: bool,
    ) -> Result<Objects, ExecutorError> {
        let jobs = if apply {
            js.create_or_update_stream(self.jobs_config())
                .await
                .map_err(|e| setup(JOBS_STREAM, e))?;
            js.get_stream(JOBS_STREAM)
                .await
                .map_err(|e| setup(JOBS_STREAM, e))?
        } else {
            js.get_or_create_stream(self.jobs_config())
                .await
                .map_err(|e| setup(JOBS_STREAM, e))?
        };
        js.get_or_create_stream(self.dead_config())
            .await
            .map_err(|e| setup(DEAD_STREAM, e))?;
        let results = self.kv(js, RESULTS_BUCKET).await?;
        let failures = self.kv(js, FAILURES_BUCKET).await?;
        let workers = self.kv(js, WORKERS_BUCKET).await?;
        Ok(Objects {
            jobs,
            results,
            failures,
            workers,
        })
    }

    /// Opens a bucket, creating its stream first if needed. The stream is created directly
    /// (the layout `create_key_value` uses: `KV_<bucket>`, `$KV.<bucket>.>`, rollups, direct
    /// gets) because that call asks for account details that servers before 2.10 answer in
    /// another shape; a full bucket drops its oldest entries (a cache, not a ledger).
    async fn kv(&self, js: &jetstream::Context, name: &str) -> Result<kv::Store, ExecutorError> {
        if let Ok(store) = js.get_key_value(name).await {
            return Ok(store);
        }
        let bucket = self.bucket(name);
        let config = stream::Config {
            name: format!("KV_{name}"),
            subjects: vec![format!("$KV.{name}.>")],
            max_messages_per_subject: bucket.history,
            max_bytes: bucket.max_bytes,
            max_age: bucket.max_age,
            storage: bucket.storage,
            allow_rollup: true,
            deny_delete: true,
            allow_direct: true,
            discard: stream::DiscardPolicy::Old,
            num_replicas: 1,
            ..Default::default()
        };
        let created = js.get_or_create_stream(config).await.err();
        js.get_key_value(name).await.map_err(|e| match created {
            Some(created) => setup(name, created),
            None => setup(name, e),
        })
    }
}
