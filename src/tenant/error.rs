//! Why a tenant's request was refused: one variant per limit, each naming the limit and its
//! value, with a retry-after where waiting helps.

use std::time::Duration;

use super::limits::{show_secs, Limit};
use super::TenantId;

/// What kind of refusal a [`TenantError`] is, for a service to pick its status code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// A quota is spent for now: try again after [`TenantError::retry_after`] (HTTP 429).
    Quota,
    /// The host is at capacity for now (HTTP 503 with `Retry-After`).
    Busy,
    /// The request itself is over a limit; repeating it will not help (HTTP 413 for
    /// [`Limit::ProgramBytes`], else 422).
    TooLarge,
    /// No such tenant (HTTP 403/404).
    Unknown,
    /// The host is draining (HTTP 503).
    ShuttingDown,
    /// A configuration or set-up error: the operator must act (HTTP 500 when at run time).
    Config,
}

/// A tenant's request refused, or a tenant that could not be set up. Every refusal names the
/// limit ([`TenantError::limit`]) and its value; quota refusals carry a retry-after.
#[derive(Debug, thiserror::Error)]
pub enum TenantError {
    /// `try_acquire` found the tenant's sandboxes all in use.
    #[error(
        "tenant {tenant}: concurrent_sandboxes limit reached ({limit} sandboxes running); \
         retry in {}",
        show_secs(*retry_after)
    )]
    SandboxesBusy {
        tenant: TenantId,
        limit: usize,
        /// An estimate: the tenant's recent mean sandbox duration (at least 1 s).
        retry_after: Duration,
    },
    /// `try_acquire` found every sandbox slot of the host in use.
    #[error(
        "the host is at its host_sandboxes limit ({limit} sandboxes running over all \
         tenants); retry in {}",
        show_secs(*retry_after)
    )]
    HostBusy {
        limit: usize,
        /// An estimate: the host's recent mean sandbox duration (at least 1 s).
        retry_after: Duration,
    },
    /// The tenant already has `limit` jobs admitted and not finished.
    #[error(
        "tenant {tenant}: queued_jobs limit reached ({limit} jobs waiting or running); retry \
         in {}",
        show_secs(*retry_after)
    )]
    QueueFull {
        tenant: TenantId,
        limit: usize,
        /// An estimate: the tenant's recent mean job duration (at least 1 s).
        retry_after: Duration,
    },
    /// The tenant used its sandbox CPU time for the last minute.
    #[error(
        "tenant {tenant}: cpu_seconds_per_minute limit reached ({} of {} used in the last \
         60 s); retry in {}",
        show_secs(*spent),
        show_secs(*limit),
        show_secs(*retry_after)
    )]
    CpuQuotaSpent {
        tenant: TenantId,
        limit: Duration,
        spent: Duration,
        /// Exact: when enough of the last minute's CPU time has aged out of the window.
        retry_after: Duration,
    },
    /// The program is larger than the tenant may send.
    #[error(
        "tenant {tenant}: the program is {size} bytes, over the program_bytes limit of {limit} \
         bytes"
    )]
    ProgramTooLarge {
        tenant: TenantId,
        size: usize,
        limit: usize,
    },
    /// A run asked for more time than the tenant may use.
    #[error(
        "tenant {tenant}: a run of {} asked, over the run_time limit of {}",
        show_secs(*requested),
        show_secs(*limit)
    )]
    RunTimeTooLong {
        tenant: TenantId,
        requested: Duration,
        limit: Duration,
    },
    /// A run asked for more memory than the tenant may use.
    #[error(
        "tenant {tenant}: a run with {requested} bytes of memory asked, over the memory_bytes \
         limit of {limit} bytes"
    )]
    MemoryTooLarge {
        tenant: TenantId,
        requested: u64,
        limit: u64,
    },
    #[error("no tenant `{tenant}`")]
    UnknownTenant { tenant: TenantId },
    /// The scheduler was closed (the host is draining): no new jobs.
    #[error("the host is shutting down and takes no new jobs")]
    ShuttingDown,
    #[error("`{id}` is not a valid tenant id: {reason} (use 1 to 64 of a-z, 0-9, `-` and `_`, starting with a letter or digit)")]
    InvalidId { id: String, reason: String },
    #[error("limit {limit}: {reason}")]
    InvalidLimit { limit: Limit, reason: String },
    /// The tenant's cache, learner, plugins or validator could not be set up.
    #[error("tenant {tenant}: {what}: {message}")]
    Setup {
        tenant: TenantId,
        what: &'static str,
        message: String,
    },
}

impl TenantError {
    /// The limit this refusal is about, if it is about one.
    pub fn limit(&self) -> Option<Limit> {
        Some(match self {
            TenantError::SandboxesBusy { .. } => Limit::ConcurrentSandboxes,
            TenantError::HostBusy { .. } => Limit::HostSandboxes,
            TenantError::QueueFull { .. } => Limit::QueuedJobs,
            TenantError::CpuQuotaSpent { .. } => Limit::CpuSecondsPerMinute,
            TenantError::ProgramTooLarge { .. } => Limit::ProgramBytes,
            TenantError::RunTimeTooLong { .. } => Limit::RunTime,
            TenantError::MemoryTooLarge { .. } => Limit::MemoryBytes,
            TenantError::InvalidLimit { limit, .. } => *limit,
            _ => return None,
        })
    }

    /// The limit's value as text (`"64"`, `"60s"`), if this refusal is about one.
    pub fn limit_value(&self) -> Option<String> {
        Some(match self {
            TenantError::SandboxesBusy { limit, .. }
            | TenantError::HostBusy { limit, .. }
            | TenantError::QueueFull { limit, .. }
            | TenantError::ProgramTooLarge { limit, .. } => limit.to_string(),
            TenantError::CpuQuotaSpent { limit, .. }
            | TenantError::RunTimeTooLong { limit, .. } => show_secs(*limit),
            TenantError::MemoryTooLarge { limit, .. } => limit.to_string(),
            _ => return None,
        })
    }

    /// How long to wait before the same request may succeed; `None` when waiting does not
    /// help (the request is over a fixed limit) or is not known.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            TenantError::SandboxesBusy { retry_after, .. }
            | TenantError::HostBusy { retry_after, .. }
            | TenantError::QueueFull { retry_after, .. }
            | TenantError::CpuQuotaSpent { retry_after, .. } => Some(*retry_after),
            _ => None,
        }
    }

    /// What kind of refusal this is.
    pub fn refusal(&self) -> Refusal {
        match self {
            TenantError::SandboxesBusy { .. }
            | TenantError::QueueFull { .. }
            | TenantError::CpuQuotaSpent { .. } => Refusal::Quota,
            TenantError::HostBusy { .. } => Refusal::Busy,
            TenantError::ProgramTooLarge { .. }
            | TenantError::RunTimeTooLong { .. }
            | TenantError::MemoryTooLarge { .. } => Refusal::TooLarge,
            TenantError::UnknownTenant { .. } => Refusal::Unknown,
            TenantError::ShuttingDown => Refusal::ShuttingDown,
            TenantError::InvalidId { .. }
            | TenantError::InvalidLimit { .. }
            | TenantError::Setup { .. } => Refusal::Config,
        }
    }
}
