//! `selfheal heal` and `selfheal eval`.

use std::path::PathBuf;

use clap::Args;
use selfheal::api::{Outcome, OutcomeLog};
use selfheal::eval::EvalOptions;
use selfheal::settings::{eval_with_progress, write_healed, Budget, HealerOptions, ModelSettings};
use selfheal::validate::Expect;
use selfheal::{Program, TargetLanguage};

use super::{Exit, GlobalArgs};

#[derive(Args)]
pub struct HealArgs {
    /// A source file or a project directory.
    path: PathBuf,
    #[arg(long)]
    lang: Option<TargetLanguage>,
    /// `check` (compile only) or `test` (also pass the tests). Default: `test` when the
    /// program has test files.
    #[arg(long)]
    expect: Option<Expect>,
    #[command(flatten)]
    budget: Budget,
    /// Write the healed files back (atomically; only when healed; never protected files).
    #[arg(long)]
    write: bool,
    /// Where the learner keeps what it learned (default: $XDG_DATA_HOME/selfheal).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(flatten)]
    healer: HealerOptions,
    #[command(flatten)]
    model: ModelSettings,
    /// Leave the healed lines as the fixes wrote them (default: the lines the heal changed are
    /// formatted with the language's formatter, when installed; no other line changes).
    #[arg(long)]
    no_format: bool,
}

#[derive(Args)]
pub struct EvalArgs {
    /// The corpus: one heal case per line (see docs/corpus-format.md).
    corpus: PathBuf,
    #[command(flatten)]
    budget: Budget,
    /// Write one result line per case to this file (JSON Lines).
    #[arg(long, value_name = "RESULTS.jsonl")]
    out: Option<PathBuf>,
    /// Put each case's final files in its result line.
    #[arg(long)]
    keep_code: bool,
    /// Learn across runs in this data dir (default: learn within this run only, so that
    /// measurements do not depend on earlier runs). The validation cache lives here too
    /// (default: $XDG_DATA_HOME/selfheal).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(flatten)]
    healer: HealerOptions,
}

pub async fn heal(global: &GlobalArgs, args: HealArgs) -> Exit {
    let program = Program::load(&args.path, args.lang)?;
    let data_dir = (args.data_dir.clone()).unwrap_or_else(selfheal::dirs::default_data_dir);
    let plugins = args.healer.plugins.load_or_warn(&global.dirs)?;
    let config = args.budget.heal_config(args.expect)?;
    let settings = (args.healer).settings(&global.dirs, Some(&data_dir), Some(&plugins));
    let healer = args.model.attach(settings.healer(config).await?)?;
    let healer = healer.with_formatting(!args.no_format);
    let report = healer.heal(&program).await?;
    OutcomeLog::open(Some(&data_dir)).record(Outcome::from_report(&report, program.language()));
    let written = write_healed(args.write, &args.path, &program, &report)?;
    global.print(&report, |r| selfheal::render::heal(r, &written, args.write))?;
    Ok(if report.healed { 0 } else { 1 })
}

pub async fn eval(global: &GlobalArgs, args: EvalArgs) -> Exit {
    let corpus = selfheal::settings::read_corpus_or_warn(&args.corpus)?;
    let config = args.budget.heal_config(None)?;
    let (jobs, keep_code) = (config.jobs, args.keep_code);
    let plugins = args.healer.plugins.load_or_warn(&global.dirs)?;
    let data_dir = args.data_dir.as_deref();
    let settings = (args.healer).settings(&global.dirs, data_dir, Some(&plugins));
    let healer = settings.healer(config).await?;
    let (options, out) = (EvalOptions { jobs, keep_code }, args.out.as_deref());
    let results = eval_with_progress(corpus.cases, healer.into(), &options, out, data_dir).await?;
    let summary = selfheal::eval::summarize(&results, &corpus.malformed);
    global.print(&summary, selfheal::eval::render_table)?;
    Ok(0)
}
