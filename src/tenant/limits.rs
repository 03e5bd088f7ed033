//! Per-tenant limits, the host's limits, and clamping the one to the other.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::error::TenantError;

/// One of the limits a tenant has, by the name refusals and documents use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Limit {
    /// Sandboxes of the tenant running at once ([`TenantLimits::max_concurrent_sandboxes`]).
    ConcurrentSandboxes,
    /// Jobs admitted and not finished ([`TenantLimits::max_queued_jobs`]).
    QueuedJobs,
    /// Sandbox CPU time in any sliding minute ([`TenantLimits::cpu_per_minute`]).
    CpuSecondsPerMinute,
    /// Size of a program's sources and data files ([`TenantLimits::max_program_bytes`]).
    ProgramBytes,
    /// Wall-clock (and CPU) time of one sandboxed command ([`TenantLimits::max_run_time`]).
    RunTime,
    /// Address space of one sandboxed process ([`TenantLimits::max_memory_bytes`]).
    MemoryBytes,
    /// Sandboxes running at once over all tenants ([`HostLimits::max_concurrent_sandboxes`]).
    HostSandboxes,
}

impl Limit {
    /// The limit's name in refusals, configuration and documents, e.g. `queued_jobs`.
    pub fn name(self) -> &'static str {
        match self {
            Limit::ConcurrentSandboxes => "concurrent_sandboxes",
            Limit::QueuedJobs => "queued_jobs",
            Limit::CpuSecondsPerMinute => "cpu_seconds_per_minute",
            Limit::ProgramBytes => "program_bytes",
            Limit::RunTime => "run_time",
            Limit::MemoryBytes => "memory_bytes",
            Limit::HostSandboxes => "host_sandboxes",
        }
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What one tenant may use. Every field is a maximum; [`TenantLimits::clamp_to`] lowers any
/// that exceeds the host's.
///
/// In a configuration file (serde), times are seconds (`cpu_seconds_per_minute = 60`,
/// `max_run_seconds = 30`); a missing field takes its default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TenantLimits {
    /// Sandboxes of this tenant running at once; more wait in the tenant's queue of the
    /// host-wide scheduler. Default 2.
    pub max_concurrent_sandboxes: usize,
    /// Jobs admitted ([`super::Tenant::admit`]) and not yet finished, waiting or running;
    /// one more is refused with [`TenantError::QueueFull`]. Default 64.
    pub max_queued_jobs: usize,
    /// Sandbox CPU time (user + system, as the sandbox measured it) the tenant may use in
    /// any sliding 60 seconds. Once spent, new jobs are refused with
    /// [`TenantError::CpuQuotaSpent`] and the tenant's waiting sandboxes start only as the
    /// window frees. Default 60 s (one core).
    #[serde(rename = "cpu_seconds_per_minute", with = "secs")]
    pub cpu_per_minute: Duration,
    /// Largest program (sources and data files), in bytes. Default 8 MiB
    /// ([`crate::program::MAX_PROGRAM_BYTES`]).
    pub max_program_bytes: usize,
    /// Longest wall-clock and CPU time of one sandboxed command: every planned command's
    /// limits are lowered to it, and a run asking for more is refused. Default 30 s.
    #[serde(rename = "max_run_seconds", with = "secs")]
    pub max_run_time: Duration,
    /// Most address space of one sandboxed process, in bytes: every planned command's limit is
    /// lowered to it, and a run asking for more is refused. Default 4 GiB (the JavaScript and
    /// Go toolchains reserve that much address space; below it they fail with a memory
    /// limit).
    pub max_memory_bytes: u64,
}

impl Default for TenantLimits {
    fn default() -> Self {
        TenantLimits {
            max_concurrent_sandboxes: 2,
            max_queued_jobs: 64,
            cpu_per_minute: Duration::from_secs(60),
            max_program_bytes: crate::program::MAX_PROGRAM_BYTES,
            max_run_time: Duration::from_secs(30),
            max_memory_bytes: 4 << 30,
        }
    }
}

/// What the whole host may use: the ceiling of every tenant's limits, and the host-wide
/// sandbox slots the scheduler shares among tenants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HostLimits {
    /// Sandboxes running at once over all tenants. Default: the number of CPUs.
    pub max_concurrent_sandboxes: usize,
    /// The most [`TenantLimits::max_queued_jobs`] may be. Default 1024.
    pub max_queued_jobs: usize,
    /// The most [`TenantLimits::cpu_per_minute`] may be. Default: 60 s per CPU.
    #[serde(rename = "cpu_seconds_per_minute", with = "secs")]
    pub cpu_per_minute: Duration,
    /// The most [`TenantLimits::max_program_bytes`] may be. Default (and never above)
    /// [`crate::program::MAX_PROGRAM_BYTES`], the library's own limit.
    pub max_program_bytes: usize,
    /// The most [`TenantLimits::max_run_time`] may be. Default 60 s.
    #[serde(rename = "max_run_seconds", with = "secs")]
    pub max_run_time: Duration,
    /// The most [`TenantLimits::max_memory_bytes`] may be. Default 4 GiB.
    pub max_memory_bytes: u64,
}

impl Default for HostLimits {
    fn default() -> Self {
        let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
        HostLimits {
            max_concurrent_sandboxes: cpus,
            max_queued_jobs: 1024,
            cpu_per_minute: Duration::from_secs(60 * cpus as u64),
            max_program_bytes: crate::program::MAX_PROGRAM_BYTES,
            max_run_time: Duration::from_secs(60),
            max_memory_bytes: 4 << 30,
        }
    }
}

/// One limit a tenant asked for above the host's, and what it got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Clamped {
    pub limit: Limit,
    /// What the tenant's configuration asked for, as text (`"120s"`, `"8589934592"`).
    pub requested: String,
    /// The host's limit, which the tenant got instead.
    pub host: String,
}

impl fmt::Display for Clamped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} is above the host's {}; using {}",
            self.limit, self.requested, self.host, self.host
        )
    }
}

/// A duration as the limits print it: whole seconds when whole, else seconds with decimals.
pub fn show_secs(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{:.3}s", d.as_secs_f64())
    }
}

impl HostLimits {
    /// Checks that no limit is zero.
    ///
    /// # Errors
    ///
    /// [`TenantError::InvalidLimit`] naming the first zero limit.
    pub fn check(&self) -> Result<(), TenantError> {
        nonzero(Limit::HostSandboxes, self.max_concurrent_sandboxes as u64)?;
        nonzero(Limit::QueuedJobs, self.max_queued_jobs as u64)?;
        nonzero(
            Limit::CpuSecondsPerMinute,
            self.cpu_per_minute.as_nanos() as u64,
        )?;
        nonzero(Limit::ProgramBytes, self.max_program_bytes as u64)?;
        nonzero(Limit::RunTime, self.max_run_time.as_nanos() as u64)?;
        nonzero(Limit::MemoryBytes, self.max_memory_bytes)?;
        if self.max_program_bytes > crate::program::MAX_PROGRAM_BYTES {
            return Err(TenantError::InvalidLimit {
                limit: Limit::ProgramBytes,
                reason: format!(
                    "{} is above the library's own limit of {} bytes",
                    self.max_program_bytes,
                    crate::program::MAX_PROGRAM_BYTES
                ),
            });
        }
        Ok(())
    }
}

fn nonzero(limit: Limit, value: u64) -> Result<(), TenantError> {
    if value == 0 {
        return Err(TenantError::InvalidLimit {
            limit,
            reason: "0 would refuse everything; remove the tenant instead".into(),
        });
    }
    Ok(())
}

impl TenantLimits {
    /// Checks that no limit is zero.
    ///
    /// # Errors
    ///
    /// [`TenantError::InvalidLimit`] naming the first zero limit.
    pub fn check(&self) -> Result<(), TenantError> {
        nonzero(
            Limit::ConcurrentSandboxes,
            self.max_concurrent_sandboxes as u64,
        )?;
        nonzero(Limit::QueuedJobs, self.max_queued_jobs as u64)?;
        nonzero(
            Limit::CpuSecondsPerMinute,
            self.cpu_per_minute.as_nanos() as u64,
        )?;
        nonzero(Limit::ProgramBytes, self.max_program_bytes as u64)?;
        nonzero(Limit::RunTime, self.max_run_time.as_nanos() as u64)?;
        nonzero(Limit::MemoryBytes, self.max_memory_bytes)
    }

    /// These limits with every one above the host's lowered to the host's, and a note for
    /// each lowered one (so the operator can be told: a tenant never gets more than the
    /// host has).
    pub fn clamp_to(&self, host: &HostLimits) -> (TenantLimits, Vec<Clamped>) {
        let mut out = self.clone();
        let mut notes = Vec::new();
        let mut clamp_u64 = |limit: Limit, value: &mut u64, max: u64| {
            if *value > max {
                notes.push(Clamped {
                    limit,
                    requested: value.to_string(),
                    host: max.to_string(),
                });
                *value = max;
            }
        };
        let mut sandboxes = out.max_concurrent_sandboxes as u64;
        clamp_u64(
            Limit::ConcurrentSandboxes,
            &mut sandboxes,
            host.max_concurrent_sandboxes as u64,
        );
        let mut queued = out.max_queued_jobs as u64;
        clamp_u64(Limit::QueuedJobs, &mut queued, host.max_queued_jobs as u64);
        let mut program = out.max_program_bytes as u64;
        clamp_u64(
            Limit::ProgramBytes,
            &mut program,
            host.max_program_bytes as u64,
        );
        clamp_u64(
            Limit::MemoryBytes,
            &mut out.max_memory_bytes,
            host.max_memory_bytes,
        );
        out.max_concurrent_sandboxes = sandboxes as usize;
        out.max_queued_jobs = queued as usize;
        out.max_program_bytes = program as usize;
        let mut clamp_time = |limit: Limit, value: &mut Duration, max: Duration| {
            if *value > max {
                notes.push(Clamped {
                    limit,
                    requested: show_secs(*value),
                    host: show_secs(max),
                });
                *value = max;
            }
        };
        clamp_time(
            Limit::CpuSecondsPerMinute,
            &mut out.cpu_per_minute,
            host.cpu_per_minute,
        );
        clamp_time(Limit::RunTime, &mut out.max_run_time, host.max_run_time);
        (out, notes)
    }
}

/// Durations as (fractional) seconds in configuration files.
mod secs {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let secs = f64::deserialize(d)?;
        Duration::try_from_secs_f64(secs).map_err(|_| {
            serde::de::Error::custom(format!(
                "{secs} is not a number of seconds (it must be finite and not negative)"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_read_from_toml_in_seconds() {
        let limits: TenantLimits = toml::from_str(
            "cpu_seconds_per_minute = 1.5\nmax_run_seconds = 10\nmax_queued_jobs = 3",
        )
        .unwrap();
        assert_eq!(limits.cpu_per_minute, Duration::from_millis(1500));
        assert_eq!(limits.max_run_time, Duration::from_secs(10));
        assert_eq!(limits.max_queued_jobs, 3);
        assert_eq!(
            limits.max_concurrent_sandboxes,
            TenantLimits::default().max_concurrent_sandboxes
        );
        assert!(toml::from_str::<TenantLimits>("max_run_seconds = -1").is_err());
        assert!(toml::from_str::<TenantLimits>("max_runs = 1").is_err());
    }

    #[test]
    fn zero_limits_are_refused_by_name() {
        let limits = TenantLimits {
            max_queued_jobs: 0,
            ..TenantLimits::default()
        };
        let err = limits.check().unwrap_err();
        assert!(matches!(
            err,
            TenantError::InvalidLimit {
                limit: Limit::QueuedJobs,
                ..
            }
        ));
        assert!(err.to_string().contains("queued_jobs"), "{err}");
    }
}
