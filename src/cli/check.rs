//! `selfheal check` and `selfheal run`.

use std::path::PathBuf;

use clap::Args;
use selfheal::settings::{read_stdin, timeout, with_plugins};
use selfheal::validate::{Expect, RunOptions};
use selfheal::{Program, TargetLanguage};

use super::plugin::PluginArgs;
use super::render::{self, Format};
use super::{CacheArgs, Exit, GlobalArgs};

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
    cache: CacheArgs,
    #[command(flatten)]
    plugins: PluginArgs,
}

#[derive(Args)]
pub struct RunArgs {
    #[command(flatten)]
    plugins: PluginArgs,
    path: PathBuf,
    #[arg(long)]
    lang: Option<TargetLanguage>,
    /// Wall-clock limit for the program, in seconds.
    #[arg(long, value_name = "SECONDS")]
    timeout: Option<f64>,
    /// Memory (address space) limit for the program, in MiB.
    #[arg(long, value_name = "MIB")]
    memory: Option<u64>,
    /// File fed to the program's standard input (`-` for this process's stdin).
    #[arg(long, value_name = "FILE")]
    stdin: Option<PathBuf>,
}

pub async fn check(global: &GlobalArgs, args: CheckArgs) -> Exit {
    let program = Program::load(&args.path, args.lang)?;
    let expect = args.expect.unwrap_or_else(|| Expect::for_program(&program));
    let plugins = args.plugins.load(global)?;
    let dirs = global.dirs();
    let validator = dirs.cached_validator(args.cache.bound(), args.data_dir.as_deref())?;
    let result = with_plugins(validator, &plugins)
        .validate(&program, expect)
        .await?;
    if global.format == Format::Json {
        // `localization`: the program's lines ranked by how likely they hold the bug (only
        // when a test failed); every other field is the validation result as before.
        #[derive(serde::Serialize)]
        struct Checked<'a> {
            #[serde(flatten)]
            result: &'a selfheal::types::ValidationResult,
            #[serde(skip_serializing_if = "Vec::is_empty")]
            localization: Vec<selfheal::repair::localize::Suspicious>,
        }
        let localization = selfheal::repair::localize::for_tests(&program, &result.tests);
        render::json(&Checked {
            result: &result,
            localization,
        })?;
    } else {
        render::either(global.format, &result, selfheal::render::validation)?;
    }
    Ok(if result.passed { 0 } else { 1 })
}

pub async fn run(global: &GlobalArgs, args: RunArgs) -> Exit {
    let program = Program::load(&args.path, args.lang)?;
    let options = RunOptions {
        timeout: args.timeout.map(timeout).transpose()?,
        memory_bytes: args.memory.map(|mib| mib.saturating_mul(1 << 20)),
        stdin: read_stdin(args.stdin.as_deref())?,
    };
    let plugins = args.plugins.load(global)?;
    let validator = with_plugins(global.dirs().validator()?, &plugins);
    let report = validator.run(&program, &options).await?;
    if global.format == Format::Json {
        render::json(&report)?;
    } else {
        for error in &report.errors {
            render::err(&format!("{error}\n"));
        }
        // The program's own output, escaped like the rest (the JSON has it raw).
        if let Some(outcome) = &report.program {
            render::out(&outcome.stdout)?;
            render::err(&outcome.stderr);
            render::err(&selfheal::render::run_outcome(outcome));
        }
    }
    Ok(if report.success { 0 } else { 1 })
}
