//! `selfheal worker`: run validation jobs from a NATS JetStream queue (docs/scale.md).

pub use selfheal::settings::WorkerSettings as WorkerArgs;

use super::{Exit, GlobalArgs};

pub async fn worker(global: &GlobalArgs, args: WorkerArgs) -> Exit {
    let status = args.run(&global.dirs).await?;
    global.print(&status, |s| format!("drained: {s}\n"))
}
