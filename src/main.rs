//! The `selfheal` command line: parses arguments, builds library objects, runs the command,
//! renders what it returns (`cli/`).
//!
//! Exit codes: 0 success, 1 the program fails, 2 usage or environment error, 130/143 stopped
//! by SIGINT/SIGTERM.

use std::process::ExitCode;

mod cli;

/// Bounds glibc's malloc for a long-running process (`serve`, `worker`); docs/service.md, Soak.
///
/// A soak of `selfheal serve` showed its live heap flat while resident memory crept up: freed
/// memory kept in the malloc arenas of its many threads. Two arenas instead of up to 8 per core,
/// and a fixed 128 KiB mmap threshold (glibc otherwise raises it after each large free, so big
/// buffers move into the arenas and stay there), stop the creep. Only the binary does this (the
/// library never tunes the allocator of its embedder), and not when the operator set
/// `GLIBC_TUNABLES` for malloc: theirs win.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn bound_glibc_malloc() {
    let set_by_operator =
        std::env::var("GLIBC_TUNABLES").is_ok_and(|t| t.contains("glibc.malloc."));
    if set_by_operator {
        return;
    }
    // SAFETY: mallopt only changes malloc's parameters; called before any other thread starts.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 << 10);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 128 << 10);
    }
}

fn main() -> ExitCode {
    let cli = match selfheal::settings::parse_args::<cli::Cli, _>(std::env::args_os()) {
        Ok(cli) => cli,
        Err(code) => return ExitCode::from(code),
    };
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if cli.handles_signals() {
        bound_glibc_malloc();
    }
    // Before the runtime: the OTLP/HTTP client is a blocking one on its own threads.
    let telemetry = selfheal::settings::start_telemetry(cli.global.trace_stdout);
    let handles_signals = cli.handles_signals();
    let command = async { cli::dispatch(cli).await.map_err(|e| e.0) };
    let code = selfheal::settings::run_command(command, handles_signals);
    // Flushes the spans and metrics still buffered (outside the runtime, see above).
    drop(telemetry);
    ExitCode::from(code)
}
