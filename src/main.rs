//! The `selfheal` command line: parses arguments, builds library objects, runs the command,
//! renders what it returns (`cli/`).
//!
//! Exit codes: 0 success, 1 the program fails, 2 usage or environment error, 130/143 stopped
//! by SIGINT/SIGTERM.

use std::process::ExitCode;

use clap::Parser;

mod cli;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    // Before the runtime: the OTLP/HTTP client is a blocking one on its own threads.
    let telemetry = selfheal::settings::start_telemetry(cli.global.trace_stdout);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let outcome = if cli.handles_signals() {
        let output = runtime.block_on(cli::dispatch(cli));
        runtime.shutdown_timeout(selfheal::signals::CLEANUP_GRACE);
        Ok(output)
    } else {
        selfheal::signals::block_on_until_signal(runtime, cli::dispatch(cli))
    };
    let code = match outcome {
        Ok(Ok(code)) => code,
        Ok(Err(cli::UsageError(message))) => {
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
