//! The `selfheal` command line: a thin layer over the library.
//!
//! Exit codes: 0 success, 1 the program fails, 2 usage or environment error.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use selfheal::toolchain::{doctor, DoctorEntry, ToolchainEnv};
use selfheal::validate::{Expect, RunOptions, RunReport, Validator, ValidatorConfig};
use selfheal::{Program, TargetLanguage, ValidationResult};

#[derive(Parser)]
#[command(
    name = "selfheal",
    version,
    about = "Validate machine-generated programs in a sandbox and report structured errors",
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
    },
    /// Run a program in the sandbox (builds it first if its toolchain needs to).
    Run {
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
    /// Show, for each toolchain, whether it is installed and ready.
    Doctor,
    /// Prepare the dependency sets (builds the Rust crates, warms the Go cache).
    Setup {
        /// Only these languages (default: all whose toolchain is installed).
        #[arg(long, value_delimiter = ',')]
        lang: Vec<TargetLanguage>,
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
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SELFHEAL_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(dispatch(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(UsageError(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

async fn dispatch(cli: Cli) -> Result<u8, UsageError> {
    let global = cli.global;
    match cli.command {
        Command::Check { path, lang, expect } => {
            let program = Program::load(&path, lang)?;
            let expect = expect.unwrap_or_else(|| Expect::for_program(&program));
            let validator = validator(&global)?;
            let result = validator.validate(&program, expect).await?;
            print_validation(&result, global.format)?;
            Ok(if result.passed { 0 } else { 1 })
        }
        Command::Run {
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
            let validator = validator(&global)?;
            let report = validator.run(&program, &options).await?;
            print_run(&report, global.format)?;
            Ok(if report.success { 0 } else { 1 })
        }
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
        .ok_or_else(|| UsageError(format!("--timeout {value}: give a positive number of seconds")))
}

fn read_stdin(path: Option<&std::path::Path>) -> Result<Vec<u8>, UsageError> {
    const MAX_STDIN: u64 = 16 << 20;
    let mut buffer = Vec::new();
    match path {
        None => {}
        Some(p) if p.as_os_str() == "-" => {
            std::io::stdin().take(MAX_STDIN + 1).read_to_end(&mut buffer)?;
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
