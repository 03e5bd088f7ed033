//! Where a validation runs: in this process, or on a fleet of workers (`docs/scale.md`).
//!
//! The executor boundary is [`Checker`]: the heal loop, eval, generate and the service
//! validate through it and nothing else. In process it is the [`Validator`] itself (today's
//! path, unchanged). Remote it is a [`NatsExecutor`]: each validation becomes a [`Job`],
//! content-addressed by the validation's cache key, queued on NATS JetStream and run by a
//! [`Worker`] (`selfheal worker`) in its own sandbox; the result lands in a shared key-value
//! cache that answers every later identical job on any machine.
//!
//! CONTRACT: [`ExecutorSpec`] (`local` or `nats://host:port`, `FromStr`), [`ExecutorSpec::checker`],
//! [`ExecutorSpec::attach`], [`ExecutorSpec::add_tenant`] (a service's tenant), [`NatsExecutor`] (`connect`, `for_tenant`, `job`, `run_job`,
//! `stats`), [`Worker`] (`connect`, `run`, `status`), [`WorkerConfig`], [`Topology`], [`Job`],
//! [`ExecutorError`] (with `refusal` and `retry_after` for back-pressure).

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use crate::api::SelfHealingGeneratorBuilder;
use crate::cache::CacheScope;
use crate::heal::Checker;
use crate::tenant::{
    limit_cap, CacheMode, Refusal, Tenant, TenantError, TenantRegistry, TenantSpec,
};
use crate::validate::{ValidateError, Validator};

pub mod job;
mod metrics;
mod remote;
pub mod topology;
mod worker;

pub use job::{Job, JobError, JobLimits, JobScope, HOST_TOKEN, JOB_VERSION};
pub use remote::{ExecutorStats, NatsExecutor, RemoteOptions};
pub use topology::Topology;
pub use worker::{until_signal, Worker, WorkerConfig, WorkerStatus};

/// Which executor runs validations.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ExecutorSpec {
    /// This process's own sandboxes (the default).
    #[default]
    InProcess,
    /// Workers behind a NATS server with JetStream, at this URL (`nats://host:port`).
    Nats(String),
}

impl FromStr for ExecutorSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<ExecutorSpec, String> {
        if s == "local" {
            return Ok(ExecutorSpec::InProcess);
        }
        match s.strip_prefix("nats://") {
            Some(rest) if !rest.is_empty() => Ok(ExecutorSpec::Nats(s.to_string())),
            _ => Err(format!(
                "unknown executor `{s}`: use `local` or `nats://HOST:PORT` (a NATS server with \
                 JetStream, see docs/scale.md)"
            )),
        }
    }
}

impl fmt::Display for ExecutorSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExecutorSpec::InProcess => f.write_str("local"),
            ExecutorSpec::Nats(url) => f.write_str(url),
        }
    }
}

impl ExecutorSpec {
    /// The checker validations go through: `validator` itself in process; remote, a
    /// [`NatsExecutor`] that plans with `validator` (for the cache key and the toolchain
    /// fingerprint) and runs nothing locally.
    ///
    /// # Errors
    ///
    /// As [`NatsExecutor::connect`].
    pub async fn checker(&self, validator: Validator) -> Result<Arc<dyn Checker>, ExecutorError> {
        Ok(match self {
            ExecutorSpec::InProcess => Arc::new(validator),
            ExecutorSpec::Nats(url) => Arc::new(
                NatsExecutor::connect(url, Arc::new(validator), RemoteOptions::default()).await?,
            ),
        })
    }

    /// `builder` validating with `validator` in process, or through the remote executor.
    ///
    /// # Errors
    ///
    /// As [`NatsExecutor::connect`].
    pub async fn attach(
        &self,
        builder: SelfHealingGeneratorBuilder,
        validator: Validator,
    ) -> Result<SelfHealingGeneratorBuilder, ExecutorError> {
        Ok(match self {
            ExecutorSpec::InProcess => builder.validator(validator),
            ExecutorSpec::Nats(_) => builder.checker(self.checker(validator).await?),
        })
    }
}

impl ExecutorSpec {
    /// Adds (or replaces) the tenant `spec` in `registry` with its validations on this
    /// executor. In process: [`TenantRegistry::add`] (the tenant's own sandboxed validator).
    /// Remote: a [`NatsExecutor`] for the tenant ([`NatsExecutor::for_tenant`]: its own queue
    /// and pending bound, its cache scope inside the shared cache, none when its cache is off)
    /// that plans with the host's validator configuration under the tenant's limits (clamped
    /// to the host's, as [`TenantRegistry::add`] would), added with
    /// [`TenantRegistry::add_with_checker`]; validations are still scheduled and charged per
    /// tenant. Such a tenant has no local validator ([`Tenant::validator`] is `None`).
    ///
    /// Blocks while it opens the validator (a sandbox check): call it from a blocking task.
    ///
    /// # Errors
    ///
    /// As [`TenantRegistry::add`] and [`TenantRegistry::add_with_checker`];
    /// [`TenantError::Setup`] (`executor`) when the server cannot be reached or refuses the
    /// JetStream objects, or when the host has no validator configuration.
    pub async fn add_tenant(
        &self,
        registry: &TenantRegistry,
        spec: TenantSpec,
    ) -> Result<Arc<Tenant>, TenantError> {
        let ExecutorSpec::Nats(url) = self else {
            return registry.add(spec);
        };
        let fail = |what: &'static str, message: String| TenantError::Setup {
            tenant: spec.id.clone(),
            what,
            message,
        };
        let Some(config) = registry.config().validator.clone() else {
            return Err(fail(
                "executor",
                "the host has no validator configuration to plan jobs with".into(),
            ));
        };
        let (limits, _) = spec.limits.clamp_to(registry.host_limits());
        let validator = Validator::new(config)
            .map_err(|e| fail("validator", e.to_string()))?
            .with_limit_cap(limit_cap(&limits));
        let scope = match &spec.cache {
            CacheMode::Off => None,
            CacheMode::Private => Some(CacheScope::Tenant(spec.id.as_str().to_string())),
            CacheMode::Shared(group) => Some(CacheScope::Shared(group.clone())),
        };
        let executor = NatsExecutor::connect(url, Arc::new(validator), RemoteOptions::default())
            .await
            .map_err(|e| fail("executor", e.to_string()))?
            .for_tenant(spec.id.clone(), scope);
        registry.add_with_checker(spec, Arc::new(executor))
    }
}

/// Why a remote validation could not be carried out.
#[derive(Debug, thiserror::Error)]
pub enum ExecutorError {
    /// The NATS server cannot be reached.
    #[error("cannot connect to the NATS server at {url}: {message} (is `nats-server -js` running there?)")]
    Connect { url: String, message: String },
    /// A JetStream object could not be created or opened.
    #[error("JetStream set-up failed for {0}")]
    Setup(String),
    /// Talking to the server failed mid-job.
    #[error("NATS: {0}")]
    Transport(String),
    /// Planning the job locally failed (the program or its toolchain).
    #[error(transparent)]
    Validate(#[from] ValidateError),
    /// The job cannot be sent (validator plugins, a bad key).
    #[error("{0}")]
    Job(String),
    /// The tenant's queue on the fleet is full: back-pressure, answered like a quota.
    #[error(
        "tenant {tenant}: pending_jobs limit reached ({limit} jobs waiting or running on the \
         fleet); retry in {}s",
        retry_after.as_secs().max(1)
    )]
    QueueFull {
        tenant: String,
        limit: u64,
        retry_after: Duration,
    },
    /// The fleet gave the job up (it failed on `max_deliver` deliveries, or cannot be read).
    #[error("validation job {key} was dead-lettered: {reason}")]
    DeadLettered { key: String, reason: String },
    /// No result within the wait.
    #[error("validation job {key} got no result within {}s (are workers running? `selfheal worker --nats URL`)", waited.as_secs())]
    TimedOut { key: String, waited: Duration },
}

impl ExecutorError {
    /// The kind of refusal, for a service's status code: [`Refusal::Quota`] for a full
    /// queue, else `None` (a failure, not a refusal).
    pub fn refusal(&self) -> Option<Refusal> {
        matches!(self, ExecutorError::QueueFull { .. }).then_some(Refusal::Quota)
    }

    /// When to try again, for a full queue.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ExecutorError::QueueFull { retry_after, .. } => Some(*retry_after),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn executor_specs_parse_and_name_the_fix() {
        assert_eq!("local".parse(), Ok(ExecutorSpec::InProcess));
        assert_eq!(
            "nats://127.0.0.1:4222".parse(),
            Ok(ExecutorSpec::Nats("nats://127.0.0.1:4222".into()))
        );
        let err = "http://x".parse::<ExecutorSpec>().unwrap_err();
        assert!(err.contains("nats://HOST:PORT"), "{err}");
        assert!("nats://".parse::<ExecutorSpec>().is_err());
    }

    #[test]
    fn a_full_queue_is_a_quota_refusal() {
        let e = ExecutorError::QueueFull {
            tenant: "acme".into(),
            limit: 3,
            retry_after: Duration::from_secs(1),
        };
        assert_eq!(e.refusal(), Some(Refusal::Quota));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(1)));
        assert_eq!(
            e.to_string(),
            "tenant acme: pending_jobs limit reached (3 jobs waiting or running on the fleet); \
             retry in 1s"
        );
    }
}
