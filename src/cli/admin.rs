//! `selfheal doctor`, `setup` and `cache`.

use std::path::PathBuf;

use clap::Args;
use selfheal::settings::{cache_config, setup, CacheAction, DoctorReport};
use selfheal::TargetLanguage;

use super::{out, Exit, GlobalArgs, UsageError};

#[derive(Args)]
pub struct SetupArgs {
    /// Only these languages (default: all whose toolchain is installed).
    #[arg(long, value_delimiter = ',')]
    lang: Vec<TargetLanguage>,
}

#[derive(Args)]
pub struct CacheCommand {
    #[command(subcommand)]
    action: CacheAction,
    /// The data dir holding the cache (default: $XDG_DATA_HOME/selfheal).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// The bound `gc` evicts down to.
    #[arg(long, global = true, value_name = "BYTES", default_value_t = selfheal::cache::DEFAULT_MAX_BYTES)]
    cache_max_bytes: u64,
}

pub async fn doctor(global: &GlobalArgs) -> Exit {
    let report = DoctorReport::gather(&global.dirs).await?;
    global.print(&report, DoctorReport::render)?;
    Ok(if report.ready() { 0 } else { 1 })
}

pub async fn setup_command(global: &GlobalArgs, args: SetupArgs) -> Exit {
    let validator = global.dirs.validator()?;
    let each = |line: &_| out(&format!("{line}\n")).map_err(UsageError::from);
    Ok(u8::from(!setup(&validator, &args.lang, each).await?))
}

pub fn cache(global: &GlobalArgs, args: CacheCommand) -> Exit {
    let config = cache_config(args.data_dir.as_deref(), args.cache_max_bytes);
    let outcome = args.action.run(&config)?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    let now = now.map_or(0, |d| d.as_secs());
    global.print(&outcome, |o| o.render(&config.path, now))?;
    Ok(0)
}
