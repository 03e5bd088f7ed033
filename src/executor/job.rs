//! A validation job: what a worker needs to run one validation exactly as the submitter would
//! have run it in process, addressed by the validation's cache key.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::cache::{CacheKey, CacheScope};
use crate::program::Program;
use crate::tenant::TenantId;
use crate::validate::{Expect, LimitCap};

/// The wire format's version: a worker refuses (dead-letters) a job of another version.
pub const JOB_VERSION: u32 = 1;

/// The subject token of jobs without a tenant (the command line's). Tenant ids never start
/// with `_`, so it cannot collide with one.
pub const HOST_TOKEN: &str = "_host";

/// One validation to run: the program, the step(s) (`expect`), the limits, the tenant and
/// the toolchain fingerprint the submitter planned with. Serialized as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    /// [`JOB_VERSION`].
    pub version: u32,
    /// The validation's cache key (hex) as the submitter computed it
    /// ([`Validator::cache_key`](crate::validate::Validator::cache_key)): a worker recomputes
    /// it and runs the job only when its own equals this one.
    pub key: String,
    /// The tenant the job runs for; `None` for the command line.
    #[serde(default)]
    pub tenant: Option<TenantId>,
    /// The cache scope its result is stored under ([`CacheKey::scoped`]); `None` stores it
    /// under the computed key, like the command line's own cache.
    #[serde(default)]
    pub scope: Option<JobScope>,
    /// Whether the result may be read from and stored in the shared cache (`false` for a
    /// tenant whose cache is off: the job always runs and its result goes to the submitter
    /// alone).
    #[serde(default = "yes")]
    pub cache: bool,
    /// The fingerprint of the toolchain the submitter planned with; a worker whose toolchain
    /// has another never answers the job.
    pub fingerprint: String,
    /// `check` or `test`: the toolchain steps to run.
    pub expect: Expect,
    /// Bounds on every command's limits (a tenant's maximums).
    #[serde(default)]
    pub limits: JobLimits,
    /// The program, checked again when the job is decoded.
    pub program: Program,
}

fn yes() -> bool {
    true
}

/// A [`CacheScope`] on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "name")]
pub enum JobScope {
    Tenant(String),
    Shared(String),
}

impl From<&CacheScope> for JobScope {
    fn from(scope: &CacheScope) -> JobScope {
        match scope {
            CacheScope::Tenant(name) => JobScope::Tenant(name.clone()),
            CacheScope::Shared(name) => JobScope::Shared(name.clone()),
        }
    }
}

impl From<&JobScope> for CacheScope {
    fn from(scope: &JobScope) -> CacheScope {
        match scope {
            JobScope::Tenant(name) => CacheScope::Tenant(name.clone()),
            JobScope::Shared(name) => CacheScope::Shared(name.clone()),
        }
    }
}

/// A [`LimitCap`] on the wire, in nanoseconds and bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobLimits {
    #[serde(default)]
    pub wall_time_ns: Option<u64>,
    #[serde(default)]
    pub cpu_time_ns: Option<u64>,
    #[serde(default)]
    pub memory_bytes: Option<u64>,
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl From<LimitCap> for JobLimits {
    fn from(cap: LimitCap) -> JobLimits {
        JobLimits {
            wall_time_ns: cap.wall_time.map(nanos),
            cpu_time_ns: cap.cpu_time.map(nanos),
            memory_bytes: cap.memory_bytes,
        }
    }
}

impl From<JobLimits> for LimitCap {
    fn from(limits: JobLimits) -> LimitCap {
        LimitCap {
            wall_time: limits.wall_time_ns.map(Duration::from_nanos),
            cpu_time: limits.cpu_time_ns.map(Duration::from_nanos),
            memory_bytes: limits.memory_bytes,
        }
    }
}

/// Why a job cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    #[error("the job does not decode: {0}")]
    Decode(String),
    #[error("the job has wire version {found}; this selfheal reads version {JOB_VERSION}")]
    Version { found: u32 },
    #[error("the job's key `{0}` is not 64 hex digits")]
    Key(String),
}

impl Job {
    /// Decodes a job (the program is checked like any program read from JSON).
    ///
    /// # Errors
    ///
    /// [`JobError`] naming what is wrong: bad JSON, an invalid program, another version, or
    /// a key that is not a blake3 digest in hex.
    pub fn decode(bytes: &[u8]) -> Result<Job, JobError> {
        let job: Job =
            serde_json::from_slice(bytes).map_err(|e| JobError::Decode(e.to_string()))?;
        if job.version != JOB_VERSION {
            return Err(JobError::Version { found: job.version });
        }
        job.key()?;
        Ok(job)
    }

    /// The job as JSON.
    pub fn encode(&self) -> Vec<u8> {
        // Plain data (strings, maps, numbers): serialization cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// The validation's cache key, as the submitter computed it.
    ///
    /// # Errors
    ///
    /// [`JobError::Key`] when it is not 64 hex digits.
    pub fn key(&self) -> Result<CacheKey, JobError> {
        parse_key(&self.key).ok_or_else(|| JobError::Key(self.key.clone()))
    }

    /// The key the result is stored under in the shared cache: the cache key inside the job's
    /// scope (the same domain separation as a tenant's own cache), or the key itself.
    ///
    /// # Errors
    ///
    /// As [`Job::key`].
    pub fn result_key(&self) -> Result<CacheKey, JobError> {
        let key = self.key()?;
        Ok(match &self.scope {
            Some(scope) => key.scoped(&CacheScope::from(scope)),
            None => key,
        })
    }

    /// The subject token of the job's queue: the tenant id, or [`HOST_TOKEN`].
    pub fn queue_token(&self) -> &str {
        self.tenant.as_ref().map_or(HOST_TOKEN, TenantId::as_str)
    }
}

/// A cache key from 64 hex digits.
pub fn parse_key(hex: &str) -> Option<CacheKey> {
    blake3::Hash::from_hex(hex)
        .ok()
        .map(|h| CacheKey(*h.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::TargetLanguage;

    fn job() -> Job {
        let program = Program::new(
            TargetLanguage::Python,
            [("main.py".to_string(), "print(1)\n".to_string())],
        )
        .unwrap();
        Job {
            version: JOB_VERSION,
            key: CacheKey([7; 32]).hex(),
            tenant: Some(TenantId::new("acme").unwrap()),
            scope: Some(JobScope::Tenant("acme".into())),
            cache: true,
            fingerprint: "fp".into(),
            expect: Expect::Check,
            limits: LimitCap {
                wall_time: Some(Duration::from_millis(1500)),
                cpu_time: None,
                memory_bytes: Some(1 << 20),
            }
            .into(),
            program,
        }
    }

    #[test]
    fn a_job_round_trips_with_its_limits() {
        let job = job();
        let back = Job::decode(&job.encode()).unwrap();
        assert_eq!(back, job);
        let cap: LimitCap = back.limits.into();
        assert_eq!(cap.wall_time, Some(Duration::from_millis(1500)));
        assert_eq!(cap.memory_bytes, Some(1 << 20));
    }

    #[test]
    fn the_result_key_is_the_scoped_key() {
        let job = job();
        let scoped = CacheKey([7; 32]).scoped(&CacheScope::Tenant("acme".into()));
        assert_eq!(job.result_key().unwrap(), scoped);
        let unscoped = Job { scope: None, ..job };
        assert_eq!(unscoped.result_key().unwrap(), CacheKey([7; 32]));
    }

    #[test]
    fn bad_jobs_are_refused_with_the_reason() {
        assert!(matches!(Job::decode(b"{"), Err(JobError::Decode(_))));
        let mut other = job();
        other.version = 99;
        assert_eq!(
            Job::decode(&other.encode()),
            Err(JobError::Version { found: 99 })
        );
        let mut bad_key = job();
        bad_key.key = "zz".into();
        assert_eq!(
            Job::decode(&bad_key.encode()),
            Err(JobError::Key("zz".into()))
        );
        // A program with an unsafe path does not decode (Program's own checks).
        let text = String::from_utf8(job().encode())
            .unwrap()
            .replace("main.py", "../x.py");
        assert!(matches!(
            Job::decode(text.as_bytes()),
            Err(JobError::Decode(_))
        ));
    }

    #[test]
    fn the_queue_token_is_the_tenant_or_the_host() {
        assert_eq!(job().queue_token(), "acme");
        assert_eq!(
            Job {
                tenant: None,
                ..job()
            }
            .queue_token(),
            HOST_TOKEN
        );
    }
}
