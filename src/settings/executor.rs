//! Where validations run (`--executor`), and how a `selfheal worker` runs (docs/scale.md).

use std::sync::Arc;

use crate::executor::{until_signal, ExecutorSpec, Topology, Worker, WorkerConfig, WorkerStatus};
use crate::heal::Checker;
use crate::validate::Validator;

use super::{message, Dirs, SettingsError};

/// `--executor URL` of `check`, `heal` and `eval`: `local` (the default, this machine's
/// sandboxes) or `nats://HOST:PORT` (the workers of a NATS JetStream queue).
///
/// ```
/// use selfheal::executor::ExecutorSpec;
/// use selfheal::settings::ExecutorSettings;
/// assert_eq!(ExecutorSettings::default().executor, ExecutorSpec::InProcess);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
pub struct ExecutorSettings {
    /// Where validations run: `local` (this machine's sandboxes) or `nats://HOST:PORT` (the
    /// `selfheal worker`s of a NATS server with JetStream; see docs/scale.md).
    #[arg(long, value_name = "URL", default_value = "local")]
    pub executor: ExecutorSpec,
}

impl ExecutorSettings {
    /// The checker that validates: `validator` itself, or the remote executor planning with it.
    ///
    /// # Errors
    /// The NATS server cannot be reached (the message names `--executor` and the URL).
    pub async fn checker(&self, validator: Validator) -> Result<Arc<dyn Checker>, SettingsError> {
        (self.executor.checker(validator).await).map_err(|e| self.error(e))
    }

    /// An executor error as an `--executor` error.
    pub(super) fn error(&self, e: impl std::fmt::Display) -> SettingsError {
        SettingsError(format!("--executor {}: {e}", self.executor))
    }
}

/// The options of `selfheal worker`: the NATS server, the capacity and the queue's delivery
/// settings. Defaults: a job per CPU, 30 s ack wait, 5 deliveries, 1000 pending per tenant.
#[derive(Debug, Clone, PartialEq, clap::Args)]
pub struct WorkerSettings {
    /// The NATS server (with JetStream), e.g. nats://queue.internal:4222.
    #[arg(long, value_name = "URL")]
    pub nats: String,
    /// Jobs at the same time (default: the number of CPUs).
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,
    /// Seconds before a job whose worker went silent is delivered again.
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    pub ack_wait: f64,
    /// Deliveries before a failing job goes to the dead-letter subject.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub max_deliver: u32,
    /// Jobs one tenant may have waiting or running on the fleet.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub pending_per_tenant: u64,
}

impl WorkerSettings {
    /// The worker configuration these options give (other fields at their defaults).
    ///
    /// # Errors
    /// A `--concurrency` or `--max-deliver` of 0, or an `--ack-wait` that is not a positive
    /// number of seconds.
    pub fn config(&self) -> Result<WorkerConfig, SettingsError> {
        let defaults = WorkerConfig::default();
        let concurrency = self.concurrency.unwrap_or(defaults.concurrency);
        if concurrency == 0 {
            return Err(SettingsError("--concurrency 0: give at least 1".into()));
        }
        if self.max_deliver == 0 {
            return Err(SettingsError("--max-deliver 0: give at least 1".into()));
        }
        let ack_wait = super::timeout(self.ack_wait).map_err(|_| {
            SettingsError(format!(
                "--ack-wait {}: give a positive number of seconds",
                self.ack_wait
            ))
        })?;
        let topology = Topology {
            ack_wait,
            max_deliver: self.max_deliver,
            pending_per_tenant: self.pending_per_tenant,
            ..Topology::default()
        };
        Ok(WorkerConfig {
            concurrency,
            topology,
            ..defaults
        })
    }

    /// Connects, says so on stderr (`selfheal worker ID on URL`), runs jobs until SIGINT or
    /// SIGTERM, drains, and returns the final counters.
    ///
    /// # Errors
    /// As [`WorkerSettings::config`], and a server that cannot be reached or refuses the
    /// queue's set-up.
    pub async fn run(&self, dirs: &Dirs) -> Result<WorkerStatus, SettingsError> {
        let config = self.config()?;
        let worker = (Worker::connect(&self.nats, dirs.validator_config(), config).await)
            .map_err(message)?;
        crate::terminal::eprint_escaped(&format!(
            "selfheal worker {} on {}\n",
            worker.id(),
            self.nats
        ));
        Arc::new(worker).run(until_signal()).await.map_err(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        worker: WorkerSettings,
        #[command(flatten)]
        executor: ExecutorSettings,
    }

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(["t", "--nats", "nats://q:4222"].iter().chain(args))
    }

    #[test]
    fn worker_options_become_its_config() {
        let config = parse(&[
            "--concurrency",
            "3",
            "--ack-wait",
            "2.5",
            "--max-deliver",
            "4",
        ])
        .unwrap()
        .worker
        .config()
        .unwrap();
        assert_eq!(config.concurrency, 3);
        assert_eq!(config.topology.ack_wait.as_millis(), 2500);
        assert_eq!(config.topology.max_deliver, 4);
        assert_eq!(config.topology.pending_per_tenant, 1000);
    }

    #[test]
    fn unusable_worker_options_name_the_option() {
        for (args, option) in [
            (&["--concurrency", "0"][..], "--concurrency 0"),
            (&["--max-deliver", "0"][..], "--max-deliver 0"),
            (&["--ack-wait", "0"][..], "--ack-wait 0"),
            (&["--ack-wait", "nan"][..], "--ack-wait NaN"),
        ] {
            let error = parse(args).unwrap().worker.config().unwrap_err();
            assert!(error.0.starts_with(option), "{args:?}: {error}");
        }
    }

    #[test]
    fn executor_defaults_to_local_and_parses_a_nats_url() {
        assert_eq!(
            parse(&[]).unwrap().executor.executor,
            ExecutorSpec::InProcess
        );
        let remote = parse(&["--executor", "nats://127.0.0.1:4222"]).unwrap();
        let url = "nats://127.0.0.1:4222".to_string();
        assert_eq!(remote.executor.executor, ExecutorSpec::Nats(url));
        let error = parse(&["--executor", "http://x"])
            .err()
            .unwrap()
            .to_string();
        assert!(
            error.contains("use `local` or `nats://HOST:PORT`"),
            "{error}"
        );
    }
}
