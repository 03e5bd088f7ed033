//! The service's configuration: a TOML file (`docs/service.md`), or the embedded defaults.
//!
//! ```toml
//! listen = "127.0.0.1:8080"
//! data_dir = "/var/lib/selfheal"
//!
//! [[tenants]]
//! id = "acme"
//! keys = ["blake3:5d41…"]          # `selfheal serve hash-key` makes them
//! [tenants.limits]
//! requests_per_minute = 600
//! ```
//!
//! Keys are stored only as hashes; the service hashes what a client presents and looks the hash
//! up. The file is read at start and again on SIGHUP (tenants, keys and limits change without a
//! restart; the listen address and the data dir only at the next start).

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::auth::{KeyHash, KeyHashError};
use crate::executor::ExecutorSpec;
use crate::tenant::{CacheMode, HostLimits, TenantId, TenantLimits, TenantSpec};

/// Where the service listens without a configuration file or `--listen`: loopback only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// Largest request body accepted by default, in bytes (a program's own limit is 8 MiB).
pub const DEFAULT_MAX_BODY_BYTES: usize = 10 << 20;
/// How long a request waits for its job before answering `202` with the job's id, by default.
pub const DEFAULT_SYNC_WAIT: Duration = Duration::from_secs(10);
/// The longest wait a request may ask for with `wait_ms`.
pub const MAX_SYNC_WAIT: Duration = Duration::from_secs(60);
/// How long SIGTERM waits for accepted jobs before the service exits anyway, by default.
pub const DEFAULT_DRAIN_TIMEOUT: Duration = Duration::from_secs(30);
/// Jobs running at once across all tenants, by default.
pub const DEFAULT_WORKERS: usize = 4;
/// How many times a job is started (the first run and the runs after crashes) before a restart
/// marks it failed instead of running it again, by default.
pub const DEFAULT_MAX_JOB_ATTEMPTS: u32 = 3;
/// How long finished jobs are kept, by default.
pub const DEFAULT_JOB_RETENTION: Duration = Duration::from_secs(24 * 3600);
/// The id of the tenant the embedded defaults create.
pub const LOCAL_TENANT: &str = "local";

/// Why a configuration was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// The limits of one tenant that the service itself enforces (`[tenants.service]`); the
/// library's limits (sandboxes, queued jobs, CPU per minute, program size, run time and memory)
/// are `[tenants.limits]` ([`crate::tenant::TenantLimits`], `docs/tenants.md`). Every refusal
/// names the limit and its value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServiceLimits {
    /// Work requests (`POST /v1/…`) per minute; over it: 429 with `Retry-After` until the
    /// next request is allowed. Default 600.
    pub requests_per_minute: u32,
    /// Jobs of this tenant running at once (each may run several sandboxes, within the
    /// tenant's `max_concurrent_sandboxes`). Default 2.
    pub max_running_jobs: usize,
    /// The longest wall-clock budget a heal, generate or eval job may have, in seconds; a
    /// request asking more is refused (422), one asking nothing gets this. Default 300.
    pub max_job_seconds: f64,
    /// Most cases in one `/v1/eval` request (413 over it). Default 200.
    pub max_eval_cases: usize,
}

impl Default for ServiceLimits {
    fn default() -> Self {
        ServiceLimits {
            requests_per_minute: 600,
            max_running_jobs: 2,
            max_job_seconds: 300.0,
            max_eval_cases: 200,
        }
    }
}

/// One tenant as written in the file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTenant {
    id: String,
    /// `blake3:<64 hex digits>` hashes of the tenant's keys.
    #[serde(default)]
    keys: Vec<String>,
    /// Routes the tenant may call (`check`, `run`, `heal`, `generate`, `eval`); default all.
    #[serde(default)]
    routes: Option<Vec<String>>,
    #[serde(default)]
    limits: TenantLimits,
    #[serde(default)]
    service: ServiceLimits,
    /// `"private"` (default), `"off"`, or `{ shared = "NAME" }`.
    #[serde(default)]
    cache: CacheMode,
    /// Bound on the tenant's cache scope in stored bytes (default 64 MiB).
    cache_max_bytes: Option<u64>,
    /// Directories of the tenant's own plugins.
    #[serde(default)]
    plugins: Vec<PathBuf>,
    /// Start the tenant's learner from the host's global prior (default true).
    #[serde(default = "yes")]
    global_prior: bool,
    /// Where the tenant's validations run (`"local"` or `"nats://HOST:PORT"`); default the
    /// service's `executor`.
    executor: Option<String>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    listen: Option<String>,
    data_dir: Option<PathBuf>,
    max_body_bytes: Option<usize>,
    sync_wait_ms: Option<u64>,
    drain_timeout_secs: Option<f64>,
    workers: Option<usize>,
    max_job_attempts: Option<u32>,
    job_retention_secs: Option<u64>,
    /// `-` for stderr, else a file (default `<data_dir>/serve/audit.log`).
    audit_log: Option<PathBuf>,
    /// The host's limits: every tenant's ceiling and the sandboxes shared among tenants.
    #[serde(default)]
    host: HostLimits,
    /// A data dir whose learner is every tenant's read-only prior.
    global_prior: Option<PathBuf>,
    /// The most memory the tenants' cache database keeps of its pages (default 64 MiB).
    cache_memory_bytes: Option<u64>,
    #[serde(default)]
    tenants: Vec<RawTenant>,
    /// Where validations run: `"local"` (default, this host's sandboxes) or
    /// `"nats://HOST:PORT"` (workers behind a NATS server, docs/scale.md).
    executor: Option<String>,
}

/// The routes that start work, as named in a tenant's `routes`.
pub const WORK_ROUTES: [&str; 5] = ["check", "run", "heal", "generate", "eval"];

/// One tenant: its id, the hashes of its keys, the routes it may call, its limits, its
/// cache mode and plugins.
#[derive(Debug, Clone, PartialEq)]
pub struct TenantConfig {
    pub id: String,
    pub keys: Vec<KeyHash>,
    /// The work routes this tenant may call (`check`, `run`, …).
    pub routes: BTreeSet<String>,
    /// The library's limits (clamped to the host's when the tenant is set up).
    pub limits: TenantLimits,
    /// The service's own limits.
    pub service: ServiceLimits,
    pub cache: CacheMode,
    /// Bound on the tenant's cache scope, in stored bytes (least recently used evicted).
    pub cache_max_bytes: u64,
    pub plugins: Vec<PathBuf>,
    pub global_prior: bool,
    /// Where its validations run: the tenant's `executor`, else the service's, else local.
    pub executor: ExecutorSpec,
}

impl TenantConfig {
    /// The library's description of this tenant.
    ///
    /// # Errors
    /// The id is not a valid tenant id.
    pub fn spec(&self) -> Result<TenantSpec, crate::tenant::TenantError> {
        let mut spec = TenantSpec::new(TenantId::new(self.id.clone())?)
            .limits(self.limits.clone())
            .cache(self.cache.clone())
            .global_prior(self.global_prior);
        spec.cache_max_bytes = self.cache_max_bytes;
        for dir in &self.plugins {
            spec = spec.plugins_dir(dir);
        }
        Ok(spec)
    }

    /// Whether the library's tenant must be set up again for `other` (anything but keys,
    /// routes and service limits changed).
    pub fn same_tenant(&self, other: &TenantConfig) -> bool {
        self.limits == other.limits
            && self.cache == other.cache
            && self.cache_max_bytes == other.cache_max_bytes
            && self.plugins == other.plugins
            && self.global_prior == other.global_prior
            && self.executor == other.executor
    }
}

/// The whole configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct ServeConfig {
    /// The file it was read from (`None`: the embedded defaults).
    pub path: Option<PathBuf>,
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub max_body_bytes: usize,
    pub sync_wait: Duration,
    pub drain_timeout: Duration,
    pub workers: usize,
    pub max_job_attempts: u32,
    pub job_retention: Duration,
    /// `None`: stderr.
    pub audit_log: Option<PathBuf>,
    pub host: HostLimits,
    pub global_prior: Option<PathBuf>,
    /// The most memory the tenants' cache database keeps of its pages
    /// ([`crate::tenant::HostConfig::cache_memory_bytes`]).
    pub cache_memory_bytes: u64,
    pub tenants: Vec<TenantConfig>,
}

impl ServeConfig {
    /// The embedded defaults: loopback, the default data dir, one tenant `local` whose key is
    /// `dev_key`'s hash.
    pub fn embedded(data_dir: PathBuf, dev_key: KeyHash) -> ServeConfig {
        let audit = data_dir.join("serve").join("audit.log");
        ServeConfig {
            path: None,
            listen: DEFAULT_LISTEN
                .parse()
                .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 8080))),
            data_dir,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            sync_wait: DEFAULT_SYNC_WAIT,
            drain_timeout: DEFAULT_DRAIN_TIMEOUT,
            workers: DEFAULT_WORKERS,
            max_job_attempts: DEFAULT_MAX_JOB_ATTEMPTS,
            job_retention: DEFAULT_JOB_RETENTION,
            audit_log: Some(audit),
            host: HostLimits::default(),
            global_prior: None,
            cache_memory_bytes: crate::cache::DEFAULT_PAGE_CACHE_BYTES,
            tenants: vec![TenantConfig {
                id: LOCAL_TENANT.into(),
                keys: vec![dev_key],
                routes: WORK_ROUTES.iter().map(|r| r.to_string()).collect(),
                limits: TenantLimits::default(),
                service: ServiceLimits::default(),
                cache: CacheMode::Private,
                cache_max_bytes: crate::tenant::DEFAULT_TENANT_CACHE_BYTES,
                plugins: Vec::new(),
                global_prior: true,
                executor: ExecutorSpec::InProcess,
            }],
        }
    }

    /// Reads and checks a configuration file. `default_data_dir` is used when the file names
    /// none.
    ///
    /// # Errors
    /// The file cannot be read, is not TOML of this shape, or breaks a rule (a duplicate
    /// tenant id or key, a malformed key hash, an unknown route, a zero limit); the message
    /// names the file and the field.
    pub fn load(path: &Path, default_data_dir: &Path) -> Result<ServeConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, path, default_data_dir)
    }

    /// As [`load`](Self::load), from text already read.
    ///
    /// # Errors
    /// As [`load`](Self::load).
    pub fn parse(
        text: &str,
        path: &Path,
        default_data_dir: &Path,
    ) -> Result<ServeConfig, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let invalid = |message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let listen_text = raw.listen.as_deref().unwrap_or(DEFAULT_LISTEN);
        let listen: SocketAddr = listen_text.parse().map_err(|e| {
            invalid(format!(
                "listen = {listen_text:?}: {e}; give an address and port, e.g. \"127.0.0.1:8080\""
            ))
        })?;
        let data_dir = raw
            .data_dir
            .unwrap_or_else(|| default_data_dir.to_path_buf());
        let positive = |name: &str, value: Option<usize>, default: usize| match value {
            Some(0) => Err(invalid(format!("{name} = 0: give at least 1"))),
            Some(n) => Ok(n),
            None => Ok(default),
        };
        let max_body_bytes =
            positive("max_body_bytes", raw.max_body_bytes, DEFAULT_MAX_BODY_BYTES)?;
        let workers = positive("workers", raw.workers, DEFAULT_WORKERS)?;
        let max_job_attempts = positive(
            "max_job_attempts",
            raw.max_job_attempts.map(|n| n as usize),
            DEFAULT_MAX_JOB_ATTEMPTS as usize,
        )? as u32;
        let sync_wait = raw
            .sync_wait_ms
            .map_or(DEFAULT_SYNC_WAIT, Duration::from_millis);
        if sync_wait > MAX_SYNC_WAIT {
            return Err(invalid(format!(
                "sync_wait_ms = {}: at most {} ms",
                sync_wait.as_millis(),
                MAX_SYNC_WAIT.as_millis()
            )));
        }
        let drain_timeout = match raw.drain_timeout_secs {
            None => DEFAULT_DRAIN_TIMEOUT,
            Some(s) => Duration::try_from_secs_f64(s).map_err(|_| {
                invalid(format!(
                    "drain_timeout_secs = {s}: give a non-negative number of seconds"
                ))
            })?,
        };
        let job_retention = raw
            .job_retention_secs
            .map_or(DEFAULT_JOB_RETENTION, Duration::from_secs);
        let audit_log = match raw.audit_log {
            Some(p) if p.as_os_str() == "-" => None,
            Some(p) => Some(p),
            None => Some(data_dir.join("serve").join("audit.log")),
        };
        raw.host
            .check()
            .map_err(|e| invalid(format!("host: {e}")))?;
        if raw.tenants.is_empty() {
            return Err(invalid(
                "no [[tenants]]: add at least one tenant with a key (`selfheal serve hash-key` makes one)".into(),
            ));
        }
        let positive_bytes = |name: &str, value: Option<u64>, default: u64| match value {
            Some(0) => Err(invalid(format!("{name} = 0: give at least 1"))),
            Some(n) => Ok(n),
            None => Ok(default),
        };
        let cache_memory_bytes = positive_bytes(
            "cache_memory_bytes",
            raw.cache_memory_bytes,
            crate::cache::DEFAULT_PAGE_CACHE_BYTES,
        )?;
        let executor = |field: &str, text: Option<&String>, default: &ExecutorSpec| match text {
            None => Ok(default.clone()),
            Some(text) => text
                .parse::<ExecutorSpec>()
                .map_err(|e| invalid(format!("{field}: {e}"))),
        };
        let service_executor =
            executor("executor", raw.executor.as_ref(), &ExecutorSpec::InProcess)?;
        let mut ids = BTreeSet::new();
        let mut all_keys = BTreeMap::new();
        let mut tenants = Vec::new();
        for t in raw.tenants {
            check_tenant_id(&t.id).map_err(|m| invalid(format!("tenant {:?}: {m}", t.id)))?;
            if !ids.insert(t.id.clone()) {
                return Err(invalid(format!("tenant {:?} is defined twice", t.id)));
            }
            let mut keys = Vec::new();
            for k in &t.keys {
                let hash: KeyHash = k
                    .parse()
                    .map_err(|e: KeyHashError| invalid(format!("tenant {:?}: keys: {e}", t.id)))?;
                if let Some(other) = all_keys.insert(hash.clone(), t.id.clone()) {
                    return Err(invalid(format!(
                        "tenant {:?}: a key hash is also tenant {other:?}'s; every key belongs to one tenant",
                        t.id
                    )));
                }
                keys.push(hash);
            }
            let routes: BTreeSet<String> = match t.routes {
                None => WORK_ROUTES.iter().map(|r| r.to_string()).collect(),
                Some(list) => {
                    for r in &list {
                        if !WORK_ROUTES.contains(&r.as_str()) {
                            return Err(invalid(format!(
                                "tenant {:?}: routes: unknown route {r:?}; known: {}",
                                t.id,
                                WORK_ROUTES.join(", ")
                            )));
                        }
                    }
                    list.into_iter().collect()
                }
            };
            t.limits
                .check()
                .map_err(|e| invalid(format!("tenant {:?}: limits: {e}", t.id)))?;
            check_service(&t.service)
                .map_err(|m| invalid(format!("tenant {:?}: service.{m}", t.id)))?;
            let cache_max_bytes = positive_bytes(
                &format!("tenant {:?}: cache_max_bytes", t.id),
                t.cache_max_bytes,
                crate::tenant::DEFAULT_TENANT_CACHE_BYTES,
            )?;
            let tenant_executor = executor(
                &format!("tenant {:?}: executor", t.id),
                t.executor.as_ref(),
                &service_executor,
            )?;
            tenants.push(TenantConfig {
                id: t.id,
                keys,
                routes,
                limits: t.limits,
                service: t.service,
                cache: t.cache,
                cache_max_bytes,
                plugins: t.plugins,
                global_prior: t.global_prior,
                executor: tenant_executor,
            });
        }
        Ok(ServeConfig {
            path: Some(path.to_path_buf()),
            listen,
            data_dir,
            max_body_bytes,
            sync_wait,
            drain_timeout,
            workers,
            max_job_attempts,
            job_retention,
            audit_log,
            host: raw.host,
            global_prior: raw.global_prior,
            cache_memory_bytes,
            tenants,
        })
    }
}

/// Tenant ids become directory names and metric labels: short, lowercase ASCII.
fn check_tenant_id(id: &str) -> Result<(), String> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        && !id.starts_with(['-', '_']);
    if ok {
        Ok(())
    } else {
        Err(
            "an id is 1 to 64 characters of a-z, 0-9, `-` and `_`, starting with a letter or digit"
                .into(),
        )
    }
}

fn check_service(l: &ServiceLimits) -> Result<(), String> {
    let zero = |name: &str| Err(format!("{name} = 0: give at least 1"));
    if l.requests_per_minute == 0 {
        return zero("requests_per_minute");
    }
    if l.max_running_jobs == 0 {
        return zero("max_running_jobs");
    }
    if l.max_eval_cases == 0 {
        return zero("max_eval_cases");
    }
    if !(l.max_job_seconds.is_finite() && l.max_job_seconds > 0.0) {
        return Err(format!(
            "max_job_seconds = {}: give a positive number of seconds",
            l.max_job_seconds
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ServeConfig, ConfigError> {
        ServeConfig::parse(text, Path::new("serve.toml"), Path::new("/data"))
    }

    const HASH: &str = "blake3:0000000000000000000000000000000000000000000000000000000000000001";

    #[test]
    fn a_minimal_file_gets_the_defaults() {
        let c = parse(&format!(
            "[[tenants]]\nid = \"acme\"\nkeys = [\"{HASH}\"]\n"
        ))
        .unwrap();
        assert_eq!(c.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(c.data_dir, PathBuf::from("/data"));
        assert_eq!(c.tenants[0].limits, TenantLimits::default());
        assert_eq!(c.tenants[0].service, ServiceLimits::default());
        assert_eq!(c.tenants[0].cache, CacheMode::Private);
        assert_eq!(c.tenants[0].routes.len(), WORK_ROUTES.len());
        assert_eq!(
            c.audit_log.as_deref(),
            Some(Path::new("/data/serve/audit.log"))
        );
    }

    #[test]
    fn mistakes_are_named() {
        let two_with_one_key = format!(
            "[[tenants]]\nid = \"a\"\nkeys = [\"{HASH}\"]\n[[tenants]]\nid = \"b\"\nkeys = [\"{HASH}\"]\n"
        );
        // Each row: a configuration, and what its refusal names.
        let refused = [
            ("[[tenants]]\nid = \"Acme\"\n", "tenant \"Acme\": an id is"),
            (two_with_one_key.as_str(), "also tenant \"a\"'s"),
            ("[[tenants]]\nid = \"a\"\nkeys = [\"sha1:00\"]\n", "keys: "),
            (
                "[[tenants]]\nid = \"a\"\nroutes = [\"delete\"]\n",
                "unknown route \"delete\"",
            ),
            (
                "[[tenants]]\nid = \"a\"\n[tenants.service]\nmax_running_jobs = 0\n",
                "service.max_running_jobs = 0",
            ),
            ("", "no [[tenants]]"),
            ("lissen = \"x\"\n", "lissen"),
        ];
        for (text, names) in refused {
            let e = parse(text).unwrap_err().to_string();
            assert!(e.contains(names), "{text:?}: {e}");
        }
        let c = parse("[[tenants]]\nid = \"a\"\ncache = { shared = \"team\" }\n[tenants.limits]\nmax_queued_jobs = 3\n").unwrap();
        assert_eq!(c.tenants[0].cache, CacheMode::Shared("team".into()));
        assert_eq!(c.tenants[0].limits.max_queued_jobs, 3);
    }

    #[test]
    fn the_executor_is_the_tenants_else_the_services_else_local() {
        let two = format!(
            "[[tenants]]\nid = \"a\"\n[[tenants]]\nid = \"b\"\nexecutor = \"local\"\n\
             [[tenants]]\nid = \"c\"\nexecutor = \"nats://fleet:4222\"\nkeys = [\"{HASH}\"]\n"
        );
        let c = parse(&two).unwrap();
        let of = |c: &ServeConfig| {
            c.tenants
                .iter()
                .map(|t| t.executor.clone())
                .collect::<Vec<_>>()
        };
        let fleet = ExecutorSpec::Nats("nats://fleet:4222".into());
        assert_eq!(
            of(&c),
            [
                ExecutorSpec::InProcess,
                ExecutorSpec::InProcess,
                fleet.clone()
            ]
        );
        let c = parse(&format!("executor = \"nats://queue:4222\"\n{two}")).unwrap();
        let queue = ExecutorSpec::Nats("nats://queue:4222".into());
        assert_eq!(of(&c), [queue, ExecutorSpec::InProcess, fleet]);
        assert!(!c.tenants[0].same_tenant(&TenantConfig {
            executor: ExecutorSpec::InProcess,
            ..c.tenants[0].clone()
        }));
        let e = parse("executor = \"http://x\"\n[[tenants]]\nid = \"a\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("executor: unknown executor `http://x`"), "{e}");
        let e = parse("[[tenants]]\nid = \"a\"\nexecutor = \"nats://\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("tenant \"a\": executor: unknown executor"),
            "{e}"
        );
    }
}
