//! `selfheal check` and `selfheal run`.

use std::path::PathBuf;

use clap::Args;
use selfheal::settings::{with_plugins, CacheSettings, CheckReport, ExecutorSettings};
use selfheal::settings::{PluginDir, RunOutput, RunSettings};
use selfheal::validate::Expect;
use selfheal::{Program, TargetLanguage};

use super::{Exit, GlobalArgs};

#[derive(Args)]
pub struct CheckArgs {
    /// A source file or a project directory.
    path: PathBuf,
    /// Force the language instead of detecting it.
    #[arg(long)]
    lang: Option<TargetLanguage>,
    /// `check` (compile only) or `test` (also run the tests). Default: `test` when the
    /// program has test files.
    #[arg(long)]
    expect: Option<Expect>,
    /// Where the validation cache lives (default: $XDG_DATA_HOME/selfheal).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(flatten)]
    cache: CacheSettings,
    #[command(flatten)]
    plugins: PluginDir,
    #[command(flatten)]
    executor: ExecutorSettings,
}

#[derive(Args)]
pub struct RunArgs {
    #[command(flatten)]
    plugins: PluginDir,
    path: PathBuf,
    #[arg(long)]
    lang: Option<TargetLanguage>,
    #[command(flatten)]
    run: RunSettings,
}

pub async fn check(global: &GlobalArgs, args: CheckArgs) -> Exit {
    let program = Program::load(&args.path, args.lang)?;
    let expect = args.expect.unwrap_or_else(|| Expect::for_program(&program));
    let plugins = args.plugins.load_or_warn(&global.dirs)?;
    let validator = (global.dirs).cached_validator(args.cache.bound(), args.data_dir.as_deref())?;
    let checker = args
        .executor
        .checker(with_plugins(validator, &plugins))
        .await?;
    let result = checker.check(&program, expect).await?;
    let passed = result.passed;
    global.print(&CheckReport::new(&program, result), CheckReport::render)?;
    Ok(if passed { 0 } else { 1 })
}

pub async fn run(global: &GlobalArgs, args: RunArgs) -> Exit {
    let program = Program::load(&args.path, args.lang)?;
    let options = args.run.options()?;
    let plugins = args.plugins.load_or_warn(&global.dirs)?;
    let validator = with_plugins(global.dirs.validator()?, &plugins);
    let report = validator.run(&program, &options).await?;
    RunOutput::print(&report, global.format)?;
    Ok(if report.success { 0 } else { 1 })
}
