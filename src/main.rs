//! The `selfheal` command line: parses arguments, builds library objects, runs the command,
//! renders what it returns (`cli/`).
//!
//! Exit codes: 0 success, 1 the program fails, 2 usage or environment error, 130/143 stopped
//! by SIGINT/SIGTERM.

use std::process::ExitCode;

use clap::Parser;

mod cli;

use cli::{Cli, UsageError};

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
    let code = match selfheal::signals::block_on_until_signal(runtime, cli::dispatch(cli)) {
        Ok(Ok(code)) => code,
        Ok(Err(UsageError(message))) => {
            cli::render::err(&format!("error: {message}\n"));
            2
        }
        Err(stop) => {
            eprintln!(
                "selfheal: interrupted by {}; stopped the sandboxes and removed the work directories",
                stop.name()
            );
            stop.exit_code()
        }
    };
    // Flushes the spans and metrics still buffered (outside the runtime, see above).
    drop(telemetry);
    ExitCode::from(code)
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
