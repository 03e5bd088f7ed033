//! `selfheal worker`: run validation jobs from a NATS JetStream queue (docs/scale.md).

use std::sync::Arc;

use clap::Args;
use selfheal::executor::{Topology, Worker, WorkerConfig};

use super::{Exit, GlobalArgs};

#[derive(Args)]
pub struct WorkerArgs {
    /// The NATS server (with JetStream), e.g. nats://queue.internal:4222.
    #[arg(long, value_name = "URL")]
    nats: String,
    /// Jobs at the same time (default: the number of CPUs).
    #[arg(long, value_name = "N")]
    concurrency: Option<usize>,
    /// Seconds before a job whose worker went silent is delivered again.
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    ack_wait: f64,
    /// Deliveries before a failing job goes to the dead-letter subject.
    #[arg(long, value_name = "N", default_value_t = 5)]
    max_deliver: u32,
    /// Jobs one tenant may have waiting or running on the fleet.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pending_per_tenant: u64,
}

pub async fn worker(global: &GlobalArgs, args: WorkerArgs) -> Exit {
    let defaults = WorkerConfig::default();
    let config = WorkerConfig {
        concurrency: args.concurrency.unwrap_or(defaults.concurrency),
        topology: Topology {
            ack_wait: selfheal::settings::timeout(args.ack_wait)?,
            max_deliver: args.max_deliver,
            pending_per_tenant: args.pending_per_tenant,
            ..Topology::default()
        },
        ..defaults
    };
    let worker = Worker::connect(&args.nats, global.dirs.validator_config(), config).await?;
    eprintln!("selfheal worker {} on {}", worker.id(), args.nats);
    let status = Arc::new(worker)
        .run(selfheal::executor::until_signal())
        .await?;
    global.print(&status, |s| {
        format!(
            "drained: {} executed, {} already stored, {} mismatched, {} failed, {} dead-lettered\n",
            s.executed, s.already_stored, s.mismatched, s.failed, s.dead_lettered
        )
    })
}
