//! The `selfheal` command line: parses arguments, builds library objects, runs the command,
//! renders what it returns (`cli/`).
//!
//! Exit codes: 0 success, 1 the program fails, 2 usage or environment error, 130/143 stopped
//! by SIGINT/SIGTERM.

use std::process::ExitCode;

mod cli;

fn main() -> ExitCode {
    let cli = match selfheal::settings::parse_args::<cli::Cli, _>(std::env::args_os()) {
        Ok(cli) => cli,
        Err(code) => return ExitCode::from(code),
    };
    // Before the runtime: the OTLP/HTTP client is a blocking one on its own threads.
    let telemetry = selfheal::settings::start_telemetry(cli.global.trace_stdout);
    let handles_signals = cli.handles_signals();
    let command = async { cli::dispatch(cli).await.map_err(|e| e.0) };
    let code = selfheal::settings::run_command(command, handles_signals);
    // Flushes the spans and metrics still buffered (outside the runtime, see above).
    drop(telemetry);
    ExitCode::from(code)
}
