//! `selfheal serve`: the HTTP/JSON service over the library (`docs/service.md`).
//!
//! - `config`: the TOML file (tenants, hashed keys, limits) or the embedded defaults.
//! - `auth`: keys and their hashes.
//! - `exec`: the work routes' requests, checked at the door, and how each job runs on its
//!   tenant's engine (its own validator, cache and learner).
//! - `jobs`: job records and events persisted in the data dir; recovery after a crash.
//! - `scheduler`: the fair scheduler across tenants.
//! - `service`: the job life cycle (accept, start, finish, cancel, drain).
//! - `http`: routes, authentication, limits, the audit log; `metrics`; `openapi`.
//!
//! [`serve`] runs the whole: it binds, resumes unfinished jobs, serves until SIGTERM or SIGINT,
//! drains, and returns. SIGHUP reloads the configuration file.

pub mod auth;
pub mod config;
pub mod exec;
pub mod http;
pub mod jobs;
pub mod metrics;
pub mod openapi;
pub mod scheduler;
pub mod service;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::signal::unix::{signal, SignalKind};

use crate::validate::ValidatorConfig;
use config::{ConfigError, ServeConfig};

/// How to start the service.
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    /// The configuration file; `None`: the embedded defaults (loopback, one tenant `local`
    /// with a development key kept in `<data_dir>/serve/dev-key`).
    pub config: Option<PathBuf>,
    /// Overrides the file's `listen`.
    pub listen: Option<SocketAddr>,
    /// The data dir when the file names none (default [`crate::dirs::default_data_dir`]).
    pub data_dir: Option<PathBuf>,
    /// Toolchains and their cache dir, as for every command.
    pub validator: ValidatorConfig,
}

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(
        "the embedded defaults (a development key, no configuration file) listen on loopback only; \
         to listen on {0}, write a configuration file with tenants and hashed keys (docs/service.md) \
         and pass --config"
    )]
    NotLoopback(SocketAddr),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Tenant(#[from] crate::tenant::TenantError),
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> ServeError {
    let what = what.into();
    move |source| ServeError::Io { what, source }
}

/// The development key of the embedded defaults: read from `<data_dir>/serve/dev-key`, or made
/// and written there (mode 0600) on first start.
///
/// # Errors
/// The file cannot be read or written.
pub fn dev_key(data_dir: &Path) -> std::io::Result<String> {
    let path = data_dir.join("serve").join("dev-key");
    match std::fs::read_to_string(&path) {
        Ok(key) if key.trim().starts_with(auth::KEY_PREFIX) => return Ok(key.trim().to_string()),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let key = auth::generate_key();
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .mode(0o600)
        .open(&path)?;
    file.write_all(format!("{key}\n").as_bytes())?;
    Ok(key)
}

/// The configuration `options` describe (and, for the embedded defaults, the dev key).
///
/// # Errors
/// A configuration file that does not load, or a non-loopback `listen` with the defaults.
pub fn load_config(options: &ServeOptions) -> Result<(ServeConfig, Option<String>), ServeError> {
    let data_dir = options
        .data_dir
        .clone()
        .unwrap_or_else(crate::dirs::default_data_dir);
    let (mut config, key) = match &options.config {
        Some(path) => (ServeConfig::load(path, &data_dir)?, None),
        None => {
            let key = dev_key(&data_dir).map_err(io(format!(
                "cannot keep the development key in {}",
                data_dir.join("serve").display()
            )))?;
            (
                ServeConfig::embedded(data_dir, auth::hash_key(&key)),
                Some(key),
            )
        }
    };
    if let Some(listen) = options.listen {
        config.listen = listen;
    }
    if config.path.is_none() && !config.listen.ip().is_loopback() {
        return Err(ServeError::NotLoopback(config.listen));
    }
    Ok((config, key))
}

/// Runs the service until SIGTERM or SIGINT, then drains (no new jobs; accepted ones finish
/// within `drain_timeout`; those still unfinished are resumed at the next start) and returns.
/// Prints `selfheal serve: listening on http://ADDR` on stderr once it takes requests.
///
/// # Errors
/// The configuration, the data dir or the address is unusable.
pub async fn serve(options: ServeOptions) -> Result<(), ServeError> {
    let (config, dev_key) = load_config(&options)?;
    let audit = http::Audit::open(config.audit_log.as_deref()).map_err(io(format!(
        "cannot open the audit log {}",
        config
            .audit_log
            .as_deref()
            .map_or("(stderr)".into(), |p| p.display().to_string())
    )))?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| ServeError::Bind {
            addr: config.listen,
            source,
        })?;
    let addr = listener
        .local_addr()
        .map_err(io("cannot read the bound address"))?;
    let config_path = config.path.clone();
    let tenants = config.tenants.len();
    let data_dir = config.data_dir.clone();
    let drain_timeout = config.drain_timeout;
    let host = crate::tenant::HostConfig {
        limits: config.host.clone(),
        data_dir: Some(data_dir.clone()),
        validator: Some(options.validator.clone()),
        global_prior: config.global_prior.clone(),
        plugin_cache_dir: None,
        cache_memory_bytes: config.cache_memory_bytes,
    };
    let specs = config
        .tenants
        .iter()
        .map(|t| Ok((t.spec()?, t.executor.clone())))
        .collect::<Result<Vec<_>, crate::tenant::TenantError>>()?;
    // Opening databases and validators blocks (sandbox check, support files).
    let runtime = tokio::runtime::Handle::current();
    let registry = tokio::task::spawn_blocking(move || {
        let registry = crate::tenant::TenantRegistry::open(host)?;
        for (spec, executor) in specs {
            let tenant = runtime.block_on(executor.add_tenant(&registry, spec))?;
            for c in tenant.clamped() {
                eprintln!("selfheal serve: tenant {}: {c}", tenant.id());
            }
        }
        Ok::<_, crate::tenant::TenantError>(registry)
    })
    .await
    .map_err(|e| ServeError::Io {
        what: "setting up the tenants".into(),
        source: std::io::Error::other(e.to_string()),
    })??;
    let service = service::Service::new(config, Arc::new(registry)).map_err(io(format!(
        "cannot open the jobs in {}",
        data_dir.display()
    )))?;
    let (resumed, failed) = service
        .start()
        .await
        .map_err(io("cannot read the jobs directory"))?;
    if resumed + failed > 0 {
        eprintln!(
            "selfheal serve: resumed {resumed} unfinished job(s); marked {failed} failed (started too often)"
        );
    }
    let (shutdown_tx, shutdown_rx) = tokio::sync::watch::channel(false);
    let app = http::app(http::AppState {
        service: service.clone(),
        audit: Arc::new(audit),
        shutdown: shutdown_rx,
    });

    let mut terminate = signal(SignalKind::terminate()).map_err(io("cannot listen for SIGTERM"))?;
    let mut interrupt = signal(SignalKind::interrupt()).map_err(io("cannot listen for SIGINT"))?;
    let mut hangup = signal(SignalKind::hangup()).map_err(io("cannot listen for SIGHUP"))?;

    if let Some(key) = &dev_key {
        eprintln!(
            "selfheal serve: no --config: one tenant `{}`; its development key (also in {}):\n  {key}",
            config::LOCAL_TENANT,
            data_dir.join("serve").join("dev-key").display()
        );
    }
    eprintln!(
        "selfheal serve: listening on http://{addr} ({tenants} tenant{}; data dir {})",
        if tenants == 1 { "" } else { "s" },
        data_dir.display()
    );

    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stop_rx.await;
            })
            .await
    });

    let signal_name = loop {
        tokio::select! {
            _ = terminate.recv() => break "SIGTERM",
            _ = interrupt.recv() => break "SIGINT",
            _ = hangup.recv() => match &config_path {
                Some(path) => match ServeConfig::load(path, &data_dir) {
                    Ok(new) => {
                        let n = new.tenants.len();
                        let problems = service.reload(new).await;
                        for p in &problems {
                            eprintln!("selfheal serve: SIGHUP: {p}; it refuses work until a reload sets it up");
                        }
                        eprintln!("selfheal serve: SIGHUP: reloaded {} ({n} tenant{})", path.display(), if n == 1 { "" } else { "s" });
                    }
                    Err(e) => eprintln!("selfheal serve: SIGHUP: kept the running configuration: {e}"),
                },
                None => eprintln!("selfheal serve: SIGHUP: no configuration file to reload"),
            },
        }
    };
    let unfinished = service.unfinished();
    eprintln!(
        "selfheal serve: {signal_name}: draining: no new jobs; waiting up to {:.0} s for {unfinished} accepted job(s)",
        drain_timeout.as_secs_f64()
    );
    let left = tokio::select! {
        left = service.drain(drain_timeout) => left,
        _ = terminate.recv() => service.drain(std::time::Duration::ZERO).await,
        _ = interrupt.recv() => service.drain(std::time::Duration::ZERO).await,
    };
    if left > 0 {
        eprintln!(
            "selfheal serve: {left} job(s) unfinished at the deadline; they resume at the next start"
        );
    }
    let _ = shutdown_tx.send(true);
    let _ = stop_tx.send(());
    // Connections still open get a moment to finish their answers.
    match tokio::time::timeout(std::time::Duration::from_secs(5), server).await {
        Ok(Ok(Err(e))) => eprintln!("selfheal serve: server error: {e}"),
        Ok(Err(e)) => eprintln!("selfheal serve: server task failed: {e}"),
        _ => {}
    }
    eprintln!("selfheal serve: stopped");
    Ok(())
}
