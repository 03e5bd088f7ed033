//! The binary's own modules: arguments, one file per command group. Every command builds
//! library objects (`selfheal::settings`), runs them and prints what they return. A new
//! command is a variant of [`Command`] and one line of [`dispatch`].

mod admin;
mod check;
mod generate;
mod heal;
mod plugin;
mod serve;
mod worker;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use selfheal::settings::{Dirs, Format};
pub use selfheal::terminal::print_escaped as out;

#[derive(Parser)]
#[command(
    name = "selfheal",
    version,
    about = "Validate and heal machine-generated programs in a sandbox",
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
pub struct GlobalArgs {
    #[command(flatten)]
    dirs: Dirs,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Print every finished trace span to stdout (OTLP export is set up by the standard
    /// OTEL_EXPORTER_OTLP_* variables; see docs/observability.md).
    #[arg(long, global = true)]
    pub trace_stdout: bool,
}

impl GlobalArgs {
    /// `value` in the chosen format (`human` builds the text).
    fn print<T: serde::Serialize>(&self, value: &T, human: impl FnOnce(&T) -> String) -> Exit {
        Ok(self.format.print(value, human).map(|()| 0)?)
    }
}

#[derive(Subcommand)]
enum Command {
    /// Compile and test a program in the sandbox; print its errors.
    Check(check::CheckArgs),
    /// Run a program in the sandbox (builds it first if its toolchain needs to).
    Run(check::RunArgs),
    /// Repair a failing program: print the repair history and the diff; `--write` saves it.
    Heal(heal::HealArgs),
    /// Heal every case of a corpus (JSON Lines) and report how many healed.
    Eval(heal::EvalArgs),
    /// Inspect or maintain the validation cache (see docs/cache.md).
    Cache(admin::CacheCommand),
    /// Show, for each toolchain, whether it is installed and ready.
    Doctor,
    /// List, check and try WebAssembly plugins (docs/plugins.md).
    Plugin {
        #[command(subcommand)]
        action: plugin::PluginAction,
    },
    /// Prepare the dependency sets (builds the Rust crates, warms the Go cache).
    Setup(admin::SetupArgs),
    /// Generate a program from a spec (TOML), heal it, regenerate while it fails
    /// (docs/generate.md). Exit 0 passing, 1 not passing, 2 bad input.
    Generate(generate::GenerateArgs),
    /// Show or reset the learned template prelude (see docs/generate.md).
    Prelude(generate::PreludeCommand),
    /// Serve the HTTP/JSON API (docs/service.md); `serve hash-key` makes API keys.
    Serve(serve::ServeArgs),
    /// Run validation jobs from a NATS JetStream queue (docs/scale.md); drains on SIGTERM.
    Worker(worker::WorkerArgs),
    /// Show health metrics, what the learner learned, and the validation cache's statistics.
    Stats {
        /// The data dir to read (default: $XDG_DATA_HOME/selfheal).
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
}

impl Cli {
    /// The command handles SIGINT/SIGTERM itself (`serve` drains and exits 0), so `main`
    /// must not stop it on the first signal.
    pub fn handles_signals(&self) -> bool {
        matches!(self.command, Command::Serve(_) | Command::Worker(_))
    }
}

/// A failure of selfheal itself or of its input (exit code 2).
pub struct UsageError(pub String);

impl<E: std::fmt::Display> From<E> for UsageError {
    fn from(e: E) -> Self {
        UsageError(e.to_string())
    }
}

/// What a command returns: its exit code (0 success, 1 the program fails), or a usage error.
pub type Exit = Result<u8, UsageError>;

pub async fn dispatch(cli: Cli) -> Exit {
    let g = &cli.global;
    match cli.command {
        Command::Check(args) => check::check(g, args).await,
        Command::Run(args) => check::run(g, args).await,
        Command::Heal(args) => heal::heal(g, args).await,
        Command::Eval(args) => heal::eval(g, args).await,
        Command::Cache(args) => admin::cache(g, args),
        Command::Doctor => admin::doctor(g).await,
        Command::Plugin { action } => plugin::plugin(g, action),
        Command::Setup(args) => admin::setup_command(g, args).await,
        Command::Generate(args) => generate::generate(g, args).await,
        Command::Prelude(args) => generate::prelude(g, args),
        Command::Serve(args) => serve::serve_command(g, args).await,
        Command::Worker(args) => worker::worker(g, args).await,
        Command::Stats { data_dir } => {
            let data_dir = data_dir.unwrap_or_else(selfheal::dirs::default_data_dir);
            let stats = selfheal::render::DataDirStats::gather(&data_dir);
            g.print(&stats, |s| s.render())
        }
    }
}
