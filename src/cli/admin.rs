//! `selfheal doctor`, `setup` and `cache`.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use selfheal::cache::ValidationCache;
use selfheal::settings::{cache_config, DoctorReport};
use selfheal::TargetLanguage;

use super::render;
use super::{Exit, GlobalArgs, UsageError};

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

#[derive(Subcommand)]
enum CacheAction {
    /// Entries, bytes, hit rate (since the cache was created) and the oldest entry.
    Stats,
    /// Remove every entry.
    Clear,
    /// Drop corrupt entries and evict least recently used ones down to the bound.
    Gc,
}

pub async fn doctor(global: &GlobalArgs) -> Exit {
    let report = DoctorReport::gather(&global.dirs()).await?;
    render::either(global.format, &report, DoctorReport::render)?;
    Ok(if report.ready() { 0 } else { 1 })
}

pub async fn setup(global: &GlobalArgs, args: SetupArgs) -> Exit {
    let validator = global.dirs().validator()?;
    let languages = match args.lang.is_empty() {
        true => TargetLanguage::ALL.to_vec(),
        false => args.lang,
    };
    let mut failed = false;
    for language in languages {
        match validator.toolchain(language).await {
            Ok(tc) => {
                render::out(&format!("{language}: ready ({})\n", tc.version_line()))?;
                // The OpenTelemetry SDK for telemetry contracts (docs/telemetry.md).
                let env = validator.toolchain_env().clone();
                let sdk = tokio::task::spawn_blocking(move || {
                    selfheal::compliance::ensure_sdk(&tc, &env)
                })
                .await
                .map_err(|e| UsageError(e.to_string()))?;
                match sdk {
                    Ok(Some(dir)) => render::out(&format!(
                        "{language}: telemetry SDK ready ({})\n",
                        dir.display()
                    ))?,
                    Ok(None) => {}
                    Err(e) => {
                        failed = true;
                        render::out(&format!("{language}: telemetry SDK not ready: {e}\n"))?;
                    }
                }
            }
            Err(e) => {
                failed = true;
                render::out(&format!("{language}: not ready: {e}\n"))?;
            }
        }
    }
    Ok(u8::from(failed))
}

pub fn cache(global: &GlobalArgs, args: CacheCommand) -> Exit {
    let config = cache_config(args.data_dir.as_deref(), args.cache_max_bytes);
    let cache = ValidationCache::open(&config).map_err(|e| {
        UsageError(format!(
            "{e}; is another selfheal running? (retry when it ends)"
        ))
    })?;
    match args.action {
        CacheAction::Stats => render::either(global.format, &cache.stats(), |stats| {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            selfheal::render::cache_stats(&config.path, stats, now)
        })?,
        CacheAction::Clear => {
            let before = cache.stats();
            cache.clear()?;
            let value = serde_json::json!({ "removed": before.entries });
            render::either(global.format, &value, |_| {
                let (entries, bytes) = (before.entries, before.bytes);
                format!("removed {entries} entries ({bytes} bytes)\n")
            })?;
        }
        CacheAction::Gc => {
            render::either(global.format, &cache.gc()?, selfheal::render::cache_gc)?;
        }
    }
    Ok(0)
}
