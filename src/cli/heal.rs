//! `selfheal heal` and `selfheal eval`.

use std::path::PathBuf;

use clap::Args;
use selfheal::api::{ApiError, Outcome, OutcomeLog, SelfHealingGeneratorBuilder};
use selfheal::eval::EvalOptions;
use selfheal::heal::{HealConfig, Healer};
use selfheal::settings::{eval_with_progress, Budget, ResultsFile};
use selfheal::validate::Expect;
use selfheal::{Program, SelfHealingGenerator, TargetLanguage};

use super::plugin::PluginArgs;
use super::render;
use super::{CacheArgs, Exit, GlobalArgs, UsageError};

/// Options shared by `heal`, `eval` and `generate`: the budgets of one heal.
#[derive(Args, Clone)]
pub struct BudgetArgs {
    /// Rounds of repair (each validates up to --beam candidates).
    #[arg(long, value_name = "N", default_value_t = 5)]
    max_retries: u32,
    /// Wall-clock budget of one heal, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 120.0)]
    timeout: f64,
    /// Candidates tried per round.
    #[arg(long, value_name = "N", default_value_t = 8)]
    beam: usize,
    /// Validations (and, for eval, cases) at the same time (default: the number of CPUs).
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
}

impl BudgetArgs {
    pub fn config(&self, expect: Option<Expect>) -> Result<HealConfig, UsageError> {
        let (max_retries, timeout_secs) = (self.max_retries, self.timeout);
        let (beam, jobs) = (self.beam, self.jobs);
        Ok(Budget {
            max_retries,
            timeout_secs,
            beam,
            jobs,
        }
        .heal_config(expect)?)
    }
}

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
    budget: BudgetArgs,
    /// Write the healed files back (atomically; only when healed; never protected files).
    #[arg(long)]
    write: bool,
    /// Where the learner keeps what it learned (default: $XDG_DATA_HOME/selfheal).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(flatten)]
    cache: CacheArgs,
    /// Use only these fix strategies (ids, comma-separated), e.g. `plugin.acme-style`.
    #[arg(long, value_delimiter = ',', value_name = "ID,ID")]
    strategies: Vec<String>,
    #[command(flatten)]
    plugins: PluginArgs,
    #[command(flatten)]
    model: super::heal_model::ModelArgs,
}

#[derive(Args)]
pub struct EvalArgs {
    #[command(flatten)]
    plugins: PluginArgs,
    /// The corpus: one heal case per line (see docs/corpus-format.md).
    corpus: PathBuf,
    #[command(flatten)]
    budget: BudgetArgs,
    /// Write one result line per case to this file (JSON Lines).
    #[arg(long, value_name = "RESULTS.jsonl")]
    out: Option<PathBuf>,
    /// Put each case's final files in its result line.
    #[arg(long)]
    keep_code: bool,
    /// Use only these fix strategies (ids, comma-separated), e.g. `rust.machine-applicable`.
    #[arg(long, value_delimiter = ',', value_name = "ID,ID")]
    strategies: Vec<String>,
    /// Learn across runs in this data dir (default: learn within this run only, so that
    /// measurements do not depend on earlier runs). The validation cache lives here too
    /// (default: $XDG_DATA_HOME/selfheal).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(flatten)]
    cache: CacheArgs,
}

/// The healer the builder assembles; an unknown strategy id is a `--strategies` error.
fn build(builder: SelfHealingGeneratorBuilder) -> Result<Healer, UsageError> {
    builder.build_healer().map_err(|e| match e {
        ApiError::UnknownStrategy { .. } => UsageError(format!("--strategies: {e}")),
        e => e.into(),
    })
}

pub async fn heal(global: &GlobalArgs, args: HealArgs) -> Exit {
    let program = Program::load(&args.path, args.lang)?;
    let data_dir = (args.data_dir.clone()).unwrap_or_else(selfheal::dirs::default_data_dir);
    let plugins = args.plugins.load(global)?;
    let validator = global
        .dirs()
        .cached_validator(args.cache.bound(), Some(&data_dir))?;
    let healer = build(
        SelfHealingGenerator::builder()
            .heal_config(args.budget.config(args.expect)?)
            .data_dir(&data_dir)
            .plugin_set(&plugins)
            .strategies(&args.strategies)
            .validator(validator),
    )?;
    let healer = args.model.attach(healer)?;
    let report = healer.heal(&program).await?;
    OutcomeLog::open(Some(&data_dir)).record(Outcome::from_report(&report, program.language));
    let written = match args.write && report.healed && !report.initially_passing {
        true => selfheal::writeback::write_back(&args.path, &program, &report.final_program)?,
        false => Vec::new(),
    };
    render::either(global.format, &report, |report| {
        selfheal::render::heal(report, &written, args.write)
    })?;
    Ok(if report.healed { 0 } else { 1 })
}

pub async fn eval(global: &GlobalArgs, args: EvalArgs) -> Exit {
    let corpus = selfheal::corpus::Corpus::read(&args.corpus)?;
    for m in &corpus.malformed {
        let (file, line) = (args.corpus.display(), m.line);
        render::err(&format!("{file}:{line}: skipped: {}\n", m.message));
    }
    let config = args.budget.config(None)?;
    let (jobs, keep_code) = (config.jobs, args.keep_code);
    let plugins = args.plugins.load(global)?;
    let validator =
        (global.dirs()).cached_validator(args.cache.bound(), args.data_dir.as_deref())?;
    let builder = SelfHealingGenerator::builder()
        .heal_config(config)
        .plugin_set(&plugins)
        .strategies(&args.strategies)
        .validator(validator);
    let healer = build(match &args.data_dir {
        Some(dir) => builder.data_dir(dir),
        None => builder.in_memory(),
    })?;
    let out = args.out.as_deref().map(ResultsFile::create).transpose()?;
    // With a data dir, every heal counts in its health metrics (`selfheal stats`).
    let outcomes = args.data_dir.as_deref().map(|d| OutcomeLog::open(Some(d)));
    let options = EvalOptions { jobs, keep_code };
    let results = eval_with_progress(corpus.cases, healer.into(), &options, out, outcomes).await?;
    let summary = selfheal::eval::summarize(&results, &corpus.malformed);
    render::either(global.format, &summary, selfheal::eval::render_table)?;
    Ok(0)
}
