//! `selfheal heal` and `selfheal eval`.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::Args;
use selfheal::api::{ApiError, Outcome, OutcomeLog, SelfHealingGeneratorBuilder};
use selfheal::corpus::Corpus;
use selfheal::eval::EvalOptions;
use selfheal::heal::{HealConfig, Healer};
use selfheal::validate::Expect;
use selfheal::{Program, SelfHealingGenerator, TargetLanguage};

use super::plugin::PluginArgs;
use super::render;
use super::{cached_validator, seconds, CacheArgs, Exit, GlobalArgs, UsageError};

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
        let jobs = match self.jobs {
            Some(0) => return Err(UsageError("--jobs 0: give at least 1".into())),
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(2, |n| n.get()),
        };
        if self.beam == 0 {
            return Err(UsageError("--beam 0: give at least 1".into()));
        }
        Ok(HealConfig {
            max_retries: self.max_retries,
            timeout: seconds(self.timeout)?,
            jobs,
            beam: self.beam,
            expect,
        })
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
    let data_dir = args
        .data_dir
        .clone()
        .unwrap_or_else(selfheal::dirs::default_data_dir);
    let plugins = args.plugins.load(global)?;
    let healer = build(
        SelfHealingGenerator::builder()
            .heal_config(args.budget.config(args.expect)?)
            .data_dir(&data_dir)
            .plugin_set(&plugins)
            .strategies(&args.strategies)
            .validator(cached_validator(global, &args.cache, Some(&data_dir))?),
    )?;
    let report = healer.heal(&program).await?;
    OutcomeLog::open(Some(&data_dir)).record(Outcome::from_report(&report, program.language));
    let changed = report.healed && !report.initially_passing;
    let written = if args.write && changed {
        selfheal::writeback::write_back(&args.path, &program, &report.final_program)?
    } else {
        Vec::new()
    };
    render::either(global.format, &report, |report| {
        let mut text = report.summary();
        if !report.diff.is_empty() {
            text = format!("{text}\n{}", report.diff);
        }
        for path in &written {
            text.push_str(&format!("wrote {}\n", path.display()));
        }
        if changed && !args.write {
            text.push_str("(not written; pass --write to save the healed files)\n");
        }
        text
    })?;
    Ok(if report.healed { 0 } else { 1 })
}

pub async fn eval(global: &GlobalArgs, args: EvalArgs) -> Exit {
    let corpus = Corpus::read(&args.corpus)?;
    for m in &corpus.malformed {
        let (file, line) = (args.corpus.display(), m.line);
        render::err(&format!("{file}:{line}: skipped: {}\n", m.message));
    }
    let config = args.budget.config(None)?;
    let options = EvalOptions {
        jobs: config.jobs,
        keep_code: args.keep_code,
    };
    let plugins = args.plugins.load(global)?;
    let builder = SelfHealingGenerator::builder()
        .heal_config(config)
        .plugin_set(&plugins)
        .strategies(&args.strategies)
        .validator(cached_validator(
            global,
            &args.cache,
            args.data_dir.as_deref(),
        )?);
    let healer = build(match &args.data_dir {
        Some(dir) => builder.data_dir(dir),
        None => builder.in_memory(),
    })?;
    let mut out = match &args.out {
        Some(path) => Some(std::io::BufWriter::new(
            std::fs::File::create(path)
                .map_err(|e| UsageError(format!("--out {}: cannot create: {e}", path.display())))?,
        )),
        None => None,
    };
    let bar = if std::io::stderr().is_terminal() {
        indicatif::ProgressBar::new(corpus.cases.len() as u64)
    } else {
        indicatif::ProgressBar::hidden()
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} healed {msg} [{elapsed_precise} eta {eta}]",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut healed = 0usize;
    let mut write_error: Option<std::io::Error> = None;
    // With a data dir, every heal counts in its health metrics (`selfheal stats`).
    let outcomes = args.data_dir.as_deref().map(|d| OutcomeLog::open(Some(d)));
    let results = selfheal::eval::run(corpus.cases, healer.into(), &options, |result| {
        healed += usize::from(result.repaired());
        bar.set_message(healed.to_string());
        bar.inc(1);
        if let Some(error) = &result.error {
            bar.suspend(|| render::err(&format!("case {}: heal failed: {error}\n", result.id)));
        }
        if let (Some(log), Some(outcome)) = (&outcomes, Outcome::from_case(result)) {
            log.record(outcome);
        }
        if let Some(out) = out.as_mut() {
            let line = serde_json::to_string(result)
                .map_err(std::io::Error::other)
                .and_then(|line| writeln!(out, "{line}").and_then(|()| out.flush()));
            if let Err(e) = line {
                write_error.get_or_insert(e);
            }
        }
    })
    .await;
    bar.finish_and_clear();
    if let Some(e) = write_error {
        return Err(UsageError(format!("--out: cannot write results: {e}")));
    }
    let summary = selfheal::eval::summarize(&results, &corpus.malformed);
    render::either(global.format, &summary, selfheal::eval::render_table)?;
    Ok(0)
}
