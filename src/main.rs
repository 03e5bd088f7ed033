//! The `selfheal` command line: a thin layer over the library.
//!
//! Exit codes: 0 success, 1 the program fails, 2 usage or environment error.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use std::io::IsTerminal;
use std::sync::Arc;

use selfheal::api::{Outcome, OutcomeLog};
use selfheal::corpus::Corpus;
use selfheal::eval::EvalOptions;
use selfheal::fix::FixEngine;
use selfheal::heal::{Checker, HealConfig, Healer};
use selfheal::learn::Learner;
use selfheal::toolchain::{doctor, DoctorEntry, ToolchainEnv};
use selfheal::validate::{Expect, RunOptions, RunReport, Validator, ValidatorConfig};
use selfheal::{Program, TargetLanguage, ValidationResult};

mod cli;

#[derive(Parser)]
#[command(
    name = "selfheal",
    version,
    about = "Validate and heal machine-generated programs in a sandbox",
    propagate_version = true
)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct GlobalArgs {
    /// Directory of toolchain files (default: the ones built into selfheal).
    #[arg(long, global = true, value_name = "DIR")]
    toolchains: Option<PathBuf>,
    /// Where dependency sets and support files are kept (default: $XDG_CACHE_HOME/selfheal).
    #[arg(long, global = true, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Print every finished trace span to stdout (OTLP export is set up by the standard
    /// OTEL_EXPORTER_OTLP_* variables; see docs/observability.md).
    #[arg(long, global = true)]
    trace_stdout: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Human,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Compile and test a program in the sandbox; print its errors.
    Check {
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
    },
    /// Run a program in the sandbox (builds it first if its toolchain needs to).
    Run {
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
    },
    /// Repair a failing program: print the repair history and the diff; `--write` saves it.
    Heal(HealArgs),
    /// Heal every case of a corpus (JSON Lines) and report how many healed.
    Eval(EvalArgs),
    /// Inspect or maintain the validation cache (see docs/cache.md).
    Cache {
        #[command(subcommand)]
        action: CacheAction,
        /// The data dir holding the cache (default: $XDG_DATA_HOME/selfheal).
        #[arg(long, global = true, value_name = "DIR")]
        data_dir: Option<PathBuf>,
        /// The bound `gc` evicts down to.
        #[arg(
            long,
            global = true,
            value_name = "BYTES",
            default_value_t = selfheal::cache::DEFAULT_MAX_BYTES
        )]
        cache_max_bytes: u64,
    },
    /// Show, for each toolchain, whether it is installed and ready.
    Doctor,
    /// List, check and try WebAssembly plugins (docs/plugins.md).
    Plugin {
        #[command(subcommand)]
        action: PluginAction,
    },
    /// Prepare the dependency sets (builds the Rust crates, warms the Go cache).
    Setup {
        /// Only these languages (default: all whose toolchain is installed).
        #[arg(long, value_delimiter = ',')]
        lang: Vec<TargetLanguage>,
    },
    /// Generate a program from a spec (TOML), heal it, regenerate while it fails
    /// (docs/generate.md). Exit 0 passing, 1 not passing, 2 bad input.
    Generate(GenerateArgs),
    /// Show or reset the learned template prelude (see docs/generate.md).
    Prelude {
        #[command(subcommand)]
        action: PreludeAction,
        /// The data dir holding it (default: $XDG_DATA_HOME/selfheal).
        #[arg(long, global = true, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Show health metrics, what the learner learned, and the validation cache's statistics.
    Stats {
        /// The data dir to read (default: $XDG_DATA_HOME/selfheal).
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
}

/// A failure of selfheal itself or of its input (exit code 2).
struct UsageError(String);

impl<E: std::fmt::Display> From<E> for UsageError {
    fn from(e: E) -> Self {
        UsageError(e.to_string())
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    // Before the runtime: the OTLP/HTTP client is a blocking one on its own threads.
    let telemetry = start_telemetry(cli.global.trace_stdout);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let finished = runtime.block_on(async {
        let Some(stop) = cli::signals::listen() else {
            return Ok(dispatch(cli).await);
        };
        // Dropping the command's future (when a signal wins) cancels it.
        tokio::select! {
            result = dispatch(cli) => Ok(result),
            stop = stop => Err(stop),
        }
    });
    let code = match finished {
        Ok(Ok(code)) => ExitCode::from(code),
        Ok(Err(UsageError(message))) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(stop) => {
            cli::signals::exit_on_next_signal();
            eprintln!(
                "selfheal: interrupted by {}; stopping the sandboxes and removing the work directories",
                stop.name()
            );
            // Drops every task still alive (sandbox guards kill their processes, workspaces
            // remove their directories) and waits for them.
            runtime.shutdown_timeout(cli::signals::CLEANUP_GRACE);
            drop(telemetry);
            return ExitCode::from(stop.exit_code());
        }
    };
    drop(runtime);
    // Flushes the spans and metrics still buffered (outside the runtime, see above).
    drop(telemetry);
    code
}

/// The stderr log, plus trace and metric export when the OTEL_* environment or
/// `--trace-stdout` asks for it. A broken export configuration is reported and left out.
fn start_telemetry(trace_stdout: bool) -> Option<selfheal::telemetry::TelemetryGuard> {
    use selfheal::telemetry::{init, TelemetryConfig};
    let mut config = TelemetryConfig::from_env();
    config.stdout = trace_stdout;
    match init(&config) {
        Ok(guard) => Some(guard),
        Err(e) => {
            eprintln!("warning: telemetry export is off: {e}");
            let local = TelemetryConfig {
                otlp_traces: false,
                otlp_metrics: false,
                ..config
            };
            init(&local).ok()
        }
    }
}

async fn dispatch(cli: Cli) -> Result<u8, UsageError> {
    let global = cli.global;
    match cli.command {
        Command::Check {
            path,
            lang,
            expect,
            data_dir,
            cache,
            plugins,
        } => {
            let program = Program::load(&path, lang)?;
            let expect = expect.unwrap_or_else(|| Expect::for_program(&program));
            let plugins = plugins.load(&global)?;
            let validator = with_plugins(
                cached_validator(&global, &cache, data_dir.as_deref())?,
                &plugins,
            );
            let result = validator.validate(&program, expect).await?;
            print_validation(&result, global.format)?;
            Ok(if result.passed { 0 } else { 1 })
        }
        Command::Run {
            plugins,
            path,
            lang,
            timeout,
            memory,
            stdin,
        } => {
            let program = Program::load(&path, lang)?;
            let options = RunOptions {
                timeout: timeout.map(seconds).transpose()?,
                memory_bytes: memory.map(|mib| mib.saturating_mul(1 << 20)),
                stdin: read_stdin(stdin.as_deref())?,
            };
            let plugins = plugins.load(&global)?;
            let validator = with_plugins(validator(&global)?, &plugins);
            let report = validator.run(&program, &options).await?;
            print_run(&report, global.format)?;
            Ok(if report.success { 0 } else { 1 })
        }
        Command::Heal(args) => heal_command(&global, args).await,
        Command::Cache {
            action,
            data_dir,
            cache_max_bytes,
        } => cache_command(&global, action, data_dir.as_deref(), cache_max_bytes),
        Command::Stats { data_dir } => stats_command(&global, data_dir),
        Command::Generate(args) => generate_command(&global, args).await,
        Command::Prelude { action, data_dir } => prelude_command(&global, action, data_dir),
        Command::Eval(args) => eval_command(&global, args).await,
        Command::Plugin { action } => plugin_command(&global, action),
        Command::Doctor => {
            let config = config(&global);
            let toolchains = match &config.toolchain_dir {
                Some(dir) => selfheal::toolchain::ToolchainSet::load_dir(dir)?,
                None => selfheal::toolchain::ToolchainSet::embedded()?,
            };
            let env = ToolchainEnv {
                support_dir: config.cache_dir.join("support"),
                cache_dir: config.cache_dir,
            };
            let sandbox = selfheal::sandbox::Sandbox::new();
            let entries = tokio::task::spawn_blocking(move || doctor(&toolchains, &env)).await?;
            print_doctor(&entries, sandbox.as_ref().err(), global.format)?;
            let ready = sandbox.is_ok() && entries.iter().all(|e| e.ready());
            Ok(if ready { 0 } else { 1 })
        }
        Command::Setup { lang } => {
            let validator = validator(&global)?;
            let languages = if lang.is_empty() {
                TargetLanguage::ALL.to_vec()
            } else {
                lang
            };
            let mut failed = false;
            for language in languages {
                match validator.toolchain(language).await {
                    Ok(tc) => println!("{language}: ready ({})", tc.version_line()),
                    Err(e) => {
                        failed = true;
                        println!("{language}: not ready: {e}");
                    }
                }
            }
            Ok(if failed { 1 } else { 0 })
        }
    }
}

fn config(global: &GlobalArgs) -> ValidatorConfig {
    let mut config = ValidatorConfig::default();
    config.toolchain_dir.clone_from(&global.toolchains);
    if let Some(dir) = &global.cache_dir {
        config.cache_dir.clone_from(dir);
    }
    config
}

fn validator(global: &GlobalArgs) -> Result<Validator, UsageError> {
    Ok(Validator::new(config(global))?)
}

fn seconds(value: f64) -> Result<Duration, UsageError> {
    Duration::try_from_secs_f64(value)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| {
            UsageError(format!(
                "--timeout {value}: give a positive number of seconds"
            ))
        })
}

fn read_stdin(path: Option<&std::path::Path>) -> Result<Vec<u8>, UsageError> {
    const MAX_STDIN: u64 = 16 << 20;
    let mut buffer = Vec::new();
    match path {
        None => {}
        Some(p) if p.as_os_str() == "-" => {
            std::io::stdin()
                .take(MAX_STDIN + 1)
                .read_to_end(&mut buffer)?;
        }
        Some(p) => {
            let file = std::fs::File::open(p)
                .map_err(|e| UsageError(format!("--stdin {}: {e}", p.display())))?;
            file.take(MAX_STDIN + 1).read_to_end(&mut buffer)?;
        }
    }
    if buffer.len() as u64 > MAX_STDIN {
        return Err(UsageError(format!(
            "--stdin: input is over the {MAX_STDIN}-byte limit"
        )));
    }
    Ok(buffer)
}

fn print_json<T: serde::Serialize>(value: &T) -> Result<(), UsageError> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

fn print_validation(result: &ValidationResult, format: Format) -> Result<(), UsageError> {
    if format == Format::Json {
        return print_json(result);
    }
    let mut out = std::io::stdout().lock();
    for error in &result.errors {
        writeln!(out, "{error}")?;
        if let Some(context) = &error.context {
            write!(out, "{context}")?;
        }
        for note in &error.notes {
            writeln!(out, "  = {note}")?;
        }
    }
    let steps: Vec<String> = result
        .steps
        .iter()
        .map(|s| format!("{} {:.0}ms", s.step, s.wall_time.as_secs_f64() * 1000.0))
        .collect();
    writeln!(
        out,
        "{}: {} ({} error{}; {})",
        result.language,
        if result.passed { "passed" } else { "FAILED" },
        result.errors.len(),
        if result.errors.len() == 1 { "" } else { "s" },
        steps.join(", ")
    )?;
    Ok(())
}

fn print_run(report: &RunReport, format: Format) -> Result<(), UsageError> {
    if format == Format::Json {
        return print_json(report);
    }
    for error in &report.errors {
        eprintln!("{error}");
    }
    if let Some(outcome) = &report.program {
        std::io::stdout().write_all(outcome.stdout.as_bytes())?;
        std::io::stderr().write_all(outcome.stderr.as_bytes())?;
        if outcome.stdout_truncated || outcome.stderr_truncated {
            eprintln!("selfheal: output truncated at the capture limit");
        }
        eprintln!(
            "selfheal: {:?}, exit code {}, {:.0} ms wall, {:.0} ms CPU, peak {} KiB",
            outcome.termination,
            outcome
                .exit_code
                .map_or_else(|| "-".to_string(), |c| c.to_string()),
            outcome.wall_time.as_secs_f64() * 1000.0,
            outcome.cpu_time.as_secs_f64() * 1000.0,
            outcome.peak_memory_bytes / 1024
        );
    }
    Ok(())
}

fn print_doctor(
    entries: &[DoctorEntry],
    sandbox: Option<&selfheal::sandbox::SandboxError>,
    format: Format,
) -> Result<(), UsageError> {
    if format == Format::Json {
        return print_json(&serde_json::json!({
            "sandbox": sandbox.map_or_else(|| "ok".to_string(), |e| e.to_string()),
            "toolchains": entries,
        }));
    }
    let mut out = std::io::stdout().lock();
    match sandbox {
        None => writeln!(out, "sandbox: ok")?,
        Some(e) => writeln!(out, "sandbox: UNAVAILABLE: {e}")?,
    }
    for entry in entries {
        writeln!(out, "{entry}")?;
    }
    Ok(())
}

// ---- heal and eval ----

/// Options shared by `heal` and `eval`: the budgets of one heal.
#[derive(Args, Clone)]
struct BudgetArgs {
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

#[derive(Args)]
struct HealArgs {
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
struct EvalArgs {
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

impl BudgetArgs {
    fn config(&self, expect: Option<Expect>) -> Result<HealConfig, UsageError> {
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

/// The built-in engine and the plugins' strategies, or only the strategies named (from the
/// built-ins, the opt-in `rust.machine-applicable` and the plugins' `plugin.<name>`).
fn engine(ids: &[String], plugins: &PluginSet) -> Result<FixEngine, UsageError> {
    if ids.is_empty() {
        let mut engine = FixEngine::builtin();
        plugins.add_strategies_to(&mut engine);
        return Ok(engine);
    }
    let mut available = selfheal::fix::strategies::builtin();
    available.push(selfheal::fix::strategies::compiler::machine_applicable_only());
    available.extend(
        plugins
            .strategies()
            .iter()
            .map(|s| Arc::clone(s) as Arc<dyn selfheal::fix::FixStrategy>),
    );
    let mut engine = FixEngine::empty();
    for id in ids {
        let id = id.trim();
        match available.iter().find(|s| s.id() == id) {
            Some(strategy) => engine.add(Arc::clone(strategy)),
            None => {
                let mut known: Vec<&str> = available.iter().map(|s| s.id()).collect();
                known.sort_unstable();
                known.dedup();
                return Err(UsageError(format!(
                    "--strategies: unknown strategy `{id}`; known: {}",
                    known.join(", ")
                )));
            }
        }
    }
    Ok(engine)
}

async fn heal_command(global: &GlobalArgs, args: HealArgs) -> Result<u8, UsageError> {
    let program = Program::load(&args.path, args.lang)?;
    let config = args.budget.config(args.expect)?;
    let data_dir = args
        .data_dir
        .clone()
        .unwrap_or_else(selfheal::dirs::default_data_dir);
    let plugins = args.plugins.load(global)?;
    let engine = engine(&args.strategies, &plugins)?;
    let learner = Arc::new(Learner::open(&data_dir));
    let checker: Arc<dyn Checker> = Arc::new(with_plugins(
        cached_validator(global, &args.cache, Some(&data_dir))?,
        &plugins,
    ));
    let healer = Healer::new(checker, engine, learner, config);
    let report = healer.heal(&program).await?;
    OutcomeLog::open(Some(&data_dir)).record(Outcome::from_report(&report, program.language));
    let written = if args.write && report.healed && !report.initially_passing {
        write_back(&args.path, &program, &report.final_program)?
    } else {
        Vec::new()
    };
    if global.format == Format::Json {
        print_json(&report)?;
    } else {
        let mut out = std::io::stdout().lock();
        write!(out, "{}", report.summary())?;
        if !report.diff.is_empty() {
            writeln!(out)?;
            write!(out, "{}", report.diff)?;
        }
        for path in &written {
            writeln!(out, "wrote {}", path.display())?;
        }
        if report.healed && !report.initially_passing && !args.write {
            writeln!(out, "(not written; pass --write to save the healed files)")?;
        }
    }
    Ok(if report.healed { 0 } else { 1 })
}

/// Writes the files the heal changed back to disk. Every file is first written to a
/// temporary file beside it, then all are renamed into place, so a failure leaves each file
/// either whole and old or whole and new. Protected files are never written.
fn write_back(
    root: &std::path::Path,
    original: &Program,
    healed: &Program,
) -> Result<Vec<PathBuf>, UsageError> {
    let base = if root.is_dir() {
        root.to_path_buf()
    } else {
        root.parent()
            .map(std::path::Path::to_path_buf)
            .unwrap_or_default()
    };
    let mut staged = Vec::new();
    for (rel, text) in &healed.files {
        if original.protected.contains(rel) || original.files.get(rel) == Some(text) {
            continue;
        }
        selfheal::program::check_relative_path(rel)?;
        let target = if root.is_dir() {
            base.join(rel)
        } else if Some(rel.as_str()) == root.file_name().and_then(|n| n.to_str()) {
            root.to_path_buf()
        } else {
            base.join(rel)
        };
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&dir)
            .map_err(|e| UsageError(format!("{}: cannot create directory: {e}", dir.display())))?;
        let mut temp = tempfile::NamedTempFile::new_in(&dir).map_err(|e| {
            UsageError(format!(
                "{}: cannot create a temporary file: {e}",
                dir.display()
            ))
        })?;
        temp.write_all(text.as_bytes())
            .and_then(|()| temp.as_file().sync_all())
            .map_err(|e| UsageError(format!("{}: cannot write: {e}", temp.path().display())))?;
        if let Ok(meta) = std::fs::metadata(&target) {
            // Keep the file's mode (an executable script stays executable).
            let _ = temp.as_file().set_permissions(meta.permissions());
        }
        staged.push((temp, target));
    }
    let mut written = Vec::new();
    for (temp, target) in staged {
        temp.persist(&target).map_err(|e| {
            UsageError(format!("{}: cannot replace: {}", target.display(), e.error))
        })?;
        written.push(target);
    }
    Ok(written)
}

async fn eval_command(global: &GlobalArgs, args: EvalArgs) -> Result<u8, UsageError> {
    let corpus = Corpus::read(&args.corpus)?;
    for m in &corpus.malformed {
        eprintln!(
            "{}:{}: skipped: {}",
            args.corpus.display(),
            m.line,
            m.message
        );
    }
    let config = args.budget.config(None)?;
    let jobs = config.jobs;
    let plugins = args.plugins.load(global)?;
    let engine = engine(&args.strategies, &plugins)?;
    let learner = Arc::new(match &args.data_dir {
        Some(dir) => Learner::open(dir),
        None => Learner::in_memory(),
    });
    let checker: Arc<dyn Checker> = Arc::new(with_plugins(
        cached_validator(global, &args.cache, args.data_dir.as_deref())?,
        &plugins,
    ));
    let healer = Arc::new(Healer::new(checker, engine, learner, config));
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
    let outcomes = args
        .data_dir
        .as_deref()
        .map(|dir| OutcomeLog::open(Some(dir)));
    let options = EvalOptions {
        jobs,
        keep_code: args.keep_code,
    };
    let results = selfheal::eval::run(corpus.cases, healer, &options, |result| {
        if result.repaired() {
            healed += 1;
        }
        bar.set_message(healed.to_string());
        bar.inc(1);
        if let Some(error) = &result.error {
            bar.suspend(|| eprintln!("case {}: heal failed: {error}", result.id));
        }
        if let (Some(log), None) = (&outcomes, &result.error) {
            if let Ok(language) = result.language.parse::<TargetLanguage>() {
                log.record(Outcome {
                    at_ms: std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| d.as_millis() as u64),
                    language,
                    healed: result.healed,
                    initially_passing: result.initially_passing,
                    repairs: result.strategies_kept.len(),
                    duration_ms: result.duration_ms,
                    validations: result.validations,
                });
            }
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
    if global.format == Format::Json {
        print_json(&summary)?;
    } else {
        print!("{}", selfheal::eval::render_table(&summary));
    }
    Ok(0)
}

// ---- stats ----

/// One row of the learner's table.
#[derive(serde::Serialize)]
struct LearnedRow {
    language: TargetLanguage,
    signature: String,
    strategy: String,
    attempts: u64,
    successes: u64,
    /// The learned confidence from a neutral prior of 0.5 (see `selfheal::learn`).
    confidence: f64,
}

fn stats_command(global: &GlobalArgs, data_dir: Option<PathBuf>) -> Result<u8, UsageError> {
    let data_dir = data_dir.unwrap_or_else(selfheal::dirs::default_data_dir);
    let health = OutcomeLog::open(Some(&data_dir)).health();
    let prelude = selfheal::generate::Prelude::open(&data_dir);
    let learned: Vec<LearnedRow> = Learner::open(&data_dir)
        .entries()
        .into_iter()
        .map(|e| LearnedRow {
            confidence: e.confidence(0.5),
            language: e.language,
            signature: e.signature,
            strategy: e.strategy,
            attempts: e.attempts,
            successes: e.successes,
        })
        .collect();
    // Only an existing cache is opened: stats never creates one.
    let cache_config = selfheal::cache::CacheConfig::in_data_dir(&data_dir);
    let cache = if cache_config.path.exists() {
        match selfheal::cache::ValidationCache::open(&cache_config) {
            Ok(cache) => Some(Ok(cache.stats())),
            Err(e) => Some(Err(e.to_string())),
        }
    } else {
        None
    };
    if global.format == Format::Json {
        let cache = match &cache {
            Some(Ok(stats)) => serde_json::to_value(stats)?,
            Some(Err(e)) => serde_json::json!({ "error": e }),
            None => serde_json::Value::Null,
        };
        return print_json(&serde_json::json!({
            "data_dir": data_dir,
            "health": health,
            "learner": learned,
            "prelude": prelude.snapshot(),
            "cache": cache,
        }))
        .map(|()| 0);
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "data dir: {}", data_dir.display())?;
    writeln!(
        out,
        "generations: {} ({} passing, success rate {:.1}%)",
        health.total_generations,
        health.successful_generations,
        health.generation_success_rate * 100.0
    )?;
    writeln!(
        out,
        "repairs: {} ({:.2} per generation); average heal time {:.0} ms; confidence score {:.3}",
        health.total_repairs,
        health.average_repairs_per_generation,
        health.average_heal_time_ms,
        health.confidence_score
    )?;
    writeln!(out)?;
    if learned.is_empty() {
        writeln!(out, "learner: nothing learned yet")?;
    } else {
        writeln!(
            out,
            "{:<10} {:<40} {:<32} {:>8} {:>9} {:>10}",
            "language", "signature", "strategy", "attempts", "successes", "confidence"
        )?;
        for row in &learned {
            writeln!(
                out,
                "{:<10} {:<40} {:<32} {:>8} {:>9} {:>10.3}",
                row.language.to_string(),
                row.signature,
                row.strategy,
                row.attempts,
                row.successes,
                row.confidence
            )?;
        }
    }
    writeln!(out)?;
    print_prelude(&mut out, &prelude.snapshot(), prelude.threshold())?;
    match &cache {
        Some(Ok(stats)) => {
            writeln!(out)?;
            writeln!(
                out,
                "validation cache: {} entries, {} bytes (max {}); {} hits, {} misses{}",
                stats.entries,
                stats.bytes,
                stats.max_bytes,
                stats.hits,
                stats.misses,
                stats
                    .hit_rate
                    .map_or_else(String::new, |r| format!(" ({:.1}% hit rate)", r * 100.0))
            )?;
        }
        Some(Err(e)) => {
            writeln!(out)?;
            writeln!(out, "validation cache: cannot open: {e}")?;
        }
        None => {}
    }
    Ok(0)
}

// ---- the validation cache ----

/// Cache options of the commands that validate.
#[derive(Args, Clone)]
struct CacheArgs {
    /// Validate everything afresh: neither read nor write the validation cache.
    #[arg(long)]
    no_cache: bool,
    /// Bound on the validation cache's stored bytes; least recently used entries go first.
    #[arg(long, value_name = "BYTES", default_value_t = selfheal::cache::DEFAULT_MAX_BYTES)]
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

fn cache_config(
    data_dir: Option<&std::path::Path>,
    max_bytes: u64,
) -> selfheal::cache::CacheConfig {
    let data_dir = data_dir.map_or_else(selfheal::dirs::default_data_dir, PathBuf::from);
    selfheal::cache::CacheConfig {
        max_bytes,
        ..selfheal::cache::CacheConfig::in_data_dir(&data_dir)
    }
}

/// A validator that uses the cache in `data_dir` unless `--no-cache`. A cache that cannot be
/// opened (another process holds it, the disk refuses) is a warning: validation runs uncached.
fn cached_validator(
    global: &GlobalArgs,
    cache: &CacheArgs,
    data_dir: Option<&std::path::Path>,
) -> Result<Validator, UsageError> {
    let mut validator = validator(global)?;
    if !cache.no_cache {
        let config = cache_config(data_dir, cache.cache_max_bytes);
        validator.set_cache(selfheal::cache::ValidationCache::open_or_warn(&config));
    }
    Ok(validator)
}

fn cache_command(
    global: &GlobalArgs,
    action: CacheAction,
    data_dir: Option<&std::path::Path>,
    max_bytes: u64,
) -> Result<u8, UsageError> {
    let config = cache_config(data_dir, max_bytes);
    let cache = selfheal::cache::ValidationCache::open(&config).map_err(|e| {
        UsageError(format!(
            "{e}; is another selfheal running? (retry when it ends)"
        ))
    })?;
    match action {
        CacheAction::Stats => {
            let stats = cache.stats();
            if global.format == Format::Json {
                return print_json(&stats).map(|()| 0);
            }
            let mut out = std::io::stdout().lock();
            writeln!(out, "cache: {}", config.path.display())?;
            writeln!(out, "entries: {}", stats.entries)?;
            writeln!(out, "bytes: {} (max {})", stats.bytes, stats.max_bytes)?;
            writeln!(
                out,
                "hits: {}, misses: {}, hit rate: {}",
                stats.hits,
                stats.misses,
                stats
                    .hit_rate
                    .map_or_else(|| "-".to_string(), |r| format!("{:.1}%", r * 100.0))
            )?;
            let oldest = stats.oldest_entry_unix.map_or_else(
                || "-".to_string(),
                |t| {
                    let now = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(t, |d| d.as_secs());
                    format!("{}s ago (unix {t})", now.saturating_sub(t))
                },
            );
            writeln!(out, "oldest entry: {oldest}")?;
        }
        CacheAction::Clear => {
            let before = cache.stats();
            cache.clear()?;
            if global.format == Format::Json {
                return print_json(&serde_json::json!({ "removed": before.entries })).map(|()| 0);
            }
            println!(
                "removed {} entries ({} bytes)",
                before.entries, before.bytes
            );
        }
        CacheAction::Gc => {
            let report = cache.gc()?;
            if global.format == Format::Json {
                return print_json(&report).map(|()| 0);
            }
            println!(
                "checked {} entries: {} corrupt removed, {} evicted; now {} entries, {} bytes",
                report.checked,
                report.corrupt_removed,
                report.evicted,
                report.entries,
                report.bytes
            );
        }
    }
    Ok(0)
}

// ---- selfheal generate / selfheal prelude (docs/generate.md) ----

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum GeneratorKind {
    /// Render the spec's [implementation] through the language's templates.
    Template,
    /// Ask an OpenAI-compatible chat model.
    Openai,
}

#[derive(Args)]
struct GenerateArgs {
    /// The spec (TOML).
    spec: PathBuf,
    #[arg(long, value_enum, default_value_t = GeneratorKind::Template)]
    generator: GeneratorKind,
    /// The model (`--generator openai`).
    #[arg(long, value_name = "M")]
    model: Option<String>,
    /// The API's base URL (`--generator openai`), e.g. http://localhost:11434/v1.
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    /// The environment variable holding the API key (`--generator openai`).
    #[arg(long, value_name = "VAR")]
    api_key_env: Option<String>,
    /// A directory of templates (`<language>/*.j2`) replacing the built-in ones.
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,
    /// Heals that must insert the same header line before the template prelude learns it.
    #[arg(long, value_name = "N", default_value_t = selfheal::generate::prelude::DEFAULT_THRESHOLD)]
    prelude_threshold: u32,
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
    budget: BudgetArgs,
    /// Where the learner, the prelude and the outcomes live (default: $XDG_DATA_HOME/selfheal).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(flatten)]
    cache: CacheArgs,
}

#[derive(Subcommand)]
enum PreludeAction {
    /// The learned lines and the candidates, per language.
    Show,
    /// Forget what was learned for LANG (every language when none is given).
    Reset { lang: Option<TargetLanguage> },
}

async fn generate_command(global: &GlobalArgs, args: GenerateArgs) -> Result<u8, UsageError> {
    use selfheal::generate::{Generator, Prelude, Spec, TemplateGenerator, TemplateSet};

    let spec = Spec::load(&args.spec)?;
    if args.max_generations == 0 {
        return Err(UsageError("--max-generations 0: give at least 1".into()));
    }
    if let Some(out) = &args.out {
        check_out_dir(out, args.force)?;
    }
    let config = args.budget.config(None)?;
    let data_dir = args
        .data_dir
        .clone()
        .unwrap_or_else(selfheal::dirs::default_data_dir);
    // The model generator learns from (and takes lessons out of) the healer's learner.
    let mut openai: Option<Arc<selfheal::generate::OpenAiGenerator>> = None;
    let generator: Arc<dyn Generator> = match args.generator {
        GeneratorKind::Template => {
            if args.model.is_some() || args.base_url.is_some() || args.api_key_env.is_some() {
                return Err(UsageError(
                    "--model, --base-url and --api-key-env are for --generator openai".into(),
                ));
            }
            let templates = match &args.templates {
                Some(dir) => TemplateSet::with_overrides(dir)?,
                None => TemplateSet::builtin(),
            };
            if args.prelude_threshold == 0 {
                return Err(UsageError("--prelude-threshold 0: give at least 1".into()));
            }
            let prelude = Prelude::open(&data_dir).with_threshold(args.prelude_threshold);
            Arc::new(TemplateGenerator::new(templates, Arc::new(prelude)))
        }
        GeneratorKind::Openai => {
            let model = openai_generator(&args)?;
            openai = Some(model.clone());
            model
        }
    };
    let checker: Arc<dyn Checker> =
        Arc::new(cached_validator(global, &args.cache, Some(&data_dir))?);
    let healer = selfheal::SelfHealingGenerator::builder()
        .checker(checker)
        .data_dir(&data_dir)
        .generator(generator)
        .max_generations(args.max_generations)
        .max_retries(config.max_retries)
        .timeout(config.timeout)
        .jobs(config.jobs)
        .beam(config.beam)
        .build()?;
    if let Some(model) = &openai {
        model.set_learner(healer.learner().clone());
    }
    let report = healer.generate_and_heal_spec(&spec).await?;
    let written = match &args.out {
        Some(out) => write_program(out, &report.program)?,
        None => Vec::new(),
    };
    if global.format == Format::Json {
        let mut value = serde_json::to_value(&report)?;
        if let Some(map) = value.as_object_mut() {
            map.insert("written".into(), serde_json::to_value(&written)?);
        }
        print_json(&value)?;
    } else {
        let mut out = std::io::stdout().lock();
        write!(out, "{}", report.summary())?;
        for path in &written {
            writeln!(out, "wrote {}", path.display())?;
        }
        if args.out.is_none() {
            writeln!(out, "(not written; pass --out DIR to save the program)")?;
        }
    }
    Ok(if report.passed { 0 } else { 1 })
}

/// The model client from the environment (`SELFHEAL_OPENAI_*`, docs/generate.md) and the flags.
fn openai_generator(
    args: &GenerateArgs,
) -> Result<Arc<selfheal::generate::OpenAiGenerator>, UsageError> {
    use selfheal::generate::{OpenAiConfig, OpenAiGenerator};
    if args.templates.is_some() {
        return Err(UsageError("--templates is for --generator template".into()));
    }
    let mut config = OpenAiConfig::from_env()?;
    if let Some(model) = &args.model {
        config.model = model.clone();
    }
    if let Some(url) = &args.base_url {
        config.base_url = url.clone();
    }
    if let Some(var) = &args.api_key_env {
        config.api_key_env = var.clone();
    }
    let generator = OpenAiGenerator::new(config)?;
    // OpenAI itself always wants a key; local servers do not.
    if !generator.has_api_key() && generator.config().base_url.contains("api.openai.com") {
        return Err(UsageError(format!(
            "no API key: set ${} (or name another variable with --api-key-env), or pass --base-url for a local server",
            generator.config().api_key_env
        )));
    }
    Ok(Arc::new(generator))
}

/// `--out` must be a new or empty directory unless `--force`.
fn check_out_dir(out: &std::path::Path, force: bool) -> Result<(), UsageError> {
    if out.exists() && !out.is_dir() {
        return Err(UsageError(format!(
            "--out {}: not a directory",
            out.display()
        )));
    }
    if !force && out.is_dir() && std::fs::read_dir(out)?.next().is_some() {
        return Err(UsageError(format!(
            "--out {}: the directory is not empty; choose another or pass --force",
            out.display()
        )));
    }
    Ok(())
}

/// Writes every file of `program` under `out`.
fn write_program(out: &std::path::Path, program: &Program) -> Result<Vec<PathBuf>, UsageError> {
    let mut written = Vec::new();
    for (path, text) in &program.files {
        // `Program::check` has already refused absolute paths and `..`.
        let target = out.join(path);
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| UsageError(format!("{}: {e}", dir.display())))?;
        }
        std::fs::write(&target, text)
            .map_err(|e| UsageError(format!("{}: {e}", target.display())))?;
        written.push(target);
    }
    Ok(written)
}

fn prelude_command(
    global: &GlobalArgs,
    action: PreludeAction,
    data_dir: Option<PathBuf>,
) -> Result<u8, UsageError> {
    let data_dir = data_dir.unwrap_or_else(selfheal::dirs::default_data_dir);
    let prelude = selfheal::generate::Prelude::open(&data_dir);
    match action {
        PreludeAction::Show => {
            let snapshot = prelude.snapshot();
            if global.format == Format::Json {
                print_json(&snapshot)?;
            } else {
                let mut out = std::io::stdout().lock();
                print_prelude(&mut out, &snapshot, prelude.threshold())?;
            }
        }
        PreludeAction::Reset { lang } => {
            let dropped = prelude.reset(lang)?;
            let which = lang.map_or("every language".to_string(), |l| l.to_string());
            if global.format == Format::Json {
                print_json(&serde_json::json!({ "reset": which, "lines_dropped": dropped }))?;
            } else {
                println!("prelude reset for {which}: {dropped} learned line(s) dropped");
            }
        }
    }
    Ok(0)
}

fn print_prelude(
    out: &mut impl Write,
    snapshot: &std::collections::BTreeMap<
        TargetLanguage,
        selfheal::generate::prelude::LanguagePrelude,
    >,
    threshold: u32,
) -> std::io::Result<()> {
    if snapshot
        .values()
        .all(|p| p.learned() == 0 && p.candidates.is_empty())
    {
        return writeln!(out, "prelude: nothing learned yet");
    }
    writeln!(
        out,
        "prelude (a line is learned after {threshold} heals insert it):"
    )?;
    for (language, p) in snapshot {
        for line in &p.lines {
            writeln!(out, "  {:<10} learned    {line}", language.to_string())?;
        }
        for a in &p.anchored {
            writeln!(
                out,
                "  {:<10} learned    {} (before `{}`)",
                language.to_string(),
                a.line,
                a.before
            )?;
        }
        for (key, count) in &p.candidates {
            let line = match key.split_once('\n') {
                Some((line, before)) => format!("{line} (before `{before}`)"),
                None => key.clone(),
            };
            writeln!(
                out,
                "  {:<10} seen {count}/{threshold} {line}",
                language.to_string()
            )?;
        }
    }
    Ok(())
}

// ---- plugins (docs/plugins.md) ----

use selfheal::plugin::{Plugin, PluginHost, PluginHostConfig, PluginSet};

/// `--plugins DIR` of the commands that validate or heal.
#[derive(Args, Clone)]
struct PluginArgs {
    /// Load the WebAssembly plugins (`*.wasm`) of DIR: fix strategies join the built-in ones
    /// (as `plugin.<name>`), validators parse every command's output too.
    #[arg(long, value_name = "DIR")]
    plugins: Option<PathBuf>,
}

impl PluginArgs {
    /// The plugins of `--plugins` (none without it). A file that does not load is a warning;
    /// an unreadable directory is an error.
    fn load(&self, global: &GlobalArgs) -> Result<PluginSet, UsageError> {
        let Some(dir) = &self.plugins else {
            return Ok(PluginSet::new());
        };
        let (set, errors) = PluginSet::load_dir(dir, &plugin_host(global)?)?;
        for error in &errors {
            eprintln!("warning: plugin not loaded: {error}");
        }
        Ok(set)
    }
}

fn plugin_host(global: &GlobalArgs) -> Result<PluginHost, UsageError> {
    Ok(PluginHost::new(PluginHostConfig {
        cache_dir: Some(config(global).cache_dir.join("plugins")),
        ..PluginHostConfig::default()
    })?)
}

/// The validator, asking the validator plugins of `plugins` too.
fn with_plugins(validator: Validator, plugins: &PluginSet) -> Validator {
    if plugins.validators().is_empty() {
        validator
    } else {
        validator.with_plugins(Arc::new(plugins.clone()))
    }
}

#[derive(Subcommand)]
enum PluginAction {
    /// Every plugin of DIR: name, version, kind, languages, file, description.
    List {
        #[arg(long, value_name = "DIR")]
        plugins: PathBuf,
    },
    /// Load FILE, check it against the interface, print what it says about itself.
    /// Exit 2 when it is refused.
    Check { file: PathBuf },
    /// Ask the fix strategy FILE for its fixes to one error of a program.
    Run {
        file: PathBuf,
        /// The error (a JSON `CodeError`, as `selfheal check --format json` prints them).
        #[arg(long, value_name = "ERROR.json")]
        error: PathBuf,
        /// The program: a source file or a project directory.
        #[arg(long, value_name = "DIR")]
        program: PathBuf,
        #[arg(long)]
        lang: Option<TargetLanguage>,
    },
}

/// One plugin, as `plugin list` and `plugin check` print it.
#[derive(serde::Serialize)]
struct PluginRow<'a> {
    #[serde(flatten)]
    info: &'a selfheal::plugin::PluginInfo,
    kind: selfheal::plugin::PluginKind,
    file: Option<&'a std::path::Path>,
}

fn plugin_row(plugin: &Plugin) -> PluginRow<'_> {
    PluginRow {
        info: plugin.info(),
        kind: plugin.kind(),
        file: plugin.path(),
    }
}

fn languages(row: &PluginRow<'_>) -> String {
    if row.info.languages.is_empty() {
        "all".to_string()
    } else {
        let names: Vec<&str> = row.info.languages.iter().map(|l| l.name()).collect();
        names.join(",")
    }
}

fn plugin_command(global: &GlobalArgs, action: PluginAction) -> Result<u8, UsageError> {
    let host = plugin_host(global)?;
    match action {
        PluginAction::List { plugins } => {
            let (set, errors) = PluginSet::load_dir(&plugins, &host)?;
            let rows: Vec<PluginRow<'_>> = set.plugins().map(plugin_row).collect();
            if global.format == Format::Json {
                let errors: Vec<serde_json::Value> = errors
                    .iter()
                    .map(|e| serde_json::json!({ "file": e.path, "error": e.error.to_string() }))
                    .collect();
                print_json(&serde_json::json!({ "plugins": rows, "errors": errors }))?;
            } else {
                let mut out = std::io::stdout().lock();
                writeln!(
                    out,
                    "{:<24} {:<10} {:<13} {:<24} {:<32} description",
                    "name", "version", "kind", "languages", "file"
                )?;
                for row in &rows {
                    writeln!(
                        out,
                        "{:<24} {:<10} {:<13} {:<24} {:<32} {}",
                        row.info.name,
                        row.info.version,
                        row.kind.to_string(),
                        languages(row),
                        row.file
                            .map_or_else(String::new, |f| f.display().to_string()),
                        row.info.description
                    )?;
                }
                for error in &errors {
                    writeln!(out, "not loaded: {error}")?;
                }
            }
            Ok(if errors.is_empty() { 0 } else { 1 })
        }
        PluginAction::Check { file } => {
            let plugin = host
                .load_file(&file)
                .map_err(|e| UsageError(format!("{}: refused: {e}", file.display())))?;
            let row = plugin_row(&plugin);
            if global.format == Format::Json {
                print_json(&row)?;
            } else {
                let mut out = std::io::stdout().lock();
                writeln!(out, "{}: ok", file.display())?;
                writeln!(out, "name: {}", row.info.name)?;
                writeln!(out, "version: {}", row.info.version)?;
                writeln!(out, "kind: {}", row.kind)?;
                writeln!(out, "languages: {}", languages(&row))?;
                writeln!(out, "description: {}", row.info.description)?;
                writeln!(
                    out,
                    "interface: selfheal:plugin@{}",
                    selfheal::plugin::INTERFACE_VERSION
                )?;
            }
            Ok(0)
        }
        PluginAction::Run {
            file,
            error,
            program,
            lang,
        } => {
            let plugin = host
                .load_file(&file)
                .map_err(|e| UsageError(format!("{}: refused: {e}", file.display())))?;
            let strategy = selfheal::plugin::WasmFixStrategy::new(plugin)?;
            let text = std::fs::read_to_string(&error)
                .map_err(|e| UsageError(format!("--error {}: {e}", error.display())))?;
            let code_error: selfheal::CodeError = serde_json::from_str(&text).map_err(|e| {
                UsageError(format!(
                    "--error {}: not a CodeError as JSON ({e}); use one of the `errors` of \
                     `selfheal check --format json`",
                    error.display()
                ))
            })?;
            let program = Program::load(&program, lang)?;
            let fixes = strategy
                .plugin()
                .suggest(
                    &code_error,
                    &program,
                    selfheal::fix::FixStrategy::id(&strategy),
                )
                .map_err(|failure| UsageError(failure.to_string()))?;
            if global.format == Format::Json {
                print_json(&fixes)?;
            } else {
                let mut out = std::io::stdout().lock();
                if fixes.is_empty() {
                    writeln!(out, "no fixes")?;
                }
                for (i, fix) in fixes.iter().enumerate() {
                    writeln!(
                        out,
                        "{}. {} (confidence {:.2})",
                        i + 1,
                        fix.description,
                        fix.confidence
                    )?;
                    for edit in &fix.edits {
                        writeln!(
                            out,
                            "   {} {}..{} -> {:?}",
                            edit.file, edit.byte_start, edit.byte_end, edit.replacement
                        )?;
                    }
                }
            }
            Ok(0)
        }
    }
}
