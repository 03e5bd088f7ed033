//! `selfheal generate` and `selfheal prelude` (docs/generate.md).

use std::path::PathBuf;

use clap::{Args, Subcommand};
use selfheal::generate::{Prelude, Spec};
use selfheal::settings::{generation_json, render_prelude_reset, reset_prelude};
use selfheal::settings::{
    Budget, CacheSettings, ExecutorSettings, GeneratorSettings, HealerSettings,
};
use selfheal::writeback::{check_out_dir, write_program};
use selfheal::{render, TargetLanguage};

use super::{Exit, GlobalArgs, UsageError};

#[derive(Args)]
pub struct GenerateArgs {
    /// The spec (TOML).
    spec: PathBuf,
    #[command(flatten)]
    generator: GeneratorSettings,
    /// Generations at most (each healed; later ones get the errors and fixes tried).
    #[arg(long, value_name = "N", default_value_t = 3)]
    max_generations: usize,
    /// Write the final program here (an empty or new directory, unless --force).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Write into --out even when it is not empty (files of the program are overwritten).
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    budget: Budget,
    /// Where the learner, the prelude and the outcomes live (default: $XDG_DATA_HOME/selfheal).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(flatten)]
    cache: CacheSettings,
    #[command(flatten)]
    executor: ExecutorSettings,
}

#[derive(Args)]
pub struct PreludeCommand {
    #[command(subcommand)]
    action: PreludeAction,
    /// The data dir holding it (default: $XDG_DATA_HOME/selfheal).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
}

#[derive(Subcommand)]
enum PreludeAction {
    /// The learned lines and the candidates, per language.
    Show,
    /// Forget what was learned for LANG (every language when none is given).
    Reset { lang: Option<TargetLanguage> },
}

pub async fn generate(global: &GlobalArgs, args: GenerateArgs) -> Exit {
    let spec = Spec::load(&args.spec)?;
    if let Some(out) = &args.out {
        check_out_dir(out, args.force).map_err(|e| UsageError(format!("--out {e}")))?;
    }
    let config = args.budget.heal_config(None)?;
    let data_dir = args.data_dir.as_deref();
    let settings = HealerSettings {
        executor: &args.executor,
        ..HealerSettings::new(&global.dirs, args.cache.bound(), data_dir)
    };
    let healer = (settings.generating(&args.generator, args.max_generations, config)).await?;
    let report = healer.generate_and_heal_spec(&spec).await?;
    let written = match &args.out {
        Some(out) => write_program(out, &report.program)?,
        None => Vec::new(),
    };
    let (json, out_given) = (generation_json(&report, &written)?, args.out.is_some());
    global.print(&json, |_| render::generation(&report, &written, out_given))?;
    Ok(if report.passed { 0 } else { 1 })
}

pub fn prelude(global: &GlobalArgs, args: PreludeCommand) -> Exit {
    let data_dir = (args.data_dir).unwrap_or_else(selfheal::dirs::default_data_dir);
    match args.action {
        PreludeAction::Show => {
            let prelude = Prelude::open(&data_dir);
            let threshold = prelude.threshold();
            global.print(&prelude.snapshot(), |s| render::prelude(s, threshold))
        }
        PreludeAction::Reset { lang } => {
            global.print(&reset_prelude(&data_dir, lang)?, render_prelude_reset)
        }
    }
}
